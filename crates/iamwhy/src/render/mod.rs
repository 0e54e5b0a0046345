//! Rendering results and diagnostics. Text and JSON renderers read the same result models.

mod actions;
mod answer;
mod bulk;
#[cfg(feature = "collect")]
mod collect;
mod creds;
mod diagnostics;
mod explain;
mod generate;
mod json;
mod lint;
mod review;
mod sanitize;
mod table;
mod text;
mod trail;

use std::io::Write;

use iamwhy_core::{Diagnostic, SourceMap};

use crate::cli::Format;

pub(crate) use actions::actions_text;
pub(crate) use answer::answers_text;
pub(crate) use bulk::{can_csv, can_text, who_can_csv, who_can_text};
#[cfg(feature = "collect")]
pub(crate) use collect::collect_text;
pub(crate) use creds::creds_text;
pub(crate) use diagnostics::render_diagnostics;
pub(crate) use explain::{incidents_text, replay_text};
pub(crate) use generate::{generate_terraform, generate_text, unused_csv, unused_text};
pub(crate) use json::to_json;
pub(crate) use lint::{LintSummary, lint_json, lint_text, rules_text};
pub(crate) use review::{review_markdown, review_text};
pub(crate) use sanitize::{Target, sanitize};
pub(crate) use table::{select_all_rows, select_all_text};
pub(crate) use text::{comparison_text, simulation_text, test_text};
pub(crate) use trail::{DeniedSink, denied_table, scan_summary, tally_lines, timeline_text};

/// Where results and diagnostics go: results to stdout, diagnostics to stderr. The first
/// write error is kept and reported once at the end. Everything written passes through
/// [`sanitize()`], so that no escape sequence from input reaches a terminal.
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
        let text = sanitize(text, self.target(self.color));
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            self.error = Some(e);
        }
    }

    /// Writes a result model to stdout as pretty JSON with a final newline, serialised
    /// straight to the output (the same bytes as [`to_json`] then [`Output::result`],
    /// without holding the whole text: a large simulation's JSON runs to hundreds of MB).
    pub(crate) fn json_result<T: serde::Serialize + ?Sized>(&mut self, value: &T) {
        if self.error.is_some() {
            return;
        }
        // Buffered before the sanitiser, which then checks 64 KiB at a time rather than
        // each of serde_json's small pieces.
        let stdout = std::io::stdout().lock();
        let mut w =
            std::io::BufWriter::with_capacity(1 << 16, sanitize::JsonSanitizer::new(stdout));
        let written = serde_json::to_writer_pretty(&mut w, value)
            .map_err(std::io::Error::from)
            .and_then(|()| w.write_all(b"\n"))
            .and_then(|()| w.flush());
        if let Err(e) = written {
            self.error = Some(e);
        }
    }

    /// Writes diagnostics to stderr, in the output format.
    pub(crate) fn diagnostics<'a>(
        &mut self,
        map: &SourceMap,
        diags: impl IntoIterator<Item = &'a Diagnostic>,
    ) {
        let color = self.color && std::io::IsTerminal::is_terminal(&std::io::stderr());
        let text = render_diagnostics(map, diags, self.format, color);
        if !text.is_empty() {
            let text = sanitize(&text, self.target(color));
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
        let text = sanitize(&text, self.target(false));
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }

    /// Writes a warning line (no location) to stderr.
    pub(crate) fn warning_line(&mut self, message: &str) {
        let text = match self.format {
            Format::Text => format!("warning: {message}\n"),
            Format::Json => format!(
                "{}\n",
                serde_json::json!({"severity": "warning", "message": message})
            ),
        };
        let text = sanitize(&text, self.target(false));
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }

    /// Writes text for people to stderr (a summary next to machine output on stdout); never
    /// JSON, whatever the format.
    pub(crate) fn note(&mut self, text: &str) {
        let _ = std::io::stderr()
            .lock()
            .write_all(sanitize(text, Output::text_target(self.color)).as_bytes());
    }

    /// Keeps a write error from a writer of the command's own, to report at the end.
    pub(crate) fn keep_error(&mut self, e: std::io::Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// What [`sanitize()`] prepares text for, in this output's format.
    fn target(&self, color: bool) -> Target {
        match self.format {
            Format::Json => Target::Json,
            Format::Text => Output::text_target(color),
        }
    }

    fn text_target(color: bool) -> Target {
        if color {
            Target::TextWithColour
        } else {
            Target::Text
        }
    }

    pub(crate) fn finish(self) -> std::io::Result<()> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
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
