//! Bulk questions over a snapshot: `who-can` (every principal allowed to perform an action on
//! a resource, the whole operation with its hidden calls) and `can` (everything one principal
//! is allowed to do, from the service catalog). Each row names the statement that decides it.

use iamwhy_catalog::Catalog;
use iamwhy_core::{Action, Decision, Diagnostic, Diagnostics, Resource, SourceMap};
use iamwhy_policy::{Effect, PrincipalEntryKind};
use iamwhy_snapshot::{Changes, Snapshot};
use serde::Serialize;

use crate::report::{SimulationResult, StatementInfo};
use crate::simulate::{AccountQuery, simulate_account};

/// What kind of principal a row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalKind {
    /// An IAM user.
    User,
    /// An IAM role, evaluated as a session of the role.
    Role,
    /// An AWS service principal the resource policy names.
    Service,
}

/// A statement that decides a row, in short.
#[derive(Clone, Debug, Serialize)]
pub struct Decider {
    /// `identity-based policy "P"`, `key policy of KEY`, ...
    pub policy: String,
    /// The statement's `Sid`, if any.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: &'static str,
    /// `FILE:LINE:COLUMN`.
    pub at: String,
}

impl Decider {
    fn of(s: &StatementInfo) -> Decider {
        Decider {
            policy: s.policy_title(),
            sid: s.sid.clone(),
            effect: s.effect.as_str(),
            at: format!("{}:{}:{}", s.file, s.line, s.column),
        }
    }
}

/// One principal's answer to a `who-can` question.
#[derive(Clone, Debug, Serialize)]
pub struct WhoRow {
    /// The principal (ARN, or `service:NAME`).
    pub principal: String,
    /// Its kind.
    pub kind: PrincipalKind,
    /// The decision on the whole operation (its hidden calls included).
    pub decision: Decision,
    /// The decision on the request alone.
    pub request_decision: Decision,
    /// The statements that decide the request.
    pub deciding: Vec<Decider>,
    /// The hidden calls of the operation that are denied (`kms:Decrypt on KEY`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failing_hidden_calls: Vec<String>,
}

/// The answer to `who-can`.
#[derive(Clone, Debug, Serialize)]
pub struct WhoCan {
    /// The action asked about.
    pub action: String,
    /// The resource asked about.
    pub resource: String,
    /// How many principals were evaluated.
    pub principals_evaluated: usize,
    /// The principals allowed to perform the whole operation.
    pub allowed: Vec<WhoRow>,
    /// Principals an explicit `Deny` stops although an `Allow` also applies to them.
    pub almost: Vec<WhoRow>,
    /// Principals whose request is allowed but a hidden call of the operation is not.
    pub request_only: Vec<WhoRow>,
    /// Principals that could not be evaluated, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_evaluated: Vec<(String, String)>,
}

fn usage(message: String) -> Diagnostics {
    Diagnostics::single(Diagnostic::unplaced_error("usage", message))
}

/// The service principals a resource's policy names in `Allow` statements.
fn service_principals(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    resource: &str,
) -> Result<Vec<String>, Diagnostics> {
    let side = snapshot.resource_side(map, resource, &Changes::default())?;
    let mut out = Vec::new();
    for policy in side.policy.iter() {
        for s in &policy.document.statements {
            if s.effect != Effect::Allow {
                continue;
            }
            let Some(p) = s.principal.as_ref().filter(|p| !p.negated) else {
                continue;
            };
            for e in &p.entries {
                if let PrincipalEntryKind::Service(name) = &e.kind {
                    let name = format!("service:{name}");
                    if !out.contains(&name) {
                        out.push(name);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Every principal of the snapshot (IAM users, roles as sessions of the role, the service
/// principals the resource policy admits) allowed to perform `action` on `resource`, the
/// whole operation with its hidden calls evaluated; plus the ones an explicit deny stops and
/// the ones whose hidden calls fail. `progress` is called after each principal.
pub fn who_can(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    action: &str,
    resource: &str,
    mut progress: impl FnMut(usize, usize),
) -> Result<WhoCan, Diagnostics> {
    let parsed_action =
        Action::parse(action).map_err(|e| usage(format!("--action `{action}`: {e}")))?;
    let parsed_resource =
        Resource::parse(resource).map_err(|e| usage(format!("--resource `{resource}`: {e}")))?;
    let mut principals: Vec<(String, PrincipalKind)> = Vec::new();
    principals.extend(
        snapshot
            .users
            .iter()
            .map(|u| (u.arn.clone(), PrincipalKind::User)),
    );
    principals.extend(
        snapshot
            .roles
            .iter()
            .map(|r| (r.arn.clone(), PrincipalKind::Role)),
    );
    principals.extend(
        service_principals(snapshot, map, resource)?
            .into_iter()
            .map(|s| (s, PrincipalKind::Service)),
    );
    let total = principals.len();
    let mut out = WhoCan {
        action: parsed_action.as_str().to_owned(),
        resource: parsed_resource.as_str().to_owned(),
        principals_evaluated: 0,
        allowed: Vec::new(),
        almost: Vec::new(),
        request_only: Vec::new(),
        not_evaluated: Vec::new(),
    };
    for (i, (principal, kind)) in principals.into_iter().enumerate() {
        progress(i.saturating_add(1), total);
        let query = AccountQuery {
            principal: principal.clone(),
            actions: vec![parsed_action.clone()],
            resources: vec![parsed_resource.clone()],
            hidden_calls: true,
            brief: true,
            ..AccountQuery::default()
        };
        let result = match simulate_account(snapshot, map, &query) {
            Ok(sim) => sim.before.into_iter().next(),
            Err(e) => {
                let why = e.iter().map(|d| d.message.clone()).collect::<Vec<_>>();
                out.not_evaluated.push((principal, why.join("; ")));
                continue;
            }
        };
        let Some(r) = result else {
            continue;
        };
        out.principals_evaluated = out.principals_evaluated.saturating_add(1);
        let row = who_row(principal, kind, &r);
        // "Would otherwise be allowed": the identity side allows, or the resource policy
        // grants this principal itself (not only its account).
        let identity_allows = r.policy_types.iter().any(|o| {
            o.policy_type == iamwhy_core::PolicyType::Identity
                && o.outcome == iamwhy_eval::SetOutcome::Allow
        });
        let granted_directly = r.matched_statements.iter().any(|s| {
            s.effect == Effect::Allow
                && s.principal_match
                    .is_some_and(|m| m != iamwhy_eval::MatchKind::Account)
        });
        let allows = identity_allows || granted_directly;
        match (r.decision, r.final_decision()) {
            (_, Decision::Allowed) => out.allowed.push(row),
            (Decision::Allowed, _) => out.request_only.push(row),
            (Decision::ExplicitDeny, _) if allows => out.almost.push(row),
            _ => {}
        }
    }
    Ok(out)
}

fn who_row(principal: String, kind: PrincipalKind, r: &SimulationResult) -> WhoRow {
    WhoRow {
        principal,
        kind,
        decision: r.final_decision(),
        request_decision: r.decision,
        deciding: r.deciding_statements.iter().map(Decider::of).collect(),
        failing_hidden_calls: r
            .hidden_checks
            .iter()
            .filter(|c| c.result.decision != Decision::Allowed)
            .map(|c| format!("{} on {}", c.result.action, c.result.resource))
            .collect(),
    }
}

/// How many actions `can` evaluates at a time.
const CAN_CHUNK: usize = 512;

/// One action a principal may perform.
#[derive(Clone, Debug, Serialize)]
pub struct CanRow {
    /// The service prefix.
    pub service: String,
    /// `List`, `Read`, `Write`, `Permissions management` or `Tagging`.
    pub access_level: String,
    /// `prefix:Name`.
    pub action: String,
    /// The resource (or resource pattern of the principal's policies) it is allowed on.
    pub resource: String,
    /// The statements that allow it.
    pub deciding: Vec<Decider>,
}

/// The answer to `can`.
#[derive(Clone, Debug, Serialize)]
pub struct Can {
    /// The principal.
    pub principal: String,
    /// How many actions were evaluated (each on each resource).
    pub actions_evaluated: usize,
    /// The resources each action was evaluated on.
    pub resources: Vec<String>,
    /// What is allowed, by service, access level and action.
    pub allowed: Vec<CanRow>,
}

/// Everything `principal` may do: each action of `services` (every service of the catalog
/// when empty) on `resource`, or, without one, on `*` and on each resource pattern of the
/// principal's own `Allow` statements. Rows are sorted by service, access level and action.
pub fn can(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    principal: &str,
    services: &[String],
    resource: Option<&str>,
) -> Result<Can, Diagnostics> {
    let catalog = Catalog::bundled();
    let mut actions: Vec<(String, String, Action)> = Vec::new();
    let chosen: Vec<&iamwhy_catalog::Service> = if services.is_empty() {
        catalog.services().collect()
    } else {
        let mut list = Vec::new();
        for s in services {
            list.push(
                catalog
                    .service(s)
                    .ok_or_else(|| usage(format!("--service `{s}`: no such service prefix")))?,
            );
        }
        list
    };
    for s in chosen {
        for a in &s.actions {
            if let Ok(parsed) = Action::parse(&a.full_name()) {
                actions.push((s.prefix.to_owned(), a.access_level.to_owned(), parsed));
            }
        }
    }
    let resources: Vec<String> = match resource {
        Some(r) => vec![r.to_owned()],
        None => own_resource_patterns(snapshot, map, principal)?,
    };
    let mut allowed: Vec<CanRow> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for r in &resources {
        let parsed = Resource::parse(r).map_err(|e| usage(format!("--resource `{r}`: {e}")))?;
        // In chunks: the results of one chunk are reduced to rows before the next is
        // evaluated, so memory stays that of a chunk, not of 22,000 full results.
        for chunk in actions.chunks(CAN_CHUNK) {
            let query = AccountQuery {
                principal: principal.to_owned(),
                actions: chunk.iter().map(|(_, _, a)| a.clone()).collect(),
                resources: vec![parsed.clone()],
                hidden_calls: false,
                brief: true,
                ..AccountQuery::default()
            };
            let sim = simulate_account(snapshot, map, &query)?;
            for ((service, level, _), res) in chunk.iter().zip(&sim.before) {
                if res.decision != Decision::Allowed || !seen.insert(res.action.clone()) {
                    continue;
                }
                allowed.push(CanRow {
                    service: service.clone(),
                    access_level: level.clone(),
                    action: res.action.clone(),
                    resource: res.resource.clone(),
                    deciding: res.deciding_statements.iter().map(Decider::of).collect(),
                });
            }
        }
    }
    allowed.sort_by(|a, b| {
        (&a.service, &a.access_level, &a.action).cmp(&(&b.service, &b.access_level, &b.action))
    });
    Ok(Can {
        principal: principal.to_owned(),
        actions_evaluated: actions.len(),
        resources,
        allowed,
    })
}

/// `*` and the resource patterns of the principal's own `Allow` statements.
fn own_resource_patterns(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    principal: &str,
) -> Result<Vec<String>, Diagnostics> {
    let who = snapshot
        .resolve_principal(principal, None)
        .map_err(crate::simulate::principal_error)?;
    let policies = snapshot.principal_policies(map, &who, &Changes::default())?;
    let mut out = vec!["*".to_owned()];
    for p in &policies.identity {
        for s in &p.document.statements {
            let Some(r) = s.resource.as_ref().filter(|r| !r.negated) else {
                continue;
            };
            if s.effect != Effect::Allow {
                continue;
            }
            for item in &r.items {
                if !out.contains(&item.text) && Resource::parse(&item.text).is_ok() {
                    out.push(item.text.clone());
                }
            }
        }
    }
    Ok(out)
}
