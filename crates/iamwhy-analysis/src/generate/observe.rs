//! What each call of a principal needed, gathered from the records: the actions (the
//! event→action table, its conditional lines, the other actions of the call), the resources,
//! the condition values seen, and the checks the call makes in other services with the
//! principal's identity (hidden calls) that the snapshot implies.

use std::collections::{BTreeMap, BTreeSet};

use iamwhy_catalog::{Catalog, Mechanism, ResourceFact, fill_placeholders};
use iamwhy_core::time::Instant;
use iamwhy_core::{ContextValue, Principal};
use iamwhy_snapshot::Snapshot;
use iamwhy_trail::scan::Origin;
use iamwhy_trail::{DenialMessage, Event, IdentityType};

use crate::replay::CallRef;
use crate::report::generate::IdentityKind;
use crate::request::{Reconstructed, UnexplainedKind, from_event};

/// Most distinct values kept of one condition key before it counts as varying.
const VALUES_MAX: usize = 8;

/// Most distinct resources kept per principal and action; beyond, object ARNs fold into
/// their parent prefix (`bucket/a/b` → `bucket/a/*`), which is what generalisation would
/// make of them, so that memory stays bounded whatever the number of objects.
pub(crate) const RESOURCES_MAX: usize = 4096;

/// The values one condition key took over some calls.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Values {
    /// No call yet.
    #[default]
    Unseen,
    /// Every call had one of these.
    Some(BTreeSet<String>),
    /// A call lacked the key, or there were too many values.
    Varies,
}

impl Values {
    /// Counts one call's value (`None`: the call did not have the key).
    pub(crate) fn add(&mut self, value: Option<&str>) {
        match (value, &mut *self) {
            (_, Values::Varies) => {}
            (None, _) => *self = Values::Varies,
            (Some(v), Values::Unseen) => *self = Values::Some(BTreeSet::from([v.to_owned()])),
            (Some(v), Values::Some(set)) => {
                if !set.contains(v) {
                    if set.len() >= VALUES_MAX {
                        *self = Values::Varies;
                    } else {
                        set.insert(v.to_owned());
                    }
                }
            }
        }
    }

    /// Counts every call of `other`.
    pub(crate) fn merge(&mut self, other: &Values) {
        match other {
            Values::Unseen => {}
            Values::Varies => *self = Values::Varies,
            Values::Some(set) => {
                for v in set {
                    self.add(Some(v));
                }
            }
        }
    }
}

/// The uses of one action on one resource.
#[derive(Clone, Debug, Default)]
pub(crate) struct Use {
    /// Calls.
    pub(crate) calls: u64,
    /// Of those, hidden checks the snapshot implies (no record of their own).
    pub(crate) hidden: u64,
    /// Of those, calls a service made with the principal's identity (hidden checks and
    /// records with `invokedBy`): the caller's address and endpoint do not reach them.
    pub(crate) indirect: u64,
    /// The last call.
    pub(crate) last: Option<Instant>,
    /// `kms:ViaService`.
    pub(crate) via: Values,
    /// `s3:prefix`.
    pub(crate) prefix: Values,
}

impl Use {
    pub(crate) fn merge(&mut self, other: &Use) {
        self.calls = self.calls.saturating_add(other.calls);
        self.hidden = self.hidden.saturating_add(other.hidden);
        self.indirect = self.indirect.saturating_add(other.indirect);
        self.last = self.last.max(other.last);
        self.via.merge(&other.via);
        self.prefix.merge(&other.prefix);
    }
}

/// One action a call needs, on one resource, with the condition values of the call.
#[derive(Clone, Debug)]
pub(crate) struct Need {
    pub(crate) action: String,
    pub(crate) resource: String,
    pub(crate) hidden: bool,
    /// A service made the call with the principal's identity.
    pub(crate) indirect: bool,
    pub(crate) via: Option<String>,
    pub(crate) vpce: Option<String>,
    pub(crate) ip: Option<String>,
    pub(crate) prefix: Option<String>,
}

/// What CloudTrail recorded about a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Allowed,
    Denied,
    OtherError,
}

/// The user or role behind a call's principal: its key (as the replay's policy cache names
/// it: the role ARN without path, the user ARN) and kind; `None` for other principals.
pub(crate) fn identity_of(principal: &str) -> Option<(String, IdentityKind, Option<String>)> {
    match Principal::parse(principal).ok()? {
        Principal::User(u) => Some((u.arn(), IdentityKind::User, None)),
        Principal::RoleSession(s) => Some((
            s.role.arn(),
            IdentityKind::Role,
            Some(s.session_name.clone()),
        )),
        _ => None,
    }
}

/// What one record came to, computed on a scan worker.
pub(crate) struct Call {
    /// The identity key, kind and session name; `None` when the principal is no user or
    /// role (with the principal as the record names it, when known).
    pub(crate) identity: Result<(String, IdentityKind, Option<String>), Option<String>>,
    pub(crate) outcome: Outcome,
    pub(crate) time: Instant,
    pub(crate) service: String,
    pub(crate) data_event: bool,
    /// `readOnly` is `true`.
    pub(crate) read_only: bool,
    /// The actions needed, or why they are unknown.
    pub(crate) needs: Result<Vec<Need>, (UnexplainedKind, String)>,
    /// The role a `sts:AssumeRole*` call assumed.
    pub(crate) assumed_role: Option<String>,
    /// The record, for listings: only for calls a report may list (denied, or whose needs
    /// are unknown), so that the common call allocates nothing for it.
    pub(crate) call: Option<CallRef>,
    /// The call as the verification replays it ([`super::spill`]), with its file, when asked.
    pub(crate) kept: Option<(std::sync::Arc<str>, Vec<u8>)>,
}

/// A context value of the request, when single.
fn context_value<'r>(req: &'r Reconstructed, key: &str) -> Option<&'r str> {
    req.context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| match v {
            ContextValue::Single(s) => Some(s.as_str()),
            ContextValue::Multi(_) => None,
        })
}

/// Reads one record (on a worker thread); with `keep`, encodes the call for the
/// verification as well.
pub(crate) fn read_call(
    snapshot: &Snapshot,
    event: &Event,
    message: &DenialMessage,
    origin: &Origin,
    keep: bool,
) -> Call {
    let outcome = match (&event.error_code, event.is_denied()) {
        (None, _) => Outcome::Allowed,
        (Some(_), true) => Outcome::Denied,
        (Some(_), false) => Outcome::OtherError,
    };
    let service = iamwhy_catalog::events::prefix_of(&event.event_source);
    let data_event = event
        .event_category
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("Data"));
    let assumed_role = event
        .event_name
        .starts_with("AssumeRole")
        .then(|| {
            let raw = event.request_parameters.as_ref()?;
            let v: serde_json::Value = serde_json::from_str(raw.get()).ok()?;
            v.get("roleArn")?.as_str().map(str::to_owned)
        })
        .flatten();
    let request = from_event(event, message, Some(snapshot));
    let principal = match &request {
        Ok(r) => Some(r.principal.clone()),
        Err(_) => crate::request::principal_of(event).ok().map(|p| p.0),
    };
    let id = principal.as_deref().and_then(identity_of);
    let kept = keep
        .then(|| {
            let key = id.as_ref().map(|(k, _, _)| k.as_str());
            super::spill::encode(event, origin.line, key, &request)
        })
        .flatten()
        .map(|frame| (std::sync::Arc::clone(&origin.file), frame));
    let identity = match id {
        Some(i) if event.user_identity.kind != Some(IdentityType::AwsService) => Ok(i),
        _ => Err(principal),
    };
    let needs = match request {
        Ok(req) => Ok(needs_of(snapshot, event, &req)),
        Err(u) => Err((u.kind, u.reasons.into_iter().next().unwrap_or_default())),
    };
    let listed = outcome == Outcome::Denied
        || matches!(&needs, Err((kind, _)) if *kind != UnexplainedKind::NotAuthorized);
    Call {
        identity,
        outcome,
        time: event.time,
        service,
        data_event,
        read_only: event.read_only == Some(true),
        needs,
        assumed_role,
        call: listed.then(|| CallRef::of(event, origin)),
        kept,
    }
}

/// The actions the request needs: its action, the other actions of the call, and the checks
/// it makes in other services with the principal's identity that the snapshot implies.
fn needs_of(snapshot: &Snapshot, event: &Event, req: &Reconstructed) -> Vec<Need> {
    let via = context_value(req, "kms:ViaService").map(str::to_owned);
    let vpce = context_value(req, "aws:SourceVpce").map(str::to_owned);
    let ip = context_value(req, "aws:SourceIp").map(str::to_owned);
    let prefix = context_value(req, "s3:prefix").map(str::to_owned);
    let resource = req.resource.as_str().to_owned();
    let mut out: Vec<Need> = std::iter::once(&req.action)
        .chain(&req.also_needs)
        .map(|a| Need {
            action: a.as_str().to_owned(),
            resource: resource.clone(),
            hidden: false,
            indirect: req.via_service.is_some(),
            via: via.clone(),
            vpce: vpce.clone(),
            ip: ip.clone(),
            prefix: prefix.clone(),
        })
        .collect();
    // A call a service made with the principal's identity is itself a record: its own hidden
    // checks are not added again.
    if req.via_service.is_none() {
        out.extend(hidden_needs(snapshot, event, req));
    }
    out
}

/// An action as the catalog spells it.
fn canonical(action: &str) -> String {
    Catalog::bundled()
        .action(action)
        .map_or_else(|| action.to_owned(), |a| a.full_name())
}

/// The checks the call makes in other services with the principal's identity (forward
/// access sessions, `iam:PassRole`-like caller permissions) whose facts the snapshot holds:
/// the rules of `data/hidden-calls.json` for the request's action, without the variants of
/// other forms of the call.
fn hidden_needs(snapshot: &Snapshot, event: &Event, req: &Reconstructed) -> Vec<Need> {
    let catalog = Catalog::bundled();
    let mut out = Vec::new();
    let resource = req.resource.as_str();
    for rule in catalog.hidden_calls_for(req.action.as_str()) {
        if rule.variant.is_some() || rule.mechanism == Mechanism::ServicePrincipal {
            continue;
        }
        let key = match rule.resource_fact {
            ResourceFact::KmsKey => match snapshot.kms_key_for(resource) {
                Some(k) => Some(k.arn),
                None => continue,
            },
            ResourceFact::PassedRole => continue,
            ResourceFact::None => None,
        };
        let region = snapshot
            .region_of(resource)
            .or_else(|| (!event.aws_region.is_empty()).then(|| event.aws_region.clone()));
        let bucket = resource
            .strip_prefix("arn:aws:s3:::")
            .and_then(|p| p.split('/').next())
            .map(|b| format!("arn:aws:s3:::{b}"));
        let principal_account = Principal::parse(&req.principal)
            .ok()
            .and_then(|p| p.account().map(str::to_owned));
        let value = |name: &str| -> Option<String> {
            match name {
                "kms_key_arn" => key.clone(),
                "resource_arn" => Some(resource.to_owned()),
                "bucket_arn" => bucket.clone(),
                "region" => region.clone(),
                "principal_account" => principal_account.clone(),
                "service" => Some(req.action.service().to_owned()),
                _ => None,
            }
        };
        for check in &rule.checks {
            let Ok(target) = fill_placeholders(&check.resource, value) else {
                continue;
            };
            let via = check
                .context
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("kms:ViaService"))
                .and_then(|(_, t)| fill_placeholders(t, value).ok());
            out.push(Need {
                action: canonical(&check.action),
                resource: target,
                hidden: true,
                indirect: true,
                via,
                // The service calls from its own network: neither the caller's address
                // nor its endpoint reaches the check.
                vpce: None,
                ip: None,
                prefix: None,
            });
        }
    }
    out
}

/// The calls of one user or role.
#[derive(Debug, Default)]
pub(crate) struct Observed {
    pub(crate) kind: Option<IdentityKind>,
    pub(crate) sessions: BTreeSet<String>,
    pub(crate) calls: u64,
    pub(crate) allowed: u64,
    pub(crate) denied: u64,
    pub(crate) other_errors: u64,
    pub(crate) first: Option<Instant>,
    pub(crate) last: Option<Instant>,
    /// What the calls needed (allowed calls and, with `include_denied`, denied ones), by
    /// action then resource (hash maps while counting: ARNs share long prefixes, which
    /// ordered maps compare again and again; [`Observed::needed`] sorts them).
    pub(crate) needed: HashMap<String, Resources>,
    /// Denied calls by (action, resource): count and first record.
    pub(crate) denied_calls: BTreeMap<(String, String), (u64, CallRef)>,
    /// Calls whose needs are unknown: by call, (reason, count).
    pub(crate) not_covered: BTreeMap<String, (String, u64)>,
    /// `aws:SourceVpce` and `aws:SourceIp` over the needs of the calls the principal made
    /// itself (not those services made for it).
    pub(crate) network: Network,
}

/// The network a principal's own calls came from.
#[derive(Debug, Default)]
pub(crate) struct Network {
    /// `aws:SourceVpce`.
    pub(crate) vpce: Values,
    /// `aws:SourceIp`.
    pub(crate) ip: Values,
    /// Needs counted.
    pub(crate) calls: u64,
}

/// Most denied and not-covered entries kept per principal.
const LISTED_MAX: usize = 200;

impl Observed {
    /// Counts one call (taking its needs).
    pub(crate) fn add(&mut self, call: &mut Call, kind: IdentityKind, include_denied: bool) {
        self.kind = Some(kind);
        self.calls = self.calls.saturating_add(1);
        if call.time.secs != 0 {
            self.first = Some(self.first.map_or(call.time, |f| f.min(call.time)));
            self.last = Some(self.last.map_or(call.time, |l| l.max(call.time)));
        }
        let counter = match call.outcome {
            Outcome::Allowed => &mut self.allowed,
            Outcome::Denied => &mut self.denied,
            Outcome::OtherError => &mut self.other_errors,
        };
        *counter = counter.saturating_add(1);
        let needs = match &mut call.needs {
            Ok(n) => std::mem::take(n),
            Err((UnexplainedKind::NotAuthorized, _)) => return,
            Err((_, reason)) => {
                let len = self.not_covered.len();
                let Some(listed) = &call.call else {
                    return;
                };
                match self.not_covered.get_mut(&listed.call) {
                    Some(e) => e.1 = e.1.saturating_add(1),
                    None if len < LISTED_MAX => {
                        self.not_covered
                            .insert(listed.call.clone(), (reason.clone(), 1));
                    }
                    None => {}
                }
                return;
            }
        };
        if call.outcome == Outcome::Denied {
            if let Some(first) = needs.iter().find(|n| !n.hidden)
                && let Some(listed) = &call.call
            {
                let key = (first.action.clone(), first.resource.clone());
                let len = self.denied_calls.len();
                match self.denied_calls.get_mut(&key) {
                    Some(e) => e.0 = e.0.saturating_add(1),
                    None if len < LISTED_MAX => {
                        self.denied_calls.insert(key, (1, listed.clone()));
                    }
                    None => {}
                }
            }
            if !include_denied {
                return;
            }
        }
        for n in needs {
            let by_resource = match self.needed.get_mut(&n.action) {
                Some(r) => r,
                None => self.needed.entry(n.action).or_default(),
            };
            let u = by_resource.entry(n.resource).or_default();
            u.calls = u.calls.saturating_add(1);
            if n.hidden {
                u.hidden = u.hidden.saturating_add(1);
            }
            if n.indirect {
                u.indirect = u.indirect.saturating_add(1);
            }
            u.last = u.last.max(Some(call.time));
            u.via.add(n.via.as_deref());
            u.prefix.add(n.prefix.as_deref());
            if !n.indirect {
                self.network.vpce.add(n.vpce.as_deref());
                self.network.ip.add(n.ip.as_deref());
                self.network.calls = self.network.calls.saturating_add(1);
            }
            if by_resource.len() > RESOURCES_MAX {
                fold(by_resource);
            }
        }
    }
}

/// Uses by resource.
pub(crate) type Resources = HashMap<String, Use, foldhash::fast::RandomState>;

/// A map keyed by text, hashed.
pub(crate) type HashMap<K, V, S = foldhash::fast::RandomState> = std::collections::HashMap<K, V, S>;

impl Observed {
    /// What the calls needed, sorted by action and resource.
    pub(crate) fn needed(&self) -> BTreeMap<String, BTreeMap<String, Use>> {
        let mut out = BTreeMap::new();
        #[expect(clippy::iter_over_hash_type, reason = "collected into sorted maps")]
        for (action, resources) in &self.needed {
            let mut sorted = BTreeMap::new();
            #[expect(clippy::iter_over_hash_type, reason = "collected into a sorted map")]
            for (r, u) in resources {
                sorted.insert(r.clone(), u.clone());
            }
            out.insert(action.clone(), sorted);
        }
        out
    }
}

/// Folds object ARNs into their parent prefix wildcard until at most half of
/// [`RESOURCES_MAX`] remain (or nothing folds further).
pub(crate) fn fold(by_resource: &mut Resources) {
    while by_resource.len() > RESOURCES_MAX / 2 {
        let mut folded = Resources::default();
        let mut changed = false;
        #[expect(clippy::iter_over_hash_type, reason = "folded into another map")]
        for (r, u) in std::mem::take(by_resource) {
            let key = match parent_pattern(&r) {
                Some(p) => {
                    changed = true;
                    p
                }
                None => r,
            };
            folded.entry(key).or_default().merge(&u);
        }
        *by_resource = folded;
        if !changed {
            break;
        }
    }
}

/// `arn:…:bucket/a/b/c` → `arn:…:bucket/a/b/*`, `arn:…:bucket/a/*` → `arn:…:bucket/*`;
/// `None` at the root of the resource (`arn:…:bucket/*`, or no path).
pub(crate) fn parent_pattern(arn: &str) -> Option<String> {
    let resource_start = arn
        .match_indices(':')
        .nth(4)
        .map(|(i, _)| i.saturating_add(1))?;
    let resource = arn.get(resource_start..)?;
    let trimmed = resource.strip_suffix("/*").unwrap_or(resource);
    let cut = trimmed.rfind('/')?;
    Some(format!(
        "{}{}/*",
        arn.get(..resource_start)?,
        trimmed.get(..cut)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents() {
        assert_eq!(
            parent_pattern("arn:aws:s3:::b/a/x.csv").as_deref(),
            Some("arn:aws:s3:::b/a/*")
        );
        assert_eq!(
            parent_pattern("arn:aws:s3:::b/a/*").as_deref(),
            Some("arn:aws:s3:::b/*")
        );
        assert_eq!(parent_pattern("arn:aws:s3:::b/*"), None);
        assert_eq!(parent_pattern("arn:aws:s3:::b"), None);
    }

    #[test]
    fn values_vary() {
        let mut v = Values::default();
        v.add(Some("a"));
        v.add(Some("a"));
        assert_eq!(v, Values::Some(BTreeSet::from(["a".to_owned()])));
        v.add(None);
        assert_eq!(v, Values::Varies);
    }

    #[test]
    fn folding_bounds_resources() {
        let mut m = Resources::default();
        for i in 0..(RESOURCES_MAX + 1) {
            m.insert(
                format!("arn:aws:s3:::b/p{}/o{i}", i % 3),
                Use {
                    calls: 1,
                    ..Use::default()
                },
            );
        }
        fold(&mut m);
        assert_eq!(m.len(), 3);
        assert_eq!(
            m.values().map(|u| u.calls).sum::<u64>(),
            RESOURCES_MAX as u64 + 1
        );
    }
}
