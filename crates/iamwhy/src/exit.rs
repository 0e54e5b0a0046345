//! The one exit-status enum (product.md §2): 0 success, 1 a negative result the user asked
//! to be told about, 2 bad usage or bad input, 3 a partial result.
//!
//! A partial result (issue 18) has its own code, as ripgrep signals "errors occurred but
//! results were printed" with a non-zero status: a script must be able to tell that some
//! input was lost without parsing stderr. It cannot be 2, which promises that nothing useful
//! was done, nor 0, which promises that every input was used.

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
    /// Results were printed, but some inputs (files, records, incidents) could not be used;
    /// stderr says which.
    Partial,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        match s {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Negative => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
            ExitStatus::Partial => ExitCode::from(3),
        }
    }
}
