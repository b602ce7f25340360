//! Typing of expressions, pipelines and function calls (spec §4).

use std::sync::Arc;

use c360_diagnostics::{codes, Diagnostic, FileId, Span};
use c360_syntax::ast::{self, BinaryOp, UnaryOp};

use crate::checker::{backticked, Checker};
use crate::model::{Aggregate, Expr, ExprKind, Function, Literal, Location, Pipeline, SourceDef};
use crate::suggest::closest;
use crate::types::Type;

/// What bare names mean where an expression stands.
#[derive(Clone, Debug)]
pub(crate) enum Scope {
    /// `normalize` / `valid` of an id type: only `value`.
    IdRule,
    /// A feature body outside any pipeline: names are features of the entity.
    Feature {
        /// The entity.
        entity: String,
    },
    /// Inside a pipeline step: names are columns of the source, else features.
    Pipeline {
        /// The entity.
        entity: String,
        /// The pipeline's source.
        source: String,
    },
}

const AGGREGATES: &[&str] = &[
    "count",
    "count_distinct",
    "sum",
    "avg",
    "min",
    "max",
    "first",
    "last",
    "distinct",
    "avg_interval",
];

const FUNCTIONS: &[Function] = &[
    Function::Lower,
    Function::Upper,
    Function::Trim,
    Function::Length,
    Function::Concat,
    Function::Contains,
    Function::StartsWith,
    Function::EndsWith,
    Function::RegexpReplace,
    Function::Coalesce,
    Function::Least,
    Function::Greatest,
    Function::Abs,
    Function::Round,
    Function::Floor,
    Function::Ceil,
    Function::Date,
    Function::Days,
    Function::Hours,
    Function::Minutes,
    Function::Seconds,
    Function::Size,
    Function::Has,
    Function::Now,
];

/// A checked aggregate step: which aggregate, its argument, its `N`, its result type.
type AggregateStep = (Aggregate, Option<Box<Expr>>, Option<u64>, Type);

fn expr(kind: ExprKind, ty: Type, span: Span) -> Expr {
    Expr { kind, ty, span }
}

fn error(span: Span) -> Expr {
    expr(ExprKind::Error, Type::Error, span)
}

impl Checker<'_> {
    /// Types `e` in `scope`, reporting problems; the result has type `Error` where it failed.
    pub(crate) fn expr(&mut self, file: &FileId, e: &ast::Expr, scope: &Scope) -> Expr {
        use ast::ExprKind as K;
        let span = e.span;
        match &e.kind {
            K::Int(text) => match text.parse::<i64>() {
                Ok(n) => expr(ExprKind::Literal(Literal::Int(n)), Type::Int, span),
                Err(_) => error(span),
            },
            K::Decimal(text) => expr(
                ExprKind::Literal(Literal::Decimal(text.clone())),
                Type::Decimal,
                span,
            ),
            K::Str(s) => expr(
                ExprKind::Literal(Literal::String(s.value.clone())),
                Type::String,
                span,
            ),
            K::Bool(b) => expr(ExprKind::Literal(Literal::Bool(*b)), Type::Bool, span),
            K::Null => expr(ExprKind::Literal(Literal::Null), Type::Null, span),
            K::Duration { amount, unit } => {
                match amount
                    .parse::<i64>()
                    .ok()
                    .and_then(|a| a.checked_mul(unit.seconds()))
                {
                    Some(secs) => expr(
                        ExprKind::Literal(Literal::Duration(secs)),
                        Type::Duration,
                        span,
                    ),
                    None => {
                        self.diags.push(
                            Diagnostic::new(
                                codes::E0214,
                                file.clone(),
                                span,
                                "this duration is too long",
                            )
                            .with_help("durations must fit in 64-bit seconds"),
                        );
                        error(span)
                    }
                }
            }
            K::List(items) => self.list(file, items, scope, span),
            K::Name(id) => self.name(file, id, scope),
            K::Path { qualifier, name } => self.path(file, qualifier, name, scope, span),
            K::Call { func, args } => self.call(file, func, args, scope, span),
            K::Unary { op, expr: inner } => {
                let operand = self.expr(file, inner, scope);
                self.unary(file, *op, operand, span)
            }
            K::Binary { op, lhs, rhs } => {
                let l = self.expr(file, lhs, scope);
                let r = self.expr(file, rhs, scope);
                self.binary(file, *op, l, r, rhs, span)
            }
            K::IsNull {
                expr: inner,
                negated,
            } => {
                let operand = self.expr(file, inner, scope);
                expr(
                    ExprKind::IsNull {
                        expr: Box::new(operand),
                        negated: *negated,
                    },
                    Type::Bool,
                    span,
                )
            }
            K::If {
                cond,
                then,
                otherwise,
            } => {
                let c = self.expr(file, cond, scope);
                self.expect_type(file, &c, &Type::Bool, "the condition of `if`");
                let t = self.expr(file, then, scope);
                let o = self.expr(file, otherwise, scope);
                let ty = match t.ty.unify(&o.ty) {
                    Some(ty) => ty,
                    None => {
                        self.diags.push(
                            Diagnostic::new(
                                codes::E0215,
                                file.clone(),
                                span,
                                format!("the branches of this `if` are {} and {}", t.ty.a(), o.ty.a()),
                            )
                            .with_label(file.clone(), t.span, format!("`{}`", t.ty))
                            .with_label(file.clone(), o.span, format!("`{}`", o.ty))
                            .with_help("both branches must have the same type (ints, decimals and floats mix)"),
                        );
                        Type::Error
                    }
                };
                expr(
                    ExprKind::If {
                        cond: Box::new(c),
                        then: Box::new(t),
                        otherwise: Box::new(o),
                    },
                    ty,
                    span,
                )
            }
            K::Paren(inner) => {
                let mut out = self.expr(file, inner, scope);
                out.span = span;
                out
            }
            K::Pipeline(p) => self.pipeline(file, p, scope, span),
            K::Error => error(span),
        }
    }

    /// Reports when `e` cannot be used as `expected`.
    pub(crate) fn expect_type(&mut self, file: &FileId, e: &Expr, expected: &Type, what: &str) {
        if e.ty.widens_to(expected) {
            return;
        }
        let code = if *expected == Type::Bool && what.contains("where") {
            codes::E0204
        } else {
            codes::E0200
        };
        self.diags.push(
            Diagnostic::new(
                code,
                file.clone(),
                e.span,
                format!("{what} must be {}, but this is {}", expected.a(), e.ty.a()),
            )
            .with_primary_message(format!("this is {}", e.ty.a()))
            .with_help(match expected {
                Type::Bool if what.contains("`valid`") => {
                    "write a condition on `value`, e.g. `length(value) >= 7`".to_owned()
                }
                Type::Bool => "write a condition, e.g. `status == \"completed\"`".to_owned(),
                _ => format!("write an expression of type `{expected}`"),
            }),
        );
    }

    fn list(&mut self, file: &FileId, items: &[ast::Expr], scope: &Scope, span: Span) -> Expr {
        let typed: Vec<Expr> = items.iter().map(|i| self.expr(file, i, scope)).collect();
        let mut elem = Type::Null;
        for item in &typed {
            match elem.unify(&item.ty) {
                Some(t) => elem = t,
                None => {
                    self.diags.push(
                        Diagnostic::new(
                            codes::E0215,
                            file.clone(),
                            item.span,
                            format!("this list mixes `{elem}` and `{}` elements", item.ty),
                        )
                        .with_help("all elements of a list have one type"),
                    );
                    elem = Type::Error;
                    break;
                }
            }
        }
        expr(ExprKind::List(typed), Type::List(Box::new(elem)), span)
    }

    fn name(&mut self, file: &FileId, id: &ast::Ident, scope: &Scope) -> Expr {
        let span = id.span;
        match scope {
            Scope::IdRule => {
                if id.name == "value" {
                    return expr(ExprKind::Value, Type::String, span);
                }
                self.diags.push(
                    Diagnostic::new(
                        codes::E0216,
                        file.clone(),
                        span,
                        format!("id type rules can only use `value`, not `{}`", id.name),
                    )
                    .with_help(
                        "`normalize` and `valid` see one identifier at a time, named `value`",
                    ),
                );
                error(span)
            }
            Scope::Feature { entity } => {
                if let Some(e) = self.feature_ref(file, entity, id) {
                    return e;
                }
                let owner = self
                    .model
                    .sources
                    .values()
                    .find(|s| s.column(&id.name).is_some())
                    .map(|s| s.name.clone());
                if let Some(source) = owner {
                    self.diags.push(
                        Diagnostic::new(
                            codes::E0212,
                            file.clone(),
                            span,
                            format!("`{}` is a column of `{source}`, used outside a pipeline", id.name),
                        )
                        .with_help(format!(
                            "columns are read through a pipeline that aggregates them, e.g. `{source} | last({})`",
                            id.name
                        )),
                    );
                } else if id.name == "value" {
                    self.value_outside(file, span);
                } else {
                    let candidates = self.feature_names(entity);
                    self.unknown_name(file, id, &candidates, &format!("a feature of `{entity}`"));
                }
                error(span)
            }
            Scope::Pipeline { entity, source } => {
                let source_def = Arc::clone(&self.model.sources[source]);
                let column = source_def.column(&id.name).cloned();
                // A feature cannot use itself, so inside its own pipelines its name can only
                // mean the column (`job_title = crm_contacts | last(job_title)`).
                let is_feature = self.typing.last() != Some(&id.name)
                    && self.feature_idx(entity, &id.name).is_some();
                match (column, is_feature) {
                    (Some(_), true) => {
                        self.diags.push(
                            Diagnostic::new(
                                codes::E0115,
                                file.clone(),
                                span,
                                format!("`{}` is both a column of `{source}` and a feature of `{entity}`", id.name),
                            )
                            .with_help(format!(
                                "write `{source}.{0}` for the column or `{entity}.{0}` for the feature",
                                id.name
                            )),
                        );
                        error(span)
                    }
                    (Some(col), false) => expr(
                        ExprKind::Column {
                            source: source.clone(),
                            column: col.name.clone(),
                        },
                        col.ty.clone(),
                        span,
                    ),
                    (None, true) => self
                        .feature_ref(file, entity, id)
                        .unwrap_or_else(|| error(span)),
                    (None, false) => {
                        if self.incomplete_sources.contains(source) {
                            // Reported as a syntax error in the source's declaration.
                        } else if id.name == "value" {
                            self.value_outside(file, span);
                        } else {
                            let mut candidates: Vec<String> =
                                source_def.columns.iter().map(|c| c.name.clone()).collect();
                            candidates.extend(self.feature_names(entity));
                            self.unknown_name(
                                file,
                                id,
                                &candidates,
                                &format!("a column of `{source}` or a feature of `{entity}`"),
                            );
                        }
                        error(span)
                    }
                }
            }
        }
    }

    fn value_outside(&mut self, file: &FileId, span: Span) {
        self.diags.push(
            Diagnostic::new(
                codes::E0216,
                file.clone(),
                span,
                "`value` only exists in the `normalize` and `valid` rules of an id type",
            )
            .with_help("in a feature, name a column inside a pipeline or another feature"),
        );
    }

    pub(crate) fn feature_names(&self, entity: &str) -> Vec<String> {
        self.features
            .get(entity)
            .map(|list| list.iter().map(|f| f.feature.name.name.clone()).collect())
            .unwrap_or_default()
    }

    fn unknown_name(&mut self, file: &FileId, id: &ast::Ident, candidates: &[String], what: &str) {
        let mut d = Diagnostic::new(
            codes::E0111,
            file.clone(),
            id.span,
            format!("unknown name `{}`", id.name),
        )
        .with_primary_message(format!("not {what}"));
        d = match closest(&id.name, candidates.iter().map(String::as_str)) {
            Some(s) => d
                .with_help(format!("did you mean `{s}`?"))
                .with_replacement(format!("replace with `{s}`"), id.span, s),
            None => d.with_help(format!("`{}` must be {what}", id.name)),
        };
        self.diags.push(d);
    }

    /// A reference to a feature of `entity`, typing it first if needed; `None` if there is none.
    fn feature_ref(&mut self, file: &FileId, entity: &str, id: &ast::Ident) -> Option<Expr> {
        let i = self.feature_idx(entity, &id.name)?;
        let ty = self.ensure_feature(entity, i);
        if let Some(deps) = self.dep_stack.last_mut() {
            deps.push((id.name.clone(), file.clone(), id.span));
        }
        if let Some(flags) = self.used.get_mut(entity) {
            flags[i] = true;
        }
        let decl = &self.features[entity][i];
        if let Some(reason) = decl.anns.deprecated.clone() {
            let at = Location {
                file: decl.file.clone(),
                span: decl.feature.name.span,
            };
            self.deprecated_use(file, id.span, &id.name, &at, &reason);
        }
        Some(expr(
            ExprKind::Feature {
                entity: entity.to_owned(),
                feature: id.name.clone(),
            },
            ty,
            id.span,
        ))
    }

    fn path(
        &mut self,
        file: &FileId,
        qualifier: &ast::Ident,
        name: &ast::Ident,
        scope: &Scope,
        span: Span,
    ) -> Expr {
        let (entity, source) = match scope {
            Scope::IdRule => {
                self.diags.push(
                    Diagnostic::new(
                        codes::E0216,
                        file.clone(),
                        span,
                        "id type rules can only use `value`",
                    )
                    .with_help(
                        "`normalize` and `valid` see one identifier at a time, named `value`",
                    ),
                );
                return error(span);
            }
            Scope::Feature { entity } => (entity.clone(), None),
            Scope::Pipeline { entity, source } => (entity.clone(), Some(source.clone())),
        };
        if source.as_deref() == Some(qualifier.name.as_str()) {
            let def = Arc::clone(&self.model.sources[&qualifier.name]);
            return match def.column(&name.name) {
                Some(col) => expr(
                    ExprKind::Column {
                        source: def.name.clone(),
                        column: col.name.clone(),
                    },
                    col.ty.clone(),
                    span,
                ),
                None => {
                    if !self.incomplete_sources.contains(&def.name) {
                        self.unknown_column(file, name, &def);
                    }
                    error(span)
                }
            };
        }
        if qualifier.name == entity {
            if let Some(mut e) = self.feature_ref(file, &entity, name) {
                e.span = span;
                return e;
            }
            self.unknown_feature(file, name, &entity);
            return error(span);
        }
        if self.model.sources.contains_key(&qualifier.name) {
            let help = match &source {
                Some(s) => format!(
                    "this pipeline reads `{s}`; read `{}` in its own pipeline",
                    qualifier.name
                ),
                None => format!(
                    "columns are read through a pipeline, e.g. `{} | last({})`",
                    qualifier.name, name.name
                ),
            };
            self.diags.push(
                Diagnostic::new(
                    codes::E0212,
                    file.clone(),
                    span,
                    format!(
                        "the column `{}.{}` is not available here",
                        qualifier.name, name.name
                    ),
                )
                .with_help(help),
            );
            return error(span);
        }
        let mut candidates = vec![entity.clone()];
        candidates.extend(source.clone());
        self.unknown_name(
            file,
            qualifier,
            &candidates,
            &match &source {
                Some(s) => format!("the source `{s}` or the entity `{entity}`"),
                None => format!("the entity `{entity}`"),
            },
        );
        error(span)
    }

    fn unary(&mut self, file: &FileId, op: UnaryOp, operand: Expr, span: Span) -> Expr {
        match op {
            UnaryOp::Not => {
                self.expect_type(file, &operand, &Type::Bool, "the operand of `not`");
                expr(ExprKind::Not(Box::new(operand)), Type::Bool, span)
            }
            UnaryOp::Neg => {
                let ty = operand.ty.clone();
                if !(ty.is_numeric() || matches!(ty, Type::Duration | Type::Null) || ty.is_error())
                {
                    self.diags.push(
                        Diagnostic::new(
                            codes::E0202,
                            file.clone(),
                            span,
                            format!("cannot negate {}", ty.a()),
                        )
                        .with_help("`-` applies to numbers and durations"),
                    );
                    return error(span);
                }
                expr(ExprKind::Neg(Box::new(operand)), ty, span)
            }
        }
    }

    fn binary(
        &mut self,
        file: &FileId,
        op: BinaryOp,
        l: Expr,
        r: Expr,
        rhs_ast: &ast::Expr,
        span: Span,
    ) -> Expr {
        use Type as T;
        let (lt, rt) = (l.ty.clone(), r.ty.clone());
        let ty: Option<Type> = if lt.is_error() || rt.is_error() {
            Some(match op {
                BinaryOp::Or
                | BinaryOp::And
                | BinaryOp::Eq
                | BinaryOp::Ne
                | BinaryOp::Lt
                | BinaryOp::Le
                | BinaryOp::Gt
                | BinaryOp::Ge
                | BinaryOp::Match
                | BinaryOp::In => T::Bool,
                _ => T::Error,
            })
        } else {
            match op {
                BinaryOp::Or | BinaryOp::And => {
                    let what = format!("each operand of `{}`", op.symbol());
                    self.expect_type(file, &l, &T::Bool, &what);
                    self.expect_type(file, &r, &T::Bool, &what);
                    Some(T::Bool)
                }
                BinaryOp::Eq | BinaryOp::Ne => {
                    comparable(&lt, &rt, false).then_some(T::Bool).or_else(|| {
                        self.incomparable(file, op, &l, &r, span);
                        Some(T::Error)
                    })
                }
                BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                    comparable(&lt, &rt, true).then_some(T::Bool).or_else(|| {
                        self.incomparable(file, op, &l, &r, span);
                        Some(T::Error)
                    })
                }
                BinaryOp::Match => {
                    self.expect_type(file, &l, &T::String, "the left side of `~`");
                    self.regex_literal(file, rhs_ast, "the pattern of `~`");
                    Some(T::Bool)
                }
                BinaryOp::In => match &rt {
                    T::List(elem) if comparable(&lt, elem, false) || **elem == T::Null => {
                        Some(T::Bool)
                    }
                    T::List(elem) => {
                        self.diags.push(
                            Diagnostic::new(
                                codes::E0203,
                                file.clone(),
                                span,
                                format!("cannot look for {} in a list of `{elem}`", lt.a()),
                            )
                            .with_help("the value and the list's elements must have the same type"),
                        );
                        Some(T::Error)
                    }
                    _ => {
                        self.diags.push(
                            Diagnostic::new(
                                codes::E0202,
                                file.clone(),
                                r.span,
                                format!("`in` needs a list on its right, not {}", rt.a()),
                            )
                            .with_help("write `x in [\"a\", \"b\"]`"),
                        );
                        Some(T::Error)
                    }
                },
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                    arithmetic(op, &lt, &rt)
                }
            }
        };
        let ty = match ty {
            Some(t) => t,
            None => {
                let help = match (op, &lt, &rt) {
                    (BinaryOp::Add, T::String, _) | (BinaryOp::Add, _, T::String) => {
                        "join strings with `concat(a, b)`".to_owned()
                    }
                    (BinaryOp::Rem, _, _) => {
                        "`%` is for ints; use `round` or `floor` first".to_owned()
                    }
                    (BinaryOp::Sub, T::Date, T::Timestamp)
                    | (BinaryOp::Sub, T::Timestamp, T::Date) => {
                        "convert with `date(ts)` so both sides are dates".to_owned()
                    }
                    _ => format!(
                        "`{}` works on numbers; timestamps and durations support `+` and `-`",
                        op.symbol()
                    ),
                };
                self.diags.push(
                    Diagnostic::new(
                        codes::E0202,
                        file.clone(),
                        span,
                        format!(
                            "cannot apply `{}` to {} and {}",
                            op.symbol(),
                            lt.a(),
                            rt.a()
                        ),
                    )
                    .with_label(file.clone(), l.span, format!("`{lt}`"))
                    .with_label(file.clone(), r.span, format!("`{rt}`"))
                    .with_help(help),
                );
                T::Error
            }
        };
        expr(
            ExprKind::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r),
            },
            ty,
            span,
        )
    }

    fn incomparable(&mut self, file: &FileId, op: BinaryOp, l: &Expr, r: &Expr, span: Span) {
        let help = match (&l.ty, &r.ty) {
            (Type::Timestamp, Type::String) | (Type::String, Type::Timestamp) => {
                "timestamps compare with timestamps, e.g. `now() - 7 days`"
            }
            (Type::Timestamp, Type::Date) | (Type::Date, Type::Timestamp) => {
                "convert the timestamp with `date(ts)`"
            }
            _ => "compare values of the same type (ints, decimals and floats mix)",
        };
        self.diags.push(
            Diagnostic::new(
                codes::E0203,
                file.clone(),
                span,
                format!(
                    "cannot compare {} with {} using `{}`",
                    l.ty.a(),
                    r.ty.a(),
                    op.symbol()
                ),
            )
            .with_label(file.clone(), l.span, format!("`{}`", l.ty))
            .with_label(file.clone(), r.span, format!("`{}`", r.ty))
            .with_help(help),
        );
    }

    /// Checks that `e` is a string literal holding a portable regex.
    fn regex_literal(&mut self, file: &FileId, e: &ast::Expr, what: &str) {
        let mut inner = e;
        while let ast::ExprKind::Paren(x) = &inner.kind {
            inner = x;
        }
        match &inner.kind {
            ast::ExprKind::Str(s) => {
                if let Some(problem) = crate::regex::unsupported(&s.value) {
                    self.diags.push(
                        Diagnostic::new(
                            codes::E0208,
                            file.clone(),
                            e.span,
                            format!("the regex \"{}\" is not supported: {problem}", s.value),
                        )
                        .with_help("use the subset every warehouse agrees on: classes, `\\s \\d \\w`, quantifiers, `|`, `^`, `$` and groups"),
                    );
                }
            }
            ast::ExprKind::Error => {}
            _ => self.diags.push(
                Diagnostic::new(
                    codes::E0208,
                    file.clone(),
                    e.span,
                    format!("{what} must be a string literal"),
                )
                .with_help("write the pattern in place, e.g. `r\"^[0-9]+$\"`, so it can be checked and translated"),
            ),
        }
    }

    fn call(
        &mut self,
        file: &FileId,
        func: &ast::Ident,
        args: &[ast::Expr],
        scope: &Scope,
        span: Span,
    ) -> Expr {
        let name = func.name.as_str();
        let Some(&f) = FUNCTIONS.iter().find(|f| f.name() == name) else {
            if AGGREGATES.contains(&name) {
                self.diags.push(
                    Diagnostic::new(
                        codes::E0210,
                        file.clone(),
                        span,
                        format!("the aggregate `{name}` can only end a pipeline"),
                    )
                    .with_help(format!("read a source first: `orders | {name}(...)`")),
                );
                // Its arguments are columns of a source that was never named: checking them
                // as features would only repeat the mistake.
                return error(span);
            } else {
                let mut d = Diagnostic::new(
                    codes::E0114,
                    file.clone(),
                    func.span,
                    format!("unknown function `{name}`"),
                );
                let suggestion =
                    alias(name).or_else(|| closest(name, FUNCTIONS.iter().map(|f| f.name())));
                d = match suggestion {
                    Some(s) if AGGREGATES.contains(&s) => d.with_help(format!(
                        "`{s}` is an aggregate: read a source first, `orders | {s}(...)`"
                    )),
                    Some(s) => d
                        .with_help(format!("did you mean `{s}`?"))
                        .with_replacement(format!("replace with `{s}`"), func.span, s),
                    None => d.with_help(format!(
                        "the functions are {}",
                        backticked(&FUNCTIONS.iter().map(|f| f.name()).collect::<Vec<_>>())
                    )),
                };
                self.diags.push(d);
            }
            for a in args {
                self.expr(file, a, scope);
            }
            return error(span);
        };
        let typed: Vec<Expr> = args.iter().map(|a| self.expr(file, a, scope)).collect();
        let ty = self.function_type(file, f, name, &typed, args, span);
        expr(
            ExprKind::Call {
                func: f,
                args: typed,
            },
            ty,
            span,
        )
    }

    fn arity(
        &mut self,
        file: &FileId,
        name: &str,
        got: usize,
        min: usize,
        max: Option<usize>,
        span: Span,
    ) -> bool {
        let ok = got >= min && max.is_none_or(|m| got <= m);
        if !ok {
            let expected = match max {
                Some(m) if m == min => format!("{min}"),
                Some(m) => format!("{min} to {m}"),
                None => format!("at least {min}"),
            };
            self.diags.push(
                Diagnostic::new(
                    codes::E0207,
                    file.clone(),
                    span,
                    format!(
                        "`{name}` takes {expected} argument{}, but {got} {} given",
                        if expected == "1" { "" } else { "s" },
                        if got == 1 { "was" } else { "were" }
                    ),
                )
                .with_help(format!("write it as {}", signature(name))),
            );
        }
        ok
    }

    fn arg_type(
        &mut self,
        file: &FileId,
        name: &str,
        arg: &Expr,
        ok: bool,
        expected: &str,
    ) -> bool {
        if ok || arg.ty.is_error() || arg.ty == Type::Null {
            return true;
        }
        self.diags.push(
            Diagnostic::new(
                codes::E0200,
                file.clone(),
                arg.span,
                format!("`{name}` expects {expected}, but this is {}", arg.ty.a()),
            )
            .with_help(format!("write it as {}", signature(name))),
        );
        false
    }

    fn function_type(
        &mut self,
        file: &FileId,
        f: Function,
        name: &str,
        args: &[Expr],
        raw: &[ast::Expr],
        span: Span,
    ) -> Type {
        use Function as F;
        let n = args.len();
        let s = |t: &Type| matches!(t, Type::String);
        match f {
            F::Lower | F::Upper | F::Trim | F::Length => {
                if !self.arity(file, name, n, 1, Some(1), span) {
                    return Type::Error;
                }
                self.arg_type(file, name, &args[0], s(&args[0].ty), "a `string`");
                if f == F::Length {
                    Type::Int
                } else {
                    Type::String
                }
            }
            F::Concat => {
                if !self.arity(file, name, n, 1, None, span) {
                    return Type::Error;
                }
                for a in args {
                    self.arg_type(file, name, a, s(&a.ty), "`string` arguments");
                }
                Type::String
            }
            F::Contains | F::StartsWith | F::EndsWith => {
                if !self.arity(file, name, n, 2, Some(2), span) {
                    return Type::Error;
                }
                for a in args {
                    self.arg_type(file, name, a, s(&a.ty), "two `string` arguments");
                }
                Type::Bool
            }
            F::RegexpReplace => {
                if !self.arity(file, name, n, 3, Some(3), span) {
                    return Type::Error;
                }
                self.arg_type(file, name, &args[0], s(&args[0].ty), "a `string`");
                self.regex_literal(file, &raw[1], "the pattern of `regexp_replace`");
                match &raw[2].kind {
                    ast::ExprKind::Str(r) if r.value.contains('\\') || r.value.contains('$') => {
                        self.diags.push(
                            Diagnostic::new(
                                codes::E0208,
                                file.clone(),
                                raw[2].span,
                                "group references in the replacement are not portable",
                            )
                            .with_help(
                                "the replacement is inserted as written: avoid `\\` and `$`",
                            ),
                        );
                    }
                    ast::ExprKind::Str(_) | ast::ExprKind::Error => {}
                    _ => {
                        self.arg_type(
                            file,
                            name,
                            &args[2],
                            s(&args[2].ty),
                            "a `string` replacement",
                        );
                    }
                }
                Type::String
            }
            F::Coalesce | F::Least | F::Greatest => {
                if !self.arity(file, name, n, 1, None, span) {
                    return Type::Error;
                }
                let mut ty = Type::Null;
                for a in args {
                    match ty.unify(&a.ty) {
                        Some(t) => ty = t,
                        None => {
                            self.diags.push(
                                Diagnostic::new(
                                    codes::E0215,
                                    file.clone(),
                                    a.span,
                                    format!("`{name}` mixes `{ty}` and `{}` arguments", a.ty),
                                )
                                .with_help("all arguments must have one type (ints, decimals and floats mix)"),
                            );
                            return Type::Error;
                        }
                    }
                }
                if f != F::Coalesce && !(ty.is_ordered() || ty.is_error() || ty == Type::Null) {
                    self.diags.push(
                        Diagnostic::new(
                            codes::E0200,
                            file.clone(),
                            span,
                            format!("`{name}` needs values with an order, not `{ty}`"),
                        )
                        .with_help("use numbers, strings, dates, timestamps or durations"),
                    );
                    return Type::Error;
                }
                ty
            }
            F::Abs | F::Floor | F::Ceil => {
                if !self.arity(file, name, n, 1, Some(1), span) {
                    return Type::Error;
                }
                let ok = args[0].ty.is_numeric();
                if self.arg_type(file, name, &args[0], ok, "a number") {
                    args[0].ty.clone()
                } else {
                    Type::Error
                }
            }
            F::Round => {
                if !self.arity(file, name, n, 1, Some(2), span) {
                    return Type::Error;
                }
                let ok = args[0].ty.is_numeric();
                if let Some(digits) = raw.get(1) {
                    if !matches!(digits.kind, ast::ExprKind::Int(_) | ast::ExprKind::Error) {
                        self.diags.push(
                            Diagnostic::new(
                                codes::E0214,
                                file.clone(),
                                digits.span,
                                "the number of digits of `round` must be a whole number literal",
                            )
                            .with_help("write it as `round(x, 2)`"),
                        );
                    }
                }
                if self.arg_type(file, name, &args[0], ok, "a number") {
                    args[0].ty.clone()
                } else {
                    Type::Error
                }
            }
            F::Date => {
                if !self.arity(file, name, n, 1, Some(1), span) {
                    return Type::Error;
                }
                let ok = matches!(args[0].ty, Type::Timestamp | Type::Date);
                self.arg_type(file, name, &args[0], ok, "a `timestamp`");
                Type::Date
            }
            F::Days | F::Hours | F::Minutes | F::Seconds => {
                if !self.arity(file, name, n, 1, Some(1), span) {
                    return Type::Error;
                }
                let ok = args[0].ty == Type::Duration;
                self.arg_type(file, name, &args[0], ok, "a `duration`");
                Type::Float
            }
            F::Size => {
                if !self.arity(file, name, n, 1, Some(1), span) {
                    return Type::Error;
                }
                let ok = args[0].ty.element().is_some();
                self.arg_type(file, name, &args[0], ok, "a list");
                Type::Int
            }
            F::Has => {
                if !self.arity(file, name, n, 2, Some(2), span) {
                    return Type::Error;
                }
                match args[0].ty.element() {
                    Some(elem) => {
                        let ok = comparable(elem, &args[1].ty, false);
                        self.arg_type(
                            file,
                            name,
                            &args[1],
                            ok,
                            &format!("{} to look for", elem.a()),
                        );
                    }
                    None => {
                        self.arg_type(file, name, &args[0], false, "a list");
                    }
                }
                Type::Bool
            }
            F::Now => {
                self.arity(file, name, n, 0, Some(0), span);
                Type::Timestamp
            }
        }
    }

    fn pipeline(&mut self, file: &FileId, p: &ast::Pipeline, scope: &Scope, span: Span) -> Expr {
        let entity = match scope {
            Scope::Feature { entity } => entity.clone(),
            Scope::Pipeline { .. } => {
                self.diags.push(
                    Diagnostic::new(
                        codes::E0211,
                        file.clone(),
                        span,
                        "a pipeline cannot be nested inside another pipeline",
                    )
                    .with_help("define the inner pipeline as its own feature and use that feature's name here"),
                );
                return error(span);
            }
            Scope::IdRule => {
                self.diags.push(
                    Diagnostic::new(
                        codes::E0210,
                        file.clone(),
                        span,
                        "id type rules cannot read sources",
                    )
                    .with_help(
                        "`normalize` and `valid` see one identifier at a time, named `value`",
                    ),
                );
                return error(span);
            }
        };
        let Some(source) = self.model.sources.get(&p.source.name).cloned() else {
            self.unknown_source(file, &p.source);
            return error(span);
        };
        let inner = Scope::Pipeline {
            entity,
            source: source.name.clone(),
        };
        let mut filters = Vec::new();
        let mut windows = Vec::new();
        let mut result: Option<AggregateStep> = None;
        let last = p.steps.len().saturating_sub(1);
        for (i, step) in p.steps.iter().enumerate() {
            match &step.kind {
                ast::StepKind::Where(pred) => {
                    let e = self.expr(file, pred, &inner);
                    self.expect_type(file, &e, &Type::Bool, "a `where` predicate");
                    filters.push(e);
                }
                ast::StepKind::Within(d) => {
                    self.snapshot_check(file, &source, step.span, "within");
                    match &d.kind {
                        ast::ExprKind::Duration { amount, unit } => {
                            match amount
                                .parse::<i64>()
                                .ok()
                                .and_then(|a| a.checked_mul(unit.seconds()))
                            {
                                Some(secs) if secs > 0 => windows.push(secs),
                                _ => self.diags.push(
                                    Diagnostic::new(
                                        codes::E0214,
                                        file.clone(),
                                        d.span,
                                        "a window must be a positive duration",
                                    )
                                    .with_help("write it as `within 30 days`"),
                                ),
                            }
                        }
                        ast::ExprKind::Error => {}
                        _ => self.diags.push(
                            Diagnostic::new(
                                codes::E0214,
                                file.clone(),
                                d.span,
                                "`within` takes a duration literal",
                            )
                            .with_help("write it as `within 30 days` or `within 12 hours`"),
                        ),
                    }
                }
                ast::StepKind::Aggregate { func, args } => {
                    if i != last {
                        self.diags.push(
                            Diagnostic::new(
                                codes::E0210,
                                file.clone(),
                                step.span,
                                format!(
                                    "the aggregate `{}` must be the last step of the pipeline",
                                    func.name
                                ),
                            )
                            .with_help("move the `where` and `within` steps before the aggregate"),
                        );
                    }
                    let agg = self.aggregate(file, func, args, &inner, &source, step.span);
                    if result.is_none() {
                        result = agg;
                    }
                }
                ast::StepKind::Error => {
                    result.get_or_insert((Aggregate::Count, None, None, Type::Error));
                }
            }
        }
        let Some((aggregate, arg, limit, ty)) = result else {
            self.diags.push(
                Diagnostic::new(
                    codes::E0210,
                    file.clone(),
                    span,
                    format!("this pipeline over `{}` does not end with an aggregate", source.name),
                )
                .with_help("end it with an aggregate such as `| count()`, `| sum(amount)` or `| last(status)`"),
            );
            return error(span);
        };
        if ty.is_error() {
            return error(span);
        }
        expr(
            ExprKind::Pipeline(Box::new(Pipeline {
                source: source.name.clone(),
                filters,
                windows,
                aggregate,
                arg,
                limit,
            })),
            ty,
            span,
        )
    }

    fn snapshot_check(
        &mut self,
        file: &FileId,
        source: &SourceDef,
        span: Span,
        what: &str,
    ) -> bool {
        if source.time_column().is_some() {
            return true;
        }
        self.diags.push(
            Diagnostic::new(
                codes::E0206,
                file.clone(),
                span,
                format!("`{what}` needs event time, but `{}` is a snapshot source", source.name),
            )
            .with_label(source.location.file.clone(), source.location.span, "declared without a `@time` column")
            .with_help(format!("mark the event-time column of `{}` with `@time`, or use an aggregate that ignores time", source.name)),
        );
        false
    }

    fn aggregate(
        &mut self,
        file: &FileId,
        func: &ast::Ident,
        args: &[ast::Expr],
        scope: &Scope,
        source: &SourceDef,
        span: Span,
    ) -> Option<AggregateStep> {
        let name = func.name.as_str();
        if !AGGREGATES.contains(&name) {
            let mut d = Diagnostic::new(
                codes::E0114,
                file.clone(),
                func.span,
                format!("unknown aggregate `{name}`"),
            );
            d = match alias(name)
                .filter(|a| AGGREGATES.contains(a))
                .or_else(|| closest(name, AGGREGATES.iter().copied()))
            {
                Some(s) => d
                    .with_help(format!("did you mean `{s}`?"))
                    .with_replacement(format!("replace with `{s}`"), func.span, s),
                None => d.with_help(format!(
                    "a pipeline ends with one of {}",
                    backticked(AGGREGATES)
                )),
            };
            self.diags.push(d);
            return Some((Aggregate::Count, None, None, Type::Error));
        }
        let typed: Vec<Expr> = args.iter().map(|a| self.expr(file, a, scope)).collect();
        let n = typed.len();
        let fail = Some((Aggregate::Count, None, None, Type::Error));
        let one = |t: &[Expr]| t.first().cloned().map(Box::new);
        match name {
            "count" | "avg_interval" => {
                if !self.arity(file, name, n, 0, Some(0), span) {
                    return fail;
                }
                if name == "count" {
                    Some((Aggregate::Count, None, None, Type::Int))
                } else if self.snapshot_check(file, source, span, name) {
                    Some((Aggregate::AvgInterval, None, None, Type::Duration))
                } else {
                    fail
                }
            }
            "count_distinct" | "sum" | "avg" | "min" | "max" | "distinct" => {
                if !self.arity(file, name, n, 1, Some(1), span) {
                    return fail;
                }
                let t = typed[0].ty.clone();
                if t.is_error() {
                    return fail;
                }
                let (agg, ok, result, expected) = match name {
                    "count_distinct" => (
                        Aggregate::CountDistinct,
                        t.element().is_none(),
                        Type::Int,
                        "a single value per row",
                    ),
                    "sum" => (Aggregate::Sum, t.is_numeric(), t.clone(), "a number"),
                    "avg" => (Aggregate::Avg, t.is_numeric(), Type::Float, "a number"),
                    "min" => (
                        Aggregate::Min,
                        t.is_ordered(),
                        t.clone(),
                        "a value with an order",
                    ),
                    "max" => (
                        Aggregate::Max,
                        t.is_ordered(),
                        t.clone(),
                        "a value with an order",
                    ),
                    _ => (
                        Aggregate::Distinct,
                        t.is_ordered(),
                        Type::List(Box::new(t.clone())),
                        "a value with an order",
                    ),
                };
                if t == Type::Null || !ok {
                    self.diags.push(
                        Diagnostic::new(
                            codes::E0205,
                            file.clone(),
                            typed[0].span,
                            format!("`{name}` needs {expected}, but this is {}", t.a()),
                        )
                        .with_help(match name {
                            "sum" | "avg" => "aggregate a numeric column, e.g. `sum(amount)`; count rows with `count()`",
                            _ => "aggregate a column of a scalar type",
                        }),
                    );
                    return fail;
                }
                Some((agg, one(&typed), None, result))
            }
            "first" | "last" => {
                if !self.arity(file, name, n, 1, Some(2), span) {
                    return fail;
                }
                if !self.snapshot_check(file, source, span, name) {
                    return fail;
                }
                let t = typed[0].ty.clone();
                if t.is_error() {
                    return fail;
                }
                if t == Type::Null || t.element().is_some() {
                    self.diags.push(
                        Diagnostic::new(
                            codes::E0205,
                            file.clone(),
                            typed[0].span,
                            format!(
                                "`{name}` needs a single value per row, but this is {}",
                                t.a()
                            ),
                        )
                        .with_help(format!("write `{name}(column)`")),
                    );
                    return fail;
                }
                if n == 1 {
                    let agg = if name == "first" {
                        Aggregate::First
                    } else {
                        Aggregate::Last
                    };
                    return Some((agg, one(&typed), None, t));
                }
                let limit = match &args[1].kind {
                    ast::ExprKind::Int(text) => {
                        text.parse::<u64>().ok().filter(|n| *n > 0 && *n <= 10_000)
                    }
                    _ => None,
                };
                let Some(limit) = limit else {
                    self.diags.push(
                        Diagnostic::new(
                            codes::E0214,
                            file.clone(),
                            args[1].span,
                            format!("the count of `{name}` must be a whole number from 1 to 10000"),
                        )
                        .with_help(format!("write it as `{name}(product_id, 10)`")),
                    );
                    return fail;
                };
                let agg = if name == "first" {
                    Aggregate::FirstN
                } else {
                    Aggregate::LastN
                };
                Some((agg, one(&typed), Some(limit), Type::List(Box::new(t))))
            }
            _ => fail,
        }
    }
}

/// The c360 name of a function known by another name in SQL dialects.
fn alias(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "average" | "mean" => "avg",
        "total" => "sum",
        "cnt" | "count_star" => "count",
        "lowercase" | "lcase" => "lower",
        "uppercase" | "ucase" => "upper",
        "len" | "strlen" | "char_length" => "length",
        "ifnull" | "nvl" | "isnull" => "coalesce",
        "cardinality" | "array_size" | "array_length" | "len_list" => "size",
        "array_contains" | "list_contains" => "has",
        "current_timestamp" | "getdate" | "sysdate" => "now",
        "regexp_matches" | "rlike" | "regexp_like" | "regexp_contains" => return None,
        "first_value" => "first",
        "last_value" => "last",
        "array_agg" | "collect_list" | "collect_set" | "list" => "distinct",
        _ => return None,
    })
}

/// True when values of the two types can be compared (with `ordered`, by `<` as well).
fn comparable(a: &Type, b: &Type, ordered: bool) -> bool {
    if matches!(a, Type::Null) || matches!(b, Type::Null) {
        return true;
    }
    if a.is_numeric() && b.is_numeric() {
        return true;
    }
    a == b && (!ordered || a.is_ordered()) && a.element().is_none()
}

/// The result type of an arithmetic operator, `None` when the operands do not fit.
fn arithmetic(op: BinaryOp, l: &Type, r: &Type) -> Option<Type> {
    use Type as T;
    match (op, l, r) {
        (_, T::Null, T::Null) => Some(T::Null),
        (BinaryOp::Div, a, b)
            if (a.is_numeric() || *a == T::Null) && (b.is_numeric() || *b == T::Null) =>
        {
            Some(T::Float)
        }
        (BinaryOp::Rem, T::Int | T::Null, T::Int | T::Null) => Some(T::Int),
        (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul, a, b)
            if a.is_numeric() && b.is_numeric() =>
        {
            a.unify(b)
        }
        (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul, a, T::Null) if a.is_numeric() => {
            Some(a.clone())
        }
        (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul, T::Null, b) if b.is_numeric() => {
            Some(b.clone())
        }
        (BinaryOp::Sub, T::Timestamp, T::Timestamp) | (BinaryOp::Sub, T::Date, T::Date) => {
            Some(T::Duration)
        }
        (BinaryOp::Add | BinaryOp::Sub, T::Timestamp | T::Date, T::Duration) => Some(T::Timestamp),
        (BinaryOp::Add, T::Duration, T::Timestamp | T::Date) => Some(T::Timestamp),
        (BinaryOp::Add | BinaryOp::Sub, T::Duration, T::Duration) => Some(T::Duration),
        (BinaryOp::Mul, T::Duration, n) | (BinaryOp::Mul, n, T::Duration) if n.is_numeric() => {
            Some(T::Duration)
        }
        (_, T::Timestamp | T::Date | T::Duration, T::Null)
        | (_, T::Null, T::Timestamp | T::Date | T::Duration)
            if matches!(op, BinaryOp::Add | BinaryOp::Sub) =>
        {
            Some(if *l == T::Duration || *r == T::Duration {
                T::Duration
            } else {
                T::Timestamp
            })
        }
        _ => None,
    }
}

fn signature(name: &str) -> &'static str {
    match name {
        "lower" => "`lower(s)`",
        "upper" => "`upper(s)`",
        "trim" => "`trim(s)`",
        "length" => "`length(s)`",
        "concat" => "`concat(a, b, ...)`",
        "contains" => "`contains(s, sub)`",
        "starts_with" => "`starts_with(s, prefix)`",
        "ends_with" => "`ends_with(s, suffix)`",
        "regexp_replace" => "`regexp_replace(s, r\"pattern\", \"replacement\")`",
        "coalesce" => "`coalesce(a, b, ...)`",
        "least" => "`least(a, b, ...)`",
        "greatest" => "`greatest(a, b, ...)`",
        "abs" => "`abs(x)`",
        "round" => "`round(x)` or `round(x, digits)`",
        "floor" => "`floor(x)`",
        "ceil" => "`ceil(x)`",
        "date" => "`date(ts)`",
        "days" => "`days(duration)`",
        "hours" => "`hours(duration)`",
        "minutes" => "`minutes(duration)`",
        "seconds" => "`seconds(duration)`",
        "size" => "`size(list)`",
        "has" => "`has(list, x)`",
        "now" => "`now()`",
        "count" => "`count()`",
        "count_distinct" => "`count_distinct(e)`",
        "sum" => "`sum(e)`",
        "avg" => "`avg(e)`",
        "min" => "`min(e)`",
        "max" => "`max(e)`",
        "first" => "`first(e)` or `first(e, N)`",
        "last" => "`last(e)` or `last(e, N)`",
        "distinct" => "`distinct(e)`",
        "avg_interval" => "`avg_interval()`",
        _ => "shown in the language reference",
    }
}
