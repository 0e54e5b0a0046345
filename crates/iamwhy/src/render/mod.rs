//! Rendering results and diagnostics. Text and JSON renderers read the same result models.

mod diagnostics;
mod explain;
mod json;
mod lint;
mod table;
mod text;
mod trail;

use std::io::Write;

use iamwhy_core::{Diagnostic, SourceMap};

use crate::cli::Format;

pub(crate) use diagnostics::render_diagnostics;
pub(crate) use explain::{incidents_text, replay_text};
pub(crate) use json::to_json;
pub(crate) use lint::{LintSummary, lint_json, lint_text};
pub(crate) use table::{select_all_rows, select_all_text};
pub(crate) use text::{comparison_text, simulation_text, test_text};
pub(crate) use trail::{denied_table, scan_summary, timeline_text};

/// Where results and diagnostics go: results to stdout, diagnostics to stderr. The first
/// write error is kept and reported once at the end.
pub(crate) struct Output {
    pub(crate) format: Format,
    pub(crate) color: bool,
    error: Option<std::io::Error>,
}

impl Output {
    pub(crate) fn new(format: Format, color: bool) -> Output {
        Output {
            format,
            color,
            error: None,
        }
    }

    /// Writes a result to stdout.
    pub(crate) fn result(&mut self, text: &str) {
        if self.error.is_some() {
            return;
        }
        let text = match self.format {
            Format::Text => sanitize(text, self.color),
            Format::Json => std::borrow::Cow::Borrowed(text),
        };
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            self.error = Some(e);
        }
    }

    /// Writes diagnostics to stderr, in the output format.
    pub(crate) fn diagnostics<'a>(
        &mut self,
        map: &SourceMap,
        diags: impl IntoIterator<Item = &'a Diagnostic>,
    ) {
        let text = render_diagnostics(
            map,
            diags,
            self.format,
            self.color && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        );
        if !text.is_empty() {
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        }
    }

    /// Writes a plain error line (no location) to stderr.
    pub(crate) fn error_line(&mut self, message: &str) {
        let text = match self.format {
            Format::Text => format!("error: {message}\n"),
            Format::Json => format!(
                "{}\n",
                serde_json::json!({"severity": "error", "message": message})
            ),
        };
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }

    /// Writes a warning line (no location) to stderr.
    pub(crate) fn warning_line(&mut self, message: &str) {
        let text = match self.format {
            Format::Text => format!("warning: {}\n", sanitize(message, false)),
            Format::Json => format!(
                "{}\n",
                serde_json::json!({"severity": "warning", "message": message})
            ),
        };
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }

    /// Writes text for people to stderr (a summary next to machine output on stdout).
    pub(crate) fn note(&mut self, text: &str) {
        let _ = std::io::stderr()
            .lock()
            .write_all(sanitize(text, false).as_bytes());
    }

    /// Keeps a write error from a writer of the command's own, to report at the end.
    pub(crate) fn keep_error(&mut self, e: std::io::Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    pub(crate) fn finish(self) -> std::io::Result<()> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Makes text safe for a terminal: text read from input files (policy excerpts, names,
/// ARNs) could hold escape sequences that move the cursor, set the window title or worse.
/// Control characters other than newline and tab become `\u{FFFD}`; with colour on, the
/// colour sequences (`ESC [ digits ; m`) are kept.
pub(crate) fn sanitize(text: &str, keep_colour: bool) -> std::borrow::Cow<'_, str> {
    let is_sgr = |rest: &str| {
        let body = rest.strip_prefix('[')?;
        let end = body.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
        // `[`, the parameters and `m`.
        body.get(end..)?
            .starts_with('m')
            .then_some(end.saturating_add(2))
    };
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let after = rest.get(c.len_utf8()..).unwrap_or("");
        if c == '\x1b'
            && keep_colour
            && let Some(len) = is_sgr(after)
        {
            out.push(c);
            out.push_str(after.get(..len).unwrap_or(""));
            rest = after.get(len..).unwrap_or("");
            continue;
        }
        if c.is_control() && c != '\n' && c != '\t' {
            out.push('\u{FFFD}');
        } else {
            out.push(c);
        }
        rest = after;
    }
    std::borrow::Cow::Owned(out)
}

/// ANSI styling, only when colour is on.
pub(crate) struct Paint(pub(crate) bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    pub(crate) fn red(&self, s: &str) -> String {
        self.wrap("1;31", s)
    }
    pub(crate) fn green(&self, s: &str) -> String {
        self.wrap("1;32", s)
    }
    pub(crate) fn yellow(&self, s: &str) -> String {
        self.wrap("1;33", s)
    }
    pub(crate) fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub(crate) fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn terminal_escapes_from_input_are_neutralised() {
        let hostile = "name\x1b]0;pwned\x07 \x1b[2J end";
        assert_eq!(
            sanitize(hostile, false),
            "name\u{FFFD}]0;pwned\u{FFFD} \u{FFFD}[2J end"
        );
        // With colour on, colour sequences survive and nothing else does.
        assert_eq!(
            sanitize("\x1b[1;31mDeny\x1b[0m \x1b]0;t\x07", true),
            "\x1b[1;31mDeny\x1b[0m \u{FFFD}]0;t\u{FFFD}"
        );
        assert_eq!(sanitize("plain\ttext\n", false), "plain\ttext\n");
    }
}
