//! The typed CloudTrail event: what troubleshooting needs, nothing more.
//!
//! Field names follow the CloudTrail record contents reference
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>)
//! and the `userIdentity` element reference
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html>).
//! Unknown fields are ignored; `requestParameters` is kept raw.

use iamwhy_core::time::{Instant, parse_date};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::codes::is_denial_code;
use crate::message::{DenialMessage, parse_message};

/// One CloudTrail event.
#[derive(Clone, Debug, Serialize)]
pub struct Event {
    /// `eventTime`, parsed.
    #[serde(skip)]
    pub time: Instant,
    /// `eventTime` as written.
    pub event_time: String,
    /// `eventSource`, such as `s3.amazonaws.com`.
    pub event_source: String,
    /// `eventName`, such as `GetObject`.
    pub event_name: String,
    /// `awsRegion`.
    pub aws_region: String,
    /// `errorCode`.
    pub error_code: Option<String>,
    /// `errorMessage`.
    pub error_message: Option<String>,
    /// `userIdentity`.
    pub user_identity: UserIdentity,
    /// `sourceIPAddress`: an address, or a service name such as `s3.amazonaws.com`.
    pub source_ip_address: Option<String>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// `requestParameters`, unparsed.
    #[serde(skip)]
    pub request_parameters: Option<Box<RawValue>>,
    /// `resources`.
    pub resources: Vec<EventResource>,
    /// `vpcEndpointId`.
    pub vpc_endpoint_id: Option<String>,
    /// `eventID`.
    pub event_id: Option<String>,
    /// `requestID`.
    pub request_id: Option<String>,
    /// `sharedEventID`: the same event as delivered to another account.
    pub shared_event_id: Option<String>,
    /// `eventType`: `AwsApiCall`, `AwsServiceEvent`, `AwsConsoleSignIn`, ….
    pub event_type: Option<String>,
    /// `eventCategory`: `Management`, `Data`, `NetworkActivity`, `Insight`.
    pub event_category: Option<String>,
    /// `readOnly`.
    pub read_only: Option<bool>,
    /// `recipientAccountId`: the account that received the event.
    pub recipient_account_id: Option<String>,
    /// `responseElements.credentials.accessKeyId`: the access key of the temporary
    /// credentials an STS call (AssumeRole, GetFederationToken, ...) issued; the later calls
    /// made with them carry it as `userIdentity.accessKeyId`. The secret parts of the
    /// credentials are never read.
    #[serde(skip)]
    pub issued_access_key_id: Option<String>,
}

/// `userIdentity`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, rename_all(deserialize = "camelCase"))]
pub struct UserIdentity {
    /// `type`: `IAMUser`, `AssumedRole`, `FederatedUser`, `Root`, `AWSService`,
    /// `AWSAccount`, `IdentityCenterUser`, `Unknown`, ….
    #[serde(rename = "type")]
    pub kind: Option<IdentityType>,
    /// `arn`.
    pub arn: Option<String>,
    /// `accountId`.
    pub account_id: Option<String>,
    /// `principalId`.
    pub principal_id: Option<String>,
    /// `userName`.
    pub user_name: Option<String>,
    /// `accessKeyId`, masked when printed: see [`mask_access_key`].
    #[serde(serialize_with = "serialize_masked")]
    pub access_key_id: Option<String>,
    /// `invokedBy`: the AWS service that made the call on the identity's behalf.
    pub invoked_by: Option<String>,
    /// `sessionContext`.
    pub session_context: Option<SessionContext>,
    /// `onBehalfOf.userId` (IAM Identity Center).
    #[serde(deserialize_with = "user_id_of")]
    pub on_behalf_of: Option<String>,
}

/// `userIdentity.sessionContext`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(from = "RawSessionContext")]
pub struct SessionContext {
    /// `sessionIssuer`: the role (or user) that issued the session.
    pub session_issuer: Option<SessionIssuer>,
    /// `attributes.mfaAuthenticated`.
    pub mfa_authenticated: Option<bool>,
    /// `attributes.creationDate`.
    pub creation_date: Option<String>,
    /// `sourceIdentity`.
    pub source_identity: Option<String>,
}

/// `sessionContext.sessionIssuer`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, rename_all(deserialize = "camelCase"))]
pub struct SessionIssuer {
    /// `type`: `Role` or `IAMUser`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `arn`.
    pub arn: Option<String>,
    /// `accountId`.
    pub account_id: Option<String>,
    /// `userName`: the role or user name.
    pub user_name: Option<String>,
}

/// One entry of `resources`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EventResource {
    /// `ARN`.
    #[serde(rename = "ARN", default)]
    pub arn: Option<String>,
    /// `accountId`.
    #[serde(rename = "accountId", default)]
    pub account_id: Option<String>,
    /// `type`, such as `AWS::S3::Object`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// A name that is not an ARN (the console CSV's `resourceName`).
    #[serde(default)]
    pub name: Option<String>,
}

impl EventResource {
    /// A resource known by name (an ARN when the name is one) and type.
    pub fn named(name: String, kind: Option<String>) -> EventResource {
        if name.starts_with("arn:") {
            EventResource {
                arn: Some(name),
                account_id: None,
                kind,
                name: None,
            }
        } else {
            EventResource {
                arn: None,
                account_id: None,
                kind,
                name: Some(name),
            }
        }
    }
}

/// `AKIAIOSFODNN7EXAMPLE` → `AKIA…MPLE`: the prefix tells a long-term key (`AKIA`) from a
/// temporary one (`ASIA`), the last four characters let a user find the key in the console,
/// and the rest is never printed.
pub fn mask_access_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    match (chars.first_chunk::<4>(), chars.last_chunk::<4>()) {
        (Some(head), Some(tail)) if chars.len() > 8 => {
            format!("{}…{}", String::from_iter(head), String::from_iter(tail))
        }
        _ => "…".repeat(usize::from(!chars.is_empty())),
    }
}

fn serialize_masked<S: serde::Serializer>(key: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match key {
        Some(k) => s.serialize_str(&mask_access_key(k)),
        None => s.serialize_none(),
    }
}

impl Event {
    /// Parses one record (a JSON object). The error says what was missing or malformed.
    ///
    /// A CloudTrail event delivered by EventBridge (`detail-type` `AWS API Call via
    /// CloudTrail`, and the other `… via CloudTrail` types) is read from its `detail`
    /// (<https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html>).
    pub fn from_json(record: &[u8]) -> Result<Event, String> {
        // One UTF-8 check of the whole record, not one per string (a record is mostly short
        // strings); invalid UTF-8 is left to `from_slice`, whose error says where.
        let raw: RawRecord = match std::str::from_utf8(record) {
            Ok(text) => serde_json::from_str(text),
            Err(_) => serde_json::from_slice(record),
        }
        .map_err(|e| e.to_string())?;
        if raw.event_time.is_none()
            && raw.logstash_time.is_none()
            && raw
                .detail_type
                .as_deref()
                .is_some_and(|t| t.ends_with("via CloudTrail"))
            && let Some(detail) = &raw.detail
        {
            let inner: RawRecord = serde_json::from_str(detail.get())
                .map_err(|e| format!("the EventBridge event's `detail`: {e}"))?;
            return inner.into_event();
        }
        raw.into_event()
    }

    /// Whether the record is an event notification rather than a CloudTrail record: S3 Event
    /// Notifications (and the Lambda event records of SQS, SNS, DynamoDB) share the
    /// `{"Records": [...]}` shape and `eventTime`, but their `eventSource` is `aws:s3`, where
    /// CloudTrail's is always a `*.amazonaws.com` name
    /// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html>).
    pub fn is_event_notification(&self) -> bool {
        self.event_source.starts_with("aws:")
    }

    /// Whether the error code means an authorization denial.
    pub fn is_denied(&self) -> bool {
        self.error_code.as_deref().is_some_and(is_denial_code)
    }

    /// The service prefix of the event: `s3` for `s3.amazonaws.com`.
    pub fn service(&self) -> &str {
        service_of_source(&self.event_source)
    }

    /// `service:EventName`, the action the event most likely needed. Issue 6 maps event
    /// names that differ from action names; here it is only a label.
    pub fn action_label(&self) -> String {
        format!("{}:{}", self.service(), self.event_name)
    }

    /// The structured denial message (spec §5), or [`DenialMessage::missing`].
    pub fn denial(&self) -> DenialMessage {
        match self.error_message.as_deref() {
            Some(m) => parse_message(m),
            None => DenialMessage::missing(),
        }
    }

    /// The identity that made the call, for people: its ARN, else what CloudTrail has.
    pub fn principal_label(&self) -> String {
        let id = &self.user_identity;
        if let Some(arn) = &id.arn {
            return arn.clone();
        }
        if let Some(by) = &id.invoked_by {
            return by.clone();
        }
        match (&id.kind, &id.user_name, &id.principal_id) {
            (_, Some(name), _) => name.clone(),
            (Some(kind), None, Some(pid)) => format!("{kind} {pid}"),
            (Some(kind), None, None) => kind.to_string(),
            (None, None, Some(pid)) => pid.clone(),
            (None, None, None) => "unknown".to_owned(),
        }
    }

    /// The ARN of the role behind a role session (`sessionIssuer.arn`).
    pub fn issuer_arn(&self) -> Option<&str> {
        self.user_identity
            .session_context
            .as_ref()?
            .session_issuer
            .as_ref()?
            .arn
            .as_deref()
    }

    /// The service that made the call on the identity's behalf: `invokedBy`, or a
    /// `sourceIPAddress` that names a service (`s3.amazonaws.com`).
    pub fn invoking_service(&self) -> Option<&str> {
        if let Some(by) = self.user_identity.invoked_by.as_deref() {
            return Some(by);
        }
        self.source_ip_address
            .as_deref()
            .filter(|ip| ip.ends_with(".amazonaws.com"))
    }

    /// The first resource the event names: an ARN, else a name.
    pub fn first_resource(&self) -> Option<&str> {
        self.resources
            .iter()
            .find_map(|r| r.arn.as_deref())
            .or_else(|| self.resources.iter().find_map(|r| r.name.as_deref()))
    }
}

/// `s3.amazonaws.com` → `s3`; anything else unchanged up to its first dot.
pub fn service_of_source(source: &str) -> &str {
    source.split('.').next().unwrap_or(source)
}

/// `userIdentity.type`: who made the call
/// (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html>).
/// Read and written as CloudTrail spells it; a type CloudTrail adds later is kept as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum IdentityType {
    /// `IAMUser`.
    IamUser,
    /// `AssumedRole`: a role session.
    AssumedRole,
    /// `FederatedUser`: a `GetFederationToken` session.
    FederatedUser,
    /// `Root`: the account's root user.
    Root,
    /// `AWSService`: a service principal's own call.
    AwsService,
    /// `AWSAccount`: a principal of another account (or anonymous).
    AwsAccount,
    /// `IdentityCenterUser`.
    IdentityCenterUser,
    /// `WebIdentityUser`.
    WebIdentityUser,
    /// `SAMLUser`.
    SamlUser,
    /// `Unknown`.
    Unknown,
    /// Any other value, as written.
    Other(String),
}

const IDENTITY_TYPES: &[(&str, IdentityType)] = &[
    ("IAMUser", IdentityType::IamUser),
    ("AssumedRole", IdentityType::AssumedRole),
    ("FederatedUser", IdentityType::FederatedUser),
    ("Root", IdentityType::Root),
    ("AWSService", IdentityType::AwsService),
    ("AWSAccount", IdentityType::AwsAccount),
    ("IdentityCenterUser", IdentityType::IdentityCenterUser),
    ("WebIdentityUser", IdentityType::WebIdentityUser),
    ("SAMLUser", IdentityType::SamlUser),
    ("Unknown", IdentityType::Unknown),
];

impl IdentityType {
    /// The type as CloudTrail writes it.
    pub fn as_str(&self) -> &str {
        match self {
            IdentityType::Other(s) => s,
            known => IDENTITY_TYPES
                .iter()
                .find(|(_, t)| t == known)
                .map_or("", |(name, _)| name),
        }
    }
}

impl From<String> for IdentityType {
    fn from(s: String) -> IdentityType {
        IDENTITY_TYPES
            .iter()
            .find(|(name, _)| *name == s)
            .map_or(IdentityType::Other(s), |(_, t)| t.clone())
    }
}

impl From<IdentityType> for String {
    fn from(t: IdentityType) -> String {
        t.as_str().to_owned()
    }
}

impl std::fmt::Display for IdentityType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The service prefix of an `invokedBy` or service `sourceIPAddress`: `s3.amazonaws.com` and
/// the forward-access-session form `fas.s3.amazonaws.com` are both `s3`.
pub fn service_of_invoker(invoker: &str) -> &str {
    service_of_source(invoker.strip_prefix("fas.").unwrap_or(invoker))
}

/// `eventTime` as CloudTrail writes it (ISO 8601), or as data lakes and CloudTrail Lake
/// exports write it: a space for the `T`, no zone (UTC), fractions of a second up to
/// nanoseconds (`2025-01-20 15:59:33.000000000`, `2019-01-01 00:00:00`), a trailing ` UTC`.
fn parse_event_time(text: &str) -> Option<Instant> {
    if let Some(t) = parse_date(text) {
        return Some(t);
    }
    let t = text.trim();
    let t = t.strip_suffix(" UTC").unwrap_or(t);
    let (date, time) = t.split_once(' ')?;
    let zoned = if time.ends_with('Z') || time.contains(['+', '-']) {
        format!("{date}T{time}")
    } else {
        format!("{date}T{time}Z")
    };
    parse_date(&zoned)
}

/// The record as serde reads it; turned into an [`Event`] by [`RawRecord::into_event`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRecord {
    event_time: Option<String>,
    /// Logstash moves `eventTime` to `@timestamp` (the OTRF sample is such an export).
    #[serde(rename = "@timestamp")]
    logstash_time: Option<String>,
    /// An EventBridge envelope's `detail-type` (`AWS API Call via CloudTrail`).
    #[serde(rename = "detail-type")]
    detail_type: Option<String>,
    /// An EventBridge envelope's `detail`: the CloudTrail record.
    detail: Option<Box<RawValue>>,
    event_source: Option<String>,
    event_name: Option<String>,
    aws_region: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
    #[serde(default)]
    user_identity: Option<UserIdentity>,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: Option<String>,
    user_agent: Option<String>,
    request_parameters: Option<Box<RawValue>>,
    #[serde(default, deserialize_with = "null_as_default")]
    resources: Vec<EventResource>,
    vpc_endpoint_id: Option<String>,
    #[serde(rename = "eventID")]
    event_id: Option<String>,
    #[serde(rename = "requestID")]
    request_id: Option<String>,
    #[serde(rename = "sharedEventID")]
    shared_event_id: Option<String>,
    event_type: Option<String>,
    event_category: Option<String>,
    #[serde(default, deserialize_with = "bool_or_string")]
    read_only: Option<bool>,
    recipient_account_id: Option<String>,
    #[serde(default, rename = "responseElements", deserialize_with = "issued_key")]
    issued_access_key_id: Option<String>,
}

/// `responseElements.credentials.accessKeyId`, whatever else `responseElements` holds (any
/// JSON value; everything but that one string is skipped unread).
fn issued_key<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    /// A map's value at `key` (the credentials object, then the access key within it); with
    /// no `key`, a string's value.
    struct Field {
        key: Option<&'static str>,
        inner: Option<&'static str>,
    }
    impl<'de> de::Visitor<'de> for Field {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                if self.key == Some(&*k) && found.is_none() {
                    found = m.next_value_seed(FieldSeed(Field {
                        key: self.inner,
                        inner: None,
                    }))?;
                } else {
                    m.next_value::<de::IgnoredAny>()?;
                }
            }
            Ok(found)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
            while s.next_element::<de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(self.key.is_none().then(|| v.to_owned()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    struct FieldSeed(Field);
    impl<'de> de::DeserializeSeed<'de> for FieldSeed {
        type Value = Option<String>;
        fn deserialize<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self.0)
        }
    }
    d.deserialize_any(Field {
        key: Some("credentials"),
        inner: Some("accessKeyId"),
    })
}

/// `onBehalfOf` is an object; only its `userId` is kept.
fn user_id_of<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct OnBehalfOf {
        #[serde(rename = "userId")]
        user_id: Option<String>,
    }
    Ok(Option::<OnBehalfOf>::deserialize(d)?.and_then(|o| o.user_id))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSessionContext {
    session_issuer: Option<SessionIssuer>,
    attributes: Option<RawAttributes>,
    source_identity: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAttributes {
    #[serde(default, deserialize_with = "bool_or_string")]
    mfa_authenticated: Option<bool>,
    creation_date: Option<String>,
}

/// `true`, `"true"`, `"True"` → `Some(true)`; anything unreadable → `None`.
fn bool_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl de::Visitor<'_> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a boolean or \"true\"/\"false\"")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(match v.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            })
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl From<RawSessionContext> for SessionContext {
    fn from(s: RawSessionContext) -> SessionContext {
        SessionContext {
            session_issuer: s.session_issuer,
            mfa_authenticated: s.attributes.as_ref().and_then(|a| a.mfa_authenticated),
            creation_date: s.attributes.and_then(|a| a.creation_date),
            source_identity: s.source_identity,
        }
    }
}

impl RawRecord {
    fn into_event(self) -> Result<Event, String> {
        let event_time = self
            .event_time
            .or(self.logstash_time)
            .ok_or_else(|| "the record has no `eventTime`".to_owned())?;
        let time = parse_event_time(&event_time)
            .ok_or_else(|| format!("`eventTime` `{event_time}` is not an ISO 8601 time"))?;
        let event_source = self
            .event_source
            .ok_or_else(|| "the record has no `eventSource`".to_owned())?;
        let event_name = self
            .event_name
            .ok_or_else(|| "the record has no `eventName`".to_owned())?;
        let mut user_identity = self.user_identity.unwrap_or_default();
        user_identity.access_key_id = user_identity.access_key_id.filter(|k| !k.is_empty());
        Ok(Event {
            time,
            event_time,
            event_source,
            event_name,
            aws_region: self.aws_region.unwrap_or_default(),
            error_code: self.error_code,
            error_message: self.error_message,
            user_identity,
            source_ip_address: self.source_ip_address,
            user_agent: self.user_agent,
            request_parameters: self.request_parameters,
            resources: self.resources,
            vpc_endpoint_id: self.vpc_endpoint_id,
            event_id: self.event_id,
            request_id: self.request_id,
            shared_event_id: self.shared_event_id,
            event_type: self.event_type,
            event_category: self.event_category,
            read_only: self.read_only,
            recipient_account_id: self.recipient_account_id,
            issued_access_key_id: self.issued_access_key_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_access_session_invokers_name_their_service() {
        assert_eq!(service_of_invoker("fas.s3.amazonaws.com"), "s3");
        assert_eq!(service_of_invoker("s3.amazonaws.com"), "s3");
        assert_eq!(service_of_invoker("AWS Internal"), "AWS Internal");
    }

    #[test]
    fn the_access_key_sts_issued_is_read_from_any_response_elements() {
        // CloudTrail User Guide, "CloudTrail record contents": `responseElements` is any JSON
        // value (null, an object, sometimes a bare value); STS calls put the new
        // credentials' `accessKeyId` in `credentials`.
        let key = |response: &str| {
            let json = format!(
                r#"{{"eventTime":"2026-11-20T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"GetFederationToken","responseElements":{response}}}"#
            );
            Event::from_json(json.as_bytes())
                .unwrap()
                .issued_access_key_id
        };
        assert_eq!(
            key(r#"{"credentials":{"accessKeyId":"ASIAEXAMPLE","sessionToken":"x"},"packedPolicySize":4}"#).as_deref(),
            Some("ASIAEXAMPLE")
        );
        assert_eq!(key("null"), None);
        assert_eq!(key("true"), None);
        assert_eq!(key(r#""Success""#), None);
        assert_eq!(key(r#"{"credentials":"x","list":[1,{"a":2}]}"#), None);
        assert_eq!(key(r#"{"credentials":{"accessKeyId":7}}"#), None);
    }

    #[test]
    fn access_keys_are_masked() {
        assert_eq!(mask_access_key("AKIAIOSFODNN7EXAMPLE"), "AKIA…MPLE");
        assert_eq!(mask_access_key("short"), "…");
        assert_eq!(mask_access_key(""), "");
    }

    #[test]
    fn data_lake_times_and_eventbridge_envelopes_are_read() {
        // Issue 20: 7 of 21 real denials in a detection repository's rule tests were lost to
        // these time forms.
        for (text, iso) in [
            ("2025-01-20 15:59:33.000000000", "2025-01-20T15:59:33Z"),
            ("2019-01-01 00:00:00", "2019-01-01T00:00:00Z"),
            ("2019-01-01 00:00:00 UTC", "2019-01-01T00:00:00Z"),
            ("2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z"),
        ] {
            assert_eq!(
                parse_event_time(text).map(Instant::to_iso8601).as_deref(),
                Some(iso)
            );
        }
        assert!(parse_event_time("yesterday").is_none());
        let envelope = br#"{"version":"0","id":"x","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","time":"2026-11-20T10:00:01Z","detail":{"eventTime":"2026-11-20T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","errorCode":"AccessDenied","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/a"}}}"#;
        let e = Event::from_json(envelope).unwrap();
        assert_eq!(e.event_name, "GetObject");
        assert!(e.is_denied());
        let notification = br#"{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-11-20T10:00:00.000Z","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"}}}"#;
        assert!(
            Event::from_json(notification)
                .unwrap()
                .is_event_notification()
        );
    }

    #[test]
    fn a_record_without_event_time_is_refused() {
        let err = Event::from_json(br#"{"eventSource":"s3.amazonaws.com","eventName":"X"}"#)
            .err()
            .unwrap_or_default();
        assert!(err.contains("eventTime"), "{err}");
    }

    #[test]
    fn read_only_as_string_and_bool() {
        let e = Event::from_json(
            br#"{"eventTime":"2026-11-20T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","readOnly":"true","resources":null,"userIdentity":{"type":"IAMUser","accessKeyId":"AKIAIOSFODNN7EXAMPLE","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}}}"#,
        );
        let e = e.unwrap();
        assert_eq!(e.read_only, Some(true));
        assert_eq!(
            e.user_identity
                .session_context
                .as_ref()
                .and_then(|s| s.mfa_authenticated),
            Some(false)
        );
        let json = serde_json::to_string(&e.user_identity).unwrap_or_default();
        assert!(
            json.contains("AKIA…MPLE") && !json.contains("IOSFODNN7"),
            "{json}"
        );
    }
}
