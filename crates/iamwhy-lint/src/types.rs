//! How the kind of a policy is guessed from a document, and the size limit of each kind
//! (spec §2.1 and §2.7).

use iamwhy_core::PolicyKind;
use iamwhy_policy::json::{self, JsonValue};

/// The size limit AWS enforces on one document of this kind (spec §2.7), or `None` where
/// the limit depends on where the policy is attached (inline identity policies count
/// against a per-entity aggregate) or on the service.
pub fn size_limit(kind: PolicyKind) -> Option<SizeLimit> {
    let (limit, whitespace_counts, unit) = match kind {
        // A customer managed policy; inline policies have larger aggregate limits per
        // entity, so this is what a policy file can be sure of.
        PolicyKind::Identity | PolicyKind::PermissionsBoundary => (6_144, false, Unit::Characters),
        PolicyKind::TrustPolicy => (2_048, false, Unit::Characters),
        // STS counts the `Policy` parameter as sent, white space included (AssumeRole API
        // reference, `Policy`: length 1 to 2,048; tab, line feed and carriage return allowed).
        PolicyKind::Session => (2_048, true, Unit::Characters),
        PolicyKind::Scp | PolicyKind::Rcp => (5_120, true, Unit::Characters),
        PolicyKind::KeyPolicy => (32_768, true, Unit::Bytes),
        PolicyKind::BucketPolicy => (20_480, true, Unit::Bytes),
        PolicyKind::VpcEndpoint => (20_480, true, Unit::Characters),
        PolicyKind::Resource => return None,
    };
    Some(SizeLimit {
        limit,
        whitespace_counts,
        unit,
    })
}

/// A size limit of a policy kind.
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

/// How the kind of a policy was decided.
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

/// Guesses the kind of a policy document from its JSON: no `Principal` means an
/// identity-based policy; with a `Principal`, the actions and resources tell trust, key and
/// bucket policies apart. SCPs, boundaries and session policies look like identity-based
/// policies: `--type` says which they are.
pub fn guess(value: &JsonValue<'_>) -> (PolicyKind, String) {
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
            PolicyKind::Identity,
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
            PolicyKind::TrustPolicy,
            "a `Principal` and only `sts:AssumeRole*` actions".to_owned(),
        );
    }
    if all(&|a| a.starts_with("kms:")) {
        return (
            PolicyKind::KeyPolicy,
            "a `Principal` and only `kms:` actions".to_owned(),
        );
    }
    let s3_resources = !resources.is_empty()
        && resources
            .iter()
            .all(|r| r.starts_with("arn:") && r.contains(":s3:::"));
    if s3_resources || all(&|a| a.starts_with("s3:")) {
        return (
            PolicyKind::BucketPolicy,
            "a `Principal` and only S3 actions or bucket ARNs".to_owned(),
        );
    }
    (
        PolicyKind::Resource,
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

    fn guessed(text: &str) -> PolicyKind {
        let v = json::parse(SourceId::DETACHED, text).unwrap();
        guess(&v).0
    }

    #[test]
    fn guesses_by_principal_actions_and_resources() {
        assert_eq!(
            guessed(r#"{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#),
            PolicyKind::Identity
        );
        assert_eq!(
            guessed(
                r#"{"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}"#
            ),
            PolicyKind::TrustPolicy
        );
        assert_eq!(
            guessed(
                r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:*", "Resource": "*"}]}"#
            ),
            PolicyKind::KeyPolicy
        );
        assert_eq!(
            guessed(
                r#"{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "arn:aws:s3:::b/*"}]}"#
            ),
            PolicyKind::BucketPolicy
        );
        assert_eq!(
            guessed(
                r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage"}]}"#
            ),
            PolicyKind::Resource
        );
    }

    #[test]
    fn sizes_count_as_aws_does() {
        let iam = size_limit(PolicyKind::Identity).unwrap();
        assert_eq!(iam.measure("{ \"a\" : 1 }"), 7);
        let s3 = size_limit(PolicyKind::BucketPolicy).unwrap();
        assert_eq!(s3.measure("{ \"é\" }"), 8);
    }
}
