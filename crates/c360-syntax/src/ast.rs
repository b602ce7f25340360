//! The abstract syntax tree of one `.c360` file. Every node carries its byte [`Span`].
//!
//! The tree is what was written, not what it means: names are not resolved and nothing is
//! typed. Nodes that failed to parse appear as `Error` variants so later stages can skip them
//! without cascading errors.

use c360_diagnostics::Span;

/// A name as written, with its span.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    /// The text of the name.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// A string literal after escape processing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StrLit {
    /// The value, escapes resolved.
    pub value: String,
    /// Written as `r"…"`.
    pub raw: bool,
    /// Where it is, quotes included.
    pub span: Span,
}

/// A `///` doc comment block, joined into one text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Doc {
    /// The lines without their `///` prefix (and one following space), joined with `\n`.
    pub text: String,
    /// From the first `///` to the end of the last line.
    pub span: Span,
}

/// `@name` or `@name(args)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Annotation {
    /// The name after `@`.
    pub name: Ident,
    /// The arguments, when parenthesised (an empty list for `@name()`).
    pub args: Option<Vec<Expr>>,
    /// From `@` to the closing parenthesis.
    pub span: Span,
}

/// Comment kinds kept as trivia for the formatter and hovers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommentKind {
    /// `// …`
    Line,
    /// `/// …`
    Doc,
    /// `/* … */`
    Block,
}

/// A comment, kept out of the tree proper.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Comment {
    /// Which kind.
    pub kind: CommentKind,
    /// The whole comment text, delimiters included.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// One parsed file.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct SourceFile {
    /// The declarations in source order.
    pub items: Vec<Item>,
    /// Every comment in source order.
    pub comments: Vec<Comment>,
}

/// A top-level declaration with its doc comment and annotations.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Item {
    /// The `///` comment right before it.
    pub doc: Option<Doc>,
    /// Annotations before the keyword.
    pub annotations: Vec<Annotation>,
    /// The declaration itself.
    pub kind: ItemKind,
    /// From the first annotation (or keyword) to the end; the doc comment is not included.
    pub span: Span,
}

/// The kinds of declaration.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// `id_type NAME [{ … }]`
    IdType(IdType),
    /// `entity NAME { ids = [...] }`
    Entity(Entity),
    /// `source NAME from "TABLE" { columns }`
    Source(Source),
    /// `features ENTITY { features }`
    Features(FeaturesBlock),
    /// `training_set NAME for ENTITY { … }`
    TrainingSet(TrainingSet),
    /// `test "NAME" { … }`
    Test(Test),
    /// A declaration that did not parse; its errors were reported.
    Error,
}

/// `NAME = EXPR` inside a declaration body.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Property {
    /// The property name.
    pub name: Ident,
    /// Its value.
    pub value: Expr,
    /// From the name to the end of the value.
    pub span: Span,
}

/// `id_type NAME { normalize = … valid = … exclude = [...] max_links = N }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdType {
    /// The id type's name.
    pub name: Ident,
    /// Properties in source order (`None` when there is no body).
    pub body: Option<Vec<Property>>,
}

/// `entity NAME { ids = [...] }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entity {
    /// The entity's name.
    pub name: Ident,
    /// Properties in source order (`ids`).
    pub props: Vec<Property>,
}

/// `source NAME from "TABLE" { COLUMN… }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Source {
    /// The source's name.
    pub name: Ident,
    /// The warehouse relation.
    pub table: StrLit,
    /// The declared columns.
    pub columns: Vec<Column>,
}

/// `name: type @annotations…` in a source or a training set's labels.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Column {
    /// The `///` comment right before it.
    pub doc: Option<Doc>,
    /// The logical name.
    pub name: Ident,
    /// The declared type.
    pub ty: TypeExpr,
    /// `@id(T)`, `@time`, `@column("X")`, …
    pub annotations: Vec<Annotation>,
    /// From the name to the last annotation.
    pub span: Span,
}

/// A type as written: `string`, `decimal`, `list<string>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypeExpr {
    /// The type's name (`string`, `list`, …).
    pub name: Ident,
    /// The element type of `list<T>`.
    pub arg: Option<Box<TypeExpr>>,
    /// Where it is.
    pub span: Span,
}

/// `features ENTITY { FEATURE… }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FeaturesBlock {
    /// The entity the features belong to.
    pub entity: Ident,
    /// The features in source order.
    pub features: Vec<Feature>,
}

/// `[/// doc] [@annotations] NAME [: TYPE] = BODY`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Feature {
    /// The `///` comment right before it.
    pub doc: Option<Doc>,
    /// Annotations before the name.
    pub annotations: Vec<Annotation>,
    /// The feature's name.
    pub name: Ident,
    /// The declared type, if any.
    pub ty: Option<TypeExpr>,
    /// The body: a pipeline or an expression over other features.
    pub body: Expr,
    /// From the first annotation (or the name) to the end of the body.
    pub span: Span,
}

/// `training_set NAME for ENTITY { labels from "TABLE" { … } features = [...] }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TrainingSet {
    /// The training set's name (and output table).
    pub name: Ident,
    /// The entity whose features it reads.
    pub entity: Ident,
    /// The `labels` relation, if written (one is required; the checker says so).
    pub labels: Vec<Labels>,
    /// Properties (`features = [...]`).
    pub props: Vec<Property>,
}

/// `labels from "TABLE" { COLUMN… }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Labels {
    /// The warehouse relation of the label rows.
    pub table: StrLit,
    /// Its declared columns.
    pub columns: Vec<Column>,
    /// From `labels` to the closing brace.
    pub span: Span,
}

/// `test "NAME" { as_of = "…" given … expect … }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Test {
    /// The test's name.
    pub name: StrLit,
    /// The members in source order.
    pub members: Vec<TestMember>,
}

/// One member of a test block.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TestMember {
    /// `as_of = "…"` (or any other property; the checker validates names).
    Property(Property),
    /// `given SOURCE = [ {…}, … ]`
    Given(Given),
    /// `expect ENTITY(ID_TYPE: "value") { FEATURE = VALUE … }`
    Expect(Expect),
}

/// `given SOURCE = [ ROW, … ]`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Given {
    /// The source the rows are for.
    pub source: Ident,
    /// The rows.
    pub rows: Vec<Row>,
    /// From `given` to the closing bracket.
    pub span: Span,
}

/// `{ column: value, … }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Row {
    /// The fields in source order.
    pub fields: Vec<Field>,
    /// From `{` to `}`.
    pub span: Span,
}

/// `name: value` in a row.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// The column name.
    pub name: Ident,
    /// The value.
    pub value: Expr,
}

/// `expect ENTITY(ID_TYPE: "value") { FEATURE = VALUE … }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expect {
    /// The entity.
    pub entity: Ident,
    /// The identifier type selecting the instance.
    pub id_type: Ident,
    /// The identifier value (raw; normalised like the id type's data).
    pub id_value: StrLit,
    /// `feature = value` assertions.
    pub assertions: Vec<Property>,
    /// From `expect` to the closing brace.
    pub span: Span,
}

/// An expression with its span.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// Units of a duration literal; singular and plural are the same unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    /// `second`, `seconds`
    Seconds,
    /// `minute`, `minutes`
    Minutes,
    /// `hour`, `hours`
    Hours,
    /// `day`, `days`
    Days,
    /// `week`, `weeks`
    Weeks,
}

impl DurationUnit {
    /// The unit's length in seconds.
    pub fn seconds(self) -> i64 {
        match self {
            DurationUnit::Seconds => 1,
            DurationUnit::Minutes => 60,
            DurationUnit::Hours => 3_600,
            DurationUnit::Days => 86_400,
            DurationUnit::Weeks => 604_800,
        }
    }

    /// The plural keyword, used by the formatter (`1 days` is written `1 day`).
    pub fn keyword(self, amount: u64) -> &'static str {
        let (one, many) = match self {
            DurationUnit::Seconds => ("second", "seconds"),
            DurationUnit::Minutes => ("minute", "minutes"),
            DurationUnit::Hours => ("hour", "hours"),
            DurationUnit::Days => ("day", "days"),
            DurationUnit::Weeks => ("week", "weeks"),
        };
        if amount == 1 {
            one
        } else {
            many
        }
    }
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `not x`
    Not,
}

/// Binary operators, loosest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `~` (regex match anywhere)
    Match,
    /// `in` (membership in a list)
    In,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Match => "~",
            BinaryOp::In => "in",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    /// An integer literal, as written (digits only).
    Int(String),
    /// A decimal literal, as written (`10.5`).
    Decimal(String),
    /// A string literal.
    Str(StrLit),
    /// `true` or `false`.
    Bool(bool),
    /// `null`
    Null,
    /// `30 days`
    Duration {
        /// The amount, as written (digits only).
        amount: String,
        /// The unit.
        unit: DurationUnit,
    },
    /// `[a, b, c]`
    List(Vec<Expr>),
    /// A bare name: a column inside a pipeline, else a feature (or `value` in id type rules).
    Name(Ident),
    /// `qualifier.name`: `SOURCE.column` or `ENTITY.feature`.
    Path {
        /// The source or entity.
        qualifier: Ident,
        /// The column or feature.
        name: Ident,
    },
    /// `func(args…)`
    Call {
        /// The function's name.
        func: Ident,
        /// Its arguments; a pipeline may be one.
        args: Vec<Expr>,
    },
    /// `-x`, `not x`
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Its operand.
        expr: Box<Expr>,
    },
    /// `a op b`
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `x is null`, `x is not null`
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
        /// The value when the condition is true.
        then: Box<Expr>,
        /// The value otherwise (also when the condition is null).
        otherwise: Box<Expr>,
    },
    /// `( expr )`, kept for the formatter.
    Paren(Box<Expr>),
    /// `SOURCE | step | … | aggregate`
    Pipeline(Pipeline),
    /// An expression that did not parse; its errors were reported.
    Error,
}

/// `SOURCE ( | where P | within D )* | AGGREGATE`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pipeline {
    /// The source read.
    pub source: Ident,
    /// Every step after the source, in order. Well-formed pipelines end with exactly one
    /// [`StepKind::Aggregate`]; the checker reports other shapes.
    pub steps: Vec<Step>,
}

/// One `| …` step.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Step {
    /// What the step does.
    pub kind: StepKind,
    /// From after `|` to the step's end.
    pub span: Span,
}

/// The kinds of pipeline step.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// `where PREDICATE`
    Where(Expr),
    /// `within DURATION`
    Within(Expr),
    /// `name(args…)`: an aggregate such as `sum(amount)`.
    Aggregate {
        /// The aggregate's name.
        func: Ident,
        /// Its arguments.
        args: Vec<Expr>,
    },
    /// A step that did not parse.
    Error,
}
