//! "Show compiled SQL": the project holding a document, compiled for one dialect.
//!
//! The text comes from [`c360_sql::compile_model`] and [`c360_sql::Compiled::script`], the
//! same calls `c360 compile DIR --dialect D` makes when it prints to stdout, so the editor and
//! the command line show the same bytes. Editors reach it through the request
//! [`METHOD`] or the command [`COMMAND`] (`workspace/executeCommand`).

use c360_diagnostics::{sort_diagnostics, Diagnostic, PositionEncoding};
use c360_project::{config_file_id, parse_config, Dialect, Target};
use serde::Serialize;
use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::Uri;

use crate::server::invalid;
use crate::state::{Project, State};

/// The custom request: params `{ uri, dialect? }`, result [`CompiledSql`].
pub const METHOD: &str = "c360/compiledSql";

/// The command with the same effect, for clients that only speak `workspace/executeCommand`:
/// arguments `[uri, dialect?]` or `[{ uri, dialect? }]`.
pub const COMMAND: &str = "c360.showCompiledSql";

/// LSP 3.17's `RequestFailed`: the request was valid but the server could not answer it.
const REQUEST_FAILED: i64 = -32803;

/// What the editor asked for.
#[derive(Debug, PartialEq)]
pub struct Params {
    /// A document of the project.
    pub uri: Uri,
    /// The dialect's name; `None` means the default target's dialect.
    pub dialect: Option<String>,
}

/// The answer: the project's SQL script and the dialect it is written in.
#[derive(Debug, Serialize)]
pub struct CompiledSql {
    /// Every compiled file in execution order, each under a `-- file: NAME` line.
    pub sql: String,
    /// The dialect's name, e.g. `"duckdb"`.
    pub dialect: &'static str,
}

const USAGE: &str = "expected `{\"uri\": \"file:///…/features.c360\", \"dialect\": \"duckdb\"}` \
                     (`dialect` is optional)";

/// Reads the params of [`METHOD`]: an object with `uri` and an optional `dialect`.
pub fn params_from_request(params: Option<Value>) -> Result<Params> {
    match params {
        Some(Value::Object(map)) => {
            let uri = match map.get("uri") {
                Some(Value::String(s)) => parse_uri(s)?,
                Some(other) => {
                    return Err(invalid(format!(
                        "`uri` must be a string, not `{other}`; {USAGE}"
                    )))
                }
                None => return Err(invalid(format!("`uri` is missing; {USAGE}"))),
            };
            let dialect = match map.get("dialect") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => {
                    return Err(invalid(format!(
                        "`dialect` must be a string, not `{other}`; {USAGE}"
                    )))
                }
            };
            Ok(Params { uri, dialect })
        }
        Some(other) => Err(invalid(format!(
            "`{METHOD}` takes an object, not `{other}`; {USAGE}"
        ))),
        None => Err(invalid(format!("`{METHOD}` needs params; {USAGE}"))),
    }
}

/// Reads the arguments of [`COMMAND`]: `[uri]`, `[uri, dialect]` or `[{ uri, dialect? }]`.
pub fn params_from_arguments(arguments: Vec<Value>) -> Result<Params> {
    let mut arguments = arguments.into_iter();
    match (arguments.next(), arguments.next(), arguments.next()) {
        (Some(object @ Value::Object(_)), None, None) => params_from_request(Some(object)),
        (Some(Value::String(uri)), dialect, None) => {
            let dialect = match dialect {
                None | Some(Value::Null) => None,
                Some(Value::String(d)) => Some(d),
                Some(other) => {
                    return Err(invalid(format!(
                        "the dialect argument of `{COMMAND}` must be a string, not `{other}`"
                    )))
                }
            };
            Ok(Params {
                uri: parse_uri(&uri)?,
                dialect,
            })
        }
        _ => Err(invalid(format!(
            "`{COMMAND}` takes the document's URI and optionally a dialect, e.g. \
             [\"file:///…/features.c360\", \"snowflake\"]"
        ))),
    }
}

fn parse_uri(text: &str) -> Result<Uri> {
    text.parse::<Uri>()
        .map_err(|_| invalid(format!("`{text}` is not a valid URI")))
}

/// Parses a dialect name; the error lists the valid names and suggests the closest one.
pub fn parse_dialect(name: &str) -> Result<Dialect> {
    if let Ok(d) = name.parse::<Dialect>() {
        return Ok(d);
    }
    let names: Vec<&str> = Dialect::all().iter().map(|d| d.name()).collect();
    let hint = match c360_sema::closest(name, names.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? "),
        None => String::new(),
    };
    Err(invalid(format!(
        "unknown dialect `{name}`; {hint}expected one of {}",
        names.join(", ")
    )))
}

fn failed(message: String) -> Error {
    Error {
        code: ErrorCode::ServerError(REQUEST_FAILED),
        message: message.into(),
        data: None,
    }
}

/// `file:line:col` (1-based, columns in characters) of a diagnostic's primary label.
fn location(project: &Project, d: &Diagnostic) -> String {
    let file = &d.primary.file;
    match project.text(file, PositionEncoding::Chars) {
        Some(text) => {
            let p = text.position(d.primary.span.start as usize);
            format!("{file}:{}:{}", p.line + 1, p.character + 1)
        }
        None => file.to_string(),
    }
}

/// Compiles the project holding `params.uri` for the requested dialect (default: the default
/// target's). A project with errors, or a construct the dialect cannot express, is an error
/// response that says what to fix.
pub fn compiled_sql(state: &State, params: &Params) -> Result<CompiledSql> {
    let requested = params.dialect.as_deref().map(parse_dialect).transpose()?;
    let f = super::file(state, &params.uri)?;
    let project = f.project;
    let workspace = &project.workspace;
    if workspace.paths().next().is_none() {
        return Err(failed(format!(
            "the project at `{}` has no .c360 files to compile",
            project.root.display()
        )));
    }
    let mut errors: Vec<Diagnostic> = project
        .diagnostics()
        .into_values()
        .flatten()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    if !errors.is_empty() {
        sort_diagnostics(&mut errors);
        let first = &errors[0];
        let count = match errors.len() {
            1 => "1 error".to_string(),
            n => format!("{n} errors"),
        };
        return Err(failed(format!(
            "the project has {count}, so it cannot be compiled; the first is at {}: {}",
            location(project, first),
            first.message
        )));
    }
    let config = workspace
        .text(&config_file_id())
        .and_then(|text| parse_config(text).0);
    let dialect = requested.unwrap_or_else(|| match &config {
        Some(config) => config.default_target().dialect,
        None => Target::builtin().dialect,
    });
    let model = &workspace.check().model;
    match c360_sql::compile_model(model, config.as_ref(), dialect, None, None) {
        Ok(compiled) => Ok(CompiledSql {
            sql: compiled.script(),
            dialect: dialect.name(),
        }),
        Err(mut problems) => {
            sort_diagnostics(&mut problems);
            let lines: Vec<String> = problems
                .iter()
                .map(|d| {
                    let mut line = format!("{}: {}", location(project, d), d.message);
                    if let Some(help) = &d.help {
                        line.push_str(&format!(" (help: {help})"));
                    }
                    line
                })
                .collect();
            Err(failed(format!(
                "the project cannot be compiled to {}: {}",
                dialect.name(),
                lines.join("; ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_params_accept_an_optional_dialect() {
        let p = params_from_request(Some(json!({ "uri": "file:///p/a.c360" }))).expect("params");
        assert_eq!(p.uri.as_str(), "file:///p/a.c360");
        assert_eq!(p.dialect, None);
        let p = params_from_request(Some(
            json!({ "uri": "file:///p/a.c360", "dialect": "bigquery" }),
        ))
        .expect("params");
        assert_eq!(p.dialect.as_deref(), Some("bigquery"));
    }

    #[test]
    fn malformed_request_params_are_invalid_params_with_usage() {
        for bad in [
            None,
            Some(json!([])),
            Some(json!({})),
            Some(json!({ "uri": 5 })),
            Some(json!({ "uri": "file:///a.c360", "dialect": 1 })),
        ] {
            let e = params_from_request(bad.clone()).expect_err("rejected");
            assert_eq!(e.code, ErrorCode::InvalidParams, "{bad:?}");
            assert!(e.message.contains("uri"), "{bad:?}: {}", e.message);
        }
    }

    #[test]
    fn command_arguments_take_a_uri_and_dialect_or_an_object() {
        let uri = "file:///p/a.c360";
        let positional = params_from_arguments(vec![json!(uri), json!("snowflake")]).expect("args");
        let object = params_from_arguments(vec![json!({ "uri": uri, "dialect": "snowflake" })])
            .expect("args");
        assert_eq!(positional, object);
        assert_eq!(
            params_from_arguments(vec![json!(uri)])
                .expect("args")
                .dialect,
            None
        );
        for bad in [
            vec![],
            vec![json!(1)],
            vec![json!(uri), json!(2)],
            vec![json!(uri), json!("duckdb"), json!(3)],
        ] {
            let e = params_from_arguments(bad.clone()).expect_err("rejected");
            assert_eq!(e.code, ErrorCode::InvalidParams, "{bad:?}");
        }
    }

    #[test]
    fn unknown_dialects_list_the_valid_names_and_the_closest() {
        let e = parse_dialect("snowflak").expect_err("unknown");
        assert_eq!(e.code, ErrorCode::InvalidParams);
        assert!(
            e.message.contains("did you mean `snowflake`?"),
            "{}",
            e.message
        );
        for d in Dialect::all() {
            assert!(e.message.contains(d.name()), "{}", e.message);
            assert_eq!(parse_dialect(d.name()).expect("known"), *d);
        }
    }
}
