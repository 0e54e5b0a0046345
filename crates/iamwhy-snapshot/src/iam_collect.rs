//! Reading a directory written by iam-collect (cloud-copilot/iam-collect, its `file` storage):
//! `aws/PARTITION/accounts/ACCOUNT/SERVICE/[REGION/][TYPE/]ID/*.json` and
//! `aws/PARTITION/organizations/ORG_ID/...`.
//!
//! iam-collect stores its own shapes: one folder per resource with a `metadata.json` (ARN,
//! name, ids in camelCase), the policy documents as JSON objects, and the organization as
//! maps of accounts and OUs. Rather than teach the loader a second set of shapes, this module
//! translates them into the raw AWS CLI outputs of docs/snapshot.md (the "Many accounts"
//! layout) and hands those to [`crate::load_texts`]. Policy documents are copied byte for byte
//! where the output holds an object (IAM); where the AWS output holds a JSON string (bucket,
//! key, queue, topic, secret, function, SCP and RCP) the stored text becomes that string.
//!
//! Every translated file remembers which iam-collect files it came from ([`Origin`]), so a
//! warning the loader raises on it names the iam-collect file to look at. A file iam-collect
//! wrote that cannot be used is a warning at its own line and column; the rest still loads.
//!
//! The layout was read from iam-collect's docs/Storage.md and docs/AgentInstructions.md and,
//! for the shape of each file, from the code that writes it (AGPL-3.0-or-later; read for
//! behaviour, nothing copied), at the versions of late 2025 (0.1.15x).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iamwhy_core::{Diagnostic, SourceId, SourceMap, Span};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::load::{SNAPSHOT_FILE, load_texts};
use crate::model::Snapshot;

/// Where the translated files go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// The "Many accounts" layout: `accounts/ACCOUNT/...` plus `organizations/...`.
    Many,
    /// The single-account layout, for the one account named: its files at the top, plus
    /// `organizations/...`; the other accounts are left out.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "used by tests until a caller needs it")
    )]
    Single(String),
}

/// The iam-collect files one translated file came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Origin {
    /// The folder or file the whole output came from (relative to the directory).
    pub(crate) whole: String,
    /// Byte ranges of the output and the iam-collect file (or folder) each came from.
    pub(crate) parts: Vec<(usize, usize, String)>,
}

impl Origin {
    /// The iam-collect file behind byte `offset` of the translated file: the narrowest part
    /// holding it, else the whole.
    pub(crate) fn at(&self, offset: usize) -> &str {
        self.parts
            .iter()
            .filter(|(s, e, _)| *s <= offset && offset < *e)
            .min_by_key(|(s, e, _)| e.saturating_sub(*s))
            .map_or(self.whole.as_str(), |(_, _, src)| src.as_str())
    }
}

/// The translated files, where each came from, and the problems met.
#[derive(Debug, Default)]
pub(crate) struct Translation {
    /// (path in the iamwhy layout, JSON text), in a stable order.
    pub(crate) files: Vec<(PathBuf, String)>,
    /// Where each translated file came from, by its path in the iamwhy layout.
    pub(crate) origins: BTreeMap<PathBuf, Origin>,
    /// Files of iam-collect that could not be used, each naming the file.
    pub(crate) warnings: Vec<Diagnostic>,
}

/// Whether `dir` holds iam-collect's layout: `aws/PARTITION/accounts/` or
/// `aws/PARTITION/organizations/`.
pub(crate) fn is_iam_collect(dir: &Path) -> bool {
    let Ok(partitions) = std::fs::read_dir(dir.join("aws")) else {
        return false;
    };
    partitions.flatten().any(|p| {
        let p = p.path();
        p.join("accounts").is_dir() || p.join("organizations").is_dir()
    })
}

/// Loads the iam-collect directory `dir` as a snapshot of many accounts.
pub(crate) fn load(dir: &Path, map: &mut SourceMap) -> Snapshot {
    let (texts, warnings) = read_tree(dir);
    let t = translate(dir, &texts, &Layout::Many, map);
    load_translation(dir, t, warnings, map)
}

/// Loads translated files, the warnings of reading and translating first, and names the
/// iam-collect file behind each warning the loader raises on a translated file.
fn load_translation(
    dir: &Path,
    t: Translation,
    mut warnings: Vec<Diagnostic>,
    map: &mut SourceMap,
) -> Snapshot {
    warnings.extend(t.warnings);
    let mut snapshot = load_texts(dir, t.files, map);
    let origins: BTreeMap<String, &Origin> = t
        .origins
        .iter()
        .map(|(rel, o)| (dir.join(rel).display().to_string(), o))
        .collect();
    for w in &mut snapshot.warnings {
        annotate(w, &origins, map);
    }
    warnings.append(&mut snapshot.warnings);
    snapshot.warnings = warnings;
    snapshot
}

/// Adds to a loader warning on a translated file the iam-collect file it came from.
fn annotate(w: &mut Diagnostic, origins: &BTreeMap<String, &Origin>, map: &SourceMap) {
    let Some(span) = w.span.map(|s| map.to_root(s)) else {
        return;
    };
    if let Some(origin) = origins.get(map.name(span.source)) {
        let from = origin.at(span.start as usize);
        w.message = format!("{} (translated from iam-collect's `{from}`)", w.message);
    }
}

/// Reads every `.json` file under `dir/aws/`, by path relative to `dir`.
fn read_tree(dir: &Path) -> (BTreeMap<PathBuf, String>, Vec<Diagnostic>) {
    let mut texts = BTreeMap::new();
    let mut warnings = Vec::new();
    let walked = iamwhy_input::walk(&[dir.join("aws")]);
    for problem in &walked.problems {
        warnings.push(Diagnostic::unplaced_warning(
            SNAPSHOT_FILE,
            format!("{problem}; skipped"),
        ));
    }
    for entry in walked.entries {
        let Some(path) = entry.path().map(Path::to_path_buf) else {
            continue;
        };
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        match iamwhy_input::read_text(&entry.source, iamwhy_input::Limit::SNAPSHOT_FILE) {
            Ok(text) => {
                let rel = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
                texts.insert(rel, text);
            }
            Err(e) => warnings.push(Diagnostic::unplaced_warning(
                SNAPSHOT_FILE,
                format!("{e}; skipped"),
            )),
        }
    }
    (texts, warnings)
}

// ---- Translation ---------------------------------------------------------------------------

/// The files of one resource folder, by file stem (`metadata`, `policy`, ...).
type Folder = BTreeMap<String, PathBuf>;

/// A resource folder: its path below the account folder, its files.
type Resource<'a> = (&'a Vec<String>, &'a Folder);

/// The resource folders of one account, by their path below the account folder
/// (`["iam", "role", "app-role"]`), and the files directly in the account folder.
#[derive(Default)]
struct Account {
    folders: BTreeMap<Vec<String>, Folder>,
    files: Folder,
}

/// Translates the iam-collect files `texts` (by path relative to `root`) into the iamwhy
/// layout `layout`. Problems are warnings placed in the iam-collect files, which are added to
/// `map` only when they have one.
pub(crate) fn translate(
    root: &Path,
    texts: &BTreeMap<PathBuf, String>,
    layout: &Layout,
    map: &mut SourceMap,
) -> Translation {
    let mut accounts: BTreeMap<String, Account> = BTreeMap::new();
    let mut orgs: BTreeMap<String, Folder> = BTreeMap::new();
    for rel in texts.keys() {
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let Some(stem) = rel.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        match parts.as_slice() {
            [aws, _partition, kind, id, rest @ ..] if aws == "aws" && kind == "accounts" => {
                let account = accounts.entry(id.clone()).or_default();
                match rest {
                    [_file] => {
                        account.files.insert(stem, rel.clone());
                    }
                    [dirs @ .., _file] => {
                        account
                            .folders
                            .entry(dirs.to_vec())
                            .or_default()
                            .insert(stem, rel.clone());
                    }
                    [] => {}
                }
            }
            [aws, _partition, kind, org, rest @ ..] if aws == "aws" && kind == "organizations" => {
                let key = rest
                    .split_last()
                    .map(|(_, dirs)| dirs.join("/"))
                    .unwrap_or_default();
                let name = if key.is_empty() {
                    stem
                } else {
                    format!("{key}/{stem}")
                };
                orgs.entry(org.clone())
                    .or_default()
                    .insert(name, rel.clone());
            }
            _ => {}
        }
    }
    let mut cx = Cx {
        root,
        texts,
        map,
        sources: BTreeMap::new(),
        t: Translation::default(),
    };
    let wanted: Vec<(&String, &Account)> = match layout {
        Layout::Many => accounts.iter().collect(),
        Layout::Single(id) => {
            let one: Vec<_> = accounts.iter().filter(|(a, _)| *a == id).collect();
            if one.is_empty() {
                cx.t.warnings.push(Diagnostic::unplaced_warning(
                    SNAPSHOT_FILE,
                    format!("the iam-collect directory has no account `{id}`"),
                ));
            }
            one
        }
    };
    for (id, account) in wanted {
        let prefix = match layout {
            Layout::Many => format!("accounts/{id}/"),
            Layout::Single(_) => String::new(),
        };
        cx.account(&prefix, id, account);
    }
    let mut orgs = orgs.into_iter();
    if let Some((id, files)) = orgs.next() {
        cx.organization(&id, &files);
    }
    for (id, files) in orgs {
        if let Some(any) = files.values().next() {
            cx.warn_file(
                any,
                0,
                format!("a second organization (`{id}`) in the iam-collect directory; only the first is read"),
            );
        }
    }
    cx.t
}

/// The state of one translation.
struct Cx<'a, 'm> {
    root: &'a Path,
    texts: &'a BTreeMap<PathBuf, String>,
    map: &'m mut SourceMap,
    /// The iam-collect files already added to the source map (those with warnings).
    sources: BTreeMap<PathBuf, SourceId>,
    t: Translation,
}

impl<'a> Cx<'a, '_> {
    fn emit(&mut self, rel: String, out: Out, whole: String) {
        let rel = PathBuf::from(rel);
        self.t.origins.insert(
            rel.clone(),
            Origin {
                whole,
                parts: out.parts,
            },
        );
        self.t.files.push((rel, out.text));
    }

    fn name(rel: &Path) -> String {
        rel.display().to_string()
    }

    fn warn_file(&mut self, rel: &Path, offset: usize, message: String) {
        let source = match self.sources.get(rel) {
            Some(s) => *s,
            None => {
                let text = self.texts.get(rel).cloned().unwrap_or_default();
                let s = self
                    .map
                    .add_file(self.root.join(rel).display().to_string(), text);
                self.sources.insert(rel.to_path_buf(), s);
                s
            }
        };
        self.t.warnings.push(Diagnostic::warning(
            SNAPSHOT_FILE,
            message,
            Span::new(source, offset, offset),
        ));
    }

    /// The text of a file, as a JSON value; `None` (with a warning) when it is not JSON, and
    /// `None` without one when it is `null` (iam-collect writes no file for "nothing").
    fn raw(&mut self, rel: &Path) -> Option<&'a str> {
        let texts = self.texts;
        let text = texts.get(rel)?;
        match serde_json::from_str::<&RawValue>(text) {
            Ok(v) if v.get() == "null" => None,
            Ok(_) => Some(text.trim()),
            Err(e) => {
                let offset = offset_of(text, e.line(), e.column());
                self.warn_file(
                    rel,
                    offset,
                    format!(
                        "invalid JSON in an iam-collect file: {}; skipped",
                        strip_position(&e.to_string())
                    ),
                );
                None
            }
        }
    }

    /// A file read as `T`; `None` (with a warning placed in the file) when it does not fit.
    fn read<T: DeserializeOwned>(&mut self, rel: &Path, what: &str) -> Option<T> {
        let text = self.raw(rel)?;
        match serde_json::from_str::<T>(text) {
            Ok(v) => Some(v),
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
                        "unexpected shape for iam-collect's {what}: {}; skipped",
                        strip_position(&e.to_string())
                    ),
                );
                None
            }
        }
    }

    /// The `metadata.json` of a folder with its `arn`; a warning when it is missing.
    fn metadata(&mut self, folder: &Folder, dir: &str) -> Option<(Meta, PathBuf)> {
        let Some(rel) = folder.get("metadata") else {
            if let Some(any) = folder.values().next() {
                self.warn_file(
                    any,
                    0,
                    format!("iam-collect folder `{dir}` has no `metadata.json`, so its resource is unknown; skipped"),
                );
            }
            return None;
        };
        let meta: Meta = self.read(rel, "`metadata.json`")?;
        if meta.arn.as_deref().is_none_or(str::is_empty) {
            self.warn_file(
                rel,
                0,
                "an iam-collect `metadata.json` without `arn`; its resource is skipped".to_owned(),
            );
            return None;
        }
        Some((meta, rel.clone()))
    }

    // ---- One account ---------------------------------------------------------------------

    fn account(&mut self, prefix: &str, id: &str, account: &Account) {
        let base = account
            .folders
            .values()
            .chain(std::iter::once(&account.files))
            .flat_map(|f| f.values())
            .next()
            .and_then(|rel| account_dir(rel, id))
            .unwrap_or_default();
        self.iam(prefix, &base, account);
        if let Some(rel) = account.files.get("s3-bpa")
            && let Some(text) = self.raw(rel)
        {
            let mut out = Out::default();
            out.push("{\"PublicAccessBlockConfiguration\":");
            out.from(text, &Self::name(rel));
            out.push("}");
            self.emit(
                format!("{prefix}s3/account-public-access-block.json"),
                out,
                Self::name(rel),
            );
        }
        for (dirs, folder) in &account.folders {
            let dir = format!("{base}{}/", dirs.join("/"));
            let dirs: Vec<&str> = dirs.iter().map(String::as_str).collect();
            match dirs.as_slice() {
                ["s3", bucket] => self.bucket(prefix, bucket, folder, &dir),
                ["kms", region, "key", _] => self.key(prefix, region, id, folder, &dir),
                ["sqs", region, name] => self.attributes(prefix, region, "sqs", name, folder, &dir),
                ["sns", region, name] => self.attributes(prefix, region, "sns", name, folder, &dir),
                ["secretsmanager", region, "secret", name] => {
                    self.secret(prefix, region, name, folder, &dir);
                }
                ["lambda", region, "function", name] => {
                    self.function(prefix, region, name, folder, &dir);
                }
                // IAM is read above; other services hold no policy iamwhy evaluates.
                _ => {}
            }
        }
    }

    /// `iam/{user,group,role,policy,aws/policy}/*` → one `get-account-authorization-details`.
    fn iam(&mut self, prefix: &str, base: &str, account: &Account) {
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

    // ---- Resources -----------------------------------------------------------------------

    /// A policy file as the JSON string the AWS outputs hold: an object becomes its text,
    /// a string (older iam-collect) is kept.
    fn policy_string(&mut self, folder: &Folder) -> Option<(String, String)> {
        let rel = folder.get("policy")?;
        let text = self.raw(rel)?;
        let string = if text.starts_with('"') {
            text.to_owned()
        } else {
            json_string(text)
        };
        Some((string, Self::name(rel)))
    }

    fn bucket(&mut self, prefix: &str, dir_name: &str, folder: &Folder, dir: &str) {
        let Some((meta, meta_rel)) = self.metadata(folder, dir) else {
            return;
        };
        let bucket = meta
            .name
            .clone()
            .unwrap_or_else(|| last_segment(meta.arn.as_deref().unwrap_or(dir_name)));
        let at = format!("{prefix}s3/{bucket}/");
        if let Some((policy, src)) = self.policy_string(folder) {
            let mut out = Out::default();
            out.push("{\"Policy\":");
            out.from(&policy, &src);
            out.push("}");
            self.emit(format!("{at}policy.json"), out, src);
        }
        if let Some(rel) = folder.get("encryption")
            && let Some(text) = self.raw(rel)
        {
            // iam-collect keeps the `Rules` of `ServerSideEncryptionConfiguration`.
            let mut out = Out::default();
            out.push("{\"ServerSideEncryptionConfiguration\":{\"Rules\":");
            out.from(text, &Self::name(rel));
            out.push("}}");
            self.emit(format!("{at}encryption.json"), out, Self::name(rel));
        }
        if let Some(rel) = folder.get("bpa")
            && let Some(text) = self.raw(rel)
        {
            let mut out = Out::default();
            out.push("{\"PublicAccessBlockConfiguration\":");
            out.from(text, &Self::name(rel));
            out.push("}");
            self.emit(
                format!("{at}public-access-block.json"),
                out,
                Self::name(rel),
            );
        }
        if let Some(region) = meta.region.as_deref().filter(|r| !r.is_empty()) {
            // `get-bucket-location` says `null` for us-east-1.
            let value = if region == "us-east-1" {
                "null".to_owned()
            } else {
                json_string(region)
            };
            let mut out = Out::default();
            out.push("{\"LocationConstraint\":");
            out.from(&value, &Self::name(&meta_rel));
            out.push("}");
            self.emit(format!("{at}location.json"), out, Self::name(&meta_rel));
        }
    }

    fn key(&mut self, prefix: &str, region: &str, account: &str, folder: &Folder, dir: &str) {
        let Some((meta, meta_rel)) = self.metadata(folder, dir) else {
            return;
        };
        let arn = meta.arn.clone().unwrap_or_default();
        let id = meta.id.clone().unwrap_or_else(|| last_segment(&arn));
        let owner = arn_account(&arn).unwrap_or(account).to_owned();
        let region = arn_region(&arn).unwrap_or(region).to_owned();
        let at = format!("{prefix}{region}/kms/{id}/");
        // iam-collect does not record `KeyManager`, `KeyState` or the description.
        let mut out = Out::default();
        out.push("{\"KeyMetadata\":");
        let start = out.text.len();
        let mut o = Obj::new(&mut out);
        o.str("AWSAccountId", &owner);
        o.str("KeyId", &id);
        o.str("Arn", &arn);
        o.end();
        let end = out.text.len();
        out.parts.push((start, end, Self::name(&meta_rel)));
        out.push("}");
        self.emit(format!("{at}describe-key.json"), out, Self::name(&meta_rel));
        if let Some((policy, src)) = self.policy_string(folder) {
            let mut out = Out::default();
            out.push("{\"Policy\":");
            out.from(&policy, &src);
            out.push(",\"PolicyName\":\"default\"}");
            self.emit(format!("{at}key-policy.json"), out, src);
        }
    }

    /// An SQS queue or SNS topic → `get-queue-attributes` / `get-topic-attributes`.
    fn attributes(
        &mut self,
        prefix: &str,
        region: &str,
        service: &str,
        name: &str,
        folder: &Folder,
        dir: &str,
    ) {
        let Some((meta, meta_rel)) = self.metadata(folder, dir) else {
            return;
        };
        let arn = meta.arn.clone().unwrap_or_default();
        let region = arn_region(&arn).unwrap_or(region).to_owned();
        let mut out = Out::default();
        out.push("{\"Attributes\":");
        let mut o = Obj::new(&mut out);
        o.str(
            if service == "sqs" {
                "QueueArn"
            } else {
                "TopicArn"
            },
            &arn,
        );
        let key = meta.kms_key.as_deref().or(meta.key_id.as_deref());
        if let Some(key) = key.filter(|k| !k.is_empty()) {
            o.str("KmsMasterKeyId", key);
        }
        let policy = self.policy_string(folder);
        if let Some((policy, src)) = &policy {
            o.key("Policy");
            o.out.from(policy, src);
        }
        o.end();
        out.push("}");
        self.emit(
            format!("{prefix}{region}/{service}/{name}.json"),
            out,
            Self::name(&meta_rel),
        );
    }

    /// A secret → `get-resource-policy`; a secret without a policy has no file, as there.
    fn secret(&mut self, prefix: &str, region: &str, name: &str, folder: &Folder, dir: &str) {
        let Some((meta, meta_rel)) = self.metadata(folder, dir) else {
            return;
        };
        let Some((policy, src)) = self.policy_string(folder) else {
            return;
        };
        let arn = meta.arn.clone().unwrap_or_default();
        let region = arn_region(&arn).unwrap_or(region).to_owned();
        let mut out = Out::default();
        let mut o = Obj::new(&mut out);
        o.str("ARN", &arn);
        o.str("Name", meta.name.as_deref().unwrap_or(name));
        o.key("ResourcePolicy");
        o.out.from(&policy, &src);
        o.end();
        self.emit(
            format!("{prefix}{region}/secretsmanager/{name}.json"),
            out,
            Self::name(&meta_rel),
        );
    }

    /// A function → `lambda get-policy`. iam-collect keeps no `RevisionId`; the empty one
    /// written marks the output as a function policy.
    fn function(&mut self, prefix: &str, region: &str, name: &str, folder: &Folder, dir: &str) {
        let Some((meta, _)) = self.metadata(folder, dir) else {
            return;
        };
        let Some((policy, src)) = self.policy_string(folder) else {
            return;
        };
        let region = meta
            .arn
            .as_deref()
            .and_then(arn_region)
            .unwrap_or(region)
            .to_owned();
        let mut out = Out::default();
        out.push("{\"Policy\":");
        out.from(&policy, &src);
        out.push(",\"RevisionId\":\"\"}");
        self.emit(
            format!("{prefix}{region}/lambda/{name}/policy.json"),
            out,
            src,
        );
    }

    // ---- The organization ----------------------------------------------------------------

    fn organization(&mut self, org_id: &str, files: &Folder) {
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
}

/// `aws/PARTITION/accounts/ACCOUNT/` of a file below it.
fn account_dir(rel: &Path, account: &str) -> Option<String> {
    let text = rel.to_string_lossy().replace('\\', "/");
    let marker = format!("/accounts/{account}/");
    let end = text.find(&marker)?.saturating_add(marker.len());
    text.get(..end).map(str::to_owned)
}

/// The last `/`- or `:`-separated part of an ARN: a name or id.
fn last_segment(arn: &str) -> String {
    arn.rsplit(['/', ':']).next().unwrap_or(arn).to_owned()
}

fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// serde's messages end with " at line L column C": the diagnostic shows the place itself.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| message.get(..i).unwrap_or(message))
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// The byte offset of serde's 1-based `line` and `column` in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset: usize = 0;
    for (l, n) in text.split_inclusive('\n').zip(1..) {
        if n == line {
            return offset
                .saturating_add(column.saturating_sub(1))
                .min(text.len());
        }
        offset = offset.saturating_add(l.len());
    }
    text.len().min(offset)
}

// ---- Writing JSON ----------------------------------------------------------------------------

/// A JSON text being written, with the iam-collect file behind each copied part.
#[derive(Default)]
struct Out {
    text: String,
    parts: Vec<(usize, usize, String)>,
}

impl Out {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    fn string(&mut self, s: &str) {
        self.text.push_str(&json_string(s));
    }

    /// Writes `value` (JSON text) and records that it came from `source`.
    fn from(&mut self, value: &str, source: &str) {
        let start = self.text.len();
        self.text.push_str(value);
        self.parts.push((start, self.text.len(), source.to_owned()));
    }
}

/// A JSON object being written into an [`Out`].
struct Obj<'o> {
    out: &'o mut Out,
    first: bool,
}

impl<'o> Obj<'o> {
    fn new(out: &'o mut Out) -> Obj<'o> {
        out.push("{");
        Obj { out, first: true }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(",");
        }
        self.first = false;
        self.out.string(k);
        self.out.push(":");
    }

    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        self.out.string(v);
    }

    fn end(self) {
        self.out.push("}");
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Entity {
    User,
    Group,
    Role,
    Policy,
}

// ---- iam-collect's shapes (unknown fields are ignored) ------------------------------------

/// A resource's `metadata.json`: the fields iamwhy uses, across resource types.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Meta {
    arn: Option<String>,
    name: Option<String>,
    id: Option<String>,
    path: Option<String>,
    permission_boundary: Option<String>,
    default_version_id: Option<String>,
    region: Option<String>,
    /// Queues and secrets.
    kms_key: Option<String>,
    /// Topics.
    key_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InlineShape<'a> {
    policy_name: String,
    #[serde(borrow)]
    policy_document: &'a RawValue,
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

#[cfg(test)]
mod tests;
