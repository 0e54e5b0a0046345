//! Whole-process costs: start the `iamwhy` binary, load what it needs (the service catalog
//! included), decide and print. Run with `cargo bench -p iamwhy --bench startup`; the binary
//! is the bench profile's build.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "benchmark set-up over fixed fixtures: a panic is a failed run"
)]
#![allow(missing_docs, reason = "criterion generates undocumented items")]

use std::process::{Command, Stdio};

use criterion::{Criterion, criterion_group, criterion_main};

fn run(args: &[&str]) -> bool {
    Command::new(env!("CARGO_BIN_EXE_iamwhy"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.code() == Some(0))
}

fn startup(c: &mut Criterion) {
    let mut group = c.benchmark_group("startup");
    group.sample_size(30);
    group.bench_function("iamwhy --version", |b| b.iter(|| run(&["--version"])));
    group.bench_function("simulate, small scenario (first decision)", |b| {
        b.iter(|| run(&["simulate", "--scenario", "tests/fixtures/kms-denied.json"]))
    });
    group.bench_function("simulate, AWS managed policy by ARN", |b| {
        b.iter(|| {
            run(&[
                "simulate",
                "--scenario",
                "tests/fixtures/s3-select-all.json",
            ])
        })
    });
    group.bench_function("simulate --service s3 (Select All)", |b| {
        b.iter(|| {
            run(&[
                "simulate",
                "--scenario",
                "tests/fixtures/s3-select-all.json",
                "--service",
                "s3",
            ])
        })
    });
    group.bench_function(
        "simulate --snapshot, story 1 with its hidden kms:Decrypt",
        |b| {
            b.iter(|| {
                run(&[
                    "simulate",
                    "--snapshot",
                    "../../examples/snapshot",
                    "--principal",
                    "arn:aws:iam::111122223333:user/s3_full_access",
                    "--action",
                    "s3:GetObject",
                    "--resource",
                    "arn:aws:s3:::acme-reports/2026/q3.csv",
                ])
            })
        },
    );
    group.bench_function("actions s3:GetObject", |b| {
        b.iter(|| run(&["actions", "s3:GetObject"]))
    });
    group.finish();
}

criterion_group!(benches, startup);
criterion_main!(benches);
