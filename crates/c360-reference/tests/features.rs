//! Pipelines, aggregates and expressions, by hand.

mod common;

use c360_reference::{evaluate, Tables, Value};
use common::*;

const AS_OF: &str = "2026-06-30 00:00:00";

fn one(features: &str, rows: Vec<Vec<Value>>, column: &str) -> Value {
    let m = project(features);
    let out = run(&m, &Tables::new().with("app.events", events(rows)), AS_OF);
    feature(&out, "person", "user_id", "u1", column)
}

#[test]
fn aggregates_ignore_nulls_and_count_every_row() {
    let f = r#"
features person {
  n          = events | count()
  total      = events | sum(amount)
  qty_total  = events | sum(qty)
  avg_qty    = events | avg(qty)
  max_amount = events | max(amount)
  min_amount = events | min(amount)
}
"#;
    let m = project(f);
    let rows = vec![
        event(
            N,
            s("u1"),
            "buy",
            N,
            dec("10.5"),
            Value::Int(1),
            "2026-06-01 00:00:00",
        ),
        event(N, s("u1"), "buy", N, N, N, "2026-06-02 00:00:00"),
        event(
            N,
            s("u1"),
            "buy",
            N,
            dec("2.25"),
            Value::Int(3),
            "2026-06-03 00:00:00",
        ),
        // u2 has rows, but no values: sums are 0, the rest null.
        event(N, s("u2"), "buy", N, N, N, "2026-06-03 00:00:00"),
        event(N, s("u2"), "buy", N, N, N, "2026-06-04 00:00:00"),
    ];
    let out = run(&m, &Tables::new().with("app.events", events(rows)), AS_OF);
    let u1 = |c: &str| feature(&out, "person", "user_id", "u1", c);
    let u2 = |c: &str| feature(&out, "person", "user_id", "u2", c);
    assert_eq!(u1("n"), Value::Int(3));
    assert_eq!(u1("total").canonical(), "12.75");
    assert_eq!(u1("qty_total"), Value::Int(4));
    assert_eq!(u1("avg_qty"), Value::Float(2.0));
    assert_eq!(u1("max_amount").canonical(), "10.5");
    assert_eq!(u1("min_amount").canonical(), "2.25");
    assert_eq!(u2("n"), Value::Int(2));
    assert_eq!(u2("total").canonical(), "0");
    assert!(matches!(u2("total"), Value::Decimal(_)));
    assert_eq!(u2("qty_total"), Value::Int(0));
    assert!(u2("avg_qty").is_null());
    assert!(u2("max_amount").is_null());
}

#[test]
fn strings_compare_by_bytes_in_min_max_and_distinct() {
    let f = r#"
features person {
  items     = events | distinct(item)
  n_items   = events | count_distinct(item)
  first_abc = events | min(item)
  last_abc  = events | max(item)
}
"#;
    let rows: Vec<Vec<Value>> = ["b", "B", "a", "é", "a", ""]
        .iter()
        .map(|i| ev("u1", "view", s(i), "2026-06-01 00:00:00"))
        .chain([ev("u1", "view", N, "2026-06-01 00:00:00")])
        .collect();
    let m = project(f);
    let out = run(&m, &Tables::new().with("app.events", events(rows)), AS_OF);
    let u1 = |c: &str| feature(&out, "person", "user_id", "u1", c);
    // "" < "B" < "a" < "b" < "é" in UTF-8 bytes; the empty string is a value, null is not.
    assert_eq!(u1("items"), strings(&["", "B", "a", "b", "é"]));
    assert_eq!(u1("n_items"), Value::Int(5));
    assert_eq!(u1("first_abc"), s(""));
    assert_eq!(u1("last_abc"), s("é"));
}

#[test]
fn within_excludes_exactly_as_of_minus_d_and_includes_as_of() {
    let f = r#"
features person {
  qty_1d    = events | within 1 day | sum(qty)
  qty_2win  = events | within 7 days | within 1 day | sum(qty)
  n_all     = events | count()
}
"#;
    let rows = vec![
        event(
            N,
            s("u1"),
            "buy",
            N,
            N,
            Value::Int(1),
            "2026-06-29 00:00:00",
        ),
        event(
            N,
            s("u1"),
            "buy",
            N,
            N,
            Value::Int(2),
            "2026-06-29 00:00:01",
        ),
        event(
            N,
            s("u1"),
            "buy",
            N,
            N,
            Value::Int(4),
            "2026-06-30 00:00:00",
        ),
        // After as_of: not read, not even by lifetime features.
        event(
            N,
            s("u1"),
            "buy",
            N,
            N,
            Value::Int(8),
            "2026-06-30 00:00:01",
        ),
        event(
            N,
            s("u1"),
            "buy",
            N,
            N,
            Value::Int(16),
            "2026-06-25 00:00:00",
        ),
    ];
    let m = project(f);
    let out = run(&m, &Tables::new().with("app.events", events(rows)), AS_OF);
    let u1 = |c: &str| feature(&out, "person", "user_id", "u1", c);
    assert_eq!(u1("qty_1d"), Value::Int(6));
    assert_eq!(u1("qty_2win"), Value::Int(6));
    assert_eq!(u1("n_all"), Value::Int(4));
}

#[test]
fn first_and_last_break_ties_by_the_smallest_value() {
    let f = r#"
features person {
  first_item = events | first(item)
  last_item  = events | last(item)
  first3     = events | first(item, 3)
  last3      = events | last(item, 3)
  last10     = events | last(item, 10)
}
"#;
    let rows = vec![
        ev("u1", "view", s("m"), "2026-06-01 00:00:00"),
        ev("u1", "view", s("c"), "2026-06-01 00:00:00"),
        ev("u1", "view", s("z"), "2026-06-02 00:00:00"),
        ev("u1", "view", s("k"), "2026-06-02 00:00:00"),
        // The latest row has no item: `last` skips it.
        ev("u1", "view", N, "2026-06-03 00:00:00"),
    ];
    let m = project(f);
    let out = run(&m, &Tables::new().with("app.events", events(rows)), AS_OF);
    let u1 = |c: &str| feature(&out, "person", "user_id", "u1", c);
    assert_eq!(u1("first_item"), s("c"));
    assert_eq!(u1("last_item"), s("k"));
    assert_eq!(u1("first3"), strings(&["c", "m", "k"]));
    assert_eq!(u1("last3"), strings(&["k", "z", "c"]));
    assert_eq!(u1("last10"), strings(&["k", "z", "c", "m"]));
}

#[test]
fn first_n_of_no_rows_is_an_empty_list_and_first_is_null() {
    let f = r#"
features person {
  n      = events | count()
  bought = events | where kind == "buy" | first(item, 3)
  first  = events | where kind == "buy" | first(item)
}
"#;
    let rows = vec![ev("u1", "view", s("p1"), "2026-06-01 00:00:00")];
    assert_eq!(one(f, rows.clone(), "bought"), strings(&[]));
    assert!(one(f, rows, "first").is_null());
}

#[test]
fn avg_interval_divides_the_span_by_the_gaps() {
    let f = r#"
features person {
  gap_days  = days(events | where kind == "login" | avg_interval())
  gap_hours = hours(events | where kind == "login" | avg_interval())
  gap       = events | where kind == "login" | avg_interval()
  buy_gap   = events | where kind == "buy" | avg_interval()
}
"#;
    let rows = vec![
        ev("u1", "login", N, "2026-06-01 00:00:00"),
        ev("u1", "login", N, "2026-06-02 00:00:00"),
        ev("u1", "login", N, "2026-06-05 00:00:00"),
        // One row has no interval.
        ev("u1", "buy", N, "2026-06-05 00:00:00"),
    ];
    let m = project(f);
    let out = run(&m, &Tables::new().with("app.events", events(rows)), AS_OF);
    let u1 = |c: &str| feature(&out, "person", "user_id", "u1", c);
    assert_eq!(u1("gap_days"), Value::Float(2.0));
    assert_eq!(u1("gap_hours"), Value::Float(48.0));
    assert_eq!(u1("gap").canonical(), "172800");
    assert!(u1("buy_gap").is_null());
}

#[test]
fn a_filter_may_read_a_feature_of_the_same_entity() {
    let f = r#"
features person {
  @hidden
  first_purchase_at = events | where kind == "buy" | min(at)

  views_before = events | where kind == "view" and at < first_purchase_at | count()
}
"#;
    let m = project(f);
    let rows = vec![
        ev("u1", "view", N, "2026-06-01 00:00:00"),
        ev("u1", "view", N, "2026-06-02 00:00:00"),
        ev("u1", "buy", N, "2026-06-03 00:00:00"),
        ev("u1", "view", N, "2026-06-04 00:00:00"),
        ev("u1", "buy", N, "2026-06-05 00:00:00"),
        // Never bought: `at < null` is null, so nothing counts.
        ev("u2", "view", N, "2026-06-01 00:00:00"),
    ];
    let out = run(&m, &Tables::new().with("app.events", events(rows)), AS_OF);
    assert_eq!(
        feature(&out, "person", "user_id", "u1", "views_before"),
        Value::Int(2)
    );
    assert_eq!(
        feature(&out, "person", "user_id", "u2", "views_before"),
        Value::Int(0)
    );
    let person = out.entity("person").unwrap();
    assert_eq!(
        person.table_360.columns,
        [
            "person_id",
            "user_id_ids",
            "email_ids",
            "anon_ids",
            "views_before"
        ]
    );
}

#[test]
fn snapshot_sources_count_every_row_whatever_the_as_of() {
    let m = model(&[
        ("base.c360", BASE),
        (
            "plans.c360",
            r#"
source plans from "billing.plans" {
  user_id:    string @id(user_id)
  plan:       string
  seats:      int
  started_on: date
}
features person {
  seat_total = plans | sum(seats)
  plan_names = plans | distinct(plan)
  future     = plans | where started_on > date(now()) | count()
}
"#,
        ),
    ]);
    let tables = Tables::new().with(
        "billing.plans",
        table(
            &["user_id", "plan", "seats", "started_on"],
            vec![
                vec![s("u1"), s("team"), Value::Int(5), s("2026-01-01")],
                vec![s("u1"), s("pro"), Value::Int(2), s("2027-01-01")],
                vec![s("u1"), s("team"), N, N],
            ],
        ),
    );
    let out = run(&m, &tables, AS_OF);
    let u1 = |c: &str| feature(&out, "person", "user_id", "u1", c);
    assert_eq!(u1("seat_total"), Value::Int(7));
    assert_eq!(u1("plan_names"), strings(&["pro", "team"]));
    assert_eq!(u1("future"), Value::Int(1));
}

#[test]
fn derived_features_follow_nulls_and_division_rules() {
    let f = r#"
features person {
  n          = events | count()
  buys       = events | where kind == "buy" | count()
  total      = events | sum(amount)
  last_item  = events | last(item)
  min_qty    = events | min(qty)
  per_buy    = total / buys
  share      = buys / n
  small      = least(min_qty, null, 5)
  big        = greatest(min_qty, 2)
  tag        = concat("item-", last_item)
  shown      = coalesce(last_item, "none")
  bucket     = if buys > 1 then "many" else if buys == 1 then "one" else "none"
  odd        = n % 2
  has_items  = last_item is not null
  in_list    = last_item in ["p1", "p2"]
}
"#;
    let m = project(f);
    let rows = vec![
        event(
            N,
            s("u1"),
            "buy",
            s("p1"),
            dec("10"),
            Value::Int(7),
            "2026-06-01 00:00:00",
        ),
        event(
            N,
            s("u1"),
            "view",
            s("p9"),
            dec("2.5"),
            N,
            "2026-06-02 00:00:00",
        ),
        event(
            N,
            s("u1"),
            "buy",
            s("p2"),
            N,
            Value::Int(3),
            "2026-06-03 00:00:00",
        ),
        event(N, s("u2"), "view", N, N, N, "2026-06-03 00:00:00"),
    ];
    let out = run(&m, &Tables::new().with("app.events", events(rows)), AS_OF);
    let u1 = |c: &str| feature(&out, "person", "user_id", "u1", c);
    let u2 = |c: &str| feature(&out, "person", "user_id", "u2", c);
    assert_eq!(u1("per_buy"), Value::Float(6.25));
    assert_eq!(u1("share").canonical(), "0.666666666667");
    assert_eq!(u1("small"), Value::Int(3));
    assert_eq!(u1("big"), Value::Int(3));
    assert_eq!(u1("tag"), s("item-p2"));
    assert_eq!(u1("shown"), s("p2"));
    assert_eq!(u1("bucket"), s("many"));
    assert_eq!(u1("odd"), Value::Int(1));
    assert_eq!(u1("has_items"), Value::Bool(true));
    assert_eq!(u1("in_list"), Value::Bool(true));
    // u2: no buys, no amounts, no items.
    assert!(u2("per_buy").is_null(), "x / 0 is null");
    assert_eq!(u2("share"), Value::Float(0.0));
    assert_eq!(u2("small"), Value::Int(5), "least ignores nulls");
    assert_eq!(u2("big"), Value::Int(2), "greatest ignores nulls");
    assert!(u2("tag").is_null(), "concat with a null is null");
    assert_eq!(u2("shown"), s("none"));
    assert_eq!(u2("bucket"), s("none"));
    assert_eq!(u2("has_items"), Value::Bool(false));
    assert!(u2("in_list").is_null(), "null in [...] is null");
}

#[test]
fn decimals_stay_exact_and_round_half_away_from_zero() {
    let f = r#"
features person {
  total   = events | sum(amount)
  rounded = round(total, 1)
  floored = floor(total)
  ceiled  = ceil(total)
  doubled = total * 2
  as_f    = total / 1
  neg     = round(-total)
}
"#;
    let rows = vec![
        event(N, s("u1"), "buy", N, dec("0.1"), N, "2026-06-01 00:00:00"),
        event(N, s("u1"), "buy", N, dec("0.2"), N, "2026-06-02 00:00:00"),
        event(N, s("u1"), "buy", N, dec("12.45"), N, "2026-06-03 00:00:00"),
    ];
    let m = project(f);
    let out = run(&m, &Tables::new().with("app.events", events(rows)), AS_OF);
    let u1 = |c: &str| feature(&out, "person", "user_id", "u1", c);
    assert_eq!(u1("total").canonical(), "12.75");
    assert_eq!(u1("rounded").canonical(), "12.8");
    assert_eq!(u1("floored").canonical(), "12");
    assert!(matches!(u1("floored"), Value::Decimal(_)));
    assert_eq!(u1("ceiled").canonical(), "13");
    assert_eq!(u1("doubled").canonical(), "25.5");
    assert_eq!(u1("as_f"), Value::Float(12.75));
    assert_eq!(u1("neg").canonical(), "-13");
    // 0.1 + 0.2 is exactly 0.3 in decimals.
    let only = vec![
        event(N, s("u1"), "buy", N, dec("0.1"), N, "2026-06-01 00:00:00"),
        event(N, s("u1"), "buy", N, dec("0.2"), N, "2026-06-02 00:00:00"),
    ];
    assert_eq!(one(f, only, "total"), dec("0.3"));
}

#[test]
fn regexes_use_ascii_classes_and_replace_every_match() {
    let m = model(&[
        ("base.c360", BASE),
        (
            "phones.c360",
            r#"
id_type phone {
  normalize = regexp_replace(value, r"[^0-9]", "")
  valid     = length(value) >= 7
}
entity caller {
  ids = [phone]
}
source calls from "tel.calls" {
  phone:  string    @id(phone)
  note:   string
  at:     timestamp @time
}
features caller {
  numeric_notes = calls | where note ~ r"^\d+$" | count()
  cleaned       = calls | last(regexp_replace(note, r"a|b", "-"))
}
"#,
        ),
    ]);
    let tables = Tables::new().with(
        "tel.calls",
        table(
            &["phone", "note", "at"],
            vec![
                vec![s("+1 (555) 010-0199"), s("123"), s("2026-06-01 00:00:00")],
                // Arabic-Indic digits are not `\d` in the warehouses.
                vec![s("1-555-010-0199"), s("١٢٣"), s("2026-06-02 00:00:00")],
                vec![s("15550100199"), s("abcab"), s("2026-06-03 00:00:00")],
                // Too short once cleaned: no node.
                vec![s("55-01"), s("999"), s("2026-06-04 00:00:00")],
            ],
        ),
    );
    let out = run(&m, &tables, AS_OF);
    let caller = out.entity("caller").unwrap();
    assert_eq!(caller.table_360.rows.len(), 1);
    assert_eq!(
        caller.value_of("phone", "15550100199", "numeric_notes"),
        Some(&Value::Int(1))
    );
    assert_eq!(
        caller.value_of("phone", "15550100199", "cleaned"),
        Some(&s("--c--"))
    );
}

#[test]
fn time_arithmetic_uses_as_of_for_now() {
    let f = r#"
features person {
  last_at      = events | max(at)
  first_day    = events | min(date(at))
  idle_days    = days(now() - last_at)
  day_gap      = days(date(now()) - first_day)
  next_at      = last_at + 1 day
  before_at    = last_at - 90 minutes
  twice_idle   = (now() - last_at) * 2
  recent       = last_at > now() - 7 days
  from_day     = first_day + 12 hours
}
"#;
    let rows = vec![
        ev("u1", "view", N, "2026-06-20 18:00:00"),
        ev("u1", "view", N, "2026-06-28 09:00:00"),
    ];
    let m = project(f);
    let out = run(&m, &Tables::new().with("app.events", events(rows)), AS_OF);
    let u1 = |c: &str| feature(&out, "person", "user_id", "u1", c);
    assert_eq!(u1("idle_days"), Value::Float(1.625));
    assert_eq!(u1("day_gap"), Value::Float(10.0));
    assert_eq!(u1("first_day").canonical(), "2026-06-20");
    assert_eq!(u1("next_at").canonical(), "2026-06-29 09:00:00");
    assert_eq!(u1("before_at").canonical(), "2026-06-28 07:30:00");
    assert_eq!(u1("twice_idle").canonical(), "280800");
    assert_eq!(u1("recent"), Value::Bool(true));
    assert_eq!(u1("from_day").canonical(), "2026-06-20 12:00:00");
}

#[test]
fn a_date_time_column_counts_from_midnight() {
    let m = model(&[
        ("base.c360", BASE),
        (
            "visits.c360",
            r#"
source visits from "web.visits" {
  user_id:  string @id(user_id)
  visit_on: date  @time @column("day")
}
features person {
  visits_1d  = visits | within 1 day | count()
  visits_all = visits | count()
  last_day   = visits | last(visit_on)
}
"#,
        ),
    ]);
    let tables = Tables::new().with(
        "web.visits",
        table(
            &["user_id", "day"],
            vec![
                // Midnight of 06-29 is exactly as_of - 1 day: outside the window.
                vec![s("u1"), s("2026-06-29")],
                vec![s("u1"), s("2026-06-30")],
                // Midnight of 07-01 is after as_of.
                vec![s("u1"), s("2026-07-01")],
            ],
        ),
    );
    let out = run(&m, &tables, "2026-06-30 00:00:00");
    let u1 = |c: &str| feature(&out, "person", "user_id", "u1", c);
    assert_eq!(u1("visits_1d"), Value::Int(1));
    assert_eq!(u1("visits_all"), Value::Int(2));
    assert_eq!(u1("last_day"), Value::date("2026-06-30").unwrap());
}

#[test]
fn declared_types_widen_the_value() {
    let f = r#"
features person {
  n_float: float   = events | count()
  n_dec:   decimal = events | count()
  lists:   list<string> = events | distinct(item)
  flags            = events | distinct(kind == "buy")
  any_buy          = events | where kind == "buy" | max(kind == "buy")
}
"#;
    let rows = vec![
        ev("u1", "buy", s("p1"), "2026-06-01 00:00:00"),
        ev("u1", "view", s("p1"), "2026-06-02 00:00:00"),
        ev("u1", "view", s("p2"), "2026-06-03 00:00:00"),
    ];
    let m = project(f);
    let out = run(&m, &Tables::new().with("app.events", events(rows)), AS_OF);
    let u1 = |c: &str| feature(&out, "person", "user_id", "u1", c);
    assert!(matches!(u1("n_float"), Value::Float(x) if x == 3.0));
    assert!(matches!(u1("n_dec"), Value::Decimal(_)));
    assert_eq!(u1("n_dec").canonical(), "3");
    assert_eq!(u1("lists"), strings(&["p1", "p2"]));
    assert_eq!(u1("flags").canonical(), "[false,true]");
    assert_eq!(u1("any_buy"), Value::Bool(true));
}

#[test]
fn overflow_is_an_error_naming_the_feature_not_a_panic() {
    let f = r#"
features person {
  qty_total = events | sum(qty)
}
"#;
    let m = project(f);
    let rows = vec![
        event(
            N,
            s("u1"),
            "buy",
            N,
            N,
            Value::Int(i64::MAX),
            "2026-06-01 00:00:00",
        ),
        event(
            N,
            s("u1"),
            "buy",
            N,
            N,
            Value::Int(1),
            "2026-06-02 00:00:00",
        ),
    ];
    let err = evaluate(
        &m,
        &Tables::new().with("app.events", events(rows)),
        ts(AS_OF),
    )
    .expect_err("the sum overflows an int");
    let text = err.to_string();
    assert!(text.contains("overflows"), "{text}");
    assert!(text.contains("feature `qty_total` of `person`"), "{text}");
    assert!(text.contains("features.c360"), "{text}");
}

#[test]
fn a_value_of_the_wrong_type_is_an_error_with_its_row() {
    let f = r#"
features person {
  n = events | count()
}
"#;
    let m = project(f);
    let rows = vec![event(
        N,
        s("u1"),
        "buy",
        N,
        s("ten"),
        N,
        "2026-06-01 00:00:00",
    )];
    let err = evaluate(
        &m,
        &Tables::new().with("app.events", events(rows)),
        ts(AS_OF),
    )
    .expect_err("`ten` is not a decimal");
    let text = err.to_string();
    assert!(text.contains("row 1 of `app.events`"), "{text}");
    assert!(text.contains("`ten` is not a `decimal`"), "{text}");
}
