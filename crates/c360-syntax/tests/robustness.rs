//! Arbitrary input never panics the lexer or the parser, every span they return lies within
//! the text, and pathological nesting is reported instead of overflowing the stack.

mod common;

use c360_diagnostics::FileId;
use c360_syntax::ast::ItemKind;
use common::*;

const FIXTURES: [&str; 2] = [
    include_str!("fixtures/spec_example.c360"),
    include_str!("fixtures/training_and_tests.c360"),
];

/// A tiny deterministic xorshift generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Pieces that reach deep into the grammar when strung together at random, besides every
/// keyword of [`c360_syntax::token::KEYWORDS`] (see [`FRAGMENTS`]).
const OTHER_FRAGMENTS: &[&str] = &[
    "x",
    "orders",
    "value",
    "count",
    "sum",
    "_a1",
    "0",
    "42",
    "1.5",
    "99999999999999999999",
    "\"s\"",
    "\"\\d\"",
    "\"\\u{1F600}\"",
    "\"open",
    "r\"raw\"",
    "r\"",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "~",
    "+",
    "-",
    "*",
    "/",
    "%",
    "|",
    "@",
    ".",
    "@id",
    "@time",
    "// c\n",
    "/// d\n",
    "/* b */",
    "/*",
    " ",
    " ",
    "\n",
    "\n",
    "\t",
    "\r",
    "\r\n",
    "é",
    "\0",
    "\u{feff}",
    "\u{a0}",
    "$",
    ";",
    "&&",
    "!",
    "'",
    "\\",
    "list<string>",
];

/// Every keyword, then the other fragments.
static FRAGMENTS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    c360_syntax::token::KEYWORDS
        .iter()
        .chain(OTHER_FRAGMENTS)
        .copied()
        .collect()
});

fn check(text: &str) {
    let file = FileId::new("fuzz.c360");
    let (tokens, comments, diags) = c360_syntax::lex(&file, text);
    for span in tokens
        .iter()
        .map(|(_, s)| *s)
        .chain(comments.iter().map(|c| c.span))
        .chain(diags.iter().map(|d| d.primary.span))
    {
        assert!(
            span.start <= span.end && span.end as usize <= text.len(),
            "{text:?}"
        );
        assert!(text.is_char_boundary(span.start as usize), "{text:?}");
        assert!(text.is_char_boundary(span.end as usize), "{text:?}");
    }
    let parse = c360_syntax::parse(&file, text);
    assert_spans_within(text, &parse);
    for d in &parse.diagnostics {
        assert!(!d.message.is_empty());
        assert!(
            d.code.as_str().starts_with('E'),
            "syntax diagnostics are errors"
        );
    }
}

#[test]
fn random_inputs_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..3_000 {
        let len = rng.below(60);
        let mut bytes = Vec::new();
        if round % 4 == 0 {
            // A quarter are plain random bytes.
            bytes.extend((0..len * 3).map(|_| rng.next() as u8));
        } else {
            // The rest mix random bytes with pieces of the language, to get past the lexer.
            for _ in 0..len {
                match rng.below(10) {
                    0 | 1 => bytes.push(rng.next() as u8),
                    2 | 3 => bytes.push(b' ' + rng.below(95) as u8),
                    _ => bytes.extend_from_slice(rng.pick(&FRAGMENTS).as_bytes()),
                }
                if rng.below(3) == 0 {
                    bytes.push(b' ');
                }
            }
        }
        check(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn mutated_fixtures_never_panic() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for round in 0..3_000 {
        let base = FIXTURES[round % FIXTURES.len()];
        let (tokens, _, _) = c360_syntax::lex(&FileId::new("m.c360"), base);
        let mut text = base.to_string();
        for _ in 0..1 + rng.below(4) {
            text = if rng.below(2) == 0 {
                mutate_tokens(
                    &mut rng,
                    base,
                    &tokens.iter().map(|(_, s)| s.range()).collect::<Vec<_>>(),
                    &text,
                )
            } else {
                mutate_bytes(&mut rng, &text)
            };
        }
        check(&text);
    }
}

/// Deletes, inserts, duplicates or swaps whole tokens (positions from the unmutated text, so
/// they are clamped to the current one).
fn mutate_tokens(
    rng: &mut Rng,
    base: &str,
    spans: &[std::ops::Range<usize>],
    text: &str,
) -> String {
    if spans.is_empty() || text.len() != base.len() {
        return mutate_bytes(rng, text);
    }
    let a = spans[rng.below(spans.len())].clone();
    let b = spans[rng.below(spans.len())].clone();
    match rng.below(4) {
        0 => format!("{}{}", &text[..a.start], &text[a.end..]),
        1 => format!(
            "{}{} {}",
            &text[..a.start],
            rng.pick(&FRAGMENTS),
            &text[a.start..]
        ),
        2 => format!("{}{} {}", &text[..a.end], &text[a.clone()], &text[a.end..]),
        _ => {
            let (first, second) = if a.start <= b.start { (a, b) } else { (b, a) };
            if first.end > second.start {
                return text.to_string();
            }
            format!(
                "{}{}{}{}{}",
                &text[..first.start],
                &text[second.clone()],
                &text[first.end..second.start],
                &text[first],
                &text[second.end..]
            )
        }
    }
}

/// Deletes, inserts, duplicates or swaps bytes; the result may not be UTF-8 and is repaired
/// the way an editor would show it.
fn mutate_bytes(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    if bytes.is_empty() {
        return rng.pick(&FRAGMENTS).to_string();
    }
    let i = rng.below(bytes.len());
    let j = rng.below(bytes.len());
    match rng.below(4) {
        0 => {
            let end = (i + 1 + rng.below(8)).min(bytes.len());
            bytes.drain(i..end);
        }
        1 => bytes.insert(i, rng.next() as u8),
        2 => {
            let end = (i + 1 + rng.below(16)).min(bytes.len());
            let copy = bytes[i..end].to_vec();
            bytes.splice(i..i, copy);
        }
        _ => bytes.swap(i, j),
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn parsing_is_deterministic() {
    let mut rng = Rng(7);
    for _ in 0..50 {
        let text = mutate_bytes(&mut rng, FIXTURES[0]);
        assert_eq!(parse(&text), parse(&text));
    }
}

#[test]
fn deep_nesting_is_reported_not_a_stack_overflow() {
    let wrap = |body: String| format!("features c {{\n  x = {body}\n  y = 1\n}}\n");
    let cases = [
        ("10,000 unclosed `(`", wrap("(".repeat(10_000))),
        (
            "10,000 balanced `(`",
            wrap(format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000))),
        ),
        ("10,000 `[`", wrap("[".repeat(10_000))),
        ("10,000 `{`", "{".repeat(10_000)),
        ("100,000 additions", wrap(vec!["1"; 100_000].join(" + "))),
        (
            "100,000 minus signs",
            wrap(format!("{}1", "- ".repeat(100_000))),
        ),
        (
            "100,000 `not`",
            wrap(format!("{}a", "not ".repeat(100_000))),
        ),
        (
            "5,000 nested `if`",
            wrap(format!(
                "{}1{}",
                "if a then ".repeat(5_000),
                " else 2".repeat(5_000)
            )),
        ),
        (
            "10,000 nested list types",
            format!(
                "source s from \"t\" {{\n  x: {}int{}\n}}\n",
                "list<".repeat(10_000),
                ">".repeat(10_000)
            ),
        ),
    ];
    for (what, text) in cases {
        let parse = parse(&text);
        assert!(
            parse.diagnostics.iter().any(|d| d.code.as_str() == "E0005"),
            "{what}: reported"
        );
        assert!(
            parse.diagnostics.len() <= 3,
            "{what}: {} diagnostics",
            parse.diagnostics.len()
        );
        assert_spans_within(&text, &parse);
        // The tree is shallow enough to clone, compare and drop on a test thread's stack.
        let copy = parse.clone();
        assert_eq!(copy, parse);
    }
}

#[test]
fn nesting_up_to_the_limits_is_accepted() {
    let depth = c360_syntax::MAX_NESTING;
    let text = format!(
        "features c {{\n  x = {}1{}\n  y = {}\n}}\n",
        "(".repeat(depth - 1),
        ")".repeat(depth - 1),
        vec!["1"; 200].join(" + ")
    );
    let parse = parse(&text);
    assert_eq!(parse.diagnostics, vec![]);
    assert_eq!(features(&parse.file).len(), 2);
}

/// A file as large as the benchmark project parses cleanly (its speed is measured by
/// `c360-bench`, not here).
#[test]
fn five_thousand_features() {
    let mut text = String::from("features customer {\n");
    for i in 0..5_000 {
        text.push_str(&match i % 4 {
            0 => format!(
                "  /// Feature {i}.\n  @owner(\"growth\")\n  f{i}: decimal = orders | where status == \"completed\" | within 30 days | sum(amount)\n"
            ),
            1 => format!("  f{i} = web_events | where event == \"Product Viewed\" | last(product_id, 10)\n"),
            2 => format!("  f{i} = if f{} is null then 0 else size(f{}) * 2 + 1\n", i - 1, i - 1),
            _ => format!("  f{i}: bool = f{} > now() - 7 days or not (f{} in [1, 2, 3])\n", i - 3, i - 1),
        });
    }
    text.push_str("}\n");
    let parse = parse(&text);
    assert_eq!(parse.diagnostics, vec![]);
    let ItemKind::Features(block) = &parse.file.items[0].kind else {
        panic!("a features block");
    };
    assert_eq!(block.features.len(), 5_000);
}
