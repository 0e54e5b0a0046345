//! `iamwhy simulate --scenario FILE [overrides]`.

use iamwhy_analysis::{
    Expectation, ExpectedDecision, Overrides, UnknownActions, parse_scenarios, read_source,
    simulate,
};
use iamwhy_catalog::Catalog;
use iamwhy_core::{ContextValue, SourceMap};

use crate::cli::{Format, SimulateArgs};
use crate::exit::ExitStatus;
use crate::render::{Output, Paint, select_all_rows, select_all_text, simulation_text, to_json};

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
    let services = args.service.iter().map(|s| format!("{s}:*"));
    let mut actions = Vec::new();
    let mut select_all = false;
    for pattern in args.action.iter().cloned().chain(services) {
        if !pattern.contains(['*', '?']) {
            actions.push(pattern);
            continue;
        }
        select_all = true;
        let found = catalog
            .expand(&pattern)
            .map_err(|e| format!("--action `{pattern}`: {e}"))?;
        actions.extend(found.iter().map(|a| a.full_name()));
    }
    Ok((actions, select_all))
}

pub(crate) fn run(args: &SimulateArgs, out: &mut Output) -> ExitStatus {
    let mut map = SourceMap::new();
    let (actions, select_all) = match expand_actions(args) {
        Ok(a) => a,
        Err(e) => {
            out.error_line(&e);
            return ExitStatus::Error;
        }
    };
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
    if let Some(e) = &args.expect {
        match ExpectedDecision::parse(e) {
            Some(decision) => {
                overrides.expect = Some(Expectation {
                    decision,
                    denied_by: None,
                    message: None,
                    deciding: Vec::new(),
                });
            }
            None => {
                out.error_line(&format!(
                    "--expect `{e}`: expected `Allowed`, `ExplicitDeny`, `ImplicitDeny` or `Denied`"
                ));
                return ExitStatus::Error;
            }
        }
    }
    for path in &args.session_policy {
        match read_source(&mut map, path) {
            Ok(id) => overrides.session_policies.push(id),
            Err(e) => {
                out.diagnostics(&map, e.iter());
                return ExitStatus::Error;
            }
        }
    }
    let source = match read_source(&mut map, &args.scenario) {
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
    let text = match out.format {
        Format::Json if select_all => to_json(&select_all_rows(&results)),
        Format::Text if select_all => select_all_text(&results, &Paint(out.color)),
        Format::Json if results.len() == 1 => to_json(&results[0]),
        Format::Json => to_json(&results),
        Format::Text => simulation_text(&results, &Paint(out.color)),
    };
    out.result(&text);
    let unmet = results
        .iter()
        .any(|r| r.expectation.as_ref().is_some_and(|e| !e.met));
    if unmet {
        ExitStatus::Negative
    } else {
        ExitStatus::Success
    }
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
