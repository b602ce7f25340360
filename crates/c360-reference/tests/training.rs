//! Training sets: each label row resolved to an entity and computed as of its own time.

mod common;

use c360_reference::{node_key, Tables, Value};
use common::*;

const FEATURES: &str = r#"
features person {
  n         = events | count()
  n_7d      = events | within 7 days | count()
  last_item = events | last(item)
  age_days  = days(now() - (events | min(at)))
}

training_set churn for person {
  labels from "ml.labels" {
    who:      string    @id(user_id)
    mail:     string    @id(email)
    label_at: timestamp @time
    y:        bool
  }
  features = [n, n_7d, last_item, age_days]
}
"#;

fn label(who: Value, mail: Value, at: &str, y: bool) -> Vec<Value> {
    let at = if at.is_empty() { Value::Null } else { s(at) };
    vec![who, mail, at, Value::Bool(y)]
}

#[test]
fn each_label_sees_only_rows_up_to_its_own_time() {
    let m = project(FEATURES);
    let tables = Tables::new()
        .with(
            "app.identifies",
            identifies(vec![
                identify(N, s("u1"), s("one@x.com"), "2026-06-01 00:00:00"),
                identify(N, s("u2"), s("two@x.com"), "2026-06-01 00:00:00"),
            ]),
        )
        .with(
            "app.events",
            events(vec![
                ev("u1", "view", s("p1"), "2026-06-01 00:00:00"),
                ev("u1", "view", s("p2"), "2026-06-10 00:00:00"),
                ev("u1", "view", s("p3"), "2026-06-20 00:00:00"),
                // After the run's as_of: not in the 360 table, but a later label reads it.
                ev("u1", "view", s("p4"), "2026-07-02 00:00:00"),
            ]),
        )
        .with(
            "ml.labels",
            table(
                &["who", "mail", "label_at", "y"],
                vec![
                    label(s("u1"), N, "2026-06-05 00:00:00", true),
                    label(s("u1"), N, "2026-06-15 00:00:00", false),
                    label(s("u1"), N, "2026-06-20 00:00:00", true),
                    label(s("u9"), N, "2026-06-15 00:00:00", false),
                    label(s("u1"), N, "", false),
                    label(s("u1"), N, "2026-07-05 00:00:00", true),
                    // An unknown user id, but a known email (cleaned like the data).
                    label(s("u9"), s(" TWO@x.com"), "2026-06-15 00:00:00", false),
                    // Both known, in different people: user_id has priority.
                    label(s("u2"), s("one@x.com"), "2026-06-15 00:00:00", false),
                ],
            ),
        );
    let out = run(&m, &tables, "2026-06-30 00:00:00");
    let t = out.table("churn").expect("the training set's table");
    assert_eq!(
        t.columns,
        [
            "who",
            "mail",
            "label_at",
            "y",
            "person_id",
            "n",
            "n_7d",
            "last_item",
            "age_days"
        ]
    );
    let (u1, u2) = (s(&node_key("user_id", "u1")), s(&node_key("user_id", "u2")));
    let expected: Vec<[Value; 5]> = vec![
        [
            u1.clone(),
            Value::Int(1),
            Value::Int(1),
            s("p1"),
            Value::Float(4.0),
        ],
        [
            u1.clone(),
            Value::Int(2),
            Value::Int(1),
            s("p2"),
            Value::Float(14.0),
        ],
        [
            u1.clone(),
            Value::Int(3),
            Value::Int(1),
            s("p3"),
            Value::Float(19.0),
        ],
        [N, Value::Int(0), Value::Int(0), N, N],
        [u1.clone(), Value::Int(0), Value::Int(0), N, N],
        [
            u1,
            Value::Int(4),
            Value::Int(1),
            s("p4"),
            Value::Float(34.0),
        ],
        [u2.clone(), Value::Int(0), Value::Int(0), N, N],
        [u2, Value::Int(0), Value::Int(0), N, N],
    ];
    assert_eq!(t.rows.len(), expected.len());
    for (i, (row, want)) in t.rows.iter().zip(&expected).enumerate() {
        assert_eq!(&row[4..], want.as_slice(), "label row {}", i + 1);
    }
    // The 360 table is the same computation as of the run's as_of.
    assert_eq!(feature(&out, "person", "user_id", "u1", "n"), Value::Int(3));
    assert_eq!(
        feature(&out, "person", "user_id", "u1", "n_7d"),
        Value::Int(0)
    );
    assert_eq!(
        feature(&out, "person", "user_id", "u1", "age_days"),
        Value::Float(29.0)
    );
}

#[test]
fn labels_keep_their_columns_and_a_missing_relation_is_empty() {
    let m = project(FEATURES);
    let out = run(&m, &Tables::new(), "2026-06-30 00:00:00");
    let t = out.table("churn").expect("the training set's table");
    assert!(t.rows.is_empty());
    assert_eq!(
        t.to_canonical_csv(),
        "who,mail,label_at,y,person_id,n,n_7d,last_item,age_days\n"
    );
}

#[test]
fn a_row_after_the_run_links_nothing_and_belongs_to_its_highest_priority_node() {
    let m = project(FEATURES);
    let tables = Tables::new()
        .with(
            "app.identifies",
            identifies(vec![
                identify(s("a1"), s("u1"), N, "2026-06-01 00:00:00"),
                identify(N, s("u2"), N, "2026-06-01 00:00:00"),
                // After the run: does not merge u1 and u3.
                identify(s("a1"), s("u3"), N, "2026-07-01 00:00:00"),
            ]),
        )
        .with(
            "app.events",
            events(vec![
                // After the run, with identifiers of two people: user_id outranks anon.
                event(
                    s("a1"),
                    s("u2"),
                    "view",
                    s("late"),
                    N,
                    N,
                    "2026-07-02 00:00:00",
                ),
                // After the run, with an identifier nobody has: nobody's.
                event(N, s("u9"), "view", s("lost"), N, N, "2026-07-02 00:00:00"),
            ]),
        )
        .with(
            "ml.labels",
            table(
                &["who", "mail", "label_at", "y"],
                vec![
                    label(s("u1"), N, "2026-07-05 00:00:00", true),
                    label(s("u2"), N, "2026-07-05 00:00:00", true),
                    label(s("u3"), N, "2026-07-05 00:00:00", true),
                ],
            ),
        );
    let out = run(&m, &tables, "2026-06-30 00:00:00");
    assert_eq!(out.entity("person").unwrap().table_360.rows.len(), 2);
    assert_eq!(key(&out, "person", "user_id", "u3"), None);
    let t = out.table("churn").unwrap();
    let n = t.column("n").unwrap();
    let last = t.column("last_item").unwrap();
    assert_eq!(t.rows[0][n], Value::Int(0));
    assert_eq!(t.rows[1][n], Value::Int(1));
    assert_eq!(t.rows[1][last], s("late"));
    assert!(t.rows[2][t.column("person_id").unwrap()].is_null());
    assert_eq!(t.rows[2][n], Value::Int(0));
    // The 360 table, as of the run, reads neither.
    assert_eq!(feature(&out, "person", "user_id", "u2", "n"), Value::Int(0));
}
