//! Lowering: scan grouping, aggregate sharing, dependency order.

use std::path::Path;

use c360_diagnostics::FileId;
use c360_ir::{lower, Plan, ScalarKind, Step};
use c360_sema::Workspace;

fn plan_of(files: &[(&str, &str)]) -> Plan {
    let mut ws = Workspace::default();
    for (path, text) in files {
        ws.set_file(FileId::new(*path), (*text).to_owned());
    }
    let checked = ws.check();
    assert!(
        !checked.has_errors(),
        "test project has errors: {:?}",
        checked.diagnostics
    );
    lower(&checked.model)
}

const DECLS: &str = r#"
id_type email
id_type user_id
entity customer { ids = [user_id, email] }
source orders from "shop.orders" {
  email: string @id(email)
  amount: decimal
  status: string
  created_at: timestamp @time
}
source events from "web.events" {
  user_id: string @id(user_id)
  email: string @id(email)
  event: string
  sent_at: timestamp @time
}
"#;

#[test]
fn features_over_one_source_share_one_scan() {
    let plan = plan_of(&[
        ("decls.c360", DECLS),
        (
            "features.c360",
            r#"features customer {
  revenue = orders | where status == "completed" | sum(amount)
  orders_30d = orders | within 30 days | count()
  last_status = orders | last(status)
  logins = events | where event == "Login" | count()
}"#,
        ),
    ]);
    let program = &plan.entities[0].program;
    assert_eq!(program.aggregates.len(), 4);
    let Step::Scans(scans) = &program.steps[0] else {
        panic!("the first step scans: {:?}", program.steps);
    };
    let sources: Vec<(&str, usize)> = scans
        .iter()
        .map(|s| (s.source.as_str(), s.aggregates.len()))
        .collect();
    assert_eq!(sources, [("events", 1), ("orders", 3)]);
    assert_eq!(
        program.steps.len(),
        2,
        "one scan step, one projection layer"
    );
}

#[test]
fn identical_pipelines_are_computed_once() {
    let plan = plan_of(&[
        ("decls.c360", DECLS),
        (
            "features.c360",
            r#"features customer {
  a = orders | where status == "completed" | sum(amount)
  b = (orders | where status == "completed" | sum(amount)) * 2
}"#,
        ),
    ]);
    let program = &plan.entities[0].program;
    assert_eq!(program.aggregates.len(), 1);
    assert_eq!(program.features[0].expr.kind, ScalarKind::Aggregate(0));
    assert_eq!(program.features[1].expr.aggregates(), [0]);
}

#[test]
fn event_relative_filters_scan_after_the_features_they_read() {
    let plan = plan_of(&[
        ("decls.c360", DECLS),
        (
            "features.c360",
            r#"features customer {
  views_before = events | where event == "View" and sent_at < first_order | count()
  first_order = orders | min(created_at)
  ratio = views_before / (orders | count())
}"#,
        ),
    ]);
    let program = &plan.entities[0].program;
    let names = |layer: &[usize]| -> Vec<String> {
        layer
            .iter()
            .map(|&i| program.features[i].name.clone())
            .collect()
    };
    let shape: Vec<String> = program
        .steps
        .iter()
        .map(|s| match s {
            Step::Scans(scans) => format!(
                "scan {}",
                scans
                    .iter()
                    .map(|s| s.source.as_str())
                    .collect::<Vec<_>>()
                    .join("+")
            ),
            Step::Project(layer) => format!("project {}", names(layer).join("+")),
        })
        .collect();
    assert_eq!(
        shape,
        [
            "scan orders",
            "project first_order",
            "scan events",
            "project views_before",
            "project ratio"
        ]
    );
}

#[test]
fn training_sets_compute_only_what_they_list() {
    let plan = plan_of(&[
        ("decls.c360", DECLS),
        (
            "features.c360",
            r#"features customer {
  revenue = orders | sum(amount)
  @hidden
  first_order = orders | min(created_at)
  tenure_days = days(now() - first_order)
  logins = events | count()
}
training_set churn for customer {
  labels from "ml.labels" {
    user_id: string @id(user_id)
    at: timestamp @time
    churned: bool
  }
  features = [tenure_days]
}"#,
        ),
    ]);
    let ts = &plan.training_sets[0];
    let computed: Vec<&str> = ts
        .program
        .features
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(computed, ["first_order", "tenure_days"]);
    assert_eq!(ts.outputs, [1]);
    assert_eq!(ts.time.name, "at");
    assert_eq!(ts.ids.len(), 1);
    let entity = &plan.entities[0];
    let outputs: Vec<&str> = entity
        .outputs
        .iter()
        .map(|&i| entity.program.features[i].name.as_str())
        .collect();
    assert_eq!(
        outputs,
        ["revenue", "tenure_days", "logins"],
        "hidden features are not output"
    );
}

#[test]
fn the_ecommerce_example_reads_each_source_at_most_twice() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ecommerce");
    let files = c360_project::discover(&root).expect("the example exists");
    let mut ws = Workspace::default();
    for f in &files.files {
        ws.set_file(f.id.clone(), f.text.clone().expect("readable"));
    }
    let checked = ws.check();
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let plan = lower(&checked.model);
    for entity in &plan.entities {
        let mut reads: std::collections::BTreeMap<&str, usize> = Default::default();
        for step in &entity.program.steps {
            if let Step::Scans(scans) = step {
                for scan in scans {
                    *reads.entry(scan.source.as_str()).or_default() += 1;
                }
            }
        }
        for (source, n) in reads {
            assert!(
                n <= 2,
                "`{source}` is scanned {n} times for `{}`",
                entity.name
            );
        }
    }
}
