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

use super::observe::identity_of;
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
    mut targets: HashMap<&String, &mut Generated>,
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
    let mut failure = None;
    scan(
        inputs,
        settings,
        |event: Event, origin: &Origin| {
            let message = event.denial();
            if !filter.matches(&event, &message) {
                return None;
            }
            let outcome = replayer.replay(&event, &message, origin);
            let key = match &outcome {
                Outcome::Evaluated(Evaluated {
                    policy_key: Some(k),
                    ..
                }) => Key::Arn(Arc::clone(k)),
                _ => Key::Identity(
                    principal_of(&event)
                        .ok()
                        .and_then(|(p, _)| identity_of(&p))
                        .map(|(k, _, _)| k)?,
                ),
            };
            Some((key, outcome))
        },
        |(key, outcome)| {
            let key = match &key {
                Key::Arn(arn) => by_arn.get(arn.as_ref()),
                Key::Identity(k) => Some(k),
            };
            let Some(g) = key.and_then(|k| targets.get_mut(k)) else {
                return;
            };
            let v = &mut g.verification;
            let e = match outcome {
                Outcome::Evaluated(e) => e,
                Outcome::NotAuthorized => return,
                Outcome::Failed(d) => {
                    failure.get_or_insert(d);
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
        },
    );
    std::mem::forget(replayer);
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

/// Whose call a replayed record is: the ARN its policies were found under, or (for a call
/// the replay did not evaluate) the identity key of its principal.
enum Key {
    Arn(Arc<str>),
    Identity(String),
}
