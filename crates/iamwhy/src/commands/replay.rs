//! `iamwhy replay`.

use iamwhy_analysis::replay::replay_logs;
use iamwhy_analysis::simulate::session_policies_of;
use iamwhy_core::SourceMap;
use iamwhy_trail::Prefilter;
use iamwhy_trail::input::collect_inputs;

use crate::args::{filter_from, snapshot_arg};
use crate::cli::{Format, ReplayArgs};
use crate::exit::ExitStatus;
use crate::render::{Output, Paint, replay_text, to_json};
use crate::scanning::{Progress, finish_scan};

/// `iamwhy replay`.
pub(crate) fn run(args: &ReplayArgs, out: &mut Output) -> ExitStatus {
    let mut map = SourceMap::new();
    let Some(snapshot) = snapshot_arg(&args.snapshot, &mut map, out) else {
        return ExitStatus::Error;
    };
    let Ok(filter) = filter_from(&args.filter, out) else {
        return ExitStatus::Error;
    };
    let mut changes = match args.changes.files().read(&mut map) {
        Ok(c) => c,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    let options = iamwhy_iac::ReadOptions {
        account: None,
        region: args.changes.plan_region.clone(),
    };
    match iamwhy_analysis::simulate::apply_iac_files(
        &mut map,
        &snapshot,
        &args.changes.plan,
        &options,
        &mut changes,
    ) {
        Ok(notes) => {
            for note in notes {
                out.note(&format!("note: {note}\n"));
            }
        }
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    }
    let sources: Result<Vec<_>, _> = args
        .session_policy
        .iter()
        .map(|p| iamwhy_analysis::read_source(&mut map, p, iamwhy_input::Limit::POLICY))
        .collect();
    let mut notes = Vec::new();
    let session = match sources.and_then(|s| {
        if s.is_empty() && args.session_policy_arn.is_empty() {
            Ok(None)
        } else {
            session_policies_of(
                &snapshot,
                &mut map,
                &s,
                &args.session_policy_arn,
                &mut notes,
            )
            .map(Some)
        }
    }) {
        Ok(s) => s,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    let mut described = describe(
        &args.changes,
        &args.session_policy,
        &args.session_policy_arn,
    );
    if let Some(name) = &args.federated_name
        && session.is_some()
    {
        described.push(format!(
            "IAM users' calls made as the federated user `{name}` their GetFederationToken call creates, with the candidate session policies"
        ));
    }
    let changes = (!changes.is_empty()).then_some(changes);
    let inputs = collect_inputs(&args.input.paths);
    let progress = Progress::start(&inputs, &args.input);
    let settings = progress.settings(&args.input, Prefilter::All);
    let run = replay_logs(
        &snapshot,
        &mut map,
        &inputs,
        &settings,
        &filter,
        changes,
        session,
        args.federated_name.clone(),
        described,
    );
    progress.finish();
    let (stats, elapsed) = (&run.stats, run.elapsed);
    let status = finish_scan(stats, out);
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
        Format::Json => to_json(&report),
        Format::Text => replay_text(&report, stats, elapsed, &Paint(out.color)),
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
fn describe(
    args: &crate::cli::ChangeArgs,
    session: &[std::path::PathBuf],
    session_arns: &[String],
) -> Vec<String> {
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
    out.extend(
        args.plan
            .iter()
            .map(|p| format!("apply the policy changes of {}", p.display())),
    );
    out.extend(session.iter().map(|p| {
        format!(
            "role and federated-user sessions created with session policy {}",
            p.display()
        )
    }));
    out.extend(session_arns.iter().map(|a| {
        format!("role and federated-user sessions created with managed session policy {a}")
    }));
    out
}
