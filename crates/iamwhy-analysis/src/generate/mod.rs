//! `iamwhy generate`: the least-privilege policy a user or role needs, from the calls it made
//! in a window of CloudTrail logs, generalised by stated rules (`build.rs`), and proved by
//! replaying the window with the policy in place of the principal's own identity-based
//! policies (`verify.rs`). `iamwhy unused`: what principals are allowed and did not use
//! ([`unused`]).
//!
//! The calls' needs come from the same reconstruction `explain` and `replay` use
//! (`request::from_event`: the event→action table, the record's resources and
//! `requestParameters`, its context), plus the checks the call makes in other services with
//! the principal's identity that the snapshot implies (S3's `kms:Decrypt` on the bucket's
//! key, `data/hidden-calls.json`).

mod build;
mod observe;
mod spill;
pub mod unused;
mod verify;

use std::collections::{BTreeMap, HashMap};

use std::sync::Arc;

use iamwhy_core::{Diagnostics, SourceMap};
use iamwhy_snapshot::Snapshot;
use iamwhy_trail::filter::Filter;
use iamwhy_trail::input::Inputs;
use iamwhy_trail::scan::Origin;
use iamwhy_trail::{Event, Prefilter, Scan, Stats, scan};

use crate::report::generate::{
    DeniedCalls, GenerateReport, Generated, IdentityKind, NotCovered, PolicyTarget,
};
use observe::{Call, Observed, read_call};

/// The prefix threshold when none is given: more than this many objects under one prefix
/// are granted by its wildcard.
pub const DEFAULT_PREFIX_THRESHOLD: usize = 10;

/// The name of the generated inline policy (with `-N` for managed parts).
pub const POLICY_NAME: &str = "iamwhy-generated";

/// What `generate` is asked.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    /// `--principal` as given (the filter holds it compiled).
    pub principal: String,
    /// `--since` as given.
    pub since: Option<String>,
    /// `--until` as given.
    pub until: Option<String>,
    /// `--prefix-threshold`.
    pub prefix_threshold: usize,
    /// `--include-denied`.
    pub include_denied: bool,
    /// Verify by reading the logs a second time rather than from the calls the first pass
    /// kept (the answer is the same, only slower; the tests compare both).
    pub reread_logs: bool,
}

/// What [`generate_logs`] gives.
pub struct GenerateRun {
    /// The report; `Err` when a generated policy cannot be compiled for the replay.
    pub report: Result<GenerateReport, Diagnostics>,
    /// What the first scan read and skipped.
    pub stats: Stats,
    /// How long both scans took.
    pub elapsed: std::time::Duration,
}

/// The scan settings with another prefilter.
fn with_prefilter(settings: &Scan, prefilter: Prefilter) -> Scan {
    Scan {
        prefilter,
        threads: settings.threads,
        progress: Arc::clone(&settings.progress),
    }
}

/// Only the records that can name the principal get a full parse: its ARN, when the filter
/// is one ARN without wildcards.
fn prefilter_for(principal: &str) -> Prefilter {
    if principal.starts_with("arn:") && !principal.contains(['*', '?']) {
        // A role's sessions name the role in `sessionIssuer.arn`; an ARN with a path is
        // matched by its last part too (session ARNs carry no path).
        let name_part = principal
            .rsplit_once('/')
            .map_or(principal, |(_, name)| name);
        Prefilter::Contains(vec![
            principal.as_bytes().to_vec(),
            format!("/{name_part}").into_bytes(),
        ])
    } else {
        Prefilter::All
    }
}

/// The calls of a window, by user or role.
#[derive(Default)]
pub(crate) struct Observation {
    pub(crate) records: u64,
    /// By identity key (hashed while counting; [`Observation::sorted`] orders them).
    pub(crate) by_identity: observe::HashMap<String, Observed>,
    pub(crate) skipped: BTreeMap<String, u64>,
}

impl Observation {
    /// The identities, sorted by key.
    pub(crate) fn sorted(&self) -> Vec<(&String, &Observed)> {
        let mut v: Vec<(&String, &Observed)> = Vec::with_capacity(self.by_identity.len());
        #[expect(clippy::iter_over_hash_type, reason = "sorted below")]
        for e in &self.by_identity {
            v.push(e);
        }
        v.sort_by(|a, b| a.0.cmp(b.0));
        v
    }

    pub(crate) fn add(&mut self, call: &mut Call, include_denied: bool) {
        self.records = self.records.saturating_add(1);
        match std::mem::replace(&mut call.identity, Err(None)) {
            Ok((key, kind, session)) => {
                let o = match self.by_identity.get_mut(&key) {
                    Some(o) => o,
                    None => self.by_identity.entry(key).or_default(),
                };
                if let Some(s) = session
                    && o.sessions.len() < 100
                {
                    o.sessions.insert(s);
                }
                o.add(call, kind, include_denied);
            }
            Err(who) => {
                let who = who.unwrap_or_else(|| "(unknown)".to_owned());
                let n = self.skipped.entry(who).or_default();
                *n = n.saturating_add(1);
            }
        }
    }
}

/// The policy `options.principal` needs, from the records of `inputs` that pass `filter`
/// (which holds the principal, `--since` and `--until`), verified by replay.
pub fn generate_logs(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    inputs: &Inputs,
    settings: &Scan,
    filter: &Filter,
    options: &GenerateOptions,
) -> GenerateRun {
    let started = std::time::Instant::now();
    let threshold = options.prefix_threshold.max(1);
    let mut seen = Observation::default();
    let first = with_prefilter(settings, prefilter_for(&options.principal));
    // The calls are kept for the verification, which then need not read the logs again.
    let mut kept = if options.reread_logs {
        None
    } else {
        spill::Writer::new()
    };
    let keep = kept.is_some();
    let stats = scan(
        inputs,
        &first,
        |event: Event, origin: &Origin| {
            let message = event.denial();
            filter
                .matches(&event, &message)
                .then(|| read_call(snapshot, &event, &message, origin, keep))
        },
        |mut call| {
            seen.add(&mut call, options.include_denied);
            match (call.kept.take(), kept.as_mut()) {
                (Some((file, frame)), Some(w)) => {
                    if w.push(&file, &frame).is_err() {
                        kept = None;
                    }
                }
                // A call that could not be encoded: the logs are read again.
                (None, Some(_)) => kept = None,
                (_, None) => {}
            }
        },
    );
    let kept = kept.and_then(|w| w.finish().ok());
    let mut generated: Vec<Generated> = Vec::new();
    let sorted = seen.sorted();
    for &(key, o) in &sorted {
        let kind = o.kind.unwrap_or(IdentityKind::User);
        let (principal, known) = match kind {
            IdentityKind::Role => match snapshot.role(key) {
                Some(r) => (r.arn.clone(), true),
                None => (key.clone(), false),
            },
            IdentityKind::User => match snapshot.user(key) {
                Some(u) => (u.arn.clone(), true),
                None => (key.clone(), false),
            },
        };
        let built = build::build(&o.needed(), &o.network, threshold);
        let target = match kind {
            IdentityKind::Role => PolicyTarget::RoleInline,
            IdentityKind::User => PolicyTarget::UserInline,
        };
        let (target, policies) = build::documents(built.statements, target, POLICY_NAME);
        let mut notes = Vec::new();
        if !known {
            notes.push(format!(
                "the snapshot does not hold {principal}: the policy is generated, but the replay cannot verify it"
            ));
        }
        if target == PolicyTarget::Managed {
            notes.push(format!(
                "one document would exceed the {} characters IAM allows for {} inline policies ({}): split into {} customer managed policies of at most 6,144 characters each, to attach instead{}",
                match kind {
                    IdentityKind::Role => "10,240",
                    IdentityKind::User => "2,048",
                },
                match kind {
                    IdentityKind::Role => "a role's",
                    IdentityKind::User => "a user's",
                },
                build::QUOTAS,
                policies.len(),
                if policies.len() > 10 {
                    " (more than the 10 managed policies a principal can have attached by default; the quota can be raised to 20)"
                } else {
                    ""
                }
            ));
        }
        if policies.iter().all(|p| p.document.statement.is_empty()) {
            notes.push(
                "no call of the window needed a permission the policy could grant: the document has no statement (IAM refuses an empty policy; the principal needs none)".to_owned(),
            );
        }
        let denied_calls = o
            .denied_calls
            .iter()
            .map(|((action, resource), (calls, example))| DeniedCalls {
                action: action.clone(),
                resource: resource.clone(),
                calls: *calls,
                granted: options.include_denied,
                example: example.clone(),
            })
            .collect();
        let not_covered = o
            .not_covered
            .iter()
            .map(|(call, (reason, calls))| NotCovered {
                call: call.clone(),
                reason: reason.clone(),
                calls: *calls,
            })
            .collect();
        generated.push(Generated {
            principal,
            kind,
            sessions: o.sessions.iter().cloned().collect(),
            calls: o.calls,
            allowed: o.allowed,
            denied: o.denied,
            other_errors: o.other_errors,
            first_call: o.first.map(|t| t.to_iso8601()),
            last_call: o.last.map(|t| t.to_iso8601()),
            target,
            size_limit: target.limit(),
            policies,
            statements: built.basis,
            scope: built.scope,
            denied_calls,
            not_covered,
            verification: Default::default(),
            notes,
        });
    }
    let keys: Vec<String> = sorted.iter().map(|(k, _)| (*k).clone()).collect();
    let verified = verify::verify(
        snapshot,
        map,
        inputs,
        &first,
        filter,
        keys.iter()
            .zip(generated.iter_mut())
            .collect::<HashMap<_, _>>(),
        kept,
    );
    let report = verified.map(|()| GenerateReport {
        principal: options.principal.clone(),
        since: options.since.clone(),
        until: options.until.clone(),
        prefix_threshold: threshold,
        include_denied: options.include_denied,
        records: seen.records,
        generated,
        skipped_principals: seen.skipped.into_iter().collect(),
        rules: rules(threshold),
    });
    GenerateRun {
        report,
        stats,
        elapsed: started.elapsed(),
    }
}

/// The generalisation rules, in words, with their sources.
fn rules(threshold: usize) -> Vec<String> {
    vec![
        format!("resources are the ARNs the calls named, exactly, while at most {threshold} share a prefix"),
        format!("below a resource's root (a bucket), a prefix holding more than {threshold} of the calls' resources and branching into more than {threshold} names is granted by its wildcard (`bucket/reports/*`); the account, Region and resource root are never wildcards"),
        "an action that supports no resource types is granted on `*` (Service Authorization Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)".to_owned(),
        "a condition is added where every call a statement covers showed the same values: `kms:ViaService` (a key used only through a service), `aws:SourceVpce`, `aws:SourceIp` (one value over at least two calls), `s3:prefix` (listings)".to_owned(),
        "the checks a call makes in other services with the caller's identity (S3's `kms:Decrypt` for an SSE-KMS bucket) are granted from the snapshot's facts, even when the trail has no record of them".to_owned(),
        "statements group the actions of one service that share resources and conditions".to_owned(),
        format!("a role's inline policies may hold 10,240 characters, a user's 2,048, a managed policy 6,144, whitespace not counted ({}); a larger policy is split into managed policies", build::QUOTAS),
    ]
}
