//! A `simulate` question as the user writes it — action patterns, `KEY=VALUE` context,
//! `NAME=FILE` changes, an expected decision in words — checked and turned into the typed
//! question: scenario [`Overrides`] or an [`AccountQuery`]. Every front end (the command
//! line, tests) goes through here, so each mistake gets the same message.

use std::path::{Path, PathBuf};

use iamwhy_catalog::Catalog;
use iamwhy_core::{Action, ContextValue, Diagnostic, Diagnostics, Resource, Severity, SourceMap};
use iamwhy_input::Limit;
use iamwhy_snapshot::Changes;

use super::account::AccountQuery;
use super::scenario::{Expectation, ExpectedDecision, Overrides};
use super::testing::read_source;
use super::vocabulary::{UNKNOWN_ACTION, UnknownActions, unknown_action};
use crate::report::Detail;

/// Candidate changes named by files: `--add-policy FILE`, `--replace-policy NAME=FILE`, ...
#[derive(Clone, Debug, Default)]
pub struct ChangeFiles {
    /// `NAME_OR_ARN=FILE`: replace an attached policy.
    pub replace_policy: Vec<String>,
    /// Files of identity policies to add.
    pub add_policy: Vec<PathBuf>,
    /// Names or ARNs of attached policies to remove.
    pub remove_policy: Vec<String>,
    /// A file to use as the permissions boundary.
    pub set_boundary: Option<PathBuf>,
    /// `ARN=FILE`: replace a resource's policy.
    pub set_resource_policy: Vec<String>,
    /// `ID=FILE`: replace an Organizations policy.
    pub set_org_policy: Vec<String>,
}

impl ChangeFiles {
    /// Reads the files into `map`: the [`Changes`] to evaluate with.
    pub fn read(&self, map: &mut SourceMap) -> Result<Changes, Diagnostics> {
        let mut changes = Changes::default();
        for text in &self.replace_policy {
            let (target, file) = key_and_file("--replace-policy", text).map_err(usage)?;
            changes
                .replace
                .push((target, read_source(map, &file, Limit::POLICY)?));
        }
        for path in &self.add_policy {
            changes.add.push(read_source(map, path, Limit::POLICY)?);
        }
        changes.remove.clone_from(&self.remove_policy);
        if let Some(path) = &self.set_boundary {
            changes.boundary = Some(read_source(map, path, Limit::POLICY)?);
        }
        for text in &self.set_resource_policy {
            let (arn, file) = key_and_file("--set-resource-policy", text).map_err(usage)?;
            changes
                .resource_policies
                .push((arn, read_source(map, &file, Limit::POLICY)?));
        }
        for text in &self.set_org_policy {
            let (id, file) = key_and_file("--set-org-policy", text).map_err(usage)?;
            changes
                .org_policies
                .push((id, read_source(map, &file, Limit::POLICY)?));
        }
        Ok(changes)
    }
}

/// A `simulate` question, as written.
#[derive(Clone, Debug, Default)]
pub struct SimulateInput {
    /// `--principal`.
    pub principal: Option<String>,
    /// `--parent-user`: the IAM user behind a federated session.
    pub parent_user: Option<String>,
    /// `--action`: actions or patterns.
    pub actions: Vec<String>,
    /// `--service`: every action of these services.
    pub services: Vec<String>,
    /// `--allow-unknown-actions`.
    pub allow_unknown_actions: bool,
    /// `--resource`.
    pub resources: Vec<String>,
    /// `--context KEY=VALUE` or `KEY=v1,v2`.
    pub context: Vec<String>,
    /// `--session-policy FILE`.
    pub session_policies: Vec<PathBuf>,
    /// `--session-policy-arn ARN`.
    pub session_policy_arns: Vec<String>,
    /// `--federated-name NAME`: the `Name` an IAM user passes to GetFederationToken.
    pub federated_name: Option<String>,
    /// Whether to evaluate the hidden calls of each operation.
    pub hidden_calls: bool,
    /// Candidate changes.
    pub changes: ChangeFiles,
    /// `--expect`: `Allowed`, `ExplicitDeny`, `ImplicitDeny` or `Denied`.
    pub expect: Option<String>,
    /// `--detail`: how much each result lists.
    pub detail: Detail,
}

/// The actions of a question.
#[derive(Clone, Debug, Default)]
pub struct ExpandedActions {
    /// Actions, wildcards expanded against the catalog, in the order given.
    pub actions: Vec<String>,
    /// Whether any was a wildcard or a `--service` ("Select All": a table is shown).
    pub select_all: bool,
}

impl SimulateInput {
    /// The `--action` and `--service` arguments with wildcards expanded against the service
    /// catalog.
    pub fn expand_actions(&self) -> Result<ExpandedActions, String> {
        let catalog = Catalog::bundled();
        let given = self.actions.iter().map(|a| ("--action", a.clone()));
        let services = self
            .services
            .iter()
            .map(|s| ("--service", format!("{s}:*")));
        let mut out = ExpandedActions::default();
        for (flag, pattern) in given.chain(services) {
            if !pattern.contains(['*', '?']) {
                out.actions.push(pattern);
                continue;
            }
            out.select_all = true;
            let shown = match flag {
                "--service" => pattern.trim_end_matches(":*"),
                _ => &pattern,
            };
            let found = catalog
                .expand(&pattern)
                .map_err(|e| format!("{flag} `{shown}`: {e}"))?;
            out.actions.extend(found.iter().map(|a| a.full_name()));
        }
        Ok(out)
    }

    /// `--expect` as an expectation.
    pub fn expectation(&self) -> Result<Option<Expectation>, String> {
        let Some(e) = &self.expect else {
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

    /// What replaces a scenario file's own principal, actions, resources, context and
    /// expectation; session policy files are read into `map`.
    pub fn scenario_overrides(
        &self,
        map: &mut SourceMap,
        actions: Vec<String>,
    ) -> Result<Overrides, InputError> {
        let mut overrides = Overrides {
            principal: self.principal.clone(),
            actions,
            resources: self.resources.clone(),
            unknown_actions: if self.allow_unknown_actions {
                UnknownActions::Warn
            } else {
                UnknownActions::Error
            },
            ..Overrides::default()
        };
        for c in &self.context {
            overrides
                .context
                .push(context_entry(c).map_err(InputError::Argument)?);
        }
        overrides.expect = self.expectation().map_err(InputError::Argument)?;
        for path in &self.session_policies {
            let id = read_source(map, path, Limit::POLICY).map_err(InputError::Files)?;
            overrides.session_policies.push(id);
        }
        Ok(overrides)
    }

    /// The question against a snapshot; policy files are read into `map`. Unknown actions
    /// are an error unless allowed, then a warning in the query's `warnings`.
    pub fn account_query(
        &self,
        map: &mut SourceMap,
        actions: Vec<String>,
    ) -> Result<AccountQuery, Diagnostics> {
        let mut query = AccountQuery {
            principal: self.principal.clone().unwrap_or_default(),
            parent_user: self.parent_user.clone(),
            hidden_calls: self.hidden_calls,
            session_policy_arns: self.session_policy_arns.clone(),
            federated_name: self.federated_name.clone(),
            expect: self.expectation().map_err(usage)?,
            detail: self.detail,
            ..AccountQuery::default()
        };
        let mut warnings = Vec::new();
        for a in &actions {
            let action = Action::parse(a).map_err(|e| usage(format!("--action `{a}`: {e}")))?;
            if let Some((message, help)) = unknown_action(action.as_str()) {
                let mut d = Diagnostic::unplaced_error(UNKNOWN_ACTION, message);
                d.help = help
                    .or_else(|| Some("`--allow-unknown-actions` evaluates it anyway".to_owned()));
                if self.allow_unknown_actions {
                    d.severity = Severity::Warning;
                    warnings.push(d);
                } else {
                    return Err(Diagnostics::single(d));
                }
            }
            query.actions.push(action);
        }
        let resources = if self.resources.is_empty() {
            vec!["*".to_owned()]
        } else {
            self.resources.clone()
        };
        for r in &resources {
            let resource =
                Resource::parse(r).map_err(|e| usage(format!("--resource `{r}`: {e}")))?;
            query.resources.push(resource);
        }
        for c in &self.context {
            query.context.push(context_entry(c).map_err(usage)?);
        }
        for path in &self.session_policies {
            query
                .session_policies
                .push(read_source(map, path, Limit::POLICY)?);
        }
        query.changes = self.changes.read(map)?;
        if !warnings.is_empty() {
            query.warnings = warnings;
        }
        Ok(query)
    }
}

/// Why a question could not be built.
#[derive(Debug)]
pub enum InputError {
    /// An argument is malformed; the message names it.
    Argument(String),
    /// A file could not be read or parsed.
    Files(Diagnostics),
}

/// A usage mistake as a diagnostic.
fn usage(message: String) -> Diagnostics {
    Diagnostics::single(Diagnostic::unplaced_error("usage", message))
}

/// Parses `KEY=VALUE` or `KEY=v1,v2`.
pub fn context_entry(text: &str) -> Result<(String, ContextValue), String> {
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

/// Splits `LEFT=FILE`.
fn key_and_file(flag: &str, text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((k, f)) if !k.trim().is_empty() && !f.trim().is_empty() => {
            Ok((k.trim().to_owned(), Path::new(f.trim()).to_path_buf()))
        }
        _ => Err(format!("{flag} `{text}`: expected `NAME_OR_ARN=FILE`")),
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

    #[test]
    fn changes_name_the_flag_of_a_malformed_pair() {
        let files = ChangeFiles {
            set_resource_policy: vec!["no-file".into()],
            ..ChangeFiles::default()
        };
        let e = files.read(&mut SourceMap::new()).unwrap_err();
        let message = &e.iter().next().unwrap().message;
        assert!(
            message.starts_with("--set-resource-policy `no-file`"),
            "{message}"
        );
    }

    #[test]
    fn service_patterns_expand_and_ask_for_a_table() {
        let input = SimulateInput {
            services: vec!["sts".into()],
            ..SimulateInput::default()
        };
        let e = input.expand_actions().unwrap();
        assert!(e.select_all);
        assert!(e.actions.iter().any(|a| a == "sts:AssumeRole"));
        let bad = SimulateInput {
            services: vec!["nosuch".into()],
            ..SimulateInput::default()
        };
        assert!(
            bad.expand_actions()
                .unwrap_err()
                .starts_with("--service `nosuch`")
        );
    }
}
