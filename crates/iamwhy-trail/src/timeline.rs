//! `trail timeline`: an identity's calls around a moment, with the calls AWS services made
//! on its behalf grouped under the call that triggered them.
//!
//! The window holds the identity's calls and the `AWSService` calls of the same time; they
//! are grouped by the one linking rule of [`crate::link`]. A service call that served none of
//! the identity's calls is dropped, unless it is the identity's own (a forward access session
//! whose user call is not in the logs): then it stands alone.

use iamwhy_core::time::Instant;
use serde::Serialize;

use crate::denied::SourceRef;
use crate::event::{Event, IdentityType};
use crate::filter::PrincipalFilter;
use crate::link;
use crate::message::DenialMessage;
use crate::scan::{Origin, Prefilter};

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

/// Groups the events of a window: `events` holds the identity's events and the
/// `AWSService` events of the same window; service events that cannot be tied to one of the
/// identity's calls are dropped, unless they are the identity's own (then they stand alone).
pub fn build(mut events: Vec<(Event, Origin)>, principal: &PrincipalFilter) -> Vec<Call> {
    events.sort_by_key(|a| (a.0.time, a.1.offset));
    let groups = link::group(&events, |(e, _)| e);
    let mut slots: Vec<Option<(Event, Origin)>> = events.into_iter().map(Some).collect();
    let mut take = |i: usize| slots.get_mut(i).and_then(Option::take);
    let (mut calls, mut alone) = (Vec::new(), Vec::new());
    for (primary, linked) in groups {
        let Some((event, origin)) = take(primary) else {
            continue;
        };
        let on_behalf = linked.into_iter().filter_map(&mut take).collect();
        let call = Call {
            event,
            origin,
            on_behalf,
        };
        if !link::made_by_service(&call.event) {
            calls.push(call);
        } else if principal.matches(&call.event, None) {
            alone.push(call);
        }
    }
    calls.extend(alone);
    calls.sort_by_key(|a| (a.event.time, a.origin.offset));
    calls
}

/// The time window of a timeline: `seconds` either side of `around`, from the whole second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// The first instant in the window.
    pub from: Instant,
    /// The last instant in the window.
    pub to: Instant,
}

impl Window {
    /// `seconds` either side of `around`.
    pub fn around(around: Instant, seconds: i64) -> Window {
        // Saturating: the window may reach past the supported times (the centre can be a
        // denial's record time, which is any `i64`); past the ends there is nothing to miss.
        Window {
            from: Instant {
                nanos: 0,
                ..around.saturating_add_secs(seconds.saturating_neg())
            },
            to: around.saturating_add_secs(seconds),
        }
    }

    /// Whether the timeline of `principal` shows `e`, or needs it for grouping: the
    /// identity's calls and the `AWSService` calls of the window.
    pub fn keeps(&self, e: &Event, principal: &PrincipalFilter) -> bool {
        let in_window = e.time >= self.from && e.time <= self.to;
        let mine = principal.matches(e, e.is_denied().then(|| e.denial()).as_ref());
        let service = e.user_identity.kind == Some(IdentityType::AwsService);
        in_window && (mine || service)
    }
}

/// The scan's pre-filter for a timeline: records naming the identity, or an `AWSService`
/// caller.
pub fn prefilter(principal: &PrincipalFilter) -> Prefilter {
    match principal.needle() {
        Some(n) => Prefilter::Contains(vec![n, b"\"AWSService\"".to_vec()]),
        None => Prefilter::All,
    }
}

/// The identity's latest denial, the default centre of a timeline. At the same second, the
/// identity's own call wins over the one a service made for it.
#[derive(Clone, Debug, Default)]
pub struct LatestDenial {
    best: Option<Candidate>,
}

/// A denial that may be the latest: its ordering key and its `service:EventName`.
#[derive(Clone, Debug)]
pub struct Candidate {
    key: (Instant, bool),
    action: String,
}

impl LatestDenial {
    /// `e` as a candidate, when it is a denial of `principal`'s.
    pub fn candidate(e: &Event, principal: &PrincipalFilter) -> Option<Candidate> {
        (e.is_denied() && principal.matches(e, Some(&e.denial()))).then(|| Candidate {
            key: (e.time, e.invoking_service().is_none()),
            action: e.action_label(),
        })
    }

    /// Keeps `c` if it is later than the latest so far.
    pub fn offer(&mut self, c: Candidate) {
        if self.best.as_ref().is_none_or(|b| c.key > b.key) {
            self.best = Some(c);
        }
    }

    /// The latest denial's time and `service:EventName`.
    pub fn get(self) -> Option<(Instant, String)> {
        self.best.map(|c| (c.key.0, c.action))
    }
}

/// A timeline, as `--format json` shows it.
#[derive(Debug, Serialize)]
pub struct Timeline<'a> {
    /// The identity, as given.
    pub principal: &'a str,
    /// The centre (ISO 8601).
    pub around: String,
    /// Seconds either side of the centre.
    pub window_seconds: i64,
    /// The latest denial's `service:EventName`, when the timeline is centred on it.
    pub centred_on_latest_denial: Option<String>,
    /// The identity's calls, in time order.
    pub calls: Vec<TimelineCall<'a>>,
    /// Events the scan read.
    pub events_scanned: u64,
}

/// One call of a timeline, as `--format json` shows it.
#[derive(Debug, Serialize)]
pub struct TimelineCall<'a> {
    /// The event.
    #[serde(flatten)]
    pub event: &'a Event,
    /// Whether it was denied.
    pub denied: bool,
    /// AWS's message, when denied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denial: Option<DenialMessage>,
    /// Where it was read.
    pub source: SourceRef,
    /// The calls services made for it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on_behalf: Vec<TimelineCall<'a>>,
}

impl<'a> TimelineCall<'a> {
    fn new(event: &'a Event, origin: &Origin, on_behalf: Vec<TimelineCall<'a>>) -> Self {
        TimelineCall {
            event,
            denied: event.is_denied(),
            denial: event.is_denied().then(|| event.denial()),
            source: SourceRef::of(origin),
            on_behalf,
        }
    }

    /// The calls of a timeline, with the calls services made for them.
    pub fn of(calls: &'a [Call]) -> Vec<TimelineCall<'a>> {
        calls
            .iter()
            .map(|c| {
                let children = c
                    .on_behalf
                    .iter()
                    .map(|(e, o)| TimelineCall::new(e, o, Vec::new()))
                    .collect();
                TimelineCall::new(&c.event, &c.origin, children)
            })
            .collect()
    }
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

    /// A forward access session whose user call is missing stands alone only when it is the
    /// identity's; an `AWSService` call tied to nothing is dropped.
    #[test]
    fn untied_service_calls_stand_alone_only_when_they_are_the_identitys() {
        let fas = event(&format!(
            r#"{{"eventTime":"2026-11-20T10:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","userIdentity":{{"type":"IAMUser","arn":"{USER}","invokedBy":"s3.amazonaws.com"}}}}"#
        ));
        let service = event(
            r#"{"eventTime":"2026-11-20T10:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","userIdentity":{"type":"AWSService","invokedBy":"s3.amazonaws.com"}}"#,
        );
        let calls = build(vec![service, fas], &PrincipalFilter::new(USER));
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].event.user_identity.arn.as_deref(), Some(USER));
    }

    #[test]
    fn the_window_starts_on_the_whole_second_and_keeps_the_identity_and_aws_services() {
        let around = Instant {
            secs: 1_000,
            nanos: 500,
        };
        let w = Window::around(around, 60);
        assert_eq!((w.from.secs, w.from.nanos), (940, 0));
        assert_eq!((w.to.secs, w.to.nanos), (1_060, 500));
        let extreme = Window::around(
            Instant {
                secs: i64::MAX,
                nanos: 0,
            },
            i64::MAX,
        );
        assert_eq!(extreme.to.secs, i64::MAX);
        let principal = PrincipalFilter::new(USER);
        let at = |t: &str, identity: &str| {
            event(&format!(
                r#"{{"eventTime":"{t}","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{identity}}}"#
            ))
            .0
        };
        let window = Window::around(at("2026-11-20T10:00:00Z", "{}").time, 60);
        let mine = format!(r#"{{"type":"IAMUser","arn":"{USER}"}}"#);
        let service = r#"{"type":"AWSService","invokedBy":"s3.amazonaws.com"}"#;
        let other = r#"{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/bob"}"#;
        assert!(window.keeps(&at("2026-11-20T10:01:00Z", &mine), &principal));
        assert!(window.keeps(&at("2026-11-20T09:59:00Z", service), &principal));
        assert!(!window.keeps(&at("2026-11-20T10:00:00Z", other), &principal));
        assert!(!window.keeps(&at("2026-11-20T10:01:01Z", &mine), &principal));
        assert_eq!(
            prefilter(&principal),
            Prefilter::Contains(vec![USER.as_bytes().to_vec(), b"\"AWSService\"".to_vec()])
        );
        assert_eq!(prefilter(&PrincipalFilter::new("*")), Prefilter::All);
    }

    #[test]
    fn the_latest_denial_prefers_the_identitys_own_call_at_the_same_second() {
        let principal = PrincipalFilter::new(USER);
        let record = |t: &str, name: &str, by: &str, code: &str| {
            event(&format!(
                r#"{{"eventTime":"{t}","eventSource":"s3.amazonaws.com","eventName":"{name}","errorCode":"{code}","userIdentity":{{"type":"IAMUser","arn":"{USER}"{by}}}}}"#
            ))
            .0
        };
        let mut latest = LatestDenial::default();
        for e in [
            record("2026-11-20T10:00:00Z", "Early", "", "AccessDenied"),
            record(
                "2026-11-20T10:00:05Z",
                "Served",
                r#","invokedBy":"s3.amazonaws.com""#,
                "AccessDenied",
            ),
            record("2026-11-20T10:00:05Z", "Own", "", "AccessDenied"),
            record(
                "2026-11-20T10:00:05Z",
                "Served2",
                r#","invokedBy":"s3.amazonaws.com""#,
                "AccessDenied",
            ),
            record("2026-11-20T10:09:00Z", "NotDenied", "", "NoSuchKey"),
        ] {
            if let Some(c) = LatestDenial::candidate(&e, &principal) {
                latest.offer(c);
            }
        }
        let (t, action) = latest.get().unwrap();
        assert_eq!(
            (t.to_iso8601().as_str(), action.as_str()),
            ("2026-11-20T10:00:05Z", "s3:Own")
        );
        assert!(LatestDenial::default().get().is_none());
    }

    #[test]
    fn a_timeline_in_json_nests_the_service_calls() {
        let user_call = event(&format!(
            r#"{{"eventTime":"2026-11-20T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","errorCode":"AccessDenied","userIdentity":{{"type":"IAMUser","arn":"{USER}"}}}}"#
        ));
        let fas = event(&format!(
            r#"{{"eventTime":"2026-11-20T10:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","userIdentity":{{"type":"IAMUser","arn":"{USER}","invokedBy":"s3.amazonaws.com"}}}}"#
        ));
        let calls = build(vec![fas, user_call], &PrincipalFilter::new(USER));
        let timeline = Timeline {
            principal: USER,
            around: "2026-11-20T10:00:00Z".to_owned(),
            window_seconds: 300,
            centred_on_latest_denial: None,
            calls: TimelineCall::of(&calls),
            events_scanned: 2,
        };
        let json = serde_json::to_value(&timeline).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "principal",
                "around",
                "window_seconds",
                "centred_on_latest_denial",
                "calls",
                "events_scanned"
            ]
        );
        assert_eq!(json["calls"][0]["event_name"], "GetObject");
        assert_eq!(json["calls"][0]["denied"], true);
        assert_eq!(json["calls"][0]["denial"]["deny_kind"], "unknown");
        assert_eq!(json["calls"][0]["on_behalf"][0]["event_name"], "Decrypt");
        assert_eq!(json["calls"][0]["on_behalf"][0]["denied"], false);
        assert!(json["calls"][0]["on_behalf"][0].get("denial").is_none());
        assert_eq!(json["calls"][0]["source"]["file"], "t.json");
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
