//! `Bool` (spec §3.2): `true`/`false` without case; JSON booleans arrive as text; policy
//! variables are allowed in values (current AWS documentation).

use iamwhy_policy::{CaseFold, CompiledValue, ConditionValue, PatternMatch, VariableResolver};

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
    let expected = if req { "true" } else { "false" };
    // The policy value (after substituting any variable) is a boolean equal to the request's
    // iff it spells `true`/`false` like it, ignoring case: compare without building a string.
    Some(values.iter().any(|v| match &v.compiled {
        CompiledValue::Bool(p) => p.matches(expected, CaseFold::Ascii, vars) == PatternMatch::Match,
        _ => false,
    }))
}
