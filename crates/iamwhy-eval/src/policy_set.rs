//! The policies that take part in one authorization, grouped by type (spec §4.1).

use std::collections::BTreeMap;
use std::sync::Arc;

use iamwhy_core::PolicyType;
use iamwhy_policy::{KeyUse, PolicyDocument};

/// A policy document with the name and ARN it is known by.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The policy name (inline policy name, managed policy name, or a label).
    pub name: String,
    /// The ARN of a managed policy (or an Organizations policy); `None` for inline policies.
    pub arn: Option<String>,
    /// The parsed document, shared: a policy set is put together for every request, and a
    /// replay builds many from the same policies.
    pub document: Arc<PolicyDocument>,
}

impl Policy {
    /// A policy known only by a name.
    pub fn new(name: impl Into<String>, document: impl Into<Arc<PolicyDocument>>) -> Policy {
        Policy {
            name: name.into(),
            arn: None,
            document: document.into(),
        }
    }

    /// How the policy is named in explanations: its ARN, else its name.
    pub fn label(&self) -> &str {
        self.arn.as_deref().unwrap_or(&self.name)
    }
}

/// A KMS grant (spec §4.8.2): an extra allow for a grantee, limited to operations and
/// encryption-context constraints.
#[derive(Clone, Debug, Default)]
pub struct KmsGrant {
    /// A label for explanations (grant id or name).
    pub name: String,
    /// The key the grant is on (ARN); `None` = the request's key.
    pub key_arn: Option<String>,
    /// The grantee: a user, role or root ARN, or a service principal.
    pub grantee: String,
    /// The operations, e.g. `Decrypt`, `GenerateDataKey`.
    pub operations: Vec<String>,
    /// `EncryptionContextEquals`: the request's encryption context must be exactly this.
    pub encryption_context_equals: Vec<(String, String)>,
    /// `EncryptionContextSubset`: the request's encryption context must include this.
    pub encryption_context_subset: Vec<(String, String)>,
}

/// The request-context keys that can change a decision over a policy set, and how they are
/// read: two requests with the same principal (and facts), action and resource whose
/// contexts agree on what these keys are read for get the same decision. Used to re-use
/// decisions over many similar requests.
#[derive(Clone, Debug, Default)]
pub struct ContextReads {
    /// Lower-case names of the keys conditions test and policy variables name.
    pub keys: BTreeMap<String, KeyUse>,
    /// Whether KMS grants read the encryption context (every `kms:EncryptionContext:` key).
    pub encryption_context: bool,
}

impl ContextReads {
    /// How a (lower-case) key is read; `None` when it cannot change a decision.
    pub fn read(&self, key_lower: &str) -> Option<&KeyUse> {
        const VALUE: &KeyUse = &KeyUse::Value;
        self.keys.get(key_lower).or_else(|| {
            (self.encryption_context && key_lower.starts_with("kms:encryptioncontext:"))
                .then_some(VALUE)
        })
    }
}

/// Every policy that can apply to one request.
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    /// Identity-based policies of the user (with its groups) or role; for a federated user,
    /// those of the parent IAM user.
    pub identity: Vec<Policy>,
    /// The permissions boundary of the user or role.
    pub permissions_boundary: Option<Policy>,
    /// Session policies; `None` when none were passed (for a federated user that means no
    /// permissions, spec §7.3).
    pub session: Option<Vec<Policy>>,
    /// SCPs of the principal's account path, one list per level, root first and account
    /// last; `None` when the account is not governed by SCPs.
    pub scps: Option<Vec<Vec<Policy>>>,
    /// RCPs of the resource's account path, levels as for SCPs. `RCPFullAWSAccess` is
    /// implied at every level.
    pub rcps: Option<Vec<Vec<Policy>>>,
    /// The resource-based policy (bucket policy, key policy, trust policy, ...).
    pub resource: Option<Policy>,
    /// Policies of the VPC endpoints the request went through; each must allow.
    pub vpc_endpoints: Vec<Policy>,
    /// KMS grants on the key.
    pub kms_grants: Vec<KmsGrant>,
    /// The organization's management account (SCPs and RCPs do not apply to it).
    pub management_account: Option<String>,
    /// The resource belongs to an account other than the principal's, and the request names
    /// no resource account (an S3 bucket that no account of a snapshot of many accounts holds: bucket
    /// ARNs name no account). The request is then evaluated as a cross-account request
    /// (spec §4.4 step 4.5) without `aws:ResourceAccount`.
    pub resource_in_other_account: bool,
}

/// Which group of policies a statement belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SetId {
    /// Identity-based policies.
    Identity,
    /// The permissions boundary.
    PermissionsBoundary,
    /// Session policies.
    Session,
    /// SCPs at a level of the OU path (0 = organization root).
    Scp(u16),
    /// RCPs at a level of the OU path.
    Rcp(u16),
    /// The resource-based policy.
    Resource,
    /// One VPC endpoint policy.
    VpcEndpoint(u16),
}

impl SetId {
    /// The policy type of the set.
    pub fn policy_type(self) -> PolicyType {
        match self {
            SetId::Identity => PolicyType::Identity,
            SetId::PermissionsBoundary => PolicyType::PermissionsBoundary,
            SetId::Session => PolicyType::Session,
            SetId::Scp(_) => PolicyType::Scp,
            SetId::Rcp(_) => PolicyType::Rcp,
            SetId::Resource => PolicyType::Resource,
            SetId::VpcEndpoint(_) => PolicyType::VpcEndpoint,
        }
    }
}

/// A statement of a policy of a [`PolicySet`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementRef {
    /// The group.
    pub set: SetId,
    /// The policy's index in its group.
    pub policy: u32,
    /// The statement's index in the policy.
    pub statement: u32,
}

impl PolicySet {
    /// The policies of a group.
    pub fn policies(&self, set: SetId) -> &[Policy] {
        fn level(levels: &Option<Vec<Vec<Policy>>>, i: u16) -> &[Policy] {
            levels
                .as_ref()
                .and_then(|l| l.get(usize::from(i)))
                .map_or(&[], Vec::as_slice)
        }
        match set {
            SetId::Identity => &self.identity,
            SetId::PermissionsBoundary => self.permissions_boundary.as_slice(),
            SetId::Session => self.session.as_deref().unwrap_or(&[]),
            SetId::Scp(i) => level(&self.scps, i),
            SetId::Rcp(i) => level(&self.rcps, i),
            SetId::Resource => self.resource.as_slice(),
            SetId::VpcEndpoint(i) => self
                .vpc_endpoints
                .get(usize::from(i))
                .map(std::slice::from_ref)
                .unwrap_or(&[]),
        }
    }

    /// Every policy of the set, group by group.
    pub fn all_policies(&self) -> impl Iterator<Item = &Policy> {
        fn levels(l: &Option<Vec<Vec<Policy>>>) -> impl Iterator<Item = &Policy> {
            l.iter().flatten().flatten()
        }
        self.identity
            .iter()
            .chain(&self.permissions_boundary)
            .chain(self.session.iter().flatten())
            .chain(levels(&self.scps))
            .chain(levels(&self.rcps))
            .chain(&self.resource)
            .chain(&self.vpc_endpoints)
    }

    /// Adds what the evaluation of this set can read from the request context (see
    /// [`ContextReads`]).
    pub fn context_reads(&self, reads: &mut ContextReads) {
        for p in self.all_policies() {
            p.document.context_keys_read(&mut reads.keys);
        }
        reads.encryption_context |= !self.kms_grants.is_empty();
    }

    /// The policy a statement reference points into.
    pub fn policy(&self, r: StatementRef) -> Option<&Policy> {
        self.policies(r.set).get(r.policy as usize)
    }

    /// The statement a reference points to.
    pub fn statement(&self, r: StatementRef) -> Option<&iamwhy_policy::Statement> {
        self.policy(r)?
            .document
            .statements
            .get(r.statement as usize)
    }
}
