//! Runs the scenario corpus under `tests/scenarios/` (one directory per spec section) with
//! the same runner as `iamwhy test`, and reports every failing file and case by name.

#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]

use std::path::PathBuf;

use iamwhy_analysis::{CaseStatus, run_tests};
use iamwhy_core::SourceMap;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios")
}

#[test]
fn scenario_corpus_passes() {
    let mut map = SourceMap::new();
    let report = run_tests(&mut map, &[corpus()]);
    let mut problems = Vec::new();
    for e in &report.errors {
        for d in e.iter() {
            let at = d
                .span
                .map(|s| {
                    let l = map.location(s);
                    format!("{}:{}:{}", l.file, l.line, l.column)
                })
                .unwrap_or_default();
            problems.push(format!("error {at}: {}", d.message));
        }
    }
    for case in &report.cases {
        if let CaseStatus::Fail = case.status {
            for f in &case.failures {
                problems.push(format!(
                    "FAIL {} [{}] {} on {}: {}",
                    case.file,
                    case.name,
                    f.action,
                    f.resource,
                    f.problems.join("; ")
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) in the scenario corpus:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(report.skipped, 0, "every corpus scenario needs an `expect`");
    assert!(report.passed > 0);
}
