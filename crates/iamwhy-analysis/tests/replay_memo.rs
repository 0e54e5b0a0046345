//! The replay re-uses a decision for a later call that agrees with an earlier one on
//! everything the decision can depend on (principal, action, resource, and the context keys
//! the policies read). This checks that the answers are the ones a fresh evaluation of every
//! call gives, on the real CloudTrail samples (the shared `../shared/data/cloudtrail/`, see
//! its `SOURCES.md`; skipped with a note when it is absent; each read twice, so the second
//! pass is answered from the remembered decisions) and on the bundled story logs, with and
//! without a candidate change.

#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(clippy::unwrap_used, reason = "tests")]

use std::path::{Path, PathBuf};

use iamwhy_analysis::replay::{Outcome, Replayer};
use iamwhy_core::{Decision, SourceMap};
use iamwhy_snapshot::{Changes, Snapshot};
use iamwhy_trail::input::collect_inputs;
use iamwhy_trail::scan::{Prefilter, Scan, scan};

#[path = "../../../tests/support/shared_data.rs"]
mod shared_data;

use shared_data::shared_data;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every evaluated call's (decision, decision with the changes), in input order.
fn decisions(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    logs: &[String],
    changes: Option<Changes>,
    memo: bool,
) -> Vec<(Decision, Option<Decision>)> {
    let replayer = Replayer::new(snapshot, map, changes, None).remember_decisions(memo);
    let inputs = collect_inputs(logs);
    let settings = Scan {
        prefilter: Prefilter::All,
        threads: 2,
        progress: Default::default(),
    };
    let mut out = Vec::new();
    scan(
        &inputs,
        &settings,
        |event, origin| Some(replayer.replay(&event, &event.denial(), origin)),
        |o| {
            if let Outcome::Evaluated(e) = o {
                out.push((e.decision, e.after));
            }
        },
    );
    out
}

/// `logs`: relative to the workspace root, or absolute. `change`: a resource ARN and the
/// candidate policy file for it.
fn check(snapshot_dir: &str, logs: &[&str], change: Option<(&str, &str)>) {
    let mut map = SourceMap::new();
    let snapshot = iamwhy_snapshot::load(&root().join(snapshot_dir), &mut map).unwrap();
    let changes = |map: &mut SourceMap| {
        change.map(|(arn, path)| {
            let text = std::fs::read_to_string(root().join(path)).unwrap();
            let source = map.add_file(path, text);
            Changes {
                resource_policies: vec![(arn.to_owned(), source)],
                ..Changes::default()
            }
        })
    };
    let logs: Vec<String> = logs
        .iter()
        .map(|l| root().join(l).to_string_lossy().into_owned())
        .collect();
    // The logs twice: the second time, every call has been seen.
    let twice: Vec<String> = logs.iter().chain(&logs).cloned().collect();
    let c = changes(&mut map);
    let fresh = decisions(&snapshot, &mut map, &twice, c, false);
    let c = changes(&mut map);
    let remembered = decisions(&snapshot, &mut map, &twice, c, true);
    assert!(fresh.len() > 4, "too few calls evaluated: {}", fresh.len());
    assert_eq!(fresh.len(), remembered.len());
    for (f, r) in fresh.iter().zip(&remembered) {
        assert_eq!(
            f, r,
            "the remembered decision differs from a fresh evaluation"
        );
    }
}

#[test]
fn remembered_decisions_equal_fresh_ones_on_the_real_samples() {
    let Some(samples) = shared_data("cloudtrail") else {
        return;
    };
    check(
        "crates/iamwhy-analysis/tests/cases/fixtures/real-samples-snapshot",
        &[samples.to_str().unwrap()],
        None,
    );
}

#[test]
fn remembered_decisions_equal_fresh_ones_on_the_story_logs_with_a_change() {
    check(
        "examples/snapshot",
        &["examples/trail", "examples/trail-story5"],
        Some((
            "arn:aws:kms:us-east-1:111122223333:key/5555eeee-55ee-55ee-55ee-555555555555",
            "examples/candidates/backup-key-policy-fixed.json",
        )),
    );
}

/// Calls that differ only in what the memo must tell apart: the object within one bucket,
/// the source IP, the Region, the time and a policy variable.
#[test]
fn remembered_decisions_tell_apart_resources_context_and_time() {
    let dir = std::env::temp_dir().join(format!("iamwhy-replay-memo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("snapshot/iam")).unwrap();
    std::fs::create_dir_all(dir.join("trail")).unwrap();
    let statement = |sid: &str, effect: &str, resource: &str, condition: serde_json::Value| {
        serde_json::json!({"Sid": sid, "Effect": effect, "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::memo-bucket/{resource}"), "Condition": condition})
    };
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        statement("Public", "Allow", "public/*", serde_json::json!({})),
        statement("FromOffice", "Allow", "*",
            serde_json::json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})),
        statement("SecretOnlyHome", "Deny", "secret/*",
            serde_json::json!({"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}})),
        statement("PrivateUntil2027", "Allow", "private/*",
            serde_json::json!({"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}})),
        statement("OwnPrefix", "Allow", "${aws:username}/*", serde_json::json!({})),
    ]});
    let details = serde_json::json!({
        "UserDetailList": [{"Path": "/", "UserName": "dana", "UserId": "AIDAEXAMPLEDANA000001",
            "Arn": "arn:aws:iam::111122223333:user/dana", "CreateDate": "2024-03-04T14:22:51+00:00",
            "UserPolicyList": [{"PolicyName": "objects", "PolicyDocument": policy}],
            "GroupList": [], "AttachedManagedPolicies": [], "Tags": []}],
        "GroupDetailList": [], "RoleDetailList": [], "Policies": []});
    std::fs::write(
        dir.join("snapshot/iam/account-authorization-details.json"),
        details.to_string(),
    )
    .unwrap();
    let mut records = Vec::new();
    for copy in 0..2 {
        for key in ["public/a", "private/b", "secret/c", "dana/d", "other/e"] {
            for ip in ["203.0.113.9", "198.51.100.7"] {
                for region in ["us-east-1", "eu-west-1"] {
                    for time in ["2026-06-01T10:00:00Z", "2027-06-01T10:00:00Z"] {
                        records.push(serde_json::json!({
                            "eventVersion": "1.10",
                            "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLEDANA000001",
                                "arn": "arn:aws:iam::111122223333:user/dana",
                                "accountId": "111122223333", "userName": "dana"},
                            "eventTime": time, "eventSource": "s3.amazonaws.com",
                            "eventName": "GetObject", "awsRegion": region,
                            "sourceIPAddress": ip, "userAgent": "aws-cli/2.22.4",
                            "requestParameters": {"bucketName": "memo-bucket", "key": key},
                            "resources": [{"type": "AWS::S3::Object",
                                "ARN": format!("arn:aws:s3:::memo-bucket/{key}")}],
                            "eventID": format!("{copy}-{key}-{ip}-{region}-{time}"),
                            "eventType": "AwsApiCall", "recipientAccountId": "111122223333"}));
                    }
                }
            }
        }
    }
    std::fs::write(
        dir.join("trail/records.json"),
        serde_json::json!({ "Records": records }).to_string(),
    )
    .unwrap();
    let mut map = SourceMap::new();
    let snapshot = iamwhy_snapshot::load(&dir.join("snapshot"), &mut map).unwrap();
    let logs = vec![dir.join("trail").to_string_lossy().into_owned()];
    let fresh = decisions(&snapshot, &mut map, &logs, None, false);
    let remembered = decisions(&snapshot, &mut map, &logs, None, true);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(fresh.len(), records.len());
    let allowed = fresh.iter().filter(|d| d.0 == Decision::Allowed).count();
    // Spot checks that the calls do differ: 40 of 80 come from the office (all allowed but
    // the secret object outside us-east-1), plus public and own-prefix objects from anywhere
    // and the private object before 2027 from elsewhere.
    assert_eq!(allowed, 36 + 8 + 8 + 4, "{fresh:?}");
    assert_eq!(fresh, remembered);
}
