//! Helpers shared by the integration tests.
#![allow(dead_code)]

use c360_diagnostics::{FileId, Span};
use c360_syntax::ast::*;
use c360_syntax::Parse;

/// Parses `text` as the file `test.c360`.
pub fn parse(text: &str) -> Parse {
    c360_syntax::parse(&FileId::new("test.c360"), text)
}

/// The codes of the diagnostics, in order.
pub fn codes(parse: &Parse) -> Vec<&'static str> {
    parse.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

/// The text a span covers.
pub fn at(text: &str, span: Span) -> &str {
    &text[span.range()]
}

/// A compact, fully parenthesised rendering of an expression, for precedence tests.
pub fn sexpr(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Int(s) | ExprKind::Decimal(s) => s.clone(),
        ExprKind::Str(s) if s.raw => format!("r\"{}\"", s.value),
        ExprKind::Str(s) => format!("{:?}", s.value),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Null => "null".into(),
        ExprKind::Duration { amount, unit } => format!("{amount}{unit:?}"),
        ExprKind::List(items) => format!("[{}]", list(items)),
        ExprKind::Name(id) => id.name.clone(),
        ExprKind::Path { qualifier, name } => format!("{}.{}", qualifier.name, name.name),
        ExprKind::Call { func, args } => format!("{}({})", func.name, list(args)),
        ExprKind::Unary { op, expr } => format!("({op:?} {})", sexpr(expr)),
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", op.symbol(), sexpr(lhs), sexpr(rhs))
        }
        ExprKind::IsNull { expr, negated } => {
            format!(
                "({} {})",
                if *negated { "notnull" } else { "isnull" },
                sexpr(expr)
            )
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => format!("(if {} {} {})", sexpr(cond), sexpr(then), sexpr(otherwise)),
        ExprKind::Paren(inner) => format!("<{}>", sexpr(inner)),
        ExprKind::Pipeline(p) => {
            let mut out = p.source.name.clone();
            for step in &p.steps {
                out.push_str(" | ");
                out.push_str(&match &step.kind {
                    StepKind::Where(e) => format!("where {}", sexpr(e)),
                    StepKind::Within(e) => format!("within {}", sexpr(e)),
                    StepKind::Aggregate { func, args } => format!("{}({})", func.name, list(args)),
                    StepKind::Error => "<step error>".into(),
                });
            }
            format!("{{{out}}}")
        }
        ExprKind::Error => "<error>".into(),
    }
}

fn list(items: &[Expr]) -> String {
    items.iter().map(sexpr).collect::<Vec<_>>().join(", ")
}

/// The features of every `features` block, in order.
pub fn features(file: &SourceFile) -> Vec<&Feature> {
    file.items
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::Features(b) => Some(b.features.iter()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The body of the feature named `name`.
pub fn body<'a>(file: &'a SourceFile, name: &str) -> &'a Expr {
    &features(file)
        .into_iter()
        .find(|f| f.name.name == name)
        .unwrap_or_else(|| panic!("no feature `{name}`"))
        .body
}

/// Every span in the tree, the comments and the diagnostics.
pub fn all_spans(parse: &Parse) -> Vec<Span> {
    let mut out = Vec::new();
    for c in &parse.file.comments {
        out.push(c.span);
    }
    for d in &parse.diagnostics {
        out.push(d.primary.span);
        out.extend(d.secondary.iter().map(|l| l.span));
        if let Some(fix) = &d.fix {
            out.extend(fix.edits.iter().map(|e| e.span));
        }
    }
    for item in &parse.file.items {
        out.push(item.span);
        doc(&item.doc, &mut out);
        annotations(&item.annotations, &mut out);
        match &item.kind {
            ItemKind::IdType(t) => {
                out.push(t.name.span);
                for p in t.body.iter().flatten() {
                    property(p, &mut out);
                }
            }
            ItemKind::Entity(e) => {
                out.push(e.name.span);
                e.props.iter().for_each(|p| property(p, &mut out));
            }
            ItemKind::Source(s) => {
                out.push(s.name.span);
                out.push(s.table.span);
                s.columns.iter().for_each(|c| column(c, &mut out));
            }
            ItemKind::Features(b) => {
                out.push(b.entity.span);
                for f in &b.features {
                    out.push(f.span);
                    out.push(f.name.span);
                    doc(&f.doc, &mut out);
                    annotations(&f.annotations, &mut out);
                    if let Some(t) = &f.ty {
                        ty(t, &mut out);
                    }
                    expr(&f.body, &mut out);
                }
            }
            ItemKind::TrainingSet(t) => {
                out.push(t.name.span);
                out.push(t.entity.span);
                for l in &t.labels {
                    out.push(l.span);
                    out.push(l.table.span);
                    l.columns.iter().for_each(|c| column(c, &mut out));
                }
                t.props.iter().for_each(|p| property(p, &mut out));
            }
            ItemKind::Test(t) => {
                out.push(t.name.span);
                for m in &t.members {
                    match m {
                        TestMember::Property(p) => property(p, &mut out),
                        TestMember::Given(g) => {
                            out.push(g.span);
                            out.push(g.source.span);
                            for row in &g.rows {
                                out.push(row.span);
                                for f in &row.fields {
                                    out.push(f.name.span);
                                    expr(&f.value, &mut out);
                                }
                            }
                        }
                        TestMember::Expect(e) => {
                            out.push(e.span);
                            out.push(e.entity.span);
                            out.push(e.id_type.span);
                            out.push(e.id_value.span);
                            e.assertions.iter().for_each(|p| property(p, &mut out));
                        }
                    }
                }
            }
            ItemKind::Error => {}
        }
    }
    out
}

fn doc(doc: &Option<Doc>, out: &mut Vec<Span>) {
    if let Some(d) = doc {
        out.push(d.span);
    }
}

fn annotations(list: &[Annotation], out: &mut Vec<Span>) {
    for a in list {
        out.push(a.span);
        out.push(a.name.span);
        for e in a.args.iter().flatten() {
            expr(e, out);
        }
    }
}

fn property(p: &Property, out: &mut Vec<Span>) {
    out.push(p.span);
    out.push(p.name.span);
    expr(&p.value, out);
}

fn column(c: &Column, out: &mut Vec<Span>) {
    out.push(c.span);
    out.push(c.name.span);
    doc(&c.doc, out);
    ty(&c.ty, out);
    annotations(&c.annotations, out);
}

fn ty(t: &TypeExpr, out: &mut Vec<Span>) {
    out.push(t.span);
    out.push(t.name.span);
    if let Some(arg) = &t.arg {
        ty(arg, out);
    }
}

fn expr(e: &Expr, out: &mut Vec<Span>) {
    out.push(e.span);
    match &e.kind {
        ExprKind::Str(s) => out.push(s.span),
        ExprKind::List(items) => items.iter().for_each(|i| expr(i, out)),
        ExprKind::Name(id) => out.push(id.span),
        ExprKind::Path { qualifier, name } => {
            out.push(qualifier.span);
            out.push(name.span);
        }
        ExprKind::Call { func, args } => {
            out.push(func.span);
            args.iter().for_each(|a| expr(a, out));
        }
        ExprKind::Unary { expr: inner, .. }
        | ExprKind::IsNull { expr: inner, .. }
        | ExprKind::Paren(inner) => expr(inner, out),
        ExprKind::Binary { lhs, rhs, .. } => {
            expr(lhs, out);
            expr(rhs, out);
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => {
            expr(cond, out);
            expr(then, out);
            expr(otherwise, out);
        }
        ExprKind::Pipeline(p) => {
            out.push(p.source.span);
            for step in &p.steps {
                out.push(step.span);
                match &step.kind {
                    StepKind::Where(e) | StepKind::Within(e) => expr(e, out),
                    StepKind::Aggregate { func, args } => {
                        out.push(func.span);
                        args.iter().for_each(|a| expr(a, out));
                    }
                    StepKind::Error => {}
                }
            }
        }
        _ => {}
    }
}

/// Asserts that every span of the parse lies within `text`, in order, on char boundaries.
pub fn assert_spans_within(text: &str, parse: &Parse) {
    for span in all_spans(parse) {
        assert!(
            span.start <= span.end && span.end as usize <= text.len(),
            "span {span:?} outside a text of {} bytes",
            text.len()
        );
        assert!(
            text.is_char_boundary(span.start as usize) && text.is_char_boundary(span.end as usize),
            "span {span:?} splits a character"
        );
    }
}
