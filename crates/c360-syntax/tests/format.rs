//! The formatter: canonical layout, idempotence, and never losing a token or a comment.

use std::fs;
use std::path::{Path, PathBuf};

use c360_diagnostics::FileId;
use c360_syntax::format::{comment_texts, format, significant_tokens, FormatError};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// Every `.c360` file under `dir`, sorted.
fn c360_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "c360") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn examples() -> Vec<(PathBuf, String)> {
    let files = c360_files(&repo("examples"));
    assert!(files.len() >= 10, "the examples are found");
    files
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

/// The case files that parse without errors (the others are refused by design).
fn clean_cases() -> Vec<(PathBuf, String)> {
    let cases: Vec<(PathBuf, String)> = c360_files(&repo("tests/cases"))
        .into_iter()
        .filter_map(|p| {
            let text = fs::read_to_string(&p).ok()?;
            let parse = c360_syntax::parse(&FileId::new("case.c360"), &text);
            (!parse.has_errors()).then_some((p, text))
        })
        .collect();
    assert!(cases.len() >= 50, "most cases parse: {}", cases.len());
    cases
}

/// The same tokens (apart from trailing commas) and the same comments, in the same order.
fn assert_same_text(path: &Path, before: &str, after: &str) {
    let file = FileId::new("t.c360");
    assert_eq!(
        significant_tokens(&file, before),
        significant_tokens(&file, after),
        "{}: tokens changed",
        path.display()
    );
    assert_eq!(
        comment_texts(&file, before),
        comment_texts(&file, after),
        "{}: comments changed",
        path.display()
    );
}

fn fmt_ok(text: &str) -> String {
    format(text).unwrap_or_else(|e| panic!("{e:?}\n--- input ---\n{text}"))
}

#[test]
fn every_example_is_formatted() {
    for (path, text) in examples() {
        let formatted = fmt_ok(&text);
        assert!(
            formatted == text,
            "{} is not formatted; run `c360 fmt examples`.\n--- formatted ---\n{formatted}",
            path.display()
        );
    }
}

#[test]
fn formatting_is_idempotent_and_keeps_every_token_and_comment() {
    for (path, text) in examples().into_iter().chain(clean_cases()) {
        let once = fmt_ok(&text);
        let twice = fmt_ok(&once);
        assert!(
            once == twice,
            "{} is not idempotent:\n{once}\n---\n{twice}",
            path.display()
        );
        assert_same_text(&path, &text, &once);
    }
}

#[test]
fn the_spec_example_is_a_fixed_point() {
    for path in c360_files(&repo("tests/cases/spec_example")) {
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(fmt_ok(&text), text, "{}", path.display());
    }
}

/// Comments between every pair of tokens, in each style, survive in order and the result is
/// stable: the safety net against lost text.
#[test]
fn comments_anywhere_survive() {
    let file = FileId::new("t.c360");
    let mut tried = 0;
    for (path, text) in examples().into_iter().chain(clean_cases()) {
        let (tokens, _, _) = c360_syntax::lex(&file, &text);
        for style in 0..3 {
            let mut out = String::new();
            let mut at = 0;
            for (i, (_, span)) in tokens.iter().enumerate() {
                let end = span.end as usize;
                out.push_str(&text[at..end]);
                at = end;
                match style {
                    0 => out.push_str(&format!(" /* b{i} */")),
                    1 => out.push_str(&format!(" // l{i}\n")),
                    _ => out.push_str(&format!("\n// o{i}\n")),
                }
            }
            out.push_str(&text[at..]);
            if c360_syntax::parse(&file, &out).has_errors() {
                // A line break can end a member early; such inputs are refused, not formatted.
                continue;
            }
            tried += 1;
            let once = fmt_ok(&out);
            let twice = fmt_ok(&once);
            assert!(
                once == twice,
                "{} style {style} is not idempotent:\n{once}\n---\n{twice}",
                path.display()
            );
            assert_same_text(&path, &out, &once);
        }
    }
    assert!(tried > 100, "enough variants parse: {tried}");
}

#[test]
fn syntax_errors_are_refused() {
    let text = "id_type email {\n  normalize = lower(\n}\n";
    match format(text) {
        Err(FormatError::Syntax(diags)) => {
            assert!(!diags.is_empty());
            assert!(diags.iter().all(|d| d.is_error()));
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn small_rules() {
    // Empty input and comment-only input.
    assert_eq!(fmt_ok(""), "");
    assert_eq!(
        fmt_ok("\n\n  // only a comment   \n\n"),
        "// only a comment\n"
    );
    // CRLF becomes LF; a byte order mark is dropped.
    assert_eq!(
        fmt_ok("\u{feff}id_type a\r\nid_type b\r\n"),
        "id_type a\nid_type b\n"
    );
    // Declarations are separated by one blank line; a body-less id type may stay adjacent.
    assert_eq!(
        fmt_ok("entity c { ids = [a] } entity d { ids = [a] }"),
        "entity c {\n  ids = [a]\n}\n\nentity d {\n  ids = [a]\n}\n"
    );
    assert_eq!(
        fmt_ok("id_type a\n\n\n\nid_type b"),
        "id_type a\n\nid_type b\n"
    );
    // Durations: the unit agrees with the amount.
    assert_eq!(
        fmt_ok("features c { a = now() - 1 days + 2 day }"),
        "features c {\n  a = now() - 1 day + 2 days\n}\n"
    );
    // Strings are re-escaped canonically; raw strings stay raw.
    assert_eq!(
        fmt_ok(r#"id_type a { exclude = ["\u{e9}\u{9}", r"\d"] }"#),
        "id_type a {\n  exclude = [\"é\\t\", r\"\\d\"]\n}\n"
    );
    // Parentheses are kept as written; trailing commas go when flat.
    assert_eq!(
        fmt_ok("features c { a = ((1)) + f(x,) }"),
        "features c {\n  a = ((1)) + f(x)\n}\n"
    );
    // Empty blocks.
    assert_eq!(fmt_ok("id_type a {}"), "id_type a {}\n");
}

#[test]
fn long_values_break() {
    let long = (0..12)
        .map(|i| format!("\"value_number_{i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!("id_type a {{ exclude = [{long}] }}");
    let out = fmt_ok(&text);
    assert!(
        out.starts_with("id_type a {\n  exclude = [\n    \"value_number_0\",\n"),
        "{out}"
    );
    assert!(out.ends_with("    \"value_number_11\",\n  ]\n}\n"), "{out}");
    assert!(out.lines().all(|l| l.len() <= 100), "{out}");

    let text = "features c { x = orders | where status == \"completed\" and amount > 100 and \
                created_at > now() - 30 days and channel == \"web\" | within 30 days | sum(amount) }";
    let out = fmt_ok(text);
    assert_eq!(
        out,
        "features c {\n  x =\n    orders\n      | where status == \"completed\"\n        and amount > 100\n        \
         and created_at > now() - 30 days\n        and channel == \"web\"\n      | within 30 days\n      \
         | sum(amount)\n}\n"
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 120;
    let text = format!(
        "features c {{ a = {}1{} }}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let out = fmt_ok(&text);
    assert_eq!(fmt_ok(&out), out);
    let nots = format!("features c {{ a = {}true }}", "not ".repeat(250));
    assert!(!c360_syntax::parse(&FileId::new("t.c360"), &nots).has_errors());
    let out = fmt_ok(&nots);
    assert_eq!(fmt_ok(&out), out);
    let chain = (0..200)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(" + ");
    let out = fmt_ok(&format!("features c {{ a = {chain} }}"));
    assert_eq!(fmt_ok(&out), out);
}

const MESSY: &str = r#"   // identity.c360: a header comment
/// Emails.
id_type email { normalize=lower(trim(value))   valid = value ~ r"^[^@\s]+@[^@\s]+$"
exclude = ["test@test.com",   "noreply@example.com",]  max_links=50 }
id_type user_id
id_type phone
/* a block comment
   on two lines */
@deprecated("use customer") entity person { ids=[user_id,email] }
entity customer {ids = [user_id, email, phone]}   // trailing
source orders from "shop.orders" {
  /// The order key.
  order_id : string
  email: string @id(email)@column("EMAIL_ADDRESS")
  amount: decimal // money
  tags: list<string>


  created_at: timestamp @time
}
features customer {
  /// Revenue.
  @owner("growth")   @tags("revenue", "core")
  revenue_30d : decimal = orders|where status=="completed"|within 1 days|sum(amount)
  order_count = orders | count()
  big = orders | where amount >= 100.5 and not (status in ["refunded", "void"]) or amount is not null | count_distinct(order_id)
  @hidden flag = if order_count > 0 then -1 else if order_count is null then 0 else 1
  total = (orders | sum(amount)) + orders.amount * 2 % 3 / customer.order_count
  // about the next one
  quoted = concat("say \"hi\"\n", "tab\t")
}
training_set churn for customer {
  features = [revenue_30d, order_count]
  labels from "ml.labels" { user_id: string @id(user_id)
    at: timestamp @time }
}
test "messy" { as_of = "2026-06-30 00:00:00"
  given orders = [{order_id: "o1", email: "a@x.com", amount: 10.5},
    {order_id: "o22", email: "bb@x.com", amount: 99},   // second
    { order_id: "o3" }, {}]
  given web_events = []
  expect customer(email: "a@x.com") { revenue_30d = 10.5   order_count = 2 }
}
// the end
"#;

#[test]
fn messy_input_snapshot() {
    let out = fmt_ok(MESSY);
    assert_eq!(fmt_ok(&out), out, "idempotent");
    assert_same_text(Path::new("messy"), MESSY, &out);
    insta::assert_snapshot!(out);
}
