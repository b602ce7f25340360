//! Compiling a checked project as `c360 compile` and the language server's "Show compiled
//! SQL" both do: one entry point, so the two agree byte for byte.

use std::fmt::Write as _;

use c360_diagnostics::Diagnostic;
use c360_project::{Config, Dialect, Target};
use c360_sema::Model;

use crate::{compile, AsOf, Compiled};

/// The schema the SQL of `dialect` writes into: the schema of `target` when one is chosen;
/// otherwise that of the default target when it uses `dialect`, else of the first target that
/// does; otherwise none (unqualified names).
pub fn schema_for(config: Option<&Config>, dialect: Dialect, target: Option<&Target>) -> String {
    if let Some(target) = target {
        return target.schema.clone().unwrap_or_default();
    }
    let Some(config) = config else {
        return String::new();
    };
    let default = config.default_target();
    let chosen = if default.dialect == dialect {
        Some(default)
    } else {
        config.targets.iter().find(|t| t.dialect == dialect)
    };
    chosen.and_then(|t| t.schema.clone()).unwrap_or_default()
}

/// Lowers a checked, error-free `model` and compiles it for `dialect` into the schema chosen
/// by [`schema_for`].
pub fn compile_model(
    model: &Model,
    config: Option<&Config>,
    dialect: Dialect,
    target: Option<&Target>,
    as_of: Option<&AsOf>,
) -> Result<Compiled, Vec<Diagnostic>> {
    let plan = c360_ir::lower(model);
    compile(
        model,
        &plan,
        dialect,
        &schema_for(config, dialect, target),
        as_of,
    )
}

impl Compiled {
    /// Every file in one text, in execution order, each under a `-- file: NAME` line: what
    /// `c360 compile --dialect D` prints when given no `--out`, and what an editor shows.
    pub fn script(&self) -> String {
        let mut out = String::new();
        for (i, file) in self.files.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let _ = writeln!(out, "-- file: {}", file.name);
            out.push_str(&file.sql);
        }
        out
    }
}
