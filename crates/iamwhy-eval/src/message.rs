//! The AccessDenied message AWS would print (spec §5.1–§5.3).

use iamwhy_core::{Decision, DeniedBy, PolicyType, Request};

use crate::service_rules::ServiceRule;

/// What a denial message needs.
pub(crate) struct Denial<'a> {
    pub(crate) decision: Decision,
    pub(crate) denied_by: DeniedBy,
    pub(crate) role_trust: bool,
    /// The ARN of the managed policy that denied explicitly, when AWS would print it.
    pub(crate) policy_arn: Option<&'a str>,
    pub(crate) service_rule: Option<ServiceRule>,
}

fn article(phrase: &str) -> &'static str {
    match phrase.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o' | b'u') => "an",
        _ => "a",
    }
}

/// Generates the message (spec §5 "Generator rule"): the requester's ARN (the session ARN
/// for role sessions), ` on resource: ` unless the resource is `*` (quoted for S3), and the
/// policy type that denied.
pub(crate) fn denial_message(req: &Request, d: &Denial<'_>) -> String {
    if let Some(text) = d.service_rule.and_then(ServiceRule::aws_message) {
        return text.to_owned();
    }
    let action = req.action.as_str();
    let mut m = format!(
        "User: {} is not authorized to perform: {action}",
        req.principal.display_name()
    );
    if !req.resource.is_any() {
        if req.action.service() == "s3" {
            m.push_str(&format!(" on resource: \"{}\"", req.resource));
        } else {
            m.push_str(&format!(" on resource: {}", req.resource));
        }
    }
    let Some(policy_type) = d.denied_by.policy_type() else {
        // A service rule without a message of its own: AWS prints no context clause.
        return m;
    };
    let phrase = if d.role_trust {
        "role trust policy"
    } else {
        policy_type.aws_phrase()
    };
    match d.decision {
        Decision::ExplicitDeny => {
            let art = if d.role_trust { "the" } else { article(phrase) };
            m.push_str(&format!(" with an explicit deny in {art} {phrase}"));
            // Spec §5.3: the policy ARN is appended for these types only.
            let with_arn = matches!(
                policy_type,
                PolicyType::Scp
                    | PolicyType::Rcp
                    | PolicyType::PermissionsBoundary
                    | PolicyType::Session
                    | PolicyType::Identity
            );
            if let (true, Some(arn)) = (with_arn, d.policy_arn) {
                m.push_str(&format!(": {arn}"));
            }
        }
        Decision::ImplicitDeny | Decision::Allowed => {
            m.push_str(&format!(" because no {phrase} allows the {action} action"));
        }
    }
    m
}
