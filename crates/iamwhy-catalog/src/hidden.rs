//! `data/hidden-calls.json`: the extra authorization checks an AWS call triggers, written by
//! hand from the AWS documentation page each rule cites.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One rule: a call of one of `trigger` makes AWS also check `checks`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HiddenCall {
    /// A stable identifier, `s3-get-object-sse-kms`.
    pub id: String,
    /// The actions whose calls trigger the checks, `service:Action`.
    pub trigger: Vec<String>,
    /// When the rule applies, in words.
    pub when: String,
    /// The request variant the rule covers when several rules share a trigger (`multipart
    /// upload`, `CopyObject source`); `None` for the plain call. Variants are evaluated only
    /// when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// What must be known about the request's resource for the rule to apply.
    pub resource_fact: ResourceFact,
    /// Whose identity the extra checks run with.
    pub mechanism: Mechanism,
    /// The extra checks.
    pub checks: Vec<HiddenCheck>,
    /// The AWS documentation page the rule comes from.
    pub doc: String,
    /// That page's title.
    pub doc_title: String,
    /// Caveats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What decides whether a rule applies to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceFact {
    /// The resource is encrypted with a KMS key (`{kms_key_arn}`).
    KmsKey,
    /// The request passes a role (`{role_arn}`).
    PassedRole,
    /// Always.
    None,
}

/// How the extra check is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mechanism {
    /// The service calls another service with the caller's identity (a forward access
    /// session): evaluated as the caller, with `aws:ViaAWSService` = `true`.
    ForwardAccessSession,
    /// The service checks one more permission of the caller while serving the call
    /// (`iam:PassRole`).
    CallerPermission,
    /// The service calls with its own service principal.
    ServicePrincipal,
}

impl Mechanism {
    /// The table's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Mechanism::ForwardAccessSession => "forward-access-session",
            Mechanism::CallerPermission => "caller-permission",
            Mechanism::ServicePrincipal => "service-principal",
        }
    }
}

/// One extra authorization check.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HiddenCheck {
    /// The action checked, `kms:Decrypt`.
    pub action: String,
    /// The resource checked, with placeholders: `{kms_key_arn}`.
    pub resource: String,
    /// The request context of the check, values with placeholders.
    #[serde(default)]
    pub context: BTreeMap<String, String>,
}

/// The placeholders rules may use in resources and context values.
pub const PLACEHOLDERS: &[&str] = &[
    "kms_key_arn",
    "role_arn",
    "resource_arn",
    "bucket_arn",
    "region",
    "account",
    "principal_account",
    "service",
];

pub(crate) fn parse(text: &str) -> Result<Vec<HiddenCall>, serde_json::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Table {
        #[serde(rename = "about")]
        _about: String,
        rules: Vec<HiddenCall>,
    }
    serde_json::from_str::<Table>(text).map(|t| t.rules)
}

/// Replaces each `{name}` of `template` with `value(name)`; `Err(name)` names the first
/// placeholder `value` does not know.
pub fn fill_placeholders(
    template: &str,
    value: impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        let Some((name, tail)) = after.split_once('}') else {
            out.push('{');
            out.push_str(after);
            return Ok(out);
        };
        out.push_str(&value(name).ok_or_else(|| name.to_owned())?);
        rest = tail;
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills() {
        let v = |n: &str| (n == "region").then(|| "eu-west-1".to_owned());
        assert_eq!(
            fill_placeholders("s3.{region}.amazonaws.com", v).unwrap(),
            "s3.eu-west-1.amazonaws.com"
        );
        assert_eq!(fill_placeholders("{account}", v).unwrap_err(), "account");
        assert_eq!(fill_placeholders("plain", v).unwrap(), "plain");
        assert_eq!(
            fill_placeholders("a{region}b{unclosed", v).unwrap(),
            "aeu-west-1b{unclosed"
        );
    }
}
