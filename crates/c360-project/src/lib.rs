//! The `c360.toml` project file and discovery of a project's `.c360` files.
//!
//! [`parse_config`] turns the text of `c360.toml` into a [`Config`] plus diagnostics (E0010
//! invalid TOML, E0011 unknown key, E0012 invalid value), every one pointing into the file.
//! [`discover`] finds a project's files on disk, in the path order the language uses for
//! output columns.

mod config;
mod discover;

pub use config::{
    config_file_id, parse_config, resolve_path, Config, Dialect, Engine, LocalTable, TableFormat,
    Target, UnknownName, BUILTIN_DATABASE, BUILTIN_TARGET, CONFIG_FILE,
};
pub use discover::{discover, DiscoverError, ProjectFiles, SourceFile};
