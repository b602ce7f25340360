//! The generator's own plan of a project: what it declares, with the facts about each
//! declaration that the feature and data generators need (types, vocabularies, id rules).

use crate::time::{Date, Timestamp};

/// A c360 scalar type (spec §4.3), `duration` included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scalar {
    /// `string`
    Str,
    /// `int`
    Int,
    /// `decimal`
    Dec,
    /// `float`
    Float,
    /// `bool`
    Bool,
    /// `date`
    Date,
    /// `timestamp`
    Ts,
    /// `duration`
    Dur,
}

impl Scalar {
    /// The type's name in c360 source.
    pub fn keyword(self) -> &'static str {
        match self {
            Scalar::Str => "string",
            Scalar::Int => "int",
            Scalar::Dec => "decimal",
            Scalar::Float => "float",
            Scalar::Bool => "bool",
            Scalar::Date => "date",
            Scalar::Ts => "timestamp",
            Scalar::Dur => "duration",
        }
    }

    /// `int`, `decimal` or `float`.
    pub fn is_numeric(self) -> bool {
        matches!(self, Scalar::Int | Scalar::Dec | Scalar::Float)
    }

    fn rank(self) -> u8 {
        match self {
            Scalar::Int => 0,
            Scalar::Dec => 1,
            _ => 2,
        }
    }

    /// The common type of two values (numbers widen int → decimal → float), if any.
    pub fn unify(self, other: Scalar) -> Option<Scalar> {
        if self == other {
            Some(self)
        } else if self.is_numeric() && other.is_numeric() {
            Some(if self.rank() >= other.rank() {
                self
            } else {
                other
            })
        } else {
            None
        }
    }
}

/// The type of an expression or feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ty {
    /// A single value.
    One(Scalar),
    /// `list<T>`
    List(Scalar),
}

impl Ty {
    /// The type's name in c360 source.
    pub fn keyword(self) -> String {
        match self {
            Ty::One(s) => s.keyword().to_owned(),
            Ty::List(s) => format!("list<{}>", s.keyword()),
        }
    }

    /// The scalar, for a single value.
    pub fn scalar(self) -> Option<Scalar> {
        match self {
            Ty::One(s) => Some(s),
            Ty::List(_) => None,
        }
    }

    /// True for a single number.
    pub fn is_numeric(self) -> bool {
        self.scalar().is_some_and(Scalar::is_numeric)
    }
}

/// How identifiers of an id type look in the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    /// `ann.lee@example.com`
    Email,
    /// `5550100123`
    Phone,
    /// `CUS-0042`
    Code,
    /// `3fa9c0d2` (browser cookies, device ids)
    Cookie,
    /// `100042` (may be stored in `int` columns)
    Number,
}

/// `normalize` of an id type: a fixed menu, so the generator knows which raw spellings of a
/// value clean to the same node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Normalize {
    /// No rule.
    None,
    /// `lower(trim(value))`
    LowerTrim,
    /// `trim(lower(value))`
    TrimLower,
    /// `lower(value)`
    Lower,
    /// `trim(value)`
    Trim,
    /// `upper(trim(value))`
    UpperTrim,
    /// `regexp_replace(value, r"[^0-9]", "")`
    Digits,
    /// `regexp_replace(trim(value), r"^0+", "")`
    StripZeros,
}

impl Normalize {
    /// The rule as written in c360, if any.
    pub fn text(self) -> Option<&'static str> {
        Some(match self {
            Normalize::None => return None,
            Normalize::LowerTrim => "lower(trim(value))",
            Normalize::TrimLower => "trim(lower(value))",
            Normalize::Lower => "lower(value)",
            Normalize::Trim => "trim(value)",
            Normalize::UpperTrim => "upper(trim(value))",
            Normalize::Digits => r#"regexp_replace(value, r"[^0-9]", "")"#,
            Normalize::StripZeros => r#"regexp_replace(trim(value), r"^0+", "")"#,
        })
    }

    /// True when leading and trailing spaces are removed.
    pub fn trims(self) -> bool {
        matches!(
            self,
            Normalize::LowerTrim
                | Normalize::TrimLower
                | Normalize::Trim
                | Normalize::UpperTrim
                | Normalize::Digits
                | Normalize::StripZeros
        )
    }

    /// True when ASCII letters are case-folded.
    pub fn folds_case(self) -> bool {
        matches!(
            self,
            Normalize::LowerTrim | Normalize::TrimLower | Normalize::Lower | Normalize::UpperTrim
        )
    }
}

/// An id type and its cleaning rules.
#[derive(Clone, Debug)]
pub struct IdType {
    /// The name.
    pub name: String,
    /// What its values look like.
    pub kind: IdKind,
    /// `normalize`
    pub normalize: Normalize,
    /// `valid`, as written (a bool expression over `value`).
    pub valid: Option<String>,
    /// `exclude`: normalised values that are dropped.
    pub exclude: Vec<String>,
    /// `max_links`
    pub max_links: Option<u64>,
    /// A `///` comment.
    pub doc: Option<String>,
}

/// An entity: its id types, by index into the plan's id types, in priority order.
#[derive(Clone, Debug)]
pub struct Entity {
    /// The name.
    pub name: String,
    /// Id types in priority order.
    pub ids: Vec<usize>,
}

/// What a column holds, which decides its values and the predicates written over it.
#[derive(Clone, Debug, PartialEq)]
pub enum Role {
    /// Identifiers of the id type with this index.
    Id(usize),
    /// The source's `@time` column.
    Time,
    /// One of a few values (`status`, `channel`), spelled as listed.
    Category(Vec<&'static str>),
    /// Free text with commas, quotes, spaces and non-ASCII characters.
    Text,
    /// Mostly distinct codes (`o-0007`).
    Key(&'static str),
    /// A number between the bounds, in units of the column's type.
    Measure(i64, i64),
    /// `true` / `false`.
    Flag,
    /// A date or timestamp that is not the event time.
    When,
    /// Another logical column over the physical column of the column with this index.
    Alias(usize),
}

/// A column of a source or labels relation.
#[derive(Clone, Debug)]
pub struct Column {
    /// The logical name used in expressions.
    pub name: String,
    /// The physical column in the table (`@column`, else the name).
    pub physical: String,
    /// The declared type.
    pub ty: Scalar,
    /// What it holds.
    pub role: Role,
    /// Percentage of rows where it is null.
    pub nulls: u64,
    /// A `///` comment.
    pub doc: Option<String>,
}

impl Column {
    /// True when the physical name differs from the logical one (so `@column` is written).
    pub fn renamed(&self) -> bool {
        self.physical != self.name
    }
}

/// A source: a relation, its columns, and whether one is the event time.
#[derive(Clone, Debug)]
pub struct Source {
    /// The name.
    pub name: String,
    /// The warehouse relation, `schema.table` or `table`.
    pub relation: String,
    /// Columns in declaration order.
    pub columns: Vec<Column>,
    /// The index of the `@time` column; `None` for a snapshot source.
    pub time: Option<usize>,
    /// A `///` comment.
    pub doc: Option<String>,
}

impl Source {
    /// Id types read by this source.
    pub fn id_types(&self) -> impl Iterator<Item = usize> + '_ {
        self.columns.iter().filter_map(|c| match c.role {
            Role::Id(t) => Some(t),
            _ => None,
        })
    }
}

/// A feature, ready to be written.
#[derive(Clone, Debug)]
pub struct Feature {
    /// The name.
    pub name: String,
    /// Its type (the declared one when declared).
    pub ty: Ty,
    /// The declared type, when written.
    pub declared: Option<Ty>,
    /// The body.
    pub body: String,
    /// Features (indices into the entity's list) it reads.
    pub deps: Vec<usize>,
    /// `@hidden`
    pub hidden: bool,
    /// Other annotations, as written (`@owner("growth")`).
    pub annotations: Vec<String>,
    /// A `///` comment.
    pub doc: Option<String>,
}

/// A training set over an entity.
#[derive(Clone, Debug)]
pub struct TrainingSet {
    /// The name (and output table).
    pub name: String,
    /// The entity, by index.
    pub entity: usize,
    /// The labels relation.
    pub relation: String,
    /// The labels' columns (ids, one `@time`, label values).
    pub columns: Vec<Column>,
    /// The index of the `@time` column.
    pub time: usize,
    /// Features of the entity, by index.
    pub features: Vec<usize>,
}

/// Everything declared, plus the run's time.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The seed the plan was made from.
    pub seed: u64,
    /// The run's `as_of`.
    pub as_of: Timestamp,
    /// Id types.
    pub id_types: Vec<IdType>,
    /// Entities.
    pub entities: Vec<Entity>,
    /// Sources.
    pub sources: Vec<Source>,
    /// Features per entity (same order as `entities`).
    pub features: Vec<Vec<Feature>>,
    /// Training sets.
    pub training_sets: Vec<TrainingSet>,
    /// Durations (seconds) that features measure back from `as_of` (`within`, `now() - D`):
    /// the data puts event times exactly on these boundaries.
    pub boundaries: Vec<i64>,
}

/// A generated cell value, typed so it is written in the form its column's type reads.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// An empty, unquoted field.
    Null,
    /// Text, written quoted whenever needed (always for the empty string).
    Str(String),
    /// An `int`.
    Int(i64),
    /// A `decimal` in hundredths, written with two decimals.
    Dec(i64),
    /// A `float` in quarters, written exactly.
    Float(i64),
    /// A `bool`.
    Bool(bool),
    /// A `date`.
    Date(Date),
    /// A `timestamp`.
    Ts(Timestamp),
}
