//! What a policy document is used as.
//!
//! One enum names every kind of policy document iamwhy reads: the parser chooses its grammar
//! by it (spec §2.1), the linter its size limit and risk rules (`lint --type`), the snapshot
//! its Organizations policies, the engine how a resource-based policy takes part (§4.8).
//! It is finer than [`PolicyType`], the category a document takes part in the decision as
//! (spec §4.1): a bucket policy, a key policy and a role trust policy are all of type
//! [`PolicyType::Resource`], and [`PolicyKind::policy_type`] says so.

use std::fmt;

use crate::PolicyType;

/// What a policy document is used as; decides which elements it may hold (spec §2.1 table),
/// how its ARNs and principals are read, and which policy type it takes part in the
/// decision as.
///
/// Variants are declared in the order of `lint --type`'s help, so that sorting by kind puts
/// SCPs before RCPs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum PolicyKind {
    /// An inline or managed policy of a user, group or role.
    #[serde(rename = "identity")]
    Identity,
    /// A resource-based policy of a service other than S3 and KMS (queue, topic, secret,
    /// function, ...), or any resource-based policy when the service does not matter.
    #[serde(rename = "resource")]
    Resource,
    /// A role trust policy.
    #[serde(rename = "trust")]
    TrustPolicy,
    /// A KMS key policy.
    #[serde(rename = "kms-key")]
    KeyPolicy,
    /// An S3 bucket policy: a resource-based policy with S3's size limit and public-access
    /// rules.
    #[serde(rename = "bucket")]
    BucketPolicy,
    /// A service control policy.
    #[serde(rename = "scp")]
    Scp,
    /// A resource control policy.
    #[serde(rename = "rcp")]
    Rcp,
    /// A managed policy used as a permissions boundary.
    #[serde(rename = "boundary")]
    PermissionsBoundary,
    /// A session policy passed to `AssumeRole*` or `GetFederationToken`.
    #[serde(rename = "session")]
    Session,
    /// A VPC endpoint policy.
    #[serde(rename = "endpoint")]
    VpcEndpoint,
}

impl PolicyKind {
    /// Every kind, in the order of `lint --type`'s help.
    pub const ALL: [PolicyKind; 10] = [
        PolicyKind::Identity,
        PolicyKind::Resource,
        PolicyKind::TrustPolicy,
        PolicyKind::KeyPolicy,
        PolicyKind::BucketPolicy,
        PolicyKind::Scp,
        PolicyKind::Rcp,
        PolicyKind::PermissionsBoundary,
        PolicyKind::Session,
        PolicyKind::VpcEndpoint,
    ];

    /// The short name used by `lint --type` and in lint's JSON output: `trust`, `kms-key`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Resource => "resource",
            PolicyKind::TrustPolicy => "trust",
            PolicyKind::KeyPolicy => "kms-key",
            PolicyKind::BucketPolicy => "bucket",
            PolicyKind::Scp => "scp",
            PolicyKind::Rcp => "rcp",
            PolicyKind::PermissionsBoundary => "boundary",
            PolicyKind::Session => "session",
            PolicyKind::VpcEndpoint => "endpoint",
        }
    }

    /// Reads the short name of [`PolicyKind::as_str`].
    pub fn parse(text: &str) -> Option<PolicyKind> {
        PolicyKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The policy type this kind takes part in the decision as (spec §4.1).
    pub fn policy_type(self) -> PolicyType {
        match self {
            PolicyKind::Identity => PolicyType::Identity,
            PolicyKind::PermissionsBoundary => PolicyType::PermissionsBoundary,
            PolicyKind::Session => PolicyType::Session,
            PolicyKind::Resource
            | PolicyKind::BucketPolicy
            | PolicyKind::KeyPolicy
            | PolicyKind::TrustPolicy => PolicyType::Resource,
            PolicyKind::Scp => PolicyType::Scp,
            PolicyKind::Rcp => PolicyType::Rcp,
            PolicyKind::VpcEndpoint => PolicyType::VpcEndpoint,
        }
    }

    /// The kind whose grammar (spec §2.1) this kind follows. IAM validates a bucket policy as
    /// any other resource-based policy, so a bucket policy is parsed, and named in the
    /// parser's messages, as [`PolicyKind::Resource`]; every other kind is its own.
    pub fn grammar(self) -> PolicyKind {
        match self {
            PolicyKind::BucketPolicy => PolicyKind::Resource,
            other => other,
        }
    }

    /// Whether this is an Organizations policy (an SCP or an RCP).
    pub fn is_organizations_policy(self) -> bool {
        matches!(self, PolicyKind::Scp | PolicyKind::Rcp)
    }

    /// A name for messages: `role trust policy`.
    pub fn describe(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity-based policy",
            PolicyKind::PermissionsBoundary => "permissions boundary",
            PolicyKind::Session => "session policy",
            PolicyKind::Resource => "resource-based policy",
            PolicyKind::BucketPolicy => "S3 bucket policy",
            PolicyKind::KeyPolicy => "key policy",
            PolicyKind::TrustPolicy => "role trust policy",
            PolicyKind::Scp => "service control policy",
            PolicyKind::Rcp => "resource control policy",
            PolicyKind::VpcEndpoint => "VPC endpoint policy",
        }
    }

    /// The name with its indefinite article, for sentences: `an identity-based policy`.
    pub fn with_article(self) -> &'static str {
        match self {
            PolicyKind::Identity => "an identity-based policy",
            PolicyKind::PermissionsBoundary => "a permissions boundary",
            PolicyKind::Session => "a session policy",
            PolicyKind::Resource => "a resource-based policy",
            PolicyKind::BucketPolicy => "an S3 bucket policy",
            PolicyKind::KeyPolicy => "a key policy",
            PolicyKind::TrustPolicy => "a role trust policy",
            PolicyKind::Scp => "a service control policy",
            PolicyKind::Rcp => "a resource control policy",
            PolicyKind::VpcEndpoint => "a VPC endpoint policy",
        }
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for k in PolicyKind::ALL {
            assert_eq!(PolicyKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        assert_eq!(PolicyKind::parse("permissions-boundary"), None);
    }

    #[test]
    fn resource_kinds_are_resource_policies() {
        for k in [
            PolicyKind::Resource,
            PolicyKind::BucketPolicy,
            PolicyKind::KeyPolicy,
            PolicyKind::TrustPolicy,
        ] {
            assert_eq!(k.policy_type(), PolicyType::Resource);
        }
        assert_eq!(PolicyKind::BucketPolicy.grammar(), PolicyKind::Resource);
        assert!(PolicyKind::Scp < PolicyKind::Rcp);
    }
}
