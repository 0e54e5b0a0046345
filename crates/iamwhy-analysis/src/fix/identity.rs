//! An identity statement: the least-privilege `Allow` in a new inline policy of the user or
//! role (or the parent user of a federated user) that asked.

use iamwhy_core::{Diagnostics, Principal, SourceMap};
use iamwhy_snapshot::{Changes, Snapshot};

use super::{Draft, Failing, FixKind, allow_statement, policy_of, register};

/// The IAM entity whose inline policy should hold an identity statement: `(kind, name)`.
fn identity_owner(snapshot: &Snapshot, f: &Failing) -> Option<(&'static str, String)> {
    match Principal::parse(&f.principal).ok()? {
        Principal::User(u) => Some(("user", u.name)),
        Principal::RoleSession(s) => Some(("role", s.role.name)),
        Principal::FederatedUser(_) => {
            let parent = f.parent_user.as_deref()?;
            Some(("user", snapshot.user(parent)?.name.clone()))
        }
        _ => None,
    }
}

pub(super) fn identity_statement(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
) -> Result<Option<Draft>, Diagnostics> {
    let Some((kind, name)) = identity_owner(snapshot, f) else {
        return Ok(None);
    };
    let statement = allow_statement(f);
    let policy = policy_of(vec![statement.clone()]);
    let policy_name = format!(
        "iamwhy-allow-{}",
        f.action.as_str().replace(':', "-").to_ascii_lowercase()
    );
    let source = register(map, &format!("{kind} {name}: {policy_name}"), &policy);
    Ok(Some(Draft {
        kind: FixKind::AddIdentityStatement,
        summary: format!(
            "allow `{}` on `{}` in a new inline policy of {kind} {name}",
            f.action, f.resource
        ),
        target: format!("{kind} {name}, inline policy `{policy_name}`"),
        statement,
        policy,
        command: Some(format!(
            "aws iam put-{kind}-policy --{kind}-name {name} --policy-name {policy_name} --policy-document file://fix.json"
        )),
        changes: Changes {
            add: vec![source],
            ..Changes::default()
        },
        widens: Vec::new(),
        verifiable: true,
    }))
}
