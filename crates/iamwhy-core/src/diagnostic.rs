//! Problems found in user input, with the place they were found.
//!
//! Every parser in iamwhy reports [`Diagnostic`]s: one line of message written for the user
//! (lower-case start, no final period, user input in backticks), an optional help line with
//! the fix, and the [`Span`] it applies to. The binary turns the span into file, line and
//! column through the [`SourceMap`](crate::SourceMap), quotes the line and underlines the text.

use std::fmt;

use crate::source::Span;

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// AWS would reject the input; nothing can be evaluated from it.
    Error,
    /// AWS accepts the input but it probably does not do what was meant.
    Warning,
}

/// One problem in user input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable kebab-case code, e.g. `unknown-element`.
    pub code: &'static str,
    /// The message, written for the user.
    pub message: String,
    /// Where the problem is.
    pub span: Option<Span>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(code: &'static str, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: Some(span),
            help: None,
        }
    }

    /// A warning at `span`.
    pub fn warning(code: &'static str, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span)
        }
    }

    /// An error about a whole input (a file that cannot be read), with no place in it.
    pub fn unplaced_error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            help: None,
        }
    }

    /// A warning about a whole input, with no place in it.
    pub fn unplaced_warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::unplaced_error(code, message)
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A non-empty list of diagnostics, at least one of them an error: what a parser returns
/// when it cannot produce a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// Wraps a list; callers make sure it holds an error.
    pub fn new(list: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics(list)
    }

    /// One error.
    pub fn single(d: Diagnostic) -> Diagnostics {
        Diagnostics(vec![d])
    }

    /// The diagnostics, errors and warnings, in the order found.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Moves the diagnostics out.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }

    /// The first error.
    pub fn first_error(&self) -> Option<&Diagnostic> {
        self.0.iter().find(|d| d.is_error())
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.first_error().or_else(|| self.0.first()) {
            Some(d) => d.fmt(f),
            None => f.write_str("invalid input"),
        }
    }
}

impl std::error::Error for Diagnostics {}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}
