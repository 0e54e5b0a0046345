//! The one rule that links a call an AWS service made to the call of a principal it served.
//!
//! A service calls other services while it serves a principal's request in two ways, and
//! CloudTrail records them differently
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html>):
//!
//! * with the principal's own identity, as a forward access session
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access_forward_access_sessions.html>):
//!   the record carries the principal's `userIdentity` with `invokedBy` set to the service
//!   (or a `sourceIPAddress` that names it), as S3's `kms:Decrypt` for a `GetObject` of an
//!   SSE-KMS object. AWS makes such a request only after it has received the principal's, and
//!   checks the same principal's permissions, so it serves a call **of the same identity**;
//! * with the service's own identity (`userIdentity.type` `AWSService`): nothing names the
//!   principal, so the record serves a call only when it is **tied** to it: it shares an id
//!   (`sharedEventID` or `requestID`) or names the call's resource (S3's `kms:Decrypt` carries
//!   the object's ARN in its encryption context).
//!
//! Both kinds serve a call to the service that made them (`invokedBy`), logged at most one
//! second before (clocks and rounding) and [`LINK_SECONDS`] after it. Among the calls a record
//! could serve, a tied call wins, then the nearest in time, then the first in input order.
//!
//! [`group`] applies the rule to a whole log without comparing every pair: the calls no service
//! made are bucketed by service (and identity) and sorted by time, and each service call looks
//! only at its bucket's calls of its time window. `trail timeline` and `explain` both group
//! with it.

use std::collections::BTreeMap;

use crate::event::{Event, IdentityType, service_of_invoker};

/// How far apart (in seconds) a user call and the service call it triggered may be logged:
/// the service call at most this long after the user call.
pub const LINK_SECONDS: i64 = 5;

/// How long (in seconds) before the user call the service call it triggered may be logged
/// (the two records' clocks and rounding to the second).
const EARLY_SECONDS: i64 = 1;

/// Whether a service made the call: for a principal (`invokedBy`, or a service
/// `sourceIPAddress`), or as itself (`AWSService`).
pub fn made_by_service(e: &Event) -> bool {
    e.invoking_service().is_some() || e.user_identity.kind == Some(IdentityType::AwsService)
}

/// Whether the service call `s` shares an id with the call `u` or names its resource.
fn tied(s: &Event, u: &Event) -> bool {
    let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
    if same(&s.shared_event_id, &u.event_id)
        || same(&s.shared_event_id, &u.shared_event_id)
        || same(&s.request_id, &u.request_id)
    {
        return true;
    }
    let text = s.request_parameters.as_ref().map(|r| r.get()).unwrap_or("");
    u.resources
        .iter()
        .filter_map(|r| r.arn.as_deref())
        .any(|arn| text.contains(arn) || s.resources.iter().any(|r| r.arn.as_deref() == Some(arn)))
}

/// Who made a call, for telling whether a forward access session carries the identity of the
/// call it served: the identity's ARN, or for console CSV rows (no ARN, no identity type) the
/// user name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Identity<'a> {
    Arn(&'a str),
    CsvUser(&'a str),
}

fn identity(e: &Event) -> Option<Identity<'_>> {
    let id = &e.user_identity;
    match (&id.arn, &id.kind, &id.user_name) {
        (Some(arn), _, _) => Some(Identity::Arn(arn)),
        (None, None, Some(name)) => Some(Identity::CsvUser(name)),
        _ => None,
    }
}

/// Whether the service call `s` served the call `u`, and if so how well: `(untied, seconds
/// apart)`, lower is better. `None` when it cannot have.
pub fn served(s: &Event, u: &Event) -> Option<(bool, u64)> {
    if !made_by_service(s) || made_by_service(u) {
        return None;
    }
    if let Some(invoker) = s.invoking_service()
        && !u
            .service()
            .eq_ignore_ascii_case(service_of_invoker(invoker))
    {
        return None;
    }
    // Saturating: record times come from input and may be any `i64`.
    let dt = s.time.secs.saturating_sub(u.time.secs);
    if !(EARLY_SECONDS.saturating_neg()..=LINK_SECONDS).contains(&dt) {
        return None;
    }
    let tied = tied(s, u);
    let linked = if s.user_identity.kind == Some(IdentityType::AwsService) {
        tied
    } else {
        identity(s).is_some() && identity(s) == identity(u)
    };
    linked.then(|| (!tied, s.time.abs_diff_secs(u.time)))
}

/// Calls no service made, each list sorted by (time, index).
#[derive(Default)]
struct Calls<'a> {
    /// By service (lowercase) and identity: where a forward access session looks.
    by_identity: BTreeMap<(String, Identity<'a>), Vec<(i64, usize)>>,
    /// By service (lowercase): where an `AWSService` call looks.
    by_service: BTreeMap<String, Vec<(i64, usize)>>,
    /// All: where an `AWSService` call that names no service looks.
    all: Vec<(i64, usize)>,
}

impl<'a> Calls<'a> {
    fn new(events: impl Iterator<Item = &'a Event>) -> Calls<'a> {
        let mut calls = Calls::default();
        for (i, e) in events.enumerate() {
            if made_by_service(e) {
                continue;
            }
            let service = e.service().to_ascii_lowercase();
            let at = (e.time.secs, i);
            if let Some(who) = identity(e) {
                calls
                    .by_identity
                    .entry((service.clone(), who))
                    .or_default()
                    .push(at);
            }
            calls.by_service.entry(service).or_default().push(at);
            calls.all.push(at);
        }
        calls
            .by_identity
            .values_mut()
            .for_each(|l| l.sort_unstable());
        calls
            .by_service
            .values_mut()
            .for_each(|l| l.sort_unstable());
        calls.all.sort_unstable();
        calls
    }

    /// The calls the service call `s` may have served, in (time, index) order: those of its
    /// time window, of the service that made it, and for a forward access session of its
    /// identity.
    fn candidates(&self, s: &'a Event) -> &[(i64, usize)] {
        let service = s
            .invoking_service()
            .map(|x| service_of_invoker(x).to_ascii_lowercase());
        let list = match (
            &service,
            s.user_identity.kind == Some(IdentityType::AwsService),
        ) {
            (Some(service), false) => identity(s).and_then(|who| {
                self.by_identity
                    .get(&(service.clone(), who))
                    .map(Vec::as_slice)
            }),
            (Some(service), true) => self.by_service.get(service).map(Vec::as_slice),
            (None, _) => Some(self.all.as_slice()),
        }
        .unwrap_or_default();
        let from = s.time.secs.saturating_sub(LINK_SECONDS);
        let to = s.time.secs.saturating_add(EARLY_SECONDS);
        let start = list.partition_point(|&(t, _)| t < from);
        let end = list.partition_point(|&(t, _)| t <= to);
        list.get(start..end).unwrap_or_default()
    }
}

/// Groups records: each call a service made goes with the call it served (see the module
/// docs); every other record is a primary. Returns `(primary, linked)` index groups, the
/// primaries and each group's linked records in input order. `event` reads a record's event.
pub fn group<T>(records: &[T], event: impl Fn(&T) -> &Event) -> Vec<(usize, Vec<usize>)> {
    let calls = Calls::new(records.iter().map(&event));
    let parent_of: Vec<Option<usize>> = records
        .iter()
        .map(|r| {
            let s = event(r);
            if !made_by_service(s) {
                return None;
            }
            calls
                .candidates(s)
                .iter()
                .filter_map(|&(_, j)| {
                    let u = event(records.get(j)?);
                    served(s, u).map(|(untied, apart)| (untied, apart, j))
                })
                .min()
                .map(|(_, _, j)| j)
        })
        .collect();
    let mut linked: Vec<Vec<usize>> = vec![Vec::new(); records.len()];
    for (i, parent) in parent_of.iter().enumerate() {
        if let Some(list) = parent.and_then(|p| linked.get_mut(p)) {
            list.push(i);
        }
    }
    parent_of
        .iter()
        .zip(linked)
        .enumerate()
        .filter(|(_, (parent, _))| parent.is_none())
        .map(|(i, (_, linked))| (i, linked))
        .collect()
}

#[cfg(test)]
mod tests;
