//! Generated worlds (policy sets and a request) shared by the property tests and the
//! reference-model comparison.

#![allow(dead_code, reason = "each test file uses a part of the generators")]

use iamwhy_core::time::Instant;
use iamwhy_core::{Action, Principal, Request, Resource};
use iamwhy_eval::{EvalOptions, Policy, PolicySet, authorize, derive_context};
use iamwhy_policy::{PolicyKind, parse_policy_str};
use proptest::prelude::*;

pub(crate) const ACCOUNT: &str = "111111111111";
pub(crate) const OTHER: &str = "222222222222";

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "kms:Decrypt",
    "ec2:RunInstances",
    "sqs:SendMessage",
];
const ACTION_PATTERNS: &[&str] = &[
    "*",
    "s3:*",
    "s3:Get*",
    "s3:GetObject",
    "s3:PutObject",
    "kms:Decrypt",
    "kms:*",
    "ec2:*",
    "sqs:Send*",
    "s3:?utObject",
];
const RESOURCES: &[&str] = &[
    "arn:aws:s3:::bucket/key.txt",
    "arn:aws:s3:::bucket",
    "arn:aws:kms:us-east-1:111111111111:key/k1",
    "arn:aws:sqs:us-east-1:222222222222:queue",
    "*",
];
const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::*",
    "arn:aws:kms:*:111111111111:key/*",
    "arn:aws:sqs:*:*:queue",
    "arn:aws:s3:::bucket/${aws:username}*",
];
const PRINCIPALS: &[&str] = &[
    "arn:aws:iam::111111111111:user/alice",
    "arn:aws:sts::111111111111:assumed-role/app/s1",
    "arn:aws:iam::222222222222:user/bob",
    "arn:aws:iam::111111111111:root",
    "service:backup.amazonaws.com",
    "anonymous",
];
const RESOURCE_PRINCIPALS: &[&str] = &[
    r#""*""#,
    r#"{"AWS": "111111111111"}"#,
    r#"{"AWS": "arn:aws:iam::222222222222:root"}"#,
    r#"{"AWS": "arn:aws:iam::111111111111:user/alice"}"#,
    r#"{"AWS": "arn:aws:iam::111111111111:role/app"}"#,
    r#"{"AWS": "arn:aws:sts::111111111111:assumed-role/app/s1"}"#,
    r#"{"Service": "backup.amazonaws.com"}"#,
];
const CONDITIONS: &[&str] = &[
    "",
    r#""StringEquals": {"aws:PrincipalTag/team": "blue"}"#,
    r#""StringNotEquals": {"aws:PrincipalTag/team": "red"}"#,
    r#""IpAddress": {"aws:SourceIp": "203.0.113.0/24"}"#,
    r#""NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}"#,
    r#""Bool": {"aws:SecureTransport": "true"}"#,
    r#""BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}"#,
    r#""Null": {"aws:SourceVpce": "true"}"#,
    r#""ForAnyValue:StringLike": {"aws:TagKeys": "env*"}"#,
    r#""ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}"#,
    r#""StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app"}"#,
];

#[derive(Clone, Debug)]
pub(crate) struct Stmt {
    pub(crate) allow: bool,
    pub(crate) action: usize,
    pub(crate) resource: usize,
    pub(crate) principal: usize,
    pub(crate) condition: usize,
}

impl Stmt {
    fn json(&self, with_principal: bool) -> String {
        let principal = if with_principal {
            format!(r#""Principal": {},"#, RESOURCE_PRINCIPALS[self.principal])
        } else {
            String::new()
        };
        format!(
            r#"{{"Effect": "{}", {principal} "Action": "{}", "Resource": "{}", "Condition": {{{}}}}}"#,
            if self.allow { "Allow" } else { "Deny" },
            ACTION_PATTERNS[self.action],
            RESOURCE_PATTERNS[self.resource],
            CONDITIONS[self.condition]
        )
    }
}

pub(crate) fn stmt() -> impl Strategy<Value = Stmt> {
    (
        prop::bool::weighted(0.8),
        0..ACTION_PATTERNS.len(),
        0..RESOURCE_PATTERNS.len(),
        0..RESOURCE_PRINCIPALS.len(),
        0..CONDITIONS.len(),
    )
        .prop_map(|(allow, action, resource, principal, condition)| Stmt {
            allow,
            action,
            resource,
            principal,
            condition,
        })
}

/// A generated world: statements per policy type, and a request.
#[derive(Clone, Debug)]
pub(crate) struct World {
    pub(crate) identity: Vec<Vec<Stmt>>,
    pub(crate) boundary: Option<Vec<Stmt>>,
    pub(crate) session: Option<Vec<Stmt>>,
    pub(crate) scp_levels: Option<Vec<Vec<Stmt>>>,
    pub(crate) resource: Option<Vec<Stmt>>,
    pub(crate) principal: usize,
    pub(crate) action: usize,
    pub(crate) resource_arn: usize,
    pub(crate) resource_in_other_account: bool,
    pub(crate) tag: Option<&'static str>,
    pub(crate) source_ip: &'static str,
    pub(crate) tag_keys: Option<Vec<&'static str>>,
}

pub(crate) fn world() -> impl Strategy<Value = World> {
    let stmts = || prop::collection::vec(stmt(), 1..5);
    (
        prop::collection::vec(stmts(), 0..3),
        prop::option::of(stmts()),
        prop::option::weighted(0.3, stmts()),
        prop::option::weighted(0.3, prop::collection::vec(stmts(), 1..3)),
        prop::option::of(stmts()),
        0..PRINCIPALS.len(),
        0..ACTIONS.len(),
        0..RESOURCES.len(),
        prop::bool::weighted(0.2),
        prop::option::of(prop::sample::select(vec!["blue", "red"])),
        prop::sample::select(vec!["203.0.113.9", "10.1.2.3"]),
        prop::option::of(prop::collection::vec(
            prop::sample::select(vec!["env", "team", "cost"]),
            0..3,
        )),
    )
        .prop_map(
            |(
                identity,
                boundary,
                session,
                scp_levels,
                resource,
                principal,
                action,
                resource_arn,
                other,
                tag,
                source_ip,
                tag_keys,
            )| World {
                identity,
                boundary,
                session,
                scp_levels,
                resource,
                principal,
                action,
                resource_arn,
                resource_in_other_account: other,
                tag,
                source_ip,
                tag_keys,
            },
        )
}

pub(crate) fn policy(name: &str, stmts: &[Stmt], kind: PolicyKind) -> Policy {
    let with_principal = kind == PolicyKind::Resource;
    let body: Vec<String> = stmts.iter().map(|s| s.json(with_principal)).collect();
    let text = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        body.join(",")
    );
    let doc = parse_policy_str(&text, kind).unwrap_or_else(|e| panic!("{text}: {e}"));
    Policy::new(name, doc)
}

pub(crate) fn build(w: &World) -> (Request, PolicySet) {
    let set = PolicySet {
        identity: w
            .identity
            .iter()
            .enumerate()
            .map(|(i, s)| policy(&format!("id{i}"), s, PolicyKind::Identity))
            .collect(),
        permissions_boundary: w
            .boundary
            .as_ref()
            .map(|s| policy("pb", s, PolicyKind::PermissionsBoundary)),
        session: w
            .session
            .as_ref()
            .map(|s| vec![policy("session", s, PolicyKind::Session)]),
        scps: w.scp_levels.as_ref().map(|levels| {
            levels
                .iter()
                .enumerate()
                .map(|(i, s)| vec![policy(&format!("scp{i}"), s, PolicyKind::Scp)])
                .collect()
        }),
        resource: w
            .resource
            .as_ref()
            .map(|s| policy("rp", s, PolicyKind::Resource)),
        ..PolicySet::default()
    };
    let mut req = Request::new(
        Principal::parse(PRINCIPALS[w.principal]).unwrap(),
        Action::parse(ACTIONS[w.action]).unwrap(),
        Resource::parse(RESOURCES[w.resource_arn]).unwrap(),
    );
    req.resource_account = Some(
        if w.resource_in_other_account {
            OTHER
        } else {
            ACCOUNT
        }
        .to_owned(),
    );
    if let Some(t) = w.tag {
        req.facts.set_tag("team", t);
    }
    req.context.set("aws:SourceIp", w.source_ip);
    if let Some(keys) = &w.tag_keys {
        req.context.insert(
            "aws:TagKeys",
            iamwhy_core::ContextValue::Multi(keys.iter().map(|k| (*k).to_owned()).collect()),
        );
    }
    derive_context(
        &mut req,
        Instant {
            secs: 1_800_000_000,
            nanos: 0,
        },
    );
    (req, set)
}

pub(crate) fn decide(req: &Request, set: &PolicySet) -> iamwhy_eval::Evaluation {
    authorize(req, set, &EvalOptions::default())
}

pub(crate) const DENY_ALL: Stmt = Stmt {
    allow: false,
    action: 0,
    resource: 0,
    principal: 0,
    condition: 0,
};
