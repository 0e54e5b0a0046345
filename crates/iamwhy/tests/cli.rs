//! The built `iamwhy` binary, run from outside: exit codes, the stdout/stderr split,
//! `NO_COLOR`, JSON output fields, and error messages with file, line and column.
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

use std::path::PathBuf;
mod common;

use common::{iamwhy, stderr, stdout};

/// `iamwhy simulate --scenario tests/fixtures/kms-denied.json ARGS` (global options may come
/// among `ARGS`).
fn on_kms_fixture(args: &[&str]) -> std::process::Output {
    let scenario = fixture("kms-denied.json");
    let mut all = vec!["simulate", "--scenario", scenario.as_str()];
    all.extend_from_slice(args);
    iamwhy(&all)
}

fn fixture(name: &str) -> String {
    PathBuf::from("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn simulate_text_explains_the_denial() {
    let o = on_kms_fixture(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
    assert!(stderr(&o).is_empty());
    assert!(!stdout(&o).contains('\x1b'), "NO_COLOR must disable colour");
}

#[test]
fn simulate_json_has_the_documented_fields() {
    let o = on_kms_fixture(&["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["decision"], "ImplicitDeny");
    assert_eq!(v["denied_by"], "identity");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .ends_with("because no identity-based policy allows the kms:Decrypt action")
    );
    let m = &v["matched_statements"][0];
    assert_eq!(m["policy_type"], "resource");
    assert_eq!(m["sid"], "EnableIAMUserPermissions");
    assert_eq!(m["index"], 0);
    assert_eq!(m["effect"], "Allow");
    assert_eq!(m["line"], 23);
    assert_eq!(m["column"], 7);
    assert!(v["missing_context_keys"].as_array().unwrap().is_empty());
    insta::assert_json_snapshot!(v);
}

/// The statements that do not apply are listed with `--detail full` only (docs/output.md).
#[test]
fn simulate_json_lists_unmatched_statements_with_detail_full() {
    let standard = on_kms_fixture(&["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&standard)).unwrap();
    assert!(v.get("unmatched_statements").is_none(), "{v}");
    let full = on_kms_fixture(&["--format", "json", "--detail", "full"]);
    assert_eq!(full.status.code(), Some(0), "{}", stderr(&full));
    let f: serde_json::Value = serde_json::from_str(&stdout(&full)).unwrap();
    let unmatched = f["unmatched_statements"].as_array().unwrap();
    assert!(!unmatched.is_empty(), "{f}");
    assert!(
        unmatched
            .iter()
            .all(|u| u["reason"].is_string() && u["line"].is_u64())
    );
    // Everything else is the same.
    let mut rest = f.clone();
    rest.as_object_mut().unwrap().remove("unmatched_statements");
    assert_eq!(rest, v);
}

#[test]
fn several_actions_give_an_array_in_order() {
    let o = on_kms_fixture(&[
        "--format",
        "json",
        "--action",
        "kms:Decrypt",
        "--action",
        "kms:Encrypt",
        "--resource",
        "arn:aws:kms:us-east-1:111122223333:key/other",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let results = v.as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["action"], "kms:Decrypt");
    assert_eq!(results[0]["decision"], "Allowed");
    assert_eq!(results[1]["action"], "kms:Encrypt");
    assert_eq!(results[1]["decision"], "ImplicitDeny");
    // The file's `expect` describes the file's own request, which `--action` replaced: it
    // is not checked, and a warning says so (`--expect` checks the new requests).
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("this `expect` is not checked"));
}

#[test]
fn expect_flag_sets_the_exit_code() {
    let file = fixture("kms-denied.json");
    let met = iamwhy(&["simulate", "--scenario", &file, "--expect", "Denied"]);
    assert_eq!(met.status.code(), Some(0));
    let unmet = iamwhy(&["simulate", "--scenario", &file, "--expect", "Allowed"]);
    assert_eq!(unmet.status.code(), Some(1));
    assert!(stdout(&unmet).contains("NOT met: expected Allowed, got ImplicitDeny"));
    let bad = iamwhy(&["simulate", "--scenario", &file, "--expect", "allowed"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--expect `allowed`"));
}

#[test]
fn overrides_principal_context_and_session_policy() {
    let o = on_kms_fixture(&[
        "--format",
        "json",
        "--principal",
        "arn:aws:sts::111122223333:assumed-role/app/s1",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::bucket/key",
        "--context",
        "aws:SourceIp=203.0.113.9",
        "--context",
        "aws:TagKeys=a,b",
        "--session-policy",
        &fixture("session-policy.json"),
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["decision"], "Allowed", "{}", stderr(&o));
    assert_eq!(v["context"]["aws:SourceIp"], "203.0.113.9");
    assert_eq!(v["context"]["aws:TagKeys"], serde_json::json!(["a", "b"]));
    assert_eq!(
        v["context"]["aws:PrincipalArn"],
        "arn:aws:iam::111122223333:role/app"
    );
    let types: Vec<&str> = v["policy_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["policy_type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"session"));
}

#[test]
fn malformed_policy_reports_every_error_with_location() {
    let o = iamwhy(&["simulate", "--scenario", &fixture("missing-effect.json")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    insta::assert_snapshot!(stderr(&o));
}

/// Runs `simulate` on a fixture that must be rejected (exit 2, nothing on stdout) with
/// messages containing every expected piece.
fn assert_rejected(name: &str, expected: &[&str]) {
    let o = iamwhy(&["simulate", "--scenario", &fixture(name)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    for piece in expected {
        assert!(err.contains(piece), "missing {piece:?} in:\n{err}");
    }
}

#[test]
fn malformed_json_reports_line_and_column() {
    assert_rejected(
        "trailing-comma.json",
        &[
            "trailing commas are not allowed in JSON",
            "tests/fixtures/trailing-comma.json:4:",
        ],
    );
}

#[test]
fn errors_inside_embedded_policies_point_into_the_file() {
    // Line 5 of the file, at the escaped key inside the string.
    assert_rejected(
        "embedded-bad.json",
        &[
            "unknown statement element `Resourse`",
            "did you mean `Resource`?",
            "tests/fixtures/embedded-bad.json:5:145",
        ],
    );
}

#[test]
fn unknown_scenario_keys_are_errors_with_suggestions() {
    assert_rejected(
        "unknown-key.json",
        &[
            "unknown scenario key `identity_policy`",
            "did you mean `identity_policies`?",
            "unknown-key.json:5:3",
        ],
    );
}

#[test]
fn json_errors_are_json() {
    let o = iamwhy(&[
        "--format",
        "json",
        "simulate",
        "--scenario",
        &fixture("trailing-comma.json"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let line = stderr(&o);
    let v: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    assert_eq!(v["severity"], "error");
    assert_eq!(v["line"], 4);
}

#[test]
fn missing_file_is_exit_2() {
    let o = iamwhy(&["simulate", "--scenario", "does-not-exist.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read `does-not-exist.json`"));
}

#[test]
fn test_command_reports_pass_fail_and_summary() {
    let o = iamwhy(&["test", &fixture("testdir")]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn test_command_passes_on_the_bundled_examples() {
    let o = iamwhy(&["test", "../../examples/scenarios"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains(" passed, 0 failed"));
}

#[test]
fn test_command_json() {
    let o = iamwhy(&["--format", "json", "test", &fixture("testdir")]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["passed"], 1);
    assert_eq!(v["failed"], 1);
    assert_eq!(v["skipped"], 1);
    assert_eq!(v["cases"][0]["status"], "fail");
}

#[test]
fn test_command_with_no_files_is_an_error() {
    let dir = std::env::temp_dir().join("iamwhy-empty-test-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let o = iamwhy(&["test", &dir.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn usage_errors_are_exit_2() {
    let o = iamwhy(&["simulate"]);
    assert_eq!(o.status.code(), Some(2));
    let o = iamwhy(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn colour_only_when_asked() {
    let o = iamwhy(&[
        "--color",
        "always",
        "simulate",
        "--scenario",
        &fixture("kms-denied.json"),
    ]);
    assert!(stdout(&o).contains("\x1b[1;31mImplicitDeny"));
}

#[test]
fn issue_22_a_repeated_warning_is_shown_once_with_its_count() {
    // One minified file, the same unknown pattern in 50 scenarios: one warning, counted,
    // with the next places; the quote starts near the finding, not at the line's start.
    let scenario = |i: usize| {
        format!(
            r#"{{"principal":"arn:aws:iam::111122223333:user/u{i}","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","identity_policies":[{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["s3:GetObject","sqs:Put*"],"Resource":"*"}}]}}]}}"#
        )
    };
    let text = format!("[{}]", (0..50).map(scenario).collect::<Vec<_>>().join(","));
    let dir = std::env::temp_dir().join(format!("iamwhy-issue22-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("minified.json");
    std::fs::write(&file, text).unwrap();
    let path = file.to_str().unwrap();
    let o = iamwhy(&["--format", "json", "simulate", "--scenario", path]);
    let warnings: Vec<serde_json::Value> = stderr(&o)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &serde_json::Value| v["code"] == "action-matches-nothing")
        .collect();
    assert_eq!(warnings.len(), 1, "{}", stderr(&o));
    assert_eq!(warnings[0]["count"], 50);
    assert_eq!(warnings[0]["also_at"].as_array().unwrap().len(), 3);
    let o = iamwhy(&["simulate", "--scenario", path]);
    let err = stderr(&o);
    assert!(err.contains("= note: 50 times in all; also at"), "{err}");
    assert!(
        err.contains("…"),
        "a long line is quoted as a window: {err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
