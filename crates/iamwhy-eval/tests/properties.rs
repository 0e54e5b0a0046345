//! Invariants of the decision (style guide §19), checked on generated policy sets and
//! requests:
//!
//! - an explicit `Deny` that matches the request, in any policy type that applies (identity,
//!   boundary, session, SCP or RCP level, VPC endpoint, resource), always gives
//!   `ExplicitDeny` (spec §4.4 step 2) — except where a hard-wired service rule decides first
//!   (§4.4 step 0);
//! - adding an `Allow` statement to a policy never turns `Allowed` into a deny;
//! - the decision does not depend on the order of statements or policies.

#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers: a failed spawn, parse or fixture is a failed test"
)]

mod common;

use std::borrow::Cow;

use common::{
    ALLOW_ALL, Stmt, World, action, build, decide, matching_actions, resource,
    satisfied_conditions, stmt, world,
};
use iamwhy_core::{Decision, Principal};
use proptest::prelude::*;

/// The services whose resources RCPs govern (spec §4.1: "service is on the RCP-supported
/// list"), among those of the generated actions.
const RCP_SERVICES: &[&str] = &["s3", "kms", "sqs", "sts"];

/// The policy types a statement can be added to, in the order of the `target` index.
#[derive(Clone, Copy, Debug)]
enum Target {
    Identity,
    Boundary,
    Session,
    Scp,
    Rcp,
    Endpoint,
    Resource,
}

const TARGETS: [Target; 7] = [
    Target::Identity,
    Target::Boundary,
    Target::Session,
    Target::Scp,
    Target::Rcp,
    Target::Endpoint,
    Target::Resource,
];

/// Adds `s` to a policy of type `target` that applies to the request of `w` (spec §4.1):
/// `pick` chooses among the SCP or RCP levels and the endpoints. Returns `false`, adding
/// nothing, when no such policy applies; a resource-based policy always does (it is created
/// when missing).
fn add_where_it_applies(w: &mut World, target: Target, pick: usize, s: Stmt) -> bool {
    let (req, _) = build(w);
    let principal = &req.principal;
    let identity_side = matches!(principal, Principal::User(_) | Principal::RoleSession(_));
    let service = action(w).split_once(':').map_or("", |(s, _)| s);
    match target {
        Target::Identity if identity_side => {
            if w.identity.is_empty() || pick.is_multiple_of(2) {
                w.identity.push(vec![s]);
            } else {
                let i = pick % w.identity.len();
                w.identity[i].push(s);
            }
        }
        Target::Boundary if identity_side && w.boundary.is_some() => {
            w.boundary.as_mut().unwrap().push(s);
        }
        Target::Session
            if matches!(principal, Principal::RoleSession(_)) && w.session.is_some() =>
        {
            w.session.as_mut().unwrap().push(s);
        }
        Target::Scp if principal.account().is_some() && w.scp_levels.is_some() => {
            let levels = w.scp_levels.as_mut().unwrap();
            let i = pick % levels.len();
            levels[i].push(s);
        }
        Target::Rcp if RCP_SERVICES.contains(&service) && w.rcp_levels.is_some() => {
            let levels = w.rcp_levels.as_mut().unwrap();
            let i = pick % levels.len();
            levels[i].push(s);
        }
        Target::Endpoint if !w.endpoints.is_empty() => {
            let i = pick % w.endpoints.len();
            w.endpoints[i].push(s);
        }
        Target::Resource => w.resource.get_or_insert_with(Vec::new).push(s),
        _ => return false,
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// Spec §4.4 step 2: an explicit deny anywhere wins. The `Deny` matches the request
    /// narrowly — its action or a wildcard that matches it, its resource, optionally a
    /// condition the request satisfies — in a policy of any type that applies.
    #[test]
    fn explicit_deny_always_wins(
        w in world(),
        target in prop::sample::select(TARGETS.to_vec()),
        pick in 0usize..8,
        action_form in 0usize..16,
        condition in prop::option::of(0usize..16),
    ) {
        let actions = matching_actions(action(&w));
        let conditions = satisfied_conditions(&w);
        let deny = Stmt {
            allow: false,
            action: Cow::Owned(actions[action_form % actions.len()].clone()),
            resource: Cow::Borrowed(resource(&w)),
            principal: Cow::Borrowed(r#""*""#),
            condition: condition.map_or(Cow::Borrowed(""), |i| Cow::Owned(conditions[i % conditions.len()].clone())),
        };
        let mut w2 = w.clone();
        if !add_where_it_applies(&mut w2, target, pick, deny.clone()) {
            add_where_it_applies(&mut w2, Target::Resource, pick, deny);
        }
        let (req, set) = build(&w2);
        let ev = decide(&req, &set);
        if ev.service_rule.is_none() {
            prop_assert_eq!(ev.decision, Decision::ExplicitDeny, "{:?}\n{:?}", w2, ev);
        }
    }

    /// Adding an Allow statement to an existing policy never removes access (and never
    /// removes an explicit deny). With `generous`, the world starts with allow-everything
    /// statements so that many generated requests are allowed to begin with.
    #[test]
    fn adding_an_allow_never_removes_access(
        w in world(),
        extra in stmt(),
        target in prop::sample::select(TARGETS.to_vec()),
        pick in 0usize..8,
        generous: bool,
    ) {
        let mut w = w;
        if generous {
            w.identity.push(vec![ALLOW_ALL]);
            w.resource.get_or_insert_with(Vec::new).push(ALLOW_ALL);
            for e in &mut w.endpoints {
                e.push(ALLOW_ALL);
            }
        }
        let (req, set) = build(&w);
        let before = decide(&req, &set).decision;
        let extra = Stmt { allow: true, ..extra };
        let mut w2 = w.clone();
        let added = match target {
            Target::Boundary if w2.boundary.is_some() => { w2.boundary.as_mut().unwrap().push(extra.clone()); true }
            Target::Session if w2.session.is_some() => { w2.session.as_mut().unwrap().push(extra.clone()); true }
            Target::Scp if w2.scp_levels.is_some() => {
                let levels = w2.scp_levels.as_mut().unwrap();
                let i = pick % levels.len();
                levels[i].push(extra.clone());
                true
            }
            // RCPs always allow (RCPFullAWSAccess is implied): an Allow changes nothing.
            Target::Rcp if w2.rcp_levels.is_some() => {
                let levels = w2.rcp_levels.as_mut().unwrap();
                let i = pick % levels.len();
                levels[i].push(extra.clone());
                true
            }
            Target::Endpoint if !w2.endpoints.is_empty() => {
                let i = pick % w2.endpoints.len();
                w2.endpoints[i].push(extra.clone());
                true
            }
            Target::Resource if w2.resource.is_some() => { w2.resource.as_mut().unwrap().push(extra.clone()); true }
            _ => false,
        };
        if !added {
            w2.identity.push(vec![extra]);
        }
        let (req2, set2) = build(&w2);
        let after = decide(&req2, &set2);
        match before {
            Decision::Allowed => prop_assert_eq!(after.decision, Decision::Allowed, "{:?}", after),
            Decision::ExplicitDeny => prop_assert_eq!(after.decision, Decision::ExplicitDeny, "{:?}", after),
            Decision::ImplicitDeny => {}
        }
    }

    /// The decision and the blamed policy type do not depend on statement or policy order.
    #[test]
    fn order_does_not_matter(w in world()) {
        let (req, set) = build(&w);
        let before = decide(&req, &set);
        let mut w2 = w.clone();
        w2.identity.reverse();
        for p in &mut w2.identity { p.reverse(); }
        if let Some(b) = &mut w2.boundary { b.reverse(); }
        if let Some(s) = &mut w2.session { s.reverse(); }
        if let Some(l) = &mut w2.scp_levels { for level in l.iter_mut() { level.reverse(); } }
        if let Some(l) = &mut w2.rcp_levels { for level in l.iter_mut() { level.reverse(); } }
        if let Some(r) = &mut w2.resource { r.reverse(); }
        w2.endpoints.reverse();
        for e in &mut w2.endpoints { e.reverse(); }
        let (req2, set2) = build(&w2);
        let after = decide(&req2, &set2);
        prop_assert_eq!(before.decision, after.decision);
        prop_assert_eq!(before.denied_by, after.denied_by);
        prop_assert_eq!(before.message, after.message);
    }
}
