//! The examples of the specification parse completely, with comments, docs and annotations
//! where they belong.

mod common;

use c360_syntax::ast::*;
use common::*;

const SPEC: &str = include_str!("fixtures/spec_example.c360");
const TRAINING_AND_TESTS: &str = include_str!("fixtures/training_and_tests.c360");

#[test]
fn spec_example_parses_without_diagnostics() {
    let parse = parse(SPEC);
    assert_eq!(parse.diagnostics, vec![], "the spec example must be clean");
    let kinds: Vec<&str> = parse
        .file
        .items
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
        .collect();
    assert_eq!(
        kinds,
        [
            "id_type", "id_type", "id_type", "id_type", "entity", "source", "source", "source",
            "source", "features", "test"
        ]
    );
    assert_spans_within(SPEC, &parse);
}

#[test]
fn spec_id_types_and_entity() {
    let parse = parse(SPEC);
    let ItemKind::IdType(email) = &parse.file.items[0].kind else {
        panic!("first item is the email id type");
    };
    assert_eq!(email.name.name, "email");
    let props = email.body.as_ref().expect("email has a body");
    let names: Vec<&str> = props.iter().map(|p| p.name.name.as_str()).collect();
    assert_eq!(names, ["normalize", "valid", "exclude", "max_links"]);
    assert_eq!(sexpr(&props[0].value), "lower(trim(value))");
    assert_eq!(
        sexpr(&props[1].value),
        r#"(~ value r"^[^@\s]+@[^@\s]+\.[^@\s]+$")"#
    );
    assert_eq!(
        sexpr(&props[2].value),
        r#"["test@test.com", "noreply@example.com"]"#
    );
    assert_eq!(sexpr(&props[3].value), "50");
    assert_eq!(
        parse.file.items[0].doc.as_ref().map(|d| d.text.as_str()),
        Some("Email addresses, compared case-insensitively.")
    );

    let ItemKind::IdType(user_id) = &parse.file.items[2].kind else {
        panic!("third item is user_id");
    };
    assert_eq!(user_id.body, None, "`id_type user_id` has no body");
    assert_eq!(parse.file.items[2].doc, None);
    assert_eq!(at(SPEC, parse.file.items[2].span), "id_type user_id");

    let ItemKind::Entity(customer) = &parse.file.items[4].kind else {
        panic!("fifth item is the entity");
    };
    assert_eq!(
        sexpr(&customer.props[0].value),
        "[user_id, email, phone, anonymous_id]"
    );
}

#[test]
fn spec_sources_have_typed_annotated_columns() {
    let parse = parse(SPEC);
    let ItemKind::Source(identifies) = &parse.file.items[6].kind else {
        panic!("seventh item is `identifies`");
    };
    assert_eq!(identifies.name.name, "identifies");
    assert_eq!(identifies.table.value, "analytics.identifies");
    let email = &identifies.columns[2];
    assert_eq!(email.name.name, "email");
    assert_eq!(email.ty.name.name, "string");
    let annotations: Vec<String> = email
        .annotations
        .iter()
        .map(|a| {
            format!(
                "@{}({})",
                a.name.name,
                a.args
                    .iter()
                    .flatten()
                    .map(sexpr)
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .collect();
    assert_eq!(
        annotations,
        ["@id(email)", r#"@column("CONTEXT_TRAITS_EMAIL")"#]
    );
    assert_eq!(
        at(SPEC, email.span),
        r#"email:        string    @id(email) @column("CONTEXT_TRAITS_EMAIL")"#
    );
    let sent_at = &identifies.columns[3];
    assert_eq!(sent_at.annotations[0].name.name, "time");
    assert_eq!(
        sent_at.annotations[0].args, None,
        "`@time` has no argument list"
    );
}

#[test]
fn spec_features_bodies() {
    let parse = parse(SPEC);
    let file = &parse.file;
    assert_eq!(features(file).len(), 11);
    assert_eq!(
        sexpr(body(file, "revenue_30d")),
        r#"{orders | where (== status "completed") | within 30Days | sum(amount)}"#
    );
    assert_eq!(sexpr(body(file, "order_count")), "{orders | count()}");
    assert_eq!(
        sexpr(body(file, "last_10_products")),
        r#"{web_events | where (== event "Product Viewed") | last(product_id, 10)}"#
    );
    assert_eq!(
        sexpr(body(file, "views_before_first_purchase")),
        r#"{web_events | where (and (== event "Product Viewed") (< sent_at first_purchase_at)) | count()}"#
    );
    assert_eq!(
        sexpr(body(file, "avg_days_between_logins")),
        r#"days({web_events | where (== event "Login") | avg_interval()})"#
    );
    assert_eq!(
        sexpr(body(file, "is_active")),
        "(> last_seen (- now() 7Days))"
    );

    let revenue = features(file)[0];
    assert_eq!(revenue.name.name, "revenue_30d");
    assert_eq!(
        revenue.ty.as_ref().map(|t| t.name.name.as_str()),
        Some("decimal")
    );
    assert_eq!(
        revenue.doc.as_ref().map(|d| d.text.as_str()),
        Some("Revenue from completed orders in the last 30 days.")
    );
    let names: Vec<&str> = revenue
        .annotations
        .iter()
        .map(|a| a.name.name.as_str())
        .collect();
    assert_eq!(names, ["owner", "tags"]);
    assert!(at(SPEC, revenue.span).starts_with("@owner(\"growth\")"));
    assert!(at(SPEC, revenue.span).ends_with("sum(amount)"));

    let hidden = features(file)
        .into_iter()
        .find(|f| f.name.name == "first_purchase_at")
        .expect("first_purchase_at");
    assert_eq!(hidden.annotations[0].name.name, "hidden");
    assert_eq!(hidden.doc, None, "`@hidden` has no doc comment");
}

#[test]
fn spec_test_block() {
    let parse = parse(SPEC);
    let ItemKind::Test(test) = &parse.file.items[10].kind else {
        panic!("last item is the test");
    };
    assert_eq!(test.name.value, "refunded orders are not revenue");
    let [TestMember::Property(as_of), TestMember::Given(given), TestMember::Expect(expect)] =
        test.members.as_slice()
    else {
        panic!("as_of, given, expect: {:?}", test.members);
    };
    assert_eq!(as_of.name.name, "as_of");
    assert_eq!(sexpr(&as_of.value), "\"2026-06-30 00:00:00\"");
    assert_eq!(given.source.name, "orders");
    assert_eq!(given.rows.len(), 2, "the trailing comma adds no row");
    let fields: Vec<&str> = given.rows[1]
        .fields
        .iter()
        .map(|f| f.name.name.as_str())
        .collect();
    assert_eq!(
        fields,
        ["order_id", "email", "amount", "status", "created_at"]
    );
    assert_eq!(sexpr(&given.rows[0].fields[2].value), "10.5");
    assert_eq!(expect.entity.name, "customer");
    assert_eq!(expect.id_type.name, "email");
    assert_eq!(expect.id_value.value, "a@x.com");
    let asserts: Vec<String> = expect
        .assertions
        .iter()
        .map(|p| format!("{}={}", p.name.name, sexpr(&p.value)))
        .collect();
    assert_eq!(asserts, ["revenue_30d=10.5", "order_count=2"]);
}

#[test]
fn spec_comments_are_kept_as_trivia() {
    let parse = parse(SPEC);
    let comments = &parse.file.comments;
    assert!(comments
        .iter()
        .any(|c| c.kind == CommentKind::Line && c.text == "// identity.c360"));
    let docs = comments
        .iter()
        .filter(|c| c.kind == CommentKind::Doc)
        .count();
    assert_eq!(docs, 8);
    assert!(comments
        .windows(2)
        .all(|w| w[0].span.end <= w[1].span.start));
}

#[test]
fn training_sets_and_tests_parse_without_diagnostics() {
    let parse = parse(TRAINING_AND_TESTS);
    assert_eq!(parse.diagnostics, vec![]);
    assert_spans_within(TRAINING_AND_TESTS, &parse);

    let item = &parse.file.items[0];
    let ItemKind::TrainingSet(set) = &item.kind else {
        panic!("first item is a training set");
    };
    assert_eq!(
        item.doc.as_ref().map(|d| d.text.as_str()),
        Some("Churn labels, one row per customer and month.")
    );
    assert_eq!(
        (set.name.name.as_str(), set.entity.name.as_str()),
        ("churn", "customer")
    );
    assert_eq!(set.labels.len(), 1);
    let labels = &set.labels[0];
    assert_eq!(labels.table.value, "ml.churn_labels");
    assert_eq!(labels.columns.len(), 3);
    assert_eq!(
        labels.columns[0].doc.as_ref().map(|d| d.text.as_str()),
        Some("The customer's email at label time.")
    );
    assert!(at(TRAINING_AND_TESTS, labels.span).starts_with("labels from"));
    assert_eq!(set.props[0].name.name, "features");
    assert_eq!(
        sexpr(&set.props[0].value),
        "[revenue_30d, order_count, is_active]"
    );

    let test_item = &parse.file.items[1];
    assert_eq!(test_item.annotations[0].name.name, "tags");
    let ItemKind::Test(test) = &test_item.kind else {
        panic!("second item is a test");
    };
    assert_eq!(test.members.len(), 4);
    let TestMember::Given(empty) = &test.members[2] else {
        panic!("an empty given");
    };
    assert!(empty.rows.is_empty());
    let TestMember::Expect(expect) = &test.members[3] else {
        panic!("an expect");
    };
    let values: Vec<String> = expect.assertions.iter().map(|p| sexpr(&p.value)).collect();
    assert_eq!(values, ["10.5", "2", "[]", "null", "(Neg 0.5)"]);

    let ItemKind::Test(raw) = &parse.file.items[2].kind else {
        panic!("a test named with a raw string");
    };
    assert!(raw.name.raw);
    assert_eq!(raw.name.value, "raw name");
}

#[test]
fn every_expression_form() {
    let parse = parse(TRAINING_AND_TESTS);
    let file = &parse.file;
    assert_eq!(
        sexpr(body(file, "a")),
        r#"{web_events | where (and (in event ["A", "B"]) (Not <(isnull product_id)>)) | distinct(product_id)}"#
    );
    let a = features(file)[0];
    assert_eq!(
        a.doc.as_ref().map(|d| d.text.as_str()),
        Some("Every expression form.")
    );
    let ty = a.ty.as_ref().expect("declared type");
    assert_eq!(ty.name.name, "list");
    assert_eq!(
        ty.arg.as_ref().map(|t| t.name.name.as_str()),
        Some("string")
    );
    assert_eq!(at(TRAINING_AND_TESTS, ty.span), "list<string>");
    assert_eq!(sexpr(body(file, "b")), "(if (notnull a) size(a) 0)");
    assert_eq!(
        sexpr(body(file, "c")),
        r#"(+ <{orders | sum(amount)}> (* <{orders | where (== status "refunded") | sum(amount)}> (Neg 1)))"#
    );
    assert_eq!(sexpr(body(file, "d")), "orders.amount");
    assert_eq!(
        sexpr(body(file, "e")),
        "(% (/ hours((- now() 12Hours)) 2) 3)"
    );
    assert_eq!(
        sexpr(body(file, "f")),
        "(or (!= coalesce(a, []) []) (and (>= b 1) (<= c 2.5)))"
    );
    assert_eq!(sexpr(body(file, "g")), r#"(~ email r"@example\.com$")"#);
    assert_eq!(
        sexpr(body(file, "h")),
        "{web_events | within 2Weeks | within 1Days | count()}"
    );
    assert_eq!(sexpr(body(file, "i")), "\"tab\\tquote\\\"unicodeé\"");
}

#[test]
fn ast_snapshots() {
    insta::assert_debug_snapshot!(
        "id_type_and_entity",
        parse("/// Emails.\nid_type email {\n  normalize = lower(value)\n}\nentity customer { ids = [email] }\n")
    );
    insta::assert_debug_snapshot!(
        "source_columns",
        parse("source orders from \"shop.orders\" {\n  email: string @id(email)\n  tags: list<string>\n  at: timestamp @time\n}\n")
    );
    insta::assert_debug_snapshot!(
        "feature_pipeline",
        parse("features customer {\n  @hidden\n  spend: decimal = orders | where status == \"done\" | within 30 days | sum(amount)\n  share = -spend / 2 > 1 or not x is null\n}\n")
    );
    insta::assert_debug_snapshot!(
        "test_block",
        parse("test \"t\" {\n  as_of = \"2026-01-01 00:00:00\"\n  given orders = [{ id: \"o1\", amount: 1.5 }]\n  expect customer(email: \"a@x.com\") { spend = 1.5 }\n}\n")
    );
    insta::assert_debug_snapshot!(
        "recovery",
        parse("features customer {\n  a = orders | where status = \"x\" | count()\n  b = 2\n}\nentity e { ids = [a b] }\nsource s from \"t\" { x: string }\n")
    );
}
