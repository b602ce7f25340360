//! The `c360.toml` project file: its model and its parser.
//!
//! ```toml
//! [project]
//! name = "shop"                 # optional; default: the project directory's name
//! default_target = "dev"        # optional; see below
//!
//! [targets.dev]                 # a target that runs: it has an engine
//! engine = "duckdb"             # duckdb | postgres | spark
//! path   = "target/shop.duckdb" # duckdb only; default target/<name>.duckdb
//! schema = "main"               # optional
//!
//! [targets.dev.tables]          # local CSV or Parquet data for source tables
//! "shop.orders" = "data/orders.csv"
//!
//! [targets.prod]                # a compile-only target: a dialect and no engine
//! dialect = "snowflake"         # duckdb postgres snowflake bigquery redshift databricks
//! ```
//!
//! Rules:
//!
//! - A target has an `engine` (it can run; the engine implies its dialect: `duckdb` → duckdb,
//!   `postgres` → postgres, `spark` → databricks) or only a `dialect` (compile-only). A
//!   `dialect` next to an `engine` must be the engine's own.
//! - `path` (the DuckDB database file) applies to `duckdb` targets only; `url` applies to
//!   `postgres` (required) and `spark` (optional) targets; `tables` to targets with an engine.
//! - The default target is `[project] default_target` when set, else `dev` when declared,
//!   else the first target in file order. A project that declares no target has one built-in
//!   target, `dev`: the embedded DuckDB at `target/c360.duckdb`.
//! - Relative paths are relative to the directory holding `c360.toml` ([`resolve_path`]).
//! - Invalid TOML is E0010 (and nothing else is checked until it parses), unknown keys are
//!   E0011 with the closest known key, wrong or inconsistent values are E0012; every
//!   diagnostic points into `c360.toml`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::LazyLock;

use c360_diagnostics::{codes, sort_diagnostics, Code, Diagnostic, FileId, Span};
use toml::de::{DeString, DeTable, DeValue};
use toml::Spanned;

/// The project file's name, at the project root.
pub const CONFIG_FILE: &str = "c360.toml";

/// The name of the built-in target of a project that declares none.
pub const BUILTIN_TARGET: &str = "dev";

/// The DuckDB database of the built-in target, relative to the project root.
pub const BUILTIN_DATABASE: &str = "target/c360.duckdb";

/// The [`FileId`] diagnostics about `c360.toml` are reported in.
pub fn config_file_id() -> FileId {
    FileId::new(CONFIG_FILE)
}

/// `path` as seen from `project_dir` (the directory holding `c360.toml`): relative paths are
/// joined to it, absolute paths are kept.
pub fn resolve_path(project_dir: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        project_dir.join(path)
    }
}

/// A name that is not one of a fixed set (an engine, a dialect).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnknownName {
    /// What was looked up: `"engine"` or `"dialect"`.
    pub kind: &'static str,
    /// The name given.
    pub name: String,
    /// Every valid name.
    pub valid: Vec<&'static str>,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} `{}`; expected one of {}",
            self.kind,
            self.name,
            list_names(&self.valid)
        )
    }
}

impl std::error::Error for UnknownName {}

/// A SQL dialect c360 compiles to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    /// DuckDB.
    DuckDb,
    /// PostgreSQL.
    Postgres,
    /// Snowflake.
    Snowflake,
    /// Google BigQuery.
    BigQuery,
    /// Amazon Redshift.
    Redshift,
    /// Databricks SQL (also what the Spark engine runs).
    Databricks,
}

impl Dialect {
    /// Every dialect, in documentation order.
    pub fn all() -> &'static [Dialect] {
        &[
            Dialect::DuckDb,
            Dialect::Postgres,
            Dialect::Snowflake,
            Dialect::BigQuery,
            Dialect::Redshift,
            Dialect::Databricks,
        ]
    }

    /// The name used in `c360.toml` and on the command line, e.g. `"bigquery"`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Postgres => "postgres",
            Dialect::Snowflake => "snowflake",
            Dialect::BigQuery => "bigquery",
            Dialect::Redshift => "redshift",
            Dialect::Databricks => "databricks",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Dialect {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dialect::all()
            .iter()
            .copied()
            .find(|d| d.name() == s)
            .ok_or_else(|| UnknownName {
                kind: "dialect",
                name: s.to_string(),
                valid: Dialect::all().iter().map(|d| d.name()).collect(),
            })
    }
}

/// An engine c360 can run a project on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Engine {
    /// Embedded DuckDB.
    DuckDb,
    /// A PostgreSQL server.
    Postgres,
    /// Apache Spark.
    Spark,
}

impl Engine {
    /// Every engine, in documentation order.
    pub fn all() -> &'static [Engine] {
        &[Engine::DuckDb, Engine::Postgres, Engine::Spark]
    }

    /// The name used in `c360.toml`, e.g. `"duckdb"`.
    pub fn name(self) -> &'static str {
        match self {
            Engine::DuckDb => "duckdb",
            Engine::Postgres => "postgres",
            Engine::Spark => "spark",
        }
    }

    /// The dialect this engine runs.
    pub fn dialect(self) -> Dialect {
        match self {
            Engine::DuckDb => Dialect::DuckDb,
            Engine::Postgres => Dialect::Postgres,
            Engine::Spark => Dialect::Databricks,
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Engine {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Engine::all()
            .iter()
            .copied()
            .find(|e| e.name() == s)
            .ok_or_else(|| UnknownName {
                kind: "engine",
                name: s.to_string(),
                valid: Engine::all().iter().map(|e| e.name()).collect(),
            })
    }
}

/// The file format of a local table, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TableFormat {
    /// `.csv` or `.csv.gz`; read with the column types the source declares.
    Csv,
    /// `.parquet`.
    Parquet,
}

impl TableFormat {
    /// The format of `path` by its extension (case-insensitive), if it is a supported one.
    pub fn from_path(path: &str) -> Option<TableFormat> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".csv") || lower.ends_with(".csv.gz") {
            Some(TableFormat::Csv)
        } else if lower.ends_with(".parquet") {
            Some(TableFormat::Parquet)
        } else {
            None
        }
    }
}

/// A warehouse table backed by a local file, from `[targets.NAME.tables]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LocalTable {
    /// The warehouse table name as sources write it, e.g. `"shop.orders"`.
    pub table: String,
    /// The file, as written (relative to the directory holding `c360.toml`).
    pub path: String,
    /// CSV or Parquet.
    pub format: TableFormat,
    /// The file name's value in `c360.toml`.
    pub span: Span,
}

impl LocalTable {
    /// The file's path, resolved against `project_dir`.
    pub fn resolved_path(&self, project_dir: &Path) -> PathBuf {
        resolve_path(project_dir, &self.path)
    }
}

/// A place to compile for or run on, from `[targets.NAME]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// The target's name (`dev`, `prod`, …).
    pub name: String,
    /// The engine that runs it; `None` for a compile-only target.
    pub engine: Option<Engine>,
    /// The SQL dialect: the engine's, or the declared one.
    pub dialect: Dialect,
    /// The DuckDB database file as written (duckdb targets only).
    pub path: Option<String>,
    /// The schema the outputs are written to, when set.
    pub schema: Option<String>,
    /// The connection URL (postgres, spark).
    pub url: Option<String>,
    /// Local files standing in for warehouse tables, in file order.
    pub tables: Vec<LocalTable>,
    /// The target's name in `c360.toml`; empty for the built-in target.
    pub span: Span,
}

impl Target {
    /// The built-in target of a project that declares none: embedded DuckDB at
    /// [`BUILTIN_DATABASE`].
    pub fn builtin() -> &'static Target {
        static BUILTIN: LazyLock<Target> = LazyLock::new(|| Target {
            name: BUILTIN_TARGET.to_string(),
            engine: Some(Engine::DuckDb),
            dialect: Dialect::DuckDb,
            path: Some(BUILTIN_DATABASE.to_string()),
            schema: None,
            url: None,
            tables: Vec::new(),
            span: Span::default(),
        });
        &BUILTIN
    }

    /// True when the target has an engine, so `c360 run` can use it.
    pub fn can_run(&self) -> bool {
        self.engine.is_some()
    }

    /// The DuckDB database file of a duckdb target, resolved against `project_dir`:
    /// its `path`, or `target/<name>.duckdb`. `None` for other targets.
    pub fn database_path(&self, project_dir: &Path) -> Option<PathBuf> {
        if self.engine != Some(Engine::DuckDb) {
            return None;
        }
        let path = match &self.path {
            Some(path) => path.clone(),
            None => format!("target/{}.duckdb", self.name),
        };
        Some(resolve_path(project_dir, &path))
    }
}

/// The contents of `c360.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Config {
    /// `[project] name`, when set (see [`Config::project_name`]).
    pub name: Option<String>,
    /// `[project] default_target`, when set and naming a declared target.
    pub default_target: Option<String>,
    /// The declared targets, in file order.
    pub targets: Vec<Target>,
}

impl Config {
    /// The project's name: `[project] name`, else the name of the project directory
    /// `project_dir`, else `"c360"`.
    pub fn project_name(&self, project_dir: &Path) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        project_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "c360".to_string())
    }

    /// The names of the targets `--target` accepts, in file order (the built-in `dev` when
    /// none is declared).
    pub fn target_names(&self) -> Vec<&str> {
        if self.targets.is_empty() {
            vec![BUILTIN_TARGET]
        } else {
            self.targets.iter().map(|t| t.name.as_str()).collect()
        }
    }

    /// The target used when none is named: `default_target`, else `dev`, else the first
    /// declared target, else the built-in target.
    pub fn default_target(&self) -> &Target {
        let named = |name: &str| self.targets.iter().find(|t| t.name == name);
        self.default_target
            .as_deref()
            .and_then(named)
            .or_else(|| named(BUILTIN_TARGET))
            .or_else(|| self.targets.first())
            .unwrap_or_else(|| Target::builtin())
    }

    /// The target called `name`, or the default target when `name` is `None`. The error
    /// names the known targets and the closest match.
    pub fn target(&self, name: Option<&str>) -> Result<&Target, String> {
        let Some(name) = name else {
            return Ok(self.default_target());
        };
        if self.targets.is_empty() {
            if name == BUILTIN_TARGET {
                return Ok(Target::builtin());
            }
            return Err(format!(
                "unknown target `{name}`: c360.toml declares no targets, so the only target is \
                 the built-in `{BUILTIN_TARGET}` (DuckDB at `{BUILTIN_DATABASE}`)"
            ));
        }
        if let Some(target) = self.targets.iter().find(|t| t.name == name) {
            return Ok(target);
        }
        let names = self.target_names();
        let hint = match suggest(name, &names) {
            Some(s) => format!("did you mean `{s}`? "),
            None => String::new(),
        };
        Err(format!(
            "unknown target `{name}`; {hint}the targets in c360.toml are {}",
            list_names(&names)
        ))
    }
}

/// Parses `c360.toml`.
///
/// Returns the configuration and every problem found, sorted by position. When the text is
/// not valid TOML the result is `None` with only the syntax errors (E0010): a half-read file
/// could silently mix two targets, and checks of a guessed document would only echo the
/// syntax errors. Otherwise the configuration is `Some` even when some entries are wrong
/// (E0011, E0012): those entries, or the targets they make unusable, are left out.
pub fn parse_config(text: &str) -> (Option<Config>, Vec<Diagnostic>) {
    let (root, errors) = DeTable::parse_recoverable(text);
    let mut parser = ConfigParser {
        text,
        file: config_file_id(),
        diags: Vec::new(),
    };
    if !errors.is_empty() {
        // The recovered document is a guess: checking it would add errors that only echo the
        // syntax error, so the other checks wait until the file parses.
        for error in &errors {
            parser.syntax_error(error);
        }
        let mut diags = parser.diags;
        sort_diagnostics(&mut diags);
        return (None, diags);
    }
    let config = parser.document(root.get_ref());
    let mut diags = parser.diags;
    sort_diagnostics(&mut diags);
    (Some(config), diags)
}

const ROOT_KEYS: &[&str] = &["project", "targets"];
const PROJECT_KEYS: &[&str] = &["name", "default_target"];
const TARGET_KEYS: &[&str] = &["engine", "dialect", "path", "schema", "url", "tables"];

type Key<'i> = Spanned<DeString<'i>>;
type Value<'i> = Spanned<DeValue<'i>>;

/// The entries of `table` in file order (the parser's map is ordered by key).
fn entries<'t, 'i>(table: &'t DeTable<'i>) -> Vec<(&'t Key<'i>, &'t Value<'i>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

fn span_of<T>(spanned: &Spanned<T>) -> Span {
    let range = spanned.span();
    Span::new(range.start, range.end.max(range.start))
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&word, &c.to_ascii_lowercase()),
                *c,
            )
        })
        .filter(|&(distance, c)| distance <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, c)| c)
}

/// `` `a`, `b` and `c` ``.
fn list_names(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        None => "none".to_string(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// "a string", "an integer", … for a TOML value.
fn describe(value: &DeValue<'_>) -> String {
    let kind = value.type_str();
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {kind}")
}

/// A string value with its span.
struct Text {
    value: String,
    span: Span,
}

struct ConfigParser<'s> {
    text: &'s str,
    file: FileId,
    diags: Vec<Diagnostic>,
}

impl ConfigParser<'_> {
    /// Records a diagnostic whose primary label says `label`; returns it for a help line.
    fn error(
        &mut self,
        code: Code,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diags.push(
            Diagnostic::new(code, self.file.clone(), span, message).with_primary_message(label),
        );
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn syntax_error(&mut self, error: &toml::de::Error) {
        let range = error.span().unwrap_or(0..0);
        let start = range.start.min(self.text.len());
        let span = Span::new(start, range.end.clamp(start, self.text.len()));
        let found = self.text.get(span.range()).unwrap_or("").trim();
        let description = error.message();
        // toml's messages read "what is wrong, expected what": the label keeps the second half.
        let label = match description.split_once(", expected ") {
            Some((_, expected)) => format!("expected {expected}"),
            None => String::new(),
        };
        let (message, label, help) = if description == "duplicate key" && !found.is_empty() {
            (
                format!("duplicate key `{found}`"),
                "defined again here".to_string(),
                Some("a key or table may appear only once; remove or rename one of them"),
            )
        } else if description.starts_with("string values must be quoted") {
            (
                format!("invalid TOML: {description}"),
                label,
                Some("write text in double quotes, e.g. `engine = \"duckdb\"`"),
            )
        } else {
            (format!("invalid TOML: {description}"), label, None)
        };
        let diag = self.error(codes::E0010, span, message, label);
        diag.help = help.map(str::to_string);
    }

    fn unknown_key(&mut self, key: &Key<'_>, place: &str, valid: &[&str]) {
        let name: &str = key.get_ref();
        let span = span_of(key);
        let keys = format!("the keys of {place} are {}", list_names(valid));
        let mut diag = Diagnostic::new(
            codes::E0011,
            self.file.clone(),
            span,
            format!("unknown key `{name}` in {place}"),
        )
        .with_primary_message("unknown key");
        diag = match suggest(name, valid) {
            Some(s) => diag
                .with_help(format!("did you mean `{s}`? {}", sentence(&keys)))
                .with_replacement(format!("replace with `{s}`"), span, s),
            None => diag.with_help(format!("remove it; {keys}")),
        };
        self.diags.push(diag);
    }

    /// Reports a value of the wrong TOML type.
    fn wrong_type(&mut self, value: &Value<'_>, what: &str, expected: &str, example: &str) {
        let found = describe(value.get_ref());
        self.error(
            codes::E0012,
            span_of(value),
            format!("{what} must be {expected}, not {found}"),
            format!("expected {expected}"),
        )
        .help = Some(format!("write it like `{example}`"));
    }

    /// A non-empty string value; reports anything else.
    fn string(&mut self, value: &Value<'_>, what: &str, example: &str) -> Option<Text> {
        match value.get_ref() {
            DeValue::String(s) if !s.trim().is_empty() => Some(Text {
                value: s.to_string(),
                span: span_of(value),
            }),
            DeValue::String(_) => {
                self.error(
                    codes::E0012,
                    span_of(value),
                    format!("{what} is empty"),
                    "empty",
                )
                .help = Some(format!("write it like `{example}`, or remove it"));
                None
            }
            _ => {
                self.wrong_type(value, what, "a string", example);
                None
            }
        }
    }

    /// A string value that parses as a `T` (an engine or a dialect named in `valid`); reports
    /// unknown names with the closest valid one.
    fn name_of<T>(&mut self, value: &Value<'_>, what: &str, valid: &[&'static str]) -> Option<T>
    where
        T: FromStr,
    {
        let example = format!("{what} = \"{}\"", valid[0]);
        let text = self.string(value, &format!("`{what}`"), &example)?;
        if let Ok(parsed) = text.value.parse::<T>() {
            return Some(parsed);
        }
        let all = list_names(valid);
        let mut diag = Diagnostic::new(
            codes::E0012,
            self.file.clone(),
            text.span,
            format!("unknown {what} `{}`", text.value),
        )
        .with_primary_message(format!("not a known {what}"));
        diag = match suggest(&text.value, valid) {
            Some(s) => diag
                .with_help(format!("did you mean `{s}`? The {what}s are {all}"))
                .with_replacement(format!("replace with `{s}`"), text.span, format!("\"{s}\"")),
            None => diag.with_help(format!("use one of the {what}s: {all}")),
        };
        self.diags.push(diag);
        None
    }

    fn document(&mut self, root: &DeTable<'_>) -> Config {
        let mut config = Config::default();
        let mut default_target = None;
        for (key, value) in entries(root) {
            match &**key.get_ref() {
                "project" => default_target = self.project(value, &mut config),
                "targets" => config.targets = self.targets(value),
                _ => self.unknown_key(key, "c360.toml", ROOT_KEYS),
            }
        }
        if let Some(name) = default_target {
            config.default_target = self.check_default_target(name, &config);
        }
        config
    }

    /// Reads `[project]` into `config`; returns `default_target` for checking once the targets
    /// are known.
    fn project(&mut self, value: &Value<'_>, config: &mut Config) -> Option<Text> {
        let Some(table) = value.get_ref().as_table() else {
            self.wrong_type(value, "`project`", "a table", "[project]");
            return None;
        };
        let mut default_target = None;
        for (key, value) in entries(table) {
            match &**key.get_ref() {
                "name" => {
                    config.name = self
                        .string(value, "`name`", "name = \"shop\"")
                        .map(|t| t.value)
                }
                "default_target" => {
                    default_target =
                        self.string(value, "`default_target`", "default_target = \"dev\"")
                }
                _ => self.unknown_key(key, "`[project]`", PROJECT_KEYS),
            }
        }
        default_target
    }

    fn check_default_target(&mut self, name: Text, config: &Config) -> Option<String> {
        let names = config.target_names();
        if names.contains(&name.value.as_str()) {
            return Some(name.value);
        }
        let mut diag = Diagnostic::new(
            codes::E0012,
            self.file.clone(),
            name.span,
            format!("default target `{}` is not a declared target", name.value),
        )
        .with_primary_message("not a declared target");
        diag = match suggest(&name.value, &names) {
            Some(s) => diag
                .with_help(format!(
                    "did you mean `{s}`? The targets are {}",
                    list_names(&names)
                ))
                .with_replacement(format!("replace with `{s}`"), name.span, format!("\"{s}\"")),
            None => diag.with_help(format!(
                "declare it under `[targets.{}]`, or name one of {}",
                name.value,
                list_names(&names)
            )),
        };
        self.diags.push(diag);
        None
    }

    fn targets(&mut self, value: &Value<'_>) -> Vec<Target> {
        let Some(table) = value.get_ref().as_table() else {
            self.wrong_type(value, "`targets`", "a table", "[targets.dev]");
            return Vec::new();
        };
        entries(table)
            .into_iter()
            .filter_map(|(key, value)| self.target(key, value))
            .collect()
    }

    fn target(&mut self, key: &Key<'_>, value: &Value<'_>) -> Option<Target> {
        let name = key.get_ref().to_string();
        let name_span = span_of(key);
        if name.trim().is_empty() {
            self.error(
                codes::E0012,
                name_span,
                "a target's name is empty",
                "empty name",
            )
            .help = Some("name the target, e.g. `[targets.dev]`".to_string());
            return None;
        }
        let Some(table) = value.get_ref().as_table() else {
            self.wrong_type(
                value,
                &format!("target `{name}`"),
                "a table",
                &format!("[targets.{name}]"),
            );
            return None;
        };
        let place = format!("target `{name}`");

        let mut engine = None;
        let mut dialect = None;
        let mut path = None;
        let mut schema = None;
        let mut url = None;
        let mut tables = None;
        // Whether `engine` or `dialect` was given but invalid (already reported).
        let mut invalid = false;
        for (key, value) in entries(table) {
            match &**key.get_ref() {
                "engine" => {
                    engine = self
                        .name_of::<Engine>(value, "engine", &names(Engine::all(), Engine::name))
                        .map(|e| (e, span_of(value)));
                    invalid |= engine.is_none();
                }
                "dialect" => {
                    dialect = self
                        .name_of::<Dialect>(value, "dialect", &names(Dialect::all(), Dialect::name))
                        .map(|d| (d, span_of(value)));
                    invalid |= dialect.is_none();
                }
                "path" => {
                    path = self
                        .string(value, "`path`", "path = \"target/dev.duckdb\"")
                        .map(|t| (t, span_of(key)))
                }
                "schema" => schema = self.string(value, "`schema`", "schema = \"main\""),
                "url" => {
                    url = self
                        .string(value, "`url`", "url = \"postgres://user@localhost/db\"")
                        .map(|t| (t, span_of(key)))
                }
                "tables" => tables = Some((self.tables(value, &name), span_of(key))),
                _ => self.unknown_key(key, &place, TARGET_KEYS),
            }
        }

        let dialect = match (engine, dialect) {
            (Some((e, e_span)), Some((d, d_span))) if e.dialect() != d => {
                let diag = Diagnostic::new(
                    codes::E0012,
                    self.file.clone(),
                    d_span,
                    format!(
                        "target `{name}` runs on engine `{e}`, whose dialect is `{}`, not `{d}`",
                        e.dialect()
                    ),
                )
                .with_primary_message(format!("engine `{e}` implies dialect `{}`", e.dialect()))
                .with_label(self.file.clone(), e_span, "engine set here")
                .with_help(format!(
                    "remove `dialect` (the engine sets it), or remove `engine` to make \
                     `{name}` a compile-only `{d}` target"
                ));
                self.diags.push(diag);
                e.dialect()
            }
            (Some((e, _)), _) => e.dialect(),
            (None, Some((d, _))) => d,
            (None, None) => {
                if !invalid {
                    self.error(
                        codes::E0012,
                        name_span,
                        format!("target `{name}` has neither an `engine` nor a `dialect`"),
                        "needs an `engine` or a `dialect`",
                    )
                    .help = Some(format!(
                        "add `engine = \"duckdb\"` to run on the embedded DuckDB, or a `dialect` \
                         (one of {}) to only compile",
                        list_names(&names(Dialect::all(), Dialect::name))
                    ));
                }
                return None;
            }
        };
        let engine = engine.map(|(e, _)| e);

        if let Some((_, span)) = &path {
            if engine != Some(Engine::DuckDb) {
                self.error(
                    codes::E0012,
                    *span,
                    format!("`path` of target `{name}` is only used by the `duckdb` engine"),
                    "not used by this target",
                )
                .help = Some(match engine {
                    Some(e) => format!("remove `path`: engine `{e}` has no database file"),
                    None => "remove `path`, or add `engine = \"duckdb\"`".to_string(),
                });
            }
        }
        match (&url, engine) {
            (None, Some(Engine::Postgres)) => {
                self.error(
                    codes::E0012,
                    name_span,
                    format!("target `{name}` runs on PostgreSQL but has no `url`"),
                    "needs a `url`",
                )
                .help = Some(
                    "add the server's address, e.g. `url = \"postgres://user@localhost:5432/db\"`"
                        .to_string(),
                );
            }
            (Some((text, _)), Some(Engine::Postgres)) => {
                let v = &text.value;
                if !(v.starts_with("postgres://")
                    || v.starts_with("postgresql://")
                    || v.contains('='))
                {
                    self.error(
                        codes::E0012,
                        text.span,
                        format!("`url` of target `{name}` is not a PostgreSQL connection string"),
                        "not a PostgreSQL URL",
                    )
                    .help = Some(
                        "write a URL like `postgres://user@localhost:5432/db`, or key=value \
                         pairs like `host=localhost dbname=db`"
                            .to_string(),
                    );
                }
            }
            (Some((_, span)), other) if other != Some(Engine::Spark) => {
                self.error(
                    codes::E0012,
                    *span,
                    format!(
                        "`url` of target `{name}` is only used by the `postgres` and `spark` \
                         engines"
                    ),
                    "not used by this target",
                )
                .help = Some("remove `url`".to_string());
            }
            _ => {}
        }
        if let (Some((list, span)), None) = (&tables, engine) {
            if !list.is_empty() {
                self.error(
                    codes::E0012,
                    *span,
                    format!("compile-only target `{name}` never loads local `tables`"),
                    "never loaded",
                )
                .help = Some(
                    "move the tables to a target with an `engine`, or add an `engine`".to_string(),
                );
            }
        }

        Some(Target {
            name,
            engine,
            dialect,
            path: path.map(|(t, _)| t.value),
            schema: schema.map(|t| t.value),
            url: url.map(|(t, _)| t.value),
            tables: tables.map(|(list, _)| list).unwrap_or_default(),
            span: name_span,
        })
    }

    fn tables(&mut self, value: &Value<'_>, target: &str) -> Vec<LocalTable> {
        let Some(table) = value.get_ref().as_table() else {
            self.wrong_type(
                value,
                &format!("`tables` of target `{target}`"),
                "a table",
                &format!("[targets.{target}.tables]"),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in entries(table) {
            let name: &str = key.get_ref();
            if !valid_table_name(name) {
                self.error(
                    codes::E0012,
                    span_of(key),
                    format!("`{name}` is not a table name"),
                    "not a table name",
                )
                .help = Some(
                    "write `table`, `schema.table` or `db.schema.table`, as the source does"
                        .to_string(),
                );
                continue;
            }
            let short = name.rsplit('.').next().unwrap_or(name);
            let Some(path) = self.string(
                value,
                &format!("the file of table `{name}`"),
                &format!("\"{name}\" = \"data/{short}.csv\""),
            ) else {
                continue;
            };
            let Some(format) = TableFormat::from_path(&path.value) else {
                self.error(
                    codes::E0012,
                    path.span,
                    format!(
                        "`{}` is neither a CSV nor a Parquet file (table `{name}`)",
                        path.value
                    ),
                    "unsupported file type",
                )
                .help = Some("local tables are `.csv`, `.csv.gz` or `.parquet` files".to_string());
                continue;
            };
            out.push(LocalTable {
                table: name.to_string(),
                path: path.value,
                format,
                span: path.span,
            });
        }
        out
    }
}

/// `table`, `schema.table` or `db.schema.table`, each part non-empty without blanks.
fn valid_table_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && !p.chars().any(char::is_whitespace))
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|&x| name(x)).collect()
}

/// `text` with its first letter in upper case, to follow a question in a help line.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
