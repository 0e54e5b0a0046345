//! `iamwhy generate` and `iamwhy unused` end to end: the formats (text, JSON, Terraform,
//! CSV), exit codes and bad input. What they answer is tested on the library by the corpus
//! of cases in `crates/iamwhy-analysis/tests/cases/generate/`.
#![allow(
    clippy::indexing_slicing,
    reason = "test code: an out-of-range index is a failed test"
)]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers: a failed spawn, parse or fixture is a failed test"
)]

mod common;

use common::{fails_with, iamwhy, stderr, stdout};
use serde_json::Value;

const USER: &str = "arn:aws:iam::111122223333:user/s3_full_access";

fn generate(extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "generate",
        "--snapshot",
        "../../examples/snapshot",
        "../../examples/trail",
        "--principal",
        USER,
    ];
    args.extend_from_slice(extra);
    iamwhy(&args)
}

#[test]
fn generate_text_shows_the_document_and_the_replay() {
    let o = generate(&["--include-denied"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "Least-privilege policy for arn:aws:iam::111122223333:user/s3_full_access (user)",
        "\"Version\": \"2012-10-17\"",
        "kms:ViaService",
        "Replay: verified",
        "Denied by AWS (granted (--include-denied))",
        "IAM and AWS STS quotas",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn generate_json_document_is_ready_for_put_user_policy() {
    let o = generate(&["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let doc = &v["generated"][0]["policies"][0]["document"];
    assert_eq!(doc["Version"], "2012-10-17");
    assert!(
        doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["Effect"] == "Allow")
    );
    assert_eq!(v["generated"][0]["verification"]["verified"], true);
}

#[test]
fn generate_terraform_is_an_inline_policy_resource() {
    let o = generate(&["--format", "terraform", "--include-denied"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "resource \"aws_iam_user_policy\"",
        "user   = \"s3_full_access\"",
        "policy = jsonencode({",
        "\"kms:ViaService\" = [\"s3.us-east-1.amazonaws.com\"]",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    assert!(!text.contains("aws_iam_policy_document"));
}

#[test]
fn formats_belong_to_their_commands() {
    fails_with(
        &["--format", "terraform", "actions", "s3:GetObject"],
        2,
        "only for `iamwhy generate`",
    );
    let o = generate(&["--format", "csv"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn generate_bad_input() {
    fails_with(
        &[
            "generate",
            "--snapshot",
            "no/such/dir",
            "../../examples/trail",
            "--principal",
            USER,
        ],
        2,
        "no/such/dir",
    );
    fails_with(
        &[
            "generate",
            "--snapshot",
            "../../examples/snapshot",
            "../../examples/trail",
            "--principal",
            USER,
            "--since",
            "yesterday-ish",
        ],
        2,
        "--since",
    );
}

#[test]
fn unused_csv_has_one_row_per_allowed_action() {
    let o = iamwhy(&[
        "--format",
        "csv",
        "unused",
        "--snapshot",
        "../../examples/snapshot",
        "../../examples/trail",
        "--principal",
        "s3_full_access",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("principal,kind,service,action,resource,status,last_used")
    );
    assert!(text.contains(",s3,s3:GetObject,*,used,2026-11-20T10:04:27Z"));
    assert!(text.contains(",s3,s3:DeleteObject,*,unused,"));
}

#[test]
fn unused_text_says_what_the_logs_cannot_show() {
    let o = iamwhy(&[
        "unused",
        "--snapshot",
        "../../examples/snapshot",
        "../../examples/trail",
        "--principal",
        "s3_full_access",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("What the logs cannot show"), "{text}");
    assert!(text.contains("(8 minutes)"), "{text}");
}

/// A role ARN without the role's path (as session ARNs and AWS's messages write it) is taken
/// as the snapshot's role of that name, with a note; its calls are found (CloudTrail records
/// the path) and its policy is verified.
#[test]
fn generate_takes_a_role_arn_without_its_path_as_the_snapshots() {
    let fixture = "../iamwhy-analysis/tests/cases/fixtures/generate";
    let o = iamwhy(&[
        "--format",
        "json",
        "generate",
        "--snapshot",
        &format!("{fixture}/snapshot"),
        &format!("{fixture}/trail"),
        "--principal",
        "arn:aws:iam::111122223333:role/nightly-loader",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("taken as arn:aws:iam::111122223333:role/etl/nightly-loader"),
        "{}",
        stderr(&o)
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["generated"][0]["principal"],
        "arn:aws:iam::111122223333:role/etl/nightly-loader"
    );
    assert_eq!(v["generated"][0]["verification"]["still_allowed"], 4);
}
