//! Date operators (spec §3.2): ISO 8601 (W3C profile) or epoch seconds on either side.

use iamwhy_core::time::parse_date;
use iamwhy_policy::{BaseOperator, CompiledValue, ConditionValue};

/// `None` when the request value is not a date.
pub(super) fn any_match(
    op: &BaseOperator,
    request: &str,
    values: &[ConditionValue],
) -> Option<bool> {
    let req = parse_date(request)?;
    Some(values.iter().any(|v| match &v.compiled {
        CompiledValue::Date(pv) => super::numeric::holds(op.comparison, req.cmp(pv)),
        _ => false,
    }))
}
