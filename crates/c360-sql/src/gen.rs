//! The generator's context: the dialect's quirks, names, the steps written so far, and the
//! constructs the dialect could not express. Also the lowering of scalar expressions.

use c360_ir::{Scalar, ScalarKind};
use c360_sema::model::{Function, Literal};
use c360_sema::Type;
use c360_syntax::ast::BinaryOp;
use sqlparser::ast::{BinaryOperator, DataType, Expr, Ident, InTarget, ObjectName, Query};

use crate::ast::{
    and_all, bin, boolean, case, cast, concat, eq, func, is_not_null, is_null, neg, not, null, num,
    paren, qualified,
};
use crate::quirks::{null_ignoring, FailCheck, Form, Piece, Quirks, Seconds};

/// Internal column: the spine row's key (the entity key, or a label row's number).
pub(crate) const ROW: &str = "c360_row";
/// Internal column: which output a spine row is for (0: the 360 table; k: the k-th
/// training set of the entity).
pub(crate) const SET: &str = "c360_set";
/// Internal column: the entity key.
pub(crate) const ID: &str = "c360_id";
/// Internal column: the spine row's `as_of`.
pub(crate) const AS_OF: &str = "c360_as_of";
/// Internal column: a source row's time.
pub(crate) const TIME: &str = "c360_time";
/// Internal column: a node's 64-bit key.
pub(crate) const NODE: &str = "c360_node";

/// Column of a feature on the spine.
pub(crate) fn feature_col(name: &str) -> String {
    format!("f_{name}")
}

/// Column of an aggregate on the spine.
pub(crate) fn agg_col(i: usize) -> String {
    format!("c360_a{i}")
}

/// Column of a source column in a scan.
pub(crate) fn source_col(name: &str) -> String {
    format!("c_{name}")
}

/// Where a construct comes from, for the location of a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Site {
    /// The target schema (from `c360.toml` or the command line).
    Schema,
    /// An entity declaration.
    Entity(String),
    /// An id type declaration.
    IdType(String),
    /// A source declaration.
    Source(String),
    /// A feature of an entity.
    Feature(String, String),
    /// An aggregate of an entity's or a training set's program, by owner and index.
    Aggregate {
        /// The entity whose features use it.
        entity: String,
        /// Features using it (the first is reported).
        features: Vec<String>,
    },
    /// A training set declaration.
    TrainingSet(String),
}

/// A construct the dialect cannot express.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    /// Where it comes from.
    pub(crate) site: Site,
    /// What it is, e.g. "`last(e, N)`".
    pub(crate) what: String,
    /// Why the dialect cannot express it.
    pub(crate) reason: String,
    /// A name the dialect cannot hold (rather than a construct it cannot compute).
    pub(crate) name: bool,
}

/// One step of the compiled output: a file, and one or more executable statements.
pub(crate) struct Step {
    /// The step's name, e.g. `customer_id_nodes`.
    pub(crate) name: String,
    /// A one-line description for the file header.
    pub(crate) about: String,
    /// What it runs.
    pub(crate) kind: StepKind,
}

/// What a step runs.
pub(crate) enum StepKind {
    /// Statements run once, in order.
    Sql(Vec<Piece>),
    /// The stitch loop.
    Loop {
        /// The entity stitched.
        entity: String,
        /// One round's statements.
        body: Vec<String>,
        /// The change query (one integer, 0 when converged).
        changed: String,
        /// The dialect's native script, when it has one.
        script: Option<Vec<Piece>>,
        /// Rounds before failing.
        max_rounds: u32,
    },
}

/// Resolves the leaves of scalar expressions: columns, features, aggregates and `as_of` are
/// columns of one relation (`alias`); `value` (inside id type rules) is an expression.
pub(crate) struct Env {
    alias: Option<Ident>,
    value: Option<Expr>,
}

impl Env {
    /// Leaves are columns of `alias`.
    pub(crate) fn relation(alias: Ident) -> Self {
        Env {
            alias: Some(alias),
            value: None,
        }
    }

    /// `value` is `e` (id type rules).
    pub(crate) fn value(e: Expr) -> Self {
        Env {
            alias: None,
            value: Some(e),
        }
    }
}

/// The generator.
pub(crate) struct Gen {
    /// The dialect's quirks.
    pub(crate) q: &'static dyn Quirks,
    /// The schema's parts, quoted.
    pub(crate) schema: Vec<Ident>,
    /// Steps in execution order.
    pub(crate) steps: Vec<Step>,
    /// Constructs the dialect cannot express.
    pub(crate) problems: Vec<Problem>,
    /// The site being generated (for problems).
    pub(crate) site: Site,
    /// Work tables to drop at the end, in creation order.
    pub(crate) work_tables: Vec<ObjectName>,
}

impl Gen {
    /// A generator for `q` writing into `schema`.
    pub(crate) fn new(q: &'static dyn Quirks, schema: Vec<Ident>) -> Self {
        Gen {
            q,
            schema,
            steps: Vec::new(),
            problems: Vec::new(),
            site: Site::Schema,
            work_tables: Vec::new(),
        }
    }

    /// Records that the dialect cannot express `what`; returns a placeholder expression.
    pub(crate) fn unsupported(
        &mut self,
        what: impl Into<String>,
        reason: impl Into<String>,
    ) -> Expr {
        self.push(what.into(), reason.into(), false);
        null()
    }

    /// Records that the dialect cannot hold the name `what`.
    pub(crate) fn bad_name(&mut self, what: impl Into<String>, reason: impl Into<String>) {
        self.push(what.into(), reason.into(), true);
    }

    fn push(&mut self, what: String, reason: String, name: bool) {
        let problem = Problem {
            site: self.site.clone(),
            what,
            reason,
            name,
        };
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    /// Unwraps a quirk's result, recording a problem for `Err`.
    pub(crate) fn or_unsupported(&mut self, what: &str, r: Result<Expr, String>) -> Expr {
        r.unwrap_or_else(|reason| self.unsupported(what, reason))
    }

    /// An identifier of the dialect.
    pub(crate) fn id(&self, name: &str) -> Ident {
        self.q.ident(name)
    }

    /// `alias.column`
    pub(crate) fn col(&self, alias: &str, column: &str) -> Expr {
        qualified(vec![self.id(alias), self.id(column)])
    }

    /// A table of the target schema.
    pub(crate) fn table(&self, name: &str) -> ObjectName {
        let mut parts = self.schema.clone();
        parts.push(self.id(name));
        ObjectName::from(parts)
    }

    /// A warehouse relation given in 1–3 parts.
    pub(crate) fn relation(&self, parts: &[String]) -> ObjectName {
        ObjectName::from(parts.iter().map(|p| self.id(p)).collect::<Vec<_>>())
    }

    /// The SQL type of `t`, recording a problem when the dialect has none.
    pub(crate) fn ty(&mut self, t: &Type) -> DataType {
        match self.q.ty(t) {
            Ok(dt) => dt,
            Err(reason) => {
                self.unsupported(format!("a value of type `{t}`"), reason);
                self.q.string_type()
            }
        }
    }

    /// A string literal.
    pub(crate) fn string(&self, text: &str) -> Expr {
        self.q.string(text)
    }

    /// Adds a step of plain statements.
    pub(crate) fn sql_step(&mut self, name: String, about: String, pieces: Vec<Piece>) {
        self.steps.push(Step {
            name,
            about,
            kind: StepKind::Sql(pieces),
        });
    }

    /// Adds a step creating `table` from `q`.
    pub(crate) fn create_step(
        &mut self,
        name: String,
        about: String,
        table: &ObjectName,
        q: &Query,
    ) {
        let pieces = self.q.create_table_as(table, q);
        self.sql_step(name, about, pieces);
    }

    /// Adds a step failing the run with `message` when `q` returns a row.
    pub(crate) fn check_step(&mut self, name: String, about: String, q: &Query, message: &str) {
        let procedure = self.table(&format!("c360_check__{name}"));
        let check = FailCheck {
            query: q,
            message,
            procedure: &procedure,
        };
        match self.q.fail_when(&check) {
            Ok(pieces) => self.sql_step(name, about, pieces),
            Err(reason) => {
                let site = std::mem::replace(&mut self.site, Site::Schema);
                self.bad_name("the schema name", reason);
                self.site = site;
            }
        }
    }

    // ---- scalar expressions ------------------------------------------------------------

    /// A literal of type `ty`.
    pub(crate) fn literal(&mut self, l: &Literal, ty: &Type) -> Expr {
        match l {
            Literal::Null => null(),
            Literal::Bool(b) => boolean(*b),
            Literal::Int(i) => num(i),
            Literal::Decimal(text) => self.q.decimal(text),
            Literal::String(s) => {
                if let Some(reason) = self.q.string_problem(s) {
                    return self.unsupported(format!("the string {s:?}"), reason);
                }
                self.string(s)
            }
            Literal::Timestamp(t) => self.q.timestamp(t),
            Literal::Date(d) => self.q.date(d),
            Literal::Duration(secs) => num(secs),
            Literal::List(items) => {
                let elem = ty.element().cloned().unwrap_or(Type::Null);
                let exprs = items.iter().map(|i| self.literal(i, &elem)).collect();
                let r = self.q.list(exprs, &elem);
                self.or_unsupported("a list", r)
            }
        }
    }

    /// The SQL of a scalar expression.
    pub(crate) fn scalar(&mut self, s: &Scalar, env: &Env) -> Expr {
        match &s.kind {
            ScalarKind::Literal(l) => self.literal(l, &s.ty),
            ScalarKind::List(items) => {
                let elem = s.ty.element().cloned().unwrap_or(Type::Null);
                let exprs = items.iter().map(|i| self.scalar(i, env)).collect();
                let r = self.q.list(exprs, &elem);
                self.or_unsupported("a list", r)
            }
            ScalarKind::Value => env.value.clone().unwrap_or_else(null),
            ScalarKind::Column(c) => self.leaf(env, &source_col(c)),
            ScalarKind::Feature(f) => self.leaf(env, &feature_col(f)),
            ScalarKind::Aggregate(i) => self.leaf(env, &agg_col(*i)),
            ScalarKind::AsOf => self.leaf(env, AS_OF),
            ScalarKind::Call(f, args) => self.call(*f, args, &s.ty, env),
            ScalarKind::Neg(x) => neg(self.scalar(x, env)),
            ScalarKind::Not(x) => not(self.scalar(x, env)),
            ScalarKind::Binary(op, a, b) => self.binary(*op, a, b, env),
            ScalarKind::IsNull(x, negated) => {
                let e = self.scalar(x, env);
                if *negated {
                    is_not_null(e)
                } else {
                    is_null(e)
                }
            }
            ScalarKind::If(c, a, b) => {
                let c = self.scalar(c, env);
                let a = self.scalar(a, env);
                let b = self.scalar(b, env);
                case(vec![(c, a)], Some(b))
            }
        }
    }

    fn leaf(&self, env: &Env, column: &str) -> Expr {
        match &env.alias {
            Some(alias) => qualified(vec![alias.clone(), self.id(column)]),
            None => null(),
        }
    }

    /// A date or timestamp as a timestamp.
    pub(crate) fn to_timestamp(&self, e: Expr, ty: &Type) -> Expr {
        if *ty == Type::Date {
            cast(e, self.q.timestamp_type())
        } else {
            e
        }
    }

    /// A duration operand as seconds to add (`negate` for subtraction).
    fn seconds(&mut self, d: &Scalar, negate: bool, env: &Env) -> Seconds {
        if let ScalarKind::Literal(Literal::Duration(n)) = d.kind {
            return Seconds::Const(if negate { -n } else { n });
        }
        let e = self.scalar(d, env);
        Seconds::Expr(Box::new(if negate { neg(e) } else { e }))
    }

    fn binary(&mut self, op: BinaryOp, a: &Scalar, b: &Scalar, env: &Env) -> Expr {
        use Type as T;
        let time = |t: &Type| matches!(t, T::Timestamp | T::Date);
        match op {
            BinaryOp::Add | BinaryOp::Sub if time(&a.ty) && !time(&b.ty) => {
                let ts = self.scalar(a, env);
                let ts = self.to_timestamp(ts, &a.ty);
                let secs = self.seconds(b, op == BinaryOp::Sub, env);
                self.q.add_seconds(ts, secs)
            }
            BinaryOp::Add if time(&b.ty) && !time(&a.ty) => {
                let ts = self.scalar(b, env);
                let ts = self.to_timestamp(ts, &b.ty);
                let secs = self.seconds(a, false, env);
                self.q.add_seconds(ts, secs)
            }
            BinaryOp::Sub if time(&a.ty) && time(&b.ty) => {
                let l = self.scalar(a, env);
                let l = self.to_timestamp(l, &a.ty);
                let r = self.scalar(b, env);
                let r = self.to_timestamp(r, &b.ty);
                self.q.seconds_between(l, r)
            }
            BinaryOp::Match => {
                let l = self.scalar(a, env);
                let r = self.scalar(b, env);
                self.q.regex_match(l, r)
            }
            BinaryOp::In => {
                let l = self.scalar(a, env);
                match &b.kind {
                    ScalarKind::List(items) if items.is_empty() => boolean(false),
                    ScalarKind::List(items) => {
                        let list = items.iter().map(|i| self.scalar(i, env)).collect();
                        crate::ast::in_list(l, list, false)
                    }
                    ScalarKind::Literal(Literal::List(items)) if items.is_empty() => boolean(false),
                    ScalarKind::Literal(Literal::List(items)) => {
                        let elem = b.ty.element().cloned().unwrap_or(Type::Null);
                        let list = items.iter().map(|i| self.literal(i, &elem)).collect();
                        crate::ast::in_list(l, list, false)
                    }
                    _ => {
                        let list = self.scalar(b, env);
                        self.form(Function::Has, vec![list, l])
                    }
                }
            }
            BinaryOp::Div => {
                let float = self.q.float_type();
                let l = cast(self.scalar(a, env), float.clone());
                let r = cast(self.scalar(b, env), float);
                let r = if nonzero_literal(b) {
                    r
                } else {
                    nullif_zero(r)
                };
                bin(l, BinaryOperator::Divide, r)
            }
            BinaryOp::Rem => {
                let l = self.scalar(a, env);
                let r = self.scalar(b, env);
                let r = if nonzero_literal(b) {
                    r
                } else {
                    nullif_zero(r)
                };
                self.q.modulo(l, r)
            }
            _ => {
                let ordered = matches!(
                    op,
                    BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
                );
                let mut l = self.scalar(a, env);
                let mut r = self.scalar(b, env);
                if ordered {
                    l = self.q.byte_order(l, &a.ty);
                    r = self.q.byte_order(r, &b.ty);
                }
                let op = match op {
                    BinaryOp::Or => BinaryOperator::Or,
                    BinaryOp::And => BinaryOperator::And,
                    BinaryOp::Eq => BinaryOperator::Eq,
                    BinaryOp::Ne => BinaryOperator::NotEq,
                    BinaryOp::Lt => BinaryOperator::Lt,
                    BinaryOp::Le => BinaryOperator::LtEq,
                    BinaryOp::Gt => BinaryOperator::Gt,
                    BinaryOp::Ge => BinaryOperator::GtEq,
                    BinaryOp::Add => BinaryOperator::Plus,
                    BinaryOp::Sub => BinaryOperator::Minus,
                    _ => BinaryOperator::Multiply,
                };
                bin(l, op, r)
            }
        }
    }

    fn call(&mut self, f: Function, args: &[Scalar], ty: &Type, env: &Env) -> Expr {
        let arg_ty = args.first().map(|a| a.ty.clone()).unwrap_or(Type::Null);
        let mut exprs: Vec<Expr> = args.iter().map(|a| self.scalar(a, env)).collect();
        let arg = |exprs: &mut Vec<Expr>, i: usize| -> Expr {
            if i < exprs.len() {
                std::mem::replace(&mut exprs[i], null())
            } else {
                null()
            }
        };
        match f {
            Function::Concat => exprs.into_iter().reduce(concat).unwrap_or_else(null),
            Function::RegexpReplace => {
                let s = arg(&mut exprs, 0);
                let re = arg(&mut exprs, 1);
                let repl = arg(&mut exprs, 2);
                self.q.regex_replace(s, re, repl)
            }
            Function::Coalesce => func("COALESCE", exprs),
            Function::Least | Function::Greatest => {
                let name = if f == Function::Least {
                    "LEAST"
                } else {
                    "GREATEST"
                };
                let exprs: Vec<Expr> = exprs
                    .into_iter()
                    .zip(args)
                    .map(|(e, a)| self.q.byte_order(e, &a.ty))
                    .collect();
                if self.q.least_greatest_ignore_nulls() {
                    func(name, exprs)
                } else {
                    null_ignoring(name, exprs)
                }
            }
            Function::Round => {
                let x = arg(&mut exprs, 0);
                let digits = (exprs.len() > 1).then(|| arg(&mut exprs, 1));
                let rounded = self.q.round(x, digits, &arg_ty);
                let t = self.ty(ty);
                cast(rounded, t)
            }
            Function::Date => cast(arg(&mut exprs, 0), DataType::Date),
            Function::Days | Function::Hours | Function::Minutes | Function::Seconds => {
                let per = match f {
                    Function::Days => 86_400,
                    Function::Hours => 3_600,
                    Function::Minutes => 60,
                    _ => 1,
                };
                let d = arg(&mut exprs, 0);
                if per == 1 {
                    d
                } else {
                    bin(d, BinaryOperator::Divide, num(per))
                }
            }
            // `now()` is lowered to `as_of` before it reaches here.
            Function::Now => self.leaf(env, AS_OF),
            Function::Abs
            | Function::Floor
            | Function::Ceil
            | Function::Length
            | Function::Size => {
                let e = self.form(f, exprs);
                let t = self.ty(ty);
                cast(e, t)
            }
            _ => self.form(f, exprs),
        }
    }

    /// `f(args)` per the dialect's function table.
    pub(crate) fn form(&mut self, f: Function, args: Vec<Expr>) -> Expr {
        let mut rest = args.clone().into_iter();
        let mut take = |_: usize| -> Expr { rest.next().unwrap_or_else(null) };
        match self.q.function(f) {
            Form::Call(name) => func(name, args),
            Form::Found(name) => bin(func(name, args), BinaryOperator::Gt, num(0)),
            Form::Prefix | Form::Suffix => {
                let s = take(0);
                let p = take(1);
                let side = if self.q.function(f) == Form::Prefix {
                    "LEFT"
                } else {
                    "RIGHT"
                };
                eq(func(side, vec![s, func("LENGTH", vec![p.clone()])]), p)
            }
            Form::TrimSpaces => {
                let s = take(0);
                func("TRIM", vec![s, self.string(" ")])
            }
            Form::ValueFirst(name) => {
                let list = take(0);
                let x = take(1);
                let variant =
                    DataType::Custom(ObjectName::from(vec![Ident::new("VARIANT")]), Vec::new());
                func(name, vec![cast(x, variant), list])
            }
            // `has(list, null)` is null; both forms give false on an empty list.
            Form::AnyEq => {
                let list = take(0);
                let x = take(1);
                let found = Expr::AnyOp {
                    left: Box::new(paren(x.clone())),
                    compare_op: BinaryOperator::Eq,
                    right: Box::new(list),
                    is_some: false,
                };
                null_if_null(x, found)
            }
            Form::InUnnest => {
                let list = take(0);
                let x = take(1);
                let found = Expr::In {
                    expr: Box::new(paren(x.clone())),
                    target: InTarget::Unnest(Box::new(list)),
                    negated: false,
                    global: false,
                };
                null_if_null(x, found)
            }
            Form::Unsupported(reason) => {
                let name = format!("`{}`", f.name());
                self.unsupported(name, reason)
            }
        }
    }

    /// `cond` conjunction of lowered filters, plus an optional extra term.
    pub(crate) fn conjunction(
        &mut self,
        filters: &[Scalar],
        env: &Env,
        extra: Option<Expr>,
    ) -> Option<Expr> {
        let mut terms: Vec<Expr> = filters.iter().map(|f| self.scalar(f, env)).collect();
        terms.extend(extra);
        and_all(terms)
    }
}

/// True for a number literal other than zero (dividing by it needs no guard).
fn nonzero_literal(s: &Scalar) -> bool {
    match &s.kind {
        ScalarKind::Literal(Literal::Int(i)) => *i != 0,
        ScalarKind::Literal(Literal::Decimal(d)) => d.bytes().any(|b| (b'1'..=b'9').contains(&b)),
        _ => false,
    }
}

/// `NULLIF(e, 0)`: division and remainder by zero give null in every dialect.
fn nullif_zero(e: Expr) -> Expr {
    func("NULLIF", vec![e, num(0)])
}

/// `found`, made null when `x` is null; a literal other than `NULL` never is.
fn null_if_null(x: Expr, found: Expr) -> Expr {
    match &x {
        Expr::Value(v) if !matches!(v.value, sqlparser::ast::Value::Null) => found,
        _ => crate::ast::case(
            vec![(crate::ast::is_null(x), crate::ast::null())],
            Some(found),
        ),
    }
}
