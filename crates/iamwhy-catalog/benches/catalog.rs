//! Catalog costs: first use (indexing the embedded text), parsing a service, look-ups,
//! wildcard expansion and managed-policy look-up.

#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "benchmark set-up over fixed fixtures: a panic is a failed run"
)]
#![allow(missing_docs, reason = "criterion generates undocumented items")]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use iamwhy_catalog::Catalog;

fn first_use(c: &mut Criterion) {
    c.bench_function("catalog/load + first action lookup", |b| {
        b.iter(|| Catalog::load().action(black_box("s3:GetObject")).is_some())
    });
    c.bench_function("catalog/load + parse every service", |b| {
        b.iter(|| {
            Catalog::load()
                .services()
                .map(|s| s.actions.len())
                .sum::<usize>()
        })
    });
    c.bench_function("catalog/load + first managed policy", |b| {
        b.iter(|| {
            Catalog::load()
                .managed_policy(black_box("AmazonS3FullAccess"))
                .is_some()
        })
    });
}

fn lookups(c: &mut Criterion) {
    let catalog = Catalog::bundled();
    // Warm the services the loops touch, so that these measure look-ups.
    let _ = catalog.action("s3:GetObject");
    let _ = catalog.managed_policy("AmazonS3FullAccess");
    c.bench_function("catalog/action lookup (s3:getobject)", |b| {
        b.iter(|| catalog.action(black_box("s3:getobject")).is_some())
    });
    c.bench_function("catalog/expand s3:Get*", |b| {
        b.iter(|| catalog.expand(black_box("s3:Get*")).map(|v| v.len()))
    });
    c.bench_function("catalog/managed policy by ARN", |b| {
        b.iter(|| {
            catalog
                .managed_policy(black_box("arn:aws:iam::aws:policy/AmazonS3FullAccess"))
                .is_some()
        })
    });
    c.bench_function("catalog/classify object ARN", |b| {
        b.iter(|| {
            catalog
                .classify_arn("s3", black_box("arn:aws:s3:::bucket/a/b.csv"))
                .len()
        })
    });
    c.bench_function("catalog/suggest for a typo (s3:GetObjcet)", |b| {
        b.iter(|| catalog.suggest_action(black_box("s3:GetObjcet")).len())
    });
}

criterion_group!(benches, first_use, lookups);
criterion_main!(benches);
