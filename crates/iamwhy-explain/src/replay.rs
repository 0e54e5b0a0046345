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
use std::rc::Rc;

use iamwhy_analysis::complete_request;
use iamwhy_catalog::Catalog;
use iamwhy_core::time::Instant;
use iamwhy_core::{
    Action, Context, Decision, Diagnostics, Principal, Request, Resource, SourceMap,
};
use iamwhy_eval::{EvalOptions, Policy, PolicySet, authorize};
use iamwhy_snapshot::{Changes, PrincipalPolicies, ResolvedPrincipal, ResourceSide, Snapshot};
use iamwhy_trail::Event;
use iamwhy_trail::scan::Origin;
use serde::Serialize;

use crate::request::{Reconstructed, Unexplained, from_event};

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

/// A record made ready on a worker thread: its request, or why there is none.
pub struct Prepared {
    /// The call, for listings.
    pub call: CallRef,
    /// What CloudTrail recorded.
    pub recorded: Recorded,
    /// The request, or why not.
    pub request: Result<Reconstructed, Unexplained>,
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

/// Turns a record into a [`Prepared`] (runs on the scan's workers).
pub fn prepare(event: &Event, origin: &Origin, snapshot: &Snapshot) -> Prepared {
    let recorded = match (&event.error_code, event.is_denied()) {
        (None, _) => Recorded::Allowed,
        (Some(_), true) => Recorded::Denied,
        (Some(_), false) => Recorded::OtherError,
    };
    let message = event.denial();
    Prepared {
        call: CallRef {
            time: event.event_time.clone(),
            event_id: event.event_id.clone(),
            call: event.action_label(),
            error_code: event.error_code.clone(),
            at: format!("{}:{}", origin.file, origin.line),
        },
        recorded,
        request: from_event(event, &message, Some(snapshot)),
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
    /// Records whose principal the snapshot does not hold.
    pub principal_not_in_snapshot: u64,
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
struct PrincipalEntry {
    who: ResolvedPrincipal,
    before: PrincipalPolicies,
    after: Option<PrincipalPolicies>,
    session: bool,
}

/// The policy sets of a (principal, resource) pair.
struct Sets {
    before: PolicySet,
    after: Option<PolicySet>,
    side: ResourceSide,
}

/// Replays prepared records one by one, keeping the gathered policies.
pub struct Replayer<'a> {
    snapshot: &'a Snapshot,
    changes: Option<Changes>,
    session: Option<Vec<Policy>>,
    principals: HashMap<(String, Option<String>), Option<Rc<PrincipalEntry>>>,
    sides: HashMap<String, Rc<(ResourceSide, Option<ResourceSide>)>>,
    sets: HashMap<(String, Option<String>, String), Rc<Sets>>,
    report: ReplayReport,
    unknown: HashMap<String, u64>,
    missing: HashMap<String, u64>,
    newly_denied: BTreeMap<(String, String), Group>,
    newly_allowed: BTreeMap<(String, String), Group>,
    options: EvalOptions,
}

impl<'a> Replayer<'a> {
    /// A replayer; `changes` and `session` (candidate session policies for role and
    /// federated-user sessions) are the candidate change, if any. `changes` are applied to
    /// every principal (`replace` and `remove` only where the policy is held).
    pub fn new(
        snapshot: &'a Snapshot,
        changes: Option<Changes>,
        session: Option<Vec<Policy>>,
        described: Vec<String>,
    ) -> Replayer<'a> {
        let changes = match (changes, &session) {
            (Some(mut c), _) => {
                c.lenient = true;
                Some(c)
            }
            (None, Some(_)) => Some(Changes::default()),
            (None, None) => None,
        };
        let with_changes = changes.is_some();
        Replayer {
            snapshot,
            changes,
            session,
            principals: HashMap::new(),
            sides: HashMap::new(),
            sets: HashMap::new(),
            report: ReplayReport {
                newly_denied: with_changes.then(Vec::new),
                newly_allowed: with_changes.then(Vec::new),
                changes: described,
                ..ReplayReport::default()
            },
            unknown: HashMap::new(),
            missing: HashMap::new(),
            newly_denied: BTreeMap::new(),
            newly_allowed: BTreeMap::new(),
            options: EvalOptions::default(),
        }
    }

    /// Evaluates one record.
    pub fn add(&mut self, map: &mut SourceMap, p: Prepared) -> Result<(), Diagnostics> {
        self.report.coverage.events += 1;
        let req = match p.request {
            Ok(r) => r,
            Err(u) => {
                let reason = u.reasons.first().cloned().unwrap_or_default();
                match u.kind {
                    "not-authorized" => self.report.coverage.not_authorized += 1,
                    "unknown-action" => {
                        self.report.coverage.unknown_action += 1;
                        *self.unknown.entry(p.call.call.clone()).or_default() += 1;
                    }
                    _ => {
                        self.report.coverage.mapped += 1;
                        self.report.coverage.missing_facts += 1;
                        *self.missing.entry(generalise(&reason)).or_default() += 1;
                    }
                }
                return Ok(());
            }
        };
        self.report.coverage.mapped += 1;
        let Some(entry) = self.principal(map, &req)? else {
            self.report.coverage.principal_not_in_snapshot += 1;
            return Ok(());
        };
        let resource_key = self.snapshot.resource_key(&req.resource);
        let sets = self.sets(map, &req, &entry, resource_key)?;
        let (Ok(action), Ok(resource)) =
            (Action::parse(&req.action), Resource::parse(&req.resource))
        else {
            self.report.coverage.missing_facts += 1;
            return Ok(());
        };
        let mut context = Context::new();
        for (k, v) in &req.context {
            context.insert(k, v.clone());
        }
        let mut request = Request {
            principal: entry.who.principal.clone(),
            facts: entry.who.facts.clone(),
            action,
            resource,
            resource_account: None,
            context,
        };
        let mut notes = Vec::new();
        complete_request(
            self.snapshot,
            &sets.side,
            &mut request,
            req.time.unwrap_or(Instant { secs: 0, nanos: 0 }),
            &mut notes,
        );
        self.report.coverage.evaluated += 1;
        // The call is allowed only if every action it needs is (spec §4.4 per action).
        let extra: Vec<Action> = req
            .also_needs
            .iter()
            .filter_map(|a| Action::parse(a).ok())
            .collect();
        let options = &self.options;
        let decide = |set: &PolicySet, request: &mut Request| {
            let first = authorize(request, set, options).decision;
            if first != Decision::Allowed || extra.is_empty() {
                return first;
            }
            let main = request.action.clone();
            let mut d = Decision::Allowed;
            for a in &extra {
                request.action = a.clone();
                d = authorize(request, set, options).decision;
                if d != Decision::Allowed {
                    break;
                }
            }
            request.action = main;
            d
        };
        let mut before = decide(&sets.before, &mut request);
        // A denial the request alone does not explain may come from a check the call makes
        // in another service (S3's kms:Decrypt): evaluate the operation in full.
        if p.recorded == Recorded::Denied
            && before == Decision::Allowed
            && !Catalog::bundled().hidden_calls_for(&req.action).is_empty()
        {
            before = crate::fix::evaluate(
                self.snapshot,
                map,
                &req,
                &req.action,
                &req.resource,
                &Changes::default(),
                true,
            )?
            .final_decision();
        }
        let after = sets.after.as_ref().map(|set| decide(set, &mut request));
        let listed = || Listed {
            event: p.call.clone(),
            principal: req.principal.clone(),
            action: req.action.clone(),
            resource: req.resource.clone(),
            recorded: p.recorded,
            decision: before,
            after,
        };
        match (p.recorded, before == Decision::Allowed) {
            (Recorded::OtherError, _) => self.report.other_errors += 1,
            (Recorded::Allowed, true) | (Recorded::Denied, false) => self.report.agreements += 1,
            (recorded, _) => {
                self.report.disagreement_count += 1;
                if recorded == Recorded::Denied {
                    self.report.aws_denied_we_allow += 1;
                } else {
                    self.report.aws_allowed_we_deny += 1;
                }
                if self.report.disagreements.len() < LISTED {
                    self.report.disagreements.push(listed());
                }
            }
        }
        if let Some(after) = after
            && p.recorded != Recorded::OtherError
            && (after == Decision::Allowed) != (before == Decision::Allowed)
        {
            let groups = if after == Decision::Allowed {
                &mut self.newly_allowed
            } else {
                &mut self.newly_denied
            };
            let g = groups
                .entry((req.principal.clone(), req.action.clone()))
                .or_insert_with(|| Group {
                    principal: req.principal.clone(),
                    action: req.action.clone(),
                    calls: 0,
                    resources: Vec::new(),
                    example: p.call.clone(),
                });
            g.calls += 1;
            if g.resources.len() < 5 && !g.resources.contains(&req.resource) {
                g.resources.push(req.resource.clone());
            }
        }
        Ok(())
    }

    fn principal(
        &mut self,
        map: &mut SourceMap,
        req: &Reconstructed,
    ) -> Result<Option<Rc<PrincipalEntry>>, Diagnostics> {
        let key = (req.principal.clone(), req.parent_user.clone());
        if let Some(e) = self.principals.get(&key) {
            return Ok(e.clone());
        }
        let entry = match self
            .snapshot
            .resolve_principal(&req.principal, req.parent_user.as_deref())
        {
            Ok(who) => {
                let before = self
                    .snapshot
                    .principal_policies(map, &who, &Changes::default())?;
                let after = match &self.changes {
                    Some(c) => Some(self.snapshot.principal_policies(map, &who, c)?),
                    None => None,
                };
                let session = matches!(
                    who.principal,
                    Principal::RoleSession(_) | Principal::FederatedUser(_)
                );
                Some(Rc::new(PrincipalEntry {
                    who,
                    before,
                    after,
                    session,
                }))
            }
            Err(_) => None,
        };
        self.principals.insert(key, entry.clone());
        Ok(entry)
    }

    fn sets(
        &mut self,
        map: &mut SourceMap,
        req: &Reconstructed,
        entry: &PrincipalEntry,
        resource_key: String,
    ) -> Result<Rc<Sets>, Diagnostics> {
        let key = (
            req.principal.clone(),
            req.parent_user.clone(),
            resource_key.clone(),
        );
        if let Some(s) = self.sets.get(&key) {
            return Ok(s.clone());
        }
        let sides = match self.sides.get(&resource_key) {
            Some(s) => s.clone(),
            None => {
                let before =
                    self.snapshot
                        .resource_side(map, &req.resource, &Changes::default())?;
                let after = match &self.changes {
                    Some(c) => Some(self.snapshot.resource_side(map, &req.resource, c)?),
                    None => None,
                };
                let s = Rc::new((before, after));
                self.sides.insert(resource_key, s.clone());
                s
            }
        };
        let before = self.snapshot.policy_set(&entry.before, &sides.0, None);
        let after = match (&entry.after, &sides.1) {
            (Some(p), Some(r)) => {
                let session = if entry.session {
                    self.session.clone()
                } else {
                    None
                };
                Some(self.snapshot.policy_set(p, r, session))
            }
            _ => None,
        };
        let sets = Rc::new(Sets {
            before,
            after,
            side: sides.0.clone(),
        });
        self.sets.insert(key, sets.clone());
        Ok(sets)
    }

    /// The report.
    pub fn finish(mut self) -> ReplayReport {
        let c = &mut self.report.coverage;
        let needing = c.events - c.not_authorized;
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
        self.report
    }
}

/// The ten largest counts, largest first, and the rest summed as `other`.
fn top(m: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if v.len() > 10 {
        let rest: u64 = v[10..].iter().map(|(_, n)| n).sum();
        let kinds = v.len() - 10;
        v.truncate(10);
        v.push((format!("{kinds} other kind(s)"), rest));
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
