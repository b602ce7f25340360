//! Mutated projects never panic the checker, and every diagnostic points inside its file.

use std::path::Path;

use c360_diagnostics::FileId;
use c360_sema::Workspace;

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn example_files(name: &str) -> Vec<(FileId, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    let files = c360_project::discover(&root).expect("the example exists");
    files
        .files
        .into_iter()
        .map(|f| (f.id, f.text.expect("examples are UTF-8")))
        .collect()
}

/// Pieces that make mutations look like plausible half-typed code.
const SNIPPETS: &[&str] = &[
    "|",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "=",
    "==",
    ":",
    "@id(",
    "@time",
    "where ",
    "within 3 days",
    "sum(",
    "count()",
    "\"",
    "r\"",
    "/*",
    "*/",
    "///",
    "//",
    "null",
    "if ",
    "then",
    "else",
    "-",
    "not ",
    "is null",
    "1.5",
    "99999999999999999999",
    "é",
    "\u{0}",
    "\n",
    "features ",
    "source x from ",
    "entity ",
    "id_type ",
    "test \"t\" {",
    "given ",
    "expect ",
    "last(x, 0)",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(4) {
            0 if !bytes.is_empty() => {
                let end = (at + 1 + rng.below(20)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            1 => {
                let snippet = SNIPPETS[rng.below(SNIPPETS.len())];
                bytes.splice(at..at, snippet.bytes());
            }
            2 if !bytes.is_empty() => {
                let start = rng.below(bytes.len());
                let end = (start + rng.below(40)).min(bytes.len());
                let copy = bytes[start..end].to_vec();
                bytes.splice(at..at, copy);
            }
            _ => bytes.insert(at, rng.below(256) as u8),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn mutated_examples_never_panic_and_spans_stay_in_bounds() {
    let mut rng = Rng(0x5eed_c360);
    for example in ["ecommerce", "saas"] {
        let files = example_files(example);
        let mut ws = Workspace::default();
        for (id, text) in &files {
            ws.set_file(id.clone(), text.clone());
        }
        assert!(!ws.check().has_errors(), "{example} checks clean");
        for _ in 0..400 {
            let (id, original) = &files[rng.below(files.len())];
            let mutated = mutate(original, &mut rng);
            ws.set_file(id.clone(), mutated.clone());
            for d in &ws.check().diagnostics {
                for label in std::iter::once(&d.primary).chain(&d.secondary) {
                    if let Some(text) = ws.text(&label.file) {
                        assert!(
                            (label.span.end as usize) <= text.len()
                                && label.span.start <= label.span.end,
                            "{} {:?} out of bounds in {}:\n{mutated}",
                            d.code,
                            label.span,
                            label.file
                        );
                    }
                }
            }
            ws.set_file(id.clone(), original.clone());
        }
    }
}
