//! Lexical and syntax errors: one diagnostic per mistake, a readable message, and recovery
//! that keeps everything else.

mod common;

use c360_syntax::ast::*;
use common::*;

fn messages(text: &str) -> Vec<String> {
    parse(text)
        .diagnostics
        .iter()
        .map(|d| format!("{} {}: {}", d.code, at(text, d.primary.span), d.message))
        .collect()
}

fn item_kinds(file: &SourceFile) -> Vec<&'static str> {
    file.items
        .iter()
        .map(|i| match &i.kind {
            ItemKind::IdType(_) => "id_type",
            ItemKind::Entity(_) => "entity",
            ItemKind::Source(_) => "source",
            ItemKind::Features(_) => "features",
            ItemKind::TrainingSet(_) => "training_set",
            ItemKind::Test(_) => "test",
            ItemKind::Error => "error",
        })
        .collect()
}

#[test]
fn e0001_stray_character() {
    let text = "features c {\n  x = a $ b\n  y = 1\n}\n";
    assert_eq!(messages(text), ["E0001 $: unexpected character `$`"]);
    let text = "entity e { ids = [a] };\n";
    let parse = parse(text);
    assert_eq!(codes(&parse), ["E0001"]);
    assert_eq!(item_kinds(&parse.file), ["entity", "error"]);
    assert_eq!(messages("id_type é"), ["E0001 é: unexpected character `é`"]);
    assert_eq!(
        messages("id_type a\u{a0}"),
        ["E0001 \u{a0}: unexpected character `U+00A0`"]
    );
}

#[test]
fn e0002_unterminated_string() {
    let text = "source s from \"shop.orders {\n  a: string\n}\n";
    let parse = parse(text);
    assert_eq!(codes(&parse), ["E0002"]);
    assert_eq!(at(text, parse.diagnostics[0].primary.span), "\"shop.orders");
    let ItemKind::Source(source) = &parse.file.items[0].kind else {
        panic!("the source is still there: {:?}", parse.file.items);
    };
    assert_eq!(source.table.value, "shop.orders");
    assert_eq!(
        source.columns.len(),
        1,
        "the `{{` after the string still opens the block"
    );
}

#[test]
fn e0003_unterminated_block_comment() {
    let text = "id_type a\n/* never /* closed */\nid_type b\n";
    let parse = parse(text);
    assert_eq!(codes(&parse), ["E0003"]);
    assert_eq!(at(text, parse.diagnostics[0].primary.span), "/*");
    assert_eq!(item_kinds(&parse.file), ["id_type"]);
}

#[test]
fn e0004_invalid_escape() {
    let text = "id_type a {\n  valid = value ~ \"^\\d+$\"\n}\n";
    let parse = parse(text);
    assert_eq!(codes(&parse), ["E0004"]);
    let diag = &parse.diagnostics[0];
    assert_eq!(at(text, diag.primary.span), "\\d");
    assert_eq!(diag.message, "invalid escape sequence `\\d`");
    let fix = diag.fix.as_ref().expect("a raw-string fix");
    assert_eq!(fix.edits[0].replacement, "r\"^\\d+$\"");
    // The string still parses, so the property is intact.
    let ItemKind::IdType(id) = &parse.file.items[0].kind else {
        panic!("an id type");
    };
    assert_eq!(
        sexpr(&id.body.as_ref().expect("body")[0].value),
        r#"(~ value "^\\d+$")"#
    );
}

#[test]
fn e0005_syntax_errors_name_what_was_expected() {
    assert_eq!(
        messages("features c {\n  x orders | count()\n}\n"),
        ["E0005 orders: expected `:` or `=` after feature name `x`, found identifier `orders`"]
    );
    assert_eq!(
        messages("features c {\n  x: int | count()\n}\n"),
        ["E0005 |: expected `=` after `int`, found `|`"]
    );
    assert_eq!(
        messages("features c {\n  x = orders | where status = \"a\" | count()\n}\n"),
        ["E0005 =: expected an operator or `|` after `status`, found `=`"]
    );
    assert_eq!(
        messages("id_type a {\n  normalize: lower(value)\n}\n"),
        ["E0005 :: expected `=` after property name `normalize`, found `:`"]
    );
    assert_eq!(
        messages("source s from \"t\" {\n  a string\n}\n"),
        ["E0005 string: expected `:` after column name `a`, found identifier `string`"]
    );
    assert_eq!(
        messages("feature c {\n  x = 1\n}\n"),
        ["E0005 feature: expected a declaration, found identifier `feature`"]
    );
    assert_eq!(
        messages("features c {\n  x = orders | count\n}\n"),
        ["E0005 }: expected `(` after `count`, found `}`"]
    );
    assert_eq!(
        messages("entity e {\n  ids = [a b]\n}\n"),
        ["E0005 b: expected an operator, `,` or `]` after `a`, found identifier `b`"]
    );
    assert_eq!(
        messages("source s from \"t\" {\n  source: string\n}\n"),
        ["E0005 source: `source` is a reserved keyword and cannot be used as a name"]
    );
    assert_eq!(
        messages("features c {\n  x = 1\n"),
        ["E0005 {: unclosed `{` of features `c`"]
    );
    assert_eq!(
        messages("features c {\n  x =\n  y = 1\n}\n"),
        ["E0005 y: expected an expression after `=`, found identifier `y`"]
    );
    assert_eq!(
        messages("id_type"),
        ["E0005 : expected a name after `id_type`, found end of file"]
    );
}

#[test]
fn e0005_help_lines_and_fixes() {
    assert_eq!(
        codes(&parse("features c {\n  x = a where b = 1\n}\n")),
        ["E0005"]
    );
    let diag = parse_one("features c {\n  x = orders | where status = \"a\" | count()\n}\n");
    assert_eq!(diag.help.as_deref(), Some("to compare two values use `==`"));
    assert_eq!(
        diag.fix.as_ref().map(|f| f.edits[0].replacement.as_str()),
        Some("==")
    );
    let diag = parse_one("feature c {\n}\n");
    assert_eq!(diag.help.as_deref(), Some("did you mean `features`?"));
    let diag = parse_one("id_type a {\n  valid == true\n}\n");
    assert_eq!(
        diag.fix.as_ref().map(|f| f.edits[0].replacement.as_str()),
        Some("=")
    );
    let diag = parse_one("source s from \"t\" {\n  a string\n}\n");
    assert_eq!(
        diag.help.as_deref(),
        Some("columns are declared `name: type`")
    );
    let diag = parse_one("features c {\n  x = f(a,\n  y = 1\n}\n");
    assert_eq!(
        diag.help.as_deref(),
        Some("a `)` seems to be missing before this line")
    );
    let diag = parse_one("features c {\n  x = a || b\n}\n");
    assert_eq!(diag.help.as_deref(), Some("`||` is written `or` in c360"));
    let diag = parse_one("features c {\n  x = a | filter b\n}\n");
    assert!(diag
        .help
        .as_deref()
        .is_some_and(|h| h.contains("where PREDICATE")));
    let diag = parse_one("source s from \"t\" {\n  @time at: timestamp\n}\n");
    assert!(diag
        .help
        .as_deref()
        .is_some_and(|h| h.contains("follow its type")));
    let diag = parse_one("source s from \"t\" {\n  a: string,\n  b: int\n}\n");
    assert_eq!(
        diag.fix.as_ref().map(|f| f.message.as_str()),
        Some("remove the `,`")
    );
    let diag = parse_one("features c {\n  a = orders | where x > 1 |\n  b = 1\n}\n");
    assert!(diag
        .help
        .as_deref()
        .is_some_and(|h| h.starts_with("the `|` at the end")));
    let diag = parse_one("features c {\n  a = if x then 1 else\n  b = 2\n}\n");
    assert!(diag
        .help
        .as_deref()
        .is_some_and(|h| h.contains("seems incomplete")));
    assert!(diag.fix.is_none(), "no `==` fix for an incomplete line");
    let diag = parse_one("features c {\n  a = s | where x in (\"a\", \"b\") | count()\n}\n");
    assert!(diag.help.as_deref().is_some_and(|h| h.contains("brackets")));
    let diag = parse_one("test t {\n}\n");
    assert_eq!(
        diag.fix.as_ref().map(|f| f.edits[0].replacement.as_str()),
        Some("\"t\"")
    );
    let diag = parse_one("features c {\n  a = 1 }\n  b = 2\n}\n");
    assert!(diag
        .help
        .as_deref()
        .is_some_and(|h| h.contains("extra `}`")));
    let diag = parse_one("training_set t customer {\n  features = [a]\n}\n");
    assert_eq!(
        diag.message,
        "expected `for` after `t`, found identifier `customer`"
    );
    let diag = parse_one("features c {\n  a = x ? 1 : 2\n}\n");
    assert_eq!(diag.code.as_str(), "E0001");
    assert!(diag
        .help
        .as_deref()
        .is_some_and(|h| h.contains("if CONDITION")));
}

fn parse_one(text: &str) -> c360_diagnostics::Diagnostic {
    let mut parse = parse(text);
    assert_eq!(parse.diagnostics.len(), 1, "{:?}", parse.diagnostics);
    parse.diagnostics.remove(0)
}

#[test]
fn e0006_integer_out_of_range() {
    let text = "id_type a {\n  max_links = 99999999999999999999\n}\n";
    let parse = parse(text);
    assert_eq!(codes(&parse), ["E0006"]);
    assert_eq!(
        at(text, parse.diagnostics[0].primary.span),
        "99999999999999999999"
    );
}

#[test]
fn e0007_invalid_duration() {
    assert_eq!(
        messages("features c {\n  x = web_events | within 1.5 days | count()\n}\n"),
        ["E0007 1.5 days: a duration takes a whole number of units, not `1.5`"]
    );
}

#[test]
fn independent_errors_are_all_reported_and_good_items_kept() {
    let text = "\
/// Emails.
id_type email {
  normalize = lower(trim(value)
  valid = value ~ r\"@\"
}

source orders from \"shop.orders\" {
  email:  string @id(email)
  amount  decimal
  status: string
  at:     timestamp @time
}

entity customer {
  ids = [email]
}

features customer {
  revenue = orders | where status = \"done\" | sum(amount)
  order_count = orders | count()
  bad = )
  last_order = orders | max(at)
}
";
    let parse = parse(text);
    assert_eq!(
        codes(&parse),
        ["E0005", "E0005", "E0005", "E0005"],
        "{:#?}",
        parse.diagnostics
    );
    assert_eq!(
        item_kinds(&parse.file),
        ["id_type", "source", "entity", "features"]
    );

    let ItemKind::IdType(email) = &parse.file.items[0].kind else {
        panic!("id type");
    };
    let props = email.body.as_ref().expect("body");
    assert_eq!(props.len(), 2, "the property after the broken one is kept");
    assert_eq!(props[0].value.kind, ExprKind::Error);
    assert_eq!(sexpr(&props[1].value), "(~ value r\"@\")");
    assert!(parse.file.items[0].doc.is_some());

    let ItemKind::Source(orders) = &parse.file.items[1].kind else {
        panic!("source");
    };
    let columns: Vec<&str> = orders
        .columns
        .iter()
        .map(|c| c.name.name.as_str())
        .collect();
    assert_eq!(columns, ["email", "status", "at"]);

    let names: Vec<&str> = features(&parse.file)
        .iter()
        .map(|f| f.name.name.as_str())
        .collect();
    assert_eq!(names, ["revenue", "order_count", "bad", "last_order"]);
    assert_eq!(body(&parse.file, "revenue").kind, ExprKind::Error);
    assert_eq!(
        sexpr(body(&parse.file, "order_count")),
        "{orders | count()}"
    );
    assert_eq!(sexpr(body(&parse.file, "last_order")), "{orders | max(at)}");
    assert_spans_within(text, &parse);
}

#[test]
fn broken_declarations_become_error_items() {
    let text = "\
source orders \"shop.orders\" {
  a: string
}
}
entity customer { ids = [email] }
@owner(\"x\")
features { a = 1 }
id_type phone
";
    let parse = parse(text);
    assert_eq!(
        codes(&parse),
        ["E0005", "E0005"],
        "{:#?}",
        parse.diagnostics
    );
    assert_eq!(
        item_kinds(&parse.file),
        ["error", "entity", "error", "id_type"]
    );
    assert_eq!(
        at(text, parse.file.items[0].span),
        "source orders \"shop.orders\" {\n  a: string\n}\n}"
    );
}

#[test]
fn unclosed_blocks_do_not_swallow_the_next_declaration() {
    let text = "features c {\n  a = 1\n\nentity e {\n  ids = [x]\n}\n";
    let first = parse(text);
    assert_eq!(codes(&first), ["E0005"]);
    assert_eq!(item_kinds(&first.file), ["features", "entity"]);
    assert_eq!(features(&first.file).len(), 1);

    let text = "entity e {\n  ids = [x\n}\nid_type x\n";
    let parse = common::parse(text);
    assert_eq!(codes(&parse), ["E0005"], "{:#?}", parse.diagnostics);
    assert_eq!(item_kinds(&parse.file), ["entity", "id_type"]);
}

#[test]
fn test_blocks_recover_per_member() {
    let text = "\
test \"t\" {
  as_of = \"2026-01-01\"
  given orders = [ { a: \"x\" b: 2 } ]
  given refunds = [ { a: \"y\" } ]
  expect customer(email \"a\") { x = 1 }
  expect customer(email: \"a\") { y = 2 }
}
";
    let parse = parse(text);
    assert_eq!(
        codes(&parse),
        ["E0005", "E0005"],
        "{:#?}",
        parse.diagnostics
    );
    let ItemKind::Test(test) = &parse.file.items[0].kind else {
        panic!("test");
    };
    let kinds: Vec<String> = test
        .members
        .iter()
        .map(|m| match m {
            TestMember::Property(p) => format!("property {}", p.name.name),
            TestMember::Given(g) => format!("given {}", g.source.name),
            TestMember::Expect(e) => format!("expect {}", e.assertions[0].name.name),
        })
        .collect();
    assert_eq!(kinds, ["property as_of", "given refunds", "expect y"]);
}

#[test]
fn keyword_names_are_reported_but_kept() {
    let text = "features c {\n  test = 1\n  from: int = 2\n}\nentity source { ids = [x] }\n";
    let parse = parse(text);
    assert_eq!(codes(&parse), ["E0005", "E0005", "E0005"]);
    let names: Vec<&str> = features(&parse.file)
        .iter()
        .map(|f| f.name.name.as_str())
        .collect();
    assert_eq!(names, ["test", "from"]);
    assert_eq!(item_kinds(&parse.file), ["features", "entity"]);
}

#[test]
fn stray_characters_cause_no_second_error() {
    let text = "features c {\n  a = 1;\n  b = 2 ;\n  c = $\n  d = orders | count()\n}\n";
    let parse = parse(text);
    assert_eq!(codes(&parse), ["E0001", "E0001", "E0001"]);
    let names: Vec<&str> = features(&parse.file)
        .iter()
        .map(|f| f.name.name.as_str())
        .collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    assert_eq!(sexpr(body(&parse.file, "a")), "1");
    assert_eq!(sexpr(body(&parse.file, "d")), "{orders | count()}");
}

#[test]
fn diagnostics_are_sorted_by_position() {
    let parse = parse("features c {\n  a = 1 +\n  b = \"x\\q\"\n  c = (\n}\n");
    let starts: Vec<u32> = parse
        .diagnostics
        .iter()
        .map(|d| d.primary.span.start)
        .collect();
    let mut sorted = starts.clone();
    sorted.sort_unstable();
    assert_eq!(starts, sorted);
    assert_eq!(codes(&parse), ["E0005", "E0004", "E0005"]);
}
