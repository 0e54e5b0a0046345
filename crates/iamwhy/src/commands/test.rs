//! `iamwhy test FILE|DIR...`.

use iamwhy_analysis::run_tests;
use iamwhy_core::SourceMap;

use crate::cli::{Format, TestArgs};
use crate::exit::ExitStatus;
use crate::render::{Output, Paint, test_text, to_json};

pub(crate) fn run(args: &TestArgs, out: &mut Output) -> ExitStatus {
    let mut map = SourceMap::new();
    let report = run_tests(&mut map, &args.paths);
    for e in &report.errors {
        out.diagnostics(&map, e.iter());
    }
    out.diagnostics(&map, report.warnings.iter());
    let text = match out.format {
        Format::Json => to_json(&report),
        Format::Text => test_text(&report, &Paint(out.color)),
    };
    out.result(&text);
    if !report.errors.is_empty() {
        ExitStatus::Error
    } else if report.files == 0 {
        out.error_line("no scenario files found (looked for `.json` files)");
        ExitStatus::Error
    } else if report.failed > 0 {
        ExitStatus::Negative
    } else {
        ExitStatus::Success
    }
}
