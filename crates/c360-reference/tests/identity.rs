//! The identity graph, by hand: chains, anchors, junk, over-linked and late identifiers.

mod common;

use std::collections::BTreeSet;

use c360_reference::{node_key, OverlinkedId, Tables, Value};
use common::*;

const COUNT: &str = r#"
features person {
  n = events | count()
}
"#;

fn ids(out: &c360_reference::Outputs, key: &str, id_type: &str) -> Value {
    out.entity("person")
        .and_then(|e| e.value(key, &format!("{id_type}_ids")))
        .cloned()
        .unwrap_or_else(|| panic!("no {id_type}_ids for {key}"))
}

#[test]
fn a_chain_of_rows_makes_one_entity() {
    // No row holds every identifier: a1–u1, a2–x, a1–x chain them together.
    let m = project(COUNT);
    let tables = Tables::new()
        .with(
            "app.identifies",
            identifies(vec![
                identify(s("a1"), s("u1"), N, "2026-06-01 00:00:00"),
                identify(s("a2"), N, s("X@Example.com "), "2026-06-02 00:00:00"),
                identify(s("a1"), N, s("x@example.com"), "2026-06-03 00:00:00"),
            ]),
        )
        .with(
            "app.events",
            events(vec![
                event(s("a2"), N, "view", N, N, N, "2026-06-04 00:00:00"),
                event(s("a3"), N, "view", N, N, N, "2026-06-04 00:00:00"),
                event(N, s("u1"), "view", N, N, N, "2026-06-05 00:00:00"),
            ]),
        );
    let out = run(&m, &tables, "2026-06-30 00:00:00");
    let person = out.entity("person").unwrap();
    assert_eq!(person.table_360.rows.len(), 2);
    let k = node_key("user_id", "u1");
    assert_eq!(
        key(&out, "person", "anon", "a2").as_deref(),
        Some(k.as_str())
    );
    assert_eq!(
        key(&out, "person", "email", "x@example.com").as_deref(),
        Some(k.as_str())
    );
    assert_eq!(ids(&out, &k, "anon"), strings(&["a1", "a2"]));
    assert_eq!(ids(&out, &k, "email"), strings(&["x@example.com"]));
    assert_eq!(ids(&out, &k, "user_id"), strings(&["u1"]));
    assert_eq!(person.value(&k, "n"), Some(&Value::Int(2)));
    let lone = node_key("anon", "a3");
    assert_eq!(ids(&out, &lone, "user_id"), strings(&[]));
    assert_eq!(person.value(&lone, "n"), Some(&Value::Int(1)));
    assert_eq!(person.id_graph.rows.len(), 5);
}

#[test]
fn the_key_is_the_smallest_md5_of_the_highest_priority_type() {
    let m = project(COUNT);
    let tables = Tables::new().with(
        "app.identifies",
        identifies(vec![
            // Two user ids share a cookie: one person, keyed by the smaller of their MD5s.
            identify(s("c1"), s("u1"), s("p@x.com"), "2026-06-01 00:00:00"),
            identify(s("c1"), s("u2"), N, "2026-06-01 00:00:00"),
            // No user id: the email outranks the cookies.
            identify(s("c2"), N, s("q@x.com"), "2026-06-01 00:00:00"),
            identify(s("c3"), N, s("q@x.com"), "2026-06-01 00:00:00"),
        ]),
    );
    let out = run(&m, &tables, "2026-06-30 00:00:00");
    let (k1, k2) = (node_key("user_id", "u1"), node_key("user_id", "u2"));
    let expected = k1.clone().min(k2.clone());
    assert_eq!(
        key(&out, "person", "email", "p@x.com"),
        Some(expected.clone())
    );
    assert_eq!(key(&out, "person", "anon", "c1"), Some(expected));
    assert_eq!(
        key(&out, "person", "anon", "c3"),
        Some(node_key("email", "q@x.com"))
    );
}

#[test]
fn junk_invalid_and_empty_identifiers_never_stitch() {
    let m = project(COUNT);
    let tables = Tables::new()
        .with(
            "app.identifies",
            identifies(vec![
                // "null" is excluded, test@test.com is excluded after normalising.
                identify(s("null"), N, s(" TEST@test.com"), "2026-06-01 00:00:00"),
                identify(s("null"), N, s("b@x.com"), "2026-06-01 00:00:00"),
                identify(s(""), N, s("c@x.com"), "2026-06-01 00:00:00"),
                // Not an email: dropped by `valid`; the cookie stays alone.
                identify(s("a9"), N, s("not-an-email"), "2026-06-01 00:00:00"),
                identify(s("a8"), N, s("test@test.com"), "2026-06-01 00:00:00"),
                identify(s("a7"), N, s("test@test.com"), "2026-06-01 00:00:00"),
            ]),
        )
        .with(
            "app.events",
            // Only junk: the row belongs to nobody.
            events(vec![event(
                s("undefined"),
                N,
                "view",
                N,
                N,
                N,
                "2026-06-02 00:00:00",
            )]),
        );
    let out = run(&m, &tables, "2026-06-30 00:00:00");
    let person = out.entity("person").unwrap();
    let nodes: BTreeSet<String> = person
        .id_graph
        .rows
        .iter()
        .map(|r| format!("{}:{}", r[1], r[2]))
        .collect();
    let expected: BTreeSet<String> = [
        "anon:a7",
        "anon:a8",
        "anon:a9",
        "email:b@x.com",
        "email:c@x.com",
    ]
    .map(String::from)
    .into();
    assert_eq!(nodes, expected);
    // Five separate people, and no one counts the junk event.
    assert_eq!(person.table_360.rows.len(), 5);
    let n = person.table_360.column("n").unwrap();
    assert!(person.table_360.rows.iter().all(|r| r[n] == Value::Int(0)));
}

#[test]
fn over_linked_identifiers_are_removed_with_their_links_only() {
    let m = project(COUNT);
    let tables = Tables::new().with(
        "app.identifies",
        identifies(vec![
            // shared@ has 3 neighbours > max_links 2: removed.
            identify(s("a1"), N, s("shared@x.com"), "2026-06-01 00:00:00"),
            identify(s("a2"), N, s("shared@x.com"), "2026-06-01 00:00:00"),
            identify(s("a3"), N, s("shared@x.com"), "2026-06-01 00:00:00"),
            // two@ has exactly 2 neighbours: kept.
            identify(s("a4"), N, s("two@x.com"), "2026-06-01 00:00:00"),
            identify(s("a5"), N, s("two@x.com"), "2026-06-01 00:00:00"),
            // big@ has 4 neighbours; removing it keeps a6–u6, linked by their own row.
            identify(s("a6"), s("u6"), s("big@x.com"), "2026-06-01 00:00:00"),
            identify(s("a7"), N, s("big@x.com"), "2026-06-01 00:00:00"),
            identify(s("a8"), N, s("big@x.com"), "2026-06-01 00:00:00"),
        ]),
    );
    let out = run(&m, &tables, "2026-06-30 00:00:00");
    let person = out.entity("person").unwrap();
    assert_eq!(
        person.overlinked,
        vec![
            OverlinkedId {
                id_type: "email".into(),
                value: "big@x.com".into(),
                neighbours: 4,
                max_links: 2
            },
            OverlinkedId {
                id_type: "email".into(),
                value: "shared@x.com".into(),
                neighbours: 3,
                max_links: 2
            },
        ]
    );
    assert_eq!(key(&out, "person", "email", "shared@x.com"), None);
    assert_ne!(
        key(&out, "person", "anon", "a1"),
        key(&out, "person", "anon", "a2")
    );
    assert_eq!(
        key(&out, "person", "anon", "a4"),
        key(&out, "person", "anon", "a5")
    );
    assert_eq!(
        key(&out, "person", "anon", "a6"),
        Some(node_key("user_id", "u6"))
    );
    assert_ne!(
        key(&out, "person", "anon", "a7"),
        key(&out, "person", "anon", "a6")
    );
    // a1, a2, a3, {a4, a5, two@}, {a6, u6}, a7, a8.
    assert_eq!(person.table_360.rows.len(), 7);
}

#[test]
fn rows_after_as_of_do_not_link_but_rows_without_time_do() {
    let m = project(COUNT);
    let tables = Tables::new()
        .with(
            "app.identifies",
            identifies(vec![
                identify(s("a1"), s("u1"), N, "2026-07-01 00:00:00"),
                identify(s("a2"), s("u2"), N, ""),
            ]),
        )
        .with(
            "app.events",
            events(vec![
                event(s("a1"), N, "view", N, N, N, "2026-06-01 00:00:00"),
                event(N, s("u1"), "view", N, N, N, "2026-06-01 00:00:00"),
                // A null time links (nothing new here) but is not counted.
                event(s("a2"), N, "view", N, N, N, ""),
                event(N, s("u2"), "view", N, N, N, "2026-06-01 00:00:00"),
            ]),
        );
    let out = run(&m, &tables, "2026-06-30 00:00:00");
    assert_ne!(
        key(&out, "person", "anon", "a1"),
        key(&out, "person", "user_id", "u1")
    );
    assert_eq!(
        key(&out, "person", "anon", "a2"),
        Some(node_key("user_id", "u2"))
    );
    assert_eq!(feature(&out, "person", "user_id", "u2", "n"), Value::Int(1));
    assert_eq!(feature(&out, "person", "anon", "a1", "n"), Value::Int(1));
}

#[test]
fn each_entity_stitches_only_its_own_id_types() {
    let m = model(&[
        ("base.c360", BASE),
        (
            "team.c360",
            r#"
id_type team_id
entity team {
  ids = [team_id]
}
source memberships from "app.memberships" {
  team_id: string @id(team_id)
  user_id: string @id(user_id)
  anon:    string @id(anon)
}
features team {
  members = memberships | count_distinct(user_id)
}
features person {
  teams = memberships | distinct(team_id)
}
"#,
        ),
    ]);
    let tables = Tables::new().with(
        "app.memberships",
        table(
            &["team_id", "user_id", "anon"],
            vec![
                vec![s("t1"), s("u1"), N],
                vec![s("t1"), s("u2"), N],
                vec![s("t2"), s("u1"), s("c1")],
            ],
        ),
    );
    let out = run(&m, &tables, "2026-06-30 00:00:00");
    // Teams are not merged through their shared member: team has only team_id.
    let team = out.entity("team").unwrap();
    assert_eq!(team.table_360.rows.len(), 2);
    assert_eq!(
        team.value_of("team_id", "t1", "members"),
        Some(&Value::Int(2))
    );
    assert_eq!(
        team.value_of("team_id", "t2", "members"),
        Some(&Value::Int(1))
    );
    assert_eq!(
        team.table_360.columns,
        ["team_id", "team_id_ids", "members"]
    );
    // People are not merged through their shared team.
    let person = out.entity("person").unwrap();
    assert_eq!(person.table_360.rows.len(), 2);
    assert_eq!(
        person.value_of("anon", "c1", "teams"),
        Some(&strings(&["t1", "t2"]))
    );
    assert_eq!(
        person.value_of("user_id", "u2", "teams"),
        Some(&strings(&["t1"]))
    );
}

#[test]
fn the_id_graph_renders_as_canonical_csv() {
    let m = project(COUNT);
    let tables = Tables::new().with(
        "app.identifies",
        identifies(vec![identify(
            s("a1"),
            s("u1"),
            s("A@x.com"),
            "2026-06-01 00:00:00",
        )]),
    );
    let out = run(&m, &tables, "2026-06-30 00:00:00");
    let k = node_key("user_id", "u1");
    let csvs = out.to_canonical_csv();
    assert_eq!(
        csvs["person_id_graph"],
        format!(
            "person_id,id_type,id_value\n\"{k}\",\"anon\",\"a1\"\n\"{k}\",\"email\",\"a@x.com\"\n\"{k}\",\"user_id\",\"u1\"\n"
        )
    );
    assert_eq!(
        csvs["person_360"],
        format!(
            "person_id,user_id_ids,email_ids,anon_ids,n\n\"{k}\",\"[\"\"u1\"\"]\",\"[\"\"a@x.com\"\"]\",\"[\"\"a1\"\"]\",0\n"
        )
    );
}
