//! The actions a policy names, checked against the catalog: every `Action`/`NotAction` entry
//! that names no real action is a warning. Used by the linter (as its `unknown-service`,
//! `unknown-action`, `action-matches-nothing` and `undocumented-action` rules) and by
//! `simulate` and `test` (as warnings on the policies they load), so that both say the same
//! thing about the same entry.

use iamwhy_core::{Diagnostic, Span};
use iamwhy_policy::{ActionMatcher, ActionPattern, PolicyDocument, Statement};

use crate::{Action, Catalog, ExpandError, did_you_mean};

impl Catalog {
    /// Warnings for the `Action`/`NotAction` entries of every statement of `doc` that name
    /// no real action (see [`Catalog::statement_actions`]).
    pub fn action_warnings(&self, doc: &PolicyDocument) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for stmt in &doc.statements {
            self.statement_actions(stmt, &mut out);
        }
        out
    }

    /// Adds to `out` a warning for each `Action`/`NotAction` entry of `stmt` that names no
    /// real action — an unknown service, an unknown action, a wildcard that matches nothing
    /// (in `NotAction` such an entry excludes nothing, so the statement covers every action:
    /// the help says so), or an entry only AWS managed policies name — and returns the
    /// catalog actions `Action` lists; `None` when they cannot be told (a `NotAction`, or
    /// `*`, which stand for every action). Every warning has a help line.
    pub fn statement_actions(
        &self,
        stmt: &Statement,
        out: &mut Vec<Diagnostic>,
    ) -> Option<Vec<&Action>> {
        let element = &stmt.action;
        let name = if element.negated {
            "NotAction"
        } else {
            "Action"
        };
        let mut listed: Option<Vec<&Action>> = (!element.negated).then(Vec::new);
        for item in &element.items {
            match item.matcher {
                ActionMatcher::All => listed = None,
                ActionMatcher::Never => {}
                ActionMatcher::Service { .. } => match self.expand(&item.text) {
                    Ok(found) => {
                        if let Some(l) = &mut listed {
                            l.extend(found);
                        }
                    }
                    Err(e) => {
                        if let Some(d) = self.unknown_action(&item.text, item.span, name, e) {
                            out.push(d);
                        }
                    }
                },
            }
        }
        // Repeats are harmless: every use collects what it needs into a set.
        listed
    }

    /// The warning for one `Action` (or, with `negated`, `NotAction`) entry that names no
    /// real action, as [`Catalog::statement_actions`] gives it; `None` for an entry that names
    /// some (or every) action. For callers that check each distinct entry once.
    pub fn action_entry_warning(&self, item: &ActionPattern, negated: bool) -> Option<Diagnostic> {
        let name = if negated { "NotAction" } else { "Action" };
        match item.matcher {
            ActionMatcher::All | ActionMatcher::Never => None,
            ActionMatcher::Service { .. } => match self.expand(&item.text) {
                Ok(_) => None,
                Err(e) => self.unknown_action(&item.text, item.span, name, e),
            },
        }
    }

    fn unknown_action(
        &self,
        text: &str,
        span: Span,
        name: &str,
        e: ExpandError,
    ) -> Option<Diagnostic> {
        let (code, message, suggestions) = match e {
            ExpandError::UnknownService {
                prefix,
                suggestions,
            } => (
                "unknown-service",
                format!("`{text}` in `{name}`: no AWS service has the prefix `{prefix}`"),
                suggestions
                    .into_iter()
                    .map(|s| format!("{s}:{}", text.split_once(':').map_or("", |p| p.1)))
                    .collect(),
            ),
            ExpandError::NoMatch { suggestions } if text.contains(['*', '?']) => (
                "action-matches-nothing",
                format!("`{text}` in `{name}` matches no action of the service"),
                suggestions,
            ),
            ExpandError::NoMatch { suggestions } => (
                "unknown-action",
                format!("`{text}` in `{name}` is not an action of the bundled service catalog"),
                suggestions,
            ),
            ExpandError::NoService => return None,
        };
        // What AWS's own managed policies name is real, even when the catalog no longer (or
        // does not yet) list it.
        let prefix_only = code == "unknown-service";
        if code != "action-matches-nothing" && self.used_by_managed_policies(text, prefix_only) {
            let what = if prefix_only {
                "its service"
            } else {
                "this action"
            };
            let mut d = Diagnostic::warning(
                "undocumented-action",
                format!(
                    "`{text}` in `{name}`: the bundled service catalog does not list {what}, but AWS managed policies name it (a retired service or legacy action, or one newer than the catalog)"
                ),
                span,
            );
            d.help = Some("check the service's page in the Service Authorization Reference; if the service is retired, remove the entry".to_owned());
            return Some(d);
        }
        let mut help = did_you_mean(&suggestions).unwrap_or_default();
        if name == "NotAction" {
            if !help.is_empty() {
                help.push(' ');
            }
            help.push_str("an entry of `NotAction` that matches no action excludes nothing");
        } else if help.is_empty() {
            help.push_str("`iamwhy actions PATTERN` lists the actions the catalog knows");
        }
        let mut d = Diagnostic::warning(code, message, span);
        d.help = Some(help);
        Some(d)
    }
}

#[cfg(test)]
mod tests {
    use iamwhy_core::PolicyKind;
    use iamwhy_policy::parse_policy_str;

    use crate::Catalog;

    fn codes(policy: &str) -> Vec<(&'static str, String)> {
        let doc = parse_policy_str(policy, PolicyKind::Identity).unwrap();
        Catalog::bundled()
            .action_warnings(&doc)
            .into_iter()
            .map(|d| (d.code, d.help.unwrap()))
            .collect()
    }

    #[test]
    fn entries_that_name_no_action_are_warnings_with_help() {
        let found = codes(
            r#"{"Statement": [
              {"Effect": "Allow", "Action": ["s3:GetObjekt", "s3:Frob*", "nosuchservice:Get", "s3:Get*"], "Resource": "*"},
              {"Effect": "Deny", "NotAction": "s3:Frob*", "Resource": "*"}
            ]}"#,
        );
        let got: Vec<&str> = found.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            got,
            [
                "unknown-action",
                "action-matches-nothing",
                "unknown-service",
                "action-matches-nothing"
            ]
        );
        assert!(found[0].1.contains("s3:GetObject"), "{}", found[0].1);
        assert!(found[3].1.ends_with("excludes nothing"), "{}", found[3].1);
    }

    #[test]
    fn statement_actions_lists_what_action_names() {
        let doc = parse_policy_str(
            r#"{"Statement": {"Effect": "Allow", "Action": ["s3:GetObject", "kms:Decrypt"], "Resource": "*"}}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let mut out = Vec::new();
        let listed = Catalog::bundled()
            .statement_actions(&doc.statements[0], &mut out)
            .unwrap();
        assert_eq!(listed.len(), 2);
        assert!(out.is_empty());
    }
}
