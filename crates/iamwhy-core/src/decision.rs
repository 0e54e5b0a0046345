//! The outcome of an authorization check and the policy types that can decide it.

use std::fmt;

/// The result of one authorization check (spec §4.4). Deliberately not `non_exhaustive`:
/// every caller must handle every outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Decision {
    /// The request is allowed.
    Allowed,
    /// A matching `Deny` statement refused the request.
    ExplicitDeny,
    /// Nothing allowed the request (or a policy that must allow did not).
    ImplicitDeny,
}

impl Decision {
    /// `Allowed`, `ExplicitDeny` or `ImplicitDeny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "Allowed",
            Decision::ExplicitDeny => "ExplicitDeny",
            Decision::ImplicitDeny => "ImplicitDeny",
        }
    }

    /// Whether the request was denied either way.
    pub fn is_denied(self) -> bool {
        !matches!(self, Decision::Allowed)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of policy that take part in an authorization (spec §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyType {
    /// Policies of an IAM user (and its groups) or role.
    Identity,
    /// A policy attached to the resource (bucket policy, key policy, role trust policy, ...).
    Resource,
    /// The permissions boundary of the user or role.
    PermissionsBoundary,
    /// Policies passed when the session was created.
    Session,
    /// Service control policies of the principal's account path.
    Scp,
    /// Resource control policies of the resource's account path.
    Rcp,
    /// Policies of the VPC endpoints the request went through.
    VpcEndpoint,
}

impl PolicyType {
    /// The stable name used in JSON output and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity",
            PolicyType::Resource => "resource",
            PolicyType::PermissionsBoundary => "permissions-boundary",
            PolicyType::Session => "session",
            PolicyType::Scp => "scp",
            PolicyType::Rcp => "rcp",
            PolicyType::VpcEndpoint => "vpc-endpoint",
        }
    }

    /// How AWS names the type in AccessDenied messages (spec §5.2).
    pub fn aws_phrase(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity-based policy",
            PolicyType::Resource => "resource-based policy",
            PolicyType::PermissionsBoundary => "permissions boundary",
            PolicyType::Session => "session policy",
            PolicyType::Scp => "service control policy",
            PolicyType::Rcp => "resource control policy",
            PolicyType::VpcEndpoint => "VPC endpoint policy",
        }
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a denial is attributed to: a policy type, or a rule AWS applies without a policy
/// (spec §4.4 step 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeniedBy {
    /// Identity-based policies.
    Identity,
    /// The resource-based policy (including key policies and role trust policies).
    Resource,
    /// The permissions boundary.
    PermissionsBoundary,
    /// The session policies.
    Session,
    /// A service control policy.
    Scp,
    /// A resource control policy.
    Rcp,
    /// A VPC endpoint policy.
    VpcEndpoint,
    /// A hard-wired service rule.
    ServiceRule,
}

impl DeniedBy {
    /// The stable name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            DeniedBy::ServiceRule => "service-rule",
            other => other.policy_type().map_or("", PolicyType::as_str),
        }
    }

    /// The policy type, unless a service rule denied.
    pub fn policy_type(self) -> Option<PolicyType> {
        Some(match self {
            DeniedBy::Identity => PolicyType::Identity,
            DeniedBy::Resource => PolicyType::Resource,
            DeniedBy::PermissionsBoundary => PolicyType::PermissionsBoundary,
            DeniedBy::Session => PolicyType::Session,
            DeniedBy::Scp => PolicyType::Scp,
            DeniedBy::Rcp => PolicyType::Rcp,
            DeniedBy::VpcEndpoint => PolicyType::VpcEndpoint,
            DeniedBy::ServiceRule => return None,
        })
    }
}

impl From<PolicyType> for DeniedBy {
    fn from(t: PolicyType) -> DeniedBy {
        match t {
            PolicyType::Identity => DeniedBy::Identity,
            PolicyType::Resource => DeniedBy::Resource,
            PolicyType::PermissionsBoundary => DeniedBy::PermissionsBoundary,
            PolicyType::Session => DeniedBy::Session,
            PolicyType::Scp => DeniedBy::Scp,
            PolicyType::Rcp => DeniedBy::Rcp,
            PolicyType::VpcEndpoint => DeniedBy::VpcEndpoint,
        }
    }
}

impl fmt::Display for DeniedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
