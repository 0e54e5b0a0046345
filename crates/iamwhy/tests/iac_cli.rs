//! Policy changes written as code, end to end: `--plan` with `replay` and `simulate` (story 4
//! and story 5 as Terraform plans), and `review`.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn plan(name: &str) -> String {
    root()
        .join("crates/iamwhy-iac/tests/fixtures/terraform")
        .join(name)
        .display()
        .to_string()
}

/// Runs the binary at the repository root; (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_iamwhy"))
        .current_dir(root())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Story 4 as a plan: the role deploy-admin loses AdministratorAccess for a scoped inline
/// policy; replay lists its past `s3:ListBuckets` as newly denied, and nothing else.
#[test]
fn replay_with_a_plan_lists_the_calls_newly_denied() {
    let p = plan("story4-scope-deploy-admin.plan.json");
    let (code, out, err) = run(&[
        "--format",
        "json",
        "replay",
        "--snapshot",
        "examples/snapshot",
        "examples/trail",
        "--plan",
        &p,
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let denied = v["newly_denied"].as_array().unwrap();
    assert_eq!(denied.len(), 1, "{out}");
    assert_eq!(
        denied[0]["principal"],
        "arn:aws:sts::111122223333:assumed-role/deploy-admin/ci-run-42"
    );
    assert_eq!(denied[0]["action"], "s3:ListAllMyBuckets");
    assert!(v["newly_allowed"].as_array().unwrap().is_empty());
}

/// Story 5 as a plan: the fix's plan newly allows AWS Backup's `kms:GenerateDataKey`.
#[test]
fn replay_with_the_story5_fix_newly_allows_aws_backup() {
    let p = plan("story5-fix.plan.json");
    let (code, out, err) = run(&[
        "--format",
        "json",
        "replay",
        "--snapshot",
        "examples/snapshot",
        "examples/trail-story5",
        "--plan",
        &p,
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let allowed = v["newly_allowed"].as_array().unwrap();
    assert_eq!(allowed.len(), 1, "{out}");
    assert_eq!(
        allowed[0]["principal"],
        "service:backup-storage.amazonaws.com"
    );
    assert_eq!(allowed[0]["action"], "kms:GenerateDataKey");
    assert!(v["newly_denied"].as_array().unwrap().is_empty());
}

/// `simulate --plan` evaluates before and after the change.
#[test]
fn simulate_with_a_plan_compares_before_and_after() {
    let p = plan("story5-fix.plan.json");
    let (code, out, err) = run(&[
        "simulate",
        "--snapshot",
        "examples/snapshot",
        "--principal",
        "service:backup-storage.amazonaws.com",
        "--action",
        "kms:GenerateDataKey",
        "--resource",
        "arn:aws:kms:us-east-1:111122223333:key/5555eeee-55ee-55ee-55ee-555555555555",
        "--plan",
        &p,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("ExplicitDeny") || out.contains("explicit"),
        "{out}"
    );
    assert!(out.contains("Allowed") || out.contains("allowed"), "{out}");
}

/// A plan naming something iamwhy cannot apply says so, and a file that is no plan is an
/// error naming the file.
#[test]
fn what_cannot_be_applied_is_said() {
    let p = plan("every-resource.plan.json");
    let (code, _, err) = run(&[
        "replay",
        "--snapshot",
        "examples/snapshot",
        "examples/trail",
        "--plan",
        &p,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("aws_lambda_permission.events: not applied"),
        "{err}"
    );
    assert!(
        err.contains("aws_kms_key.logs.policy: not applied: the document is known after apply"),
        "{err}"
    );

    let (code, _, err) = run(&[
        "replay",
        "--snapshot",
        "examples/snapshot",
        "examples/trail",
        "--plan",
        "examples/candidates/deny-s3-session.json",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("deny-s3-session.json: not a Terraform plan"),
        "{err}"
    );

    // A plan cut short says where its JSON breaks.
    let cut = std::env::temp_dir().join(format!("iamwhy-cut-{}.plan.json", std::process::id()));
    std::fs::write(
        &cut,
        r#"{"format_version":"1.2","resource_changes":[{"address":"x","#,
    )
    .unwrap();
    let (code, _, err) = run(&[
        "replay",
        "--snapshot",
        "examples/snapshot",
        "examples/trail",
        "--plan",
        &cut.display().to_string(),
    ]);
    let _ = std::fs::remove_file(&cut);
    assert_eq!(code, 2);
    assert!(err.contains(".plan.json:1:45"), "{err}");
}

/// Story 5 as plans with `review`: the plan that adds the guardrail fails on the lint
/// finding at `aws_kms_key.backup.policy` (with the fix); the plan that adds the guard
/// passes and says AWS Backup's call, denied today, is fixed by it.
#[test]
fn review_story5_plans() {
    let (code, out, err) = run(&[
        "--format",
        "json",
        "review",
        "--snapshot",
        "examples/snapshot",
        &plan("story5-guardrail.plan.json"),
        "examples/trail-story5",
    ]);
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let change = &v["changes"][0];
    assert_eq!(change["place"], "aws_kms_key.backup.policy");
    assert_eq!(
        change["findings"][0]["code"],
        "guardrail-blocks-aws-services"
    );
    assert!(
        change["findings"][0]["help"]
            .as_str()
            .unwrap()
            .contains("BoolIfExists")
    );
    assert_eq!(v["verdict"]["findings_at_or_above"], 1);

    let (code, out, err) = run(&[
        "--format",
        "markdown",
        "review",
        "--snapshot",
        "examples/snapshot",
        &plan("story5-fix.plan.json"),
        "examples/trail-story5",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("### ✅ iamwhy review: passes; fixes 1 past call(s) denied today"),
        "{out}"
    );
    assert!(
        out.contains("| denied today, fixed by this change | 1 | service:backup-storage.amazonaws.com | `kms:GenerateDataKey` |"),
        "{out}"
    );
}

/// Story 4 as plans with `review`: the inline Deny newly denies every `s3:` action of the
/// role (compared action by action) and breaks its past `s3:ListBuckets`; exit 1.
#[test]
fn review_story4_plans_list_past_calls_newly_denied() {
    let (code, out, err) = run(&[
        "--format",
        "json",
        "review",
        "--snapshot",
        "examples/snapshot",
        &plan("story4-deny-s3.plan.json"),
        "examples/trail",
    ]);
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let access = v["access"].as_array().unwrap();
    assert!(access.len() > 100, "{}", access.len());
    assert!(access.iter().all(|a| a["after"] == "ExplicitDeny"
        && a["principal"] == "arn:aws:iam::111122223333:role/deploy-admin"
        && a["action"].as_str().unwrap().starts_with("s3:")));
    let denied = v["past_calls"]["newly_denied"].as_array().unwrap();
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0]["action"], "s3:ListAllMyBuckets");
    assert_eq!(v["verdict"]["breaks_past_calls"], true);

    let (code, out, _) = run(&[
        "review",
        "--snapshot",
        "examples/snapshot",
        &plan("story4-scope-deploy-admin.plan.json"),
        "examples/trail",
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("broken by this change: 1 x arn:aws:sts::111122223333:assumed-role/deploy-admin/ci-run-42  s3:ListAllMyBuckets"), "{out}");

    // SARIF: the touched policies' findings, with their logical locations.
    let (_, out, _) = run(&[
        "--format",
        "sarif",
        "review",
        "--snapshot",
        "examples/snapshot",
        &plan("story5-guardrail.plan.json"),
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["runs"][0]["results"][0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "aws_kms_key.backup.policy"
    );
}

/// SCP attachments in a plan: an SCP created and attached in the same plan (its id known only
/// after apply, linked through the plan's `configuration`) denies the reader of account A; an
/// existing SCP of the organization attached to account B denies B's admin.
#[test]
fn simulate_with_scp_attachments_of_a_plan() {
    let p = plan("org-scp-attach.plan.json");
    let snapshot = "crates/iamwhy-snapshot/tests/fixtures/org-multi";
    let cases = [
        (
            "arn:aws:iam::111122223333:role/reader",
            "s3:GetObject",
            "DenyReportsReads",
        ),
        (
            "arn:aws:iam::444455556666:role/data-admin",
            "s3:DeleteObject",
            "DenyObjectDeletion",
        ),
    ];
    for (principal, action, policy) in cases {
        let (code, out, err) = run(&[
            "simulate",
            "--snapshot",
            snapshot,
            "--principal",
            principal,
            "--action",
            action,
            "--resource",
            "arn:aws:s3:::b-reports/q3.csv",
            "--plan",
            &p,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["before"][0]["decision"], "Allowed", "{principal}: {out}");
        assert_eq!(
            v["after"][0]["decision"], "ExplicitDeny",
            "{principal}: {out}"
        );
        assert_eq!(v["after"][0]["denied_by"], "scp", "{principal}: {out}");
        assert!(out.contains(policy), "{principal}: {out}");
    }
}
