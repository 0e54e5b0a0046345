//! Diagnostics as rustc-style text (message, `--> file:line:column`, the line quoted and the
//! span underlined, help) or as JSON lines.

use std::fmt::Write as _;

use iamwhy_core::{Diagnostic, Severity, SourceMap, Span};

use super::{Paint, Target, sanitize};
use crate::cli::Format;

/// How many further places of a repeated warning are named.
const ALSO_AT: usize = 3;

/// One warning as shown, with the places it repeats at.
struct Repeated<'a> {
    first: &'a Diagnostic,
    count: usize,
    also: Vec<Span>,
}

/// Warnings that say the same thing (code, message, help) are shown once, with a count and
/// the first places; errors are shown one by one. Input order is kept (by first occurrence).
fn group<'a>(diags: impl IntoIterator<Item = &'a Diagnostic>) -> Vec<Repeated<'a>> {
    let mut out: Vec<Repeated<'a>> = Vec::new();
    let mut index: std::collections::HashMap<(&str, &str, Option<&str>), usize> =
        std::collections::HashMap::new();
    for d in diags {
        if d.severity == Severity::Warning {
            let key = (d.code, d.message.as_str(), d.help.as_deref());
            if let Some(r) = index.get(&key).and_then(|i| out.get_mut(*i)) {
                r.count = r.count.saturating_add(1);
                if let (Some(span), true) = (d.span, r.also.len() < ALSO_AT) {
                    r.also.push(span);
                }
                continue;
            }
            index.insert(key, out.len());
        }
        out.push(Repeated {
            first: d,
            count: 1,
            also: Vec::new(),
        });
    }
    out
}

/// `FILE:LINE:COLUMN` of a span.
fn place(map: &SourceMap, span: Span) -> String {
    let l = map.location(span);
    format!("{}:{}:{}", l.file, l.line, l.column)
}

/// Diagnostics as text or JSON lines; a warning repeated N times is shown once with `N
/// times` and its first places (a minified policy set can repeat one finding thousands of
/// times).
pub(crate) fn render_diagnostics<'a>(
    map: &SourceMap,
    diags: impl IntoIterator<Item = &'a Diagnostic>,
    format: Format,
    color: bool,
) -> String {
    let mut out = String::new();
    for r in group(diags) {
        let d = r.first;
        match format {
            Format::Text => {
                text(map, d, &Paint(color), &mut out);
                if r.count > 1 {
                    let pad = d.span.map_or(1, |s| map.location(s).line.to_string().len());
                    let also: Vec<String> = r.also.iter().map(|s| place(map, *s)).collect();
                    let more = if r.count.saturating_sub(1) > also.len() {
                        ", ..."
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        out,
                        "{} = note: {} times in all; also at {}{more}",
                        " ".repeat(pad),
                        r.count,
                        also.join(", ")
                    );
                }
            }
            Format::Json => {
                let loc = d.span.map(|s| map.location(s));
                let mut v = serde_json::json!({
                    "severity": d.severity,
                    "code": d.code,
                    "message": d.message,
                    "file": loc.as_ref().map(|l| l.file.clone()),
                    "line": loc.as_ref().map(|l| l.line),
                    "column": loc.as_ref().map(|l| l.column),
                    "help": d.help,
                });
                if r.count > 1
                    && let Some(o) = v.as_object_mut()
                {
                    o.insert("count".into(), r.count.into());
                    let also: Vec<serde_json::Value> = r
                        .also
                        .iter()
                        .map(|s| {
                            let l = map.location(*s);
                            serde_json::json!({"file": l.file, "line": l.line, "column": l.column})
                        })
                        .collect();
                    o.insert("also_at".into(), also.into());
                }
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
/// lines) with the span underlined. Costs the window, not the line: a minified file is one
/// line of megabytes.
pub(crate) fn quote(map: &SourceMap, span: Span, paint: &Paint, out: &mut String) {
    let loc = map.location(span);
    let _ = writeln!(out, "  --> {}:{}:{}", loc.file, loc.line, loc.column);
    let line = map.line_text(loc.root.source, loc.line);
    let gutter = loc.line.to_string().len();
    let pad = " ".repeat(gutter);
    // Byte offsets within the line: the span's start, and its end or the line's.
    let line_start = map.line_start(loc.root.source, loc.line);
    let floor = |b: usize| {
        let b = b.min(line.len());
        (0..=b)
            .rev()
            .find(|i| line.is_char_boundary(*i))
            .unwrap_or(0)
    };
    let at = floor((loc.root.start as usize).saturating_sub(line_start));
    let end = floor((loc.root.end as usize).saturating_sub(line_start)).max(at);
    // Long lines (minified JSON) are shown as a window around the column.
    let column = loc.column.saturating_sub(1) as usize;
    let back = if column < WINDOW - 20 {
        column
    } else {
        WINDOW / 2
    };
    let from = line
        .get(..at)
        .and_then(|before| before.char_indices().rev().nth(back.saturating_sub(1)))
        .map_or(0, |(i, _)| if back == 0 { at } else { i });
    let skipped = from > 0;
    // The line is sanitised here rather than with the rest of the text so that the caret
    // still points at the span when a control character before it became `\x1b`.
    let widen = |text: &str| sanitize(text, Target::Text).chars().count();
    let mut caret_at = widen(line.get(from..at).unwrap_or(""));
    let underlined: String = line
        .get(at..end)
        .unwrap_or("")
        .chars()
        .take(WINDOW)
        .collect();
    let width = widen(&underlined).max(1);
    let rest = line.get(from..).unwrap_or("");
    let shown: String = rest.chars().take(WINDOW).collect();
    let mut shown = sanitize(&shown, Target::Text).into_owned();
    if skipped {
        shown.insert(0, '…');
        caret_at = caret_at.saturating_add(1);
    }
    if rest.chars().nth(WINDOW).is_some() {
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
