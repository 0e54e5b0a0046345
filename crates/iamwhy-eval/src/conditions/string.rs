//! String operators (spec §3.2): `StringEquals`, `StringEqualsIgnoreCase`, `StringLike` and
//! their negations. Policy variables are substituted; wildcards only for `StringLike`.

use iamwhy_policy::{
    BaseOperator, CaseFold, CompiledValue, ConditionValue, OperatorFamily, PatternMatch,
    VariableResolver,
};

/// Whether any policy value matches the request value.
pub(super) fn any_match(
    op: &BaseOperator,
    request: &str,
    values: &[ConditionValue],
    vars: &dyn VariableResolver,
) -> bool {
    let fold = if op.family == OperatorFamily::StringIgnoreCase {
        CaseFold::Unicode
    } else {
        CaseFold::Sensitive
    };
    values.iter().any(|v| match &v.compiled {
        // An unresolvable variable (spec §3.6) is not a match: no match for positive
        // operators, "not equal" for negated ones.
        CompiledValue::Text(p) => p.matches(request, fold, vars) == PatternMatch::Match,
        _ => false,
    })
}
