//! From a CloudTrail record, or an AccessDenied message, back to the request AWS evaluated:
//! who asked (`userIdentity`), for what (the catalog's event→action table,
//! `iamwhy_catalog::events`), on which resource (the record's `resources`, its
//! `requestParameters` filled into the catalog's ARN formats, or the message), and the
//! request context the record reveals.
//!
//! Sources: the CloudTrail record contents and `userIdentity` references
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>,
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html>),
//! the global condition keys (spec §1.4), forward access sessions (spec §4.8.4).

use iamwhy_trail::IdentityType;
use std::net::IpAddr;

use iamwhy_catalog::Catalog;
use iamwhy_core::time::Instant;
use iamwhy_core::{Action, ContextValue, Resource};
use iamwhy_snapshot::Snapshot;
use iamwhy_trail::Event;
use iamwhy_trail::event::service_of_invoker;
use iamwhy_trail::message::{DenialMessage, MessageForm};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use iamwhy_catalog::events::{Mapping, map_call, prefix_of};

/// Services that set `aws:CalledVia` on the calls they make with the caller's identity (IAM
/// User Guide, global condition keys, `aws:CalledVia`:
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-calledvia>).
const CALLED_VIA: &[&str] = &[
    "athena.amazonaws.com",
    "cloudformation.amazonaws.com",
    "dynamodb.amazonaws.com",
    "kms.amazonaws.com",
];

/// The context key S3 reads the SSE-KMS key of a request from (`--context`, or the KMS
/// record of an incident, tells the key when the snapshot does not).
pub(crate) const S3_SSE_KMS_KEY: &str = "s3:x-amz-server-side-encryption-aws-kms-key-id";

/// A request put back together: the action and resource are parsed once, here, so that
/// evaluating it (and every fix's verification, and replay) parses nothing again. The
/// principal stays as the record names it: the snapshot resolves it (with its path, tags and
/// parent user) when the request is evaluated.
#[derive(Clone, Debug, Serialize)]
pub struct Reconstructed {
    /// The principal, as `--principal` takes it.
    pub principal: String,
    /// The IAM user behind a federated-user session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_user: Option<String>,
    /// The call as CloudTrail names it, `s3:GetObject` (or the SDK operation of a message).
    pub operation: String,
    /// The IAM action evaluated.
    #[serde(serialize_with = "action_text")]
    pub action: Action,
    /// Other actions the call needs on the same request.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "action_texts")]
    pub also_needs: Vec<Action>,
    /// The resource ARN, or `*`.
    #[serde(serialize_with = "resource_text")]
    pub resource: Resource,
    /// Where the resource came from, in words.
    pub resource_from: String,
    /// The request context the record reveals (derived keys such as `aws:PrincipalArn` are
    /// added by the evaluation).
    pub context: Vec<(String, ContextValue)>,
    /// The time of the call.
    #[serde(skip)]
    pub time: Option<Instant>,
    /// The AWS service that made the call with the principal's identity (`invokedBy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_service: Option<String>,
    /// The KMS key of the object a read (GetObject) decrypts, when the incident's records
    /// name it (S3's kms:Decrypt): not a context key of the request, which carries no SSE-KMS
    /// header, but the key of its hidden KMS check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_kms_key: Option<String>,
    /// What was assumed or is unknown, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Serialises an action as written.
fn action_text<S: Serializer>(a: &Action, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(a.as_str())
}

/// Serialises actions as written.
fn action_texts<S: Serializer>(list: &[Action], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(list.iter().map(Action::as_str))
}

/// Serialises a resource as written.
fn resource_text<S: Serializer>(r: &Resource, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(r.as_str())
}

/// The action and resource of a request put back together, parsed once.
fn parsed(action: &str, resource: &str) -> Result<(Action, Resource), Unexplained> {
    Action::parse(action)
        .and_then(|a| Resource::parse(resource).map(|r| (a, r)))
        .map_err(|e| {
            // The words before the parenthesis are what replay counts by.
            Unexplained::missing(format!("the action or resource does not parse ({e})"))
        })
}

/// Why a record cannot be turned into a request, as a category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnexplainedKind {
    /// The call needs no permission (console sign-ins, service events).
    NotAuthorized,
    /// The event→action table does not know the call.
    UnknownAction,
    /// A fact the evaluation needs is missing.
    Missing,
}

/// Why a record cannot be turned into a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unexplained {
    /// `not-authorized` (the call needs no permission), `unknown-action` (the call is not in
    /// the event→action table) or `missing` (facts are missing).
    pub kind: UnexplainedKind,
    /// What is missing or why, in words.
    pub reasons: Vec<String>,
}

impl Unexplained {
    pub(crate) fn missing(reason: impl Into<String>) -> Unexplained {
        Unexplained {
            kind: UnexplainedKind::Missing,
            reasons: vec![reason.into()],
        }
    }
}

/// The principal of a record, as `--principal` takes it, with the parent user of a
/// federated user.
pub fn principal_of(event: &Event) -> Result<(String, Option<String>), Unexplained> {
    let id = &event.user_identity;
    let kind = id.kind.as_ref().map_or("", IdentityType::as_str);
    let arn = id.arn.clone();
    match id.kind {
        Some(IdentityType::IamUser) => arn
            .map(|a| (a, None))
            .ok_or_else(|| Unexplained::missing("the IAMUser identity has no `arn`")),
        Some(IdentityType::AssumedRole) => session_arn(event).map(|a| (a, None)),
        Some(IdentityType::FederatedUser) => {
            let arn =
                arn.ok_or_else(|| Unexplained::missing("the FederatedUser identity has no `arn`"))?;
            let parent = event.issuer_arn().map(str::to_owned);
            Ok((arn, parent))
        }
        Some(IdentityType::Root) => match (arn, &id.account_id) {
            (Some(a), _) => Ok((a, None)),
            (None, Some(acct)) => Ok((format!("arn:aws:iam::{acct}:root"), None)),
            (None, None) => Err(Unexplained::missing("the Root identity names no account")),
        },
        Some(IdentityType::AwsService) => match id.invoked_by.as_deref() {
            Some(svc) => Ok((format!("service:{svc}"), None)),
            None => Err(Unexplained::missing(
                "the AWSService identity has no `invokedBy`: which service called is unknown",
            )),
        },
        Some(IdentityType::AwsAccount) => {
            let anonymous = [id.account_id.as_deref(), id.principal_id.as_deref()]
                .iter()
                .any(|v| v.is_some_and(|v| v.eq_ignore_ascii_case("ANONYMOUS_PRINCIPAL")));
            if anonymous {
                return Ok(("anonymous".to_owned(), None));
            }
            Err(Unexplained::missing(format!(
                "the caller is a principal of another account ({}): this account's log does not record its ARN; explain the call from the caller's account log, or with `--message`",
                id.account_id.as_deref().unwrap_or("unknown")
            )))
        }
        _ => match (arn, &id.user_name) {
            (Some(a), _) if a.starts_with("arn:") => Ok((a, None)),
            (None, Some(name)) if kind.is_empty() => Err(Unexplained::missing(format!(
                "the record names the caller only by user name (`{name}`), as the console's CSV download does: no ARN, no identity type; explain the call from the JSON download, the trail files or `--message`"
            ))),
            _ => Err(Unexplained::missing(format!(
                "the identity type `{}` has no IAM principal iamwhy can evaluate",
                if kind.is_empty() { "(none)" } else { kind }
            ))),
        },
    }
}

/// The IAM user of the snapshot a console CSV record's user name (no identity type, no
/// ARN) names, in the record's account.
fn csv_user(event: &Event, snapshot: Option<&Snapshot>) -> Option<String> {
    let id = &event.user_identity;
    if id.kind.is_some() || id.arn.is_some() {
        return None;
    }
    let name = id.user_name.as_deref()?;
    let account = event
        .recipient_account_id
        .as_deref()
        .or(snapshot?.account.as_deref())?;
    let user = snapshot?.user(&format!("arn:aws:iam::{account}:user/{name}"))?;
    Some(user.arn.clone())
}

/// The session ARN of an `AssumedRole` identity, with the role the session issuer names
/// (`sessionIssuer.arn` is the role; `arn` is at times malformed or anonymised in exported
/// logs). The session name comes from `arn`, else from `principalId` (`ROLEID:SESSION`).
fn session_arn(event: &Event) -> Result<String, Unexplained> {
    let id = &event.user_identity;
    let issuer_role = event
        .issuer_arn()
        .filter(|a| a.contains(":role/"))
        .and_then(|a| a.rsplit('/').next());
    let from_arn = id.arn.as_deref().and_then(|a| {
        let rest = a.split(":assumed-role/").nth(1)?;
        let (role, session) = rest.split_once('/')?;
        Some((role, session))
    });
    let session = from_arn.map(|(_, s)| s).or_else(|| {
        id.principal_id
            .as_deref()
            .and_then(|p| p.split_once(':'))
            .map(|(_, s)| s)
    });
    let account = id
        .account_id
        .as_deref()
        .or_else(|| id.arn.as_deref().and_then(|a| a.split(':').nth(4)));
    match (issuer_role.or(from_arn.map(|(r, _)| r)), session, account) {
        (Some(role), Some(session), Some(account)) if !session.is_empty() => {
            let partition = id
                .arn
                .as_deref()
                .and_then(|a| a.split(':').nth(1))
                .unwrap_or("aws");
            Ok(format!(
                "arn:{partition}:sts::{account}:assumed-role/{role}/{session}"
            ))
        }
        _ => Err(Unexplained::missing(
            "the AssumedRole identity names no role session (`arn`, `sessionContext.sessionIssuer`)",
        )),
    }
}

/// Reconstructs the request of a record. `message` is the record's parsed `errorMessage`
/// (its action and resource are used when they agree with the mapping).
pub fn from_event(
    event: &Event,
    message: &DenialMessage,
    snapshot: Option<&Snapshot>,
) -> Result<Reconstructed, Unexplained> {
    let params = request_parameters(event);
    let has = |k: &str| params.as_ref().is_some_and(|p| p.contains_key(k));
    let actions = match map_call(
        &event.event_source,
        &event.event_name,
        event.event_type.as_deref(),
        &has,
    ) {
        Mapping::Actions(a) => a,
        Mapping::NotAuthorized(why) => {
            return Err(Unexplained {
                kind: UnexplainedKind::NotAuthorized,
                reasons: vec![why],
            });
        }
        Mapping::Unknown(why) => {
            return Err(Unexplained {
                kind: UnexplainedKind::UnknownAction,
                reasons: vec![why],
            });
        }
    };
    let mut notes = Vec::new();
    let (principal, parent_user) = match principal_of(event) {
        Ok(p) => p,
        Err(u) => match csv_user(event, snapshot) {
            Some(arn) => {
                notes.push(format!(
                    "the console's CSV download names the caller only by user name: taken as the IAM user {arn} of the snapshot (a role session of that name would be another principal)"
                ));
                (arn, None)
            }
            None => return Err(u),
        },
    };
    let mut action = actions.first().cloned().unwrap_or_default();
    let operation = format!("{}:{}", prefix_of(&event.event_source), event.event_name);
    // The message names the action that failed; a different action of the same call (the
    // second of a CopyObject) is the one to evaluate.
    if let Some(m_action) = &message.action
        && !m_action.eq_ignore_ascii_case(&action)
    {
        if let Some(a) = actions.iter().find(|a| a.eq_ignore_ascii_case(m_action)) {
            action.clone_from(a);
        } else {
            notes.push(format!(
                "AWS's message names `{m_action}`, not `{action}`: the check that failed was another one the call makes"
            ));
        }
    }
    let account = event
        .recipient_account_id
        .clone()
        .or_else(|| event.user_identity.account_id.clone());
    let facts = Facts {
        region: &event.aws_region,
        account: account.as_deref(),
        params: params.as_ref(),
        snapshot,
    };
    let (resource, resource_from) = resource_of(&action, event, message, &facts)?;
    let also_needs = actions
        .iter()
        .filter(|a| **a != action)
        .filter_map(|a| Action::parse(a).ok())
        .collect();
    let (action, resource) = parsed(&action, &resource)?;
    let mut context = Vec::new();
    let via_service = context_of(event, params.as_ref(), &mut context, &mut notes);
    if let Some(owner) = resource_owner(event, resource.as_str()) {
        context.push((
            "aws:ResourceAccount".to_owned(),
            ContextValue::Single(owner.to_owned()),
        ));
    }
    Ok(Reconstructed {
        principal,
        parent_user,
        operation,
        action,
        also_needs,
        resource,
        resource_from,
        context,
        time: (event.time.secs != 0).then_some(event.time),
        via_service,
        object_kms_key: None,
        notes,
    })
}

/// The action of the operation the CLI names (`when calling the GetObject operation`) whose
/// check `action` failed: the action's own service when it has such an action, else the
/// service whose hidden-call rule makes that check (S3's `GetObject` checks `kms:Decrypt`).
fn operation_of(op: &str, action: &str) -> String {
    let catalog = Catalog::bundled();
    let service = action.split(':').next().unwrap_or("");
    let own = format!("{service}:{op}");
    if catalog.action(&own).is_some() {
        return catalog.action(&own).map_or(own, |a| a.full_name());
    }
    catalog
        .hidden_calls()
        .iter()
        .filter(|r| {
            r.checks
                .iter()
                .any(|c| c.action.eq_ignore_ascii_case(action))
        })
        .flat_map(|r| &r.trigger)
        .find(|t| {
            t.split(':')
                .nth(1)
                .is_some_and(|n| n.eq_ignore_ascii_case(op))
        })
        .cloned()
        .unwrap_or(own)
}

/// The account that owns `resource` when its ARN names none (S3) and the record's
/// `resources` say it: the entry of the resource itself or of its bucket.
fn resource_owner<'e>(event: &'e Event, resource: &str) -> Option<&'e str> {
    if resource.split(':').nth(4).is_none_or(|a| !a.is_empty()) {
        return None;
    }
    let bucket = resource.split('/').next().unwrap_or(resource);
    event
        .resources
        .iter()
        .filter(|r| {
            r.arn
                .as_deref()
                .is_some_and(|a| a == resource || a == bucket)
        })
        .find_map(|r| r.account_id.as_deref())
        .filter(|a| !a.is_empty())
}

/// Reconstructs the request of a pasted AccessDenied message (spec §5).
pub fn from_message(message: &DenialMessage) -> Result<Reconstructed, Unexplained> {
    let mut missing = Vec::new();
    if !matches!(
        message.form,
        MessageForm::Standard | MessageForm::DecodedAuthorization
    ) {
        missing.push(match message.form {
            MessageForm::PlainAccessDenied => "the message is S3's plain `Access Denied`: it names no principal, action or resource (AWS prints it to callers outside the bucket's organization and for some data events); pass the CloudTrail record with `--event` instead".to_owned(),
            MessageForm::EncodedOnly => "the message carries only EC2's encoded authorization message; decode it with `aws sts decode-authorization-message --encoded-message ... --query DecodedMessage --output text` (the caller needs `sts:DecodeAuthorizationMessage`) and pass the output with `--message-file`, or pass the CloudTrail record".to_owned(),
            _ => "the text is not an AccessDenied message iamwhy can read (`User: ARN is not authorized to perform: ACTION ...`)".to_owned(),
        });
        return Err(Unexplained {
            kind: UnexplainedKind::Missing,
            reasons: missing,
        });
    }
    let principal = message.principal.clone().unwrap_or_default();
    // A message that names no action: the first action the wrapper's operation needs.
    let Some(raw_action) = message.action.clone().or_else(|| {
        crate::explain::answer::operation_actions(message).and_then(|a| a.into_iter().next())
    }) else {
        return Err(Unexplained::missing("the message names no action"));
    };
    // SNS prints `SNS:Publish`; the catalog spells the action.
    let action = Catalog::bundled()
        .action(&raw_action)
        .map_or(raw_action.clone(), |a| a.full_name());
    let mut notes = vec![
        "from a message alone: the request context (source IP, VPC endpoint, MFA, time) is unknown; keys the policies test are evaluated as absent and the time is now".to_owned(),
    ];
    if principal.contains(":federated-user/") {
        notes.push("a federated user's permissions are its parent IAM user's; the message does not name it".to_owned());
    }
    let resource = match message.resource.as_deref() {
        Some(r) if r.starts_with("arn:") => r.to_owned(),
        Some(r) => {
            notes.push(format!(
                "the message's resource `{r}` is not an ARN; evaluated on `*`"
            ));
            "*".to_owned()
        }
        None => "*".to_owned(),
    };
    let operation = match &message.operation {
        Some(op) => {
            let operation = operation_of(op, &action);
            let named = action.split(':').nth(1).unwrap_or("");
            if !op.eq_ignore_ascii_case(named) {
                notes.push(format!(
                    "the error came from the {op} operation, but the check that failed is `{action}`: a check {op} makes in another service or with another action"
                ));
            }
            operation
        }
        None => action.clone(),
    };
    let mut context = Vec::new();
    // A decoded authorization message gives the request's own condition keys and values.
    for (key, values) in &message.context {
        let value = match values.as_slice() {
            [one] => ContextValue::Single(one.clone()),
            many => ContextValue::Multi(many.to_vec()),
        };
        context.push((key.clone(), value));
    }
    if !message.context.is_empty()
        && let Some(first) = notes.first_mut()
    {
        *first = "from a decoded authorization message: the request's condition keys are as AWS recorded them".to_owned();
    }
    let region = resource.split(':').nth(3).filter(|r| !r.is_empty());
    match region {
        Some(region) => context.push((
            "aws:RequestedRegion".to_owned(),
            ContextValue::Single(region.to_owned()),
        )),
        None => notes.push(
            "the message names no Region (its resource has none): `aws:RequestedRegion` is absent, so a Region guardrail (`StringNotEquals` on it in an SCP or policy) denies here even if the call was made in an allowed Region; the CloudTrail record (`awsRegion`) settles it".to_owned(),
        ),
    }
    // A check another service made for the operation (S3's kms:Decrypt for GetObject): the
    // keys a forward access session carries, as for a CloudTrail record with `invokedBy`.
    let op_service = operation.split(':').next().unwrap_or("");
    let via_service =
        (op_service != action.split(':').next().unwrap_or("")).then(|| op_service.to_owned());
    if let Some(svc) = &via_service {
        context.push((
            "aws:ViaAWSService".to_owned(),
            ContextValue::Single("true".to_owned()),
        ));
        if action.starts_with("kms:") {
            let account = principal.split(':').nth(4).filter(|a| !a.is_empty());
            kms_caller_context(region.map(|r| (svc.as_str(), r)), account, &mut context);
        }
    }
    let (action, resource) = parsed(&action, &resource)?;
    Ok(Reconstructed {
        principal,
        parent_user: None,
        operation,
        action,
        also_needs: Vec::new(),
        resource,
        resource_from: "the message".to_owned(),
        context,
        time: None,
        via_service,
        object_kms_key: None,
        notes,
    })
}

/// `requestParameters` as a JSON object, when it is one.
fn request_parameters(event: &Event) -> Option<Map<String, Value>> {
    let raw = event.request_parameters.as_ref()?;
    match serde_json::from_str::<Value>(raw.get()) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// What the resource's ARN can be built from.
struct Facts<'a> {
    region: &'a str,
    account: Option<&'a str>,
    params: Option<&'a Map<String, Value>>,
    snapshot: Option<&'a Snapshot>,
}

/// The resource of the request: the message's (when it names the evaluated action), one of
/// the record's `resources` the action acts on, an ARN built from `requestParameters`, or
/// `*` for an action without resource types.
fn resource_of(
    action: &str,
    event: &Event,
    message: &DenialMessage,
    facts: &Facts<'_>,
) -> Result<(String, String), Unexplained> {
    let catalog = Catalog::bundled();
    let Some(known) = catalog.action(action) else {
        return Err(Unexplained::missing(format!(
            "`{action}` is not in the service catalog"
        )));
    };
    let accepts = |arn: &str| catalog.action_accepts(known, arn) == Some(true);
    // The message's resource, when the message is about this call's principal (exported
    // logs at times carry another account's message).
    let same_caller = match (&message.principal, &event.user_identity.arn) {
        (Some(m), Some(a)) => m == a || !m.starts_with("arn:"),
        _ => true,
    };
    if let (Some(m_action), Some(r)) = (&message.action, &message.resource)
        && m_action.eq_ignore_ascii_case(action)
        && r.starts_with("arn:")
        && same_caller
    {
        return Ok((r.clone(), "AWS's error message".to_owned()));
    }
    if known.wildcard_only() {
        return Ok((
            "*".to_owned(),
            format!("`{action}` has no resource types: it is authorized on `*`"),
        ));
    }
    if let Some(arn) = event
        .resources
        .iter()
        .filter_map(|r| r.arn.as_deref())
        .find(|a| accepts(a))
    {
        return Ok((arn.to_owned(), "the record's `resources`".to_owned()));
    }
    if let Some(params) = facts.params
        && let Some((arn, from)) = arn_from_parameters(known, params, facts, &accepts)
    {
        return Ok((arn, format!("the record's `requestParameters` ({from})")));
    }
    let required = known.resource_types.iter().any(|r| r.required);
    if !required {
        return Ok((
            "*".to_owned(),
            format!("the record names no resource, and `{action}` can be authorized on `*`"),
        ));
    }
    let names: Vec<&str> = known.resource_types.iter().map(|r| r.name).collect();
    Err(Unexplained::missing(format!(
        "the record does not say which {} `{action}` acted on (no matching `resources` entry or `requestParameters`)",
        names.join(" or ")
    )))
}

/// An ARN for the action built from `requestParameters`: a parameter that is itself an ARN
/// the action accepts, else the catalog's ARN format with its `${...}` parts filled from
/// parameters of the same name.
fn arn_from_parameters(
    action: &iamwhy_catalog::Action,
    params: &Map<String, Value>,
    facts: &Facts<'_>,
    accepts: &dyn Fn(&str) -> bool,
) -> Option<(String, String)> {
    for (k, v) in params {
        if let Some(s) = v.as_str()
            && s.starts_with("arn:")
            && accepts(s)
        {
            return Some((s.to_owned(), format!("`{k}`")));
        }
    }
    if action.service == "kms"
        && let Some(id) = params.get("keyId").and_then(Value::as_str)
    {
        let arn = match facts.snapshot {
            Some(s) => s.resolve_key(id, Some(facts.region), facts.account),
            None if id.starts_with("arn:") => Some(id.to_owned()),
            None => facts
                .account
                .map(|a| format!("arn:aws:kms:{}:{a}:key/{id}", facts.region)),
        };
        if let Some(arn) = arn {
            return Some((arn, "`keyId`".to_owned()));
        }
    }
    let catalog = Catalog::bundled();
    let service = catalog.service(action.service)?;
    let mut types: Vec<&iamwhy_catalog::ActionResource> = action.resource_types.iter().collect();
    types.sort_by_key(|r| !r.required);
    for rt in types {
        let Some(rtype) = service.resource_type(rt.name) else {
            continue;
        };
        for format in rtype.arn_formats() {
            let mut used = Vec::new();
            if let Some(arn) = fill_format(format.as_str(), params, facts, &mut used)
                && accepts(&arn)
            {
                let arn = with_iam_path(arn, facts.snapshot);
                return Some((arn, used.join(", ")));
            }
        }
    }
    None
}

/// Fills `${Partition}`, `${Region}`, `${Account}` and every other `${Name}` from the
/// parameter of that name (case-insensitive, `...WithPath`/`...WithoutLeadingSlash` suffixes
/// dropped, and a few names CloudTrail spells differently).
fn fill_format(
    format: &str,
    params: &Map<String, Value>,
    facts: &Facts<'_>,
    used: &mut Vec<String>,
) -> Option<String> {
    let mut out = String::with_capacity(format.len().saturating_add(32));
    let mut rest = format;
    while let Some((before, after)) = rest.split_once("${") {
        out.push_str(before);
        let (name, tail) = after.split_once('}')?;
        let value = match name {
            "Partition" => "aws".to_owned(),
            "Region" => facts.region.to_owned(),
            "Account" => facts.account?.to_owned(),
            other => {
                let (key, value) = parameter_for(other, params)?;
                used.push(format!("`{key}`"));
                value
            }
        };
        if value.is_empty() {
            return None;
        }
        out.push_str(&value);
        rest = tail;
    }
    out.push_str(rest);
    Some(out)
}

/// The request parameter that gives an ARN format's `${name}`.
fn parameter_for(name: &str, params: &Map<String, Value>) -> Option<(String, String)> {
    let base = name
        .strip_suffix("WithPath")
        .or_else(|| name.strip_suffix("WithoutLeadingSlash"))
        .unwrap_or(name);
    let aliases: &[&str] = match base {
        "ObjectName" => &["key"],
        "QueueName" => &["queueUrl"],
        "ParameterName" => &["name"],
        "SecretId" => &["secretId"],
        "StreamName" => &["streamName"],
        "InstanceId" => &["instanceId", "target", "instancesSet"],
        "SecurityGroupId" => &["groupId"],
        "KeyPairName" => &["keyName"],
        "TrailName" => &["name", "trailName"],
        "SnapshotName" => &["dBSnapshotIdentifier"],
        "AlarmName" => &["alarmName"],
        // GetFederationToken's `Name` is the federated user's name (AWS STS API Reference).
        "FederatedUserName" => &["name"],
        _ => &[],
    };
    let wanted = std::iter::once(base).chain(aliases.iter().copied());
    for w in wanted {
        let found = params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(w))
            .and_then(|(k, v)| scalar(v).map(|s| (k.clone(), s)));
        if let Some((k, v)) = found {
            let v = match base {
                // `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`.
                "QueueName" if v.contains('/') => v.rsplit('/').next().unwrap_or("").to_owned(),
                "ParameterName" => v.trim_start_matches('/').to_owned(),
                _ => v,
            };
            return Some((k, v));
        }
    }
    None
}

/// A parameter's value: a string, or the first id of EC2's `{"items": [{"instanceId": …}]}`
/// sets and of single-element lists (a call on several resources is evaluated on the first).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => a.first().and_then(scalar),
        Value::Object(o) => {
            let items = o.get("items")?.as_array()?;
            let first = items.first()?.as_object()?;
            first.values().find_map(|v| v.as_str().map(str::to_owned))
        }
        _ => None,
    }
}

/// An IAM user or role ARN with the path the snapshot knows (`requestParameters` carries the
/// name only).
fn with_iam_path(arn: String, snapshot: Option<&Snapshot>) -> String {
    let Some(s) = snapshot else {
        return arn;
    };
    if arn.contains(":role/") {
        if let Some(r) = s.role(&arn) {
            return r.arn.clone();
        }
    } else if arn.contains(":user/")
        && let Some(u) = s.user(&arn)
    {
        return u.arn.clone();
    }
    arn
}

/// Adds the context keys the record reveals; returns the service that made the call on the
/// principal's behalf.
fn context_of(
    event: &Event,
    params: Option<&Map<String, Value>>,
    context: &mut Vec<(String, ContextValue)>,
    notes: &mut Vec<String>,
) -> Option<String> {
    let mut set = |k: &str, v: String| context.push((k.to_owned(), ContextValue::Single(v)));
    let id = &event.user_identity;
    let service_caller = id.kind == Some(IdentityType::AwsService);
    let via = if service_caller {
        None
    } else {
        event.invoking_service().map(str::to_owned)
    };
    if !event.aws_region.is_empty() {
        set("aws:RequestedRegion", event.aws_region.clone());
    }
    let ip = event
        .source_ip_address
        .as_deref()
        .and_then(|s| s.parse::<IpAddr>().ok());
    match (&event.vpc_endpoint_id, ip) {
        (Some(vpce), ip) => {
            set("aws:SourceVpce", vpce.clone());
            if let Some(ip) = ip {
                set("aws:VpcSourceIp", ip.to_string());
            }
        }
        (None, Some(ip)) => set("aws:SourceIp", ip.to_string()),
        (None, None) => {}
    }
    if let Some(agent) = &event.user_agent {
        set("aws:UserAgent", agent.clone());
    }
    if let Some(sc) = &id.session_context {
        if let Some(mfa) = sc.mfa_authenticated {
            set("aws:MultiFactorAuthPresent", mfa.to_string());
        }
        if let Some(created) = &sc.creation_date {
            set("aws:TokenIssueTime", created.clone());
        }
        if let Some(si) = &sc.source_identity {
            set("aws:SourceIdentity", si.clone());
        }
    }
    if let Some(svc) = &via {
        set("aws:ViaAWSService", "true".to_owned());
        let host = svc.strip_prefix("fas.").unwrap_or(svc);
        if CALLED_VIA.contains(&host) {
            context.push((
                "aws:CalledVia".to_owned(),
                ContextValue::Multi(vec![host.to_owned()]),
            ));
            context.push((
                "aws:CalledViaFirst".to_owned(),
                ContextValue::Single(host.to_owned()),
            ));
            context.push((
                "aws:CalledViaLast".to_owned(),
                ContextValue::Single(host.to_owned()),
            ));
        }
        if ip.is_none() {
            notes.push(format!(
                "{host} made the call with the principal's identity (forward access session); the record shows the service, not the original caller's IP, so `aws:SourceIp` is left out"
            ));
        }
    }
    if prefix_of(&event.event_source) == "kms" {
        kms_context(event, params, via.as_deref(), context);
    }
    if service_caller && let Some(service) = id.invoked_by.as_deref() {
        source_context(service, params, context, notes);
    }
    // A listing's `prefix` parameter is the `s3:prefix` key of its request (Amazon S3 condition
    // key examples, "Limiting access to specific prefixes":
    // <https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html>).
    if prefix_of(&event.event_source) == "s3"
        && let Some(prefix) = params.and_then(|p| p.get("prefix")).and_then(Value::as_str)
    {
        context.push((
            "s3:prefix".to_owned(),
            ContextValue::Single(prefix.to_owned()),
        ));
    }
    via.map(|v| service_of_invoker(&v).to_owned())
}

/// Where a service principal's `aws:SourceArn` shows in its own call, by service: the
/// encryption context key that names the resource the service acts for.
///
/// CloudTrail: "The value of `aws:SourceArn` is always the trail ARN ... that is using the KMS
/// key", and CloudTrail encrypts with the encryption context `aws:cloudtrail:arn` = the trail
/// ARN (AWS CloudTrail User Guide, "Configure AWS KMS key policies for CloudTrail",
/// <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html>).
const SOURCE_ARN_IN_ENCRYPTION_CONTEXT: &[(&str, &str)] =
    &[("cloudtrail.amazonaws.com", "aws:cloudtrail:arn")];

/// `aws:SourceArn` and `aws:SourceAccount` of a service principal's request (IAM User Guide,
/// "AWS global condition context keys", `aws:SourceArn`: present "only when a call is made
/// directly by an AWS service principal" on behalf of a resource): from the record when it
/// carries them (`requestParameters` `sourceArn`/`sourceAccount`), else from what the service
/// documents about its calls ([`SOURCE_ARN_IN_ENCRYPTION_CONTEXT`]); otherwise a note says
/// they are unknown, so that conditions on them are read as absent knowingly.
fn source_context(
    service: &str,
    params: Option<&Map<String, Value>>,
    context: &mut Vec<(String, ContextValue)>,
    notes: &mut Vec<String>,
) {
    let text = |k: &str| params.and_then(|p| p.get(k)).and_then(Value::as_str);
    let (arn, from) = match text("sourceArn") {
        Some(a) => (Some(a.to_owned()), "the record's `sourceArn`".to_owned()),
        None => {
            let documented = SOURCE_ARN_IN_ENCRYPTION_CONTEXT
                .iter()
                .find(|(s, _)| *s == service)
                .and_then(|(_, key)| {
                    let ec = params?.get("encryptionContext")?.as_object()?;
                    Some((ec.get(*key)?.as_str()?.to_owned(), *key))
                });
            match documented {
                Some((a, key)) => (
                    Some(a),
                    format!(
                        "the encryption context `{key}` (AWS CloudTrail User Guide, \"Configure AWS KMS key policies for CloudTrail\", https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html)"
                    ),
                ),
                None => (None, String::new()),
            }
        }
    };
    let account = text("sourceAccount").map(str::to_owned).or_else(|| {
        arn.as_deref()
            .and_then(|a| a.split(':').nth(4))
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
    });
    match (&arn, &account) {
        (None, None) => notes.push(format!(
            "{service} made this call with its service principal; the record does not carry `aws:SourceArn` or `aws:SourceAccount` and iamwhy knows no documented way to derive them for this service, so conditions on them are evaluated as absent"
        )),
        _ => {
            let mut said = Vec::new();
            if let Some(a) = &arn {
                context.push(("aws:SourceArn".to_owned(), ContextValue::Single(a.clone())));
                said.push(format!("`aws:SourceArn` = {a}"));
            }
            if let Some(a) = &account {
                context.push((
                    "aws:SourceAccount".to_owned(),
                    ContextValue::Single(a.clone()),
                ));
                said.push(format!("`aws:SourceAccount` = {a}"));
            }
            notes.push(format!(
                "{service} made this call with its service principal on behalf of a resource: {} from {from}",
                said.join(", ")
            ));
        }
    }
}

/// KMS's keys of who calls and through what (KMS developer guide, condition keys), for a
/// record and for a message alike: `kms:ViaService` (`SERVICE.REGION.amazonaws.com`) when a
/// service made the call, as `(service, region)`, and `kms:CallerAccount`.
fn kms_caller_context(
    through: Option<(&str, &str)>,
    caller_account: Option<&str>,
    context: &mut Vec<(String, ContextValue)>,
) {
    if let Some((service, region)) = through {
        context.push((
            "kms:ViaService".to_owned(),
            ContextValue::Single(format!("{service}.{region}.amazonaws.com")),
        ));
    }
    if let Some(account) = caller_account {
        context.push((
            "kms:CallerAccount".to_owned(),
            ContextValue::Single(account.to_owned()),
        ));
    }
}

/// KMS's own keys: `kms:ViaService` and `kms:CallerAccount` for calls made through a
/// service, `kms:EncryptionContext:*` and `kms:EncryptionContextKeys` from the request (KMS
/// developer guide, condition keys).
fn kms_context(
    event: &Event,
    params: Option<&Map<String, Value>>,
    via: Option<&str>,
    context: &mut Vec<(String, ContextValue)>,
) {
    let through = via.map(|svc| {
        let host = svc.strip_prefix("fas.").unwrap_or(svc);
        let service = host.strip_suffix(".amazonaws.com").unwrap_or(host);
        (service, event.aws_region.as_str())
    });
    let account = event
        .user_identity
        .account_id
        .as_deref()
        .filter(|_| event.user_identity.kind != Some(IdentityType::AwsService));
    kms_caller_context(through, account, context);
    let Some(params) = params else { return };
    if let Some(Value::Object(ec)) = params.get("encryptionContext") {
        let mut keys = Vec::new();
        for (k, v) in ec {
            if let Some(s) = v.as_str() {
                context.push((
                    format!("kms:EncryptionContext:{k}"),
                    ContextValue::Single(s.to_owned()),
                ));
                keys.push(k.clone());
            }
        }
        if !keys.is_empty() {
            context.push((
                "kms:EncryptionContextKeys".to_owned(),
                ContextValue::Multi(keys),
            ));
        }
    }
    if let Some(alg) = params.get("encryptionAlgorithm").and_then(Value::as_str) {
        context.push((
            "kms:EncryptionAlgorithm".to_owned(),
            ContextValue::Single(alg.to_owned()),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iamwhy_trail::message::parse_message;

    /// A record; `eventTime` is added when the test leaves it out.
    fn event(json: &str) -> Event {
        let json = if json.contains("eventTime") {
            json.to_owned()
        } else {
            json.replacen('{', r#"{"eventTime":"2026-11-20T10:00:00Z","#, 1)
        };
        Event::from_json(json.as_bytes()).unwrap()
    }

    #[test]
    fn s3_object_from_request_parameters_spec_4_8_3() {
        let e = event(
            r#"{"eventTime":"2026-11-20T10:06:31Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u","accountId":"111122223333"},"requestParameters":{"bucketName":"acme","key":"a/b.csv"},"eventType":"AwsApiCall","recipientAccountId":"111122223333","errorCode":"AccessDenied","errorMessage":"Access Denied"}"#,
        );
        let r = from_event(&e, &e.denial(), None).unwrap();
        assert_eq!(r.action.as_str(), "s3:GetObject");
        assert_eq!(r.resource.as_str(), "arn:aws:s3:::acme/a/b.csv");
        assert_eq!(r.principal, "arn:aws:iam::111122223333:user/u");
        let keys: Vec<&str> = r.context.iter().map(|(k, _)| k.as_str()).collect();
        assert!(keys.contains(&"aws:SourceIp"));
        assert!(keys.contains(&"aws:RequestedRegion"));
        assert!(!keys.contains(&"aws:ViaAWSService"));
    }

    #[test]
    fn forward_access_session_context_spec_4_8_4() {
        let e = event(
            r#"{"eventTime":"2026-11-20T10:06:31Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"us-east-1","sourceIPAddress":"s3.amazonaws.com","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u","accountId":"111122223333","invokedBy":"s3.amazonaws.com"},"requestParameters":{"encryptionContext":{"aws:s3:arn":"arn:aws:s3:::acme/k"},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"},"resources":[{"ARN":"arn:aws:kms:us-east-1:111122223333:key/k1","type":"AWS::KMS::Key"}],"eventType":"AwsApiCall"}"#,
        );
        let r = from_event(&e, &e.denial(), None).unwrap();
        assert_eq!(
            r.resource.as_str(),
            "arn:aws:kms:us-east-1:111122223333:key/k1"
        );
        assert_eq!(r.via_service.as_deref(), Some("s3"));
        let get = |k: &str| {
            r.context
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.values().join(","))
        };
        assert_eq!(get("aws:ViaAWSService").as_deref(), Some("true"));
        assert_eq!(
            get("kms:ViaService").as_deref(),
            Some("s3.us-east-1.amazonaws.com")
        );
        assert_eq!(get("aws:SourceIp"), None);
        assert!(get("kms:EncryptionContext:aws:s3:arn").is_some());
        assert_eq!(
            get("aws:CalledVia"),
            None,
            "S3 is not on the CalledVia list"
        );
    }

    #[test]
    fn principals_from_user_identity_spec_1_1() {
        let svc = event(
            r#"{"eventSource":"kms.amazonaws.com","eventName":"Decrypt","userIdentity":{"type":"AWSService","invokedBy":"backup-storage.amazonaws.com"}}"#,
        );
        assert_eq!(
            principal_of(&svc).unwrap().0,
            "service:backup-storage.amazonaws.com"
        );
        let anon = event(
            r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"type":"AWSAccount","principalId":"","accountId":"ANONYMOUS_PRINCIPAL"}}"#,
        );
        assert_eq!(principal_of(&anon).unwrap().0, "anonymous");
        let other = event(
            r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"type":"AWSAccount","principalId":"AIDAEXAMPLE","accountId":"444455556666"}}"#,
        );
        assert!(principal_of(&other).is_err());
        let fed = event(
            r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"type":"FederatedUser","arn":"arn:aws:sts::111122223333:federated-user/bob","sessionContext":{"sessionIssuer":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"}}}}"#,
        );
        assert_eq!(
            principal_of(&fed).unwrap(),
            (
                "arn:aws:sts::111122223333:federated-user/bob".to_owned(),
                Some("arn:aws:iam::111122223333:user/alice".to_owned())
            )
        );
    }

    #[test]
    fn messages_become_requests_spec_5() {
        let m = parse_message(
            "An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:iam::111122223333:user/u is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/k1 because no identity-based policy allows the kms:Decrypt action",
        );
        let r = from_message(&m).unwrap();
        assert_eq!(r.action.as_str(), "kms:Decrypt");
        // The operation is S3's: its hidden-call rule makes the kms:Decrypt check, which
        // then carries the keys of a forward access session.
        assert_eq!(r.operation, "s3:GetObject");
        assert_eq!(r.via_service.as_deref(), Some("s3"));
        let has = |k: &str, v: &str| {
            r.context
                .iter()
                .any(|(key, val)| key == k && val.values().first().map(String::as_str) == Some(v))
        };
        assert!(has("kms:ViaService", "s3.us-east-1.amazonaws.com"));
        assert!(has("kms:CallerAccount", "111122223333"));
        assert!(r.notes.iter().any(|n| n.contains("GetObject operation")));
        let plain = parse_message("Access Denied");
        assert!(from_message(&plain).is_err());
    }

    #[test]
    fn wildcard_only_actions_and_unknown_resources() {
        let e = event(
            r#"{"eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"eu-west-1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u"}}"#,
        );
        assert_eq!(
            from_event(&e, &e.denial(), None).unwrap().resource.as_str(),
            "*"
        );
        let ddb = event(
            r#"{"eventSource":"dynamodb.amazonaws.com","eventName":"GetItem","awsRegion":"eu-west-1","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u"},"requestParameters":{"tableName":"orders"}}"#,
        );
        assert_eq!(
            from_event(&ddb, &ddb.denial(), None)
                .unwrap()
                .resource
                .as_str(),
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"
        );
        let role = event(
            r#"{"eventSource":"iam.amazonaws.com","eventName":"GetRole","awsRegion":"us-east-1","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u"},"requestParameters":{"roleName":"app"}}"#,
        );
        assert_eq!(
            from_event(&role, &role.denial(), None)
                .unwrap()
                .resource
                .as_str(),
            "arn:aws:iam::111122223333:role/app"
        );
    }
}
