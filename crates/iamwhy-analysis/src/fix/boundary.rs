//! The permissions boundary extended with the request's statement (a boundary caps every
//! principal it is attached to, spec §4.4 step 4).

use iamwhy_core::{Diagnostics, SourceMap};
use iamwhy_snapshot::{Changes, Snapshot};
use serde_json::Value;

use super::{Draft, Failing, FixKind, allow_statement, append_statement, register};

pub(super) fn boundary_statement(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
) -> Result<Option<Draft>, Diagnostics> {
    let Ok(who) = snapshot.resolve_principal(&f.principal, f.parent_user.as_deref()) else {
        return Ok(None);
    };
    let side = snapshot.principal_policies(map, &who, &Changes::default())?;
    let Some(boundary) = side.boundary else {
        return Ok(None);
    };
    let mut policy: Value =
        serde_json::from_str(map.snippet(boundary.document.span)).unwrap_or(Value::Null);
    let statement = allow_statement(f);
    if !append_statement(&mut policy, statement.clone()) {
        return Ok(None);
    }
    let label = boundary.arn.clone().unwrap_or(boundary.name.clone());
    let source = register(map, &label, &policy);
    Ok(Some(Draft {
        kind: FixKind::ExtendBoundary,
        summary: format!(
            "allow `{}` on `{}` in the permissions boundary {label} (a boundary caps every principal it is attached to: they all gain this)",
            f.action, f.resource
        ),
        target: format!("permissions boundary {label}"),
        statement,
        policy,
        command: Some(format!(
            "aws iam create-policy-version --policy-arn {label} --policy-document file://fix.json --set-as-default"
        )),
        changes: Changes {
            boundary: Some(source),
            ..Changes::default()
        },
        widens: vec![format!(
            "every user and role whose boundary is {label} may now be allowed `{}` on `{}` if their own policies allow it",
            f.action, f.resource
        )],
        admits: None,
        verifiable: true,
    }))
}
