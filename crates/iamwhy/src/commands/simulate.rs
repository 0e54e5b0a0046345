//! `iamwhy simulate --scenario FILE [overrides]`.

use std::path::Path;

use iamwhy_analysis::{
    AccountQuery, Expectation, ExpectedDecision, Overrides, SimulationResult, UNKNOWN_ACTION,
    UnknownActions, parse_scenarios, read_source, simulate, simulate_account, unknown_action,
};
use iamwhy_catalog::Catalog;
use iamwhy_core::{Action, ContextValue, Diagnostic, Diagnostics, Resource, SourceMap};
use iamwhy_input::Limit;

use crate::args::changes_from;
use crate::cli::{Format, SimulateArgs};
use crate::exit::ExitStatus;
use crate::render::{
    Output, Paint, comparison_text, select_all_rows, select_all_text, simulation_text, to_json,
};

/// Parses `KEY=VALUE` or `KEY=v1,v2`.
fn context_entry(text: &str) -> Result<(String, ContextValue), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("--context `{text}`: expected `KEY=VALUE` or `KEY=v1,v2`"))?;
    if key.trim().is_empty() {
        return Err(format!("--context `{text}`: the key is empty"));
    }
    let value = if value.contains(',') {
        ContextValue::Multi(value.split(',').map(str::to_owned).collect())
    } else {
        ContextValue::Single(value.to_owned())
    };
    Ok((key.trim().to_owned(), value))
}

/// The `--action` and `--service` arguments with wildcards expanded against the service
/// catalog, and whether any was a wildcard ("Select All": print a table).
fn expand_actions(args: &SimulateArgs) -> Result<(Vec<String>, bool), String> {
    let catalog = Catalog::bundled();
    let actions_given = args.action.iter().map(|a| ("--action", a.clone()));
    let services = args.service.iter().map(|s| ("--service", format!("{s}:*")));
    let mut actions = Vec::new();
    let mut select_all = false;
    for (flag, pattern) in actions_given.chain(services) {
        if !pattern.contains(['*', '?']) {
            actions.push(pattern);
            continue;
        }
        select_all = true;
        let shown = match flag {
            "--service" => pattern.trim_end_matches(":*"),
            _ => &pattern,
        };
        let found = catalog
            .expand(&pattern)
            .map_err(|e| format!("{flag} `{shown}`: {e}"))?;
        actions.extend(found.iter().map(|a| a.full_name()));
    }
    Ok((actions, select_all))
}

/// `--expect` as an expectation.
fn expectation(args: &SimulateArgs) -> Result<Option<Expectation>, String> {
    let Some(e) = &args.expect else {
        return Ok(None);
    };
    match ExpectedDecision::parse(e) {
        Some(decision) => Ok(Some(Expectation {
            decision,
            denied_by: None,
            message: None,
            deciding: Vec::new(),
        })),
        None => Err(format!(
            "--expect `{e}`: expected `Allowed`, `ExplicitDeny`, `ImplicitDeny` or `Denied`"
        )),
    }
}

/// Exit 1 when an expectation is not met.
fn status(results: &[SimulationResult]) -> ExitStatus {
    let unmet = results
        .iter()
        .any(|r| r.expectation.as_ref().is_some_and(|e| !e.met));
    if unmet {
        ExitStatus::Negative
    } else {
        ExitStatus::Success
    }
}

/// Results as text, a Select All table, or JSON.
fn render(results: &[SimulationResult], select_all: bool, out: &Output) -> String {
    match out.format {
        Format::Json if select_all => to_json(&select_all_rows(results)),
        Format::Text if select_all => select_all_text(results, &Paint(out.color)),
        Format::Json => match results {
            [only] => to_json(only),
            all => to_json(all),
        },
        Format::Text => simulation_text(results, &Paint(out.color)),
    }
}

pub(crate) fn run(args: &SimulateArgs, out: &mut Output) -> ExitStatus {
    let (actions, select_all) = match expand_actions(args) {
        Ok(a) => a,
        Err(e) => {
            out.error_line(&e);
            return ExitStatus::Error;
        }
    };
    match (&args.snapshot, &args.scenario) {
        (Some(dir), _) => run_snapshot(args, dir, actions, select_all, out),
        (None, Some(file)) => run_scenario(args, file, actions, select_all, out),
        (None, None) => {
            out.error_line("give `--scenario FILE` or `--snapshot DIR`");
            ExitStatus::Error
        }
    }
}

fn run_scenario(
    args: &SimulateArgs,
    file: &Path,
    actions: Vec<String>,
    select_all: bool,
    out: &mut Output,
) -> ExitStatus {
    let mut map = SourceMap::new();
    let mut overrides = Overrides {
        principal: args.principal.clone(),
        actions,
        resources: args.resource.clone(),
        unknown_actions: if args.allow_unknown_actions {
            UnknownActions::Warn
        } else {
            UnknownActions::Error
        },
        ..Overrides::default()
    };
    for c in &args.context {
        match context_entry(c) {
            Ok(e) => overrides.context.push(e),
            Err(e) => {
                out.error_line(&e);
                return ExitStatus::Error;
            }
        }
    }
    match expectation(args) {
        Ok(e) => overrides.expect = e,
        Err(e) => {
            out.error_line(&e);
            return ExitStatus::Error;
        }
    }
    for path in &args.session_policy {
        match read_source(&mut map, path, Limit::POLICY) {
            Ok(id) => overrides.session_policies.push(id),
            Err(e) => {
                out.diagnostics(&map, e.iter());
                return ExitStatus::Error;
            }
        }
    }
    let source = match read_source(&mut map, file, Limit::SCENARIO) {
        Ok(s) => s,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    let (scenarios, warnings) = match parse_scenarios(&mut map, source, &overrides) {
        Ok(s) => s,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    out.diagnostics(&map, warnings.iter());
    let results: Vec<_> = scenarios.iter().flat_map(|s| simulate(s, &map)).collect();
    let text = render(&results, select_all, out);
    out.result(&text);
    status(&results)
}

/// The snapshot question from the command line; `Err` holds the diagnostics to print.
fn account_query(
    args: &SimulateArgs,
    map: &mut SourceMap,
    actions: Vec<String>,
) -> Result<AccountQuery, Diagnostics> {
    let usage = |m: String| Diagnostics::single(Diagnostic::unplaced_error("usage", m));
    let mut query = AccountQuery {
        principal: args.principal.clone().unwrap_or_default(),
        parent_user: args.parent_user.clone(),
        hidden_calls: !args.no_hidden_calls,
        session_policy_arns: args.session_policy_arn.clone(),
        expect: expectation(args).map_err(usage)?,
        ..AccountQuery::default()
    };
    let mut warnings = Vec::new();
    for a in &actions {
        let action = Action::parse(a).map_err(|e| usage(format!("--action `{a}`: {e}")))?;
        if let Some((message, help)) = unknown_action(action.as_str()) {
            let mut d = Diagnostic::unplaced_error(UNKNOWN_ACTION, message);
            d.help =
                help.or_else(|| Some("`--allow-unknown-actions` evaluates it anyway".to_owned()));
            if args.allow_unknown_actions {
                d.severity = iamwhy_core::Severity::Warning;
                warnings.push(d);
            } else {
                return Err(Diagnostics::single(d));
            }
        }
        query.actions.push(action);
    }
    let resources = if args.resource.is_empty() {
        vec!["*".to_owned()]
    } else {
        args.resource.clone()
    };
    for r in &resources {
        query
            .resources
            .push(Resource::parse(r).map_err(|e| usage(format!("--resource `{r}`: {e}")))?);
    }
    for c in &args.context {
        query.context.push(context_entry(c).map_err(usage)?);
    }
    for path in &args.session_policy {
        query
            .session_policies
            .push(read_source(map, path, Limit::POLICY)?);
    }
    let changes = changes_from(&args.changes, map)?;
    query.changes = changes;
    if !warnings.is_empty() {
        query.warnings = warnings;
    }
    Ok(query)
}

fn run_snapshot(
    args: &SimulateArgs,
    dir: &Path,
    actions: Vec<String>,
    select_all: bool,
    out: &mut Output,
) -> ExitStatus {
    let mut map = SourceMap::new();
    let snapshot = match iamwhy_snapshot::load(dir, &mut map) {
        Ok(s) => s,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    out.diagnostics(&map, snapshot.warnings.iter());
    let query = match account_query(args, &mut map, actions) {
        Ok(q) => q,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    out.diagnostics(&map, query.warnings.iter());
    let sim = match simulate_account(&snapshot, &mut map, &query) {
        Ok(s) => s,
        Err(e) => {
            out.diagnostics(&map, e.iter());
            return ExitStatus::Error;
        }
    };
    let text = match (&sim.after, out.format) {
        (None, _) => render(&sim.before, select_all, out),
        (Some(_), Format::Json) => to_json(&sim),
        (Some(_), Format::Text) => comparison_text(&sim, &Paint(out.color)),
    };
    out.result(&text);
    status(sim.answer())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_entries() {
        assert_eq!(
            context_entry("aws:SourceIp=10.0.0.1").unwrap(),
            (
                "aws:SourceIp".into(),
                ContextValue::Single("10.0.0.1".into())
            )
        );
        assert_eq!(
            context_entry("aws:TagKeys=a,b").unwrap().1,
            ContextValue::Multi(vec!["a".into(), "b".into()])
        );
        assert!(context_entry("novalue").is_err());
        assert!(context_entry("=x").is_err());
    }
}
