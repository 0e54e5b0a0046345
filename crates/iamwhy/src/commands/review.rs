//! `iamwhy review --snapshot DIR PLAN_OR_TEMPLATE [LOGS...]`.

use iamwhy_analysis::replay::replay_logs;
use iamwhy_analysis::review::{ReviewOptions, review};
use iamwhy_core::SourceMap;
use iamwhy_lint::Level;
use iamwhy_trail::Prefilter;
use iamwhy_trail::input::collect_inputs;

use crate::args::snapshot_arg;
use crate::cli::{FormatArg, ReviewArgs, TrailInput};
use crate::exit::ExitStatus;
use crate::render::{Output, Paint, review_markdown, review_text, to_json};
use crate::scanning::{Progress, finish_scan};

/// `iamwhy review`.
pub(crate) fn run(args: &ReviewArgs, format: FormatArg, out: &mut Output) -> ExitStatus {
    let mut map = SourceMap::new();
    let Some(snapshot) = snapshot_arg(&args.snapshot, &mut map, out) else {
        return ExitStatus::Error;
    };
    let options = ReviewOptions {
        read: iamwhy_iac::ReadOptions {
            account: args.account.clone(),
            region: args.region.clone(),
        },
        fail_on: args.fail_on.unwrap_or(Level::SecurityWarning),
    };
    let mut reviewed = match review(
        &mut map,
        &snapshot,
        std::slice::from_ref(&args.change),
        &options,
    ) {
        Ok(r) => r,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    if !args.logs.is_empty() {
        let input = TrailInput {
            paths: args.logs.clone(),
            jobs: args.jobs,
            no_progress: args.no_progress,
            athena: crate::cli::AthenaSource::default(),
        };
        let inputs = collect_inputs(&input.paths);
        let progress = Progress::start(&inputs, &input);
        let settings = progress.settings(&input, Prefilter::All);
        let described = vec![format!("the policy changes of {}", args.change.display())];
        let run = replay_logs(
            &snapshot,
            &mut map,
            &inputs,
            &settings,
            &iamwhy_trail::filter::Filter::default(),
            Some(reviewed.changes.clone()),
            None,
            None,
            described,
        );
        progress.finish();
        if finish_scan(&run.stats, out) == ExitStatus::Error {
            return ExitStatus::Error;
        }
        match run.report {
            Ok(r) => reviewed.report.attach_replay(&r),
            Err(e) => {
                out.diagnostics(&map, e.iter());
                return ExitStatus::Error;
            }
        }
    }
    let report = &reviewed.report;
    let text = match format {
        // `main` refuses CSV and Terraform for `review` before it gets here.
        FormatArg::Json | FormatArg::Csv | FormatArg::Terraform => to_json(report),
        FormatArg::Markdown => review_markdown(report),
        FormatArg::Sarif => {
            let log = iamwhy_lint::sarif::log(&reviewed.lint, &map);
            serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
        }
        FormatArg::Text => review_text(report, &Paint(out.color)),
    };
    out.result(&text);
    if report.verdict.fail {
        ExitStatus::Negative
    } else {
        ExitStatus::Success
    }
}
