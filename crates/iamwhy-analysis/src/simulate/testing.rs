//! `iamwhy test`: run every scenario that carries an `expect`.

use std::path::{Path, PathBuf};

use iamwhy_core::{Diagnostic, Diagnostics, SourceMap};
use iamwhy_input::Limit;
use serde::Serialize;

use crate::report::{Detail, SimulationResult, StatementInfo};
use crate::simulate::scenario::{ExpectedDecision, Overrides, parse_scenarios};
use crate::simulate::simulate;

/// The outcome of one scenario.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseStatus {
    /// Every result met the expectation.
    Pass,
    /// At least one result did not.
    Fail,
}

/// One scenario run by `iamwhy test`.
#[derive(Clone, Debug, Serialize)]
pub struct TestCase {
    /// The file.
    pub file: String,
    /// The scenario's name.
    pub name: String,
    /// Pass or fail.
    pub status: CaseStatus,
    /// The expected decision.
    pub expected: ExpectedDecision,
    /// For a failure: the results that did not meet the expectation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<CaseFailure>,
}

/// A result that did not meet its expectation.
#[derive(Clone, Debug, Serialize)]
pub struct CaseFailure {
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The decision actually reached.
    pub actual: iamwhy_core::Decision,
    /// The policy type blamed.
    pub denied_by: Option<iamwhy_core::DeniedBy>,
    /// What did not hold.
    pub problems: Vec<String>,
    /// The first deciding statement, if any.
    pub deciding: Option<StatementInfo>,
}

/// Everything `iamwhy test` found.
#[derive(Debug, Default, Serialize)]
pub struct TestReport {
    /// Scenarios with an expectation, in file order.
    pub cases: Vec<TestCase>,
    /// Scenarios without `expect`, not run.
    pub skipped: usize,
    /// Number of passing cases.
    pub passed: usize,
    /// Number of failing cases.
    pub failed: usize,
    /// Files that could not be read or parsed.
    #[serde(skip)]
    pub errors: Vec<Diagnostics>,
    /// Problems that did not stop a scenario from running.
    #[serde(skip)]
    pub warnings: Vec<iamwhy_core::Diagnostic>,
    /// Number of files read.
    pub files: usize,
}

/// The files [`collect_files`] found.
#[derive(Debug, Default)]
pub struct CollectedFiles {
    /// The files, in command-line order, each directory's sorted by name; `-` is stdin.
    pub files: Vec<PathBuf>,
    /// Paths that could not be read.
    pub errors: Vec<Diagnostics>,
    /// What the walk did not read and why (symbolic-link loops, second ways to the same
    /// file, pipes inside directories).
    pub warnings: Vec<Diagnostic>,
}

/// Finds the files to read: paths named on the command line as given (`-` is stdin), and the
/// `.json` files under directories, recursively, sorted, without following a symbolic-link
/// loop and reading each file once.
pub fn collect_files(paths: &[PathBuf]) -> CollectedFiles {
    let walked = iamwhy_input::walk(paths);
    let mut out = CollectedFiles::default();
    for problem in walked.problems {
        if problem.is_error() {
            out.errors
                .push(Diagnostics::single(Diagnostic::unplaced_error(
                    "io",
                    problem.to_string(),
                )));
        } else {
            out.warnings
                .push(Diagnostic::unplaced_warning("io", problem.to_string()));
        }
    }
    for entry in walked.entries {
        let path = match &entry.source {
            iamwhy_input::Source::Stdin => PathBuf::from("-"),
            iamwhy_input::Source::File(p) => p.clone(),
        };
        if entry.explicit || path.extension().is_some_and(|e| e == "json") {
            out.files.push(path);
        }
    }
    out
}

/// Reads a file (`-`: standard input) into the source map, within `limit`.
pub fn read_source(
    map: &mut SourceMap,
    path: &Path,
    limit: Limit,
) -> Result<iamwhy_core::SourceId, Diagnostics> {
    let source = iamwhy_input::Source::from_arg(path);
    match iamwhy_input::read_text(&source, limit) {
        Ok(text) => Ok(map.add_file(source.name(), text)),
        Err(e) => {
            let mut d = Diagnostic::unplaced_error("io", e.to_string());
            if let Some(help) = e.help() {
                d = d.with_help(help);
            }
            Err(Diagnostics::single(d))
        }
    }
}

/// Runs every scenario with an `expect` in the given files and directories.
pub fn run_tests(map: &mut SourceMap, paths: &[PathBuf]) -> TestReport {
    let collected = collect_files(paths);
    let files = collected.files;
    let mut report = TestReport {
        errors: collected.errors,
        warnings: collected.warnings,
        ..TestReport::default()
    };
    report.files = files.len();
    for file in files {
        let source = match read_source(map, &file, Limit::SCENARIO) {
            Ok(s) => s,
            Err(e) => {
                report.errors.push(e);
                continue;
            }
        };
        let scenarios = match parse_scenarios(map, source, &Overrides::default()) {
            Ok((s, warnings)) => {
                report.warnings.extend(warnings);
                s
            }
            Err(e) => {
                report.errors.push(e);
                continue;
            }
        };
        for scenario in &scenarios {
            let Some(exp) = &scenario.expect else {
                report.skipped = report.skipped.saturating_add(1);
                continue;
            };
            let results = simulate(scenario, map, Detail::Standard);
            let failures: Vec<CaseFailure> = results.iter().filter_map(failure).collect();
            let status = if failures.is_empty() {
                report.passed = report.passed.saturating_add(1);
                CaseStatus::Pass
            } else {
                report.failed = report.failed.saturating_add(1);
                CaseStatus::Fail
            };
            report.cases.push(TestCase {
                file: map.name(source).to_owned(),
                name: scenario.name.clone(),
                status,
                expected: exp.decision,
                failures,
            });
        }
    }
    report
}

fn failure(r: &SimulationResult) -> Option<CaseFailure> {
    let exp = r.expectation.as_ref()?;
    if exp.met {
        return None;
    }
    Some(CaseFailure {
        action: r.action.clone(),
        resource: r.resource.clone(),
        actual: r.decision,
        denied_by: r.denied_by,
        problems: exp.failures.clone(),
        deciding: r.deciding_statements.first().cloned(),
    })
}
