//! The proof: every denied call of the incident evaluated again with the change applied (the
//! whole operation, hidden checks included), then the same action on a sibling resource and
//! a sibling action on the same resource, before and after, so that a fix that grants more
//! than the request says so.

use iamwhy_catalog::Catalog;
use iamwhy_core::{Action, Decision, Diagnostic, Diagnostics, Resource, SourceId, SourceMap};
use iamwhy_snapshot::{Changes, Snapshot};

use super::{Draft, Failing, Fix, FixKind, Proof, ScopeCheck, ScopeKind};
use crate::report::SimulationResult;
use crate::request::Reconstructed;
use crate::simulate::{AccountQuery, simulate_account};

/// Evaluates one request against the snapshot with `changes`.
pub fn evaluate(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    req: &Reconstructed,
    action: &str,
    resource: &str,
    changes: &Changes,
    hidden_calls: bool,
) -> Result<SimulationResult, Diagnostics> {
    evaluate_with_session(
        snapshot,
        map,
        req,
        (action, resource),
        changes,
        &[],
        hidden_calls,
    )
}

/// [`evaluate`], the session created with `session_policies` (files in `map`) as well.
pub fn evaluate_with_session(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    req: &Reconstructed,
    (action, resource): (&str, &str),
    changes: &Changes,
    session_policies: &[SourceId],
    hidden_calls: bool,
) -> Result<SimulationResult, Diagnostics> {
    let usage = |m: String| Diagnostics::single(Diagnostic::unplaced_error("request", m));
    let query = AccountQuery {
        principal: req.principal.clone(),
        parent_user: req.parent_user.clone(),
        actions: vec![Action::parse(action).map_err(|e| usage(e.to_string()))?],
        resources: vec![Resource::parse(resource).map_err(|e| usage(e.to_string()))?],
        context: req.context.clone(),
        changes: changes.clone(),
        session_policies: session_policies.to_vec(),
        hidden_calls,
        current_time: req.time,
        ..AccountQuery::default()
    };
    let sim = simulate_account(snapshot, map, &query)?;
    sim.answer()
        .first()
        .cloned()
        .ok_or_else(|| usage("the evaluation gave no result".to_owned()))
}

/// Evaluates a request as the snapshot is, with or without the hidden calls.
pub fn evaluate_as_is(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    req: &Reconstructed,
    hidden_calls: bool,
) -> Result<SimulationResult, Diagnostics> {
    evaluate(
        snapshot,
        map,
        req,
        &req.action,
        &req.resource,
        &Changes::default(),
        hidden_calls,
    )
}

/// Re-evaluates every denied call with the change, then the neighbours.
pub(super) fn verify(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
    proof: &Proof<'_>,
    draft: Draft,
) -> Result<Fix, Diagnostics> {
    let mut fix = Fix {
        kind: draft.kind,
        summary: draft.summary,
        target: draft.target,
        statement: draft.statement,
        policy: draft.policy,
        command: draft.command,
        verified: false,
        verification: String::new(),
        scope: Vec::new(),
        widens: draft.widens,
    };
    if !draft.verifiable {
        fix.verification = "not verified: the change is outside the snapshot".to_owned();
        return Ok(fix);
    }
    let mut lines = Vec::new();
    let mut all = true;
    for req in &proof.requests {
        let r = evaluate(
            snapshot,
            map,
            req,
            &req.action,
            &req.resource,
            &draft.changes,
            true,
        )?;
        let d = r.final_decision();
        all &= d == Decision::Allowed;
        let checks: Vec<String> = r
            .hidden_checks
            .iter()
            .map(|c| format!("{} {}", c.result.action, c.result.decision.as_str()))
            .collect();
        let with = if checks.is_empty() {
            String::new()
        } else {
            format!(" (checks: {})", checks.join(", "))
        };
        lines.push(format!(
            "{} on {}: {}{with}",
            req.action,
            req.resource,
            d.as_str()
        ));
    }
    fix.verified = all;
    fix.verification = format!(
        "{}: re-evaluated with the change: {}",
        if all { "verified" } else { "NOT verified" },
        lines.join("; ")
    );
    for (what, action, resource) in neighbours(f) {
        let probe = Reconstructed {
            principal: f.principal.clone(),
            parent_user: f.parent_user.clone(),
            operation: action.clone(),
            action: action.clone(),
            also_needs: Vec::new(),
            resource: resource.clone(),
            resource_from: String::new(),
            context: f.context.clone(),
            time: None,
            via_service: None,
            notes: Vec::new(),
        };
        let before = evaluate(
            snapshot,
            map,
            &probe,
            &action,
            &resource,
            &Changes::default(),
            false,
        )?;
        let after = evaluate(
            snapshot,
            map,
            &probe,
            &action,
            &resource,
            &draft.changes,
            false,
        )?;
        let check = ScopeCheck {
            what,
            action,
            resource,
            before: before.decision,
            after: after.decision,
        };
        if check.widened() && fix.kind != FixKind::DenyException {
            fix.widens.push(format!(
                "also allows `{}` on `{}`",
                check.action, check.resource
            ));
        }
        fix.scope.push(check);
    }
    Ok(fix)
}

/// The same action on a sibling resource, and a sibling action on the same resource.
fn neighbours(f: &Failing) -> Vec<(ScopeKind, String, String)> {
    let mut out = Vec::new();
    if f.resource != "*" {
        out.push((
            ScopeKind::SiblingResource,
            f.action.clone(),
            format!("{}-iamwhy-sibling", f.resource),
        ));
    }
    let catalog = Catalog::bundled();
    if let Some(action) = catalog.action(&f.action)
        && let Some(service) = catalog.service(action.service)
    {
        let sibling = service.actions.iter().find(|a| {
            a.name != action.name
                && (f.resource == "*" && a.wildcard_only()
                    || f.resource != "*" && catalog.action_accepts(a, &f.resource) == Some(true))
        });
        if let Some(a) = sibling {
            out.push((ScopeKind::SiblingAction, a.full_name(), f.resource.clone()));
        }
    }
    out
}
