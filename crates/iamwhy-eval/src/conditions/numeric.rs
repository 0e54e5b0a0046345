//! Numeric operators (spec §3.2): exact decimal comparison, `10` = `10.0`.

use std::cmp::Ordering;

use iamwhy_policy::{BaseOperator, Comparison, CompiledValue, ConditionValue, Decimal};

/// Holds `ordering` (request compared with policy value) for a comparison?
pub(super) fn holds(comparison: Comparison, ordering: Ordering) -> bool {
    match comparison {
        Comparison::Equals => ordering == Ordering::Equal,
        Comparison::LessThan => ordering == Ordering::Less,
        Comparison::LessThanEquals => ordering != Ordering::Greater,
        Comparison::GreaterThan => ordering == Ordering::Greater,
        Comparison::GreaterThanEquals => ordering != Ordering::Less,
    }
}

/// `None` when the request value is not a number.
pub(super) fn any_match(
    op: &BaseOperator,
    request: &str,
    values: &[ConditionValue],
) -> Option<bool> {
    let req = Decimal::parse(request)?;
    Some(values.iter().any(|v| match &v.compiled {
        CompiledValue::Number(text) => {
            Decimal::parse(text).is_some_and(|pv| holds(op.comparison, req.cmp(&pv)))
        }
        _ => false,
    }))
}
