//! Invariants of the decision (style guide §19), checked on generated policy sets and
//! requests:
//!
//! - an explicit `Deny` that matches the request, in any policy type that applies, always
//!   gives `ExplicitDeny` (spec §4.4 step 2) — except where a hard-wired service rule decides
//!   first (§4.4 step 0);
//! - adding an `Allow` statement to a policy never turns `Allowed` into a deny;
//! - the decision does not depend on the order of statements or policies.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers: a failed spawn, parse or fixture is a failed test"
)]

use iamwhy_core::time::Instant;
use iamwhy_core::{Action, Decision, Principal, Request, Resource};
use iamwhy_eval::{EvalOptions, Policy, PolicySet, authorize, derive_context};
use iamwhy_policy::{PolicyKind, parse_policy_str};
use proptest::prelude::*;

const ACCOUNT: &str = "111111111111";
const OTHER: &str = "222222222222";

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
struct Stmt {
    allow: bool,
    action: usize,
    resource: usize,
    principal: usize,
    condition: usize,
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

fn stmt() -> impl Strategy<Value = Stmt> {
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
struct World {
    identity: Vec<Vec<Stmt>>,
    boundary: Option<Vec<Stmt>>,
    session: Option<Vec<Stmt>>,
    scp_levels: Option<Vec<Vec<Stmt>>>,
    resource: Option<Vec<Stmt>>,
    principal: usize,
    action: usize,
    resource_arn: usize,
    resource_in_other_account: bool,
    tag: Option<&'static str>,
    source_ip: &'static str,
    tag_keys: Option<Vec<&'static str>>,
}

fn world() -> impl Strategy<Value = World> {
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

fn policy(name: &str, stmts: &[Stmt], kind: PolicyKind) -> Policy {
    let with_principal = kind == PolicyKind::Resource;
    let body: Vec<String> = stmts.iter().map(|s| s.json(with_principal)).collect();
    let text = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        body.join(",")
    );
    let doc = parse_policy_str(&text, kind).unwrap_or_else(|e| panic!("{text}: {e}"));
    Policy::new(name, doc)
}

fn build(w: &World) -> (Request, PolicySet) {
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

fn decide(req: &Request, set: &PolicySet) -> iamwhy_eval::Evaluation {
    authorize(req, set, &EvalOptions::default())
}

const DENY_ALL: Stmt = Stmt {
    allow: false,
    action: 0,
    resource: 0,
    principal: 0,
    condition: 0,
};

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// Spec §4.4 step 2: an explicit deny anywhere wins.
    #[test]
    fn explicit_deny_always_wins(w in world(), target in 0usize..5) {
        let (req, _) = build(&w);
        let mut w2 = w.clone();
        let principal = &req.principal;
        let identity_side = matches!(principal, Principal::User(_) | Principal::RoleSession(_));
        // Put a deny-everything statement into a policy type that applies to this request.
        match target {
            0 if identity_side => w2.identity.push(vec![DENY_ALL]),
            1 if identity_side && w2.boundary.is_some() => w2.boundary.as_mut().unwrap().push(DENY_ALL),
            2 if matches!(principal, Principal::RoleSession(_)) && w2.session.is_some() => w2.session.as_mut().unwrap().push(DENY_ALL),
            3 if principal.account().is_some() && w2.scp_levels.is_some() => w2.scp_levels.as_mut().unwrap()[0].push(DENY_ALL),
            _ => w2.resource.get_or_insert_with(Vec::new).push(DENY_ALL),
        }
        let (req, set) = build(&w2);
        let ev = decide(&req, &set);
        if ev.service_rule.is_none() {
            prop_assert_eq!(ev.decision, Decision::ExplicitDeny, "{:?}", ev);
        }
    }

    /// Adding an Allow statement to an existing policy never removes access (and never
    /// removes an explicit deny). With `generous`, the world starts with allow-everything
    /// statements so that many generated requests are allowed to begin with.
    #[test]
    fn adding_an_allow_never_removes_access(w in world(), extra in stmt(), target in 0usize..5, generous: bool) {
        let mut w = w;
        let allow_all = Stmt { allow: true, ..DENY_ALL };
        if generous {
            w.identity.push(vec![allow_all.clone()]);
            w.resource.get_or_insert_with(Vec::new).push(allow_all);
        }
        let (req, set) = build(&w);
        let before = decide(&req, &set).decision;
        let extra = Stmt { allow: true, ..extra };
        let mut w2 = w.clone();
        match target {
            0 => w2.identity.push(vec![extra]),
            1 if w2.boundary.is_some() => w2.boundary.as_mut().unwrap().push(extra),
            2 if w2.session.is_some() => w2.session.as_mut().unwrap().push(extra),
            3 if w2.scp_levels.is_some() => w2.scp_levels.as_mut().unwrap()[0].push(extra),
            _ if w2.resource.is_some() => w2.resource.as_mut().unwrap().push(extra),
            _ => w2.identity.push(vec![extra]),
        }
        let (req2, set2) = build(&w2);
        let after = decide(&req2, &set2);
        match before {
            Decision::Allowed => prop_assert_eq!(after.decision, Decision::Allowed, "{:?}", after),
            Decision::ExplicitDeny => prop_assert_eq!(after.decision, Decision::ExplicitDeny, "{:?}", after),
            Decision::ImplicitDeny => {}
        }
    }

    /// The decision and the blamed policy type do not depend on statement or policy order.
    #[test]
    fn order_does_not_matter(w in world()) {
        let (req, set) = build(&w);
        let before = decide(&req, &set);
        let mut w2 = w.clone();
        w2.identity.reverse();
        for p in &mut w2.identity { p.reverse(); }
        if let Some(b) = &mut w2.boundary { b.reverse(); }
        if let Some(s) = &mut w2.session { s.reverse(); }
        if let Some(l) = &mut w2.scp_levels { for level in l.iter_mut() { level.reverse(); } }
        if let Some(r) = &mut w2.resource { r.reverse(); }
        let (req2, set2) = build(&w2);
        let after = decide(&req2, &set2);
        prop_assert_eq!(before.decision, after.decision);
        prop_assert_eq!(before.denied_by, after.denied_by);
        prop_assert_eq!(before.message, after.message);
    }
}
