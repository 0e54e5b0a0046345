//! Scenario file → [`Scenario`]s. Unknown keys are errors (with a suggestion); every error
//! names the place in the file.

mod fast;
mod policies;
mod principal;

use iamwhy_core::PolicyKind;
use iamwhy_core::time::{Instant, parse_date};
use iamwhy_core::{
    Action, Arn, Context, ContextValue, Diagnostic, Diagnostics, Principal, PrincipalFacts,
    Resource, SourceId, SourceMap, Span,
};
use std::collections::HashMap;
use std::sync::Arc;

use iamwhy_eval::{Policy, PolicySet, SetId};
use iamwhy_policy::json::{self, JsonValue};
use iamwhy_policy::{PolicyDocument, edit_distance};
use jsonc_parser::ast::ObjectProp;

use super::{Expectation, Relocation, Scenario};
use crate::simulate::vocabulary::{ActionChecks, UnknownActions, unknown_request_action};

const SCENARIO_KEYS: &[&str] = &[
    "name",
    "principal",
    "action",
    "resource",
    "resource_account",
    "context",
    "derive_context",
    "current_time",
    "identity_policies",
    "permissions_boundary",
    "session_policies",
    "resource_policy",
    "scps",
    "rcps",
    "vpc_endpoint_policies",
    "kms_grants",
    "management_account",
    "options",
    "expect",
];

const PRINCIPAL_KEYS: &[&str] = &[
    "arn",
    "role_arn",
    "unique_id",
    "tags",
    "session_tags",
    "parent_user",
    "mfa",
    "mfa_age_seconds",
    "credential_type",
    "token_issue_time",
    "source_identity",
    "canonical_user_id",
    "org_id",
    "org_paths",
    "service",
    "federated",
];

const POLICY_WRAPPER_KEYS: &[&str] = &["name", "arn", "document"];
const GRANT_KEYS: &[&str] = &[
    "name",
    "key_arn",
    "grantee",
    "operations",
    "encryption_context_equals",
    "encryption_context_subset",
];
const OPTION_KEYS: &[&str] = &["not_principal", "trust_policy_respects_boundary"];
const EXPECT_KEYS: &[&str] = &["decision", "denied_by", "message", "deciding"];

/// What the command line adds to or replaces in every scenario of a file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// Replaces the principal.
    pub principal: Option<String>,
    /// Replace the actions.
    pub actions: Vec<String>,
    /// Replace the resources.
    pub resources: Vec<String>,
    /// Added to (or replacing keys of) the context.
    pub context: Vec<(String, ContextValue)>,
    /// Session policy files (already registered in the source map), added to the session
    /// policies.
    pub session_policies: Vec<SourceId>,
    /// Replaces the expectation.
    pub expect: Option<Expectation>,
    /// How an action the service catalog does not know is reported.
    pub unknown_actions: UnknownActions,
}

impl Overrides {
    /// Whether the principal, the actions or the resources are replaced: the request is no
    /// longer the one the file describes.
    pub fn replaces_request(&self) -> bool {
        self.principal.is_some() || !self.actions.is_empty() || !self.resources.is_empty()
    }
}

/// Parses a scenario file: one scenario object or an array of them. Returns the scenarios
/// and the warnings found on the way (policies AWS accepts but that may not do what was
/// meant).
pub fn parse_scenarios(
    map: &mut SourceMap,
    source: SourceId,
    overrides: &Overrides,
) -> Result<(Vec<Scenario>, Vec<Diagnostic>), Diagnostics> {
    let text = json::source_text(map, source)?;
    let file_name = map.name(source).to_owned();
    let mut reader = Reader {
        source,
        base: 0,
        text: text.clone(),
        diagnostics: Vec::new(),
        documents: HashMap::default(),
        texts: HashMap::default(),
        skipped: Vec::new(),
        retry: false,
        managed: HashMap::default(),
        actions: ActionChecks::default(),
    };
    let mut scenarios = Vec::new();
    // An array of scenario objects is read one element at a time, each parsed as a part of
    // the file and its tree dropped once read: memory follows one scenario and the distinct
    // policy documents, not the whole file's tree. Anything unusual (or invalid) takes the
    // whole-file path, which reports the first syntax error as a whole-file parse does.
    // The elements are found on a thread of their own while the batches found are read:
    // the scan over the whole text overlaps the reading.
    let read_all = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(usize, usize)>>(4);
        let scanned: &str = &text;
        let scanner = scope.spawn(move || array_batches(scanned, |b| tx.send(b).is_ok()));
        // Elements are read in batches, each element of a batch on any core, documents
        // compiled in earlier batches left unread (the first batch is small: it meets most
        // documents first); then each is turned into a scenario in order.
        let mut done = 0usize;
        let mut only_one = false;
        for chunk in rx.iter() {
            if done == 0 {
                // A first batch shorter than FIRST_BATCH is the whole array.
                only_one = chunk.len() == 1;
            }
            let read_fast: Vec<Option<fast::Element<'_>>> = {
                use rayon::prelude::*;
                let reader = &reader;
                let text = &text;
                chunk
                    .par_iter()
                    .map(|&(start, end)| {
                        fast::parse(text.get(start..end)?, &|t| reader.is_known(t))
                    })
                    .collect()
            };
            for (i, (&(start, end), fast)) in (done..).zip(chunk.iter().zip(read_fast)) {
                let (Some(part), Some(slice)) =
                    (map.add_part(source, start, end), text.get(start..end))
                else {
                    return false;
                };
                let default_name = if only_one {
                    file_name.clone()
                } else {
                    format!("{file_name}#{i}")
                };
                reader.source = part;
                reader.base = start;
                // Should a document left unread be needed after all (the same text used as
                // another kind of policy), the element is read again in full.
                let before = reader.diagnostics.len();
                let mut read = None;
                if let Some(element) = fast {
                    reader.skipped = element
                        .skipped
                        .iter()
                        .map(|s| s.saturating_add(start))
                        .collect();
                    reader.retry = false;
                    read =
                        Some(reader.scenario(map, &element.value, default_name.clone(), overrides));
                    reader.skipped.clear();
                    if reader.retry {
                        reader.diagnostics.truncate(before);
                        read = None;
                    }
                }
                let scenario = match read {
                    Some(s) => s,
                    None => {
                        let Ok(item) = json::parse(part, slice) else {
                            return false;
                        };
                        reader.scenario(map, &item, default_name, overrides)
                    }
                };
                if let Some(s) = scenario {
                    scenarios.push(s);
                }
            }
            done = done.saturating_add(chunk.len());
        }
        // The scan tells whether the text was such an array to its end.
        done > 0 && scanner.join().unwrap_or(false)
    });
    if read_all {
        return reader.finish(scenarios);
    }
    whole_file(map, source, &text, &file_name, reader, overrides)
}

/// How many elements of a file are read before the first are turned into scenarios: the
/// first documents are met there, and read in full.
const FIRST_BATCH: usize = 16;
/// How many elements are read (in parallel) at a time after the first batch.
const BATCH: usize = 256;

/// [`parse_scenarios`] over the tree of the whole file.
fn whole_file(
    map: &mut SourceMap,
    source: SourceId,
    text: &str,
    file_name: &str,
    mut reader: Reader,
    overrides: &Overrides,
) -> Result<(Vec<Scenario>, Vec<Diagnostic>), Diagnostics> {
    let root = json::parse(source, text).map_err(Diagnostics::single)?;
    let items: Vec<&JsonValue<'_>> = match &root {
        JsonValue::Object(_) => vec![&root],
        JsonValue::Array(a) => a.elements.iter().collect(),
        other => {
            return Err(Diagnostics::single(
                Diagnostic::error(
                    "scenario",
                    format!(
                        "expected a scenario object or an array of them, found {}",
                        json::describe(other)
                    ),
                    json::span(source, other),
                )
                .with_help("a scenario names `principal`, `action`, `resource` and the policies"),
            ));
        }
    };
    // What the element-at-a-time path read before giving up is read again.
    reader.diagnostics.clear();
    reader.source = source;
    reader.base = 0;
    let mut scenarios = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let default_name = if items.len() == 1 {
            file_name.to_owned()
        } else {
            format!("{file_name}#{i}")
        };
        if let Some(s) = reader.scenario(map, item, default_name, overrides) {
            scenarios.push(s);
        }
    }
    reader.finish(scenarios)
}

/// Finds the elements of a JSON array of objects that is the whole of `text` (JSON
/// whitespace around), by matching braces outside strings, and hands their byte ranges to
/// `send` in batches ([`FIRST_BATCH`] elements, then [`BATCH`] at a time; only the last
/// batch is shorter) until `send` refuses one. Whether `text` is such an array: `false`
/// when it is not, or looks malformed (each element is then parsed strictly).
fn array_batches(text: &str, mut send: impl FnMut(Vec<(usize, usize)>) -> bool) -> bool {
    let b = text.as_bytes();
    let skip = |mut i: usize| {
        while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            i = i.saturating_add(1);
        }
        i
    };
    let mut i = skip(0);
    if b.get(i) != Some(&b'[') {
        return false;
    }
    i = skip(i.saturating_add(1));
    if b.get(i) == Some(&b']') {
        return false;
    }
    let mut size = FIRST_BATCH;
    let mut batch = Vec::with_capacity(size);
    loop {
        if b.get(i) != Some(&b'{') {
            return false;
        }
        let Some(end) = fast::object_end(b, i) else {
            return false;
        };
        batch.push((i, end));
        i = skip(end);
        match b.get(i) {
            Some(b',') => i = skip(i.saturating_add(1)),
            Some(b']') => {
                return skip(i.saturating_add(1)) == b.len() && send(batch);
            }
            _ => return false,
        }
        if batch.len() == size {
            size = BATCH;
            if !send(std::mem::replace(&mut batch, Vec::with_capacity(size))) {
                return false;
            }
        }
    }
}

impl Reader {
    /// Whether `text` is the text of a document compiled before, of any kind.
    fn is_known(&self, text: &str) -> bool {
        self.texts.get(&foldhash_one(text)).is_some_and(|seen| {
            seen.iter().any(|&(s, len)| {
                len == text.len() && self.text.get(s..s.saturating_add(len)) == Some(text)
            })
        })
    }

    /// The scenarios read, or every error found.
    fn finish(
        self,
        scenarios: Vec<Scenario>,
    ) -> Result<(Vec<Scenario>, Vec<Diagnostic>), Diagnostics> {
        if self.diagnostics.iter().any(Diagnostic::is_error) {
            return Err(Diagnostics::new(self.diagnostics));
        }
        Ok((scenarios, self.diagnostics))
    }
}

struct Reader {
    /// What spans are made in: the file, or the part of it being read.
    source: SourceId,
    /// Where `source` starts in the file.
    base: usize,
    /// The file's text.
    text: iamwhy_core::SharedText,
    diagnostics: Vec<Diagnostic>,
    /// The policy documents compiled so far, by kind and hash of their bytes (a hash may
    /// stand for several texts; each entry's bytes are compared on a hit).
    documents: HashMap<(PolicyKind, u64), Vec<CachedDocument>, foldhash::fast::FixedState>,
    /// The texts of `documents`, whatever their kind, by hash: `(start, len)` in the file.
    texts: HashMap<u64, Vec<(usize, usize)>, foldhash::fast::FixedState>,
    /// Where (in the file) the documents start that the element being read left unread as
    /// compiled before (see [`fast`]).
    skipped: Vec<usize>,
    /// Set when a document left unread is not compiled for the kind it is read as here: the
    /// element must be read again in full.
    retry: bool,
    /// The AWS managed policies named by ARN so far, by kind and ARN, with their warnings.
    managed: HashMap<(PolicyKind, &'static str), CachedManaged>,
    /// Each distinct `Action`/`NotAction` entry, checked against the catalog once.
    actions: ActionChecks,
}

/// An AWS managed policy's compiled document and its warnings.
type CachedManaged = (Arc<PolicyDocument>, Vec<Diagnostic>);

/// A policy document compiled from the bytes `start..start + len` of the file, with its
/// warnings (located there).
struct CachedDocument {
    start: usize,
    len: usize,
    document: Arc<PolicyDocument>,
    warnings: Vec<Diagnostic>,
}

/// A 64-bit hash of a document's bytes (fixed seed: the run's output never depends on it).
fn foldhash_one(text: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(text)
}

/// `d` moved `delta` bytes later in its file (located in the file itself, not in the part
/// of it it was found in).
fn shifted(map: &SourceMap, d: &Diagnostic, delta: u32) -> Diagnostic {
    let mut d = d.clone();
    d.span = d.span.map(|s| map.to_root(s).shifted(delta));
    d
}

/// Sets aside the byte distances of a group's shared documents, keeping the policies.
fn located(
    relocated: &mut Vec<Relocation>,
    set: SetId,
    policies: Vec<(Policy, u32)>,
) -> Vec<Policy> {
    policies
        .into_iter()
        .zip(0u32..)
        .map(|((policy, delta), index)| {
            if delta != 0 {
                relocated.push(Relocation {
                    set,
                    policy: index,
                    delta,
                });
            }
            policy
        })
        .collect()
}

fn suggest(key: &str, known: &[&str]) -> Option<String> {
    known
        .iter()
        .map(|k| (edit_distance(&key.to_ascii_lowercase(), k), k))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| format!("did you mean `{k}`?"))
}

fn kind_for(resources: &[Resource]) -> PolicyKind {
    let all = |f: &dyn Fn(&Arn<'_>) -> bool| {
        !resources.is_empty() && resources.iter().all(|r| r.arn().is_some_and(|a| f(&a)))
    };
    if all(&|a| a.service == "iam" && a.resource_type() == "role") {
        PolicyKind::TrustPolicy
    } else if all(&|a| a.service == "kms" && a.resource_type() == "key") {
        PolicyKind::KeyPolicy
    } else {
        PolicyKind::Resource
    }
}

impl Reader {
    fn span(&self, v: &JsonValue<'_>) -> Span {
        json::span(self.source, v)
    }

    fn error(&mut self, message: impl Into<String>, span: Span) {
        self.diagnostics
            .push(Diagnostic::error("scenario", message, span));
    }

    fn wrong_type(&mut self, key: &str, expected: &str, v: &JsonValue<'_>) {
        let span = self.span(v);
        self.error(
            format!("`{key}` must be {expected}, found {}", json::describe(v)),
            span,
        );
    }

    /// Checks keys against a list, reporting unknown and duplicate ones.
    fn check_keys(&mut self, what: &str, props: &[ObjectProp<'_>], known: &[&str]) {
        self.diagnostics
            .extend(json::duplicate_keys(self.source, props));
        for p in props {
            let k = json::key(p);
            if !known.contains(&k) {
                let mut d = Diagnostic::error(
                    "unknown-key",
                    format!("unknown {what} key `{k}`"),
                    json::key_span(self.source, p),
                );
                if let Some(s) = suggest(k, known) {
                    d = d.with_help(s);
                }
                self.diagnostics.push(d);
            }
        }
    }

    fn string<'v>(&mut self, key: &str, v: &'v JsonValue<'v>) -> Option<&'v str> {
        match v {
            JsonValue::StringLit(s) => Some(s.value.as_ref()),
            other => {
                self.wrong_type(key, "a string", other);
                None
            }
        }
    }

    fn boolean(&mut self, key: &str, v: &JsonValue<'_>) -> Option<bool> {
        match v {
            JsonValue::BooleanLit(b) => Some(b.value),
            other => {
                self.wrong_type(key, "`true` or `false`", other);
                None
            }
        }
    }

    /// A string or a list of strings.
    fn strings<'v>(&mut self, key: &str, v: &'v JsonValue<'v>) -> Vec<(&'v str, Span)> {
        match v {
            JsonValue::StringLit(s) => vec![(s.value.as_ref(), self.span(v))],
            JsonValue::Array(a) => a
                .elements
                .iter()
                .filter_map(|e| {
                    let span = self.span(e);
                    self.string(key, e).map(|s| (s, span))
                })
                .collect(),
            other => {
                self.wrong_type(key, "a string or a list of strings", other);
                Vec::new()
            }
        }
    }

    /// An object mapping strings to strings (tags, encryption contexts).
    fn string_map(&mut self, key: &str, v: &JsonValue<'_>) -> Vec<(String, String)> {
        let JsonValue::Object(o) = v else {
            self.wrong_type(key, "an object of strings", v);
            return Vec::new();
        };
        self.diagnostics
            .extend(json::duplicate_keys(self.source, &o.properties));
        o.properties
            .iter()
            .filter_map(|p| {
                let value = self.string(key, &p.value)?;
                Some((json::key(p).to_owned(), value.to_owned()))
            })
            .collect()
    }

    fn scenario(
        &mut self,
        map: &mut SourceMap,
        value: &JsonValue<'_>,
        default_name: String,
        overrides: &Overrides,
    ) -> Option<Scenario> {
        let JsonValue::Object(obj) = value else {
            self.wrong_type("scenario", "an object", value);
            return None;
        };
        let errors_before = self.error_count();
        self.check_keys("scenario", &obj.properties, SCENARIO_KEYS);
        let span = self.span(value);
        let get = |k: &str| json::member(&obj.properties, k);

        let name = get("name")
            .and_then(|v| self.string("name", v))
            .map_or(default_name, str::to_owned);

        // Principal.
        let (principal, facts) = match &overrides.principal {
            Some(text) => match Principal::parse(text) {
                Ok(p) => (Some(p), PrincipalFacts::default()),
                Err(e) => {
                    self.diagnostics.push(Diagnostic {
                        span: None,
                        ..Diagnostic::error("scenario", format!("--principal: {e}"), span)
                    });
                    (None, PrincipalFacts::default())
                }
            },
            None => match get("principal") {
                Some(v) => self.principal(v),
                None => {
                    self.error("missing `principal` in this scenario", span);
                    (None, PrincipalFacts::default())
                }
            },
        };

        // Actions and resources.
        let actions = self.requested(
            "action",
            get("action"),
            &overrides.actions,
            span,
            |s| Action::parse(s).map_err(|e| e.to_string()),
            |text, sp| unknown_request_action(text, sp, overrides.unknown_actions),
        );
        let resources = self.requested(
            "resource",
            get("resource"),
            &overrides.resources,
            span,
            |s| Resource::parse(s).map_err(|e| e.to_string()),
            |_, _| None,
        );

        let resource_account = get("resource_account").and_then(|v| {
            let s = self.string("resource_account", v)?;
            if !iamwhy_core::is_account_id(s) {
                let sp = self.span(v);
                self.error(
                    format!("`resource_account` must be a 12-digit account id, found `{s}`"),
                    sp,
                );
            }
            Some(s.to_owned())
        });

        let mut context = Context::new();
        if let Some(v) = get("context") {
            self.context(v, &mut context);
        }
        for (k, v) in &overrides.context {
            context.insert(k, v.clone());
        }
        let derive_context = get("derive_context")
            .and_then(|v| self.boolean("derive_context", v))
            .unwrap_or(true);
        let current_time = get("current_time").and_then(|v| {
            let s = self.string("current_time", v)?;
            let t = parse_date(s);
            if t.is_none() {
                let sp = self.span(v);
                self.error(
                    format!(
                        "`current_time` must be an ISO 8601 date or epoch seconds, found `{s}`"
                    ),
                    sp,
                );
            }
            t
        });

        // Policies.
        let mut policies = PolicySet::default();
        let mut relocated = Vec::new();
        if let Some(v) = get("identity_policies") {
            let list = self.policy_list(map, "identity_policies", v, PolicyKind::Identity);
            policies.identity = located(&mut relocated, SetId::Identity, list);
        }
        if let Some(v) = get("permissions_boundary") {
            let one = self.policy(
                map,
                "permissions_boundary",
                v,
                PolicyKind::PermissionsBoundary,
            );
            policies.permissions_boundary = located(
                &mut relocated,
                SetId::PermissionsBoundary,
                one.into_iter().collect(),
            )
            .pop();
        }
        if let Some(v) = get("session_policies") {
            let list = self.policy_list(map, "session_policies", v, PolicyKind::Session);
            policies.session = Some(located(&mut relocated, SetId::Session, list));
        }
        for id in &overrides.session_policies {
            match iamwhy_policy::parse_policy(map, *id, PolicyKind::Session) {
                Ok(document) => policies.session.get_or_insert_with(Vec::new).push(Policy {
                    name: map.name(*id).to_owned(),
                    arn: None,
                    document: document.into(),
                }),
                Err(e) => self.diagnostics.extend(e),
            }
        }
        if let Some(v) = get("resource_policy") {
            let kind = kind_for(&resources);
            let one = self.policy(map, "resource_policy", v, kind);
            policies.resource =
                located(&mut relocated, SetId::Resource, one.into_iter().collect()).pop();
        }
        if let Some(v) = get("scps") {
            let levels = self.levels(map, "scps", v, PolicyKind::Scp);
            policies.scps = Some(
                levels
                    .into_iter()
                    .zip(0u16..)
                    .map(|(l, i)| located(&mut relocated, SetId::Scp(i), l))
                    .collect(),
            );
        }
        if let Some(v) = get("rcps") {
            let levels = self.levels(map, "rcps", v, PolicyKind::Rcp);
            policies.rcps = Some(
                levels
                    .into_iter()
                    .zip(0u16..)
                    .map(|(l, i)| located(&mut relocated, SetId::Rcp(i), l))
                    .collect(),
            );
        }
        if let Some(v) = get("vpc_endpoint_policies") {
            let list = self.policy_list(map, "vpc_endpoint_policies", v, PolicyKind::VpcEndpoint);
            // Each endpoint's policy is a group of its own (`SetId::VpcEndpoint(i)`).
            policies.vpc_endpoints = list
                .into_iter()
                .zip(0u16..)
                .flat_map(|(p, i)| located(&mut relocated, SetId::VpcEndpoint(i), vec![p]))
                .collect();
        }
        if let Some(v) = get("kms_grants") {
            policies.kms_grants = self.grants(v);
        }
        if let Some(v) = get("management_account") {
            policies.management_account = self.string("management_account", v).map(str::to_owned);
        }
        let options = get("options").map(|v| self.options(v)).unwrap_or_default();
        let expect = match (&overrides.expect, get("expect")) {
            (Some(e), _) => Some(e.clone()),
            (None, Some(v)) if overrides.replaces_request() => {
                // The file's `expect` describes the file's own request; checked against a
                // request the command line changed, it would fail (or pass) for no reason.
                let span = self.span(v);
                self.diagnostics.push(Diagnostic::warning(
                    "scenario",
                    "this `expect` is not checked: the command line replaces the request it describes (give `--expect` to check the new one)",
                    span,
                ));
                None
            }
            (None, v) => v.and_then(|v| self.expectation(v)),
        };

        // A federated user's identity policies are its parent user's (spec §4.1).
        if let Some(Principal::FederatedUser(f)) = &principal
            && f.parent_user.is_none()
            && !policies.identity.is_empty()
        {
            self.diagnostics.push(Diagnostic::warning(
                "scenario",
                "a federated user's identity-based policies are those of the IAM user that called GetFederationToken: name it with `parent_user`",
                span,
            ));
        }

        if self.error_count() > errors_before {
            return None;
        }
        Some(Scenario {
            name,
            span,
            principal: principal?,
            facts,
            actions,
            resources,
            resource_account,
            context,
            derive_context,
            current_time,
            policies,
            relocated,
            options,
            expect,
        })
    }

    fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// `action` or `resource`: a string or list from the file, unless overridden.
    fn requested<T>(
        &mut self,
        key: &str,
        value: Option<&JsonValue<'_>>,
        overridden: &[String],
        scenario_span: Span,
        parse: impl Fn(&str) -> Result<T, String>,
        check: impl Fn(&str, Span) -> Option<Diagnostic>,
    ) -> Vec<T> {
        if !overridden.is_empty() {
            let mut out = Vec::new();
            for text in overridden {
                match parse(text) {
                    Ok(t) => {
                        if let Some(d) = check(text, scenario_span) {
                            self.diagnostics.push(Diagnostic {
                                span: None,
                                message: format!("--{key}: {}", d.message),
                                ..d
                            });
                        }
                        out.push(t);
                    }
                    Err(e) => self.diagnostics.push(Diagnostic {
                        span: None,
                        ..Diagnostic::error("scenario", format!("--{key}: {e}"), scenario_span)
                    }),
                }
            }
            return out;
        }
        let Some(value) = value else {
            self.error(format!("missing `{key}` in this scenario"), scenario_span);
            return Vec::new();
        };
        let items = self.strings(key, value);
        if items.is_empty() {
            let sp = self.span(value);
            self.error(format!("`{key}` is empty"), sp);
        }
        items
            .into_iter()
            .filter_map(|(text, span)| match parse(text) {
                Ok(t) => {
                    if let Some(d) = check(text, span) {
                        self.diagnostics.push(d);
                    }
                    Some(t)
                }
                Err(e) => {
                    self.error(e, span);
                    None
                }
            })
            .collect()
    }

    fn context(&mut self, v: &JsonValue<'_>, context: &mut Context) {
        let JsonValue::Object(o) = v else {
            self.wrong_type("context", "an object of context keys", v);
            return;
        };
        self.diagnostics
            .extend(json::duplicate_keys(self.source, &o.properties));
        for p in &o.properties {
            let key = json::key(p);
            let scalar = |v: &JsonValue<'_>| match v {
                JsonValue::StringLit(s) => Some(s.value.to_string()),
                JsonValue::NumberLit(n) => Some(n.value.to_owned()),
                JsonValue::BooleanLit(b) => Some(b.value.to_string()),
                _ => None,
            };
            let value = match &p.value {
                JsonValue::Array(a) => {
                    let mut values = Vec::new();
                    for e in &a.elements {
                        match scalar(e) {
                            Some(s) => values.push(s),
                            None => self.wrong_type(key, "a string, number or boolean", e),
                        }
                    }
                    ContextValue::Multi(values)
                }
                other => match scalar(other) {
                    Some(s) => ContextValue::Single(s),
                    None => {
                        self.wrong_type(key, "a string, number, boolean or a list of them", other);
                        continue;
                    }
                },
            };
            context.insert(key, value);
        }
    }
}

/// Converts a time for a scenario's `current_time`.
pub(crate) fn now_or_current(t: Option<Instant>) -> Instant {
    t.unwrap_or_else(Instant::now)
}
