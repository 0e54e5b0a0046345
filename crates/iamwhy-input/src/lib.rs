//! The one input layer of iamwhy: every command reads outside input through it, so that a
//! fix here fixes every command.
//!
//! * [`walk()`] expands command-line paths: files as given (also pipes, FIFOs and `-` for
//!   standard input), directories recursively in a stable order, hidden entries skipped,
//!   symbolic links followed once — a link back to an ancestor is a loop, reported and not
//!   followed, and a directory or file reached twice is read once;
//! * [`read_text`] and [`read_bytes`] read one document that must fit in memory, with a
//!   [`Limit`] checked before reading (regular files) or while streaming (pipes), and a
//!   located message for text that is not UTF-8;
//! * [`gzip`] opens a stream for scanning: gzip recognised by its magic bytes and read to its
//!   last member whatever the path (small files inflated in one call, large files and pipes
//!   streamed), the bytes before a truncation kept.
//!
//! It is not for parsing: what the bytes mean is the caller's business.
//!
//! ```
//! use iamwhy_input::{Limit, Source, read_text};
//!
//! let dir = std::env::temp_dir().join(format!("iamwhy-input-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let file = dir.join("policy.json");
//! std::fs::write(&file, "{\"Version\": \"2012-10-17\"}").unwrap();
//! let text = read_text(&Source::File(file), Limit::POLICY).unwrap();
//! assert!(text.starts_with('{'));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

mod error;
pub mod gzip;
mod limit;
mod read;
mod walk;

pub use error::{InputError, InputErrorKind};
pub use limit::Limit;
pub use read::{BoundedReader, read_bytes, read_text};
pub use walk::{Entry, Problem, Walk, walk};

use std::path::PathBuf;

/// Where an input comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// A path: a regular file, or a pipe, FIFO or device named on the command line.
    File(PathBuf),
    /// Standard input (`-` on the command line).
    Stdin,
}

impl Source {
    /// The source a command-line argument names: `-` is standard input.
    pub fn from_arg(arg: impl Into<PathBuf>) -> Source {
        let path = arg.into();
        if path.as_os_str() == "-" {
            Source::Stdin
        } else {
            Source::File(path)
        }
    }

    /// The name used in messages: the path as given, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "<stdin>".to_owned(),
        }
    }
}
