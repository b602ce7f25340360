//! Lowering: the typed model to the plan.

use std::collections::{BTreeSet, HashMap, HashSet};

use c360_sema::model::{self, EntityDef, ExprKind, Function, Literal, Model};
use c360_sema::Type;

use crate::plan::{
    AggregatePlan, ColumnRef, EntityPlan, FeaturePlan, IdTypeRule, Plan, Program, Scalar,
    ScalarKind, Scan, SourceRead, Step, TrainingSetPlan,
};

/// Lowers a model that checked without errors to its plan.
pub fn lower(model: &Model) -> Plan {
    let entities = model
        .entities
        .iter()
        .map(|e| lower_entity(model, e))
        .collect();
    let training_sets = model
        .training_sets
        .iter()
        .filter_map(|ts| {
            let entity = model.entity(&ts.entity)?;
            let program = program(entity, &ts.features);
            let outputs = ts
                .features
                .iter()
                .filter_map(|f| program.features.iter().position(|p| &p.name == f))
                .collect();
            let column = |c: &model::ColumnDef| ColumnRef {
                name: c.name.clone(),
                physical: c.physical.clone(),
                ty: c.ty.clone(),
            };
            Some(TrainingSetPlan {
                name: ts.name.clone(),
                entity: ts.entity.clone(),
                table: ts.labels_table.clone(),
                columns: ts.labels_columns.iter().map(column).collect(),
                ids: ts
                    .labels_columns
                    .iter()
                    .filter_map(|c| {
                        let t = c.id_type.as_ref().filter(|t| entity.ids.contains(t))?;
                        Some((column(c), t.clone()))
                    })
                    .collect(),
                time: ts.labels_columns.iter().find(|c| c.is_time).map(column)?,
                program,
                outputs,
            })
        })
        .collect();
    Plan {
        entities,
        training_sets,
    }
}

fn lower_entity(model: &Model, entity: &EntityDef) -> EntityPlan {
    let id_types = entity
        .ids
        .iter()
        .filter_map(|name| model.id_types.get(name))
        .map(|t| IdTypeRule {
            name: t.name.clone(),
            normalize: t
                .normalize
                .as_ref()
                .map(|e| scalar(e, &mut Aggregates::default())),
            valid: t
                .valid
                .as_ref()
                .map(|e| scalar(e, &mut Aggregates::default())),
            exclude: t.exclude.clone(),
            max_links: t.max_links,
        })
        .collect();
    let all: Vec<String> = entity.features.iter().map(|f| f.name.clone()).collect();
    let program = program(entity, &all);
    let mut read_columns: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for agg in &program.aggregates {
        let set = read_columns.entry(agg.source.as_str()).or_default();
        for e in agg.filters.iter().chain(agg.arg.as_ref()) {
            e.walk(&mut |s| {
                if let ScalarKind::Column(c) = &s.kind {
                    set.insert(c.clone());
                }
            });
        }
    }
    let sources = model
        .sources
        .values()
        .filter_map(|source| {
            let ids: Vec<(ColumnRef, String)> = source
                .columns
                .iter()
                .filter_map(|c| {
                    let t = c.id_type.as_ref().filter(|t| entity.ids.contains(t))?;
                    Some((column_ref(c), t.clone()))
                })
                .collect();
            if ids.is_empty() {
                return None;
            }
            let used = read_columns.get(source.name.as_str());
            Some(SourceRead {
                source: source.name.clone(),
                table: source.table.clone(),
                time: source.time_column().map(column_ref),
                ids,
                columns: source
                    .columns
                    .iter()
                    .filter(|c| used.is_some_and(|u| u.contains(&c.name)))
                    .map(column_ref)
                    .collect(),
            })
        })
        .collect();
    let outputs = program
        .features
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.hidden)
        .map(|(i, _)| i)
        .collect();
    EntityPlan {
        name: entity.name.clone(),
        key_column: entity.key_column(),
        id_types,
        sources,
        program,
        outputs,
    }
}

fn column_ref(c: &model::ColumnDef) -> ColumnRef {
    ColumnRef {
        name: c.name.clone(),
        physical: c.physical.clone(),
        ty: c.ty.clone(),
    }
}

/// The aggregates of a program, deduplicated: two features with the same pipeline share it.
#[derive(Default)]
struct Aggregates {
    list: Vec<AggregatePlan>,
    index: HashMap<AggregatePlan, usize>,
}

impl Aggregates {
    fn add(&mut self, agg: AggregatePlan) -> usize {
        if let Some(&i) = self.index.get(&agg) {
            return i;
        }
        let i = self.list.len();
        self.index.insert(agg.clone(), i);
        self.list.push(agg);
        i
    }
}

/// The program computing `wanted` and every feature they depend on.
pub(crate) fn program(entity: &EntityDef, wanted: &[String]) -> Program {
    let mut needed: HashSet<&str> = HashSet::new();
    let mut stack: Vec<&str> = wanted.iter().map(String::as_str).collect();
    while let Some(name) = stack.pop() {
        if needed.insert(name) {
            if let Some(f) = entity.feature(name) {
                stack.extend(f.depends_on.iter().map(String::as_str));
            }
        }
    }
    let mut aggregates = Aggregates::default();
    let features: Vec<FeaturePlan> = entity
        .features
        .iter()
        .filter(|f| needed.contains(f.name.as_str()))
        .map(|f| FeaturePlan {
            name: f.name.clone(),
            ty: f.ty.clone(),
            expr: scalar(&f.body, &mut aggregates),
            hidden: f.hidden,
        })
        .collect();
    let aggregates = aggregates.list;
    let steps = schedule(&aggregates, &features);
    Program {
        aggregates,
        features,
        steps,
    }
}

/// Orders the work: scans as soon as the features their filters read exist, then as many
/// projection layers as are ready, repeatedly. Scans of one step are grouped per source.
fn schedule(aggregates: &[AggregatePlan], features: &[FeaturePlan]) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut have_features: HashSet<&str> = HashSet::new();
    let mut have_aggs: HashSet<usize> = HashSet::new();
    let agg_needs: Vec<Vec<String>> = aggregates.iter().map(AggregatePlan::features).collect();
    let feature_needs: Vec<(Vec<usize>, Vec<String>)> = features
        .iter()
        .map(|f| (f.expr.aggregates(), f.expr.features()))
        .collect();
    while have_features.len() < features.len() {
        let mut progressed = false;
        let ready: Vec<usize> = (0..aggregates.len())
            .filter(|i| !have_aggs.contains(i))
            .filter(|&i| {
                agg_needs[i]
                    .iter()
                    .all(|f| have_features.contains(f.as_str()))
            })
            .collect();
        if !ready.is_empty() {
            let mut by_source: Vec<Scan> = Vec::new();
            for i in ready {
                have_aggs.insert(i);
                let source = &aggregates[i].source;
                match by_source.iter_mut().find(|s| &s.source == source) {
                    Some(scan) => scan.aggregates.push(i),
                    None => by_source.push(Scan {
                        source: source.clone(),
                        aggregates: vec![i],
                    }),
                }
            }
            by_source.sort_by(|a, b| a.source.cmp(&b.source));
            steps.push(Step::Scans(by_source));
            progressed = true;
        }
        loop {
            let layer: Vec<usize> = (0..features.len())
                .filter(|&i| !have_features.contains(features[i].name.as_str()))
                .filter(|&i| {
                    let (aggs, feats) = &feature_needs[i];
                    aggs.iter().all(|a| have_aggs.contains(a))
                        && feats.iter().all(|f| have_features.contains(f.as_str()))
                })
                .collect();
            if layer.is_empty() {
                break;
            }
            for &i in &layer {
                have_features.insert(&features[i].name);
            }
            steps.push(Step::Project(layer));
            progressed = true;
        }
        if !progressed {
            // Only a cycle can stop progress, and checked models have none.
            break;
        }
    }
    steps
}

fn scalar(e: &model::Expr, aggs: &mut Aggregates) -> Scalar {
    let ty = e.ty.clone();
    let kind = match &e.kind {
        ExprKind::Literal(l) => ScalarKind::Literal(l.clone()),
        ExprKind::List(items) => ScalarKind::List(items.iter().map(|i| scalar(i, aggs)).collect()),
        ExprKind::Value => ScalarKind::Value,
        ExprKind::Column { column, .. } => ScalarKind::Column(column.clone()),
        ExprKind::Feature { feature, .. } => ScalarKind::Feature(feature.clone()),
        ExprKind::Call {
            func: Function::Now,
            ..
        } => ScalarKind::AsOf,
        ExprKind::Call { func, args } => {
            ScalarKind::Call(*func, args.iter().map(|a| scalar(a, aggs)).collect())
        }
        ExprKind::Neg(x) => ScalarKind::Neg(Box::new(scalar(x, aggs))),
        ExprKind::Not(x) => ScalarKind::Not(Box::new(scalar(x, aggs))),
        ExprKind::Binary { op, lhs, rhs } => ScalarKind::Binary(
            *op,
            Box::new(scalar(lhs, aggs)),
            Box::new(scalar(rhs, aggs)),
        ),
        ExprKind::IsNull { expr, negated } => {
            ScalarKind::IsNull(Box::new(scalar(expr, aggs)), *negated)
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => ScalarKind::If(
            Box::new(scalar(cond, aggs)),
            Box::new(scalar(then, aggs)),
            Box::new(scalar(otherwise, aggs)),
        ),
        ExprKind::Pipeline(p) => {
            let plan = AggregatePlan {
                source: p.source.clone(),
                filters: p.filters.iter().map(|f| scalar(f, aggs)).collect(),
                window: p.windows.iter().copied().min(),
                aggregate: p.aggregate,
                arg: p.arg.as_ref().map(|a| scalar(a, aggs)),
                limit: p.limit,
                ty: e.ty.clone(),
            };
            ScalarKind::Aggregate(aggs.add(plan))
        }
        // Lowering only sees models without errors; keep it total all the same.
        ExprKind::Error => ScalarKind::Literal(Literal::Null),
    };
    Scalar {
        kind,
        ty: if ty.is_error() { Type::Null } else { ty },
    }
}
