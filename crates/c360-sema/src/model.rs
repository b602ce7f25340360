//! The typed model of a checked project: every name resolved, every expression typed.
//!
//! Lowering to the IR reads only this model. Names are plain strings because every
//! declaration kind has its own namespace (spec §3).

use std::collections::BTreeMap;
use std::sync::Arc;

use c360_diagnostics::{FileId, Span};
use c360_syntax::ast::BinaryOp;

use crate::types::Type;

/// The whole checked project.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Model {
    /// Identifier types by name.
    pub id_types: BTreeMap<String, IdTypeDef>,
    /// Entities in declaration order (files in path order).
    pub entities: Vec<EntityDef>,
    /// Sources by name (shared: every pipeline over a source refers to it).
    pub sources: BTreeMap<String, Arc<SourceDef>>,
    /// Training sets in declaration order.
    pub training_sets: Vec<TrainingSetDef>,
    /// Tests in declaration order.
    pub tests: Vec<TestDef>,
}

impl Model {
    /// The entity named `name`.
    pub fn entity(&self, name: &str) -> Option<&EntityDef> {
        self.entities.iter().find(|e| e.name == name)
    }
}

/// Where a declaration is, for messages and the editor.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file.
    pub file: FileId,
    /// The span of the declaration's name.
    pub span: Span,
}

/// Documentation and catalog metadata of a declaration.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Meta {
    /// The `///` comment.
    pub doc: Option<String>,
    /// `@owner("…")`
    pub owner: Option<String>,
    /// `@tags("…", …)`
    pub tags: Vec<String>,
}

/// `id_type NAME { … }` after checking.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdTypeDef {
    /// The name.
    pub name: String,
    /// Where it is declared.
    pub location: Location,
    /// Documentation.
    pub meta: Meta,
    /// `normalize`, an expression over [`ExprKind::Value`] of type string.
    pub normalize: Option<Expr>,
    /// `valid`, a bool expression over the normalised value.
    pub valid: Option<Expr>,
    /// `exclude`: normalised values that are dropped.
    pub exclude: Vec<String>,
    /// `max_links`
    pub max_links: Option<u64>,
}

/// `entity NAME { ids = [...] }` plus its features.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EntityDef {
    /// The name.
    pub name: String,
    /// Where it is declared.
    pub location: Location,
    /// Documentation.
    pub meta: Meta,
    /// Id types in priority order.
    pub ids: Vec<String>,
    /// Features in declaration order (files in path order).
    pub features: Vec<FeatureDef>,
}

impl EntityDef {
    /// The entity key column, `<entity>_id`.
    pub fn key_column(&self) -> String {
        format!("{}_id", self.name)
    }

    /// The feature named `name`.
    pub fn feature(&self, name: &str) -> Option<&FeatureDef> {
        self.features.iter().find(|f| f.name == name)
    }
}

/// A column of a source or a labels relation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ColumnDef {
    /// The logical name used in expressions.
    pub name: String,
    /// The physical column in the warehouse (`@column`, else the name).
    pub physical: String,
    /// The declared type.
    pub ty: Type,
    /// `@id(T)`
    pub id_type: Option<String>,
    /// `@time`
    pub is_time: bool,
    /// Documentation.
    pub doc: Option<String>,
    /// Where it is declared.
    pub location: Location,
}

/// `source NAME from "TABLE" { … }` after checking.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SourceDef {
    /// The name.
    pub name: String,
    /// Where it is declared.
    pub location: Location,
    /// Documentation.
    pub meta: Meta,
    /// The warehouse relation, split into its 1–3 parts.
    pub table: Vec<String>,
    /// Columns in declaration order.
    pub columns: Vec<ColumnDef>,
}

impl SourceDef {
    /// The `@time` column, if any (none for a snapshot source).
    pub fn time_column(&self) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.is_time)
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A feature after checking.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FeatureDef {
    /// The name.
    pub name: String,
    /// The entity it belongs to.
    pub entity: String,
    /// Where it is declared.
    pub location: Location,
    /// Documentation.
    pub meta: Meta,
    /// The type (declared, else inferred).
    pub ty: Type,
    /// `@version(N)`
    pub version: Option<u64>,
    /// `@deprecated("reason")`; an empty reason for `@deprecated`.
    pub deprecated: Option<String>,
    /// `@hidden`: computed, not written to the 360 table.
    pub hidden: bool,
    /// The typed body.
    pub body: Expr,
    /// Features this one reads, in order of first use.
    pub depends_on: Vec<String>,
}

/// `training_set NAME for ENTITY { … }` after checking.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TrainingSetDef {
    /// The name (and output table).
    pub name: String,
    /// Where it is declared.
    pub location: Location,
    /// Documentation.
    pub meta: Meta,
    /// The entity.
    pub entity: String,
    /// The labels relation, split into parts.
    pub labels_table: Vec<String>,
    /// The labels' columns.
    pub labels_columns: Vec<ColumnDef>,
    /// The features, in the order listed.
    pub features: Vec<String>,
}

/// `test "NAME" { … }` after checking.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TestDef {
    /// The name.
    pub name: String,
    /// Where it is declared.
    pub location: Location,
    /// `as_of`, as `YYYY-MM-DD HH:MM:SS`.
    pub as_of: String,
    /// Rows per source, in the order given.
    pub given: Vec<GivenDef>,
    /// Expectations.
    pub expects: Vec<ExpectDef>,
}

/// `given SOURCE = [...]` after checking.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GivenDef {
    /// The source.
    pub source: String,
    /// Each row: column name to value; columns not written are null.
    pub rows: Vec<BTreeMap<String, Literal>>,
}

/// `expect ENTITY(ID_TYPE: "v") { … }` after checking.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExpectDef {
    /// The entity.
    pub entity: String,
    /// The id type selecting the instance.
    pub id_type: String,
    /// The raw identifier value.
    pub id_value: String,
    /// Feature name and expected value, in order.
    pub values: Vec<(String, Literal, Location)>,
    /// Where the expectation is.
    pub location: Location,
}

/// A constant value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Literal {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A decimal, as written (exact).
    Decimal(String),
    /// A string.
    String(String),
    /// A timestamp `YYYY-MM-DD HH:MM:SS` (a string literal where a timestamp is expected).
    Timestamp(String),
    /// A date `YYYY-MM-DD`.
    Date(String),
    /// A duration in seconds.
    Duration(i64),
    /// A list.
    List(Vec<Literal>),
}

/// A typed expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// Its type.
    pub ty: Type,
    /// Where it is written.
    pub span: Span,
}

/// Built-in scalar functions (spec §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Function {
    /// `lower(s)`
    Lower,
    /// `upper(s)`
    Upper,
    /// `trim(s)`
    Trim,
    /// `length(s)`
    Length,
    /// `concat(a, b, …)`
    Concat,
    /// `contains(s, sub)`
    Contains,
    /// `starts_with(s, prefix)`
    StartsWith,
    /// `ends_with(s, suffix)`
    EndsWith,
    /// `regexp_replace(s, re, replacement)`
    RegexpReplace,
    /// `coalesce(a, b, …)`
    Coalesce,
    /// `least(…)`, ignoring nulls
    Least,
    /// `greatest(…)`, ignoring nulls
    Greatest,
    /// `abs(x)`
    Abs,
    /// `round(x[, digits])`
    Round,
    /// `floor(x)`
    Floor,
    /// `ceil(x)`
    Ceil,
    /// `date(ts)`
    Date,
    /// `days(d)`
    Days,
    /// `hours(d)`
    Hours,
    /// `minutes(d)`
    Minutes,
    /// `seconds(d)`
    Seconds,
    /// `size(list)`
    Size,
    /// `has(list, x)`
    Has,
    /// `now()`: the run's `as_of`.
    Now,
}

impl Function {
    /// The name the language writes, e.g. `starts_with`.
    pub fn name(self) -> &'static str {
        match self {
            Function::Lower => "lower",
            Function::Upper => "upper",
            Function::Trim => "trim",
            Function::Length => "length",
            Function::Concat => "concat",
            Function::Contains => "contains",
            Function::StartsWith => "starts_with",
            Function::EndsWith => "ends_with",
            Function::RegexpReplace => "regexp_replace",
            Function::Coalesce => "coalesce",
            Function::Least => "least",
            Function::Greatest => "greatest",
            Function::Abs => "abs",
            Function::Round => "round",
            Function::Floor => "floor",
            Function::Ceil => "ceil",
            Function::Date => "date",
            Function::Days => "days",
            Function::Hours => "hours",
            Function::Minutes => "minutes",
            Function::Seconds => "seconds",
            Function::Size => "size",
            Function::Has => "has",
            Function::Now => "now",
        }
    }
}

/// Aggregates, the last step of a pipeline (spec §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Aggregate {
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

/// A checked pipeline: a source, filters, windows and one aggregate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pipeline {
    /// The source read.
    pub source: String,
    /// `where` predicates, all of which must hold.
    pub filters: Vec<Expr>,
    /// `within` windows in seconds (the narrowest applies).
    pub windows: Vec<i64>,
    /// The aggregate.
    pub aggregate: Aggregate,
    /// The aggregate's value argument, if it takes one.
    pub arg: Option<Box<Expr>>,
    /// `N` of `first(e, N)` / `last(e, N)`.
    pub limit: Option<u64>,
}

/// The kinds of typed expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    /// A constant.
    Literal(Literal),
    /// A list of values.
    List(Vec<Expr>),
    /// `value` inside an id type's rules.
    Value,
    /// A column of the enclosing pipeline's source.
    Column {
        /// The source.
        source: String,
        /// The column's logical name.
        column: String,
    },
    /// Another feature of the same entity.
    Feature {
        /// The entity.
        entity: String,
        /// The feature.
        feature: String,
    },
    /// A scalar function call.
    Call {
        /// The function.
        func: Function,
        /// Its arguments.
        args: Vec<Expr>,
    },
    /// `-x`
    Neg(Box<Expr>),
    /// `not x`
    Not(Box<Expr>),
    /// A binary operator; operands keep their own types (widening happens in SQL).
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `x is [not] null`
    IsNull {
        /// The tested value.
        expr: Box<Expr>,
        /// `is not null`
        negated: bool,
    },
    /// `if c then a else b`
    If {
        /// The condition.
        cond: Box<Expr>,
        /// Value when true.
        then: Box<Expr>,
        /// Value otherwise.
        otherwise: Box<Expr>,
    },
    /// A pipeline, evaluated per entity (and per spine row).
    Pipeline(Box<Pipeline>),
    /// An expression with an error; never reaches lowering.
    Error,
}

impl Expr {
    /// Visits this expression and every sub-expression, pipelines included.
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match &self.kind {
            ExprKind::List(items) => items.iter().for_each(|e| e.walk(f)),
            ExprKind::Call { args, .. } => args.iter().for_each(|e| e.walk(f)),
            ExprKind::Neg(e) | ExprKind::Not(e) | ExprKind::IsNull { expr: e, .. } => e.walk(f),
            ExprKind::Binary { lhs, rhs, .. } => {
                lhs.walk(f);
                rhs.walk(f);
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                cond.walk(f);
                then.walk(f);
                otherwise.walk(f);
            }
            ExprKind::Pipeline(p) => {
                p.filters.iter().for_each(|e| e.walk(f));
                if let Some(arg) = &p.arg {
                    arg.walk(f);
                }
            }
            ExprKind::Literal(_)
            | ExprKind::Value
            | ExprKind::Column { .. }
            | ExprKind::Feature { .. }
            | ExprKind::Error => {}
        }
    }
}
