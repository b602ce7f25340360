//! A temporary directory for one test, removed when the test ends (pass or fail).

use std::ops::Deref;
use std::path::PathBuf;

/// A directory under the system's temporary directory, deleted on drop.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A fresh, empty directory named after the test and the process.
    pub fn new(prefix: &str, name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("c360-{prefix}-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the temporary directory can be created");
        Scratch(dir)
    }
}

impl Deref for Scratch {
    type Target = PathBuf;

    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl AsRef<std::path::Path> for Scratch {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
