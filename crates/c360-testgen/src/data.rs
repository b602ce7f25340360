//! The data: one CSV table per source and labels relation, with the cases that make the
//! semantics bite — identifiers chaining across sources, junk, excluded and over-linked
//! identifiers, ties in time and value, nulls, times exactly on window boundaries, at
//! `as_of` and after it, and strings with case, spaces, quotes, commas and non-ASCII text.

use std::collections::{BTreeMap, BTreeSet};

use crate::csv;
use crate::ids;
use crate::model::{Cell, Column, Plan, Role, Scalar};
use crate::time::{Timestamp, DAY};
use c360_rng::Rng;

/// One generated table.
#[derive(Clone, Debug)]
pub struct Table {
    /// The warehouse relation.
    pub relation: String,
    /// The CSV file, relative to the project root.
    pub path: String,
    /// The CSV text.
    pub text: String,
}

/// Free text that quoting, trimming, case and byte order have to get right. Non-ASCII
/// characters are caseless (CJK, emoji, symbols): `lower` and `upper` are exact only for
/// ASCII (spec §4.2), so cased non-ASCII letters would test the engines, not c360.
const TEXTS: &[&str] = &[
    "Hello, world",
    "She said \"hi\"",
    "  padded  ",
    "東京タワー",
    "😀 emoji",
    "a,b,c",
    "\"\"",
    "O'Brien",
    "back\\slash",
    "multiple   spaces",
    "UPPER lower",
    "MiXeD CaSe",
    "zeta",
    "Zeta",
    "€ 10",
    "→ next",
    "½ off",
    "trailing ",
    " leading",
    "semi;colon",
    "x",
    "",
    "NULL",
    "null",
    "N/A",
    "1,000",
    "line — dash",
    "日本語, テスト",
];

/// Someone the data is about: their clean identifiers, per id type.
struct Person {
    ids: Vec<Vec<String>>,
}

/// A row planted to link a shared "hub" identifier to one neighbour.
struct Planted {
    hub_col: usize,
    hub: String,
    other_col: usize,
    other: String,
}

/// A table, for the values its columns repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum TableKey {
    /// The table of the source with this index.
    Source(usize),
    /// The labels of the training set with this index.
    Labels(usize),
}

/// Who a generated row is about.
enum Owner {
    Person(usize),
    Nobody,
}

struct DataGen<'a> {
    plan: &'a Plan,
    rng: Rng,
    people: Vec<Person>,
    /// Times worth hitting exactly: `as_of`, window boundaries, label times.
    special: Vec<Timestamp>,
    /// Label times per training set.
    label_times: Vec<Vec<Timestamp>>,
    /// Each person's last event time, for ties.
    last_time: BTreeMap<usize, Timestamp>,
    /// A few values per (table, column) that rows repeat, for ties in value.
    tie_values: BTreeMap<(TableKey, usize), Vec<i64>>,
    key_counter: u64,
}

/// Generates every table of `plan`.
pub fn tables(plan: &Plan, rng: Rng) -> Vec<Table> {
    let mut g = DataGen {
        plan,
        rng,
        people: Vec::new(),
        special: Vec::new(),
        label_times: Vec::new(),
        last_time: BTreeMap::new(),
        tie_values: BTreeMap::new(),
        key_counter: 0,
    };
    g.people();
    g.times();
    let planted = g.hubs();
    let mut paths = BTreeSet::new();
    let mut out = Vec::new();
    for (si, source) in plan.sources.iter().enumerate() {
        let rows = g.source_rows(si, planted.get(&si).map(Vec::as_slice).unwrap_or(&[]));
        out.push(g.table(&source.relation, &source.columns, rows, &mut paths));
    }
    for ti in 0..plan.training_sets.len() {
        let rows = g.label_rows(ti);
        let ts = &plan.training_sets[ti];
        out.push(g.table(&ts.relation, &ts.columns, rows, &mut paths));
    }
    out
}

impl DataGen<'_> {
    fn people(&mut self) {
        let n = self.rng.between(3, 14) as usize;
        let mut counters = vec![0u64; self.plan.id_types.len()];
        for _ in 0..n {
            let mut ids = Vec::new();
            for (t, id) in self.plan.id_types.iter().enumerate() {
                let k = *self
                    .rng
                    .weighted(&[(0usize, 20), (1, 65), (2, 15)])
                    .unwrap_or(&1);
                let values: Vec<String> = (0..k)
                    .map(|_| {
                        counters[t] += 1;
                        ids::canonical(id, counters[t], &mut self.rng)
                    })
                    .collect();
                ids.push(values);
            }
            self.people.push(Person { ids });
        }
    }

    fn times(&mut self) {
        let as_of = self.plan.as_of;
        for ts in &self.plan.training_sets {
            let k = self.rng.between(1, 8) as usize;
            let date_only = ts.columns[ts.time].ty == Scalar::Date;
            let times: Vec<Timestamp> = (0..k)
                .map(|_| {
                    if self.rng.chance(15) {
                        return if date_only {
                            as_of.date().midnight()
                        } else {
                            as_of
                        };
                    }
                    let t = as_of.plus(-self.rng.between(0, 90 * DAY));
                    if date_only {
                        t.date().midnight()
                    } else {
                        t
                    }
                })
                .collect();
            self.label_times.push(times);
        }
        let mut special = vec![as_of, as_of.plus(1), as_of.plus(-1)];
        let anchors: Vec<Timestamp> = std::iter::once(as_of)
            .chain(self.label_times.iter().flatten().copied())
            .collect();
        for &d in &self.plan.boundaries {
            for a in &anchors {
                special.push(a.plus(-d));
                special.push(a.plus(-d + 1));
            }
            special.push(as_of.plus(-d - 1));
        }
        special.extend(self.label_times.iter().flatten().copied());
        special.sort_unstable();
        special.dedup();
        self.special = special;
    }

    /// Shared identifiers linked to exactly `max_links` neighbours (kept) and to more (dropped).
    fn hubs(&mut self) -> BTreeMap<usize, Vec<Planted>> {
        let mut out: BTreeMap<usize, Vec<Planted>> = BTreeMap::new();
        let mut hub_counter = 0u64;
        for (t, id) in self.plan.id_types.iter().enumerate() {
            let Some(max) = id.max_links else { continue };
            // A source with a column of this type and another id column.
            let mut places: Vec<(usize, usize, usize)> = Vec::new();
            for (si, s) in self.plan.sources.iter().enumerate() {
                for (hc, c) in s.columns.iter().enumerate() {
                    if c.role != Role::Id(t) {
                        continue;
                    }
                    for (oc, o) in s.columns.iter().enumerate() {
                        if oc != hc && matches!(o.role, Role::Id(_)) {
                            places.push((si, hc, oc));
                        }
                    }
                }
            }
            let Some(&(si, hc, oc)) = self.rng.pick(&places) else {
                continue;
            };
            let Role::Id(other_t) = self.plan.sources[si].columns[oc].role else {
                continue;
            };
            for extra in [0, 1 + self.rng.below(2)] {
                hub_counter += 1;
                let hub = ids::hub(id, hub_counter);
                let neighbours = max + extra;
                let other_id = &self.plan.id_types[other_t];
                let mut pool: Vec<String> = self
                    .people
                    .iter()
                    .flat_map(|p| p.ids[other_t].iter().cloned())
                    .collect();
                self.rng.shuffle(&mut pool);
                let mut n = 0;
                while (pool.len() as u64) < neighbours {
                    n += 1;
                    pool.push(ids::canonical(
                        other_id,
                        50_000 + hub_counter * 100 + n,
                        &mut self.rng,
                    ));
                }
                pool.truncate(neighbours as usize);
                for other in &pool {
                    out.entry(si).or_default().push(Planted {
                        hub_col: hc,
                        hub: hub.clone(),
                        other_col: oc,
                        other: other.clone(),
                    });
                }
                if self.rng.chance(50) {
                    // The same neighbour spelled differently: still one distinct neighbour.
                    if let Some(first) = pool.first() {
                        let spelled = ids::spelling(other_id, first, &mut self.rng);
                        out.entry(si).or_default().push(Planted {
                            hub_col: hc,
                            hub: hub.clone(),
                            other_col: oc,
                            other: spelled,
                        });
                    }
                }
            }
        }
        out
    }

    fn source_rows(&mut self, si: usize, planted: &[Planted]) -> Vec<Vec<Cell>> {
        let source = &self.plan.sources[si];
        let n = match self.rng.below(100) {
            0..=4 => 0,
            5..=29 => self.rng.between(1, 10) as usize,
            30..=79 => self.rng.between(10, 40) as usize,
            _ => self.rng.between(40, 60) as usize,
        };
        let fill: Vec<u64> = source
            .columns
            .iter()
            .map(|_| self.rng.between(55, 95) as u64)
            .collect();
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for p in planted.iter().take(60) {
            let mut row = self.row(si, Owner::Nobody, &fill);
            // Only the hub and its neighbour: any other identifier would be a neighbour too.
            for (ci, c) in source.columns.iter().enumerate() {
                if matches!(c.role, Role::Id(_)) {
                    row[ci] = Cell::Null;
                }
            }
            row[p.hub_col] = self.id_cell(si, p.hub_col, &p.hub);
            row[p.other_col] = self.id_cell(si, p.other_col, &p.other);
            if let Some(tc) = source.time {
                // Rows after as_of do not link; keep these inside the run.
                if let Cell::Ts(t) = row[tc] {
                    if t > self.plan.as_of {
                        row[tc] = Cell::Ts(self.plan.as_of);
                    }
                }
                if let Cell::Date(d) = row[tc] {
                    if d > self.plan.as_of.date() {
                        row[tc] = Cell::Date(self.plan.as_of.date());
                    }
                }
            }
            rows.push(row);
        }
        while rows.len() < n {
            if !rows.is_empty() && self.rng.chance(3) {
                let dup = rows[self.rng.index(rows.len())].clone();
                rows.push(dup);
                continue;
            }
            let types: Vec<usize> = source.id_types().collect();
            let owner = if self.rng.chance(8) {
                Owner::Nobody
            } else {
                self.someone_with(&types)
                    .map_or(Owner::Nobody, Owner::Person)
            };
            let row = self.row(si, owner, &fill);
            rows.push(row);
        }
        self.rng.shuffle(&mut rows);
        rows
    }

    /// A person, usually one with an identifier of one of `types` (so the row can name them).
    fn someone_with(&mut self, types: &[usize]) -> Option<usize> {
        let with: Vec<usize> = (0..self.people.len())
            .filter(|&p| types.iter().any(|&t| !self.people[p].ids[t].is_empty()))
            .collect();
        if with.is_empty() || self.rng.chance(10) {
            (!self.people.is_empty()).then(|| self.rng.index(self.people.len()))
        } else {
            self.rng.pick(&with).copied()
        }
    }

    /// One row of source `si` about `owner` (cells for every column, aliases as null).
    fn row(&mut self, si: usize, owner: Owner, fill: &[u64]) -> Vec<Cell> {
        let source = &self.plan.sources[si];
        let mut row = Vec::with_capacity(source.columns.len());
        let person = match owner {
            Owner::Person(p) => Some(p),
            Owner::Nobody => None,
        };
        for (ci, col) in source.columns.iter().enumerate() {
            let cell = match &col.role {
                Role::Id(t) => self.person_id(si, ci, *t, person, fill[ci]),
                Role::Time => self.event_time(col, person),
                Role::Alias(_) => Cell::Null,
                _ => self.value(TableKey::Source(si), ci, col),
            };
            row.push(cell);
        }
        if let Some(p) = person {
            // A person's row carries at least one of their identifiers when it can.
            let all_null = source
                .columns
                .iter()
                .enumerate()
                .all(|(ci, c)| !matches!(c.role, Role::Id(_)) || row[ci] == Cell::Null);
            if all_null {
                let options: Vec<(usize, usize)> = source
                    .columns
                    .iter()
                    .enumerate()
                    .filter_map(|(ci, c)| match c.role {
                        Role::Id(t) if !self.people[p].ids[t].is_empty() => Some((ci, t)),
                        _ => None,
                    })
                    .collect();
                if let Some(&(ci, t)) = self.rng.pick(&options) {
                    let v = self
                        .rng
                        .pick(&self.people[p].ids[t])
                        .cloned()
                        .unwrap_or_default();
                    let spelled = ids::spelling(&self.plan.id_types[t], &v, &mut self.rng);
                    row[ci] = self.id_cell(si, ci, &spelled);
                }
            }
        }
        row
    }

    /// An identifier cell for a person (or for nobody: null or junk).
    fn person_id(
        &mut self,
        si: usize,
        ci: usize,
        t: usize,
        person: Option<usize>,
        fill: u64,
    ) -> Cell {
        let id = &self.plan.id_types[t];
        let values: Vec<String> = person
            .map(|p| self.people[p].ids[t].clone())
            .unwrap_or_default();
        let raw = match self.rng.below(100) {
            0..=3 => Some(ids::junk(id, &mut self.rng)),
            4..=6 if !id.exclude.is_empty() => ids::excluded_spelling(id, &mut self.rng),
            _ if values.is_empty() || !self.rng.chance(fill) => None,
            _ => {
                let v = self.rng.pick(&values).cloned().unwrap_or_default();
                Some(ids::spelling(id, &v, &mut self.rng))
            }
        };
        match raw {
            Some(r) => self.id_cell(si, ci, &r),
            None => Cell::Null,
        }
    }

    /// A raw identifier in the column's type: text, or an integer for `int` columns (a
    /// value that is not an integer becomes null there).
    fn id_cell(&self, si: usize, ci: usize, raw: &str) -> Cell {
        self.id_cell_of(&self.plan.sources[si].columns[ci], raw)
    }

    fn id_cell_of(&self, col: &Column, raw: &str) -> Cell {
        if col.ty == Scalar::Int {
            match raw.trim().parse::<i64>() {
                Ok(n) => Cell::Int(n),
                Err(_) => Cell::Null,
            }
        } else {
            Cell::Str(raw.to_owned())
        }
    }

    /// An event time: often one worth hitting exactly, sometimes a tie with the person's
    /// previous event, sometimes after `as_of`, sometimes null.
    fn event_time(&mut self, col: &Column, person: Option<usize>) -> Cell {
        if col.nulls > 0 && self.rng.chance(col.nulls) {
            return Cell::Null;
        }
        let as_of = self.plan.as_of;
        let tie = person.and_then(|p| self.last_time.get(&p).copied());
        let t = match (tie, self.rng.below(100)) {
            (Some(t), 0..=14) => t,
            (_, 15..=44) => *self.rng.pick(&self.special).unwrap_or(&as_of),
            (_, 45..=52) => as_of.plus(self.rng.between(1, 10 * DAY)),
            _ => as_of.plus(-self.rng.between(0, 100 * DAY)),
        };
        if let Some(p) = person {
            self.last_time.insert(p, t);
        }
        match col.ty {
            Scalar::Date => Cell::Date(t.date()),
            _ => Cell::Ts(t),
        }
    }

    /// A value of a plain column.
    fn value(&mut self, table: TableKey, ci: usize, col: &Column) -> Cell {
        if col.nulls > 0 && self.rng.chance(col.nulls) {
            return Cell::Null;
        }
        let as_of = self.plan.as_of;
        match &col.role {
            Role::Category(vocab) => {
                Cell::Str(self.rng.pick(vocab).copied().unwrap_or("").to_owned())
            }
            Role::Text => Cell::Str(self.rng.pick(TEXTS).copied().unwrap_or("").to_owned()),
            Role::Key(prefix) => {
                if self.key_counter == 0 || !self.rng.chance(10) {
                    self.key_counter += 1;
                }
                Cell::Str(format!("{prefix}-{:04}", self.key_counter))
            }
            Role::Measure(lo, hi) => {
                let (lo, hi) = (*lo, *hi);
                let ties = self.tie_values.entry((table, ci)).or_default();
                if ties.is_empty() {
                    let label = match table {
                        TableKey::Source(i) => i as u64,
                        TableKey::Labels(i) => 1_000 + i as u64,
                    };
                    let mut r = self.rng.fork(label * 1_000 + ci as u64);
                    *ties = (0..4).map(|_| r.between(lo, hi)).collect();
                }
                let ties = ties.clone();
                let v = if self.rng.chance(60) {
                    *self.rng.pick(&ties).unwrap_or(&lo)
                } else {
                    self.rng.between(lo, hi)
                };
                match col.ty {
                    Scalar::Dec => Cell::Dec(v),
                    Scalar::Float => Cell::Float(v),
                    _ => Cell::Int(v),
                }
            }
            Role::Flag => Cell::Bool(self.rng.chance(50)),
            Role::When | Role::Time => {
                let t = if self.rng.chance(10) {
                    as_of.plus(self.rng.between(1, 30 * DAY))
                } else if self.rng.chance(15) {
                    *self.rng.pick(&self.special).unwrap_or(&as_of)
                } else {
                    as_of.plus(-self.rng.between(0, 200 * DAY))
                };
                match col.ty {
                    Scalar::Date => Cell::Date(t.date()),
                    _ => Cell::Ts(t),
                }
            }
            Role::Id(_) | Role::Alias(_) => Cell::Null,
        }
    }

    fn label_rows(&mut self, ti: usize) -> Vec<Vec<Cell>> {
        let ts = &self.plan.training_sets[ti];
        let n = self.rng.between(0, 30) as usize;
        let times = self.label_times[ti].clone();
        let mut rows = Vec::with_capacity(n);
        for k in 0..n {
            let kind = self.rng.below(100);
            let types: Vec<usize> = ts
                .columns
                .iter()
                .filter_map(|c| match c.role {
                    Role::Id(t) => Some(t),
                    _ => None,
                })
                .collect();
            let person = if kind < 85 {
                self.someone_with(&types)
            } else {
                None
            };
            let mut row = Vec::with_capacity(ts.columns.len());
            for (ci, col) in ts.columns.iter().enumerate() {
                let cell = match &col.role {
                    Role::Id(t) => {
                        let id = &self.plan.id_types[*t];
                        let raw = match person {
                            Some(p) => {
                                let values = self.people[p].ids[*t].clone();
                                self.rng
                                    .pick(&values)
                                    .cloned()
                                    .map(|v| ids::spelling(id, &v, &mut self.rng))
                            }
                            // An identifier no source has, or none at all.
                            None if kind < 95 => {
                                Some(ids::canonical(id, 90_000 + k as u64, &mut self.rng))
                            }
                            None => None,
                        };
                        match raw {
                            Some(r) => self.id_cell_of(col, &r),
                            None => Cell::Null,
                        }
                    }
                    Role::Time => {
                        let t = *self.rng.pick(&times).unwrap_or(&self.plan.as_of);
                        match col.ty {
                            Scalar::Date => Cell::Date(t.date()),
                            _ => Cell::Ts(t),
                        }
                    }
                    _ => self.value(TableKey::Labels(ti), ci, col),
                };
                row.push(cell);
            }
            rows.push(row);
        }
        rows
    }

    /// The CSV of one relation: physical columns (aliases share theirs), sometimes in another
    /// order than declared and with a column nothing declares.
    fn table(
        &mut self,
        relation: &str,
        columns: &[Column],
        rows: Vec<Vec<Cell>>,
        paths: &mut BTreeSet<String>,
    ) -> Table {
        let mut keep: Vec<usize> = (0..columns.len())
            .filter(|&i| !matches!(columns[i].role, Role::Alias(_)))
            .collect();
        if self.rng.chance(30) {
            self.rng.shuffle(&mut keep);
        }
        let mut header: Vec<String> = keep.iter().map(|&i| columns[i].physical.clone()).collect();
        let mut body: Vec<Vec<Cell>> = rows
            .iter()
            .map(|r| keep.iter().map(|&i| r[i].clone()).collect())
            .collect();
        if self.rng.chance(20) {
            let taken: BTreeSet<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
            let extra = ["_loaded_at", "etl_batch", "Comment", "_source_file"]
                .into_iter()
                .find(|e| !taken.contains(&e.to_ascii_lowercase()));
            if let Some(extra) = extra {
                let at = self.rng.index(header.len() + 1);
                header.insert(at, extra.to_owned());
                for row in &mut body {
                    let v = match self.rng.below(4) {
                        0 => Cell::Null,
                        1 => Cell::Str(String::new()),
                        _ => Cell::Str(format!(
                            "batch {}, part {}",
                            self.rng.below(9),
                            self.rng.below(3)
                        )),
                    };
                    row.insert(at, v);
                }
            }
        }
        let stem = relation.to_ascii_lowercase().replace('.', "_");
        let mut path = format!("data/{stem}.csv");
        let mut n = 2;
        while !paths.insert(path.clone()) {
            path = format!("data/{stem}_{n}.csv");
            n += 1;
        }
        Table {
            relation: relation.to_owned(),
            path,
            text: csv::render(&header, &body),
        }
    }
}
