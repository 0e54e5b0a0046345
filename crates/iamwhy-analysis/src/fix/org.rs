//! An SCP or RCP of the level that allows nothing, extended with the request's statement
//! (spec §4.6).

use iamwhy_core::{DeniedBy, Diagnostics, PolicyType, SourceMap};
use iamwhy_snapshot::{Changes, Snapshot};
use serde_json::{Value, json};

use super::{Draft, Failing, FixKind, allow_statement, append_statement, register};
use crate::report::SetOutcome;

/// Adds the statement to the first SCP (RCP) of the level that allows nothing.
pub(super) fn org_statement(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
    t: DeniedBy,
) -> Result<Option<Draft>, Diagnostics> {
    let (policy_type, word) = match t {
        DeniedBy::Scp => (PolicyType::Scp, "SCP"),
        _ => (PolicyType::Rcp, "RCP"),
    };
    let Some(level) = f
        .result
        .policy_types
        .iter()
        .find(|o| o.policy_type == policy_type && o.outcome == SetOutcome::ImplicitDeny)
        .and_then(|o| o.level)
    else {
        return Ok(None);
    };
    let levels = match t {
        DeniedBy::Scp => {
            let Ok(who) = snapshot.resolve_principal(&f.principal, f.parent_user.as_deref()) else {
                return Ok(None);
            };
            snapshot
                .principal_policies(map, &who, &Changes::default())?
                .scps
        }
        _ => {
            snapshot
                .resource_side(map, f.resource.as_str(), &Changes::default())?
                .rcps
        }
    };
    let Some(p) = levels
        .and_then(|l| l.into_iter().nth(usize::from(level)))
        .and_then(|l| l.into_iter().next())
    else {
        return Ok(None);
    };
    let mut policy: Value =
        serde_json::from_str(map.snippet(p.document.span)).unwrap_or(Value::Null);
    let mut statement = allow_statement(f);
    if t == DeniedBy::Rcp
        && let Value::Object(m) = &mut statement
    {
        m.insert("Principal".to_owned(), json!("*"));
    }
    if !append_statement(&mut policy, statement.clone()) {
        return Ok(None);
    }
    let id = p
        .arn
        .as_deref()
        .and_then(|a| a.rsplit('/').next())
        .unwrap_or(&p.name)
        .to_owned();
    let source = register(map, &p.name, &policy);
    Ok(Some(Draft {
        kind: if t == DeniedBy::Scp {
            FixKind::ExtendScp
        } else {
            FixKind::ExtendRcp
        },
        summary: format!(
            "allow `{}` on `{}` in the {word} {} attached at level {level} of the organization path (no {word} there allows it)",
            f.action, f.resource, p.name
        ),
        target: format!("{word} {} ({id})", p.name),
        statement,
        policy,
        command: Some(format!(
            "aws organizations update-policy --policy-id {id} --content file://fix.json"
        )),
        changes: Changes {
            org_policies: vec![(p.arn.clone().unwrap_or(p.name.clone()), source)],
            ..Changes::default()
        },
        widens: vec![format!(
            "every account under that level may now be allowed `{}` on `{}` if its own policies allow it",
            f.action, f.resource
        )],
        admits: None,
        verifiable: true,
    }))
}
