//! Command-line values checked before any work starts: times, durations, log filters, the
//! snapshot and candidate policy changes.

use std::path::Path;

use iamwhy_core::SourceMap;
use iamwhy_core::time::Instant;
use iamwhy_input::Limit;
use iamwhy_snapshot::Snapshot;
use iamwhy_trail::filter::{
    DURATION_RANGE, DurationError, Filter, PrincipalFilter, parse_duration, parse_time,
};

use crate::cli::{EventFilter, ExplainArgs, TrailInput};
use crate::render::Output;

/// Parses the time option `flag`; prints the error, naming the flag.
pub(crate) fn time_arg(
    flag: &str,
    text: Option<&str>,
    now: Instant,
    out: &mut Output,
) -> Result<Option<Instant>, ()> {
    let Some(text) = text else { return Ok(None) };
    parse_time(text, now)
        .map(Some)
        .map_err(|e| out.error_line(&format!("`{flag}`: {e}")))
}

/// Parses `--window`, in seconds; prints the error.
pub(crate) fn window_arg(text: &str, out: &mut Output) -> Result<i64, ()> {
    parse_duration(text).map_err(|e| {
        out.error_line(&match e {
            DurationError::OutOfRange => {
                format!("`--window {text}` is out of range: durations go {DURATION_RANGE}")
            }
            _ => format!("`--window {text}` is not a duration: expected `90s`, `5m`, `1h`, ..."),
        });
    })
}

/// The `trail denied` filters of the command line; errors are printed.
pub(crate) fn filter_from(args: &EventFilter, out: &mut Output) -> Result<Filter, ()> {
    let now = Instant::now();
    let since = time_arg("--since", args.since.as_deref(), now, out)?;
    let until = time_arg("--until", args.until.as_deref(), now, out)?;
    let mut filter = Filter {
        principal: args.principal.as_deref().map(PrincipalFilter::new),
        since,
        until,
        services: args.service.clone(),
        error_codes: args.error_code.clone(),
        accounts: args.account.clone(),
        regions: args.region.clone(),
        ..Filter::default()
    };
    for a in &args.action {
        filter.add_action(a);
    }
    Ok(filter)
}

/// Loads the snapshot of `--snapshot`; prints its warnings, or the error.
pub(crate) fn snapshot_arg(dir: &Path, map: &mut SourceMap, out: &mut Output) -> Option<Snapshot> {
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

/// The text of `--message` or `--message-file` (`-`: stdin), if either is given; prints the
/// error.
pub(crate) fn message_arg(args: &ExplainArgs, out: &mut Output) -> Option<Result<String, ()>> {
    match (&args.message, &args.message_file) {
        (Some(m), _) if m == "-" => Some(read_message("-", out)),
        (Some(m), _) => Some(Ok(m.clone())),
        (None, Some(file)) => Some(read_message(file, out)),
        (None, None) => None,
    }
}

/// Reads a message from `file` (`-`: stdin) within [`Limit::MESSAGE`] (a FIFO or pipe is
/// never read beyond it); prints the error.
fn read_message(file: &str, out: &mut Output) -> Result<String, ()> {
    let source = iamwhy_input::Source::from_arg(file);
    iamwhy_input::read_text(&source, Limit::MESSAGE).map_err(|e| {
        out.error_line(&e.to_string());
        if let Some(help) = e.help() {
            out.note(&help);
        }
    })
}

/// The logs `explain` reads, and whether every record of them is to be explained:
/// `--event FILE` (every record) or the paths (their denials).
pub(crate) fn explain_input(args: &ExplainArgs) -> (TrailInput, bool) {
    let (paths, every_record) = match &args.event {
        Some(file) => (vec![file.clone()], true),
        None => (args.paths.clone(), false),
    };
    let input = TrailInput {
        paths,
        jobs: args.jobs,
        no_progress: args.no_progress,
        athena: crate::cli::AthenaSource::default(),
    };
    (input, every_record)
}
