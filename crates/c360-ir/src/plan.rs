//! The plan: what a run computes, as relational steps, without any SQL.

use c360_sema::model::{Aggregate, Function, Literal};
use c360_sema::Type;
use c360_syntax::ast::BinaryOp;

/// Everything a project computes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// One plan per entity, in declaration order.
    pub entities: Vec<EntityPlan>,
    /// One plan per training set, in declaration order.
    pub training_sets: Vec<TrainingSetPlan>,
}

/// A column as read from a warehouse relation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ColumnRef {
    /// The logical name used in `.c360` files.
    pub name: String,
    /// The physical name in the warehouse.
    pub physical: String,
    /// The declared type.
    pub ty: Type,
}

/// The cleaning rules of one id type, as lowered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdTypeRule {
    /// The id type.
    pub name: String,
    /// `normalize`, over [`ScalarKind::Value`].
    pub normalize: Option<Scalar>,
    /// `valid`, over [`ScalarKind::Value`] (already normalised).
    pub valid: Option<Scalar>,
    /// Normalised values that are dropped.
    pub exclude: Vec<String>,
    /// Values linked to more than this many distinct other nodes are dropped.
    pub max_links: Option<u64>,
}

/// A source as one entity reads it: for identifiers and for its features.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRead {
    /// The source's name.
    pub source: String,
    /// The relation, in 1–3 parts.
    pub table: Vec<String>,
    /// The `@time` column; `None` for a snapshot source.
    pub time: Option<ColumnRef>,
    /// The `@id` columns whose id type belongs to the entity, with that id type.
    pub ids: Vec<(ColumnRef, String)>,
    /// Every other column that the entity's pipelines read, in declaration order.
    pub columns: Vec<ColumnRef>,
}

/// A typed scalar expression over one row (of a source, of the spine, or an identifier).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scalar {
    /// What it computes.
    pub kind: ScalarKind,
    /// Its type.
    pub ty: Type,
}

/// The kinds of scalar expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ScalarKind {
    /// A constant.
    Literal(Literal),
    /// A list of values.
    List(Vec<Scalar>),
    /// The identifier being cleaned (id type rules only).
    Value,
    /// A column of the scanned source, by logical name.
    Column(String),
    /// A feature of the entity, computed by an earlier step.
    Feature(String),
    /// An aggregate of the plan, by index into [`Program::aggregates`].
    Aggregate(usize),
    /// The spine row's `as_of` (`now()`).
    AsOf,
    /// A scalar function (never [`Function::Now`], which lowers to [`ScalarKind::AsOf`]).
    Call(Function, Vec<Scalar>),
    /// `-x`
    Neg(Box<Scalar>),
    /// `not x`
    Not(Box<Scalar>),
    /// `a op b`
    Binary(BinaryOp, Box<Scalar>, Box<Scalar>),
    /// `x is [not] null`
    IsNull(Box<Scalar>, bool),
    /// `if c then a else b`
    If(Box<Scalar>, Box<Scalar>, Box<Scalar>),
}

impl Scalar {
    /// Visits this expression and its sub-expressions.
    pub fn walk(&self, f: &mut dyn FnMut(&Scalar)) {
        f(self);
        match &self.kind {
            ScalarKind::List(items) | ScalarKind::Call(_, items) => {
                items.iter().for_each(|e| e.walk(f))
            }
            ScalarKind::Neg(e) | ScalarKind::Not(e) | ScalarKind::IsNull(e, _) => e.walk(f),
            ScalarKind::Binary(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            ScalarKind::If(c, a, b) => {
                c.walk(f);
                a.walk(f);
                b.walk(f);
            }
            ScalarKind::Literal(_)
            | ScalarKind::Value
            | ScalarKind::Column(_)
            | ScalarKind::Feature(_)
            | ScalarKind::Aggregate(_)
            | ScalarKind::AsOf => {}
        }
    }

    /// The features this expression reads, in order of first use.
    pub fn features(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        self.walk(&mut |e| {
            if let ScalarKind::Feature(name) = &e.kind {
                if !out.contains(name) {
                    out.push(name.clone());
                }
            }
        });
        out
    }

    /// The aggregates this expression reads, ascending.
    pub fn aggregates(&self) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        self.walk(&mut |e| {
            if let ScalarKind::Aggregate(i) = e.kind {
                out.push(i);
            }
        });
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// One aggregate over one source, per spine row.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AggregatePlan {
    /// The source scanned.
    pub source: String,
    /// Conditions on the source row (and the spine row's features), all of which must hold.
    pub filters: Vec<Scalar>,
    /// Keep rows with `as_of - window < time <= as_of` (seconds); the narrowest `within`.
    pub window: Option<i64>,
    /// The aggregate.
    pub aggregate: Aggregate,
    /// Its value argument, if any.
    pub arg: Option<Scalar>,
    /// `N` of `first(e, N)` / `last(e, N)`.
    pub limit: Option<u64>,
    /// The result type.
    pub ty: Type,
}

impl AggregatePlan {
    /// The features read by its filters and argument: the spine must carry them.
    pub fn features(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in self.filters.iter().chain(self.arg.as_ref()) {
            for f in e.features() {
                if !out.contains(&f) {
                    out.push(f);
                }
            }
        }
        out
    }
}

/// A feature as computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeaturePlan {
    /// The feature's name (and output column).
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Its value, over aggregates and earlier features.
    pub expr: Scalar,
    /// Computed but not written to the 360 table.
    pub hidden: bool,
}

/// A group of aggregates computed by one grouped scan of one source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scan {
    /// The source scanned.
    pub source: String,
    /// The aggregates, by index into [`Program::aggregates`], ascending.
    pub aggregates: Vec<usize>,
}

/// One step of feature computation over a spine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Grouped scans, one per source, whose results are joined onto the spine.
    Scans(Vec<Scan>),
    /// Features computed from columns already on the spine, by index into
    /// [`Program::features`], in declaration order.
    Project(Vec<usize>),
}

/// How to compute a set of features over any spine of `(entity, as_of)` rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    /// Every distinct aggregate needed.
    pub aggregates: Vec<AggregatePlan>,
    /// The features computed, in declaration order.
    pub features: Vec<FeaturePlan>,
    /// The steps in execution order: every step reads only what earlier steps produced.
    pub steps: Vec<Step>,
}

/// The identity graph and 360 table of one entity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityPlan {
    /// The entity.
    pub name: String,
    /// The key column, `<entity>_id`.
    pub key_column: String,
    /// Its id types in priority order.
    pub id_types: Vec<IdTypeRule>,
    /// Every source with an `@id` column of one of its id types.
    pub sources: Vec<SourceRead>,
    /// Every feature of the entity.
    pub program: Program,
    /// The 360 table's feature columns: non-hidden features in declaration order, by index
    /// into the program's features.
    pub outputs: Vec<usize>,
}

/// A training set: the entity's features as of each label row's time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingSetPlan {
    /// The training set (and output table).
    pub name: String,
    /// The entity.
    pub entity: String,
    /// The labels relation, in 1–3 parts.
    pub table: Vec<String>,
    /// The label columns in declaration order (all are written to the output).
    pub columns: Vec<ColumnRef>,
    /// The `@id` columns with their id types (of the entity only).
    pub ids: Vec<(ColumnRef, String)>,
    /// The `@time` column: each row's `as_of`.
    pub time: ColumnRef,
    /// The listed features and what they depend on.
    pub program: Program,
    /// The output's feature columns, in the order listed, by index into the program's features.
    pub outputs: Vec<usize>,
}
