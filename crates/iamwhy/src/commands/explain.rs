//! `iamwhy explain` and `iamwhy replay`.

use std::path::Path;

use iamwhy_analysis::session_policy_set;
use iamwhy_core::SourceMap;
use iamwhy_explain::replay::{Outcome, Replayer, Tally};
use iamwhy_explain::{Incident, Record, explain_message, explain_records, group};
use iamwhy_snapshot::Snapshot;
use iamwhy_trail::input::collect_inputs;
use iamwhy_trail::{Event, Origin, Prefilter, scan};
use serde::Serialize;

use crate::cli::{ExplainArgs, Format, ReplayArgs, TrailInput};
use crate::commands::simulate::changes_from;
use crate::commands::trail::{Progress, filter_from, finish_scan, scan_settings};
use crate::exit::ExitStatus;
use crate::render::{Output, Paint, incidents_text, replay_text, to_json};

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
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `iamwhy explain`.
pub(crate) fn explain(args: &ExplainArgs, out: &mut Output) -> ExitStatus {
    let mut map = SourceMap::new();
    let Some(snapshot) = load(&args.snapshot, &mut map, out) else {
        return ExitStatus::Error;
    };
    let fixes = !args.no_fix;
    if let Some(text) = &args.message {
        return match explain_message(&snapshot, &mut map, text, fixes) {
            Ok(inc) => {
                print(&[inc], 0, out);
                ExitStatus::Success
            }
            Err(e) => {
                out.diagnostics(&map, e.iter());
                ExitStatus::Error
            }
        };
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
    let status = finish_scan(&stats, out);
    if status != ExitStatus::Success {
        return status;
    }
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
    let mut failed = 0usize;
    for (primary, linked) in groups {
        let Some(p) = records.get(primary) else {
            continue;
        };
        let linked: Vec<&Record> = linked.iter().filter_map(|i| records.get(*i)).collect();
        match explain_records(&snapshot, &mut map, p, &linked, fixes) {
            Ok(inc) => incidents.push(inc),
            Err(e) => {
                failed = failed.saturating_add(1);
                let at = format!("{}:{}", p.origin.file, p.origin.line);
                out.error_line(&format!(
                    "cannot explain the {} call at {at}:",
                    p.event.event_name
                ));
                out.diagnostics(&map, e.iter());
            }
        }
    }
    if failed > 0 {
        // What could be explained is still shown; the exit code says the rest was not.
        if !incidents.is_empty() {
            print(&incidents, not_shown, out);
        }
        out.error_line(&format!(
            "{failed} of {} incident(s) could not be explained (see the errors above)",
            failed.saturating_add(incidents.len())
        ));
        return ExitStatus::Error;
    }
    if incidents.is_empty() && out.format == Format::Text {
        out.result(if every_record {
            "No records found.\n"
        } else {
            "No denied calls found.\n"
        });
        return ExitStatus::Success;
    }
    print(&incidents, not_shown, out);
    ExitStatus::Success
}

fn print(incidents: &[Incident], not_shown: usize, out: &mut Output) {
    let text = match out.format {
        Format::Json => to_json(&ExplainReport {
            incidents,
            not_shown,
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
    let changes = match changes_from(&args.changes, &mut map) {
        Ok(c) => c,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    let sources: Result<Vec<_>, _> = args
        .session_policy
        .iter()
        .map(|p| iamwhy_analysis::read_source(&mut map, p))
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
    if status != ExitStatus::Success {
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
    ExitStatus::Success
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
