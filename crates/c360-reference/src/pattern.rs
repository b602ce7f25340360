//! Regexes of the portable subset (spec §4.2), run with the `regex` crate.
//!
//! The subset's meaning is the one the warehouses agree on, which differs from the `regex`
//! crate's defaults in one place: `\d`, `\w` and `\s` are ASCII classes there, Unicode classes
//! here. Patterns are therefore rewritten before compiling: `\d` → `[0-9]`,
//! `\w` → `[0-9A-Za-z_]`, `\s` → `[\t\n\x0B\x0C\r ]` (and their negations), spliced into an
//! enclosing `[...]` without brackets. Everything else of the subset means the same in both.

use std::collections::HashMap;

use regex::Regex;
use regex_syntax::ast::{self, Ast, ClassPerlKind, ClassSetItem, Visitor};

/// Compiled patterns, by their text.
#[derive(Default)]
pub struct Patterns {
    compiled: HashMap<String, Regex>,
}

impl Patterns {
    /// The compiled form of `pattern`; the error says why it cannot be used.
    pub fn get(&mut self, pattern: &str) -> Result<&Regex, String> {
        if !self.compiled.contains_key(pattern) {
            let regex = compile(pattern)?;
            self.compiled.insert(pattern.to_string(), regex);
        }
        self.compiled
            .get(pattern)
            .ok_or_else(|| format!("the regex \"{pattern}\" could not be cached"))
    }
}

/// The ASCII members of a Perl class, as written inside brackets.
fn members(kind: &ClassPerlKind) -> &'static str {
    match kind {
        ClassPerlKind::Digit => "0-9",
        ClassPerlKind::Word => "0-9A-Za-z_",
        ClassPerlKind::Space => r"\t\n\x0B\x0C\r ",
    }
}

/// Records where Perl classes are and what replaces them.
struct Rewrites {
    edits: Vec<(usize, usize, String)>,
}

impl Visitor for Rewrites {
    type Output = Vec<(usize, usize, String)>;
    type Err = String;

    fn finish(self) -> Result<Self::Output, String> {
        Ok(self.edits)
    }

    fn visit_pre(&mut self, node: &Ast) -> Result<(), String> {
        if let Ast::ClassPerl(c) = node {
            let negation = if c.negated { "^" } else { "" };
            self.edits.push((
                c.span.start.offset,
                c.span.end.offset,
                format!("[{negation}{}]", members(&c.kind)),
            ));
        }
        Ok(())
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), String> {
        if let ClassSetItem::Perl(c) = item {
            if c.negated {
                return Err("`\\D`, `\\S` and `\\W` inside `[...]` are not portable".into());
            }
            self.edits.push((
                c.span.start.offset,
                c.span.end.offset,
                members(&c.kind).to_string(),
            ));
        }
        Ok(())
    }
}

/// Rewrites `pattern` to ASCII classes (see the module documentation).
pub fn portable(pattern: &str) -> Result<String, String> {
    let parsed = ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("the regex \"{pattern}\" does not parse: {}", e.kind()))?;
    let mut edits = ast::visit(&parsed, Rewrites { edits: Vec::new() })?;
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut at = 0;
    for (start, end, text) in edits {
        out.push_str(&pattern[at..start]);
        out.push_str(&text);
        at = end;
    }
    out.push_str(&pattern[at..]);
    Ok(out)
}

fn compile(pattern: &str) -> Result<Regex, String> {
    let rewritten = portable(pattern)?;
    Regex::new(&rewritten).map_err(|e| format!("the regex \"{pattern}\" is not usable: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perl_classes_become_ascii() {
        assert_eq!(
            portable(r"^[^@\s]+@[^@\s]+\.[^@\s]+$").unwrap(),
            r"^[^@\t\n\x0B\x0C\r ]+@[^@\t\n\x0B\x0C\r ]+\.[^@\t\n\x0B\x0C\r ]+$"
        );
        assert_eq!(portable(r"\d{3}\D").unwrap(), "[0-9]{3}[^0-9]");
        assert_eq!(portable(r"[\w.-]+").unwrap(), "[0-9A-Za-z_.-]+");
    }

    #[test]
    fn digits_are_ascii_only() {
        let mut p = Patterns::default();
        let re = p.get(r"^\d+$").unwrap();
        assert!(re.is_match("0123"));
        // An Arabic-Indic digit is a Unicode `\d`, but not a digit in the warehouses.
        assert!(!re.is_match("٣"));
        assert!(p.get("(unclosed").is_err());
    }
}
