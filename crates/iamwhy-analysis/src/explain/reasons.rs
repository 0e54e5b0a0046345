//! The reasoning behind a decision, in plain words.

use iamwhy_core::{ContextValue, Decision, DeniedBy, PolicyKind, PolicyType, Principal, Request};
use iamwhy_eval::{
    Evaluation, Grant, MatchKind, Mismatch, PolicySet, SetId, SetOutcome, StatementRef,
};
use iamwhy_policy::{ActionElement, OperatorFamily, ResourceElement, Statement};

/// How a statement is named in sentences: `statement "Sid" (#0) of identity-based policy "P"`.
pub(crate) fn statement_name(set: &PolicySet, r: StatementRef) -> String {
    let (Some(policy), Some(stmt)) = (set.policy(r), set.statement(r)) else {
        return "a statement".to_owned();
    };
    let kind = match r.set {
        SetId::Scp(l) => format!("SCP (level {l})"),
        SetId::Rcp(l) => format!("RCP (level {l})"),
        SetId::VpcEndpoint(i) => format!("VPC endpoint policy #{i}"),
        _ => policy.document.kind.describe().to_owned(),
    };
    match &stmt.sid {
        Some(sid) => format!(
            "statement \"{sid}\" (#{}) of {kind} \"{}\"",
            stmt.index,
            policy.label()
        ),
        None => format!("statement #{} of {kind} \"{}\"", stmt.index, policy.label()),
    }
}

fn items(element_items: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = element_items.map(|t| format!("`{t}`")).collect();
    v.join(", ")
}

fn action_list(a: &ActionElement) -> String {
    items(a.items.iter().map(|i| i.text.clone()))
}

fn resource_list(r: &ResourceElement) -> String {
    items(r.items.iter().map(|i| i.text.clone()))
}

/// Why a statement does not apply, in words.
pub(crate) fn describe_mismatch(stmt: &Statement, m: Mismatch, req: &Request) -> String {
    match m {
        Mismatch::Action => format!(
            "its {} {} does not cover `{}`",
            if stmt.action.negated {
                "NotAction"
            } else {
                "Action"
            },
            action_list(&stmt.action),
            req.action
        ),
        Mismatch::NotAction(i) => format!(
            "it excludes `{}` with NotAction `{}`",
            req.action,
            stmt.action
                .items
                .get(i as usize)
                .map_or("?", |a| a.text.as_str())
        ),
        Mismatch::Resource => match &stmt.resource {
            Some(r) if req.resource.is_any() => format!(
                "it names the resources {}, but `{}` acts on no particular resource (`*`), which only `\"Resource\": \"*\"` covers",
                resource_list(r),
                req.action
            ),
            Some(r) => format!(
                "its Resource {} does not cover `{}`",
                resource_list(r),
                req.resource
            ),
            None => "its resource does not match".to_owned(),
        },
        Mismatch::NotResource(i) => format!(
            "it excludes `{}` with NotResource `{}`",
            req.resource,
            stmt.resource
                .as_ref()
                .and_then(|r| r.items.get(i as usize))
                .map_or("?", |r| r.text.as_str())
        ),
        Mismatch::Principal => {
            let named = stmt
                .principal
                .as_ref()
                .map(|p| items(p.entries.iter().map(|e| e.text.clone())))
                .unwrap_or_default();
            format!("its Principal {named} does not name {}", req.principal)
        }
        Mismatch::NotPrincipal => format!("its NotPrincipal exempts {}", req.principal),
        Mismatch::Condition(i) => match stmt.conditions.get(i as usize) {
            Some(c) => describe_condition(c, req),
            None => "a condition is false".to_owned(),
        },
    }
}

/// The condition that stops a statement, typed, when a condition is what stops it.
pub(crate) fn failed_condition(
    stmt: &Statement,
    m: Mismatch,
    req: &Request,
) -> Option<crate::report::FailedCondition> {
    let Mismatch::Condition(i) = m else {
        return None;
    };
    let c = stmt.conditions.get(i as usize)?;
    let actual = req.context.get_normalized(&c.key_lower);
    let single = matches!(actual, Some(ContextValue::Single(_)));
    let family = c.operator.base.family;
    Some(crate::report::FailedCondition {
        operator: c.operator.name(),
        key: c.key.clone(),
        wants: c.values.iter().map(|v| v.text.clone()).collect(),
        actual: actual.map(|v| v.values().to_vec()),
        index: i as usize,
        extendable: single
            && !c.operator.base.negated
            && c.operator.qualifier.is_none()
            && matches!(
                family,
                OperatorFamily::String
                    | OperatorFamily::StringIgnoreCase
                    | OperatorFamily::StringLike
                    | OperatorFamily::Arn
            ),
    })
}

/// S3 user guide, "Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys".
pub(crate) const BUCKET_KEY_DOC: &str = "Amazon S3 User Guide, \"Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys\", https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html";

/// "statement X would allow `A` on `R`, but `K` is `V` and the condition wants `W`": the
/// near miss that an implicit deny comes down to, in words.
fn would_allow(stmt: &Statement, m: Mismatch, req: &Request, name: &str, what: &str) -> String {
    let Some(fc) = failed_condition(stmt, m, req) else {
        return format!(
            "{name} would allow {what}, but {}",
            describe_mismatch(stmt, m, req)
        );
    };
    let wants = items(fc.wants.iter().cloned());
    let mut text = match &fc.actual {
        None => format!(
            "{name} would allow {what}, but the request has no `{}` and the condition `{}` wants {wants}",
            fc.key, fc.operator
        ),
        Some(v) => format!(
            "{name} would allow {what}, but `{}` is {} and the condition `{}` wants {wants}: this condition is the cause",
            fc.key,
            items(v.iter().cloned()),
            fc.operator
        ),
    };
    // With an S3 Bucket Key, S3 asks KMS with the bucket's ARN as `aws:s3:arn`.
    if fc
        .key
        .eq_ignore_ascii_case("kms:EncryptionContext:aws:s3:arn")
        && let Some([v]) = fc.actual.as_deref()
        && v.starts_with("arn:aws:s3:::")
        && !v.contains('/')
    {
        text.push_str(&format!(
            " (with an S3 Bucket Key, S3 calls KMS with the bucket ARN `{v}` as `aws:s3:arn`, not the object's ARN; {BUCKET_KEY_DOC})"
        ));
    }
    text
}

fn describe_condition(c: &iamwhy_policy::Condition, req: &Request) -> String {
    let op = c.operator.name();
    let values = items(c.values.iter().map(|v| v.text.clone()));
    let head = format!("its condition `{op}` on `{}` ({values}) is false", c.key);
    match req.context.get_normalized(&c.key_lower) {
        None => format!("{head}: the request has no `{}`", c.key),
        Some(ContextValue::Multi(v))
            if c.operator.qualifier.is_none() && c.operator.base.family != OperatorFamily::Null =>
        {
            format!(
                "{head}: `{}` has several values ({}) and `{op}` needs `ForAnyValue:` or `ForAllValues:`",
                c.key,
                ContextValue::Multi(v.clone()).display()
            )
        }
        Some(v) => {
            let unreadable = v
                .values()
                .iter()
                .find(|s| !iamwhy_eval::request_value_type_ok(c.operator.base.family, s));
            match unreadable {
                Some(s) => format!(
                    "{head}: the request's value `{s}` cannot be read as the type `{}` compares",
                    c.operator.base.name
                ),
                None => format!("{head}: the request has `{}` = {}", c.key, v.display()),
            }
        }
    }
}

/// Keys that requests from AWS service principals do not carry (spec §1.1 AMBIGUITY A2).
const NOT_FOR_SERVICES: &[&str] = &[
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:userid",
    "aws:principalorgid",
    "aws:principalorgpaths",
];

/// Why a condition of an applying statement holds, in words.
fn condition_held(c: &iamwhy_policy::Condition, req: &Request) -> String {
    let op = c.operator.name();
    let head = format!("`{op}` on `{}` holds", c.key);
    match req.context.get_normalized(&c.key_lower) {
        Some(v) => format!("{head} for {}", v.display()),
        None => {
            let why = if c.operator.base.family == OperatorFamily::Null {
                "the key is absent"
            } else if c.operator.if_exists {
                "`...IfExists` is true when the key is absent"
            } else if c.operator.qualifier == Some(iamwhy_policy::SetQualifier::ForAllValues) {
                "`ForAllValues:` is true when the key is absent"
            } else {
                "a negated operator is true when the key is absent"
            };
            let mut text = format!("{head} because the request has no `{}` and {why}", c.key);
            if matches!(req.principal, Principal::Service(_))
                && NOT_FOR_SERVICES.contains(&c.key_lower.as_str())
            {
                text.push_str(&format!(
                    " (requests made by an AWS service principal carry no `{}`; to exempt AWS services add `\"BoolIfExists\": {{\"aws:PrincipalIsAWSService\": \"false\"}}` to the Deny)",
                    c.key
                ));
            }
            text
        }
    }
}

fn plural(t: PolicyType) -> &'static str {
    match t {
        PolicyType::Identity => "identity-based policies",
        PolicyType::Resource => "resource-based policy",
        PolicyType::PermissionsBoundary => "permissions boundary",
        PolicyType::Session => "session policies",
        PolicyType::Scp => "SCPs",
        PolicyType::Rcp => "RCPs",
        PolicyType::VpcEndpoint => "VPC endpoint policies",
    }
}

/// The reasons for a decision, one sentence each.
pub(crate) fn reasons(req: &Request, ev: &Evaluation, set: &PolicySet) -> Vec<String> {
    let mut out = Vec::new();
    let who = req.principal.to_string();
    let what = if req.resource.is_any() {
        format!("`{}`", req.action)
    } else {
        format!("`{}` on `{}`", req.action, req.resource)
    };
    let allow_statements = |t: PolicyType| -> Vec<String> {
        ev.deciding
            .iter()
            .filter(|r| r.set.policy_type() == t)
            .map(|r| statement_name(set, *r))
            .collect()
    };
    let also = |out: &mut Vec<String>| {
        for (t, label) in [
            (PolicyType::PermissionsBoundary, "the permissions boundary"),
            (PolicyType::Session, "the session policies"),
            (PolicyType::Scp, "every SCP level"),
            (PolicyType::VpcEndpoint, "the VPC endpoint policies"),
        ] {
            if ev.outcome(t) == SetOutcome::Allow {
                out.push(format!(
                    "{label} also allow{} it",
                    if matches!(t, PolicyType::PermissionsBoundary | PolicyType::Scp) {
                        "s"
                    } else {
                        ""
                    }
                ));
            }
        }
    };
    match ev.decision {
        Decision::Allowed => match ev.grant {
            Some(Grant::ServiceRule) | None => {
                if let Some(rule) = ev.service_rule {
                    out.push(rule.describe().to_owned());
                }
            }
            Some(Grant::IdentityPolicies) => {
                out.push(format!(
                    "{who} is allowed {what} by its identity-based policies: {}",
                    allow_statements(PolicyType::Identity).join("; ")
                ));
                also(&mut out);
            }
            Some(Grant::ResourcePolicy(kind)) => {
                let how = match kind {
                        MatchKind::Direct => format!("names {who} directly, so it grants on its own (identity-based policies, boundary and session policies are not needed)"),
                        MatchKind::Wildcard => "allows everyone (`\"*\"`), so it grants on its own; boundary and session policies do not limit such a grant".to_owned(),
                        MatchKind::RoleOfSession => "names the session's role, which grants within the limits of the role's permissions boundary and the session policies".to_owned(),
                        MatchKind::ParentUserOfFederatedSession => "names the IAM user behind the federated session, which grants within the limits of the boundary and the session policies".to_owned(),
                        MatchKind::Service => format!("allows the service principal {who}"),
                        MatchKind::Federated => format!("allows the identity provider {who}"),
                        _ => "allows the request".to_owned(),
                    };
                out.push(format!(
                    "the resource-based policy {how}: {}",
                    allow_statements(PolicyType::Resource).join("; ")
                ));
            }
            Some(Grant::AccountDelegation) => {
                let account = req.principal.account().unwrap_or("?");
                out.push(format!(
                        "the {} allows account {account}, which delegates to IAM policies, and {who}'s identity-based policies allow {what}",
                        if ev.resource_policy_kind == Some(PolicyKind::KeyPolicy) { "key policy" } else { "resource-based policy" }
                    ));
            }
            Some(Grant::KmsGrant(i)) => out.push(format!(
                "KMS grant \"{}\" allows {what} for {who}",
                set.kms_grants.get(i).map_or("?", |g| g.name.as_str())
            )),
            Some(Grant::CrossAccount) => {
                out.push(format!(
                        "{who} is in account {} and the resource in account {}: both sides allow — the resource-based policy ({}) and the identity-based policies ({})",
                        req.principal.account().unwrap_or("?"),
                        req.effective_resource_account().unwrap_or("?"),
                        allow_statements(PolicyType::Resource).join("; "),
                        allow_statements(PolicyType::Identity).join("; ")
                    ));
                also(&mut out);
            }
        },
        Decision::ExplicitDeny => {
            for r in &ev.deciding {
                let mut sentence = format!("{} denies {what} for {who}", statement_name(set, *r));
                if let Some(stmt) = set.statement(*r) {
                    let held: Vec<String> = stmt
                        .conditions
                        .iter()
                        .map(|c| condition_held(c, req))
                        .collect();
                    if !held.is_empty() {
                        sentence.push_str(": ");
                        sentence.push_str(&held.join("; "));
                    }
                }
                out.push(sentence);
            }
            out.push("an explicit deny in any policy overrides every allow".to_owned());
        }
        Decision::ImplicitDeny => implicit(req, ev, set, &who, &what, &mut out),
    }
    out
}

fn implicit(
    req: &Request,
    ev: &Evaluation,
    set: &PolicySet,
    who: &str,
    what: &str,
    out: &mut Vec<String>,
) {
    let Some(by) = ev.denied_by else {
        return;
    };
    let rp_allows = ev
        .matched
        .iter()
        .any(|m| m.statement.set == SetId::Resource && m.effect == iamwhy_policy::Effect::Allow);
    let rp_allows_account = ev
        .matched
        .iter()
        .any(|m| m.statement.set == SetId::Resource && m.kind == MatchKind::Account);
    match by {
        DeniedBy::ServiceRule => {
            if let Some(rule) = ev.service_rule {
                out.push(rule.describe().to_owned());
            }
        }
        DeniedBy::Scp => {
            let level = ev
                .outcomes
                .iter()
                .find(|o| o.policy_type == PolicyType::Scp)
                .and_then(|o| o.level)
                .unwrap_or(0);
            out.push(format!(
                "no SCP attached at level {level} of the account's OU path allows {what}: every level, from the organization root (level 0) to the account, must allow it"
            ));
        }
        DeniedBy::Rcp => out.push(format!("no RCP allows {what}")),
        DeniedBy::VpcEndpoint => out.push(format!(
            "the policy of the VPC endpoint the request went through does not allow {what} for {who}"
        )),
        DeniedBy::PermissionsBoundary => {
            out.push(format!(
                "the permissions boundary does not allow {what}: a boundary caps what identity-based policies (and resource policies that name the role or user only through its account or role) can grant"
            ));
            if ev.outcome(PolicyType::Identity) == SetOutcome::Allow {
                out.push("the identity-based policies do allow it, so the boundary is what must change".to_owned());
            }
        }
        DeniedBy::Session => {
            if matches!(req.principal, Principal::FederatedUser(_)) && set.session.is_none() {
                out.push("no session policy was passed to GetFederationToken: a federated user without one has no permissions from its parent user's policies".to_owned());
            } else {
                out.push(format!(
                    "the session policies do not allow {what}: a session can do only what both its identity-based policies and its session policies allow"
                ));
            }
        }
        DeniedBy::Identity => {
            out.push(format!("no identity-based policy of {who} allows {what}"));
            match ev.resource_policy_kind {
                Some(PolicyKind::KeyPolicy) if rp_allows_account => out.push(format!(
                    "the key policy allows account {}, which only delegates to IAM policies: an identity-based policy must allow {what}",
                    req.principal.account().unwrap_or("?")
                )),
                Some(PolicyKind::TrustPolicy) if rp_allows_account => out.push(format!(
                    "the trust policy allows account {}, which only delegates to IAM policies: an identity-based policy of {who} must allow {what}",
                    req.principal.account().unwrap_or("?")
                )),
                _ if ev.same_account == Some(false) && rp_allows => out.push(format!(
                    "the resource-based policy allows it, but the resource is in another account ({}): across accounts the principal's own policies must allow it too",
                    req.effective_resource_account().unwrap_or("?")
                )),
                _ => {}
            }
        }
        DeniedBy::Resource => {
            if ev.role_trust {
                out.push(format!(
                    "the role trust policy does not allow {who} to perform `{}` on this role: a trust policy must allow the caller, whatever the caller's own policies say",
                    req.action
                ));
            } else if matches!(req.principal, Principal::Anonymous | Principal::Service(_) | Principal::IdentityProvider(_)) {
                out.push(format!(
                    "only a resource-based policy can allow a request from {who}, and none allows {what}"
                ));
            } else if ev.resource_policy_kind == Some(PolicyKind::KeyPolicy) {
                out.push(format!(
                    "the key policy allows neither {who} nor its account: for KMS keys, IAM policies count only when the key policy allows the account (arn:{}:iam::{}:root)",
                    req.principal.partition(),
                    req.principal.account().unwrap_or("?")
                ));
            } else if ev.same_account == Some(false) {
                out.push(format!(
                    "the resource is in account {}, not in {who}'s account {}: across accounts a resource-based policy must allow the request as well, and {}",
                    req.effective_resource_account().unwrap_or("?"),
                    req.principal.account().unwrap_or("?"),
                    if set.resource.is_some() { "it does not" } else { "there is none" }
                ));
            } else {
                out.push(format!("no resource-based policy allows {what}"));
            }
        }
    }
    // The statements of the blamed type that would allow but for one element: name them and
    // what failed (a condition: the key's value and what the condition wants).
    if let Some(t) = by.policy_type()
        && t != PolicyType::Scp
    {
        for (r, m) in near_misses(ev, t) {
            if let Some(stmt) = set.statement(r)
                && stmt.effect == iamwhy_policy::Effect::Allow
            {
                out.push(would_allow(stmt, m, req, &statement_name(set, r), what));
            }
        }
    }
    // The statements of the blamed type that cover the action but do not apply are reported
    // separately (`near_misses`); say so when there are none.
    if let Some(t) = by.policy_type()
        && t != PolicyType::Scp
        && near_misses(ev, t).next().is_none()
        && ev.not_matched.iter().any(|(r, _)| r.set.policy_type() == t)
    {
        out.push(format!(
            "no statement of the {} covers `{}`",
            plural(t),
            req.action
        ));
    }
}

/// Statements of a policy type whose action matched but that did not apply.
pub(crate) fn near_misses(
    ev: &Evaluation,
    t: PolicyType,
) -> impl Iterator<Item = (StatementRef, Mismatch)> + '_ {
    ev.not_matched
        .iter()
        .filter(move |(r, m)| {
            r.set.policy_type() == t && !matches!(m, Mismatch::Action | Mismatch::NotAction(_))
        })
        .copied()
}
