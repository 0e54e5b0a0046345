//! The checks on a parsed document, in three groups: grammar (the rules of the policy type
//! the parser does not know), vocabulary (the service catalog) and risk.

mod grammar;
mod risk;
pub(crate) mod vocabulary;

use iamwhy_core::{PolicyKind, SourceMap};
use iamwhy_policy::{
    ActionMatcher, CaseFold, Condition, PolicyDocument, PrincipalEntryKind, ResourceMatcher,
    Statement,
};

use crate::Finding;

/// What the checks know about the document.
pub(crate) struct Context<'a> {
    pub(crate) map: &'a SourceMap,
    pub(crate) policy_kind: PolicyKind,
    /// The account the policy belongs to, when known.
    pub(crate) account: Option<&'a str>,
}

pub(crate) fn run(ctx: &Context<'_>, doc: &PolicyDocument, out: &mut Vec<Finding>) {
    grammar::run(ctx, doc, out);
    vocabulary::run(doc, out);
    risk::run(ctx, doc, out);
}

/// Whether the statement's `Action` (not `NotAction`) has an entry that matches `action`
/// (`service:Name`).
pub(crate) fn action_listed(stmt: &Statement, action: &str) -> bool {
    !stmt.action.negated && element_covers(stmt, action)
}

/// Whether the statement applies to `action`: an `Action` entry matches it, or no
/// `NotAction` entry does.
pub(crate) fn applies_to_action(stmt: &Statement, action: &str) -> bool {
    element_covers(stmt, action) != stmt.action.negated
}

fn element_covers(stmt: &Statement, action: &str) -> bool {
    let Some((service, name)) = action.split_once(':') else {
        return false;
    };
    stmt.action.items.iter().any(|item| match &item.matcher {
        ActionMatcher::All => true,
        ActionMatcher::Service {
            service: s,
            name: pattern,
            ..
        } => s.eq_ignore_ascii_case(service) && pattern.matches_plain(name, CaseFold::Ascii),
        ActionMatcher::Never => false,
    })
}

/// Whether the statement names every resource: `"Resource": "*"` (or no resource element,
/// which in a resource-based policy means the resource it is attached to).
pub(crate) fn all_resources(stmt: &Statement) -> bool {
    match &stmt.resource {
        None => true,
        Some(r) => {
            !r.negated
                && r.items
                    .iter()
                    .any(|i| matches!(i.matcher, ResourceMatcher::All))
        }
    }
}

/// Whether the statement's `Principal` (not `NotPrincipal`) lets everyone in: `"*"` or
/// `{"AWS": "*"}`.
pub(crate) fn everyone(stmt: &Statement) -> bool {
    stmt.principal
        .as_ref()
        .is_some_and(|p| !p.negated && p.entries.iter().any(|e| e.kind == PrincipalEntryKind::Any))
}

/// The OIDC identity providers the statement's `Principal` (not `NotPrincipal`) trusts, as
/// their condition keys name them: the provider URL without `https://`
/// (`token.actions.githubusercontent.com` for
/// `arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com`), or the
/// built-in provider as written (`accounts.google.com`).
pub(crate) fn federated_providers(stmt: &Statement) -> impl Iterator<Item = &str> {
    stmt.principal
        .iter()
        .filter(|p| !p.negated)
        .flat_map(|p| p.entries.iter())
        .filter_map(|e| match &e.kind {
            PrincipalEntryKind::Federated(text) if !text.contains(":saml-provider/") => Some(
                text.split_once(":oidc-provider/")
                    .map_or(text.as_str(), |(_, provider)| provider),
            ),
            _ => None,
        })
}

/// The conditions of the statement on `key` (lower case).
pub(crate) fn on_key<'s>(stmt: &'s Statement, key: &str) -> impl Iterator<Item = &'s Condition> {
    let key = key.to_owned();
    stmt.conditions.iter().filter(move |c| c.key_lower == key)
}

/// Quotes a list for a message: `` `a`, `b` and 3 more ``.
pub(crate) fn quoted_list<S: AsRef<str>>(items: &[S], max: usize) -> String {
    let shown: Vec<String> = items
        .iter()
        .take(max)
        .map(|s| format!("`{}`", s.as_ref()))
        .collect();
    let mut text = shown.join(", ");
    if let Some(more) = items.len().checked_sub(max).filter(|more| *more > 0) {
        text.push_str(&format!(" and {more} more"));
    }
    text
}
