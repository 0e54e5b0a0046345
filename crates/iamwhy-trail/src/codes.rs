//! CloudTrail `errorCode` values that mean the request was refused by authorization.
//!
//! AWS services do not agree on one code. The list below gathers the codes that the IAM
//! User Guide, the service API references and real trails use for "the caller was not
//! allowed": the Query-API family (`AccessDenied`), the JSON-API family
//! (`AccessDeniedException`), EC2's `UnauthorizedOperation` (CloudTrail prefixes it with
//! `Client.`), SNS's `AuthorizationError`, SQS's KMS codes, and the REST and VPC-endpoint
//! variants. Authentication failures (a console sign-in's "Failed authentication",
//! Cognito's `NotAuthorizedException`) are not denials and are left out.
//! Sources:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html>,
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html>,
//! <https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html>,
//! <https://repost.aws/knowledge-center/sqs-accessdenied-errors>,
//! <https://repost.aws/knowledge-center/sns-topics-iam-errors-subscriber>.
//! Comparison ignores ASCII case.

/// Every error code that means an authorization denial, in the spelling AWS documents.
pub const DENIAL_CODES: &[&str] = &[
    // The Query-API family: IAM, STS, S3, SQS, Organizations in CloudTrail.
    "AccessDenied",
    // The JSON-API family: KMS, Lambda, DynamoDB, Secrets Manager, ECR, Organizations.
    "AccessDeniedException",
    // EC2 returns `UnauthorizedOperation`; CloudTrail records `Client.UnauthorizedOperation`.
    "UnauthorizedOperation",
    "Client.UnauthorizedOperation",
    // SNS.
    "AuthorizationError",
    // SQS when the queue's KMS key refuses, as recorded and as the SDKs name it.
    "KMS.AccessDeniedException",
    "KmsAccessDenied",
    // A service denied because a dependency it called on the caller's behalf was denied.
    "AccessDeniedForDependencyException",
    // REST APIs that answer 403 with their own code, and VPC endpoint denials.
    "Forbidden",
    "ForbiddenException",
    "UnauthorizedAccess",
    "VpceAccessDenied",
];

/// Whether `code` (a CloudTrail `errorCode`) means an authorization denial.
pub fn is_denial_code(code: &str) -> bool {
    DENIAL_CODES.iter().any(|c| c.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_every_family_are_denials() {
        for code in [
            "AccessDenied",
            "AccessDeniedException",
            "Client.UnauthorizedOperation",
            "AuthorizationError",
            "VpceAccessDenied",
            "accessdenied",
        ] {
            assert!(is_denial_code(code), "{code}");
        }
    }

    #[test]
    fn other_errors_are_not_denials() {
        for code in [
            "NoSuchEntity",
            "ThrottlingException",
            "ValidationException",
            "",
        ] {
            assert!(!is_denial_code(code), "{code}");
        }
    }
}
