//! Text for `trail denied` and `trail timeline`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Duration;

use iamwhy_core::time::Instant;
use iamwhy_trail::denied::{Denied, Tally};
use iamwhy_trail::timeline::Call;
use iamwhy_trail::{Event, Stats};

use super::{Output, Paint, Target, sanitize};
use crate::cli::Format;

/// The widest a column gets; a longer cell (a long ARN) is cut in the middle with `…`, so
/// that the columns stay aligned (`--format json` and `csv` keep every value whole).
const MAX_WIDTH: usize = 96;

/// `cell` in at most `width` characters: its start and its end around `…`.
fn middle(cell: &str, width: usize) -> String {
    let n = cell.chars().count();
    if n <= width || width < 3 {
        return cell.to_owned();
    }
    let keep = width.saturating_sub(1);
    let head = keep.div_ceil(2);
    let tail = keep.saturating_sub(head);
    let start: String = cell.chars().take(head).collect();
    let end: String = cell.chars().skip(n.saturating_sub(tail)).collect();
    format!("{start}…{end}")
}

/// Pads `cells` into aligned columns, each as wide as its widest cell up to [`MAX_WIDTH`];
/// the last column is neither padded nor cut.
fn table(header: &[&str], rows: &[Vec<String>], paint: &Paint) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count()).min(MAX_WIDTH);
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            if i.saturating_add(1) == widths.len() {
                l.push_str(cell);
            } else {
                let cell = middle(cell, *w);
                let pad = w.saturating_sub(cell.chars().count());
                let _ = write!(l, "{cell}{:pad$}  ", "");
            }
        }
        l.trim_end().to_owned()
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint.bold(&line(&mut header.iter().copied())));
    for row in rows {
        let _ = writeln!(out, "{}", line(&mut row.iter().map(String::as_str)));
    }
    out
}

/// The table of `trail denied`: time, principal, action, resource, deny kind, policy type.
pub(crate) fn denied_table(rows: &[Denied], paint: &Paint) -> String {
    if rows.is_empty() {
        return "No denied calls found.\n".to_owned();
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|d| {
            vec![
                d.event.event_time.clone(),
                d.principal.clone(),
                d.action.clone(),
                d.resource.clone().unwrap_or_else(|| "-".to_owned()),
                d.denial.deny_kind.as_str().to_owned(),
                d.denial
                    .policy_label()
                    .map_or_else(|| "-".to_owned(), str::to_owned),
            ]
        })
        .collect();
    table(
        &[
            "TIME",
            "PRINCIPAL",
            "ACTION",
            "RESOURCE",
            "DENY",
            "POLICY TYPE",
        ],
        &cells,
        paint,
    )
}

/// The tally of `trail denied`, line by line: the total first.
pub(crate) fn tally_lines(tally: &Tally) -> Vec<String> {
    let mut v = vec![format!("{} denial(s)", tally.total)];
    v.extend(tally.by_type.iter().map(|(k, n)| format!("{n} {k}")));
    if tally.without_message > 0 {
        v.push(format!(
            "{} without an error message (console CSV has none): deny kind and policy type unknown",
            tally.without_message
        ));
    }
    v
}

/// Where `trail denied` puts each denial as the scan finds it: CSV rows or JSON lines
/// straight to stdout, or kept for the text table, which is sorted first.
pub(crate) enum DeniedSink {
    Csv(
        Box<csv::Writer<std::io::BufWriter<std::io::StdoutLock<'static>>>>,
        Option<csv::Error>,
    ),
    Json(Lines),
    Text(Vec<Denied>),
}

impl DeniedSink {
    pub(crate) fn new(format: Format, csv: bool) -> DeniedSink {
        match (format, csv) {
            (_, true) => {
                let mut w =
                    csv::Writer::from_writer(std::io::BufWriter::new(std::io::stdout().lock()));
                let error = w.write_record(CSV_HEADER).err();
                DeniedSink::Csv(Box::new(w), error)
            }
            (Format::Json, false) => DeniedSink::Json(Lines::new()),
            (Format::Text, false) => DeniedSink::Text(Vec::new()),
        }
    }

    pub(crate) fn push(&mut self, d: Denied) {
        match self {
            DeniedSink::Csv(w, error) => {
                if error.is_none() {
                    *error = w.write_record(csv_row(&d)).err();
                }
            }
            DeniedSink::Json(lines) => {
                let line = serde_json::to_string(&d).unwrap_or_default();
                lines.write(sanitize(&line, Target::Json).as_bytes());
                lines.write(b"\n");
            }
            DeniedSink::Text(kept) => kept.push(d),
        }
    }

    /// Flushes what was streamed (keeping a write error for the end); returns the denials
    /// kept for the text table.
    pub(crate) fn finish(self, out: &mut Output) -> Option<Vec<Denied>> {
        match self {
            DeniedSink::Csv(mut w, error) => {
                if let Some(e) = error.or_else(|| w.flush().err().map(csv::Error::from)) {
                    out.keep_error(std::io::Error::other(e.to_string()));
                }
                None
            }
            DeniedSink::Json(lines) => {
                lines.finish(out);
                None
            }
            DeniedSink::Text(kept) => Some(kept),
        }
    }
}

/// Writes lines to stdout through one buffer, keeping the first error.
pub(crate) struct Lines {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    error: Option<std::io::Error>,
}

impl Lines {
    fn new() -> Lines {
        Lines {
            out: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()),
            error: None,
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(bytes)
        {
            self.error = Some(e);
        }
    }

    fn finish(mut self, out: &mut Output) {
        if self.error.is_none()
            && let Err(e) = self.out.flush()
        {
            self.error = Some(e);
        }
        if let Some(e) = self.error {
            out.keep_error(e);
        }
    }
}

const CSV_HEADER: [&str; 14] = [
    "time",
    "principal",
    "action",
    "resource",
    "deny_kind",
    "policy_type",
    "policy_arn",
    "error_code",
    "event_source",
    "event_name",
    "region",
    "source_ip",
    "event_id",
    "file",
];

/// A CSV row; the fields are sanitised like text, for CSV goes to terminals too.
fn csv_row(d: &Denied) -> [String; 14] {
    csv_fields(d).map(|f| sanitize(&f, Target::Text).into_owned())
}

fn csv_fields(d: &Denied) -> [String; 14] {
    let s = |o: Option<&str>| o.unwrap_or("").to_owned();
    [
        d.event.event_time.clone(),
        d.principal.clone(),
        d.action.clone(),
        s(d.resource.as_deref()),
        d.denial.deny_kind.as_str().to_owned(),
        s(d.denial.policy_label()),
        s(d.denial.policy_arn.as_deref()),
        s(d.event.error_code.as_deref()),
        d.event.event_source.clone(),
        d.event.event_name.clone(),
        d.event.aws_region.clone(),
        s(d.event.source_ip_address.as_deref()),
        s(d.event.event_id.as_deref()),
        d.source.file.clone(),
    ]
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The summary after a scan: what was read, what was found, what was skipped.
pub(crate) fn scan_summary(
    stats: &Stats,
    found: &[String],
    elapsed: Duration,
    paint: &Paint,
) -> String {
    let secs = elapsed.as_secs_f64();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{} {} file(s), {} event(s), {} read in {:.2} s ({}/s)",
        paint.bold("Scanned"),
        stats.files,
        stats.events,
        megabytes(stats.bytes),
        secs,
        megabytes((stats.bytes as f64 / secs.max(1e-9)) as u64),
    );
    if let Some((first, rest)) = found.split_first() {
        let _ = write!(out, "{} {first}", paint.bold("Found"));
        if !rest.is_empty() {
            let _ = write!(out, ": {}", rest.join(", "));
        }
        out.push('\n');
    }
    let mut skipped = Vec::new();
    let mut add = |n: u64, what: &str| {
        if n > 0 {
            skipped.push(format!("{n} {what}"));
        }
    };
    add(stats.files_skipped, "unreadable or non-log file(s)");
    add(stats.malformed, "malformed record(s)");
    add(stats.duplicates, "duplicate event(s) (same eventID)");
    add(stats.digest_files, "digest file(s)");
    add(stats.insights, "Insights file(s) or record(s)");
    add(
        stats.notifications,
        "event notification record(s) (S3 Event Notifications, not CloudTrail)",
    );
    if !skipped.is_empty() {
        let _ = writeln!(out, "{} {}", paint.bold("Skipped"), skipped.join(", "));
    }
    if stats.csv_files > 0 {
        let _ = writeln!(
            out,
            "{}",
            paint.dim(&format!(
                "{} console CSV file(s): they carry no error message, no principal ARN and no request parameters, so deny kind, policy type and resource come only from the other columns.",
                stats.csv_files
            ))
        );
    }
    out
}

fn result_label(e: &Event, paint: &Paint) -> String {
    if !e.is_denied() {
        return match &e.error_code {
            Some(code) => paint.yellow(&format!("error {code}")),
            None => paint.green("ok"),
        };
    }
    let d = e.denial();
    let mut s = format!("DENIED {}", e.error_code.as_deref().unwrap_or(""));
    match d.policy_label() {
        Some(t) => {
            let _ = write!(s, " ({} deny, {t})", d.deny_kind.as_str());
        }
        None if e.error_message.is_some() => {
            let _ = write!(s, " (the message names no policy type)");
        }
        None => {}
    }
    paint.red(&s)
}

fn call_line(e: &Event, paint: &Paint) -> (String, String, String, String) {
    let mut call = e.action_label();
    if let Some(by) = e.invoking_service() {
        let _ = write!(call, " by {by}");
    }
    let resource = e
        .denial()
        .resource
        .filter(|_| e.is_denied())
        .or_else(|| e.first_resource().map(str::to_owned))
        .unwrap_or_else(|| "-".to_owned());
    (e.event_time.clone(), call, resource, result_label(e, paint))
}

/// The timeline for people.
pub(crate) fn timeline_text(
    calls: &[Call],
    principal: &str,
    around: Instant,
    window: &str,
    latest: Option<&str>,
    paint: &Paint,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {principal}", paint.bold("Timeline of"));
    let centre = match latest {
        Some(action) => format!("centred on its latest denial ({action})"),
        None => "centred on --around".to_owned(),
    };
    let _ = writeln!(out, "  {} ± {window}, {centre}\n", around.to_iso8601());
    if calls.is_empty() {
        out.push_str("No calls of this identity in the window.\n");
        return out;
    }
    let mut rows = Vec::new();
    for c in calls {
        let (t, call, resource, result) = call_line(&c.event, paint);
        rows.push(vec![t, call, resource, result]);
        for (child, _) in &c.on_behalf {
            let (t, call, resource, result) = call_line(child, paint);
            rows.push(vec![format!("  └ {t}"), call, resource, result]);
        }
    }
    out.push_str(&table(
        &["TIME", "CALL", "RESOURCE", "RESULT"],
        &rows,
        paint,
    ));
    for c in calls {
        for (child, _) in &c.on_behalf {
            if child.is_denied() {
                let by = child.invoking_service().unwrap_or("an AWS service");
                let _ = writeln!(
                    out,
                    "\n{} {by} called {} on {} on this identity's behalf while serving {} at {}, and was denied{}.",
                    paint.yellow("Note:"),
                    child.action_label(),
                    child.first_resource().unwrap_or("its resource"),
                    c.event.action_label(),
                    c.event.event_time,
                    if c.event.is_denied() {
                        format!(": that is why {} failed", c.event.event_name)
                    } else {
                        String::new()
                    },
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_are_cut_in_the_middle_and_columns_stay_aligned() {
        let key = "arn:aws:kms:eu-west-1:210987654321:key/7777aaaa-77aa-77aa-77aa-777777777777";
        let cut = middle(key, 20);
        assert_eq!(cut.chars().count(), 20);
        assert!(
            cut.starts_with("arn:aws:km") && cut.ends_with("777777777"),
            "{cut}"
        );
        assert_eq!(middle("short", 20), "short");
        let long = format!("arn:aws:s3:::bucket/{}", "k".repeat(150));
        let rows = vec![
            vec![long.clone(), "a".to_owned(), "x".to_owned()],
            vec!["b".to_owned(), "kms:Decrypt".to_owned(), "y".to_owned()],
        ];
        let text = table(&["R", "ACTION", "LAST"], &rows, &Paint(false));
        assert!(text.contains('…') && !text.contains(&long), "{text}");
        // The last column starts at the same place on every line.
        let starts: Vec<usize> = text
            .lines()
            .map(|l| l.chars().count() - l.rsplit("  ").next().unwrap().chars().count())
            .collect();
        assert!(starts.windows(2).all(|w| w[0] == w[1]), "{text}");
    }
}
