//! Rules AWS applies without any policy (spec §4.4 step 0), as one table.

use iamwhy_core::{CredentialType, Decision, Principal, Request};

/// A hard-wired rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServiceRule {
    /// Step 0.1: `sts:GetCallerIdentity` needs no permission, even against an explicit deny.
    NoPermissionRequired,
    /// Step 0.2: the root user cannot assume roles.
    RootCannotAssumeRole,
    /// Step 0.3: `GetFederationToken` credentials cannot call IAM, nor STS beyond
    /// `GetCallerIdentity`.
    FederationTokenCredentials,
    /// Step 0.3: `GetSessionToken` credentials cannot call IAM without MFA, nor STS beyond
    /// `AssumeRole` and `GetCallerIdentity`.
    SessionTokenCredentials,
    /// Step 0.3: role-session credentials cannot call `GetFederationToken` or
    /// `GetSessionToken`.
    AssumedRoleCredentials,
    /// Step 0.35: the bucket owner's root user can always manage the bucket policy.
    BucketOwnerRoot,
    /// Step 0.4: AWS managed policies, `aws-reserved` roles and `alias/aws/*` KMS aliases
    /// cannot be changed.
    ProtectedAwsResource,
    /// Step 0.5 (ours, docs/decisions.md D42): AWS KMS takes only signed requests, so an
    /// anonymous caller never gets a KMS operation — not even through S3 reading an SSE-KMS
    /// object for it ("All GET and PUT requests for an object protected by AWS KMS fail if
    /// not made via SSL or using SigV4", Amazon S3 API Reference, `SSEKMSKeyId`; AWS
    /// re:Post knowledge center `s3-kms-signature-version-error`: "You made an anonymous
    /// request").
    KmsNeedsSignedRequest,
}

impl ServiceRule {
    /// The stable name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceRule::NoPermissionRequired => "no-permission-required",
            ServiceRule::RootCannotAssumeRole => "root-cannot-assume-role",
            ServiceRule::FederationTokenCredentials => "federation-token-credentials",
            ServiceRule::SessionTokenCredentials => "session-token-credentials",
            ServiceRule::AssumedRoleCredentials => "assumed-role-credentials",
            ServiceRule::BucketOwnerRoot => "bucket-owner-root",
            ServiceRule::ProtectedAwsResource => "protected-aws-resource",
            ServiceRule::KmsNeedsSignedRequest => "kms-needs-signed-request",
        }
    }

    /// The rule in plain words.
    pub fn describe(self) -> &'static str {
        match self {
            ServiceRule::NoPermissionRequired => {
                "sts:GetCallerIdentity needs no permission: AWS allows it for any valid credentials, even against an explicit deny"
            }
            ServiceRule::RootCannotAssumeRole => "roles may not be assumed by the root user",
            ServiceRule::FederationTokenCredentials => {
                "credentials from GetFederationToken cannot call IAM operations, nor STS operations other than GetCallerIdentity"
            }
            ServiceRule::SessionTokenCredentials => {
                "credentials from GetSessionToken cannot call IAM operations unless MFA was used, nor STS operations other than AssumeRole and GetCallerIdentity"
            }
            ServiceRule::AssumedRoleCredentials => {
                "role-session credentials cannot call GetFederationToken or GetSessionToken"
            }
            ServiceRule::BucketOwnerRoot => {
                "the root user of the bucket's account can always get, put and delete the bucket policy; bucket-policy denies do not apply"
            }
            ServiceRule::ProtectedAwsResource => {
                "AWS managed policies, roles under /aws-reserved/, service-linked roles (only their service changes them) and alias/aws/* KMS aliases cannot be modified"
            }
            ServiceRule::KmsNeedsSignedRequest => {
                "AWS KMS takes only signed (SigV4) requests: an anonymous caller cannot use a KMS key, not even through S3 reading or writing an SSE-KMS object for it; no policy change helps — sign the request (credentials or a presigned URL), or encrypt objects served anonymously with SSE-S3"
            }
        }
    }

    /// The text AWS answers with when this rule denies.
    pub(crate) fn aws_message(self) -> Option<&'static str> {
        match self {
            ServiceRule::RootCannotAssumeRole => Some("Roles may not be assumed by root accounts"),
            _ => None,
        }
    }
}

/// What step 0 decided.
pub(crate) enum Step0 {
    /// The rule decides the request.
    Decide(Decision, ServiceRule),
    /// Evaluate policies; `bucket_owner_root` switches off bucket-policy denies.
    Continue { bucket_owner_root: bool },
}

/// IAM actions that change a managed policy (step 0.4).
const POLICY_WRITE_ACTIONS: &[&str] = &[
    "createpolicyversion",
    "deletepolicy",
    "deletepolicyversion",
    "setdefaultpolicyversion",
    "tagpolicy",
    "untagpolicy",
];

/// IAM actions that change a service-linked role's permissions or trust, or delete it
/// through IAM: only the linked service may ("service-linked roles are protected AWS
/// resources", the `UnmodifiableEntity` error of the IAM API reference; the account may
/// edit the description only, "Update a service-linked role" in the IAM User Guide).
const SERVICE_LINKED_ROLE_WRITE_ACTIONS: &[&str] = &[
    "attachrolepolicy",
    "deleterole",
    "deleterolepermissionsboundary",
    "deleterolepolicy",
    "detachrolepolicy",
    "putrolepermissionsboundary",
    "putrolepolicy",
    "updateassumerolepolicy",
];

/// IAM actions that change or hand out a role (step 0.4).
const ROLE_WRITE_ACTIONS: &[&str] = &[
    "attachrolepolicy",
    "deleterole",
    "deleterolepermissionsboundary",
    "deleterolepolicy",
    "detachrolepolicy",
    "passrole",
    "putrolepermissionsboundary",
    "putrolepolicy",
    "tagrole",
    "untagrole",
    "updateassumerolepolicy",
    "updaterole",
    "updateroledescription",
];

const ALIAS_WRITE_ACTIONS: &[&str] = &["createalias", "deletealias", "updatealias"];

/// Step 0 of spec §4.4.
pub(crate) fn step0(req: &Request) -> Step0 {
    let action = &req.action;
    let service = action.service();
    let name = action.name_lower();
    let principal = &req.principal;

    // 0.1
    if service == "sts" && name == "getcalleridentity" && principal.is_authenticated() {
        return Step0::Decide(Decision::Allowed, ServiceRule::NoPermissionRequired);
    }
    // 0.2
    if matches!(principal, Principal::Root(_)) && service == "sts" && name.starts_with("assumerole")
    {
        return Step0::Decide(Decision::ImplicitDeny, ServiceRule::RootCannotAssumeRole);
    }
    // 0.3
    match req.facts.credential_type(principal) {
        Some(CredentialType::FederationToken)
            if service == "iam" || (service == "sts" && name != "getcalleridentity") =>
        {
            return Step0::Decide(
                Decision::ImplicitDeny,
                ServiceRule::FederationTokenCredentials,
            );
        }
        Some(CredentialType::SessionToken)
            if (service == "iam" && req.facts.mfa_authenticated != Some(true))
                || (service == "sts" && !matches!(name, "assumerole" | "getcalleridentity")) =>
        {
            return Step0::Decide(Decision::ImplicitDeny, ServiceRule::SessionTokenCredentials);
        }
        Some(CredentialType::AssumedRole)
            if service == "sts" && matches!(name, "getfederationtoken" | "getsessiontoken") =>
        {
            return Step0::Decide(Decision::ImplicitDeny, ServiceRule::AssumedRoleCredentials);
        }
        _ => {}
    }
    // 0.4
    if let Some(arn) = req.resource.arn() {
        let protected = (service == "iam"
            && arn.account == "aws"
            && arn.resource.starts_with("policy/")
            && POLICY_WRITE_ACTIONS.contains(&name))
            || (service == "iam"
                && arn.resource.starts_with("role/aws-reserved/")
                && ROLE_WRITE_ACTIONS.contains(&name))
            || (service == "iam"
                && arn.resource.starts_with("role/aws-service-role/")
                && SERVICE_LINKED_ROLE_WRITE_ACTIONS.contains(&name))
            || (service == "kms"
                && arn.resource.starts_with("alias/aws/")
                && ALIAS_WRITE_ACTIONS.contains(&name));
        if protected {
            return Step0::Decide(Decision::ImplicitDeny, ServiceRule::ProtectedAwsResource);
        }
    }
    // 0.5
    if service == "kms" && matches!(principal, Principal::Anonymous) {
        return Step0::Decide(Decision::ImplicitDeny, ServiceRule::KmsNeedsSignedRequest);
    }
    // 0.35
    let bucket_owner_root = service == "s3"
        && matches!(
            name,
            "getbucketpolicy" | "putbucketpolicy" | "deletebucketpolicy"
        )
        && matches!(principal, Principal::Root(r) if Some(r.account.as_str()) == req.effective_resource_account());
    Step0::Continue { bucket_owner_root }
}
