//! `iamwhy explain` and `iamwhy replay`.

use std::path::Path;

use iamwhy_analysis::replay::{Outcome, Replayer, Tally};
use iamwhy_analysis::session_policy_set;
use iamwhy_analysis::{
    Incident, Record, answer_messages, explain_messages, explain_records, group,
};
use iamwhy_core::SourceMap;
use iamwhy_snapshot::Snapshot;
use iamwhy_trail::input::collect_inputs;
use iamwhy_trail::{Event, Origin, Prefilter, scan};
use serde::Serialize;

use crate::cli::{ExplainArgs, Format, ReplayArgs, TrailInput};
use crate::commands::trail::{Progress, filter_from, finish_scan, scan_settings};
use crate::exit::ExitStatus;
use crate::render::{Output, Paint, answers_text, incidents_text, replay_text, to_json};

/// Loads the snapshot; prints its warnings, or the error.
fn load(dir: &Path, map: &mut SourceMap, out: &mut Output) -> Option<Snapshot> {
    match iamwhy_snapshot::load(dir, map) {
        Ok(s) => {
            out.diagnostics(map, s.warnings.iter());
            Some(s)
        }
        Err(e) => {
            out.diagnostics(map, e.iter());
            None
        }
    }
}

/// What `explain` prints as JSON.
#[derive(Serialize)]
struct ExplainReport<'a> {
    incidents: &'a [Incident],
    /// Incidents found but not explained (`--max`).
    #[serde(skip_serializing_if = "is_zero")]
    not_shown: usize,
    /// Some inputs could not be used: records that failed, or files and records the scan
    /// skipped (exit 3). Absent when every input was used.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    partial: bool,
    /// The incidents that could not be explained.
    #[serde(skip_serializing_if = "<[Failure]>::is_empty")]
    failures: &'a [Failure],
    /// Files and records the scan could not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<Skipped>,
}

/// An incident that could not be explained.
#[derive(Serialize)]
struct Failure {
    /// `file:line` of the record.
    at: String,
    /// `service:EventName`.
    call: String,
    /// The errors, in words.
    errors: Vec<String>,
}

/// What a partial scan skipped.
#[derive(Serialize)]
struct Skipped {
    files: u64,
    records: u64,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `iamwhy explain`.
pub(crate) fn explain(args: &ExplainArgs, out: &mut Output) -> ExitStatus {
    let mut map = SourceMap::new();
    let message = match (&args.message, &args.message_file) {
        (Some(m), _) if m == "-" => Some(read_message("-", out)),
        (Some(m), _) => Some(Ok(m.clone())),
        (None, Some(file)) => Some(read_message(file, out)),
        (None, None) => None,
    };
    let Some(dir) = &args.snapshot else {
        // Without a snapshot: what the message alone establishes (clap requires a message).
        return match message {
            Some(Ok(text)) => answer_without_snapshot(&text, None, out),
            _ => ExitStatus::Error,
        };
    };
    let Some(snapshot) = load(dir, &mut map, out) else {
        return ExitStatus::Error;
    };
    let fixes = !args.no_fix;
    if let Some(text) = message {
        let Ok(text) = text else {
            return ExitStatus::Error;
        };
        let results = explain_messages(&snapshot, &mut map, &text, fixes);
        let mut incidents = Vec::new();
        let mut failed = Vec::new();
        for (i, r) in results.into_iter().enumerate() {
            match r {
                Ok(inc) => incidents.push(inc),
                Err(e) => failed.push((i, e)),
            }
        }
        if failed.is_empty() {
            print(&incidents, 0, &[], None, out);
            return ExitStatus::Success;
        }
        // The snapshot cannot answer these (the principal or resource is not in it, or the
        // message names neither): say what each message establishes.
        let why: Vec<String> = failed
            .iter()
            .flat_map(|(_, e)| e.iter().map(|d| d.message.clone()))
            .collect();
        if incidents.is_empty() {
            return answer_without_snapshot(&text, Some(&why.join("; ")), out);
        }
        print(&incidents, 0, &[], None, out);
        let all = answer_messages(&text);
        let rest: Vec<_> = failed
            .iter()
            .filter_map(|(i, _)| all.get(*i).cloned())
            .collect();
        out.note(&format!(
            "the snapshot cannot evaluate {} of the messages ({}): what they alone establish follows, not verified\n",
            failed.len(),
            why.join("; ")
        ));
        out.result(&match out.format {
            Format::Json => to_json(&rest),
            Format::Text => answers_text(&rest, &Paint(out.color)),
        });
        return ExitStatus::Success;
    }
    let Ok(filter) = filter_from(&args.filter, out) else {
        return ExitStatus::Error;
    };
    let (paths, every_record) = match &args.event {
        Some(file) => (vec![file.clone()], true),
        None => (args.paths.clone(), false),
    };
    let input = TrailInput {
        paths,
        jobs: args.jobs,
        no_progress: args.no_progress,
    };
    let inputs = collect_inputs(&input.paths);
    let progress = Progress::start(&inputs, &input);
    let prefilter = if every_record {
        Prefilter::All
    } else {
        Prefilter::Denials
    };
    let settings = scan_settings(&input, prefilter, &progress);
    let mut records = Vec::new();
    let stats = scan(
        &inputs,
        &settings,
        |event: Event, origin: &Origin| {
            (every_record || event.is_denied()).then(|| Record {
                event,
                origin: origin.clone(),
            })
        },
        |r| records.push(r),
    );
    progress.finish();
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
    let skipped = stats.is_partial().then_some(Skipped {
        files: stats.files_skipped,
        records: stats.malformed,
    });
    records.sort_by_key(|r| (r.event.time, r.origin.offset));
    let mut groups: Vec<(usize, Vec<usize>)> = group(&records)
        .into_iter()
        .filter(|(p, linked)| {
            std::iter::once(p).chain(linked).any(|i| {
                records
                    .get(*i)
                    .is_some_and(|r| filter.matches(&r.event, &r.event.denial()))
            })
        })
        .collect();
    let not_shown = groups.len().saturating_sub(args.max);
    groups.truncate(args.max);
    let mut incidents = Vec::new();
    let mut failures = Vec::new();
    for (primary, linked) in groups {
        let Some(p) = records.get(primary) else {
            continue;
        };
        let linked: Vec<&Record> = linked.iter().filter_map(|i| records.get(*i)).collect();
        match explain_records(&snapshot, &mut map, p, &linked, fixes) {
            Ok(inc) => incidents.push(inc),
            Err(e) => {
                let at = format!("{}:{}", p.origin.file, p.origin.line);
                out.error_line(&format!(
                    "cannot explain the {} call at {at}:",
                    p.event.event_name
                ));
                out.diagnostics(&map, e.iter());
                failures.push(Failure {
                    at,
                    call: p.event.action_label(),
                    errors: e.iter().map(|d| d.message.clone()).collect(),
                });
            }
        }
    }
    if !failures.is_empty() {
        let total = failures.len().saturating_add(incidents.len());
        let first = failures
            .first()
            .map(|f| format!("{} at {}: {}", f.call, f.at, f.errors.join("; ")))
            .unwrap_or_default();
        if incidents.is_empty() {
            // Nothing could be explained: nothing useful was done.
            out.error_line(&format!(
                "none of the {total} record(s) could be explained; first: {first}"
            ));
            return ExitStatus::Error;
        }
        // What could be explained is shown; stderr and the exit code say the rest was not.
        print(&incidents, not_shown, &failures, skipped, out);
        out.warning_line(&format!(
            "explained {} of {total} records; {} failed: {first}",
            incidents.len(),
            failures.len()
        ));
        return ExitStatus::Partial;
    }
    if incidents.is_empty() && out.format == Format::Text {
        out.result(if every_record {
            "No records found.\n"
        } else {
            "No denied calls found.\n"
        });
        return scan_status;
    }
    print(&incidents, not_shown, &[], skipped, out);
    scan_status
}

/// What a message establishes without the account's policies (not verified); exit 2 only
/// when the text holds no AccessDenied message at all.
fn answer_without_snapshot(
    text: &str,
    snapshot_failed: Option<&str>,
    out: &mut Output,
) -> ExitStatus {
    let answers = answer_messages(text);
    if answers.is_empty() {
        out.error_line("no AccessDenied message found in the text");
        out.note("expected AWS's wording, such as `User: ARN is not authorized to perform: ACTION on resource: ARN because no identity-based policy allows the ACTION action`, S3's `Access Denied`, or EC2's `Encoded authorization failure message`, with or without the SDK's or tool's text around it\n");
        return ExitStatus::Error;
    }
    if let Some(why) = snapshot_failed {
        out.note(&format!(
            "the snapshot cannot evaluate this message ({why}): what the message alone establishes follows, not verified\n"
        ));
    }
    let text = match out.format {
        Format::Json => to_json(&answers),
        Format::Text => answers_text(&answers, &Paint(out.color)),
    };
    out.result(&text);
    ExitStatus::Success
}

/// Reads a message from `file` (`-`: stdin) within [`iamwhy_input::Limit::MESSAGE`] (a FIFO
/// or pipe is never read beyond it); prints the error.
fn read_message(file: &str, out: &mut Output) -> Result<String, ()> {
    let source = iamwhy_input::Source::from_arg(file);
    iamwhy_input::read_text(&source, iamwhy_input::Limit::MESSAGE).map_err(|e| {
        out.error_line(&e.to_string());
        if let Some(help) = e.help() {
            out.note(&help);
        }
    })
}

fn print(
    incidents: &[Incident],
    not_shown: usize,
    failures: &[Failure],
    skipped: Option<Skipped>,
    out: &mut Output,
) {
    let text = match out.format {
        Format::Json => to_json(&ExplainReport {
            incidents,
            not_shown,
            partial: !failures.is_empty() || skipped.is_some(),
            failures,
            skipped,
        }),
        Format::Text => incidents_text(incidents, not_shown, &Paint(out.color)),
    };
    out.result(&text);
}

/// `iamwhy replay`.
pub(crate) fn replay(args: &ReplayArgs, out: &mut Output) -> ExitStatus {
    let mut map = SourceMap::new();
    let Some(snapshot) = load(&args.snapshot, &mut map, out) else {
        return ExitStatus::Error;
    };
    let Ok(filter) = filter_from(&args.filter, out) else {
        return ExitStatus::Error;
    };
    let changes = match args.changes.files().read(&mut map) {
        Ok(c) => c,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    let sources: Result<Vec<_>, _> = args
        .session_policy
        .iter()
        .map(|p| iamwhy_analysis::read_source(&mut map, p, iamwhy_input::Limit::POLICY))
        .collect();
    let session = match sources.and_then(|s| {
        if s.is_empty() {
            Ok(None)
        } else {
            session_policy_set(&mut map, &s).map(Some)
        }
    }) {
        Ok(s) => s,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    let described = describe(&args.changes, &args.session_policy);
    let changes = (!changes.is_empty()).then_some(changes);
    let inputs = collect_inputs(&args.input.paths);
    let progress = Progress::start(&inputs, &args.input);
    let settings = scan_settings(&args.input, Prefilter::All, &progress);
    let started = std::time::Instant::now();
    let replayer = Replayer::new(&snapshot, &mut map, changes, session);
    let mut tally = Tally::new(replayer.has_changes(), described);
    // Records are prepared and evaluated on the scan's workers; the tally adds up in order.
    let stats = scan(
        &inputs,
        &settings,
        |event: Event, origin: &Origin| -> Option<Outcome> {
            let message = event.denial();
            filter
                .matches(&event, &message)
                .then(|| replayer.replay(&event, &message, origin))
        },
        |o| tally.add(o),
    );
    let elapsed = started.elapsed();
    // The caches (parsed policies, remembered decisions) go with the process: freeing them
    // one by one would take a noticeable part of the run.
    std::mem::forget(replayer);
    progress.finish();
    let status = finish_scan(&stats, out);
    if status == ExitStatus::Error {
        return status;
    }
    let report = match tally.finish() {
        Ok(r) => r,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    let text = match out.format {
        Format::Json => to_json(&report),
        Format::Text => replay_text(&report, &stats, elapsed, &Paint(out.color)),
    };
    out.result(&text);
    if out.format == Format::Json {
        let rate = report.coverage.events as f64 / elapsed.as_secs_f64().max(1e-9);
        out.note(&format!(
            "{} events replayed in {:.2} s ({rate:.0} events/s)\n",
            report.coverage.events,
            elapsed.as_secs_f64()
        ));
    }
    // Success, or Partial when the scan skipped files or records.
    status
}

/// The replay's changes, in words.
fn describe(args: &crate::cli::ChangeArgs, session: &[std::path::PathBuf]) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(
        args.replace_policy
            .iter()
            .map(|t| format!("replace policy {t}")),
    );
    out.extend(args.add_policy.iter().map(|p| {
        format!(
            "add identity-based policy {} to every principal",
            p.display()
        )
    }));
    out.extend(
        args.remove_policy
            .iter()
            .map(|t| format!("remove policy {t}")),
    );
    if let Some(b) = &args.set_boundary {
        out.push(format!("set every principal's boundary to {}", b.display()));
    }
    out.extend(
        args.set_resource_policy
            .iter()
            .map(|t| format!("set resource policy {t}")),
    );
    out.extend(
        args.set_org_policy
            .iter()
            .map(|t| format!("set org policy {t}")),
    );
    out.extend(session.iter().map(|p| {
        format!(
            "role and federated-user sessions created with session policy {}",
            p.display()
        )
    }));
    out
}
