//! `ArnEquals`/`ArnLike` and negations (spec §3.2): field-wise ARN globs; `ArnEquals` is the
//! same as `ArnLike`.

use iamwhy_core::Arn;
use iamwhy_policy::{CompiledValue, ConditionValue, PatternMatch, VariableResolver};

/// `None` when the request value is not an ARN.
pub(super) fn any_match(
    request: &str,
    values: &[ConditionValue],
    vars: &dyn VariableResolver,
) -> Option<bool> {
    let req = Arn::parse(request)?;
    Some(values.iter().any(|v| match &v.compiled {
        CompiledValue::Arn(p) => p.matches(request, &req, vars) == PatternMatch::Match,
        _ => false,
    }))
}
