//! `iamwhy explain` and `iamwhy replay` end to end: the text output, bad input, and the
//! change flags reaching the replay. What explain and replay answer is tested on the library
//! by the corpus of cases in `crates/iamwhy-analysis/tests/cases/`.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers: a failed spawn, parse or fixture is a failed test"
)]

mod common;

use common::{fails_with, iamwhy, stderr, stdout};
use serde_json::Value;

fn run_json(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let o = iamwhy(&all);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

#[test]
fn explain_text_names_the_hidden_call_and_the_verified_fix() {
    let o = iamwhy(&[
        "explain",
        "--snapshot",
        "../../examples/snapshot",
        "../../examples/trail",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "Denied: s3:GetObject",
        "kms:Decrypt on arn:aws:kms:us-east-1:111122223333:key/1234abcd",
        "<- fails",
        "while serving s3:GetObject",
        "Fix 1 (verified)",
        "aws iam put-user-policy --user-name s3_full_access",
        "grants nothing beyond the request",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn explain_bad_input() {
    fails_with(
        &["explain", "--snapshot", "no/such/dir", "--message", "x"],
        2,
        "no/such/dir",
    );
    fails_with(
        &[
            "explain",
            "--snapshot",
            "../../examples/snapshot",
            "no/such/logs",
        ],
        2,
        "no log could be read",
    );
}

#[test]
fn replay_with_the_story_5_fix_newly_allows_the_backup_call() {
    let r = run_json(&[
        "replay",
        "--snapshot",
        "../../examples/snapshot",
        "../../examples/trail-story5",
        "--set-resource-policy",
        "arn:aws:kms:us-east-1:111122223333:key/5555eeee-55ee-55ee-55ee-555555555555=../../examples/candidates/backup-key-policy-fixed.json",
    ]);
    let allowed = r["newly_allowed"].as_array().unwrap();
    assert_eq!(allowed.len(), 1, "{r}");
    assert_eq!(
        allowed[0]["principal"],
        "service:backup-storage.amazonaws.com"
    );
    assert_eq!(allowed[0]["action"], "kms:GenerateDataKey");
    assert_eq!(r["newly_denied"], Value::Array(Vec::new()), "{r}");
}

#[test]
fn replay_with_a_session_policy_lists_the_calls_it_would_break() {
    let r = run_json(&[
        "replay",
        "--snapshot",
        "../../examples/snapshot",
        "../../examples/trail",
        "--session-policy",
        "../../examples/candidates/deny-s3-session.json",
    ]);
    let denied = r["newly_denied"].as_array().unwrap();
    assert!(
        denied.iter().any(|g| g["action"] == "s3:ListAllMyBuckets"
            && g["principal"]
                .as_str()
                .unwrap()
                .contains("assumed-role/deploy-admin/")),
        "{r}"
    );
    assert!(
        denied
            .iter()
            .all(|g| g["action"].as_str().unwrap().starts_with("s3:")),
        "{r}"
    );
    // A session policy that only denies cannot let a denied call through (the story-1
    // download stays denied by its hidden kms:Decrypt check).
    assert_eq!(r["newly_allowed"].as_array().map(Vec::len), Some(0), "{r}");
}
