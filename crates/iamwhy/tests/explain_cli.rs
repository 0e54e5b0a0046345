//! `iamwhy explain` and `iamwhy replay` end to end. The explain cases are data: each entry
//! of `tests/explain/cases.json` runs the binary with `--format json` and checks JSON
//! pointers of the report (`{"contains": TEXT}` checks a substring, `null` an absent
//! value). `tests/explain/decrypt-record.json` is the denied `kms:Decrypt` record of the
//! bundled story-1 log (`examples/trail`), on its own.
//!
//! Every case also checks the invariant of spec-driven fixes: a verified fix that adds a
//! statement never allows the neighbouring requests it did not need (the same action on a
//! sibling resource, a sibling action on the same resource).
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
#[path = "../../../tests/support/shared_data.rs"]
mod shared_data;

use common::{fails_with, iamwhy, stderr, stdout};
use serde_json::Value;
use shared_data::shared_data;

fn run_json(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let o = iamwhy(&all);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn check(name: &str, report: &Value, pointer: &str, expected: &Value) {
    let actual = report.pointer(pointer);
    match expected {
        Value::Null => assert!(actual.is_none(), "{name}: {pointer} = {actual:?}"),
        Value::Object(o) if o.contains_key("contains") => {
            let needle = o["contains"].as_str().unwrap();
            let text = match actual {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => panic!("{name}: {pointer} missing"),
            };
            assert!(text.contains(needle), "{name}: {pointer} = {text}");
        }
        _ => assert_eq!(actual, Some(expected), "{name}: {pointer}"),
    }
}

/// Statements added for an implicit deny grant exactly the request.
fn fixes_grant_only_the_request(name: &str, report: &Value) {
    for inc in report["incidents"].as_array().unwrap() {
        for fix in inc["fixes"].as_array().unwrap() {
            let kind = fix["kind"].as_str().unwrap();
            if !kind.starts_with("add-") || fix["verified"] != Value::Bool(true) {
                continue;
            }
            let scope = fix["scope"].as_array().unwrap();
            assert!(!scope.is_empty(), "{name}: {kind} has no scope checks");
            for s in scope {
                let widened = s["after"] == "Allowed" && s["before"] != "Allowed";
                let wildcard = s["resource"].as_str().unwrap().contains('*');
                assert!(
                    !widened || wildcard,
                    "{name}: {kind} also allows {} on {}",
                    s["action"],
                    s["resource"]
                );
            }
        }
    }
}

#[test]
fn explain_cases() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/explain/cases.json"
    ))
    .unwrap();
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 10);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let args: Vec<&str> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let report = run_json(&args);
        for (pointer, expected) in case["expect"].as_object().unwrap() {
            check(name, &report, pointer, expected);
        }
        fixes_grant_only_the_request(name, &report);
    }
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
fn replay_agrees_with_the_story_logs_and_reports_coverage() {
    let r = run_json(&[
        "replay",
        "--snapshot",
        "../../examples/snapshot",
        "../../examples/trail",
        "../../examples/trail-story5",
    ]);
    let c = &r["coverage"];
    assert_eq!(c["events"], 20);
    assert!(c["mapping_coverage"].as_f64().unwrap() > 0.9, "{c}");
    assert_eq!(r["disagreement_count"], 0, "{r}");
    assert!(r["agreements"].as_u64().unwrap() >= 14, "{r}");
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

#[test]
fn replay_with_the_missing_allow_newly_allows_the_operation_with_its_hidden_check() {
    // Story 1: allowing kms:Decrypt fixes the download, whose request alone was allowed.
    let allowed = |policy: &str| {
        let r = run_json(&[
            "replay",
            "--snapshot",
            "../../examples/snapshot",
            "../../examples/trail",
            "--add-policy",
            policy,
        ]);
        r["newly_allowed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["action"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let fixed = allowed("../../examples/candidates/allow-kms-decrypt.json");
    assert!(fixed.iter().any(|a| a == "s3:GetObject"), "{fixed:?}");
}

#[test]
fn replay_on_the_real_samples_reports_mapping_coverage() {
    // The samples are the shared ../shared/data/cloudtrail/ (see its SOURCES.md). The
    // snapshot is synthesized from them by tools/fixtures/make_replay_snapshot.py (see its
    // README); the four expected disagreements are AssumeRole calls denied and then allowed
    // seconds later on the same role (IAM's eventual consistency, spec §7.1).
    let Some(samples) = shared_data("cloudtrail") else {
        return;
    };
    let r = run_json(&[
        "replay",
        "--snapshot",
        "tests/fixtures/real-samples-snapshot",
        samples.to_str().unwrap(),
    ]);
    let c = &r["coverage"];
    assert!(c["mapping_coverage"].as_f64().unwrap() >= 0.95, "{c}");
    assert!(c["evaluated"].as_u64().unwrap() >= 400, "{c}");
    assert_eq!(c["principal_not_in_snapshot"], 0, "{c}");
    assert!(r["agreements"].as_u64().unwrap() >= 400, "{r}");
    assert_eq!(r["aws_allowed_we_deny"], 0, "{r}");
    let disagreements = r["disagreements"].as_array().unwrap();
    assert!(disagreements.len() <= 4, "{r}");
    assert!(
        disagreements
            .iter()
            .all(|d| d["action"] == "sts:AssumeRole"),
        "{r}"
    );
}
