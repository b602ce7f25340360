//! Features over a spine of `(row, entity key, as_of)`: one statement per step of the
//! program. A scan step joins one grouped, conditional-aggregate scan per source onto the
//! spine; a projection step computes the features that are ready. Both the 360 table and
//! training sets use this code; only their spines differ.

use c360_ir::{AggregatePlan, EntityPlan, IdTypeRule, Program, Scan, SourceRead, Step};
use c360_sema::model::Aggregate;
use c360_sema::Type;
use sqlparser::ast::{BinaryOperator, Expr, Ident, ObjectName, OrderByExpr, SelectItem};

use crate::ast::{
    all_of, bin, cast, cte, func, inner_join, item, left_join, query, table, when, Call, Sel,
};
use crate::gen::{agg_col, feature_col, source_col, Env, Gen, Site, AS_OF, ID, NODE, ROW, TIME};
use crate::quirks::{row_number, Ordered, Seconds, Windows};

/// What a program is computed over.
pub(crate) struct Spine<'p> {
    /// The entity whose sources and id rules the scans use.
    pub(crate) entity: &'p EntityPlan,
    /// The spine table: `c360_row`, `c360_id`, `c360_as_of` (and label columns).
    pub(crate) table: ObjectName,
    /// The entity's node → key table.
    pub(crate) graph: ObjectName,
    /// Names the table of layer `n` (1-based).
    pub(crate) layer: &'p dyn Fn(usize) -> String,
    /// Names the step of layer `n`.
    pub(crate) step: &'p dyn Fn(usize) -> String,
    /// What the spine is, for file headers ("`customer`", "training set `churn`").
    pub(crate) what: String,
}

/// Window columns registered while generating one scan's aggregates.
struct WindowCols<'g> {
    q: &'g dyn crate::quirks::Quirks,
    cols: Vec<(Ident, Expr)>,
}

impl Windows for WindowCols<'_> {
    fn rank(&mut self, keys: Vec<OrderByExpr>) -> Expr {
        let name = self.q.ident(&format!("c360_rank{}", self.cols.len()));
        let part = crate::ast::qualified(vec![self.q.ident("j"), self.q.ident(ROW)]);
        self.cols.push((name.clone(), row_number(part, keys)));
        crate::ast::qualified(vec![self.q.ident("j"), name])
    }
}

/// Generates every step of `program` over `spine`; returns the last layer (the spine itself
/// when there is nothing to compute).
pub(crate) fn program(g: &mut Gen, program: &Program, spine: &Spine) -> ObjectName {
    let mut prev = spine.table.clone();
    let users = users(program);
    for (n, step) in program.steps.iter().enumerate() {
        let layer = g.table(&(spine.layer)(n + 1));
        let q = match step {
            Step::Scans(scans) => scans_layer(g, program, &users, spine, &prev, scans),
            Step::Project(features) => project_layer(g, program, spine, &prev, features),
        };
        let about = match step {
            Step::Scans(scans) => format!(
                "Features of {}: grouped scans of {}.",
                spine.what,
                scans
                    .iter()
                    .map(|s| format!("`{}`", s.source))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Step::Project(_) => format!("Features of {}: derived values.", spine.what),
        };
        g.create_step((spine.step)(n + 1), about, &layer, &q);
        g.work_tables.push(layer.clone());
        prev = layer;
    }
    prev
}

/// For each aggregate of the program, the features that use it (for diagnostics).
fn users(program: &Program) -> Vec<Vec<String>> {
    let mut out = vec![Vec::new(); program.aggregates.len()];
    for f in &program.features {
        for i in f.expr.aggregates() {
            if let Some(users) = out.get_mut(i) {
                users.push(f.name.clone());
            }
        }
    }
    out
}

fn project_layer(
    g: &mut Gen,
    program: &Program,
    spine: &Spine,
    prev: &ObjectName,
    features: &[usize],
) -> sqlparser::ast::Query {
    let p = g.id("p");
    let env = Env::relation(p.clone());
    let mut items = vec![all_of(p.clone())];
    for &i in features {
        let f = &program.features[i];
        g.site = Site::Feature(spine.entity.name.clone(), f.name.clone());
        let e = g.scalar(&f.expr, &env);
        let t = g.ty(&f.ty);
        items.push(item(cast(e, t), g.id(&feature_col(&f.name))));
    }
    Sel::new(items, table(prev.clone(), Some(p))).query()
}

fn scans_layer(
    g: &mut Gen,
    program: &Program,
    users: &[Vec<String>],
    spine: &Spine,
    prev: &ObjectName,
    scans: &[Scan],
) -> sqlparser::ast::Query {
    let p = g.id("p");
    let mut ctes = Vec::new();
    let mut items: Vec<SelectItem> = vec![all_of(p.clone())];
    let mut joins = Vec::new();
    for (k, scan) in scans.iter().enumerate() {
        let Some(read) = spine
            .entity
            .sources
            .iter()
            .find(|s| s.source == scan.source)
        else {
            g.site = Site::Source(scan.source.clone());
            g.unsupported(
                format!("reading `{}`", scan.source),
                format!("the source has no identifier of `{}`", spine.entity.name),
            );
            continue;
        };
        let aggs: Vec<&AggregatePlan> = scan
            .aggregates
            .iter()
            .map(|&i| &program.aggregates[i])
            .collect();
        let rows = format!("c360_r{k}");
        let joined = format!("c360_j{k}");
        let ranked = format!("c360_w{k}");
        let grouped = format!("c360_s{k}");

        // Columns the scan reads and spine features its filters use.
        let mut columns: Vec<String> = Vec::new();
        let mut features: Vec<String> = Vec::new();
        for a in &aggs {
            for e in a.filters.iter().chain(a.arg.as_ref()) {
                e.walk(&mut |s| {
                    if let c360_ir::ScalarKind::Column(c) = &s.kind {
                        if !columns.contains(c) {
                            columns.push(c.clone());
                        }
                    }
                });
            }
            for f in a.features() {
                if !features.contains(&f) {
                    features.push(f);
                }
            }
        }
        ctes.push(cte(g.id(&rows), rows_query(g, spine, read, &columns)));

        // The spine joined to its rows, up to each spine row's as_of.
        let sp = g.id("sp");
        let r = g.id("r");
        let mut j_items = vec![
            item(g.col("sp", ROW), g.id(ROW)),
            item(g.col("sp", AS_OF), g.id(AS_OF)),
        ];
        for f in &features {
            j_items.push(item(g.col("sp", &feature_col(f)), g.id(&feature_col(f))));
        }
        if read.time.is_some() {
            j_items.push(item(g.col("r", TIME), g.id(TIME)));
        }
        for c in &columns {
            j_items.push(item(g.col("r", &source_col(c)), g.id(&source_col(c))));
        }
        let mut on = vec![crate::ast::eq(g.col("r", ID), g.col("sp", ID))];
        if read.time.is_some() {
            on.push(bin(
                g.col("r", TIME),
                BinaryOperator::LtEq,
                g.col("sp", AS_OF),
            ));
        }
        let j_query = Sel::new(j_items, table(prev.clone(), Some(sp)))
            .join(inner_join(
                table(ObjectName::from(vec![g.id(&rows)]), Some(r)),
                crate::ast::and_all(on).unwrap_or_else(|| crate::ast::boolean(true)),
            ))
            .query();
        ctes.push(cte(g.id(&joined), j_query));

        // The aggregates, grouped per spine row.
        let j = g.id("j");
        let env = Env::relation(j.clone());
        let mut windows = WindowCols {
            q: g.q,
            cols: Vec::new(),
        };
        let mut s_items = vec![item(g.col("j", ROW), g.id(ROW))];
        for &i in &scan.aggregates {
            g.site = Site::Aggregate {
                entity: spine.entity.name.clone(),
                features: users[i].clone(),
            };
            let e = aggregate(g, &program.aggregates[i], read, &env, &mut windows);
            s_items.push(item(e, g.id(&agg_col(i))));
        }
        let source_of_groups = if windows.cols.is_empty() {
            joined.clone()
        } else {
            let mut w_items = vec![all_of(j.clone())];
            for (name, e) in windows.cols {
                w_items.push(item(e, name));
            }
            let w_query = Sel::new(
                w_items,
                table(ObjectName::from(vec![g.id(&joined)]), Some(j.clone())),
            )
            .query();
            ctes.push(cte(g.id(&ranked), w_query));
            ranked.clone()
        };
        let s_query = Sel::new(
            s_items,
            table(
                ObjectName::from(vec![g.id(&source_of_groups)]),
                Some(j.clone()),
            ),
        )
        .group_by(vec![g.col("j", ROW)])
        .query();
        ctes.push(cte(g.id(&grouped), s_query));

        // Onto the spine, with each aggregate's value over no rows.
        let s = g.id(&format!("s{k}"));
        for &i in &scan.aggregates {
            let a = &program.aggregates[i];
            g.site = Site::Aggregate {
                entity: spine.entity.name.clone(),
                features: users[i].clone(),
            };
            let value = g.col(&format!("s{k}"), &agg_col(i));
            let value = match a.aggregate {
                Aggregate::Count | Aggregate::CountDistinct | Aggregate::Sum => {
                    let t = g.ty(&a.ty);
                    cast(func("COALESCE", vec![value, crate::ast::num(0)]), t)
                }
                Aggregate::FirstN | Aggregate::LastN | Aggregate::Distinct => {
                    let elem = a.ty.element().cloned().unwrap_or(Type::String);
                    let r = g.q.empty_list(&elem);
                    let empty = g.or_unsupported(aggregate_name(a.aggregate), r);
                    func("COALESCE", vec![value, empty])
                }
                _ => value,
            };
            items.push(item(value, g.id(&agg_col(i))));
        }
        joins.push(left_join(
            table(ObjectName::from(vec![g.id(&grouped)]), Some(s)),
            crate::ast::eq(g.col(&format!("s{k}"), ROW), g.col("p", ROW)),
        ));
    }
    let mut sel = Sel::new(items, table(prev.clone(), Some(p)));
    for j in joins {
        sel = sel.join(j);
    }
    query(ctes, sel.into_set())
}

/// The rows of a source with the entity key of their identifiers: `c360_id`, `c360_time`
/// (timestamp), and the columns read as `c_<name>`. A row belongs to the entity of any of its
/// surviving nodes (they are all in one component); rows with none are left out.
fn rows_query(
    g: &mut Gen,
    spine: &Spine,
    read: &SourceRead,
    columns: &[String],
) -> sqlparser::ast::Query {
    let src = g.id("src");
    let mut lookups = Vec::new();
    let mut joins = Vec::new();
    // A row later than the run's `as_of` (read by a training-set label with a later time)
    // linked nothing, so its identifiers may sit in different entities: it belongs to the
    // entity of its first identifier that is a node, in the entity's priority order, then
    // column order — the rule a label row follows.
    let mut ids: Vec<(usize, usize, &_, &IdTypeRule)> = read
        .ids
        .iter()
        .enumerate()
        .filter_map(|(n, (col, id_type))| {
            let p = spine
                .entity
                .id_types
                .iter()
                .position(|t| &t.name == id_type)?;
            Some((p, n, col, &spine.entity.id_types[p]))
        })
        .collect();
    ids.sort_by_key(|&(p, n, _, _)| (p, n));
    for (_, n, col, rule) in ids {
        let alias = format!("g{n}");
        let key = node_key(g, rule, g.col("src", &col.physical));
        lookups.push(g.col(&alias, ID));
        joins.push(left_join(
            table(spine.graph.clone(), Some(g.id(&alias))),
            crate::ast::eq(g.col(&alias, NODE), key),
        ));
    }
    let id = if lookups.len() == 1 {
        lookups.remove(0)
    } else {
        func("COALESCE", lookups)
    };
    let mut items = vec![item(id.clone(), g.id(ID))];
    if let Some(t) = &read.time {
        let e = g.to_timestamp(g.col("src", &t.physical), &t.ty);
        items.push(item(e, g.id(TIME)));
    }
    for c in columns {
        match read.columns.iter().find(|rc| &rc.name == c) {
            Some(rc) => items.push(item(g.col("src", &rc.physical), g.id(&source_col(c)))),
            None => {
                g.site = Site::Source(read.source.clone());
                g.unsupported(format!("column `{c}`"), "it is not a column of the source");
            }
        }
    }
    let mut sel = Sel::new(items, table(g.relation(&read.table), Some(src)));
    for j in joins {
        sel = sel.join(j);
    }
    sel.filter(Some(crate::ast::is_not_null(id))).query()
}

/// The key of the node an identifier column's raw value becomes: `hash(type || ':' || value)`
/// of the normalised value. Values that are not nodes (invalid, excluded, empty, over-linked)
/// have no row in the graph, so looking them up finds nothing.
pub(crate) fn node_key(g: &mut Gen, rule: &IdTypeRule, raw: Expr) -> Expr {
    let value = normalized(g, rule, raw);
    let text = crate::ast::concat(
        crate::ast::concat(g.string(&rule.name), g.string(":")),
        value,
    );
    g.q.node_hash(text)
}

/// `normalize` applied to the raw value cast to a string.
pub(crate) fn normalized(g: &mut Gen, rule: &IdTypeRule, raw: Expr) -> Expr {
    let site = std::mem::replace(&mut g.site, Site::IdType(rule.name.clone()));
    let value = cast(raw, g.q.string_type());
    let out = match &rule.normalize {
        Some(n) => g.scalar(n, &Env::value(value)),
        None => value,
    };
    g.site = site;
    out
}

/// The language's name of an aggregate, for messages.
pub(crate) fn aggregate_name(a: Aggregate) -> &'static str {
    match a {
        Aggregate::Count => "`count()`",
        Aggregate::CountDistinct => "`count_distinct(e)`",
        Aggregate::Sum => "`sum(e)`",
        Aggregate::Avg => "`avg(e)`",
        Aggregate::Min => "`min(e)`",
        Aggregate::Max => "`max(e)`",
        Aggregate::First => "`first(e)`",
        Aggregate::Last => "`last(e)`",
        Aggregate::FirstN => "`first(e, N)`",
        Aggregate::LastN => "`last(e, N)`",
        Aggregate::Distinct => "`distinct(e)`",
        Aggregate::AvgInterval => "`avg_interval()`",
    }
}

/// One aggregate over the joined rows `j`, as a conditional aggregate.
fn aggregate(
    g: &mut Gen,
    a: &AggregatePlan,
    read: &SourceRead,
    env: &Env,
    windows: &mut WindowCols,
) -> Expr {
    let window = a.window.map(|secs| {
        let lower = g.q.add_seconds(g.col("j", AS_OF), Seconds::Const(-secs));
        bin(g.col("j", TIME), BinaryOperator::Gt, lower)
    });
    let cond = g.conjunction(&a.filters, env, window);
    let value = a.arg.as_ref().map(|v| g.scalar(v, env));
    let arg_ty = a.arg.as_ref().map(|v| v.ty.clone()).unwrap_or(Type::Null);
    let value_or_null = || value.clone().unwrap_or_else(crate::ast::null);
    let time = read
        .time
        .as_ref()
        .map(|_| g.col("j", TIME))
        .unwrap_or_else(crate::ast::null);
    let name = aggregate_name(a.aggregate);
    let e = match a.aggregate {
        Aggregate::Count => match &cond {
            Some(c) => func("COUNT", vec![when(Some(c), crate::ast::num(1))]),
            None => Call::star("COUNT").build(),
        },
        Aggregate::CountDistinct => Call::new("COUNT", vec![when(cond.as_ref(), value_or_null())])
            .distinct()
            .build(),
        Aggregate::Sum => func("SUM", vec![when(cond.as_ref(), value_or_null())]),
        Aggregate::Avg => {
            let f = g.q.float_type();
            func("AVG", vec![cast(when(cond.as_ref(), value_or_null()), f)])
        }
        Aggregate::Min | Aggregate::Max => g.q.min_max(
            a.aggregate == Aggregate::Max,
            when(cond.as_ref(), value_or_null()),
            &arg_ty,
        ),
        Aggregate::First | Aggregate::Last | Aggregate::FirstN | Aggregate::LastN => {
            let ordered = Ordered {
                value: value_or_null(),
                ty: &arg_ty,
                cond: cond.clone(),
                time,
                latest_first: matches!(a.aggregate, Aggregate::Last | Aggregate::LastN),
            };
            let r = match (a.aggregate, a.limit) {
                (Aggregate::FirstN | Aggregate::LastN, Some(n)) => {
                    g.q.first_last_n(&ordered, n, windows)
                }
                _ => g.q.first_last(&ordered, windows),
            };
            g.or_unsupported(name, r)
        }
        Aggregate::Distinct => {
            let r = g.q.distinct_list(value_or_null(), cond.clone(), &arg_ty);
            g.or_unsupported(name, r)
        }
        Aggregate::AvgInterval => {
            let count = match &cond {
                Some(c) => func("COUNT", vec![when(Some(c), crate::ast::num(1))]),
                None => Call::star("COUNT").build(),
            };
            let latest =
                g.q.min_max(true, when(cond.as_ref(), time.clone()), &Type::Timestamp);
            let earliest =
                g.q.min_max(false, when(cond.as_ref(), time), &Type::Timestamp);
            let span = g.q.seconds_between(latest, earliest);
            crate::ast::case(
                vec![(
                    bin(count.clone(), BinaryOperator::GtEq, crate::ast::num(2)),
                    bin(
                        span,
                        BinaryOperator::Divide,
                        bin(count, BinaryOperator::Minus, crate::ast::num(1)),
                    ),
                )],
                None,
            )
        }
    };
    match &a.ty {
        Type::List(_) => e,
        t => {
            let t = g.ty(t);
            cast(e, t)
        }
    }
}
