//! Where the shared CloudTrail samples are, for the tests that read them.
//!
//! The samples are public files (Stratus Red Team, OTRF, plaso, the AWS documentation) whose
//! licences ask for attribution; the project does not carry copies of them. They live in the
//! shared data folder beside the checkout, `../shared/data/` from the workspace root, which CI
//! and every developer machine have; `IAMWHY_SHARED_DATA` names another place. Where each file
//! comes from, with its licence, is in `../shared/data/cloudtrail/SOURCES.md`.
//!
//! Included with `#[path]` by the test files that need it, so that one rule finds the folder.

use std::path::{Path, PathBuf};

/// The variable that names the shared data folder when it is not `../shared/data`.
const VARIABLE: &str = "IAMWHY_SHARED_DATA";

/// The subfolder `name` of the shared data (`cloudtrail`, `cloudtrail-realworld`), or `None`
/// when it is absent, after printing on stderr that the test is skipped and why.
#[allow(
    clippy::print_stderr,
    reason = "a skipped test says why on stderr, where cargo test shows it"
)]
pub(crate) fn shared_data(name: &str) -> Option<PathBuf> {
    let (dir, shown, hint) = match std::env::var_os(VARIABLE) {
        Some(base) => {
            let hint = format!("{VARIABLE}={}", Path::new(&base).display());
            let dir = PathBuf::from(base).join(name);
            let shown = dir.display().to_string();
            (dir, shown, hint)
        }
        // Every crate is `crates/NAME`, so the workspace root is two levels up.
        None => (
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data")
                .join(name),
            format!("../shared/data/{name}"),
            format!("set {VARIABLE}"),
        ),
    };
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {shown} not found ({hint})");
        None
    }
}
