//! IAM: iam-collect's `iam/user/`, `iam/group/`, `iam/role/`, `iam/policy/` and
//! `iam/aws/policy/` folders of one account → one `get-account-authorization-details`
//! output. Policy documents are copied as iam-collect stored them (JSON objects, which the
//! loader accepts as the AWS CLI prints them).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Account, Cx, Folder, Obj, Out, Resource, last_segment, offset_of, strip_position};

/// The kinds of IAM entity of the output.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Entity {
    User,
    Group,
    Role,
    Policy,
}

/// An entry of `inline-policies.json`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InlineShape<'a> {
    policy_name: String,
    #[serde(borrow)]
    policy_document: &'a RawValue,
}

impl Cx<'_, '_> {
    /// `iam/{user,group,role,policy,aws/policy}/*` → one `get-account-authorization-details`.
    pub(super) fn iam(&mut self, prefix: &str, base: &str, account: &Account) {
        let of = |kind: &[&str]| -> Vec<Resource<'_>> {
            account
                .folders
                .iter()
                .filter(|(dirs, _)| {
                    dirs.len() == kind.len().saturating_add(1)
                        && dirs.iter().zip(kind).all(|(d, k)| d == k)
                })
                .collect()
        };
        let users = of(&["iam", "user"]);
        let groups = of(&["iam", "group"]);
        let roles = of(&["iam", "role"]);
        let mut policies = of(&["iam", "policy"]);
        policies.extend(of(&["iam", "aws", "policy"]));
        if users.is_empty() && groups.is_empty() && roles.is_empty() && policies.is_empty() {
            return;
        }
        let mut out = Out::default();
        let lists: [(&str, &[Resource<'_>], Entity); 4] = [
            ("UserDetailList", &users, Entity::User),
            ("GroupDetailList", &groups, Entity::Group),
            ("RoleDetailList", &roles, Entity::Role),
            ("Policies", &policies, Entity::Policy),
        ];
        out.push("{");
        for (i, (key, list, kind)) in lists.into_iter().enumerate() {
            if i > 0 {
                out.push(",");
            }
            out.string(key);
            out.push(":[");
            let mut first = true;
            for (dirs, folder) in list {
                let dir = format!("{base}{}/", dirs.join("/"));
                let start = out.text.len();
                let mark = out.parts.len();
                if !first {
                    out.push(",");
                }
                if self.entity(&mut out, kind, folder, &dir) {
                    first = false;
                    out.parts.push((start, out.text.len(), dir));
                } else {
                    out.text.truncate(start);
                    out.parts.truncate(mark);
                }
            }
            out.push("]");
        }
        out.push("}");
        self.emit(
            format!("{prefix}iam/account-authorization-details.json"),
            out,
            format!("{base}iam/"),
        );
    }

    /// Writes one user, group, role or managed policy; `false` when it was skipped.
    fn entity(&mut self, out: &mut Out, kind: Entity, folder: &Folder, dir: &str) -> bool {
        let Some((meta, _)) = self.metadata(folder, dir) else {
            return false;
        };
        let arn = meta.arn.clone().unwrap_or_default();
        let name = meta.name.clone().unwrap_or_else(|| last_segment(&arn));
        let mut o = Obj::new(out);
        let (name_key, id_key) = match kind {
            Entity::User => ("UserName", "UserId"),
            Entity::Group => ("GroupName", "GroupId"),
            Entity::Role => ("RoleName", "RoleId"),
            Entity::Policy => ("PolicyName", "PolicyId"),
        };
        o.str("Path", meta.path.as_deref().unwrap_or("/"));
        o.str(name_key, &name);
        if let Some(id) = &meta.id {
            o.str(id_key, id);
        }
        o.str("Arn", &arn);
        if kind == Entity::Policy {
            let version = meta.default_version_id.clone().unwrap_or_default();
            if !version.is_empty() {
                o.str("DefaultVersionId", &version);
            }
            o.key("PolicyVersionList");
            o.out.push("[");
            // iam-collect keeps the default version's document only (`current-policy.json`;
            // older versions wrote `policy.json`).
            let doc = folder
                .get("current-policy")
                .or_else(|| folder.get("policy"))
                .and_then(|rel| self.raw(rel).map(|t| (t, Self::name(rel))));
            if let Some((text, src)) = doc {
                let mut v = Obj::new(o.out);
                v.key("Document");
                v.out.from(text, &src);
                v.str("VersionId", &version);
                v.key("IsDefaultVersion");
                v.out.push("true");
                v.end();
            }
            o.out.push("]");
            o.end();
            return true;
        }
        if kind == Entity::Role
            && let Some(rel) = folder.get("trust-policy")
            && let Some(text) = self.raw(rel)
        {
            o.key("AssumeRolePolicyDocument");
            o.out.from(text, &Self::name(rel));
        }
        let inline_key = match kind {
            Entity::User => "UserPolicyList",
            Entity::Group => "GroupPolicyList",
            _ => "RolePolicyList",
        };
        o.key(inline_key);
        self.inline_policies(o.out, folder);
        o.key("AttachedManagedPolicies");
        o.out.push("[");
        let attached: Vec<String> = folder
            .get("managed-policies")
            .and_then(|rel| self.read(rel, "`managed-policies.json` (a list of ARNs)"))
            .unwrap_or_default();
        for (i, arn) in attached.iter().enumerate() {
            if i > 0 {
                o.out.push(",");
            }
            let mut a = Obj::new(o.out);
            a.str("PolicyName", &last_segment(arn));
            a.str("PolicyArn", arn);
            a.end();
        }
        o.out.push("]");
        if kind == Entity::User {
            o.key("GroupList");
            o.out.push("[");
            let groups: Vec<Option<String>> = folder
                .get("groups")
                .and_then(|rel| self.read(rel, "`groups.json` (a list of group ARNs)"))
                .unwrap_or_default();
            let mut first = true;
            for g in groups.iter().flatten() {
                if !first {
                    o.out.push(",");
                }
                first = false;
                o.out.string(&last_segment(g));
            }
            o.out.push("]");
        }
        if kind == Entity::Role {
            o.key("InstanceProfileList");
            o.out.push("[");
            let profiles: Vec<String> = folder
                .get("instance-profiles")
                .and_then(|rel| self.read(rel, "`instance-profiles.json` (a list of ARNs)"))
                .unwrap_or_default();
            for (i, p) in profiles.iter().enumerate() {
                if i > 0 {
                    o.out.push(",");
                }
                let mut a = Obj::new(o.out);
                a.str("InstanceProfileName", &last_segment(p));
                a.str("Arn", p);
                a.end();
            }
            o.out.push("]");
        }
        if matches!(kind, Entity::User | Entity::Role)
            && let Some(boundary) = meta
                .permission_boundary
                .as_deref()
                .filter(|b| !b.is_empty())
        {
            o.key("PermissionsBoundary");
            let mut b = Obj::new(o.out);
            b.str("PermissionsBoundaryType", "Policy");
            b.str("PermissionsBoundaryArn", boundary);
            b.end();
        }
        if matches!(kind, Entity::User | Entity::Role) {
            let tags: BTreeMap<String, String> = folder
                .get("tags")
                .and_then(|rel| self.read(rel, "`tags.json` (an object of tag values)"))
                .unwrap_or_default();
            o.key("Tags");
            o.out.push("[");
            for (i, (k, v)) in tags.iter().enumerate() {
                if i > 0 {
                    o.out.push(",");
                }
                let mut t = Obj::new(o.out);
                t.str("Key", k);
                t.str("Value", v);
                t.end();
            }
            o.out.push("]");
        }
        o.end();
        true
    }

    /// `inline-policies.json`: `[{"PolicyName", "PolicyDocument"}]` → the same list, each
    /// document copied as stored.
    fn inline_policies(&mut self, out: &mut Out, folder: &Folder) {
        out.push("[");
        let Some(rel) = folder.get("inline-policies") else {
            out.push("]");
            return;
        };
        let Some(text) = self.raw(rel) else {
            out.push("]");
            return;
        };
        let src = Self::name(rel);
        match serde_json::from_str::<Vec<InlineShape<'_>>>(text) {
            Ok(list) => {
                let mut first = true;
                for p in list {
                    if !first {
                        out.push(",");
                    }
                    first = false;
                    let mut o = Obj::new(out);
                    o.str("PolicyName", &p.policy_name);
                    o.key("PolicyDocument");
                    o.out.from(p.policy_document.get(), &src);
                    o.end();
                }
            }
            Err(e) => {
                let lead = self
                    .texts
                    .get(rel)
                    .map_or(0, |t| t.len().saturating_sub(t.trim_start().len()));
                let offset = lead.saturating_add(offset_of(text, e.line(), e.column()));
                self.warn_file(
                    rel,
                    offset,
                    format!(
                        "unexpected shape for iam-collect's `inline-policies.json` (a list of `PolicyName` and `PolicyDocument`): {}; skipped",
                        strip_position(&e.to_string())
                    ),
                );
            }
        }
        out.push("]");
    }
}
