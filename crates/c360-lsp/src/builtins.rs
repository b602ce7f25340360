//! Signatures and documentation of the built-in functions and aggregates (spec §4.1, §4.2),
//! for completion, hover and signature help.

/// A built-in function or aggregate.
pub struct Builtin {
    /// The name.
    pub name: &'static str,
    /// The parameters, as shown in signatures.
    pub params: &'static [&'static str],
    /// What it returns.
    pub returns: &'static str,
    /// One or two sentences.
    pub doc: &'static str,
}

impl Builtin {
    /// `name(a, b) -> type`
    pub fn signature(&self) -> String {
        format!(
            "{}({}) -> {}",
            self.name,
            self.params.join(", "),
            self.returns
        )
    }

    /// A snippet inserting the call with placeholders for its parameters.
    pub fn snippet(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.starts_with('['))
            .map(|(i, p)| format!("${{{}:{}}}", i + 1, p.trim_end_matches(", ...")))
            .collect();
        format!("{}({})", self.name, params.join(", "))
    }
}

const fn b(
    name: &'static str,
    params: &'static [&'static str],
    returns: &'static str,
    doc: &'static str,
) -> Builtin {
    Builtin {
        name,
        params,
        returns,
        doc,
    }
}

/// The scalar functions.
pub static FUNCTIONS: &[Builtin] = &[
    b("lower", &["s"], "string", "Lowercase (exact for ASCII)."),
    b("upper", &["s"], "string", "Uppercase (exact for ASCII)."),
    b(
        "trim",
        &["s"],
        "string",
        "Removes leading and trailing spaces.",
    ),
    b("length", &["s"], "int", "The number of characters."),
    b("concat", &["a", "b, ..."], "string", "Joins strings."),
    b(
        "contains",
        &["s", "sub"],
        "bool",
        "True when `sub` occurs in `s`.",
    ),
    b(
        "starts_with",
        &["s", "prefix"],
        "bool",
        "True when `s` starts with `prefix`.",
    ),
    b(
        "ends_with",
        &["s", "suffix"],
        "bool",
        "True when `s` ends with `suffix`.",
    ),
    b(
        "regexp_replace",
        &["s", "re", "replacement"],
        "string",
        "Replaces every match of the regex `re` in `s`.",
    ),
    b(
        "coalesce",
        &["a", "b, ..."],
        "T",
        "The first argument that is not null.",
    ),
    b(
        "least",
        &["a", "b, ..."],
        "T",
        "The smallest argument, ignoring nulls.",
    ),
    b(
        "greatest",
        &["a", "b, ..."],
        "T",
        "The largest argument, ignoring nulls.",
    ),
    b("abs", &["x"], "number", "The absolute value."),
    b(
        "round",
        &["x", "[digits]"],
        "number",
        "Rounds to `digits` decimals (default 0).",
    ),
    b("floor", &["x"], "number", "Rounds down."),
    b("ceil", &["x"], "number", "Rounds up."),
    b("date", &["ts"], "date", "The date of a timestamp."),
    b("days", &["d"], "float", "A duration in days."),
    b("hours", &["d"], "float", "A duration in hours."),
    b("minutes", &["d"], "float", "A duration in minutes."),
    b("seconds", &["d"], "float", "A duration in seconds."),
    b(
        "size",
        &["list"],
        "int",
        "The number of elements of a list.",
    ),
    b(
        "has",
        &["list", "x"],
        "bool",
        "True when the list contains `x`.",
    ),
    b(
        "now",
        &[],
        "timestamp",
        "The run's `as_of` time (never the wall clock).",
    ),
];

/// The aggregates, the last step of a pipeline.
pub static AGGREGATES: &[Builtin] = &[
    b("count", &[], "int", "The number of rows (0 over no rows)."),
    b(
        "count_distinct",
        &["e"],
        "int",
        "The number of distinct non-null values.",
    ),
    b(
        "sum",
        &["e"],
        "type of e",
        "The sum of the non-null values (0 over no rows).",
    ),
    b("avg", &["e"], "float", "The mean of the non-null values."),
    b("min", &["e"], "type of e", "The smallest non-null value."),
    b("max", &["e"], "type of e", "The largest non-null value."),
    b(
        "first",
        &["e", "[N]"],
        "type of e",
        "The value at the earliest time; with `N`, a list of up to N values, earliest first.",
    ),
    b(
        "last",
        &["e", "[N]"],
        "type of e",
        "The value at the latest time; with `N`, a list of up to N values, latest first.",
    ),
    b(
        "distinct",
        &["e"],
        "list",
        "The distinct non-null values, ascending.",
    ),
    b(
        "avg_interval",
        &[],
        "duration",
        "The mean time between rows: (max time - min time) / (count - 1).",
    ),
];

/// The function named `name`.
pub fn function(name: &str) -> Option<&'static Builtin> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// The aggregate named `name`.
pub fn aggregate(name: &str) -> Option<&'static Builtin> {
    AGGREGATES.iter().find(|f| f.name == name)
}

/// The reserved words (spec §2).
pub use c360_syntax::token::KEYWORDS;

/// Column types (spec §3.3).
pub const COLUMN_TYPES: &[&str] = &[
    "string",
    "int",
    "float",
    "decimal",
    "bool",
    "timestamp",
    "date",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_skip_optional_parameters() {
        assert_eq!(
            aggregate("last").map(Builtin::snippet),
            Some("last(${1:e})".into())
        );
        assert_eq!(
            function("concat").map(Builtin::snippet),
            Some("concat(${1:a}, ${2:b})".into())
        );
        assert_eq!(
            aggregate("count").map(Builtin::signature),
            Some("count() -> int".into())
        );
    }
}
