//! CloudTrail `errorCode` values that mean the request was refused by authorization.
//!
//! AWS services do not agree on one code. The list below gathers the codes that the IAM
//! User Guide, the service API references and real trails use for "the caller was not
//! allowed": the Query-API family (`AccessDenied`), the JSON-API family
//! (`AccessDeniedException`), EC2's `UnauthorizedOperation` (CloudTrail prefixes it with
//! `Client.`), SNS's `AuthorizationError`, SQS's KMS codes, and the REST and VPC-endpoint
//! variants; then the service-specific codes whose API reference says the caller (or the
//! service acting for it) lacked a permission, each cited next to it below. Errors about a
//! key's or a resource's state (`KMSDisabledException`, `KMSNotFoundException`, ...) are not
//! denials. Authentication failures (a console sign-in's "Failed authentication",
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
    // SQS when the queue's KMS key refuses, as recorded and as the SDKs name it. Compared
    // without case, `KmsAccessDenied` is also SNS's Query-API code `KMSAccessDenied` ("The
    // ciphertext references a key that doesn't exist or that you don't have access to"):
    // <https://docs.aws.amazon.com/AWSJavaSDK/latest/javadoc/com/amazonaws/services/sns/model/KMSAccessDeniedException.html>.
    "KMS.AccessDeniedException",
    "KmsAccessDenied",
    // AWS Config: "No permission to call EnableAWSServiceAccess API", or an organization
    // API called from a member account
    // (<https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationAggregator.html>,
    // <https://docs.aws.amazon.com/botocore/latest/reference/services/config/client/exceptions/OrganizationAccessDeniedException.html>).
    "OrganizationAccessDeniedException",
    // Lambda: "Lambda couldn't decrypt the environment variables because KMS access was
    // denied" (<https://docs.aws.amazon.com/botocore/latest/reference/services/lambda/client/exceptions/KMSAccessDeniedException.html>);
    // Kinesis Data Streams: "... a key that doesn't exist or that you don't have access to"
    // (<https://docs.aws.amazon.com/botocore/latest/reference/services/kinesis/client/exceptions/KMSAccessDeniedException.html>).
    // Lambda's other KMS codes (`KMSDisabledException`, `KMSInvalidStateException`,
    // `KMSNotFoundException`) are about the key's state, not a denial.
    "KMSAccessDeniedException",
    // Lambda: "Need additional permissions to configure VPC settings"
    // (<https://docs.aws.amazon.com/botocore/latest/reference/services/lambda/client/exceptions/EC2AccessDeniedException.html>).
    "EC2AccessDeniedException",
    // AWS DMS (JSON API, the code is the exception's name): "DMS was denied access to the
    // endpoint" (<https://docs.aws.amazon.com/botocore/latest/reference/services/dms/client/exceptions/AccessDeniedFault.html>),
    // "Insufficient privileges are preventing access to an Amazon S3 object"
    // (<https://docs.aws.amazon.com/botocore/latest/reference/services/dms/client/exceptions/S3AccessDeniedFault.html>),
    // "... a key that doesn't exist or that the DMS account doesn't have access to"
    // (<https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/databasemigrationservice/aws.sdk.kotlin.services.databasemigrationservice.model/-kms-access-denied-fault>),
    // "You are not authorized for the SNS subscription"
    // (<https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/databasemigrationservice/aws.sdk.kotlin.services.databasemigrationservice.model/-sns-no-authorization-fault>).
    "AccessDeniedFault",
    "S3AccessDeniedFault",
    "KMSAccessDeniedFault",
    "SNSNoAuthorizationFault",
    // RDS, DocumentDB, Neptune and Redshift (Query API, code `SNSNoAuthorization` for the
    // exception `SNSNoAuthorizationFault`): "You do not have permission to publish to the SNS
    // topic ARN" (<https://docs.aws.amazon.com/botocore/latest/reference/services/docdb/client/exceptions/SNSNoAuthorizationFault.html>).
    "SNSNoAuthorization",
    // Elastic Beanstalk (HTTP 403): "The specified account does not have sufficient
    // privileges for one or more AWS services"
    // (<https://docs.aws.amazon.com/botocore/latest/reference/services/elasticbeanstalk/client/exceptions/InsufficientPrivilegesException.html>).
    "InsufficientPrivilegesException",
    // AWS Config: the role Config uses, or the caller, lacks a permission
    // (<https://docs.aws.amazon.com/sdk-for-ruby/v3/api/Aws/ConfigService/Types/InsufficientPermissionsException.html>).
    "InsufficientPermissionsException",
    // CloudTrail: "the IAM identity that is used to create the organization resource lacks
    // one or more required permissions" (<https://docs.aws.amazon.com/botocore/latest/reference/services/cloudtrail/client/exceptions/InsufficientDependencyServiceAccessPermissionException.html>),
    // "you are signed in with an account that lacks permissions to view or create a
    // service-linked role" (<https://docs.aws.amazon.com/botocore/latest/reference/services/cloudtrail/client/exceptions/InsufficientIAMAccessPermissionException.html>).
    "InsufficientDependencyServiceAccessPermissionException",
    "InsufficientIAMAccessPermissionException",
    // CodeCommit: "An encryption key could not be accessed"
    // (<https://docs.aws.amazon.com/botocore/latest/reference/services/codecommit/client/exceptions/EncryptionKeyAccessDeniedException.html>).
    "EncryptionKeyAccessDeniedException",
    // API Gateway: "The request is denied because the caller has insufficient permissions"
    // (<https://docs.aws.amazon.com/botocore/latest/reference/services/apigateway/client/exceptions/UnauthorizedException.html>);
    // Resource Explorer: "The principal making the request isn't permitted to perform the
    // operation" (<https://docs.aws.amazon.com/botocore/latest/reference/services/resource-explorer-2/client/exceptions/UnauthorizedException.html>).
    "UnauthorizedException",
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
            // Service-specific codes (Lambda, Kinesis, SNS, DMS, RDS, Elastic Beanstalk, ...).
            "KMSAccessDeniedException",
            "KMSAccessDenied",
            "EC2AccessDeniedException",
            "AccessDeniedFault",
            "S3AccessDeniedFault",
            "KMSAccessDeniedFault",
            "SNSNoAuthorizationFault",
            "SNSNoAuthorization",
            "InsufficientPrivilegesException",
            "InsufficientPermissionsException",
            "InsufficientDependencyServiceAccessPermissionException",
            "InsufficientIAMAccessPermissionException",
            "EncryptionKeyAccessDeniedException",
            "UnauthorizedException",
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
            // A key's state, not a denial (Lambda, Kinesis).
            "KMSDisabledException",
            "KMSInvalidStateException",
            "KMSNotFoundException",
            "KMSThrottlingException",
            // Authentication, not authorization (Cognito).
            "NotAuthorizedException",
            "",
        ] {
            assert!(!is_denial_code(code), "{code}");
        }
    }
}
