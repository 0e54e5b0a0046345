//! The proof: the window replayed with each generated policy in place of its principal's
//! identity-based policies (boundary, SCPs, session and resource-based policies unchanged),
//! with the replay's own evaluation of each record ([`crate::replay::Replayer`]).

use std::collections::HashMap;
use std::sync::Arc;

use iamwhy_core::{Decision, Diagnostics, PolicyKind, SourceMap};
use iamwhy_eval::Policy;
use iamwhy_snapshot::Snapshot;
use iamwhy_trail::filter::Filter;
use iamwhy_trail::input::Inputs;
use iamwhy_trail::scan::Origin;
use iamwhy_trail::{Event, Scan, scan};

use rayon::prelude::*;

use super::observe::identity_of;
use super::spill;
use crate::replay::{Evaluated, LISTED, Outcome, Recorded, Replayer};
use crate::report::generate::{Generated, Verification};
use crate::request::principal_of;

/// Replays the window of `filter` with the generated policies of `targets` (by identity key,
/// as [`identity_of`] gives it) and fills in each one's verification.
pub(super) fn verify(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    inputs: &Inputs,
    settings: &Scan,
    filter: &Filter,
    targets: HashMap<&String, &mut Generated>,
    kept: Option<spill::Reader>,
) -> Result<(), Diagnostics> {
    if targets.is_empty() {
        return Ok(());
    }
    // The replay names a principal's policies by the ARN the snapshot holds (a role's with
    // its path, which the session ARN the identity key comes from leaves out): the
    // generated policies are given under that name, and each evaluated call finds its
    // target by it.
    let mut policies: HashMap<String, Vec<Policy>> = HashMap::new();
    let mut by_arn: HashMap<String, String> = HashMap::new();
    #[expect(
        clippy::iter_over_hash_type,
        reason = "filling other maps: the order does not matter"
    )]
    for (key, g) in &targets {
        let mut list = Vec::new();
        for part in &g.policies {
            if part.document.statement.is_empty() {
                continue;
            }
            let text = serde_json::to_string_pretty(&part.document).unwrap_or_default();
            let id = map.add_file(format!("{} ({})", part.name, g.principal), text);
            let document = snapshot.candidate(map, id, PolicyKind::Identity)?;
            list.push(Policy::new(part.name.clone(), document));
        }
        policies.insert(g.principal.clone(), list);
        by_arn.insert(g.principal.clone(), (*key).clone());
    }
    let replayer = Replayer::new(snapshot, map, None, None).replace_identity(policies);
    let mut tally = Tally {
        targets,
        by_arn,
        failure: None,
    };
    let replayed = kept.is_some_and(|mut calls| {
        from_kept(
            &replayer,
            &mut calls,
            settings,
            inputs.known_size(),
            &mut tally,
        )
        .is_ok()
    });
    if !replayed {
        // The calls could not be kept or read back: the logs are read again.
        tally.reset();
        scan(
            inputs,
            settings,
            |event: Event, origin: &Origin| {
                let message = event.denial();
                if !filter.matches(&event, &message) {
                    return None;
                }
                let outcome = replayer.replay(&event, &message, origin);
                let identity = || {
                    principal_of(&event)
                        .ok()
                        .and_then(|(p, _)| identity_of(&p))
                        .map(|(k, _, _)| k)
                };
                Some((Key::of(&outcome, identity)?, outcome))
            },
            |(key, outcome)| tally.add(key, outcome),
        );
    }
    std::mem::forget(replayer);
    let Tally {
        mut targets,
        failure,
        ..
    } = tally;
    if let Some(d) = failure {
        return Err(d);
    }
    #[expect(
        clippy::iter_over_hash_type,
        reason = "each entry is updated on its own: the order does not matter"
    )]
    for g in targets.values_mut() {
        let v: &mut Verification = &mut g.verification;
        // Every call AWS allowed stays allowed, apart from those the snapshot already denies
        // as it is (the snapshot then differs from the account at the time of the call, which
        // says nothing of the generated policy).
        v.verified = v.still_allowed.saturating_add(v.denied_as_is) >= v.allowed_calls;
    }
    Ok(())
}

/// Replays the calls the observation kept, a batch at a time on the scan's threads, in
/// their order; `Err` when they cannot be read back. The progress counter moves as a second
/// read of the logs' `log_bytes` would.
fn from_kept(
    replayer: &Replayer<'_>,
    calls: &mut spill::Reader,
    settings: &Scan,
    log_bytes: u64,
    tally: &mut Tally<'_, '_>,
) -> std::io::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .build()
        .map_err(std::io::Error::other)?;
    let total = calls.total().max(1);
    let (mut read, mut reported) = (0u64, 0u64);
    let mut unreadable = false;
    calls.for_each_batch(|batch| {
        if unreadable {
            return;
        }
        read = batch.iter().fold(read, |n, (_, b)| {
            n.saturating_add(8).saturating_add(b.len() as u64)
        });
        let now = u64::try_from(
            u128::from(log_bytes)
                .saturating_mul(u128::from(read))
                .checked_div(u128::from(total))
                .unwrap_or(0),
        )
        .unwrap_or(log_bytes);
        settings.progress.fetch_add(
            now.saturating_sub(reported),
            std::sync::atomic::Ordering::Relaxed,
        );
        reported = now;
        let outcomes: Vec<Option<Option<(Key, Outcome)>>> = pool.install(|| {
            batch
                .par_iter()
                .map(|&(file, bytes)| {
                    let spill::Call {
                        recorded,
                        identity,
                        access_key,
                        request,
                        call,
                    } = spill::decode(file, bytes)?;
                    let outcome =
                        replayer.replay_request(recorded, request, access_key.as_deref(), || call);
                    Some(Key::of(&outcome, || identity).map(|k| (k, outcome)))
                })
                .collect()
        });
        for o in outcomes {
            match o {
                Some(Some((key, outcome))) => tally.add(key, outcome),
                Some(None) => {}
                None => unreadable = true,
            }
        }
    })?;
    if unreadable {
        return Err(std::io::Error::other("a kept call does not decode"));
    }
    Ok(())
}

/// The verification of each target, as calls are replayed.
struct Tally<'t, 'g> {
    targets: HashMap<&'t String, &'g mut Generated>,
    by_arn: HashMap<String, String>,
    failure: Option<Diagnostics>,
}

impl Tally<'_, '_> {
    /// Back to no call replayed.
    fn reset(&mut self) {
        self.failure = None;
        #[expect(
            clippy::iter_over_hash_type,
            reason = "each entry is reset on its own: the order does not matter"
        )]
        for g in self.targets.values_mut() {
            g.verification = Verification::default();
        }
    }

    /// Counts one replayed call of `key`.
    fn add(&mut self, key: Key, outcome: Outcome) {
        let key = match &key {
            Key::Arn(arn) => self.by_arn.get(arn.as_ref()),
            Key::Identity(k) => Some(k),
        };
        let Some(g) = key.and_then(|k| self.targets.get_mut(k)) else {
            return;
        };
        let v = &mut g.verification;
        let e = match outcome {
            Outcome::Evaluated(e) => e,
            Outcome::NotAuthorized => return,
            Outcome::Failed(d) => {
                self.failure.get_or_insert(d);
                return;
            }
            Outcome::UnknownAction(_)
            | Outcome::Missing(_)
            | Outcome::UnknownPrincipal
            | Outcome::DependsOnUnheldAccount => {
                v.not_evaluated = v.not_evaluated.saturating_add(1);
                return;
            }
        };
        let after = e.after.unwrap_or(e.decision) == Decision::Allowed;
        match e.recorded {
            Recorded::Allowed => {
                v.allowed_calls = v.allowed_calls.saturating_add(1);
                if after {
                    v.still_allowed = v.still_allowed.saturating_add(1);
                } else if e.decision != Decision::Allowed {
                    v.denied_as_is = v.denied_as_is.saturating_add(1);
                } else if v.failures.len() < LISTED
                    && let Some(l) = e.listed
                {
                    v.failures.push(*l);
                }
            }
            Recorded::Denied => {
                v.denied_calls = v.denied_calls.saturating_add(1);
                if after {
                    v.denied_now_allowed = v.denied_now_allowed.saturating_add(1);
                }
            }
            Recorded::OtherError => {}
        }
    }
}

/// Whose call a replayed record is: the ARN its policies were found under, or (for a call
/// the replay did not evaluate) the identity key of its principal.
enum Key {
    Arn(Arc<str>),
    Identity(String),
}

impl Key {
    /// The key of a replayed call: the ARN its policies were found under, else the identity
    /// `identity` gives; `None` when neither.
    fn of(outcome: &Outcome, identity: impl FnOnce() -> Option<String>) -> Option<Key> {
        match outcome {
            Outcome::Evaluated(Evaluated {
                policy_key: Some(k),
                ..
            }) => Some(Key::Arn(Arc::clone(k))),
            _ => identity().map(Key::Identity),
        }
    }
}
