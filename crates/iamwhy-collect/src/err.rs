//! The errors that stop a run before it collects anything.

use std::path::PathBuf;

/// Why `collect` could not run at all. A call that fails during the run is not an error but
/// a [`crate::Failure`] in the report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// The output directory exists and is not empty, or cannot be created.
    #[error("cannot use `{path}` as the output directory: {reason}")]
    OutDir {
        /// The directory given.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// The credentials do not work: `sts:GetCallerIdentity` failed.
    #[error("cannot call AWS with these credentials: {0}")]
    Credentials(String),
    /// `--org`, but the organization cannot be read from this account.
    #[error("cannot read the organization: {0}")]
    Organization(String),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}
