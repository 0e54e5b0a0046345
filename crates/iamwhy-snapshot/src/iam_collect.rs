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

mod iam;
mod org;
#[cfg(test)]
mod tests;
