//! An identity statement: the least-privilege `Allow` in a new inline policy of the user or
//! role (or the parent user of a federated user) that asked.

use iamwhy_core::{Diagnostics, PolicyType, Principal, SourceMap};
use iamwhy_snapshot::{Changes, Snapshot};

use super::condition::kept_conditions;
use super::{Draft, Failing, FixKind, allow_statement, policy_of, register};

/// The IAM entity whose inline policy should hold an identity statement: `(kind, name)`.
/// In a snapshot of many accounts the name carries the account (` in account ACCOUNT`): the
/// fix of a cross-account denial changes policies in two accounts.
fn identity_owner(snapshot: &Snapshot, f: &Failing) -> Option<(&'static str, String, String)> {
    let (kind, name, account) = match Principal::parse(&f.principal).ok()? {
        Principal::User(u) => ("user", u.name, u.account),
        Principal::RoleSession(s) => ("role", s.role.name, s.role.account),
        Principal::FederatedUser(fed) => {
            let parent = f.parent_user.as_deref()?;
            ("user", snapshot.user(parent)?.name.clone(), fed.account)
        }
        _ => return None,
    };
    let whose = if snapshot.is_many_accounts() {
        format!("{kind} {name} in account {account}")
    } else {
        format!("{kind} {name}")
    };
    Some((kind, name, whose))
}

pub(super) fn identity_statement(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    f: &Failing,
) -> Result<Option<Draft>, Diagnostics> {
    let Some((kind, name, whose)) = identity_owner(snapshot, f) else {
        return Ok(None);
    };
    let mut statement = allow_statement(f);
    // Next to a statement that one condition stops: keep its conditions (issue 23).
    if let Some(cond) = kept_conditions(map, f, PolicyType::Identity)
        && let serde_json::Value::Object(m) = &mut statement
    {
        m.insert("Condition".to_owned(), cond);
    }
    let policy = policy_of(vec![statement.clone()]);
    let policy_name = format!(
        "iamwhy-allow-{}",
        f.action.as_str().replace(':', "-").to_ascii_lowercase()
    );
    let source = register(map, &format!("{kind} {name}: {policy_name}"), &policy);
    Ok(Some(Draft {
        kind: FixKind::AddIdentityStatement,
        summary: format!(
            "allow `{}` on `{}` in a new inline policy of {whose}",
            f.action, f.resource
        ),
        target: format!("{whose}, inline policy `{policy_name}`"),
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
        admits: None,
        verifiable: true,
    }))
}
