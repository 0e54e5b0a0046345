//! An implicit deny that comes down to one condition of an `Allow` statement (a near miss):
//! the request's value added to that condition's values, the statement otherwise unchanged —
//! its other conditions (`kms:ViaService`, ...) still apply. Story 1 with an S3 Bucket Key: a
//! key policy that wants `kms:EncryptionContext:aws:s3:arn` like `arn:aws:s3:::b/*` gets
//! `arn:aws:s3:::b` as well (Amazon S3 User Guide, "Reducing the cost of SSE-KMS with Amazon
//! S3 Bucket Keys", <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html>).

use iamwhy_core::{Diagnostics, SourceMap};
use iamwhy_snapshot::{Changes, Snapshot};
use serde_json::{Map, Value};

use super::exception::{Edit, edit_target, statement_mut};
use super::{Draft, Failing, FixKind, register};
use crate::report::{Effect, FailedCondition, NotMatchedInfo};

/// Adds `value` to the values of `key` under `operator` in the statement's `Condition`.
pub(super) fn add_condition_value(
    statement: &mut Map<String, Value>,
    operator: &str,
    key: &str,
    value: &str,
) -> bool {
    let Some(Value::Object(cond)) = statement.get_mut("Condition") else {
        return false;
    };
    let Some(Value::Object(block)) = cond.get_mut(operator) else {
        return false;
    };
    let Some(values) = block
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
    else {
        return false;
    };
    let mut list = match values.take() {
        Value::Array(a) => a,
        other => vec![other],
    };
    list.push(Value::String(value.to_owned()));
    *values = Value::Array(list);
    true
}

/// One fix per near-miss `Allow` statement whose only failing element is a condition the
/// request's value can join.
pub(super) fn extend_conditions(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
) -> Result<Vec<Draft>, Diagnostics> {
    let mut out = Vec::new();
    let near: Vec<(&NotMatchedInfo, &FailedCondition)> = f
        .result
        .near_misses
        .iter()
        .filter(|n| n.statement.effect == Effect::Allow)
        .filter_map(|n| Some((n, n.failed_condition.as_ref()?)))
        .filter(|(_, c)| c.extendable)
        .collect();
    for (n, c) in near {
        let Some([value]) = c.actual.as_deref() else {
            continue;
        };
        let info = &n.statement;
        let Ok(mut doc) = serde_json::from_str::<Value>(map.snippet(info.document)) else {
            continue;
        };
        let Some(statement) = statement_mut(&mut doc, info.index) else {
            continue;
        };
        if !add_condition_value(statement, &c.operator, &c.key, value) {
            continue;
        }
        let statement = Value::Object(statement.clone());
        let source = register(map, &info.policy, &doc);
        let mut changes = Changes::default();
        let Edit::Done { target, command } =
            edit_target(snapshot, map, f, &info.policy, info, source, &mut changes)?
        else {
            continue;
        };
        out.push(Draft {
            kind: FixKind::ExtendCondition,
            summary: format!(
                "add \"{value}\" to the `{}` `{}` values of the statement that would allow it; its other conditions stay",
                c.operator, c.key
            ),
            target,
            statement,
            policy: doc,
            command,
            changes,
            widens: Vec::new(),
            admits: None,
            verifiable: true,
        });
    }
    Ok(out)
}

/// The `Condition` of the near-miss `Allow` statement of `policy_type` that one condition
/// stops, with that condition narrowed to the request's value: what a statement added next
/// to it keeps, so that it grants no more than the statement it stands in for.
pub(super) fn kept_conditions(
    map: &SourceMap,
    f: &Failing,
    policy_type: iamwhy_core::PolicyType,
) -> Option<Value> {
    let (n, c) = f
        .result
        .near_misses
        .iter()
        .filter(|n| n.statement.effect == Effect::Allow && n.statement.policy_type == policy_type)
        .find_map(|n| Some((n, n.failed_condition.as_ref().filter(|c| c.extendable)?)))?;
    let [value] = c.actual.as_deref()? else {
        return None;
    };
    let mut doc = serde_json::from_str::<Value>(map.snippet(n.statement.document)).ok()?;
    let statement = statement_mut(&mut doc, n.statement.index)?;
    let Some(Value::Object(mut cond)) = statement.remove("Condition") else {
        return None;
    };
    let Some(Value::Object(block)) = cond.get_mut(&c.operator) else {
        return None;
    };
    let slot = block
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case(&c.key))
        .map(|(_, v)| v)?;
    *slot = Value::String(value.clone());
    Some(Value::Object(cond))
}
