//! The organization: iam-collect's `organizations/ORG_ID/` (`metadata.json`, `accounts.json`,
//! `ous.json`, `scps/ID/` and `rcps/ID/`) → `describe-organization`, `list-roots`, and for each
//! account and OU `list-parents` and `list-policies-for-target`, and `describe-policy` for
//! each policy.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Cx, Folder, Obj, Out, json_string, last_segment};

impl Cx<'_, '_> {
    /// `organizations/ORG_ID/` → the Organizations outputs of docs/snapshot.md.
    pub(super) fn organization(&mut self, org_id: &str, files: &Folder) {
        let Some(meta_rel) = files.get("metadata") else {
            if let Some(any) = files.values().next() {
                self.warn_file(
                    any,
                    0,
                    format!("iam-collect organization `{org_id}` has no `metadata.json`; the organization is skipped"),
                );
            }
            return;
        };
        let Some(meta) = self.read::<OrgMeta>(meta_rel, "organization `metadata.json`") else {
            return;
        };
        let meta_src = Self::name(meta_rel);
        let id = meta.id.clone().unwrap_or_else(|| org_id.to_owned());
        let mut out = Out::default();
        out.push("{\"Organization\":");
        let mut o = Obj::new(&mut out);
        o.str("Id", &id);
        if let Some(arn) = &meta.arn {
            o.str("Arn", arn);
        }
        if let Some(a) = &meta.root_account_id {
            o.str("MasterAccountId", a);
        }
        if let Some(a) = &meta.root_account_arn {
            o.str("MasterAccountArn", a);
        }
        o.end();
        out.push("}");
        self.emit(
            "organizations/organization.json".to_owned(),
            out,
            meta_src.clone(),
        );
        let scp = meta.enabled("SERVICE_CONTROL_POLICY");
        let rcp = meta.enabled("RESOURCE_CONTROL_POLICY");
        let Some(root) = meta.root_ou.clone() else {
            self.warn_file(
                meta_rel,
                0,
                "an iam-collect organization `metadata.json` without `rootOu`; the OU tree is skipped".to_owned(),
            );
            return;
        };
        let mut out = Out::default();
        out.push("{\"Roots\":[");
        let mut o = Obj::new(&mut out);
        o.str("Id", &root);
        o.key("PolicyTypes");
        o.out.push("[");
        let types = [
            ("SERVICE_CONTROL_POLICY", scp),
            ("RESOURCE_CONTROL_POLICY", rcp),
        ];
        let mut first = true;
        for (kind, _) in types.into_iter().filter(|(_, on)| *on) {
            if !first {
                o.out.push(",");
            }
            first = false;
            let mut t = Obj::new(o.out);
            t.str("Type", kind);
            t.str("Status", "ENABLED");
            t.end();
        }
        o.out.push("]");
        o.end();
        out.push("]}");
        self.emit("organizations/roots.json".to_owned(), out, meta_src.clone());

        // Policies: `scps/ID/` and `rcps/ID/`, each `metadata.json` + `policy.json`.
        // By lowercased policy id (the folder name): the id as AWS spells it, name, AWS managed.
        let mut names: BTreeMap<String, (String, String, bool)> = BTreeMap::new();
        for (dir, kind) in [
            ("scps", "SERVICE_CONTROL_POLICY"),
            ("rcps", "RESOURCE_CONTROL_POLICY"),
        ] {
            let ids: Vec<String> = files
                .keys()
                .filter_map(|k| k.strip_prefix(&format!("{dir}/")))
                .filter_map(|k| k.strip_suffix("/metadata"))
                .map(str::to_owned)
                .collect();
            for folder_id in ids {
                let meta_rel = files.get(&format!("{dir}/{folder_id}/metadata"));
                let policy_rel = files.get(&format!("{dir}/{folder_id}/policy"));
                let (Some(meta_rel), Some(policy_rel)) = (meta_rel, policy_rel) else {
                    continue;
                };
                let Some(m) = self.read::<OrgPolicyMeta>(meta_rel, "policy `metadata.json`") else {
                    continue;
                };
                let Some(text) = self.raw(policy_rel) else {
                    continue;
                };
                let arn = m.arn.clone().unwrap_or_default();
                // The folder name is lowercased; the ARN keeps the id as AWS spells it.
                let policy_id = if arn.is_empty() {
                    folder_id.clone()
                } else {
                    last_segment(&arn)
                };
                let name = m.name.clone().unwrap_or_else(|| policy_id.clone());
                let aws_managed = m.aws_managed.unwrap_or(false);
                let content = if text.starts_with('"') {
                    text.to_owned()
                } else {
                    json_string(text)
                };
                let mut out = Out::default();
                out.push("{\"Policy\":{\"PolicySummary\":");
                let mut s = Obj::new(&mut out);
                s.str("Id", &policy_id);
                if !arn.is_empty() {
                    s.str("Arn", &arn);
                }
                s.str("Name", &name);
                s.str("Type", kind);
                s.key("AwsManaged");
                s.out.push(if aws_managed { "true" } else { "false" });
                s.end();
                out.push(",\"Content\":");
                out.from(&content, &Self::name(policy_rel));
                out.push("}}");
                self.emit(
                    format!("organizations/policies/{policy_id}.json"),
                    out,
                    Self::name(policy_rel),
                );
                names.insert(
                    policy_id.to_ascii_lowercase(),
                    (policy_id, name, aws_managed),
                );
            }
        }

        // The tree and the attachments: `accounts.json` and `ous.json`.
        let accounts: BTreeMap<String, Node> = files
            .get("accounts")
            .and_then(|rel| self.read(rel, "organization `accounts.json`"))
            .unwrap_or_default();
        let ous: BTreeMap<String, Node> = files
            .get("ous")
            .and_then(|rel| self.read(rel, "organization `ous.json`"))
            .unwrap_or_default();
        if let Some(rel) = files.get("ous") {
            self.check_ou_lists(rel, &ous, &root, scp, rcp);
        }
        let sources = [
            (files.get("accounts").map(|r| Self::name(r)), &accounts),
            (files.get("ous").map(|r| Self::name(r)), &ous),
        ];
        for (src, nodes) in sources {
            let src = src.unwrap_or_else(|| meta_src.clone());
            for (target, node) in nodes {
                if let Some(parent) = node.parent() {
                    let kind = if parent == root || parent.starts_with("r-") {
                        "ROOT"
                    } else {
                        "ORGANIZATIONAL_UNIT"
                    };
                    let mut out = Out::default();
                    out.push("{\"Parents\":[");
                    let start = out.text.len();
                    let mut p = Obj::new(&mut out);
                    p.str("Id", parent);
                    p.str("Type", kind);
                    p.end();
                    let end = out.text.len();
                    out.parts.push((start, end, src.clone()));
                    out.push("]}");
                    self.emit(
                        format!("organizations/targets/{target}/parents.json"),
                        out,
                        src.clone(),
                    );
                }
                for (on, list, file) in [(scp, &node.scps, "scps"), (rcp, &node.rcps, "rcps")] {
                    if !on {
                        continue;
                    }
                    let mut out = Out::default();
                    out.push("{\"Policies\":[");
                    let kind = if file == "scps" {
                        "SERVICE_CONTROL_POLICY"
                    } else {
                        "RESOURCE_CONTROL_POLICY"
                    };
                    for (i, arn) in list.iter().enumerate() {
                        if i > 0 {
                            out.push(",");
                        }
                        let id = last_segment(arn);
                        let (id, name, aws_managed) = names
                            .get(&id.to_ascii_lowercase())
                            .cloned()
                            .unwrap_or_else(|| (id.clone(), id, false));
                        let mut p = Obj::new(&mut out);
                        p.str("Id", &id);
                        p.str("Arn", arn);
                        p.str("Name", &name);
                        p.str("Type", kind);
                        p.key("AwsManaged");
                        p.out.push(if aws_managed { "true" } else { "false" });
                        p.end();
                    }
                    out.push("]}");
                    self.emit(
                        format!("organizations/targets/{target}/{file}.json"),
                        out,
                        src.clone(),
                    );
                }
            }
        }
    }

    /// The iam-collect code read for iamwhy (late 2025) asks Organizations for the root's
    /// policies where it means each OU's, so its `ous.json` gives every OU the root's list.
    /// An OU whose list equals the root's is also what a correct run writes when the OU has
    /// nothing of its own; when every OU looks so, say that the OUs' own SCPs and RCPs may be
    /// missing.
    fn check_ou_lists(
        &mut self,
        rel: &std::path::Path,
        ous: &BTreeMap<String, Node>,
        root: &str,
        scp: bool,
        rcp: bool,
    ) {
        let Some(root_node) = ous.get(root) else {
            return;
        };
        let mut below = ous.iter().filter(|(id, _)| *id != root).peekable();
        if below.peek().is_none() || !(scp || rcp) {
            return;
        }
        let same = below
            .all(|(_, n)| (!scp || n.scps == root_node.scps) && (!rcp || n.rcps == root_node.rcps));
        if same {
            self.warn_file(
                rel,
                0,
                "every OU in iam-collect's `ous.json` lists exactly the root's policies; iam-collect versions of late 2025 record the root's SCPs and RCPs for each OU, so the policies attached to OUs may be missing".to_owned(),
            );
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrgMeta {
    id: Option<String>,
    arn: Option<String>,
    root_ou: Option<String>,
    root_account_id: Option<String>,
    root_account_arn: Option<String>,
    #[serde(default)]
    features: BTreeMap<String, bool>,
}

impl OrgMeta {
    fn enabled(&self, kind: &str) -> bool {
        self.features.get(kind).copied().unwrap_or(false)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrgPolicyMeta {
    arn: Option<String>,
    name: Option<String>,
    aws_managed: Option<bool>,
}

/// An account of `accounts.json` (`ou`) or an OU of `ous.json` (`parent`).
#[derive(Deserialize, Default)]
struct Node {
    ou: Option<String>,
    parent: Option<String>,
    #[serde(default)]
    scps: Vec<String>,
    #[serde(default)]
    rcps: Vec<String>,
}

impl Node {
    fn parent(&self) -> Option<&str> {
        self.ou.as_deref().or(self.parent.as_deref())
    }
}
