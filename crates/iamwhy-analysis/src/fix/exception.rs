//! An explicit deny fixed by an exception in the denying statement's `Condition`, as narrow
//! as the request allows: `BoolIfExists aws:PrincipalIsAWSService false` for an AWS service
//! principal (story 5: `aws:PrincipalArn` is absent for service principals, so extending a
//! `StringNotEquals aws:PrincipalArn` list never exempts them), `BoolIfExists
//! aws:ViaAWSService false` for a call a service made with the caller's identity, otherwise
//! the principal's ARN added to the statement's `aws:PrincipalArn` exception list.

use iamwhy_core::{Diagnostics, PolicyType, SourceMap};
use iamwhy_snapshot::{Changes, Snapshot};
use serde_json::{Map, Value, json};

use super::resource::resource_policy_command;
use super::{Draft, Failing, FixKind, context_value, register};
use crate::report::{Effect, StatementInfo};

/// How to exempt the request from a Deny, and what that exempts besides.
fn exception_for(f: &Failing) -> (&'static str, String, Value, String) {
    let get = |k: &str| context_value(&f.result, k);
    if get("aws:PrincipalIsAWSService").as_deref() == Some("true") {
        return (
            "BoolIfExists",
            "aws:PrincipalIsAWSService".to_owned(),
            json!("false"),
            "every AWS service principal is exempt from this Deny (the data-perimeter guard AWS recommends; a `StringNotEquals aws:PrincipalArn` list can never exempt a service, whose requests carry no `aws:PrincipalArn`)".to_owned(),
        );
    }
    if get("aws:ViaAWSService").as_deref() == Some("true") {
        return (
            "BoolIfExists",
            "aws:ViaAWSService".to_owned(),
            json!("false"),
            "every call an AWS service makes with a principal's identity (forward access session) is exempt from this Deny".to_owned(),
        );
    }
    let arn = get("aws:PrincipalArn").unwrap_or_else(|| f.principal.clone());
    (
        "ArnNotEquals",
        "aws:PrincipalArn".to_owned(),
        json!(arn),
        format!("{arn} is exempt from this Deny for every action and resource it covers"),
    )
}

/// The operators under which an `aws:PrincipalArn` list exempts principals.
const NEGATED_ARN_OPERATORS: &[&str] = &[
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "StringNotEqualsIfExists",
    "StringNotLikeIfExists",
    "ArnNotEqualsIfExists",
    "ArnNotLikeIfExists",
];

/// Adds the exception to the statement's `Condition`: into an existing `aws:PrincipalArn`
/// exception list when there is one, else as a new operator entry.
pub(super) fn add_exception(
    statement: &mut Map<String, Value>,
    op: &str,
    key: &str,
    value: &Value,
) -> String {
    let added =
        format!("add `\"{op}\": {{\"{key}\": {value}}}` to the Condition of the denying statement");
    let cond = statement
        .entry("Condition")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(cond) = cond else {
        return added;
    };
    if key == "aws:PrincipalArn" {
        for (name, block) in cond.iter_mut() {
            if !NEGATED_ARN_OPERATORS.contains(&name.as_str()) {
                continue;
            }
            let Value::Object(block) = block else {
                continue;
            };
            let existing = block
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v);
            if let Some(values) = existing {
                let mut list = match values.take() {
                    Value::Array(a) => a,
                    other => vec![other],
                };
                list.push(value.clone());
                *values = Value::Array(list);
                return format!(
                    "add {value} to the `{name}` `{key}` exception list of the denying statement"
                );
            }
        }
    }
    let block = cond
        .entry(op.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(block) = block {
        block.insert(key.to_owned(), value.clone());
    }
    added
}

pub(super) fn statement_mut(policy: &mut Value, index: usize) -> Option<&mut Map<String, Value>> {
    let Value::Object(doc) = policy else {
        return None;
    };
    match doc.get_mut("Statement")? {
        Value::Array(list) => match list.get_mut(index)? {
            Value::Object(s) => Some(s),
            _ => None,
        },
        Value::Object(s) if index == 0 => Some(s),
        _ => None,
    }
}

/// One exception per denying statement, as one change.
pub(super) fn deny_exceptions(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
) -> Result<Vec<Draft>, Diagnostics> {
    let denies: Vec<&StatementInfo> = f
        .result
        .deciding_statements
        .iter()
        .filter(|s| s.effect == Effect::Deny)
        .collect();
    let (op, key, value, widening) = exception_for(f);
    let mut changes = Changes::default();
    let mut statements = Vec::new();
    let mut policies = Vec::new();
    let mut targets = Vec::new();
    let mut commands = Vec::new();
    // Several statements of one policy change together.
    let mut edited: Vec<(String, Value, &StatementInfo)> = Vec::new();
    let mut summary = String::new();
    for info in &denies {
        let pos = edited.iter().position(|(name, _, _)| *name == info.policy);
        let entry = match pos {
            Some(i) => edited.get_mut(i),
            None => {
                let text = map.snippet(info.document);
                let Ok(doc) = serde_json::from_str::<Value>(text) else {
                    continue;
                };
                edited.push((info.policy.clone(), doc, info));
                edited.last_mut()
            }
        };
        let Some((_, doc, _)) = entry else {
            continue;
        };
        if let Some(s) = statement_mut(doc, info.index) {
            summary = add_exception(s, op, &key, &value);
            statements.push(Value::Object(s.clone()));
        }
    }
    if edited.is_empty() {
        return Ok(vec![Draft::unverifiable(
            "the denying statement's policy text is not available to edit",
        )]);
    }
    for (name, doc, info) in &edited {
        let source = register(map, name, doc);
        match edit_target(snapshot, map, f, name, info, source, &mut changes)? {
            Edit::Done { target, command } => {
                targets.push(target);
                policies.push(doc.clone());
                commands.extend(command);
            }
            Edit::Skip => {}
            Edit::NotHeld(t) => {
                return Ok(vec![Draft::unverifiable(&format!(
                    "the Deny is in a {}, which the snapshot does not hold: add `\"{op}\": {{\"{key}\": {value}}}` to its `Condition`",
                    t.aws_phrase()
                ))]);
            }
        }
    }
    Ok(vec![Draft {
        kind: FixKind::DenyException,
        summary,
        target: targets.join("; "),
        statement: if statements.len() == 1 {
            statements.remove(0)
        } else {
            Value::Array(statements)
        },
        policy: if policies.len() == 1 {
            policies.remove(0)
        } else {
            Value::Array(policies)
        },
        command: (!commands.is_empty()).then(|| commands.join("\n")),
        changes,
        widens: vec![widening],
        admits: None,
        verifiable: true,
    }])
}

/// Where an edited policy goes.
pub(super) enum Edit {
    /// The change is registered: the words for the target and the command.
    Done {
        target: String,
        command: Option<String>,
    },
    /// The resource has no owner to change.
    Skip,
    /// The policy type is one the snapshot does not hold.
    NotHeld(PolicyType),
}

/// Registers `source` (the edited text of the policy `name` that holds `info`) as the change
/// of that policy, and says which command applies it.
pub(super) fn edit_target(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
    name: &str,
    info: &StatementInfo,
    source: iamwhy_core::SourceId,
    changes: &mut Changes,
) -> Result<Edit, Diagnostics> {
    let command = match info.policy_type {
        PolicyType::Identity | PolicyType::PermissionsBoundary => {
            changes.replace.push((name.to_owned(), source));
            match &info.policy_arn {
                Some(arn) => Some(format!(
                    "aws iam create-policy-version --policy-arn {arn} --policy-document file://fix.json --set-as-default"
                )),
                None => inline_command(name),
            }
        }
        PolicyType::Resource => {
            let side = snapshot.resource_side(map, f.resource.as_str(), &Changes::default())?;
            let Some(owner) = side.owner_arn else {
                return Ok(Edit::Skip);
            };
            let cmd = resource_policy_command(&owner);
            changes.resource_policies.push((owner, source));
            cmd
        }
        PolicyType::Scp | PolicyType::Rcp => {
            let target = info.policy_arn.clone().unwrap_or(name.to_owned());
            let id = target.rsplit('/').next().unwrap_or(&target).to_owned();
            changes.org_policies.push((target, source));
            Some(format!(
                "aws organizations update-policy --policy-id {id} --content file://fix.json"
            ))
        }
        t @ (PolicyType::Session | PolicyType::VpcEndpoint) => return Ok(Edit::NotHeld(t)),
    };
    let policy = if name.starts_with(info.policy_kind.describe()) {
        name.to_owned()
    } else {
        format!("{} {name}", info.policy_kind.describe())
    };
    let target = format!(
        "{policy}, statement {}",
        info.sid.as_deref().map_or_else(
            || format!("#{}", info.index),
            |s| format!("\"{s}\" (#{})", info.index)
        )
    );
    Ok(Edit::Done { target, command })
}

/// `user alice: name` → `aws iam put-user-policy ...`.
pub(super) fn inline_command(label: &str) -> Option<String> {
    let (owner, policy) = label.split_once(": ")?;
    let (kind, name) = owner.split_once(' ')?;
    matches!(kind, "user" | "role" | "group").then(|| {
        format!(
            "aws iam put-{kind}-policy --{kind}-name {name} --policy-name {policy} --policy-document file://fix.json"
        )
    })
}
