//! One authorization check: principal, action, resource and context (spec §1).

use std::fmt;

use crate::arn::Arn;
use crate::context::Context;
use crate::principal::{Principal, PrincipalFacts};

/// Why an action or resource string was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestParseError {
    message: String,
}

impl fmt::Display for RequestParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RequestParseError {}

fn err(message: String) -> RequestParseError {
    RequestParseError { message }
}

/// A concrete action such as `s3:GetObject` (spec §1.2). Both parts are case-insensitive;
/// the original spelling is kept for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    text: String,
    lower: String,
    colon: usize,
}

impl Action {
    /// Parses `service:ActionName`; wildcards are not allowed in a request.
    pub fn parse(text: &str) -> Result<Action, RequestParseError> {
        let text = text.trim();
        let Some((service, name)) = text.split_once(':') else {
            return Err(err(format!(
                "`{text}` is not an action: expected `service:ActionName`, e.g. `s3:GetObject`"
            )));
        };
        let colon = service.len();
        let valid_service = !service.is_empty()
            && service
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if !valid_service {
            return Err(err(format!(
                "`{text}` has an invalid service prefix `{service}`"
            )));
        }
        if name.is_empty()
            || name.contains(['*', '?'])
            || name.chars().any(char::is_whitespace)
            || name.contains(':')
        {
            return Err(err(format!(
                "`{text}` is not a single action: a request names one action, without wildcards"
            )));
        }
        Ok(Action {
            text: text.to_owned(),
            lower: text.to_lowercase(),
            colon,
        })
    }

    /// The action as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The lower-case service prefix, e.g. `s3`.
    pub fn service(&self) -> &str {
        self.lower.get(..self.colon).unwrap_or("")
    }

    /// The action name as written, e.g. `GetObject`.
    pub fn name(&self) -> &str {
        self.text
            .get(self.colon..)
            .and_then(|rest| rest.strip_prefix(':'))
            .unwrap_or("")
    }

    /// The lower-case action name, e.g. `getobject`.
    pub fn name_lower(&self) -> &str {
        self.lower
            .get(self.colon..)
            .and_then(|rest| rest.strip_prefix(':'))
            .unwrap_or("")
    }

    /// Whether this is `service:name` (case-insensitive).
    pub fn is(&self, service: &str, name: &str) -> bool {
        self.service().eq_ignore_ascii_case(service) && self.name().eq_ignore_ascii_case(name)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The resource of a request: an ARN, or `*` for actions without resource-level permissions
/// (spec §1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    text: String,
}

impl Resource {
    /// The wildcard resource `*`.
    pub fn any() -> Resource {
        Resource { text: "*".into() }
    }

    /// Parses `*` or a six-field ARN.
    pub fn parse(text: &str) -> Result<Resource, RequestParseError> {
        let text = text.trim();
        if text == "*" || Arn::parse(text).is_some() {
            Ok(Resource {
                text: text.to_owned(),
            })
        } else {
            Err(err(format!(
                "`{text}` is not a resource: expected an ARN (`arn:partition:service:region:account:resource`) or `*`"
            )))
        }
    }

    /// The resource as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether this is the wildcard resource `*`.
    pub fn is_any(&self) -> bool {
        self.text == "*"
    }

    /// The ARN fields, unless the resource is `*`.
    pub fn arn(&self) -> Option<Arn<'_>> {
        Arn::parse(&self.text)
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One authorization check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Who asks.
    pub principal: Principal,
    /// What the principal's ARN cannot say (tags, MFA, credential type, ...).
    pub facts: PrincipalFacts,
    /// The action.
    pub action: Action,
    /// The resource.
    pub resource: Resource,
    /// The account that owns the resource, when the ARN does not say (S3).
    pub resource_account: Option<String>,
    /// Context keys.
    pub context: Context,
}

impl Request {
    /// A request with default facts, no resource account and an empty context.
    pub fn new(principal: Principal, action: Action, resource: Resource) -> Request {
        Request {
            principal,
            facts: PrincipalFacts::default(),
            action,
            resource,
            resource_account: None,
            context: Context::new(),
        }
    }

    /// The account owning the resource: `resource_account` if set, else the ARN's account
    /// field if it has one.
    pub fn effective_resource_account(&self) -> Option<&str> {
        self.resource_account.as_deref().or_else(|| {
            self.resource
                .arn()
                .map(|a| a.account)
                .filter(|a| !a.is_empty())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_case_insensitive_but_keep_their_spelling() {
        let a = Action::parse("IAM:listAccessKeys").unwrap();
        assert_eq!(a.service(), "iam");
        assert_eq!(a.name(), "listAccessKeys");
        assert_eq!(a.name_lower(), "listaccesskeys");
        assert!(a.is("iam", "ListAccessKeys"));
        assert_eq!(a.to_string(), "IAM:listAccessKeys");
    }

    #[test]
    fn rejects_wildcards_and_garbage() {
        for bad in ["s3:Get*", "s3", ":x", "s3:", "s 3:Get", "s3:Get Object"] {
            assert!(Action::parse(bad).is_err(), "{bad}");
        }
        assert!(Resource::parse("bucket").is_err());
        assert!(Resource::parse("*").unwrap().is_any());
    }
}
