//! `iamwhy test`: run every scenario that carries an `expect`.

use std::path::{Path, PathBuf};

use iamwhy_core::{Diagnostic, Diagnostics, SourceMap};
use serde::Serialize;

use crate::result::{SimulationResult, StatementInfo};
use crate::scenario::{Overrides, parse_scenarios};
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
    pub expected: &'static str,
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

/// Finds the `.json` files under the given files and directories (recursively, sorted).
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Diagnostics>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        walk(p, true, &mut files, &mut errors);
    }
    (files, errors)
}

fn io_error(path: &Path, e: &std::io::Error) -> Diagnostics {
    Diagnostics::single(Diagnostic::unplaced_error(
        "io",
        format!("cannot read `{}`: {e}", path.display()),
    ))
}

fn walk(path: &Path, explicit: bool, files: &mut Vec<PathBuf>, errors: &mut Vec<Diagnostics>) {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => match std::fs::read_dir(path) {
            Ok(entries) => {
                let mut children: Vec<PathBuf> =
                    entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                children.sort();
                for c in children {
                    walk(&c, false, files, errors);
                }
            }
            Err(e) => errors.push(io_error(path, &e)),
        },
        Ok(_) => {
            if explicit || path.extension().is_some_and(|e| e == "json") {
                files.push(path.to_path_buf());
            }
        }
        Err(e) => errors.push(io_error(path, &e)),
    }
}

/// Reads a file into the source map.
pub fn read_source(map: &mut SourceMap, path: &Path) -> Result<iamwhy_core::SourceId, Diagnostics> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(map.add_file(path.display().to_string(), text)),
        Err(e) => Err(io_error(path, &e)),
    }
}

/// Runs every scenario with an `expect` in the given files and directories.
pub fn run_tests(map: &mut SourceMap, paths: &[PathBuf]) -> TestReport {
    let (files, errors) = collect_files(paths);
    let mut report = TestReport {
        errors,
        ..TestReport::default()
    };
    report.files = files.len();
    for file in files {
        let source = match read_source(map, &file) {
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
                report.skipped += 1;
                continue;
            };
            let results = simulate(scenario, map);
            let failures: Vec<CaseFailure> = results.iter().filter_map(failure).collect();
            let status = if failures.is_empty() {
                report.passed += 1;
                CaseStatus::Pass
            } else {
                report.failed += 1;
                CaseStatus::Fail
            };
            report.cases.push(TestCase {
                file: map.name(source).to_owned(),
                name: scenario.name.clone(),
                status,
                expected: exp.decision.as_str(),
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
