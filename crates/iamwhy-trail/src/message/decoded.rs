//! EC2's decoded authorization message: the output of `aws sts decode-authorization-message`
//! (`{"DecodedMessage": "{...}"}`), or its `DecodedMessage` string alone. It carries what the
//! short message hides: whether the request was denied explicitly, the principal, the action,
//! the resource and every condition key and value of the request
//! (<https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html>).

use serde::Deserialize;

use super::{DenialMessage, DenyKind, MessageForm};

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "DecodedMessage")]
    decoded: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Decoded {
    allowed: bool,
    #[serde(default)]
    explicit_deny: bool,
    context: DecodedContext,
}

#[derive(Deserialize)]
struct DecodedContext {
    principal: Option<DecodedPrincipal>,
    action: Option<String>,
    resource: Option<String>,
    conditions: Option<Items<Condition>>,
}

#[derive(Deserialize)]
struct DecodedPrincipal {
    arn: Option<String>,
}

#[derive(Deserialize)]
struct Items<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
}

#[derive(Deserialize)]
struct Condition {
    key: String,
    values: Items<Value>,
}

#[derive(Deserialize)]
struct Value {
    value: String,
}

/// The decoded message in `text`, when the text is one (the CLI's JSON output, or the decoded
/// JSON itself).
pub(super) fn read(text: &str) -> Option<DenialMessage> {
    let t = text.trim();
    if !t.starts_with('{') || !t.contains("allowed") {
        return None;
    }
    let inner = match serde_json::from_str::<Envelope>(t) {
        Ok(e) => e.decoded,
        Err(_) => t.to_owned(),
    };
    let d: Decoded = serde_json::from_str(&inner).ok()?;
    let mut m = DenialMessage::empty(MessageForm::DecodedAuthorization);
    m.principal = d.context.principal.and_then(|p| p.arn);
    m.action = d.context.action;
    m.resource = d.context.resource;
    m.deny_kind = if d.allowed {
        DenyKind::Unknown
    } else if d.explicit_deny {
        DenyKind::Explicit
    } else {
        DenyKind::Implicit
    };
    m.context = d
        .context
        .conditions
        .map(|c| c.items)
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            // The decoded message writes keys in lower case (`aws:sourceip`); the request
            // context compares keys without case, as IAM does.
            (c.key, c.values.items.into_iter().map(|v| v.value).collect())
        })
        .collect();
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Built by hand from the documented format of `DecodeAuthorizationMessage`.
    const DECODED: &str = r#"{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]},"context":{"principal":{"id":"AROAEXAMPLEID:dev","arn":"arn:aws:sts::111122223333:assumed-role/dev-role/dev"},"action":"ec2:RunInstances","resource":"arn:aws:ec2:us-east-1:111122223333:instance/*","conditions":{"items":[{"key":"ec2:InstanceType","values":{"items":[{"value":"m5.24xlarge"}]}},{"key":"aws:Region","values":{"items":[{"value":"us-east-1"}]}}]}}}"#;

    #[test]
    fn the_cli_output_and_the_bare_json_are_read() {
        let cli = serde_json::json!({ "DecodedMessage": DECODED }).to_string();
        for text in [DECODED.to_owned(), cli] {
            let m = read(&text).unwrap();
            assert_eq!(m.form, MessageForm::DecodedAuthorization);
            assert_eq!(m.action.as_deref(), Some("ec2:RunInstances"));
            assert_eq!(
                m.principal.as_deref(),
                Some("arn:aws:sts::111122223333:assumed-role/dev-role/dev")
            );
            assert_eq!(m.deny_kind, DenyKind::Implicit);
            assert_eq!(
                m.context.first(),
                Some(&(
                    "ec2:InstanceType".to_owned(),
                    vec!["m5.24xlarge".to_owned()]
                ))
            );
        }
        assert!(read("{\"Records\": []}").is_none());
    }
}
