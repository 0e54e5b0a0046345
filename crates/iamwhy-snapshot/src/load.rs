//! Reading a snapshot directory: every `.json` file is recognised by its top-level keys
//! (docs/snapshot.md has the table); the folder supplies the resource name only where the
//! AWS output does not carry it (`s3/BUCKET/policy.json`, `kms/KEY_ID/key-policy.json`,
//! `organizations/targets/ID/parents.json`).
//!
//! The files are parsed with serde, policy documents kept as byte ranges ([`DocRef`]) and
//! parsed only when a question needs them, so that an account with thousands of roles and
//! policies loads in well under a second.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iamwhy_core::{Diagnostic, Diagnostics, PolicyKind, SourceId, SourceMap, Span};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::model::{
    Bucket, BucketEncryption, DocRef, Group, InlinePolicy, KmsAlias, KmsKey, ManagedPolicy,
    OrgPolicy, Organization, PublicAccessBlock, ResourcePolicy, Role, Snapshot, Tag, User,
    org_policy_kind,
};

/// The warning code of every problem met while loading.
pub const SNAPSHOT_FILE: &str = "snapshot-file";

/// Loads the snapshot in `dir`. Unreadable, malformed and unrecognised files become warnings
/// in [`Snapshot::warnings`] and are skipped; only a `dir` that is not a readable directory
/// is an error.
pub fn load(dir: &Path, map: &mut SourceMap) -> Result<Snapshot, Diagnostics> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(Diagnostics::single(
                Diagnostic::unplaced_error(
                    "snapshot",
                    format!("`{}` is not a directory", dir.display()),
                )
                .with_help("a snapshot is a directory of AWS CLI outputs; see docs/snapshot.md"),
            ));
        }
        Err(e) => {
            return Err(Diagnostics::single(Diagnostic::unplaced_error(
                "snapshot",
                format!("cannot read snapshot `{}`: {e}", dir.display()),
            )));
        }
    }
    if crate::iam_collect::is_iam_collect(dir) {
        return Ok(crate::iam_collect::load(dir, map));
    }
    let mut warnings = Vec::new();
    let mut files = Vec::new();
    let mut jobs = Vec::new();
    let walked = iamwhy_input::walk(&[dir]);
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
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !name.ends_with(".json") {
            if !is_documentation(&name) {
                warnings.push(Diagnostic::unplaced_warning(
                    SNAPSHOT_FILE,
                    format!(
                        "`{}` is not a `.json` AWS CLI output; skipped",
                        path.display()
                    ),
                ));
            }
            continue;
        }
        let rel = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
        jobs.push((path.display().to_string(), rel, entry.source));
    }
    // The files are read on every core (a snapshot of many accounts is gigabytes), then
    // registered in the source map in the order they were found.
    let texts = parallel_map(&jobs, |(_, _, source)| {
        iamwhy_input::read_text(source, iamwhy_input::Limit::SNAPSHOT_FILE)
    });
    for ((name, rel, _), text) in jobs.into_iter().zip(texts) {
        match text {
            Some(Ok(text)) => files.extend(Pending::register(map, name, rel, text)),
            None => warnings.push(Diagnostic::unplaced_warning(
                SNAPSHOT_FILE,
                format!("`{name}` could not be read; skipped"),
            )),
            Some(Err(e)) => {
                let mut warning =
                    Diagnostic::unplaced_warning(SNAPSHOT_FILE, format!("{e}; skipped"));
                if let Some(help) = e.help() {
                    warning = warning.with_help(help);
                }
                warnings.push(warning);
            }
        }
    }
    Ok(recognise_all(dir, warnings, files))
}

/// Loads a snapshot from files already in memory, each named by its path relative to the
/// snapshot's root (tests, fuzzing, snapshots read from an archive).
pub fn load_texts(
    root: &Path,
    files: impl IntoIterator<Item = (PathBuf, String)>,
    map: &mut SourceMap,
) -> Snapshot {
    let files: Vec<Pending> = files
        .into_iter()
        .filter_map(|(rel, text)| {
            Pending::register(map, root.join(&rel).display().to_string(), rel, text)
        })
        .collect();
    recognise_all(root, Vec::new(), files)
}

/// A file read and registered in the source map, waiting to be recognised.
struct Pending {
    source: SourceId,
    text: iamwhy_core::SharedText,
    rel: PathBuf,
}

impl Pending {
    fn register(
        map: &mut SourceMap,
        name: String,
        rel: PathBuf,
        text: impl Into<iamwhy_core::SharedText>,
    ) -> Option<Pending> {
        let source = map.add_file(name, text);
        let text = map.text_arc(source)?;
        Some(Pending { source, text, rel })
    }
}

/// `f` of every item, on every core (scoped threads taking the next item in turn), in the
/// items' order; `None` only where a thread panicked.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<Option<R>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(|i| Some(f(i))).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<R>>> =
        items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let (Some(item), Some(slot)) = (items.get(i), slots.get(i)) else {
                        break;
                    };
                    let r = f(item);
                    if let Ok(mut slot) = slot.lock() {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|m| m.into_inner().ok().flatten())
        .collect()
}

/// The folder a file's account data belongs to: `accounts/ACCOUNT`, or `None` for the rest
/// (a single-account snapshot, `organizations/`).
fn account_group(rel: &Path) -> Option<String> {
    place_of(rel).0
}

/// Recognises every file. The files of each account folder are read by one loader, the
/// account folders in parallel (one thread per core), then the loaders are merged in the
/// order the folders came: a snapshot of 50 accounts loads in the time of 25 on two cores.
/// The result does not depend on the number of threads.
fn recognise_all(root: &Path, warnings: Vec<Diagnostic>, files: Vec<Pending>) -> Snapshot {
    let mut groups: Vec<(Option<String>, Vec<Pending>)> = Vec::new();
    for file in files {
        let key = account_group(&file.rel);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(file),
            None => groups.push((key, vec![file])),
        }
    }
    let read_group = |files: &[Pending]| {
        let mut loader = Loader::new(root);
        for f in files {
            loader.text(f.source, &f.text, &f.rel);
        }
        loader
    };
    let parts = parallel_map(&groups, |(_, files)| read_group(files));
    let parts = parts.into_iter().flatten();
    let mut loader = Loader::new(root);
    loader.snapshot.warnings = warnings;
    for part in parts {
        loader.merge(part);
    }
    loader.finish()
}

/// Notes people keep next to their data: not reported.
fn is_documentation(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("readme") || lower.ends_with(".md") || lower.ends_with(".txt")
}

/// The account all IAM entities belong to, when they agree.
fn single_account(s: &Snapshot) -> Option<String> {
    let mut accounts: Vec<&str> = s
        .users
        .iter()
        .map(|u| u.arn.as_str())
        .chain(s.roles.iter().map(|r| r.arn.as_str()))
        .filter_map(|arn| arn.split(':').nth(4))
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    match accounts.as_slice() {
        [one] => Some((*one).to_owned()),
        _ => None,
    }
}

struct Loader {
    snapshot: Snapshot,
    caller_account: Option<String>,
    /// ARNs of the users, groups and roles read so far.
    seen: std::collections::BTreeSet<String>,
}

/// One file being read: its text, id and place in the snapshot.
struct File<'t> {
    source: SourceId,
    text: &'t str,
    rel: &'t Path,
    /// The account folder holding the file (`accounts/ACCOUNT/...`), if any.
    account: Option<String>,
    /// The Region folder holding the file (`accounts/ACCOUNT/REGION/...`), if any.
    region: Option<String>,
}

/// The account and Region folders a file sits in: `accounts/ACCOUNT/[REGION/]...` in a
/// snapshot of many accounts (docs/snapshot.md, "Many accounts"); a Region folder at the top
/// of a single-account snapshot is read the same way.
fn place_of(rel: &Path) -> (Option<String>, Option<String>) {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    // The last part is the file itself: only folders above it count.
    let folders = parts.get(..parts.len().saturating_sub(1)).unwrap_or(&[]);
    let (account, rest) = match folders {
        [top, id, rest @ ..] if top == "accounts" && is_account_id(id) => (Some(id.clone()), rest),
        rest => (None, rest),
    };
    let region = rest.first().filter(|r| is_region(r)).cloned();
    (account, region)
}

/// A 12-digit AWS account id.
pub(crate) fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// A Region name: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-4`.
fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [geo, middle @ .., number] if !middle.is_empty() => {
            geo.len() == 2
                && geo.bytes().all(|b| b.is_ascii_lowercase())
                && middle
                    .iter()
                    .all(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_lowercase()))
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

impl File<'_> {
    /// The name of the folder holding the file (`BUCKET` in `s3/BUCKET/policy.json`).
    fn folder(&self) -> Option<String> {
        self.rel
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
    }

    /// The folder two levels up (`s3` in `s3/BUCKET/policy.json`).
    fn grandparent(&self) -> Option<String> {
        self.rel
            .parent()
            .and_then(Path::parent)
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
    }

    /// The resource name a folder gives: `NAME` of `TOP/NAME/file.json`.
    fn named_in(&self, top: &str) -> Option<String> {
        (self.grandparent().as_deref() == Some(top))
            .then(|| self.folder())
            .flatten()
    }

    /// [`File::named_in`], or a warning that `what` does not name its `kind` and where to
    /// put it.
    fn require_named_in(
        &self,
        top: &str,
        what: &str,
        kind: &str,
        place: &str,
    ) -> Result<String, Diagnostic> {
        self.named_in(top).ok_or_else(|| {
            self.warning(format!(
                "{what} does not name its {kind}: put it in `{place}`; file skipped"
            ))
        })
    }

    fn file_stem(&self) -> String {
        self.rel
            .file_stem()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default()
    }

    /// Where `raw` (borrowed from this file's text) sits.
    fn doc_ref(&self, raw: &RawValue) -> DocRef {
        let (start, end) = self.range(raw.get());
        DocRef {
            source: self.source,
            start,
            end,
        }
    }

    fn range(&self, part: &str) -> (u32, u32) {
        let start = (part.as_ptr() as usize)
            .checked_sub(self.text.as_ptr() as usize)
            .filter(|s| *s <= self.text.len())
            .unwrap_or(0);
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        (to_u32(start), to_u32(start.saturating_add(part.len())))
    }

    /// Deserializes `raw` (a part of this file) as `T`; a serde error becomes a diagnostic
    /// at the right line and column of the file.
    fn read<'a, T: Deserialize<'a>>(&self, raw: &'a str) -> Result<T, Diagnostic> {
        serde_json::from_str(raw).map_err(|e| self.serde_error(raw, &e))
    }

    fn serde_error(&self, part: &str, e: &serde_json::Error) -> Diagnostic {
        let (base, _) = self.range(part);
        let offset = (base as usize).saturating_add(offset_of(part, e.line(), e.column()));
        let what = match e.classify() {
            serde_json::error::Category::Io | serde_json::error::Category::Syntax => "invalid JSON",
            serde_json::error::Category::Eof => "truncated JSON",
            serde_json::error::Category::Data => "unexpected shape",
        };
        Diagnostic::warning(
            SNAPSHOT_FILE,
            format!("{what}: {}; file skipped", strip_position(&e.to_string())),
            Span::new(self.source, offset, offset),
        )
    }

    fn warning(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::warning(SNAPSHOT_FILE, message, Span::new(self.source, 0, 0))
    }

    /// A warning about one entry of a list (`part` is its text) that cannot be used.
    fn entry_warning(&self, part: &str, what: &str, e: &serde_json::Error) -> Diagnostic {
        let (base, _) = self.range(part);
        let offset = (base as usize).saturating_add(offset_of(part, e.line(), e.column()));
        Diagnostic::warning(
            SNAPSHOT_FILE,
            format!(
                "{what} cannot be used: {}; entry skipped, the rest of the file is read",
                strip_position(&e.to_string())
            ),
            Span::new(self.source, offset, offset),
        )
    }

    /// The map key of the KMS key `id` read from this file: the id alone in a single-account,
    /// single-Region snapshot; `ACCOUNT/REGION/ID` otherwise (a multi-Region key has the
    /// same id in each Region).
    fn key_slot(&self, id: &str) -> String {
        match (&self.account, &self.region) {
            (None, None) => id.to_owned(),
            (a, r) => format!(
                "{}/{}/{id}",
                a.as_deref().unwrap_or(""),
                r.as_deref().unwrap_or("")
            ),
        }
    }
}

/// The `Arn` of a list entry, to name it in a warning.
#[derive(Deserialize)]
struct EntryName {
    #[serde(rename = "Arn")]
    arn: Option<String>,
}

/// The byte offset of serde's 1-based `line` and `column`.
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
    text.len()
}

/// serde's messages end with " at line L column C": the diagnostic shows the place itself.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| message.get(..i).unwrap_or(message))
}

type TopLevel<'a> = BTreeMap<String, &'a RawValue>;

/// Reads the value of an output's identifying top-level key.
type Reader = fn(&mut Loader, &File<'_>, &RawValue) -> Result<(), Diagnostic>;

impl Loader {
    fn new(root: &Path) -> Loader {
        Loader {
            snapshot: Snapshot {
                root: root.to_path_buf(),
                ..Snapshot::default()
            },
            caller_account: None,
            seen: std::collections::BTreeSet::new(),
        }
    }

    fn finish(self) -> Snapshot {
        let mut snapshot = self.snapshot;
        snapshot.account = self.caller_account.or_else(|| {
            if snapshot.account_folders.is_empty() {
                single_account(&snapshot)
            } else if snapshot.account_folders.len() == 1 {
                snapshot.account_folders.first().cloned()
            } else {
                None
            }
        });
        // A single-account snapshot owns every resource it lists (docs/snapshot.md).
        if snapshot.account_folders.is_empty() {
            let account = snapshot.account.clone();
            for b in snapshot.buckets.values_mut() {
                b.account.clone_from(&account);
            }
            for a in &mut snapshot.aliases {
                if a.account.is_none() {
                    a.account = a
                        .arn
                        .as_deref()
                        .and_then(|arn| arn.split(':').nth(4))
                        .filter(|x| !x.is_empty())
                        .map(str::to_owned)
                        .or_else(|| account.clone());
                }
            }
            for k in snapshot.keys.values_mut() {
                if k.account.is_none() {
                    k.account.clone_from(&account);
                }
            }
        }
        snapshot
    }

    /// Reads every entry of a JSON list as `T`; an entry that cannot be read is reported
    /// (file and entry) and skipped, never the whole file (moto's
    /// `get-account-authorization-details` leaves out fields AWS always sends).
    fn entries<'a, T: Deserialize<'a>>(
        &mut self,
        f: &File<'_>,
        raw: &'a str,
        what: &str,
    ) -> Result<Vec<T>, Diagnostic> {
        // The whole list at once first (one pass over the text); entry by entry only when
        // some entry cannot be read.
        if let Ok(all) = serde_json::from_str::<Vec<T>>(raw) {
            return Ok(all);
        }
        let items: Vec<&'a RawValue> = f.read(raw)?;
        let mut out = Vec::with_capacity(items.len());
        for (n, item) in (1_usize..).zip(items) {
            match serde_json::from_str::<T>(item.get()) {
                Ok(v) => out.push(v),
                Err(e) => {
                    let name = serde_json::from_str::<EntryName>(item.get())
                        .ok()
                        .and_then(|e| e.arn)
                        .map(|a| format!(" `{a}`"))
                        .unwrap_or_default();
                    let d = f.entry_warning(item.get(), &format!("{what} {n}{name}"), &e);
                    self.snapshot.warnings.push(d);
                }
            }
        }
        Ok(out)
    }

    /// Adds what another loader read (the files of another account folder) to this one.
    fn merge(&mut self, part: Loader) {
        let s = &mut self.snapshot;
        let p = part.snapshot;
        if self.caller_account.is_none() {
            self.caller_account = part.caller_account;
        }
        // The same user, group or role in two folders: the first folder's is kept.
        let twice: std::collections::BTreeSet<String> = part
            .seen
            .into_iter()
            .filter(|arn| !self.seen.insert(arn.clone()))
            .collect();
        for arn in &twice {
            s.warnings.push(Diagnostic::unplaced_warning(
                SNAPSHOT_FILE,
                format!("`{arn}` appears in two account folders; kept the first"),
            ));
        }
        s.users
            .extend(p.users.into_iter().filter(|u| !twice.contains(&u.arn)));
        s.groups
            .extend(p.groups.into_iter().filter(|g| !twice.contains(&g.arn)));
        s.roles
            .extend(p.roles.into_iter().filter(|r| !twice.contains(&r.arn)));
        for (arn, m) in p.managed {
            match s.managed.get(&arn) {
                Some(existing) if existing.document.is_some() || m.document.is_none() => {}
                _ => {
                    s.managed.insert(arn, m);
                }
            }
        }
        for (name, b) in p.buckets {
            s.buckets.entry(name).or_insert(b);
        }
        for (slot, k) in p.keys {
            s.keys.entry(slot).or_insert(k);
        }
        for a in p.aliases {
            let known = s
                .aliases
                .iter()
                .any(|x| x.name == a.name && x.account == a.account && x.region == a.region);
            if !known {
                s.aliases.push(a);
            }
        }
        if s.account_public_access_block.is_none() {
            s.account_public_access_block = p.account_public_access_block;
        }
        for (account, block) in p.account_public_access_blocks {
            s.account_public_access_blocks
                .entry(account)
                .or_insert(block);
        }
        match (&mut s.organization, p.organization) {
            (_, None) => {}
            (None, Some(o)) => s.organization = Some(o),
            (Some(into), Some(o)) => {
                into.id = into.id.take().or(o.id);
                into.management_account = into.management_account.take().or(o.management_account);
                into.root = into.root.take().or(o.root);
                into.enabled = into.enabled.take().or(o.enabled);
                for (k, v) in o.parents {
                    into.parents.entry(k).or_insert(v);
                }
                for (k, v) in o.attachments {
                    into.attachments.entry(k).or_insert(v);
                }
                for (k, v) in o.policies {
                    into.policies.entry(k).or_insert(v);
                }
            }
        }
        for r in p.resource_policies {
            if !s.resource_policies.iter().any(|x| x.arn == r.arn) {
                s.resource_policies.push(r);
            }
        }
        s.files_loaded = s.files_loaded.saturating_add(p.files_loaded);
        s.warnings.extend(p.warnings);
        s.account_folders.extend(p.account_folders);
    }

    fn text(&mut self, source: SourceId, text: &str, rel: &Path) {
        let (account, region) = place_of(rel);
        if let Some(a) = &account {
            self.snapshot.account_folders.insert(a.clone());
        }
        let file = File {
            source,
            text,
            rel,
            account,
            region,
        };
        match self.recognise(&file) {
            Ok(()) => {
                self.snapshot.files_loaded = self.snapshot.files_loaded.saturating_add(1);
            }
            Err(d) => self.snapshot.warnings.push(d),
        }
    }

    /// Reads a file into the snapshot; `Err` is the warning that says why it was skipped.
    fn recognise(&mut self, f: &File<'_>) -> Result<(), Diagnostic> {
        if self.auth_details_at_once(f) {
            return Ok(());
        }
        let top: TopLevel<'_> = match serde_json::from_str(f.text) {
            Ok(t) => t,
            Err(e) if e.classify() == serde_json::error::Category::Data => {
                return Err(f.warning(
                    "not an AWS CLI output iamwhy recognises: expected a JSON object; file skipped",
                ));
            }
            Err(e) => return Err(f.serde_error(f.text, &e)),
        };
        let has = |k: &str| top.contains_key(k);
        if has("UserDetailList") || has("GroupDetailList") || has("RoleDetailList") {
            return self.auth_details(f, &top);
        }
        if let Some(policies) = top.get("Policies") {
            return self.policies_list(f, policies);
        }
        if let Some(policy) = top.get("Policy") {
            return self.policy_output(f, &top, policy);
        }
        if has("Version") && has("Statement") {
            return self.bare_policy(f);
        }
        // Outputs recognised by one top-level key, and how each is read.
        let single_key: [(&str, Reader); 10] = [
            ("ServerSideEncryptionConfiguration", Self::bucket_encryption),
            ("PublicAccessBlockConfiguration", Self::public_access_block),
            ("LocationConstraint", Self::bucket_location),
            ("KeyMetadata", Self::describe_key),
            ("Grants", Self::grants),
            ("Aliases", Self::aliases),
            ("Parents", Self::parents),
            ("Roots", Self::roots),
            ("Organization", Self::organization),
            ("Attributes", Self::attributes),
        ];
        for (key, read) in single_key {
            if let Some(v) = top.get(key) {
                return read(self, f, v);
            }
        }
        if let (Some(arn), Some(policy)) = (top.get("ARN"), top.get("ResourcePolicy")) {
            return self.secret(f, arn, policy);
        }
        if let (Some(account), true) = (top.get("Account"), has("Arn") && has("UserId")) {
            let account: String = f.read(account.get())?;
            match &f.account {
                // `accounts/ACCOUNT/sts/caller-identity.json`: the folder names the account.
                Some(folder) if *folder != account => {
                    return Err(f.warning(format!(
                        "the caller identity of account {account} in the folder of account {folder}; file skipped"
                    )));
                }
                Some(_) => {}
                None => self.caller_account = Some(account),
            }
            return Ok(());
        }
        let mut keys: Vec<&str> = top.keys().map(String::as_str).take(4).collect();
        if keys.is_empty() {
            keys.push("none");
        }
        Err(f
            .warning(format!(
                "not an AWS CLI output iamwhy recognises (top-level keys: {}); file skipped",
                keys.join(", ")
            ))
            .with_help("docs/snapshot.md lists the outputs a snapshot may hold"))
    }

    // ---- IAM ---------------------------------------------------------------------------

    fn auth_details(&mut self, f: &File<'_>, top: &TopLevel<'_>) -> Result<(), Diagnostic> {
        let list = |key: &str| top.get(key).map(|v| v.get());
        let users: Vec<UserShape<'_>> = match list("UserDetailList") {
            Some(r) => self.entries(f, r, "user")?,
            None => Vec::new(),
        };
        let groups: Vec<GroupShape<'_>> = match list("GroupDetailList") {
            Some(r) => self.entries(f, r, "group")?,
            None => Vec::new(),
        };
        let roles: Vec<RoleShape<'_>> = match list("RoleDetailList") {
            Some(r) => self.entries(f, r, "role")?,
            None => Vec::new(),
        };
        let policies: Vec<PolicyShape<'_>> = match list("Policies") {
            Some(r) => self.entries(f, r, "managed policy")?,
            None => Vec::new(),
        };
        self.authorization(f, users, groups, roles, policies);
        Ok(())
    }

    /// `get-account-authorization-details` read in one pass over the text, when every entry
    /// can be read (the common case: a large account's file is tens of megabytes); `false`
    /// when it is not such an output or some entry needs [`Loader::auth_details`]'s care.
    fn auth_details_at_once(&mut self, f: &File<'_>) -> bool {
        if !f.text.contains("DetailList\"") {
            return false;
        }
        let Ok(d) = serde_json::from_str::<AuthDetailsShape<'_>>(f.text) else {
            return false;
        };
        // A top-level list, not the words inside a document.
        if d.user_detail_list.is_none()
            && d.group_detail_list.is_none()
            && d.role_detail_list.is_none()
        {
            return false;
        }
        self.authorization(
            f,
            d.user_detail_list.unwrap_or_default(),
            d.group_detail_list.unwrap_or_default(),
            d.role_detail_list.unwrap_or_default(),
            d.policies.unwrap_or_default(),
        );
        true
    }

    /// Adds the users, groups, roles and managed policies of an authorization-details file.
    fn authorization(
        &mut self,
        f: &File<'_>,
        users: Vec<UserShape<'_>>,
        groups: Vec<GroupShape<'_>>,
        roles: Vec<RoleShape<'_>>,
        policies: Vec<PolicyShape<'_>>,
    ) {
        for u in users {
            if !self.first_time(f, "user", &u.arn) {
                continue;
            }
            self.snapshot.users.push(User {
                path: u.path.unwrap_or_else(|| "/".to_owned()),
                name: u.user_name,
                arn: u.arn,
                id: u.user_id,
                inline: inline(f, u.user_policy_list),
                groups: u.group_list,
                attached: arns(u.attached_managed_policies),
                boundary: u.permissions_boundary.map(|b| b.permissions_boundary_arn),
                tags: tags(u.tags),
            });
        }
        for g in groups {
            if !self.first_time(f, "group", &g.arn) {
                continue;
            }
            self.snapshot.groups.push(Group {
                arn: g.arn,
                name: g.group_name,
                inline: inline(f, g.group_policy_list),
                attached: arns(g.attached_managed_policies),
            });
        }
        for r in roles {
            if !self.first_time(f, "role", &r.arn) {
                continue;
            }
            self.snapshot.roles.push(Role {
                path: r.path.unwrap_or_else(|| "/".to_owned()),
                name: r.role_name,
                arn: r.arn,
                id: r.role_id,
                trust: r.assume_role_policy_document.map(|d| f.doc_ref(d)),
                inline: inline(f, r.role_policy_list),
                attached: arns(r.attached_managed_policies),
                boundary: r.permissions_boundary.map(|b| b.permissions_boundary_arn),
                tags: tags(r.tags),
                instance_profiles: r
                    .instance_profile_list
                    .into_iter()
                    .map(|p| p.instance_profile_name)
                    .collect(),
            });
        }
        for p in policies {
            self.managed_policy(f, p);
        }
    }

    /// Records an entity's ARN; `false` (with a warning) when the snapshot already has it.
    fn first_time(&mut self, f: &File<'_>, kind: &str, arn: &str) -> bool {
        if self.seen.insert(arn.to_owned()) {
            return true;
        }
        self.snapshot
            .warnings
            .push(f.warning(format!("{kind} `{arn}` appears twice; kept the first")));
        false
    }

    fn managed_policy(&mut self, f: &File<'_>, p: PolicyShape<'_>) {
        let default = p
            .policy_version_list
            .iter()
            .find(|v| v.is_default_version == Some(true))
            .or_else(|| {
                p.policy_version_list
                    .iter()
                    .find(|v| p.default_version_id.as_deref() == Some(v.version_id.as_str()))
            });
        let default_version = p
            .default_version_id
            .clone()
            .or_else(|| default.map(|v| v.version_id.clone()))
            .unwrap_or_default();
        if default.is_none() {
            self.snapshot.warnings.push(f.warning(format!(
                "managed policy `{}` has no default version in this file; its document is unknown",
                p.arn
            )));
        }
        let document = default.and_then(|v| v.document).map(|d| f.doc_ref(d));
        if let Some(existing) = self.snapshot.managed.get(&p.arn)
            && existing.document.is_some()
        {
            return;
        }
        // moto leaves `PolicyName` out: the ARN carries it (`...:policy/PATH/NAME`).
        let name = p
            .policy_name
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| p.arn.rsplit('/').next().unwrap_or(&p.arn).to_owned());
        self.snapshot.managed.insert(
            p.arn.clone(),
            ManagedPolicy {
                name,
                arn: p.arn,
                default_version,
                document,
                versions: p.policy_version_list.len(),
            },
        );
    }

    /// `Policies`: a page of `get-account-authorization-details` holding only managed
    /// policies, or `list-policies-for-target`.
    fn policies_list(&mut self, f: &File<'_>, raw: &RawValue) -> Result<(), Diagnostic> {
        let probe: Vec<BTreeMap<String, &RawValue>> = f.read(raw.get())?;
        let is_org = match probe.first() {
            Some(first) => first.contains_key("Type") && first.contains_key("Id"),
            None => self.in_folder(f, "targets"),
        };
        if is_org {
            return self.target_policies(f, raw);
        }
        let policies: Vec<PolicyShape<'_>> = self.entries(f, raw.get(), "managed policy")?;
        for p in policies {
            self.managed_policy(f, p);
        }
        Ok(())
    }

    // ---- Policies whose output does not name their resource ------------------------------

    /// `{"Policy": ...}`: `describe-policy` (an object), a KMS key policy (with
    /// `PolicyName`), a Lambda function policy (with `RevisionId`) or a bucket policy.
    fn policy_output(
        &mut self,
        f: &File<'_>,
        top: &TopLevel<'_>,
        policy: &RawValue,
    ) -> Result<(), Diagnostic> {
        let doc = f.doc_ref(policy);
        if top.contains_key("RevisionId") {
            return self.lambda_policy(f, policy, doc);
        }
        if policy.get().trim_start().starts_with('{') {
            return self.describe_policy(f, policy);
        }
        if top.contains_key("PolicyName") || self.in_folder(f, "kms") {
            return self.key_policy(f, doc);
        }
        self.bucket_policy(f, doc)
    }

    /// A policy document saved as is: a bucket policy under `s3/BUCKET/` or a key policy
    /// under `kms/KEY_ID/`.
    fn bare_policy(&mut self, f: &File<'_>) -> Result<(), Diagnostic> {
        let doc = DocRef {
            source: f.source,
            start: 0,
            end: u32::try_from(f.text.len()).unwrap_or(u32::MAX),
        };
        if self.in_folder(f, "kms") {
            return self.key_policy(f, doc);
        }
        if self.in_folder(f, "s3") {
            return self.bucket_policy(f, doc);
        }
        Err(f.warning(
            "a bare policy document names no resource: put a bucket policy in `s3/BUCKET/` or a key policy in `kms/KEY_ID/`; file skipped",
        ))
    }

    /// Whether the file sits in `TOP/NAME/file.json` with `TOP` = `top`.
    fn in_folder(&self, f: &File<'_>, top: &str) -> bool {
        f.named_in(top).is_some()
    }

    fn bucket_name(&self, f: &File<'_>, what: &str) -> Result<String, Diagnostic> {
        f.require_named_in("s3", what, "bucket", "s3/BUCKET/")
    }

    /// The bucket `name` of the account folder holding `f`.
    fn bucket(&mut self, f: &File<'_>, name: String) -> &mut Bucket {
        self.snapshot
            .buckets
            .entry(name.clone())
            .or_insert_with(|| Bucket {
                name,
                account: f.account.clone(),
                ..Bucket::default()
            })
    }

    fn bucket_policy(&mut self, f: &File<'_>, doc: DocRef) -> Result<(), Diagnostic> {
        let name = self.bucket_name(f, "a bucket policy (`get-bucket-policy`)")?;
        self.bucket(f, name).policy = Some(doc);
        Ok(())
    }

    fn bucket_encryption(&mut self, f: &File<'_>, raw: &RawValue) -> Result<(), Diagnostic> {
        let name = self.bucket_name(f, "bucket encryption (`get-bucket-encryption`)")?;
        let config: EncryptionShape = f.read(raw.get())?;
        let rule = config.rules.into_iter().find_map(|r| {
            r.apply_server_side_encryption_by_default
                .map(|d| (d, r.bucket_key_enabled))
        });
        if let Some((d, bucket_key)) = rule {
            self.bucket(f, name).encryption = Some(BucketEncryption {
                algorithm: d.sse_algorithm,
                kms_key: d.kms_master_key_id.filter(|k| !k.is_empty()),
                bucket_key: bucket_key.unwrap_or(false),
            });
        }
        Ok(())
    }

    fn public_access_block(&mut self, f: &File<'_>, raw: &RawValue) -> Result<(), Diagnostic> {
        let c: PabShape = f.read(raw.get())?;
        let block = PublicAccessBlock {
            block_public_acls: c.block_public_acls.unwrap_or(false),
            ignore_public_acls: c.ignore_public_acls.unwrap_or(false),
            block_public_policy: c.block_public_policy.unwrap_or(false),
            restrict_public_buckets: c.restrict_public_buckets.unwrap_or(false),
        };
        if self.in_folder(f, "s3") {
            let name = self.bucket_name(f, "")?;
            self.bucket(f, name).public_access_block = Some(block);
        } else if let Some(account) = &f.account {
            self.snapshot
                .account_public_access_blocks
                .insert(account.clone(), block);
        } else {
            self.snapshot.account_public_access_block = Some(block);
        }
        Ok(())
    }

    fn bucket_location(&mut self, f: &File<'_>, raw: &RawValue) -> Result<(), Diagnostic> {
        let name = self.bucket_name(f, "a bucket location (`get-bucket-location`)")?;
        let location: Option<String> = f.read(raw.get())?;
        // `get-bucket-location` prints `null` for us-east-1 and `EU` for the oldest
        // eu-west-1 buckets (Amazon S3 API reference, GetBucketLocation).
        let region = match location.as_deref() {
            None | Some("") => "us-east-1".to_owned(),
            Some("EU") => "eu-west-1".to_owned(),
            Some(r) => r.to_owned(),
        };
        self.bucket(f, name).region = Some(region);
        Ok(())
    }

    // ---- KMS ---------------------------------------------------------------------------

    /// The key `id` of the account and Region folders holding `f`.
    fn key(&mut self, f: &File<'_>, id: String) -> &mut KmsKey {
        self.snapshot
            .keys
            .entry(f.key_slot(&id))
            .or_insert_with(|| KmsKey {
                id,
                account: f.account.clone(),
                region: f.region.clone(),
                ..KmsKey::default()
            })
    }

    fn key_policy(&mut self, f: &File<'_>, doc: DocRef) -> Result<(), Diagnostic> {
        let id = f.require_named_in(
            "kms",
            "a key policy (`get-key-policy`)",
            "key",
            "kms/KEY_ID/",
        )?;
        let id = key_id_of(&id).to_owned();
        self.key(f, id).policy = Some(doc);
        Ok(())
    }

    fn grants(&mut self, f: &File<'_>, raw: &RawValue) -> Result<(), Diagnostic> {
        let list: Vec<GrantShape> = f.read(raw.get())?;
        let folder = f.named_in("kms").map(|id| key_id_of(&id).to_owned());
        for g in list {
            let Some(id) = g
                .key_id
                .as_deref()
                .map(|k| key_id_of(k).to_owned())
                .or(folder.clone())
            else {
                return Err(f.warning(
                    "a `list-grants` output without `KeyId`: put it in `kms/KEY_ID/`; file skipped",
                ));
            };
            let constraints = g.constraints.unwrap_or_default();
            let pairs = |m: Option<BTreeMap<String, String>>| -> Vec<(String, String)> {
                m.unwrap_or_default().into_iter().collect()
            };
            self.key(f, id).grants.push(iamwhy_eval::KmsGrant {
                name: g
                    .name
                    .filter(|n| !n.is_empty())
                    .or(g.grant_id)
                    .unwrap_or_default(),
                key_arn: g.key_id.filter(|k| k.starts_with("arn:")),
                grantee: g.grantee_principal.unwrap_or_default(),
                operations: g.operations,
                encryption_context_equals: pairs(constraints.encryption_context_equals),
                encryption_context_subset: pairs(constraints.encryption_context_subset),
            });
        }
        Ok(())
    }

    fn describe_key(&mut self, f: &File<'_>, raw: &RawValue) -> Result<(), Diagnostic> {
        let m: KeyMetadataShape = f.read(raw.get())?;
        let key = self.key(f, m.key_id);
        if let Some(arn) = &m.arn {
            let mut parts = arn.split(':');
            let region = parts.nth(3).filter(|r| !r.is_empty()).map(str::to_owned);
            let account = parts.next().filter(|a| !a.is_empty()).map(str::to_owned);
            if key.account.is_none() {
                key.account = account;
            }
            if key.region.is_none() {
                key.region = region;
            }
        }
        key.arn = m.arn;
        key.manager = m.key_manager;
        key.state = m.key_state;
        key.description = m.description.filter(|d| !d.is_empty());
        Ok(())
    }

    fn aliases(&mut self, f: &File<'_>, raw: &RawValue) -> Result<(), Diagnostic> {
        let list: Vec<AliasShape> = f.read(raw.get())?;
        for a in list {
            // Aliases are per account and Region: `alias/aws/s3` exists in each.
            let region = f.region.clone().or_else(|| {
                a.alias_arn
                    .as_deref()
                    .and_then(|arn| arn.split(':').nth(3))
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned)
            });
            let account = f.account.clone();
            let known = self
                .snapshot
                .aliases
                .iter()
                .any(|x| x.name == a.alias_name && x.account == account && x.region == region);
            if !known {
                self.snapshot.aliases.push(KmsAlias {
                    name: a.alias_name,
                    arn: a.alias_arn,
                    target_key_id: a.target_key_id,
                    account,
                    region,
                });
            }
        }
        Ok(())
    }

    // ---- Organizations -----------------------------------------------------------------

    fn org(&mut self) -> &mut Organization {
        self.snapshot
            .organization
            .get_or_insert_with(Organization::default)
    }

    fn target(&self, f: &File<'_>, what: &str) -> Result<String, Diagnostic> {
        f.require_named_in("targets", what, "target", "organizations/targets/ID/")
    }

    fn parents(&mut self, f: &File<'_>, raw: &RawValue) -> Result<(), Diagnostic> {
        let child = self.target(f, "`list-parents` output")?;
        let list: Vec<ParentShape> = f.read(raw.get())?;
        if let Some(p) = list.into_iter().next() {
            let org = self.org();
            if p.kind.as_deref() == Some("ROOT") && org.root.is_none() {
                org.root = Some(p.id.clone());
            }
            org.parents.insert(child, p.id);
        }
        Ok(())
    }

    fn target_policies(&mut self, f: &File<'_>, raw: &RawValue) -> Result<(), Diagnostic> {
        let target = self.target(f, "`list-policies-for-target` output")?;
        let list: Vec<PolicySummaryShape> = f.read(raw.get())?;
        let stem = f.file_stem();
        let from_name = if stem.contains("rcp") || stem.contains("resource") {
            Some(PolicyKind::Rcp)
        } else if stem.contains("scp") || stem.contains("service") {
            Some(PolicyKind::Scp)
        } else {
            None
        };
        let kind = list
            .iter()
            .find_map(|p| p.kind.as_deref().and_then(org_policy_kind))
            .or(from_name);
        let Some(kind) = kind else {
            return Err(f.warning(
                "an empty `list-policies-for-target` output does not say whether it lists SCPs or RCPs: name it `scps.json` or `rcps.json`; file skipped",
            ));
        };
        let ids = list.into_iter().map(|p| p.id).collect();
        self.org().attachments.insert((target, kind), ids);
        Ok(())
    }

    fn describe_policy(&mut self, f: &File<'_>, raw: &RawValue) -> Result<(), Diagnostic> {
        let p: DescribePolicyShape<'_> = f.read(raw.get())?;
        let Some(kind) = p.policy_summary.kind.as_deref().and_then(org_policy_kind) else {
            // Tag, backup and AI opt-out policies do not take part in authorization.
            return Ok(());
        };
        let policy = OrgPolicy {
            id: p.policy_summary.id.clone(),
            arn: p.policy_summary.arn,
            name: p
                .policy_summary
                .name
                .unwrap_or_else(|| p.policy_summary.id.clone()),
            kind,
            aws_managed: p.policy_summary.aws_managed.unwrap_or(false),
            content: f.doc_ref(p.content),
        };
        self.org().policies.insert(p.policy_summary.id, policy);
        Ok(())
    }

    fn roots(&mut self, f: &File<'_>, raw: &RawValue) -> Result<(), Diagnostic> {
        let roots: Vec<RootShape> = f.read(raw.get())?;
        if let Some(root) = roots.into_iter().next() {
            let enabled = root
                .policy_types
                .iter()
                .filter(|t| t.status.as_deref() == Some("ENABLED"))
                .filter_map(|t| org_policy_kind(&t.kind))
                .collect();
            let org = self.org();
            org.root = Some(root.id);
            org.enabled = Some(enabled);
        }
        Ok(())
    }

    fn organization(&mut self, f: &File<'_>, raw: &RawValue) -> Result<(), Diagnostic> {
        let o: OrganizationShape = f.read(raw.get())?;
        let org = self.org();
        org.id = o.id;
        org.management_account = o.master_account_id;
        Ok(())
    }

    // ---- Other resource policies -------------------------------------------------------

    fn attributes(&mut self, f: &File<'_>, raw: &RawValue) -> Result<(), Diagnostic> {
        let a: AttributesShape<'_> = f.read(raw.get())?;
        let (arn, service) = match (a.queue_arn, a.topic_arn) {
            (Some(q), _) => (q, "sqs"),
            (None, Some(t)) => (t, "sns"),
            (None, None) => {
                return Err(f.warning(
                    "`Attributes` without `QueueArn` or `TopicArn`: ask for them (`--attribute-names Policy QueueArn`) so the policy names its resource; file skipped",
                ));
            }
        };
        self.resource_policy(ResourcePolicy {
            arn,
            service,
            document: a.policy.map(|p| f.doc_ref(p)),
            kms_key: a.kms_master_key_id.filter(|k| !k.is_empty()),
            account: None,
        });
        Ok(())
    }

    fn secret(
        &mut self,
        f: &File<'_>,
        arn: &RawValue,
        policy: &RawValue,
    ) -> Result<(), Diagnostic> {
        let arn: String = f.read(arn.get())?;
        let document = (policy.get() != "null").then(|| f.doc_ref(policy));
        self.resource_policy(ResourcePolicy {
            arn,
            service: "secretsmanager",
            document,
            kms_key: None,
            account: None,
        });
        Ok(())
    }

    fn lambda_policy(
        &mut self,
        f: &File<'_>,
        raw: &RawValue,
        doc: DocRef,
    ) -> Result<(), Diagnostic> {
        // `get-policy` does not name the function, but every statement Lambda writes has the
        // function ARN as its `Resource`. The CLI prints the policy as a JSON string; accept
        // an object too.
        let text: String = if raw.get().trim_start().starts_with('{') {
            raw.get().to_owned()
        } else {
            f.read(raw.get())?
        };
        let arn = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| {
                let statements = v.get("Statement")?;
                let first = statements
                    .as_array()
                    .and_then(|a| a.first())
                    .unwrap_or(statements);
                first.get("Resource")?.as_str().map(str::to_owned)
            });
        let Some(arn) = arn else {
            return Err(f.warning(
                "a Lambda function policy whose first statement has no `Resource`: cannot tell which function it belongs to; file skipped",
            ));
        };
        self.resource_policy(ResourcePolicy {
            arn,
            service: "lambda",
            document: Some(doc),
            kms_key: None,
            account: None,
        });
        Ok(())
    }

    fn resource_policy(&mut self, mut p: ResourcePolicy) {
        p.account = p
            .arn
            .split(':')
            .nth(4)
            .filter(|a| !a.is_empty())
            .map(str::to_owned);
        if !self
            .snapshot
            .resource_policies
            .iter()
            .any(|x| x.arn == p.arn)
        {
            self.snapshot.resource_policies.push(p);
        }
    }
}

/// `KEY_ID` of a folder named by key id or key ARN.
pub(crate) fn key_id_of(text: &str) -> &str {
    text.rsplit_once(":key/").map_or(text, |(_, id)| id)
}

fn inline(f: &File<'_>, list: Vec<InlineShape<'_>>) -> Vec<InlinePolicy> {
    list.into_iter()
        .map(|p| InlinePolicy {
            name: p.policy_name,
            document: f.doc_ref(p.policy_document),
        })
        .collect()
}

fn arns(list: Vec<AttachedShape>) -> Vec<String> {
    list.into_iter().map(|a| a.policy_arn).collect()
}

fn tags(list: Vec<TagShape>) -> Vec<Tag> {
    list.into_iter().map(|t| (t.key, t.value)).collect()
}

// ---- Output shapes (AWS CLI reference; unknown fields are ignored) ----------------------

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InlineShape<'a> {
    policy_name: String,
    #[serde(borrow)]
    policy_document: &'a RawValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttachedShape {
    policy_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BoundaryShape {
    permissions_boundary_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagShape {
    key: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserShape<'a> {
    path: Option<String>,
    user_name: String,
    user_id: Option<String>,
    arn: String,
    #[serde(default, borrow)]
    user_policy_list: Vec<InlineShape<'a>>,
    #[serde(default)]
    group_list: Vec<String>,
    #[serde(default)]
    attached_managed_policies: Vec<AttachedShape>,
    permissions_boundary: Option<BoundaryShape>,
    #[serde(default)]
    tags: Vec<TagShape>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupShape<'a> {
    group_name: String,
    arn: String,
    #[serde(default, borrow)]
    group_policy_list: Vec<InlineShape<'a>>,
    #[serde(default)]
    attached_managed_policies: Vec<AttachedShape>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceProfileShape {
    instance_profile_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoleShape<'a> {
    path: Option<String>,
    role_name: String,
    role_id: Option<String>,
    arn: String,
    #[serde(borrow)]
    assume_role_policy_document: Option<&'a RawValue>,
    #[serde(default)]
    instance_profile_list: Vec<InstanceProfileShape>,
    #[serde(default, borrow)]
    role_policy_list: Vec<InlineShape<'a>>,
    #[serde(default)]
    attached_managed_policies: Vec<AttachedShape>,
    permissions_boundary: Option<BoundaryShape>,
    #[serde(default)]
    tags: Vec<TagShape>,
}

/// `get-account-authorization-details` whole (other keys, `IsTruncated`, `Marker`, ignored).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AuthDetailsShape<'a> {
    #[serde(borrow)]
    user_detail_list: Option<Vec<UserShape<'a>>>,
    #[serde(borrow)]
    group_detail_list: Option<Vec<GroupShape<'a>>>,
    #[serde(borrow)]
    role_detail_list: Option<Vec<RoleShape<'a>>>,
    #[serde(borrow)]
    policies: Option<Vec<PolicyShape<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VersionShape<'a> {
    #[serde(borrow)]
    document: Option<&'a RawValue>,
    version_id: String,
    is_default_version: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyShape<'a> {
    policy_name: Option<String>,
    arn: String,
    default_version_id: Option<String>,
    #[serde(default, borrow)]
    policy_version_list: Vec<VersionShape<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EncryptionShape {
    #[serde(default)]
    rules: Vec<EncryptionRuleShape>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EncryptionRuleShape {
    apply_server_side_encryption_by_default: Option<EncryptionDefaultShape>,
    bucket_key_enabled: Option<bool>,
}

#[derive(Deserialize)]
struct EncryptionDefaultShape {
    #[serde(rename = "SSEAlgorithm")]
    sse_algorithm: String,
    #[serde(rename = "KMSMasterKeyID")]
    kms_master_key_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PabShape {
    block_public_acls: Option<bool>,
    ignore_public_acls: Option<bool>,
    block_public_policy: Option<bool>,
    restrict_public_buckets: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyMetadataShape {
    key_id: String,
    arn: Option<String>,
    key_manager: Option<String>,
    key_state: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GrantShape {
    key_id: Option<String>,
    grant_id: Option<String>,
    name: Option<String>,
    grantee_principal: Option<String>,
    #[serde(default)]
    operations: Vec<String>,
    constraints: Option<GrantConstraintsShape>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GrantConstraintsShape {
    encryption_context_equals: Option<BTreeMap<String, String>>,
    encryption_context_subset: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AliasShape {
    alias_name: String,
    alias_arn: Option<String>,
    target_key_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ParentShape {
    id: String,
    #[serde(rename = "Type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicySummaryShape {
    id: String,
    arn: Option<String>,
    name: Option<String>,
    #[serde(rename = "Type")]
    kind: Option<String>,
    aws_managed: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribePolicyShape<'a> {
    policy_summary: PolicySummaryShape,
    #[serde(borrow)]
    content: &'a RawValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyTypeShape {
    #[serde(rename = "Type")]
    kind: String,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RootShape {
    id: String,
    #[serde(default)]
    policy_types: Vec<PolicyTypeShape>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct OrganizationShape {
    id: Option<String>,
    master_account_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttributesShape<'a> {
    #[serde(borrow)]
    policy: Option<&'a RawValue>,
    queue_arn: Option<String>,
    topic_arn: Option<String>,
    kms_master_key_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_from_serde_positions() {
        let text = "{\n  \"a\": 1,\n  \"b\": x\n}";
        assert_eq!(offset_of(text, 3, 8), text.find('x').unwrap());
        assert_eq!(offset_of(text, 9, 1), text.len());
        assert_eq!(
            strip_position("EOF while parsing at line 3 column 1"),
            "EOF while parsing"
        );
    }

    #[test]
    fn key_ids() {
        assert_eq!(
            key_id_of("arn:aws:kms:us-east-1:111122223333:key/abc"),
            "abc"
        );
        assert_eq!(key_id_of("abc"), "abc");
    }
}
