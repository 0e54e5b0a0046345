//! `Bool` (spec §3.2): `true`/`false` without case; JSON booleans arrive as text; policy
//! variables are allowed in values (current AWS documentation).

use iamwhy_policy::{CompiledValue, ConditionValue, VariableResolver};

/// Reads `true` or `false`, ignoring case.
pub(super) fn parse(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// `None` when the request value is not a boolean.
pub(super) fn any_match(
    request: &str,
    values: &[ConditionValue],
    vars: &dyn VariableResolver,
) -> Option<bool> {
    let req = parse(request)?;
    Some(values.iter().any(|v| {
        match &v.compiled {
            CompiledValue::Bool(p) => p
                .render(vars)
                .and_then(|text| parse(&text))
                .is_some_and(|pv| pv == req),
            _ => false,
        }
    }))
}
