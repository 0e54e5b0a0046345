//! Why an input could not be read.

use std::fmt;
use std::io;

use crate::Limit;
use crate::limit::human_size;

/// An input that could not be read, with the input's name.
#[derive(Debug)]
pub struct InputError {
    name: String,
    kind: InputErrorKind,
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum InputErrorKind {
    /// The operating system refused or failed.
    Io(io::Error),
    /// A directory where a file was expected.
    IsDirectory,
    /// Larger than the limit for its kind of document.
    TooLarge {
        /// The limit.
        limit: Limit,
        /// The size, when known before reading (regular files).
        size: Option<u64>,
    },
    /// Not UTF-8 text.
    NotUtf8 {
        /// Line of the first bad byte, from 1.
        line: usize,
        /// Column (in characters) of the first bad byte, from 1.
        column: usize,
    },
}

impl InputError {
    pub(crate) fn new(name: impl Into<String>, kind: InputErrorKind) -> InputError {
        InputError {
            name: name.into(),
            kind,
        }
    }

    /// The input's name: its path, or `<stdin>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What went wrong.
    pub fn kind(&self) -> &InputErrorKind {
        &self.kind
    }

    /// A help line for the user, where there is one.
    pub fn help(&self) -> Option<String> {
        match &self.kind {
            InputErrorKind::TooLarge { limit, .. } => Some(format!(
                "iamwhy reads at most {limit} for {} (docs/reliability.md lists the limits)",
                limit.what()
            )),
            InputErrorKind::NotUtf8 { .. } => {
                Some("save the file as UTF-8 (JSON must be UTF-8)".to_owned())
            }
            InputErrorKind::Io(_) | InputErrorKind::IsDirectory => None,
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.name;
        match &self.kind {
            InputErrorKind::Io(e) => write!(f, "cannot read `{name}`: {e}"),
            InputErrorKind::IsDirectory => write!(f, "`{name}` is a directory, not a file"),
            InputErrorKind::TooLarge {
                limit,
                size: Some(size),
            } => write!(
                f,
                "`{name}` is too large for {}: {} (the limit is {limit})",
                limit.what(),
                human_size(*size)
            ),
            InputErrorKind::TooLarge { limit, size: None } => write!(
                f,
                "`{name}` is too large for {}: more than {limit}",
                limit.what()
            ),
            InputErrorKind::NotUtf8 { line, column } => write!(
                f,
                "`{name}` is not UTF-8 text: invalid byte at line {line}, column {column}"
            ),
        }
    }
}

impl std::error::Error for InputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            InputErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}
