//! Links against DuckDB's prebuilt shared library in `DUCKDB_LIB_DIR`, and records that
//! directory as a runtime search path so binaries and tests find it without
//! `LD_LIBRARY_PATH`.

use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=DUCKDB_LIB_DIR");
    // Without the variable, libduckdb-sys would try to download DuckDB itself and fail with
    // an unrelated message; this one says what to do.
    let Some(dir) = env::var_os("DUCKDB_LIB_DIR").filter(|d| !d.is_empty()) else {
        fail(
            "DUCKDB_LIB_DIR is not set.\n\
             c360 links DuckDB's prebuilt shared library instead of compiling DuckDB from source.\n\
             Build and test through the scripts, which fetch the library on first use:\n\
             \x20   scripts/c360 run examples/ecommerce\n\
             \x20   scripts/test\n\
             or set the variable yourself:\n\
             \x20   export DUCKDB_LIB_DIR=\"$(scripts/duckdb-lib)\"",
        );
    };
    let dir = Path::new(&dir);
    let found = [
        "libduckdb.so",
        "libduckdb.dylib",
        "duckdb.dll",
        "duckdb.lib",
    ]
    .iter()
    .any(|name| dir.join(name).is_file());
    if !found {
        fail(&format!(
            "DUCKDB_LIB_DIR is `{}`, which holds no DuckDB library (libduckdb.so or libduckdb.dylib).\n\
             Point it at the directory printed by `scripts/duckdb-lib`:\n\
             \x20   export DUCKDB_LIB_DIR=\"$(scripts/duckdb-lib)\"",
            dir.display()
        ));
    }
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
}

fn fail(message: &str) -> ! {
    // Shown by cargo before anything else, one `error:` line per line of the message.
    for line in message.lines() {
        println!("cargo::error={line}");
    }
    std::process::exit(1);
}
