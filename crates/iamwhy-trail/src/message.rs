//! AccessDenied messages parsed into structured denials (spec §5).
//!
//! The parser is tolerant, as spec §5.5 recommends: it strips an SDK prefix
//! (`An error occurred (CODE) when calling the OP operation: `), a Java SDK suffix
//! (` (Service: …; Status Code: 403; …)`), EC2's `You are not authorized to perform this
//! operation. ` prefix and its `. Encoded authorization failure message: ` tail, then reads
//! `User: P is not authorized to perform: A [on resource: R] [context]`, where the context is
//! searched from the right so that a resource with spaces stays whole. A message it cannot
//! read is kept as [`MessageForm::Other`]; nothing here fails.

use iamwhy_core::PolicyType;
use serde::Serialize;

/// Whether AWS said the denial was explicit (a `Deny` statement) or implicit (no `Allow`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DenyKind {
    /// `with an explicit deny in …`.
    Explicit,
    /// `because no … allows the … action`.
    Implicit,
    /// The message does not say (legacy formats, S3's plain `Access Denied`, console CSV).
    Unknown,
}

impl DenyKind {
    /// `explicit`, `implicit` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            DenyKind::Explicit => "explicit",
            DenyKind::Implicit => "implicit",
            DenyKind::Unknown => "unknown",
        }
    }
}

/// The overall shape of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageForm {
    /// `User: … is not authorized to perform: …` (spec §5.1).
    Standard,
    /// S3's short `Access Denied` (cross-organization callers, data events).
    PlainAccessDenied,
    /// EC2's `You are not authorized to perform this operation.` with only an encoded
    /// message and no `User:` part.
    EncodedOnly,
    /// Anything else: the text is kept, nothing is inferred from it.
    Other,
    /// No message at all (the console CSV has no message column).
    Missing,
}

/// What an AccessDenied message tells (spec §5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DenialMessage {
    /// The shape the message had.
    pub form: MessageForm,
    /// The error code of an SDK prefix (`An error occurred (CODE) …`).
    pub sdk_code: Option<String>,
    /// The operation of an SDK prefix.
    pub operation: Option<String>,
    /// The requester as AWS printed it (an ARN, or `anonymous`).
    pub principal: Option<String>,
    /// The action as AWS printed it (SNS prints `SNS:Publish`).
    pub action: Option<String>,
    /// The resource, unquoted; not always an ARN (IAM prints `role voclabs` at times).
    pub resource: Option<String>,
    /// Explicit, implicit or unknown.
    pub deny_kind: DenyKind,
    /// The policy type the message names.
    pub policy_type: Option<PolicyType>,
    /// The type is the role trust policy (a resource-based policy with its own phrase).
    pub role_trust: bool,
    /// `transitively through a …`: the policy type that carried the deny.
    pub via: Option<PolicyType>,
    /// The ARN of the denying policy (spec §5.3, from 2026).
    pub policy_arn: Option<String>,
    /// The S3 Block Public Access setting that refused the request.
    pub block_public_access: Option<String>,
    /// EC2's encoded authorization failure message (decode with
    /// `aws sts decode-authorization-message`).
    pub encoded_message: Option<String>,
}

impl DenialMessage {
    fn empty(form: MessageForm) -> DenialMessage {
        DenialMessage {
            form,
            sdk_code: None,
            operation: None,
            principal: None,
            action: None,
            resource: None,
            deny_kind: DenyKind::Unknown,
            policy_type: None,
            role_trust: false,
            via: None,
            policy_arn: None,
            block_public_access: None,
            encoded_message: None,
        }
    }

    /// The message of an event that has none (the console CSV).
    pub fn missing() -> DenialMessage {
        DenialMessage::empty(MessageForm::Missing)
    }

    /// How the named policy type reads in a table: `SCP`, `identity-based`, `role trust`, ….
    pub fn policy_label(&self) -> Option<&'static str> {
        if self.block_public_access.is_some() {
            return Some("S3 Block Public Access");
        }
        if self.role_trust {
            return Some("role trust");
        }
        Some(match self.policy_type? {
            PolicyType::Identity => "identity-based",
            PolicyType::Resource => "resource-based",
            PolicyType::PermissionsBoundary => "permissions boundary",
            PolicyType::Session => "session",
            PolicyType::Scp => "SCP",
            PolicyType::Rcp => "RCP",
            PolicyType::VpcEndpoint => "VPC endpoint",
        })
    }
}

const SDK_PREFIX: &str = "An error occurred (";
const EC2_PREFIX: &str = "You are not authorized to perform this operation.";
const ENCODED: &str = "Encoded authorization failure message:";
const NOT_AUTHORIZED: &str = " is not authorized to perform: ";
const ON_RESOURCE: &str = " on resource: ";
const BECAUSE_NO: &str = " because no ";
const EXPLICIT: &str = " with an explicit deny in ";
const BECAUSE_PUBLIC: &str = " because public ";
const TRANSITIVELY: &str = " transitively through ";

/// Parses an AccessDenied message (spec §5.5). Never fails: what cannot be read is left out.
pub fn parse_message(text: &str) -> DenialMessage {
    let mut rest = text.trim();
    let mut sdk_code = None;
    let mut operation = None;
    if let Some((code, op, tail)) = strip_sdk_prefix(rest) {
        sdk_code = Some(code.to_owned());
        operation = Some(op.to_owned());
        rest = tail;
    }
    rest = strip_java_suffix(rest);
    let mut encoded = None;
    if let Some(tail) = rest.strip_prefix(EC2_PREFIX) {
        rest = tail.trim_start();
    }
    if let Some((before, blob)) = rest.split_once(ENCODED) {
        let blob = blob.trim();
        if !blob.is_empty() {
            encoded = Some(blob.to_owned());
        }
        rest = before.trim_end();
        rest = rest.strip_suffix('.').unwrap_or(rest);
    }
    let mut m = if let Some(body) = rest.strip_prefix("User: ") {
        parse_standard(body).unwrap_or_else(|| DenialMessage::empty(MessageForm::Other))
    } else if rest.is_empty() && encoded.is_some() {
        DenialMessage::empty(MessageForm::EncodedOnly)
    } else if is_plain_access_denied(rest) {
        DenialMessage::empty(MessageForm::PlainAccessDenied)
    } else {
        DenialMessage::empty(MessageForm::Other)
    };
    m.sdk_code = sdk_code;
    m.operation = operation;
    m.encoded_message = encoded;
    m
}

/// `An error occurred (CODE) when calling the OP operation: ` → (CODE, OP, rest).
fn strip_sdk_prefix(text: &str) -> Option<(&str, &str, &str)> {
    let after = text.strip_prefix(SDK_PREFIX)?;
    let (code, after) = after.split_once(')')?;
    let after = after.strip_prefix(" when calling the ")?;
    let (op, tail) = after.split_once(" operation")?;
    let tail = tail.trim_start_matches(':');
    Some((code, op, tail.trim_start()))
}

/// Drops the Java SDK's ` (Service: S3; Status Code: 403; Error Code: …)` suffix.
fn strip_java_suffix(text: &str) -> &str {
    if text.ends_with(')')
        && let Some(at) = text.rfind(" (Service: ")
    {
        return text[..at].trim_end();
    }
    text
}

fn is_plain_access_denied(text: &str) -> bool {
    let t = text.trim_end_matches('.');
    t.eq_ignore_ascii_case("Access Denied") || t.eq_ignore_ascii_case("AccessDenied")
}

/// `P is not authorized to perform: A[ on resource: R][ context]`.
fn parse_standard(body: &str) -> Option<DenialMessage> {
    let (principal, after) = body.split_once(NOT_AUTHORIZED)?;
    let principal = principal.trim();
    let action_end = after.find(' ').unwrap_or(after.len());
    let action = after[..action_end].trim_end_matches(['.', ',']);
    let mut rest = after[action_end..].trim_end();
    rest = rest.strip_suffix('.').unwrap_or(rest);
    let mut m = DenialMessage::empty(MessageForm::Standard);
    m.principal = (!principal.is_empty()).then(|| principal.to_owned());
    m.action = (!action.is_empty()).then(|| action.to_owned());

    // The context is searched from the right (spec §5.5 step 4).
    let context_at = [
        rest.rfind(BECAUSE_NO),
        rest.rfind(EXPLICIT),
        rest.rfind(BECAUSE_PUBLIC),
    ]
    .into_iter()
    .flatten()
    .max();
    if let Some(at) = context_at {
        read_context(&rest[at..], &mut m);
        rest = &rest[..at];
    }
    if let Some(resource) = rest.strip_prefix(ON_RESOURCE) {
        let r = resource.trim();
        let r = r
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or(r);
        if !r.is_empty() {
            m.resource = Some(r.to_owned());
        }
    }
    Some(m)
}

/// Reads `because no T allows the A action` or `with an explicit deny in ART T[ transitively
/// through ART T][: ARN]`, or S3 Block Public Access's own phrasing.
fn read_context(context: &str, m: &mut DenialMessage) {
    if let Some(tail) = context.strip_prefix(EXPLICIT) {
        m.deny_kind = DenyKind::Explicit;
        let (phrase, arn) = match tail.find(": arn:").and_then(|at| tail.split_at_checked(at)) {
            Some((phrase, arn)) => (phrase, arn.strip_prefix(": ").map(str::trim)),
            None => (tail, None),
        };
        let (own, via) = match phrase.split_once(TRANSITIVELY) {
            Some((own, via)) => (own, Some(via)),
            None => (phrase, None),
        };
        set_type(strip_article(own), m);
        m.via = via.and_then(|v| policy_type_of(strip_article(v)).map(|(t, _)| t));
        m.policy_arn = arn.filter(|a| !a.is_empty()).map(str::to_owned);
    } else if let Some(tail) = context.strip_prefix(BECAUSE_NO) {
        if let Some(at) = tail.rfind(" allows the ") {
            m.deny_kind = DenyKind::Implicit;
            set_type(&tail[..at], m);
        }
    } else if let Some(setting) = block_public_access_setting(context) {
        m.deny_kind = DenyKind::Explicit;
        m.block_public_access = Some(setting.to_owned());
    }
}

/// `public ACLs are prevented by the BlockPublicAcls setting in S3 Block Public Access`.
fn block_public_access_setting(tail: &str) -> Option<&str> {
    let after = tail.split(" prevented by the ").nth(1)?;
    let end = after.find(" setting")?;
    Some(&after[..end])
}

fn strip_article(phrase: &str) -> &str {
    let p = phrase.trim();
    ["a ", "an ", "the "]
        .into_iter()
        .find_map(|art| p.strip_prefix(art))
        .unwrap_or(p)
}

fn set_type(phrase: &str, m: &mut DenialMessage) {
    if let Some((t, role_trust)) = policy_type_of(phrase) {
        m.policy_type = Some(t);
        m.role_trust = role_trust;
    }
}

/// Spec §5.5 step 6: the policy-type phrase, case-insensitively; `true` for the role trust
/// policy. AWS's own documentation prints `sessions policy` once, so both are accepted.
fn policy_type_of(phrase: &str) -> Option<(PolicyType, bool)> {
    let p = phrase.trim().to_ascii_lowercase();
    Some(match p.as_str() {
        "service control policy" => (PolicyType::Scp, false),
        "resource control policy" => (PolicyType::Rcp, false),
        "identity-based policy" => (PolicyType::Identity, false),
        "resource-based policy" => (PolicyType::Resource, false),
        "permissions boundary" => (PolicyType::PermissionsBoundary, false),
        "session policy" | "sessions policy" => (PolicyType::Session, false),
        "vpc endpoint policy" => (PolicyType::VpcEndpoint, false),
        "role trust policy" => (PolicyType::Resource, true),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_5_6_scp_with_sdk_prefix_and_policy_arn() {
        let m = parse_message(
            "An error occurred (AccessDenied) when calling the ListRoles operation: User: arn:aws:iam::123456789012:user/Matt is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::123456789012:role/* with an explicit deny in a service control policy: arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd",
        );
        assert_eq!(m.form, MessageForm::Standard);
        assert_eq!(m.sdk_code.as_deref(), Some("AccessDenied"));
        assert_eq!(m.operation.as_deref(), Some("ListRoles"));
        assert_eq!(
            m.principal.as_deref(),
            Some("arn:aws:iam::123456789012:user/Matt")
        );
        assert_eq!(m.action.as_deref(), Some("iam:ListRoles"));
        assert_eq!(
            m.resource.as_deref(),
            Some("arn:aws:iam::123456789012:role/*")
        );
        assert_eq!(m.deny_kind, DenyKind::Explicit);
        assert_eq!(m.policy_type, Some(PolicyType::Scp));
        assert_eq!(
            m.policy_arn.as_deref(),
            Some(
                "arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd"
            )
        );
    }

    #[test]
    fn spec_5_4_ec2_encoded_message() {
        let m = parse_message(
            "You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/R/s is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:111122223333:instance/* because no identity-based policy allows the ec2:RunInstances action. Encoded authorization failure message: AbC-d_e",
        );
        assert_eq!(m.action.as_deref(), Some("ec2:RunInstances"));
        assert_eq!(m.deny_kind, DenyKind::Implicit);
        assert_eq!(m.policy_type, Some(PolicyType::Identity));
        assert_eq!(m.encoded_message.as_deref(), Some("AbC-d_e"));
        let only = parse_message(
            "You are not authorized to perform this operation. Encoded authorization failure message: xyz",
        );
        assert_eq!(only.form, MessageForm::EncodedOnly);
    }

    #[test]
    fn spec_5_2_role_trust_transitive_and_sessions_typo() {
        let m = parse_message(
            "User: arn:aws:iam::777788889999:user/John is not authorized to perform: sts:AssumeRole with an explicit deny in the role trust policy",
        );
        assert!(m.role_trust);
        assert_eq!(m.policy_type, Some(PolicyType::Resource));
        let t = parse_message(
            "User: arn:aws:sts::111122223333:assumed-role/role-name/session is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:444455556666:topic with an explicit deny in a VPC endpoint policy transitively through a service control policy",
        );
        assert_eq!(t.policy_type, Some(PolicyType::VpcEndpoint));
        assert_eq!(t.via, Some(PolicyType::Scp));
        assert_eq!(t.action.as_deref(), Some("SNS:Publish"));
        let s = parse_message(
            "User: arn:aws:iam::1:user/J is not authorized to perform: s3:GetObject with an explicit deny in a sessions policy",
        );
        assert_eq!(s.policy_type, Some(PolicyType::Session));
    }

    #[test]
    fn spec_5_4_s3_quoted_and_plain() {
        let m = parse_message(
            "User: arn:aws:sts::112233445566:assumed-role/AWSReservedSSO_PermSet_0123456789abcdef/abcde is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::bucket/standard.txt\" with an explicit deny in a resource control policy",
        );
        assert_eq!(
            m.resource.as_deref(),
            Some("arn:aws:s3:::bucket/standard.txt")
        );
        assert_eq!(m.policy_type, Some(PolicyType::Rcp));
        assert_eq!(
            parse_message("Access Denied").form,
            MessageForm::PlainAccessDenied
        );
    }

    #[test]
    fn spec_5_4_legacy_messages_without_context() {
        let m = parse_message(
            "User: arn:aws:sts::111:assumed-role/A/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222:role/B",
        );
        assert_eq!(m.deny_kind, DenyKind::Unknown);
        assert_eq!(m.resource.as_deref(), Some("arn:aws:iam::222:role/B"));
        let iam = parse_message(
            "User: arn:aws:sts::1:assumed-role/voc/u is not authorized to perform: iam:GetRole on resource: role voclabs because no identity-based policy allows the iam:GetRole action",
        );
        assert_eq!(iam.resource.as_deref(), Some("role voclabs"));
        let other = parse_message(
            "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.",
        );
        assert_eq!(other.form, MessageForm::Other);
    }

    #[test]
    fn spec_5_2_block_public_access() {
        let m = parse_message(
            "User: arn:aws:iam::1:user/J is not authorized to perform: s3:PutBucketPolicy on resource: \"arn:aws:s3:::b\" because public policies are prevented by the BlockPublicPolicy setting in S3 Block Public Access",
        );
        assert_eq!(m.block_public_access.as_deref(), Some("BlockPublicPolicy"));
        assert_eq!(m.policy_label(), Some("S3 Block Public Access"));
    }

    #[test]
    fn java_sdk_suffix_is_dropped() {
        let m = parse_message(
            "User: arn:aws:iam::1:user/J is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:1:key/k because no resource-based policy allows the kms:Decrypt action (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: 1)",
        );
        assert_eq!(m.policy_type, Some(PolicyType::Resource));
        assert_eq!(m.resource.as_deref(), Some("arn:aws:kms:us-east-1:1:key/k"));
    }
}
