//! Diagnostics as rustc-style text (message, `--> file:line:column`, the line quoted and the
//! span underlined, help) or as JSON lines.

use std::fmt::Write as _;

use iamwhy_core::{Diagnostic, Severity, SourceMap};

use super::Paint;
use crate::cli::Format;

pub(crate) fn render_diagnostics<'a>(
    map: &SourceMap,
    diags: impl IntoIterator<Item = &'a Diagnostic>,
    format: Format,
    color: bool,
) -> String {
    let mut out = String::new();
    for d in diags {
        match format {
            Format::Text => text(map, d, &Paint(color), &mut out),
            Format::Json => {
                let loc = d.span.map(|s| map.location(s));
                let v = serde_json::json!({
                    "severity": d.severity,
                    "code": d.code,
                    "message": d.message,
                    "file": loc.as_ref().map(|l| l.file.clone()),
                    "line": loc.as_ref().map(|l| l.line),
                    "column": loc.as_ref().map(|l| l.column),
                    "help": d.help,
                });
                let _ = writeln!(out, "{v}");
            }
        }
    }
    out
}

fn text(map: &SourceMap, d: &Diagnostic, paint: &Paint, out: &mut String) {
    let label = match d.severity {
        Severity::Error => paint.red("error"),
        Severity::Warning => paint.yellow("warning"),
    };
    let _ = writeln!(out, "{label}: {}", paint.bold(&d.message));
    if let Some(span) = d.span {
        let loc = map.location(span);
        let _ = writeln!(out, "  --> {}:{}:{}", loc.file, loc.line, loc.column);
        let line = map.line_text(loc.root.source, loc.line);
        let gutter = loc.line.to_string().len();
        let pad = " ".repeat(gutter);
        // Underline from the column to the end of the span or of the line.
        let (_, end_col) = map.line_column(loc.root.source, loc.root.end);
        let end_line = map.location(iamwhy_core::Span {
            start: loc.root.end,
            ..loc.root
        });
        let line_chars = line.chars().count() as u32;
        let last = if end_line.line == loc.line {
            end_col
        } else {
            line_chars + 1
        };
        let width = last.saturating_sub(loc.column).max(1) as usize;
        let shown: String = line.chars().take(200).collect();
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{} | {shown}", loc.line);
        let _ = writeln!(
            out,
            "{pad} | {}{}",
            " ".repeat(loc.column.saturating_sub(1) as usize),
            paint.red(&"^".repeat(width.min(200)))
        );
    }
    if let Some(help) = &d.help {
        let pad = d.span.map_or(1, |s| map.location(s).line.to_string().len());
        let _ = writeln!(out, "{} = help: {help}", " ".repeat(pad));
    }
}
