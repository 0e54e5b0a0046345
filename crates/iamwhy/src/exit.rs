//! The one exit-status enum (product.md §2): 0 success, 1 a negative result the user asked
//! to be told about, 2 bad usage or bad input.

use std::process::ExitCode;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ExitStatus {
    /// Success, or the expectation was met.
    Success,
    /// An expectation not met, a failing policy test.
    Negative,
    /// Bad usage or bad input: nothing useful could be done.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        match s {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Negative => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}
