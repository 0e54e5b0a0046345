//! What a snapshot holds once loaded: IAM entities, managed policies, resources with their
//! policies and facts, and the organization tree. Policy documents stay unparsed
//! ([`DocRef`]) until a question needs them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use iamwhy_core::PolicyKind;
use iamwhy_core::{Diagnostic, SourceId};
use iamwhy_policy::PolicyDocument;

/// Where a policy document sits in a snapshot file: the byte range of its JSON value (an
/// object, a JSON string holding the text, or the URL-encoded text the IAM API returns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocRef {
    /// The file.
    pub source: SourceId,
    /// First byte of the value.
    pub start: u32,
    /// One past its last byte.
    pub end: u32,
}

/// An inline policy of a user, group or role.
#[derive(Clone, Debug)]
pub struct InlinePolicy {
    /// The policy name.
    pub name: String,
    /// The document.
    pub document: DocRef,
}

/// A key and value of an IAM tag.
pub type Tag = (String, String);

/// An IAM user of `get-account-authorization-details`.
#[derive(Clone, Debug)]
pub struct User {
    /// `arn:aws:iam::ACCOUNT:user/PATH/NAME`.
    pub arn: String,
    /// The user name.
    pub name: String,
    /// The path, `/` or `/a/b/`.
    pub path: String,
    /// The unique id (`AIDA…`).
    pub id: Option<String>,
    /// Inline policies.
    pub inline: Vec<InlinePolicy>,
    /// Names of the groups the user belongs to.
    pub groups: Vec<String>,
    /// ARNs of the attached managed policies.
    pub attached: Vec<String>,
    /// ARN of the permissions boundary.
    pub boundary: Option<String>,
    /// Tags (the principal tags of the user's requests).
    pub tags: Vec<Tag>,
}

/// An IAM group.
#[derive(Clone, Debug)]
pub struct Group {
    /// The group ARN.
    pub arn: String,
    /// The group name.
    pub name: String,
    /// Inline policies.
    pub inline: Vec<InlinePolicy>,
    /// ARNs of the attached managed policies.
    pub attached: Vec<String>,
}

/// An IAM role.
#[derive(Clone, Debug)]
pub struct Role {
    /// `arn:aws:iam::ACCOUNT:role/PATH/NAME`.
    pub arn: String,
    /// The role name.
    pub name: String,
    /// The path.
    pub path: String,
    /// The unique id (`AROA…`).
    pub id: Option<String>,
    /// The trust policy.
    pub trust: Option<DocRef>,
    /// Inline policies.
    pub inline: Vec<InlinePolicy>,
    /// ARNs of the attached managed policies.
    pub attached: Vec<String>,
    /// ARN of the permissions boundary.
    pub boundary: Option<String>,
    /// Tags (the principal tags of the role's sessions).
    pub tags: Vec<Tag>,
    /// Names of the instance profiles that hold the role.
    pub instance_profiles: Vec<String>,
}

/// A managed policy (customer managed, or AWS managed and attached in the account).
#[derive(Clone, Debug)]
pub struct ManagedPolicy {
    /// The policy ARN.
    pub arn: String,
    /// The policy name.
    pub name: String,
    /// The default version id, `v3`.
    pub default_version: String,
    /// The default version's document.
    pub document: Option<DocRef>,
    /// How many versions the snapshot holds.
    pub versions: usize,
}

/// A bucket's default encryption (`get-bucket-encryption`, first rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketEncryption {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub algorithm: String,
    /// `KMSMasterKeyID`: a key id, key ARN, alias name or alias ARN; `None` with `aws:kms`
    /// means the AWS managed key `aws/s3`.
    pub kms_key: Option<String>,
    /// Whether S3 Bucket Keys are enabled (the encryption context is then the bucket ARN).
    pub bucket_key: bool,
}

/// S3 Block Public Access settings (bucket or account).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PublicAccessBlock {
    /// `BlockPublicAcls`.
    pub block_public_acls: bool,
    /// `IgnorePublicAcls`.
    pub ignore_public_acls: bool,
    /// `BlockPublicPolicy`.
    pub block_public_policy: bool,
    /// `RestrictPublicBuckets`.
    pub restrict_public_buckets: bool,
}

/// An S3 bucket of the snapshot (`s3/BUCKET/`).
#[derive(Clone, Debug, Default)]
pub struct Bucket {
    /// The bucket name.
    pub name: String,
    /// The bucket policy.
    pub policy: Option<DocRef>,
    /// Default encryption.
    pub encryption: Option<BucketEncryption>,
    /// Block Public Access of the bucket.
    pub public_access_block: Option<PublicAccessBlock>,
    /// The region (`get-bucket-location`; `us-east-1` when AWS prints `null`).
    pub region: Option<String>,
    /// The account that owns the bucket: the account folder that lists it
    /// (`accounts/ACCOUNT/s3/BUCKET/`), or the snapshot's account in a single-account
    /// snapshot. A bucket ARN names no account, so this is the only place that says.
    pub account: Option<String>,
}

/// A KMS key (`kms/KEY_ID/`).
#[derive(Clone, Debug, Default)]
pub struct KmsKey {
    /// The key id (a UUID, or `mrk-…`).
    pub id: String,
    /// The key ARN (from `describe-key`).
    pub arn: Option<String>,
    /// The key policy.
    pub policy: Option<DocRef>,
    /// `AWS` or `CUSTOMER`.
    pub manager: Option<String>,
    /// `Enabled`, `Disabled`, `PendingDeletion`, ...
    pub state: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// Grants on the key (`list-grants`).
    pub grants: Vec<iamwhy_eval::KmsGrant>,
    /// The account that owns the key: its account folder, else the account of its ARN.
    pub account: Option<String>,
    /// The Region of the key: its Region folder, else the Region of its ARN. A
    /// multi-Region key has the same key id in each of its Regions.
    pub region: Option<String>,
}

/// A KMS alias (`list-aliases`).
#[derive(Clone, Debug)]
pub struct KmsAlias {
    /// `alias/NAME`.
    pub name: String,
    /// The alias ARN.
    pub arn: Option<String>,
    /// The key id it points to.
    pub target_key_id: Option<String>,
    /// The account folder that lists the alias (aliases are per account and Region).
    pub account: Option<String>,
    /// The Region folder that lists it, else the Region of its ARN.
    pub region: Option<String>,
}

/// The kind of Organizations policy the Organizations API names `name`
/// (`SERVICE_CONTROL_POLICY`): [`PolicyKind::Scp`] or [`PolicyKind::Rcp`]; `None` for the
/// policy types that take no part in authorization (tag, backup, AI opt-out policies).
pub(crate) fn org_policy_kind(name: &str) -> Option<PolicyKind> {
    match name {
        "SERVICE_CONTROL_POLICY" => Some(PolicyKind::Scp),
        "RESOURCE_CONTROL_POLICY" => Some(PolicyKind::Rcp),
        _ => None,
    }
}

/// An Organizations policy (`describe-policy`).
#[derive(Clone, Debug)]
pub struct OrgPolicy {
    /// `p-…`.
    pub id: String,
    /// The policy ARN.
    pub arn: Option<String>,
    /// The policy name.
    pub name: String,
    /// [`PolicyKind::Scp`] or [`PolicyKind::Rcp`].
    pub kind: PolicyKind,
    /// Whether AWS manages it (`FullAWSAccess`, `RCPFullAWSAccess`).
    pub aws_managed: bool,
    /// The policy text.
    pub content: DocRef,
}

/// The organization the snapshot's accounts belong to.
#[derive(Clone, Debug, Default)]
pub struct Organization {
    /// `o-…`.
    pub id: Option<String>,
    /// The management account id.
    pub management_account: Option<String>,
    /// The root id, `r-…`.
    pub root: Option<String>,
    /// Policy types enabled at the root (`list-roots`), [`PolicyKind::Scp`] and
    /// [`PolicyKind::Rcp`]; `None` when not known.
    pub enabled: Option<Vec<PolicyKind>>,
    /// Child id (account or OU) → parent id (`list-parents`).
    pub parents: BTreeMap<String, String>,
    /// (target id, [`PolicyKind::Scp`] or [`PolicyKind::Rcp`]) → attached policy ids
    /// (`list-policies-for-target`).
    pub attachments: BTreeMap<(String, PolicyKind), Vec<String>>,
    /// Policy id → policy.
    pub policies: BTreeMap<String, OrgPolicy>,
}

impl Organization {
    /// The path from the root to `target` (an account or OU id), root first and `target`
    /// last; `None` when the snapshot does not know where `target` sits.
    pub fn path_to(&self, target: &str) -> Option<Vec<String>> {
        let mut path = vec![target.to_owned()];
        let mut at = target;
        while let Some(parent) = self.parents.get(at) {
            if path.iter().any(|p| p == parent) || path.len() > 8 {
                return None;
            }
            path.push(parent.clone());
            at = parent;
        }
        if path.len() == 1 {
            return None;
        }
        path.reverse();
        Some(path)
    }

    /// Whether a policy type is enabled (unknown counts as enabled when policies of the type
    /// are attached somewhere).
    pub fn is_enabled(&self, kind: PolicyKind) -> bool {
        match &self.enabled {
            Some(list) => list.contains(&kind),
            None => self.attachments.keys().any(|(_, k)| *k == kind),
        }
    }
}

/// Another resource-based policy: SQS queue, SNS topic, Secrets Manager secret, Lambda
/// function.
#[derive(Clone, Debug)]
pub struct ResourcePolicy {
    /// The resource ARN.
    pub arn: String,
    /// The service prefix, `sqs`.
    pub service: &'static str,
    /// The policy (`None` when the resource has none).
    pub document: Option<DocRef>,
    /// The KMS key that encrypts the resource (`KmsMasterKeyId` of a queue or topic).
    pub kms_key: Option<String>,
    /// The account that owns the resource: the account of its ARN (which the account
    /// folder holding the file agrees with).
    pub account: Option<String>,
}

/// A loaded account snapshot.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The directory it was loaded from.
    pub root: PathBuf,
    /// The account the snapshot was taken in (`get-caller-identity`, else the account of its
    /// IAM entities when they agree). In a snapshot of many accounts (`accounts/ACCOUNT/`
    /// folders) it is the one account folder when there is one, else `None`:
    /// [`Snapshot::accounts`] lists them all.
    pub account: Option<String>,
    /// The account folders of a snapshot of many accounts (`accounts/ACCOUNT/`), empty for a
    /// single-account snapshot.
    pub account_folders: std::collections::BTreeSet<String>,
    /// IAM users.
    pub users: Vec<User>,
    /// IAM groups.
    pub groups: Vec<Group>,
    /// IAM roles.
    pub roles: Vec<Role>,
    /// Managed policies by ARN.
    pub managed: BTreeMap<String, ManagedPolicy>,
    /// Buckets by name.
    pub buckets: BTreeMap<String, Bucket>,
    /// KMS keys by id; in a snapshot of many accounts or Regions, by `ACCOUNT/REGION/ID`
    /// (the folders that hold the key, either part empty when absent), so that a
    /// multi-Region key's copies do not collide. [`Snapshot::key_by_arn`] finds a key by ARN.
    pub keys: BTreeMap<String, KmsKey>,
    /// KMS aliases.
    pub aliases: Vec<KmsAlias>,
    /// Account-level S3 Block Public Access (of the snapshot's account).
    pub account_public_access_block: Option<PublicAccessBlock>,
    /// Account-level S3 Block Public Access of each account folder of a snapshot of many
    /// accounts.
    pub account_public_access_blocks: BTreeMap<String, PublicAccessBlock>,
    /// The organization, when the snapshot has Organizations data.
    pub organization: Option<Organization>,
    /// Other resource policies.
    pub resource_policies: Vec<ResourcePolicy>,
    /// Files recognised.
    pub files_loaded: usize,
    /// Problems met while loading (bad or unknown files, duplicates): each names its file.
    pub warnings: Vec<Diagnostic>,
    /// Policy documents parsed so far, shared by every question that needs them.
    pub(crate) parsed: ParsedDocuments,
    /// Users and roles by account and lower-case name, built on first use.
    pub(crate) names: NameIndex,
}

/// Users and roles by `(account, lower-case name)`: a lookup per request instead of a scan
/// of every entity (`who-can` resolves thousands of principals). Built on first use, and
/// built again when the lists have changed since (a loader may look a role up before every
/// account folder is merged); a clone starts empty.
#[derive(Default)]
pub(crate) struct NameIndex(std::sync::RwLock<Option<NameMaps>>);

/// The maps of a [`NameIndex`]: positions in `Snapshot::users` and `Snapshot::roles`, and
/// the lengths of the lists they were built from.
#[derive(Default)]
pub(crate) struct NameMaps {
    users: std::collections::HashMap<(String, String), usize>,
    roles: std::collections::HashMap<(String, String), usize>,
    /// The accounts of the users and roles.
    accounts: std::collections::HashSet<String>,
    lengths: (usize, usize),
}

/// Which list a name is looked up in.
#[derive(Clone, Copy)]
pub(crate) enum Entity {
    /// `Snapshot::users`.
    User,
    /// `Snapshot::roles`.
    Role,
}

impl NameIndex {
    /// Whether a user or role of `account` is in the lists.
    pub(crate) fn has_account(&self, users: &[User], roles: &[Role], account: &str) -> bool {
        let lengths = (users.len(), roles.len());
        if let Ok(guard) = self.0.read()
            && let Some(m) = guard.as_ref().filter(|m| m.lengths == lengths)
        {
            return m.accounts.contains(account);
        }
        let built = NameMaps::build(users, roles);
        let found = built.accounts.contains(account);
        if let Ok(mut guard) = self.0.write() {
            *guard = Some(built);
        }
        found
    }

    /// The position of the user or role of this account and name (the first of a name wins,
    /// as a scan in order would find it).
    pub(crate) fn find(
        &self,
        users: &[User],
        roles: &[Role],
        entity: Entity,
        account: &str,
        name: &str,
    ) -> Option<usize> {
        let key = (account.to_owned(), name.to_ascii_lowercase());
        let lengths = (users.len(), roles.len());
        let look = |m: &NameMaps| match entity {
            Entity::User => m.users.get(&key).copied(),
            Entity::Role => m.roles.get(&key).copied(),
        };
        if let Ok(guard) = self.0.read()
            && let Some(m) = guard.as_ref().filter(|m| m.lengths == lengths)
        {
            return look(m);
        }
        let built = NameMaps::build(users, roles);
        let found = look(&built);
        if let Ok(mut guard) = self.0.write() {
            *guard = Some(built);
        }
        found
    }
}

impl NameMaps {
    fn build(users: &[User], roles: &[Role]) -> NameMaps {
        let key = |arn: &str, name: &str| {
            let account = arn.split(':').nth(4).unwrap_or_default().to_owned();
            (account, name.to_ascii_lowercase())
        };
        let mut maps = NameMaps {
            lengths: (users.len(), roles.len()),
            ..NameMaps::default()
        };
        for (i, u) in users.iter().enumerate() {
            let k = key(&u.arn, &u.name);
            maps.accounts.insert(k.0.clone());
            maps.users.entry(k).or_insert(i);
        }
        for (i, r) in roles.iter().enumerate() {
            let k = key(&r.arn, &r.name);
            maps.accounts.insert(k.0.clone());
            maps.roles.entry(k).or_insert(i);
        }
        maps
    }
}

impl Clone for NameIndex {
    fn clone(&self) -> NameIndex {
        NameIndex::default()
    }
}

impl std::fmt::Debug for NameIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let built = self.0.read().map(|g| g.is_some()).unwrap_or(false);
        write!(f, "NameIndex(built: {built})")
    }
}

impl Snapshot {
    /// Every account the snapshot holds: the account folders of a snapshot of many accounts,
    /// else the snapshot's account (none when it cannot tell).
    pub fn accounts(&self) -> Vec<&str> {
        if self.account_folders.is_empty() {
            return self.account.as_deref().into_iter().collect();
        }
        self.account_folders.iter().map(String::as_str).collect()
    }

    /// Whether the snapshot holds `account`'s data (its IAM entities and resources).
    pub fn holds_account(&self, account: &str) -> bool {
        if self.account_folders.is_empty() {
            // One folder of CLI outputs may still hold several accounts' IAM files (the
            // authorization details of each): an account whose users or roles it lists is
            // held.
            return self.account.as_deref() == Some(account)
                || self.names.has_account(&self.users, &self.roles, account);
        }
        self.account_folders.contains(account)
    }

    /// Whether the snapshot has the layout of many accounts (`accounts/ACCOUNT/` folders).
    pub fn is_many_accounts(&self) -> bool {
        !self.account_folders.is_empty()
    }

    /// The KMS key `id` of `account` in `region` (either unknown: any), as the snapshot
    /// holds it. Several Regions of a multi-Region key share the id: the Region tells them
    /// apart.
    pub fn find_key(
        &self,
        id: &str,
        account: Option<&str>,
        region: Option<&str>,
    ) -> Option<&KmsKey> {
        let fits = |k: &&KmsKey| {
            k.id == id
                && (account.is_none() || k.account.is_none() || k.account.as_deref() == account)
                && (region.is_none() || k.region.is_none() || k.region.as_deref() == region)
        };
        if let Some(k) = self.keys.get(id).filter(fits) {
            return Some(k);
        }
        self.keys.values().find(fits)
    }

    /// The key a key ARN names (`arn:aws:kms:REGION:ACCOUNT:key/ID`), or a bare key id.
    pub fn key_by_arn(&self, arn: &str) -> Option<&KmsKey> {
        let id = crate::load::key_id_of(arn);
        let mut parts = arn.split(':');
        let region = parts.nth(3).filter(|r| !r.is_empty());
        let account = parts.next().filter(|a| !a.is_empty());
        self.find_key(id, account, region)
    }
}

/// Where a parsed document came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum DocOrigin {
    /// A document of a snapshot file.
    File(DocRef),
    /// An AWS managed policy of the bundled catalog, by ARN.
    Bundled(String),
    /// A candidate document of a change ([`crate::Changes`]), registered in the source map:
    /// a fix verified against many requests is parsed once.
    Candidate(iamwhy_core::SourceId),
}

/// Parsed policy documents by origin and kind (a document is parsed for the kind it is used
/// as). Thread-safe; a clone of the snapshot starts with an empty cache.
#[derive(Default)]
pub(crate) struct ParsedDocuments(
    std::sync::RwLock<std::collections::HashMap<(DocOrigin, PolicyKind), Arc<PolicyDocument>>>,
);

impl ParsedDocuments {
    pub(crate) fn get(&self, origin: &DocOrigin, kind: PolicyKind) -> Option<Arc<PolicyDocument>> {
        self.0.read().ok()?.get(&(origin.clone(), kind)).cloned()
    }

    pub(crate) fn insert(&self, origin: DocOrigin, kind: PolicyKind, doc: Arc<PolicyDocument>) {
        if let Ok(mut m) = self.0.write() {
            m.insert((origin, kind), doc);
        }
    }
}

impl Clone for ParsedDocuments {
    fn clone(&self) -> ParsedDocuments {
        ParsedDocuments::default()
    }
}

impl std::fmt::Debug for ParsedDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.read().map(|m| m.len()).unwrap_or(0);
        write!(f, "ParsedDocuments({n})")
    }
}
