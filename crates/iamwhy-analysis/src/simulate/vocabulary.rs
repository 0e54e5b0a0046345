//! Checks against the bundled service catalog: actions that do not exist, in requests and in
//! policies.

use std::collections::HashMap;

use iamwhy_catalog::{Catalog, did_you_mean};
use iamwhy_core::{Diagnostic, Severity, Span};
use iamwhy_policy::PolicyDocument;

/// The diagnostic code of an action the catalog does not know.
pub const UNKNOWN_ACTION: &str = "unknown-action";

/// How an unknown action in a request is reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnknownActions {
    /// A warning: the request is still evaluated (`iamwhy test`, `--allow-unknown-actions`).
    #[default]
    Warn,
    /// An error: nothing is evaluated (`iamwhy simulate`).
    Error,
}

/// `None` when the catalog knows `action` (`service:Name`); else the message and its help.
pub fn unknown_action(action: &str) -> Option<(String, Option<String>)> {
    let catalog = Catalog::bundled();
    if catalog.action(action).is_some() {
        return None;
    }
    let suggestions = catalog.suggest_action(action);
    let message = match action.split_once(':') {
        Some((prefix, _)) if catalog.service(prefix).is_none() => {
            format!("`{action}`: no AWS service has the prefix `{prefix}`")
        }
        _ => format!("`{action}` is not an action of the bundled service catalog"),
    };
    Some((message, did_you_mean(&suggestions)))
}

/// A diagnostic for a request's unknown action, at `span`.
pub(crate) fn unknown_request_action(
    action: &str,
    span: Span,
    severity: UnknownActions,
) -> Option<Diagnostic> {
    let (message, help) = unknown_action(action)?;
    let mut d = Diagnostic::warning(UNKNOWN_ACTION, message, span);
    if severity == UnknownActions::Error {
        d.severity = Severity::Error;
    }
    d.help = Some(help.unwrap_or_else(|| {
        "`iamwhy actions PATTERN` lists the actions the catalog knows; \
         `--allow-unknown-actions` evaluates it anyway"
            .to_owned()
    }));
    Some(d)
}

/// Warnings for `Action`/`NotAction` entries that name no real action: an unknown service,
/// an unknown action, or a wildcard that matches nothing (the linter's vocabulary findings,
/// from [`Catalog::action_warnings`]; in `NotAction` such an entry excludes nothing, so the
/// statement covers every action — the help says so).
pub fn policy_action_warnings(doc: &PolicyDocument) -> Vec<Diagnostic> {
    Catalog::bundled().action_warnings(doc)
}

/// [`policy_action_warnings`] for many documents, each distinct entry (`s3:Get*` in
/// `Action`, ...) checked against the catalog once: the documents of a large scenario file
/// repeat the same few hundred entries thousands of times.
#[derive(Debug, Default)]
pub(crate) struct ActionChecks {
    /// By entry text and whether it is in `NotAction`: the warning found for its first
    /// occurrence, if any.
    seen: HashMap<(String, bool), Option<Diagnostic>, foldhash::fast::FixedState>,
}

impl ActionChecks {
    /// The warnings of `doc`, in the order [`policy_action_warnings`] gives them.
    pub(crate) fn warnings(&mut self, doc: &PolicyDocument) -> Vec<Diagnostic> {
        let catalog = Catalog::bundled();
        let mut out = Vec::new();
        for stmt in &doc.statements {
            let negated = stmt.action.negated;
            for item in &stmt.action.items {
                let found = match self.seen.get(&(item.text.clone(), negated)) {
                    Some(found) => found.clone().map(|d| Diagnostic {
                        span: Some(item.span),
                        ..d
                    }),
                    None => {
                        let found = catalog.action_entry_warning(item, negated);
                        self.seen
                            .insert((item.text.clone(), negated), found.clone());
                        found
                    }
                };
                out.extend(found);
            }
        }
        out
    }
}
