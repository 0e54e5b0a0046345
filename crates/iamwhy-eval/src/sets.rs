//! Evaluating a group of policies as one set (spec §4.2), SCP and RCP levels (§4.1), VPC
//! endpoints (§4.4 step 1.7), and collecting the context keys relevant statements lack.

use iamwhy_policy::{Effect, Piece, ResourceMatcher, Statement};

use crate::authorize::Run;
use crate::evaluation::{SetOutcome, StatementMatch};
use crate::matching::{MatchKind, Mismatch, match_statement};
use crate::policy_set::{Policy, SetId, StatementRef};

/// A bit set of [`MatchKind`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Kinds(u16);

impl Kinds {
    fn bit(k: MatchKind) -> u16 {
        1 << (k as u16)
    }
    pub(crate) fn insert(&mut self, k: MatchKind) {
        self.0 |= Kinds::bit(k);
    }
    pub(crate) fn has(self, k: MatchKind) -> bool {
        self.0 & Kinds::bit(k) != 0
    }
    pub(crate) fn any(self) -> bool {
        self.0 != 0
    }
}

/// The evaluation of one policy type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SetEval {
    pub(crate) outcome: SetOutcome,
    /// Match kinds of the matching `Allow` statements.
    pub(crate) kinds: Kinds,
    pub(crate) level: Option<u16>,
}

impl SetEval {
    pub(crate) const NOT_APPLICABLE: SetEval = SetEval::of(SetOutcome::NotApplicable);

    pub(crate) const fn of(outcome: SetOutcome) -> SetEval {
        SetEval {
            outcome,
            kinds: Kinds(0),
            level: None,
        }
    }

    pub(crate) fn is(self, o: SetOutcome) -> bool {
        self.outcome == o
    }

    /// Does not stand in the way of an identity-derived grant.
    pub(crate) fn passes(self) -> bool {
        matches!(self.outcome, SetOutcome::NotApplicable | SetOutcome::Allow)
    }
}

impl Run<'_> {
    /// Evaluates a group of policies as one set (spec §4.2).
    pub(crate) fn eval_policies(&mut self, set_id: SetId, policies: &[Policy]) -> SetEval {
        let mut deny = false;
        let mut kinds = Kinds::default();
        let explain = self.options.explain;
        for (pi, policy) in policies.iter().enumerate() {
            let doc = &policy.document;
            let reference = |statement: usize| StatementRef {
                set: set_id,
                policy: u32::try_from(pi).unwrap_or(u32::MAX),
                statement: u32::try_from(statement).unwrap_or(u32::MAX),
            };
            // Only the statements that can match the request's service are examined; with
            // `explain`, the others are recorded as not covering the action.
            let mut next_unexamined = 0;
            for i in doc.candidates(self.prepared.service_hash) {
                if explain {
                    for skipped in next_unexamined..i {
                        self.ev
                            .not_matched
                            .push((reference(skipped), Mismatch::Action));
                    }
                    next_unexamined = i.saturating_add(1);
                }
                let Some(stmt) = doc.statements.get(i) else {
                    continue;
                };
                let r = reference(i);
                let result = match_statement(stmt, doc.kind, &self.prepared);
                // Statements that cover the action and resource are the relevant ones for
                // missing context keys.
                let relevant = !matches!(
                    result,
                    Err(Mismatch::Action
                        | Mismatch::NotAction(_)
                        | Mismatch::Resource
                        | Mismatch::NotResource(_))
                );
                if explain && relevant {
                    self.collect_missing_keys(stmt);
                }
                match result {
                    Ok(k) => {
                        self.ev.matched.push(StatementMatch {
                            statement: r,
                            effect: stmt.effect,
                            kind: k,
                        });
                        match stmt.effect {
                            Effect::Deny => deny = true,
                            Effect::Allow => kinds.insert(k),
                        }
                    }
                    Err(m) => {
                        if explain {
                            self.ev.not_matched.push((r, m));
                        }
                    }
                }
            }
            if explain {
                for skipped in next_unexamined..doc.statements.len() {
                    self.ev
                        .not_matched
                        .push((reference(skipped), Mismatch::Action));
                }
            }
        }
        SetEval {
            outcome: if deny {
                SetOutcome::ExplicitDeny
            } else if kinds.any() {
                SetOutcome::Allow
            } else {
                SetOutcome::ImplicitDeny
            },
            kinds,
            level: None,
        }
    }

    /// SCPs and RCPs: every level must allow, a deny at any level denies (§4.1). With
    /// `implied_allow`, `RCPFullAWSAccess` is attached at every level.
    pub(crate) fn eval_levels(
        &mut self,
        levels: &[Vec<Policy>],
        id: fn(u16) -> SetId,
        implied_allow: bool,
    ) -> SetEval {
        let mut result = SetEval::of(SetOutcome::Allow);
        if levels.is_empty() {
            return SetEval::NOT_APPLICABLE;
        }
        let mut denied_at = None;
        let mut unallowed_at = None;
        for (i, level) in levels.iter().enumerate() {
            let i = u16::try_from(i).unwrap_or(u16::MAX);
            let r = self.eval_policies(id(i), level);
            match r.outcome {
                SetOutcome::ExplicitDeny => {
                    denied_at.get_or_insert(i);
                }
                SetOutcome::ImplicitDeny | SetOutcome::NotApplicable if !implied_allow => {
                    unallowed_at.get_or_insert(i);
                }
                _ => {}
            }
        }
        if let Some(l) = denied_at {
            result.outcome = SetOutcome::ExplicitDeny;
            result.level = Some(l);
        } else if let Some(l) = unallowed_at {
            result.outcome = SetOutcome::ImplicitDeny;
            result.level = Some(l);
        }
        result
    }

    /// Every VPC endpoint the request went through must allow (§4.4 step 1.7).
    pub(crate) fn eval_endpoints(&mut self) -> SetEval {
        let mut result = SetEval::NOT_APPLICABLE;
        for (i, policy) in self.set.vpc_endpoints.iter().enumerate() {
            let i = u16::try_from(i).unwrap_or(u16::MAX);
            let r = self.eval_policies(SetId::VpcEndpoint(i), std::slice::from_ref(policy));
            let worse = match (result.outcome, r.outcome) {
                (SetOutcome::ExplicitDeny, _) => false,
                (_, SetOutcome::ExplicitDeny) => true,
                (SetOutcome::ImplicitDeny, _) => false,
                (_, SetOutcome::ImplicitDeny) => true,
                (SetOutcome::NotApplicable, _) => true,
                _ => false,
            };
            if worse {
                result = SetEval {
                    level: Some(i),
                    ..r
                };
            }
        }
        result
    }

    fn collect_missing_keys(&mut self, stmt: &Statement) {
        let ctx = &self.req.context;
        let mut add = |key: &str, lower: &str| {
            if ctx.get_normalized(lower).is_none() {
                self.missing
                    .entry(lower.to_owned())
                    .or_insert_with(|| key.to_owned());
            }
        };
        for cond in &stmt.conditions {
            add(&cond.key, &cond.key_lower);
            for v in &cond.values {
                if let iamwhy_policy::CompiledValue::Text(p)
                | iamwhy_policy::CompiledValue::Bool(p) = &v.compiled
                {
                    for var in p.variables().filter(|v| v.default.is_none()) {
                        add(&var.key, &var.key_lower);
                    }
                }
            }
        }
        if let Some(resource) = &stmt.resource {
            for item in &resource.items {
                if let ResourceMatcher::Arn(p) = &item.matcher {
                    for piece in p.resource().pieces() {
                        if let Piece::Variable(var) = piece
                            && var.default.is_none()
                        {
                            add(&var.key, &var.key_lower);
                        }
                    }
                }
            }
        }
    }
}
