//! Deterministic generators of large, valid c360 projects for benchmarks.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

pub mod stitch;

/// The size of a generated project.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    /// Number of sources.
    pub sources: usize,
    /// Number of features (spread evenly over the feature files).
    pub features: usize,
    /// Number of `.c360` files (one holds the id types and the entity, the rest split the
    /// sources and features).
    pub files: usize,
    /// Whether some features are lists (`last(e, N)`), which Redshift cannot compile.
    pub lists: bool,
}

impl Size {
    /// The size named by the benchmark targets: 200 sources, 5,000 features, 100 files.
    pub const LARGE: Size = Size {
        sources: 200,
        features: 5_000,
        files: 100,
        lists: true,
    };

    /// The same project with each `last(e, N)` list feature made the scalar `last(e)`, so it
    /// compiles for every dialect; everything else is identical.
    pub fn without_lists(self) -> Size {
        Size {
            lists: false,
            ..self
        }
    }
}

const ID_TYPES: &[&str] = &["user_id", "email", "phone", "anonymous_id", "device_id"];
const EVENTS: &[&str] = &[
    "Login",
    "Product Viewed",
    "Order Completed",
    "Signup",
    "Logout",
];

/// A tiny deterministic generator (xorshift64*), so projects are identical on every machine.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The files of a generated project as `(relative path, text)`, in path order.
pub fn generate(size: Size) -> Vec<(String, String)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut files = Vec::new();
    let mut identity =
        String::from("// Identifier types and the entity of a generated project.\n\n");
    for id in ID_TYPES {
        let _ = writeln!(identity, "/// Identifiers of type {id}.");
        let _ = writeln!(identity, "id_type {id} {{\n  normalize = lower(trim(value))\n  valid = length(value) >= 3\n  exclude = [\"null\", \"undefined\"]\n  max_links = 100\n}}\n");
    }
    let _ = writeln!(
        identity,
        "/// A person across every system.\nentity customer {{\n  ids = [{}]\n}}",
        ID_TYPES.join(", ")
    );
    files.push(("000_identity.c360".to_owned(), identity));

    let body_files = size.files.saturating_sub(1).max(1);
    let mut feature_no = 0;
    for f in 0..body_files {
        let mut text = format!("// Generated sources and features, part {f}.\n\n");
        let sources: Vec<usize> = (0..size.sources).filter(|s| s % body_files == f).collect();
        for &s in &sources {
            let id_a = ID_TYPES[s % ID_TYPES.len()];
            let id_b = ID_TYPES[(s + 1) % ID_TYPES.len()];
            let _ = writeln!(text, "/// Events of system {s}.");
            let _ = writeln!(text, "source src_{s} from \"raw.events_{s}\" {{");
            let _ = writeln!(text, "  {id_a}: string @id({id_a})");
            let _ = writeln!(text, "  {id_b}: string @id({id_b})");
            let _ = writeln!(text, "  event: string\n  amount: decimal\n  quantity: int\n  status: string\n  product_id: string");
            if s % 10 != 9 {
                let _ = writeln!(text, "  sent_at: timestamp @time");
            }
            let _ = writeln!(text, "}}\n");
        }
        let end = size.features * (f + 1) / body_files;
        // Numeric features of this file, which derived features may reference.
        let mut numeric: Vec<usize> = Vec::new();
        text.push_str("features customer {\n");
        while feature_no < end {
            let n = feature_no;
            let s = rng.below(size.sources);
            let timed = s % 10 != 9;
            let event = EVENTS[rng.below(EVENTS.len())];
            let (body, is_numeric) = match rng.below(8) {
                0 => (
                    format!("src_{s} | where status == \"completed\" | sum(amount)"),
                    true,
                ),
                1 if timed => (
                    format!(
                        "src_{s} | where event == \"{event}\" | within {} days | count()",
                        1 + rng.below(90)
                    ),
                    true,
                ),
                2 if timed => {
                    // Drawn either way, so both variants share every other feature.
                    let n = 1 + rng.below(10);
                    let body = if size.lists {
                        format!("src_{s} | last(product_id, {n})")
                    } else {
                        format!("src_{s} | last(product_id)")
                    };
                    (body, false)
                }
                3 => (format!("src_{s} | count_distinct(product_id)"), true),
                4 if timed => (
                    format!("days(src_{s} | where event == \"{event}\" | avg_interval())"),
                    true,
                ),
                5 if !numeric.is_empty() => {
                    let other = numeric[rng.below(numeric.len())];
                    (
                        format!("if f_{other} > 10 then \"high\" else \"low\""),
                        false,
                    )
                }
                6 => (
                    format!(
                        "src_{s} | where quantity > {} and amount >= 1.5 | max(amount)",
                        rng.below(5)
                    ),
                    true,
                ),
                _ => (format!("src_{s} | avg(quantity)"), true),
            };
            if is_numeric {
                numeric.push(n);
            }
            let _ = writeln!(text, "  /// Generated feature {n}.\n  f_{n} = {body}");
            feature_no += 1;
        }
        text.push_str("}\n");
        files.push((format!("{:03}_part.c360", f + 1), text));
    }
    files
}

/// Writes a generated project to `dir` (created if missing).
pub fn write(dir: &Path, size: Size) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (path, text) in generate(size) {
        std::fs::write(dir.join(path), text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_lists_changes_only_the_list_features() {
        let size = Size {
            sources: 20,
            features: 300,
            files: 5,
            lists: true,
        };
        let with = generate(size);
        let without = generate(size.without_lists());
        assert_eq!(with.len(), without.len());
        let mut changed = 0;
        for ((path_a, a), (path_b, b)) in with.iter().zip(&without) {
            assert_eq!(path_a, path_b);
            assert_eq!(a.lines().count(), b.lines().count());
            for (la, lb) in a.lines().zip(b.lines()) {
                if la != lb {
                    changed += 1;
                    assert!(la.contains("| last(product_id, "), "{la}");
                    assert!(lb.ends_with("| last(product_id)"), "{lb}");
                }
            }
            assert!(!b.contains("| last(product_id, "));
        }
        assert!(changed > 0, "the list variant has list features");
    }
}
