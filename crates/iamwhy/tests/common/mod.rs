//! Running the built binary from the CLI tests.

#![allow(
    clippy::unwrap_used,
    dead_code,
    reason = "test helpers: a failed spawn is a failed test; each test file uses a subset"
)]

use std::process::{Command, Output};

/// Runs `iamwhy ARGS` in the crate's directory without colour.
pub(crate) fn iamwhy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iamwhy"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Standard output as text.
pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `iamwhy ARGS` and checks that it exits with `code` and says `needle` on stderr.
pub(crate) fn fails_with(args: &[&str], code: i32, needle: &str) {
    let o = iamwhy(args);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stdout(&o));
    assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
}
