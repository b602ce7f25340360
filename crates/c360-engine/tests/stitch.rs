//! The stitch loop on DuckDB: chains and random graphs stitched into the right components,
//! rounds growing slowly, and a loop past its limit failing without publishing anything.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use c360_engine::ErrorKind;
use c360_sql::Statement;
use common::{project, write, Project};

const PROJECT: &str = r#"
id_type k

entity thing {
  ids = [k]
}

source links from "g.links" {
  a: string @id(k)
  b: string @id(k)
}

features thing {
  rows = links | count()
}
"#;

const CONFIG: &str = r#"
[targets.dev]
engine = "duckdb"
path = "target/t.duckdb"
schema = "out"

[targets.dev.tables]
"g.links" = "links.csv"
"#;

const AS_OF: &str = "2026-01-01 00:00:00";

fn graph(name: &str, edges: &[(String, String)]) -> Project {
    let p = project(name, &[("graph.c360", PROJECT), ("c360.toml", CONFIG)]);
    set_edges(&p, edges);
    p
}

fn set_edges(p: &Project, edges: &[(String, String)]) {
    let mut csv = String::from("a,b\n");
    for (a, b) in edges {
        csv += &format!("{a},{b}\n");
    }
    write(&p.dir, &[("links.csv", &csv)]);
}

/// `prefix0-prefix1`, `prefix1-prefix2`, … : `n` links, `n + 1` identifiers.
fn chain(prefix: &str, n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("{prefix}{i}"), format!("{prefix}{}", i + 1)))
        .collect()
}

/// The components of the published identity graph: entity key → identifiers.
fn components(engine: &mut c360_engine::Engine) -> BTreeMap<String, BTreeSet<String>> {
    let rows = engine
        .read_table("out.thing_id_graph", None)
        .expect("the identity graph is published");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in rows.rows {
        let key = r[0].clone().expect("a key");
        out.entry(key)
            .or_default()
            .insert(r[2].clone().expect("a value"));
    }
    out
}

/// The lowercase hex MD5 of each text, through DuckDB (an implementation independent of the
/// compiled SQL's use of it).
fn md5s(texts: &[String]) -> Vec<String> {
    let conn = duckdb::Connection::open_in_memory().expect("DuckDB starts");
    texts
        .iter()
        .map(|t| {
            conn.query_row("SELECT md5(?)", [t], |r| r.get(0))
                .expect("md5")
        })
        .collect()
}

#[test]
fn a_chain_of_fifty_links_is_one_entity_keyed_by_its_smallest_md5() {
    let mut edges = chain("x", 50);
    edges.extend(chain("y", 2));
    edges.push(("z".to_owned(), String::new()));
    let p = graph("chain", &edges);
    let mut engine = p.engine();
    let summary = p
        .run_compiled(&mut engine, &p.compile(AS_OF))
        .unwrap_or_else(|e| panic!("{e}"));

    let e = &summary.entities[0];
    assert_eq!(e.entity, "thing");
    assert_eq!(e.instances, 3);
    assert_eq!(e.nodes, 51 + 3 + 1);
    assert_eq!(e.edges, 50 + 2);
    let largest = e.largest.as_ref().expect("a largest component");
    assert_eq!(largest.size, 51);
    assert_eq!(largest.id_types.len(), 1);
    assert_eq!(largest.id_types[0].id_type, "k");
    // Rounds grow with the logarithm of the component, not with its 50-link diameter.
    assert!((1..=12).contains(&e.rounds), "{} rounds", e.rounds);

    let found = components(&mut engine);
    let x: Vec<String> = (0..=50).map(|i| format!("x{i}")).collect();
    let keys: Vec<String> = md5s(&x.iter().map(|v| format!("k:{v}")).collect::<Vec<_>>());
    let anchor = keys.iter().min().expect("keys").clone();
    assert_eq!(found[&anchor], x.iter().cloned().collect::<BTreeSet<_>>());
    let z = md5s(&["k:z".to_owned()]).remove(0);
    assert_eq!(found[&z], BTreeSet::from(["z".to_owned()]));
    assert_eq!(found.len(), 3);

    let step = summary
        .steps
        .iter()
        .find(|s| s.step == "thing_stitch")
        .expect("the loop is a step");
    assert_eq!(step.rounds, Some(e.rounds));
}

/// A small deterministic generator (64-bit LCG), so the graph is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// Components by union-find, the reference the loop must agree with.
fn union_find(nodes: usize, edges: &[(usize, usize)]) -> BTreeSet<BTreeSet<usize>> {
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut parent: Vec<usize> = (0..nodes).collect();
    for &(a, b) in edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        parent[ra] = rb;
    }
    let mut groups: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for n in 0..nodes {
        let root = find(&mut parent, n);
        groups.entry(root).or_default().insert(n);
    }
    groups.into_values().collect()
}

#[test]
fn random_graphs_stitch_like_union_find() {
    for (seed, nodes, links) in [
        (1_u64, 400_usize, 300_usize),
        (7, 1500, 1400),
        (42, 300, 600),
    ] {
        let mut rng = Lcg(seed);
        let pairs: Vec<(usize, usize)> = (0..links)
            .map(|_| {
                (
                    rng.next(nodes as u64) as usize,
                    rng.next(nodes as u64) as usize,
                )
            })
            .collect();
        // Every node appears at least on its own row.
        let mut edges: Vec<(String, String)> = (0..nodes)
            .map(|n| (format!("n{n}"), String::new()))
            .collect();
        edges.extend(
            pairs
                .iter()
                .map(|(a, b)| (format!("n{a}"), format!("n{b}"))),
        );
        let p = graph(&format!("random-{seed}"), &edges);
        let mut engine = p.engine();
        let summary = p
            .run_compiled(&mut engine, &p.compile(AS_OF))
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let expected = union_find(nodes, &pairs);
        let found: BTreeSet<BTreeSet<usize>> = components(&mut engine)
            .into_values()
            .map(|ids| {
                ids.iter()
                    .map(|v| v[1..].parse::<usize>().expect("n<number>"))
                    .collect()
            })
            .collect();
        assert_eq!(found, expected, "seed {seed}");
        assert_eq!(summary.entities[0].instances as usize, expected.len());
    }
}

#[test]
fn a_loop_past_its_limit_fails_and_publishes_nothing() {
    let p = graph("too_many_rounds", &chain("x", 5));
    let mut engine = p.engine();
    p.run_compiled(&mut engine, &p.compile(AS_OF))
        .unwrap_or_else(|e| panic!("{e}"));
    let before = components(&mut engine);
    assert_eq!(before.len(), 1);
    drop(engine);

    // A longer chain now, and a loop allowed a single round: it cannot converge.
    set_edges(&p, &chain("x", 50));
    let mut compiled = p.compile(AS_OF);
    for s in &mut compiled.statements {
        if let Statement::Loop { max_rounds, .. } = s {
            *max_rounds = 1;
        }
    }
    let mut engine = p.engine();
    let err = p
        .run_compiled(&mut engine, &compiled)
        .expect_err("one round is not enough");
    assert_eq!(err.kind, ErrorKind::Run);
    assert!(
        err.message
            .contains("the identity graph of `thing` did not converge in 1 round ("),
        "{err}"
    );
    assert!(err.message.contains("nothing was published"), "{err}");
    assert_eq!(
        components(&mut engine),
        before,
        "the previous outputs are intact"
    );
}
