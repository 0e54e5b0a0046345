//! The typed model every reader produces: a list of policy changes.

use std::fmt;

use iamwhy_core::{Diagnostic, PolicyKind, SourceId, Span};
use serde::Serialize;

/// What kind of file the changes were read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `terraform show -json` of a saved plan (or of the state: every resource unchanged).
    TerraformPlan,
    /// A CloudFormation template written in JSON.
    CloudFormationJson,
    /// A CloudFormation template written in YAML.
    CloudFormationYaml,
    /// A CDK cloud assembly (`cdk.out/manifest.json`).
    CdkAssembly,
}

/// What a change does to the resource that holds the policy. Terraform says it
/// (`change.actions`); a CloudFormation template declares the state it wants, with nothing
/// to compare to, so its resources are [`Action::Declare`]d.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// `["create"]`: a new resource.
    Create,
    /// `["update"]`: changed in place.
    Update,
    /// `["delete", "create"]` or `["create", "delete"]`: replaced.
    Replace,
    /// `["delete"]`: removed.
    Delete,
    /// `["no-op"]` (or a state file): unchanged.
    NoOp,
    /// A template's resource: the desired state, with no prior state known.
    Declare,
}

impl Action {
    /// The spelling of the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::NoOp => "no-op",
            Action::Declare => "declare",
        }
    }
}

/// Where in IAM a changed policy sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// An inline policy of a role, user or group (also a role's `inline_policy` block).
    InlinePolicy,
    /// The document of a customer managed policy.
    ManagedPolicy,
    /// A role's trust policy.
    TrustPolicy,
    /// A user's or role's permissions boundary (a managed policy ARN).
    PermissionsBoundary,
    /// A managed policy attached to (or detached from) a role, user or group.
    ManagedPolicyAttachment,
    /// A resource-based policy: bucket, key, queue, topic, secret, VPC endpoint.
    ResourcePolicy,
    /// One statement of a Lambda function's resource-based policy (`aws_lambda_permission`).
    LambdaPermission,
    /// The content of an AWS Organizations policy (SCP or RCP).
    OrganizationsPolicy,
    /// An Organizations policy attached to a root, OU or account.
    OrganizationsPolicyAttachment,
    /// The inline policy of an IAM Identity Center permission set.
    PermissionSetInlinePolicy,
}

impl ChangeKind {
    /// The spelling of the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::InlinePolicy => "inline-policy",
            ChangeKind::ManagedPolicy => "managed-policy",
            ChangeKind::TrustPolicy => "trust-policy",
            ChangeKind::PermissionsBoundary => "permissions-boundary",
            ChangeKind::ManagedPolicyAttachment => "managed-policy-attachment",
            ChangeKind::ResourcePolicy => "resource-policy",
            ChangeKind::LambdaPermission => "lambda-permission",
            ChangeKind::OrganizationsPolicy => "organizations-policy",
            ChangeKind::OrganizationsPolicyAttachment => "organizations-policy-attachment",
            ChangeKind::PermissionSetInlinePolicy => "permission-set-inline-policy",
        }
    }
}

/// What the changed policy belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// An IAM role (name or ARN).
    Role,
    /// An IAM user.
    User,
    /// An IAM group.
    Group,
    /// A customer managed policy (its name, or ARN when known).
    ManagedPolicy,
    /// An S3 bucket.
    Bucket,
    /// A KMS key (id or ARN).
    Key,
    /// An SQS queue (URL or ARN).
    Queue,
    /// An SNS topic (ARN).
    Topic,
    /// A Secrets Manager secret (ARN).
    Secret,
    /// A Lambda function (name or ARN).
    Function,
    /// A VPC endpoint (its service name).
    VpcEndpoint,
    /// An Organizations policy (name or id).
    OrganizationsPolicy,
    /// A root, OU or account an Organizations policy is attached to.
    OrganizationsTarget,
    /// An IAM Identity Center permission set (ARN).
    PermissionSet,
}

impl TargetKind {
    /// The spelling of the JSON output and of text.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Role => "role",
            TargetKind::User => "user",
            TargetKind::Group => "group",
            TargetKind::ManagedPolicy => "policy",
            TargetKind::Bucket => "bucket",
            TargetKind::Key => "key",
            TargetKind::Queue => "queue",
            TargetKind::Topic => "topic",
            TargetKind::Secret => "secret",
            TargetKind::Function => "function",
            TargetKind::VpcEndpoint => "vpc-endpoint",
            TargetKind::OrganizationsPolicy => "organizations-policy",
            TargetKind::OrganizationsTarget => "organizations-target",
            TargetKind::PermissionSet => "permission-set",
        }
    }
}

/// Why a value is not known from the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", content = "detail", rename_all = "kebab-case")]
pub enum Unknown {
    /// Terraform: known only after apply (`after_unknown`).
    AfterApply,
    /// CloudFormation: an intrinsic function or reference that only the deployed stack
    /// resolves, as written (`Fn::GetAtt Bucket.Arn`).
    Unresolved(String),
    /// The attribute is missing from the file.
    Missing,
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unknown::AfterApply => f.write_str("known after apply"),
            Unknown::Unresolved(what) => write!(f, "unresolved `{what}`"),
            Unknown::Missing => f.write_str("not in the file"),
        }
    }
}

/// A name, ARN or id that is known from the file, or why it is not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// The value.
    Known(String),
    /// Not known from the file.
    Unknown(Unknown),
}

impl Value {
    /// The value when known.
    pub fn known(&self) -> Option<&str> {
        match self {
            Value::Known(s) => Some(s),
            Value::Unknown(_) => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Known(s) => f.write_str(s),
            Value::Unknown(u) => write!(f, "({u})"),
        }
    }
}

/// A part of a document that the file cannot tell, written as a placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    /// The placeholder in the document's source.
    pub span: Span,
    /// What it stands for.
    pub what: Unknown,
}

/// A policy document as a source of its own, positions mapping back to the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyText {
    /// The JSON text of the document.
    pub source: SourceId,
    /// Placeholders for values the file cannot tell; findings inside them say nothing about
    /// the deployed policy.
    pub unresolved: Vec<Unresolved>,
}

/// The before or after side of a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// A policy document.
    Document(PolicyText),
    /// A managed policy by ARN (attachments, boundaries) or an Organizations policy by id.
    Reference(Value),
    /// A document the file cannot tell.
    Unknown(Unknown),
}

impl Content {
    /// The document, when this side is one.
    pub fn document(&self) -> Option<&PolicyText> {
        match self {
            Content::Document(d) => Some(d),
            _ => None,
        }
    }
}

/// Where a change is written: the resource address or logical id, the attribute, and the
/// span of the attribute's value in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// `aws_kms_key.backup`, `module.iam.aws_iam_role.app`, `BackupKey`.
    pub address: String,
    /// `policy`, `inline_policy[0].policy`, `Properties.KeyPolicy`.
    pub attribute: String,
    /// The attribute's value in the file, when the file has it.
    pub span: Option<Span>,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.attribute.is_empty() {
            f.write_str(&self.address)
        } else {
            write!(f, "{}.{}", self.address, self.attribute)
        }
    }
}

/// The type of an AWS Organizations policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrganizationsPolicyType {
    /// `SERVICE_CONTROL_POLICY`.
    ServiceControlPolicy,
    /// `RESOURCE_CONTROL_POLICY`.
    ResourceControlPolicy,
    /// Any other type (tag, backup, AI opt-out, ... policies): not an IAM policy language.
    Other,
}

impl OrganizationsPolicyType {
    /// The type named by Terraform's `type` or CloudFormation's `Type`.
    pub fn parse(s: &str) -> OrganizationsPolicyType {
        match s {
            "SERVICE_CONTROL_POLICY" => OrganizationsPolicyType::ServiceControlPolicy,
            "RESOURCE_CONTROL_POLICY" => OrganizationsPolicyType::ResourceControlPolicy,
            _ => OrganizationsPolicyType::Other,
        }
    }

    /// What its documents are used as; `None` for the types that are not IAM policies.
    pub fn policy_kind(self) -> Option<PolicyKind> {
        match self {
            OrganizationsPolicyType::ServiceControlPolicy => Some(PolicyKind::Scp),
            OrganizationsPolicyType::ResourceControlPolicy => Some(PolicyKind::Rcp),
            OrganizationsPolicyType::Other => None,
        }
    }
}

/// What a change applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// What kind of thing.
    pub kind: TargetKind,
    /// Its name, ARN or id.
    pub name: Value,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.name)
    }
}

/// One policy changed by the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyChange {
    /// What happens to the resource that holds it.
    pub action: Action,
    /// Where in IAM the policy sits.
    pub kind: ChangeKind,
    /// What its document is used as (for an attachment: what the attached policy is used
    /// as). `None` for an Organizations policy of a type that is not an IAM policy.
    pub policy_kind: Option<PolicyKind>,
    /// The role, user, bucket, key, ... it belongs to.
    pub target: Target,
    /// The inline policy's name, the managed policy's name, the Lambda statement id, the
    /// Organizations policy's name, when it has one.
    pub name: Option<Value>,
    /// Before the change (`None`: there was nothing, as for a create).
    pub before: Option<Content>,
    /// After the change (`None`: nothing remains, as for a delete).
    pub after: Option<Content>,
    /// Where it is written.
    pub place: Place,
}

/// Everything one file changes.
#[derive(Debug)]
pub struct ChangeSet {
    /// What the file is.
    pub format: Format,
    /// The file.
    pub source: SourceId,
    /// The policy changes, in file order.
    pub changes: Vec<PolicyChange>,
    /// Problems found while reading (a policy string that is not JSON is not one: its
    /// document is kept for the linter to report).
    pub diagnostics: Vec<Diagnostic>,
}
