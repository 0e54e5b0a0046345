//! AccessDenied messages parsed into structured denials (spec §5).
//!
//! The parser is tolerant, as spec §5.5 recommends: it strips an SDK prefix
//! (`An error occurred (CODE) when calling the OP operation: `), a Java SDK suffix
//! (` (Service: …; Status Code: 403; …)`), EC2's `You are not authorized to perform this
//! operation. ` prefix and its `. Encoded authorization failure message: ` tail, then reads
//! `User: P is not authorized to perform: A [on resource: R] [context]`, where the context is
//! searched from the right so that a resource with spaces stays whole. A message it cannot
//! read is kept as [`MessageForm::Other`]; nothing here fails.

mod decoded;
mod reader;
mod wrapper;

use iamwhy_core::PolicyType;
use serde::Serialize;

pub use reader::read_messages;
pub use wrapper::Wrapper;

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
    /// The output of `aws sts decode-authorization-message` (or its `DecodedMessage`): the
    /// principal, action, resource, deny kind and the request's condition keys.
    DecodedAuthorization,
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
    /// Further actions the message names (a few services list more than one).
    pub more_actions: Vec<String>,
    /// The service the wrapper names (`S3` in Go's `operation error S3: GetObject`, `AWSKMS`
    /// in Java's `(Service: AWSKMS; …)`).
    pub service: Option<String>,
    /// The program or format that printed the message, when recognised.
    pub wrapper: Option<Wrapper>,
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
    /// The request's condition keys and values, from a decoded authorization message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<(String, Vec<String>)>,
}

impl DenialMessage {
    fn empty(form: MessageForm) -> DenialMessage {
        DenialMessage {
            form,
            sdk_code: None,
            operation: None,
            principal: None,
            action: None,
            more_actions: Vec::new(),
            service: None,
            wrapper: None,
            resource: None,
            deny_kind: DenyKind::Unknown,
            policy_type: None,
            role_trust: false,
            via: None,
            policy_arn: None,
            block_public_access: None,
            encoded_message: None,
            context: Vec::new(),
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

/// Parses an AccessDenied message (spec §5.5): the first message found in the text, wherever
/// it sits (see [`read_messages`]). Never fails: what cannot be read is left out, and text with
/// no message at all is [`MessageForm::Other`] with what its wrapper says.
pub fn parse_message(text: &str) -> DenialMessage {
    match read_messages(text).into_iter().next() {
        Some(m) => m,
        None => {
            let mut m = DenialMessage::empty(MessageForm::Other);
            wrapper::read(text).apply(&mut m);
            m
        }
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

/// The policy-type phrases of AWS's messages, lower case: (phrase, type, role trust).
const POLICY_TYPE_PHRASES: &[(&str, PolicyType, bool)] = &[
    ("service control policy", PolicyType::Scp, false),
    ("resource control policy", PolicyType::Rcp, false),
    ("identity-based policy", PolicyType::Identity, false),
    ("resource-based policy", PolicyType::Resource, false),
    (
        "permissions boundary",
        PolicyType::PermissionsBoundary,
        false,
    ),
    ("session policy", PolicyType::Session, false),
    ("sessions policy", PolicyType::Session, false),
    ("vpc endpoint policy", PolicyType::VpcEndpoint, false),
    ("role trust policy", PolicyType::Resource, true),
];

/// Spec §5.5 step 6: the policy-type phrase, case-insensitively; `true` for the role trust
/// policy. AWS's own documentation prints `sessions policy` once, so both are accepted.
fn policy_type_of(phrase: &str) -> Option<(PolicyType, bool)> {
    let p = phrase.trim().to_ascii_lowercase();
    POLICY_TYPE_PHRASES
        .iter()
        .find(|(name, _, _)| *name == p)
        .map(|(_, t, role_trust)| (*t, *role_trust))
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
