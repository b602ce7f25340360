//! Names: c360's reserved words, and the registry that keeps generated names valid, unique
//! and clear of c360's own output columns (spec §6).

use std::collections::BTreeSet;

use c360_rng::Rng;

/// The reserved words of c360 (spec §2): never a name.
pub use c360_syntax::token::KEYWORDS;

/// Names that are legal but would read as something else (functions, aggregates, types,
/// `value`); generated declarations avoid them so every reference means one thing.
const CONFUSING: &[&str] = &[
    "value",
    "lower",
    "upper",
    "trim",
    "length",
    "concat",
    "contains",
    "starts_with",
    "ends_with",
    "regexp_replace",
    "coalesce",
    "least",
    "greatest",
    "abs",
    "round",
    "floor",
    "ceil",
    "date",
    "size",
    "has",
    "now",
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
    "string",
    "int",
    "float",
    "decimal",
    "bool",
    "timestamp",
    "duration",
    "list",
];

/// True when `name` is a c360 identifier: `[A-Za-z_][A-Za-z0-9_]*` and not a keyword.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let head_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    head_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !KEYWORDS.contains(&name)
}

/// `snake_case` → `camelCase`.
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `camelCase` → `camel_case` (snake case stays as it is).
pub fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The names taken in one project. Names are compared ignoring ASCII case, because warehouse
/// engines resolve unquoted (and, in DuckDB, quoted) identifiers that way: two columns of one
/// output table differing only in case would be one column there.
#[derive(Clone, Debug, Default)]
pub struct Names {
    taken: BTreeSet<String>,
    /// Feature names and the output columns they may not have (spec §6).
    features: BTreeSet<String>,
}

impl Names {
    /// True when `name` may still be used.
    pub fn is_free(&self, name: &str) -> bool {
        is_identifier(name)
            && !CONFUSING.contains(&name.to_ascii_lowercase().as_str())
            && !name.to_ascii_lowercase().starts_with("c360")
            && !self.taken.contains(&name.to_ascii_lowercase())
    }

    /// Marks `name` as used.
    pub fn take(&mut self, name: &str) {
        self.taken.insert(name.to_ascii_lowercase());
    }

    /// `stem` if free, else `stem_2`, `stem_3`, …; marks the result as used.
    pub fn fresh(&mut self, stem: &str) -> String {
        let stem = sanitize(stem);
        let mut name = stem.clone();
        let mut n = 2;
        while !self.is_free(&name) {
            name = format!("{stem}_{n}");
            n += 1;
        }
        self.take(&name);
        name
    }

    /// Like [`Names::fresh`], but sometimes in `camelCase` for variety.
    pub fn fresh_styled(&mut self, stem: &str, rng: &mut Rng) -> String {
        let styled = if rng.chance(12) {
            camel(stem)
        } else {
            stem.to_owned()
        };
        self.fresh(&styled)
    }

    /// A fresh feature name (see [`Names::fresh_styled`]).
    pub fn fresh_feature(&mut self, stem: &str, rng: &mut Rng) -> String {
        let name = self.fresh_styled(stem, rng);
        self.features.insert(name.to_ascii_lowercase());
        name
    }

    /// True when `name` is a feature name or an output column already.
    pub fn is_feature_taken(&self, name: &str) -> bool {
        self.features.contains(&name.to_ascii_lowercase())
    }

    /// Marks `name` as a feature name (or an output column no feature may take).
    pub fn take_feature(&mut self, name: &str) {
        self.take(name);
        self.features.insert(name.to_ascii_lowercase());
    }
}

/// `stem` reduced to identifier characters, never empty, never starting with a digit.
fn sanitize(stem: &str) -> String {
    let mut out: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    // Long names are legal, but names built from other names would grow without bound.
    out.truncate(40);
    let out = out.trim_matches('_').to_owned();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("f_{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_exclude_keywords_and_bad_characters() {
        assert!(is_identifier("order_total"));
        assert!(is_identifier("_x1"));
        assert!(!is_identifier("days"));
        assert!(!is_identifier("1st"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier(""));
    }

    #[test]
    fn fresh_names_are_unique_ignoring_case() {
        let mut names = Names::default();
        names.take("Revenue");
        assert_eq!(names.fresh("revenue"), "revenue_2");
        assert_eq!(names.fresh("revenue"), "revenue_3");
        assert_eq!(names.fresh("day"), "day_2");
        assert_eq!(names.fresh("count"), "count_2");
        assert_eq!(names.fresh("30d total"), "f_30d_total");
        assert_eq!(camel("last_seen_at"), "lastSeenAt");
        assert_eq!(snake("lastSeenAt"), "last_seen_at");
        assert_eq!(snake("last_seen_at"), "last_seen_at");
        assert!(names.fresh(&"x".repeat(60)).len() <= 40);
    }
}
