//! `iamwhy simulate --snapshot` end to end on the bundled example snapshot
//! (examples/snapshot): stories 1, 4 and 5 of product.md, hidden calls (spec §4.8.3),
//! session policies and their size limit (spec §7.2), candidate changes, bad input.
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

const SNAPSHOT: &str = "../../examples/snapshot";
const CANDIDATES: &str = "../../examples/candidates";
const USER: &str = "arn:aws:iam::111122223333:user/s3_full_access";
const OBJECT: &str = "arn:aws:s3:::acme-reports/2026/q3.csv";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const BACKUP_KEY: &str =
    "arn:aws:kms:us-east-1:111122223333:key/5555eeee-55ee-55ee-55ee-555555555555";

/// `iamwhy simulate --snapshot examples/snapshot ARGS`.
fn on_snapshot(args: &[&str]) -> std::process::Output {
    let mut all = vec!["simulate", "--snapshot", SNAPSHOT];
    all.extend_from_slice(args);
    iamwhy(&all)
}

fn json(o: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(o), stderr(o)))
}

/// `simulate --snapshot examples/snapshot --format json` for one request, plus `extra`.
fn request(principal: &str, action: &str, resource: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "--principal",
        principal,
        "--action",
        action,
        "--resource",
        resource,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    json(&on_snapshot(&args))
}

/// Story 1's request (`s3:GetObject` of the SSE-KMS object by `s3_full_access`) plus `extra`.
fn story1(extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "--principal",
        USER,
        "--action",
        "s3:GetObject",
        "--resource",
        OBJECT,
    ];
    args.extend_from_slice(extra);
    on_snapshot(&args)
}

fn candidate(name: &str) -> String {
    format!("{CANDIDATES}/{name}")
}

#[test]
fn story1_get_object_is_allowed_but_the_hidden_kms_decrypt_is_not() {
    let r = request(USER, "s3:GetObject", OBJECT, &[]);
    // The request alone: what AWS's Policy Simulator answers.
    assert_eq!(r["decision"], "Allowed");
    // The operation: S3 calls kms:Decrypt with the user's identity (forward access session).
    assert_eq!(r["operation_decision"], "ImplicitDeny");
    let check = &r["hidden_checks"][0];
    assert_eq!(check["rule"], "s3-get-object-sse-kms");
    assert_eq!(check["mechanism"], "forward-access-session");
    let kms = &check["result"];
    assert_eq!(kms["action"], "kms:Decrypt");
    assert_eq!(kms["resource"], KEY);
    assert_eq!(kms["decision"], "ImplicitDeny");
    assert_eq!(kms["denied_by"], "identity");
    // Spec §4.8.3: the context of the KMS call.
    assert_eq!(
        kms["context"]["kms:ViaService"],
        "s3.us-east-1.amazonaws.com"
    );
    assert_eq!(kms["context"]["aws:ViaAWSService"], "true");
    assert_eq!(kms["context"]["kms:CallerAccount"], "111122223333");
    // The key policy only delegates to IAM.
    let reasons = kms["reasons"].to_string();
    assert!(
        reasons.contains("only delegates to IAM policies"),
        "{reasons}"
    );
}

#[test]
fn story1_text_names_the_failing_check() {
    let text = stdout(&story1(&[]));
    assert!(text.starts_with("ImplicitDeny  s3:GetObject on"), "{text}");
    assert!(text.contains("kms:Decrypt on arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab  <- fails"));
    assert!(text.contains("s3:GetObject alone is allowed, but the operation fails: kms:Decrypt"));
    assert!(text.contains("because no identity-based policy allows the kms:Decrypt action"));
}

#[test]
fn story1_no_hidden_calls_answers_like_the_policy_simulator() {
    let r = request(USER, "s3:GetObject", OBJECT, &["--no-hidden-calls"]);
    assert_eq!(r["decision"], "Allowed");
    assert!(r.get("operation_decision").is_none());
}

#[test]
fn story1_fix_with_add_policy_turns_the_operation_to_allowed() {
    let add = candidate("allow-kms-decrypt.json");
    let o = story1(&[
        "--add-policy",
        &add,
        "--format",
        "json",
        "--expect",
        "Allowed",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["before"][0]["operation_decision"], "ImplicitDeny");
    assert_eq!(r["after"][0]["operation_decision"], "Allowed");
    assert_eq!(r["after"][0]["expectation"]["met"], true);
    let change = r["changes"][0].as_str().unwrap();
    assert!(change.starts_with("add identity-based policy"), "{change}");

    let text = stdout(&story1(&["--add-policy", &add]));
    assert!(
        text.contains("ImplicitDeny -> Allowed  s3:GetObject"),
        "{text}"
    );
}

#[test]
fn story4_session_policy_denies_put_object_for_an_admin_role() {
    let o = on_snapshot(&[
        "--principal",
        "arn:aws:iam::111122223333:role/deploy-admin",
        "--action",
        "s3:PutObject",
        "--resource",
        "arn:aws:s3:::acme-reports/upload.csv",
        "--session-policy",
        &candidate("deny-s3-session.json"),
        "--format",
        "json",
        "--expect",
        "ExplicitDeny",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["decision"], "ExplicitDeny");
    assert_eq!(r["denied_by"], "session");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .ends_with("with an explicit deny in a session policy")
    );
}

#[test]
fn story4_oversized_session_policy_is_rejected_with_the_overflow() {
    fails_with(
        &[
            "simulate",
            "--snapshot",
            SNAPSHOT,
            "--principal",
            "arn:aws:iam::111122223333:role/deploy-admin",
            "--action",
            "s3:PutObject",
            "--session-policy",
            &candidate("oversized-session-policy.json"),
        ],
        2,
        "over the 2048-character limit of STS",
    );
}

#[test]
fn session_policies_need_a_role_or_federated_user() {
    // An IAM user passes session policies with GetFederationToken (spec §7.3): the request
    // is the federated user's, the user its parent.
    let v = request(
        USER,
        "s3:PutObject",
        OBJECT,
        &["--session-policy", &candidate("deny-s3-session.json")],
    );
    assert_eq!(
        v["principal"],
        "arn:aws:sts::111122223333:federated-user/s3_full_access"
    );
    assert_eq!(v["decision"], "ExplicitDeny");
    assert_eq!(v["denied_by"], "session");
    fails_with(
        &[
            "simulate",
            "--snapshot",
            SNAPSHOT,
            "--principal",
            "arn:aws:iam::111122223333:root",
            "--action",
            "s3:PutObject",
            "--session-policy",
            &candidate("deny-s3-session.json"),
        ],
        2,
        "session policies apply to role sessions (AssumeRole) and federated users (GetFederationToken)",
    );
}

#[test]
fn story5_service_principal_is_locked_out_and_the_fix_lets_it_in_but_not_others() {
    let backup = "service:backup-storage.amazonaws.com";
    let r = request(backup, "kms:Decrypt", BACKUP_KEY, &[]);
    assert_eq!(r["decision"], "ExplicitDeny");
    assert_eq!(r["denied_by"], "resource");
    assert_eq!(r["deciding_statements"][0]["sid"], "DenyEveryoneButAdmins");

    let fix = format!("{BACKUP_KEY}={}", candidate("backup-key-policy-fixed.json"));
    let r = request(
        backup,
        "kms:Decrypt",
        BACKUP_KEY,
        &["--set-resource-policy", &fix],
    );
    assert_eq!(r["before"][0]["decision"], "ExplicitDeny");
    assert_eq!(r["after"][0]["decision"], "Allowed");

    let carol = "arn:aws:iam::111122223333:user/carol";
    let r = request(
        carol,
        "kms:Decrypt",
        BACKUP_KEY,
        &["--set-resource-policy", &fix],
    );
    assert_eq!(r["after"][0]["decision"], "ExplicitDeny");
    assert_eq!(r["after"][0]["denied_by"], "resource");
}

#[test]
fn missing_principal_suggests_close_matches() {
    fails_with(
        &[
            "simulate",
            "--snapshot",
            SNAPSHOT,
            "--principal",
            "arn:aws:iam::111122223333:user/s3-full-access",
            "--action",
            "s3:GetObject",
        ],
        2,
        "did you mean `arn:aws:iam::111122223333:user/s3_full_access`?",
    );
}

#[test]
fn snapshot_flags_need_a_snapshot_and_a_principal() {
    fails_with(
        &[
            "simulate",
            "--snapshot",
            SNAPSHOT,
            "--action",
            "s3:GetObject",
        ],
        2,
        "--principal",
    );
    fails_with(
        &[
            "simulate",
            "--snapshot",
            "../../no/such/dir",
            "--principal",
            USER,
            "--action",
            "s3:GetObject",
        ],
        2,
        "cannot read snapshot",
    );
    fails_with(
        &[
            "simulate",
            "--snapshot",
            SNAPSHOT,
            "--principal",
            USER,
            "--action",
            "s3:GetObject",
            "--remove-policy",
            "NotAttached",
        ],
        2,
        "--remove-policy `NotAttached`: not a policy of the principal",
    );
}

/// The snapshot-crate fixture: a member account two OU levels below the root.
const ORG_MEMBER: &str = "../iamwhy-snapshot/tests/fixtures/org-member";

fn on_org_member(args: &[&str]) -> Value {
    let mut all = vec!["simulate", "--snapshot", ORG_MEMBER, "--format", "json"];
    all.extend_from_slice(args);
    let o = iamwhy(&all);
    // The fixture holds a truncated and a foreign file: warned about, never fatal.
    assert!(stderr(&o).contains("junk/truncated.json"), "{}", stderr(&o));
    json(&o)
}

#[test]
fn scp_of_an_ou_two_levels_up_denies_outside_approved_regions() {
    let alice = "arn:aws:iam::111122223333:user/engineering/alice";
    // Spec §4.4: SCPs level by level; the region guardrail sits on the Engineering OU.
    let r = on_org_member(&[
        "--principal",
        alice,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::team-data/a.csv",
        "--context",
        "aws:RequestedRegion=ap-south-1",
        "--no-hidden-calls",
    ]);
    assert_eq!(r["decision"], "ExplicitDeny");
    assert_eq!(r["denied_by"], "scp");
    assert_eq!(r["deciding_statements"][0]["level"], 1);
    // Without --context the Region is the bucket's (eu-west-1), which the SCP allows.
    let r = on_org_member(&[
        "--principal",
        alice,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::team-data/a.csv",
        "--no-hidden-calls",
    ]);
    assert_eq!(r["decision"], "Allowed", "{r:#}");
    assert_eq!(r["context"]["aws:RequestedRegion"], "eu-west-1");
}

#[test]
fn federated_user_has_no_permissions_without_session_policies() {
    // Spec §7.3: GetFederationToken without a session policy grants nothing.
    let fed = "arn:aws:sts::111122223333:federated-user/contractor";
    let base = [
        "--principal",
        fed,
        "--parent-user",
        "arn:aws:iam::111122223333:user/bob",
        "--action",
        "sqs:SendMessage",
        "--resource",
        "arn:aws:sqs:eu-west-1:111122223333:orders",
        "--no-hidden-calls",
    ];
    let r = on_org_member(&base);
    assert_eq!(r["decision"], "ImplicitDeny");
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("federated-user session created without session policies"),
        "{notes}"
    );
    // With a session policy (here an AWS managed one by ARN) the parent's s3:* applies.
    let mut with = base.to_vec();
    with.extend([
        "--session-policy-arn",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    ]);
    with[5] = "s3:GetObject";
    with[7] = "arn:aws:s3:::team-data/a.csv";
    let r = on_org_member(&with);
    assert_eq!(r["decision"], "Allowed", "{r:#}");
}

#[test]
fn select_all_on_a_snapshot_shows_the_operation_with_its_hidden_calls() {
    // Story 1's blind spot must not come back in the "Select All" table (spec §4.8.3): the
    // GetObject row is the whole operation, and agrees with a single-action run.
    let table = on_snapshot(&[
        "--principal",
        USER,
        "--service",
        "s3",
        "--resource",
        OBJECT,
        "--format",
        "json",
    ]);
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    let rows = json(&table);
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "s3:GetObject")
        .unwrap();
    let single = request(USER, "s3:GetObject", OBJECT, &[]);
    assert_eq!(row["decision"], single["decision"]);
    assert_eq!(row["operation_decision"], single["operation_decision"]);
    assert_eq!(row["operation_decision"], "ImplicitDeny");
    assert!(
        row["failing_check"]
            .as_str()
            .unwrap()
            .starts_with("kms:Decrypt on ")
    );
    let text = stdout(&on_snapshot(&[
        "--principal",
        USER,
        "--action",
        "s3:GetObj*",
        "--resource",
        OBJECT,
    ]));
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("s3:GetObject "))
        .unwrap();
    assert!(
        line.contains("ImplicitDeny") && line.contains("hidden call kms:Decrypt"),
        "{line}"
    );
}

#[test]
fn anonymous_callers_never_get_kms_through_s3() {
    // Service rule 0.5 (docs/decisions.md D42): an anonymous GetObject on an SSE-KMS bucket
    // fails at KMS whatever the key policy says; no error, no policy fix.
    let v = request("anonymous", "s3:GetObject", OBJECT, &[]);
    let check = &v["hidden_checks"][0]["result"];
    assert_eq!(check["action"], "kms:Decrypt");
    assert_eq!(check["denied_by"], "service-rule");
    assert_eq!(check["service_rule"], "kms-needs-signed-request");
    let service = request(
        "service:cloudtrail.amazonaws.com",
        "s3:PutObject",
        OBJECT,
        &[],
    );
    assert_eq!(
        service["hidden_checks"][0]["result"]["action"],
        "kms:GenerateDataKey"
    );
}
