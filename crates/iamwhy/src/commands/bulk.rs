//! `iamwhy who-can` and `iamwhy can`: bulk questions over a snapshot.

use iamwhy_analysis::bulk;
use iamwhy_core::SourceMap;

use crate::args::snapshot_arg;
use crate::cli::{CanArgs, Format, WhoCanArgs};
use crate::exit::ExitStatus;
use crate::render::{Output, Paint, can_csv, can_text, to_json, who_can_csv, who_can_text};

/// `iamwhy who-can`.
pub(crate) fn who_can(args: &WhoCanArgs, csv: bool, out: &mut Output) -> ExitStatus {
    let mut map = SourceMap::new();
    let Some(snapshot) = snapshot_arg(&args.snapshot, &mut map, out) else {
        return ExitStatus::Error;
    };
    let bar = (!args.no_progress && std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .then(|| indicatif::ProgressBar::new(0));
    let report = bulk::who_can(&snapshot, &mut map, &args.action, &args.resource, |i, n| {
        if let Some(b) = &bar {
            b.set_length(n as u64);
            b.set_position(i as u64);
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    let text = match out.format {
        Format::Json if csv => who_can_csv(&report),
        Format::Json => to_json(&report),
        Format::Text => who_can_text(&report, &Paint(out.color)),
    };
    out.result(&text);
    ExitStatus::Success
}

/// `iamwhy can`.
pub(crate) fn can(args: &CanArgs, csv: bool, out: &mut Output) -> ExitStatus {
    let mut map = SourceMap::new();
    let Some(snapshot) = snapshot_arg(&args.snapshot, &mut map, out) else {
        return ExitStatus::Error;
    };
    let report = match bulk::can(
        &snapshot,
        &mut map,
        &args.principal,
        &args.service,
        args.resource.as_deref(),
    ) {
        Ok(r) => r,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    let text = match out.format {
        Format::Json if csv => can_csv(&report),
        Format::Json => to_json(&report),
        Format::Text => can_text(&report, &Paint(out.color)),
    };
    out.result(&text);
    ExitStatus::Success
}
