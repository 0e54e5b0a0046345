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

use crate::report::{Effect, SetOutcome, SimulationResult, StatementInfo};
use crate::simulate::{AccountQuery, simulate_account};
use iamwhy_catalog::Catalog;
use iamwhy_core::{
    Action, ContextValue, Decision, DeniedBy, Diagnostic, Diagnostics, PolicyType, Principal,
    Resource, SourceId, SourceMap,
};
use iamwhy_snapshot::{Changes, Snapshot};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::request::Reconstructed;

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
}

impl ScopeKind {
    /// The words: `sibling resource` or `sibling action`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::SiblingResource => "sibling resource",
            ScopeKind::SiblingAction => "sibling action",
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
    pub action: String,
    /// Its resource.
    pub resource: String,
    /// The request context (without derived keys that depend on the resource).
    pub context: Vec<(String, ContextValue)>,
    /// The evaluation that denied it.
    pub result: SimulationResult,
}

/// The calls a fix must let through: the operations (with their hidden checks).
pub struct Proof<'a> {
    /// The requests that were denied, evaluated with hidden calls.
    pub requests: Vec<&'a Reconstructed>,
}

/// Evaluates one request against the snapshot with `changes`.
pub fn evaluate(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    req: &Reconstructed,
    action: &str,
    resource: &str,
    changes: &Changes,
    hidden_calls: bool,
) -> Result<SimulationResult, Diagnostics> {
    evaluate_with_session(
        snapshot,
        map,
        req,
        (action, resource),
        changes,
        &[],
        hidden_calls,
    )
}

/// [`evaluate`], the session created with `session_policies` (files in `map`) as well.
pub fn evaluate_with_session(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    req: &Reconstructed,
    (action, resource): (&str, &str),
    changes: &Changes,
    session_policies: &[SourceId],
    hidden_calls: bool,
) -> Result<SimulationResult, Diagnostics> {
    let usage = |m: String| Diagnostics::single(Diagnostic::unplaced_error("request", m));
    let query = AccountQuery {
        principal: req.principal.clone(),
        parent_user: req.parent_user.clone(),
        actions: vec![Action::parse(action).map_err(|e| usage(e.to_string()))?],
        resources: vec![Resource::parse(resource).map_err(|e| usage(e.to_string()))?],
        context: req.context.clone(),
        changes: changes.clone(),
        session_policies: session_policies.to_vec(),
        hidden_calls,
        current_time: req.time,
        ..AccountQuery::default()
    };
    let sim = simulate_account(snapshot, map, &query)?;
    sim.answer()
        .first()
        .cloned()
        .ok_or_else(|| usage("the evaluation gave no result".to_owned()))
}

/// Evaluates a request as the snapshot is, with or without the hidden calls.
pub fn evaluate_as_is(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    req: &Reconstructed,
    hidden_calls: bool,
) -> Result<SimulationResult, Diagnostics> {
    evaluate(
        snapshot,
        map,
        req,
        &req.action,
        &req.resource,
        &Changes::default(),
        hidden_calls,
    )
}

/// Proposes fixes for `failing`, each verified against `proof`.
pub fn propose(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    failing: &Failing,
    proof: &Proof<'_>,
) -> Result<Vec<Fix>, Diagnostics> {
    let mut drafts = Vec::new();
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
    let mut fixes = Vec::new();
    for draft in drafts {
        fixes.push(verify(snapshot, map, failing, proof, draft)?);
    }
    // The fixes that work first, in the order proposed.
    fixes.sort_by_key(|f| !f.verified);
    Ok(fixes)
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
        "Sid": sid_for(&f.action),
        "Effect": "Allow",
        "Action": f.action,
        "Resource": f.resource,
    })
}

fn policy_of(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn register(map: &mut SourceMap, label: &str, policy: &Value) -> SourceId {
    let text = serde_json::to_string_pretty(policy).unwrap_or_default();
    map.add_file(format!("[fix] {label}"), text)
}

/// The IAM entity whose inline policy should hold an identity statement: `(kind, name)`.
fn identity_owner(snapshot: &Snapshot, f: &Failing) -> Option<(&'static str, String)> {
    match Principal::parse(&f.principal).ok()? {
        Principal::User(u) => Some(("user", u.name)),
        Principal::RoleSession(s) => Some(("role", s.role.name)),
        Principal::FederatedUser(_) => {
            let parent = f.parent_user.as_deref()?;
            Some(("user", snapshot.user(parent)?.name.clone()))
        }
        _ => None,
    }
}

fn identity_statement(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
) -> Result<Option<Draft>, Diagnostics> {
    let Some((kind, name)) = identity_owner(snapshot, f) else {
        return Ok(None);
    };
    let statement = allow_statement(f);
    let policy = policy_of(vec![statement.clone()]);
    let policy_name = format!(
        "iamwhy-allow-{}",
        f.action.replace(':', "-").to_ascii_lowercase()
    );
    let source = register(map, &format!("{kind} {name}: {policy_name}"), &policy);
    Ok(Some(Draft {
        kind: FixKind::AddIdentityStatement,
        summary: format!(
            "allow `{}` on `{}` in a new inline policy of {kind} {name}",
            f.action, f.resource
        ),
        target: format!("{kind} {name}, inline policy `{policy_name}`"),
        statement,
        policy,
        command: Some(format!(
            "aws iam put-{kind}-policy --{kind}-name {name} --policy-name {policy_name} --policy-document file://fix.json"
        )),
        changes: Changes {
            add: vec![source],
            ..Changes::default()
        },
        widens: Vec::new(),
        verifiable: true,
    }))
}

/// The `Principal` element naming the requester as a resource policy must.
fn principal_element(f: &Failing) -> Option<Value> {
    match Principal::parse(&f.principal).ok()? {
        Principal::Service(s) => Some(json!({"Service": s})),
        Principal::Anonymous => Some(json!("*")),
        p => {
            let arn = match &p {
                // A session is granted through its role (spec §4.3).
                Principal::RoleSession(_) => context_value(&f.result, "aws:PrincipalArn")?,
                Principal::FederatedUser(_) => p.requester_arn()?,
                _ => p.principal_arn()?,
            };
            Some(json!({"AWS": arn}))
        }
    }
}

/// The command that sets a resource's policy, by service.
fn resource_policy_command(owner: &str) -> Option<String> {
    let mut parts = owner.splitn(6, ':');
    let service = parts.nth(2)?;
    let last = owner.rsplit(['/', ':']).next().unwrap_or(owner);
    Some(match service {
        "s3" => format!("aws s3api put-bucket-policy --bucket {last} --policy file://fix.json"),
        "kms" => format!(
            "aws kms put-key-policy --key-id {owner} --policy-name default --policy file://fix.json"
        ),
        "iam" => format!(
            "aws iam update-assume-role-policy --role-name {last} --policy-document file://fix.json"
        ),
        "sqs" => format!(
            "aws sqs set-queue-attributes --queue-url QUEUE_URL --attributes Policy=file://fix.json   # the queue {last}"
        ),
        "sns" => format!(
            "aws sns set-topic-attributes --topic-arn {owner} --attribute-name Policy --attribute-value file://fix.json"
        ),
        "secretsmanager" => format!(
            "aws secretsmanager put-resource-policy --secret-id {owner} --resource-policy file://fix.json"
        ),
        _ => return None,
    })
}

fn resource_statement(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
) -> Result<Option<Draft>, Diagnostics> {
    if f.resource == "*" {
        return Ok(None);
    }
    let side = snapshot.resource_side(map, &f.resource, &Changes::default())?;
    let Some(owner) = side.owner_arn.clone() else {
        return Ok(None);
    };
    let Some(principal) = principal_element(f) else {
        return Ok(None);
    };
    let trust = owner.contains(":iam::") && owner.contains(":role/");
    let mut statement = json!({
        "Sid": sid_for(&f.action),
        "Effect": "Allow",
        "Principal": principal,
        "Action": f.action,
    });
    if !trust && let Value::Object(m) = &mut statement {
        // A key policy names its key as `*` by convention; any other gives the ARN.
        let r = if owner.contains(":kms:") {
            "*".to_owned()
        } else {
            f.resource.clone()
        };
        m.insert("Resource".to_owned(), Value::String(r));
    }
    let mut policy = match &side.policy {
        Some(p) => serde_json::from_str(map.snippet(p.document.span)).unwrap_or(Value::Null),
        None => policy_of(Vec::new()),
    };
    if !append_statement(&mut policy, statement.clone()) {
        return Ok(None);
    }
    let label = side
        .policy
        .as_ref()
        .map_or_else(|| format!("policy of {owner}"), |p| p.name.clone());
    let source = register(map, &label, &policy);
    Ok(Some(Draft {
        kind: FixKind::AddResourceStatement,
        summary: format!(
            "allow `{}` to {} in the {label}",
            f.action,
            principal_words(&f.result)
        ),
        target: label,
        statement,
        policy,
        command: resource_policy_command(&owner),
        changes: Changes {
            resource_policies: vec![(owner, source)],
            ..Changes::default()
        },
        widens: Vec::new(),
        verifiable: true,
    }))
}

fn principal_words(r: &SimulationResult) -> String {
    context_value(r, "aws:PrincipalArn").unwrap_or_else(|| r.principal.clone())
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

fn boundary_statement(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
) -> Result<Option<Draft>, Diagnostics> {
    let Ok(who) = snapshot.resolve_principal(&f.principal, f.parent_user.as_deref()) else {
        return Ok(None);
    };
    let side = snapshot.principal_policies(map, &who, &Changes::default())?;
    let Some(boundary) = side.boundary else {
        return Ok(None);
    };
    let mut policy: Value =
        serde_json::from_str(map.snippet(boundary.document.span)).unwrap_or(Value::Null);
    let statement = allow_statement(f);
    if !append_statement(&mut policy, statement.clone()) {
        return Ok(None);
    }
    let label = boundary.arn.clone().unwrap_or(boundary.name.clone());
    let source = register(map, &label, &policy);
    Ok(Some(Draft {
        kind: FixKind::ExtendBoundary,
        summary: format!(
            "allow `{}` on `{}` in the permissions boundary {label} (a boundary caps every principal it is attached to: they all gain this)",
            f.action, f.resource
        ),
        target: format!("permissions boundary {label}"),
        statement,
        policy,
        command: Some(format!(
            "aws iam create-policy-version --policy-arn {label} --policy-document file://fix.json --set-as-default"
        )),
        changes: Changes {
            boundary: Some(source),
            ..Changes::default()
        },
        widens: vec![format!(
            "every user and role whose boundary is {label} may now be allowed `{}` on `{}` if their own policies allow it",
            f.action, f.resource
        )],
        verifiable: true,
    }))
}

/// Adds the statement to the first SCP (RCP) of the level that allows nothing.
fn org_statement(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
    t: DeniedBy,
) -> Result<Option<Draft>, Diagnostics> {
    let (policy_type, word) = match t {
        DeniedBy::Scp => (PolicyType::Scp, "SCP"),
        _ => (PolicyType::Rcp, "RCP"),
    };
    let Some(level) = f
        .result
        .policy_types
        .iter()
        .find(|o| o.policy_type == policy_type && o.outcome == SetOutcome::ImplicitDeny)
        .and_then(|o| o.level)
    else {
        return Ok(None);
    };
    let levels = match t {
        DeniedBy::Scp => {
            let Ok(who) = snapshot.resolve_principal(&f.principal, f.parent_user.as_deref()) else {
                return Ok(None);
            };
            snapshot
                .principal_policies(map, &who, &Changes::default())?
                .scps
        }
        _ => {
            snapshot
                .resource_side(map, &f.resource, &Changes::default())?
                .rcps
        }
    };
    let Some(p) = levels
        .and_then(|l| l.into_iter().nth(usize::from(level)))
        .and_then(|l| l.into_iter().next())
    else {
        return Ok(None);
    };
    let mut policy: Value =
        serde_json::from_str(map.snippet(p.document.span)).unwrap_or(Value::Null);
    let mut statement = allow_statement(f);
    if t == DeniedBy::Rcp
        && let Value::Object(m) = &mut statement
    {
        m.insert("Principal".to_owned(), json!("*"));
    }
    if !append_statement(&mut policy, statement.clone()) {
        return Ok(None);
    }
    let id = p
        .arn
        .as_deref()
        .and_then(|a| a.rsplit('/').next())
        .unwrap_or(&p.name)
        .to_owned();
    let source = register(map, &p.name, &policy);
    Ok(Some(Draft {
        kind: if t == DeniedBy::Scp {
            FixKind::ExtendScp
        } else {
            FixKind::ExtendRcp
        },
        summary: format!(
            "allow `{}` on `{}` in the {word} {} attached at level {level} of the organization path (no {word} there allows it)",
            f.action, f.resource, p.name
        ),
        target: format!("{word} {} ({id})", p.name),
        statement,
        policy,
        command: Some(format!(
            "aws organizations update-policy --policy-id {id} --content file://fix.json"
        )),
        changes: Changes {
            org_policies: vec![(p.arn.clone().unwrap_or(p.name.clone()), source)],
            ..Changes::default()
        },
        widens: vec![format!(
            "every account under that level may now be allowed `{}` on `{}` if its own policies allow it",
            f.action, f.resource
        )],
        verifiable: true,
    }))
}

/// How to exempt the request from a Deny, and what that exempts besides.
fn exception_for(f: &Failing) -> (&'static str, String, Value, String) {
    let get = |k: &str| context_value(&f.result, k);
    if get("aws:PrincipalIsAWSService").as_deref() == Some("true") {
        return (
            "BoolIfExists",
            "aws:PrincipalIsAWSService".to_owned(),
            json!("false"),
            "every AWS service principal is exempt from this Deny (the data-perimeter guard AWS recommends; a `StringNotEquals aws:PrincipalArn` list can never exempt a service, whose requests carry no `aws:PrincipalArn`)".to_owned(),
        );
    }
    if get("aws:ViaAWSService").as_deref() == Some("true") {
        return (
            "BoolIfExists",
            "aws:ViaAWSService".to_owned(),
            json!("false"),
            "every call an AWS service makes with a principal's identity (forward access session) is exempt from this Deny".to_owned(),
        );
    }
    let arn = get("aws:PrincipalArn").unwrap_or_else(|| f.principal.clone());
    (
        "ArnNotEquals",
        "aws:PrincipalArn".to_owned(),
        json!(arn),
        format!("{arn} is exempt from this Deny for every action and resource it covers"),
    )
}

/// The operators under which an `aws:PrincipalArn` list exempts principals.
const NEGATED_ARN_OPERATORS: &[&str] = &[
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "StringNotEqualsIfExists",
    "StringNotLikeIfExists",
    "ArnNotEqualsIfExists",
    "ArnNotLikeIfExists",
];

/// Adds the exception to the statement's `Condition`: into an existing `aws:PrincipalArn`
/// exception list when there is one, else as a new operator entry.
fn add_exception(statement: &mut Map<String, Value>, op: &str, key: &str, value: &Value) -> String {
    let added =
        format!("add `\"{op}\": {{\"{key}\": {value}}}` to the Condition of the denying statement");
    let cond = statement
        .entry("Condition")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(cond) = cond else {
        return added;
    };
    if key == "aws:PrincipalArn" {
        for (name, block) in cond.iter_mut() {
            if !NEGATED_ARN_OPERATORS.contains(&name.as_str()) {
                continue;
            }
            let Value::Object(block) = block else {
                continue;
            };
            let existing = block
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v);
            if let Some(values) = existing {
                let mut list = match values.take() {
                    Value::Array(a) => a,
                    other => vec![other],
                };
                list.push(value.clone());
                *values = Value::Array(list);
                return format!(
                    "add {value} to the `{name}` `{key}` exception list of the denying statement"
                );
            }
        }
    }
    let block = cond
        .entry(op.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(block) = block {
        block.insert(key.to_owned(), value.clone());
    }
    added
}

fn statement_mut(policy: &mut Value, index: usize) -> Option<&mut Map<String, Value>> {
    let Value::Object(doc) = policy else {
        return None;
    };
    match doc.get_mut("Statement")? {
        Value::Array(list) => match list.get_mut(index)? {
            Value::Object(s) => Some(s),
            _ => None,
        },
        Value::Object(s) if index == 0 => Some(s),
        _ => None,
    }
}

/// One exception per denying statement, as one change.
fn deny_exceptions(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
) -> Result<Vec<Draft>, Diagnostics> {
    let denies: Vec<&StatementInfo> = f
        .result
        .deciding_statements
        .iter()
        .filter(|s| s.effect == Effect::Deny)
        .collect();
    let (op, key, value, widening) = exception_for(f);
    let mut changes = Changes::default();
    let mut statements = Vec::new();
    let mut policies = Vec::new();
    let mut targets = Vec::new();
    let mut commands = Vec::new();
    // Several statements of one policy change together.
    let mut edited: Vec<(String, Value, &StatementInfo)> = Vec::new();
    let mut summary = String::new();
    for info in &denies {
        let pos = edited.iter().position(|(name, _, _)| *name == info.policy);
        let entry = match pos {
            Some(i) => edited.get_mut(i),
            None => {
                let text = map.snippet(info.document);
                let Ok(doc) = serde_json::from_str::<Value>(text) else {
                    continue;
                };
                edited.push((info.policy.clone(), doc, info));
                edited.last_mut()
            }
        };
        let Some((_, doc, _)) = entry else {
            continue;
        };
        if let Some(s) = statement_mut(doc, info.index) {
            summary = add_exception(s, op, &key, &value);
            statements.push(Value::Object(s.clone()));
        }
    }
    if edited.is_empty() {
        return Ok(vec![Draft::unverifiable(
            "the denying statement's policy text is not available to edit",
        )]);
    }
    for (name, doc, info) in &edited {
        let source = register(map, name, doc);
        let who = match info.policy_type {
            PolicyType::Identity | PolicyType::PermissionsBoundary => {
                changes.replace.push((name.clone(), source));
                match &info.policy_arn {
                    Some(arn) => Some(format!(
                        "aws iam create-policy-version --policy-arn {arn} --policy-document file://fix.json --set-as-default"
                    )),
                    None => inline_command(name),
                }
            }
            PolicyType::Resource => {
                let side = snapshot.resource_side(map, &f.resource, &Changes::default())?;
                let Some(owner) = side.owner_arn else {
                    continue;
                };
                let cmd = resource_policy_command(&owner);
                changes.resource_policies.push((owner, source));
                cmd
            }
            PolicyType::Scp | PolicyType::Rcp => {
                let target = info.policy_arn.clone().unwrap_or(name.clone());
                let id = target.rsplit('/').next().unwrap_or(&target).to_owned();
                changes.org_policies.push((target, source));
                Some(format!(
                    "aws organizations update-policy --policy-id {id} --content file://fix.json"
                ))
            }
            PolicyType::Session | PolicyType::VpcEndpoint => {
                return Ok(vec![Draft::unverifiable(&format!(
                    "the Deny is in a {}, which the snapshot does not hold: add `\"{op}\": {{\"{key}\": {value}}}` to its `Condition`",
                    info.policy_type.aws_phrase()
                ))]);
            }
        };
        let policy = if name.starts_with(info.policy_kind) {
            name.clone()
        } else {
            format!("{} {name}", info.policy_kind)
        };
        targets.push(format!(
            "{policy}, statement {}",
            info.sid.as_deref().map_or_else(
                || format!("#{}", info.index),
                |s| format!("\"{s}\" (#{})", info.index)
            )
        ));
        policies.push(doc.clone());
        commands.extend(who);
    }
    Ok(vec![Draft {
        kind: FixKind::DenyException,
        summary,
        target: targets.join("; "),
        statement: if statements.len() == 1 {
            statements.remove(0)
        } else {
            Value::Array(statements)
        },
        policy: if policies.len() == 1 {
            policies.remove(0)
        } else {
            Value::Array(policies)
        },
        command: (!commands.is_empty()).then(|| commands.join("\n")),
        changes,
        widens: vec![widening],
        verifiable: true,
    }])
}

/// `user alice: name` → `aws iam put-user-policy ...`.
fn inline_command(label: &str) -> Option<String> {
    let (owner, policy) = label.split_once(": ")?;
    let (kind, name) = owner.split_once(' ')?;
    matches!(kind, "user" | "role" | "group").then(|| {
        format!(
            "aws iam put-{kind}-policy --{kind}-name {name} --policy-name {policy} --policy-document file://fix.json"
        )
    })
}

/// Re-evaluates every denied call with the change, then the neighbours.
fn verify(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
    proof: &Proof<'_>,
    draft: Draft,
) -> Result<Fix, Diagnostics> {
    let mut fix = Fix {
        kind: draft.kind,
        summary: draft.summary,
        target: draft.target,
        statement: draft.statement,
        policy: draft.policy,
        command: draft.command,
        verified: false,
        verification: String::new(),
        scope: Vec::new(),
        widens: draft.widens,
    };
    if !draft.verifiable {
        fix.verification = "not verified: the change is outside the snapshot".to_owned();
        return Ok(fix);
    }
    let mut lines = Vec::new();
    let mut all = true;
    for req in &proof.requests {
        let r = evaluate(
            snapshot,
            map,
            req,
            &req.action,
            &req.resource,
            &draft.changes,
            true,
        )?;
        let d = r.final_decision();
        all &= d == Decision::Allowed;
        let checks: Vec<String> = r
            .hidden_checks
            .iter()
            .map(|c| format!("{} {}", c.result.action, c.result.decision.as_str()))
            .collect();
        let with = if checks.is_empty() {
            String::new()
        } else {
            format!(" (checks: {})", checks.join(", "))
        };
        lines.push(format!(
            "{} on {}: {}{with}",
            req.action,
            req.resource,
            d.as_str()
        ));
    }
    fix.verified = all;
    fix.verification = format!(
        "{}: re-evaluated with the change: {}",
        if all { "verified" } else { "NOT verified" },
        lines.join("; ")
    );
    for (what, action, resource) in neighbours(f) {
        let probe = Reconstructed {
            principal: f.principal.clone(),
            parent_user: f.parent_user.clone(),
            operation: action.clone(),
            action: action.clone(),
            also_needs: Vec::new(),
            resource: resource.clone(),
            resource_from: String::new(),
            context: f.context.clone(),
            time: None,
            via_service: None,
            notes: Vec::new(),
        };
        let before = evaluate(
            snapshot,
            map,
            &probe,
            &action,
            &resource,
            &Changes::default(),
            false,
        )?;
        let after = evaluate(
            snapshot,
            map,
            &probe,
            &action,
            &resource,
            &draft.changes,
            false,
        )?;
        let check = ScopeCheck {
            what,
            action,
            resource,
            before: before.decision,
            after: after.decision,
        };
        if check.widened() && fix.kind != FixKind::DenyException {
            fix.widens.push(format!(
                "also allows `{}` on `{}`",
                check.action, check.resource
            ));
        }
        fix.scope.push(check);
    }
    Ok(fix)
}

/// The same action on a sibling resource, and a sibling action on the same resource.
fn neighbours(f: &Failing) -> Vec<(ScopeKind, String, String)> {
    let mut out = Vec::new();
    if f.resource != "*" {
        out.push((
            ScopeKind::SiblingResource,
            f.action.clone(),
            format!("{}-iamwhy-sibling", f.resource),
        ));
    }
    let catalog = Catalog::bundled();
    if let Some(action) = catalog.action(&f.action)
        && let Some(service) = catalog.service(action.service)
    {
        let sibling = service.actions.iter().find(|a| {
            a.name != action.name
                && (f.resource == "*" && a.wildcard_only()
                    || f.resource != "*" && catalog.action_accepts(a, &f.resource) == Some(true))
        });
        if let Some(a) = sibling {
            out.push((ScopeKind::SiblingAction, a.full_name(), f.resource.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
