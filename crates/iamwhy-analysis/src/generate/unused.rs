//! `iamwhy unused`: per user and role of the snapshot, the services, actions (its grants
//! expanded over the catalog, as `can` evaluates them) and resource patterns it is allowed
//! and did not use in the window, with the last use of those it did use; principals with no
//! record at all; roles no one assumed. And what the logs cannot show: data events a trail
//! does not log by default, per service, from the records seen.

use std::collections::{BTreeMap, BTreeSet};

use iamwhy_catalog::Catalog;
use iamwhy_core::time::Instant;
use iamwhy_core::{Diagnostics, SourceMap};
use iamwhy_policy::{CaseFold, Pattern, Variables, Wildcards};
use iamwhy_snapshot::Snapshot;
use iamwhy_trail::filter::Filter;
use iamwhy_trail::input::Inputs;
use iamwhy_trail::scan::Origin;
use iamwhy_trail::{Event, Prefilter, Scan, Stats, scan};

use super::observe::{Call, read_call};
use super::{Observation, with_prefilter};
use crate::report::generate::{
    ActionUse, IdentityKind, PrincipalUse, ServiceUse, ServiceVisibility, UnusedReport,
};

/// CloudTrail's data events page, which says trails log none by default.
const DATA_EVENTS_DOC: &str = "Logging data events, https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html";

/// Whether CloudTrail logs calls of `action` as data events (Logging data events: S3 object
/// and bucket-content operations, Lambda invocations, DynamoDB item operations, SNS
/// publishing, SQS messages, Kinesis records).
fn is_data_action(service: &str, name: &str) -> bool {
    let catalog = Catalog::bundled();
    match service {
        "s3" => {
            name.starts_with("ListBucket")
                || name == "ListMultipartUploadParts"
                || catalog
                    .action(&format!("s3:{name}"))
                    .is_some_and(|a| a.resource_types.iter().any(|r| r.name == "object"))
        }
        "lambda" => name.starts_with("InvokeFunction"),
        "dynamodb" => matches!(
            name,
            "GetItem"
                | "BatchGetItem"
                | "PutItem"
                | "UpdateItem"
                | "DeleteItem"
                | "BatchWriteItem"
                | "Query"
                | "Scan"
                | "ConditionCheckItem"
                | "PartiQLSelect"
                | "PartiQLInsert"
                | "PartiQLUpdate"
                | "PartiQLDelete"
        ),
        "sns" => matches!(name, "Publish" | "PublishBatch"),
        "sqs" => matches!(
            name,
            "SendMessage"
                | "SendMessageBatch"
                | "ReceiveMessage"
                | "DeleteMessage"
                | "DeleteMessageBatch"
                | "ChangeMessageVisibility"
                | "ChangeMessageVisibilityBatch"
        ),
        "kinesis" => matches!(
            name,
            "PutRecord" | "PutRecords" | "GetRecords" | "GetShardIterator"
        ),
        _ => false,
    }
}

/// What [`unused_logs`] gives.
pub struct UnusedRun {
    /// The report.
    pub report: Result<UnusedReport, Diagnostics>,
    /// What the scan read and skipped.
    pub stats: Stats,
}

/// What the scan gathers besides each principal's calls.
#[derive(Default)]
struct Window {
    seen: Observation,
    assumed: BTreeSet<String>,
    services: BTreeMap<String, (u64, u64)>,
    first: Option<Instant>,
    last: Option<Instant>,
    read_only: bool,
}

impl Window {
    fn add(&mut self, call: &mut Call) {
        self.seen.add(call, false);
        if let Some(r) = &call.assumed_role {
            self.assumed.insert(role_key(r));
        }
        let s = self.services.entry(call.service.clone()).or_default();
        s.0 = s.0.saturating_add(1);
        if call.data_event {
            s.1 = s.1.saturating_add(1);
        }
        self.read_only |= call.read_only;
        if call.time.secs != 0 {
            self.first = Some(self.first.map_or(call.time, |f| f.min(call.time)));
            self.last = Some(self.last.map_or(call.time, |l| l.max(call.time)));
        }
    }
}

/// A role ARN as the calls name it: without its path.
fn role_key(arn: &str) -> String {
    let mut parts = arn.splitn(6, ':');
    let (Some(_), Some(partition), Some(_), Some(_), Some(account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return arn.to_owned();
    };
    let name = rest.rsplit('/').next().unwrap_or(rest);
    format!("arn:{partition}:iam::{account}:role/{name}")
}

/// Per user and role of the snapshot matching `principal` (a glob on the ARN or name; all
/// when `None`), what it is allowed and did not use in the window of `filter`.
pub fn unused_logs(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    inputs: &Inputs,
    settings: &Scan,
    filter: &Filter,
    principal: Option<&str>,
) -> UnusedRun {
    let mut w = Window::default();
    let settings = with_prefilter(settings, Prefilter::All);
    let stats = scan(
        inputs,
        &settings,
        |event: Event, origin: &Origin| {
            let message = event.denial();
            filter
                .matches(&event, &message)
                .then(|| read_call(snapshot, &event, &message, origin, false))
        },
        |mut call| w.add(&mut call),
    );
    let pattern = principal.map(|p| Pattern::compile(p, Wildcards::Glob, Variables::Literal));
    let wanted = |arn: &str, name: &str| {
        pattern.as_ref().is_none_or(|p| {
            p.matches_plain(arn, CaseFold::Sensitive) || p.matches_plain(name, CaseFold::Sensitive)
        })
    };
    let data_seen = |service: &str| w.services.get(service).is_some_and(|s| s.1 > 0);
    let mut principals = Vec::new();
    let mut inactive = Vec::new();
    let mut never_assumed = Vec::new();
    let mut candidates: Vec<(String, String, IdentityKind)> = Vec::new();
    for u in &snapshot.users {
        if wanted(&u.arn, &u.name) {
            candidates.push((u.arn.clone(), u.arn.clone(), IdentityKind::User));
        }
    }
    for r in &snapshot.roles {
        if wanted(&r.arn, &r.name) {
            candidates.push((r.arn.clone(), role_key(&r.arn), IdentityKind::Role));
        }
    }
    for (arn, key, kind) in candidates {
        let observed = w.seen.by_identity.get(&key);
        if observed.is_none() {
            inactive.push(arn.clone());
        }
        let assumed =
            (kind == IdentityKind::Role).then(|| observed.is_some() || w.assumed.contains(&key));
        if assumed == Some(false) {
            never_assumed.push(arn.clone());
        }
        let can = match crate::bulk::can(snapshot, map, &arn, &[], None) {
            Ok(c) => c,
            Err(e) => {
                return UnusedRun {
                    report: Err(e),
                    stats,
                };
            }
        };
        // Last use of each action, by its lower-case name.
        let mut last: BTreeMap<String, Option<Instant>> = BTreeMap::new();
        let mut touched: Vec<&str> = Vec::new();
        if let Some(o) = observed {
            #[expect(clippy::iter_over_hash_type, reason = "collected into a sorted map")]
            for (action, resources) in &o.needed {
                let l = resources.values().filter_map(|u| u.last).max();
                last.insert(action.to_ascii_lowercase(), l);
                #[expect(clippy::iter_over_hash_type, reason = "only searched")]
                for r in resources.keys() {
                    touched.push(r.as_str());
                }
            }
        }
        let mut services: BTreeMap<String, ServiceUse> = BTreeMap::new();
        for row in &can.allowed {
            let s = services
                .entry(row.service.clone())
                .or_insert_with(|| ServiceUse {
                    service: row.service.clone(),
                    allowed_actions: 0,
                    used: Vec::new(),
                    unused: Vec::new(),
                    last_used: None,
                    blind_spot: None,
                });
            s.allowed_actions = s.allowed_actions.saturating_add(1);
            let name = row.action.split(':').nth(1).unwrap_or("");
            let provable = !is_data_action(&row.service, name) || data_seen(&row.service);
            match last.get(&row.action.to_ascii_lowercase()) {
                Some(l) => s.used.push(ActionUse {
                    action: row.action.clone(),
                    resource: row.resource.clone(),
                    last_used: l.map(|t| t.to_iso8601()),
                    provable: true,
                }),
                None => s.unused.push(ActionUse {
                    action: row.action.clone(),
                    resource: row.resource.clone(),
                    last_used: None,
                    provable,
                }),
            }
        }
        for s in services.values_mut() {
            s.last_used = s.used.iter().filter_map(|u| u.last_used.clone()).max();
            let blind: Vec<&str> = s
                .unused
                .iter()
                .filter(|u| !u.provable)
                .map(|u| u.action.as_str())
                .collect();
            if !blind.is_empty() {
                s.blind_spot = Some(format!(
                    "no data event of {} was seen in the window: the trail may not log them (trails log none by default; {DATA_EVENTS_DOC}), so {} of its data-plane actions ({}{}) cannot be shown unused",
                    s.service,
                    blind.len(),
                    blind.iter().take(3).copied().collect::<Vec<_>>().join(", "),
                    if blind.len() > 3 { ", ..." } else { "" }
                ));
            }
        }
        let unused_services = services
            .values()
            .filter(|s| s.used.is_empty())
            .map(|s| s.service.clone())
            .collect();
        let unused_resources = can
            .resources
            .iter()
            .filter(|r| *r != "*")
            .filter(|r| {
                let p = Pattern::compile(r, Wildcards::Glob, Variables::Literal);
                !touched
                    .iter()
                    .any(|t| p.matches_plain(t, CaseFold::Sensitive))
            })
            .cloned()
            .collect();
        principals.push(PrincipalUse {
            principal: arn,
            kind,
            calls: observed.map_or(0, |o| o.calls),
            last_call: observed.and_then(|o| o.last).map(|t| t.to_iso8601()),
            unused_services,
            services: services.into_values().collect(),
            unused_resources,
            assumed,
        });
    }
    let mut limits = Vec::new();
    match (w.first, w.last) {
        (Some(f), Some(l)) => limits.push(format!(
            "the logs span {} to {} ({}): a permission used less often than that (a quarterly job, incident response) looks unused",
            f.to_iso8601(),
            l.to_iso8601(),
            span(l.abs_diff_secs(f))
        )),
        _ => limits.push("no record was read in the window: nothing can be shown used".to_owned()),
    }
    if !w.read_only && w.seen.records > 0 {
        limits.push("no read-only call was seen: if the trail logs write events only, read actions cannot be shown unused".to_owned());
    }
    limits.push("calls made in other accounts (a role assumed across accounts, a bucket of another account) are in those accounts' logs; only the logs given were read".to_owned());
    let visibility = w
        .services
        .iter()
        .map(|(s, (records, data))| ServiceVisibility {
            service: s.clone(),
            records: *records,
            data_events: *data,
        })
        .collect();
    UnusedRun {
        report: Ok(UnusedReport {
            window_start: w.first.map(|t| t.to_iso8601()),
            window_end: w.last.map(|t| t.to_iso8601()),
            records: w.seen.records,
            principals,
            inactive,
            roles_never_assumed: never_assumed,
            visibility,
            limits,
        }),
        stats,
    }
}

/// A duration in words: minutes, hours or days.
fn span(secs: u64) -> String {
    match secs {
        s if s < 2 * 3_600 => format!("{} minutes", s / 60),
        s if s < 2 * 86_400 => format!("{} hours", s / 3_600),
        s => format!("{} days", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        assert_eq!(span(490), "8 minutes");
        assert_eq!(span(30_000), "8 hours");
        assert_eq!(span(90 * 86_400), "90 days");
    }

    #[test]
    fn data_actions() {
        assert!(is_data_action("s3", "GetObject"));
        assert!(is_data_action("s3", "ListBucket"));
        assert!(!is_data_action("s3", "GetBucketPolicy"));
        assert!(is_data_action("lambda", "InvokeFunction"));
        assert!(!is_data_action("kms", "Decrypt"));
    }

    #[test]
    fn role_keys_drop_the_path() {
        assert_eq!(
            role_key("arn:aws:iam::111122223333:role/service-role/Backup"),
            "arn:aws:iam::111122223333:role/Backup"
        );
    }
}
