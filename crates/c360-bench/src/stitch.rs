//! Generated identity graphs and events for benchmarking `c360 run`, and the in-memory
//! union-find that is the physical limit for stitching them.
//!
//! A generated project has one entity over two id types, `anonymous_id` and `user_id`, and
//! three sources: `identifies` (one row per identity edge, or one id alone for a single-id
//! customer), `events` (one anonymous id per row) and `orders` (one user id per row). Events
//! and orders only name identifiers that `identifies` already holds, so the entity's
//! instances are exactly the connected components of `data/identifies.csv`.

use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use crate::Rng;

/// The shape of a generated run project.
#[derive(Clone, Copy, Debug)]
pub struct RunSize {
    /// Identity edges: rows of `identifies` linking two identifiers.
    pub edges: usize,
    /// Rows of `events`.
    pub events: usize,
    /// Rows of `orders`.
    pub orders: usize,
}

/// What was generated, to check the run against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Generated {
    /// Rows of `identifies` linking two identifiers.
    pub edges: usize,
    /// Rows of `identifies` naming one identifier alone.
    pub singletons: usize,
    /// Distinct identifiers (nodes of the identity graph).
    pub nodes: usize,
    /// Connected components, as generated.
    pub components: usize,
    /// Chains of [`CHAIN_LEN`] identifiers.
    pub chains: usize,
    /// The largest component, in identifiers.
    pub largest: usize,
}

/// Identifiers in each long chain; one chain is generated per [`EDGES_PER_CHAIN`] edges.
pub const CHAIN_LEN: usize = 50;
/// Edges generated for each long chain.
pub const EDGES_PER_CHAIN: usize = 20_000;

/// The `.c360` files and `c360.toml` of a run project.
const PROJECT: &[(&str, &str)] = &[
    (
        "c360.toml",
        "[project]\nname = \"bench\"\n\n[targets.dev]\nengine = \"duckdb\"\npath = \"target/bench.duckdb\"\nschema = \"main\"\n\n[targets.dev.tables]\n\"app.identifies\" = \"data/identifies.csv\"\n\"app.events\" = \"data/events.csv\"\n\"shop.orders\" = \"data/orders.csv\"\n",
    ),
    (
        "identity.c360",
        "/// Browser cookies.\nid_type anonymous_id\n\n/// Logged-in accounts.\nid_type user_id\n\n/// A person across browsers and accounts.\nentity customer {\n  ids = [user_id, anonymous_id]\n}\n",
    ),
    (
        "sources.c360",
        "/// Identify calls: each row links a cookie to an account.\nsource identifies from \"app.identifies\" {\n  anonymous_id: string    @id(anonymous_id)\n  user_id:      string    @id(user_id)\n  sent_at:      timestamp @time\n}\n\n/// Tracked events, by cookie.\nsource events from \"app.events\" {\n  anonymous_id: string    @id(anonymous_id)\n  event:        string\n  amount:       decimal\n  sent_at:      timestamp @time\n}\n\n/// Orders, by account.\nsource orders from \"shop.orders\" {\n  user_id:    string    @id(user_id)\n  amount:     decimal\n  status:     string\n  created_at: timestamp @time\n}\n",
    ),
    (
        "features.c360",
        "features customer {\n  event_count   = events | count()\n  views_30d     = events | where event == \"Product Viewed\" | within 30 days | count()\n  cart_value    = events | where event == \"Added To Cart\" | sum(amount)\n  first_seen    = events | min(sent_at)\n  last_seen     = events | max(sent_at)\n  last_event    = events | last(event)\n  revenue       = orders | where status == \"completed\" | sum(amount)\n  order_count   = orders | count()\n  identified_at = identifies | min(sent_at)\n  is_active: bool = last_seen > now() - 7 days\n}\n",
    ),
];

/// The time the benchmark runs are computed as of; every generated timestamp is before it.
pub const AS_OF: &str = "2026-03-01 00:00:00";

const EVENT_NAMES: &[&str] = &["Page Viewed", "Product Viewed", "Added To Cart", "Login"];
const STATUSES: &[&str] = &["completed", "completed", "completed", "refunded"];

/// Writes a run project of `size` into `dir` (created if missing): `c360.toml`, the `.c360`
/// files and the CSV files under `data/`. The same size always writes the same bytes.
pub fn write_project(dir: &Path, size: RunSize) -> io::Result<Generated> {
    std::fs::create_dir_all(dir.join("data"))?;
    for (path, text) in PROJECT {
        std::fs::write(dir.join(path), text)?;
    }
    let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ size.edges as u64);
    let (generated, anon_ids, user_ids) =
        write_identifies(&dir.join("data/identifies.csv"), size.edges, &mut rng)?;
    write_events(
        &dir.join("data/events.csv"),
        size.events,
        anon_ids,
        &mut rng,
    )?;
    write_orders(
        &dir.join("data/orders.csv"),
        size.orders,
        user_ids,
        &mut rng,
    )?;
    Ok(generated)
}

/// A timestamp in January or February 2026.
fn timestamp(rng: &mut Rng, out: &mut impl Write) -> io::Result<()> {
    let day = rng.below(59);
    let (month, day) = if day < 31 {
        (1, day + 1)
    } else {
        (2, day - 30)
    };
    let secs = rng.below(86_400);
    write!(
        out,
        "2026-{month:02}-{day:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The size of the next ordinary component: mostly 1–5 identifiers, with a long tail.
fn component_size(rng: &mut Rng) -> usize {
    match rng.below(1000) {
        0..=279 => 1,
        280..=579 => 2,
        580..=759 => 3,
        760..=859 => 4,
        860..=919 => 5,
        920..=989 => 6 + rng.below(10),
        990..=998 => 16 + rng.below(50),
        _ => 66 + rng.below(300),
    }
}

/// Writes `identifies.csv` and returns what it holds and how many anonymous and user ids
/// were minted (`a0…`, `u0…`).
fn write_identifies(
    path: &Path,
    target_edges: usize,
    rng: &mut Rng,
) -> io::Result<(Generated, usize, usize)> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    out.write_all(b"anonymous_id,user_id,sent_at\n")?;
    let mut gen = Generated::default();
    let (mut anons, mut users) = (0usize, 0usize);
    // The identifiers of the current component: even positions are anonymous ids, odd
    // ones user ids, so every edge links one of each (as an identify call does).
    let mut members: Vec<usize> = Vec::new();
    let edge = |out: &mut BufWriter<File>, rng: &mut Rng, a: usize, u: usize| {
        write!(out, "a{a},u{u},")?;
        timestamp(rng, out)?;
        out.write_all(b"\n")
    };
    while gen.edges < target_edges {
        let chain = gen.edges / EDGES_PER_CHAIN >= gen.chains;
        let size = if chain {
            CHAIN_LEN
        } else {
            component_size(rng)
        };
        members.clear();
        for i in 0..size {
            if i % 2 == 0 {
                members.push(anons);
                anons += 1;
            } else {
                members.push(users);
                users += 1;
            }
        }
        gen.components += 1;
        gen.nodes += size;
        gen.largest = gen.largest.max(size);
        if size == 1 {
            write!(out, "a{},,", members[0])?;
            timestamp(rng, &mut out)?;
            out.write_all(b"\n")?;
            gen.singletons += 1;
            continue;
        }
        if chain {
            gen.chains += 1;
        }
        // A spanning tree: each identifier links to an earlier one of the other type (the
        // previous one, for a chain), plus a few repeated or extra links as real data has.
        for i in 1..size {
            let j = if chain {
                i - 1
            } else {
                let mut j = rng.below(i);
                if j % 2 == i % 2 {
                    j = if j == 0 { 1 } else { j - 1 };
                }
                j
            };
            let (a, u) = if i % 2 == 0 { (i, j) } else { (j, i) };
            edge(&mut out, rng, members[a], members[u])?;
            gen.edges += 1;
        }
        if size >= 4 && rng.below(5) == 0 {
            let a = 2 * rng.below(size.div_ceil(2));
            let u = 2 * rng.below(size / 2) + 1;
            edge(&mut out, rng, members[a], members[u])?;
            gen.edges += 1;
        }
    }
    out.flush()?;
    Ok((gen, anons, users))
}

fn write_events(path: &Path, rows: usize, anons: usize, rng: &mut Rng) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    out.write_all(b"anonymous_id,event,amount,sent_at\n")?;
    for _ in 0..rows {
        let event = EVENT_NAMES[rng.below(EVENT_NAMES.len())];
        let cents = rng.below(20_000);
        write!(
            out,
            "a{},{event},{}.{:02},",
            rng.below(anons),
            cents / 100,
            cents % 100
        )?;
        timestamp(rng, &mut out)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

fn write_orders(path: &Path, rows: usize, users: usize, rng: &mut Rng) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    out.write_all(b"user_id,amount,status,created_at\n")?;
    // With no user ids there is nobody to place an order.
    let rows = if users == 0 { 0 } else { rows };
    for _ in 0..rows {
        let cents = rng.below(50_000);
        let status = STATUSES[rng.below(STATUSES.len())];
        write!(
            out,
            "u{},{}.{:02},{status},",
            rng.below(users),
            cents / 100,
            cents % 100
        )?;
        timestamp(rng, &mut out)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// A fast non-cryptographic hash for interning identifiers (FxHash with a finaliser).
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        // Murmur3's finaliser: the multiply only carries low bits upwards, and the table
        // picks buckets by the low bits, which a shared prefix like `a1` would otherwise fix.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

/// Disjoint sets with union by size and path halving.
struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn add(&mut self) -> u32 {
        let id = self.parent.len() as u32;
        self.parent.push(id);
        self.size.push(1);
        id
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a as usize] < self.size[b as usize] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b as usize] = a;
        self.size[a as usize] += self.size[b as usize];
    }
}

/// The connected components of an identity-edge CSV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Components {
    /// Distinct identifiers.
    pub nodes: usize,
    /// Connected components.
    pub components: usize,
    /// The largest component, in identifiers.
    pub largest: usize,
}

/// Reads a CSV file whose first two columns are identifiers of two id types (an empty field
/// is no identifier) and computes its connected components with an in-memory union-find.
/// The header line is skipped; identifiers are compared as bytes, per column.
pub fn union_find_csv(path: &Path) -> io::Result<Components> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut ids: [HashMap<Box<[u8]>, u32, BuildHasherDefault<FxHasher>>; 2] = Default::default();
    let mut sets = UnionFind {
        parent: Vec::new(),
        size: Vec::new(),
    };
    let mut line = Vec::new();
    let mut number = 0usize;
    while {
        line.clear();
        reader.read_until(b'\n', &mut line)? > 0
    } {
        number += 1;
        if number == 1 {
            continue;
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let mut fields = text.split(|&b| b == b',');
        let mut node = [None, None];
        for (column, slot) in node.iter_mut().enumerate() {
            let field = fields.next().ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}:{number}: fewer than two columns", path.display()),
                )
            })?;
            if field.is_empty() {
                continue;
            }
            let id = match ids[column].get(field) {
                Some(&id) => id,
                None => {
                    let id = sets.add();
                    ids[column].insert(field.into(), id);
                    id
                }
            };
            *slot = Some(id);
        }
        if let [Some(a), Some(b)] = node {
            sets.union(a, b);
        }
    }
    let nodes = sets.parent.len();
    let mut components = 0;
    let mut largest = 0;
    for x in 0..nodes as u32 {
        if sets.find(x) == x {
            components += 1;
            largest = largest.max(sets.size[x as usize] as usize);
        }
    }
    Ok(Components {
        nodes,
        components,
        largest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("c360-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn union_find_agrees_with_the_generator() {
        let dir = temp_dir("stitch-gen");
        let size = RunSize {
            edges: 50_000,
            events: 1_000,
            orders: 100,
        };
        let generated = write_project(&dir, size).unwrap();
        let found = union_find_csv(&dir.join("data/identifies.csv")).unwrap();
        let other = temp_dir("stitch-gen-again");
        let again = write_project(&other, size).unwrap();
        let same = std::fs::read(dir.join("data/identifies.csv")).unwrap()
            == std::fs::read(other.join("data/identifies.csv")).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&other);
        assert!(generated.edges >= size.edges);
        assert!(generated.chains >= size.edges / EDGES_PER_CHAIN);
        assert!(generated.largest >= CHAIN_LEN);
        assert_eq!(found.nodes, generated.nodes);
        assert_eq!(found.components, generated.components);
        assert_eq!(found.largest, generated.largest);
        assert_eq!(again, generated);
        assert!(same, "the generator is deterministic");
    }

    #[test]
    fn union_find_counts_components_of_a_small_graph() {
        let dir = temp_dir("stitch-small");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("edges.csv");
        // {a1,u1,a2}, {a3}, {u2,a4}, {u3}: u1 links a1 and a2; a3 and u3 stand alone.
        std::fs::write(
            &path,
            "a,u,t\na1,u1,x\na2,u1,x\na3,,x\na4,u2,x\n,u3,x\na1,u1,x\n",
        )
        .unwrap();
        let found = union_find_csv(&path).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            found,
            Components {
                nodes: 7,
                components: 4,
                largest: 3
            }
        );
    }

    #[test]
    fn a_short_line_is_an_error_with_its_line_number() {
        let dir = temp_dir("stitch-bad");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("edges.csv");
        std::fs::write(&path, "a,u\na1,u1\nbroken\n").unwrap();
        let err = union_find_csv(&path).unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            err.to_string()
                .ends_with("edges.csv:3: fewer than two columns"),
            "{err}"
        );
    }
}
