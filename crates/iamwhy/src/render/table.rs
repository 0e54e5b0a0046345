//! "Select All": one compact row per action, as the IAM console's policy simulator shows when
//! every action of a service is selected.

use std::fmt::Write as _;

use iamwhy_analysis::{SimulationResult, StatementInfo};
use iamwhy_catalog::Catalog;
use iamwhy_core::{Decision, DeniedBy};
use serde::Serialize;

use super::Paint;

/// One row of the table (and of the JSON array).
#[derive(Serialize)]
pub(crate) struct Row<'a> {
    scenario: &'a str,
    action: &'a str,
    access_level: Option<&'static str>,
    resource: &'a str,
    /// The request's own decision.
    decision: Decision,
    denied_by: Option<DeniedBy>,
    /// The deciding statements, `policy#Sid` or `policy#index`.
    deciding: Vec<String>,
    /// The decision of the whole operation, the checks it triggers in other services
    /// included (account snapshots with hidden calls).
    #[serde(skip_serializing_if = "Option::is_none")]
    operation_decision: Option<Decision>,
    /// The first hidden check that is denied: `kms:Decrypt on ARN: ImplicitDeny`.
    #[serde(skip_serializing_if = "Option::is_none")]
    failing_check: Option<String>,
    /// Whether the row meets the expectation (`--expect`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    expectation_met: Option<bool>,
    /// Whether the action acts on this kind of resource (from the service catalog); `null`
    /// when the catalog cannot tell.
    resource_type_fits: Option<bool>,
}

fn statement_ref(s: &StatementInfo) -> String {
    match &s.sid {
        Some(sid) => format!("{}#{sid}", s.policy),
        None => format!("{}#{}", s.policy, s.index),
    }
}

/// The rows, in result order.
pub(crate) fn select_all_rows(results: &[SimulationResult]) -> Vec<Row<'_>> {
    let catalog = Catalog::bundled();
    results
        .iter()
        .map(|r| {
            let action = catalog.action(&r.action);
            Row {
                scenario: &r.scenario,
                action: &r.action,
                access_level: action.map(|a| a.access_level),
                resource: &r.resource,
                decision: r.decision,
                denied_by: r.denied_by,
                deciding: r.deciding_statements.iter().map(statement_ref).collect(),
                operation_decision: r.operation_decision,
                failing_check: r.failing_check().map(|c| {
                    format!(
                        "{} on {}: {}",
                        c.result.action, c.result.resource, c.result.decision
                    )
                }),
                expectation_met: r.expectation.as_ref().map(|e| e.met),
                resource_type_fits: action.and_then(|a| catalog.action_accepts(a, &r.resource)),
            }
        })
        .collect()
}

impl Row<'_> {
    /// The answer to "may this call succeed": the operation's decision when hidden checks
    /// ran, else the request's.
    fn final_decision(&self) -> Decision {
        self.operation_decision.unwrap_or(self.decision)
    }
}

fn why(row: &Row<'_>) -> String {
    if let Some(check) = &row.failing_check {
        return format!("{} allowed, but the hidden call {check}", row.action);
    }
    if !row.deciding.is_empty() {
        return row.deciding.join(", ");
    }
    match row.denied_by {
        Some(DeniedBy::ServiceRule) => "a service rule".to_owned(),
        Some(by) => format!(
            "no {} allows",
            by.policy_type().map_or("", |t| t.aws_phrase())
        ),
        None => String::new(),
    }
}

/// The table for people: one section per scenario.
pub(crate) fn select_all_text(results: &[SimulationResult], paint: &Paint) -> String {
    let rows = select_all_rows(results);
    let mut out = String::new();
    let mut start = 0;
    while let Some(first) = rows.get(start) {
        let end = rows
            .iter()
            .skip(start)
            .position(|r| r.scenario != first.scenario)
            .map_or(rows.len(), |n| start.saturating_add(n));
        if start > 0 {
            out.push('\n');
        }
        let principal = results.get(start).map_or("", |r| r.principal.as_str());
        section(
            &mut out,
            rows.get(start..end).unwrap_or(&[]),
            principal,
            paint,
        );
        start = end;
    }
    let _ = writeln!(
        out,
        "{}",
        paint.dim("`--action ACTION` explains one row statement by statement.")
    );
    out
}

fn section(out: &mut String, rows: &[Row<'_>], principal: &str, paint: &Paint) {
    let Some(first) = rows.first() else {
        return;
    };
    let _ = writeln!(out, "{} {}", paint.bold("scenario"), first.scenario);
    let _ = writeln!(out, "  principal: {principal}");
    let one_resource = rows.iter().all(|r| r.resource == first.resource);
    if one_resource {
        let _ = writeln!(out, "  resource:  {}", first.resource);
    }
    let w_action = rows
        .iter()
        .map(|r| r.action.len())
        .max()
        .unwrap_or(0)
        .max(6);
    let w_level = rows
        .iter()
        .map(|r| r.access_level.map_or(1, str::len))
        .max()
        .unwrap_or(0)
        .max(6);
    let resource_header = if one_resource { "" } else { "RESOURCE  " };
    let _ = writeln!(
        out,
        "\n  {}",
        paint.bold(&format!(
            "{:w_action$}  {:w_level$}  {:12}  {resource_header}DECIDING",
            "ACTION", "ACCESS", "DECISION"
        ))
    );
    let catalog = Catalog::bundled();
    let (mut allowed, mut explicit, mut implicit, mut misfit, mut unmet) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    for row in rows {
        let decision = match row.final_decision() {
            Decision::Allowed => {
                allowed = allowed.saturating_add(1);
                paint.green(&format!("{:12}", "Allowed"))
            }
            Decision::ExplicitDeny => {
                explicit = explicit.saturating_add(1);
                paint.red(&format!("{:12}", "ExplicitDeny"))
            }
            Decision::ImplicitDeny => {
                implicit = implicit.saturating_add(1);
                paint.red(&format!("{:12}", "ImplicitDeny"))
            }
        };
        let resource = if one_resource {
            String::new()
        } else {
            format!("{}  ", row.resource)
        };
        let mut why = why(row);
        if row.resource_type_fits == Some(false) {
            misfit = misfit.saturating_add(1);
            let acts_on = catalog.action(row.action).map_or(String::new(), |a| {
                if a.wildcard_only() {
                    "*".to_owned()
                } else {
                    let names: Vec<&str> = a.resource_types.iter().map(|r| r.name).collect();
                    names.join(", ")
                }
            });
            why.push_str(&paint.yellow(&format!("  [acts on: {acts_on}]")));
        }
        if row.expectation_met == Some(false) {
            unmet = unmet.saturating_add(1);
            why.push_str(&paint.red("  [not as expected]"));
        }
        let _ = writeln!(
            out,
            "  {:w_action$}  {:w_level$}  {decision}  {resource}{why}",
            row.action,
            row.access_level.unwrap_or("?"),
        );
    }
    let _ = writeln!(
        out,
        "\n  {} actions: {allowed} allowed, {explicit} explicitly denied, {implicit} implicitly denied.",
        rows.len()
    );
    if unmet > 0 {
        let _ = writeln!(
            out,
            "  {}",
            paint.red(&format!("{unmet} of them are not as `--expect` says."))
        );
    }
    if misfit > 0 {
        let _ = writeln!(
            out,
            "  {}",
            paint.dim(&format!(
                "{misfit} of them do not act on this kind of resource ([acts on: ...], from the service catalog): a real request would name another resource."
            ))
        );
    }
}
