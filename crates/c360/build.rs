//! Records DuckDB's library directory (`DUCKDB_LIB_DIR`) as a runtime search path of the
//! `c360` binary and its tests, so they find `libduckdb` without `LD_LIBRARY_PATH`. The
//! c360-engine build script explains what to do when the variable is missing.

fn main() {
    println!("cargo:rerun-if-env-changed=DUCKDB_LIB_DIR");
    if let Some(dir) = std::env::var_os("DUCKDB_LIB_DIR").filter(|d| !d.is_empty()) {
        println!(
            "cargo:rustc-link-arg=-Wl,-rpath,{}",
            std::path::Path::new(&dir).display()
        );
    }
}
