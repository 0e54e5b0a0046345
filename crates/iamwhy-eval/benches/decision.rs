//! One decision for a role session with 10 identity-based policies of 20 statements each
//! (with conditions) plus a bucket policy: the product target is under 5 µs.

#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "benchmark set-up over fixed fixtures: a panic is a failed run"
)]
#![allow(clippy::unwrap_used, reason = "benchmark fixtures are fixed and valid")]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use iamwhy_core::PolicyKind;
use iamwhy_core::time::Instant;
use iamwhy_core::{Action, Principal, Request, Resource};
use iamwhy_eval::{EvalOptions, Policy, PolicySet, authorize, derive_context};
use iamwhy_policy::parse_policy_str;

const SERVICES: &[(&str, &[&str])] = &[
    (
        "s3",
        &[
            "GetObject",
            "PutObject",
            "ListBucket",
            "DeleteObject",
            "GetBucketPolicy",
        ],
    ),
    (
        "ec2",
        &[
            "DescribeInstances",
            "RunInstances",
            "StartInstances",
            "StopInstances",
        ],
    ),
    (
        "dynamodb",
        &["GetItem", "PutItem", "Query", "Scan", "UpdateItem"],
    ),
    (
        "kms",
        &["Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey"],
    ),
    ("sqs", &["SendMessage", "ReceiveMessage", "DeleteMessage"]),
    ("logs", &["CreateLogStream", "PutLogEvents"]),
    ("lambda", &["InvokeFunction", "GetFunction"]),
];

/// Statement `j` of policy `i`: a mix of exact actions, wildcards, resources and conditions.
fn statement(i: usize, j: usize) -> String {
    let (service, actions) = SERVICES[(i * 20 + j) % SERVICES.len()];
    let action = actions[j % actions.len()];
    let action = if j.is_multiple_of(5) {
        format!("\"{service}:{}*\"", &action[..3])
    } else {
        format!("[\"{service}:{action}\", \"{service}:List*\"]")
    };
    let resource = match service {
        "s3" => format!("\"arn:aws:s3:::bucket-{i}-{j}/*\""),
        "dynamodb" => format!("\"arn:aws:dynamodb:us-east-1:111122223333:table/t{j}\""),
        "kms" => "\"arn:aws:kms:us-east-1:111122223333:key/*\"".to_owned(),
        _ => "\"*\"".to_owned(),
    };
    let condition = match j % 4 {
        0 => {
            r#""StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/team}", "aws:RequestedRegion": ["us-east-1", "eu-west-1"]}"#
        }
        1 => r#""IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]}"#,
        2 => {
            r#""Bool": {"aws:SecureTransport": "true"}, "StringLike": {"s3:prefix": ["home/${aws:username}/*"]}"#
        }
        _ => r#""DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}"#,
    };
    let effect = if j == 19 { "Deny" } else { "Allow" };
    format!(
        r#"{{"Sid": "S{i}x{j}", "Effect": "{effect}", "Action": {action}, "Resource": {resource}, "Condition": {{{condition}}}}}"#
    )
}

fn fixtures() -> (Request, PolicySet) {
    let identity = (0..10)
        .map(|i| {
            let statements: Vec<String> = (0..20).map(|j| statement(i, j)).collect();
            let text = format!(
                r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
                statements.join(",")
            );
            Policy::new(
                format!("policy-{i}"),
                parse_policy_str(&text, PolicyKind::Identity).unwrap(),
            )
        })
        .collect();
    let bucket_policy = parse_policy_str(
        r#"{"Version": "2012-10-17", "Statement": [
          {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
           "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"],
           "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
          {"Sid": "DenyOutsideOrg", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
           "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}},
          {"Sid": "AnalystsRead", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/analyst"},
           "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringLike": {"aws:userid": "AROA*:*"}}},
          {"Sid": "Vpce", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}
        ]}"#,
        PolicyKind::Resource,
    )
    .unwrap();
    let set = PolicySet {
        identity,
        resource: Some(Policy::new("bucket-policy", bucket_policy)),
        ..PolicySet::default()
    };
    let mut req = Request::new(
        Principal::parse("arn:aws:sts::111122223333:assumed-role/analyst/alice").unwrap(),
        Action::parse("s3:GetObject").unwrap(),
        Resource::parse("arn:aws:s3:::reports/2026/q3.csv").unwrap(),
    );
    if let Principal::RoleSession(session) = &mut req.principal {
        session.role.unique_id = Some("AROAEXAMPLEROLEID1234".into());
    }
    req.facts.set_tag("team", "data");
    req.facts.org_id = Some("o-abc123".into());
    req.context.set("aws:SourceIp", "203.0.113.10");
    req.context.set("aws:RequestedRegion", "us-east-1");
    req.context.set("s3:prefix", "home/alice/");
    req.resource_account = Some("111122223333".into());
    derive_context(
        &mut req,
        Instant {
            secs: 1_790_000_000,
            nanos: 0,
        },
    );
    (req, set)
}

fn bench(c: &mut Criterion) {
    let (req, set) = fixtures();
    let fast = EvalOptions::default();
    let explain = EvalOptions {
        explain: true,
        ..EvalOptions::default()
    };
    // Sanity: the fixture must exercise a real decision.
    assert_eq!(
        authorize(&req, &set, &fast).decision,
        iamwhy_core::Decision::Allowed
    );

    let mut g = c.benchmark_group("decision");
    g.bench_function("authorize_200_statements_plus_bucket_policy", |b| {
        b.iter(|| authorize(black_box(&req), black_box(&set), &fast));
    });
    g.bench_function("authorize_with_explanation", |b| {
        b.iter(|| authorize(black_box(&req), black_box(&set), &explain));
    });
    g.bench_function("derive_context_then_authorize", |b| {
        b.iter(|| {
            let mut r = req.clone();
            derive_context(
                &mut r,
                Instant {
                    secs: 1_790_000_000,
                    nanos: 0,
                },
            );
            authorize(black_box(&r), black_box(&set), &fast)
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
