//! Invariants of the decision (style guide §19), checked on generated policy sets and
//! requests:
//!
//! - an explicit `Deny` that matches the request, in any policy type that applies, always
//!   gives `ExplicitDeny` (spec §4.4 step 2) — except where a hard-wired service rule decides
//!   first (§4.4 step 0);
//! - adding an `Allow` statement to a policy never turns `Allowed` into a deny;
//! - the decision does not depend on the order of statements or policies.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers: a failed spawn, parse or fixture is a failed test"
)]

mod common;

use common::{DENY_ALL, Stmt, build, decide, stmt, world};
use iamwhy_core::{Decision, Principal};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// Spec §4.4 step 2: an explicit deny anywhere wins.
    #[test]
    fn explicit_deny_always_wins(w in world(), target in 0usize..5) {
        let (req, _) = build(&w);
        let mut w2 = w.clone();
        let principal = &req.principal;
        let identity_side = matches!(principal, Principal::User(_) | Principal::RoleSession(_));
        // Put a deny-everything statement into a policy type that applies to this request.
        match target {
            0 if identity_side => w2.identity.push(vec![DENY_ALL]),
            1 if identity_side && w2.boundary.is_some() => w2.boundary.as_mut().unwrap().push(DENY_ALL),
            2 if matches!(principal, Principal::RoleSession(_)) && w2.session.is_some() => w2.session.as_mut().unwrap().push(DENY_ALL),
            3 if principal.account().is_some() && w2.scp_levels.is_some() => w2.scp_levels.as_mut().unwrap()[0].push(DENY_ALL),
            _ => w2.resource.get_or_insert_with(Vec::new).push(DENY_ALL),
        }
        let (req, set) = build(&w2);
        let ev = decide(&req, &set);
        if ev.service_rule.is_none() {
            prop_assert_eq!(ev.decision, Decision::ExplicitDeny, "{:?}", ev);
        }
    }

    /// Adding an Allow statement to an existing policy never removes access (and never
    /// removes an explicit deny). With `generous`, the world starts with allow-everything
    /// statements so that many generated requests are allowed to begin with.
    #[test]
    fn adding_an_allow_never_removes_access(w in world(), extra in stmt(), target in 0usize..5, generous: bool) {
        let mut w = w;
        let allow_all = Stmt { allow: true, ..DENY_ALL };
        if generous {
            w.identity.push(vec![allow_all.clone()]);
            w.resource.get_or_insert_with(Vec::new).push(allow_all);
        }
        let (req, set) = build(&w);
        let before = decide(&req, &set).decision;
        let extra = Stmt { allow: true, ..extra };
        let mut w2 = w.clone();
        match target {
            0 => w2.identity.push(vec![extra]),
            1 if w2.boundary.is_some() => w2.boundary.as_mut().unwrap().push(extra),
            2 if w2.session.is_some() => w2.session.as_mut().unwrap().push(extra),
            3 if w2.scp_levels.is_some() => w2.scp_levels.as_mut().unwrap()[0].push(extra),
            _ if w2.resource.is_some() => w2.resource.as_mut().unwrap().push(extra),
            _ => w2.identity.push(vec![extra]),
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
        if let Some(r) = &mut w2.resource { r.reverse(); }
        let (req2, set2) = build(&w2);
        let after = decide(&req2, &set2);
        prop_assert_eq!(before.decision, after.decision);
        prop_assert_eq!(before.denied_by, after.denied_by);
        prop_assert_eq!(before.message, after.message);
    }
}
