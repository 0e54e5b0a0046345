//! Linting every bundled AWS managed policy (about 1,400 documents), the figure
//! docs/performance.md records.

#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "benchmark set-up over fixed fixtures: a panic is a failed run"
)]
#![allow(missing_docs, reason = "criterion macros")]

use criterion::{Criterion, criterion_group, criterion_main};
use iamwhy_catalog::Catalog;
use iamwhy_core::PolicyKind;
use iamwhy_core::SourceMap;
use iamwhy_lint::{LintOptions, lint_source};

fn managed_policies(c: &mut Criterion) {
    let catalog = Catalog::bundled();
    let policies = catalog.managed_policies();
    let options = LintOptions {
        policy_kind: Some(PolicyKind::Identity),
        account: None,
        region: None,
    };
    c.bench_function("lint every AWS managed policy", |b| {
        b.iter(|| {
            let mut map = SourceMap::new();
            let mut findings = 0;
            for p in policies {
                let id = map.add_file(p.name, p.document);
                let report = lint_source(&mut map, id, p.name.as_ref(), &options);
                findings += report.all_findings().count();
            }
            findings
        });
    });
}

criterion_group!(benches, managed_policies);
criterion_main!(benches);
