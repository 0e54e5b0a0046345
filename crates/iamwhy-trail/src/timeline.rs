//! `trail timeline`: an identity's calls around a moment, with the calls AWS services made
//! on its behalf grouped under the call that triggered them.
//!
//! A call is made on the identity's behalf when CloudTrail records it under the identity
//! with `userIdentity.invokedBy` set or a `sourceIPAddress` that names a service
//! (`s3.amazonaws.com`), as for forward access sessions; or when the caller is an
//! `AWSService` identity whose event names one of the identity's resources, shares an
//! `eventID`/`sharedEventID`, or has the same `requestID`. Such a call is grouped under the
//! identity's nearest call to the same service within [`LINK_SECONDS`], preferring a call
//! whose resource the service call names (S3's `kms:Decrypt` carries the object's ARN in its
//! encryption context).

use crate::event::IdentityType;
use crate::event::{Event, service_of_invoker};
use crate::filter::PrincipalFilter;
use crate::scan::Origin;

/// How far apart (in seconds) a user call and the service call it triggered may be logged.
pub const LINK_SECONDS: i64 = 5;

/// One call of the identity, with the service calls it triggered.
#[derive(Clone, Debug)]
pub struct Call {
    /// The call.
    pub event: Event,
    /// Where it was read.
    pub origin: Origin,
    /// Calls AWS services made for it, in time order.
    pub on_behalf: Vec<(Event, Origin)>,
}

/// Whether a service made the call (for the identity, or as itself).
fn made_by_service(e: &Event) -> bool {
    e.invoking_service().is_some() || e.user_identity.kind == Some(IdentityType::AwsService)
}

/// Whether the service call `s` names, or shares an id with, the identity's call `u`.
fn linked(s: &Event, u: &Event) -> bool {
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

/// Groups the events of a window: `events` holds the identity's events and the
/// `AWSService` events of the same window; service events that cannot be tied to one of the
/// identity's calls are dropped, unless they are the identity's own (then they stand alone).
pub fn build(mut events: Vec<(Event, Origin)>, principal: &PrincipalFilter) -> Vec<Call> {
    events.sort_by_key(|a| (a.0.time, a.1.offset));
    let (service, own): (Vec<_>, Vec<_>) =
        events.into_iter().partition(|(e, _)| made_by_service(e));
    let mut calls: Vec<Call> = own
        .into_iter()
        .map(|(event, origin)| Call {
            event,
            origin,
            on_behalf: Vec::new(),
        })
        .collect();
    let mut alone = Vec::new();
    for (s, origin) in service {
        let invoker = s
            .invoking_service()
            .map(|x| service_of_invoker(x).to_ascii_lowercase());
        let parent = calls
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                // Saturating: record times come from input and may be any `i64`.
                let dt = s.time.secs.saturating_sub(c.event.time.secs);
                (-1..=LINK_SECONDS).contains(&dt)
                    && invoker
                        .as_deref()
                        .is_none_or(|x| c.event.service().eq_ignore_ascii_case(x))
            })
            .map(|(i, c)| {
                let dt = s.time.abs_diff_secs(c.event.time);
                (i, !linked(&s, &c.event), dt)
            })
            .min_by_key(|&(_, unlinked, dt)| (unlinked, dt));
        let mine = principal.matches(&s, None);
        match parent {
            Some((i, unlinked, _)) if mine || !unlinked => {
                if let Some(call) = calls.get_mut(i) {
                    call.on_behalf.push((s, origin));
                }
            }
            _ if mine => alone.push(Call {
                event: s,
                origin,
                on_behalf: Vec::new(),
            }),
            _ => {}
        }
    }
    calls.extend(alone);
    calls.sort_by_key(|a| (a.event.time, a.origin.offset));
    calls
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn event(json: &str) -> (Event, Origin) {
        let origin = Origin {
            file: Arc::from("t.json"),
            line: 1,
            column: 1,
            offset: 0,
        };
        (
            Event::from_json(json.as_bytes()).unwrap_or_else(|e| panic!("{e}")),
            origin,
        )
    }

    const USER: &str = "arn:aws:iam::111122223333:user/alice";

    #[test]
    fn an_aws_service_call_naming_the_users_resource_is_grouped() {
        let user_call = event(&format!(
            r#"{{"eventTime":"2026-11-20T10:00:00Z","eventSource":"backup.amazonaws.com","eventName":"StartBackupJob","eventID":"e1","userIdentity":{{"type":"IAMUser","arn":"{USER}"}},"resources":[{{"ARN":"arn:aws:dynamodb:us-east-1:111122223333:table/orders"}}]}}"#
        ));
        let service_call = event(
            r#"{"eventTime":"2026-11-20T10:00:02Z","eventSource":"dynamodb.amazonaws.com","eventName":"CreateBackup","eventID":"e2","userIdentity":{"type":"AWSService","invokedBy":"backup.amazonaws.com"},"requestParameters":{"tableArn":"arn:aws:dynamodb:us-east-1:111122223333:table/orders"}}"#,
        );
        let unrelated = event(
            r#"{"eventTime":"2026-11-20T10:00:01Z","eventSource":"dynamodb.amazonaws.com","eventName":"DescribeTable","eventID":"e3","userIdentity":{"type":"AWSService","invokedBy":"backup.amazonaws.com"},"requestParameters":{"tableName":"other"}}"#,
        );
        let calls = build(
            vec![service_call, unrelated, user_call],
            &PrincipalFilter::new(USER),
        );
        assert_eq!(calls.len(), 1);
        let names: Vec<&str> = calls[0]
            .on_behalf
            .iter()
            .map(|(e, _)| e.event_name.as_str())
            .collect();
        assert_eq!(names, ["CreateBackup"]);
    }

    /// Issue 18: record times at the ends of `i64` do not overflow the grouping.
    #[test]
    fn extreme_record_times_do_not_overflow() {
        let user = event(&format!(
            r#"{{"eventTime":"-9223372036854775808","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{{"type":"IAMUser","arn":"{USER}"}}}}"#
        ));
        let fas = event(&format!(
            r#"{{"eventTime":"9223372036854775807","eventSource":"s3.amazonaws.com","eventName":"Decrypt","userIdentity":{{"type":"IAMUser","arn":"{USER}","invokedBy":"s3.amazonaws.com"}}}}"#
        ));
        let calls = build(vec![user, fas], &PrincipalFilter::new(USER));
        assert_eq!(calls.len(), 2);
    }

    #[test]
    fn a_service_call_made_for_the_user_with_no_parent_stands_alone() {
        let fas = event(&format!(
            r#"{{"eventTime":"2026-11-20T10:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","userIdentity":{{"type":"IAMUser","arn":"{USER}","invokedBy":"fas.s3.amazonaws.com"}}}}"#
        ));
        let calls = build(vec![fas], &PrincipalFilter::new(USER));
        assert_eq!(calls.len(), 1);
        assert!(calls[0].on_behalf.is_empty());
    }
}
