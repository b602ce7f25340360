//! Incrementality: an edit re-runs the parse of the edited file only.

use std::sync::{Arc, Mutex};

use c360_diagnostics::FileId;
use c360_sema::{Database, Workspace};

const IDENTITY: &str = "id_type email\nentity customer { ids = [email] }\n";
const ORDERS: &str = "source orders from \"shop.orders\" {\n  email: string @id(email)\n  amount: decimal\n  created_at: timestamp @time\n}\n";

fn features(threshold: u32) -> String {
    format!(
        "features customer {{\n  order_count = orders | count()\n  big_orders = orders | where amount > {threshold} | count()\n}}\n"
    )
}

fn executed(log: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

#[test]
fn editing_one_feature_reparses_only_its_file() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut ws = Workspace::new(Database::with_execution_log(log.clone()));
    ws.set_file(FileId::new("identity.c360"), IDENTITY.into());
    ws.set_file(FileId::new("orders.c360"), ORDERS.into());
    ws.set_file(FileId::new("features.c360"), features(10));
    assert!(
        ws.check().diagnostics.is_empty(),
        "{:?}",
        ws.check().diagnostics
    );
    let first = executed(&log);
    assert_eq!(
        first.iter().filter(|e| e.starts_with("parse(")).count(),
        3,
        "the first check parses every file: {first:?}"
    );

    ws.set_file(FileId::new("features.c360"), features(20));
    assert!(ws.check().diagnostics.is_empty());
    let second = executed(&log);
    let parses: Vec<&String> = second.iter().filter(|e| e.starts_with("parse(")).collect();
    assert_eq!(
        parses.len(),
        1,
        "only the edited file is re-parsed: {second:?}"
    );
    // The first check parses in path order, so `features.c360` comes first.
    let edited = first
        .iter()
        .find(|e| e.starts_with("parse("))
        .expect("three parses");
    assert_eq!(parses[0], edited, "the re-parsed file is the edited one");

    // Checking again without an edit runs nothing.
    let _ = ws.check();
    assert_eq!(executed(&log), Vec::<String>::new());
}

#[test]
fn setting_identical_text_runs_nothing() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut ws = Workspace::new(Database::with_execution_log(log.clone()));
    ws.set_file(FileId::new("identity.c360"), IDENTITY.into());
    let _ = ws.check();
    executed(&log);
    ws.set_file(FileId::new("identity.c360"), IDENTITY.into());
    let _ = ws.check();
    assert_eq!(executed(&log), Vec::<String>::new());
}

#[test]
fn removing_a_file_reports_what_depended_on_it() {
    let mut ws = Workspace::default();
    ws.set_file(FileId::new("identity.c360"), IDENTITY.into());
    ws.set_file(FileId::new("orders.c360"), ORDERS.into());
    ws.set_file(FileId::new("features.c360"), features(10));
    assert!(ws.check().diagnostics.is_empty());
    assert!(ws.remove_file(&FileId::new("orders.c360")));
    let codes: Vec<&str> = ws
        .check()
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(
        codes,
        ["E0110", "E0110"],
        "both pipelines lose their source"
    );
}
