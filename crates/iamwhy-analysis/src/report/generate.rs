//! What `generate` and `unused` report: the generated policy documents (typed, serialised as
//! IAM takes them), how each statement was generalised, the verification by replay, the
//! scope the wildcards add, and the permissions a principal holds but did not use.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::replay::{CallRef, Listed};

/// The one `Effect` a generated statement has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum StatementEffect {
    /// `Allow`.
    Allow,
}

/// The condition operators a generated statement uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum ConditionOperator {
    /// `StringEquals` (`kms:ViaService`, `aws:SourceVpce`).
    StringEquals,
    /// `StringLike` (`s3:prefix`).
    StringLike,
    /// `IpAddress` (`aws:SourceIp`).
    IpAddress,
}

/// A condition block: operator → key → values.
pub type Condition = BTreeMap<ConditionOperator, BTreeMap<String, Vec<String>>>;

/// A statement of a generated policy, with IAM's field names.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyStatement {
    /// `Sid`.
    #[serde(rename = "Sid")]
    pub sid: String,
    /// `Effect`.
    #[serde(rename = "Effect")]
    pub effect: StatementEffect,
    /// `Action` (a string when there is one).
    #[serde(rename = "Action", serialize_with = "one_or_many")]
    pub action: Vec<String>,
    /// `Resource` (a string when there is one).
    #[serde(rename = "Resource", serialize_with = "one_or_many")]
    pub resource: Vec<String>,
    /// `Condition`.
    #[serde(rename = "Condition", skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: Condition,
}

/// A generated policy document, ready for `aws iam put-role-policy --policy-document`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyDocument {
    /// `Version`: always `2012-10-17`.
    #[serde(rename = "Version")]
    pub version: &'static str,
    /// `Statement`.
    #[serde(rename = "Statement")]
    pub statement: Vec<PolicyStatement>,
}

fn one_or_many<S: Serializer>(list: &[String], s: S) -> Result<S::Ok, S::Error> {
    match list {
        [one] => s.serialize_str(one),
        many => s.collect_seq(many),
    }
}

/// Whose policy is generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    /// An IAM user.
    User,
    /// An IAM role (all its sessions).
    Role,
}

/// How a generated policy is meant to be attached, which sets its size limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyTarget {
    /// An inline policy of a role (`put-role-policy`): 10,240 characters for all of a role's
    /// inline policies together.
    RoleInline,
    /// An inline policy of a user (`put-user-policy`): 2,048 characters for all of a user's
    /// inline policies together.
    UserInline,
    /// Customer managed policies (`create-policy`, then attached): 6,144 characters each.
    Managed,
}

impl PolicyTarget {
    /// The limit, in characters without whitespace (IAM and AWS STS quotas,
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>).
    pub fn limit(self) -> usize {
        match self {
            PolicyTarget::RoleInline => 10_240,
            PolicyTarget::UserInline => 2_048,
            PolicyTarget::Managed => 6_144,
        }
    }
}

/// One generated document.
#[derive(Clone, Debug, Serialize)]
pub struct GeneratedPart {
    /// The policy name to give it (`iamwhy-generated`, `iamwhy-generated-2`, ...).
    pub name: String,
    /// Its size in characters without whitespace, as IAM counts it.
    pub size: usize,
    /// The document.
    pub document: PolicyDocument,
}

/// The rule that chose a statement's resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceRule {
    /// The ARNs the calls named, one by one.
    ExactArns,
    /// A prefix wildcard: more objects under one prefix than the threshold.
    PrefixWildcard,
    /// `*`: the action supports no resource types (Service Authorization Reference).
    NoResourceTypes,
    /// `*`: the records named no resource and the action can be authorized on `*`.
    NotNamed,
}

/// Why a statement's condition is there.
#[derive(Clone, Debug, Serialize)]
pub struct ConditionBasis {
    /// The condition key.
    pub key: String,
    /// What was observed, in words.
    pub why: String,
}

/// How one statement came about.
#[derive(Clone, Debug, Serialize)]
pub struct StatementBasis {
    /// The statement's `Sid`.
    pub sid: String,
    /// The rule that chose its resources.
    pub rule: ResourceRule,
    /// Calls it covers (hidden checks included).
    pub calls: u64,
    /// Of those, checks services make with the principal's identity that the snapshot
    /// implies (S3's `kms:Decrypt` for an SSE-KMS object) rather than records show.
    pub hidden_calls: u64,
    /// Its conditions, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<ConditionBasis>,
}

/// What a wildcard grants beyond the calls observed.
#[derive(Clone, Debug, Serialize)]
pub struct ScopeEntry {
    /// The actions.
    pub actions: Vec<String>,
    /// The resource pattern.
    pub pattern: String,
    /// The rule that chose it.
    pub rule: ResourceRule,
    /// Distinct resources the calls touched under it.
    pub observed_resources: u64,
    /// What it grants beyond them, in words.
    pub beyond: String,
}

/// Calls AWS denied, by action and resource.
#[derive(Clone, Debug, Serialize)]
pub struct DeniedCalls {
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// How many calls.
    pub calls: u64,
    /// Whether the generated policy grants it (`--include-denied`).
    pub granted: bool,
    /// The first call.
    pub example: CallRef,
}

/// Calls whose needs could not be determined.
#[derive(Clone, Debug, Serialize)]
pub struct NotCovered {
    /// `service:EventName`.
    pub call: String,
    /// Why, in words.
    pub reason: String,
    /// How many calls.
    pub calls: u64,
}

/// The replay of the window with the generated policy in place of the principal's own.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Verification {
    /// Calls AWS allowed that were evaluated again.
    pub allowed_calls: u64,
    /// Of those, allowed with the generated policy.
    pub still_allowed: u64,
    /// Of those the generated policy does not allow, the ones the snapshot does not allow as
    /// it is either: the snapshot differs from the account at the time of the call, and the
    /// generated policy cannot be judged on them.
    pub denied_as_is: u64,
    /// Calls AWS denied that were evaluated again.
    pub denied_calls: u64,
    /// Of those, allowed with the generated policy.
    pub denied_now_allowed: u64,
    /// Records that could not be evaluated (unknown call, missing facts, principal not in
    /// the snapshot).
    pub not_evaluated: u64,
    /// Whether every allowed call stays allowed (apart from `denied_as_is`).
    pub verified: bool,
    /// The allowed calls the generated policy does not allow (the first ones).
    pub failures: Vec<Listed>,
}

/// The policy generated for one principal.
#[derive(Clone, Debug, Serialize)]
pub struct Generated {
    /// The user or role ARN.
    pub principal: String,
    /// User or role.
    pub kind: IdentityKind,
    /// Sessions seen (role session names; empty for users).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<String>,
    /// Records of the principal in the window.
    pub calls: u64,
    /// Of those, allowed by AWS.
    pub allowed: u64,
    /// Of those, denied by AWS.
    pub denied: u64,
    /// Of those, failed with another error.
    pub other_errors: u64,
    /// The first and last call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_call: Option<String>,
    /// The last call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_call: Option<String>,
    /// How the documents are meant to be attached.
    pub target: PolicyTarget,
    /// The size limit of each document (characters, whitespace not counted).
    pub size_limit: usize,
    /// The documents: one, or several when one would exceed the limit.
    pub policies: Vec<GeneratedPart>,
    /// How each statement came about.
    pub statements: Vec<StatementBasis>,
    /// What the wildcards grant beyond the observed calls.
    pub scope: Vec<ScopeEntry>,
    /// Calls AWS denied.
    pub denied_calls: Vec<DeniedCalls>,
    /// Calls the policy could not take into account.
    pub not_covered: Vec<NotCovered>,
    /// The replay with the generated policy.
    pub verification: Verification,
    /// What was assumed, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// What `generate` reports.
#[derive(Clone, Debug, Serialize)]
pub struct GenerateReport {
    /// `--principal`.
    pub principal: String,
    /// `--since`, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// `--until`, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// The prefix threshold.
    pub prefix_threshold: usize,
    /// Whether denied calls are granted.
    pub include_denied: bool,
    /// Records of the window that matched the principal.
    pub records: u64,
    /// One entry per user or role (a glob can match several).
    pub generated: Vec<Generated>,
    /// Records of the principal that are no user or role of the snapshot (root, federated
    /// users, service principals, principals the snapshot does not hold), by principal.
    pub skipped_principals: Vec<(String, u64)>,
    /// The generalisation rules, in words, with their AWS sources.
    pub rules: Vec<String>,
}

/// An action a principal is allowed and did not use, or used.
#[derive(Clone, Debug, Serialize)]
pub struct ActionUse {
    /// `prefix:Name`.
    pub action: String,
    /// The resource (pattern) it is allowed on.
    pub resource: String,
    /// The last call that needed it, if any in the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    /// Whether the logs could show a use at all (false: a data event the trail did not log).
    pub provable: bool,
}

/// One service of a principal's permissions.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceUse {
    /// The service prefix.
    pub service: String,
    /// Actions allowed.
    pub allowed_actions: u64,
    /// Actions used in the window.
    pub used: Vec<ActionUse>,
    /// Actions allowed and not used.
    pub unused: Vec<ActionUse>,
    /// The last use of any action of the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    /// What the logs cannot show for this service, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blind_spot: Option<String>,
}

/// One principal's allowed-but-unused permissions.
#[derive(Clone, Debug, Serialize)]
pub struct PrincipalUse {
    /// The user or role ARN.
    pub principal: String,
    /// User or role.
    pub kind: IdentityKind,
    /// Records of the principal in the window.
    pub calls: u64,
    /// The last call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_call: Option<String>,
    /// Services with at least one allowed action and no use.
    pub unused_services: Vec<String>,
    /// By service.
    pub services: Vec<ServiceUse>,
    /// Resource patterns of its `Allow` statements no call touched.
    pub unused_resources: Vec<String>,
    /// For a role: whether anyone assumed it (or a session of it acted) in the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumed: Option<bool>,
}

/// What the logs can and cannot show, per service seen.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceVisibility {
    /// The service prefix.
    pub service: String,
    /// Records of the service.
    pub records: u64,
    /// Of those, data events.
    pub data_events: u64,
}

/// What `unused` reports.
#[derive(Clone, Debug, Serialize)]
pub struct UnusedReport {
    /// The first record of the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_start: Option<String>,
    /// The last record of the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_end: Option<String>,
    /// Records read in the window.
    pub records: u64,
    /// Per principal.
    pub principals: Vec<PrincipalUse>,
    /// Principals with no record at all in the window.
    pub inactive: Vec<String>,
    /// Roles no one assumed and no session of which acted.
    pub roles_never_assumed: Vec<String>,
    /// Per service: the records seen, data events among them.
    pub visibility: Vec<ServiceVisibility>,
    /// What the logs cannot show, in words.
    pub limits: Vec<String>,
}
