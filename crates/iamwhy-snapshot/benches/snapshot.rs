//! Loading a large synthetic snapshot (2,000 roles, 500 users, 3,000 customer managed
//! policies with two versions each, 50 groups: the size of a big real account) and gathering
//! the policies of one request on it.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "benchmark set-up over fixed fixtures: a panic is a failed run"
)]
#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "benchmark setup")]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use iamwhy_core::SourceMap;
use iamwhy_snapshot::{Changes, load};
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
const ROLES: usize = 2_000;
const USERS: usize = 500;
const POLICIES: usize = 3_000;
const GROUPS: usize = 50;

fn document(i: usize, version: usize) -> Value {
    let statements: Vec<Value> = (0..5)
        .map(|s| {
            json!({
                "Sid": format!("S{s}"),
                "Effect": if s == 4 { "Deny" } else { "Allow" },
                "Action": [format!("s3:Get{i}{s}*"), format!("sqs:Send{version}*")],
                "Resource": [format!("arn:aws:s3:::bucket-{i}/{s}/*"), format!("arn:aws:sqs:eu-west-1:{ACCOUNT}:queue-{i}")],
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": format!("team-{}", i % 17)}}
            })
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

fn inline(owner: &str, i: usize) -> Vec<Value> {
    vec![json!({"PolicyName": format!("{owner}-inline"), "PolicyDocument": document(i, 1)})]
}

/// `get-account-authorization-details` of the synthetic account.
fn authorization_details() -> Value {
    let users: Vec<Value> = (0..USERS)
        .map(|i| {
            json!({
                "Path": "/people/", "UserName": format!("user-{i}"), "UserId": format!("AIDA{i:017}"),
                "Arn": format!("arn:aws:iam::{ACCOUNT}:user/people/user-{i}"),
                "CreateDate": "2024-03-01T10:00:00+00:00",
                "UserPolicyList": inline("user", i),
                "GroupList": [format!("group-{}", i % GROUPS), format!("group-{}", (i + 1) % GROUPS)],
                "AttachedManagedPolicies": attached(i, 3),
                "Tags": [{"Key": "team", "Value": format!("team-{}", i % 17)}]
            })
        })
        .collect();
    let groups: Vec<Value> = (0..GROUPS)
        .map(|i| {
            json!({
                "Path": "/", "GroupName": format!("group-{i}"), "GroupId": format!("AGPA{i:017}"),
                "Arn": format!("arn:aws:iam::{ACCOUNT}:group/group-{i}"),
                "GroupPolicyList": inline("group", i), "AttachedManagedPolicies": attached(i + 1000, 2)
            })
        })
        .collect();
    let roles: Vec<Value> = (0..ROLES)
        .map(|i| {
            json!({
                "Path": "/service/", "RoleName": format!("role-{i}"), "RoleId": format!("AROA{i:017}"),
                "Arn": format!("arn:aws:iam::{ACCOUNT}:role/service/role-{i}"),
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "InstanceProfileList": [], "RolePolicyList": inline("role", i),
                "AttachedManagedPolicies": attached(i + 2000, 4),
                "PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": policy_arn(i % 10)},
                "Tags": [{"Key": "env", "Value": "prod"}]
            })
        })
        .collect();
    let policies: Vec<Value> = (0..POLICIES)
        .map(|i| {
            json!({
                "PolicyName": format!("policy-{i}"), "PolicyId": format!("ANPA{i:017}"), "Arn": policy_arn(i),
                "Path": "/generated/", "DefaultVersionId": "v2", "AttachmentCount": 1,
                "IsAttachable": true, "CreateDate": "2024-03-01T10:00:00+00:00",
                "PolicyVersionList": [
                    {"Document": document(i, 2), "VersionId": "v2", "IsDefaultVersion": true},
                    {"Document": document(i, 1), "VersionId": "v1", "IsDefaultVersion": false}
                ]
            })
        })
        .collect();
    json!({
        "UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles,
        "Policies": policies, "IsTruncated": false
    })
}

fn synthetic_snapshot() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamwhy-bench-snapshot-{}", std::process::id()));
    let iam = dir.join("iam");
    std::fs::create_dir_all(&iam).unwrap();
    let text = serde_json::to_string_pretty(&authorization_details()).unwrap();
    eprintln!(
        "synthetic snapshot: {ROLES} roles, {USERS} users, {POLICIES} managed policies, {:.1} MB",
        text.len() as f64 / 1e6
    );
    std::fs::write(iam.join("account-authorization-details.json"), text).unwrap();
    dir
}

fn bench(c: &mut Criterion) {
    let dir = synthetic_snapshot();
    let path: &Path = &dir;
    c.bench_function(
        "snapshot/load synthetic (2000 roles, 500 users, 3000 policies)",
        |b| {
            b.iter(|| {
                let mut map = SourceMap::new();
                black_box(load(black_box(path), &mut map).unwrap())
            });
        },
    );
    let mut map = SourceMap::new();
    let snapshot = load(path, &mut map).unwrap();
    let role = format!("arn:aws:iam::{ACCOUNT}:role/service/role-1234");
    c.bench_function(
        "snapshot/gather a role's policies (inline + 4 managed + boundary)",
        |b| {
            // Parsed documents are added to the map as they are needed: it grows across
            // iterations, as it would across the requests of one run.
            b.iter(|| {
                let who = snapshot.resolve_principal(black_box(&role), None).unwrap();
                black_box(
                    snapshot
                        .principal_policies(&mut map, &who, &Changes::default())
                        .unwrap(),
                )
            });
        },
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

criterion_group!(benches, bench);
criterion_main!(benches);
