//! From a snapshot to the policies of one request, gathered as AWS gathers them (spec §4.1):
//! the principal's identity-based policies (a user's own, attached and group policies; a
//! role's inline and attached), its permissions boundary, the SCPs of its account's path,
//! the resource's policy and the RCPs of the resource account's path.

use std::sync::Arc;

use iamwhy_catalog::{Catalog, is_aws_managed_policy_arn};
use iamwhy_core::PolicyKind;
use iamwhy_core::{Diagnostic, Diagnostics, Principal, PrincipalFacts, SourceId, SourceMap, Span};
use iamwhy_eval::{Policy, PolicySet};
use iamwhy_policy::{edit_distance, parse_policy};

use crate::load::key_id_of;
use crate::model::{
    BucketEncryption, DocOrigin, DocRef, Entity, InlinePolicy, Organization, Role, Snapshot, User,
};

/// A principal of the command line resolved against the snapshot.
#[derive(Clone, Debug)]
pub struct ResolvedPrincipal {
    /// The principal, with the path and unique id the snapshot knows.
    pub principal: Principal,
    /// Its tags (principal tags), organization and unique id.
    pub facts: PrincipalFacts,
}

/// A principal the snapshot does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalError {
    /// What is wrong.
    pub message: String,
    /// Principals of the snapshot with close names.
    pub suggestions: Vec<String>,
}

/// Candidate changes evaluated as if they had been made (story 4). Each file is a source
/// already registered in the source map; it is parsed as the kind of policy it replaces.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    /// `NAME_OR_ARN=FILE`: replace the document of an identity-based policy (inline policy
    /// name or managed policy ARN or name) or of the boundary.
    pub replace: Vec<(String, SourceId)>,
    /// Add an identity-based policy to the principal.
    pub add: Vec<SourceId>,
    /// Remove an identity-based policy (name or ARN).
    pub remove: Vec<String>,
    /// Set (or replace) the permissions boundary.
    pub boundary: Option<SourceId>,
    /// `ARN=FILE`: set the resource-based policy of a resource (bucket, key, role trust
    /// policy, queue, ...).
    pub resource_policies: Vec<(String, SourceId)>,
    /// `ID_OR_ARN=FILE`: replace the content of an SCP or RCP (`p-…`, its ARN or its name).
    pub org_policies: Vec<(String, SourceId)>,
    /// Apply `replace` and `remove` only to principals that hold the named policy, instead
    /// of failing for the others (replaying many principals' calls).
    pub lenient: bool,
    /// Changes of named users, groups and roles (from a Terraform plan or CloudFormation
    /// template): each applies only to the principals it names.
    pub scoped: Vec<ScopedChange>,
    /// New documents of customer managed policies, by ARN or name, wherever they are
    /// attached (or attached by a scoped change).
    pub managed_documents: Vec<(String, SourceId)>,
    /// SCPs and RCPs attached to or detached from a root, OU or account.
    pub org_attachments: Vec<OrgAttachment>,
}

/// An Organizations policy attached to (or detached from) a root, OU or account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgAttachment {
    /// The root, OU or account id.
    pub target: String,
    /// [`PolicyKind::Scp`] or [`PolicyKind::Rcp`].
    pub kind: PolicyKind,
    /// The policy: its id, ARN or name (a name of `org_policies` for a policy the change
    /// creates).
    pub policy: String,
    /// Attach (`true`) or detach.
    pub attach: bool,
}

/// Whose policies a scoped change touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerKind {
    /// An IAM user.
    User,
    /// An IAM group (its members' requests).
    Group,
    /// An IAM role (its sessions' requests).
    Role,
}

impl OwnerKind {
    /// The word of policy labels: `role deploy-admin: NAME`.
    pub fn as_str(self) -> &'static str {
        match self {
            OwnerKind::User => "user",
            OwnerKind::Group => "group",
            OwnerKind::Role => "role",
        }
    }
}

/// A change of one user's, group's or role's policies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedChange {
    /// What kind of owner.
    pub kind: OwnerKind,
    /// Its name.
    pub name: String,
    /// The change.
    pub op: ScopedOp,
}

/// What a scoped change does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopedOp {
    /// Create or replace the inline policy of this name.
    PutInline {
        /// The inline policy's name.
        name: String,
        /// Its document.
        source: SourceId,
    },
    /// Delete the inline policy of this name.
    DeleteInline {
        /// The inline policy's name.
        name: String,
    },
    /// Attach the managed policy of this ARN.
    Attach {
        /// The policy ARN (or the name of a policy of `managed_documents`).
        arn: String,
    },
    /// Detach the managed policy of this ARN.
    Detach {
        /// The policy ARN.
        arn: String,
    },
    /// Set (`Some`) or remove (`None`) the permissions boundary (users and roles).
    SetBoundary {
        /// The boundary policy's ARN.
        arn: Option<String>,
    },
}

impl Changes {
    /// Whether nothing is changed.
    pub fn is_empty(&self) -> bool {
        self.replace.is_empty()
            && self.add.is_empty()
            && self.remove.is_empty()
            && self.boundary.is_none()
            && self.resource_policies.is_empty()
            && self.org_policies.is_empty()
            && self.scoped.is_empty()
            && self.managed_documents.is_empty()
            && self.org_attachments.is_empty()
    }
}

/// The principal's side of a request: policies that depend only on who asks.
#[derive(Clone, Debug, Default)]
pub struct PrincipalPolicies {
    /// Identity-based policies.
    pub identity: Vec<Policy>,
    /// The permissions boundary.
    pub boundary: Option<Policy>,
    /// SCPs of the principal's account path; `None` when none apply or none are known.
    pub scps: Option<Vec<Vec<Policy>>>,
    /// What was assumed or left out, in words.
    pub notes: Vec<String>,
}

/// The resource's side of a request.
#[derive(Clone, Debug, Default)]
pub struct ResourceSide {
    /// The ARN whose policy applies (the bucket for an object, the key for an alias).
    pub owner_arn: Option<String>,
    /// The account owning the resource, when the snapshot or the ARN says.
    pub account: Option<String>,
    /// Its resource-based policy.
    pub policy: Option<Policy>,
    /// RCPs of the resource account's path.
    pub rcps: Option<Vec<Vec<Policy>>>,
    /// Grants on a KMS key.
    pub kms_grants: Vec<iamwhy_eval::KmsGrant>,
    /// What was assumed or left out.
    pub notes: Vec<String>,
    /// The resource belongs to an account outside the snapshot that nothing names (a bucket
    /// that no account of a snapshot of many accounts holds): evaluated as a cross-account
    /// request whose resource policy is unknown.
    pub in_other_account: bool,
    /// What the snapshot lacks to decide the request, in words (a resource policy of an
    /// account it does not hold), also in `notes`.
    pub missing: Vec<String>,
}

/// A KMS key that encrypts a resource, for the hidden checks of its calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFact {
    /// The key ARN (or alias ARN when the alias cannot be resolved).
    pub arn: String,
    /// Where the snapshot says so, in words.
    pub origin: String,
    /// Whether S3 Bucket Keys are on (the encryption context is then the bucket ARN).
    pub bucket_key: bool,
}

/// The note for a snapshot without Organizations data.
const NO_ORGANIZATION: &str = "the snapshot has no Organizations data: SCPs and RCPs not evaluated (if the account is in an organization, add the `organizations/` outputs taken from the management account; docs/snapshot.md)";

const FULL_AWS_ACCESS: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "*",
      "Resource": "*"
    }
  ]
}"#;

impl Snapshot {
    /// The user with this ARN (or, when the ARN has no path or differs only in path, name).
    pub fn user(&self, arn: &str) -> Option<&User> {
        let (account, name) = account_and_name(arn, "user")?;
        let i = self
            .names
            .find(&self.users, &self.roles, Entity::User, account, name)?;
        self.users.get(i)
    }

    /// The role with this ARN (or this account and name: session ARNs carry no path).
    pub fn role(&self, arn: &str) -> Option<&Role> {
        // IAM names are unique in an account regardless of case and path, so the account
        // and name find the role whatever path the ARN gives.
        let (account, name) = account_and_name(arn, "role")?;
        self.role_by_name(account, name)
    }

    fn role_by_name(&self, account: &str, name: &str) -> Option<&Role> {
        let i = self
            .names
            .find(&self.users, &self.roles, Entity::Role, account, name)?;
        self.roles.get(i)
    }

    /// Resolves `--principal` (and `--parent-user` for a federated user) against the
    /// snapshot: users and roles must exist in it; roots, services and anonymous callers need
    /// nothing.
    pub fn resolve_principal(
        &self,
        text: &str,
        parent_user: Option<&str>,
    ) -> Result<ResolvedPrincipal, PrincipalError> {
        let mut principal = Principal::parse(text).map_err(|e| PrincipalError {
            message: e.to_string(),
            suggestions: self.suggest_principals(text),
        })?;
        let mut facts = PrincipalFacts::default();
        match &mut principal {
            Principal::User(user) => match self.user(text) {
                Some(found) => {
                    user.path = found.path.clone();
                    user.name = found.name.clone();
                    user.unique_id = found.id.clone();
                    for (k, v) in &found.tags {
                        facts.set_tag(k, v);
                    }
                }
                None if !self.holds_account(&user.account) => {}
                None => return Err(self.missing("user", text)),
            },
            Principal::RoleSession(session) => {
                match self.role_by_name(&session.role.account, &session.role.name) {
                    Some(found) => {
                        session.role.path = found.path.clone();
                        session.role.name = found.name.clone();
                        session.role.unique_id = found.id.clone();
                        for (k, v) in &found.tags {
                            facts.set_tag(k, v);
                        }
                    }
                    // A role of an account the snapshot does not hold: evaluated without
                    // its policies (`principal_policies` says so), not refused.
                    None if !self.holds_account(&session.role.account) => {}
                    None => return Err(self.missing("role", &session.role.arn())),
                }
            }
            Principal::FederatedUser(fed) => {
                let Some(parent) = parent_user else {
                    return Err(PrincipalError {
                        message: format!(
                            "`{text}` is a federated-user session: its permissions are those of the IAM user that called GetFederationToken; give it with `--parent-user USER_ARN`"
                        ),
                        suggestions: Vec::new(),
                    });
                };
                let found = self
                    .user(parent)
                    .ok_or_else(|| self.missing("user", parent))?;
                if found.arn.split(':').nth(4) != Some(fed.account.as_str()) {
                    return Err(PrincipalError {
                        message: format!(
                            "the parent user `{}` is not in account {} of the federated user",
                            found.arn, fed.account
                        ),
                        suggestions: Vec::new(),
                    });
                }
                fed.parent_user = match Principal::parse(&found.arn) {
                    Ok(Principal::User(mut u)) => {
                        u.unique_id = found.id.clone();
                        Some(u)
                    }
                    _ => None,
                };
                for (k, v) in &found.tags {
                    facts.set_tag(k, v);
                }
            }
            Principal::Root(_)
            | Principal::Service(_)
            | Principal::IdentityProvider(_)
            | Principal::Anonymous => {}
        }
        if parent_user.is_some() && !matches!(principal, Principal::FederatedUser(_)) {
            return Err(PrincipalError {
                message: "`--parent-user` goes with a federated-user principal (`arn:aws:sts::ACCOUNT:federated-user/NAME`)".to_owned(),
                suggestions: Vec::new(),
            });
        }
        if let (Some(org), Some(account)) = (&self.organization, principal.account()) {
            facts.org_id.clone_from(&org.id);
            if let Some(path) = org_path(org, account) {
                facts.org_paths = vec![path];
            }
        }
        Ok(ResolvedPrincipal { principal, facts })
    }

    /// For a user, role session or federated user of an account the snapshot does not hold:
    /// what is missing and what to add.
    pub fn principal_outside(&self, principal: &Principal) -> Option<String> {
        let (kind, arn, account) = match principal {
            Principal::User(u) => ("user", u.arn(), u.account.clone()),
            Principal::RoleSession(s) => ("role", s.role.arn(), s.role.account.clone()),
            Principal::FederatedUser(f) => ("federated user", f.arn(), f.account.clone()),
            _ => return None,
        };
        if self.holds_account(&account) {
            return None;
        }
        Some(format!(
            "the {kind} `{arn}` is in account {account}, which is not in the snapshot: its identity-based policies, permissions boundary and session policies are unknown (evaluated without them, and again as if they allowed everything: a denial either way does not depend on them); add `accounts/{account}/iam/account-authorization-details.json` (docs/snapshot.md, \"Many accounts\")"
        ))
    }

    /// For a user, role session or federated user of an account the snapshot does not hold,
    /// the error a snapshot that must hold the principal reports (`explain` on a
    /// single-account snapshot answers such a message from the message alone, issue 20).
    pub fn principal_not_held(&self, principal: &Principal) -> Option<PrincipalError> {
        self.principal_outside(principal)?;
        let (kind, arn) = match principal {
            Principal::User(u) => ("user", u.arn()),
            Principal::RoleSession(s) => ("role", s.role.arn()),
            Principal::FederatedUser(f) => ("federated user", f.arn()),
            _ => return None,
        };
        Some(self.missing(kind, &arn))
    }

    fn missing(&self, kind: &str, arn: &str) -> PrincipalError {
        let in_snapshot = self
            .account
            .as_deref()
            .map(|a| format!(" (account {a})"))
            .unwrap_or_default();
        PrincipalError {
            message: format!("the snapshot{in_snapshot} has no {kind} `{arn}`"),
            suggestions: self.suggest_principals(arn),
        }
    }

    /// Users and roles whose names are close to the last part of `text`.
    pub fn suggest_principals(&self, text: &str) -> Vec<String> {
        let wanted = text
            .rsplit(['/', ':'])
            .next()
            .unwrap_or(text)
            .to_ascii_lowercase();
        let mut scored: Vec<(usize, &str)> = self
            .users
            .iter()
            .map(|u| (u.name.as_str(), u.arn.as_str()))
            .chain(self.roles.iter().map(|r| (r.name.as_str(), r.arn.as_str())))
            .filter_map(|(name, arn)| {
                let lower = name.to_ascii_lowercase();
                let d = edit_distance(&lower, &wanted);
                let close = d <= wanted.len().max(3) / 3 || lower.contains(&wanted);
                (close && !wanted.is_empty()).then_some((d, arn))
            })
            .collect();
        scored.sort_unstable();
        scored
            .into_iter()
            .take(3)
            .map(|(_, a)| a.to_owned())
            .collect()
    }

    /// The policies that depend on the principal, with `changes` applied.
    pub fn principal_policies(
        &self,
        map: &mut SourceMap,
        who: &ResolvedPrincipal,
        changes: &Changes,
    ) -> Result<PrincipalPolicies, Diagnostics> {
        let mut out = PrincipalPolicies::default();
        let mut collect = |out: &mut PrincipalPolicies,
                           owner: &str,
                           inline: &[InlinePolicy],
                           attached: &[String]|
         -> Result<(), Diagnostics> {
            for p in inline {
                let document = self.document(map, p.document, PolicyKind::Identity)?;
                out.identity
                    .push(Policy::new(format!("{owner}: {}", p.name), document));
            }
            for arn in attached {
                // A policy attached to the user and to one of its groups counts once.
                if out.identity.iter().any(|p| p.arn.as_deref() == Some(arn)) {
                    continue;
                }
                match self.managed_policy(map, arn, PolicyKind::Identity, &mut out.notes)? {
                    Some(p) => out.identity.push(p),
                    None => out.notes.push(format!(
                        "{owner} has `{arn}` attached but the snapshot does not hold it; evaluated without it"
                    )),
                }
            }
            Ok(())
        };
        let mut boundary_arn = None;
        // Who the principal's policies belong to, for scoped changes: the user and its
        // groups, or the role.
        let mut owners: Vec<(OwnerKind, String)> = Vec::new();
        if let Some(note) = self.principal_outside(&who.principal) {
            out.notes.push(note);
        }
        match &who.principal {
            Principal::User(u) => {
                if let Some(user) = self.user(&u.arn()) {
                    self.user_policies(&mut out, user, &mut collect)?;
                    boundary_arn.clone_from(&user.boundary);
                    owners.push((OwnerKind::User, user.name.clone()));
                    owners.extend(user.groups.iter().map(|g| (OwnerKind::Group, g.clone())));
                }
            }
            Principal::FederatedUser(f) => {
                if let Some(user) = f.parent_user.as_ref().and_then(|p| self.user(&p.arn())) {
                    self.user_policies(&mut out, user, &mut collect)?;
                    boundary_arn.clone_from(&user.boundary);
                    owners.push((OwnerKind::User, user.name.clone()));
                    owners.extend(user.groups.iter().map(|g| (OwnerKind::Group, g.clone())));
                }
            }
            Principal::RoleSession(s) => {
                if let Some(role) = self.role(&s.role.arn()) {
                    collect(
                        &mut out,
                        &format!("role {}", role.name),
                        &role.inline,
                        &role.attached,
                    )?;
                    boundary_arn.clone_from(&role.boundary);
                    owners.push((OwnerKind::Role, role.name.clone()));
                }
            }
            Principal::Root(_)
            | Principal::Service(_)
            | Principal::IdentityProvider(_)
            | Principal::Anonymous => {}
        }
        let scoped: Vec<&ScopedChange> = changes
            .scoped
            .iter()
            .filter(|c| owners.iter().any(|(k, n)| *k == c.kind && *n == c.name))
            .collect();
        for c in &scoped {
            if let ScopedOp::SetBoundary { arn } = &c.op
                && c.kind != OwnerKind::Group
            {
                boundary_arn.clone_from(arn);
            }
        }
        if let Some(arn) = boundary_arn {
            out.boundary = self.managed_or_candidate(
                map,
                &arn,
                PolicyKind::PermissionsBoundary,
                changes,
                &mut out.notes,
            )?;
            if out.boundary.is_none() {
                out.notes.push(format!(
                    "the permissions boundary `{arn}` is not in the snapshot; evaluated without a boundary"
                ));
            }
        }
        apply_identity_changes(self, map, &mut out, changes)?;
        self.apply_scoped(map, &mut out, &scoped, changes)?;
        if let Some(account) = who.principal.account()
            && who.principal.is_authenticated()
            && !matches!(who.principal, Principal::Service(_))
        {
            out.scps = self.levels(map, account, PolicyKind::Scp, changes, &mut out.notes)?;
        }
        Ok(out)
    }

    /// A managed policy with its candidate document when `changes` has one.
    fn managed_or_candidate(
        &self,
        map: &mut SourceMap,
        arn: &str,
        kind: PolicyKind,
        changes: &Changes,
        notes: &mut Vec<String>,
    ) -> Result<Option<Policy>, Diagnostics> {
        let candidate = changes
            .managed_documents
            .iter()
            .rev()
            .find(|(target, _)| target == arn || short_name(arn) == target);
        match candidate {
            Some((_, source)) => {
                let document = self.candidate(map, *source, kind)?;
                Ok(Some(Policy {
                    name: format!("{} (candidate)", short_name(arn)),
                    arn: arn.starts_with("arn:").then(|| arn.to_owned()),
                    document,
                }))
            }
            None => self.managed_policy(map, arn, kind, notes),
        }
    }

    /// Applies the changes of the principal's own user, groups or role, and the candidate
    /// documents of managed policies it has attached.
    fn apply_scoped(
        &self,
        map: &mut SourceMap,
        out: &mut PrincipalPolicies,
        scoped: &[&ScopedChange],
        changes: &Changes,
    ) -> Result<(), Diagnostics> {
        for (target, source) in &changes.managed_documents {
            for p in out.identity.iter_mut().filter(|p| {
                p.arn.as_deref() == Some(target.as_str())
                    || p.arn.as_deref().is_some_and(|a| short_name(a) == target)
            }) {
                p.document = self.candidate(map, *source, PolicyKind::Identity)?;
                p.name = format!("{} (candidate)", p.name);
            }
        }
        for c in scoped {
            let owner = format!("{} {}", c.kind.as_str(), c.name);
            match &c.op {
                ScopedOp::PutInline { name, source } => {
                    let label = format!("{owner}: {name}");
                    let document = self.candidate(map, *source, PolicyKind::Identity)?;
                    match out.identity.iter_mut().find(|p| p.name == label) {
                        Some(p) => {
                            p.document = document;
                            p.name = format!("{label} (candidate)");
                        }
                        None => out
                            .identity
                            .push(Policy::new(format!("{label} (candidate)"), document)),
                    }
                }
                ScopedOp::DeleteInline { name } => {
                    let label = format!("{owner}: {name}");
                    out.identity.retain(|p| p.name != label);
                }
                ScopedOp::Attach { arn } => {
                    if out
                        .identity
                        .iter()
                        .any(|p| p.arn.as_deref() == Some(arn.as_str()))
                    {
                        continue;
                    }
                    match self.managed_or_candidate(
                        map,
                        arn,
                        PolicyKind::Identity,
                        changes,
                        &mut out.notes,
                    )? {
                        Some(p) => out.identity.push(p),
                        None => out.notes.push(format!(
                            "the change attaches `{arn}` to {owner} but neither the snapshot nor the change holds its document; evaluated without it"
                        )),
                    }
                }
                ScopedOp::Detach { arn } => {
                    out.identity
                        .retain(|p| p.arn.as_deref() != Some(arn.as_str()));
                }
                ScopedOp::SetBoundary { .. } => {}
            }
        }
        Ok(())
    }

    fn user_policies(
        &self,
        out: &mut PrincipalPolicies,
        user: &User,
        collect: &mut impl FnMut(
            &mut PrincipalPolicies,
            &str,
            &[InlinePolicy],
            &[String],
        ) -> Result<(), Diagnostics>,
    ) -> Result<(), Diagnostics> {
        collect(
            out,
            &format!("user {}", user.name),
            &user.inline,
            &user.attached,
        )?;
        // Group names are unique within an account only.
        let account = user.arn.split(':').nth(4);
        for name in &user.groups {
            let group = self
                .groups
                .iter()
                .find(|g| g.name.eq_ignore_ascii_case(name) && g.arn.split(':').nth(4) == account);
            match group {
                Some(group) => collect(
                    out,
                    &format!("group {}", group.name),
                    &group.inline,
                    &group.attached,
                )?,
                None => out.notes.push(format!(
                    "user {} is in group `{name}` but the snapshot does not hold the group; evaluated without its policies",
                    user.name
                )),
            }
        }
        Ok(())
    }

    /// A document parsed once per origin and kind: from the cache, else by `parse`.
    fn cached(
        &self,
        origin: DocOrigin,
        kind: PolicyKind,
        parse: impl FnOnce() -> Result<iamwhy_policy::PolicyDocument, Diagnostics>,
    ) -> Result<Arc<iamwhy_policy::PolicyDocument>, Diagnostics> {
        if let Some(d) = self.parsed.get(&origin, kind) {
            return Ok(d);
        }
        let d = Arc::new(parse()?);
        self.parsed.insert(origin, kind, d.clone());
        Ok(d)
    }

    /// A document of a snapshot file, parsed once for each kind it is used as.
    pub fn document(
        &self,
        map: &mut SourceMap,
        doc: DocRef,
        kind: PolicyKind,
    ) -> Result<Arc<iamwhy_policy::PolicyDocument>, Diagnostics> {
        self.cached(DocOrigin::File(doc), kind, || parse_doc(map, doc, kind))
    }

    /// A candidate document of a change, registered in the source map, parsed once for each
    /// kind it is used as (a fix is verified on many requests).
    pub fn candidate(
        &self,
        map: &mut SourceMap,
        source: SourceId,
        kind: PolicyKind,
    ) -> Result<Arc<iamwhy_policy::PolicyDocument>, Diagnostics> {
        self.cached(DocOrigin::Candidate(source), kind, || {
            parse_policy(map, source, kind)
        })
    }

    /// A managed policy: from the snapshot (its default version), else an AWS managed policy
    /// from the bundled catalog; `None` when neither has it.
    pub fn managed_policy(
        &self,
        map: &mut SourceMap,
        arn: &str,
        kind: PolicyKind,
        notes: &mut Vec<String>,
    ) -> Result<Option<Policy>, Diagnostics> {
        if let Some(m) = self.managed.get(arn)
            && let Some(doc) = m.document
        {
            let document = self.document(map, doc, kind)?;
            return Ok(Some(Policy {
                name: m.name.clone(),
                arn: Some(m.arn.clone()),
                document,
            }));
        }
        if !is_aws_managed_policy_arn(arn) {
            return Ok(None);
        }
        let Some(bundled) = Catalog::bundled().managed_policy(arn) else {
            return Ok(None);
        };
        notes.push(format!(
            "`{arn}` is not in the snapshot: used the bundled catalog's default version {}",
            bundled.default_version
        ));
        let origin = DocOrigin::Bundled(bundled.arn.to_owned());
        let document = self.cached(origin, kind, || {
            let source = map.add_file(bundled.source_name(), bundled.pretty_document());
            parse_policy(map, source, kind)
        })?;
        Ok(Some(Policy {
            name: bundled.name.to_owned(),
            arn: Some(bundled.arn.to_owned()),
            document,
        }))
    }

    /// SCPs or RCPs (`kind` is [`PolicyKind::Scp`] or [`PolicyKind::Rcp`]) of `account`'s
    /// path, root first; `None` when they do not apply (another kind, no Organizations data,
    /// the type not enabled, the management account, or the account's place unknown — the
    /// last one said in `notes`).
    pub fn org_levels(
        &self,
        map: &mut SourceMap,
        account: &str,
        kind: PolicyKind,
        notes: &mut Vec<String>,
    ) -> Result<Option<Vec<Vec<Policy>>>, Diagnostics> {
        self.levels(map, account, kind, &Changes::default(), notes)
    }

    /// [`Snapshot::org_levels`] with the candidate SCP and RCP contents of `changes`.
    fn levels(
        &self,
        map: &mut SourceMap,
        account: &str,
        kind: PolicyKind,
        changes: &Changes,
        notes: &mut Vec<String>,
    ) -> Result<Option<Vec<Vec<Policy>>>, Diagnostics> {
        let label = match kind {
            PolicyKind::Scp => "SCPs",
            PolicyKind::Rcp => "RCPs",
            _ => return Ok(None),
        };
        let Some(org) = &self.organization else {
            notes.push(NO_ORGANIZATION.to_owned());
            return Ok(None);
        };
        if !org.is_enabled(kind) || org.management_account.as_deref() == Some(account) {
            return Ok(None);
        }
        let Some(path) = org.path_to(account) else {
            notes.push(format!(
                "the snapshot does not say where account {account} sits in the organization: {label} not evaluated"
            ));
            return Ok(None);
        };
        let mut levels = Vec::with_capacity(path.len());
        for target in &path {
            let mut level = Vec::new();
            match org.attachments.get(&(target.clone(), kind)) {
                Some(ids) => {
                    for id in ids {
                        let candidate = changes.org_policies.iter().rev().find(|(t, _)| {
                            t == id
                                || org.policies.get(id).is_some_and(|p| {
                                    p.arn.as_deref() == Some(t.as_str()) || p.name == *t
                                })
                        });
                        match (org.policies.get(id), candidate) {
                            (Some(p), Some((_, source))) => level.push(Policy {
                                name: format!("{} (candidate)", p.name),
                                arn: p.arn.clone(),
                                document: self.candidate(map, *source, kind)?,
                            }),
                            (Some(p), None) => level.push(Policy {
                                name: p.name.clone(),
                                arn: p.arn.clone(),
                                document: self.document(map, p.content, kind)?,
                            }),
                            (None, _) if id == "p-FullAWSAccess" => {
                                level.push(full_aws_access(self, map, kind)?);
                            }
                            (None, _) => notes.push(format!(
                                "{label}: policy `{id}` attached to `{target}` is not in the snapshot (`describe-policy`); evaluated without it"
                            )),
                        }
                    }
                }
                None if kind == PolicyKind::Scp => {
                    notes.push(format!(
                        "SCPs attached to `{target}` are not in the snapshot; assumed FullAWSAccess"
                    ));
                    level.push(full_aws_access(self, map, kind)?);
                }
                // RCPFullAWSAccess is implied at every level.
                None => {}
            }
            for a in changes
                .org_attachments
                .iter()
                .filter(|a| a.target == *target && attachment_kind(org, a) == kind)
            {
                let names = |p: &Policy| {
                    p.name == a.policy
                        || p.name == format!("{} (candidate)", a.policy)
                        || p.arn.as_deref().is_some_and(|arn| {
                            arn == a.policy || arn.rsplit('/').next() == Some(a.policy.as_str())
                        })
                };
                if !a.attach {
                    level.retain(|p| !names(p));
                    continue;
                }
                if level.iter().any(names) {
                    continue;
                }
                let candidate = changes
                    .org_policies
                    .iter()
                    .rev()
                    .find(|(t, _)| *t == a.policy);
                let existing = org.policies.iter().find(|(id, p)| {
                    **id == a.policy
                        || p.name == a.policy
                        || p.arn.as_deref() == Some(a.policy.as_str())
                });
                match (candidate, existing) {
                    (Some((_, source)), existing) => level.push(Policy {
                        name: format!("{} (candidate)", a.policy),
                        arn: existing.and_then(|(_, p)| p.arn.clone()),
                        document: self.candidate(map, *source, kind)?,
                    }),
                    (None, Some((_, p))) => level.push(Policy {
                        name: format!("{} (candidate attachment)", p.name),
                        arn: p.arn.clone(),
                        document: self.document(map, p.content, kind)?,
                    }),
                    (None, None) => notes.push(format!(
                        "{label}: the change attaches `{}` to `{target}`, but neither the snapshot nor the change holds its content; evaluated without it",
                        a.policy
                    )),
                }
            }
            levels.push(level);
        }
        Ok(Some(levels))
    }

    /// The resource's side of a request on `resource` (an ARN or `*`), with `changes`.
    pub fn resource_side(
        &self,
        map: &mut SourceMap,
        resource: &str,
        changes: &Changes,
    ) -> Result<ResourceSide, Diagnostics> {
        let mut side = ResourceSide::default();
        let Some(found) = self.find_resource(resource) else {
            side.account = arn_account(resource).map(str::to_owned);
            if let Some(missing) = self.missing_resource(resource, side.account.as_deref()) {
                side.notes.push(missing.clone());
                side.missing.push(missing);
            } else if let Some(key) = self.missing_kms_key(resource) {
                side.notes.push(format!(
                    "the KMS key `{key}` is not in the snapshot: evaluated without its key policy, although AWS needs the key policy to allow every use of the key (AWS KMS Developer Guide, \"Key policies in AWS KMS\", https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html) — the answer may be wrong; add `kms/KEY_ID/key-policy.json` (scripts/snapshot.sh takes it)"
                ));
            }
            // A bucket ARN names no account: in a snapshot of many accounts, a bucket that
            // no account folder lists belongs to an account outside the snapshot
            // (docs/snapshot.md, "Many accounts").
            side.in_other_account = side.account.is_none()
                && self.is_many_accounts()
                && arn_service(resource).is_some_and(|(s, _)| s == "s3");
            if let Some(account) = side.account.clone() {
                side.rcps =
                    self.levels(map, &account, PolicyKind::Rcp, changes, &mut side.notes)?;
            }
            return Ok(side);
        };
        side.account.clone_from(&found.account);
        side.kms_grants = found.grants;
        let replacement = changes
            .resource_policies
            .iter()
            .rev()
            .find(|(arn, _)| *arn == found.owner_arn || arn == resource);
        side.policy = match replacement {
            Some((_, source)) => {
                let document = self.candidate(map, *source, found.kind)?;
                Some(Policy::new(
                    format!("{} (candidate)", found.label),
                    document,
                ))
            }
            None => match found.document {
                Some(doc) => Some(Policy::new(
                    found.label.clone(),
                    self.document(map, doc, found.kind)?,
                )),
                None => None,
            },
        };
        if let Some(account) = side.account.clone() {
            side.rcps = self.levels(map, &account, PolicyKind::Rcp, changes, &mut side.notes)?;
        }
        side.owner_arn = Some(found.owner_arn);
        Ok(side)
    }

    /// What decides a request's resource side: the ARN of the snapshot resource whose policy
    /// applies (the bucket of an object, the key of an alias), else the account the ARN
    /// names (empty for `*`). Requests with the same key get the same
    /// [`Snapshot::resource_side`].
    pub fn resource_key(&self, resource: &str) -> String {
        match self.find_resource(resource) {
            Some(found) => found.owner_arn,
            // A resource the side's notes name (what is missing, and where to add it): its
            // own key, the bucket for an object.
            None if self
                .missing_resource(resource, arn_account(resource))
                .is_some()
                || self.missing_kms_key(resource).is_some() =>
            {
                match resource.strip_prefix("arn:aws:s3:::") {
                    Some(path) => {
                        format!("arn:aws:s3:::{}", path.split('/').next().unwrap_or(path))
                    }
                    None => resource.to_owned(),
                }
            }
            None => arn_account(resource).unwrap_or("").to_owned(),
        }
    }

    /// What the snapshot lacks for a request on `resource` (not held by any of its accounts)
    /// that belongs to `account` (from its ARN or the request), when that account is not in
    /// the snapshot, or a bucket of a snapshot of many accounts that no account lists: the
    /// resource policy that decides a cross-account request, and the file to add.
    fn missing_resource(&self, resource: &str, account: Option<&str>) -> Option<String> {
        let (service, rest) = arn_service(resource)?;
        if rest.contains(['*', '?']) || resource.contains(['*', '?']) {
            return None;
        }
        let what = match service {
            "s3" => "bucket policy",
            "kms" => "key policy",
            "iam" if rest.starts_with("role/") => "trust policy",
            "sqs" => "queue policy",
            "sns" => "topic policy",
            "secretsmanager" => "resource policy of the secret",
            "lambda" => "function policy",
            _ => return None,
        };
        let name = match service {
            "s3" => resource
                .split(":::")
                .nth(1)
                .and_then(|p| p.split('/').next())
                .unwrap_or(resource),
            _ => short_name(resource),
        };
        let place = |a: &str| -> String {
            match service {
                "s3" => format!("accounts/{a}/s3/{name}/policy.json"),
                "kms" => format!("accounts/{a}/kms/{name}/key-policy.json"),
                "iam" => format!("accounts/{a}/iam/account-authorization-details.json"),
                "lambda" => format!("accounts/{a}/lambda/{name}/policy.json"),
                other => format!("accounts/{a}/{other}/{name}.json"),
            }
        };
        match account {
            Some(a) if self.holds_account(a) => None,
            Some(a) => Some(format!(
                "the {what} in {a} is not in the snapshot: the decision depends on it (across accounts both sides must allow: IAM User Guide, \"Cross-account policy evaluation logic\", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html); add `{}`",
                place(a)
            )),
            None if service == "s3" && self.is_many_accounts() => Some(format!(
                "the bucket `{name}` is in no account of the snapshot: it belongs to another account, whose {what} is not in the snapshot — the decision depends on it (across accounts both sides must allow: IAM User Guide, \"Cross-account policy evaluation logic\", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html); add `{}` for the account that owns it",
                place("ACCOUNT")
            )),
            None => None,
        }
    }

    /// The KMS key or alias ARN `resource` names when the snapshot does not hold it (its key
    /// policy decides every use of it, spec §4.8.2).
    pub fn missing_kms_key<'r>(&self, resource: &'r str) -> Option<&'r str> {
        let (service, rest) = arn_service(resource)?;
        (service == "kms"
            && (rest.starts_with("key/") || rest.starts_with("alias/"))
            && !rest.contains(['*', '?'])
            && self.find_resource(resource).is_none())
        .then_some(resource)
    }

    /// The resource of the snapshot a request ARN refers to; in a snapshot of many accounts
    /// its label names the owner account.
    fn find_resource(&self, resource: &str) -> Option<FoundResource> {
        let mut found = self.find_resource_in(resource)?;
        if self.is_many_accounts()
            && let Some(account) = &found.account
        {
            found.label = format!("{} in account {account}", found.label);
        }
        Some(found)
    }

    fn find_resource_in(&self, resource: &str) -> Option<FoundResource> {
        let (service, rest) = arn_service(resource)?;
        match service {
            "s3" => {
                let path = resource.split(":::").nth(1)?;
                let bucket_name = path.split('/').next()?;
                let bucket = self.buckets.get(bucket_name)?;
                Some(FoundResource {
                    owner_arn: format!("arn:aws:s3:::{bucket_name}"),
                    account: bucket.account.clone(),
                    label: format!("bucket policy of {bucket_name}"),
                    kind: PolicyKind::Resource,
                    document: bucket.policy,
                    grants: Vec::new(),
                })
            }
            "kms" => {
                let key_arn = self.resolve_key(resource, None, None)?;
                let key = self.key_by_arn(&key_arn)?;
                Some(FoundResource {
                    account: key
                        .account
                        .clone()
                        .or_else(|| arn_account(&key_arn).map(str::to_owned)),
                    label: format!("key policy of {}", key.id),
                    owner_arn: key_arn,
                    kind: PolicyKind::KeyPolicy,
                    document: key.policy,
                    grants: key.grants.clone(),
                })
            }
            "iam" if rest.starts_with("role/") => {
                let role = self.role(resource)?;
                Some(FoundResource {
                    owner_arn: role.arn.clone(),
                    account: arn_account(&role.arn).map(str::to_owned),
                    label: format!("trust policy of role {}", role.name),
                    kind: PolicyKind::TrustPolicy,
                    document: role.trust,
                    grants: Vec::new(),
                })
            }
            _ => {
                let p = self
                    .resource_policies
                    .iter()
                    .find(|p| p.service == service && same_resource(&p.arn, resource))?;
                Some(FoundResource {
                    owner_arn: p.arn.clone(),
                    account: p
                        .account
                        .clone()
                        .or_else(|| arn_account(&p.arn).map(str::to_owned)),
                    label: format!("{} policy of {}", p.service, short_name(&p.arn)),
                    kind: PolicyKind::Resource,
                    document: p.document,
                    grants: Vec::new(),
                })
            }
        }
    }

    /// The key ARN a key id, key ARN, alias name (`alias/x`) or alias ARN refers to.
    /// `region` and `account` complete a bare key id or alias the snapshot does not know.
    pub fn resolve_key(
        &self,
        text: &str,
        region: Option<&str>,
        account: Option<&str>,
    ) -> Option<String> {
        let alias_name = if let Some(i) = text.find(":alias/") {
            Some(text.get(i..)?.strip_prefix(':')?)
        } else if text.starts_with("alias/") {
            Some(text)
        } else {
            None
        };
        // The account and Region the key is looked up in: the ARN's, else the caller's.
        let (in_region, in_account) = match text.starts_with("arn:") {
            true => (
                text.split(':').nth(3).filter(|r| !r.is_empty()),
                arn_account(text),
            ),
            false => (region, account),
        };
        let key_id = match alias_name {
            Some(name) => {
                // Aliases are per account and Region (`alias/aws/s3` is in each).
                let fits = |x: Option<&str>, wanted: Option<&str>| {
                    x.is_none() || wanted.is_none() || x == wanted
                };
                let alias = self.aliases.iter().find(|a| {
                    a.name == name
                        && fits(a.account.as_deref(), in_account)
                        && fits(a.region.as_deref(), in_region)
                });
                match alias.and_then(|a| a.target_key_id.as_deref()) {
                    Some(id) => id.to_owned(),
                    None if text.starts_with("arn:") => return Some(text.to_owned()),
                    None => {
                        return Some(format!("arn:aws:kms:{}:{}:{name}", region?, account?));
                    }
                }
            }
            None => key_id_of(text).to_owned(),
        };
        if let Some(arn) = self
            .find_key(&key_id, in_account, in_region)
            .and_then(|k| k.arn.clone())
        {
            return Some(arn);
        }
        if text.starts_with("arn:") && alias_name.is_none() {
            return Some(text.to_owned());
        }
        // A key the snapshot lacks: build its ARN from what the resource says.
        let (region, account) = match text.starts_with("arn:") {
            true => (
                text.split(':').nth(3).map(str::to_owned),
                arn_account(text).map(str::to_owned),
            ),
            false => (region.map(str::to_owned), account.map(str::to_owned)),
        };
        Some(format!("arn:aws:kms:{}:{}:key/{key_id}", region?, account?))
    }

    /// The KMS key that encrypts `resource` according to the snapshot: a bucket's default
    /// encryption (`aws:kms` without a key means the AWS managed key `aws/s3`), or a queue's
    /// or topic's `KmsMasterKeyId`.
    pub fn kms_key_for(&self, resource: &str) -> Option<KeyFact> {
        self.kms_key_with(resource, None)
    }

    /// The KMS key S3 uses to encrypt an object that `writer_account` writes to `resource`:
    /// as [`Snapshot::kms_key_for`], except that a key id or alias of a bucket's default
    /// encryption is resolved in the writer's account — "If you use a KMS key alias instead,
    /// then AWS KMS resolves the key within the requester's account" (Amazon S3 API
    /// Reference, `ServerSideEncryptionByDefault`,
    /// <https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html>).
    pub fn kms_key_for_write(&self, resource: &str, writer_account: &str) -> Option<KeyFact> {
        self.kms_key_with(resource, Some(writer_account))
    }

    fn kms_key_with(&self, resource: &str, writer: Option<&str>) -> Option<KeyFact> {
        let (service, _) = arn_service(resource)?;
        if service == "s3" {
            let bucket_name = resource.split(":::").nth(1)?.split('/').next()?;
            let bucket = self.buckets.get(bucket_name)?;
            let BucketEncryption {
                algorithm,
                kms_key,
                bucket_key,
            } = bucket.encryption.as_ref()?;
            if !algorithm.starts_with("aws:kms") {
                return None;
            }
            let region = bucket.region.as_deref().or_else(|| {
                kms_key
                    .as_deref()
                    .filter(|k| k.starts_with("arn:"))
                    .and_then(|k| k.split(':').nth(3))
            });
            let named = kms_key.as_deref().unwrap_or("alias/aws/s3");
            // A key id or alias of the default encryption is resolved in the account of the
            // request that encrypts: the writer's for a write; for a read, the object was
            // most likely written by the bucket's account (its key is recorded with it).
            let owner = bucket.account.as_deref().or(self.account.as_deref());
            let by_name = !named.starts_with("arn:");
            let resolve_in = match writer {
                Some(w) if by_name && Some(w) != owner => Some(w),
                _ => owner,
            };
            let arn = self.resolve_key(named, region, resolve_in)?;
            let mut origin = format!(
                "the default encryption of bucket {bucket_name} ({algorithm}, key `{named}`)"
            );
            if resolve_in != owner
                && let Some(w) = resolve_in
            {
                origin.push_str(&format!(
                    ", which names the key by {} and so is resolved in the writer's account {w}, not the bucket owner's (S3 API reference, ServerSideEncryptionByDefault: use a key ARN across accounts)",
                    if named.contains("alias/") { "alias" } else { "key id" }
                ));
            }
            return Some(KeyFact {
                arn,
                origin,
                bucket_key: *bucket_key,
            });
        }
        let p = self
            .resource_policies
            .iter()
            .find(|p| same_resource(&p.arn, resource))?;
        let named = p.kms_key.as_deref()?;
        let region = p.arn.split(':').nth(3);
        let arn = self.resolve_key(named, region, arn_account(&p.arn))?;
        Some(KeyFact {
            arn,
            origin: format!("the `KmsMasterKeyId` of {}", short_name(&p.arn)),
            bucket_key: false,
        })
    }

    /// The region a resource lives in, from its ARN or (S3) its bucket location.
    pub fn region_of(&self, resource: &str) -> Option<String> {
        let region = resource.split(':').nth(3).filter(|r| !r.is_empty());
        if let Some(r) = region {
            return Some(r.to_owned());
        }
        let bucket_name = resource.split(":::").nth(1)?.split('/').next()?;
        self.buckets.get(bucket_name)?.region.clone()
    }

    /// All the policies of one request, put together.
    pub fn policy_set(
        &self,
        principal: &PrincipalPolicies,
        resource: &ResourceSide,
        session: Option<Vec<Policy>>,
    ) -> PolicySet {
        PolicySet {
            identity: principal.identity.clone(),
            permissions_boundary: principal.boundary.clone(),
            session,
            scps: principal.scps.clone(),
            rcps: resource.rcps.clone(),
            resource: resource.policy.clone(),
            kms_grants: resource.kms_grants.clone(),
            resource_in_other_account: resource.in_other_account,
            management_account: self
                .organization
                .as_ref()
                .and_then(|o| o.management_account.clone()),
            ..PolicySet::default()
        }
    }
}

struct FoundResource {
    owner_arn: String,
    account: Option<String>,
    label: String,
    kind: PolicyKind,
    document: Option<DocRef>,
    grants: Vec<iamwhy_eval::KmsGrant>,
}

/// Parses a policy document of a snapshot file.
pub fn parse_doc(
    map: &mut SourceMap,
    doc: DocRef,
    kind: PolicyKind,
) -> Result<iamwhy_policy::PolicyDocument, Diagnostics> {
    let source = map
        .add_slice(doc.source, doc.start as usize, doc.end as usize)
        .ok_or_else(|| {
            Diagnostics::single(Diagnostic::error(
                "snapshot-file",
                "a policy document outside its file",
                Span::empty(doc.source),
            ))
        })?;
    parse_policy(map, source, kind)
}

fn full_aws_access(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    kind: PolicyKind,
) -> Result<Policy, Diagnostics> {
    let arn = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess";
    // Parsed once per snapshot and kind, like every other document.
    let document = snapshot.cached(DocOrigin::Bundled(arn.to_owned()), kind, || {
        let source = map.add_file("[FullAWSAccess, assumed]", FULL_AWS_ACCESS);
        parse_policy(map, source, kind)
    })?;
    Ok(Policy {
        name: "FullAWSAccess".to_owned(),
        arn: Some(arn.to_owned()),
        document,
    })
}

fn apply_identity_changes(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    out: &mut PrincipalPolicies,
    changes: &Changes,
) -> Result<(), Diagnostics> {
    let names = |out: &PrincipalPolicies| -> Vec<String> {
        out.identity
            .iter()
            .map(|p| p.label().to_owned())
            .chain(out.boundary.iter().map(|p| p.label().to_owned()))
            .collect()
    };
    for (target, source) in &changes.replace {
        if let Some(p) = out.identity.iter_mut().find(|p| names_policy(p, target)) {
            p.document = snapshot.candidate(map, *source, PolicyKind::Identity)?;
            p.name = format!("{} (candidate)", p.name);
        } else if let Some(p) = out.boundary.as_mut().filter(|p| names_policy(p, target)) {
            p.document = snapshot.candidate(map, *source, PolicyKind::PermissionsBoundary)?;
            p.name = format!("{} (candidate)", p.name);
        } else if !changes.lenient {
            return Err(not_a_policy_of("--replace-policy", target, &names(out)));
        }
    }
    for target in &changes.remove {
        let before = out.identity.len();
        out.identity.retain(|p| !names_policy(p, target));
        if out.identity.len() == before && !changes.lenient {
            return Err(not_a_policy_of("--remove-policy", target, &names(out)));
        }
    }
    for source in &changes.add {
        let document = snapshot.candidate(map, *source, PolicyKind::Identity)?;
        let name = format!("candidate {}", map.name(*source));
        out.identity.push(Policy::new(name, document));
    }
    if let Some(source) = changes.boundary {
        let document = snapshot.candidate(map, source, PolicyKind::PermissionsBoundary)?;
        let name = format!("candidate boundary {}", map.name(source));
        out.boundary = Some(Policy::new(name, document));
    }
    Ok(())
}

/// Whether `target` names the policy: its ARN, its managed name, or its inline name (with
/// or without the `user alice: ` owner prefix).
fn names_policy(p: &Policy, target: &str) -> bool {
    p.arn.as_deref() == Some(target)
        || p.name == target
        || p.name.rsplit_once(": ").is_some_and(|(_, n)| n == target)
}

fn not_a_policy_of(flag: &str, target: &str, names: &[String]) -> Diagnostics {
    let listed = if names.is_empty() {
        "the principal has no identity-based policies".to_owned()
    } else {
        format!("its policies: {}", names.join(", "))
    };
    Diagnostics::single(
        Diagnostic::unplaced_error(
            "snapshot-change",
            format!("{flag} `{target}`: not a policy of the principal"),
        )
        .with_help(listed),
    )
}

/// `(account, name)` of an `iam` ARN of `kind` (`user`, `role`).
fn account_and_name<'a>(arn: &'a str, kind: &str) -> Option<(&'a str, &'a str)> {
    let mut parts = arn.splitn(6, ':');
    let (_, _, _, _, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let rest = resource.strip_prefix(kind)?.strip_prefix('/')?;
    Some((account, rest.rsplit('/').next()?))
}

fn arn_service(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let _partition = parts.next()?;
    let service = parts.next()?;
    let rest = parts.nth(2)?;
    Some((service, rest))
}

fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// The last part of an ARN, for labels.
fn short_name(arn: &str) -> &str {
    arn.rsplit([':', '/']).next().unwrap_or(arn)
}

/// Whether a stored resource ARN and a request ARN name the same resource: equal, a Lambda
/// ARN with a version or alias qualifier, or a secret ARN without its 6-character suffix.
fn same_resource(stored: &str, requested: &str) -> bool {
    if stored == requested {
        return true;
    }
    if let Some(rest) = requested.strip_prefix(stored) {
        return rest.starts_with(':') && stored.contains(":function:");
    }
    stored
        .strip_prefix(requested)
        .is_some_and(|rest| rest.starts_with('-') && rest.len() == 7 && stored.contains(":secret:"))
}

/// `aws:PrincipalOrgPaths` of an account: `o-id/r-id/ou-…/` (the account itself is not
/// part of it).
fn org_path(org: &Organization, account: &str) -> Option<String> {
    let id = org.id.as_deref()?;
    let path = org.path_to(account)?;
    let mut out = format!("{id}/");
    for target in path.iter().take(path.len().saturating_sub(1)) {
        out.push_str(target);
        out.push('/');
    }
    Some(out)
}

/// The type of an attached Organizations policy: the snapshot's, for a policy it holds (a
/// Terraform attachment does not say whether it attaches an SCP or an RCP), else the
/// change's.
fn attachment_kind(org: &crate::model::Organization, a: &OrgAttachment) -> PolicyKind {
    org.policies
        .iter()
        .find(|(id, p)| {
            **id == a.policy || p.name == a.policy || p.arn.as_deref() == Some(a.policy.as_str())
        })
        .map_or(a.kind, |(_, p)| p.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_helpers() {
        assert_eq!(
            account_and_name("arn:aws:iam::111122223333:user/a/b/alice", "user"),
            Some(("111122223333", "alice"))
        );
        assert_eq!(
            account_and_name("arn:aws:iam::111122223333:role/r", "user"),
            None
        );
        assert!(same_resource(
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-password-AbCdEf",
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-password"
        ));
        assert!(same_resource(
            "arn:aws:lambda:eu-west-1:111122223333:function:resize",
            "arn:aws:lambda:eu-west-1:111122223333:function:resize:prod"
        ));
        assert!(!same_resource(
            "arn:aws:sqs:eu-west-1:111122223333:orders",
            "arn:aws:sqs:eu-west-1:111122223333:orders-dlq"
        ));
        assert_eq!(short_name("arn:aws:sqs:eu-west-1:1:orders"), "orders");
    }
}
