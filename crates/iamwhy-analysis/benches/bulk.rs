//! `who-can` and `can` at issue 22's sizes, on the snapshot `bench/bulk/gen_snapshot.py`
//! writes (the same accounts, written here at set-up into a scratch folder): 5,000 roles and
//! 1,000 users, each with 5 of 3,000 customer managed policies and an inline policy, a third
//! of the roles with a permissions boundary, 50 groups; one SSE-KMS bucket `data` and its key.
//! Every 50th managed policy allows (and its last statement denies) `s3:GetObject` on the
//! bucket and `kms:Decrypt`.
//!
//! * `who_can/s3_get_object_sse_kms`: every principal that may download
//!   `arn:aws:s3:::data/report.csv` (6,000 principals, each with S3's hidden `kms:Decrypt`);
//! * `can/role_whole_catalog`: everything `role-0` may do on `*`, over the whole catalog.
//!
//! The snapshot is loaded once; each iteration is the question alone (`bench/bulk.sh` times
//! the whole command, process start and loading included).
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "benchmark set-up over fixed fixtures: a panic is a failed run"
)]
#![allow(clippy::unwrap_used, reason = "benchmark setup")]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use iamwhy_analysis::bulk::{can, who_can};
use iamwhy_core::SourceMap;
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
const ROLES: usize = 5_000;
const USERS: usize = 1_000;
const POLICIES: usize = 3_000;
const GROUPS: usize = 50;
const KEY_ID: &str = "11111111-2222-3333-4444-555555555555";

fn document(i: usize, version: usize) -> Value {
    let statements: Vec<Value> = (0..5)
        .map(|s| {
            let effect = if s == 4 { "Deny" } else { "Allow" };
            if i.is_multiple_of(50) {
                json!({
                    "Sid": format!("S{s}"), "Effect": effect,
                    "Action": ["s3:GetObject", "kms:Decrypt"],
                    "Resource": ["arn:aws:s3:::data/*", "*"]
                })
            } else {
                json!({
                    "Sid": format!("S{s}"), "Effect": effect,
                    "Action": [format!("s3:Get{i}{s}*"), format!("sqs:Send{version}*")],
                    "Resource": [format!("arn:aws:s3:::bucket-{i}/{s}/*"), format!("arn:aws:sqs:eu-west-1:{ACCOUNT}:queue-{i}")],
                    "Condition": {"StringEquals": {"aws:PrincipalTag/team": format!("team-{}", i % 17)}}
                })
            }
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn policy_arn(i: usize) -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/generated/policy-{i}")
}

fn attached(seed: usize, n: usize) -> Vec<Value> {
    (0..n)
        .map(|k| {
            let i = (seed * 7 + k * 13) % POLICIES;
            json!({"PolicyName": format!("policy-{i}"), "PolicyArn": policy_arn(i)})
        })
        .collect()
}

fn inline(i: usize) -> Vec<Value> {
    vec![json!({"PolicyName": "inl", "PolicyDocument": document(i, 1)})]
}

/// `get-account-authorization-details` of the synthetic account.
fn authorization_details() -> Value {
    let users: Vec<Value> = (0..USERS)
        .map(|i| {
            json!({
                "Path": "/", "UserName": format!("user-{i}"), "UserId": format!("AIDA{i:017}"),
                "Arn": format!("arn:aws:iam::{ACCOUNT}:user/user-{i}"),
                "UserPolicyList": inline(i), "GroupList": [format!("group-{}", i % GROUPS)],
                "AttachedManagedPolicies": attached(i, 5), "Tags": []
            })
        })
        .collect();
    let groups: Vec<Value> = (0..GROUPS)
        .map(|i| {
            json!({
                "Path": "/", "GroupName": format!("group-{i}"), "GroupId": format!("AGPA{i:017}"),
                "Arn": format!("arn:aws:iam::{ACCOUNT}:group/group-{i}"),
                "GroupPolicyList": [], "AttachedManagedPolicies": attached(i + 1000, 2)
            })
        })
        .collect();
    let roles: Vec<Value> = (0..ROLES)
        .map(|i| {
            let mut role = json!({
                "Path": "/", "RoleName": format!("role-{i}"), "RoleId": format!("AROA{i:017}"),
                "Arn": format!("arn:aws:iam::{ACCOUNT}:role/role-{i}"),
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole"}]},
                "InstanceProfileList": [], "RolePolicyList": inline(i),
                "AttachedManagedPolicies": attached(i + 2000, 5), "Tags": []
            });
            if i.is_multiple_of(3) {
                role["PermissionsBoundary"] = json!({
                    "PermissionsBoundaryType": "Policy",
                    "PermissionsBoundaryArn": policy_arn(i % 10)
                });
            }
            role
        })
        .collect();
    let policies: Vec<Value> = (0..POLICIES)
        .map(|i| {
            json!({
                "PolicyName": format!("policy-{i}"), "PolicyId": format!("ANPA{i:017}"),
                "Arn": policy_arn(i), "Path": "/generated/", "DefaultVersionId": "v1",
                "AttachmentCount": 1, "IsAttachable": true,
                "PolicyVersionList": [{"Document": document(i, 2), "VersionId": "v1", "IsDefaultVersion": true}]
            })
        })
        .collect();
    json!({"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles,
           "Policies": policies, "IsTruncated": false})
}

fn write(path: &Path, value: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_vec(value).unwrap()).unwrap();
}

/// Writes the snapshot into a scratch folder (removed first if a run left it).
fn snapshot_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamwhy-bench-bulk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let key_arn = format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}");
    write(
        &dir.join("iam/account-authorization-details.json"),
        &authorization_details(),
    );
    write(
        &dir.join("sts/caller-identity.json"),
        &json!({"Account": ACCOUNT, "Arn": format!("arn:aws:iam::{ACCOUNT}:user/user-0"), "UserId": "AIDA"}),
    );
    write(
        &dir.join("s3/data/encryption.json"),
        &json!({"ServerSideEncryptionConfiguration": {"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
            "BucketKeyEnabled": false}]}}),
    );
    write(
        &dir.join("kms/k1/describe-key.json"),
        &json!({"KeyMetadata": {"KeyId": KEY_ID, "Arn": key_arn, "AWSAccountId": ACCOUNT,
                "KeyManager": "CUSTOMER", "KeyState": "Enabled"}}),
    );
    let key_policy = json!({"Version": "2012-10-17", "Statement": [{"Sid": "root", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}]});
    write(
        &dir.join("kms/k1/key-policy.json"),
        &json!({"Policy": key_policy.to_string()}),
    );
    dir
}

fn bench(c: &mut Criterion) {
    let dir = snapshot_dir();
    let mut map = SourceMap::new();
    let snapshot = iamwhy_snapshot::load(&dir, &mut map).unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    // The answers are what the benchmark is about: check them once.
    let answer = who_can(
        &snapshot,
        &mut map,
        "s3:GetObject",
        "arn:aws:s3:::data/report.csv",
        |_, _| {},
    )
    .unwrap();
    assert_eq!(answer.principals_evaluated, USERS + ROLES);
    assert!(!answer.allowed.is_empty() && !answer.almost.is_empty());
    let everything = can(
        &snapshot,
        &mut map,
        &format!("arn:aws:iam::{ACCOUNT}:role/role-0"),
        &[],
        Some("*"),
    )
    .unwrap();
    assert!(everything.actions_evaluated > 20_000);

    let mut group = c.benchmark_group("bulk");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("who_can/s3_get_object_sse_kms", |b| {
        b.iter(|| {
            black_box(
                who_can(
                    &snapshot,
                    &mut map,
                    "s3:GetObject",
                    "arn:aws:s3:::data/report.csv",
                    |_, _| {},
                )
                .unwrap(),
            )
        });
    });
    group.bench_function("can/role_whole_catalog", |b| {
        b.iter(|| {
            black_box(
                can(
                    &snapshot,
                    &mut map,
                    &format!("arn:aws:iam::{ACCOUNT}:role/role-0"),
                    &[],
                    Some("*"),
                )
                .unwrap(),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
