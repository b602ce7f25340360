//! Precedence and associativity of expressions (spec §4.2) and the shapes of pipelines.

mod common;

use common::*;

/// The body of `x = EXPR`, rendered; fails on any diagnostic.
fn expr(source: &str) -> String {
    let text = format!("features c {{\n  x = {source}\n}}\n");
    let parse = parse(&text);
    assert_eq!(parse.diagnostics, vec![], "in `{source}`");
    sexpr(body(&parse.file, "x"))
}

/// The codes reported for `x = EXPR`.
fn errors(source: &str) -> Vec<&'static str> {
    let text = format!("features c {{\n  x = {source}\n  y = 1\n}}\n");
    let parse = parse(&text);
    assert!(
        common::features(&parse.file)
            .iter()
            .any(|f| f.name.name == "y"),
        "the next feature survives `{source}`"
    );
    codes(&parse)
}

#[test]
fn precedence_loosest_first() {
    assert_eq!(expr("a or b and c"), "(or a (and b c))");
    assert_eq!(expr("a and b or c"), "(or (and a b) c)");
    assert_eq!(expr("not a and b"), "(and (Not a) b)");
    assert_eq!(expr("not a == b"), "(Not (== a b))");
    assert_eq!(expr("a and not b or c"), "(or (and a (Not b)) c)");
    assert_eq!(expr("not not a"), "(Not (Not a))");
    assert_eq!(expr("a == b + c"), "(== a (+ b c))");
    assert_eq!(expr("a + b * c"), "(+ a (* b c))");
    assert_eq!(expr("a * b + c"), "(+ (* a b) c)");
    assert_eq!(expr("-a * b"), "(* (Neg a) b)");
    assert_eq!(expr("a - -b"), "(- a (Neg b))");
    assert_eq!(expr("- -a"), "(Neg (Neg a))");
    assert_eq!(expr("a + b is null"), "(isnull (+ a b))");
    assert_eq!(expr("a is not null and b"), "(and (notnull a) b)");
    assert_eq!(expr("not a is null"), "(Not (isnull a))");
    assert_eq!(
        expr("a in [1, 2] or b ~ r\"x\""),
        "(or (in a [1, 2]) (~ b r\"x\"))"
    );
    assert_eq!(expr("a != b"), "(!= a b)");
    assert_eq!(expr("a <= b"), "(<= a b)");
    assert_eq!(expr("a >= b"), "(>= a b)");
    assert_eq!(expr("a < b"), "(< a b)");
    assert_eq!(expr("a > b"), "(> a b)");
}

#[test]
fn binary_operators_associate_left() {
    assert_eq!(expr("a - b - c"), "(- (- a b) c)");
    assert_eq!(expr("a / b * c % d"), "(% (* (/ a b) c) d)");
    assert_eq!(expr("a or b or c"), "(or (or a b) c)");
    assert_eq!(expr("a and b and c"), "(and (and a b) c)");
}

#[test]
fn primaries() {
    assert_eq!(expr("(a + b) * c"), "(* <(+ a b)> c)");
    assert_eq!(expr("f()"), "f()");
    assert_eq!(expr("f(a, b,)"), "f(a, b)");
    assert_eq!(expr("orders.amount"), "orders.amount");
    assert_eq!(expr("[]"), "[]");
    assert_eq!(expr("[1, [2], \"x\",]"), "[1, [2], \"x\"]");
    assert_eq!(expr("true or false or null"), "(or (or true false) null)");
    assert_eq!(expr("if a then b else c + 1"), "(if a b (+ c 1))");
    assert_eq!(expr("1 + if a then b else c"), "(+ 1 (if a b c))");
    assert_eq!(
        expr("if a then if b then 1 else 2 else 3"),
        "(if a (if b 1 2) 3)"
    );
    assert_eq!(expr("30 days + 1 day"), "(+ 30Days 1Days)");
    assert_eq!(expr("-7 days"), "(Neg 7Days)");
    assert_eq!(
        expr("2 weeks + 3 hours + 4 minutes + 5 seconds"),
        "(+ (+ (+ 2Weeks 3Hours) 4Minutes) 5Seconds)"
    );
    assert_eq!(expr("days(d) + hours(d)"), "(+ days(d) hours(d))");
    assert_eq!(expr("10.5 * 2"), "(* 10.5 2)");
}

#[test]
fn pipelines() {
    assert_eq!(expr("orders | count()"), "{orders | count()}");
    assert_eq!(
        expr("orders | where a and b | within 7 days | last(x, 3)"),
        "{orders | where (and a b) | within 7Days | last(x, 3)}"
    );
    assert_eq!(
        expr("(a | sum(x)) + (b | sum(x))"),
        "(+ <{a | sum(x)}> <{b | sum(x)}>)"
    );
    assert_eq!(
        expr("days(logins | avg_interval())"),
        "days({logins | avg_interval()})"
    );
    assert_eq!(
        expr("coalesce(a | max(x), b | max(x), 0)"),
        "coalesce({a | max(x)}, {b | max(x)}, 0)"
    );
    // Any name may be an aggregate here; the checker validates it.
    assert_eq!(expr("t | median(x)"), "{t | median(x)}");
    // Steps in any order and number are syntax; the checker judges the shape.
    assert_eq!(expr("t | where a"), "{t | where a}");
}

#[test]
fn multi_line_bodies() {
    let text =
        "features c {\n  x =\n    orders\n      | where a\n      | count()\n  y = a\n    + b\n}\n";
    let parse = parse(text);
    assert_eq!(parse.diagnostics, vec![]);
    assert_eq!(
        sexpr(body(&parse.file, "x")),
        "{orders | where a | count()}"
    );
    assert_eq!(sexpr(body(&parse.file, "y")), "(+ a b)");
}

#[test]
fn misuses_are_reported_once() {
    assert_eq!(errors("a < b < c"), ["E0005"]);
    assert_eq!(errors("a == b is null"), ["E0005"]);
    assert_eq!(errors("a == not b"), ["E0005"]);
    assert_eq!(errors("-not a"), ["E0005"]);
    assert_eq!(errors("1.5 days"), ["E0007"]);
    assert_eq!(errors("n days"), ["E0007"]);
    assert_eq!(errors("(a + b) | count()"), ["E0210"]);
    assert_eq!(errors("a.b | count()"), ["E0210"]);
    assert_eq!(errors("f(x) | count()"), ["E0210"]);
    assert_eq!(errors("if a then b"), ["E0005"]);
    assert_eq!(errors("[a | count()]"), ["E0005"]);
    assert_eq!(errors("a +"), ["E0005"]);
    assert_eq!(errors("a b"), ["E0005"]);
    assert_eq!(errors("orders | count"), ["E0005"]);
    assert_eq!(errors("orders |"), ["E0005"]);
    assert_eq!(errors("a || b"), ["E0005"]);
    assert_eq!(errors("f(a b)"), ["E0005"]);
    assert_eq!(errors("a.b.c"), ["E0005"]);
    assert_eq!(errors("f(,)"), ["E0005"]);
    assert_eq!(errors("[,]"), ["E0005"]);
}

#[test]
fn a_chained_comparison_becomes_an_error_node() {
    let text = "features c {\n  x = orders | where 10 < amount < 100 | count()\n}\n";
    let parse = parse(text);
    assert_eq!(codes(&parse), ["E0005"]);
    assert_eq!(
        sexpr(body(&parse.file, "x")),
        "{orders | where <error> | count()}"
    );
}

#[test]
fn decimal_durations_suggest_whole_units() {
    let parse =
        parse("features c {\n  x = 1.5 days\n  y = 0.25 hours\n  z = 1.0000001 seconds\n}\n");
    let fixes: Vec<Option<String>> = parse
        .diagnostics
        .iter()
        .map(|d| d.fix.as_ref().map(|f| f.edits[0].replacement.clone()))
        .collect();
    assert_eq!(
        fixes,
        [
            Some("36 hours".to_string()),
            Some("15 minutes".to_string()),
            None
        ]
    );
    assert!(parse.diagnostics.iter().all(|d| d.code.as_str() == "E0007"));
    assert_eq!(
        parse.diagnostics[0].message,
        "a duration takes a whole number of units, not `1.5`"
    );
}
