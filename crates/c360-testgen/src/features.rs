//! Features: pipelines over every aggregate of spec §4.1 with `where` filters, `within`
//! windows and event-relative filters, and derived features over the functions and operators
//! of §4.2. Every expression is built together with its type, so what is written checks.

use std::collections::BTreeSet;

use crate::model::{Entity, Feature, Role, Scalar, Source, Ty};
use crate::names::Names;
use c360_rng::Rng;

/// The aggregates of spec §4.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agg {
    /// `count()`
    Count,
    /// `count_distinct(e)`
    CountDistinct,
    /// `sum(e)`
    Sum,
    /// `avg(e)`
    Avg,
    /// `min(e)`
    Min,
    /// `max(e)`
    Max,
    /// `first(e)`
    First,
    /// `last(e)`
    Last,
    /// `first(e, N)`
    FirstN,
    /// `last(e, N)`
    LastN,
    /// `distinct(e)`
    Distinct,
    /// `avg_interval()`
    AvgInterval,
}

impl Agg {
    /// Every aggregate.
    pub const ALL: [Agg; 12] = [
        Agg::Count,
        Agg::CountDistinct,
        Agg::Sum,
        Agg::Avg,
        Agg::Min,
        Agg::Max,
        Agg::First,
        Agg::Last,
        Agg::FirstN,
        Agg::LastN,
        Agg::Distinct,
        Agg::AvgInterval,
    ];

    /// True for the aggregates a snapshot source does not allow (spec §3.3).
    pub fn needs_time(self) -> bool {
        matches!(
            self,
            Agg::First | Agg::Last | Agg::FirstN | Agg::LastN | Agg::AvgInterval
        )
    }
}

/// Durations written in `within` steps and `now() - D`: seconds and text.
const DURATIONS: &[(i64, &str)] = &[
    (2_700, "45 minutes"),
    (3_600, "1 hour"),
    (3_600, "3600 seconds"),
    (43_200, "12 hours"),
    (86_400, "1 day"),
    (129_600, "36 hours"),
    (172_800, "2 days"),
    (604_800, "7 days"),
    (604_800, "1 week"),
    (1_209_600, "14 days"),
    (1_209_600, "2 weeks"),
    (1_814_400, "3 weeks"),
    (2_592_000, "30 days"),
    (7_776_000, "90 days"),
];

/// A typed expression as text. `atomic` expressions need no parentheses as operands.
#[derive(Clone, Debug)]
struct Ex {
    text: String,
    ty: Ty,
    atomic: bool,
}

impl Ex {
    fn new(text: impl Into<String>, ty: Ty, atomic: bool) -> Ex {
        Ex {
            text: text.into(),
            ty,
            atomic,
        }
    }

    fn one(text: impl Into<String>, s: Scalar, atomic: bool) -> Ex {
        Ex::new(text, Ty::One(s), atomic)
    }

    /// The text as an operand: parenthesised unless atomic.
    fn op(&self) -> String {
        if self.atomic {
            self.text.clone()
        } else {
            format!("({})", self.text)
        }
    }
}

/// A c360 string literal.
pub fn str_lit(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number literal for a value in a column's units (hundredths for decimals, quarters for
/// floats).
fn measure_lit(ty: Scalar, v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    match ty {
        Scalar::Dec => format!("{sign}{}.{:02}", a / 100, a % 100),
        Scalar::Float => format!(
            "{sign}{}.{}",
            a / 4,
            ["0", "25", "5", "75"][(a % 4) as usize]
        ),
        _ => format!("{sign}{a}"),
    }
}

/// Generates the features of one entity.
pub struct FeatureGen<'a> {
    entity: &'a Entity,
    sources: &'a [Source],
    linked: Vec<usize>,
    features: Vec<Feature>,
    /// Features named like a column (`job_title = contacts | last(job_title)`): elsewhere
    /// that column must be written `source.column`.
    mirrors: BTreeSet<String>,
    /// The feature being generated, when its name is known up front (mirrors).
    current: Option<String>,
    /// Features read by the feature being generated.
    deps: Vec<usize>,
    names: &'a mut Names,
    rng: Rng,
    boundaries: &'a mut BTreeSet<i64>,
}

impl<'a> FeatureGen<'a> {
    /// A generator for `entity`, reading the sources that carry one of its id types.
    pub fn new(
        entity: &'a Entity,
        sources: &'a [Source],
        names: &'a mut Names,
        rng: Rng,
        boundaries: &'a mut BTreeSet<i64>,
    ) -> FeatureGen<'a> {
        let linked = sources
            .iter()
            .enumerate()
            .filter(|(_, s)| s.id_types().any(|t| entity.ids.contains(&t)))
            .map(|(i, _)| i)
            .collect();
        FeatureGen {
            entity,
            sources,
            linked,
            features: Vec::new(),
            mirrors: BTreeSet::new(),
            current: None,
            deps: Vec::new(),
            names,
            rng,
            boundaries,
        }
    }

    /// 3–15 features; each reads only features generated before it, so there is no cycle.
    pub fn generate(mut self) -> Vec<Feature> {
        if self.linked.is_empty() {
            return Vec::new();
        }
        let target = self.rng.between(3, 15) as usize;
        let mut forced: Vec<Agg> = Agg::ALL.to_vec();
        self.rng.shuffle(&mut forced);
        if self.rng.chance(30) {
            self.mirror();
        }
        let mut guard = 0;
        while self.features.len() < target && guard < target * 8 {
            guard += 1;
            self.deps.clear();
            self.current = None;
            let kind = if self.features.is_empty() {
                0
            } else {
                *self
                    .rng
                    .weighted(&[(0, 50), (1, 15), (2, 35)])
                    .unwrap_or(&0)
            };
            let made = match kind {
                1 => self.relative_pipeline_feature(),
                2 => self.derived_feature(),
                _ => self.pipeline_feature(&mut forced),
            };
            if let Some((ex, stem)) = made {
                self.push(ex, &stem);
            }
        }
        self.features
    }

    /// Adds a feature, sometimes declaring its type (possibly a wider one).
    fn push(&mut self, ex: Ex, stem: &str) {
        let name = match self.current.take() {
            Some(n) => n,
            None => self.names.fresh_feature(stem, &mut self.rng),
        };
        let mut declared = None;
        let mut ty = ex.ty;
        if self.rng.chance(20) {
            let widened = match ex.ty {
                Ty::One(Scalar::Int) if self.rng.chance(40) => Ty::One(
                    *self
                        .rng
                        .pick(&[Scalar::Dec, Scalar::Float])
                        .unwrap_or(&Scalar::Dec),
                ),
                Ty::One(Scalar::Dec) if self.rng.chance(30) => Ty::One(Scalar::Float),
                t => t,
            };
            declared = Some(widened);
            ty = widened;
        }
        let mut deps = std::mem::take(&mut self.deps);
        deps.sort_unstable();
        deps.dedup();
        self.features.push(Feature {
            name,
            ty,
            declared,
            body: ex.text,
            deps,
            hidden: false,
            annotations: Vec::new(),
            doc: None,
        });
    }

    // ----- references -----------------------------------------------------------------

    /// The role of a column, looking through aliases.
    fn role(&self, src: usize, ci: usize) -> &Role {
        let cols = &self.sources[src].columns;
        match &cols[ci].role {
            Role::Alias(t) => &cols[*t].role,
            r => r,
        }
    }

    /// A column reference inside a pipeline over `src`.
    fn col(&mut self, src: usize, ci: usize) -> Ex {
        let s = &self.sources[src];
        let c = &s.columns[ci];
        let shadowed =
            self.mirrors.contains(&c.name) && self.current.as_deref() != Some(c.name.as_str());
        let text = if shadowed || self.rng.chance(5) {
            format!("{}.{}", s.name, c.name)
        } else {
            c.name.clone()
        };
        Ex::one(text, c.ty, true)
    }

    /// A reference to feature `fi`, inside a pipeline over `src` when given.
    fn feat(&mut self, fi: usize, src: Option<usize>) -> Ex {
        let f = &self.features[fi];
        let shadowed =
            src.is_some_and(|s| self.sources[s].columns.iter().any(|c| c.name == f.name));
        let text = if shadowed || self.rng.chance(6) {
            format!("{}.{}", self.entity.name, f.name)
        } else {
            f.name.clone()
        };
        let ty = f.ty;
        self.deps.push(fi);
        Ex::new(text, ty, true)
    }

    /// A random earlier feature whose type satisfies `want`.
    fn pick_feature(&mut self, want: impl Fn(Ty) -> bool) -> Option<usize> {
        let candidates: Vec<usize> = (0..self.features.len())
            .filter(|&i| want(self.features[i].ty))
            .collect();
        self.rng.pick(&candidates).copied()
    }

    /// Like [`FeatureGen::pick_feature`], preferring a feature other than `not`.
    fn pick_other(&mut self, not: usize, want: impl Fn(Ty) -> bool) -> Option<usize> {
        let candidates: Vec<usize> = (0..self.features.len())
            .filter(|&i| want(self.features[i].ty))
            .collect();
        let others: Vec<usize> = candidates.iter().copied().filter(|&i| i != not).collect();
        self.rng
            .pick(if others.is_empty() {
                &candidates
            } else {
                &others
            })
            .copied()
    }

    /// A short name stem for feature `fi`: the first two words of its name.
    fn short(&self, fi: usize) -> String {
        crate::names::snake(&self.features[fi].name)
            .split('_')
            .filter(|w| !w.is_empty())
            .take(2)
            .collect::<Vec<_>>()
            .join("_")
    }

    /// A duration literal, remembered as a boundary the data should hit.
    fn duration(&mut self) -> (i64, &'static str) {
        let (secs, text) = *self.rng.pick(DURATIONS).unwrap_or(&(86_400, "1 day"));
        self.boundaries.insert(secs);
        (secs, text)
    }

    // ----- pipelines --------------------------------------------------------------------

    fn pipeline_feature(&mut self, forced: &mut Vec<Agg>) -> Option<(Ex, String)> {
        let any_timed = self.linked.iter().any(|&s| self.sources[s].time.is_some());
        let agg = loop {
            match forced.pop() {
                Some(a) if a.needs_time() && !any_timed => continue,
                Some(a) => break a,
                None => break *self.rng.pick(&Agg::ALL).unwrap_or(&Agg::Count),
            }
        };
        let agg = if agg.needs_time() && !any_timed {
            Agg::Count
        } else {
            agg
        };
        let src = self.pick_source(agg)?;
        self.pipeline(src, agg, false)
    }

    fn relative_pipeline_feature(&mut self) -> Option<(Ex, String)> {
        let agg = *self.rng.pick(&Agg::ALL).unwrap_or(&Agg::Count);
        let src = self.pick_source(agg)?;
        self.pipeline(src, agg, true)
    }

    /// A linked source that allows `agg`.
    fn pick_source(&mut self, agg: Agg) -> Option<usize> {
        let ok: Vec<usize> = self
            .linked
            .iter()
            .copied()
            .filter(|&s| !agg.needs_time() || self.sources[s].time.is_some())
            .collect();
        self.rng.pick(&ok).copied()
    }

    /// `SRC (| where P | within D)* | AGG(..)`; with `relative`, one filter reads a feature.
    fn pipeline(&mut self, src: usize, agg: Agg, relative: bool) -> Option<(Ex, String)> {
        let timed = self.sources[src].time.is_some();
        let mut steps: Vec<String> = Vec::new();
        let mut tag = String::new();
        if relative {
            let p = self.relative_predicate(src)?;
            steps.push(format!("where {}", p.text));
            tag.push_str("_rel");
        }
        let n_filters = *self
            .rng
            .weighted(&[(0, 45), (1, 40), (2, 15)])
            .unwrap_or(&0);
        for _ in 0..n_filters {
            let p = self.predicate(src, 0);
            steps.push(format!("where {}", p.text));
        }
        if n_filters > 0 {
            tag.push_str("_f");
        }
        if timed {
            let n_windows = *self.rng.weighted(&[(0, 55), (1, 37), (2, 8)]).unwrap_or(&0);
            for _ in 0..n_windows {
                let (secs, text) = self.duration();
                steps.push(format!("within {text}"));
                tag.push_str(&format!("_{}", window_tag(secs)));
            }
        }
        self.rng.shuffle(&mut steps);
        let (call, ty, stem) = self.aggregate(src, agg)?;
        steps.push(call);
        let s = &self.sources[src];
        let sep = if steps.len() > 2 && self.rng.chance(30) {
            "\n    | "
        } else {
            " | "
        };
        let text = format!("{}{sep}{}", s.name, steps.join(sep));
        Some((Ex::new(text, ty, false), format!("{stem}{tag}")))
    }

    /// The aggregate step, its result type and a name stem.
    fn aggregate(&mut self, src: usize, agg: Agg) -> Option<(String, Ty, String)> {
        let sname = self.sources[src].name.to_ascii_lowercase();
        Some(match agg {
            Agg::Count => (
                "count()".into(),
                Ty::One(Scalar::Int),
                format!("{sname}_count"),
            ),
            Agg::AvgInterval => (
                "avg_interval()".into(),
                Ty::One(Scalar::Dur),
                format!("{sname}_avg_gap"),
            ),
            Agg::Sum | Agg::Avg => {
                let (arg, stem) = self.numeric_arg(src);
                let ty = if agg == Agg::Sum {
                    arg.ty
                } else {
                    Ty::One(Scalar::Float)
                };
                let f = if agg == Agg::Sum { "sum" } else { "avg" };
                (format!("{f}({})", arg.text), ty, format!("{f}_{stem}"))
            }
            Agg::Min | Agg::Max | Agg::Distinct => {
                let (arg, stem) = self.value_arg(src, true);
                let s = arg.ty.scalar()?;
                let (f, ty) = match agg {
                    Agg::Min => ("min", Ty::One(s)),
                    Agg::Max => ("max", Ty::One(s)),
                    _ => ("distinct", Ty::List(s)),
                };
                (format!("{f}({})", arg.text), ty, format!("{f}_{stem}"))
            }
            Agg::CountDistinct => {
                let (arg, stem) = self.value_arg(src, true);
                (
                    format!("count_distinct({})", arg.text),
                    Ty::One(Scalar::Int),
                    format!("unique_{stem}"),
                )
            }
            Agg::First | Agg::Last | Agg::FirstN | Agg::LastN => {
                let (arg, stem) = self.value_arg(src, false);
                let s = arg.ty.scalar()?;
                let f = if matches!(agg, Agg::First | Agg::FirstN) {
                    "first"
                } else {
                    "last"
                };
                if matches!(agg, Agg::First | Agg::Last) {
                    (
                        format!("{f}({})", arg.text),
                        Ty::One(s),
                        format!("{f}_{stem}"),
                    )
                } else {
                    let n = *self.rng.pick(&[1, 2, 3, 3, 5, 10, 10_000]).unwrap_or(&3);
                    (
                        format!("{f}({}, {n})", arg.text),
                        Ty::List(s),
                        format!("{f}_{n}_{stem}"),
                    )
                }
            }
        })
    }

    /// Columns of `src` (aliases included) with their index.
    fn columns(&self, src: usize) -> Vec<usize> {
        (0..self.sources[src].columns.len()).collect()
    }

    /// A numeric argument for `sum` / `avg`.
    fn numeric_arg(&mut self, src: usize) -> (Ex, String) {
        let numeric: Vec<usize> = self
            .columns(src)
            .into_iter()
            .filter(|&c| self.sources[src].columns[c].ty.is_numeric())
            .collect();
        let strings: Vec<usize> = self
            .columns(src)
            .into_iter()
            .filter(|&c| self.sources[src].columns[c].ty == Scalar::Str)
            .collect();
        let choice = if numeric.is_empty() {
            *self.rng.pick(&[4, 5]).unwrap_or(&4)
        } else {
            *self
                .rng
                .weighted(&[(0, 40), (1, 8), (2, 6), (3, 10), (4, 10), (5, 6), (6, 5)])
                .unwrap_or(&0)
        };
        let pick_num = |g: &mut Self| *g.rng.pick(&numeric).unwrap_or(&0);
        match choice {
            0..=3 | 6 => {
                let ci = pick_num(self);
                let c = self.col(src, ci);
                let stem = self.sources[src].columns[ci].name.to_ascii_lowercase();
                let text = match choice {
                    0 => c.text.clone(),
                    1 => format!("{} * 2", c.text),
                    2 => format!("abs({})", c.text),
                    6 => format!("coalesce({}, 0)", c.text),
                    _ => {
                        let p = self.predicate(src, 1);
                        format!("if {} then {} else 0", p.text, c.text)
                    }
                };
                (Ex::new(text, c.ty, false), stem)
            }
            5 if !strings.is_empty() => {
                let ci = *self.rng.pick(&strings).unwrap_or(&0);
                let c = self.col(src, ci);
                let stem = format!(
                    "{}_length",
                    self.sources[src].columns[ci].name.to_ascii_lowercase()
                );
                (
                    Ex::one(format!("length({})", c.text), Scalar::Int, true),
                    stem,
                )
            }
            _ => {
                let p = self.predicate(src, 1);
                (
                    Ex::one(format!("if {} then 1 else 0", p.text), Scalar::Int, false),
                    "hits".into(),
                )
            }
        }
    }

    /// A single-value argument for `min`, `max`, `distinct`, `count_distinct`, `first` and
    /// `last`: a column, sometimes transformed.
    fn value_arg(&mut self, src: usize, ordered_only: bool) -> (Ex, String) {
        let cols = self.columns(src);
        let ci = *self.rng.pick(&cols).unwrap_or(&0);
        let c = self.col(src, ci);
        let stem = self.sources[src].columns[ci].name.to_ascii_lowercase();
        let s = c.ty.scalar().unwrap_or(Scalar::Str);
        if !self.rng.chance(30) {
            return (c, stem);
        }
        match s {
            Scalar::Str => match self.rng.below(4) {
                0 => (
                    Ex::one(format!("lower({})", c.text), Scalar::Str, true),
                    format!("{stem}_lower"),
                ),
                1 => (
                    Ex::one(format!("trim({})", c.text), Scalar::Str, true),
                    format!("{stem}_trimmed"),
                ),
                2 => (
                    Ex::one(format!("length({})", c.text), Scalar::Int, true),
                    format!("{stem}_length"),
                ),
                _ => {
                    let other: Vec<usize> = cols
                        .iter()
                        .copied()
                        .filter(|&o| o != ci && self.sources[src].columns[o].ty == Scalar::Str)
                        .collect();
                    match self.rng.pick(&other).copied() {
                        Some(o) if !ordered_only || self.rng.chance(50) => {
                            let d = self.col(src, o);
                            (
                                Ex::one(
                                    format!("concat({}, \" / \", {})", c.text, d.text),
                                    Scalar::Str,
                                    true,
                                ),
                                format!("{stem}_pair"),
                            )
                        }
                        _ => (
                            Ex::one(format!("upper({})", c.text), Scalar::Str, true),
                            format!("{stem}_upper"),
                        ),
                    }
                }
            },
            Scalar::Ts => (
                Ex::one(format!("date({})", c.text), Scalar::Date, true),
                format!("{stem}_day"),
            ),
            Scalar::Int | Scalar::Dec | Scalar::Float => (
                Ex::new(format!("{} * 2", c.text), c.ty, false),
                format!("{stem}_doubled"),
            ),
            _ => (c, stem),
        }
    }

    // ----- predicates -------------------------------------------------------------------

    /// A bool expression over the columns of `src`; `depth` limits nesting.
    fn predicate(&mut self, src: usize, depth: u32) -> Ex {
        if depth == 0 && self.rng.chance(15) {
            let a = self.predicate(src, depth + 1);
            let b = self.predicate(src, depth + 1);
            let op = if self.rng.chance(50) { "and" } else { "or" };
            return Ex::one(format!("{} {op} {}", a.op(), b.op()), Scalar::Bool, false);
        }
        if depth == 0 && self.rng.chance(7) {
            let a = self.predicate(src, depth + 1);
            return Ex::one(format!("not {}", a.op()), Scalar::Bool, false);
        }
        let cols = self.columns(src);
        let ci = *self.rng.pick(&cols).unwrap_or(&0);
        self.column_predicate(src, ci)
    }

    fn column_predicate(&mut self, src: usize, ci: usize) -> Ex {
        let c = self.col(src, ci);
        let ty = self.sources[src].columns[ci].ty;
        let role = self.role(src, ci).clone();
        let b = |t: String| Ex::one(t, Scalar::Bool, false);
        if self.rng.chance(8) {
            let neg = if self.rng.chance(50) { " not" } else { "" };
            return b(format!("{} is{neg} null", c.text));
        }
        match (ty, role) {
            (Scalar::Str, Role::Category(vocab)) => {
                let v = str_lit(self.rng.pick(&vocab).copied().unwrap_or(""));
                let w = str_lit(self.rng.pick(&vocab).copied().unwrap_or(""));
                b(match self.rng.below(8) {
                    0 => format!("{} != {v}", c.text),
                    1 => format!("{} in [{v}, {w}]", c.text),
                    2 => format!("lower({}) == {}", c.text, v.to_ascii_lowercase()),
                    3 => format!("trim({}) == \"\"", c.text),
                    4 => format!("{} < {v}", c.text),
                    5 => format!("coalesce({}, \"none\") == \"none\"", c.text),
                    _ => format!("{} == {v}", c.text),
                })
            }
            (Scalar::Str, Role::Key(prefix)) => b(match self.rng.below(3) {
                0 => format!("starts_with({}, {})", c.text, str_lit(prefix)),
                1 => format!("{} < {}", c.text, str_lit(&format!("{prefix}-0010"))),
                _ => format!("ends_with({}, \"7\")", c.text),
            }),
            (Scalar::Str, Role::Id(_)) => b(match self.rng.below(3) {
                0 => format!("contains({}, \"@\")", c.text),
                1 => format!("length(trim({})) > 0", c.text),
                _ => format!("{} ~ r\"[0-9]\"", c.text),
            }),
            (Scalar::Str, _) => b(match self.rng.below(9) {
                0 => format!("contains({}, \",\")", c.text),
                1 => format!("length({}) > 8", c.text),
                2 => format!("{} ~ r\"^[A-Z]\"", c.text),
                3 => format!("trim({0}) != {0}", c.text),
                4 => format!("{} == \"\"", c.text),
                5 => format!("starts_with({}, \"\\\"\")", c.text),
                6 => format!("lower({0}) == {0}", c.text),
                7 => format!("regexp_replace({}, r\"[^a-z]+\", \"\") == \"\"", c.text),
                _ => format!("{} ~ r\"(^| )[a-z]+,\"", c.text),
            }),
            (Scalar::Int | Scalar::Dec | Scalar::Float, role) => {
                let (lo, hi) = match role {
                    Role::Measure(lo, hi) => (lo, hi),
                    _ => (100_000, 100_400),
                };
                let k = measure_lit(ty, self.rng.between(lo, hi));
                b(match self.rng.below(9) {
                    0 => format!("{} >= {k}", c.text),
                    1 => format!("{} < {k}", c.text),
                    2 => format!("{} == {k}", c.text),
                    3 => format!("{} != {k}", c.text),
                    4 if ty == Scalar::Int => format!("{} % 2 == 0", c.text),
                    5 => format!("abs({}) >= {k}", c.text),
                    6 => format!("{} * 2 > {k}", c.text),
                    7 => format!("coalesce({}, 0) <= {k}", c.text),
                    _ => format!("{} > {k}", c.text),
                })
            }
            (Scalar::Bool, _) => b(match self.rng.below(5) {
                0 => format!("not {}", c.text),
                1 => format!("{} == true", c.text),
                2 => format!("coalesce({}, false)", c.text),
                3 => format!("{} != false", c.text),
                _ => c.text.clone(),
            }),
            (Scalar::Ts, _) => {
                let (_, d) = self.duration();
                b(match self.rng.below(5) {
                    0 => format!("{} >= now() - {d}", c.text),
                    1 => format!("{} < now() - {d}", c.text),
                    2 => format!("date({}) == date(now())", c.text),
                    3 => format!("hours(now() - {}) <= 36", c.text),
                    _ => format!("{} > now() - {d}", c.text),
                })
            }
            (Scalar::Date, _) => {
                let (_, d) = self.duration();
                b(match self.rng.below(4) {
                    0 => format!("{} >= date(now() - {d})", c.text),
                    1 => format!("{} < date(now())", c.text),
                    2 => format!("date(now()) - {} > {d}", c.text),
                    _ => format!("{} == date(now())", c.text),
                })
            }
            (Scalar::Dur, _) => b(format!("{} > 1 day", c.text)),
        }
    }

    /// A predicate that compares a column of `src` with an earlier feature (rows before the
    /// first purchase, amounts above the customer's average, …).
    fn relative_predicate(&mut self, src: usize) -> Option<Ex> {
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for ci in self.columns(src) {
            let cty = self.sources[src].columns[ci].ty;
            for (fi, f) in self.features.iter().enumerate() {
                let Ty::One(fty) = f.ty else { continue };
                let ok = match (cty, fty) {
                    (Scalar::Ts | Scalar::Date, Scalar::Ts | Scalar::Date | Scalar::Dur) => true,
                    (a, b) if a.is_numeric() && b.is_numeric() => true,
                    (a, b) => a == b && a != Scalar::Dur,
                };
                if ok {
                    pairs.push((ci, fi));
                }
            }
        }
        let (ci, fi) = *self.rng.pick(&pairs)?;
        let c = self.col(src, ci);
        let f = self.feat(fi, Some(src));
        let cty = c.ty.scalar()?;
        let fty = f.ty.scalar()?;
        let op = *self.rng.pick(&["<", "<=", ">", ">="]).unwrap_or(&"<");
        let text = match (cty, fty) {
            (Scalar::Ts, Scalar::Ts) => {
                if self.rng.chance(25) {
                    format!("{} {op} {} + 2 hours", c.text, f.text)
                } else {
                    format!("{} {op} {}", c.text, f.text)
                }
            }
            (Scalar::Date, Scalar::Date) => format!("{} {op} {}", c.text, f.text),
            (Scalar::Date, Scalar::Ts) => format!("{} {op} date({})", c.text, f.text),
            (Scalar::Ts, Scalar::Date) => format!("date({}) {op} {}", c.text, f.text),
            (Scalar::Ts, Scalar::Dur) => format!("now() - {} <= {}", c.text, f.text),
            (Scalar::Date, Scalar::Dur) => format!("date(now()) - {} <= {}", c.text, f.text),
            (a, b) if a.is_numeric() && b.is_numeric() => {
                if self.rng.chance(30) {
                    format!("{} {op} {} / 2", c.text, f.text)
                } else {
                    format!("{} {op} {}", c.text, f.text)
                }
            }
            (Scalar::Str, _) => match self.rng.below(3) {
                0 => format!("{} != {}", c.text, f.text),
                1 => format!("lower({}) == lower({})", c.text, f.text),
                _ => format!("{} == {}", c.text, f.text),
            },
            _ => format!("{} == {}", c.text, f.text),
        };
        Some(Ex::one(text, Scalar::Bool, false))
    }

    // ----- mirrors ----------------------------------------------------------------------

    /// A feature named like the column it reads (`job_title = contacts | last(job_title)`),
    /// generated first so every other reference to that column is written qualified.
    fn mirror(&mut self) {
        let mut candidates: Vec<(usize, usize)> = Vec::new();
        for &s in &self.linked {
            for (ci, c) in self.sources[s].columns.iter().enumerate() {
                if !matches!(c.role, Role::Id(_) | Role::Time | Role::Alias(_))
                    && !self.names.is_feature_taken(&c.name)
                {
                    candidates.push((s, ci));
                }
            }
        }
        let Some(&(src, ci)) = self.rng.pick(&candidates) else {
            return;
        };
        let name = self.sources[src].columns[ci].name.clone();
        self.names.take_feature(&name);
        self.mirrors.insert(name.clone());
        self.current = Some(name.clone());
        self.deps.clear();
        let c = self.col(src, ci);
        let timed = self.sources[src].time.is_some();
        let f = if timed {
            if self.rng.chance(50) {
                "last"
            } else {
                "first"
            }
        } else if self.rng.chance(50) {
            "max"
        } else {
            "min"
        };
        let mut text = format!("{} | ", self.sources[src].name);
        if self.rng.chance(40) {
            let others: Vec<usize> = self
                .columns(src)
                .into_iter()
                .filter(|&o| self.sources[src].columns[o].name != name)
                .collect();
            if let Some(&o) = self.rng.pick(&others) {
                let p = self.column_predicate(src, o);
                text.push_str(&format!("where {} | ", p.text));
            }
        }
        text.push_str(&format!("{f}({})", c.text));
        self.push(Ex::new(text, c.ty, false), &name);
    }

    // ----- derived features -------------------------------------------------------------

    fn derived_feature(&mut self) -> Option<(Ex, String)> {
        for _ in 0..12 {
            let made = match self.rng.below(15) {
                0 => self.num_binary(),
                1 => self.safe_ratio(),
                2 => self.num_unary(),
                3 => self.extreme(),
                4 => self.time_diff(),
                5 => self.time_unary(),
                6 => self.duration_fn(),
                7 => self.string_fn(),
                8 => self.list_fn(),
                9 => self.bool_fn(),
                10 => self.if_else(),
                11 | 12 => self.inline_pipeline(),
                13 => self.coalesce_pair(),
                _ => self.null_check(),
            };
            if made.is_some() {
                return made;
            }
        }
        None
    }

    fn num_binary(&mut self) -> Option<(Ex, String)> {
        let a = self.pick_feature(Ty::is_numeric)?;
        let b = self.pick_other(a, Ty::is_numeric)?;
        let (x, y) = (self.feat(a, None), self.feat(b, None));
        let (xs, ys) = (x.ty.scalar()?, y.ty.scalar()?);
        let ints = xs == Scalar::Int && ys == Scalar::Int;
        let op = *self
            .rng
            .pick(if ints {
                &["+", "-", "*", "/", "%"][..]
            } else {
                &["+", "-", "*", "/"][..]
            })
            .unwrap_or(&"+");
        let ty = match op {
            "/" => Scalar::Float,
            _ => xs.unify(ys)?,
        };
        let stem = match op {
            "+" => "combined",
            "-" => "difference",
            "*" => "product",
            "/" => "ratio",
            _ => "remainder",
        };
        Some((
            Ex::one(format!("{} {op} {}", x.op(), y.op()), ty, false),
            format!("{stem}_{}", self.short(a)),
        ))
    }

    fn safe_ratio(&mut self) -> Option<(Ex, String)> {
        let a = self.pick_feature(Ty::is_numeric)?;
        let b = self.pick_other(a, Ty::is_numeric)?;
        let (x, y) = (self.feat(a, None), self.feat(b, None));
        let text = if self.rng.chance(50) {
            format!("if {} > 0 then {} / {} else null", y.op(), x.op(), y.op())
        } else {
            format!("if {} == 0 then null else {} / {}", y.op(), x.op(), y.op())
        };
        Some((
            Ex::one(text, Scalar::Float, false),
            format!("{}_per_{}", self.short(a), self.short(b)),
        ))
    }

    fn num_unary(&mut self) -> Option<(Ex, String)> {
        let a = self.pick_feature(Ty::is_numeric)?;
        let x = self.feat(a, None);
        let s = x.ty.scalar()?;
        let (text, ty, atomic, stem) = match self.rng.below(9) {
            0 => (format!("abs({})", x.text), s, true, "abs"),
            1 => (format!("round({}, 2)", x.text), s, true, "rounded"),
            2 => (format!("round({})", x.text), s, true, "whole"),
            3 => (format!("floor({})", x.text), s, true, "floor"),
            4 => (format!("ceil({})", x.text), s, true, "ceil"),
            5 => (format!("-{}", x.op()), s, false, "negated"),
            6 => (format!("{} * 3", x.op()), s, false, "tripled"),
            7 if s == Scalar::Int => (format!("{} % 7", x.op()), s, false, "mod7"),
            7 => (
                format!("{} in [0, 1, 2.5]", x.op()),
                Scalar::Bool,
                false,
                "small",
            ),
            _ => (format!("coalesce({}, 0)", x.text), s, true, "or_zero"),
        };
        Some((
            Ex::one(text, ty, atomic),
            format!("{}_{stem}", self.short(a)),
        ))
    }

    /// `least` / `greatest` over features of one ordered type (numbers mix).
    fn extreme(&mut self) -> Option<(Ex, String)> {
        let a = self.pick_feature(|t| t.scalar().is_some())?;
        let s = self.features[a].ty.scalar()?;
        let class = move |t: Ty| match t.scalar() {
            Some(o) => o == s || (o.is_numeric() && s.is_numeric()),
            None => false,
        };
        let b = self.pick_other(a, class)?;
        let (x, y) = (self.feat(a, None), self.feat(b, None));
        let ty = s.unify(y.ty.scalar()?)?;
        let f = if self.rng.chance(50) {
            "least"
        } else {
            "greatest"
        };
        let extra = if ty.is_numeric() && self.rng.chance(40) {
            ", 100"
        } else {
            ""
        };
        Some((
            Ex::one(format!("{f}({}, {}{extra})", x.text, y.text), ty, true),
            format!("{f}_{}", self.short(a)),
        ))
    }

    /// Differences of two timestamps (or two dates): durations, and their length in units.
    fn time_diff(&mut self) -> Option<(Ex, String)> {
        let a = self.pick_feature(|t| matches!(t, Ty::One(Scalar::Ts | Scalar::Date)))?;
        let s = self.features[a].ty.scalar()?;
        let b = self.pick_other(a, |t| t == Ty::One(s))?;
        let (x, y) = (self.feat(a, None), self.feat(b, None));
        let diff = format!("{} - {}", y.op(), x.op());
        let (text, ty) = match self.rng.below(5) {
            0 => (diff, Scalar::Dur),
            1 => (format!("days({diff})"), Scalar::Float),
            2 => (format!("hours({diff})"), Scalar::Float),
            3 => (format!("minutes({diff})"), Scalar::Float),
            _ => (format!("seconds({diff})"), Scalar::Float),
        };
        let atomic = ty != Scalar::Dur;
        Some((Ex::one(text, ty, atomic), format!("span_{}", self.short(a))))
    }

    /// One timestamp or date against `now()`, shifted, or truncated to its date.
    fn time_unary(&mut self) -> Option<(Ex, String)> {
        let a = self.pick_feature(|t| matches!(t, Ty::One(Scalar::Ts | Scalar::Date)))?;
        let x = self.feat(a, None);
        let (_, d) = self.duration();
        let stem = self.short(a);
        let (text, ty, atomic, suffix) = if x.ty == Ty::One(Scalar::Ts) {
            match self.rng.below(6) {
                0 => (
                    format!("{} > now() - {d}", x.op()),
                    Scalar::Bool,
                    false,
                    "recent",
                ),
                1 => (format!("date({})", x.text), Scalar::Date, true, "day"),
                2 => (format!("{} + {d}", x.op()), Scalar::Ts, false, "plus"),
                3 => (format!("now() - {}", x.op()), Scalar::Dur, false, "age"),
                4 => (
                    format!("days(now() - {})", x.op()),
                    Scalar::Float,
                    true,
                    "age_days",
                ),
                _ => (
                    format!("{} is null", x.op()),
                    Scalar::Bool,
                    false,
                    "missing",
                ),
            }
        } else {
            match self.rng.below(4) {
                0 => (format!("{} + {d}", x.op()), Scalar::Ts, false, "plus"),
                1 => (
                    format!("date(now()) - {}", x.op()),
                    Scalar::Dur,
                    false,
                    "age",
                ),
                2 => (
                    format!("{} == date(now())", x.op()),
                    Scalar::Bool,
                    false,
                    "today",
                ),
                _ => (
                    format!("{} >= date(now() - {d})", x.op()),
                    Scalar::Bool,
                    false,
                    "recent",
                ),
            }
        };
        Some((Ex::one(text, ty, atomic), format!("{stem}_{suffix}")))
    }

    fn duration_fn(&mut self) -> Option<(Ex, String)> {
        let a = self.pick_feature(|t| t == Ty::One(Scalar::Dur))?;
        let x = self.feat(a, None);
        let stem = self.short(a);
        let (text, ty, atomic) = match self.rng.below(7) {
            0 => (format!("days({})", x.text), Scalar::Float, true),
            1 => (format!("hours({})", x.text), Scalar::Float, true),
            2 => (format!("minutes({})", x.text), Scalar::Float, true),
            3 => (format!("seconds({})", x.text), Scalar::Float, true),
            4 => (format!("{} > 2 days", x.op()), Scalar::Bool, false),
            5 => (format!("{} * 2", x.op()), Scalar::Dur, false),
            _ => (format!("{} + 1 hour", x.op()), Scalar::Dur, false),
        };
        Some((Ex::one(text, ty, atomic), format!("{stem}_x")))
    }

    fn string_fn(&mut self) -> Option<(Ex, String)> {
        let a = self.pick_feature(|t| t == Ty::One(Scalar::Str))?;
        let x = self.feat(a, None);
        let stem = self.short(a);
        let (text, ty, atomic) = match self.rng.below(12) {
            0 => (format!("upper({})", x.text), Scalar::Str, true),
            1 => (format!("lower({})", x.text), Scalar::Str, true),
            2 => (format!("trim({})", x.text), Scalar::Str, true),
            3 => (format!("length({})", x.text), Scalar::Int, true),
            4 => {
                let other = match self.pick_feature(|t| t == Ty::One(Scalar::Str)) {
                    Some(b) => self.feat(b, None).text,
                    None => str_lit("n/a"),
                };
                (
                    format!("concat({}, \"|\", {other})", x.text),
                    Scalar::Str,
                    true,
                )
            }
            5 => (format!("coalesce({}, \"none\")", x.text), Scalar::Str, true),
            6 => (
                format!("regexp_replace({}, r\"[0-9]+\", \"#\")", x.text),
                Scalar::Str,
                true,
            ),
            7 => (format!("{} ~ r\"^[a-z]\"", x.op()), Scalar::Bool, false),
            8 => (format!("contains({}, \"a\")", x.text), Scalar::Bool, true),
            9 => (
                format!("starts_with({}, \"p\")", x.text),
                Scalar::Bool,
                true,
            ),
            10 => (format!("ends_with({}, \"d\")", x.text), Scalar::Bool, true),
            _ => (
                format!("{} in [\"completed\", \"pro\", \"\"]", x.op()),
                Scalar::Bool,
                false,
            ),
        };
        Some((Ex::one(text, ty, atomic), format!("{stem}_text")))
    }

    fn list_fn(&mut self) -> Option<(Ex, String)> {
        let a = self.pick_feature(|t| matches!(t, Ty::List(_)))?;
        let x = self.feat(a, None);
        let Ty::List(elem) = x.ty else { return None };
        let stem = self.short(a);
        let probe = match elem {
            Scalar::Str => Some(str_lit(
                self.rng
                    .pick(&["p1", "Login", "completed", ""])
                    .unwrap_or(&"p1"),
            )),
            Scalar::Int => Some("3".to_owned()),
            Scalar::Dec | Scalar::Float => Some("2.5".to_owned()),
            Scalar::Bool => Some("true".to_owned()),
            _ => self
                .pick_feature(move |t| t == Ty::One(elem))
                .map(|b| self.feat(b, None).text),
        };
        match probe {
            Some(p) if self.rng.chance(50) => Some((
                Ex::one(format!("has({}, {p})", x.text), Scalar::Bool, true),
                format!("{stem}_has"),
            )),
            _ => Some((
                Ex::one(format!("size({})", x.text), Scalar::Int, true),
                format!("{stem}_size"),
            )),
        }
    }

    fn bool_fn(&mut self) -> Option<(Ex, String)> {
        let a = self.pick_feature(|t| t == Ty::One(Scalar::Bool))?;
        let x = self.feat(a, None);
        let stem = self.short(a);
        let text = match self.rng.below(4) {
            0 => format!("not {}", x.op()),
            1 => format!("coalesce({}, false)", x.text),
            2 => {
                let other = match self.pick_feature(Ty::is_numeric) {
                    Some(b) => format!("{} > 1", self.feat(b, None).op()),
                    None => "false".into(),
                };
                format!("{} or {other}", x.op())
            }
            _ => match self.pick_feature(|t| t == Ty::One(Scalar::Bool)) {
                Some(b) => format!("{} and {}", x.op(), self.feat(b, None).op()),
                None => format!("{} == false", x.op()),
            },
        };
        let atomic = text.starts_with("coalesce");
        Some((Ex::one(text, Scalar::Bool, atomic), format!("{stem}_flag")))
    }

    /// `if C then A else B` with a condition from a feature and branches of one type.
    fn if_else(&mut self) -> Option<(Ex, String)> {
        let cond = match self.rng.below(3) {
            0 => {
                let c = self.pick_feature(|t| t == Ty::One(Scalar::Bool))?;
                self.feat(c, None).op()
            }
            1 => {
                let c = self.pick_feature(Ty::is_numeric)?;
                format!("{} > 2", self.feat(c, None).op())
            }
            _ => {
                let c = self.pick_feature(|t| t.scalar().is_some())?;
                format!("{} is null", self.feat(c, None).op())
            }
        };
        let (then, otherwise, ty) = match self.rng.below(3) {
            0 => {
                let a = self.pick_feature(Ty::is_numeric)?;
                let x = self.feat(a, None);
                let s = x.ty.scalar()?;
                let other = if self.rng.chance(50) { "0" } else { "null" };
                (x.op(), other.to_owned(), s)
            }
            1 => {
                let a = self.pick_feature(|t| t.scalar().is_some())?;
                let s = self.features[a].ty.scalar()?;
                let b = self.pick_other(a, move |t| t == Ty::One(s))?;
                let (x, y) = (self.feat(a, None), self.feat(b, None));
                (x.op(), y.op(), s)
            }
            _ => ("\"high\"".to_owned(), "\"low\"".to_owned(), Scalar::Str),
        };
        Some((
            Ex::one(format!("if {cond} then {then} else {otherwise}"), ty, false),
            "choice".into(),
        ))
    }

    /// A pipeline inside a larger expression: parenthesised, or a function argument.
    fn inline_pipeline(&mut self) -> Option<(Ex, String)> {
        let agg = *self.rng.pick(&Agg::ALL).unwrap_or(&Agg::Count);
        let src = self.pick_source(agg)?;
        let relative = !self.features.is_empty() && self.rng.chance(20);
        let (p, stem) = self.pipeline(src, agg, relative)?;
        let (text, ty, atomic) = match p.ty {
            Ty::One(Scalar::Dur) => match self.rng.below(2) {
                0 => (format!("days({})", p.text), Scalar::Float, true),
                _ => (format!("hours({})", p.text), Scalar::Float, true),
            },
            Ty::List(_) => (format!("size({})", p.text), Scalar::Int, true),
            Ty::One(s) if s.is_numeric() => match self.rng.below(3) {
                0 => (format!("{} * 2", p.op()), s, false),
                1 => (format!("coalesce({}, 0)", p.text), s, true),
                _ => match self.pick_feature(Ty::is_numeric) {
                    Some(f) => {
                        let x = self.feat(f, None);
                        let t = s.unify(x.ty.scalar()?)?;
                        (format!("{} - {}", p.op(), x.op()), t, false)
                    }
                    None => (format!("{} + 1", p.op()), s, false),
                },
            },
            Ty::One(Scalar::Str) => (format!("coalesce({}, \"none\")", p.text), Scalar::Str, true),
            Ty::One(Scalar::Ts) => (format!("date({})", p.text), Scalar::Date, true),
            Ty::One(_) => (format!("{} is not null", p.op()), Scalar::Bool, false),
        };
        Some((Ex::one(text, ty, atomic), format!("{stem}_calc")))
    }

    fn coalesce_pair(&mut self) -> Option<(Ex, String)> {
        let a = self.pick_feature(|t| t.scalar().is_some())?;
        let s = self.features[a].ty.scalar()?;
        let b = self.pick_other(a, move |t| match t.scalar() {
            Some(o) => o == s || (o.is_numeric() && s.is_numeric()),
            None => false,
        })?;
        let (x, y) = (self.feat(a, None), self.feat(b, None));
        let ty = s.unify(y.ty.scalar()?)?;
        Some((
            Ex::one(format!("coalesce({}, {})", x.text, y.text), ty, true),
            format!("{}_or_{}", self.short(a), self.short(b)),
        ))
    }

    fn null_check(&mut self) -> Option<(Ex, String)> {
        let a = self.pick_feature(|t| t.scalar().is_some())?;
        let x = self.feat(a, None);
        Some((
            Ex::one(format!("{} is not null", x.op()), Scalar::Bool, false),
            format!("has_{}", self.short(a)),
        ))
    }
}

/// `7d`, `12h`, `45m` for names.
fn window_tag(secs: i64) -> String {
    if secs % 86_400 == 0 {
        format!("{}d", secs / 86_400)
    } else if secs % 3_600 == 0 {
        format!("{}h", secs / 3_600)
    } else {
        format!("{}m", secs / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_escaped_and_exact() {
        assert_eq!(str_lit("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(str_lit("東京 😀"), "\"東京 😀\"");
        assert_eq!(str_lit("\u{7}"), "\"\\u{7}\"");
        assert_eq!(measure_lit(Scalar::Dec, -1205), "-12.05");
        assert_eq!(measure_lit(Scalar::Float, 7), "1.75");
        assert_eq!(measure_lit(Scalar::Int, -3), "-3");
        assert_eq!(window_tag(604_800), "7d");
        assert_eq!(window_tag(129_600), "36h");
        assert_eq!(window_tag(2_700), "45m");
    }
}
