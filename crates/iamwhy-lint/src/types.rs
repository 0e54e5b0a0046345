//! The policy types the linter knows, how a type is guessed from a document, and the size
//! limit of each (spec §2.1 and §2.7).

use iamwhy_policy::PolicyKind;
use iamwhy_policy::json::{self, JsonValue};

/// What a policy is used as. Finer than [`PolicyKind`]: a bucket policy is a resource-based
/// policy with S3's size limit and S3's public-access rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyType {
    /// An identity-based policy (user, group or role; inline or managed).
    Identity,
    /// A resource-based policy of a service other than S3 and KMS (queue, topic, secret,
    /// function, ...).
    Resource,
    /// A role trust policy.
    Trust,
    /// A KMS key policy.
    KmsKey,
    /// An S3 bucket policy.
    Bucket,
    /// A service control policy.
    Scp,
    /// A resource control policy.
    Rcp,
    /// A permissions boundary.
    Boundary,
    /// A session policy.
    Session,
    /// A VPC endpoint policy.
    Endpoint,
}

impl PolicyType {
    /// Every type, in the order of `--type`'s help.
    pub const ALL: [PolicyType; 10] = [
        PolicyType::Identity,
        PolicyType::Resource,
        PolicyType::Trust,
        PolicyType::KmsKey,
        PolicyType::Bucket,
        PolicyType::Scp,
        PolicyType::Rcp,
        PolicyType::Boundary,
        PolicyType::Session,
        PolicyType::Endpoint,
    ];

    /// The `--type` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity",
            PolicyType::Resource => "resource",
            PolicyType::Trust => "trust",
            PolicyType::KmsKey => "kms-key",
            PolicyType::Bucket => "bucket",
            PolicyType::Scp => "scp",
            PolicyType::Rcp => "rcp",
            PolicyType::Boundary => "boundary",
            PolicyType::Session => "session",
            PolicyType::Endpoint => "endpoint",
        }
    }

    /// Reads the `--type` spelling.
    pub fn parse(text: &str) -> Option<PolicyType> {
        PolicyType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The parser's kind for this type.
    pub fn kind(self) -> PolicyKind {
        match self {
            PolicyType::Identity => PolicyKind::Identity,
            PolicyType::Resource | PolicyType::Bucket => PolicyKind::Resource,
            PolicyType::Trust => PolicyKind::TrustPolicy,
            PolicyType::KmsKey => PolicyKind::KeyPolicy,
            PolicyType::Scp => PolicyKind::Scp,
            PolicyType::Rcp => PolicyKind::Rcp,
            PolicyType::Boundary => PolicyKind::PermissionsBoundary,
            PolicyType::Session => PolicyKind::Session,
            PolicyType::Endpoint => PolicyKind::VpcEndpoint,
        }
    }

    /// The type for a parser kind (a resource-based policy stays generic).
    pub fn from_kind(kind: PolicyKind) -> PolicyType {
        match kind {
            PolicyKind::Identity => PolicyType::Identity,
            PolicyKind::PermissionsBoundary => PolicyType::Boundary,
            PolicyKind::Session => PolicyType::Session,
            PolicyKind::Resource => PolicyType::Resource,
            PolicyKind::KeyPolicy => PolicyType::KmsKey,
            PolicyKind::TrustPolicy => PolicyType::Trust,
            PolicyKind::Scp => PolicyType::Scp,
            PolicyKind::Rcp => PolicyType::Rcp,
            PolicyKind::VpcEndpoint => PolicyType::Endpoint,
        }
    }

    /// A name for messages: `role trust policy`.
    pub fn describe(self) -> &'static str {
        match self {
            PolicyType::Bucket => "S3 bucket policy",
            other => other.kind().describe(),
        }
    }

    /// The size limit AWS enforces on one document of this type (spec §2.7), or `None` where
    /// the limit depends on where the policy is attached (inline identity policies count
    /// against a per-entity aggregate) or on the service.
    pub fn size_limit(self) -> Option<SizeLimit> {
        let (limit, whitespace_counts, unit) = match self {
            // A customer managed policy; inline policies have larger aggregate limits per
            // entity, so this is what a policy file can be sure of.
            PolicyType::Identity | PolicyType::Boundary => (6_144, false, Unit::Characters),
            PolicyType::Trust => (2_048, false, Unit::Characters),
            PolicyType::Session => (2_048, false, Unit::Characters),
            PolicyType::Scp | PolicyType::Rcp => (5_120, true, Unit::Characters),
            PolicyType::KmsKey => (32_768, true, Unit::Bytes),
            PolicyType::Bucket => (20_480, true, Unit::Bytes),
            PolicyType::Endpoint => (20_480, true, Unit::Characters),
            PolicyType::Resource => return None,
        };
        Some(SizeLimit {
            limit,
            whitespace_counts,
            unit,
        })
    }
}

/// A size limit of a policy type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeLimit {
    /// The largest size AWS accepts.
    pub limit: usize,
    /// Whether whitespace outside strings counts (IAM does not count it).
    pub whitespace_counts: bool,
    /// What is counted.
    pub unit: Unit,
}

/// What a size limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Unicode characters.
    Characters,
    /// UTF-8 bytes.
    Bytes,
}

impl SizeLimit {
    /// The size of `text` as this limit counts it.
    pub fn measure(&self, text: &str) -> usize {
        match (self.whitespace_counts, self.unit) {
            (false, _) => json::packed_length(text),
            (true, Unit::Characters) => text.chars().count(),
            (true, Unit::Bytes) => text.len(),
        }
    }
}

/// How the type of a policy was decided.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "how", rename_all = "kebab-case")]
pub enum TypeOrigin {
    /// `--type`.
    Given,
    /// The file says what the document is used as (an AWS CLI output, a scenario key).
    Context,
    /// Guessed from the document's content.
    Guessed {
        /// Why, for the user: `a Principal and only sts: actions`.
        reason: String,
    },
}

/// Guesses the type of a policy document from its JSON: no `Principal` means an
/// identity-based policy; with a `Principal`, the actions and resources tell trust, key and
/// bucket policies apart. SCPs, boundaries and session policies look like identity-based
/// policies: `--type` says which they are.
pub fn guess(value: &JsonValue<'_>) -> (PolicyType, String) {
    let statements: Vec<&JsonValue<'_>> = match value {
        JsonValue::Object(o) => match json::member(&o.properties, "Statement") {
            Some(JsonValue::Array(a)) => a.elements.iter().collect(),
            Some(s) => vec![s],
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    let mut has_principal = false;
    let mut actions: Vec<String> = Vec::new();
    let mut resources: Vec<String> = Vec::new();
    for s in &statements {
        let JsonValue::Object(o) = s else { continue };
        for p in &o.properties {
            match json::key(p) {
                "Principal" | "NotPrincipal" => has_principal = true,
                "Action" | "NotAction" => actions.extend(strings(&p.value)),
                "Resource" | "NotResource" => resources.extend(strings(&p.value)),
                _ => {}
            }
        }
    }
    if !has_principal {
        return (
            PolicyType::Identity,
            "no statement names a `Principal`; pass `--type scp`, `boundary` or `session` if it is one of those".to_owned(),
        );
    }
    let lower: Vec<String> = actions.iter().map(|a| a.to_ascii_lowercase()).collect();
    let all = |f: &dyn Fn(&str) -> bool| !lower.is_empty() && lower.iter().all(|a| f(a));
    if all(&|a| {
        a.starts_with("sts:assumerole")
            || matches!(
                a,
                "sts:tagsession" | "sts:setsourceidentity" | "sts:setcontext"
            )
    }) {
        return (
            PolicyType::Trust,
            "a `Principal` and only `sts:AssumeRole*` actions".to_owned(),
        );
    }
    if all(&|a| a.starts_with("kms:")) {
        return (
            PolicyType::KmsKey,
            "a `Principal` and only `kms:` actions".to_owned(),
        );
    }
    let s3_resources = !resources.is_empty()
        && resources
            .iter()
            .all(|r| r.starts_with("arn:") && r.contains(":s3:::"));
    if s3_resources || all(&|a| a.starts_with("s3:")) {
        return (
            PolicyType::Bucket,
            "a `Principal` and only S3 actions or bucket ARNs".to_owned(),
        );
    }
    (
        PolicyType::Resource,
        "a statement names a `Principal`".to_owned(),
    )
}

/// The strings of a string-or-list JSON value; other items are left out.
pub(crate) fn strings(value: &JsonValue<'_>) -> Vec<String> {
    match value {
        JsonValue::StringLit(s) => vec![s.value.to_string()],
        JsonValue::Array(a) => a
            .elements
            .iter()
            .filter_map(|e| match e {
                JsonValue::StringLit(s) => Some(s.value.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iamwhy_core::SourceId;

    fn guessed(text: &str) -> PolicyType {
        let v = json::parse(SourceId::DETACHED, text).unwrap();
        guess(&v).0
    }

    #[test]
    fn guesses_by_principal_actions_and_resources() {
        assert_eq!(
            guessed(r#"{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#),
            PolicyType::Identity
        );
        assert_eq!(
            guessed(
                r#"{"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}"#
            ),
            PolicyType::Trust
        );
        assert_eq!(
            guessed(
                r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:*", "Resource": "*"}]}"#
            ),
            PolicyType::KmsKey
        );
        assert_eq!(
            guessed(
                r#"{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "arn:aws:s3:::b/*"}]}"#
            ),
            PolicyType::Bucket
        );
        assert_eq!(
            guessed(
                r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage"}]}"#
            ),
            PolicyType::Resource
        );
    }

    #[test]
    fn types_round_trip() {
        for t in PolicyType::ALL {
            assert_eq!(PolicyType::parse(t.as_str()), Some(t));
        }
        assert_eq!(
            PolicyType::from_kind(PolicyType::Trust.kind()),
            PolicyType::Trust
        );
    }

    #[test]
    fn sizes_count_as_aws_does() {
        let iam = PolicyType::Identity.size_limit().unwrap();
        assert_eq!(iam.measure("{ \"a\" : 1 }"), 7);
        let s3 = PolicyType::Bucket.size_limit().unwrap();
        assert_eq!(s3.measure("{ \"é\" }"), 8);
    }
}
