//! The one table of the API operations `collect` calls, and the IAM policy generated from it.
//!
//! Every call the collector makes names its row here ([`Op`]); the recorder refuses nothing,
//! but the test of the crate compares the operations a run against an emulator called with
//! this table, and the table with the policy printed in `docs/snapshot.md`. `--print-policy`
//! prints [`required_policy`], so the documented policy, the printed policy and the calls
//! cannot drift apart.

use serde_json::{Value, json};

/// One API operation the collector may call: its service, its API name and the IAM action
/// that authorizes it (the Service Authorization Reference's name, which is not always the
/// operation's: `GetBucketEncryption` needs `s3:GetEncryptionConfiguration`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Operation {
    /// The operation as the API names it, e.g. `GetBucketPolicy`.
    pub name: &'static str,
    /// The IAM action it needs, e.g. `s3:GetBucketPolicy`.
    pub action: &'static str,
    /// Whether only `--org` calls it.
    pub org_only: bool,
}

macro_rules! ops {
    ($($id:ident = $name:literal, $action:literal, $org:literal;)*) => {
        /// An operation of the [`OPERATIONS`] table.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Op {
            $(
                #[doc = concat!("`", $action, "` (", $name, ")")]
                $id,
            )*
        }

        /// Every operation the collector calls, one row each.
        pub const OPERATIONS: &[Operation] = &[
            $(Operation { name: $name, action: $action, org_only: $org },)*
        ];

        impl Op {
            /// Every operation, in table order.
            pub const ALL: &[Op] = &[$(Op::$id,)*];

            /// The row of this operation.
            pub fn operation(self) -> Operation {
                match self {
                    $(Op::$id => Operation { name: $name, action: $action, org_only: $org },)*
                }
            }
        }
    };
}

ops! {
    GetCallerIdentity = "GetCallerIdentity", "sts:GetCallerIdentity", false;
    AssumeRole = "AssumeRole", "sts:AssumeRole", true;
    GetAccountAuthorizationDetails = "GetAccountAuthorizationDetails", "iam:GetAccountAuthorizationDetails", false;
    ListBuckets = "ListBuckets", "s3:ListAllMyBuckets", false;
    GetBucketPolicy = "GetBucketPolicy", "s3:GetBucketPolicy", false;
    GetBucketEncryption = "GetBucketEncryption", "s3:GetEncryptionConfiguration", false;
    GetBucketPublicAccessBlock = "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock", false;
    GetBucketLocation = "GetBucketLocation", "s3:GetBucketLocation", false;
    GetAccountPublicAccessBlock = "GetPublicAccessBlock (S3 Control)", "s3:GetAccountPublicAccessBlock", false;
    ListAliases = "ListAliases", "kms:ListAliases", false;
    ListKeys = "ListKeys", "kms:ListKeys", false;
    DescribeKey = "DescribeKey", "kms:DescribeKey", false;
    GetKeyPolicy = "GetKeyPolicy", "kms:GetKeyPolicy", false;
    ListGrants = "ListGrants", "kms:ListGrants", false;
    DescribeOrganization = "DescribeOrganization", "organizations:DescribeOrganization", false;
    ListRoots = "ListRoots", "organizations:ListRoots", false;
    ListAccounts = "ListAccounts", "organizations:ListAccounts", true;
    ListParents = "ListParents", "organizations:ListParents", false;
    ListPoliciesForTarget = "ListPoliciesForTarget", "organizations:ListPoliciesForTarget", false;
    DescribePolicy = "DescribePolicy", "organizations:DescribePolicy", false;
    ListQueues = "ListQueues", "sqs:ListQueues", false;
    GetQueueAttributes = "GetQueueAttributes", "sqs:GetQueueAttributes", false;
    ListTopics = "ListTopics", "sns:ListTopics", false;
    GetTopicAttributes = "GetTopicAttributes", "sns:GetTopicAttributes", false;
    ListSecrets = "ListSecrets", "secretsmanager:ListSecrets", false;
    GetResourcePolicy = "GetResourcePolicy", "secretsmanager:GetResourcePolicy", false;
    ListFunctions = "ListFunctions", "lambda:ListFunctions", false;
    GetPolicy = "GetPolicy", "lambda:GetPolicy", false;
}

/// The IAM actions of the read-only calls (every row but `sts:AssumeRole`), sorted, once each.
pub fn read_only_actions() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = OPERATIONS
        .iter()
        .filter(|o| o.action != "sts:AssumeRole")
        .map(|o| o.action)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The identity policy the collector needs: the read-only actions on `*`, and with `org` the
/// `sts:AssumeRole` on the role `role_name` of every account, which `--org` uses to enter
/// the member accounts (the role's own permissions must allow the read-only actions too).
pub fn required_policy(org: Option<&str>) -> Value {
    let mut statements = vec![json!({
        "Sid": "IamwhySnapshotReadOnly",
        "Effect": "Allow",
        "Action": read_only_actions(),
        "Resource": "*"
    })];
    if let Some(role) = org {
        statements.push(json!({
            "Sid": "IamwhyCollectMemberAccounts",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": format!("arn:aws:iam::*:role/{role}")
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_and_the_enum_agree() {
        assert_eq!(Op::ALL.len(), OPERATIONS.len());
        for (op, row) in Op::ALL.iter().zip(OPERATIONS) {
            assert_eq!(op.operation(), *row);
        }
    }

    /// The policy in docs/snapshot.md ("Minimum IAM permissions") is the generated one.
    #[test]
    fn the_documented_policy_is_the_generated_one() {
        let doc = include_str!("../../../docs/snapshot.md");
        let section = doc
            .split("## Minimum IAM permissions")
            .nth(1)
            .expect("the section");
        let block = section
            .split("```json\n")
            .nth(1)
            .and_then(|s| s.split("```").next())
            .expect("a json block");
        let documented: Value = serde_json::from_str(block).expect("valid JSON");
        assert_eq!(documented, required_policy(None));
    }
}
