//! Loading a large synthetic snapshot (2,000 roles, 500 users, 3,000 customer managed
//! policies with two versions each, 50 groups: the size of a big real account) and gathering
//! the policies of one request on it; then an organization of 50 such accounts (issue 21) —
//! loading it, and one cross-account decision on it (a role of one account reads an SSE-KMS
//! bucket of another: both sides gathered, `s3:GetObject` and S3's `kms:Decrypt` evaluated).
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
use iamwhy_core::{Action, Request, Resource};
use iamwhy_eval::{EvalOptions, authorize, derive_context};
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

/// The number of accounts of the synthetic organization.
const ACCOUNTS: usize = 50;

/// The account id of the organization's `n`th account.
fn org_account(n: usize) -> String {
    format!("{:012}", 100_000_000_000 + n)
}

fn write(path: &Path, value: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// An organization of [`ACCOUNTS`] accounts, each the synthetic account above (its IAM
/// entities under its own account id), with a bucket encrypted with a key of its own whose
/// policies let the roles of every account of the organization in, five OUs under the root
/// with an SCP each, and an RCP at the root.
fn synthetic_organization() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamwhy-bench-org-{}", std::process::id()));
    // One account's IAM text, its account id replaced for each account.
    let iam = serde_json::to_string_pretty(&authorization_details()).unwrap();
    let org = "o-benchorg01";
    let ou = |n: usize| format!("ou-bnch-{:08}", n % 5);
    let mut total = 0_usize;
    for n in 0..ACCOUNTS {
        let account = org_account(n);
        let base = dir.join("accounts").join(&account);
        let text = iam.replace(ACCOUNT, &account);
        total += text.len();
        std::fs::create_dir_all(base.join("iam")).unwrap();
        std::fs::write(base.join("iam/account-authorization-details.json"), text).unwrap();
        write(
            &base.join("sts/caller-identity.json"),
            &json!({"UserId": "AIDAEXAMPLE", "Account": account, "Arn": format!("arn:aws:iam::{account}:user/audit")}),
        );
        let bucket = format!("org-bucket-{n}");
        let key_id = format!("00000000-0000-4000-8000-{n:012}");
        let key_arn = format!("arn:aws:kms:eu-west-1:{account}:key/{key_id}");
        let org_roles = json!({"StringEquals": {"aws:PrincipalOrgID": org}});
        write(
            &base.join(format!("s3/{bucket}/policy.json")),
            &json!({"Policy": json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*"), "Condition": org_roles}]}).to_string()}),
        );
        write(
            &base.join(format!("s3/{bucket}/encryption.json")),
            &json!({"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}]}}),
        );
        write(
            &base.join(format!("s3/{bucket}/location.json")),
            &json!({"LocationConstraint": "eu-west-1"}),
        );
        let kms = base.join(format!("eu-west-1/kms/{key_id}"));
        write(
            &kms.join("describe-key.json"),
            &json!({"KeyMetadata": {"KeyId": key_id, "Arn": key_arn, "KeyManager": "CUSTOMER", "KeyState": "Enabled"}}),
        );
        write(
            &kms.join("key-policy.json"),
            &json!({"PolicyName": "default", "Policy": json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "kms:*", "Resource": "*"},
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*", "Condition": org_roles}
            ]}).to_string()}),
        );
        let targets = dir.join("organizations/targets");
        write(
            &targets.join(format!("{account}/parents.json")),
            &json!({"Parents": [{"Id": ou(n), "Type": "ORGANIZATIONAL_UNIT"}]}),
        );
    }
    let targets = dir.join("organizations/targets");
    let summary =
        |id: &str, kind: &str| json!({"Id": id, "Name": id, "Type": kind, "AwsManaged": false});
    for n in 0..5 {
        write(
            &targets.join(format!("{}/parents.json", ou(n))),
            &json!({"Parents": [{"Id": "r-bnch", "Type": "ROOT"}]}),
        );
        write(
            &targets.join(format!("{}/scps.json", ou(n))),
            &json!({"Policies": [summary(&format!("p-ou{n}"), "SERVICE_CONTROL_POLICY")]}),
        );
        write(
            &dir.join(format!("organizations/policies/p-ou{n}.json")),
            &json!({"Policy": {"PolicySummary": summary(&format!("p-ou{n}"), "SERVICE_CONTROL_POLICY"), "Content": json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
            ]}).to_string()}}),
        );
    }
    write(
        &targets.join("r-bnch/rcps.json"),
        &json!({"Policies": [summary("p-rcp", "RESOURCE_CONTROL_POLICY")]}),
    );
    write(
        &dir.join("organizations/policies/p-rcp.json"),
        &json!({"Policy": {"PolicySummary": summary("p-rcp", "RESOURCE_CONTROL_POLICY"), "Content": json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}}
        ]}).to_string()}}),
    );
    write(
        &dir.join("organizations/organization.json"),
        &json!({"Organization": {"Id": org, "MasterAccountId": "999999999999"}}),
    );
    write(
        &dir.join("organizations/roots.json"),
        &json!({"Roots": [{"Id": "r-bnch", "PolicyTypes": [
            {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
            {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"}
        ]}]}),
    );
    eprintln!(
        "synthetic organization: {ACCOUNTS} accounts × ({ROLES} roles, {USERS} users, {GROUPS} groups, {POLICIES} managed policies), {:.0} MB of IAM outputs",
        total as f64 / 1e6
    );
    dir
}

/// One cross-account decision as `simulate` makes it: both sides gathered from the loaded
/// snapshot, the request completed, `s3:GetObject` and S3's `kms:Decrypt` evaluated.
fn cross_account_decision(
    snapshot: &iamwhy_snapshot::Snapshot,
    map: &mut SourceMap,
    principal: &str,
    object: &str,
) -> bool {
    let who = snapshot.resolve_principal(principal, None).unwrap();
    let none = Changes::default();
    let side = snapshot.principal_policies(map, &who, &none).unwrap();
    let now = iamwhy_core::time::Instant::now();
    let mut allowed = true;
    let key = snapshot.kms_key_for(object).unwrap();
    for (action, resource) in [("s3:GetObject", object), ("kms:Decrypt", key.arn.as_str())] {
        let what = snapshot.resource_side(map, resource, &none).unwrap();
        let mut req = Request::new(
            who.principal.clone(),
            Action::parse(action).unwrap(),
            Resource::parse(resource).unwrap(),
        );
        req.facts = who.facts.clone();
        req.resource_account = what.account.clone();
        derive_context(&mut req, now);
        let set = snapshot.policy_set(&side, &what, None);
        let ev = authorize(&req, &set, &EvalOptions::default());
        allowed &= ev.decision == iamwhy_core::Decision::Allowed;
    }
    allowed
}

fn bench_organization(c: &mut Criterion) {
    let dir = synthetic_organization();
    let path: &Path = &dir;
    let mut group = c.benchmark_group("organization");
    group.sample_size(10);
    group.bench_function(
        "snapshot/load synthetic organization (50 accounts × 2000 roles, 500 users, 3000 policies)",
        |b| {
            b.iter(|| {
                let mut map = SourceMap::new();
                black_box(load(black_box(path), &mut map).unwrap())
            });
        },
    );
    group.finish();
    let mut map = SourceMap::new();
    let snapshot = load(path, &mut map).unwrap();
    assert_eq!(snapshot.accounts().len(), ACCOUNTS);
    let principal = format!("arn:aws:iam::{}:role/service/role-1234", org_account(7));
    let object = "arn:aws:s3:::org-bucket-42/reports/q3.csv";
    // The role's generated policies do not allow the bucket: the decision is a denial, whose
    // evaluation costs what an allow does (every policy of both sides is read).
    assert!(!cross_account_decision(
        &snapshot, &mut map, &principal, object
    ));
    c.bench_function(
        "snapshot/first cross-account decision after load (documents parsed on demand)",
        |b| {
            // A clone starts with an empty cache of parsed documents: the first question of
            // a run. The clone is set-up, not measured.
            b.iter_batched(
                || snapshot.clone(),
                |fresh| {
                    let decision = cross_account_decision(
                        &fresh,
                        &mut map,
                        black_box(&principal),
                        black_box(object),
                    );
                    // Returned, so that dropping the clone is not measured.
                    (fresh, black_box(decision))
                },
                criterion::BatchSize::PerIteration,
            );
        },
    );
    c.bench_function(
        "snapshot/cross-account decision after load (gather both sides, s3:GetObject + kms:Decrypt)",
        |b| {
            b.iter(|| {
                // A fresh map each time would not be what a run does; the documents parsed
                // by the first iteration stay parsed, as they do across one run's requests.
                black_box(cross_account_decision(
                    &snapshot,
                    &mut map,
                    black_box(&principal),
                    black_box(object),
                ))
            });
        },
    );
    if std::env::var_os("IAMWHY_BENCH_KEEP").is_some() {
        eprintln!("kept {}", dir.display());
    } else {
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

criterion_group!(benches, bench, bench_organization);
criterion_main!(benches);
