use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use c360_diagnostics::codes;

use super::*;

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("c360-project-test-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir(fs::canonicalize(&path).expect("canonical temporary directory"))
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` to `rel`, creating parent directories.
    fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent directories");
        }
        fs::write(&path, contents).expect("write a file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn ids(files: &[SourceFile]) -> Vec<&str> {
    files.iter().map(|f| f.id.as_str()).collect()
}

#[test]
fn finds_c360_files_in_path_order_and_skips_the_right_directories() {
    let dir = TempDir::new();
    dir.write("sources.c360", "source a from \"t\" {}\n");
    dir.write("identity.c360", "id_type email\n");
    dir.write("models/b.c360", "");
    dir.write("models/a.c360", "");
    dir.write("models/deep/z.c360", "");
    dir.write("models/target/kept.c360", "");
    dir.write("a.c360x", "");
    dir.write("notes.txt", "");
    dir.write("target/generated.c360", "");
    dir.write(".git/objects/x.c360", "");
    dir.write(".vscode/y.c360", "");
    dir.write("node_modules/pkg/z.c360", "");
    dir.write("models/node_modules/z.c360", "");
    dir.write(".hidden.c360", "");

    let project = discover(dir.path()).unwrap();
    assert_eq!(project.root, dir.path());
    assert_eq!(
        ids(&project.files),
        [
            "identity.c360",
            "models/a.c360",
            "models/b.c360",
            "models/deep/z.c360",
            "models/target/kept.c360",
            "sources.c360",
        ]
    );
    let first = &project.files[0];
    assert_eq!(first.path, dir.path().join("identity.c360"));
    assert_eq!(first.text.as_deref(), Ok("id_type email\n"));
    assert!(first.path.is_absolute());
    assert!(project.config.is_none());
    assert!(project.read_diagnostics().is_empty());
    let (config, diags) = project.load_config();
    assert_eq!(config, Some(Config::default()));
    assert!(diags.is_empty());
}

#[test]
fn reads_c360_toml_at_the_root() {
    let dir = TempDir::new();
    dir.write("c360.toml", "[targets.dev]\nengine = \"duckdb\"\n");
    dir.write("nested/c360.toml", "not read");
    dir.write("a.c360", "");
    let project = discover(dir.path()).unwrap();
    let config_file = project.config.as_ref().expect("c360.toml found");
    assert_eq!(config_file.id.as_str(), "c360.toml");
    assert_eq!(config_file.path, dir.path().join("c360.toml"));
    let (config, diags) = project.load_config();
    assert!(diags.is_empty());
    assert_eq!(config.unwrap().targets[0].name, "dev");
    assert_eq!(project.project_dir(), dir.path());
}

#[test]
fn broken_c360_toml_gives_no_config() {
    let dir = TempDir::new();
    dir.write("c360.toml", "[targets.dev\n");
    let (config, diags) = discover(dir.path()).unwrap().load_config();
    assert!(config.is_none());
    assert_eq!(diags[0].code, codes::E0010);
}

#[test]
fn non_utf8_files_get_e0008_with_the_offset() {
    let dir = TempDir::new();
    dir.write("latin1.c360", b"id_type caf\xE9\n");
    dir.write("utf16.c360", b"\xFF\xFEi\x00d\x00");
    dir.write("cut.c360", b"id_type \xF0\x9F\x98");
    dir.write("c360.toml", b"name = \"\xFF\"");
    let project = discover(dir.path()).unwrap();
    let diag = |i: usize| project.files[i].text.clone().unwrap_err();

    assert_eq!(
        ids(&project.files),
        ["cut.c360", "latin1.c360", "utf16.c360"]
    );
    let cut = diag(0);
    assert_eq!(cut.code, codes::E0008);
    assert_eq!(
        cut.help.as_deref(),
        Some("the file ends inside a multi-byte character at byte offset 8 (line 1); save it as UTF-8")
    );
    let latin1 = diag(1);
    assert_eq!(latin1.message, "`latin1.c360` is not valid UTF-8");
    assert_eq!(latin1.primary.span, Span::empty(0));
    assert_eq!(
        latin1.help.as_deref(),
        Some(
            "byte 0xE9 at byte offset 11 (line 1) is not UTF-8, which suggests another encoding \
             such as Latin-1 or Windows-1252; save the file as UTF-8"
        )
    );
    assert!(diag(2).help.unwrap().contains("UTF-16"));

    let config = project.config.as_ref().unwrap().text.clone().unwrap_err();
    assert_eq!(config.code, codes::E0008);
    assert_eq!(config.primary.file.as_str(), "c360.toml");
    let (loaded, diags) = project.load_config();
    assert!(loaded.is_none());
    assert!(diags.is_empty());
    // c360.toml's problem comes first, then the files in path order.
    let all = project.read_diagnostics();
    let files: Vec<&str> = all.iter().map(|d| d.primary.file.as_str()).collect();
    assert_eq!(
        files,
        ["c360.toml", "cut.c360", "latin1.c360", "utf16.c360"]
    );
}

#[cfg(unix)]
#[test]
fn symlinks_to_files_are_followed_and_to_directories_are_not() {
    use std::os::unix::fs::symlink;

    let dir = TempDir::new();
    dir.write("real/a.c360", "id_type a\n");
    symlink(dir.path().join("real/a.c360"), dir.path().join("link.c360")).unwrap();
    // A loop: following it would never end.
    symlink(dir.path(), dir.path().join("real/loop")).unwrap();
    symlink(dir.path().join("real"), dir.path().join("real_link")).unwrap();
    symlink(dir.path().join("real"), dir.path().join("dir_link.c360")).unwrap();
    symlink(
        dir.path().join("missing.c360"),
        dir.path().join("broken.c360"),
    )
    .unwrap();

    let project = discover(dir.path()).unwrap();
    assert_eq!(
        ids(&project.files),
        ["broken.c360", "link.c360", "real/a.c360"]
    );
    assert_eq!(project.files[1].text.as_deref(), Ok("id_type a\n"));
    let broken = project.files[0].text.clone().unwrap_err();
    assert_eq!(broken.code, codes::E0013);
    assert!(
        broken
            .message
            .starts_with("cannot read file `broken.c360`: "),
        "{}",
        broken.message
    );
    assert_eq!(
        broken.help.as_deref(),
        Some("the file disappeared or is a broken symbolic link; restore it or remove the link")
    );
}

#[cfg(unix)]
#[test]
fn special_files_are_not_read() {
    use std::os::unix::net::UnixListener;

    let dir = TempDir::new();
    // A socket stands in for any non-regular file (a pipe would block a reader forever).
    let _listener = UnixListener::bind(dir.path().join("sock.c360")).unwrap();
    fs::create_dir(dir.path().join("c360.toml")).unwrap();
    let project = discover(dir.path()).unwrap();
    let sock = project.files[0].text.clone().unwrap_err();
    assert_eq!(sock.code, codes::E0013);
    assert_eq!(sock.message, "`sock.c360` is not a regular file");
    let config = project.config.as_ref().unwrap().text.clone().unwrap_err();
    assert_eq!(config.message, "`c360.toml` is a directory");
}

#[test]
fn a_single_file_is_a_project_of_its_own() {
    let dir = TempDir::new();
    let file = dir.write("sub/one.c360", "entity e { ids = [x] }\n");
    dir.write("sub/other.c360", "");
    dir.write("sub/c360.toml", "[project]\nname = \"p\"\n");
    let project = discover(&file).unwrap();
    assert_eq!(project.root, dir.path().join("sub"));
    assert_eq!(ids(&project.files), ["one.c360"]);
    assert_eq!(project.files[0].path, file);
    assert_eq!(project.load_config().0.unwrap().name.as_deref(), Some("p"));
}

#[test]
fn bad_roots_are_errors() {
    let dir = TempDir::new();
    let missing = dir.path().join("nope");
    let err = discover(&missing).unwrap_err();
    assert_eq!(err, DiscoverError::NotFound(missing.clone()));
    assert_eq!(
        err.to_string(),
        format!("project directory `{}` does not exist", missing.display())
    );

    let text = dir.write("readme.md", "");
    let err = discover(&text).unwrap_err();
    assert_eq!(err, DiscoverError::NotAProject(text.clone()));
    assert_eq!(
        err.to_string(),
        format!(
            "`{}` is neither a directory nor a `.c360` file",
            text.display()
        )
    );
}

#[test]
fn an_empty_directory_is_an_empty_project() {
    let dir = TempDir::new();
    let project = discover(dir.path()).unwrap();
    assert!(project.files.is_empty());
    assert!(project.config.is_none());
}
