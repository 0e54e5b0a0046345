//! The wiring of `who-can` and `can`: exit codes, formats, and the help for a principal the
//! snapshot does not hold (the answers themselves are the corpus cases of
//! `crates/iamwhy-analysis/tests/cases/bulk/`).
#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failed spawn is a failed test"
)]

use std::process::{Command, Output};

fn iamwhy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iamwhy"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn can_names_the_close_principals_of_a_typo() {
    let o = iamwhy(&[
        "can",
        "--snapshot",
        "examples/snapshot",
        "--principal",
        "arn:aws:iam::111122223333:user/s3_ful_access",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(
        err.contains("did you mean `arn:aws:iam::111122223333:user/s3_full_access`?"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn can_and_who_can_write_csv_with_a_header() {
    let o = iamwhy(&[
        "--format",
        "csv",
        "can",
        "--snapshot",
        "examples/snapshot",
        "--principal",
        "arn:aws:iam::111122223333:user/s3_full_access",
        "--service",
        "kms",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let mut lines = out.lines();
    let header = lines.next().unwrap_or_default();
    assert!(header.contains("action"), "{header}");
    let o = iamwhy(&[
        "--format",
        "csv",
        "who-can",
        "--snapshot",
        "examples/snapshot",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::acme-reports/2026/q3/revenue.csv",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).lines().count() > 1, "{}", text(&o.stdout));
}
