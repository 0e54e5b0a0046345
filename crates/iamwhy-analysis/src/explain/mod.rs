//! `iamwhy explain`: a denied call (and the calls AWS services made for it that failed too)
//! evaluated against the snapshot, cross-checked with what AWS said, explained in words, and
//! fixed.
//!
//! * `answer`: what a pasted message alone establishes, without a snapshot;
//! * `reasons`: the reasons for one decision, statement by statement, and its near misses.

pub(crate) mod answer;
pub(crate) mod reasons;
pub mod run;

use crate::report::{Effect, IdentityBound, SimulationResult};
use iamwhy_core::{
    Action, Decision, DeniedBy, Diagnostic, Diagnostics, PolicyType, Resource, SourceMap,
};
use iamwhy_snapshot::Snapshot;
use iamwhy_trail::Event;
use iamwhy_trail::message::{DenialMessage, DenyKind, MessageForm};
use iamwhy_trail::scan::Origin;
use serde::Serialize;

use crate::fix::{Failing, Fix, Proof, evaluate_as_is, propose};
use crate::request::{Reconstructed, S3_SSE_KMS_KEY, Unexplained, from_event, from_message};

/// A record, as the report cites it.
#[derive(Clone, Debug, Serialize)]
pub struct EventRef {
    /// `eventTime`.
    pub time: String,
    /// `eventID`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// `service:EventName`.
    pub call: String,
    /// The identity.
    pub principal: String,
    /// `invokedBy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<String>,
    /// `errorCode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// `errorMessage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// `file:line:column`.
    pub at: String,
}

impl EventRef {
    fn new(e: &Event, o: &Origin) -> EventRef {
        EventRef {
            time: e.event_time.clone(),
            event_id: e.event_id.clone(),
            call: e.action_label(),
            principal: e.principal_label(),
            invoked_by: e.user_identity.invoked_by.clone(),
            error_code: e.error_code.clone(),
            error_message: e.error_message.clone(),
            at: format!("{}:{}:{}", o.file, o.line, o.column),
        }
    }
}

/// What AWS's message said.
#[derive(Clone, Debug, Serialize)]
pub struct AwsSaid {
    /// `explicit`, `implicit` or `unknown`.
    pub deny_kind: DenyKind,
    /// The policy type named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_type: Option<PolicyType>,
    /// The denying policy's ARN (2026 messages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_arn: Option<String>,
    /// The action named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The resource named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

impl AwsSaid {
    fn new(m: &DenialMessage) -> Option<AwsSaid> {
        (m.form == MessageForm::Standard).then(|| AwsSaid {
            deny_kind: m.deny_kind,
            policy_type: m.policy_type,
            policy_arn: m.policy_arn.clone(),
            action: m.action.clone(),
            resource: m.resource.clone(),
        })
    }
}

/// How our evaluation compares with AWS's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CrossCheckStatus {
    /// The snapshot gives the decision (and the policy type, when AWS names one) AWS gave.
    Agrees,
    /// The snapshot decides otherwise than AWS did, or blames another policy.
    Disagrees,
    /// AWS's message names no policy type, or not the failing check.
    NotComparable,
    /// The request could not be evaluated.
    NotEvaluated,
}

/// Our evaluation against AWS's record.
#[derive(Clone, Debug, Serialize)]
pub struct CrossCheck {
    /// `agrees`, `disagrees`, `not-comparable` (AWS's message names no policy type) or
    /// `not-evaluated`.
    pub status: CrossCheckStatus,
    /// What agrees or differs, in words.
    pub detail: Vec<String>,
    /// Which part of the snapshot to take again, when we disagree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh: Option<String>,
}

/// A call of the incident that an AWS service made for the principal, and failed.
#[derive(Clone, Debug, Serialize)]
pub struct Linked {
    /// The record.
    pub event: EventRef,
    /// Its request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Reconstructed>,
    /// Why it could not be evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unexplained: Option<Unexplained>,
    /// Its own evaluation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<SimulationResult>,
}

/// One denied call explained.
#[derive(Clone, Debug, Serialize)]
pub struct Incident {
    /// The record (absent for `--message`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<EventRef>,
    /// The message given with `--message`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Failed calls AWS services made for this one (S3's `kms:Decrypt` during a GetObject).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub linked: Vec<Linked>,
    /// The request put back together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Reconstructed>,
    /// Why the call could not be explained.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unexplained: Option<Unexplained>,
    /// What AWS's message said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsSaid>,
    /// Our evaluation of the operation, hidden checks included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<SimulationResult>,
    /// Our decision for the whole operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Our decision against AWS's.
    pub cross_check: CrossCheck,
    /// Why, in plain words.
    pub reasoning: Vec<String>,
    /// Proposed fixes, each verified or not.
    pub fixes: Vec<Fix>,
}

impl Incident {
    /// The evaluation of the check that denied: the request itself, else its first denied
    /// hidden check, else a linked record's own evaluation.
    pub fn failing(&self) -> Option<&SimulationResult> {
        if let Some(r) = &self.result {
            if r.decision != Decision::Allowed {
                return Some(r);
            }
            if let Some(c) = r.failing_check() {
                return Some(&c.result);
            }
        }
        self.linked
            .iter()
            .filter_map(|l| l.result.as_ref())
            .find(|r| r.decision != Decision::Allowed)
    }

    fn empty() -> Incident {
        Incident {
            event: None,
            message: None,
            linked: Vec::new(),
            request: None,
            unexplained: None,
            aws: None,
            result: None,
            decision: None,
            cross_check: CrossCheck {
                status: CrossCheckStatus::NotEvaluated,
                detail: Vec::new(),
                refresh: None,
            },
            reasoning: Vec::new(),
            fixes: Vec::new(),
        }
    }
}

/// A record to explain, with where it was read and its parsed message.
pub struct Record {
    /// The event.
    pub event: Event,
    /// Where it was read.
    pub origin: Origin,
}

/// Groups denied records into incidents by the trail's one linking rule
/// ([`iamwhy_trail::link`]): a call an AWS service made with a principal's identity
/// (`invokedBy`) goes with that identity's call to that service it served, and a call a
/// service made as itself (`AWSService`) with the call it is tied to. Returns
/// `(primary, linked)` index groups in input order.
pub fn group(records: &[Record]) -> Vec<(usize, Vec<usize>)> {
    iamwhy_trail::link::group(records, |r| &r.event)
}

/// Explains one incident: `primary` and the failed service calls made for it.
pub fn explain_records(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    primary: &Record,
    linked: &[&Record],
    fixes: bool,
) -> Result<Incident, Diagnostics> {
    let mut inc = Incident::empty();
    inc.event = Some(EventRef::new(&primary.event, &primary.origin));
    let message = primary.event.denial();
    inc.aws = AwsSaid::new(&message);
    let mut linked_out = Vec::new();
    for l in linked {
        let m = l.event.denial();
        let mut out = Linked {
            event: EventRef::new(&l.event, &l.origin),
            request: None,
            unexplained: None,
            result: None,
        };
        match from_event(&l.event, &m, Some(snapshot)) {
            Ok(req) => {
                out.result = Some(evaluate_as_is(snapshot, map, &req, false)?);
                out.request = Some(req);
            }
            Err(u) => out.unexplained = Some(u),
        }
        linked_out.push((out, m));
    }
    match from_event(&primary.event, &message, Some(snapshot)) {
        Ok(mut req) => {
            // The key S3 used is what the KMS record names.
            if req.action.as_str().starts_with("s3:")
                && !req.context.iter().any(|(k, _)| k == S3_SSE_KMS_KEY)
                && req.object_kms_key.is_none()
                && let Some(key) = linked_out.iter().find_map(|(l, _)| {
                    l.request
                        .as_ref()
                        .filter(|r| r.action.as_str().starts_with("kms:"))
                        .map(|r| r.resource.as_str().to_owned())
                })
            {
                // The object's own key decides a read, whatever the bucket's default is now
                // (objects keep the key they were written with).
                req.notes.push(match snapshot.kms_key_for(req.resource.as_str()) {
                    None => format!(
                        "the snapshot does not say which key encrypts the object; S3's kms:Decrypt record of the incident names the object's key {key}"
                    ),
                    Some(k) if k.arn == key => format!(
                        "the object's key, named by S3's kms:Decrypt record of the incident, is {key}, the bucket's default key"
                    ),
                    Some(k) => format!(
                        "the object's key, named by S3's kms:Decrypt record of the incident, is {key}, not the bucket's default key {} (an object keeps the key it was written with)",
                        k.arn
                    ),
                });
                req.object_kms_key = Some(key);
            }
            evaluated(&mut inc, snapshot, map, req)?;
        }
        Err(u) => inc.unexplained = Some(u),
    }
    inc.linked = linked_out.iter().map(|(l, _)| l.clone()).collect();
    let others: Vec<&DenialMessage> = linked_out.iter().map(|(_, m)| m).collect();
    conclude(
        &mut inc,
        snapshot,
        map,
        &message,
        &others,
        primary.event.is_denied(),
        fixes,
    )?;
    Ok(inc)
}

/// Evaluates the incident's request (with hidden calls) and keeps it.
fn evaluated(
    inc: &mut Incident,
    snapshot: &Snapshot,
    map: &mut SourceMap,
    req: Reconstructed,
) -> Result<(), Diagnostics> {
    // A single-account snapshot says nothing about a principal of another account: the
    // message alone is answered instead (issue 20). A snapshot of many accounts evaluates it
    // as far as it can, the principal's policies unknown (issue 21).
    if !snapshot.is_many_accounts()
        && let Ok(principal) = iamwhy_core::Principal::parse(&req.principal)
        && let Some(e) = snapshot.principal_not_held(&principal)
    {
        let mut d = Diagnostic::unplaced_error("principal", e.message);
        if let Some(first) = e.suggestions.first() {
            d = d.with_help(format!("did you mean `{first}`?"));
        }
        return Err(Diagnostics::single(d));
    }
    // A key policy decides every use of a KMS key (spec §4.8.2): without it, any answer
    // would be a guess.
    if let Some(key) = snapshot.missing_kms_key(req.resource.as_str()) {
        let account = key.split(':').nth(4).filter(|a| !a.is_empty());
        let message = match account {
            // Docs/snapshot.md, "Many accounts": the key's account folder.
            Some(a) if snapshot.is_many_accounts() || !snapshot.holds_account(a) => format!(
                "the key policy in {a} is not in the snapshot, and it decides every use of the key `{key}` (AWS KMS Developer Guide, \"Key policies in AWS KMS\", https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html): add `accounts/{a}/kms/KEY_ID/key-policy.json` and `describe-key.json` (docs/snapshot.md, \"Many accounts\")"
            ),
            _ => format!(
                "the KMS key `{key}` is not in the snapshot, and its key policy decides every use of it (AWS KMS Developer Guide, \"Key policies in AWS KMS\", https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html): add `kms/KEY_ID/key-policy.json` and `describe-key.json` for it (scripts/snapshot.sh takes them; a key of another account needs that account's snapshot)"
            ),
        };
        inc.unexplained = Some(Unexplained::missing(message));
        inc.request = Some(req);
        return Ok(());
    }
    let result = evaluate_as_is(snapshot, map, &req, true)?;
    inc.decision = Some(result.final_decision());
    inc.request = Some(req);
    inc.result = Some(result);
    Ok(())
}

/// Cross-check, reasoning and fixes (verified against every request of the incident).
fn conclude(
    inc: &mut Incident,
    snapshot: &Snapshot,
    map: &mut SourceMap,
    message: &DenialMessage,
    linked: &[&DenialMessage],
    recorded_denied: bool,
    fixes: bool,
) -> Result<(), Diagnostics> {
    let failing = failing_check(inc);
    inc.cross_check = cross_check(inc, message, linked, recorded_denied);
    inc.reasoning = reasoning(inc, failing.as_ref());
    if let Some(note) = list_bucket_note(inc, snapshot, map)? {
        inc.reasoning.push(note);
    }
    if fixes && let Some(f) = failing {
        let mut requests: Vec<&Reconstructed> = inc.request.iter().collect();
        requests.extend(inc.linked.iter().filter_map(|l| l.request.as_ref()));
        inc.fixes = propose(snapshot, map, &f, &Proof { requests })?;
        caution(inc);
    }
    Ok(())
}

/// Explains an AccessDenied message pasted from a terminal: the first message found in the
/// text (see [`explain_messages`] for every one).
pub fn explain_message(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    text: &str,
    fixes: bool,
) -> Result<Incident, Diagnostics> {
    let message = iamwhy_trail::message::parse_message(text);
    explain_one(snapshot, map, locate_message(text), &message, fixes)
}

/// Explains every AccessDenied message found in a paste (a log excerpt, several errors), in
/// order; each is its own result.
pub fn explain_messages(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    text: &str,
    fixes: bool,
) -> Vec<Result<Incident, Diagnostics>> {
    let messages = iamwhy_trail::message::read_messages(text);
    if messages.len() <= 1 {
        return vec![explain_message(snapshot, map, text, fixes)];
    }
    messages
        .iter()
        .map(|m| {
            let shown = m.principal.as_deref().map_or_else(
                || text.trim().to_owned(),
                |p| {
                    format!(
                        "{p} is not authorized to perform {}",
                        m.action.as_deref().unwrap_or("?")
                    )
                },
            );
            explain_one(snapshot, map, &shown, m, fixes)
        })
        .collect()
}

fn explain_one(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    text: &str,
    message: &DenialMessage,
    fixes: bool,
) -> Result<Incident, Diagnostics> {
    // Text in none of the forms of spec §5 gives nothing to explain: an error, not an
    // incident (issue 18). S3's plain `Access Denied` and EC2's encoded-only message are
    // forms AWS prints; their incident says what is missing.
    if matches!(message.form, MessageForm::Other | MessageForm::Missing) {
        return Err(Diagnostics::single(
            Diagnostic::unplaced_error(
                "not-an-access-denied-message",
                "`--message` is not an AccessDenied message iamwhy can read",
            )
            .with_help(
                "expected `User: ARN is not authorized to perform: ACTION on resource: ARN because ...`, optionally after the CLI's `An error occurred (AccessDenied) when calling the OPERATION operation: `, or S3's `Access Denied`",
            ),
        ));
    }
    let mut inc = Incident::empty();
    inc.message = Some(text.trim().to_owned());
    inc.aws = AwsSaid::new(message);
    match from_message(message) {
        Ok(req) => evaluated(&mut inc, snapshot, map, req)?,
        Err(u) => inc.unexplained = Some(u),
    }
    conclude(&mut inc, snapshot, map, message, &[], true, fixes)?;
    Ok(inc)
}

/// The AccessDenied message in text pasted from a terminal: the line that holds it, from
/// the SDK's `An error occurred (` (the CLI prints `download failed: s3://... to ...` or the
/// command before it), else from `User: ` or the line naming the missing authorization.
fn locate_message(text: &str) -> &str {
    const MARKERS: [&str; 3] = [
        "An error occurred (",
        "User: ",
        "is not authorized to perform",
    ];
    for marker in MARKERS {
        if let Some(line) = text.lines().find(|l| l.contains(marker)) {
            let start = if marker == MARKERS[2] {
                0
            } else {
                line.find(marker).unwrap_or(0)
            };
            return line.get(start..).unwrap_or(line).trim();
        }
    }
    text.trim()
}

/// Fixes verified against a snapshot that disagrees with AWS prove little: say so.
fn caution(inc: &mut Incident) {
    if inc.cross_check.status != CrossCheckStatus::Disagrees {
        return;
    }
    for f in &mut inc.fixes {
        f.widens.push("the snapshot disagrees with AWS's record of this call: the fix is verified against the snapshot, not against the policies AWS applied; refresh the snapshot and explain again before applying it".to_owned());
    }
}

/// The check that denied, with the request it belongs to.
fn failing_check(inc: &Incident) -> Option<Failing> {
    let r = inc.failing()?;
    let in_main = inc.result.as_ref().is_some_and(|m| {
        std::ptr::eq(m, r) || m.hidden_checks.iter().any(|c| std::ptr::eq(&*c.result, r))
    });
    let req = if in_main {
        inc.request.as_ref()?
    } else {
        inc.linked
            .iter()
            .find(|l| l.result.as_ref().is_some_and(|x| std::ptr::eq(x, r)))?
            .request
            .as_ref()?
    };
    crate::fix::failing_of(req, r)
}

/// The policy type our evaluation blames, for a denied result.
fn our_type(r: &SimulationResult) -> Option<PolicyType> {
    r.denied_by.and_then(DeniedBy::policy_type)
}

fn kind_of(d: Decision) -> DenyKind {
    match d {
        Decision::ExplicitDeny => DenyKind::Explicit,
        Decision::ImplicitDeny => DenyKind::Implicit,
        Decision::Allowed => DenyKind::Unknown,
    }
}

/// Which part of the snapshot holds policies of a type.
fn refresh_hint(t: Option<PolicyType>) -> String {
    match t {
        Some(PolicyType::Scp) => "the Organizations outputs (`organizations/`: list-policies-for-target and describe-policy for the account's path; scripts/snapshot.sh run in the management account)".to_owned(),
        Some(PolicyType::Rcp) => "the Organizations outputs for RCPs (`organizations/`)".to_owned(),
        Some(PolicyType::Resource) => "the resource's policy (bucket policy, key policy, trust policy, ...) in the snapshot".to_owned(),
        Some(PolicyType::PermissionsBoundary | PolicyType::Identity) => "`iam/account-authorization-details.json` (aws iam get-account-authorization-details)".to_owned(),
        Some(PolicyType::Session) => "nothing in the snapshot: session policies are passed when a session is created; CloudTrail's AssumeRole or GetFederationToken record of the session shows them (`requestParameters.policy`, `policyArns`)".to_owned(),
        Some(PolicyType::VpcEndpoint) => "nothing in the snapshot: it does not hold VPC endpoint policies (`aws ec2 describe-vpc-endpoints`)".to_owned(),
        None => "the whole snapshot (`scripts/snapshot.sh`): it is older than the call or lacks a policy AWS applied (session policies, VPC endpoint policies and S3 ACLs are not in snapshots)".to_owned(),
    }
}

fn cross_check(
    inc: &Incident,
    message: &DenialMessage,
    linked: &[&DenialMessage],
    recorded_denied: bool,
) -> CrossCheck {
    let mut cc = CrossCheck {
        status: CrossCheckStatus::Agrees,
        detail: Vec::new(),
        refresh: None,
    };
    let Some(result) = &inc.result else {
        cc.status = CrossCheckStatus::NotEvaluated;
        return cc;
    };
    let ours = result.final_decision();
    match (recorded_denied, ours == Decision::Allowed) {
        (true, true) => {
            cc.status = CrossCheckStatus::Disagrees;
            cc.detail.push(format!(
                "AWS denied the call, but the snapshot allows it{}",
                message
                    .policy_type
                    .map(|t| format!(" (AWS names {})", t.aws_phrase()))
                    .unwrap_or_default()
            ));
            cc.refresh = Some(refresh_hint(message.policy_type));
            return cc;
        }
        (false, false) => {
            cc.status = CrossCheckStatus::Disagrees;
            cc.detail.push(format!(
                "AWS allowed the call, but the snapshot denies it ({})",
                ours.as_str()
            ));
            cc.refresh = Some(refresh_hint(our_type(result)));
            return cc;
        }
        (false, true) => {
            cc.detail
                .push("AWS allowed the call, and so does the snapshot".to_owned());
            return cc;
        }
        (true, false) => {}
    }
    // Both denied: compare with the message that names the check that failed.
    let failing = if result.decision != Decision::Allowed {
        result
    } else {
        result.failing_check().map_or(result, |c| &c.result)
    };
    let named = |m: &DenialMessage| {
        m.action
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(&failing.action))
    };
    let aws_message = if message.form == MessageForm::Standard && named(message) {
        Some(message)
    } else {
        linked.iter().copied().find(|m| named(m))
    };
    let Some(m) = aws_message else {
        cc.status = CrossCheckStatus::NotComparable;
        cc.detail.push(match message.form {
            MessageForm::PlainAccessDenied => format!(
                "AWS's message is the plain `Access Denied`: it names no policy type; the snapshot denies it ({}) at `{}`",
                failing.decision.as_str(),
                failing.action
            ),
            _ => format!(
                "AWS's message does not name the failing check `{}`; the snapshot denies it ({})",
                failing.action,
                failing.decision.as_str()
            ),
        });
        return cc;
    };
    // The principal's own policies are not in the snapshot (its account is not held): AWS
    // naming one of them is what the snapshot cannot check, not a disagreement.
    let unknown_side = result.unknown_identity.as_ref().filter(|_| {
        m.policy_type.is_some_and(|t| {
            matches!(
                t,
                PolicyType::Identity | PolicyType::PermissionsBoundary | PolicyType::Session
            )
        })
    });
    if let (Some(unknown), Some(t)) = (unknown_side, m.policy_type) {
        cc.detail.push(format!(
            "AWS names {} of account {}, which the snapshot does not hold; the snapshot cannot check it{}",
            t.aws_phrase(),
            unknown.account,
            match unknown.bound {
                IdentityBound::DeniedWhateverItsPoliciesSay => format!(
                    ", and finds the request denied by {} as well",
                    our_type(failing).map_or("a service rule", PolicyType::aws_phrase)
                ),
                IdentityBound::DependsOnItsPolicies => {
                    ": everything else allows, so the denial is there".to_owned()
                }
            }
        ));
        return cc;
    }
    let mut agree = true;
    if m.deny_kind != DenyKind::Unknown && m.deny_kind != kind_of(failing.decision) {
        agree = false;
        cc.detail.push(format!(
            "AWS says {} deny, the snapshot gives {} deny",
            m.deny_kind.as_str(),
            kind_of(failing.decision).as_str()
        ));
    }
    let ours_t = our_type(failing);
    if let Some(t) = m.policy_type
        && Some(t) != ours_t
    {
        agree = false;
        cc.detail.push(format!(
            "AWS names {}, the snapshot blames {}",
            t.aws_phrase(),
            ours_t.map_or("a service rule", PolicyType::aws_phrase)
        ));
        cc.refresh = Some(refresh_hint(Some(t)));
    }
    if let Some(arn) = &m.policy_arn
        && !failing
            .deciding_statements
            .iter()
            .any(|s| s.policy_arn.as_deref() == Some(arn.as_str()))
        && failing.decision == Decision::ExplicitDeny
    {
        agree = false;
        cc.detail.push(format!(
            "AWS names the policy {arn}, which is not among the denying statements the snapshot finds"
        ));
        cc.refresh
            .get_or_insert_with(|| refresh_hint(m.policy_type));
    }
    if agree {
        cc.detail.push(format!(
            "AWS says {} deny{}; the snapshot agrees",
            m.deny_kind.as_str(),
            m.policy_type
                .map(|t| format!(" by {}", t.aws_phrase()))
                .unwrap_or_default()
        ));
    } else {
        cc.status = CrossCheckStatus::Disagrees;
    }
    cc
}

/// Plain words: who did what, what failed and why.
fn reasoning(inc: &Incident, failing: Option<&Failing>) -> Vec<String> {
    let mut out = Vec::new();
    let Some(req) = &inc.request else {
        if let Some(u) = &inc.unexplained {
            out.extend(u.reasons.iter().cloned());
        }
        return out;
    };
    if inc.result.is_none()
        && let Some(u) = &inc.unexplained
    {
        out.extend(u.reasons.iter().cloned());
        return out;
    }
    let who = match &inc.result {
        Some(r) => r.principal.clone(),
        None => req.principal.clone(),
    };
    match &req.via_service {
        Some(svc) => out.push(format!(
            "{svc} called {} on {} with the identity of {who}",
            req.action, req.resource
        )),
        None => out.push(format!(
            "{who} called {} on {}",
            req.operation, req.resource
        )),
    }
    let Some(result) = &inc.result else {
        return out;
    };
    if result.decision == Decision::Allowed
        && let Some(c) = result.failing_check()
    {
        out.push(format!(
            "{} itself is allowed, but {}: {} {} on {} on behalf of {who} while serving {}",
            req.action,
            c.why,
            c.result.action,
            c.result.decision.as_str(),
            c.result.resource,
            req.operation
        ));
    }
    if let Some(f) = failing {
        out.extend(f.result.reasons.iter().cloned());
        if f.result.decision == Decision::ExplicitDeny {
            for s in f
                .result
                .deciding_statements
                .iter()
                .filter(|s| s.effect == Effect::Deny)
            {
                out.push(format!(
                    "statement {} of {} denies it ({}:{}:{})",
                    s.sid
                        .as_deref()
                        .map_or_else(|| format!("#{}", s.index), |sid| format!("\"{sid}\"")),
                    s.policy_title(),
                    s.file,
                    s.line,
                    s.column
                ));
            }
        }
    } else if result.final_decision() == Decision::Allowed {
        out.push(format!(
            "the snapshot allows {} on {}",
            req.action, req.resource
        ));
    }
    out
}

/// The 403-for-a-missing-key note (Amazon S3 API Reference, GetObject, "Permissions": without
/// `s3:ListBucket` S3 answers 403 Access Denied for a key that does not exist, with it 404),
/// only where it can matter: the object request itself is denied implicitly (not by an
/// explicit Deny, not by a later check such as S3's kms:Decrypt) and the caller may not list
/// the bucket.
fn list_bucket_note(
    inc: &Incident,
    snapshot: &Snapshot,
    map: &mut SourceMap,
) -> Result<Option<String>, Diagnostics> {
    let (Some(req), Some(result)) = (&inc.request, &inc.result) else {
        return Ok(None);
    };
    if !req.action.as_str().starts_with("s3:Get") || result.decision != Decision::ImplicitDeny {
        return Ok(None);
    }
    let Some(bucket) = req
        .resource
        .as_str()
        .strip_prefix("arn:aws:s3:::")
        .and_then(|p| p.split_once('/'))
        .map(|(b, _)| format!("arn:aws:s3:::{b}"))
    else {
        return Ok(None);
    };
    let (Ok(action), Ok(resource)) = (Action::parse("s3:ListBucket"), Resource::parse(&bucket))
    else {
        return Ok(None);
    };
    let probe = Reconstructed {
        operation: "ListObjectsV2".to_owned(),
        action,
        also_needs: Vec::new(),
        resource,
        resource_from: String::new(),
        notes: Vec::new(),
        object_kms_key: None,
        ..req.clone()
    };
    if evaluate_as_is(snapshot, map, &probe, false)?.decision == Decision::Allowed {
        return Ok(None);
    }
    Ok(Some(format!(
        "note: {} may not s3:ListBucket on {bucket}, so S3 answers 403 Access Denied also for a key that does not exist, instead of 404: check that the key exists (Amazon S3 API Reference, \"GetObject\", https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html)",
        req.principal
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn record(json: &str) -> Record {
        Record {
            event: Event::from_json(json.as_bytes()).unwrap(),
            origin: Origin {
                file: Arc::from("t"),
                line: 1,
                column: 1,
                offset: 0,
            },
        }
    }

    #[test]
    fn a_kms_call_s3_made_for_the_user_joins_the_users_s3_call() {
        let user = "arn:aws:iam::111122223333:user/u";
        let get = record(&format!(
            r#"{{"eventTime":"2026-11-20T10:06:31Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{{"type":"IAMUser","arn":"{user}"}},"errorCode":"AccessDenied"}}"#
        ));
        let decrypt = record(&format!(
            r#"{{"eventTime":"2026-11-20T10:06:32Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","userIdentity":{{"type":"IAMUser","arn":"{user}","invokedBy":"s3.amazonaws.com"}},"errorCode":"AccessDeniedException"}}"#
        ));
        let other = record(
            r#"{"eventTime":"2026-11-20T10:06:31Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/x","invokedBy":"s3.amazonaws.com"},"errorCode":"AccessDeniedException"}"#,
        );
        let groups = group(&[decrypt, get, other]);
        assert_eq!(groups, vec![(1, vec![0]), (2, vec![])]);
    }
}
