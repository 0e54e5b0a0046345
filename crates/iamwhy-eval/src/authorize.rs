//! The decision algorithm of spec §4.4, with the implicit-deny attribution of §4.6.

use std::collections::BTreeMap;

use iamwhy_core::{Decision, DeniedBy, PolicyKind, PolicyType, Principal, Request};
use iamwhy_policy::Effect;

use crate::evaluation::{Evaluation, Grant, SetOutcome, TypeOutcome};
use crate::matching::{MatchKind, NotPrincipalMode, Prepared};
use crate::message::{Denial, denial_message};
use crate::policy_set::{PolicySet, SetId};
use crate::service_rules::{Step0, step0};
use crate::sets::SetEval;

/// Switches for the evaluator, with AWS's documented behaviour as default.
#[derive(Clone, Copy, Debug)]
pub struct EvalOptions {
    /// Record why each statement did not apply and which context keys are missing. Costs
    /// time; the decision is the same either way.
    pub explain: bool,
    /// How `NotPrincipal` exemptions are decided (AMBIGUITY A9).
    pub not_principal: NotPrincipalMode,
    /// Whether the caller's permissions boundary must allow `sts:AssumeRole*` even when the
    /// trust policy names the caller directly (AMBIGUITY 4.A, A10).
    pub trust_policy_respects_boundary: bool,
}

impl Default for EvalOptions {
    fn default() -> EvalOptions {
        EvalOptions {
            explain: false,
            not_principal: NotPrincipalMode::StrictChain,
            trust_policy_respects_boundary: true,
        }
    }
}

/// Services whose resources RCPs govern (AWS Organizations user guide, "List of AWS
/// services that support RCPs").
const RCP_SERVICES: &[&str] = &[
    "s3",
    "sts",
    "kms",
    "sqs",
    "secretsmanager",
    "cognito-idp",
    "logs",
    "dynamodb",
    "ecr",
    "aoss",
];

/// Actions a role trust policy governs (spec §4.8.1).
const TRUST_ACTIONS: &[&str] = &[
    "assumerole",
    "assumerolewithsaml",
    "assumerolewithwebidentity",
    "tagsession",
    "setsourceidentity",
    "setcontext",
];

/// Evaluates one authorization check (spec §4.4).
///
/// The request's context is used as given: call [`derive_context`](crate::derive_context)
/// first to add the keys AWS derives from the principal and resource.
pub fn authorize(req: &Request, set: &PolicySet, options: &EvalOptions) -> Evaluation {
    let principal = &req.principal;
    let has_boundary = set.permissions_boundary.is_some()
        && matches!(
            principal,
            Principal::User(_) | Principal::RoleSession(_) | Principal::FederatedUser(_)
        );
    let mut run = Run {
        req,
        set,
        options,
        prepared: Prepared::new(req, has_boundary, options.not_principal),
        ev: Evaluation::new(),
        missing: BTreeMap::new(),
    };
    run.authorize(has_boundary);
    let mut ev = run.ev;
    ev.missing_context_keys = run.missing.into_values().collect();
    ev
}

pub(crate) struct Run<'a> {
    pub(crate) req: &'a Request,
    pub(crate) set: &'a PolicySet,
    pub(crate) options: &'a EvalOptions,
    pub(crate) prepared: Prepared<'a>,
    pub(crate) ev: Evaluation,
    /// Missing context keys, by lower-case name.
    pub(crate) missing: BTreeMap<String, String>,
}

impl Run<'_> {
    fn authorize(&mut self, has_boundary: bool) {
        // ---- 0. Hard-wired service rules.
        match step0(self.req) {
            Step0::Decide(Decision::Allowed, rule) => {
                self.ev.service_rule = Some(rule);
                self.ev.decision = Decision::Allowed;
                self.ev.grant = Some(Grant::ServiceRule);
            }
            Step0::Decide(decision, rule) => {
                // The policies are still evaluated: an explicit Deny in any of them is what
                // AWS reports ("with an explicit deny in ..."), whatever rule would also
                // block the call (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html).
                self.policies(has_boundary, false);
                if self.ev.decision == Decision::ExplicitDeny {
                    self.note(rule.describe());
                    return;
                }
                self.ev.service_rule = Some(rule);
                self.ev.grant = None;
                self.ev.deciding.clear();
                self.deny(decision, DeniedBy::ServiceRule, None);
            }
            Step0::Continue { bucket_owner_root } => self.policies(has_boundary, bucket_owner_root),
        }
    }

    /// Steps 1 to 4: the policies (spec §4.4).
    fn policies(&mut self, has_boundary: bool, bucket_owner_root: bool) {
        let req = self.req;
        let set = self.set;
        let principal = &req.principal;

        let resource_account = req.effective_resource_account();
        // Without a resource account the resource is the principal's, unless the set says it
        // belongs to an account the request does not name.
        let same_account = principal.account().map(|a| match resource_account {
            Some(r) => r == a,
            None => !set.resource_in_other_account,
        });
        self.ev.same_account = same_account;
        let same_account = same_account.unwrap_or(false);

        // ---- 1. Evaluate every applicable policy set (§4.1, §4.2).
        let identity_principal = matches!(
            principal,
            Principal::User(_) | Principal::RoleSession(_) | Principal::FederatedUser(_)
        );
        let id = if identity_principal {
            self.eval_policies(SetId::Identity, &set.identity)
        } else if matches!(principal, Principal::Root(_)) {
            if !set.identity.is_empty() {
                self.note("the root user has no identity-based policies: the ones given were ignored (root is allowed everything on the identity side)");
            }
            SetEval::of(SetOutcome::Allow)
        } else {
            if !set.identity.is_empty() {
                self.note("identity-based policies do not apply to service principals, identity-provider callers or anonymous requests: the ones given were ignored");
            }
            SetEval::NOT_APPLICABLE
        };
        let pb = match &set.permissions_boundary {
            Some(b) if has_boundary => {
                self.eval_policies(SetId::PermissionsBoundary, std::slice::from_ref(b))
            }
            Some(_) => {
                self.note("a permissions boundary applies only to IAM users and roles: the one given was ignored");
                SetEval::NOT_APPLICABLE
            }
            None => SetEval::NOT_APPLICABLE,
        };
        let ses = match (principal, &set.session) {
            (Principal::RoleSession(_) | Principal::FederatedUser(_), Some(policies)) => {
                self.eval_policies(SetId::Session, policies)
            }
            (Principal::FederatedUser(_), None) => {
                self.note("no session policy was passed to GetFederationToken, so the federated user has no permissions from the parent user's policies (AWS STS API Reference, \"GetFederationToken\", https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html)");
                SetEval::of(SetOutcome::ImplicitDeny)
            }
            (_, Some(_)) => {
                self.note("session policies apply only to role sessions and federated users: the ones given were ignored");
                SetEval::NOT_APPLICABLE
            }
            (_, None) => SetEval::NOT_APPLICABLE,
        };
        let scp = match &set.scps {
            Some(levels) if self.scps_apply() => self.eval_levels(levels, SetId::Scp, false),
            _ => SetEval::NOT_APPLICABLE,
        };
        let rcp = match &set.rcps {
            Some(levels) if self.rcps_apply(resource_account) => {
                self.eval_levels(levels, SetId::Rcp, true)
            }
            _ => SetEval::NOT_APPLICABLE,
        };
        let rp_kind = self.resource_policy_kind();
        self.ev.resource_policy_kind = rp_kind;
        let mut rp = match (&set.resource, rp_kind) {
            (Some(policy), Some(_)) => {
                self.eval_policies(SetId::Resource, std::slice::from_ref(policy))
            }
            _ => SetEval::NOT_APPLICABLE,
        };
        if bucket_owner_root && rp.is(SetOutcome::ExplicitDeny) {
            self.ev.service_rule = Some(crate::ServiceRule::BucketOwnerRoot);
            self.note(crate::ServiceRule::BucketOwnerRoot.describe());
            self.ev
                .matched
                .retain(|m| !(m.statement.set == SetId::Resource && m.effect == Effect::Deny));
            rp.outcome = if rp.kinds.any() {
                SetOutcome::Allow
            } else {
                SetOutcome::ImplicitDeny
            };
        }
        let vpce = self.eval_endpoints();
        let grant = crate::kms::matching_grant(self.req, self.set);

        self.ev.outcomes = vec![
            outcome(PolicyType::Scp, scp),
            outcome(PolicyType::Rcp, rcp),
            outcome(PolicyType::VpcEndpoint, vpce),
            outcome(PolicyType::PermissionsBoundary, pb),
            outcome(PolicyType::Session, ses),
            outcome(PolicyType::Identity, id),
            outcome(PolicyType::Resource, rp),
        ];

        // ---- 2. An explicit deny anywhere wins; AWS names one type (REPORT_ORDER_EXPLICIT).
        let report_order = [
            (PolicyType::Scp, scp),
            (PolicyType::Rcp, rcp),
            (PolicyType::VpcEndpoint, vpce),
            (PolicyType::PermissionsBoundary, pb),
            (PolicyType::Session, ses),
            (PolicyType::Identity, id),
            (PolicyType::Resource, rp),
        ];
        if let Some((t, _)) = report_order
            .iter()
            .find(|(_, s)| s.is(SetOutcome::ExplicitDeny))
        {
            self.ev.deciding = self
                .ev
                .matched
                .iter()
                .filter(|m| m.effect == Effect::Deny)
                .map(|m| m.statement)
                .collect();
            self.ev.role_trust =
                *t == PolicyType::Resource && rp_kind == Some(PolicyKind::TrustPolicy);
            let policy_arn = self.denying_policy_arn(*t, same_account);
            self.deny(Decision::ExplicitDeny, (*t).into(), policy_arn);
            return;
        }

        // ---- 3. Guardrails that must allow.
        for (t, s) in [
            (PolicyType::Rcp, rcp),
            (PolicyType::Scp, scp),
            (PolicyType::VpcEndpoint, vpce),
        ] {
            if s.is(SetOutcome::ImplicitDeny) {
                self.deny(Decision::ImplicitDeny, t.into(), None);
                return;
            }
        }

        // ---- 4. Grants.
        let grant_allows = grant.is_some();
        let allowed: Option<Grant> = match principal {
            // 4.1 / 4.2: only the resource policy can grant.
            Principal::Anonymous => rp
                .kinds
                .has(MatchKind::Wildcard)
                .then_some(Grant::ResourcePolicy(MatchKind::Wildcard)),
            Principal::Service(_) | Principal::IdentityProvider(_) => [
                MatchKind::Service,
                MatchKind::Federated,
                MatchKind::Wildcard,
            ]
            .into_iter()
            .find(|k| rp.kinds.has(*k))
            .map(Grant::ResourcePolicy)
            .or_else(|| grant.map(Grant::KmsGrant)),
            _ => {
                // 4.3
                let ses_ok = match principal {
                    Principal::FederatedUser(_) => ses.is(SetOutcome::Allow),
                    _ => ses.passes(),
                };
                let pb_ok = pb.passes();
                let identity_path = id.is(SetOutcome::Allow) && pb_ok && ses_ok;
                if same_account {
                    // 4.4
                    let direct = [MatchKind::Direct, MatchKind::Wildcard]
                        .into_iter()
                        .find(|k| rp.kinds.has(*k));
                    let via_role = rp.kinds.has(MatchKind::RoleOfSession) && pb_ok && ses_ok;
                    let via_parent =
                        rp.kinds.has(MatchKind::ParentUserOfFederatedSession) && pb_ok && ses_ok;
                    let via_acct = (rp.kinds.has(MatchKind::Account)
                        || rp.kinds.has(MatchKind::CanonicalUser))
                        && identity_path;
                    let resource_grant = direct
                        .map(Grant::ResourcePolicy)
                        .or(via_role.then_some(Grant::ResourcePolicy(MatchKind::RoleOfSession)))
                        .or(via_parent.then_some(Grant::ResourcePolicy(
                            MatchKind::ParentUserOfFederatedSession,
                        )));
                    match rp_kind {
                        Some(PolicyKind::KeyPolicy) => resource_grant
                            .or(via_acct.then_some(Grant::AccountDelegation))
                            .or(grant.map(Grant::KmsGrant)),
                        Some(PolicyKind::TrustPolicy) => {
                            // AMBIGUITY 4.A: the boundary must allow sts:AssumeRole even when
                            // the trust policy names the caller.
                            let boundary_ok = pb_ok || !self.options.trust_policy_respects_boundary;
                            resource_grant
                                .filter(|_| boundary_ok)
                                .or(via_acct.then_some(Grant::AccountDelegation))
                        }
                        // No resource policy, or an ordinary one.
                        _ => {
                            if identity_path {
                                Some(Grant::IdentityPolicies)
                            } else {
                                resource_grant
                            }
                        }
                    }
                } else {
                    // 4.5: both sides are needed across accounts.
                    let resource_side = rp.kinds.any() || grant_allows;
                    (identity_path && resource_side).then_some(Grant::CrossAccount)
                }
            }
        };

        match allowed {
            Some(g) => {
                self.ev.decision = Decision::Allowed;
                self.ev.grant = Some(g);
                self.ev.deciding = self
                    .ev
                    .matched
                    .iter()
                    .filter(|m| m.effect == Effect::Allow)
                    .map(|m| m.statement)
                    .collect();
            }
            None => {
                let reason =
                    self.implicit_reason(id, pb, ses, rp, rp_kind, grant_allows, same_account);
                self.ev.role_trust = reason == Reason::RoleTrust;
                let by = match reason {
                    Reason::Type(t) => t,
                    Reason::RoleTrust => PolicyType::Resource,
                };
                self.deny(Decision::ImplicitDeny, by.into(), None);
            }
        }
    }

    /// Spec §4.6.
    #[expect(
        clippy::too_many_arguments,
        reason = "the inputs of spec §4.6, named as there"
    )]
    fn implicit_reason(
        &self,
        id: SetEval,
        pb: SetEval,
        ses: SetEval,
        rp: SetEval,
        rp_kind: Option<PolicyKind>,
        grant_allows: bool,
        same_account: bool,
    ) -> Reason {
        let principal = &self.req.principal;
        if matches!(
            principal,
            Principal::Anonymous | Principal::Service(_) | Principal::IdentityProvider(_)
        ) {
            return if rp_kind == Some(PolicyKind::TrustPolicy) {
                Reason::RoleTrust
            } else {
                Reason::Type(PolicyType::Resource)
            };
        }
        let ses_ok = match principal {
            Principal::FederatedUser(_) => ses.is(SetOutcome::Allow),
            _ => ses.passes(),
        };
        if rp_kind == Some(PolicyKind::TrustPolicy) && !rp.kinds.any() {
            return Reason::RoleTrust;
        }
        if rp_kind == Some(PolicyKind::KeyPolicy) && !rp.kinds.any() && !grant_allows {
            return Reason::Type(PolicyType::Resource);
        }
        if id.is(SetOutcome::Allow) {
            if pb.is(SetOutcome::ImplicitDeny) {
                return Reason::Type(PolicyType::PermissionsBoundary);
            }
            if !ses_ok {
                return Reason::Type(PolicyType::Session);
            }
            if !same_account {
                return Reason::Type(PolicyType::Resource);
            }
            return if rp_kind == Some(PolicyKind::TrustPolicy) {
                Reason::RoleTrust
            } else {
                Reason::Type(PolicyType::Resource)
            };
        }
        if rp.kinds.has(MatchKind::RoleOfSession)
            || rp.kinds.has(MatchKind::ParentUserOfFederatedSession)
            || rp.kinds.has(MatchKind::Direct)
        {
            if pb.is(SetOutcome::ImplicitDeny) {
                return Reason::Type(PolicyType::PermissionsBoundary);
            }
            if !ses_ok {
                return Reason::Type(PolicyType::Session);
            }
        }
        Reason::Type(PolicyType::Identity)
    }

    fn deny(&mut self, decision: Decision, by: DeniedBy, policy_arn: Option<String>) {
        self.ev.decision = decision;
        self.ev.denied_by = Some(by);
        self.ev.message = Some(denial_message(
            self.req,
            &Denial {
                decision,
                denied_by: by,
                role_trust: self.ev.role_trust,
                policy_arn: policy_arn.as_deref(),
                service_rule: self.ev.service_rule,
            },
        ));
    }

    pub(crate) fn note(&mut self, text: &str) {
        if !self.ev.notes.iter().any(|n| n == text) {
            self.ev.notes.push(text.to_owned());
        }
    }

    /// The ARN AWS appends to an explicit-deny message (spec §5.3): that of the first
    /// managed policy of the named type with a matching `Deny`, for same-account requests.
    fn denying_policy_arn(&self, t: PolicyType, same_account: bool) -> Option<String> {
        if !same_account && !matches!(t, PolicyType::Scp | PolicyType::Rcp) {
            return None;
        }
        self.ev
            .matched
            .iter()
            .filter(|m| m.effect == Effect::Deny && m.statement.set.policy_type() == t)
            .find_map(|m| self.set.policy(m.statement).and_then(|p| p.arn.clone()))
    }

    /// SCPs govern the principal's member account, except service-linked roles (§4.1).
    fn scps_apply(&mut self) -> bool {
        let principal = &self.req.principal;
        let Some(account) = principal.account() else {
            self.note("SCPs do not apply to service principals, identity-provider callers or anonymous requests: the ones given were ignored");
            return false;
        };
        if self.set.management_account.as_deref() == Some(account) {
            self.note("SCPs do not apply to the organization's management account: the ones given were ignored");
            return false;
        }
        if principal.is_service_linked_role() {
            self.note("SCPs do not restrict service-linked roles: the ones given were ignored");
            return false;
        }
        true
    }

    /// RCPs govern resources of member accounts in supported services (§4.1).
    fn rcps_apply(&mut self, resource_account: Option<&str>) -> bool {
        let req = self.req;
        if resource_account.is_some() && self.set.management_account.as_deref() == resource_account
        {
            self.note("RCPs do not apply to resources of the organization's management account: the ones given were ignored");
            return false;
        }
        if !RCP_SERVICES.contains(&req.action.service()) {
            self.note("RCPs apply only to services that support them (S3, STS, KMS, SQS, Secrets Manager, Cognito user pools, CloudWatch Logs, DynamoDB, ECR, OpenSearch Serverless): the ones given were ignored");
            return false;
        }
        if req.action.is("kms", "RetireGrant") {
            self.note("RCPs never apply to kms:RetireGrant");
            return false;
        }
        if req.principal.is_service_linked_role() {
            self.note("RCPs do not restrict calls made by service-linked roles: the ones given were ignored");
            return false;
        }
        // Spec §4.8.1/§4.8.4: a service-linked role's trust policy is fixed and RCPs do not
        // affect AWS services assuming it.
        let assumes_slr = req.action.service() == "sts"
            && req.action.name_lower().starts_with("assumerole")
            && req.resource.arn().is_some_and(|a| {
                a.service == "iam" && a.resource.starts_with("role/aws-service-role/")
            });
        if assumes_slr {
            self.note(
                "RCPs do not affect assuming a service-linked role: the ones given were ignored",
            );
            return false;
        }
        true
    }

    /// The rules the resource-based policy takes part under (spec §4.4 step 4.4), as
    /// [`Evaluation::resource_policy_kind`] describes them.
    fn resource_policy_kind(&mut self) -> Option<PolicyKind> {
        let req = self.req;
        let arn = req.resource.arn();
        let on_key = arn.is_some_and(|a| a.service == "kms" && a.resource_type() == "key");
        let Some(policy) = &self.set.resource else {
            // Every KMS key has exactly one key policy, and no IAM policy alone gives access
            // to a key: the key policy must allow, itself or by allowing the account
            // (https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html). A
            // request on a key whose key policy was not given is therefore not allowed by
            // its policies, whatever the identity-based policies say.
            if on_key {
                self.note("every KMS key has a key policy and none was given for this key: nothing allows the request on the key's side (give the key policy to evaluate it)");
                return Some(PolicyKind::KeyPolicy);
            }
            return None;
        };
        let on_role = arn.is_some_and(|a| a.service == "iam" && a.resource_type() == "role");
        let trust_action =
            req.action.service() == "sts" && TRUST_ACTIONS.contains(&req.action.name_lower());
        if trust_action && on_role {
            return Some(PolicyKind::TrustPolicy);
        }
        if policy.document.kind == PolicyKind::TrustPolicy {
            self.note("a role trust policy governs only sts:AssumeRole*, sts:TagSession, sts:SetSourceIdentity and sts:SetContext on its role: it was not used for this request");
            return None;
        }
        if on_key {
            return Some(PolicyKind::KeyPolicy);
        }
        Some(PolicyKind::Resource)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reason {
    Type(PolicyType),
    RoleTrust,
}

fn outcome(policy_type: PolicyType, s: SetEval) -> TypeOutcome {
    TypeOutcome {
        policy_type,
        outcome: s.outcome,
        level: s.level,
    }
}
