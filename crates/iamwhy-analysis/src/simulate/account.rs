//! `iamwhy simulate --snapshot`: a request evaluated against an account snapshot, the way
//! AWS would — the policies gathered from the snapshot, the checks the call triggers in other
//! services (hidden calls, story 1), session policies, and candidate changes evaluated before
//! and after (story 4).

use iamwhy_catalog::{Catalog, HiddenCall, Mechanism, ResourceFact, fill_placeholders};
use iamwhy_core::PolicyKind;
use iamwhy_core::time::Instant;
use iamwhy_core::{
    Action, Arn, Context, ContextValue, Decision, Diagnostic, Diagnostics, Principal, Request,
    Resource, SourceId, SourceMap,
};
use iamwhy_eval::{EvalOptions, Policy, authorize, derive_context};
use iamwhy_snapshot::{
    Changes, KeyFact, PrincipalPolicies, ResolvedPrincipal, ResourceSide, ScopedOp, Snapshot,
};
use serde::Serialize;

use crate::report::{Detail, HiddenCheckResult, IdentityBound, SimulationResult, UnknownIdentity};
use crate::request::S3_SSE_KMS_KEY;
use crate::simulate::scenario::Expectation;
use crate::simulate::{build_result, check_expectation};

/// AWS STS: "The plaintext that you use for both inline and managed session policies can't
/// exceed 2,048 characters", counted on the text as sent — the `Policy` parameter's length
/// constraint is 1 to 2,048 and its allowed characters include tab, line feed and carriage
/// return, so white space counts (AWS STS API Reference, "AssumeRole" and
/// "GetFederationToken", `Policy` and `PolicyArns`,
/// <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>).
pub const SESSION_POLICY_LIMIT: usize = 2048;

/// STS packs the inline policy, the managed policy ARNs and the session tags into a binary
/// form with a limit of its own (`PackedPolicySize` in the response), which the plaintext
/// check cannot decide.
const PACKED_NOTE: &str = "STS also compresses the inline session policy, the managed policy ARNs and the session tags into a packed form with a separate limit: a request within 2,048 characters can still fail with PackedPolicyTooLarge, and the response's PackedPolicySize says how close it is (AWS STS API Reference, \"AssumeRole\", https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html)";

/// The characters of a session policy as STS counts them: the text as sent, white space
/// included.
fn sent_length(text: &str) -> usize {
    text.chars().count()
}

/// AWS STS accepts at most 10 managed session policy ARNs.
pub const SESSION_POLICY_ARNS_LIMIT: usize = 10;

/// A `simulate` question on a snapshot.
#[derive(Clone, Debug, Default)]
pub struct AccountQuery {
    /// `--principal`.
    pub principal: String,
    /// `--parent-user` (federated users).
    pub parent_user: Option<String>,
    /// The actions (wildcards already expanded).
    pub actions: Vec<Action>,
    /// The resources (`*` when none).
    pub resources: Vec<Resource>,
    /// `--context`.
    pub context: Vec<(String, ContextValue)>,
    /// `--session-policy` files (registered sources).
    pub session_policies: Vec<SourceId>,
    /// `--session-policy-arn`.
    pub session_policy_arns: Vec<String>,
    /// The `Name` an IAM user passes to GetFederationToken when the question gives session
    /// policies with an IAM user (`None`: the user's own name, said in a note).
    pub federated_name: Option<String>,
    /// Candidate changes.
    pub changes: Changes,
    /// Whether to evaluate hidden calls.
    pub hidden_calls: bool,
    /// Only the decision and its deciding statements: no list of the statements that do not
    /// apply, no near misses (the bulk questions ask thousands of these).
    pub brief: bool,
    /// How much each result lists (the statements that do not apply with [`Detail::Full`]).
    pub detail: Detail,
    /// The request time (default now).
    pub current_time: Option<Instant>,
    /// `--expect`.
    pub expect: Option<Expectation>,
    /// Warnings about the question (unknown actions evaluated anyway).
    pub warnings: Vec<Diagnostic>,
}

/// What `simulate --snapshot` reports.
#[derive(Clone, Debug, Serialize)]
pub struct AccountSimulation {
    /// The results as the account is.
    pub before: Vec<SimulationResult>,
    /// The results with the candidate changes; absent when none were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Vec<SimulationResult>>,
    /// The candidate changes, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
}

impl AccountSimulation {
    /// The results that answer the question: with the changes when there are any.
    pub fn answer(&self) -> &[SimulationResult] {
        self.after.as_deref().unwrap_or(&self.before)
    }
}

/// Evaluates a question on a snapshot.
pub fn simulate_account(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    query: &AccountQuery,
) -> Result<AccountSimulation, Diagnostics> {
    with_session(snapshot, map, query, |map, query, who, session, notes| {
        let none = Changes::default();
        let before = run(snapshot, map, query, who, session, &none, notes)?;
        if query.changes.is_empty() {
            return Ok(AccountSimulation {
                before,
                after: None,
                changes: Vec::new(),
            });
        }
        let after = run(snapshot, map, query, who, session, &query.changes, notes)?;
        Ok(AccountSimulation {
            before,
            after: Some(after),
            changes: describe_changes(map, &query.changes),
        })
    })
}

/// The results of [`simulate_account`]'s answer — with the query's changes when it has any —
/// without evaluating the account as it is as well (a fix's proof needs only the one side).
pub(crate) fn simulate_with_changes(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    query: &AccountQuery,
) -> Result<Vec<SimulationResult>, Diagnostics> {
    with_session(snapshot, map, query, |map, query, who, session, notes| {
        run(snapshot, map, query, who, session, &query.changes, notes)
    })
}

/// Resolves the question's principal and session policies, then runs `f` with them.
fn with_session<T>(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    query: &AccountQuery,
    f: impl FnOnce(
        &mut SourceMap,
        &AccountQuery,
        &ResolvedPrincipal,
        &Option<Vec<Policy>>,
        &[String],
    ) -> Result<T, Diagnostics>,
) -> Result<T, Diagnostics> {
    // An IAM user passes session policies by calling GetFederationToken (spec §7.3): the
    // request comes from the federated user it creates, whose parent is the user.
    let mut session_notes = Vec::new();
    let given = !query.session_policies.is_empty() || !query.session_policy_arns.is_empty();
    let federated;
    let query = match federated_session_of(&query.principal, query.federated_name.as_deref()) {
        Some((arn, parent)) if given && query.parent_user.is_none() => {
            session_notes.push(format!(
                "an IAM user passes session policies with GetFederationToken: evaluated as {arn}, the federated user it creates (its parent user's policies apply, intersected with the session policies){}",
                if query.federated_name.is_some() {
                    ""
                } else {
                    "; its name is the `Name` passed to GetFederationToken, taken here as the user's own (give --federated-name NAME)"
                }
            ));
            federated = AccountQuery {
                principal: arn,
                parent_user: Some(parent),
                ..query.clone()
            };
            &federated
        }
        _ => query,
    };
    let who = snapshot
        .resolve_principal(&query.principal, query.parent_user.as_deref())
        .map_err(principal_error)?;
    let session = session_policies(snapshot, map, &who, query, &mut session_notes)?;
    f(map, query, &who, &session, &session_notes)
}

/// A principal the snapshot does not hold, as an error with the close names it does hold.
pub(crate) fn principal_error(e: iamwhy_snapshot::PrincipalError) -> Diagnostics {
    let mut d = Diagnostic::unplaced_error("principal", e.message);
    if !e.suggestions.is_empty() {
        d = d.with_help(format!("did you mean {}?", quoted_list(&e.suggestions)));
    }
    Diagnostics::single(d)
}

fn quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    quoted.join(" or ")
}

fn describe_changes(map: &SourceMap, c: &Changes) -> Vec<String> {
    let mut out = Vec::new();
    for (target, source) in &c.replace {
        out.push(format!(
            "replace policy {target} with {}",
            map.name(*source)
        ));
    }
    for source in &c.add {
        out.push(format!("add identity-based policy {}", map.name(*source)));
    }
    for target in &c.remove {
        out.push(format!("remove policy {target}"));
    }
    if let Some(source) = c.boundary {
        out.push(format!(
            "set the permissions boundary to {}",
            map.name(source)
        ));
    }
    for (arn, source) in &c.resource_policies {
        out.push(format!(
            "set the resource-based policy of {arn} to {}",
            map.name(*source)
        ));
    }
    for (id, source) in &c.org_policies {
        out.push(format!("set the content of {id} to {}", map.name(*source)));
    }
    for (arn, source) in &c.managed_documents {
        out.push(format!(
            "set the document of managed policy {arn} to {}",
            map.name(*source)
        ));
    }
    for s in &c.scoped {
        let owner = format!("{} {}", s.kind.as_str(), s.name);
        out.push(match &s.op {
            ScopedOp::PutInline { name, source } => format!(
                "put inline policy {name} of {owner} from {}",
                map.name(*source)
            ),
            ScopedOp::DeleteInline { name } => format!("delete inline policy {name} of {owner}"),
            ScopedOp::Attach { arn } => format!("attach {arn} to {owner}"),
            ScopedOp::Detach { arn } => format!("detach {arn} from {owner}"),
            ScopedOp::SetBoundary { arn: Some(arn) } => {
                format!("set the permissions boundary of {owner} to {arn}")
            }
            ScopedOp::SetBoundary { arn: None } => {
                format!("remove the permissions boundary of {owner}")
            }
        });
    }
    for a in &c.org_attachments {
        let (verb, to) = if a.attach {
            ("attach", "to")
        } else {
            ("detach", "from")
        };
        out.push(format!(
            "{verb} Organizations policy {} {to} {}",
            a.policy, a.target
        ));
    }
    out
}

/// The session policies of the question, checked against STS's limits.
/// For an IAM user ARN, the federated user GetFederationToken creates — named `name` (its
/// `Name` parameter; AWS STS API Reference, "GetFederationToken"), else after the user — and
/// the user as its parent.
fn federated_session_of(principal: &str, name: Option<&str>) -> Option<(String, String)> {
    let arn = Arn::parse(principal)?;
    let user = arn.resource.strip_prefix("user/")?.rsplit('/').next()?;
    let name = name.unwrap_or(user);
    (arn.service == "iam" && !name.is_empty()).then(|| {
        (
            format!(
                "arn:{}:sts::{}:federated-user/{name}",
                arn.partition, arn.account
            ),
            principal.to_owned(),
        )
    })
}

fn session_policies(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    who: &ResolvedPrincipal,
    query: &AccountQuery,
    notes: &mut Vec<String>,
) -> Result<Option<Vec<Policy>>, Diagnostics> {
    let given = !query.session_policies.is_empty() || !query.session_policy_arns.is_empty();
    let error = |message: String, help: &str| {
        Err(Diagnostics::single(
            Diagnostic::unplaced_error("session-policy", message).with_help(help.to_owned()),
        ))
    };
    match (&who.principal, given) {
        (Principal::FederatedUser(_), false) => {
            notes.push("a federated-user session created without session policies has no permissions except what resource-based policies grant to its ARN (AWS STS API Reference, \"GetFederationToken\", https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html); give --session-policy".to_owned());
            return Ok(None);
        }
        (_, false) => return Ok(None),
        (Principal::RoleSession(_) | Principal::FederatedUser(_), true) => {}
        (_, true) => {
            return error(
                format!(
                    "session policies apply to role sessions (AssumeRole) and federated users (GetFederationToken), not to `{}`",
                    who.principal.display_name()
                ),
                "give a role ARN, or `arn:aws:sts::ACCOUNT:federated-user/NAME` with `--parent-user`",
            );
        }
    }
    session_policies_of(
        snapshot,
        map,
        &query.session_policies,
        &query.session_policy_arns,
        notes,
    )
    .map(Some)
}

/// The session policies STS would take: inline policy files (`sources`, in `map`) and
/// managed policy ARNs, checked against STS's limits (at most
/// [`SESSION_POLICY_ARNS_LIMIT`] ARNs; [`SESSION_POLICY_LIMIT`] characters of inline text as
/// sent plus ARNs), the ARNs resolved in the snapshot or the bundled AWS managed policies.
pub fn session_policies_of(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    sources: &[SourceId],
    arns: &[String],
    notes: &mut Vec<String>,
) -> Result<Vec<Policy>, Diagnostics> {
    let error = |message: String, help: &str| {
        Err(Diagnostics::single(
            Diagnostic::unplaced_error("session-policy", message).with_help(help.to_owned()),
        ))
    };
    if arns.len() > SESSION_POLICY_ARNS_LIMIT {
        return error(
            format!(
                "{} managed session policy ARNs given; STS accepts at most {SESSION_POLICY_ARNS_LIMIT}",
                arns.len()
            ),
            "merge some of them into the inline session policy",
        );
    }
    let size = sources
        .iter()
        .map(|s| sent_length(map.text(*s)))
        .chain(arns.iter().map(String::len))
        .fold(0, usize::saturating_add);
    if let Some(over) = size
        .checked_sub(SESSION_POLICY_LIMIT)
        .filter(|over| *over > 0)
    {
        return error(
            format!(
                "the session policies are {size} characters as sent (white space included, as STS counts the `Policy` parameter): {over} over the {SESSION_POLICY_LIMIT}-character limit of STS (inline policy plus managed policy ARNs)"
            ),
            "AssumeRole and GetFederationToken reject it (ValidationError); minify the JSON (`jq -c .`), shorten the policy, or move statements to the role's own policies",
        );
    }
    let mut policies = session_policy_set(map, sources)?;
    notes.push(PACKED_NOTE.to_owned());
    for arn in arns {
        match snapshot.managed_policy(map, arn, PolicyKind::Session, notes)? {
            Some(p) => policies.push(p),
            None => {
                return error(
                    format!(
                        "--session-policy-arn `{arn}`: neither the snapshot nor the bundled catalog holds this managed policy"
                    ),
                    "session policy ARNs must name managed policies of the role's account or AWS managed policies",
                );
            }
        }
    }
    Ok(policies)
}

/// Inline session policies (`--session-policy` files) parsed as one set, as STS takes them;
/// more than [`SESSION_POLICY_LIMIT`] characters as sent (white space included) is an error.
pub fn session_policy_set(
    map: &mut SourceMap,
    sources: &[SourceId],
) -> Result<Vec<Policy>, Diagnostics> {
    let size = sources
        .iter()
        .map(|s| sent_length(map.text(*s)))
        .fold(0, usize::saturating_add);
    if let Some(over) = size
        .checked_sub(SESSION_POLICY_LIMIT)
        .filter(|over| *over > 0)
    {
        return Err(Diagnostics::single(
            Diagnostic::unplaced_error(
                "session-policy",
                format!(
                    "the session policies are {size} characters as sent (white space included, as STS counts the `Policy` parameter): {over} over the {SESSION_POLICY_LIMIT}-character limit of STS"
                ),
            )
            .with_help("AssumeRole and GetFederationToken reject it (ValidationError); minify the JSON (`jq -c .`) or shorten the policy".to_owned()),
        ));
    }
    let mut policies = Vec::with_capacity(sources.len());
    for source in sources {
        let document = iamwhy_policy::parse_policy(map, *source, PolicyKind::Session)?;
        policies.push(Policy::new(
            format!("session policy {}", map.name(*source)),
            document,
        ));
    }
    Ok(policies)
}

/// Completes a request the way every real request is: the resource account (from the
/// snapshot, else the principal's account for an ARN without one), `aws:RequestedRegion` (the
/// resource's Region when not given), and the derived global keys (spec §1.4). What was
/// assumed goes to `notes`.
pub fn complete_request(
    snapshot: &Snapshot,
    side: &ResourceSide,
    req: &mut Request,
    now: Instant,
    notes: &mut Vec<String>,
) {
    resource_facts(snapshot, side, req, notes);
    derive_context(req, now);
}

/// The part of [`complete_request`] that reads the snapshot: the resource account and
/// `aws:RequestedRegion`.
pub fn resource_facts(
    snapshot: &Snapshot,
    side: &ResourceSide,
    req: &mut Request,
    notes: &mut Vec<String>,
) {
    let told = req
        .context
        .get("aws:ResourceAccount")
        .and_then(|v| v.values().first().cloned());
    if req.effective_resource_account().is_none() && !req.resource.is_any() {
        match (&side.account, told) {
            (Some(a), _) => req.resource_account = Some(a.clone()),
            // The request says whose resource it is (a CloudTrail record's `resources`).
            (None, Some(a)) => {
                if req.principal.account() != Some(a.as_str()) {
                    notes.push(format!(
                        "the resource belongs to account {a} (the request says so), which is not in the snapshot: its resource-based policy is unknown, and across accounts it must allow the request too (IAM User Guide, \"Cross-account policy evaluation logic\", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html)"
                    ));
                }
                req.resource_account = Some(a);
            }
            // A bucket no account of a snapshot of many accounts holds: its owner is another
            // account that nothing names (`ResourceSide::in_other_account`).
            (None, None) if side.in_other_account => {}
            (None, None) => {
                if let Some(a) = req.principal.account() {
                    notes.push(format!(
                        "the resource is not in the snapshot and its ARN names no account; assumed account {a}"
                    ));
                    req.resource_account = Some(a.to_owned());
                }
            }
        }
    }
    // Every real request has a Region; the snapshot knows the resource's.
    if req.context.get("aws:RequestedRegion").is_none()
        && let Some(region) = snapshot.region_of(req.resource.as_str())
    {
        notes.push(format!(
            "aws:RequestedRegion = {region}, the resource's Region; `--context aws:RequestedRegion=REGION` to change"
        ));
        req.context.set("aws:RequestedRegion", region);
    }
}

/// Evaluates every action and resource with one set of changes.
fn run(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    query: &AccountQuery,
    who: &ResolvedPrincipal,
    session: &Option<Vec<Policy>>,
    changes: &Changes,
    session_notes: &[String],
) -> Result<Vec<SimulationResult>, Diagnostics> {
    let now = query.current_time.unwrap_or_else(Instant::now);
    let principal_side = snapshot.principal_policies(map, who, changes)?;
    // A principal of an account the snapshot does not hold: its own policies are unknown,
    // so the request is evaluated with none of them and, when that denies, again as if
    // they allowed everything (issue 21: "evaluated as far as it can be").
    let outside = snapshot
        .principal_outside(&who.principal)
        .and(who.principal.account().map(str::to_owned));
    let mut most: Option<PrincipalPolicies> = None;
    let mut results = Vec::new();
    for action in &query.actions {
        for resource in &query.resources {
            let one = |map: &mut SourceMap, side: &PrincipalPolicies| {
                let check = Check {
                    snapshot,
                    who,
                    principal_side: side,
                    session,
                    changes,
                    now,
                    brief: query.brief,
                    detail: query.detail,
                };
                one_request(map, &check, query, action, resource, session_notes)
            };
            let mut result = one(map, &principal_side)?;
            if let Some(account) = &outside
                && result.final_decision() != Decision::Allowed
            {
                let most =
                    most.get_or_insert_with(|| allowing_everything(map, &principal_side, account));
                let best = one(map, most)?;
                result = bounded(result, best, account);
            }
            if let Some(exp) = &query.expect {
                let mut judged = result.clone();
                judged.decision = result.final_decision();
                result.expectation = Some(check_expectation(exp, &judged));
            }
            results.push(result);
        }
    }
    Ok(results)
}

/// One request of the question, with its hidden checks.
fn one_request(
    map: &mut SourceMap,
    check: &Check<'_>,
    query: &AccountQuery,
    action: &Action,
    resource: &Resource,
    session_notes: &[String],
) -> Result<SimulationResult, Diagnostics> {
    let mut context = Context::new();
    for (k, v) in &query.context {
        context.insert(k, v.clone());
    }
    // A call that does not send the SSE-KMS key header (GetObject: the key is the object's
    // own) does not carry its condition key; a key given for it names the object's key,
    // used only by the hidden KMS check.
    let mut main_context = context.clone();
    if !sends_sse_kms_header(action) {
        main_context.remove(S3_SSE_KMS_KEY);
    }
    let (mut result, account_notes) = check.evaluate(map, action, resource, main_context)?;
    let mut notes: Vec<String> = check.principal_side.notes.clone();
    notes.extend(session_notes.iter().cloned());
    notes.extend(account_notes);
    if query.hidden_calls {
        let (checks, hidden_notes) = check.hidden(map, action, resource, &context, &result)?;
        if !checks.is_empty() {
            let all_allowed = checks
                .iter()
                .all(|c| c.result.decision == Decision::Allowed);
            result.operation_decision = Some(match (result.decision, all_allowed) {
                (Decision::Allowed, true) => Decision::Allowed,
                (Decision::Allowed, false) => checks
                    .iter()
                    .map(|c| c.result.decision)
                    .find(|d| *d != Decision::Allowed)
                    .unwrap_or(Decision::ImplicitDeny),
                (d, _) => d,
            });
        }
        result.hidden_checks = checks;
        notes.extend(hidden_notes);
    } else {
        notes.push("hidden calls not evaluated (--no-hidden-calls)".to_owned());
    }
    notes.append(&mut result.notes);
    result.notes = dedup(notes);
    Ok(result)
}

/// The principal's side as the most its unknown policies could allow: one identity-based
/// policy allowing every action on every resource, no permissions boundary; the SCPs of its
/// account's path (known from the organization's data) stay.
fn allowing_everything(
    map: &mut SourceMap,
    known: &PrincipalPolicies,
    account: &str,
) -> PrincipalPolicies {
    let source = map.add_file(
        format!("(assumed) the identity-based policies of account {account}, which the snapshot does not hold, allowing everything"),
        ALLOW_EVERYTHING,
    );
    let mut most = known.clone();
    // The document is a constant that parses; a failure would be a bug, and then the bound
    // is not computed (the principal's side stays empty).
    most.identity = iamwhy_policy::parse_policy(map, source, PolicyKind::Identity)
        .map(|document| {
            vec![Policy::new(
                format!("(assumed) any policy of account {account}"),
                document,
            )]
        })
        .unwrap_or_default();
    most.boundary = None;
    most
}

/// An identity-based policy that allows everything.
const ALLOW_EVERYTHING: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// Combines the evaluation without the principal's unknown policies (`least`, a denial)
/// with the one as if they allowed everything (`most`).
fn bounded(least: SimulationResult, most: SimulationResult, account: &str) -> SimulationResult {
    if most.final_decision() == Decision::Allowed {
        let mut result = least;
        result.notes.push(format!(
            "everything outside account {account} allows this request: it is allowed if and only if that account's identity-based policies (and its permissions boundary and session policies, if any) allow `{}` on `{}`; the decision shown is the one without them",
            result.action, result.resource
        ));
        result.unknown_identity = Some(UnknownIdentity {
            account: account.to_owned(),
            bound: IdentityBound::DependsOnItsPolicies,
        });
        return result;
    }
    let mut result = most;
    result.notes.push(format!(
        "denied whatever the policies of account {account} say: evaluated as if they allowed everything, the request is still denied, and the reasons shown come from that evaluation"
    ));
    result.unknown_identity = Some(UnknownIdentity {
        account: account.to_owned(),
        bound: IdentityBound::DeniedWhateverItsPoliciesSay,
    });
    result
}

/// Whether the call sends `x-amz-server-side-encryption-aws-kms-key-id` (PutObject,
/// CopyObject, CreateMultipartUpload: the Service Authorization Reference lists
/// `s3:x-amz-server-side-encryption-aws-kms-key-id` for them and not for GetObject).
fn sends_sse_kms_header(action: &Action) -> bool {
    let catalog = Catalog::bundled();
    catalog.action(action.as_str()).is_some_and(|a| {
        catalog
            .action_condition_key_names(a)
            .iter()
            .any(|k| k.eq_ignore_ascii_case(S3_SSE_KMS_KEY))
    })
}

fn dedup(list: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for item in list {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// What one evaluation on the snapshot needs.
struct Check<'a> {
    snapshot: &'a Snapshot,
    who: &'a ResolvedPrincipal,
    principal_side: &'a PrincipalPolicies,
    session: &'a Option<Vec<Policy>>,
    changes: &'a Changes,
    now: Instant,
    /// See [`AccountQuery::brief`].
    brief: bool,
    /// See [`AccountQuery::detail`].
    detail: Detail,
}

impl Check<'_> {
    /// Evaluates one request with the snapshot's policies.
    fn evaluate(
        &self,
        map: &mut SourceMap,
        action: &Action,
        resource: &Resource,
        context: Context,
    ) -> Result<(SimulationResult, Vec<String>), Diagnostics> {
        let side = self
            .snapshot
            .resource_side(map, resource.as_str(), self.changes)?;
        let mut notes = side.notes.clone();
        let mut req = Request {
            principal: self.who.principal.clone(),
            facts: self.who.facts.clone(),
            action: action.clone(),
            resource: resource.clone(),
            resource_account: None,
            context,
        };
        complete_request(self.snapshot, &side, &mut req, self.now, &mut notes);
        let set = self
            .snapshot
            .policy_set(self.principal_side, &side, self.session.clone());
        let options = EvalOptions {
            explain: !self.brief,
            ..EvalOptions::default()
        };
        let ev = authorize(&req, &set, &options);
        let result = build_result(
            &self.who.principal.display_name(),
            &req,
            &ev,
            &set,
            map,
            self.detail,
        );
        Ok((result, notes))
    }

    /// The checks the call triggers in other services that the snapshot has the facts for.
    fn hidden(
        &self,
        map: &mut SourceMap,
        action: &Action,
        resource: &Resource,
        context: &Context,
        main: &SimulationResult,
    ) -> Result<(Vec<HiddenCheckResult>, Vec<String>), Diagnostics> {
        let catalog = Catalog::bundled();
        let rules = catalog.hidden_calls_for(action.as_str());
        let mut out = Vec::new();
        let mut notes = Vec::new();
        let mut variants = Vec::new();
        let mut unknown_facts = Vec::new();
        for rule in rules {
            if let Some(v) = &rule.variant {
                variants.push(format!("{v} ({})", rule.id));
                continue;
            }
            let key = match rule.resource_fact {
                ResourceFact::KmsKey => match self.key_of(action, resource, context) {
                    Some(k) => Some(k),
                    None => {
                        unknown_facts.push(rule);
                        continue;
                    }
                },
                ResourceFact::PassedRole => {
                    unknown_facts.push(rule);
                    continue;
                }
                ResourceFact::None => None,
            };
            for c in &rule.checks {
                match self.hidden_check(
                    map,
                    rule,
                    c,
                    action,
                    resource,
                    context,
                    key.as_ref(),
                    main,
                )? {
                    Ok(check) => out.push(check),
                    Err(unknown) => notes.push(format!(
                        "this call can also need {} ({}); not evaluated because the request does not tell {unknown}",
                        c.action, rule.when
                    )),
                }
            }
        }
        if !variants.is_empty() {
            notes.push(format!(
                "not evaluated: the checks of other forms of this call: {}; `iamwhy actions --dependent {action}` lists them",
                variants.join(", ")
            ));
        }
        for rule in unknown_facts {
            let fact = match rule.resource_fact {
                ResourceFact::KmsKey => {
                    "which KMS key encrypts the resource (not in the snapshot; for S3 give `--context s3:x-amz-server-side-encryption-aws-kms-key-id=KEY`)"
                }
                _ => "which role the request passes",
            };
            let checks: Vec<&str> = rule.checks.iter().map(|c| c.action.as_str()).collect();
            notes.push(format!(
                "this call can also need {} ({}); not evaluated because the snapshot does not say {fact}",
                checks.join(", "),
                rule.when
            ));
        }
        Ok((out, dedup(notes)))
    }

    /// The key that encrypts the resource: the request's SSE-KMS header, else the
    /// snapshot's facts.
    fn key_of(&self, action: &Action, resource: &Resource, context: &Context) -> Option<KeyFact> {
        if action.service().eq_ignore_ascii_case("s3")
            && let Some(value) = context.get(S3_SSE_KMS_KEY).and_then(|v| v.values().first())
        {
            let region = self.snapshot.region_of(resource.as_str());
            // "If you use a KMS key alias instead, then AWS KMS resolves the key within the
            // requester's account", and a key of another account needs "the full Key ARN not
            // the Key ID" (Amazon S3 API reference, `ServerSideEncryptionByDefault` and the
            // `SSEKMSKeyId` request parameter): a key id or alias is a key of the caller's
            // account; only a key ARN names the bucket owner's.
            let requester = self
                .who
                .principal
                .account()
                .or(self.snapshot.account.as_deref());
            let arn = self
                .snapshot
                .resolve_key(value, region.as_deref(), requester)?;
            let origin = if sends_sse_kms_header(action) {
                format!(
                    "the request's `x-amz-server-side-encryption-aws-kms-key-id` header (`{S3_SSE_KMS_KEY}`)"
                )
            } else {
                format!(
                    "the object's own encryption (the key named for the object, by S3's kms:Decrypt record or `--context`; {action} sends no SSE-KMS key header: S3 decrypts with the key the object was written with)"
                )
            };
            // The bucket's S3 Bucket Key setting holds for the objects written under it.
            let bucket_key = self
                .snapshot
                .kms_key_for(resource.as_str())
                .is_some_and(|k| k.bucket_key);
            return Some(KeyFact {
                arn,
                origin,
                bucket_key,
            });
        }
        // S3 encrypts a write with the bucket's default key, an alias or key id of which is
        // resolved in the writer's account (s3:PutObject authorizes PutObject, CopyObject's
        // destination and multipart uploads).
        let writer = self.who.principal.account();
        match writer {
            Some(w) if action.as_str().eq_ignore_ascii_case("s3:PutObject") => {
                self.snapshot.kms_key_for_write(resource.as_str(), w)
            }
            _ => self.snapshot.kms_key_for(resource.as_str()),
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one hidden check needs the whole request"
    )]
    fn hidden_check(
        &self,
        map: &mut SourceMap,
        rule: &HiddenCall,
        check: &iamwhy_catalog::HiddenCheck,
        action: &Action,
        resource: &Resource,
        context: &Context,
        key: Option<&KeyFact>,
        main: &SimulationResult,
    ) -> Result<Result<HiddenCheckResult, String>, Diagnostics> {
        let region = self
            .snapshot
            .region_of(resource.as_str())
            .or_else(|| key.and_then(|k| k.arn.split(':').nth(3).map(str::to_owned)));
        let bucket_arn = resource
            .as_str()
            .strip_prefix("arn:aws:s3:::")
            .and_then(|p| p.split('/').next())
            .map(|b| format!("arn:aws:s3:::{b}"));
        let value = |name: &str| -> Option<String> {
            match name {
                "kms_key_arn" => key.map(|k| k.arn.clone()),
                "resource_arn" => Some(resource.as_str().to_owned()),
                "bucket_arn" => bucket_arn.clone(),
                "region" => region.clone(),
                "account" => main.resource_account.clone(),
                "principal_account" => self.who.principal.account().map(str::to_owned),
                "service" => Some(action.service().to_owned()),
                _ => None,
            }
        };
        let fill = |template: &str| {
            fill_placeholders(template, value).map_err(|name| match name.as_str() {
                "principal_account" => "the caller's account".to_owned(),
                "region" => "the region".to_owned(),
                other => format!("`{{{other}}}`"),
            })
        };
        let check_action = Action::parse(&check.action).map_err(|e| {
            Diagnostics::single(Diagnostic::unplaced_error("hidden-call", e.to_string()))
        })?;
        let check_resource = match fill(&check.resource) {
            Ok(r) => Resource::parse(&r).map_err(|e| {
                Diagnostics::single(Diagnostic::unplaced_error("hidden-call", e.to_string()))
            })?,
            Err(unknown) => return Ok(Err(unknown)),
        };
        let mut check_context = context.clone();
        check_context.remove(S3_SSE_KMS_KEY);
        let mut left_out = Vec::new();
        let mut bucket_key_context = None;
        for (k, template) in &check.context {
            let template = match key {
                Some(k_fact) if k_fact.bucket_key && k.ends_with("aws:s3:arn") => {
                    bucket_key_context = Some(k.clone());
                    "{bucket_arn}"
                }
                _ => template.as_str(),
            };
            // A key whose value the request does not tell (`kms:CallerAccount` of an
            // anonymous caller) is absent from the check, as it is from AWS's request.
            match fill(template) {
                Ok(v) => check_context.set(k, v),
                Err(_) => left_out.push(k.as_str()),
            }
        }
        let (mut result, notes) = match rule.mechanism {
            Mechanism::ServicePrincipal => {
                let service = format!("{}.amazonaws.com", action.service());
                let who = ResolvedPrincipal {
                    principal: Principal::Service(service),
                    facts: iamwhy_core::PrincipalFacts::default(),
                };
                let empty = PrincipalPolicies::default();
                let as_service = Check {
                    who: &who,
                    principal_side: &empty,
                    session: &None,
                    ..*self
                };
                as_service.evaluate(map, &check_action, &check_resource, check_context)?
            }
            Mechanism::ForwardAccessSession | Mechanism::CallerPermission => {
                self.evaluate(map, &check_action, &check_resource, check_context)?
            }
        };
        result.notes.extend(notes);
        if !left_out.is_empty() {
            result.notes.push(format!(
                "the request does not tell the value of {}: left out of the check's context",
                left_out.join(", ")
            ));
        }
        let mut why = match (rule.mechanism, key) {
            (Mechanism::ForwardAccessSession, Some(k)) => format!(
                "{} calls {} with the caller's identity (forward access session); the key comes from {}",
                service_name(action.service()),
                check.action,
                k.origin
            ),
            (Mechanism::ForwardAccessSession, None) => format!(
                "{} calls {} with the caller's identity (forward access session)",
                service_name(action.service()),
                check.action
            ),
            (Mechanism::CallerPermission, _) => {
                format!(
                    "{} also checks that the caller may {}",
                    service_name(action.service()),
                    check.action
                )
            }
            (Mechanism::ServicePrincipal, _) => format!(
                "{} calls {} with its own service principal",
                service_name(action.service()),
                check.action
            ),
        };
        if let (Some(k), Some(bucket)) = (&bucket_key_context, &bucket_arn) {
            why.push_str(&format!(
                "; the bucket has an S3 Bucket Key (`BucketKeyEnabled`), so the encryption context `{k}` is the bucket ARN `{bucket}`, not the object's ARN ({})",
                crate::explain::reasons::BUCKET_KEY_DOC
            ));
        }
        Ok(Ok(HiddenCheckResult {
            bucket_key: bucket_key_context.is_some(),
            rule: rule.id.clone(),
            mechanism: rule.mechanism,
            why,
            doc: rule.doc.clone(),
            result: Box::new(result),
        }))
    }
}

/// `Amazon S3` for `s3`, from the catalog's service names.
fn service_name(prefix: &str) -> String {
    Catalog::bundled()
        .service(prefix)
        .map_or_else(|| prefix.to_owned(), |s| s.name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS STS API Reference, "AssumeRole" and "GetFederationToken": the `Policy` parameter
    /// is 1 to 2,048 characters and may hold tab, line feed and carriage return, so the text
    /// is counted as sent; a pretty-printed policy whose compact form fits is still rejected.
    #[test]
    fn the_sts_limit_counts_the_text_as_sent() {
        let statement = serde_json::json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-name/prefix/*"});
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": vec![statement; 22]});
        let pretty = serde_json::to_string_pretty(&doc).unwrap();
        let compact = iamwhy_policy::json::packed_length(&pretty);
        assert!(compact <= SESSION_POLICY_LIMIT, "{compact}");
        assert!(sent_length(&pretty) > SESSION_POLICY_LIMIT);
        let mut map = SourceMap::new();
        let pretty_id = map.add_file("pretty.json".to_owned(), pretty.clone());
        let e = session_policy_set(&mut map, &[pretty_id]).unwrap_err();
        let text = format!("{:?}", e.iter().next());
        assert!(text.contains("as sent"), "{text}");
        let minified: String =
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&pretty).unwrap())
                .unwrap();
        let minified_id = map.add_file("minified.json".to_owned(), minified);
        assert!(session_policy_set(&mut map, &[minified_id]).is_ok());
    }
}
