//! What an AccessDenied message establishes on its own, without an account snapshot (issue 20):
//! the principal and its account, the action (from the message, or from the operation its
//! wrapper names through the event-to-action table), the resource and its account, the kind of
//! deny and the policy type that decided, what that implies for the fix, a candidate statement
//! that is **not verified**, and the read-only AWS CLI commands that fetch the policies that
//! decide — so that the next run, with a snapshot, can verify.

use iamwhy_core::PolicyType;
use iamwhy_trail::message::{DenialMessage, DenyKind, read_messages};
use serde::Serialize;

use iamwhy_catalog::events::{Mapping, map_call};

/// An account id as a message gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum Account {
    /// A twelve-digit id.
    Known(String),
    /// Redacted by the user (`xxx`, `***`, `<account-id>`) or cut out.
    Redacted,
}

/// What the deny kind and policy type imply for the fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Implication {
    /// An explicit deny in an SCP: no change to the principal's own policies can fix it.
    ScpDeny,
    /// An explicit deny in an RCP: no change to the principal's or the resource's policies.
    RcpDeny,
    /// An explicit deny in a policy of this type: the `Deny` statement must change or gain an
    /// exception; adding an `Allow` anywhere does nothing.
    ExplicitDeny,
    /// No identity-based policy allows the action: add it to one of the principal's policies
    /// (or, in the same account, to the resource's policy).
    NoIdentityAllow,
    /// No resource-based policy allows it: for a cross-account call, the resource's policy
    /// must name the principal (and the principal's own policy must allow the action too).
    NoResourceAllow,
    /// The permissions boundary does not allow it: widen the boundary, not the policy.
    NoBoundaryAllow,
    /// The session policy does not allow it: the caller must assume the role with a wider
    /// session policy.
    NoSessionAllow,
    /// An SCP on the path of the account does not allow it.
    NoScpAllow,
    /// A VPC endpoint policy does not allow it: the endpoint's policy, not IAM.
    NoEndpointAllow,
    /// EC2's encoded message alone: it must be decoded first.
    Encoded,
    /// The message does not say which policy decided.
    Unstated,
}

impl Implication {
    /// The implication in words, with the AWS page that explains it.
    pub fn describe(self) -> &'static str {
        match self {
            Implication::ScpDeny => {
                "an explicit deny in a service control policy: no change to the principal's or the resource's policies can fix it; the SCP (its ARN is in the message when AWS gives it) is changed in the organization's management account or by its delegated administrator (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html)"
            }
            Implication::RcpDeny => {
                "an explicit deny in a resource control policy: only the RCP, in the organization's management account, can change this (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html)"
            }
            Implication::ExplicitDeny => {
                "an explicit deny: a `Deny` statement matched; adding an `Allow` anywhere changes nothing — the `Deny` must be narrowed or given a condition that excludes this request (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html)"
            }
            Implication::NoIdentityAllow => {
                "no identity-based policy allows the action: add a statement that allows it to a policy of the principal (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html)"
            }
            Implication::NoResourceAllow => {
                "no resource-based policy allows the action: the resource's policy (bucket, key, queue, topic, role trust policy, ...) must allow the principal; across accounts the principal's own policy must allow it too (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies-cross-account-resource-access.html)"
            }
            Implication::NoBoundaryAllow => {
                "the permissions boundary does not allow the action: an identity policy alone cannot grant it; the boundary must allow it as well (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html)"
            }
            Implication::NoSessionAllow => {
                "the session policy does not allow the action: the session's permissions are the intersection of the role's policies and the session policy passed to AssumeRole or GetFederationToken (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session)"
            }
            Implication::NoScpAllow => {
                "no service control policy on the account's path allows the action: every level of the organization must allow it (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html)"
            }
            Implication::NoEndpointAllow => {
                "the VPC endpoint policy does not allow the action: the request went through a VPC endpoint whose policy must allow it (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html)"
            }
            Implication::Encoded => {
                "EC2 encoded the reason: decode it with the command below (the caller needs `sts:DecodeAuthorizationMessage`) and pass the output to `iamwhy explain --message-file -`: it names the principal, action, resource, explicit or implicit, and every condition key of the request (https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html)"
            }
            Implication::Unstated => {
                "the message does not say which policy type decided (older wording, or a service that does not say): check the principal's identity policies, the resource's policy, the boundary, session policies and the organization's policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html)"
            }
        }
    }
}

/// A read-only AWS CLI command that fetches a policy that decides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FetchCommand {
    /// What it fetches.
    pub purpose: String,
    /// The command.
    pub command: String,
}

/// What one message establishes, without a snapshot.
#[derive(Clone, Debug, Serialize)]
pub struct MessageAnswer {
    /// The message as read.
    pub message: DenialMessage,
    /// The principal's account.
    pub principal_account: Option<Account>,
    /// The resource's account, where its ARN has one.
    pub resource_account: Option<Account>,
    /// Whether the principal and the resource are in different accounts (`None`: not known).
    pub cross_account: Option<bool>,
    /// The IAM actions: the message's, or those the wrapper's operation needs.
    pub actions: Vec<String>,
    /// Whether the actions come from the operation (the message named none).
    pub actions_from_operation: bool,
    /// What the deny kind and policy type imply.
    pub implication: Implication,
    /// A least-privilege statement that would allow the request — NOT verified: without the
    /// account's policies iamwhy cannot evaluate it. Absent for explicit denies (an `Allow`
    /// cannot fix them) and when the action is not known.
    pub candidate_statement: Option<serde_json::Value>,
    /// The read-only commands that fetch what decides.
    pub fetch: Vec<FetchCommand>,
}

fn account_of(arn: &str) -> Option<Account> {
    let account = arn.split(':').nth(4)?;
    if account.is_empty() {
        return None;
    }
    Some(
        if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
            Account::Known(account.to_owned())
        } else {
            Account::Redacted
        },
    )
}

/// The IAM service prefix of a wrapper's service name: `S3` → `s3`, `AWSKMS` → `kms`,
/// `AmazonDynamoDBv2` → `dynamodb`.
fn service_prefix(service: &str) -> String {
    let s = service.to_ascii_lowercase();
    let s = s
        .strip_prefix("amazon")
        .or_else(|| s.strip_prefix("aws"))
        .unwrap_or(&s);
    s.trim_end_matches("v2").trim_matches(['-', ' ']).to_owned()
}

/// The IAM actions the operation a wrapper names needs (`when calling the ListObjectsV2
/// operation` → `s3:ListBucket`), through the event-to-action table, when the service is known
/// from the wrapper (`operation error S3: ...`, `(Service: AWSKMS; ...)`) or the resource's ARN.
pub(crate) fn operation_actions(message: &DenialMessage) -> Option<Vec<String>> {
    let op = message.operation.as_deref()?;
    let service = message.service.as_deref().map(service_prefix).or_else(|| {
        message
            .resource
            .as_deref()
            .and_then(|r| r.split(':').nth(2))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    })?;
    match map_call(&format!("{service}.amazonaws.com"), op, None, &|_| false) {
        Mapping::Actions(mapped) if !mapped.is_empty() => Some(mapped),
        _ => None,
    }
}

/// Reads every message in `text` and says what each establishes.
pub fn answer_messages(text: &str) -> Vec<MessageAnswer> {
    read_messages(text).into_iter().map(answer).collect()
}

fn answer(message: DenialMessage) -> MessageAnswer {
    let principal_account = message.principal.as_deref().and_then(|p| {
        if p.starts_with("arn:") {
            account_of(p)
        } else {
            None
        }
    });
    let resource_account = message.resource.as_deref().and_then(account_of);
    let cross_account = match (&principal_account, &resource_account) {
        (Some(Account::Known(a)), Some(Account::Known(b))) => Some(a != b),
        _ => None,
    };
    let mut actions: Vec<String> = message
        .action
        .iter()
        .chain(&message.more_actions)
        .cloned()
        .collect();
    let mut actions_from_operation = false;
    if actions.is_empty()
        && let Some(mapped) = operation_actions(&message)
    {
        actions = mapped;
        actions_from_operation = true;
    }
    let implication = implication(&message);
    let candidate_statement = (message.deny_kind != DenyKind::Explicit && !actions.is_empty())
        .then(|| {
            serde_json::json!({
                "Effect": "Allow",
                "Action": match actions.as_slice() {
                    [one] => serde_json::json!(one),
                    many => serde_json::json!(many),
                },
                "Resource": message.resource.clone().filter(|r| r.starts_with("arn:")).unwrap_or_else(|| "*".to_owned()),
            })
        });
    let fetch = fetch_commands(&message, implication);
    MessageAnswer {
        message,
        principal_account,
        resource_account,
        cross_account,
        actions,
        actions_from_operation,
        implication,
        candidate_statement,
        fetch,
    }
}

fn implication(m: &DenialMessage) -> Implication {
    if m.form == iamwhy_trail::MessageForm::EncodedOnly {
        return Implication::Encoded;
    }
    match (m.deny_kind, m.policy_type) {
        (DenyKind::Explicit, Some(PolicyType::Scp)) => Implication::ScpDeny,
        (DenyKind::Explicit, Some(PolicyType::Rcp)) => Implication::RcpDeny,
        (DenyKind::Explicit, _) => Implication::ExplicitDeny,
        (DenyKind::Implicit, Some(PolicyType::Identity)) => Implication::NoIdentityAllow,
        (DenyKind::Implicit, Some(PolicyType::Resource)) => Implication::NoResourceAllow,
        (DenyKind::Implicit, Some(PolicyType::PermissionsBoundary)) => Implication::NoBoundaryAllow,
        (DenyKind::Implicit, Some(PolicyType::Session)) => Implication::NoSessionAllow,
        (DenyKind::Implicit, Some(PolicyType::Scp | PolicyType::Rcp)) => Implication::NoScpAllow,
        (DenyKind::Implicit, Some(PolicyType::VpcEndpoint)) => Implication::NoEndpointAllow,
        _ => Implication::Unstated,
    }
}

/// The read-only commands that fetch the principal's policies, the resource's policy and the
/// organization policy the message names.
fn fetch_commands(m: &DenialMessage, implication: Implication) -> Vec<FetchCommand> {
    let mut out = Vec::new();
    let mut push = |purpose: &str, command: String| {
        out.push(FetchCommand {
            purpose: purpose.to_owned(),
            command,
        });
    };
    if let Some(blob) = m.encoded_message.as_deref()
        && m.form != iamwhy_trail::MessageForm::DecodedAuthorization
    {
        push(
            "the decoded reason (needs sts:DecodeAuthorizationMessage)",
            format!(
                "aws sts decode-authorization-message --encoded-message '{blob}' --query DecodedMessage --output text"
            ),
        );
    }
    if let Some(p) = m.principal.as_deref() {
        if let Some(name) = p.split(":user/").nth(1) {
            let name = name.rsplit('/').next().unwrap_or(name);
            push(
                "the user's inline and attached policies",
                format!(
                    "aws iam list-user-policies --user-name {name} && aws iam list-attached-user-policies --user-name {name} && aws iam list-groups-for-user --user-name {name}"
                ),
            );
        } else if let Some(rest) = p.split(":assumed-role/").nth(1) {
            let role = rest.split('/').next().unwrap_or(rest);
            push(
                "the role's policies, trust policy and boundary",
                format!(
                    "aws iam get-role --role-name {role} && aws iam list-role-policies --role-name {role} && aws iam list-attached-role-policies --role-name {role}"
                ),
            );
        }
        push(
            "the whole account's principals and policies (what `iamwhy` reads as a snapshot)",
            "aws iam get-account-authorization-details --output json > iam/account-authorization-details.json".to_owned(),
        );
    }
    if let Some(r) = m.resource.as_deref() {
        let parts: Vec<&str> = r.splitn(6, ':').collect();
        match parts.get(2).copied() {
            Some("s3") => {
                let bucket = parts.get(5).and_then(|p| p.split('/').next()).unwrap_or("");
                if !bucket.is_empty() {
                    push(
                        "the bucket policy and default encryption",
                        format!(
                            "aws s3api get-bucket-policy --bucket {bucket} && aws s3api get-bucket-encryption --bucket {bucket}"
                        ),
                    );
                }
            }
            Some("kms") => push(
                "the key policy",
                format!("aws kms get-key-policy --key-id {r} --policy-name default"),
            ),
            Some("sqs") => push(
                "the queue policy",
                "aws sqs get-queue-attributes --queue-url QUEUE_URL --attribute-names Policy"
                    .to_owned(),
            ),
            Some("sns") => push(
                "the topic policy",
                format!("aws sns get-topic-attributes --topic-arn {r}"),
            ),
            Some("secretsmanager") => push(
                "the secret's resource policy",
                format!("aws secretsmanager get-resource-policy --secret-id {r}"),
            ),
            Some("lambda") => push(
                "the function's resource policy",
                format!("aws lambda get-policy --function-name {r}"),
            ),
            Some("iam") if r.contains(":role/") => {
                let role = r.rsplit('/').next().unwrap_or(r);
                push(
                    "the role's trust policy",
                    format!("aws iam get-role --role-name {role}"),
                );
            }
            _ => {}
        }
    }
    if let Some(arn) = m.policy_arn.as_deref()
        && let Some(id) = arn.rsplit('/').next()
        && matches!(implication, Implication::ScpDeny | Implication::RcpDeny)
    {
        push(
            "the organization policy the message names (from the management account)",
            format!("aws organizations describe-policy --policy-id {id}"),
        );
    } else if matches!(
        implication,
        Implication::ScpDeny | Implication::RcpDeny | Implication::NoScpAllow
    ) {
        push(
            "the organization policies on the account's path (from the management account)",
            "aws organizations list-policies-for-target --target-id ACCOUNT_ID --filter SERVICE_CONTROL_POLICY".to_owned(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cross_account_implicit_deny_gets_a_candidate_and_the_commands() {
        let a = answer_messages(
            "An error occurred (AccessDeniedException) when calling the Decrypt operation: User: arn:aws:sts::111122223333:assumed-role/app/s is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:444455556666:key/k because no resource-based policy allows the kms:Decrypt action",
        );
        let a = a.first().unwrap();
        assert_eq!(a.cross_account, Some(true));
        assert_eq!(a.implication, Implication::NoResourceAllow);
        assert!(a.candidate_statement.is_some());
        assert!(
            a.fetch
                .iter()
                .any(|f| f.command.contains("aws kms get-key-policy"))
        );
        assert!(
            a.fetch
                .iter()
                .any(|f| f.command.contains("aws iam get-role --role-name app"))
        );
    }

    #[test]
    fn an_scp_deny_has_no_candidate_and_names_the_policy() {
        let a = answer_messages(
            "User: arn:aws:iam::xxxxxxxxxxxx:user/Matt is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::xxxxxxxxxxxx:role/* with an explicit deny in a service control policy: arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd",
        );
        let a = a.first().unwrap();
        assert_eq!(a.principal_account, Some(Account::Redacted));
        assert_eq!(a.implication, Implication::ScpDeny);
        assert!(a.candidate_statement.is_none());
        assert!(
            a.fetch
                .iter()
                .any(|f| f.command == "aws organizations describe-policy --policy-id p-2kgnabcd")
        );
    }

    #[test]
    fn the_operation_gives_the_action_when_the_message_names_none() {
        let a = answer_messages(
            "operation error S3: ListObjectsV2, https response error StatusCode: 403, RequestID: X, api error AccessDenied: Access Denied",
        );
        let a = a.first().unwrap();
        assert_eq!(a.actions, ["s3:ListBucket"]);
        assert!(a.actions_from_operation);
    }
}
