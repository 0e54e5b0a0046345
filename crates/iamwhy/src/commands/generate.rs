//! `iamwhy generate` and `iamwhy unused`.

use iamwhy_analysis::generate::unused::unused_logs;
use iamwhy_analysis::generate::{GenerateOptions, generate_logs};
use iamwhy_core::SourceMap;
use iamwhy_snapshot::Snapshot;
use iamwhy_trail::Prefilter;
use iamwhy_trail::input::collect_inputs;

use crate::args::{filter_from, snapshot_arg};
use crate::cli::{EventFilter, Format, GenerateArgs, UnusedArgs};
use crate::exit::ExitStatus;
use crate::render::{
    Output, Paint, generate_terraform, generate_text, to_json, unused_csv, unused_text,
};
use crate::scanning::{Progress, finish_scan};

/// The window (and principal) as `trail denied` takes them.
fn window(principal: Option<&str>, since: &Option<String>, until: &Option<String>) -> EventFilter {
    EventFilter {
        principal: principal.map(str::to_owned),
        since: since.clone(),
        until: until.clone(),
        service: Vec::new(),
        action: Vec::new(),
        error_code: Vec::new(),
        account: Vec::new(),
        region: Vec::new(),
    }
}

/// `--principal` as the snapshot names it: a user or role ARN (no wildcards) whose path
/// differs from the one the snapshot holds for that name (IAM names are unique in an
/// account whatever the path; CloudTrail records the ARN with the path, while session ARNs
/// and AWS's messages leave a role's path out) is taken as the snapshot's, with a note.
fn as_in_snapshot(principal: &str, snapshot: &Snapshot, out: &mut Output) -> String {
    if principal.contains(['*', '?']) {
        return principal.to_owned();
    }
    let held = if principal.contains(":role/") {
        snapshot.role(principal).map(|r| (&r.arn, "role"))
    } else if principal.contains(":user/") {
        snapshot.user(principal).map(|u| (&u.arn, "user"))
    } else {
        None
    };
    match held {
        Some((arn, kind)) if arn != principal => {
            out.note(&format!(
                "note: `{principal}` taken as {arn}, the snapshot's {kind} of that name (its path is part of its ARN, which CloudTrail records)\n"
            ));
            arn.clone()
        }
        _ => principal.to_owned(),
    }
}

/// `iamwhy generate`.
pub(crate) fn run(args: &GenerateArgs, terraform: bool, out: &mut Output) -> ExitStatus {
    let mut map = SourceMap::new();
    let Some(snapshot) = snapshot_arg(&args.snapshot, &mut map, out) else {
        return ExitStatus::Error;
    };
    let principal = as_in_snapshot(&args.principal, &snapshot, out);
    let Ok(filter) = filter_from(&window(Some(&principal), &args.since, &args.until), out) else {
        return ExitStatus::Error;
    };
    let options = GenerateOptions {
        principal: principal.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
        prefix_threshold: args.prefix_threshold,
        include_denied: args.include_denied,
        reread_logs: false,
    };
    let inputs = collect_inputs(&args.input.paths);
    // Two passes: the calls, then the replay with the generated policies.
    let progress = Progress::start_passes(&inputs, &args.input, 2);
    let settings = progress.settings(&args.input, Prefilter::All);
    let run = generate_logs(&snapshot, &mut map, &inputs, &settings, &filter, &options);
    progress.finish();
    let status = finish_scan(&run.stats, out);
    if status == ExitStatus::Error {
        return status;
    }
    let report = match run.report {
        Ok(r) => r,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    let text = match out.format {
        Format::Json if terraform => generate_terraform(&report),
        Format::Json => to_json(&report),
        Format::Text => generate_text(&report, &Paint(out.color)),
    };
    out.result(&text);
    if report.generated.is_empty() {
        out.note(&format!(
            "no call of a user or role matching `{principal}` in the window: nothing to generate\n",
        ));
    }
    if out.format == Format::Json {
        out.note(&format!(
            "{} records read, {} policies generated and replayed in {:.2} s\n",
            report.records,
            report.generated.len(),
            run.elapsed.as_secs_f64()
        ));
    }
    if report.generated.iter().any(|g| !g.verification.verified) {
        return ExitStatus::Negative;
    }
    status
}

/// `iamwhy unused`.
pub(crate) fn unused(args: &UnusedArgs, csv: bool, out: &mut Output) -> ExitStatus {
    let mut map = SourceMap::new();
    let Some(snapshot) = snapshot_arg(&args.snapshot, &mut map, out) else {
        return ExitStatus::Error;
    };
    let Ok(filter) = filter_from(&window(None, &args.since, &args.until), out) else {
        return ExitStatus::Error;
    };
    let principal = args
        .principal
        .as_deref()
        .map(|p| as_in_snapshot(p, &snapshot, out));
    let inputs = collect_inputs(&args.input.paths);
    let progress = Progress::start(&inputs, &args.input);
    let settings = progress.settings(&args.input, Prefilter::All);
    let run = unused_logs(
        &snapshot,
        &mut map,
        &inputs,
        &settings,
        &filter,
        principal.as_deref(),
    );
    progress.finish();
    let status = finish_scan(&run.stats, out);
    if status == ExitStatus::Error {
        return status;
    }
    let report = match run.report {
        Ok(r) => r,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    let text = match out.format {
        Format::Json if csv => unused_csv(&report),
        Format::Json => to_json(&report),
        Format::Text => unused_text(&report, &Paint(out.color)),
    };
    out.result(&text);
    status
}
