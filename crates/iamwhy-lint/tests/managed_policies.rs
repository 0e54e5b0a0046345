//! Every AWS managed policy of the bundled catalog lints without errors (issue 8's
//! acceptance): AWS accepted them all, so an error here is a false positive of the linter or
//! a gap of the catalog. The counts of findings per code are printed (`--nocapture`) for
//! docs/lint.md.

#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(clippy::unwrap_used, clippy::print_stdout, reason = "tests")]

use std::collections::BTreeMap;

use iamwhy_catalog::Catalog;
use iamwhy_core::PolicyKind;
use iamwhy_core::SourceMap;
use iamwhy_lint::{Level, LintOptions, lint_source};

#[test]
fn aws_managed_policies_lint_without_errors() {
    let catalog = Catalog::bundled();
    let options = LintOptions {
        policy_kind: Some(PolicyKind::Identity),
        account: None,
        region: None,
    };
    let mut map = SourceMap::new();
    let mut counts: BTreeMap<(&str, Level), usize> = BTreeMap::new();
    let mut errors = Vec::new();
    for p in catalog.managed_policies() {
        let id = map.add_file(p.name, p.document);
        let report = lint_source(&mut map, id, p.name.as_ref(), &options);
        for f in report.all_findings() {
            *counts.entry((f.code, f.level)).or_default() += 1;
            if std::env::var("LINT_SAMPLES").is_ok_and(|c| c == f.code) {
                let loc = f.span.map(|s| map.location(s).line).unwrap_or(0);
                println!(
                    "SAMPLE {}:{loc}: {} | {}",
                    p.name,
                    f.message,
                    f.help.clone().unwrap_or_default()
                );
            }
            if f.level == Level::Error {
                errors.push(format!("{}: {}: {}", p.name, f.code, f.message));
            }
        }
    }
    println!(
        "{} AWS managed policies linted",
        catalog.managed_policies().len()
    );
    for ((code, level), n) in &counts {
        println!("{n:6}  {code} ({})", level.as_str());
    }
    assert!(
        errors.is_empty(),
        "{} errors on AWS managed policies, first: {:#?}",
        errors.len(),
        &errors
    );
}
