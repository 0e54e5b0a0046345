//! `iamwhy explain`.

use iamwhy_analysis::explain::run::{ExplainReport, Skipped, explain_log, explain_paste};
use iamwhy_analysis::{Record, answer_messages};
use iamwhy_core::SourceMap;
use iamwhy_snapshot::Snapshot;
use iamwhy_trail::{Event, Origin, Prefilter};

use crate::args::{explain_input, filter_from, message_arg, snapshot_arg};
use crate::cli::{ExplainArgs, Format};
use crate::exit::ExitStatus;
use crate::render::{Output, Paint, answers_text, incidents_text, to_json};
use crate::scanning::{finish_scan, scan_logs};

/// `iamwhy explain`.
pub(crate) fn explain(args: &ExplainArgs, out: &mut Output) -> ExitStatus {
    let mut map = SourceMap::new();
    let message = message_arg(args, out);
    let Some(dir) = &args.snapshot else {
        // Without a snapshot: what the message alone establishes (clap requires a message).
        return match message {
            Some(Ok(text)) => answer_without_snapshot(&text, None, out),
            _ => ExitStatus::Error,
        };
    };
    let Some(snapshot) = snapshot_arg(dir, &mut map, out) else {
        return ExitStatus::Error;
    };
    match message {
        Some(Ok(text)) => paste(args, &snapshot, &mut map, &text, out),
        Some(Err(())) => ExitStatus::Error,
        None => logs(args, &snapshot, &mut map, out),
    }
}

/// `explain --message`: every message of the paste; what the snapshot cannot evaluate is
/// answered from the message alone (not verified).
fn paste(
    args: &ExplainArgs,
    s: &Snapshot,
    map: &mut SourceMap,
    text: &str,
    out: &mut Output,
) -> ExitStatus {
    let mut explained = explain_paste(s, map, text, !args.no_fix);
    let why = explained.why().join("; ");
    if !explained.failed.is_empty() && explained.incidents.is_empty() {
        return answer_without_snapshot(text, Some(&why), out);
    }
    let report = ExplainReport::of(std::mem::take(&mut explained.incidents));
    if !write_fixes(args, &report, out) {
        return ExitStatus::Error;
    }
    print(&report, out);
    if let Some(failed) = std::num::NonZeroUsize::new(explained.failed.len()) {
        let rest = explained.unanswered(text);
        out.note(&format!("the snapshot cannot evaluate {failed} of the messages ({why}): what they alone establish follows, not verified\n"));
        out.result(&match out.format {
            Format::Json => to_json(&rest),
            Format::Text => answers_text(&rest, &Paint(out.color)),
        });
    }
    ExitStatus::Success
}

/// `explain PATH...` and `explain --event FILE`: the denied records (every record of
/// `--event`) grouped into incidents and explained.
fn logs(args: &ExplainArgs, s: &Snapshot, map: &mut SourceMap, out: &mut Output) -> ExitStatus {
    let Ok(filter) = filter_from(&args.filter, out) else {
        return ExitStatus::Error;
    };
    let (input, all) = explain_input(args);
    let prefilter = if all {
        Prefilter::All
    } else {
        Prefilter::Denials
    };
    let mut records = Vec::new();
    let keep = |event: Event, origin: &Origin| {
        (all || event.is_denied()).then(|| Record {
            event,
            origin: origin.clone(),
        })
    };
    let stats = scan_logs(&input, prefilter, keep, |r| records.push(r));
    let scan_status = finish_scan(&stats, out);
    if scan_status == ExitStatus::Error {
        return scan_status;
    }
    if let (Some(file), true) = (&args.event, records.is_empty()) {
        // `--event` names the records to explain: none is nothing useful.
        out.error_line(&match stats.problems.first() {
            Some(p) => format!("`{file}`: no CloudTrail record could be read: {p}"),
            None => format!("`{file}` holds no CloudTrail record"),
        });
        return ExitStatus::Error;
    }
    let skipped = Skipped::of(&stats);
    let done = explain_log(s, map, records, &filter, args.max, !args.no_fix, skipped);
    let report = &done.report;
    for (f, (event_name, e)) in report.failures.iter().zip(&done.errors) {
        out.error_line(&format!(
            "cannot explain the {event_name} call at {}:",
            f.at
        ));
        out.diagnostics(map, e.iter());
    }
    if let Some(first) = report.failures.first() {
        let (n, failed) = (report.incidents.len(), report.failures.len());
        let total = failed.saturating_add(n);
        let first = first.to_string();
        if n == 0 {
            // Nothing could be explained: nothing useful was done.
            out.error_line(&format!(
                "none of the {total} record(s) could be explained; first: {first}"
            ));
            return ExitStatus::Error;
        }
        // What could be explained is shown; stderr and the exit code say the rest was not.
        if !write_fixes(args, report, out) {
            return ExitStatus::Error;
        }
        print(report, out);
        out.warning_line(&format!(
            "explained {n} of {total} records; {failed} failed: {first}"
        ));
        return ExitStatus::Partial;
    }
    if report.incidents.is_empty() && out.format == Format::Text {
        out.result(if all {
            "No records found.\n"
        } else {
            "No denied calls found.\n"
        });
        return scan_status;
    }
    if !write_fixes(args, report, out) {
        return ExitStatus::Error;
    }
    print(report, out);
    scan_status
}

/// `--write-fixes DIR`: the whole resulting policy of every fix, one file each
/// (`incident-N-fix-M.json`; a fix that changes two policies writes `-a` and `-b`). `false`
/// when a file could not be written (said on stderr).
fn write_fixes(args: &ExplainArgs, report: &ExplainReport, out: &mut Output) -> bool {
    let Some(dir) = &args.write_fixes else {
        return true;
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        out.error_line(&format!(
            "`{}`: cannot create the directory: {e}",
            dir.display()
        ));
        return false;
    }
    let mut written = 0usize;
    for (i, inc) in report.incidents.iter().enumerate() {
        for (j, fix) in inc.fixes.iter().enumerate() {
            let base = format!(
                "incident-{}-fix-{}",
                i.saturating_add(1),
                j.saturating_add(1)
            );
            let docs: Vec<(String, &serde_json::Value)> = match &fix.policy {
                serde_json::Value::Null => Vec::new(),
                serde_json::Value::Array(list) => list
                    .iter()
                    .zip(["a", "b", "c", "d"])
                    .map(|(p, s)| (format!("{base}-{s}.json"), p))
                    .collect(),
                p => vec![(format!("{base}.json"), p)],
            };
            for (name, doc) in docs {
                let path = dir.join(&name);
                let mut text = serde_json::to_string_pretty(doc).unwrap_or_default();
                text.push('\n');
                if let Err(e) = std::fs::write(&path, text) {
                    out.error_line(&format!("`{}`: cannot write: {e}", path.display()));
                    return false;
                }
                written = written.saturating_add(1);
            }
        }
    }
    out.note(&format!(
        "wrote {written} policy file(s) to {} (incident-N-fix-M.json: use `file://{}/incident-N-fix-M.json` in the fix's command)\n",
        dir.display(),
        dir.display()
    ));
    true
}

/// What a message establishes without the account's policies (not verified); exit 2 only
/// when the text holds no AccessDenied message at all.
fn answer_without_snapshot(text: &str, failed: Option<&str>, out: &mut Output) -> ExitStatus {
    let answers = answer_messages(text);
    if answers.is_empty() {
        out.error_line("no AccessDenied message found in the text");
        out.note("expected AWS's wording, such as `User: ARN is not authorized to perform: ACTION on resource: ARN because no identity-based policy allows the ACTION action`, S3's `Access Denied`, or EC2's `Encoded authorization failure message`, with or without the SDK's or tool's text around it\n");
        return ExitStatus::Error;
    }
    if let Some(why) = failed {
        out.note(&format!("the snapshot cannot evaluate this message ({why}): what the message alone establishes follows, not verified\n"));
    }
    out.result(&match out.format {
        Format::Json => to_json(&answers),
        Format::Text => answers_text(&answers, &Paint(out.color)),
    });
    ExitStatus::Success
}

fn print(report: &ExplainReport, out: &mut Output) {
    out.result(&match out.format {
        Format::Json => to_json(report),
        Format::Text => incidents_text(&report.incidents, report.not_shown, &Paint(out.color)),
    });
}
