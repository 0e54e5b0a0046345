//! A naive reference model of spec §4.4 (steps 1–4) and §4.6, transcribed line by line from
//! the spec, compared with the engine on generated worlds (style guide §19).
//!
//! The model takes as given which statements apply (the engine's `matched` list, which the
//! scenario corpus and unit tests check on their own) and recomputes from them, with the
//! spec's pseudo-code, the decision and the policy type AWS would blame. A disagreement means
//! the engine's combination logic departs from the spec.

#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers: a failed parse or fixture is a failed test"
)]

mod common;

use common::{build, world};
use iamwhy_core::{Decision, DeniedBy, PolicyType, Principal, Request};
use iamwhy_eval::{Evaluation, MatchKind, PolicySet, SetId};
use iamwhy_policy::Effect;
use proptest::prelude::*;

/// A set's result (spec §4.2 `SetResult`), with the match kinds of its allows.
#[derive(Clone, Debug, PartialEq)]
enum R {
    NotApplicable,
    ExplicitDeny,
    Allow(Vec<MatchKind>),
    ImplicitDeny,
}

impl R {
    fn is_allow(&self) -> bool {
        matches!(self, R::Allow(_))
    }
    fn has(&self, k: MatchKind) -> bool {
        matches!(self, R::Allow(kinds) if kinds.contains(&k))
    }
    fn any_allow(&self) -> bool {
        self.is_allow()
    }
}

/// Spec §4.2 over the statements of one group that the engine reports as applying.
fn eval(ev: &Evaluation, pred: impl Fn(SetId) -> bool) -> R {
    let applying: Vec<_> = ev
        .matched
        .iter()
        .filter(|m| pred(m.statement.set))
        .collect();
    if applying.iter().any(|m| m.effect == Effect::Deny) {
        return R::ExplicitDeny;
    }
    let kinds: Vec<MatchKind> = applying
        .iter()
        .filter(|m| m.effect == Effect::Allow)
        .map(|m| m.kind)
        .collect();
    if kinds.is_empty() {
        R::ImplicitDeny
    } else {
        R::Allow(kinds)
    }
}

fn reference(req: &Request, set: &PolicySet, ev: &Evaluation) -> (Decision, Option<DeniedBy>) {
    let p = &req.principal;
    let identity_like = matches!(p, Principal::User(_) | Principal::RoleSession(_));
    // 1.1 id = principal is Root ? Allow : eval(identity policies); NA for anonymous/service
    let id = match p {
        Principal::Root(_) => R::Allow(vec![]),
        _ if identity_like => eval(ev, |s| s == SetId::Identity),
        _ => R::NotApplicable,
    };
    // 1.2 pb = eval(boundary) or NotApplicable
    let pb = if identity_like && set.permissions_boundary.is_some() {
        eval(ev, |s| s == SetId::PermissionsBoundary)
    } else {
        R::NotApplicable
    };
    // 1.3 ses = eval(session policies) or NotApplicable
    let ses = if matches!(p, Principal::RoleSession(_)) && set.session.is_some() {
        eval(ev, |s| s == SetId::Session)
    } else {
        R::NotApplicable
    };
    // 1.4 scp = eval_levels(scp chain): every level must allow, a deny at any level denies
    let scp = match &set.scps {
        Some(levels) if p.account().is_some() && !p.is_service_linked_role() => {
            let per_level: Vec<R> = (0..levels.len())
                .map(|i| eval(ev, |s| s == SetId::Scp(i as u16)))
                .collect();
            if per_level.contains(&R::ExplicitDeny) {
                R::ExplicitDeny
            } else if per_level.iter().any(|r| !r.is_allow()) {
                R::ImplicitDeny
            } else {
                R::Allow(vec![])
            }
        }
        _ => R::NotApplicable,
    };
    // 1.5 rcp = eval_levels(rcp chain), RCPFullAWSAccess implied at every level: a deny at
    // any level denies, and every level allows otherwise. It applies to resources of services
    // on the RCP-supported list (§4.1; of the generated services: S3, KMS and SQS, not EC2).
    let rcp = match &set.rcps {
        Some(levels) if ["s3", "kms", "sqs"].contains(&req.action.service()) => {
            if (0..levels.len()).any(|i| eval(ev, |s| s == SetId::Rcp(i as u16)) == R::ExplicitDeny)
            {
                R::ExplicitDeny
            } else {
                R::Allow(vec![])
            }
        }
        _ => R::NotApplicable,
    };
    // 1.6 rp = eval(resource policy); key policy when the resource is a KMS key
    let is_key = req
        .resource
        .arn()
        .is_some_and(|a| a.service == "kms" && a.resource_type() == "key");
    // Every KMS key has a key policy: one that was not given allows nothing.
    let rp = if set.resource.is_some() {
        eval(ev, |s| s == SetId::Resource)
    } else if is_key {
        R::ImplicitDeny
    } else {
        R::NotApplicable
    };

    // 1.7 vpce = eval(each endpoint policy traversed; all must allow) or NotApplicable
    let vpce = if set.vpc_endpoints.is_empty() {
        R::NotApplicable
    } else {
        let each: Vec<R> = (0..set.vpc_endpoints.len())
            .map(|i| eval(ev, |s| s == SetId::VpcEndpoint(i as u16)))
            .collect();
        if each.contains(&R::ExplicitDeny) {
            R::ExplicitDeny
        } else if each.iter().any(|r| !r.is_allow()) {
            R::ImplicitDeny
        } else {
            R::Allow(vec![])
        }
    };

    // 2.1 explicit deny anywhere wins; name the first in REPORT_ORDER_EXPLICIT
    let order = [
        (PolicyType::Scp, &scp),
        (PolicyType::Rcp, &rcp),
        (PolicyType::VpcEndpoint, &vpce),
        (PolicyType::PermissionsBoundary, &pb),
        (PolicyType::Session, &ses),
        (PolicyType::Identity, &id),
        (PolicyType::Resource, &rp),
    ];
    if let Some((t, _)) = order.iter().find(|(_, r)| **r == R::ExplicitDeny) {
        return (Decision::ExplicitDeny, Some((*t).into()));
    }
    // 3.1 rcp == ImplicitDeny -> ImplicitDeny(RCP) (never, with RCPFullAWSAccess implied)
    if rcp == R::ImplicitDeny {
        return (Decision::ImplicitDeny, Some(DeniedBy::Rcp));
    }
    // 3.2 scp == ImplicitDeny -> ImplicitDeny(SCP)
    if scp == R::ImplicitDeny {
        return (Decision::ImplicitDeny, Some(DeniedBy::Scp));
    }
    // 3.3 vpce == ImplicitDeny -> ImplicitDeny(VpcEndpoint)
    if vpce == R::ImplicitDeny {
        return (Decision::ImplicitDeny, Some(DeniedBy::VpcEndpoint));
    }
    // 4.1 Anonymous: allow iff rp has Allow(Wildcard)
    // 4.2 Service principal: allow iff rp has Allow(Service | Wildcard)
    let allowed = match p {
        Principal::Anonymous => rp.has(MatchKind::Wildcard),
        Principal::Service(_) => rp.has(MatchKind::Service) || rp.has(MatchKind::Wildcard),
        _ => {
            // 4.3
            let same_account = p.account() == req.effective_resource_account();
            let ses_ok = matches!(ses, R::NotApplicable | R::Allow(_));
            let pb_ok = matches!(pb, R::NotApplicable | R::Allow(_));
            let identity_path = id.is_allow() && pb_ok && ses_ok;
            if same_account {
                // 4.4
                let direct = rp.has(MatchKind::Direct) || rp.has(MatchKind::Wildcard);
                let via_role = rp.has(MatchKind::RoleOfSession) && pb_ok && ses_ok;
                let via_acct = rp.has(MatchKind::Account) && identity_path;
                if is_key {
                    direct || via_role || via_acct
                } else {
                    identity_path || direct || via_role
                }
            } else {
                // 4.5
                identity_path && rp.any_allow()
            }
        }
    };
    if allowed {
        return (Decision::Allowed, None);
    }
    // 4.6 implicit_reason
    // Anonymous and service principals, and a key policy that allows neither the caller nor
    // its account, are blamed on the resource-based policy.
    let t = if matches!(p, Principal::Anonymous | Principal::Service(_))
        || (is_key && !rp.any_allow())
    {
        PolicyType::Resource
    } else {
        let ses_ok = matches!(ses, R::NotApplicable | R::Allow(_));
        if id.is_allow() {
            if pb == R::ImplicitDeny {
                PolicyType::PermissionsBoundary
            } else if !ses_ok {
                PolicyType::Session
            } else {
                // cross-account ("no resource-based policy allows"), or a resource policy
                // that must allow
                PolicyType::Resource
            }
        } else if (rp.has(MatchKind::RoleOfSession) || rp.has(MatchKind::Direct))
            && (pb == R::ImplicitDeny || !ses_ok)
        {
            if pb == R::ImplicitDeny {
                PolicyType::PermissionsBoundary
            } else {
                PolicyType::Session
            }
        } else {
            PolicyType::Identity
        }
    };
    (Decision::ImplicitDeny, Some(t.into()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16384, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_the_reference_model(w in world()) {
        let (req, set) = build(&w);
        let ev = common::decide(&req, &set);
        prop_assume!(ev.service_rule.is_none());
        let (decision, denied_by) = reference(&req, &set, &ev);
        prop_assert_eq!((ev.decision, ev.denied_by), (decision, denied_by), "{:?}\n{:?}", req, ev);
    }
}
