//! A resource statement: an `Allow` naming the requester in the resource's policy (required
//! across accounts, for role trust and for keys whose policy does not delegate to IAM).

use iamwhy_core::{Diagnostics, PolicyType, Principal, SourceMap};
use iamwhy_snapshot::{Changes, Snapshot};
use serde_json::{Value, json};

use super::condition::kept_conditions;
use super::{
    Draft, Failing, FixKind, append_statement, context_value, policy_of, register, sid_for,
};
use crate::report::SimulationResult;

/// The `Principal` element naming the requester as a resource policy must.
fn principal_element(f: &Failing) -> Option<Value> {
    match Principal::parse(&f.principal).ok()? {
        Principal::Service(s) => Some(json!({"Service": s})),
        Principal::Anonymous => Some(json!("*")),
        p => {
            let arn = match &p {
                // A session is granted through its role (spec §4.3).
                Principal::RoleSession(_) => context_value(&f.result, "aws:PrincipalArn")?,
                Principal::FederatedUser(_) => p.requester_arn()?,
                _ => p.principal_arn()?,
            };
            Some(json!({"AWS": arn}))
        }
    }
}

/// The command that sets a resource's policy, by service.
pub(super) fn resource_policy_command(owner: &str) -> Option<String> {
    let mut parts = owner.splitn(6, ':');
    let service = parts.nth(2)?;
    let last = owner.rsplit(['/', ':']).next().unwrap_or(owner);
    Some(match service {
        "s3" => format!("aws s3api put-bucket-policy --bucket {last} --policy file://fix.json"),
        "kms" => format!(
            "aws kms put-key-policy --key-id {owner} --policy-name default --policy file://fix.json"
        ),
        "iam" => format!(
            "aws iam update-assume-role-policy --role-name {last} --policy-document file://fix.json"
        ),
        "sqs" => format!(
            "aws sqs set-queue-attributes --queue-url QUEUE_URL --attributes Policy=file://fix.json   # the queue {last}"
        ),
        "sns" => format!(
            "aws sns set-topic-attributes --topic-arn {owner} --attribute-name Policy --attribute-value file://fix.json"
        ),
        "secretsmanager" => format!(
            "aws secretsmanager put-resource-policy --secret-id {owner} --resource-policy file://fix.json"
        ),
        _ => return None,
    })
}

pub(super) fn resource_statement(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
) -> Result<Option<Draft>, Diagnostics> {
    if f.resource.is_any() {
        return Ok(None);
    }
    let side = snapshot.resource_side(map, f.resource.as_str(), &Changes::default())?;
    let Some(owner) = side.owner_arn.clone() else {
        return Ok(None);
    };
    let Some(principal) = principal_element(f) else {
        return Ok(None);
    };
    let trust = owner.contains(":iam::") && owner.contains(":role/");
    let mut statement = json!({
        "Sid": sid_for(f.action.as_str()),
        "Effect": "Allow",
        "Principal": principal,
        "Action": f.action.as_str(),
    });
    if !trust && let Value::Object(m) = &mut statement {
        // A key policy names its key as `*` by convention; any other gives the ARN.
        let r = if owner.contains(":kms:") {
            "*".to_owned()
        } else {
            f.resource.as_str().to_owned()
        };
        m.insert("Resource".to_owned(), Value::String(r));
    }
    // Next to a statement that one condition stops: keep its conditions (issue 23).
    if let Some(cond) = kept_conditions(map, f, PolicyType::Resource)
        && let Value::Object(m) = &mut statement
    {
        m.insert("Condition".to_owned(), cond);
    }
    // A service principal is admitted only on behalf of the resource it acted for: the
    // confused-deputy guard (IAM User Guide, "The confused deputy problem",
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html), from the
    // request's own `aws:SourceArn` / `aws:SourceAccount`.
    let mut admits = None;
    let mut widens = Vec::new();
    if let Ok(Principal::Service(service)) = Principal::parse(&f.principal)
        && let Value::Object(m) = &mut statement
    {
        let cond = m
            .entry("Condition")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        let mut guards = Vec::new();
        if let Value::Object(cond) = cond {
            let tested = |cond: &serde_json::Map<String, Value>, key: &str| {
                cond.values().any(|b| {
                    b.as_object()
                        .is_some_and(|b| b.keys().any(|k| k.eq_ignore_ascii_case(key)))
                })
            };
            for (key, op) in [
                ("aws:SourceArn", "ArnEquals"),
                ("aws:SourceAccount", "StringEquals"),
            ] {
                if let Some(v) = context_value(&f.result, key) {
                    if !tested(cond, key)
                        && let Value::Object(block) = cond
                            .entry(op)
                            .or_insert_with(|| Value::Object(serde_json::Map::new()))
                    {
                        block.insert(key.to_owned(), Value::String(v.clone()));
                    }
                    guards.push(format!("`{key}` = {v}"));
                }
            }
        }
        if cond.as_object().is_some_and(serde_json::Map::is_empty) {
            m.remove("Condition");
        }
        if guards.is_empty() {
            widens.push(format!(
                "admits {service} acting for any account's resources: the request carries neither `aws:SourceArn` nor `aws:SourceAccount`, so the confused-deputy guard AWS recommends (IAM User Guide, \"The confused deputy problem\", https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html) cannot be added; add one by hand"
            ));
        } else {
            admits = Some(format!(
                "{service}, only when it acts on behalf of {} (the confused-deputy guard AWS recommends: IAM User Guide, \"The confused deputy problem\", https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html)",
                guards.join(" and ")
            ));
        }
    }
    let mut policy = match &side.policy {
        Some(p) => serde_json::from_str(map.snippet(p.document.span)).unwrap_or(Value::Null),
        None => policy_of(Vec::new()),
    };
    if !append_statement(&mut policy, statement.clone()) {
        return Ok(None);
    }
    let label = side
        .policy
        .as_ref()
        .map_or_else(|| format!("policy of {owner}"), |p| p.name.clone());
    let source = register(map, &label, &policy);
    Ok(Some(Draft {
        kind: FixKind::AddResourceStatement,
        summary: format!(
            "allow `{}` to {} in the {label}{}",
            f.action,
            principal_words(&f.result),
            if admits.is_some() {
                ", on behalf of the request's source only"
            } else {
                ""
            }
        ),
        target: label,
        statement,
        policy,
        command: resource_policy_command(&owner),
        changes: Changes {
            resource_policies: vec![(owner, source)],
            ..Changes::default()
        },
        widens,
        admits,
        verifiable: true,
    }))
}

fn principal_words(r: &SimulationResult) -> String {
    context_value(r, "aws:PrincipalArn").unwrap_or_else(|| r.principal.clone())
}
