use std::path::Path;

use c360_diagnostics::{render_human, Diagnostic, FileId};

use super::*;

/// The example of the language specification, §7.
const SPEC_EXAMPLE: &str = r#"[project]
name = "shop"

[targets.dev]            # the default target: embedded DuckDB
engine = "duckdb"
path   = "target/shop.duckdb"
schema = "main"

[targets.dev.tables]     # local data for source tables (CSV or Parquet)
"analytics.web_events" = "data/web_events.csv"
"shop.orders"          = "data/orders.csv"

[targets.prod]
dialect = "snowflake"
schema  = "C360"
"#;

fn parse_ok(text: &str) -> Config {
    let (config, diags) = parse_config(text);
    assert!(diags.is_empty(), "unexpected diagnostics: {diags:#?}");
    config.expect("a configuration")
}

/// The diagnostics of `text` rendered as a user sees them.
fn rendered(text: &str) -> String {
    let (_, diags) = parse_config(text);
    render_human(&diags, &[(config_file_id(), text)], false)
}

fn codes_of(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code.as_str()).collect()
}

/// The text a diagnostic's primary span covers.
fn spanned<'t>(text: &'t str, diag: &Diagnostic) -> &'t str {
    &text[diag.primary.span.range()]
}

#[test]
fn spec_example() {
    let config = parse_ok(SPEC_EXAMPLE);
    assert_eq!(config.name.as_deref(), Some("shop"));
    let names: Vec<&str> = config.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["dev", "prod"]);

    let dev = &config.targets[0];
    assert_eq!(dev.engine, Some(Engine::DuckDb));
    assert_eq!(dev.dialect, Dialect::DuckDb);
    assert_eq!(dev.path.as_deref(), Some("target/shop.duckdb"));
    assert_eq!(dev.schema.as_deref(), Some("main"));
    assert_eq!(&SPEC_EXAMPLE[dev.span.range()], "dev");
    let tables: Vec<(&str, &str, TableFormat)> = dev
        .tables
        .iter()
        .map(|t| (t.table.as_str(), t.path.as_str(), t.format))
        .collect();
    assert_eq!(
        tables,
        [
            (
                "analytics.web_events",
                "data/web_events.csv",
                TableFormat::Csv
            ),
            ("shop.orders", "data/orders.csv", TableFormat::Csv),
        ]
    );
    assert_eq!(
        &SPEC_EXAMPLE[dev.tables[1].span.range()],
        "\"data/orders.csv\""
    );

    let prod = &config.targets[1];
    assert_eq!(prod.engine, None);
    assert_eq!(prod.dialect, Dialect::Snowflake);
    assert!(!prod.can_run());
    assert_eq!(config.default_target().name, "dev");
}

#[test]
fn targets_keep_file_order_not_key_order() {
    let config = parse_ok(
        "[targets.zeta]\ndialect = \"bigquery\"\n[targets.alpha]\ndialect = \"redshift\"\n\
         [targets.mid]\nengine = \"spark\"\n",
    );
    let names: Vec<&str> = config.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["zeta", "alpha", "mid"]);
    assert_eq!(config.targets[2].dialect, Dialect::Databricks);
    // No `dev`: the first target is the default.
    assert_eq!(config.default_target().name, "zeta");
}

#[test]
fn inline_and_dotted_tables_are_targets_too() {
    let config = parse_ok(
        "targets.a = { engine = \"postgres\", url = \"postgres://me@db/x\" }\n\
         [targets.b]\ntables.\"s.t\" = \"t.parquet\"\nengine = \"duckdb\"\n",
    );
    assert_eq!(config.targets[0].engine, Some(Engine::Postgres));
    assert_eq!(config.targets[0].url.as_deref(), Some("postgres://me@db/x"));
    assert_eq!(config.targets[1].tables[0].format, TableFormat::Parquet);
}

#[test]
fn default_target_rules() {
    // `dev` wins over file order.
    let config =
        parse_ok("[targets.prod]\ndialect = \"snowflake\"\n[targets.dev]\nengine = \"duckdb\"\n");
    assert_eq!(config.default_target().name, "dev");
    assert_eq!(config.target(None).unwrap().name, "dev");

    // `[project] default_target` wins over `dev`, wherever it is written.
    let config = parse_ok(
        "[targets.dev]\nengine = \"duckdb\"\n[targets.ci]\nengine = \"duckdb\"\n\
         [project]\ndefault_target = \"ci\"\n",
    );
    assert_eq!(config.default_target.as_deref(), Some("ci"));
    assert_eq!(config.target(None).unwrap().name, "ci");

    // No targets: the built-in embedded DuckDB.
    for text in ["", "[project]\nname = \"x\"\n", "[targets]\n"] {
        let config = parse_ok(text);
        let target = config.target(None).unwrap();
        assert_eq!(target, Target::builtin());
        assert_eq!(target.name, BUILTIN_TARGET);
        assert_eq!(target.engine, Some(Engine::DuckDb));
        assert_eq!(
            target.database_path(Path::new("/p")),
            Some(Path::new("/p/target/c360.duckdb").to_path_buf())
        );
        assert_eq!(config.target(Some("dev")).unwrap(), Target::builtin());
        assert_eq!(config.target_names(), ["dev"]);
    }
    assert_eq!(Config::default().default_target(), Target::builtin());
}

#[test]
fn unknown_target_lists_the_known_ones() {
    let config = parse_ok(SPEC_EXAMPLE);
    assert_eq!(config.target(Some("prod")).unwrap().name, "prod");
    assert_eq!(
        config.target(Some("prd")).unwrap_err(),
        "unknown target `prd`; did you mean `prod`? the targets in c360.toml are `dev` and `prod`"
    );
    assert_eq!(
        config.target(Some("staging")).unwrap_err(),
        "unknown target `staging`; the targets in c360.toml are `dev` and `prod`"
    );
    assert_eq!(
        Config::default().target(Some("prod")).unwrap_err(),
        "unknown target `prod`: c360.toml declares no targets, so the only target is the \
         built-in `dev` (DuckDB at `target/c360.duckdb`)"
    );
}

#[test]
fn paths_resolve_against_the_project_directory() {
    let config = parse_ok(SPEC_EXAMPLE);
    let dir = Path::new("/work/shop");
    let dev = &config.targets[0];
    assert_eq!(dev.database_path(dir), Some(dir.join("target/shop.duckdb")));
    assert_eq!(
        dev.tables[0].resolved_path(dir),
        dir.join("data/web_events.csv")
    );
    assert_eq!(config.targets[1].database_path(dir), None);
    assert_eq!(resolve_path(dir, "/abs/x.csv"), Path::new("/abs/x.csv"));

    let config = parse_ok("[targets.local]\nengine = \"duckdb\"\n");
    assert_eq!(
        config.targets[0].database_path(dir),
        Some(dir.join("target/local.duckdb"))
    );
}

#[test]
fn project_name_defaults_to_the_directory_name() {
    assert_eq!(
        parse_ok(SPEC_EXAMPLE).project_name(Path::new("/x/y")),
        "shop"
    );
    assert_eq!(
        Config::default().project_name(Path::new("/x/analytics")),
        "analytics"
    );
    assert_eq!(Config::default().project_name(Path::new("/")), "c360");
}

#[test]
fn dialect_and_engine_names() {
    for &d in Dialect::all() {
        assert_eq!(d.name().parse::<Dialect>(), Ok(d));
        assert_eq!(d.to_string(), d.name());
    }
    assert_eq!(Dialect::all().len(), 6);
    for &e in Engine::all() {
        assert_eq!(e.name().parse::<Engine>(), Ok(e));
    }
    assert_eq!(Engine::Spark.dialect(), Dialect::Databricks);
    assert_eq!(Engine::Postgres.dialect(), Dialect::Postgres);
    assert_eq!(Engine::DuckDb.dialect(), Dialect::DuckDb);
    let err = "oracle".parse::<Dialect>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown dialect `oracle`; expected one of `duckdb`, `postgres`, `snowflake`, \
         `bigquery`, `redshift` and `databricks`"
    );
    assert_eq!(
        "sqlite".parse::<Engine>().unwrap_err().to_string(),
        "unknown engine `sqlite`; expected one of `duckdb`, `postgres` and `spark`"
    );
}

#[test]
fn invalid_toml_is_e0010_with_a_span_and_no_config() {
    let text = "[project]\nname = \"shop\n[targets.dev]\nengine = \"duckdb\"\n";
    let (config, diags) = parse_config(text);
    assert!(config.is_none());
    assert!(!diags.is_empty());
    assert!(diags.iter().all(|d| d.code == codes::E0010), "{diags:#?}");
    assert_eq!(diags[0].primary.file, FileId::new("c360.toml"));
    assert!(
        diags[0].primary.span.start >= 17,
        "{:?}",
        diags[0].primary.span
    );
    insta::assert_snapshot!(rendered(text));
}

#[test]
fn duplicate_keys_name_the_key() {
    let text = "[targets.dev]\nengine = \"duckdb\"\nengine = \"postgres\"\n";
    let (config, diags) = parse_config(text);
    assert!(config.is_none());
    assert_eq!(codes_of(&diags), ["E0010"]);
    assert_eq!(diags[0].message, "duplicate key `engine`");
    insta::assert_snapshot!(rendered(text));
}

#[test]
fn unknown_keys_at_every_level() {
    let text = r#"[project]
nmae = "shop"

[target.dev]
engine = "duckdb"

[targets.dev]
engin = "duckdb"
dialect = "duckdb"
colour = "blue"
"#;
    let (config, diags) = parse_config(text);
    assert_eq!(codes_of(&diags), ["E0011", "E0011", "E0011", "E0011"]);
    let keys: Vec<&str> = diags.iter().map(|d| spanned(text, d)).collect();
    assert_eq!(keys, ["nmae", "target", "engin", "colour"]);
    // The misspelt engine is ignored; the dialect alone makes `dev` compile-only.
    let config = config.expect("valid TOML gives a configuration");
    assert_eq!(config.targets[0].engine, None);
    assert_eq!(config.targets[0].dialect, Dialect::DuckDb);
    // A suggestion comes with a fix.
    let fix = diags[2].fix.as_ref().expect("a fix for `engin`");
    assert_eq!(fix.edits[0].replacement, "engine");
    assert!(diags[3].fix.is_none());
    insta::assert_snapshot!(rendered(text));
}

#[test]
fn wrong_value_types_are_e0012() {
    let text = r#"project = "shop"
[targets.dev]
engine = 3
schema = ["a"]
tables = "data"
[targets.prod]
dialect = { name = "snowflake" }
"#;
    let (config, diags) = parse_config(text);
    assert!(config.is_some());
    assert_eq!(codes_of(&diags), ["E0012"; 5]);
    let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`project` must be a table, not a string",
            "`engine` must be a string, not an integer",
            "`schema` must be a string, not an array",
            "`tables` of target `dev` must be a table, not a string",
            "`dialect` must be a string, not a table",
        ]
    );
    insta::assert_snapshot!(rendered(text));
}

#[test]
fn unknown_engine_and_dialect_suggest_the_closest() {
    let text = "[targets.dev]\nengine = \"duckd\"\n[targets.prod]\ndialect = \"snowflak\"\n\
                [targets.odd]\ndialect = \"oracle\"\n";
    let (config, diags) = parse_config(text);
    assert_eq!(codes_of(&diags), ["E0012"; 3]);
    assert_eq!(diags[0].message, "unknown engine `duckd`");
    assert_eq!(
        diags[0].fix.as_ref().unwrap().edits[0].replacement,
        "\"duckdb\""
    );
    assert_eq!(spanned(text, &diags[1]), "\"snowflak\"");
    assert!(diags[2].fix.is_none());
    // Targets whose engine or dialect is unusable are left out, without a second error.
    assert!(config.unwrap().targets.is_empty());
    insta::assert_snapshot!(rendered(text));
}

#[test]
fn inconsistent_targets_are_e0012() {
    let text = r#"[project]
default_target = "stagin"

[targets.pg]
engine = "postgres"
dialect = "snowflake"

[targets.empty]
schema = "x"

[targets.compile]
dialect = "bigquery"
path = "x.duckdb"
url = "https://example.com"
tables."a.b" = "a.csv"

[targets.staging]
engine = "duckdb"
url = "postgres://localhost/x"
"#;
    let (config, diags) = parse_config(text);
    let config = config.expect("valid TOML gives a configuration");
    let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "default target `stagin` is not a declared target",
            "target `pg` runs on PostgreSQL but has no `url`",
            "target `pg` runs on engine `postgres`, whose dialect is `postgres`, not `snowflake`",
            "target `empty` has neither an `engine` nor a `dialect`",
            "`path` of target `compile` is only used by the `duckdb` engine",
            "`url` of target `compile` is only used by the `postgres` and `spark` engines",
            "compile-only target `compile` never loads local `tables`",
            "`url` of target `staging` is only used by the `postgres` and `spark` engines",
        ]
    );
    assert!(diags.iter().all(|d| d.code == codes::E0012));
    // The engine wins over a contradicting dialect.
    assert_eq!(config.targets[0].dialect, Dialect::Postgres);
    // The unknown default is dropped: `dev` is absent, so the first target is the default.
    assert_eq!(config.default_target, None);
    assert_eq!(config.default_target().name, "pg");
    insta::assert_snapshot!(rendered(text));
}

#[test]
fn postgres_url_and_local_tables_are_checked() {
    let text = r#"[targets.pg]
engine = "postgres"
url = "localhost"

[targets.dev.tables]
"shop.orders" = "orders.json"
"a..b" = "x.csv"
"ok.table" = "data/t.CSV"
"gz" = "data/t.csv.gz"
"empty" = ""

[targets.dev]
engine = "duckdb"
"#;
    let (config, diags) = parse_config(text);
    let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`url` of target `pg` is not a PostgreSQL connection string",
            "`orders.json` is neither a CSV nor a Parquet file (table `shop.orders`)",
            "`a..b` is not a table name",
            "the file of table `empty` is empty",
        ]
    );
    let config = config.unwrap();
    let dev = config.target(Some("dev")).unwrap();
    let tables: Vec<&str> = dev.tables.iter().map(|t| t.table.as_str()).collect();
    assert_eq!(tables, ["ok.table", "gz"]);
    insta::assert_snapshot!(rendered(text));

    for url in ["postgres://u@h/db", "postgresql://h/db", "host=h dbname=db"] {
        parse_ok(&format!(
            "[targets.pg]\nengine = \"postgres\"\nurl = \"{url}\"\n"
        ));
    }
}

#[test]
fn empty_strings_and_names_are_e0012() {
    let text = "[project]\nname = \" \"\n[targets.\"\"]\nengine = \"duckdb\"\n";
    let (config, diags) = parse_config(text);
    let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages, ["`name` is empty", "a target's name is empty"]);
    assert_eq!(config.unwrap(), Config::default());
}

#[test]
fn syntax_errors_are_not_echoed_by_other_checks() {
    // The recovered document has an empty `engine`, a target `dev` without engine or dialect
    // and an unknown key `x`: all consequences of the two syntax errors, so none is reported.
    let text = "[targets.dev]\nengine = \nx = 1\n[targets.prod\n";
    let (config, diags) = parse_config(text);
    assert!(config.is_none());
    assert_eq!(codes_of(&diags), ["E0010", "E0010"]);
}

#[test]
fn suggestions_need_to_be_close() {
    assert_eq!(suggest("egnine", TARGET_KEYS), Some("engine"));
    assert_eq!(suggest("Engine", TARGET_KEYS), Some("engine"));
    assert_eq!(suggest("tabels", TARGET_KEYS), Some("tables"));
    assert_eq!(suggest("target", ROOT_KEYS), Some("targets"));
    assert_eq!(suggest("colour", TARGET_KEYS), None);
    assert_eq!(suggest("x", TARGET_KEYS), None);
}
