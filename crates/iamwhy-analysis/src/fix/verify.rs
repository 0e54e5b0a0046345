//! The proof: every denied call of the incident evaluated again with the change applied (the
//! whole operation, hidden checks included), then the same action on a sibling resource and
//! a sibling action on the same resource, before and after, so that a fix that grants more
//! than the request says so.

use iamwhy_catalog::Catalog;
use iamwhy_core::{
    Action, ContextValue, Decision, Diagnostic, Diagnostics, Resource, SourceId, SourceMap,
};
use iamwhy_snapshot::{Changes, Snapshot};

use super::{Draft, Failing, Fix, FixKind, Proof, ScopeCheck, ScopeKind};
use crate::report::{Detail, Effect, SimulationResult};
use crate::request::Reconstructed;
use crate::simulate::{AccountQuery, simulate_with_changes};

/// Evaluates one request against the snapshot with `changes` (only with them: the account
/// as it is is not evaluated as well).
pub fn evaluate(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    req: &Reconstructed,
    changes: &Changes,
    hidden_calls: bool,
) -> Result<SimulationResult, Diagnostics> {
    evaluate_with_session(snapshot, map, req, changes, &[], &[], hidden_calls)
}

/// [`evaluate`], the session created with `session_policies` (files in `map`) and the
/// managed session policies `session_policy_arns` as well.
pub fn evaluate_with_session(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    req: &Reconstructed,
    changes: &Changes,
    session_policies: &[SourceId],
    session_policy_arns: &[String],
    hidden_calls: bool,
) -> Result<SimulationResult, Diagnostics> {
    // The object's key reaches the hidden KMS check the way a key given for the object
    // does; the request itself does not carry it (see `simulate`).
    let mut context = req.context.clone();
    if let Some(key) = &req.object_kms_key {
        context.push((
            crate::request::S3_SSE_KMS_KEY.to_owned(),
            iamwhy_core::ContextValue::Single(key.clone()),
        ));
    }
    let query = AccountQuery {
        principal: req.principal.clone(),
        parent_user: req.parent_user.clone(),
        actions: vec![req.action.clone()],
        resources: vec![req.resource.clone()],
        context,
        changes: changes.clone(),
        session_policies: session_policies.to_vec(),
        session_policy_arns: session_policy_arns.to_vec(),
        hidden_calls,
        current_time: req.time,
        // `explain` reports every statement that does not apply, as it always has.
        detail: Detail::Full,
        ..AccountQuery::default()
    };
    simulate_with_changes(snapshot, map, &query)?
        .into_iter()
        .next()
        .ok_or_else(|| {
            Diagnostics::single(Diagnostic::unplaced_error(
                "request",
                "the evaluation gave no result",
            ))
        })
}

/// Evaluates a request as the snapshot is, with or without the hidden calls.
pub fn evaluate_as_is(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    req: &Reconstructed,
    hidden_calls: bool,
) -> Result<SimulationResult, Diagnostics> {
    evaluate(snapshot, map, req, &Changes::default(), hidden_calls)
}

/// A neighbouring request, evaluated once without any change (the same for every fix).
pub(super) struct Neighbour {
    what: ScopeKind,
    probe: Reconstructed,
    changed: Option<(String, String)>,
    before: Decision,
}

/// The same action on a sibling resource and a sibling action on the same resource, each
/// evaluated as the account is.
pub(super) fn neighbours(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
) -> Result<Vec<Neighbour>, Diagnostics> {
    let mut out = Vec::new();
    let mut probes: Vec<_> = siblings(f)
        .into_iter()
        .map(|(what, action, resource)| (what, action, resource, f.context.clone(), None))
        .collect();
    for (key, value, context) in other_condition_values(f) {
        probes.push((
            ScopeKind::OtherConditionValue,
            f.action.clone(),
            f.resource.clone(),
            context,
            Some((key, value)),
        ));
    }
    for (what, action, resource, context, changed) in probes {
        let probe = Reconstructed {
            principal: f.principal.clone(),
            parent_user: f.parent_user.clone(),
            operation: action.as_str().to_owned(),
            action,
            also_needs: Vec::new(),
            resource,
            resource_from: String::new(),
            context,
            time: None,
            via_service: None,
            object_kms_key: None,
            notes: Vec::new(),
        };
        let before = evaluate_as_is(snapshot, map, &probe, false)?.decision;
        out.push(Neighbour {
            what,
            probe,
            changed,
            before,
        });
    }
    Ok(out)
}

/// Re-evaluates every denied call with the change, then the neighbours.
pub(super) fn verify(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    proof: &Proof<'_>,
    neighbours: &[Neighbour],
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
        admits: draft.admits,
    };
    if !draft.verifiable {
        fix.verification = "not verified: the change is outside the snapshot".to_owned();
        return Ok(fix);
    }
    let mut lines = Vec::new();
    let mut all = true;
    let mut stops = Vec::new();
    for req in &proof.requests {
        let r = evaluate(snapshot, map, req, &draft.changes, true)?;
        let d = r.final_decision();
        all &= d == Decision::Allowed;
        if d != Decision::Allowed {
            stops.extend(what_stops(&r));
        }
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
    stops.dedup();
    fix.verification = format!(
        "{}: re-evaluated with the change: {}{}",
        if all { "verified" } else { "NOT verified" },
        lines.join("; "),
        if stops.is_empty() {
            String::new()
        } else {
            format!("; what stops it: {}", stops.join("; "))
        }
    );
    for n in neighbours {
        let after = evaluate(snapshot, map, &n.probe, &draft.changes, false)?;
        let check = ScopeCheck {
            what: n.what,
            action: n.probe.action.as_str().to_owned(),
            resource: n.probe.resource.as_str().to_owned(),
            context: n.changed.clone(),
            before: n.before,
            after: after.decision,
        };
        if check.widened() && fix.kind != FixKind::DenyException {
            let when = match &check.context {
                Some((k, v)) => format!(
                    " when `{k}` is `{v}` (the statement it stands in for requires otherwise: the fix drops or widens that condition)"
                ),
                None => String::new(),
            };
            fix.widens.push(format!(
                "also allows `{}` on `{}`{when}",
                check.action, check.resource
            ));
        }
        fix.scope.push(check);
    }
    Ok(fix)
}

/// Why a request is still denied with the change: the context keys that the statements that
/// would allow it test and the request lacks, and the parts of the snapshot it misses, else the denial's first
/// reason.
fn what_stops(r: &SimulationResult) -> Vec<String> {
    let failing = match r.failing_check() {
        Some(c) if r.decision == Decision::Allowed => &*c.result,
        _ => r,
    };
    // The keys that the statements that would allow test and the request lacks.
    let mut out: Vec<String> = failing
        .near_misses
        .iter()
        .filter(|n| n.statement.effect == Effect::Allow)
        .filter_map(|n| {
            let c = n.failed_condition.as_ref().filter(|c| c.actual.is_none())?;
            Some(format!(
                "the request has no `{}`, which the condition `{}` of statement {} tests (the record does not carry it and its value cannot be derived)",
                c.key,
                c.operator,
                n.statement.sid.as_deref().map_or_else(
                    || format!("#{}", n.statement.index),
                    |s| format!("\"{s}\"")
                )
            ))
        })
        .collect();
    out.extend(
        failing
            .notes
            .iter()
            .filter(|n| n.contains("not in the snapshot"))
            .cloned(),
    );
    if out.is_empty()
        && let Some(first) = failing.reasons.first()
    {
        out.push(format!(
            "{} is still {}: {first}",
            failing.action,
            failing.decision.as_str()
        ));
    }
    out
}

/// A request's context, as [`Failing`] holds it.
type RequestContext = Vec<(String, ContextValue)>;

/// The request with another value of each context key that the near-miss `Allow`
/// statements test, and of a service principal's `aws:SourceArn`/`aws:SourceAccount` (one
/// probe per key the request has): a fix that keeps those conditions still denies them; one
/// that drops a condition allows them, and says so.
fn other_condition_values(f: &Failing) -> Vec<(String, String, RequestContext)> {
    let mut keys: Vec<&str> = Vec::new();
    for n in &f.result.near_misses {
        if n.statement.effect != Effect::Allow {
            continue;
        }
        for k in &n.condition_keys {
            if !keys.iter().any(|x| x.eq_ignore_ascii_case(k)) {
                keys.push(k);
            }
        }
    }
    // A service principal's source: a fix must not admit the service acting for another
    // resource or account (the confused-deputy guard).
    // One probe: another `aws:SourceArn` (which names its account), else another
    // `aws:SourceAccount` — changing one without the other would be a request AWS never makes.
    if f.principal.starts_with("service:") {
        let has = |key: &str| f.context.iter().any(|(k, _)| k.eq_ignore_ascii_case(key));
        let key = if has("aws:SourceArn") {
            "aws:SourceArn"
        } else {
            "aws:SourceAccount"
        };
        if !keys.iter().any(|x| x.eq_ignore_ascii_case(key)) {
            keys.push(key);
        }
    }
    let mut out = Vec::new();
    for key in keys {
        let Some(pos) = f
            .context
            .iter()
            .position(|(k, _)| k.eq_ignore_ascii_case(key))
        else {
            continue;
        };
        let Some((name, ContextValue::Single(v))) = f.context.get(pos) else {
            continue;
        };
        let other = match v.to_ascii_lowercase().as_str() {
            "true" => "false".to_owned(),
            "false" => "true".to_owned(),
            _ => format!("{v}-iamwhy-other"),
        };
        let mut context = f.context.clone();
        if let Some(slot) = context.get_mut(pos) {
            slot.1 = ContextValue::Single(other.clone());
        }
        out.push((name.clone(), other, context));
    }
    out
}

/// The same action on a sibling resource, and a sibling action on the same resource.
fn siblings(f: &Failing) -> Vec<(ScopeKind, Action, Resource)> {
    let mut out = Vec::new();
    if !f.resource.is_any()
        && let Ok(sibling) = Resource::parse(&format!("{}-iamwhy-sibling", f.resource))
    {
        out.push((ScopeKind::SiblingResource, f.action.clone(), sibling));
    }
    let catalog = Catalog::bundled();
    if let Some(action) = catalog.action(f.action.as_str())
        && let Some(service) = catalog.service(action.service)
    {
        let any = f.resource.is_any();
        let sibling = service.actions.iter().find(|a| {
            a.name != action.name
                && (any && a.wildcard_only()
                    || !any && catalog.action_accepts(a, f.resource.as_str()) == Some(true))
        });
        if let Some(a) = sibling.and_then(|a| Action::parse(&a.full_name()).ok()) {
            out.push((ScopeKind::SiblingAction, a, f.resource.clone()));
        }
    }
    out
}
