//! Patterns that grant more than meant or lock out who should not be: `Allow` with
//! `NotAction`/`NotResource`, `*` on `*`, `iam:PassRole` on every role, public resource
//! policies, story 5's guardrail that also denies AWS services, KMS key lock-out, and trust
//! policies open to anyone, to a whole foreign account or to every GitHub repository.

use iamwhy_policy::{
    CompiledValue, Condition, Effect, OperatorFamily, PolicyDocument, PrincipalEntryKind, Statement,
};

use super::{
    Context, action_listed, all_resources, applies_to_action, everyone, federated_providers,
    on_key, quoted_list,
};
use crate::Finding;
use iamwhy_core::PolicyKind;

pub(super) fn run(ctx: &Context<'_>, doc: &PolicyDocument, out: &mut Vec<Finding>) {
    let grants = matches!(
        ctx.policy_kind,
        PolicyKind::Identity
            | PolicyKind::Resource
            | PolicyKind::BucketPolicy
            | PolicyKind::KeyPolicy
            | PolicyKind::TrustPolicy
    );
    for stmt in &doc.statements {
        if grants && stmt.effect == Effect::Allow {
            broad_allows(stmt, out);
            pass_role(stmt, out);
        }
        match ctx.policy_kind {
            PolicyKind::Resource | PolicyKind::BucketPolicy | PolicyKind::KeyPolicy => {
                public(ctx, stmt, out);
                guardrail(ctx, stmt, out);
            }
            PolicyKind::Rcp => guardrail(ctx, stmt, out),
            PolicyKind::TrustPolicy => {
                trust(ctx, stmt, out);
                github_subject(stmt, out);
            }
            _ => {}
        }
    }
    // AWS managed keys (`aws/s3`, `aws/ebs`, ...) carry policies with an `Id` of `auto-...`
    // that AWS alone changes: nobody in the account is meant to manage them.
    let aws_managed_key = doc.id.as_deref().is_some_and(|id| id.starts_with("auto-"));
    if ctx.policy_kind == PolicyKind::KeyPolicy && !aws_managed_key {
        lockout(doc, out);
    }
}

fn broad_allows(stmt: &Statement, out: &mut Vec<Finding>) {
    if stmt.action.negated {
        out.push(
            Finding::new(
                "allow-not-action",
                "`Allow` with `NotAction` allows every action not listed, including actions of services AWS launches later",
                stmt.action.span,
            )
            .with_help("list the actions to allow in `Action`; to keep a broad grant with exceptions, pair an `Allow` with a `Deny` of the exceptions"),
        );
    }
    if let Some(r) = &stmt.resource
        && r.negated
    {
        out.push(
            Finding::new(
                "allow-not-resource",
                "`Allow` with `NotResource` allows every resource not listed, including resources created later",
                r.span,
            )
            .with_help("list the resources to allow in `Resource`"),
        );
    }
    let all_actions = !stmt.action.negated
        && stmt
            .action
            .items
            .iter()
            .any(|i| matches!(i.matcher, iamwhy_policy::ActionMatcher::All));
    if all_actions && all_resources(stmt) && stmt.conditions.is_empty() {
        out.push(
            Finding::new(
                "allow-all",
                "this statement allows every action on every resource",
                stmt.span,
            )
            .with_help("grant the actions and resources the job needs; `iamwhy replay` shows which calls a narrower policy would deny"),
        );
    }
}

fn pass_role(stmt: &Statement, out: &mut Vec<Finding>) {
    // `*` alone is reported as `allow-all`.
    let via_service_pattern = !stmt.action.negated
        && stmt.action.items.iter().any(|i| {
            matches!(i.matcher, iamwhy_policy::ActionMatcher::Service { .. })
                && i.text.to_ascii_lowercase().starts_with("iam:")
        });
    if !(via_service_pattern && action_listed(stmt, "iam:PassRole") && all_resources(stmt)) {
        return;
    }
    let span = stmt.resource.as_ref().map_or(stmt.span, |r| r.span);
    out.push(
        Finding::new(
            "pass-role-star",
            "`iam:PassRole` on `*` lets the principal hand any role of the account, the administrator's included, to a service it controls",
            span,
        )
        .with_help("list the roles it may pass, `arn:aws:iam::ACCOUNT:role/NAME`, and limit the service with `iam:PassedToService`"),
    );
}

/// The condition keys whose fixed values keep a statement for `Principal: *` from being
/// public (S3's definition of a public policy; docs/lint-sources.md §10).
const LIMITING_KEYS: &[&str] = &[
    "aws:sourceip",
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "aws:userid",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgpaths",
    "aws:principalservicename",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    "kms:calleraccount",
];

/// Whether a condition limits who can use the statement to fixed principals, networks or
/// sources: a positive operator on a limiting key, with values free of wildcards and
/// variables (an IP range no wider than /8).
fn limits(c: &Condition) -> bool {
    if c.operator.base.negated
        || c.operator.base.family == OperatorFamily::Null
        || c.operator.if_exists
        || !LIMITING_KEYS.contains(&c.key_lower.as_str())
    {
        return false;
    }
    !c.values.is_empty()
        && c.values.iter().all(|v| match &v.compiled {
            CompiledValue::Ip(net) => net.prefix_len() >= if net.is_ipv4() { 8 } else { 32 },
            _ => !v.text.contains(['*', '?']) && !v.text.contains("${"),
        })
}

fn public(ctx: &Context<'_>, stmt: &Statement, out: &mut Vec<Finding>) {
    if stmt.effect != Effect::Allow || !everyone(stmt) || stmt.conditions.iter().any(limits) {
        return;
    }
    let span = stmt.principal.as_ref().map_or(stmt.span, |p| p.span);
    out.push(
        Finding::new(
            "public-access",
            format!(
                "this {} statement allows everyone, anonymous callers included: no condition limits it to an account, organization, network or source",
                ctx.policy_kind.describe()
            ),
            span,
        )
        .with_help("name the principals, or add a condition with fixed values such as `\"StringEquals\": {\"aws:PrincipalOrgID\": \"o-...\"}` or `aws:SourceVpce`"),
    );
}

/// The keys of a guardrail's exception list: who is exempt from the `Deny`.
const PRINCIPAL_EXCEPTION_KEYS: &[&str] = &[
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:userid",
    "aws:principaltag/",
];

/// Keys that exempt AWS service principals from a `Deny`: a guardrail that tests one of them
/// has thought about services calling as themselves.
const SERVICE_PRINCIPAL_GUARD_KEYS: &[&str] = &[
    "aws:principalisawsservice",
    "aws:principalservicename",
    "aws:principalservicenameslist",
];

/// Keys that exempt the requests AWS services make for a principal (forward access
/// sessions).
const VIA_SERVICE_GUARD_KEYS: &[&str] = &[
    "aws:viaawsservice",
    "aws:calledvia",
    "aws:calledviafirst",
    "aws:calledvialast",
];

/// The network keys of a perimeter `Deny`: requests AWS services make for a principal
/// (forward access sessions: S3 calling KMS for SSE-KMS, CloudFormation creating resources)
/// do not come from the principal's network, so they lack these values.
const NETWORK_KEYS: &[&str] = &["aws:sourcevpc", "aws:sourcevpce", "aws:sourceip"];

/// Whether a condition is a negated string, ARN or IP test on one of `keys`: an exception
/// list of a `Deny`.
fn exception_on<'c>(stmt: &'c Statement, keys: &[&str]) -> Option<&'c Condition> {
    stmt.conditions.iter().find(|c| {
        c.operator.base.negated
            && matches!(
                c.operator.base.family,
                OperatorFamily::String
                    | OperatorFamily::StringIgnoreCase
                    | OperatorFamily::StringLike
                    | OperatorFamily::Arn
                    | OperatorFamily::Ip
            )
            && keys.iter().any(|k| match k.strip_suffix('/') {
                // `aws:PrincipalTag/` stands for every tag key.
                Some(_) => c.key_lower.starts_with(k),
                None => c.key_lower == *k,
            })
    })
}

/// Story 5: `Deny` for `Principal: *` unless the caller is on a list of principals
/// (`StringNotEquals aws:PrincipalArn`, ...). An AWS service calling with its own service
/// principal (AWS Backup, CloudTrail, S3 replication, ...) has no principal ARN or account of
/// the list, so the `Deny` catches it, and adding the service's role to the list does not
/// help. A `Deny` unless the request comes from a network catches, likewise, the calls AWS
/// services make for the principal (aws:ViaAWSService).
fn guardrail(ctx: &Context<'_>, stmt: &Statement, out: &mut Vec<Finding>) {
    if stmt.effect != Effect::Deny || !everyone(stmt) {
        return;
    }
    let guarded = |keys: &[&str]| {
        stmt.conditions
            .iter()
            .any(|c| keys.contains(&c.key_lower.as_str()))
    };
    let service_principals_guarded = guarded(SERVICE_PRINCIPAL_GUARD_KEYS);
    if let Some(exception) = exception_on(stmt, PRINCIPAL_EXCEPTION_KEYS)
        && !service_principals_guarded
    {
        let who = match ctx.policy_kind {
            PolicyKind::KeyPolicy => {
                "AWS services that use the key for you (AWS Backup, CloudTrail, ...)"
            }
            PolicyKind::BucketPolicy => {
                "AWS services that write to or read from the bucket for you (CloudTrail, S3 replication, log delivery, ...)"
            }
            _ => "AWS services that call with their own service principal",
        };
        out.push(
            Finding::new(
                "guardrail-blocks-aws-services",
                format!(
                    "this `Deny` applies to everyone whose `{}` is not listed, and that includes {who}: they call as a service principal, which has no such value",
                    exception.key
                ),
                exception.span,
            )
            .with_help(format!(
                "add `\"BoolIfExists\": {{\"aws:PrincipalIsAWSService\": \"false\"}}` to this statement's `Condition`, so that the `Deny` skips AWS service principals (adding a service's role to the `{}` list does not help: the call does not come from the role)",
                exception.key
            )),
        );
        return;
    }
    // A network perimeter needs both guards: services calling as themselves, and services
    // calling for a principal, come from AWS's network, not the listed one.
    let via_guarded = guarded(VIA_SERVICE_GUARD_KEYS);
    if let Some(exception) = exception_on(stmt, NETWORK_KEYS)
        && !(via_guarded && service_principals_guarded)
    {
        let mut missing = Vec::new();
        let mut who = Vec::new();
        if !via_guarded {
            missing.push(r#""aws:ViaAWSService": "false""#);
            who.push("the calls AWS services make for your principals (S3 decrypting with a key for SSE-KMS, CloudFormation creating resources, ...)");
        }
        if !service_principals_guarded {
            missing.push(r#""aws:PrincipalIsAWSService": "false""#);
            who.push("AWS services calling as themselves (CloudTrail, log delivery, ...)");
        }
        out.push(
            Finding::new(
                "guardrail-blocks-aws-services",
                format!(
                    "this `Deny` applies to every request whose `{}` is not listed, and that includes {}: they do not come from your network",
                    exception.key,
                    who.join(" and ")
                ),
                exception.span,
            )
            .with_help(format!(
                "add `\"BoolIfExists\": {{{}}}` to this statement's `Condition`, so that the `Deny` skips requests AWS services make",
                missing.join(", ")
            )),
        );
    }
}

/// A key policy must let someone change it: with no statement allowing
/// `kms:PutKeyPolicy`, or a `Deny` of it to everyone, nobody can ever manage the key again
/// (AWS's lock-out safety check refuses such a policy unless told to bypass it).
fn lockout(doc: &PolicyDocument, out: &mut Vec<Finding>) {
    let denied_to_all = doc.statements.iter().find(|s| {
        s.effect == Effect::Deny
            && everyone(s)
            && s.conditions.is_empty()
            && applies_to_action(s, "kms:PutKeyPolicy")
    });
    if let Some(s) = denied_to_all {
        out.push(
            Finding::new(
                "key-lockout",
                "this statement denies `kms:PutKeyPolicy` to everyone, unconditionally: nobody could ever change this key policy again",
                s.span,
            )
            .with_help("exempt the key administrators with a condition, or remove `kms:PutKeyPolicy` from the `Deny`"),
        );
        return;
    }
    let managed = doc.statements.iter().any(|s| {
        s.effect == Effect::Allow
            && s.principal.as_ref().is_some_and(|p| !p.negated)
            && applies_to_action(s, "kms:PutKeyPolicy")
    });
    if !managed {
        out.push(
            Finding::new(
                "key-lockout",
                "no statement allows `kms:PutKeyPolicy`: once this key policy is set, nobody can change it, and the key can only be recovered with AWS Support",
                doc.span,
            )
            .with_help("keep the default statement that enables IAM policies: `{\"Sid\": \"Enable IAM User Permissions\", \"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::ACCOUNT:root\"}, \"Action\": \"kms:*\", \"Resource\": \"*\"}`, or allow the key administrators `kms:PutKeyPolicy`"),
        );
    }
}

/// Conditions that make a role safe to trust widely: an external id for third parties, or
/// the caller's organization, account or ARN.
const TRUST_LIMITING_KEYS: &[&str] = &[
    "sts:externalid",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
];

fn trust(ctx: &Context<'_>, stmt: &Statement, out: &mut Vec<Finding>) {
    if stmt.effect != Effect::Allow {
        return;
    }
    let Some(principal) = stmt.principal.as_ref().filter(|p| !p.negated) else {
        return;
    };
    let limited = TRUST_LIMITING_KEYS
        .iter()
        .any(|k| on_key(stmt, k).any(|c| !c.operator.base.negated));
    if limited {
        return;
    }
    if everyone(stmt) {
        out.push(
            Finding::new(
                "trust-any-principal",
                "this trust policy lets any AWS principal of any account assume the role",
                principal.span,
            )
            .with_help("name the accounts or roles that may assume it, or limit `*` with `aws:PrincipalOrgID`"),
        );
        return;
    }
    let foreign: Vec<&str> = principal
        .entries
        .iter()
        .filter_map(|e| match &e.kind {
            PrincipalEntryKind::Account { account } if Some(account.as_str()) != ctx.account => {
                Some(account.as_str())
            }
            _ => None,
        })
        .collect();
    if foreign.is_empty() {
        return;
    }
    let whose = match ctx.account {
        Some(own) => format!("the role is in account `{own}`"),
        None => "iamwhy does not know the role's account; pass `--account` if it is one of these"
            .to_owned(),
    };
    out.push(
        Finding::new(
            "trust-foreign-account",
            format!(
                "this trust policy lets every principal of {} that its administrators allow assume the role, with no `sts:ExternalId` or organization condition ({whose})",
                quoted_list(&foreign, 3)
            ),
            principal.span,
        )
        .with_help("for a third party, require the external id it gave you: `\"Condition\": {\"StringEquals\": {\"sts:ExternalId\": \"...\"}}`; for your own organization, `aws:PrincipalOrgID`; or name the role that may assume it"),
    );
}

/// The keys of GitHub's OIDC tokens that tie a workflow to its repository or owner: `sub`
/// (`repo:OWNER/REPO:...`), and the claims IAM reads for GitHub as well (the
/// `sts:AssumeRoleWithWebIdentity` keys of the catalog).
const GITHUB_REPOSITORY_CLAIMS: &[&str] = &[
    "sub",
    "repository",
    "repository_id",
    "repository_owner_id",
    "job_workflow_ref",
];

/// Whether a condition ties the request to repositories: a positive operator whose values
/// all name an owner (for `StringLike`, `repo:*` or `*` names none).
fn ties_to_repository(c: &Condition) -> bool {
    if c.operator.base.negated || c.operator.base.family == OperatorFamily::Null {
        return false;
    }
    let like = c.operator.base.family == OperatorFamily::StringLike;
    !c.values.is_empty()
        && c.values.iter().all(|v| {
            let text = v.text.as_str();
            !(like
                && (text.starts_with(['*', '?'])
                    || text.starts_with("repo:*")
                    || text.starts_with("repo:?")))
        })
}

/// A role that trusts GitHub Actions' OIDC provider (`token.actions.githubusercontent.com`,
/// or its `/ENTERPRISE` form) for `sts:AssumeRoleWithWebIdentity` without a condition on the
/// token's `sub`: every workflow of every repository on GitHub gets a token the provider
/// signs, so each of them can assume the role.
fn github_subject(stmt: &Statement, out: &mut Vec<Finding>) {
    if stmt.effect != Effect::Allow || !applies_to_action(stmt, "sts:AssumeRoleWithWebIdentity") {
        return;
    }
    let Some(principal) = &stmt.principal else {
        return;
    };
    for provider in federated_providers(stmt) {
        let github = provider.eq_ignore_ascii_case("token.actions.githubusercontent.com")
            || provider
                .to_ascii_lowercase()
                .starts_with("token.actions.githubusercontent.com/");
        if !github {
            continue;
        }
        let tied = GITHUB_REPOSITORY_CLAIMS.iter().any(|claim| {
            on_key(stmt, &format!("{provider}:{claim}").to_ascii_lowercase())
                .any(ties_to_repository)
        });
        if tied {
            continue;
        }
        out.push(
            Finding::new(
                "trust-oidc-no-subject",
                format!(
                    "this trust policy lets every GitHub Actions workflow, in any repository of any owner, assume the role: no condition limits `{provider}:sub` to your repositories"
                ),
                principal.span,
            )
            .with_help(format!(
                "add `\"StringLike\": {{\"{provider}:sub\": \"repo:OWNER/REPO:*\"}}` (or `StringEquals` with a branch or environment, `repo:OWNER/REPO:environment:prod`)"
            )),
        );
    }
}
