//! What `iamwhy actions` reports about an action: the catalog's entry in one serialisable
//! model, shared by the text and JSON renderers.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::{Action, Catalog, ExpandError, HiddenCall};

/// One action as the catalog describes it.
#[derive(Clone, Debug, Serialize)]
pub struct ActionInfo<'a> {
    /// `prefix:Name`.
    pub action: String,
    /// `Read`, `Write`, `List`, `Tagging` or `Permissions management`.
    pub access_level: &'a str,
    /// The Service Authorization Reference's description.
    pub description: &'a str,
    /// The resource types the action takes, in the reference's order.
    pub resource_types: Vec<ResourceInfo<'a>>,
    /// The action's own condition keys (with those of its resource types).
    pub condition_keys: Vec<KeyInfo<'a>>,
    /// The reference's dependent actions.
    pub dependent_actions: &'a [&'static str],
    /// The hidden calls an operation makes (S3's `kms:Decrypt`, ...).
    pub hidden_calls: Vec<&'a HiddenCall>,
}

/// A resource type an action takes.
#[derive(Clone, Debug, Serialize)]
pub struct ResourceInfo<'a> {
    /// The resource type's name (`object`, `key`, ...).
    pub name: &'a str,
    /// Whether the reference marks it required (`*`).
    pub required: bool,
    /// Its ARN formats.
    pub arn_formats: Vec<&'a str>,
}

/// A condition key an action supports.
#[derive(Clone, Debug, Serialize)]
pub struct KeyInfo<'a> {
    /// The key's name.
    pub name: &'a str,
    /// Its documented type, when the reference gives one.
    #[serde(rename = "type")]
    pub key_type: Option<String>,
}

/// A pattern that matched nothing, or was not a pattern.
#[derive(Clone, Debug)]
pub struct PatternError {
    /// The pattern as given.
    pub pattern: String,
    /// Why it failed.
    pub error: ExpandError,
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.pattern, self.error)
    }
}

/// The actions `patterns` name, each once, in the order first named.
pub fn describe<'a>(
    catalog: &'a Catalog,
    patterns: &[String],
) -> Result<Vec<ActionInfo<'a>>, PatternError> {
    let mut found: Vec<&Action> = Vec::new();
    for pattern in patterns {
        let list = catalog.expand(pattern).map_err(|error| PatternError {
            pattern: pattern.clone(),
            error,
        })?;
        found.extend(list);
    }
    // Patterns may overlap: keep the first occurrence of each action.
    let mut seen = BTreeSet::new();
    found.retain(|a| seen.insert((a.service, a.name)));
    Ok(found.iter().map(|a| info(catalog, a)).collect())
}

/// One action's entry.
pub fn info<'a>(catalog: &'a Catalog, action: &'a Action) -> ActionInfo<'a> {
    let service = catalog.service(action.service);
    let resource_types = action
        .resource_types
        .iter()
        .map(|r| ResourceInfo {
            name: r.name,
            required: r.required,
            arn_formats: service
                .and_then(|s| s.resource_type(r.name))
                .map(|rt| rt.arn_formats().map(|f| f.as_str()).collect())
                .unwrap_or_default(),
        })
        .collect();
    let condition_keys = catalog
        .action_condition_keys(action)
        .into_iter()
        .map(|(name, key)| KeyInfo {
            name,
            key_type: key.map(|k| k.key_type.name()),
        })
        .collect();
    ActionInfo {
        action: action.full_name(),
        access_level: action.access_level,
        description: action.description,
        resource_types,
        condition_keys,
        dependent_actions: &action.dependent_actions,
        hidden_calls: catalog.hidden_calls_for(&action.full_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_patterns_name_each_action_once_in_order() {
        let catalog = Catalog::bundled();
        let patterns = ["s3:GetObject".to_owned(), "s3:GetObj*".to_owned()];
        let infos = describe(catalog, &patterns).unwrap();
        assert_eq!(infos.first().unwrap().action, "s3:GetObject");
        let n = infos.iter().filter(|i| i.action == "s3:GetObject").count();
        assert_eq!(n, 1);
        assert!(
            infos
                .first()
                .unwrap()
                .hidden_calls
                .iter()
                .any(|h| h.checks.iter().any(|c| c.action == "kms:Decrypt"))
        );
    }

    #[test]
    fn a_pattern_that_matches_nothing_is_named() {
        let e = describe(Catalog::bundled(), &["nosuchservice:Get*".to_owned()]).unwrap_err();
        assert!(e.to_string().starts_with("`nosuchservice:Get*`"));
    }
}
