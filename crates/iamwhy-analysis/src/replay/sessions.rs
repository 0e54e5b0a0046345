//! Session policies recovered from the trail itself: the STS call that created a session
//! (`GetFederationToken`, `AssumeRole`, `AssumeRoleWithSAML`, `AssumeRoleWithWebIdentity`)
//! records the session policies in its `requestParameters` (`policy`, `policyArns`) and the
//! new credentials' access key in `responseElements.credentials.accessKeyId`; every later call
//! made with them carries that key as `userIdentity.accessKeyId` (AWS CloudTrail User Guide,
//! "CloudTrail userIdentity element", `accessKeyId`,
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html>;
//! AWS STS API Reference, "GetFederationToken", `Policy`, `PolicyArns`, `Name`,
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html>).

use std::collections::HashMap;

use iamwhy_trail::input::Inputs;
use iamwhy_trail::{Event, Origin, Prefilter, Scan, scan};
use serde_json::Value;

/// The STS calls that create a session with session policies.
const CREATING_CALLS: &[&str] = &[
    "GetFederationToken",
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
];

/// What the call that created a session recorded about it.
#[derive(Clone, Debug)]
pub struct RecordedSession {
    /// The STS call: `GetFederationToken`, `AssumeRole`, ...
    pub call: String,
    /// The inline session policy (`policy`), as sent.
    pub inline: Option<String>,
    /// The managed session policy ARNs (`policyArns`).
    pub arns: Vec<String>,
    /// The federated user's name (`name` of GetFederationToken).
    pub name: Option<String>,
    /// Where the record is.
    pub at: String,
}

impl RecordedSession {
    /// Whether the session was created with session policies.
    pub fn has_policies(&self) -> bool {
        self.inline.is_some() || !self.arns.is_empty()
    }
}

/// The session one successful STS call created, by the access key it issued.
pub fn recorded_session(event: &Event, origin: &Origin) -> Option<(String, RecordedSession)> {
    if event.event_source != "sts.amazonaws.com"
        || !CREATING_CALLS.contains(&event.event_name.as_str())
        || event.error_code.is_some()
    {
        return None;
    }
    let key = event.issued_access_key_id.clone()?;
    let params: serde_json::Map<String, Value> = event
        .request_parameters
        .as_ref()
        .and_then(|r| serde_json::from_str(r.get()).ok())
        .unwrap_or_default();
    let text = |k: &str| params.get(k).and_then(Value::as_str).map(str::to_owned);
    let arns = params
        .get("policyArns")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|e| e.get("arn").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Some((
        key,
        RecordedSession {
            call: event.event_name.clone(),
            inline: text("policy").filter(|p| !p.is_empty()),
            arns,
            name: text("name"),
            at: format!("{}:{}:{}", origin.file, origin.line, origin.column),
        },
    ))
}

/// Every session the logs record the creation of, by access key (a first scan that reads
/// only the records naming STS).
pub fn collect_sessions(inputs: &Inputs, settings: &Scan) -> HashMap<String, RecordedSession> {
    let mut sessions = HashMap::new();
    let first = Scan {
        prefilter: Prefilter::Contains(vec![b"sts.amazonaws.com".to_vec()]),
        threads: settings.threads,
        progress: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0)),
    };
    scan(
        inputs,
        &first,
        |event: Event, origin: &Origin| recorded_session(&event, origin),
        |(key, session)| {
            sessions.insert(key, session);
        },
    );
    sessions
}
