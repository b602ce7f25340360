//! Adversarial names and strings are quoted correctly in every dialect: each statement
//! parses back as exactly one statement, and every string literal and identifier reads back
//! as exactly the value written in the project.

mod common;

use c360_sql::{compile, AsOf, Dialect};
use common::parse::{literals_and_idents, parse_one, plain_statements};

/// Names and strings every dialect can represent.
const PROJECT: &str = r#"
id_type email {
  normalize = lower(trim(value))
  valid     = value ~ r"^[^@\s']+@[^@\s]+\.[a-z]+$"
  exclude   = ["it's@x.com", "back\\slash@x.com", "'; DROP TABLE x; --@x.com"]
}
id_type select {
  normalize = regexp_replace(value, r"[;'\s]+", "-")
  exclude   = ["$$", "$c360$", "/* not a comment */"]
}
entity user { ids = [email, select] }

source weird from "we\"ird.ta'b;le -- x /* y */" {
  email:  string    @id(email) @column("Se\"lect")
  code:   string    @id(select) @column("order")
  status: string    @column("MixedCase")
  note:   string    @column("ünï cødé; --")
  amount: decimal   @column("semi;colon")
  at:     timestamp @time @column("from")
}

source reserved from "Select.Order" {
  email: string @id(email) @column("group")
  kind:  string @column("TABLE")
}

features user {
  select: int = weird | where status == "it's \\ \"quoted\" ; -- /* */ \u{1F600}" | count()
  order = weird | where note ~ r"^a'b\s[;-]?$" | sum(amount)
  Table = weird | where status in ["''", "\\'", "new\nline", "tab\there"] | count()
  group = reserved | where kind != "'; DROP TABLE user_360; --" | count()
  MixedCase = weird | last(status)
}
"#;

/// The strings a compiled project must contain exactly, in some statement.
const STRINGS: &[&str] = &[
    "it's@x.com",
    "back\\slash@x.com",
    "'; DROP TABLE x; --@x.com",
    "$$",
    "$c360$",
    "/* not a comment */",
    "^[^@\\s']+@[^@\\s]+\\.[a-z]+$",
    "[;'\\s]+",
    "it's \\ \"quoted\" ; -- /* */ \u{1F600}",
    "^a'b\\s[;-]?$",
    "''",
    "\\'",
    "new\nline",
    "tab\there",
    "'; DROP TABLE user_360; --",
];

/// Identifiers a compiled project must contain exactly.
const IDENTS: &[&str] = &[
    "we\"ird",
    "ta'b;le -- x /* y */",
    "Se\"lect",
    "order",
    "MixedCase",
    "ünï cødé; --",
    "semi;colon",
    "from",
    "Select",
    "Order",
    "group",
    "TABLE",
    "select",
    "Table",
    "user_360",
    "select_ids",
];

/// What an identifier reads back as: Snowflake folds simple names to upper case, so a
/// reserved simple name is quoted in upper case.
fn expected_ident(d: Dialect, name: &str) -> String {
    let simple = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let reserved = ["SELECT", "ORDER", "GROUP", "TABLE", "FROM"];
    if d == Dialect::Snowflake && simple && reserved.contains(&name.to_ascii_uppercase().as_str()) {
        name.to_ascii_uppercase()
    } else {
        name.to_owned()
    }
}

#[test]
fn adversarial_names_and_strings_round_trip_in_every_dialect() {
    let (model, plan) = common::load(&[("weird.c360", PROJECT)]);
    let as_of = AsOf::parse("2026-06-30 00:00:00");
    for &d in Dialect::all() {
        let compiled = compile(&model, &plan, d, "c360 \"out\"", as_of.as_ref())
            .unwrap_or_else(|e| panic!("{d} cannot compile the adversarial project: {e:#?}"));
        let mut strings: Vec<String> = Vec::new();
        let mut idents: Vec<(String, Option<char>)> = Vec::new();
        for (step, sql) in plain_statements(&compiled) {
            if let Err(e) = parse_one(d, &step, &sql) {
                panic!("{e}");
            }
            let (s, i) = literals_and_idents(d, &sql);
            strings.extend(s);
            idents.extend(i);
        }
        for s in STRINGS {
            assert!(
                strings.iter().any(|x| x == s),
                "{d}: the string {s:?} does not read back exactly"
            );
        }
        for name in IDENTS.iter().copied().chain(["c360 \"out\""]) {
            let want = expected_ident(d, name);
            assert!(
                idents.iter().any(|(v, _)| *v == want),
                "{d}: the identifier {name:?} does not read back as {want:?}"
            );
        }
        // Names that are not simple are quoted; the quote is the dialect's.
        let quote = if matches!(d, Dialect::BigQuery | Dialect::Databricks) {
            '`'
        } else {
            '"'
        };
        for (v, q) in &idents {
            if v.contains([' ', ';', '\'', '"', '-', '/']) {
                assert_eq!(*q, Some(quote), "{d}: {v:?} is not quoted with {quote}");
            }
        }
    }
}

/// Names with a backslash or a backtick: every dialect but BigQuery quotes them; BigQuery
/// cannot, and says so at the declaration.
#[test]
fn names_bigquery_cannot_quote_are_reported() {
    let project = r#"
id_type email
entity customer { ids = [email] }
source s from "raw.events" {
  email: string @id(email) @column("back\\slash`tick")
  at: timestamp @time
}
features customer {
  n = s | count()
}
"#;
    let (model, plan) = common::load(&[("s.c360", project)]);
    for &d in Dialect::all() {
        let result = compile(&model, &plan, d, "c360", None);
        if d == Dialect::BigQuery {
            let diags = result.expect_err("BigQuery cannot quote a backtick");
            assert_eq!(diags.len(), 1, "{diags:#?}");
            assert_eq!(diags[0].code.as_str(), "E0300");
            assert!(
                diags[0].message.contains("BigQuery"),
                "{}",
                diags[0].message
            );
            assert!(
                diags[0].message.contains("source `s`"),
                "{}",
                diags[0].message
            );
        } else {
            let compiled = result.unwrap_or_else(|e| panic!("{d}: {e:#?}"));
            let mut found = false;
            for (step, sql) in plain_statements(&compiled) {
                if let Err(e) = parse_one(d, &step, &sql) {
                    panic!("{e}");
                }
                let (_, idents) = literals_and_idents(d, &sql);
                found |= idents.iter().any(|(v, _)| v == "back\\slash`tick");
            }
            assert!(found, "{d}: the column name does not read back exactly");
        }
    }
}

/// A NUL character cannot be stored in any warehouse's text.
#[test]
fn nul_characters_are_reported() {
    let project = "id_type email\nentity customer { ids = [email] }\nsource s from \"raw.events\" {\n  email: string @id(email)\n  kind: string\n}\nfeatures customer {\n  n = s | where kind == \"a\\u{0}b\" | count()\n}\n";
    let (model, plan) = common::load(&[("s.c360", project)]);
    for &d in Dialect::all() {
        let diags = compile(&model, &plan, d, "c360", None).expect_err("NUL is refused");
        assert!(
            diags.iter().all(|x| x.code.as_str() == "E0300"),
            "{diags:#?}"
        );
        assert!(
            diags[0].message.contains("feature `n`"),
            "{}",
            diags[0].message
        );
    }
}
