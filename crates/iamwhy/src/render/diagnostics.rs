//! Diagnostics as rustc-style text (message, `--> file:line:column`, the line quoted and the
//! span underlined, help) or as JSON lines.

use std::fmt::Write as _;

use iamwhy_core::{Diagnostic, Severity, SourceMap, Span};

use super::{Paint, Target, sanitize};
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

/// Widest part of a source line that is quoted.
const WINDOW: usize = 160;

fn text(map: &SourceMap, d: &Diagnostic, paint: &Paint, out: &mut String) {
    let label = match d.severity {
        Severity::Error => paint.red("error"),
        Severity::Warning => paint.yellow("warning"),
    };
    let _ = writeln!(out, "{label}: {}", paint.bold(&d.message));
    if let Some(span) = d.span {
        quote(map, span, paint, out);
    }
    if let Some(help) = &d.help {
        let pad = d.span.map_or(1, |s| map.location(s).line.to_string().len());
        let _ = writeln!(out, "{} = help: {help}", " ".repeat(pad));
    }
}

/// `--> file:line:column`, then the line quoted (a window around the column for long
/// lines) with the span underlined.
pub(crate) fn quote(map: &SourceMap, span: Span, paint: &Paint, out: &mut String) {
    let loc = map.location(span);
    let _ = writeln!(out, "  --> {}:{}:{}", loc.file, loc.line, loc.column);
    let line = map.line_text(loc.root.source, loc.line);
    let gutter = loc.line.to_string().len();
    let pad = " ".repeat(gutter);
    // Underline from the column to the end of the span or of the line.
    let (_, end_col) = map.line_column(loc.root.source, loc.root.end);
    let end_line = map.location(Span {
        start: loc.root.end,
        ..loc.root
    });
    let line_chars = line.chars().count() as u32;
    let last = if end_line.line == loc.line {
        end_col
    } else {
        line_chars.saturating_add(1)
    };
    let width = last.saturating_sub(loc.column).max(1) as usize;
    // Long lines (minified JSON) are shown as a window around the column.
    let column = loc.column.saturating_sub(1) as usize;
    let skip = column.saturating_sub(WINDOW / 2).min(column);
    let skip = if column < WINDOW - 20 { 0 } else { skip };
    // The line is sanitised here rather than with the rest of the text so that the caret
    // still points at the span when a control character before it became `\x1b`.
    let widen = |chars: &mut dyn Iterator<Item = char>| {
        let text: String = chars.collect();
        sanitize(&text, Target::Text).chars().count()
    };
    let mut caret_at = widen(&mut line.chars().skip(skip).take(column.saturating_sub(skip)));
    let width = widen(&mut line.chars().skip(column).take(width)).max(1);
    let shown: String = line.chars().skip(skip).take(WINDOW).collect();
    let mut shown = sanitize(&shown, Target::Text).into_owned();
    if skip > 0 {
        shown.insert(0, '…');
        caret_at = caret_at.saturating_add(1);
    }
    if line.chars().count() > skip.saturating_add(WINDOW) {
        shown.push('…');
    }
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{} | {shown}", loc.line);
    let _ = writeln!(
        out,
        "{pad} | {}{}",
        " ".repeat(caret_at),
        paint.red(&"^".repeat(width.min(WINDOW.saturating_sub(caret_at).max(1))))
    );
}
