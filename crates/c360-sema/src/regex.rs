//! Regexes must use the subset every dialect's engine agrees on (spec §4.2): RE2, POSIX ERE
//! as extended by PostgreSQL and Redshift, and Java (Spark). This module rejects the rest.

use regex_syntax::ast::{self, Ast};

/// Why a pattern is outside the common subset; `None` when it is inside.
pub fn unsupported(pattern: &str) -> Option<String> {
    let parsed = match ast::parse::Parser::new().parse(pattern) {
        Ok(ast) => ast,
        Err(err) => return Some(format!("it does not parse: {}", err.kind())),
    };
    first_problem(&parsed, false)
}

fn first_problem(node: &Ast, in_class: bool) -> Option<String> {
    match node {
        Ast::Empty(_) | Ast::Literal(_) | Ast::Dot(_) => None,
        Ast::Flags(_) => Some("inline flags such as `(?i)` differ between engines".into()),
        Ast::Assertion(a) => match a.kind {
            ast::AssertionKind::StartLine | ast::AssertionKind::EndLine => None,
            _ => Some(
                "word boundaries and `\\A`/`\\z` mean different things in different engines".into(),
            ),
        },
        Ast::ClassUnicode(_) => Some("Unicode classes such as `\\p{L}` are not portable".into()),
        Ast::ClassPerl(c) => {
            if in_class && c.negated {
                Some("`\\D`, `\\S` and `\\W` inside `[...]` are not portable".into())
            } else {
                None
            }
        }
        Ast::ClassBracketed(c) => class_problem(&c.kind),
        Ast::Repetition(r) => {
            if !r.greedy {
                Some("lazy quantifiers such as `*?` are not portable".into())
            } else {
                first_problem(&r.ast, in_class)
            }
        }
        Ast::Group(g) => match g.kind {
            ast::GroupKind::CaptureIndex(_) => first_problem(&g.ast, in_class),
            ast::GroupKind::CaptureName { .. } => Some("named groups are not portable".into()),
            ast::GroupKind::NonCapturing(_) => {
                Some("non-capturing groups `(?:...)` are not portable; use `(...)`".into())
            }
        },
        Ast::Alternation(a) => a.asts.iter().find_map(|x| first_problem(x, in_class)),
        Ast::Concat(c) => c.asts.iter().find_map(|x| first_problem(x, in_class)),
    }
}

fn class_problem(set: &ast::ClassSet) -> Option<String> {
    match set {
        ast::ClassSet::BinaryOp(_) => Some("class set operations are not portable".into()),
        ast::ClassSet::Item(item) => class_item_problem(item),
    }
}

fn class_item_problem(item: &ast::ClassSetItem) -> Option<String> {
    match item {
        ast::ClassSetItem::Empty(_)
        | ast::ClassSetItem::Literal(_)
        | ast::ClassSetItem::Range(_) => None,
        ast::ClassSetItem::Ascii(_) => {
            Some("POSIX classes such as `[[:alpha:]]` are not portable".into())
        }
        ast::ClassSetItem::Unicode(_) => {
            Some("Unicode classes such as `\\p{L}` are not portable".into())
        }
        ast::ClassSetItem::Perl(c) => c
            .negated
            .then(|| "`\\D`, `\\S` and `\\W` inside `[...]` are not portable".into()),
        ast::ClassSetItem::Bracketed(_) => Some("nested classes are not portable".into()),
        ast::ClassSetItem::Union(u) => u.items.iter().find_map(class_item_problem),
    }
}

#[cfg(test)]
mod tests {
    use super::unsupported;

    #[test]
    fn common_subset_is_accepted() {
        for ok in [
            r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
            r"[^0-9]",
            r"\d{3}-\d{4}",
            r"(gmail|yahoo)\.com$",
            r"^a.*b?c+$",
            r"[\w.-]+",
        ] {
            assert_eq!(unsupported(ok), None, "{ok}");
        }
    }

    #[test]
    fn engine_specific_syntax_is_rejected() {
        for bad in [
            r"(?i)abc",
            r"\bword\b",
            r"a*?",
            r"(?P<x>a)",
            r"(?:a|b)",
            r"\p{L}",
            r"[[:alpha:]]",
            r"[\D]",
            r"(unclosed",
            r"\1",
        ] {
            assert!(unsupported(bad).is_some(), "{bad}");
        }
    }
}
