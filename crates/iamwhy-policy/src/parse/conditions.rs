//! `Condition` blocks (spec §2.5): operators, keys and values compiled for their operator.

use iamwhy_core::Diagnostic;
use jsonc_parser::ast::Value;

use super::Parser;
use crate::condition::{ConditionOperator, OperatorFamily, compile_value};
use crate::document::{Condition, ConditionValue};
use crate::json;
use crate::pattern::Variables;

impl Parser {
    pub(super) fn conditions(&mut self, value: &Value<'_>, variables: Variables) -> Vec<Condition> {
        let Value::Object(block) = value else {
            let span = self.span(value);
            self.error(
                "wrong-type",
                format!(
                    "`Condition` must be an object, found {}",
                    json::describe(value)
                ),
                span,
            );
            return Vec::new();
        };
        self.diagnostics
            .extend(json::duplicate_keys(self.source, &block.properties));
        let mut out = Vec::new();
        for op_prop in &block.properties {
            let op_text = json::key(op_prop);
            let op_span = json::key_span(self.source, op_prop);
            let operator = match ConditionOperator::parse(op_text) {
                Ok(op) => op,
                Err((message, help)) => {
                    // `NullIfExists` has a code of its own: linters report it separately.
                    let null_if_exists = op_text
                        .strip_suffix("IfExists")
                        .map(ConditionOperator::parse)
                        .is_some_and(|o| o.is_ok_and(|o| o.base.family == OperatorFamily::Null));
                    let code = if null_if_exists {
                        "null-if-exists"
                    } else {
                        "invalid-operator"
                    };
                    let mut d = Diagnostic::error(code, message, op_span);
                    if let Some(h) = help {
                        d = d.with_help(h);
                    }
                    self.diagnostics.push(d);
                    continue;
                }
            };
            let Value::Object(keys) = &op_prop.value else {
                let span = self.span(&op_prop.value);
                self.error(
                    "wrong-type",
                    format!(
                        "`{op_text}` must map condition keys to values, found {}",
                        json::describe(&op_prop.value)
                    ),
                    span,
                );
                continue;
            };
            self.diagnostics
                .extend(json::duplicate_keys(self.source, &keys.properties));
            for key_prop in &keys.properties {
                let key = json::key(key_prop);
                let key_span = json::key_span(self.source, key_prop);
                if key.is_empty() {
                    self.error("invalid-condition-key", "empty condition key", key_span);
                    continue;
                }
                if !key.contains(':') {
                    self.warning(
                        "invalid-condition-key",
                        format!("condition key `{key}` has no service prefix such as `aws:`"),
                        key_span,
                    );
                }
                let values = self.condition_values(&operator, &key_prop.value, variables);
                if values.is_empty() {
                    continue;
                }
                out.push(Condition {
                    operator,
                    key: key.to_owned(),
                    key_lower: iamwhy_core::normalize_key(key),
                    values,
                    operator_span: op_span,
                    span: json::prop_span(self.source, key_prop),
                });
            }
        }
        out
    }

    fn condition_values(
        &mut self,
        operator: &ConditionOperator,
        value: &Value<'_>,
        variables: Variables,
    ) -> Vec<ConditionValue> {
        let items: Vec<&Value<'_>> = match value {
            Value::Array(arr) => {
                if arr.elements.is_empty() {
                    let span = self.span(value);
                    self.error_help(
                        "empty-element",
                        "a condition key needs at least one value",
                        span,
                        "AWS rejects an empty list of condition values",
                    );
                }
                arr.elements.iter().collect()
            }
            single => vec![single],
        };
        let mut out = Vec::new();
        for item in items {
            let span = self.span(item);
            let text = match item {
                Value::StringLit(s) => s.value.to_string(),
                Value::NumberLit(n) => n.value.to_owned(),
                Value::BooleanLit(b) => b.value.to_string(),
                other => {
                    self.error(
                        "wrong-type",
                        format!(
                            "a condition value must be a string, number or boolean, found {}",
                            json::describe(other)
                        ),
                        span,
                    );
                    continue;
                }
            };
            let compiled = compile_value(operator, &text, span, variables, &mut self.diagnostics);
            out.push(ConditionValue {
                text,
                span,
                compiled,
            });
        }
        out
    }
}
