//! Condition operators and compiled condition values (spec §2.5, §3).
//!
//! The table [`BASE_OPERATORS`] is the one place that lists the operators AWS knows; the
//! evaluator (`iamwhy-eval`) implements one family per file and dispatches on
//! [`OperatorFamily`].

use iamwhy_core::edit_distance;
use iamwhy_core::time::{Instant, parse_date};
use iamwhy_core::{Diagnostic, Span};

use crate::arn_pattern::ArnPattern;
use crate::pattern::{Pattern, Variables, Wildcards};
use crate::values::{Decimal, IpNet};

/// The families of spec §3.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperatorFamily {
    /// `StringEquals`, `StringNotEquals` (exact, case-sensitive).
    String,
    /// `StringEqualsIgnoreCase`, `StringNotEqualsIgnoreCase`.
    StringIgnoreCase,
    /// `StringLike`, `StringNotLike` (globs).
    StringLike,
    /// `Numeric*`.
    Numeric,
    /// `Date*`.
    Date,
    /// `Bool`.
    Bool,
    /// `BinaryEquals`.
    Binary,
    /// `IpAddress`, `NotIpAddress`.
    Ip,
    /// `ArnEquals`, `ArnLike`, `ArnNotEquals`, `ArnNotLike`.
    Arn,
    /// `Null`.
    Null,
}

/// How a request value compares with a policy value inside a family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Comparison {
    /// Equal (or matches, for globs and networks).
    Equals,
    /// Less than.
    LessThan,
    /// Less than or equal.
    LessThanEquals,
    /// Greater than.
    GreaterThan,
    /// Greater than or equal.
    GreaterThanEquals,
}

/// An operator without its `ForAllValues:`/`ForAnyValue:` prefix and `IfExists` suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BaseOperator {
    /// The name as AWS spells it.
    pub name: &'static str,
    /// The family.
    pub family: OperatorFamily,
    /// The comparison inside the family.
    pub comparison: Comparison,
    /// Whether the operator is negated (spec §3.1: NOR over the policy values).
    pub negated: bool,
}

const fn op(
    name: &'static str,
    family: OperatorFamily,
    comparison: Comparison,
    negated: bool,
) -> BaseOperator {
    BaseOperator {
        name,
        family,
        comparison,
        negated,
    }
}

/// Every base operator (spec §3.2).
pub const BASE_OPERATORS: &[BaseOperator] = {
    use Comparison as C;
    use OperatorFamily as F;
    &[
        op("StringEquals", F::String, C::Equals, false),
        op("StringNotEquals", F::String, C::Equals, true),
        op(
            "StringEqualsIgnoreCase",
            F::StringIgnoreCase,
            C::Equals,
            false,
        ),
        op(
            "StringNotEqualsIgnoreCase",
            F::StringIgnoreCase,
            C::Equals,
            true,
        ),
        op("StringLike", F::StringLike, C::Equals, false),
        op("StringNotLike", F::StringLike, C::Equals, true),
        op("NumericEquals", F::Numeric, C::Equals, false),
        op("NumericNotEquals", F::Numeric, C::Equals, true),
        op("NumericLessThan", F::Numeric, C::LessThan, false),
        op(
            "NumericLessThanEquals",
            F::Numeric,
            C::LessThanEquals,
            false,
        ),
        op("NumericGreaterThan", F::Numeric, C::GreaterThan, false),
        op(
            "NumericGreaterThanEquals",
            F::Numeric,
            C::GreaterThanEquals,
            false,
        ),
        op("DateEquals", F::Date, C::Equals, false),
        op("DateNotEquals", F::Date, C::Equals, true),
        op("DateLessThan", F::Date, C::LessThan, false),
        op("DateLessThanEquals", F::Date, C::LessThanEquals, false),
        op("DateGreaterThan", F::Date, C::GreaterThan, false),
        op(
            "DateGreaterThanEquals",
            F::Date,
            C::GreaterThanEquals,
            false,
        ),
        op("Bool", F::Bool, C::Equals, false),
        op("BinaryEquals", F::Binary, C::Equals, false),
        op("IpAddress", F::Ip, C::Equals, false),
        op("NotIpAddress", F::Ip, C::Equals, true),
        op("ArnEquals", F::Arn, C::Equals, false),
        op("ArnLike", F::Arn, C::Equals, false),
        op("ArnNotEquals", F::Arn, C::Equals, true),
        op("ArnNotLike", F::Arn, C::Equals, true),
        op("Null", F::Null, C::Equals, false),
    ]
};

/// `ForAllValues:` or `ForAnyValue:` (spec §3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// Every request value must match.
    ForAllValues,
    /// At least one request value must match.
    ForAnyValue,
}

/// A full condition operator such as `ForAnyValue:StringLikeIfExists`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConditionOperator {
    /// The base operator.
    pub base: BaseOperator,
    /// The set qualifier, if any.
    pub qualifier: Option<SetQualifier>,
    /// Whether `IfExists` was appended.
    pub if_exists: bool,
}

impl ConditionOperator {
    /// Parses an operator name; operator names are case-sensitive (spec §2.5). On failure
    /// returns a message and, when one is close, a suggestion.
    pub fn parse(text: &str) -> Result<ConditionOperator, (String, Option<String>)> {
        let (qualifier, rest) = if let Some(r) = text.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else if let Some(r) = text.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else {
            (None, text)
        };
        let (if_exists, name) = match rest.strip_suffix("IfExists") {
            Some(n) => (true, n),
            None => (false, rest),
        };
        let Some(base) = BASE_OPERATORS.iter().find(|o| o.name == name).copied() else {
            let suggestion = suggest(name).map(|s| {
                let mut full = String::new();
                match qualifier {
                    Some(SetQualifier::ForAllValues) => full.push_str("ForAllValues:"),
                    Some(SetQualifier::ForAnyValue) => full.push_str("ForAnyValue:"),
                    None => {}
                }
                full.push_str(s);
                if if_exists {
                    full.push_str("IfExists");
                }
                format!("did you mean `{full}`?")
            });
            return Err((format!("unknown condition operator `{text}`"), suggestion));
        };
        if base.family == OperatorFamily::Null && if_exists {
            return Err((
                format!("`{text}`: `IfExists` cannot be combined with `Null`"),
                Some("use `Null` alone: it already tests whether the key exists".into()),
            ));
        }
        Ok(ConditionOperator {
            base,
            qualifier,
            if_exists,
        })
    }

    /// The operator as it would be written.
    pub fn name(&self) -> String {
        let mut s = String::new();
        match self.qualifier {
            Some(SetQualifier::ForAllValues) => s.push_str("ForAllValues:"),
            Some(SetQualifier::ForAnyValue) => s.push_str("ForAnyValue:"),
            None => {}
        }
        s.push_str(self.base.name);
        if self.if_exists {
            s.push_str("IfExists");
        }
        s
    }
}

/// The closest operator name, ignoring case, within a small edit distance.
fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if let Some(o) = BASE_OPERATORS
        .iter()
        .find(|o| o.name.eq_ignore_ascii_case(name))
    {
        return Some(o.name);
    }
    BASE_OPERATORS
        .iter()
        .map(|o| (edit_distance(&lower, &o.name.to_ascii_lowercase()), o.name))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// A condition value compiled for its operator's family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompiledValue {
    /// String families: a pattern (literal for `StringEquals*`, glob for `StringLike`).
    Text(Pattern),
    /// A number (kept as written; compared exactly).
    Number(String),
    /// An instant.
    Date(Instant),
    /// A boolean, possibly from a variable.
    Bool(Pattern),
    /// Decoded bytes.
    Binary(Vec<u8>),
    /// A network.
    Ip(IpNet),
    /// An ARN pattern.
    Arn(Box<ArnPattern>),
    /// `Null`: `true` means "the key is absent".
    Null(bool),
    /// A value that cannot be read for the operator; it never matches (a warning says why).
    Invalid,
}

/// Compiles one policy value for `operator`, pushing a warning when it cannot match.
pub(crate) fn compile_value(
    operator: &ConditionOperator,
    text: &str,
    span: Span,
    variables: Variables,
    warnings: &mut Vec<Diagnostic>,
) -> CompiledValue {
    use OperatorFamily as F;
    let name = operator.base.name;
    // `what` names one value ("a number"), `kind` the values the operator compares ("numbers").
    let mismatch = |what: &str, kind: &str, warnings: &mut Vec<Diagnostic>| {
        warnings.push(
            Diagnostic::warning(
                "condition-value-type",
                format!("`{text}` is not {what}, so this `{name}` value never matches"),
                span,
            )
            .with_help(format!("`{name}` compares {kind}")),
        );
        CompiledValue::Invalid
    };
    let no_variables = |warnings: &mut Vec<Diagnostic>| {
        if variables == Variables::Substitute && text.contains("${") {
            warnings.push(Diagnostic::warning(
                "variable-not-allowed",
                format!("policy variables are not substituted in `{name}` values"),
                span,
            ));
        }
    };
    match operator.base.family {
        F::String | F::StringIgnoreCase => {
            CompiledValue::Text(Pattern::compile(text, Wildcards::Literal, variables))
        }
        F::StringLike => CompiledValue::Text(Pattern::compile(text, Wildcards::Glob, variables)),
        F::Numeric => {
            no_variables(warnings);
            if Decimal::parse(text).is_some() {
                CompiledValue::Number(text.trim().to_owned())
            } else {
                mismatch("a number", "numbers", warnings)
            }
        }
        F::Date => {
            no_variables(warnings);
            match parse_date(text) {
                Some(d) => CompiledValue::Date(d),
                None => mismatch(
                    "a date",
                    "dates (ISO 8601, such as `2026-01-31T12:00:00Z`, or epoch seconds)",
                    warnings,
                ),
            }
        }
        F::Bool => {
            let pattern = Pattern::compile(text, Wildcards::Literal, variables);
            if !pattern.has_variables()
                && !text.eq_ignore_ascii_case("true")
                && !text.eq_ignore_ascii_case("false")
            {
                return mismatch("a boolean", "booleans (`true` or `false`)", warnings);
            }
            CompiledValue::Bool(pattern)
        }
        F::Binary => {
            no_variables(warnings);
            use base64::Engine as _;
            match base64::engine::general_purpose::STANDARD.decode(text.trim()) {
                Ok(bytes) => CompiledValue::Binary(bytes),
                Err(_) => mismatch(
                    "base64-encoded data",
                    "base64-encoded binary values",
                    warnings,
                ),
            }
        }
        F::Ip => {
            no_variables(warnings);
            match IpNet::parse(text) {
                Some(net) => CompiledValue::Ip(net),
                None => mismatch(
                    "an IP address or CIDR range",
                    "IP addresses or CIDR ranges",
                    warnings,
                ),
            }
        }
        F::Arn => CompiledValue::Arn(Box::new(ArnPattern::compile_condition(text, variables))),
        F::Null => {
            if text.eq_ignore_ascii_case("true") {
                CompiledValue::Null(true)
            } else if text.eq_ignore_ascii_case("false") {
                CompiledValue::Null(false)
            } else {
                mismatch(
                    "`true` or `false`",
                    "`true` (the key is absent) or `false` (it is present)",
                    warnings,
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_qualifiers_and_if_exists_spec_2_5() {
        let op = ConditionOperator::parse("ForAnyValue:StringLikeIfExists").unwrap();
        assert_eq!(op.qualifier, Some(SetQualifier::ForAnyValue));
        assert!(op.if_exists);
        assert_eq!(op.base.name, "StringLike");
        assert_eq!(op.name(), "ForAnyValue:StringLikeIfExists");
        assert!(
            ConditionOperator::parse("NotIpAddress")
                .unwrap()
                .base
                .negated
        );
    }

    #[test]
    fn rejects_unknown_and_null_if_exists() {
        let (msg, help) = ConditionOperator::parse("StringEqual").unwrap_err();
        assert_eq!(msg, "unknown condition operator `StringEqual`");
        assert_eq!(help.as_deref(), Some("did you mean `StringEquals`?"));
        let (_, help) = ConditionOperator::parse("stringequals").unwrap_err();
        assert_eq!(help.as_deref(), Some("did you mean `StringEquals`?"));
        assert!(ConditionOperator::parse("NullIfExists").is_err());
        assert!(ConditionOperator::parse("ForSomeValues:StringEquals").is_err());
    }

    #[test]
    fn every_negated_operator_of_spec_3_1() {
        let negated: Vec<&str> = BASE_OPERATORS
            .iter()
            .filter(|o| o.negated)
            .map(|o| o.name)
            .collect();
        assert_eq!(
            negated,
            [
                "StringNotEquals",
                "StringNotEqualsIgnoreCase",
                "StringNotLike",
                "NumericNotEquals",
                "DateNotEquals",
                "NotIpAddress",
                "ArnNotEquals",
                "ArnNotLike"
            ]
        );
    }
}
