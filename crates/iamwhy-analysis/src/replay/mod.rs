//! `iamwhy replay`: every call of a log evaluated again against the snapshot and compared
//! with what CloudTrail recorded, and, with candidate changes, the calls the change would
//! newly deny or newly allow (story 4).
//!
//! Each record is evaluated on its own: the calls services make on a principal's behalf
//! (S3's `kms:Decrypt`) are records of their own, so the hidden checks of the simulator are
//! not added — except for a recorded denial the request alone does not explain, whose
//! operation is then evaluated in full, hidden checks included. The policies of a (principal, resource owner) pair are gathered once and
//! kept; a decision then costs one evaluation without explanations.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::simulate::resource_facts;
use iamwhy_catalog::Catalog;
use iamwhy_core::time::Instant;
use iamwhy_core::{
    Context, ContextValue, Decision, Diagnostics, Principal, Request, SourceId, SourceMap,
    normalize_key,
};
use iamwhy_eval::{
    ContextReads, EvalOptions, Policy, PolicySet, authorize, derive_principal_context,
    derive_request_context,
};
use iamwhy_policy::{KeyUse, parse_ip};
use iamwhy_snapshot::{Changes, PrincipalPolicies, ResolvedPrincipal, ResourceSide, Snapshot};
use iamwhy_trail::filter::Filter;
use iamwhy_trail::input::Inputs;
use iamwhy_trail::scan::Origin;
use iamwhy_trail::{DenialMessage, Event, Scan, Stats, scan};
use serde::Serialize;

use crate::request::{Reconstructed, Unexplained, UnexplainedKind, from_event};

mod sessions;

pub use sessions::{RecordedSession, collect_sessions, recorded_session};

/// Most disagreements and examples listed one by one.
pub const LISTED: usize = 50;

/// What CloudTrail recorded about a call's authorization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recorded {
    /// No error.
    Allowed,
    /// An authorization error code.
    Denied,
    /// Another error (throttling, validation, not found): authorization may not have run.
    OtherError,
}

/// A record, as a listing cites it.
#[derive(Clone, Debug, Serialize)]
pub struct CallRef {
    /// `eventTime`.
    pub time: String,
    /// `eventID`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// `service:EventName`.
    pub call: String,
    /// `errorCode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// `file:line`.
    pub at: String,
}

impl CallRef {
    /// The record at `origin`.
    pub fn of(event: &Event, origin: &Origin) -> CallRef {
        CallRef {
            time: event.event_time.clone(),
            event_id: event.event_id.clone(),
            call: event.action_label(),
            error_code: event.error_code.clone(),
            at: format!("{}:{}", origin.file, origin.line),
        }
    }
}

/// What CloudTrail recorded about a call.
pub(crate) fn recorded_of(event: &Event) -> Recorded {
    match (&event.error_code, event.is_denied()) {
        (None, _) => Recorded::Allowed,
        (Some(_), true) => Recorded::Denied,
        (Some(_), false) => Recorded::OtherError,
    }
}

/// A call where the snapshot and CloudTrail differ, or that a change affects.
#[derive(Clone, Debug, Serialize)]
pub struct Listed {
    /// The record.
    pub event: CallRef,
    /// The principal.
    pub principal: String,
    /// The action evaluated.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// What CloudTrail recorded.
    pub recorded: Recorded,
    /// Our decision (before the changes).
    pub decision: Decision,
    /// Our decision with the changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Decision>,
}

/// Calls of one principal and action that a change affects.
#[derive(Clone, Debug, Serialize)]
pub struct Group {
    /// The principal.
    pub principal: String,
    /// The action.
    pub action: String,
    /// How many calls.
    pub calls: u64,
    /// Distinct resources (up to a few).
    pub resources: Vec<String>,
    /// The first call.
    pub example: CallRef,
}

/// Which calls could be evaluated, and why not the others.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Coverage {
    /// Records replayed (after de-duplication).
    pub events: u64,
    /// Records whose action(s) the mapping determined.
    pub mapped: u64,
    /// `mapped` as a share of the API calls that need authorization.
    pub mapping_coverage: f64,
    /// Records that need no authorization (console sign-ins, service events,
    /// GetCallerIdentity).
    pub not_authorized: u64,
    /// Records whose call the mapping does not know.
    pub unknown_action: u64,
    /// Records with a known action but another fact missing (principal of another account,
    /// resource not named).
    pub missing_facts: u64,
    /// Records whose principal the snapshot does not hold (a user or role missing from an
    /// account it holds; a principal of an account it does not hold counts here only when
    /// its decision depends on that account's policies).
    pub principal_not_in_snapshot: u64,
    /// Of those: principals of accounts the snapshot does not hold, whose calls everything
    /// else allows — the decision depends on their own policies (evaluated calls of such
    /// principals, denied whatever their policies say, count as `evaluated`).
    pub depends_on_unheld_account: u64,
    /// Records evaluated.
    pub evaluated: u64,
    /// Most frequent unknown calls, with counts.
    pub top_unknown_calls: Vec<(String, u64)>,
    /// Most frequent reasons for missing facts, with counts.
    pub top_missing: Vec<(String, u64)>,
}

/// What `replay` reports.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ReplayReport {
    /// Coverage.
    pub coverage: Coverage,
    /// Evaluated calls whose recorded outcome our decision matches.
    pub agreements: u64,
    /// Evaluated calls where we differ from CloudTrail.
    pub disagreement_count: u64,
    /// Of those: AWS denied, the snapshot allows.
    pub aws_denied_we_allow: u64,
    /// Of those: AWS allowed, the snapshot denies.
    pub aws_allowed_we_deny: u64,
    /// Evaluated calls that failed with another error (not compared).
    pub other_errors: u64,
    /// The first disagreements.
    pub disagreements: Vec<Listed>,
    /// With changes: calls that were allowed and would be denied, by principal and action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newly_denied: Option<Vec<Group>>,
    /// With changes: calls that were denied and would be allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newly_allowed: Option<Vec<Group>>,
    /// The changes, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
}

/// The two sides of the policies of a principal, as the account is and with the changes.
/// Shared by every session of a role (and every federated user of a parent user).
struct PolicyEntry {
    before: PrincipalPolicies,
    after: Option<PrincipalPolicies>,
    session: bool,
}

/// A principal of the log resolved against the snapshot, with its policies.
struct PrincipalEntry {
    who: ResolvedPrincipal,
    /// The context keys derived from the principal alone, derived once.
    base: Arc<Context>,
    key: Arc<str>,
    policies: Arc<PolicyEntry>,
    /// With `--federated-name` and a candidate session policy, an IAM user's calls are
    /// replayed, with the change, as the federated user its GetFederationToken call creates.
    federated: Option<Arc<Federated>>,
}

/// The federated user an IAM user's GetFederationToken creates (AWS STS API Reference,
/// "GetFederationToken": its `Name`, the user as parent, the session policies).
struct Federated {
    who: ResolvedPrincipal,
    base: Arc<Context>,
    /// The parent user's policies, with the changes.
    policies: PrincipalPolicies,
    /// The federated user's ARN and the parent's, for the simulator's evaluations.
    arn: String,
    parent: String,
}

/// The policy sets of a (principal, resource) pair.
struct Sets {
    before: PolicySet,
    after: Option<PolicySet>,
    side: ResourceSide,
    /// What the two sets read from the request context.
    reads: ContextReads,
}

/// Most decisions remembered (each entry is a key of a few hundred bytes): when full, the
/// memo starts again empty, so that memory stays bounded whatever the number of events
/// (issue 18: a memo of a million entries held about 400 MiB at 2 million events).
const MEMO_MAX: usize = 1 << 16;

/// Most entries of each of the other caches (principals, policies, resource sides, policy
/// sets); when full, a cache starts again empty.
const CACHE_MAX: usize = 1 << 16;

/// A remembered decision: before and with the changes. It holds the principal entry and the
/// policy sets its key names by address, so that no other entry can take those addresses while
/// the key exists, whatever the caches drop.
type Remembered = (Decision, Option<Decision>, Arc<PrincipalEntry>, Arc<Sets>);

/// Whether remembering decisions pays: a window of [`GAUGE_WINDOW`] look-ups in which fewer
/// than one in [`GAUGE_RATIO`] finds a decision turns the memo off for the next
/// [`GAUGE_PAUSE`] calls (keys, look-ups and inserts then cost more than they save: calls
/// that each name another object), after which it is tried again. Counted with relaxed
/// atomics: an estimate is enough, the answers are the same either way.
#[derive(Default)]
struct MemoGauge {
    /// Look-ups and hits of the current window (hits in the high 32 bits).
    window: AtomicU64,
    /// Calls left to replay without the memo.
    paused: AtomicU64,
}

/// See [`MemoGauge`].
const GAUGE_WINDOW: u64 = 4096;
/// See [`MemoGauge`].
const GAUGE_RATIO: u64 = 8;
/// See [`MemoGauge`].
const GAUGE_PAUSE: u64 = 1 << 16;

impl MemoGauge {
    /// Whether this call consults the memo.
    fn consult(&self) -> bool {
        let paused = self.paused.load(Ordering::Relaxed);
        if paused == 0 {
            return true;
        }
        self.paused
            .store(paused.saturating_sub(1), Ordering::Relaxed);
        false
    }

    /// Counts a look-up; at the end of a window, pauses the memo if it found too little.
    fn count(&self, hit: bool) {
        let add = if hit { (1 << 32) | 1 } else { 1 };
        let now = self
            .window
            .fetch_add(add, Ordering::Relaxed)
            .wrapping_add(add);
        let (hits, lookups) = (now >> 32, now & 0xffff_ffff);
        if lookups >= GAUGE_WINDOW {
            self.window.store(0, Ordering::Relaxed);
            if hits.saturating_mul(GAUGE_RATIO) < lookups {
                self.paused.store(GAUGE_PAUSE, Ordering::Relaxed);
            }
        }
    }
}

/// The key under which a decision is remembered: everything the decisions over `sets` can
/// depend on. The principal (with its facts) and the policy sets are the cached entries
/// themselves, named by address (the remembered decision keeps both alive); the action,
/// the other actions the call needs and the resource; the values of the context keys the
/// policies read (the keys derived from the principal and resource are functions of those),
/// or for a key read only by `IpAddress`/`NotIpAddress` which of the policies' networks
/// hold the value (nothing else of an address can change the decision); the time when a
/// policy reads `aws:CurrentTime` or `aws:EpochTime`. Fields are length-prefixed, so
/// requests that may be decided differently never share a key.
fn memo_key(entry: &Arc<PrincipalEntry>, sets: &Arc<Sets>, req: &Reconstructed) -> Vec<u8> {
    fn field(key: &mut Vec<u8>, bytes: &[u8]) {
        key.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
        key.extend_from_slice(bytes);
    }
    let mut key = Vec::with_capacity(256);
    key.extend_from_slice(&(Arc::as_ptr(entry) as usize).to_le_bytes());
    key.extend_from_slice(&(Arc::as_ptr(sets) as usize).to_le_bytes());
    field(&mut key, req.action.as_str().as_bytes());
    for a in &req.also_needs {
        field(&mut key, a.as_str().as_bytes());
    }
    key.push(0xff);
    field(&mut key, req.resource.as_str().as_bytes());
    let reads = &sets.reads;
    if reads.read("aws:currenttime").is_some() || reads.read("aws:epochtime").is_some() {
        let t = req.time.unwrap_or(Instant { secs: 0, nanos: 0 });
        key.extend_from_slice(&t.secs.to_le_bytes());
        key.extend_from_slice(&t.nanos.to_le_bytes());
    }
    for (k, v) in &req.context {
        let Some(read) = reads.read(&normalize_key(k)) else {
            continue;
        };
        field(&mut key, k.as_bytes());
        key.push(match v {
            ContextValue::Single(_) => 0xfe,
            ContextValue::Multi(_) => 0xfd,
        });
        for s in v.values() {
            match read {
                KeyUse::Value => field(&mut key, s.as_bytes()),
                // `IpAddress` tells values apart only by which networks hold them.
                KeyUse::Networks(nets) => match parse_ip(s) {
                    Some(ip) => {
                        key.push(1);
                        key.extend(nets.iter().map(|n| u8::from(n.contains(ip))));
                    }
                    None => key.push(0),
                },
            }
        }
        key.push(0xff);
    }
    key
}

/// An evaluated call.
pub struct Evaluated {
    /// What CloudTrail recorded.
    pub recorded: Recorded,
    /// Our decision (before the changes).
    pub decision: Decision,
    /// Our decision with the changes.
    pub after: Option<Decision>,
    /// The call in full, when a report lists it: a disagreement with CloudTrail, or a call
    /// the changes affect.
    pub listed: Option<Box<Listed>>,
    /// Whose policies decided: the role's ARN as the snapshot holds it (with its path) for a
    /// role session, the user's ARN for a user, the key [`Replayer::replace_identity`] takes;
    /// `None` for a principal of an account the snapshot does not hold.
    pub policy_key: Option<Arc<str>>,
}

/// What one record came to, computed on a worker thread.
pub enum Outcome {
    /// The record needs no authorization.
    NotAuthorized,
    /// The call is unknown to the mapping.
    UnknownAction(String),
    /// A fact is missing.
    Missing(String),
    /// The principal is not in the snapshot.
    UnknownPrincipal,
    /// The principal is of an account the snapshot does not hold, and everything else allows
    /// the call: the decision depends on that account's policies.
    DependsOnUnheldAccount,
    /// Evaluated.
    Evaluated(Evaluated),
    /// The snapshot could not be read for this record.
    Failed(Diagnostics),
}

/// An evaluated call: listed in full when our decision differs from CloudTrail's or the
/// changes change it.
fn evaluated(
    policy_key: Option<Arc<str>>,
    recorded: Recorded,
    before: Decision,
    after: Option<Decision>,
    req: Reconstructed,
    call: impl FnOnce() -> CallRef,
) -> Outcome {
    let allowed = before == Decision::Allowed;
    let disagrees = match recorded {
        Recorded::Allowed => !allowed,
        Recorded::Denied => allowed,
        Recorded::OtherError => false,
    };
    let changed = recorded != Recorded::OtherError
        && after.is_some_and(|a| (a == Decision::Allowed) != allowed);
    let listed = (disagrees || changed).then(|| {
        Box::new(Listed {
            event: call(),
            principal: req.principal,
            action: req.action.as_str().to_owned(),
            resource: req.resource.as_str().to_owned(),
            recorded,
            decision: before,
            after,
        })
    });
    Outcome::Evaluated(Evaluated {
        recorded,
        decision: before,
        after,
        listed,
        policy_key,
    })
}

type Cache<K, V> = RwLock<HashMap<K, V, foldhash::fast::RandomState>>;

fn cached<K, Q, V>(cache: &Cache<K, V>, key: &Q) -> Option<V>
where
    K: std::hash::Hash + Eq + std::borrow::Borrow<Q>,
    Q: std::hash::Hash + Eq + ?Sized,
    V: Clone,
{
    cache.read().ok()?.get(key).cloned()
}

/// Two strings as one cache key: the first one's length, `:`, both.
fn pair_key(a: &str, b: &str) -> String {
    format!("{}:{a}{b}", a.len())
}

/// Remembers `value`; a cache that holds [`CACHE_MAX`] entries starts again empty.
fn remember<K: std::hash::Hash + Eq, V>(cache: &Cache<K, V>, key: K, value: V) {
    if let Ok(mut c) = cache.write() {
        if c.len() >= CACHE_MAX {
            c.clear();
        }
        c.insert(key, value);
    }
}

/// Why a recorded session's policies cannot be used.
const UNREADABLE: &str = "session policies unknown: the session policies the trail records for the session could not be read (or name a managed policy the snapshot does not hold)";

/// Replays records, on any number of threads, keeping the gathered policies.
pub struct Replayer<'a> {
    snapshot: &'a Snapshot,
    map: Mutex<&'a mut SourceMap>,
    changes: Option<Changes>,
    session: Option<Vec<Policy>>,
    /// By principal, or [`pair_key`] of principal and parent user (a principal ARN never
    /// starts with a digit).
    principals: Cache<String, Option<Arc<PrincipalEntry>>>,
    policies: Cache<Arc<str>, Arc<PolicyEntry>>,
    sides: Cache<String, Arc<(ResourceSide, Option<ResourceSide>)>>,
    /// By [`pair_key`] of resource key and policy key.
    sets: Cache<String, Arc<Sets>>,
    /// Decisions (before, with the changes) by [`memo_key`].
    decisions: Cache<Box<[u8]>, Remembered>,
    /// Whether decisions are remembered.
    memo: bool,
    /// How well the memo pays: see [`MemoGauge`].
    gauge: MemoGauge,
    /// `generate`'s verification: the identity-based policies that replace each principal's
    /// own (by role ARN for role sessions, user ARN for users); the boundary, SCPs, session
    /// and resource-based policies stay as they are.
    identity: Option<HashMap<String, Vec<Policy>>>,
    options: EvalOptions,
    /// The sessions whose creation the logs record, by access key.
    recorded: HashMap<String, RecordedSession>,
    /// Their session policies, parsed once (`None`: unreadable).
    recorded_policies: Cache<String, Option<Arc<SessionPolicies>>>,
    /// `--federated-name`: with a candidate session policy, IAM users' calls are replayed
    /// with the change as the federated user of this name they would create.
    federated_name: Option<String>,
}

/// A recorded session's policies: parsed, and as files of the source map for the
/// evaluations that go through the simulator (hidden checks).
struct SessionPolicies {
    policies: Vec<Policy>,
    sources: Vec<SourceId>,
    arns: Vec<String>,
}

impl<'a> Replayer<'a> {
    /// A replayer; `changes` and `session` (candidate session policies for role and
    /// federated-user sessions) are the candidate change, if any. `changes` are applied to
    /// every principal (`replace` and `remove` only where the policy is held).
    pub fn new(
        snapshot: &'a Snapshot,
        map: &'a mut SourceMap,
        changes: Option<Changes>,
        session: Option<Vec<Policy>>,
    ) -> Replayer<'a> {
        let changes = match (changes, &session) {
            (Some(mut c), _) => {
                c.lenient = true;
                Some(c)
            }
            (None, Some(_)) => Some(Changes::default()),
            (None, None) => None,
        };
        Replayer {
            snapshot,
            map: Mutex::new(map),
            changes,
            session,
            principals: RwLock::default(),
            policies: RwLock::default(),
            sides: RwLock::default(),
            sets: RwLock::default(),
            decisions: RwLock::default(),
            memo: true,
            gauge: MemoGauge::default(),
            options: EvalOptions::default(),
            identity: None,
            recorded: HashMap::new(),
            recorded_policies: RwLock::default(),
            federated_name: None,
        }
    }

    /// With a candidate session policy: replay each IAM user's calls, with the change, as
    /// the federated user named `name` that its GetFederationToken call would create (the
    /// user its parent), as `simulate` does for an IAM user given session policies.
    pub fn with_federated_name(mut self, name: Option<String>) -> Self {
        self.federated_name = name;
        self
    }

    /// The federated user an IAM user would become, when the replay asks for it.
    fn federated_of(
        &self,
        map: &mut SourceMap,
        who: &ResolvedPrincipal,
    ) -> Result<Option<Arc<Federated>>, Diagnostics> {
        let (Some(name), Some(_), Principal::User(u)) =
            (&self.federated_name, &self.session, &who.principal)
        else {
            return Ok(None);
        };
        let parent = u.arn();
        let arn = format!(
            "arn:{}:sts::{}:federated-user/{name}",
            who.principal.partition(),
            u.account
        );
        let Ok(fed) = self.snapshot.resolve_principal(&arn, Some(&parent)) else {
            return Ok(None);
        };
        let changes = self.changes.clone().unwrap_or_default();
        let policies = self.snapshot.principal_policies(map, &fed, &changes)?;
        let mut base = Context::new();
        derive_principal_context(&fed.principal, &fed.facts, &mut base);
        Ok(Some(Arc::new(Federated {
            who: fed,
            base: Arc::new(base),
            policies,
            arn,
            parent,
        })))
    }

    /// The sessions whose creation the logs record (from [`collect_sessions`]): their
    /// session policies take part in the calls made with them.
    pub fn with_recorded_sessions(mut self, recorded: HashMap<String, RecordedSession>) -> Self {
        self.recorded = recorded;
        self
    }

    /// The session policies of the session a call was made with: `Ok(None)` when the session
    /// has none (or is not a role or federated-user session), `Err` with a reason when they
    /// are unknown.
    fn session_of(
        &self,
        entry: &PrincipalEntry,
        access_key: Option<&str>,
    ) -> Result<Option<(String, Arc<SessionPolicies>)>, String> {
        if !entry.policies.session {
            return Ok(None);
        }
        let federated = matches!(entry.who.principal, Principal::FederatedUser(_));
        let Some(recorded) = access_key.and_then(|k| self.recorded.get(k).map(|r| (k, r))) else {
            // A role session is most often created without session policies; a federated
            // user's depend on them entirely (without any, it has no permissions).
            return if federated {
                Err("session policies unknown: the GetFederationToken call that created the federated user's session is not in the logs".to_owned())
            } else {
                Ok(None)
            };
        };
        let (key, session) = recorded;
        if !session.has_policies() {
            return Ok(None);
        }
        if let Some(p) = cached(&self.recorded_policies, key) {
            return p
                .map(|p| Some((key.to_owned(), p)))
                .ok_or_else(|| UNREADABLE.to_owned());
        }
        let parsed = self.with_map(|map| {
            let mut sources = Vec::new();
            if let Some(text) = &session.inline {
                sources.push(map.add_file(
                    format!("[{} {}] session policy", session.call, session.at),
                    text.clone(),
                ));
            }
            let mut notes = Vec::new();
            let policies = crate::simulate::session_policies_of(
                self.snapshot,
                map,
                &sources,
                &session.arns,
                &mut notes,
            )
            .ok()?;
            Some(Arc::new(SessionPolicies {
                policies,
                sources,
                arns: session.arns.clone(),
            }))
        });
        remember(&self.recorded_policies, key.to_owned(), parsed.clone());
        parsed
            .map(|p| Some((key.to_owned(), p)))
            .ok_or_else(|| UNREADABLE.to_owned())
    }

    /// Evaluates "with the changes" as each principal named in `policies` (for the sessions
    /// of a role, the role's ARN as the snapshot holds it, with its path, which session ARNs
    /// leave out; a user's ARN) with those identity-based policies in place of its own;
    /// other principals keep theirs. The call a denial's hidden check stands for is then
    /// judged by the record of that check, replayed on its own. The account as it is is
    /// evaluated only where the replaced policies do not allow a call (elsewhere the decision
    /// "as it is" is reported as allowed, unevaluated): the verification needs no more, and
    /// it halves the evaluations.
    pub fn replace_identity(mut self, policies: HashMap<String, Vec<Policy>>) -> Replayer<'a> {
        self.changes.get_or_insert_with(|| Changes {
            lenient: true,
            ..Changes::default()
        });
        self.identity = Some(policies);
        self
    }

    /// Turns the re-use of decisions between calls that cannot differ off (on by default);
    /// the replay's answers are the same either way, only slower without.
    pub fn remember_decisions(mut self, on: bool) -> Replayer<'a> {
        self.memo = on;
        self
    }

    /// Whether candidate changes are replayed.
    pub fn has_changes(&self) -> bool {
        self.changes.is_some()
    }

    /// Runs `f` with the source map (policies are parsed into it).
    fn with_map<T>(&self, f: impl FnOnce(&mut SourceMap) -> T) -> T {
        let mut guard = match self.map.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// Replays one record whose denial message (if any) is `message` (safe to call from
    /// several threads).
    pub fn replay(&self, event: &Event, message: &DenialMessage, origin: &Origin) -> Outcome {
        let recorded = recorded_of(event);
        let request = from_event(event, message, Some(self.snapshot));
        let key = event.user_identity.access_key_id.as_deref();
        match self.evaluate(recorded, request, key, || CallRef::of(event, origin)) {
            Ok(o) => o,
            Err(e) => Outcome::Failed(e),
        }
    }

    /// Replays one call already put back together (`generate` keeps its calls between its
    /// passes); `call` gives the record for a listing (safe to call from several threads).
    pub(crate) fn replay_request(
        &self,
        recorded: Recorded,
        request: Result<Reconstructed, Unexplained>,
        access_key: Option<&str>,
        call: impl FnOnce() -> CallRef,
    ) -> Outcome {
        match self.evaluate(recorded, request, access_key, call) {
            Ok(o) => o,
            Err(e) => Outcome::Failed(e),
        }
    }

    fn evaluate(
        &self,
        recorded: Recorded,
        request: Result<Reconstructed, Unexplained>,
        access_key: Option<&str>,
        call: impl FnOnce() -> CallRef,
    ) -> Result<Outcome, Diagnostics> {
        let req = match request {
            Ok(r) => r,
            Err(u) => {
                let reason = u.reasons.first().cloned().unwrap_or_default();
                return Ok(match u.kind {
                    UnexplainedKind::NotAuthorized => Outcome::NotAuthorized,
                    UnexplainedKind::UnknownAction => Outcome::UnknownAction(call().call),
                    UnexplainedKind::Missing => Outcome::Missing(generalise(&reason)),
                });
            }
        };
        let Some(entry) = self.principal(&req)? else {
            return self.unheld_account(recorded, req, call);
        };
        let session = match self.session_of(&entry, access_key) {
            Ok(s) => s,
            Err(reason) => return Ok(Outcome::Missing(reason)),
        };
        let resource_key = self.snapshot.resource_key(req.resource.as_str());
        let sets = self.sets(&req, &entry, resource_key, session.as_ref())?;
        let key = (self.memo && self.gauge.consult()).then(|| memo_key(&entry, &sets, &req));
        let remembered = key.as_ref().and_then(|k| {
            self.decisions
                .read()
                .ok()
                .and_then(|m| m.get(k.as_slice()).map(|r| (r.0, r.1)))
        });
        if key.is_some() {
            self.gauge.count(remembered.is_some());
        }
        let (mut before, after) = match remembered {
            Some(d) => d,
            None => {
                let d = self.decide(&req, &entry, &sets);
                if let Some(k) = key
                    && let Ok(mut m) = self.decisions.write()
                {
                    if m.len() >= MEMO_MAX {
                        m.clear();
                    }
                    m.insert(
                        k.into_boxed_slice(),
                        (d.0, d.1, Arc::clone(&entry), Arc::clone(&sets)),
                    );
                }
                d
            }
        };
        // A denial the request alone does not explain may come from a check the call makes
        // in another service (S3's kms:Decrypt): evaluate the operation in full, with the
        // changes as well (the change may fix the request but not the check, or the check).
        let mut after = after;
        if recorded == Recorded::Denied
            && before == Decision::Allowed
            && !Catalog::bundled()
                .hidden_calls_for(req.action.as_str())
                .is_empty()
        {
            let (sources, arns) = session
                .as_ref()
                .map(|(_, p)| (p.sources.clone(), p.arns.clone()))
                .unwrap_or_default();
            before = self
                .with_map(|map| {
                    crate::fix::evaluate_with_session(
                        self.snapshot,
                        map,
                        &req,
                        &Changes::default(),
                        &sources,
                        &arns,
                        true,
                    )
                })?
                .final_decision();
            if after == Some(Decision::Allowed) && self.identity.is_none() {
                after = Some(self.operation_after(&req, &entry, session.as_ref())?);
            }
        }
        Ok(evaluated(
            Some(Arc::clone(&entry.key)),
            recorded,
            before,
            after,
            req,
            call,
        ))
    }

    /// A call of a principal the snapshot does not hold: evaluated as far as it can be when
    /// its whole account is missing (without its policies and as if they allowed
    /// everything; denied either way, the other side decides), else unknown.
    fn unheld_account(
        &self,
        recorded: Recorded,
        req: Reconstructed,
        call: impl FnOnce() -> CallRef,
    ) -> Result<Outcome, Diagnostics> {
        let outside = Principal::parse(&req.principal)
            .ok()
            .and_then(|p| self.snapshot.principal_outside(&p));
        if outside.is_none() {
            return Ok(Outcome::UnknownPrincipal);
        }
        let session: Vec<SourceId> = self
            .session
            .iter()
            .flatten()
            .map(|p| p.document.span.source)
            .collect();
        let (before, after) = self.with_map(|map| {
            let before = crate::fix::evaluate_as_is(self.snapshot, map, &req, true)?;
            let after = match &self.changes {
                Some(c) => Some(crate::fix::evaluate_with_session(
                    self.snapshot,
                    map,
                    &req,
                    c,
                    &session,
                    &[],
                    true,
                )?),
                None => None,
            };
            Ok::<_, Diagnostics>((before, after))
        })?;
        let depends = |r: &crate::report::SimulationResult| {
            r.unknown_identity
                .as_ref()
                .is_some_and(|u| u.bound == crate::report::IdentityBound::DependsOnItsPolicies)
        };
        if depends(&before) {
            return Ok(Outcome::DependsOnUnheldAccount);
        }
        let before = before.final_decision();
        let after = after.filter(|a| !depends(a)).map(|a| a.final_decision());
        Ok(evaluated(None, recorded, before, after, req, call))
    }

    /// The decision of the whole operation, hidden checks included, with the changes.
    fn operation_after(
        &self,
        req: &Reconstructed,
        entry: &PrincipalEntry,
        recorded: Option<&(String, Arc<SessionPolicies>)>,
    ) -> Result<Decision, Diagnostics> {
        let changes = self.changes.clone().unwrap_or_default();
        // A candidate session policy replaces the recorded ones.
        let (session, arns): (Vec<SourceId>, Vec<String>) = match (&self.session, recorded) {
            (Some(s), _) if entry.policies.session => (
                s.iter().map(|p| p.document.span.source).collect(),
                Vec::new(),
            ),
            (_, Some((_, p))) => (p.sources.clone(), p.arns.clone()),
            _ => (Vec::new(), Vec::new()),
        };
        let federated_req;
        let (req, session) = match &entry.federated {
            Some(f) => {
                federated_req = Reconstructed {
                    principal: f.arn.clone(),
                    parent_user: Some(f.parent.clone()),
                    ..req.clone()
                };
                let candidate = self
                    .session
                    .iter()
                    .flatten()
                    .map(|p| p.document.span.source)
                    .collect();
                (&federated_req, candidate)
            }
            None => (req, session),
        };
        let result = self.with_map(|map| {
            crate::fix::evaluate_with_session(
                self.snapshot,
                map,
                req,
                &changes,
                &session,
                &arns,
                true,
            )
        })?;
        Ok(result.final_decision())
    }

    /// The decisions before and with the changes.
    fn decide(
        &self,
        req: &Reconstructed,
        entry: &PrincipalEntry,
        sets: &Sets,
    ) -> (Decision, Option<Decision>) {
        // What the record shows wins over what the principal implies (as in
        // `derive_context`, which keeps keys already set).
        let mut context = Context::with_base(entry.base.clone());
        for (k, v) in &req.context {
            context.insert(k, v.clone());
        }
        let mut request = Request {
            principal: entry.who.principal.clone(),
            facts: entry.who.facts.clone(),
            action: req.action.clone(),
            resource: req.resource.clone(),
            resource_account: None,
            context,
        };
        // `complete_request`, with the principal's keys already in the context.
        let mut notes = Vec::new();
        resource_facts(self.snapshot, &sets.side, &mut request, &mut notes);
        derive_request_context(
            &mut request,
            req.time.unwrap_or(Instant { secs: 0, nanos: 0 }),
        );
        // The call is allowed only if every action it needs is (spec §4.4 per action).
        let extra = &req.also_needs;
        let options = &self.options;
        let decide = |set: &PolicySet, request: &mut Request| {
            let first = authorize(request, set, options).decision;
            if first != Decision::Allowed || extra.is_empty() {
                return first;
            }
            let main = request.action.clone();
            let mut d = Decision::Allowed;
            for a in extra {
                request.action = a.clone();
                d = authorize(request, set, options).decision;
                if d != Decision::Allowed {
                    break;
                }
            }
            request.action = main;
            d
        };
        let after = match (&sets.after, &entry.federated) {
            (Some(set), Some(f)) => {
                let mut context = Context::with_base(f.base.clone());
                for (k, v) in &req.context {
                    context.insert(k, v.clone());
                }
                let mut as_federated = Request {
                    principal: f.who.principal.clone(),
                    facts: f.who.facts.clone(),
                    action: req.action.clone(),
                    resource: req.resource.clone(),
                    resource_account: None,
                    context,
                };
                resource_facts(self.snapshot, &sets.side, &mut as_federated, &mut notes);
                derive_request_context(
                    &mut as_federated,
                    req.time.unwrap_or(Instant { secs: 0, nanos: 0 }),
                );
                Some(decide(set, &mut as_federated))
            }
            (Some(set), None) => Some(decide(set, &mut request)),
            (None, _) => None,
        };
        // `generate`'s verification asks only whether the generated policy allows the call,
        // and the account as it is only where it does not: a call both allow is reported
        // allowed as it is without a second evaluation (see `replace_identity`).
        if self.identity.is_some() && after == Some(Decision::Allowed) {
            return (Decision::Allowed, after);
        }
        let before = decide(&sets.before, &mut request);
        (before, after)
    }

    fn principal(&self, req: &Reconstructed) -> Result<Option<Arc<PrincipalEntry>>, Diagnostics> {
        let key = match &req.parent_user {
            Some(parent) => pair_key(&req.principal, parent),
            None => req.principal.clone(),
        };
        if let Some(e) = cached(&self.principals, key.as_str()) {
            return Ok(e);
        }
        let entry = match self.known(req).then(|| {
            self.snapshot
                .resolve_principal(&req.principal, req.parent_user.as_deref())
        }) {
            Some(Ok(who)) => {
                // Sessions of one role share the role's policies.
                let policy_key: Arc<str> = match &who.principal {
                    Principal::RoleSession(s) => Arc::from(s.role.arn()),
                    Principal::FederatedUser(f) => Arc::from(format!(
                        "{}|{}",
                        f.arn(),
                        req.parent_user.as_deref().unwrap_or("")
                    )),
                    other => Arc::from(other.display_name()),
                };
                let policies = match cached(&self.policies, &policy_key) {
                    Some(p) => p,
                    None => {
                        let (before, after) = self.with_map(|map| {
                            let before =
                                self.snapshot
                                    .principal_policies(map, &who, &Changes::default())?;
                            let after = match (&self.identity, &self.changes) {
                                (Some(replaced), _) => {
                                    let mut after = before.clone();
                                    if let Some(p) = replaced.get(policy_key.as_ref()) {
                                        after.identity.clone_from(p);
                                    }
                                    Some(after)
                                }
                                (None, Some(c)) => {
                                    Some(self.snapshot.principal_policies(map, &who, c)?)
                                }
                                (None, None) => None,
                            };
                            Ok::<_, Diagnostics>((before, after))
                        })?;
                        let session = matches!(
                            who.principal,
                            Principal::RoleSession(_) | Principal::FederatedUser(_)
                        );
                        let p = Arc::new(PolicyEntry {
                            before,
                            after,
                            session,
                        });
                        remember(&self.policies, policy_key.clone(), p.clone());
                        p
                    }
                };
                let mut base = Context::new();
                derive_principal_context(&who.principal, &who.facts, &mut base);
                let federated = self.with_map(|map| self.federated_of(map, &who))?;
                Some(Arc::new(PrincipalEntry {
                    base: Arc::new(base),
                    who,
                    key: policy_key,
                    policies,
                    federated,
                }))
            }
            Some(Err(_)) | None => None,
        };
        remember(&self.principals, key, entry.clone());
        Ok(entry)
    }

    /// Whether the snapshot holds the principal (without the close-name suggestions a
    /// failed [`Snapshot::resolve_principal`] computes).
    fn known(&self, req: &Reconstructed) -> bool {
        match Principal::parse(&req.principal) {
            Ok(Principal::User(u)) => self.snapshot.user(&u.arn()).is_some(),
            Ok(Principal::RoleSession(s)) => self.snapshot.role(&s.role.arn()).is_some(),
            Ok(Principal::FederatedUser(_)) => req
                .parent_user
                .as_deref()
                .is_some_and(|p| self.snapshot.user(p).is_some()),
            Ok(_) => true,
            Err(_) => false,
        }
    }

    fn sets(
        &self,
        req: &Reconstructed,
        entry: &PrincipalEntry,
        resource_key: String,
        recorded: Option<&(String, Arc<SessionPolicies>)>,
    ) -> Result<Arc<Sets>, Diagnostics> {
        let mut key = pair_key(&resource_key, &entry.key);
        if let Some((access_key, _)) = recorded {
            key.push_str("|session:");
            key.push_str(access_key);
        }
        if entry.federated.is_some() {
            key.push_str("|federated");
        }
        let recorded = recorded.map(|(_, p)| p.policies.clone());
        if let Some(s) = cached(&self.sets, key.as_str()) {
            return Ok(s);
        }
        let resource_key = resource_key.as_str();
        let sides = match cached(&self.sides, resource_key) {
            Some(s) => s,
            None => {
                let pair = self.with_map(|map| {
                    let before = self.snapshot.resource_side(
                        map,
                        req.resource.as_str(),
                        &Changes::default(),
                    )?;
                    let after = match &self.changes {
                        Some(c) => {
                            Some(self.snapshot.resource_side(map, req.resource.as_str(), c)?)
                        }
                        None => None,
                    };
                    Ok::<_, Diagnostics>((before, after))
                })?;
                let s = Arc::new(pair);
                remember(&self.sides, resource_key.to_owned(), s.clone());
                s
            }
        };
        let p = &entry.policies;
        let before = self
            .snapshot
            .policy_set(&p.before, &sides.0, recorded.clone());
        let after = match (&p.after, &sides.1) {
            // An IAM user replayed as the federated user it would create: the parent's
            // policies (with the changes) and the candidate session policies.
            (Some(_), Some(r)) if entry.federated.is_some() => entry.federated.as_ref().map(|f| {
                self.snapshot
                    .policy_set(&f.policies, r, self.session.clone())
            }),
            (Some(pp), Some(r)) => {
                // A candidate session policy replaces the recorded ones.
                let session = if p.session {
                    self.session.clone().or(recorded)
                } else {
                    None
                };
                Some(self.snapshot.policy_set(pp, r, session))
            }
            _ => None,
        };
        let mut reads = ContextReads::default();
        before.context_reads(&mut reads);
        if let Some(a) = &after {
            a.context_reads(&mut reads);
        }
        let sets = Arc::new(Sets {
            before,
            after,
            side: sides.0.clone(),
            reads,
        });
        remember(&self.sets, key, sets.clone());
        Ok(sets)
    }
}

/// Adds up outcomes into the report (on one thread, in input order).
pub struct Tally {
    report: ReplayReport,
    unknown: HashMap<String, u64>,
    missing: HashMap<String, u64>,
    newly_denied: BTreeMap<(String, String), Group>,
    newly_allowed: BTreeMap<(String, String), Group>,
    failure: Option<Diagnostics>,
}

impl Tally {
    /// An empty tally; `changes` says the changes in words (empty: none).
    pub fn new(with_changes: bool, changes: Vec<String>) -> Tally {
        Tally {
            report: ReplayReport {
                newly_denied: with_changes.then(Vec::new),
                newly_allowed: with_changes.then(Vec::new),
                changes,
                ..ReplayReport::default()
            },
            unknown: HashMap::new(),
            missing: HashMap::new(),
            newly_denied: BTreeMap::new(),
            newly_allowed: BTreeMap::new(),
            failure: None,
        }
    }

    /// Counts one outcome.
    pub fn add(&mut self, o: Outcome) {
        let c = &mut self.report.coverage;
        bump(&mut c.events);
        let e = match o {
            Outcome::NotAuthorized => {
                bump(&mut c.not_authorized);
                return;
            }
            Outcome::UnknownAction(call) => {
                bump(&mut c.unknown_action);
                bump(self.unknown.entry(call).or_default());
                return;
            }
            Outcome::Missing(reason) => {
                bump(&mut c.mapped);
                bump(&mut c.missing_facts);
                bump(self.missing.entry(reason).or_default());
                return;
            }
            Outcome::UnknownPrincipal => {
                bump(&mut c.mapped);
                bump(&mut c.principal_not_in_snapshot);
                return;
            }
            Outcome::DependsOnUnheldAccount => {
                bump(&mut c.mapped);
                bump(&mut c.principal_not_in_snapshot);
                bump(&mut c.depends_on_unheld_account);
                return;
            }
            Outcome::Failed(e) => {
                self.failure.get_or_insert(e);
                return;
            }
            Outcome::Evaluated(e) => e,
        };
        bump(&mut c.mapped);
        bump(&mut c.evaluated);
        let allowed = e.decision == Decision::Allowed;
        match (e.recorded, allowed) {
            (Recorded::OtherError, _) => bump(&mut self.report.other_errors),
            (Recorded::Allowed, true) | (Recorded::Denied, false) => {
                bump(&mut self.report.agreements)
            }
            (recorded, _) => {
                bump(&mut self.report.disagreement_count);
                if recorded == Recorded::Denied {
                    bump(&mut self.report.aws_denied_we_allow);
                } else {
                    bump(&mut self.report.aws_allowed_we_deny);
                }
                if self.report.disagreements.len() < LISTED
                    && let Some(l) = &e.listed
                {
                    self.report.disagreements.push((**l).clone());
                }
            }
        }
        if let Some(after) = e.after
            && e.recorded != Recorded::OtherError
            && (after == Decision::Allowed) != allowed
            && let Some(l) = &e.listed
        {
            let groups = if after == Decision::Allowed {
                &mut self.newly_allowed
            } else {
                &mut self.newly_denied
            };
            let g = groups
                .entry((l.principal.clone(), l.action.clone()))
                .or_insert_with(|| Group {
                    principal: l.principal.clone(),
                    action: l.action.clone(),
                    calls: 0,
                    resources: Vec::new(),
                    example: l.event.clone(),
                });
            bump(&mut g.calls);
            if g.resources.len() < 5 && !g.resources.contains(&l.resource) {
                g.resources.push(l.resource.clone());
            }
        }
    }

    /// The report, or the first error met.
    pub fn finish(mut self) -> Result<ReplayReport, Diagnostics> {
        if let Some(e) = self.failure {
            return Err(e);
        }
        let c = &mut self.report.coverage;
        // INVARIANT: every event counted as not authorized was counted as an event.
        let needing = c.events.saturating_sub(c.not_authorized);
        c.mapping_coverage = if needing == 0 {
            1.0
        } else {
            c.mapped as f64 / needing as f64
        };
        c.top_unknown_calls = top(self.unknown);
        c.top_missing = top(self.missing);
        let sorted = |m: BTreeMap<(String, String), Group>| {
            let mut v: Vec<Group> = m.into_values().collect();
            v.sort_by_key(|g| std::cmp::Reverse(g.calls));
            v
        };
        if self.report.newly_denied.is_some() {
            self.report.newly_denied = Some(sorted(self.newly_denied));
            self.report.newly_allowed = Some(sorted(self.newly_allowed));
        }
        Ok(self.report)
    }
}

/// Counts one more (saturating: no input makes a count wrap).
fn bump(count: &mut u64) {
    *count = count.saturating_add(1);
}

/// The ten largest counts, largest first, and the rest summed as `other`.
fn top(m: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if v.len() > 10 {
        let others = v.split_off(10);
        let rest = others
            .iter()
            .fold(0u64, |sum, (_, n)| sum.saturating_add(*n));
        v.push((format!("{} other kind(s)", others.len()), rest));
    }
    v
}

/// A reason without the record-specific part in parentheses, so that reasons count
/// together.
fn generalise(reason: &str) -> String {
    match reason.find(" (") {
        Some(i) => reason[..i].to_owned(),
        None => reason.to_owned(),
    }
}

/// What [`replay_logs`] gives.
pub struct ReplayRun {
    /// The report; `Err` when a candidate change cannot be applied.
    pub report: Result<ReplayReport, Diagnostics>,
    /// What the scan read and skipped.
    pub stats: Stats,
    /// How long the scan and the evaluations took.
    pub elapsed: std::time::Duration,
}

/// Replays every record of `inputs` that passes `filter` against the snapshot, as it is
/// and, with `changes` or `session` (candidate session policies), as it would be; `described`
/// says the changes in words for the report. Records are prepared and evaluated on the scan's
/// workers; the tally adds up in input order.
#[allow(
    clippy::too_many_arguments,
    reason = "one replay's inputs; a struct would only rename them"
)]
pub fn replay_logs(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    inputs: &Inputs,
    settings: &Scan,
    filter: &Filter,
    changes: Option<Changes>,
    session: Option<Vec<Policy>>,
    federated_name: Option<String>,
    described: Vec<String>,
) -> ReplayRun {
    let started = std::time::Instant::now();
    let recorded = collect_sessions(inputs, settings);
    let replayer = Replayer::new(snapshot, map, changes, session)
        .with_recorded_sessions(recorded)
        .with_federated_name(federated_name);
    let mut tally = Tally::new(replayer.has_changes(), described);
    let stats = scan(
        inputs,
        settings,
        |event: Event, origin: &Origin| -> Option<Outcome> {
            let message = event.denial();
            filter
                .matches(&event, &message)
                .then(|| replayer.replay(&event, &message, origin))
        },
        |o| tally.add(o),
    );
    let elapsed = started.elapsed();
    // The caches (parsed policies, remembered decisions) go with the process: freeing them
    // one by one would take a noticeable part of the run.
    std::mem::forget(replayer);
    ReplayRun {
        report: tally.finish(),
        stats,
        elapsed,
    }
}
