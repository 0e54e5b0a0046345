//! Condition evaluation (spec §3): combination rules, missing keys, `IfExists`, `Null`, set
//! operators, and one file per operator family.
//!
//! The reference pseudo-code is spec §3.7; [`eval_condition`] follows it step by step.

mod arn;
mod binary;
mod boolean;
mod date;
mod ip;
mod numeric;
mod string;

use iamwhy_core::{Context, ContextValue};
use iamwhy_policy::{
    CompiledValue, Condition, ConditionOperator, ConditionValue, OperatorFamily, SetQualifier,
    VariableResolver,
};

/// Evaluates one `operator: {key: values}` pair against the request context.
pub(crate) fn eval_condition(cond: &Condition, ctx: &Context, vars: &dyn VariableResolver) -> bool {
    let value = ctx.get_normalized(&cond.key_lower);
    let op = &cond.operator;
    // Spec §3.4: `Null` tests for absence; a key holding an empty list or an empty string is
    // null too (AMBIGUITY A5). Several values OR together.
    if op.base.family == OperatorFamily::Null {
        let is_null = value.is_none_or(ContextValue::is_null);
        return cond.values.iter().any(|v| match v.compiled {
            CompiledValue::Null(expect_null) => expect_null == is_null,
            _ => false,
        });
    }
    match (op.qualifier, value) {
        // Spec §3.3: `IfExists` makes an absent key true (also with set operators, §3.5).
        (_, None) if op.if_exists => true,
        // Spec §3.5: ForAllValues is vacuously true on an absent or empty set, ForAnyValue
        // false.
        (Some(SetQualifier::ForAllValues), None) => true,
        (Some(SetQualifier::ForAnyValue), None) => false,
        (Some(SetQualifier::ForAllValues), Some(v)) if v.is_null() => true,
        (Some(SetQualifier::ForAnyValue), Some(v)) if v.is_null() => false,
        // Spec §3.3: a missing key makes a positive operator false and a negated one true.
        (None, None) => op.base.negated,
        // Spec §3.3 (AMBIGUITY A4): a multi-valued key needs a set operator.
        (None, Some(ContextValue::Multi(_))) => false,
        (None, Some(ContextValue::Single(s))) => matches_request_value(op, s, &cond.values, vars),
        (Some(SetQualifier::ForAllValues), Some(v)) => v
            .values()
            .iter()
            .all(|s| matches_request_value(op, s, &cond.values, vars)),
        (Some(SetQualifier::ForAnyValue), Some(v)) => v
            .values()
            .iter()
            .any(|s| matches_request_value(op, s, &cond.values, vars)),
    }
}

/// `m(v)` of spec §3.5/§3.7 for one request value: OR over the policy values for positive
/// operators, NOR for negated ones. A request value that cannot be read for the operator's
/// type makes the pair false for positive and negated operators alike (spec §3.2, A6).
pub(crate) fn matches_request_value(
    op: &ConditionOperator,
    request: &str,
    values: &[ConditionValue],
    vars: &dyn VariableResolver,
) -> bool {
    let base = &op.base;
    let any_hit = match base.family {
        OperatorFamily::String | OperatorFamily::StringIgnoreCase | OperatorFamily::StringLike => {
            Some(string::any_match(base, request, values, vars))
        }
        OperatorFamily::Numeric => numeric::any_match(base, request, values),
        OperatorFamily::Date => date::any_match(base, request, values),
        OperatorFamily::Bool => boolean::any_match(request, values, vars),
        OperatorFamily::Binary => binary::any_match(request, values),
        OperatorFamily::Ip => ip::any_match(request, values),
        OperatorFamily::Arn => arn::any_match(request, values, vars),
        OperatorFamily::Null => None,
    };
    match any_hit {
        None => false,
        Some(hit) => hit != base.negated,
    }
}

/// Whether a request value can be read for an operator's type (for explanations).
pub(crate) fn request_value_type_ok(family: OperatorFamily, request: &str) -> bool {
    match family {
        OperatorFamily::Numeric => iamwhy_policy::Decimal::parse(request).is_some(),
        OperatorFamily::Date => iamwhy_core::time::parse_date(request).is_some(),
        OperatorFamily::Bool => boolean::parse(request).is_some(),
        OperatorFamily::Binary => binary::decode(request).is_some(),
        OperatorFamily::Ip => iamwhy_policy::parse_ip(request).is_some(),
        OperatorFamily::Arn => iamwhy_core::Arn::parse(request).is_some(),
        OperatorFamily::String
        | OperatorFamily::StringIgnoreCase
        | OperatorFamily::StringLike
        | OperatorFamily::Null => true,
    }
}

#[cfg(test)]
mod tests;
