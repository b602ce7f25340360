//! The data has what makes the semantics bite. The identity graph is rebuilt here from the
//! checked model and the CSV text (cleaning rules evaluated, over-linked nodes removed,
//! components found) to count, across seeds, the cases the differential tests must meet.

use std::collections::{BTreeMap, BTreeSet};

use c360_sema::model::{ExprKind, Function, Literal};
use c360_sema::{Model, Type};
use c360_testgen::{csv, generate, workspace};
use regex::{NoExpand, Regex};

const SEEDS: u64 = 300;

/// A value while evaluating an id type's rule.
#[derive(Clone, Debug, PartialEq)]
enum V {
    Null,
    Str(String),
    Int(i64),
    Bool(bool),
}

/// Evaluates a `normalize` or `valid` rule on one raw value.
fn eval(e: &c360_sema::model::Expr, value: &str) -> V {
    let lit_str = |e: &c360_sema::model::Expr| match &e.kind {
        ExprKind::Literal(Literal::String(s)) => s.clone(),
        other => panic!("expected a string literal, found {other:?}"),
    };
    match &e.kind {
        ExprKind::Value => V::Str(value.to_owned()),
        ExprKind::Literal(Literal::String(s)) => V::Str(s.clone()),
        ExprKind::Literal(Literal::Int(n)) => V::Int(*n),
        ExprKind::Literal(Literal::Bool(b)) => V::Bool(*b),
        ExprKind::Literal(Literal::Null) => V::Null,
        ExprKind::Call { func, args } => {
            let arg = |i: usize| eval(&args[i], value);
            let s = |v: V| match v {
                V::Str(s) => Some(s),
                _ => None,
            };
            let Some(a) = s(arg(0)) else { return V::Null };
            match func {
                Function::Lower => V::Str(a.to_ascii_lowercase()),
                Function::Upper => V::Str(a.to_ascii_uppercase()),
                Function::Trim => V::Str(a.trim_matches(' ').to_owned()),
                Function::Length => V::Int(a.chars().count() as i64),
                Function::RegexpReplace => {
                    let re = Regex::new(&lit_str(&args[1])).expect("a portable regex");
                    V::Str(
                        re.replace_all(&a, NoExpand(&lit_str(&args[2])))
                            .into_owned(),
                    )
                }
                Function::Contains => V::Bool(s(arg(1)).is_some_and(|b| a.contains(&b))),
                Function::StartsWith => V::Bool(s(arg(1)).is_some_and(|b| a.starts_with(&b))),
                Function::EndsWith => V::Bool(s(arg(1)).is_some_and(|b| a.ends_with(&b))),
                other => panic!("{other:?} in an id type rule"),
            }
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let op = format!("{op:?}");
            if op == "Match" {
                return match eval(lhs, value) {
                    V::Str(s) => V::Bool(Regex::new(&lit_str(rhs)).expect("regex").is_match(&s)),
                    _ => V::Null,
                };
            }
            let (l, r) = (eval(lhs, value), eval(rhs, value));
            match op.as_str() {
                "And" => match (l, r) {
                    (V::Bool(false), _) | (_, V::Bool(false)) => V::Bool(false),
                    (V::Bool(true), V::Bool(true)) => V::Bool(true),
                    _ => V::Null,
                },
                "Or" => match (l, r) {
                    (V::Bool(true), _) | (_, V::Bool(true)) => V::Bool(true),
                    (V::Bool(false), V::Bool(false)) => V::Bool(false),
                    _ => V::Null,
                },
                cmp => {
                    let ord = match (&l, &r) {
                        (V::Int(a), V::Int(b)) => a.cmp(b),
                        (V::Str(a), V::Str(b)) => a.as_bytes().cmp(b.as_bytes()),
                        _ => return V::Null,
                    };
                    V::Bool(match cmp {
                        "Eq" => ord.is_eq(),
                        "Ne" => ord.is_ne(),
                        "Lt" => ord.is_lt(),
                        "Le" => ord.is_le(),
                        "Gt" => ord.is_gt(),
                        "Ge" => ord.is_ge(),
                        other => panic!("operator {other} in an id type rule"),
                    })
                }
            }
        }
        other => panic!("{other:?} in an id type rule"),
    }
}

/// What became of a raw identifier.
enum Cleaned {
    Node(String),
    Excluded,
    Junk,
}

fn clean(model: &Model, id_type: &str, raw: &str) -> Cleaned {
    let def = &model.id_types[id_type];
    let value = match &def.normalize {
        Some(rule) => match eval(rule, raw) {
            V::Str(s) => s,
            _ => return Cleaned::Junk,
        },
        None => raw.to_owned(),
    };
    if value.is_empty() {
        return Cleaned::Junk;
    }
    if let Some(rule) = &def.valid {
        if eval(rule, &value) != V::Bool(true) {
            return Cleaned::Junk;
        }
    }
    if def.exclude.contains(&value) {
        return Cleaned::Excluded;
    }
    Cleaned::Node(value)
}

/// `YYYY-MM-DD HH:MM:SS` of `t - secs` (or `YYYY-MM-DD` for a date column).
fn minus(t: &str, secs: i64, date_only: bool) -> String {
    let n = |r: std::ops::Range<usize>| t[r].parse::<i64>().expect("a timestamp");
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let (y0, m0) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y0.div_euclid(400);
    let yoe = y0 - era * 400;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + (153 * m0 + 2) / 5 + d - 1;
    let days = era * 146_097 + doe - 719_468;
    let total = days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19) - secs;
    let (days, rem) = (total.div_euclid(86_400), total.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 {
        yoe + era * 400 + 1
    } else {
        yoe + era * 400
    };
    if date_only {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

#[test]
fn timestamp_arithmetic_of_this_test_is_right() {
    assert_eq!(
        minus("2026-03-01 00:00:00", 1, false),
        "2026-02-28 23:59:59"
    );
    assert_eq!(
        minus("2024-03-01 00:00:00", 86_400, false),
        "2024-02-29 00:00:00"
    );
    assert_eq!(
        minus("2026-01-01 12:00:00", 30 * 86_400, true),
        "2025-12-02"
    );
}

/// A minimal union-find over node indices.
fn find(parent: &mut [usize], x: usize) -> usize {
    let mut root = x;
    while parent[root] != root {
        root = parent[root];
    }
    let mut y = x;
    while parent[y] != root {
        let next = parent[y];
        parent[y] = root;
        y = next;
    }
    root
}

#[derive(Default)]
struct Tally(BTreeMap<&'static str, usize>);

impl Tally {
    fn add(&mut self, what: &'static str, n: usize) {
        *self.0.entry(what).or_default() += n;
    }
}

#[test]
fn the_data_has_the_cases_that_make_the_semantics_bite() {
    let mut tally = Tally::default();
    for seed in 0..SEEDS {
        let project = generate(seed);
        let ws = workspace(&project);
        let model = ws.check().model.clone();
        let as_of = project.as_of.clone();
        let table = |parts: &[String]| -> Vec<Vec<Option<String>>> {
            let relation = parts.join(".");
            let (_, _, text) = project
                .tables
                .iter()
                .find(|(r, _, _)| *r == relation)
                .unwrap_or_else(|| panic!("seed {seed}: no table for {relation}"));
            csv::parse(text).unwrap_or_else(|e| panic!("seed {seed} {relation}: {e}"))
        };

        // Windows measured back from as_of, per source.
        let mut windows: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
        for e in &model.entities {
            for f in &e.features {
                f.body.walk(&mut |x| {
                    if let ExprKind::Pipeline(p) = &x.kind {
                        windows
                            .entry(p.source.clone())
                            .or_default()
                            .extend(p.windows.iter());
                    }
                });
            }
        }

        // The identity graph, over every source (all id types belong to some entity).
        let mut nodes: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut edges: BTreeSet<(usize, usize, String)> = BTreeSet::new();
        for s in model.sources.values() {
            let records = table(&s.table);
            let (header, rows) = records.split_first().expect("a header");
            let at = |physical: &str| {
                header
                    .iter()
                    .position(|h| h.as_deref() == Some(physical))
                    .expect("every declared column is in the file")
            };
            let time = s
                .time_column()
                .map(|c| (at(&c.physical), c.ty == Type::Date));
            let mut seen_times = BTreeSet::new();
            for row in rows {
                if let Some((ti, date_only)) = time {
                    match &row[ti] {
                        None => tally.add("null event time", 1),
                        Some(t) => {
                            let as_of_cmp = if date_only { &as_of[..10] } else { &as_of[..] };
                            if t.as_str() > as_of_cmp {
                                tally.add("event after as_of", 1);
                                continue;
                            }
                            if t == as_of_cmp {
                                tally.add("event exactly at as_of", 1);
                            }
                            let on_boundary = windows.get(&s.name).is_some_and(|ws| {
                                ws.iter().any(|&w| *t == minus(&as_of, w, date_only))
                            });
                            if on_boundary {
                                tally.add("event exactly on a window boundary", 1);
                            }
                            if !seen_times.insert(t.clone()) {
                                tally.add("tie in time", 1);
                            }
                        }
                    }
                }
                let mut row_nodes = Vec::new();
                for c in s.columns.iter() {
                    let Some(t) = &c.id_type else { continue };
                    let Some(raw) = &row[at(&c.physical)] else {
                        continue;
                    };
                    if raw.is_empty() {
                        tally.add("empty-string identifier", 1);
                    }
                    match clean(&model, t, raw) {
                        Cleaned::Node(v) => {
                            if &v != raw {
                                tally.add("identifier cleaned by normalize", 1);
                            }
                            let n = nodes.len();
                            row_nodes.push(*nodes.entry((t.clone(), v)).or_insert(n));
                        }
                        Cleaned::Excluded => tally.add("excluded identifier", 1),
                        Cleaned::Junk => tally.add("junk identifier", 1),
                    }
                }
                if row_nodes.is_empty() {
                    tally.add("row that belongs to nobody", 1);
                }
                for (i, &a) in row_nodes.iter().enumerate() {
                    for &b in &row_nodes[i + 1..] {
                        if a != b {
                            edges.insert((a.min(b), a.max(b), s.name.clone()));
                        }
                    }
                }
            }
            for c in &s.columns {
                if c.ty != Type::String {
                    continue;
                }
                let i = at(&c.physical);
                for row in rows {
                    match &row[i] {
                        None => tally.add("null string", 1),
                        Some(v) if v.is_empty() => tally.add("empty string", 1),
                        Some(v) if !v.is_ascii() => tally.add("non-ASCII string", 1),
                        Some(v) if v.contains(['"', ',']) => {
                            tally.add("string with quote or comma", 1)
                        }
                        Some(v) if v.trim() != v => tally.add("string with edge spaces", 1),
                        Some(_) => {}
                    }
                }
            }
        }

        // max_links: distinct neighbours per node.
        let mut neighbours: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        for (a, b, _) in &edges {
            neighbours.entry(*a).or_default().insert(*b);
            neighbours.entry(*b).or_default().insert(*a);
        }
        let mut removed = BTreeSet::new();
        for ((t, _), &n) in &nodes {
            let Some(max) = model.id_types[t].max_links else {
                continue;
            };
            let count = neighbours.get(&n).map_or(0, BTreeSet::len) as u64;
            if count > max {
                tally.add("over-linked identifier", 1);
                removed.insert(n);
            } else if count == max {
                tally.add("identifier with exactly max_links neighbours", 1);
            }
        }

        // Components: chains across sources, several candidates for the anchor.
        let mut parent: Vec<usize> = (0..nodes.len()).collect();
        for (a, b, _) in &edges {
            if !removed.contains(a) && !removed.contains(b) {
                let (ra, rb) = (find(&mut parent, *a), find(&mut parent, *b));
                parent[ra] = rb;
            }
        }
        let mut sources_of: BTreeMap<usize, BTreeSet<&str>> = BTreeMap::new();
        let mut size: BTreeMap<usize, usize> = BTreeMap::new();
        for (a, b, s) in &edges {
            if !removed.contains(a) && !removed.contains(b) {
                let r = find(&mut parent, *a);
                sources_of.entry(r).or_default().insert(s);
            }
        }
        let mut by_type: BTreeMap<(usize, &str), usize> = BTreeMap::new();
        for ((t, _), &n) in &nodes {
            if !removed.contains(&n) {
                let r = find(&mut parent, n);
                *size.entry(r).or_default() += 1;
                *by_type.entry((r, t.as_str())).or_default() += 1;
            }
        }
        for (r, srcs) in &sources_of {
            if srcs.len() >= 2 && size[r] >= 3 {
                tally.add("identifiers chained across sources", 1);
            }
        }
        if by_type.values().any(|&n| n >= 2) {
            tally.add("component with two identifiers of one type", 1);
        }

        // Labels: rows whose identifiers are known, unknown, or null.
        for ts in &model.training_sets {
            let records = table(&ts.labels_table);
            let (header, rows) = records.split_first().expect("a header");
            for row in rows {
                let mut known = false;
                for c in ts.labels_columns.iter().filter(|c| c.id_type.is_some()) {
                    let i = header
                        .iter()
                        .position(|h| h.as_deref() == Some(c.physical.as_str()))
                        .expect("label column");
                    if let Some(raw) = &row[i] {
                        if let Cleaned::Node(v) =
                            clean(&model, c.id_type.as_deref().unwrap_or(""), raw)
                        {
                            known |=
                                nodes.contains_key(&(c.id_type.clone().unwrap_or_default(), v));
                        }
                    }
                }
                tally.add(
                    if known {
                        "label of a known entity"
                    } else {
                        "label of no entity"
                    },
                    1,
                );
            }
        }
    }
    for what in [
        "null event time",
        "event after as_of",
        "event exactly at as_of",
        "event exactly on a window boundary",
        "tie in time",
        "empty-string identifier",
        "identifier cleaned by normalize",
        "excluded identifier",
        "junk identifier",
        "row that belongs to nobody",
        "null string",
        "empty string",
        "non-ASCII string",
        "string with quote or comma",
        "string with edge spaces",
        "over-linked identifier",
        "identifier with exactly max_links neighbours",
        "identifiers chained across sources",
        "component with two identifiers of one type",
        "label of a known entity",
        "label of no entity",
    ] {
        assert!(
            tally.0.get(what).copied().unwrap_or(0) > 0,
            "`{what}` never occurs in {SEEDS} seeds; seen: {:#?}",
            tally.0
        );
    }
}
