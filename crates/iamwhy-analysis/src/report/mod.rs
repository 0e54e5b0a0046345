//! The serialisable models of what `simulate` and `test` report. Text and JSON renderers in
//! the binary read these and nothing else, so the two formats cannot disagree.
//!
//! Every category is an enum (the engine's own where it has one), serialised with the
//! spelling the JSON schema has always used; nothing downstream compares strings.

use std::collections::BTreeMap;

use iamwhy_core::{ContextValue, Decision, DeniedBy, PolicyKind, PolicyType, SourceMap};
use iamwhy_eval::{PolicySet, StatementMatch, StatementRef};
use serde::{Serialize, Serializer};

use crate::simulate::ExpectedDecision;

pub mod generate;

pub use iamwhy_catalog::Mechanism;
pub use iamwhy_eval::{MatchKind, ServiceRule, SetOutcome};
pub use iamwhy_policy::Effect;

/// A category whose JSON spelling is its `as_str()` (enums of the engine and policy crates,
/// which do not depend on serde).
trait Spelled: Copy {
    fn spelling(self) -> &'static str;
}

impl Spelled for Effect {
    fn spelling(self) -> &'static str {
        self.as_str()
    }
}

impl Spelled for SetOutcome {
    fn spelling(self) -> &'static str {
        self.as_str()
    }
}

impl Spelled for MatchKind {
    fn spelling(self) -> &'static str {
        self.as_str()
    }
}

impl Spelled for ServiceRule {
    fn spelling(self) -> &'static str {
        self.as_str()
    }
}

/// Serialises a category as its spelling.
fn spelled<T: Spelled, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(value.spelling())
}

/// Serialises an optional category as its spelling, or `null`.
fn spelled_opt<T: Spelled, S: Serializer>(value: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => s.serialize_str(v.spelling()),
        None => s.serialize_none(),
    }
}

/// Most lines of a statement quoted in text output.
const EXCERPT_LINES: u32 = 12;
/// Longest quoted line.
const EXCERPT_WIDTH: usize = 160;

/// At most [`EXCERPT_WIDTH`] characters of a line, from byte `skip` when the line is
/// longer than that, with `…` where text is left out. Costs the width, not the line: a
/// minified file is one line of megabytes, quoted once per statement.
fn window(line: &str, skip: usize) -> String {
    if line.chars().nth(EXCERPT_WIDTH).is_none() {
        return line.to_owned();
    }
    let skip = (0..=skip.min(line.len()))
        .rev()
        .find(|i| line.is_char_boundary(*i))
        .unwrap_or(0);
    let rest = line.get(skip..).unwrap_or(line);
    let mut out = String::new();
    if skip > 0 {
        out.push('…');
    }
    out.extend(rest.chars().take(EXCERPT_WIDTH));
    if rest.chars().nth(EXCERPT_WIDTH).is_some() {
        out.push('…');
    }
    out
}

/// A policy kind as AWS words it.
fn kind_in_words<S: serde::Serializer>(kind: &PolicyKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.describe())
}

/// One statement, located.
#[derive(Clone, Debug, Serialize)]
pub struct StatementInfo {
    /// The policy type the statement's policy takes part as.
    pub policy_type: PolicyType,
    /// What the policy is, serialised as AWS words it: `identity-based policy`, `key policy`,
    /// `role trust policy`, ...
    #[serde(serialize_with = "kind_in_words")]
    pub policy_kind: PolicyKind,
    /// Policy name (or ARN for managed policies).
    pub policy: String,
    /// The ARN of a managed policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_arn: Option<String>,
    /// The statement's `Sid`.
    pub sid: Option<String>,
    /// The statement's position in its policy, from 0.
    pub index: usize,
    /// `Allow` or `Deny`.
    #[serde(serialize_with = "spelled")]
    pub effect: Effect,
    /// How the principal element matched (principal-bearing policies only).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "spelled_opt"
    )]
    pub principal_match: Option<MatchKind>,
    /// For SCPs and RCPs, the level in the OU path (0 = organization root); for VPC
    /// endpoint policies, the endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u16>,
    /// The file the statement was read from.
    pub file: String,
    /// 1-based line of the statement in that file.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The statement's lines, numbered, for text output.
    #[serde(skip)]
    pub excerpt: Vec<(u32, String)>,
    /// Whether the excerpt's lines are those of the policy decoded from a JSON string or URL
    /// encoding (as AWS CLI outputs carry it), not of the file.
    #[serde(skip)]
    pub excerpt_decoded: bool,
    /// The whole policy document the statement belongs to (its text is
    /// `SourceMap::snippet(document)`), for proposing edits to it.
    #[serde(skip)]
    pub document: iamwhy_core::Span,
}

impl StatementInfo {
    /// The policy with its kind, once: `key policy of KEY`, `identity-based policy "P"`.
    pub fn policy_title(&self) -> String {
        if self.policy.starts_with(self.policy_kind.describe()) {
            self.policy.clone()
        } else {
            format!("{} {}", self.policy_kind.describe(), self.policy)
        }
    }
}

impl StatementInfo {
    /// Locates a statement of a policy set, `delta` bytes after where its document says
    /// (a document shared by identical texts records the first one's locations).
    pub(crate) fn new(
        set: &PolicySet,
        map: &SourceMap,
        r: StatementRef,
        principal_match: Option<MatchKind>,
        delta: u32,
    ) -> Option<StatementInfo> {
        let policy = set.policy(r)?;
        let stmt = set.statement(r)?;
        // A shared document's spans are those of its first occurrence, perhaps in another
        // part of the file: moved in the file itself.
        let relocate = |span: iamwhy_core::Span| {
            if delta == 0 {
                span
            } else {
                map.to_root(span).shifted(delta)
            }
        };
        let stmt_span = relocate(stmt.span);
        let loc = map.location(stmt_span);
        // A statement decoded from a JSON string or URL-encoding (a bucket policy inside
        // `get-bucket-policy` output) is quoted as decoded, numbered within the document;
        // any other is quoted from its file.
        let decoded = map.snippet(stmt_span) != map.snippet(loc.root);
        let source = if decoded {
            stmt_span.source
        } else {
            loc.root.source
        };
        let at = |offset: u32| {
            if decoded {
                map.line_column(source, offset).0
            } else {
                map.location(iamwhy_core::Span {
                    start: offset,
                    ..stmt_span
                })
                .line
            }
        };
        let first = at(stmt_span.start);
        let last = at(stmt_span.end.saturating_sub(1)).min(first.saturating_add(EXCERPT_LINES - 1));
        let start = if decoded {
            stmt_span.start
        } else {
            loc.root.start
        } as usize;
        let excerpt = (first..=last)
            .map(|l| {
                let text = map.line_text(source, l);
                // On the statement's first line, the window starts at the statement: a
                // minified policy is one long line, and its start says nothing.
                let skip = if l == first {
                    start.saturating_sub(map.line_start(source, l))
                } else {
                    0
                };
                (l, window(text, skip))
            })
            .collect();
        let level = match r.set {
            iamwhy_eval::SetId::Scp(l)
            | iamwhy_eval::SetId::Rcp(l)
            | iamwhy_eval::SetId::VpcEndpoint(l) => Some(l),
            _ => None,
        };
        Some(StatementInfo {
            policy_type: r.set.policy_type(),
            policy_kind: policy.document.kind,
            policy: policy.name.clone(),
            policy_arn: policy.arn.clone(),
            sid: stmt.sid.clone(),
            index: stmt.index,
            effect: stmt.effect,
            principal_match,
            level,
            file: loc.file,
            line: loc.line,
            column: loc.column,
            excerpt,
            excerpt_decoded: decoded,
            document: relocate(policy.document.span),
        })
    }

    /// `policy#Sid` (or `policy#index`), how expectations name statements.
    pub fn reference(&self) -> String {
        match &self.sid {
            Some(sid) => format!("{}#{sid}", self.policy),
            None => format!("{}#{}", self.policy, self.index),
        }
    }
}

/// Builds the info of a matched statement.
pub(crate) fn matched_info(
    set: &PolicySet,
    map: &SourceMap,
    m: &StatementMatch,
    delta: u32,
) -> Option<StatementInfo> {
    let kind = (m.kind != MatchKind::NoPrincipalElement).then_some(m.kind);
    StatementInfo::new(set, map, m.statement, kind, delta)
}

/// A statement that does not apply, and why.
#[derive(Clone, Debug, Serialize)]
pub struct NotMatchedInfo {
    /// The statement.
    #[serde(flatten)]
    pub statement: StatementInfo,
    /// Why it does not apply, in words.
    pub reason: String,
    /// The condition that is false, when a condition is what stops the statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_condition: Option<FailedCondition>,
    /// Every context key the statement's conditions test.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub condition_keys: Vec<String>,
}

/// A condition of a statement that is false for the request: what it wants and what the
/// request has.
#[derive(Clone, Debug, Serialize)]
pub struct FailedCondition {
    /// The operator as written: `StringLike`, `ForAnyValue:StringEquals`.
    pub operator: String,
    /// The context key as written.
    pub key: String,
    /// The condition's values.
    pub wants: Vec<String>,
    /// The request's values of the key (`None`: the request has no such key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Vec<String>>,
    /// The position of the condition among the statement's conditions.
    #[serde(skip)]
    pub index: usize,
    /// Whether adding the request's value to `wants` makes the condition true: a positive
    /// string or ARN operator without a set qualifier, on a single-valued key.
    #[serde(skip)]
    pub extendable: bool,
}

/// The outcome of one policy type.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyTypeOutcome {
    /// The policy type.
    pub policy_type: PolicyType,
    /// `allow`, `explicit-deny`, `implicit-deny` or `not-applicable`.
    #[serde(serialize_with = "spelled")]
    pub outcome: SetOutcome,
    /// The SCP/RCP level or VPC endpoint concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u16>,
}

impl PolicyTypeOutcome {
    pub(crate) fn new(o: &iamwhy_eval::TypeOutcome) -> PolicyTypeOutcome {
        PolicyTypeOutcome {
            policy_type: o.policy_type,
            outcome: o.outcome,
            level: o.level,
        }
    }

    /// Whether the type took part.
    pub fn applies(&self) -> bool {
        self.outcome != SetOutcome::NotApplicable
    }
}

/// Whether a result met its scenario's expectation.
#[derive(Clone, Debug, Serialize)]
pub struct ExpectationResult {
    /// The expected decision.
    pub expected: ExpectedDecision,
    /// Whether everything expected holds.
    pub met: bool,
    /// What does not hold, in words.
    pub failures: Vec<String>,
}

/// How much a simulation result lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Detail {
    /// The decision, the statements that apply and decide, the near misses of an implicit
    /// deny, the reasons: what the text output shows.
    #[default]
    Standard,
    /// Also every statement that does not apply, with why (`unmatched_statements`): about
    /// 200 entries a result for an account's worth of policies.
    Full,
}

/// The answer for one principal, action and resource.
#[derive(Clone, Debug, Serialize)]
pub struct SimulationResult {
    /// The scenario's name.
    pub scenario: String,
    /// The principal, as AWS names it in messages.
    pub principal: String,
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The account owning the resource, as used.
    pub resource_account: Option<String>,
    /// `Allowed`, `ExplicitDeny` or `ImplicitDeny`.
    pub decision: Decision,
    /// The policy type AWS would blame.
    pub denied_by: Option<DeniedBy>,
    /// Whether the blamed policy is a role trust policy.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub role_trust_policy: bool,
    /// The AccessDenied message AWS would print.
    pub message: Option<String>,
    /// The service rule that decided, if any.
    #[serde(serialize_with = "spelled_opt")]
    pub service_rule: Option<ServiceRule>,
    /// Every statement that applies, in every policy type.
    pub matched_statements: Vec<StatementInfo>,
    /// The statements that made the decision.
    pub deciding_statements: Vec<StatementInfo>,
    /// Context keys the relevant statements test that the request lacks.
    pub missing_context_keys: Vec<String>,
    /// The outcome of each policy type that took part.
    pub policy_types: Vec<PolicyTypeOutcome>,
    /// Why, in plain words.
    pub reasons: Vec<String>,
    /// Statements of the deciding policy type that cover the action but do not apply.
    pub near_misses: Vec<NotMatchedInfo>,
    /// Every statement that does not apply, in every policy type, and why not: listed with
    /// [`Detail::Full`] only (absent from the JSON otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unmatched_statements: Option<Vec<NotMatchedInfo>>,
    /// Assumptions made and policies ignored.
    pub notes: Vec<String>,
    /// The context the request was evaluated with.
    pub context: BTreeMap<String, ContextValue>,
    /// The expectation, when the scenario has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expectation: Option<ExpectationResult>,
    /// The decision of the whole operation — this request and every check it triggers in
    /// other services — when hidden checks were evaluated (account snapshots).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_decision: Option<Decision>,
    /// The checks the call triggers in other services (hidden calls), each evaluated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hidden_checks: Vec<HiddenCheckResult>,
    /// For a principal of an account the snapshot does not hold: what the decision is
    /// without its identity-based policies, permissions boundary and session policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown_identity: Option<UnknownIdentity>,
}

/// A decision for a principal whose own policies are not in the snapshot (its account is
/// not held). It is bounded by evaluating twice: with no identity-based policy (the least
/// the principal may have) and with one that allows everything, no boundary and no session
/// policy (the most). When both deny, the other side decides; otherwise the principal's
/// policies do.
#[derive(Clone, Debug, Serialize)]
pub struct UnknownIdentity {
    /// The principal's account.
    pub account: String,
    /// What the two evaluations establish.
    pub bound: IdentityBound,
}

/// What a decision is when the principal's own policies are unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityBound {
    /// Denied even if the principal's policies allowed everything: the resource's side (its
    /// resource-based policy, RCPs), the principal's SCPs or an explicit deny decide. The
    /// result shown is that evaluation's, so its reasons name the cause.
    DeniedWhateverItsPoliciesSay,
    /// Allowed if and only if the principal's identity-based policies (and boundary and
    /// session policies, if any) allow it: everything else allows. The result shown is the
    /// evaluation without them.
    DependsOnItsPolicies,
}

impl SimulationResult {
    /// The answer to "may this call succeed": the operation's decision when hidden checks
    /// ran, else the request's.
    pub fn final_decision(&self) -> Decision {
        self.operation_decision.unwrap_or(self.decision)
    }

    /// The first hidden check that is denied.
    pub fn failing_check(&self) -> Option<&HiddenCheckResult> {
        self.hidden_checks
            .iter()
            .find(|c| c.result.decision != Decision::Allowed)
    }
}

/// One extra check a call triggers in another service (the catalog's hidden-call table),
/// evaluated.
#[derive(Clone, Debug, Serialize)]
pub struct HiddenCheckResult {
    /// The rule of the hidden-call table, `s3-get-object-sse-kms`.
    pub rule: String,
    /// `forward-access-session`, `caller-permission` or `service-principal`.
    pub mechanism: Mechanism,
    /// Why the check happens, in words.
    pub why: String,
    /// The AWS documentation page of the rule.
    pub doc: String,
    /// The check's own evaluation.
    pub result: Box<SimulationResult>,
    /// Whether the bucket's S3 Bucket Key made the encryption context `aws:s3:arn` the
    /// bucket's ARN instead of the object's.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bucket_key: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_quoted_from_the_statement_and_bounded() {
        let line = format!(
            "{}{{\"Sid\":\"S1\"}}{}",
            "x".repeat(10_000),
            "y".repeat(10_000)
        );
        let quoted = window(&line, 10_000);
        assert!(quoted.starts_with("…{\"Sid\":\"S1\"}"), "{quoted}");
        assert!(quoted.ends_with('…'));
        assert_eq!(quoted.chars().count(), EXCERPT_WIDTH + 2);
        assert_eq!(window("short", 3), "short");
        // A byte offset inside a character moves back to its start.
        let wide = "é".repeat(200);
        assert!(window(&wide, 3).starts_with("…é"));
    }
}
