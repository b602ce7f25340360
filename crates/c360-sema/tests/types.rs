//! Inferred types of features: every aggregate, function and operator (spec §4).

use c360_diagnostics::FileId;
use c360_sema::Workspace;

const DECLS: &str = r#"
id_type email
entity customer { ids = [email] }
source orders from "shop.orders" {
  email: string @id(email)
  qty: int
  amount: decimal
  score: float
  paid: bool
  status: string
  shipped_on: date
  created_at: timestamp @time
}
source crm from "crm.contacts" {
  email: string @id(email)
  title: string
}
"#;

/// `(body, expected type)`: each becomes a feature `f_<n> = body`.
const CASES: &[(&str, &str)] = &[
    ("orders | count()", "int"),
    ("orders | count_distinct(status)", "int"),
    ("orders | sum(qty)", "int"),
    ("orders | sum(amount)", "decimal"),
    ("orders | sum(score)", "float"),
    ("orders | avg(qty)", "float"),
    ("orders | min(created_at)", "timestamp"),
    ("orders | max(status)", "string"),
    ("orders | first(amount)", "decimal"),
    ("orders | last(status, 3)", "list<string>"),
    ("orders | first(qty, 2)", "list<int>"),
    ("orders | distinct(status)", "list<string>"),
    ("orders | avg_interval()", "duration"),
    ("crm | max(title)", "string"),
    ("1 + 2", "int"),
    ("1 + 2.5", "decimal"),
    ("1 / 2", "float"),
    ("7 % 2", "int"),
    ("(orders | sum(amount)) * 2", "decimal"),
    ("(orders | avg(qty)) + 1", "float"),
    ("now()", "timestamp"),
    ("now() - 7 days", "timestamp"),
    ("now() - (orders | max(created_at))", "duration"),
    ("days(orders | avg_interval())", "float"),
    ("2 * (orders | avg_interval())", "duration"),
    ("date(now())", "date"),
    ("(orders | max(shipped_on)) - date(now())", "duration"),
    ("if (orders | count()) > 0 then \"yes\" else null", "string"),
    ("if true then 1 else 2.5", "decimal"),
    ("coalesce(orders | max(amount), 0)", "decimal"),
    ("least(1, 2.5, null)", "decimal"),
    ("greatest(now(), orders | max(created_at))", "timestamp"),
    ("lower(\"A\")", "string"),
    ("length(\"abc\")", "int"),
    ("concat(\"a\", \"b\", \"c\")", "string"),
    ("contains(\"abc\", \"b\")", "bool"),
    ("regexp_replace(\"a1\", r\"[0-9]\", \"\")", "string"),
    ("\"abc\" ~ r\"^a\"", "bool"),
    ("abs(-3)", "int"),
    ("round(2.567, 2)", "decimal"),
    ("floor(2.5)", "decimal"),
    ("size(orders | distinct(status))", "int"),
    ("has(orders | distinct(status), \"paid\")", "bool"),
    ("\"a\" in [\"a\", \"b\"]", "bool"),
    ("(orders | max(amount)) is null", "bool"),
    ("not ((orders | count()) > 3) and true", "bool"),
    ("[1, 2.5]", "list<decimal>"),
];

#[test]
fn every_construct_has_its_documented_type() {
    let features: String = CASES
        .iter()
        .enumerate()
        .map(|(i, (body, _))| format!("  f_{i} = {body}\n"))
        .collect();
    let mut ws = Workspace::default();
    ws.set_file(FileId::new("decls.c360"), DECLS.into());
    ws.set_file(
        FileId::new("features.c360"),
        format!("features customer {{\n{features}}}\n"),
    );
    let checked = ws.check();
    assert!(
        checked.diagnostics.is_empty(),
        "unexpected diagnostics: {:#?}",
        checked.diagnostics
    );
    let entity = checked.model.entity("customer").expect("customer");
    let mut wrong = Vec::new();
    for (i, (body, expected)) in CASES.iter().enumerate() {
        let feature = entity.feature(&format!("f_{i}")).expect("feature");
        if feature.ty.to_string() != *expected {
            wrong.push(format!("{body}: expected {expected}, got {}", feature.ty));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn declared_types_widen_and_null_takes_the_declared_type() {
    let mut ws = Workspace::default();
    ws.set_file(FileId::new("decls.c360"), DECLS.into());
    ws.set_file(
        FileId::new("features.c360"),
        "features customer {\n  a: decimal = orders | sum(qty)\n  b: float = orders | sum(amount)\n  c: string = null\n  d: list<int> = orders | last(qty, 5)\n}\n"
            .into(),
    );
    let checked = ws.check();
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
    let entity = checked.model.entity("customer").unwrap();
    let types: Vec<String> = ["a", "b", "c", "d"]
        .iter()
        .map(|n| entity.feature(n).unwrap().ty.to_string())
        .collect();
    assert_eq!(types, ["decimal", "float", "string", "list<int>"]);
}
