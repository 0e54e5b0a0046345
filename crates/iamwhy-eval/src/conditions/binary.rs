//! `BinaryEquals` (spec §3.2): both sides are base64; the decoded bytes are compared.

use base64::Engine as _;
use iamwhy_policy::{CompiledValue, ConditionValue};

/// Decodes standard base64.
pub(super) fn decode(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
}

/// `None` when the request value is not base64.
pub(super) fn any_match(request: &str, values: &[ConditionValue]) -> Option<bool> {
    let req = decode(request)?;
    Some(values.iter().any(|v| match &v.compiled {
        CompiledValue::Binary(bytes) => *bytes == req,
        _ => false,
    }))
}
