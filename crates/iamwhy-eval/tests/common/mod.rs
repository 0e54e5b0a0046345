//! Generated worlds (policy sets and a request) shared by the property tests and the
//! reference-model comparison.

#![allow(dead_code, reason = "each test file uses a part of the generators")]

use std::borrow::Cow;

use iamwhy_core::PolicyKind;
use iamwhy_core::time::Instant;
use iamwhy_core::{Action, Principal, Request, Resource};
use iamwhy_eval::{EvalOptions, Policy, PolicySet, authorize, derive_context};
use iamwhy_policy::parse_policy_str;
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

/// One statement: the texts of its elements (`principal` is used only by the policy types
/// that carry one), `condition` the members of its `Condition` object, or empty.
#[derive(Clone, Debug)]
pub(crate) struct Stmt {
    pub(crate) allow: bool,
    pub(crate) action: Cow<'static, str>,
    pub(crate) resource: Cow<'static, str>,
    pub(crate) principal: Cow<'static, str>,
    pub(crate) condition: Cow<'static, str>,
}

impl Stmt {
    fn json(&self, kind: PolicyKind) -> String {
        let principal = match kind {
            PolicyKind::Resource | PolicyKind::VpcEndpoint => {
                format!(r#""Principal": {},"#, self.principal)
            }
            // The `Principal` of an RCP must be `"*"`.
            PolicyKind::Rcp => r#""Principal": "*","#.to_owned(),
            _ => String::new(),
        };
        format!(
            r#"{{"Effect": "{}", {principal} "Action": "{}", "Resource": "{}", "Condition": {{{}}}}}"#,
            if self.allow { "Allow" } else { "Deny" },
            self.action,
            self.resource,
            self.condition
        )
    }
}

pub(crate) fn stmt() -> impl Strategy<Value = Stmt> {
    (
        prop::bool::weighted(0.8),
        prop::sample::select(ACTION_PATTERNS),
        prop::sample::select(RESOURCE_PATTERNS),
        prop::sample::select(RESOURCE_PRINCIPALS),
        prop::sample::select(CONDITIONS),
    )
        .prop_map(|(allow, action, resource, principal, condition)| Stmt {
            allow,
            action: action.into(),
            resource: resource.into(),
            principal: principal.into(),
            condition: condition.into(),
        })
}

/// An RCP statement: custom RCPs deny (the implied `RCPFullAWSAccess` allows).
fn rcp_stmt() -> impl Strategy<Value = Stmt> {
    stmt().prop_map(|s| Stmt { allow: false, ..s })
}

/// A VPC endpoint policy: often the default full-access statement first, then generated
/// statements.
fn endpoint_policy() -> impl Strategy<Value = Vec<Stmt>> {
    (
        prop::bool::weighted(0.6),
        prop::collection::vec(stmt(), 1..4),
    )
        .prop_map(|(full_access, mut stmts)| {
            if full_access {
                stmts.insert(0, ALLOW_ALL);
            }
            stmts
        })
}

/// A generated world: statements per policy type, and a request.
#[derive(Clone, Debug)]
pub(crate) struct World {
    pub(crate) identity: Vec<Vec<Stmt>>,
    pub(crate) boundary: Option<Vec<Stmt>>,
    pub(crate) session: Option<Vec<Stmt>>,
    pub(crate) scp_levels: Option<Vec<Vec<Stmt>>>,
    /// RCP levels of the resource's account (each with `RCPFullAWSAccess` implied).
    pub(crate) rcp_levels: Option<Vec<Vec<Stmt>>>,
    pub(crate) resource: Option<Vec<Stmt>>,
    /// The policies of the VPC endpoints the request went through; none: it did not.
    pub(crate) endpoints: Vec<Vec<Stmt>>,
    pub(crate) principal: usize,
    pub(crate) action: usize,
    pub(crate) resource_arn: usize,
    pub(crate) resource_in_other_account: bool,
    pub(crate) tag: Option<&'static str>,
    pub(crate) source_ip: &'static str,
    pub(crate) tag_keys: Option<Vec<&'static str>>,
}

/// The policy sets of a world (the request's part comes from [`request`]).
#[derive(Clone, Debug)]
struct Policies {
    identity: Vec<Vec<Stmt>>,
    boundary: Option<Vec<Stmt>>,
    session: Option<Vec<Stmt>>,
    scp_levels: Option<Vec<Vec<Stmt>>>,
    rcp_levels: Option<Vec<Vec<Stmt>>>,
    resource: Option<Vec<Stmt>>,
    endpoints: Vec<Vec<Stmt>>,
}

fn policies() -> impl Strategy<Value = Policies> {
    let stmts = || prop::collection::vec(stmt(), 1..5);
    (
        prop::collection::vec(stmts(), 0..3),
        prop::option::of(stmts()),
        prop::option::weighted(0.3, stmts()),
        prop::option::weighted(0.3, prop::collection::vec(stmts(), 1..3)),
        prop::option::weighted(
            0.3,
            prop::collection::vec(prop::collection::vec(rcp_stmt(), 1..3), 1..3),
        ),
        prop::option::of(stmts()),
        prop::option::weighted(0.3, prop::collection::vec(endpoint_policy(), 1..3))
            .prop_map(Option::unwrap_or_default),
    )
        .prop_map(
            |(identity, boundary, session, scp_levels, rcp_levels, resource, endpoints)| Policies {
                identity,
                boundary,
                session,
                scp_levels,
                rcp_levels,
                resource,
                endpoints,
            },
        )
}

pub(crate) fn world() -> impl Strategy<Value = World> {
    (
        policies(),
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
            |(p, principal, action, resource_arn, other, tag, source_ip, tag_keys)| World {
                identity: p.identity,
                boundary: p.boundary,
                session: p.session,
                scp_levels: p.scp_levels,
                rcp_levels: p.rcp_levels,
                resource: p.resource,
                endpoints: p.endpoints,
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
    let body: Vec<String> = stmts.iter().map(|s| s.json(kind)).collect();
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
        rcps: w.rcp_levels.as_ref().map(|levels| {
            levels
                .iter()
                .enumerate()
                .map(|(i, s)| vec![policy(&format!("rcp{i}"), s, PolicyKind::Rcp)])
                .collect()
        }),
        resource: w
            .resource
            .as_ref()
            .map(|s| policy("rp", s, PolicyKind::Resource)),
        vpc_endpoints: w
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, s)| policy(&format!("vpce{i}"), s, PolicyKind::VpcEndpoint))
            .collect(),
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
    // Through a VPC endpoint the request carries the endpoint and the private address, not
    // `aws:SourceIp` (spec §1.4).
    if w.endpoints.is_empty() {
        req.context.set("aws:SourceIp", w.source_ip);
    } else {
        req.context.set("aws:SourceVpce", VPCE);
        req.context.set("aws:SourceVpc", "vpc-0a1b2c3d");
        req.context.set("aws:VpcSourceIp", w.source_ip);
    }
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
    action: Cow::Borrowed("*"),
    resource: Cow::Borrowed("*"),
    principal: Cow::Borrowed(r#""*""#),
    condition: Cow::Borrowed(""),
};

pub(crate) const ALLOW_ALL: Stmt = Stmt {
    allow: true,
    ..DENY_ALL
};

/// The VPC endpoint of requests that go through one.
const VPCE: &str = "vpce-0a1b2c3d4e5f";

/// The request's action.
pub(crate) fn action(w: &World) -> &'static str {
    ACTIONS[w.action]
}

/// The request's resource.
pub(crate) fn resource(w: &World) -> &'static str {
    RESOURCES[w.resource_arn]
}

/// Action patterns that match `action` (`service:Name`): itself, in another case (action
/// names ignore case, spec §2.3), and wildcards.
pub(crate) fn matching_actions(action: &str) -> Vec<String> {
    let (service, name) = action.split_once(':').unwrap();
    let mut out = vec![
        action.to_owned(),
        action.to_ascii_lowercase(),
        "*".to_owned(),
        format!("{service}:*"),
        format!("{service}:{}*", &name[..3]),
        format!("{service}:?{}", &name[1..]),
        format!("{service}:*{}", &name[name.len() - 2..]),
    ];
    out.dedup();
    out
}

/// Conditions (members of a `Condition` object) that the request of `w` satisfies, whoever
/// the principal: they test keys the world sets, or hold when the key is absent.
pub(crate) fn satisfied_conditions(w: &World) -> Vec<String> {
    let mut out = vec![
        // `derive_context` at 2027-01-15.
        r#""DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}"#.to_owned(),
        r#""Bool": {"aws:SecureTransport": "true"}"#.to_owned(),
        // True when the tag is absent, and no principal is tagged `purple`.
        r#""StringNotEquals": {"aws:PrincipalTag/team": "purple"}"#.to_owned(),
        // `ForAllValues` holds for an absent key too (spec §3.5).
        r#""ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team", "cost"]}"#.to_owned(),
    ];
    if w.endpoints.is_empty() {
        out.push(format!(
            r#""IpAddress": {{"aws:SourceIp": "{}/32"}}"#,
            w.source_ip
        ));
        out.push(r#""Null": {"aws:SourceVpce": "true"}"#.to_owned());
    } else {
        out.push(format!(r#""StringEquals": {{"aws:SourceVpce": "{VPCE}"}}"#));
        out.push(r#""Null": {"aws:SourceIp": "true"}"#.to_owned());
    }
    out
}
