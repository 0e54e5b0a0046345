//! What an authorization returns: the decision, what decided it, and everything an
//! explanation needs, by reference into the [`PolicySet`](crate::PolicySet).

use iamwhy_core::{Decision, DeniedBy, PolicyKind, PolicyType};
use iamwhy_policy::Effect;

use crate::matching::{MatchKind, Mismatch};
use crate::policy_set::StatementRef;
use crate::service_rules::ServiceRule;

/// A statement that applies to the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementMatch {
    /// Which statement.
    pub statement: StatementRef,
    /// Its effect.
    pub effect: Effect,
    /// How its principal element matched.
    pub kind: MatchKind,
}

/// The outcome of one policy type (spec §4.2 `SetResult`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetOutcome {
    /// The policy type does not take part in this request.
    NotApplicable,
    /// A matching `Deny`.
    ExplicitDeny,
    /// A matching `Allow` (at every level, for SCPs and RCPs) and no matching `Deny`.
    Allow,
    /// Nothing matched (or, for SCPs, a level without a matching `Allow`).
    ImplicitDeny,
}

impl SetOutcome {
    /// The stable name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            SetOutcome::NotApplicable => "not-applicable",
            SetOutcome::ExplicitDeny => "explicit-deny",
            SetOutcome::Allow => "allow",
            SetOutcome::ImplicitDeny => "implicit-deny",
        }
    }
}

/// The outcome of one policy type in this evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeOutcome {
    /// The policy type.
    pub policy_type: PolicyType,
    /// Its outcome.
    pub outcome: SetOutcome,
    /// For SCPs and RCPs, the first level (0 = organization root) that denied or lacked an
    /// allow; for VPC endpoint policies, the endpoint.
    pub level: Option<u16>,
}

/// Why an allowed request was allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    /// A service rule that needs no permission (`sts:GetCallerIdentity`).
    ServiceRule,
    /// The principal's identity-based policies (with boundary and session policies), in the
    /// resource's account.
    IdentityPolicies,
    /// The resource-based policy names the principal in the way given.
    ResourcePolicy(MatchKind),
    /// The resource-based policy allows the account, and the identity-based policies allow.
    AccountDelegation,
    /// A KMS grant (index into `PolicySet::kms_grants`).
    KmsGrant(usize),
    /// Cross-account: the identity side and the resource side both allow.
    CrossAccount,
}

/// The result of [`authorize`](crate::authorize).
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// The policy type (or service rule) a denial is attributed to, as AWS would name it
    /// (spec §4.4 `REPORT_ORDER_EXPLICIT`, §4.6).
    pub denied_by: Option<DeniedBy>,
    /// Whether the denial is in the role trust policy (AWS names it `role trust policy`).
    pub role_trust: bool,
    /// The AccessDenied message AWS would print (spec §5); `None` when allowed.
    pub message: Option<String>,
    /// The service rule that decided, if one did.
    pub service_rule: Option<ServiceRule>,
    /// Why the request was allowed.
    pub grant: Option<Grant>,
    /// How the resource-based policy took part (spec §4.4 step 4.4): as a
    /// [`PolicyKind::KeyPolicy`] (IAM policies count only through a statement that allows the
    /// account, §4.8.2), a [`PolicyKind::TrustPolicy`] for `sts:AssumeRole*` on its role (it
    /// must allow, §4.8.1), or an ordinary [`PolicyKind::Resource`] policy (same-account grants
    /// may stand alone, §4.3); `None` when no resource policy applies to the request.
    pub resource_policy_kind: Option<PolicyKind>,
    /// Whether principal and resource are in the same account (`None` for principals that
    /// belong to no account).
    pub same_account: Option<bool>,
    /// Each policy type's outcome, in the order of spec §4.4.
    pub outcomes: Vec<TypeOutcome>,
    /// Every statement that applies to the request, allows and denies, in every policy type.
    pub matched: Vec<StatementMatch>,
    /// The statements that made the decision: the denying statements of an explicit deny,
    /// the allowing statements of an allow; empty for an implicit deny.
    pub deciding: Vec<StatementRef>,
    /// Statements that do not apply, with the first reason (only with `explain`).
    pub not_matched: Vec<(StatementRef, Mismatch)>,
    /// Context keys that relevant statements test but the request lacks (only with
    /// `explain`), as first spelled in a policy, sorted.
    pub missing_context_keys: Vec<String>,
    /// Facts about the evaluation worth telling the user (policies ignored, assumptions).
    pub notes: Vec<String>,
}

impl Evaluation {
    pub(crate) fn new() -> Evaluation {
        Evaluation {
            decision: Decision::ImplicitDeny,
            denied_by: None,
            role_trust: false,
            message: None,
            service_rule: None,
            grant: None,
            resource_policy_kind: None,
            same_account: None,
            outcomes: Vec::new(),
            matched: Vec::new(),
            deciding: Vec::new(),
            not_matched: Vec::new(),
            missing_context_keys: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The outcome of a policy type.
    pub fn outcome(&self, policy_type: PolicyType) -> SetOutcome {
        self.outcomes
            .iter()
            .find(|o| o.policy_type == policy_type)
            .map_or(SetOutcome::NotApplicable, |o| o.outcome)
    }
}
