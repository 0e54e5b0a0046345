//! The smallest change that lets a denied request through, proposed as a policy edit, and
//! proved by evaluating the request again with the edit applied.
//!
//! * Implicit deny (nothing allowed): a least-privilege `Allow` — the exact action on the exact
//!   resource — in the policy that lacks it: an inline policy of the user or role (or the
//!   parent user of a federated user), the resource's policy (required across accounts, for
//!   role trust and for keys whose policy does not delegate to IAM), the permissions boundary,
//!   or an SCP/RCP of the level that allows nothing (spec §4.4, §4.6).
//! * Explicit deny: an exception in the denying statement's `Condition`, as narrow as the
//!   request allows: `BoolIfExists aws:PrincipalIsAWSService false` for an AWS service
//!   principal (story 5: `aws:PrincipalArn` is absent for service principals, so extending a
//!   `StringNotEquals aws:PrincipalArn` list never exempts them), `BoolIfExists
//!   aws:ViaAWSService false` for a call a service made with the caller's identity, otherwise
//!   the principal's ARN added to the statement's `aws:PrincipalArn` exception list.
//!
//! Every fix is re-evaluated (the whole operation with its hidden checks, and every failed
//! call of the incident) and reported verified or not; then the same action on a sibling
//! resource and a sibling action on the same resource are evaluated before and after, so a
//! fix that grants more than the request says so.

mod boundary;
mod condition;
mod exception;
mod identity;
mod org;
mod resource;
mod verify;

use iamwhy_core::{
    Action, ContextValue, Decision, DeniedBy, Diagnostics, PolicyType, Resource, SourceId,
    SourceMap,
};
use iamwhy_snapshot::{Changes, Snapshot};
use serde::Serialize;
use serde_json::{Value, json};

use crate::report::{SetOutcome, SimulationResult};
use crate::request::Reconstructed;

pub use verify::{evaluate, evaluate_as_is, evaluate_with_session};

use boundary::boundary_statement;
use condition::extend_conditions;
use exception::deny_exceptions;
use identity::identity_statement;
use org::org_statement;
use resource::resource_statement;
use verify::{neighbours, verify};

/// What a fix changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixKind {
    /// A least-privilege `Allow` in a new inline policy of the user or role.
    AddIdentityStatement,
    /// An `Allow` naming the requester in the resource's policy.
    AddResourceStatement,
    /// An identity statement and the same statement in the permissions boundary.
    AddIdentityAndBoundaryStatements,
    /// A resource statement and an identity statement (both sides across accounts).
    AddResourceAndIdentityStatements,
    /// The statement added to the permissions boundary.
    ExtendBoundary,
    /// The statement added to an SCP of the level that allows nothing.
    ExtendScp,
    /// The statement added to an RCP of the level that allows nothing.
    ExtendRcp,
    /// An exception in the `Condition` of the denying statements.
    DenyException,
    /// Every change the operation needs, on each side, found one failing check at a time
    /// (both sides of a cross-account request and of the check it makes in KMS).
    CompleteChanges,
    /// The request's value added to the one failing condition of an `Allow` statement that
    /// would otherwise allow it; its other conditions stay.
    ExtendCondition,
    /// A change outside the snapshot, which cannot be verified.
    NotVerifiable,
}

/// Why a neighbouring request is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ScopeKind {
    /// The same action on a sibling resource.
    #[serde(rename = "sibling resource")]
    SiblingResource,
    /// A sibling action on the same resource.
    #[serde(rename = "sibling action")]
    SiblingAction,
    /// The same request with another value of a condition key that the statement the fix
    /// stands in for tests.
    #[serde(rename = "other condition value")]
    OtherConditionValue,
}

impl ScopeKind {
    /// The words: `sibling resource` or `sibling action`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::SiblingResource => "sibling resource",
            ScopeKind::SiblingAction => "sibling action",
            ScopeKind::OtherConditionValue => "other condition value",
        }
    }
}

/// A proposed change, verified or not.
#[derive(Clone, Debug, Serialize)]
pub struct Fix {
    /// `add-identity-statement`, `add-resource-statement`, `extend-boundary`,
    /// `extend-scp`, `extend-rcp`, `deny-exception`, or `not-verifiable`.
    pub kind: FixKind,
    /// The change in one sentence.
    pub summary: String,
    /// Which policy changes.
    pub target: String,
    /// The statement added or changed.
    pub statement: Value,
    /// The whole policy after the change.
    pub policy: Value,
    /// The AWS CLI command that applies it (the policy saved as `fix.json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Whether re-evaluation with the change allowed every failed call of the incident.
    pub verified: bool,
    /// What the re-evaluation said, in words.
    pub verification: String,
    /// Neighbouring requests evaluated before and after the change.
    pub scope: Vec<ScopeCheck>,
    /// What the change allows beyond the request, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub widens: Vec<String>,
    /// Whom a statement admitting an AWS service principal admits, and on behalf of what
    /// (its confused-deputy guard), in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admits: Option<String>,
}

/// A neighbouring request evaluated before and after a fix.
#[derive(Clone, Debug, Serialize)]
pub struct ScopeCheck {
    /// Why this request: `sibling resource` or `sibling action`.
    pub what: ScopeKind,
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The context key given another value (`other condition value` only), and that value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<(String, String)>,
    /// The decision without the change.
    pub before: Decision,
    /// The decision with the change.
    pub after: Decision,
}

impl ScopeCheck {
    /// Whether the change allows this request although it was denied before.
    pub fn widened(&self) -> bool {
        self.before != Decision::Allowed && self.after == Decision::Allowed
    }
}

/// The request that failed, among the checks of an operation.
#[derive(Clone, Debug)]
pub struct Failing {
    /// The principal, as `--principal` takes it.
    pub principal: String,
    /// The parent user of a federated user.
    pub parent_user: Option<String>,
    /// The action that was denied.
    pub action: Action,
    /// Its resource.
    pub resource: Resource,
    /// The request context (without derived keys that depend on the resource).
    pub context: Vec<(String, ContextValue)>,
    /// The evaluation that denied it.
    pub result: SimulationResult,
}

/// The failing check as a request: the request itself, or the check (hidden or linked) the
/// evaluation names, whose action and resource it evaluated (and so parse).
pub(crate) fn failing_of(req: &Reconstructed, r: &SimulationResult) -> Option<Failing> {
    let (action, resource) =
        if r.action == req.action.as_str() && r.resource == req.resource.as_str() {
            (req.action.clone(), req.resource.clone())
        } else {
            (
                Action::parse(&r.action).ok()?,
                Resource::parse(&r.resource).ok()?,
            )
        };
    let context = r
        .context
        .iter()
        .filter(|(k, _)| !k.to_ascii_lowercase().starts_with("aws:resource"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Some(Failing {
        principal: req.principal.clone(),
        parent_user: req.parent_user.clone(),
        action,
        resource,
        context,
        result: r.clone(),
    })
}

/// The calls a fix must let through: the operations (with their hidden checks).
pub struct Proof<'a> {
    /// The requests that were denied, evaluated with hidden calls.
    pub requests: Vec<&'a Reconstructed>,
}

/// Proposes fixes for `failing`, each verified against `proof`.
pub fn propose(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    failing: &Failing,
    proof: &Proof<'_>,
) -> Result<Vec<Fix>, Diagnostics> {
    let drafts = drafts_for(snapshot, map, failing)?;
    let neighbours = if drafts.iter().any(|d| d.verifiable) {
        neighbours(snapshot, map, failing)?
    } else {
        Vec::new()
    };
    let mut fixes = Vec::new();
    // When no single change (or pair) is enough — a cross-account SSE-KMS read needs the
    // identity side and the bucket policy for `s3:GetObject`, and both again for S3's
    // `kms:Decrypt` on the key — the changes are completed step by step.
    let start = drafts.iter().find(|d| d.verifiable).cloned();
    for draft in drafts {
        fixes.push(verify(snapshot, map, proof, &neighbours, draft)?);
    }
    if !fixes.iter().any(|f| f.verified)
        && let Some(start) = start
        && let Some(whole) = complete(snapshot, map, proof, start)?
    {
        fixes.push(verify(snapshot, map, proof, &neighbours, whole)?);
    }
    // The fixes that work first, in the order proposed.
    fixes.sort_by_key(|f| !f.verified);
    Ok(fixes)
}

/// The drafts for one failing check: the smallest change to the policy type that denies it
/// (and the pair of changes where two policies must both allow).
fn drafts_for(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    failing: &Failing,
) -> Result<Vec<Draft>, Diagnostics> {
    let mut drafts = Vec::new();
    // A statement that would allow but for one condition: change only that condition.
    if failing.result.decision == Decision::ImplicitDeny {
        drafts.extend(extend_conditions(snapshot, map, failing)?);
    }
    match (failing.result.decision, failing.result.denied_by) {
        (Decision::ExplicitDeny, _) => drafts.extend(deny_exceptions(snapshot, map, failing)?),
        (Decision::ImplicitDeny, Some(DeniedBy::Identity)) => {
            let identity = identity_statement(snapshot, map, failing)?;
            drafts.extend(identity.clone());
            // The boundary does not allow it either: both must (spec §4.4 step 4).
            let boundary_lacks = failing.result.policy_types.iter().any(|o| {
                o.policy_type == PolicyType::PermissionsBoundary && o.outcome == SetOutcome::ImplicitDeny
            });
            if boundary_lacks
                && let (Some(i), Some(b)) = (identity, boundary_statement(snapshot, map, failing)?)
            {
                drafts.push(both(FixKind::AddIdentityAndBoundaryStatements, i, b));
            }
            if same_account(failing) {
                drafts.extend(resource_statement(snapshot, map, failing)?);
            }
        }
        (Decision::ImplicitDeny, Some(DeniedBy::Resource)) => {
            let resource = resource_statement(snapshot, map, failing)?;
            let identity = identity_statement(snapshot, map, failing)?;
            drafts.extend(resource.clone());
            // Across accounts both sides must allow: offer the pair too.
            if let (Some(r), Some(i)) = (resource, identity)
                && !same_account(failing)
            {
                drafts.push(both(FixKind::AddResourceAndIdentityStatements, r, i));
            }
        }
        (Decision::ImplicitDeny, Some(DeniedBy::PermissionsBoundary)) => {
            drafts.extend(boundary_statement(snapshot, map, failing)?);
        }
        (Decision::ImplicitDeny, Some(t @ (DeniedBy::Scp | DeniedBy::Rcp))) => {
            drafts.extend(org_statement(snapshot, map, failing, t)?);
        }
        (Decision::ImplicitDeny, Some(DeniedBy::Session)) => drafts.push(Draft::unverifiable(
            "the session policies passed when the session was created must allow the request: CloudTrail shows them in the `requestParameters` (`policy`, `policyArns`) of the AssumeRole or GetFederationToken call that created the session; start a new session with a session policy that allows it",
        )),
        (Decision::ImplicitDeny, Some(DeniedBy::VpcEndpoint)) => drafts.push(Draft::unverifiable(
            "the VPC endpoint's policy must allow the request (`aws ec2 modify-vpc-endpoint --policy-document`); snapshots do not hold endpoint policies",
        )),
        _ => drafts.push(Draft::unverifiable(
            "a hard-wired rule of the service denies the request; no policy change lets it through",
        )),
    }
    Ok(drafts)
}

/// Most steps [`complete`] takes: each policy type of both sides of the request and of one
/// hidden check.
const MAX_STEPS: usize = 6;

/// `start` (the first, smallest draft) completed one failing check at a time until every
/// call of the proof is allowed: each step adds the first draft for the check that still
/// fails that touches a policy no earlier step changed. `None` when a step finds nothing to add, or needs a
/// second change to a policy already changed.
fn complete(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    proof: &Proof<'_>,
    start: Draft,
) -> Result<Option<Draft>, Diagnostics> {
    let mut current = start;
    for _ in 0..MAX_STEPS {
        let mut next = None;
        for req in &proof.requests {
            let r = evaluate(snapshot, map, req, &current.changes, true)?;
            if r.final_decision() == Decision::Allowed {
                continue;
            }
            let failed = if r.decision == Decision::Allowed {
                r.failing_check().map(|c| (*c.result).clone())
            } else {
                Some(r)
            };
            next = failed.and_then(|f| failing_of(req, &f));
            if next.is_none() {
                return Ok(None);
            }
            break;
        }
        let Some(failing) = next else {
            current.kind = FixKind::CompleteChanges;
            return Ok(Some(current));
        };
        let step = drafts_for(snapshot, map, &failing)?
            .into_iter()
            .find(|d| d.verifiable && !overlaps(&current.changes, &d.changes));
        match step {
            Some(step) => current = both(FixKind::CompleteChanges, current, step),
            None => return Ok(None),
        }
    }
    Ok(None)
}

/// Whether two sets of changes rewrite the same policy (the boundary, one resource's
/// policy, one SCP or RCP, one replaced policy): a second draft of it would not keep the
/// first's statement.
fn overlaps(a: &Changes, b: &Changes) -> bool {
    (a.boundary.is_some() && b.boundary.is_some())
        || a.resource_policies
            .iter()
            .any(|(x, _)| b.resource_policies.iter().any(|(y, _)| x == y))
        || a.org_policies
            .iter()
            .any(|(x, _)| b.org_policies.iter().any(|(y, _)| x == y))
        || a.replace
            .iter()
            .any(|(x, _)| b.replace.iter().any(|(y, _)| x == y))
}

/// A fix before verification.
#[derive(Clone, Debug)]
struct Draft {
    kind: FixKind,
    summary: String,
    target: String,
    statement: Value,
    policy: Value,
    command: Option<String>,
    changes: Changes,
    widens: Vec<String>,
    admits: Option<String>,
    verifiable: bool,
}

impl Draft {
    fn unverifiable(summary: &str) -> Draft {
        Draft {
            kind: FixKind::NotVerifiable,
            summary: summary.to_owned(),
            target: String::new(),
            statement: Value::Null,
            policy: Value::Null,
            command: None,
            changes: Changes::default(),
            widens: Vec::new(),
            admits: None,
            verifiable: false,
        }
    }
}

/// Two changes that must both be made (both sides of a cross-account request, a policy
/// and the boundary that caps it).
fn both(kind: FixKind, first: Draft, second: Draft) -> Draft {
    let mut changes = first.changes.clone();
    let more = second.changes;
    changes.add.extend(more.add);
    changes.replace.extend(more.replace);
    changes.remove.extend(more.remove);
    changes.boundary = changes.boundary.or(more.boundary);
    changes.resource_policies.extend(more.resource_policies);
    changes.org_policies.extend(more.org_policies);
    let mut widens = first.widens;
    widens.extend(second.widens);
    Draft {
        kind,
        summary: format!("{}; and {}", first.summary, second.summary),
        target: format!("{} and {}", first.target, second.target),
        statement: json!([first.statement, second.statement]),
        policy: json!([first.policy, second.policy]),
        command: match (first.command, second.command) {
            (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
            (a, b) => a.or(b),
        },
        changes,
        widens,
        admits: first.admits.or(second.admits),
        verifiable: true,
    }
}

/// A single-valued context key of an evaluation (key names are case-insensitive).
pub(crate) fn context_value(r: &SimulationResult, key: &str) -> Option<String> {
    r.context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.values().first().cloned())
}

fn same_account(f: &Failing) -> bool {
    let principal_account = context_value(&f.result, "aws:PrincipalAccount");
    let resource_account = f.result.resource_account.clone();
    principal_account.is_some() && principal_account == resource_account
}

/// A `Sid` from an action: `kms:Decrypt` → `IamwhyAllowKmsDecrypt`.
fn sid_for(action: &str) -> String {
    let mut sid = String::from("IamwhyAllow");
    for part in action.split(':') {
        let mut chars = part.chars();
        if let Some(c) = chars.next() {
            sid.push(c.to_ascii_uppercase());
            sid.extend(chars.filter(char::is_ascii_alphanumeric));
        }
    }
    sid
}

/// The least-privilege statement of the request, for an identity-based policy.
fn allow_statement(f: &Failing) -> Value {
    json!({
        "Sid": sid_for(f.action.as_str()),
        "Effect": "Allow",
        "Action": f.action.as_str(),
        "Resource": f.resource.as_str(),
    })
}

fn policy_of(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn register(map: &mut SourceMap, label: &str, policy: &Value) -> SourceId {
    let text = serde_json::to_string_pretty(policy).unwrap_or_default();
    map.add_file(format!("[fix] {label}"), text)
}

fn append_statement(policy: &mut Value, statement: Value) -> bool {
    let Value::Object(doc) = policy else {
        return false;
    };
    let list = match doc.remove("Statement") {
        Some(Value::Array(a)) => a,
        Some(single @ Value::Object(_)) => vec![single],
        Some(_) | None => Vec::new(),
    };
    let mut list = list;
    list.push(statement);
    doc.insert("Statement".to_owned(), Value::Array(list));
    true
}

#[cfg(test)]
mod tests {
    use super::exception::{add_exception, inline_command};
    use super::resource::resource_policy_command;
    use super::*;
    use serde_json::Map;

    #[test]
    fn exceptions_join_an_existing_principal_arn_list() {
        let mut s = serde_json::from_str::<Map<String, Value>>(
            r#"{"Effect":"Deny","Condition":{"StringNotEquals":{"aws:PrincipalArn":["arn:aws:iam::1:role/A"]}}}"#,
        )
        .unwrap();
        add_exception(
            &mut s,
            "ArnNotEquals",
            "aws:PrincipalArn",
            &json!("arn:aws:iam::1:role/B"),
        );
        assert_eq!(
            s["Condition"]["StringNotEquals"]["aws:PrincipalArn"],
            json!(["arn:aws:iam::1:role/A", "arn:aws:iam::1:role/B"])
        );
        let mut t = serde_json::from_str::<Map<String, Value>>(r#"{"Effect":"Deny"}"#).unwrap();
        add_exception(
            &mut t,
            "BoolIfExists",
            "aws:PrincipalIsAWSService",
            &json!("false"),
        );
        assert_eq!(
            t["Condition"]["BoolIfExists"]["aws:PrincipalIsAWSService"],
            json!("false")
        );
    }

    #[test]
    fn sids_and_commands() {
        assert_eq!(sid_for("kms:Decrypt"), "IamwhyAllowKmsDecrypt");
        assert_eq!(
            inline_command("user alice: p1").unwrap(),
            "aws iam put-user-policy --user-name alice --policy-name p1 --policy-document file://fix.json"
        );
        assert!(inline_command("AdministratorAccess").is_none());
        assert!(
            resource_policy_command("arn:aws:s3:::b")
                .unwrap()
                .contains("--bucket b")
        );
    }
}
