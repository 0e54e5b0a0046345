//! `iamwhy simulate` and `iamwhy test`: scenario files and account snapshots evaluated, with
//! the hidden calls an operation makes (S3's `kms:Decrypt`, ...).
//!
//! * `scenario`: scenario files read into [`Scenario`]s;
//! * `account`: a request against an account snapshot, with its hidden calls;
//! * `iac`: Terraform plans, CloudFormation templates and CDK assemblies as candidate changes;
//! * `input`: a question as written on the command line, checked and typed;
//! * `testing`: scenario files run as tests;
//! * `vocabulary`: actions the catalog does not know.

mod account;
mod iac;
pub(crate) use account::principal_error;
mod input;
pub(crate) mod scenario;
mod testing;
pub(crate) mod vocabulary;

pub(crate) use account::simulate_with_changes;
pub use account::{
    AccountQuery, AccountSimulation, SESSION_POLICY_ARNS_LIMIT, SESSION_POLICY_LIMIT,
    complete_request, resource_facts, session_policies_of, session_policy_set, simulate_account,
};
pub use iac::{IacChanges, apply_iac_files, is_change, lower, read_iac};
pub use input::{ChangeFiles, ExpandedActions, InputError, SimulateInput, context_entry};
pub use scenario::{
    Expectation, ExpectedDecision, Overrides, Relocation, Scenario, parse_scenarios,
};
pub use testing::{
    CaseFailure, CaseStatus, CollectedFiles, TestCase, TestReport, collect_files, read_source,
    run_tests,
};
pub use vocabulary::{UNKNOWN_ACTION, UnknownActions, policy_action_warnings, unknown_action};

use iamwhy_catalog::{Catalog, ResourceFact};
use iamwhy_core::{Request, SourceMap};
use iamwhy_eval::{EvalOptions, Evaluation, PolicySet, StatementRef, authorize, derive_context};
use iamwhy_policy::{Effect, PrincipalEntryKind};

use crate::explain::reasons::{describe_mismatch, failed_condition, near_misses, reasons};
use crate::report::{
    Detail, ExpectationResult, NotMatchedInfo, PolicyTypeOutcome, SimulationResult, StatementInfo,
    matched_info,
};

/// Evaluates many scenarios, in parallel on every core, the results in input order (each
/// scenario's results as [`simulate`] gives them).
pub fn simulate_all(
    scenarios: &[Scenario],
    map: &SourceMap,
    detail: Detail,
) -> Vec<SimulationResult> {
    use rayon::prelude::*;
    let per_scenario: Vec<Vec<SimulationResult>> = scenarios
        .par_iter()
        .map(|s| simulate(s, map, detail))
        .collect();
    per_scenario.into_iter().flatten().collect()
}

/// As [`simulate_all`], `chunk` scenarios at a time: each chunk is evaluated (in parallel)
/// when the iterator reaches it, so that a caller writing results as they come holds one
/// chunk's results, not every one (the JSON of thousands of scenarios runs to hundreds of MB).
pub fn simulate_chunks<'a>(
    scenarios: &'a [Scenario],
    map: &'a SourceMap,
    chunk: usize,
    detail: Detail,
) -> impl Iterator<Item = Vec<SimulationResult>> + 'a {
    scenarios
        .chunks(chunk.max(1))
        .map(move |c| simulate_all(c, map, detail))
}

/// How many results [`simulate`] gives for these scenarios: one per action and resource.
pub fn result_count(scenarios: &[Scenario]) -> usize {
    scenarios.iter().fold(0usize, |n, s| {
        n.saturating_add(s.actions.len().saturating_mul(s.resources.len()))
    })
}

/// Evaluates a scenario: one result per action and resource, actions first, each listing
/// as much as `detail` asks.
pub fn simulate(scenario: &Scenario, map: &SourceMap, detail: Detail) -> Vec<SimulationResult> {
    let now = scenario::now_or_current(scenario.current_time);
    let options = EvalOptions {
        explain: true,
        ..scenario.options
    };
    let mut results = Vec::new();
    for action in &scenario.actions {
        for resource in &scenario.resources {
            let mut req = Request {
                principal: scenario.principal.clone(),
                facts: scenario.facts.clone(),
                action: action.clone(),
                resource: resource.clone(),
                resource_account: scenario.resource_account.clone(),
                context: scenario.context.clone(),
            };
            let mut notes = Vec::new();
            if req.effective_resource_account().is_none()
                && !req.resource.is_any()
                && let Some((account, how)) = infer_resource_account(&req, &scenario.policies)
            {
                notes.push(format!(
                    "the resource ARN names no account; assumed it is in account {account} ({how}); set `resource_account` to change this"
                ));
                req.resource_account = Some(account);
            }
            if scenario.derive_context {
                derive_context(&mut req, now);
            }
            let ev = authorize(&req, &scenario.policies, &options);
            let mut result = build_result_at(
                &scenario.name,
                &req,
                &ev,
                &scenario.policies,
                map,
                detail,
                &|r| scenario.delta(r),
            );
            notes.append(&mut result.notes);
            notes.extend(hidden_call_note(&result.action));
            result.notes = notes;
            if let Some(exp) = &scenario.expect {
                result.expectation = Some(check_expectation(exp, &result));
            }
            results.push(result);
        }
    }
    results
}

/// A reminder of the extra checks the call can trigger in other services (the service
/// catalog's hidden-call table), which a single evaluation does not cover.
fn hidden_call_note(action: &str) -> Option<String> {
    let catalog = Catalog::bundled();
    let checks = catalog.hidden_checks_for(action);
    let rules = catalog.hidden_calls_for(action);
    if checks.is_empty() {
        return None;
    }
    let mut when: Vec<&str> = rules
        .iter()
        .map(|r| match r.resource_fact {
            ResourceFact::KmsKey => "when the resource is encrypted with a KMS key",
            ResourceFact::PassedRole => "when the request passes a role",
            ResourceFact::None => "always",
        })
        .collect();
    when.sort_unstable();
    when.dedup();
    let quoted: Vec<String> = checks.iter().map(|c| format!("`{c}`")).collect();
    Some(format!(
        "this call also needs {} ({}), checked separately; `iamwhy actions --dependent {action}` says when, on which resource and with which context",
        quoted.join(", "),
        when.join(", or ")
    ))
}

/// Spec §1.3: S3 ARNs carry no account. Take it from a resource-policy statement naming an
/// account root, else assume the principal's account.
fn infer_resource_account(req: &Request, set: &PolicySet) -> Option<(String, &'static str)> {
    if let Some(policy) = &set.resource {
        let mut accounts: Vec<&str> = policy
            .document
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
            .filter_map(|s| s.principal.as_ref())
            .flat_map(|p| p.entries.iter())
            .filter_map(|e| match &e.kind {
                PrincipalEntryKind::Account { account } => Some(account.as_str()),
                _ => None,
            })
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        if let [only] = accounts.as_slice() {
            return Some((
                (*only).to_owned(),
                "the account the resource-based policy delegates to",
            ));
        }
    }
    req.principal
        .account()
        .map(|a| (a.to_owned(), "the principal's account"))
}

/// Turns an evaluation into the reported model.
pub fn build_result(
    scenario: &str,
    req: &Request,
    ev: &Evaluation,
    set: &PolicySet,
    map: &SourceMap,
    detail: Detail,
) -> SimulationResult {
    build_result_at(scenario, req, ev, set, map, detail, &|_| 0)
}

/// As [`build_result`], each statement located `delta(statement)` bytes after where its
/// (shared) document says (see [`scenario::Relocation`]).
fn build_result_at(
    scenario: &str,
    req: &Request,
    ev: &Evaluation,
    set: &PolicySet,
    map: &SourceMap,
    detail: Detail,
    delta: &dyn Fn(StatementRef) -> u32,
) -> SimulationResult {
    let matched: Vec<StatementInfo> = ev
        .matched
        .iter()
        .filter_map(|m| matched_info(set, map, m, delta(m.statement)))
        .collect();
    let deciding: Vec<StatementInfo> = ev
        .deciding
        .iter()
        .filter_map(|r| {
            let m = ev.matched.iter().find(|m| m.statement == *r)?;
            matched_info(set, map, m, delta(m.statement))
        })
        .collect();
    // Some 200 entries for an account's worth of policies, each located and explained:
    // built only when asked for.
    let unmatched = (detail == Detail::Full).then(|| {
        ev.not_matched
            .iter()
            .filter_map(|(r, m)| {
                let stmt = set.statement(*r)?;
                Some(NotMatchedInfo {
                    statement: StatementInfo::new(set, map, *r, None, delta(*r))?,
                    reason: describe_mismatch(stmt, *m, req),
                    failed_condition: failed_condition(stmt, *m, req),
                    condition_keys: stmt.conditions.iter().map(|c| c.key.clone()).collect(),
                })
            })
            .collect()
    });
    let near = ev
        .denied_by
        .and_then(|d| d.policy_type())
        .filter(|_| ev.decision == iamwhy_core::Decision::ImplicitDeny)
        .map(|t| {
            near_misses(ev, t)
                .filter_map(|(r, m)| {
                    let stmt = set.statement(r)?;
                    Some(NotMatchedInfo {
                        statement: StatementInfo::new(set, map, r, None, delta(r))?,
                        reason: describe_mismatch(stmt, m, req),
                        failed_condition: failed_condition(stmt, m, req),
                        condition_keys: stmt.conditions.iter().map(|c| c.key.clone()).collect(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    SimulationResult {
        scenario: scenario.to_owned(),
        principal: req.principal.to_string(),
        action: req.action.to_string(),
        resource: req.resource.to_string(),
        resource_account: req.effective_resource_account().map(str::to_owned),
        decision: ev.decision,
        denied_by: ev.denied_by,
        role_trust_policy: ev.role_trust,
        message: ev.message.clone(),
        service_rule: ev.service_rule,
        matched_statements: matched,
        deciding_statements: deciding,
        missing_context_keys: ev.missing_context_keys.clone(),
        policy_types: ev
            .outcomes
            .iter()
            .map(PolicyTypeOutcome::new)
            .filter(PolicyTypeOutcome::applies)
            .collect(),
        reasons: reasons(req, ev, set),
        near_misses: near,
        unmatched_statements: unmatched,
        notes: ev.notes.clone(),
        context: req
            .context
            .iter()
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect(),
        expectation: None,
        operation_decision: None,
        hidden_checks: Vec::new(),
        unknown_identity: None,
    }
}

/// Compares a result with an expectation.
pub fn check_expectation(exp: &Expectation, r: &SimulationResult) -> ExpectationResult {
    let mut failures = Vec::new();
    if !exp.decision.accepts(r.decision) {
        failures.push(format!(
            "expected {}, got {}",
            exp.decision.as_str(),
            r.decision
        ));
    }
    if let Some(by) = exp.denied_by
        && by != r.denied_by
    {
        failures.push(format!(
            "expected denied_by {}, got {}",
            by.map_or("null", |b| b.as_str()),
            r.denied_by.map_or("null", |b| b.as_str())
        ));
    }
    if let Some(m) = &exp.message
        && r.message.as_deref() != Some(m.as_str())
    {
        failures.push(format!(
            "expected message {m:?}, got {:?}",
            r.message.as_deref().unwrap_or("")
        ));
    }
    for d in &exp.deciding {
        let found = r.deciding_statements.iter().any(|s| {
            s.reference() == *d
                || format!("{}#{}", s.policy, s.index) == *d
                || s.policy_arn.as_ref().is_some_and(|a| {
                    s.sid.as_ref().is_some_and(|sid| format!("{a}#{sid}") == *d)
                        || format!("{a}#{}", s.index) == *d
                })
        });
        if !found {
            let got: Vec<String> = r
                .deciding_statements
                .iter()
                .map(StatementInfo::reference)
                .collect();
            failures.push(format!(
                "expected deciding statement `{d}`, got [{}]",
                got.join(", ")
            ));
        }
    }
    ExpectationResult {
        expected: exp.decision,
        met: failures.is_empty(),
        failures,
    }
}
