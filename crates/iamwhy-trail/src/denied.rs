//! `trail denied`: each denied call as every output format shows it, and the tally of what
//! AWS's messages say about them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::event::Event;
use crate::filter::Filter;
use crate::message::DenialMessage;
use crate::scan::Origin;

/// One denied call, as every output format shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Denied {
    /// Who: the identity's ARN, else what CloudTrail recorded.
    pub principal: String,
    /// The action AWS named in its message, else `service:EventName`.
    pub action: String,
    /// The resource AWS named, else the event's first resource.
    pub resource: Option<String>,
    /// The structured message.
    pub denial: DenialMessage,
    /// The event's key fields (access keys masked).
    #[serde(flatten)]
    pub event: Event,
    /// Where the record was read.
    pub source: SourceRef,
}

impl Denied {
    /// The denied call of `event`, with its parsed message.
    pub fn new(event: Event, denial: DenialMessage, origin: &Origin) -> Denied {
        Denied {
            principal: event.principal_label(),
            action: denial
                .action
                .clone()
                .unwrap_or_else(|| event.action_label()),
            resource: denial
                .resource
                .clone()
                .or_else(|| event.first_resource().map(str::to_owned)),
            denial,
            event,
            source: SourceRef::of(origin),
        }
    }

    /// The denied call of `event` when it is a denial that passes `filter`.
    pub fn select(event: Event, origin: &Origin, filter: &Filter) -> Option<Denied> {
        if !event.is_denied() {
            return None;
        }
        let denial = event.denial();
        filter
            .matches(&event, &denial)
            .then(|| Denied::new(event, denial, origin))
    }

    /// Orders denials by time, then by where they were read.
    pub fn sort(list: &mut [Denied]) {
        list.sort_by(|a, b| {
            (a.event.time, &a.source.file, a.source.offset).cmp(&(
                b.event.time,
                &b.source.file,
                b.source.offset,
            ))
        });
    }
}

/// A record's place in the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceRef {
    /// The file (or `<stdin>`).
    pub file: String,
    /// Line (1-based) of the record in the decompressed input.
    pub line: u64,
    /// Byte offset of the record in the decompressed input.
    pub offset: u64,
}

impl SourceRef {
    /// Where `origin` points.
    pub fn of(origin: &Origin) -> SourceRef {
        SourceRef {
            file: origin.file.to_string(),
            line: origin.line,
            offset: origin.offset,
        }
    }
}

/// Counts of the denials found, by what AWS's message says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Denials counted.
    pub total: u64,
    /// By `"{deny kind} {policy type}"` (`explicit resource-based`), or `policy type
    /// not given`.
    pub by_type: BTreeMap<String, u64>,
    /// Denials whose record has no `errorMessage` (console CSV has none).
    pub without_message: u64,
}

impl Tally {
    /// Counts one more denial.
    pub fn add(&mut self, d: &Denied) {
        self.total = self.total.saturating_add(1);
        let label = match (d.denial.policy_label(), d.denial.deny_kind.as_str()) {
            (Some(t), kind) => format!("{kind} {t}"),
            (None, _) => "policy type not given".to_owned(),
        };
        let n = self.by_type.entry(label).or_default();
        *n = n.saturating_add(1);
        if d.event.error_message.is_none() {
            self.without_message = self.without_message.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::filter::PrincipalFilter;

    fn origin(file: &str, offset: u64) -> Origin {
        Origin {
            file: Arc::from(file),
            line: 3,
            column: 1,
            offset,
        }
    }

    fn event(json: &str) -> Event {
        Event::from_json(json.as_bytes()).unwrap()
    }

    const MESSAGE: &str = "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/k with an explicit deny in a resource-based policy";

    #[test]
    fn the_message_names_the_action_and_resource_else_the_record_does() {
        let with_message = event(&format!(
            r#"{{"eventTime":"2026-11-20T10:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","errorCode":"AccessDeniedException","errorMessage":"{MESSAGE}","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"}}}}"#
        ));
        let d = Denied::new(with_message.clone(), with_message.denial(), &origin("a", 7));
        assert_eq!(d.principal, "arn:aws:iam::111122223333:user/alice");
        assert_eq!(d.action, "kms:Decrypt");
        assert_eq!(
            d.resource.as_deref(),
            Some("arn:aws:kms:us-east-1:111122223333:key/k")
        );
        assert_eq!(
            d.source,
            SourceRef {
                file: "a".to_owned(),
                line: 3,
                offset: 7
            }
        );
        let bare = event(
            r#"{"eventTime":"2026-11-20T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","errorCode":"AccessDenied","userIdentity":{"type":"IAMUser","userName":"bob"},"resources":[{"ARN":"arn:aws:s3:::b/k"}]}"#,
        );
        let d = Denied::new(bare.clone(), bare.denial(), &origin("a", 0));
        assert_eq!(
            (
                d.principal.as_str(),
                d.action.as_str(),
                d.resource.as_deref()
            ),
            ("bob", "s3:GetObject", Some("arn:aws:s3:::b/k"))
        );
    }

    #[test]
    fn only_denials_that_pass_the_filter_are_selected() {
        let ok = event(
            r#"{"eventTime":"2026-11-20T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"}}"#,
        );
        let denied = event(
            r#"{"eventTime":"2026-11-20T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","errorCode":"AccessDenied","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"}}"#,
        );
        let all = Filter::default();
        let bob = Filter {
            principal: Some(PrincipalFilter::new("arn:aws:iam::111122223333:user/bob")),
            ..Filter::default()
        };
        assert!(Denied::select(ok, &origin("a", 0), &all).is_none());
        assert!(Denied::select(denied.clone(), &origin("a", 0), &bob).is_none());
        assert!(Denied::select(denied, &origin("a", 0), &all).is_some());
    }

    #[test]
    fn denials_sort_by_time_then_file_then_offset() {
        let at = |t: &str| {
            event(&format!(
                r#"{{"eventTime":"{t}","eventSource":"s3.amazonaws.com","eventName":"GetObject","errorCode":"AccessDenied","userIdentity":{{"type":"IAMUser","userName":"bob"}}}}"#
            ))
        };
        let d = |t: &str, file: &str, offset: u64| {
            let e = at(t);
            Denied::new(e.clone(), e.denial(), &origin(file, offset))
        };
        let mut list = vec![
            d("2026-11-20T10:00:01Z", "a", 0),
            d("2026-11-20T10:00:00Z", "b", 5),
            d("2026-11-20T10:00:00Z", "b", 1),
            d("2026-11-20T10:00:00Z", "a", 9),
        ];
        Denied::sort(&mut list);
        let order: Vec<(&str, u64)> = list
            .iter()
            .map(|d| (d.source.file.as_str(), d.source.offset))
            .collect();
        assert_eq!(order, [("a", 9), ("b", 1), ("b", 5), ("a", 0)]);
    }

    #[test]
    fn the_tally_counts_by_deny_kind_and_policy_type() {
        let with_message = event(&format!(
            r#"{{"eventTime":"2026-11-20T10:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","errorCode":"AccessDeniedException","errorMessage":"{MESSAGE}","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"}}}}"#
        ));
        let bare = event(
            r#"{"eventTime":"2026-11-20T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","errorCode":"AccessDenied","userIdentity":{"type":"IAMUser","userName":"bob"}}"#,
        );
        let mut tally = Tally::default();
        for e in [&with_message, &with_message, &bare] {
            tally.add(&Denied::new(e.clone(), e.denial(), &origin("a", 0)));
        }
        assert_eq!(tally.total, 3);
        assert_eq!(tally.without_message, 1);
        let by_type: Vec<(&str, u64)> = tally
            .by_type
            .iter()
            .map(|(k, n)| (k.as_str(), *n))
            .collect();
        assert_eq!(
            by_type,
            [("explicit resource-based", 2), ("policy type not given", 1)]
        );
        assert_eq!(
            serde_json::to_value(&tally).unwrap(),
            serde_json::json!({"total": 3, "by_type": {"explicit resource-based": 2, "policy type not given": 1}, "without_message": 1})
        );
    }
}
