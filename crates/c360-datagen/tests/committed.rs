//! The committed sample data is exactly what the generator writes, and every file fits the
//! columns its example declares.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use c360_sema::model::ColumnDef;
use c360_sema::{Type, Workspace};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

const REGENERATE: &str = "run `cargo run -p c360-datagen -- examples` and commit the result";

#[test]
fn regenerating_gives_the_committed_files_byte_for_byte() {
    let out = std::env::temp_dir().join(format!("c360-datagen-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let written = c360_datagen::write_examples(&examples_dir(), &out).expect("generation works");
    assert!(!written.is_empty());
    let mut generated: Vec<PathBuf> = Vec::new();
    for file in &written {
        let relative = file
            .path
            .strip_prefix(&out)
            .expect("written under the output dir");
        let committed_path = examples_dir().join(relative);
        let fresh = std::fs::read_to_string(&file.path).expect("the written file reads back");
        let committed = std::fs::read_to_string(&committed_path).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}; {REGENERATE}",
                committed_path.display()
            )
        });
        if fresh != committed {
            let line = fresh
                .lines()
                .zip(committed.lines())
                .position(|(a, b)| a != b)
                .map_or_else(
                    || fresh.lines().count().min(committed.lines().count()) + 1,
                    |i| i + 1,
                );
            panic!(
                "{} differs from what the generator writes, from line {line}; {REGENERATE}",
                committed_path.display()
            );
        }
        generated.push(committed_path.canonicalize().expect("exists"));
    }
    // A second run in the same process gives the same bytes: no hidden state.
    let again = c360_datagen::write_examples(&examples_dir(), &out).expect("generation works");
    assert_eq!(written, again);
    std::fs::remove_dir_all(&out).expect("the temporary directory can be removed");

    // Every CSV file in the examples' data directories is generated: none is stale.
    for example in c360_datagen::EXAMPLES {
        let data = examples_dir().join(example.dir).join("data");
        for entry in std::fs::read_dir(&data).expect("the data directory exists") {
            let path = entry
                .expect("listable")
                .path()
                .canonicalize()
                .expect("exists");
            assert!(
                generated.contains(&path),
                "{} is not written by the generator: remove it or map it in c360.toml",
                path.display()
            );
        }
    }
}

/// One local table of an example, as the checked model and `c360.toml` describe it.
struct Declared {
    reader: String,
    file: PathBuf,
    columns: Vec<(String, Type)>,
}

/// Reads an example the way `c360` does (discover, a `Workspace`, `check().model`) and lists
/// each relation it reads with its file and physical columns.
fn declared_tables(dir: &Path) -> Vec<Declared> {
    let files = c360_project::discover(dir).expect("the example exists");
    let mut workspace = Workspace::default();
    for file in &files.files {
        workspace.set_file(file.id.clone(), file.text.clone().expect("readable"));
    }
    workspace.set_config(files.config.as_ref().and_then(|c| c.text.clone().ok()));
    let checked = workspace.check();
    assert!(
        !checked.has_errors(),
        "{} does not check: {:?}",
        dir.display(),
        checked.diagnostics
    );
    let (config, problems) = files.load_config();
    assert!(problems.iter().all(|d| !d.is_error()), "{problems:?}");
    let config = config.expect("c360.toml parses");
    let target = config.default_target();
    let tables: BTreeMap<String, String> = target
        .tables
        .iter()
        .map(|t| (t.table.to_lowercase(), t.path.clone()))
        .collect();
    let declared = |reader: String, parts: &[String], columns: &[ColumnDef]| {
        let relation = parts.join(".").to_lowercase();
        let path = tables.get(&relation).unwrap_or_else(|| {
            panic!(
                "{reader} reads `{relation}`, which has no file under [targets.{}.tables] in {}",
                target.name,
                dir.join("c360.toml").display()
            )
        });
        Declared {
            reader,
            file: dir.join(path),
            columns: columns
                .iter()
                .map(|c| (c.physical.clone(), c.ty.clone()))
                .collect(),
        }
    };
    let model = &checked.model;
    let mut out = Vec::new();
    for source in model.sources.values() {
        let reader = format!("source `{}`", source.name);
        out.push(declared(reader, &source.table, &source.columns));
    }
    for set in &model.training_sets {
        let reader = format!("training set `{}`", set.name);
        out.push(declared(reader, &set.labels_table, &set.labels_columns));
    }
    out
}

/// Whether `field` is a value of `ty` as c360 reads CSV (the empty field is null).
fn fits(field: &str, ty: &Type) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let date = |s: &str| {
        let parts: Vec<&str> = s.split('-').collect();
        parts.len() == 3
            && parts[0].len() == 4
            && parts[1].len() == 2
            && parts[2].len() == 2
            && parts.iter().all(|p| digits(p))
            && (1..=12).contains(&parts[1].parse::<u32>().unwrap_or(0))
            && (1..=31).contains(&parts[2].parse::<u32>().unwrap_or(0))
    };
    if field.is_empty() {
        return true;
    }
    match ty {
        Type::String => true,
        Type::Int => field.parse::<i64>().is_ok(),
        Type::Decimal => {
            let unsigned = field.strip_prefix('-').unwrap_or(field);
            matches!(unsigned.split_once('.'), Some((whole, frac)) if digits(whole) && frac.len() == 2 && digits(frac))
        }
        Type::Float => field.parse::<f64>().is_ok(),
        Type::Bool => field == "true" || field == "false",
        Type::Date => date(field),
        Type::Timestamp => match field.split_once(' ') {
            Some((day, time)) => {
                let hms: Vec<&str> = time.split(':').collect();
                date(day)
                    && hms.len() == 3
                    && hms.iter().all(|p| p.len() == 2 && digits(p))
                    && hms[0] < "24"
                    && hms[1] < "60"
                    && hms[2] < "60"
            }
            None => false,
        },
        other => panic!("a column cannot be declared `{other}`"),
    }
}

#[test]
fn every_file_has_the_declared_header_and_typed_values() {
    for example in c360_datagen::EXAMPLES {
        let dir = examples_dir().join(example.dir);
        for table in declared_tables(&dir) {
            let mut reader = csv::Reader::from_path(&table.file).unwrap_or_else(|e| {
                panic!(
                    "{} ({}) cannot be read: {e}",
                    table.file.display(),
                    table.reader
                )
            });
            let header: Vec<String> = reader
                .headers()
                .expect("a header line")
                .iter()
                .map(str::to_string)
                .collect();
            let physical: Vec<String> = table.columns.iter().map(|(n, _)| n.clone()).collect();
            assert_eq!(
                header,
                physical,
                "{}: the header must be the physical columns of {}",
                table.file.display(),
                table.reader
            );
            let mut rows = 0;
            for (i, record) in reader.records().enumerate() {
                let record = record.expect("a well-formed CSV record");
                assert_eq!(record.len(), table.columns.len());
                for (field, (column, ty)) in record.iter().zip(&table.columns) {
                    assert!(
                        fits(field, ty),
                        "{}:{}: `{field}` in column `{column}` is not a {ty}",
                        table.file.display(),
                        i + 2
                    );
                }
                rows += 1;
            }
            assert!(rows > 0, "{} has no rows", table.file.display());
        }
    }
}

#[test]
fn the_type_check_accepts_and_rejects_what_c360_would() {
    assert!(fits("2026-06-30 00:00:00", &Type::Timestamp));
    assert!(!fits("2026-06-30T00:00:00", &Type::Timestamp));
    assert!(!fits("2026-13-01", &Type::Date));
    assert!(fits("-19.99", &Type::Decimal));
    assert!(!fits("19.9", &Type::Decimal));
    assert!(!fits("TRUE", &Type::Bool));
    assert!(fits("", &Type::Int));
    assert!(!fits("1.0", &Type::Int));
}
