//! Features of one entity instance as of one time (spec §4.1, §5.3, §5.4).
//!
//! A [`Spine`] is one `(instance, as_of)` pair: a row of the 360 table or of a training set.
//! Features are computed on demand and remembered, so a feature read by several others (or
//! by a filter, row after row) is computed once, after the features it reads.

use std::collections::{BTreeMap, HashMap};

use c360_sema::model::{EntityDef, Pipeline};
use c360_sema::Type;

use crate::aggregate::{self, Item};
use crate::error::Error;
use crate::eval::{eval, Scope};
use crate::identity::Graph;
use crate::pattern::Patterns;
use crate::prepare::SourceRows;
use crate::time::{format_timestamp, MICROS_PER_SECOND};
use crate::value::Value;

/// What every spine of one entity shares: the sources' rows and who owns them.
pub(crate) struct EntityData<'a> {
    pub entity: &'a EntityDef,
    pub sources: &'a BTreeMap<String, SourceRows>,
    pub graph: &'a Graph,
    /// Per source, per instance: the indexes of the rows it owns.
    rows_of: BTreeMap<String, Vec<Vec<usize>>>,
}

impl<'a> EntityData<'a> {
    /// Groups every source's rows by the instance that owns them.
    pub fn new(
        entity: &'a EntityDef,
        sources: &'a BTreeMap<String, SourceRows>,
        graph: &'a Graph,
    ) -> Self {
        let rows_of = graph
            .row_instance
            .iter()
            .map(|(name, owners)| {
                let mut by_instance = vec![Vec::new(); graph.instances.len()];
                for (r, owner) in owners.iter().enumerate() {
                    if let Some(i) = owner {
                        by_instance[*i].push(r);
                    }
                }
                (name.clone(), by_instance)
            })
            .collect();
        EntityData {
            entity,
            sources,
            graph,
            rows_of,
        }
    }

    /// The rows of `source` owned by `instance`.
    fn rows(&self, source: &str, instance: Option<usize>) -> &[usize] {
        match (instance, self.rows_of.get(source)) {
            (Some(i), Some(by_instance)) => by_instance.get(i).map_or(&[], Vec::as_slice),
            _ => &[],
        }
    }
}

/// One `(instance, as_of)` row being computed.
pub(crate) struct Spine<'a, 'p> {
    data: &'a EntityData<'a>,
    /// The instance; `None` for a label row whose identifiers are unknown (it owns no rows).
    instance: Option<usize>,
    /// `None` for a label row with a null time: no timed row is at or before it.
    as_of: Option<i64>,
    memo: HashMap<String, Value>,
    computing: Vec<String>,
    patterns: &'p mut Patterns,
}

impl<'a, 'p> Spine<'a, 'p> {
    /// A spine row of `instance` as of `as_of`.
    pub fn new(
        data: &'a EntityData<'a>,
        instance: Option<usize>,
        as_of: Option<i64>,
        patterns: &'p mut Patterns,
    ) -> Self {
        Spine {
            data,
            instance,
            as_of,
            memo: HashMap::new(),
            computing: Vec::new(),
            patterns,
        }
    }

    fn describe(&self) -> String {
        let who = match self.instance {
            Some(i) => format!(
                "`{}` `{}`",
                self.data.entity.key_column(),
                self.data.graph.instances[i].key
            ),
            None => "a label row without a known entity".to_string(),
        };
        let when = self
            .as_of
            .map_or_else(|| "a null time".to_string(), format_timestamp);
        format!("{who} as of {when}")
    }

    /// The value of feature `name`, widened to its type.
    pub fn feature_value(&mut self, name: &str) -> Result<Value, Error> {
        if let Some(v) = self.memo.get(name) {
            return Ok(v.clone());
        }
        let entity = self.data.entity;
        let Some(def) = entity.feature(name) else {
            return Err(Error::new(format!(
                "entity `{}` has no feature `{name}`",
                entity.name
            )));
        };
        if self.computing.iter().any(|f| f == name) {
            let mut cycle = self.computing.clone();
            cycle.push(name.to_string());
            return Err(Error::new(format!(
                "the features of `{}` depend on each other in a cycle: {}",
                entity.name,
                cycle.join(" → ")
            ))
            .at(def.location.file.as_str()));
        }
        self.computing.push(name.to_string());
        let result = eval(self, &def.body);
        self.computing.pop();
        let value = result
            .map_err(|e| {
                let e = if e.location.is_none() {
                    e.at(def.location.file.as_str())
                } else {
                    e
                };
                e.context(|| {
                    format!(
                        "while computing feature `{}` of `{}` for {}",
                        def.name,
                        entity.name,
                        self.describe()
                    )
                })
            })?
            .widen(&def.ty);
        self.memo.insert(name.to_string(), value.clone());
        Ok(value)
    }
}

impl Scope for Spine<'_, '_> {
    fn patterns(&mut self) -> &mut Patterns {
        self.patterns
    }

    fn feature(&mut self, entity: &str, feature: &str) -> Result<Value, Error> {
        if entity != self.data.entity.name {
            return Err(Error::new(format!(
                "a feature of `{}` reads `{entity}.{feature}`, a feature of another entity",
                self.data.entity.name
            )));
        }
        self.feature_value(feature)
    }

    fn now(&self) -> Result<Option<i64>, Error> {
        Ok(self.as_of)
    }

    fn pipeline(&mut self, p: &Pipeline, ty: &Type) -> Result<Value, Error> {
        let data = self.data;
        let Some(source) = data.sources.get(&p.source) else {
            return Err(Error::new(format!("there is no source `{}`", p.source)));
        };
        let timed = source.def.time_column().is_some();
        if !timed && !p.windows.is_empty() {
            return Err(Error::new(format!(
                "`within` over `{}`, a snapshot source without `@time`",
                p.source
            ))
            .with_help("run `c360 check`: this is error E0206"));
        }
        // The window bounds: as_of - D < time <= as_of.
        let lower: Option<i64> = match self.as_of {
            Some(as_of) => p
                .windows
                .iter()
                .map(|w| {
                    w.checked_mul(MICROS_PER_SECOND)
                        .and_then(|w| as_of.checked_sub(w))
                        .unwrap_or(i64::MIN)
                })
                .max(),
            None => None,
        };
        let mut items = Vec::new();
        for &r in data.rows(&p.source, self.instance) {
            let time = source.times[r];
            if timed {
                let (Some(t), Some(as_of)) = (time, self.as_of) else {
                    continue;
                };
                if t > as_of || lower.is_some_and(|l| t <= l) {
                    continue;
                }
            }
            let mut scope = RowScope {
                spine: self,
                source,
                row: r,
            };
            let at_row = |e: Error| {
                if e.location.is_none() {
                    e.at(source.row_location(r))
                } else {
                    e
                }
            };
            let mut keep = true;
            for f in &p.filters {
                if !matches!(eval(&mut scope, f).map_err(at_row)?, Value::Bool(true)) {
                    keep = false;
                    break;
                }
            }
            if !keep {
                continue;
            }
            let value = match &p.arg {
                Some(arg) => eval(&mut scope, arg).map_err(at_row)?,
                None => Value::Null,
            };
            items.push(Item {
                time: if timed { time } else { None },
                value,
            });
        }
        aggregate::compute(p.aggregate, ty, p.limit, items)
    }
}

/// A spine looking at one row of a pipeline's source.
struct RowScope<'s, 'a, 'p> {
    spine: &'s mut Spine<'a, 'p>,
    source: &'a SourceRows,
    row: usize,
}

impl Scope for RowScope<'_, '_, '_> {
    fn patterns(&mut self) -> &mut Patterns {
        self.spine.patterns
    }

    fn column(&self, source: &str, column: &str) -> Result<Value, Error> {
        if source != self.source.def.name {
            return Err(Error::new(format!(
                "a pipeline over `{}` reads the column `{source}.{column}` of another source",
                self.source.def.name
            )));
        }
        let i = self
            .source
            .def
            .columns
            .iter()
            .position(|c| c.name == column)
            .ok_or_else(|| Error::new(format!("source `{source}` has no column `{column}`")))?;
        Ok(self.source.rows[self.row][i].clone())
    }

    fn feature(&mut self, entity: &str, feature: &str) -> Result<Value, Error> {
        self.spine.feature(entity, feature)
    }

    fn now(&self) -> Result<Option<i64>, Error> {
        Ok(self.spine.as_of)
    }

    fn pipeline(&mut self, p: &Pipeline, _ty: &Type) -> Result<Value, Error> {
        Err(Error::new(format!(
            "a pipeline over `{}` is nested inside a pipeline over `{}`",
            p.source, self.source.def.name
        ))
        .with_help("run `c360 check`: this is error E0211; make the inner pipeline a feature"))
    }
}
