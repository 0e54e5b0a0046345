//! The outputs of STS, S3, S3 Control, KMS, Organizations, SQS, SNS, Secrets Manager and
//! Lambda that a snapshot keeps, as the CLI prints them.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Obj;

/// `sts get-caller-identity`.
pub(crate) fn caller_identity(
    o: &aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput,
) -> Value {
    Obj::new()
        .s("UserId", o.user_id())
        .s("Account", o.account())
        .s("Arn", o.arn())
        .done()
}

/// `s3api get-bucket-policy`: the policy as the string S3 returns.
pub(crate) fn bucket_policy(
    o: &aws_sdk_s3::operation::get_bucket_policy::GetBucketPolicyOutput,
) -> Option<Value> {
    o.policy().map(|p| json!({ "Policy": p }))
}

/// `s3api get-bucket-encryption`.
pub(crate) fn bucket_encryption(
    o: &aws_sdk_s3::operation::get_bucket_encryption::GetBucketEncryptionOutput,
) -> Option<Value> {
    let c = o.server_side_encryption_configuration()?;
    let rules = c.rules().iter().map(|r| {
        Obj::new()
            .o(
                "ApplyServerSideEncryptionByDefault",
                r.apply_server_side_encryption_by_default().map(|d| {
                    Obj::new()
                        .s("SSEAlgorithm", Some(d.sse_algorithm().as_str()))
                        .s("KMSMasterKeyID", d.kms_master_key_id())
                        .done()
                }),
            )
            .b("BucketKeyEnabled", r.bucket_key_enabled())
            .done()
    });
    Some(json!({"ServerSideEncryptionConfiguration": {"Rules": rules.collect::<Vec<_>>()}}))
}

/// `{"PublicAccessBlockConfiguration": ...}` from S3's or S3 Control's configuration: the two
/// SDK crates have their own types with the same four fields.
macro_rules! public_access_block {
    ($c:expr) => {{
        let c = $c;
        json!({"PublicAccessBlockConfiguration": Obj::new()
            .b("BlockPublicAcls", c.block_public_acls())
            .b("IgnorePublicAcls", c.ignore_public_acls())
            .b("BlockPublicPolicy", c.block_public_policy())
            .b("RestrictPublicBuckets", c.restrict_public_buckets())
            .done()})
    }};
}

/// `s3api get-public-access-block`.
pub(crate) fn bucket_public_access_block(
    o: &aws_sdk_s3::operation::get_public_access_block::GetPublicAccessBlockOutput,
) -> Option<Value> {
    Some(public_access_block!(o.public_access_block_configuration()?))
}

/// `s3control get-public-access-block`.
pub(crate) fn account_public_access_block(
    o: &aws_sdk_s3control::operation::get_public_access_block::GetPublicAccessBlockOutput,
) -> Option<Value> {
    Some(public_access_block!(o.public_access_block_configuration()?))
}

/// `s3api get-bucket-location`: `null` for us-east-1, as S3 answers.
pub(crate) fn bucket_location(
    o: &aws_sdk_s3::operation::get_bucket_location::GetBucketLocationOutput,
) -> Value {
    let c = o
        .location_constraint()
        .map(|c| c.as_str())
        .filter(|c| !c.is_empty());
    json!({ "LocationConstraint": c })
}

/// `kms list-aliases`, every page.
pub(crate) fn aliases(pages: &[aws_sdk_kms::operation::list_aliases::ListAliasesOutput]) -> Value {
    let a: Vec<Value> = pages
        .iter()
        .flat_map(|p| p.aliases())
        .map(|a| {
            Obj::new()
                .s("AliasName", a.alias_name())
                .s("AliasArn", a.alias_arn())
                .s("TargetKeyId", a.target_key_id())
                .d("CreationDate", a.creation_date())
                .d("LastUpdatedDate", a.last_updated_date())
                .done()
        })
        .collect();
    json!({ "Aliases": a })
}

/// `kms describe-key`.
#[expect(
    deprecated,
    reason = "KMS still returns CustomerMasterKeySpec and the CLI still prints it"
)]
pub(crate) fn describe_key(
    o: &aws_sdk_kms::operation::describe_key::DescribeKeyOutput,
) -> Option<Value> {
    let m = o.key_metadata()?;
    let md = Obj::new()
        .s("AWSAccountId", m.aws_account_id())
        .s("KeyId", Some(m.key_id()))
        .s("Arn", m.arn())
        .d("CreationDate", m.creation_date())
        .b("Enabled", Some(m.enabled()))
        .s("Description", m.description())
        .s("KeyUsage", m.key_usage().map(|x| x.as_str()))
        .s("KeyState", m.key_state().map(|x| x.as_str()))
        .d("DeletionDate", m.deletion_date())
        .s("Origin", m.origin().map(|x| x.as_str()))
        .s("KeyManager", m.key_manager().map(|x| x.as_str()))
        .s(
            "CustomerMasterKeySpec",
            m.customer_master_key_spec().map(|x| x.as_str()),
        )
        .s("KeySpec", m.key_spec().map(|x| x.as_str()))
        .v(
            "EncryptionAlgorithms",
            Value::Array(
                m.encryption_algorithms()
                    .iter()
                    .map(|x| Value::String(x.as_str().to_owned()))
                    .collect(),
            ),
        )
        .le("SigningAlgorithms", m.signing_algorithms(), |x| {
            Value::String(x.as_str().to_owned())
        })
        .b("MultiRegion", m.multi_region())
        .done();
    Some(json!({ "KeyMetadata": md }))
}

/// `kms get-key-policy --policy-name default`.
pub(crate) fn key_policy(
    o: &aws_sdk_kms::operation::get_key_policy::GetKeyPolicyOutput,
) -> Option<Value> {
    let p = o.policy()?;
    Some(
        Obj::new()
            .s("Policy", Some(p))
            .s("PolicyName", o.policy_name())
            .done(),
    )
}

/// `kms list-grants`, every page.
pub(crate) fn grants(pages: &[aws_sdk_kms::operation::list_grants::ListGrantsOutput]) -> Value {
    let g: Vec<Value> = pages
        .iter()
        .flat_map(|p| p.grants())
        .map(|g| {
            let constraints = g.constraints().map(|c| {
                let sorted = |m: Option<&std::collections::HashMap<String, String>>| {
                    m.map(|m| {
                        let b: BTreeMap<&String, &String> = m.iter().collect();
                        json!(b)
                    })
                };
                Obj::new()
                    .o(
                        "EncryptionContextSubset",
                        sorted(c.encryption_context_subset()),
                    )
                    .o(
                        "EncryptionContextEquals",
                        sorted(c.encryption_context_equals()),
                    )
                    .done()
            });
            Obj::new()
                .s("KeyId", g.key_id())
                .s("GrantId", g.grant_id())
                .s("Name", g.name())
                .d("CreationDate", g.creation_date())
                .s("GranteePrincipal", g.grantee_principal())
                .s("RetiringPrincipal", g.retiring_principal())
                .s("IssuingAccount", g.issuing_account())
                .v(
                    "Operations",
                    Value::Array(
                        g.operations()
                            .iter()
                            .map(|o| Value::String(o.as_str().to_owned()))
                            .collect(),
                    ),
                )
                .o("Constraints", constraints)
                .done()
        })
        .collect();
    json!({ "Grants": g })
}

/// `organizations describe-organization`.
pub(crate) fn organization(
    o: &aws_sdk_organizations::operation::describe_organization::DescribeOrganizationOutput,
) -> Option<Value> {
    let org = o.organization()?;
    Some(json!({"Organization": Obj::new()
        .s("Id", org.id())
        .s("Arn", org.arn())
        .s("FeatureSet", org.feature_set().map(|x| x.as_str()))
        .s("MasterAccountArn", org.master_account_arn())
        .s("MasterAccountId", org.master_account_id())
        .s("MasterAccountEmail", org.master_account_email())
        .l("AvailablePolicyTypes", org.available_policy_types(), policy_type)
        .done()}))
}

fn policy_type(t: &aws_sdk_organizations::types::PolicyTypeSummary) -> Value {
    Obj::new()
        .s("Type", t.r#type().map(|x| x.as_str()))
        .s("Status", t.status().map(|x| x.as_str()))
        .done()
}

/// `organizations list-roots`, every page.
pub(crate) fn roots(
    pages: &[aws_sdk_organizations::operation::list_roots::ListRootsOutput],
) -> Value {
    let r: Vec<Value> = pages
        .iter()
        .flat_map(|p| p.roots())
        .map(|r| {
            Obj::new()
                .s("Id", r.id())
                .s("Arn", r.arn())
                .s("Name", r.name())
                .l("PolicyTypes", r.policy_types(), policy_type)
                .done()
        })
        .collect();
    json!({ "Roots": r })
}

/// `organizations list-parents`, every page.
pub(crate) fn parents(
    pages: &[aws_sdk_organizations::operation::list_parents::ListParentsOutput],
) -> Value {
    let p: Vec<Value> = pages
        .iter()
        .flat_map(|p| p.parents())
        .map(|p| {
            Obj::new()
                .s("Id", p.id())
                .s("Type", p.r#type().map(|x| x.as_str()))
                .done()
        })
        .collect();
    json!({ "Parents": p })
}

fn policy_summary(s: &aws_sdk_organizations::types::PolicySummary) -> Value {
    Obj::new()
        .s("Id", s.id())
        .s("Arn", s.arn())
        .s("Name", s.name())
        .s("Description", s.description())
        .s("Type", s.r#type().map(|x| x.as_str()))
        .b("AwsManaged", Some(s.aws_managed()))
        .done()
}

/// `organizations list-policies-for-target`, every page.
pub(crate) fn policies_for_target(
    pages: &[aws_sdk_organizations::operation::list_policies_for_target::ListPoliciesForTargetOutput],
) -> Value {
    let p: Vec<Value> = pages
        .iter()
        .flat_map(|p| p.policies())
        .map(policy_summary)
        .collect();
    json!({ "Policies": p })
}

/// `organizations describe-policy`.
pub(crate) fn describe_policy(
    o: &aws_sdk_organizations::operation::describe_policy::DescribePolicyOutput,
) -> Option<Value> {
    let p = o.policy()?;
    Some(json!({"Policy": Obj::new()
        .o("PolicySummary", p.policy_summary().map(policy_summary))
        .s("Content", p.content())
        .done()}))
}

/// `sqs get-queue-attributes` (attributes sorted by name).
pub(crate) fn queue_attributes(
    o: &aws_sdk_sqs::operation::get_queue_attributes::GetQueueAttributesOutput,
) -> Option<Value> {
    let a = o.attributes()?;
    let sorted: BTreeMap<&str, &String> = a.iter().map(|(k, v)| (k.as_str(), v)).collect();
    Some(json!({ "Attributes": sorted }))
}

/// `sns get-topic-attributes` (attributes sorted by name).
pub(crate) fn topic_attributes(
    o: &aws_sdk_sns::operation::get_topic_attributes::GetTopicAttributesOutput,
) -> Option<Value> {
    let a = o.attributes()?;
    let sorted: BTreeMap<&String, &String> = a.iter().collect();
    Some(json!({ "Attributes": sorted }))
}

/// `secretsmanager get-resource-policy`; `None` for a secret without a policy (the output
/// then names no policy, and the snapshot keeps no file).
pub(crate) fn secret_policy(
    o: &aws_sdk_secretsmanager::operation::get_resource_policy::GetResourcePolicyOutput,
) -> Option<Value> {
    let p = o.resource_policy()?;
    Some(
        Obj::new()
            .s("ARN", o.arn())
            .s("Name", o.name())
            .s("ResourcePolicy", Some(p))
            .done(),
    )
}

/// `lambda get-policy`.
pub(crate) fn function_policy(
    o: &aws_sdk_lambda::operation::get_policy::GetPolicyOutput,
) -> Option<Value> {
    let p = o.policy()?;
    Some(
        Obj::new()
            .s("Policy", Some(p))
            .s("RevisionId", o.revision_id())
            .done(),
    )
}
