//! Policy changes written as code (a Terraform plan, a CloudFormation template, a CDK
//! assembly) as candidate changes of a snapshot: what `--plan FILE` applies before
//! `simulate` and `replay` evaluate, and what `review` compares with the snapshot as it is.
//!
//! Each change of the file becomes a change of the snapshot's model: an inline policy put or
//! deleted for its user, group or role; a managed policy attached, detached or given a new
//! document; a boundary set or removed; a trust, bucket, key, queue, topic or secret policy
//! set; an SCP's or RCP's content replaced. What cannot be applied — a document the file
//! does not know (known after apply, unresolved), an owner or resource the snapshot does not
//! hold, an attachment of a policy whose id is known only after apply, a Lambda permission
//! statement — is said in a note, never guessed.

use std::path::Path;

use iamwhy_core::{Diagnostic, Diagnostics, SourceMap};
use iamwhy_iac::{
    Action, ChangeKind, ChangeSet, Content, PolicyChange, ReadOptions, TargetKind, Value,
};
use iamwhy_snapshot::{Changes, OrgAttachment, OwnerKind, ScopedChange, ScopedOp, Snapshot};

/// The candidate changes of one or more IaC files.
#[derive(Debug, Default)]
pub struct IacChanges {
    /// The change sets read.
    pub sets: Vec<ChangeSet>,
    /// The snapshot changes they make.
    pub changes: Changes,
    /// Each change that could not be applied, and why.
    pub not_applied: Vec<String>,
}

/// Reads a Terraform plan (`terraform show -json`), a CloudFormation template or a CDK
/// `cdk.out` folder at `path`. The account and Region of CloudFormation's pseudo parameters
/// are `options`', else the snapshot's account.
pub fn read_iac(
    map: &mut SourceMap,
    path: &Path,
    snapshot: Option<&Snapshot>,
    options: &ReadOptions,
) -> Result<Vec<ChangeSet>, Diagnostics> {
    let options = ReadOptions {
        account: options
            .account
            .clone()
            .or_else(|| snapshot.and_then(|s| s.account.clone())),
        region: options.region.clone(),
    };
    if iamwhy_iac::is_assembly(path) {
        let (sets, problems) = iamwhy_iac::read_assembly(map, path, &options);
        if let Some(p) = problems.into_iter().next() {
            return Err(Diagnostics::single(p));
        }
        return Ok(sets);
    }
    let source = crate::read_source(map, path, iamwhy_input::Limit::LINT_FILE)?;
    match iamwhy_iac::read_source(map, source, &options) {
        Some(set) => {
            if let Some(d) = set
                .diagnostics
                .iter()
                .find(|d| d.severity == iamwhy_core::Severity::Error)
            {
                return Err(Diagnostics::single(d.clone()));
            }
            Ok(vec![set])
        }
        // A file meant as JSON that does not parse says where it breaks.
        None if map.text(source).trim_start().starts_with(['{', '[']) => {
            match iamwhy_policy::json::parse(source, map.text(source)) {
                Err(d) => Err(Diagnostics::single(d)),
                Ok(_) => Err(not_iac(path)),
            }
        }
        None => Err(not_iac(path)),
    }
}

/// The error for a file that is none of the inputs `--plan` reads.
fn not_iac(path: &Path) -> Diagnostics {
    Diagnostics::single(Diagnostic::unplaced_error(
        "iac-input",
        format!(
            "{}: not a Terraform plan (`terraform show -json`), CloudFormation template or CDK `cdk.out` folder",
            path.display()
        ),
    ))
}

/// The snapshot changes of `sets`: the state after the changes, the snapshot being the state
/// before them.
pub fn lower(map: &SourceMap, snapshot: &Snapshot, sets: Vec<ChangeSet>) -> IacChanges {
    let mut out = IacChanges::default();
    for set in &sets {
        for change in &set.changes {
            lower_one(map, snapshot, change, &mut out);
        }
    }
    out.sets = sets;
    out
}

/// Whether a change changes anything (a Terraform `no-op` does not).
pub fn is_change(change: &PolicyChange, map: &SourceMap) -> bool {
    match change.action {
        Action::NoOp => false,
        Action::Update => match (&change.before, &change.after) {
            (Some(Content::Document(b)), Some(Content::Document(a))) => {
                map.text(b.source) != map.text(a.source)
            }
            (b, a) => b != a,
        },
        _ => true,
    }
}

fn lower_one(map: &SourceMap, snapshot: &Snapshot, c: &PolicyChange, out: &mut IacChanges) {
    if !is_change(c, map) {
        return;
    }
    let mut skip = |why: String| out.not_applied.push(format!("{}: {why}", c.place));
    let owner = match c.target.kind {
        TargetKind::Role => Some(OwnerKind::Role),
        TargetKind::User => Some(OwnerKind::User),
        TargetKind::Group => Some(OwnerKind::Group),
        _ => None,
    };
    let name = |v: &Value| v.known().map(str::to_owned);
    // The document after the change: `Ok(None)` when the change removes it.
    let after_doc = match &c.after {
        None => Ok(None),
        Some(Content::Document(d)) if d.unresolved.is_empty() => Ok(Some(d.source)),
        Some(Content::Document(d)) => Err(format!(
            "not applied: the document has parts the file cannot tell ({})",
            d.unresolved
                .iter()
                .map(|u| u.what.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some(Content::Unknown(u)) => Err(format!("not applied: the document is {u}")),
        Some(Content::Reference(_)) => Err("not applied: not a document".to_owned()),
    };
    match c.kind {
        ChangeKind::InlinePolicy => {
            let (Some(kind), Some(owner_name), Some(policy)) =
                (owner, name(&c.target.name), c.name.as_ref().and_then(&name))
            else {
                return skip(format!(
                    "not applied: {} or the policy name is not known",
                    c.target
                ));
            };
            let op = match after_doc {
                Ok(Some(source)) => ScopedOp::PutInline {
                    name: policy,
                    source,
                },
                Ok(None) => ScopedOp::DeleteInline { name: policy },
                Err(why) => return skip(why),
            };
            out.changes.scoped.push(ScopedChange {
                kind,
                name: owner_name,
                op,
            });
        }
        ChangeKind::ManagedPolicy => match after_doc {
            Ok(Some(source)) => {
                for key in [name(&c.target.name), c.name.as_ref().and_then(&name)]
                    .into_iter()
                    .flatten()
                {
                    out.changes.managed_documents.push((key, source));
                }
            }
            Ok(None) => skip(
                "not applied: deleting a managed policy (AWS refuses while it is attached)"
                    .to_owned(),
            ),
            Err(why) => skip(why),
        },
        ChangeKind::ManagedPolicyAttachment | ChangeKind::PermissionsBoundary => {
            let (Some(kind), Some(owner_name)) = (owner, name(&c.target.name)) else {
                return skip(format!("not applied: {} is not known", c.target));
            };
            let reference = |side: &Option<Content>| match side {
                Some(Content::Reference(Value::Known(arn))) => Ok(Some(arn.clone())),
                None => Ok(None),
                Some(Content::Reference(Value::Unknown(u))) => {
                    Err(format!("not applied: the policy ARN is {u}"))
                }
                Some(_) => Err("not applied: not a policy ARN".to_owned()),
            };
            let (before, after) = match (reference(&c.before), reference(&c.after)) {
                (Ok(b), Ok(a)) => (b, a),
                (Err(why), _) | (_, Err(why)) => return skip(why),
            };
            let mut push = |op| {
                out.changes.scoped.push(ScopedChange {
                    kind,
                    name: owner_name.clone(),
                    op,
                });
            };
            if c.kind == ChangeKind::PermissionsBoundary {
                push(ScopedOp::SetBoundary { arn: after });
            } else {
                if let Some(arn) = before.filter(|b| after.as_ref() != Some(b)) {
                    push(ScopedOp::Detach { arn });
                }
                if let Some(arn) = after {
                    push(ScopedOp::Attach { arn });
                }
            }
        }
        ChangeKind::ResourcePolicy if c.target.kind == TargetKind::VpcEndpoint => {
            skip("not applied: a VPC endpoint policy applies to the requests sent through the endpoint, which logs and snapshots do not tell".to_owned());
        }
        ChangeKind::TrustPolicy | ChangeKind::ResourcePolicy => {
            if let Err(why) = &after_doc {
                return skip(why.clone());
            }
            let Some(arn) = resource_arn(snapshot, c) else {
                return skip(format!(
                    "not applied: {} is not in the snapshot (or its ARN is not known)",
                    c.target
                ));
            };
            match after_doc {
                Ok(Some(source)) => out.changes.resource_policies.push((arn, source)),
                Ok(None) => skip("not applied: removing a resource policy".to_owned()),
                Err(why) => skip(why),
            }
        }
        ChangeKind::OrganizationsPolicy => {
            if c.policy_kind.is_none() {
                return;
            }
            let Some(policy) = c
                .name
                .as_ref()
                .and_then(&name)
                .or_else(|| name(&c.target.name))
            else {
                return skip("not applied: the policy's name is not known".to_owned());
            };
            match after_doc {
                Ok(Some(source)) => out.changes.org_policies.push((policy, source)),
                Ok(None) => skip("not applied: deleting an Organizations policy".to_owned()),
                Err(why) => skip(why),
            }
        }
        ChangeKind::OrganizationsPolicyAttachment => {
            let (Some(kind), Some(target)) = (c.policy_kind, name(&c.target.name)) else {
                return skip(format!("not applied: {} is not known", c.target));
            };
            // The policy by id (Terraform's `policy_id`), else by the name of the policy the
            // same template declares (CloudFormation's `TargetIds`).
            let policy = |side: &Option<Content>| match side {
                Some(Content::Reference(Value::Known(id))) => Some(id.clone()),
                Some(_) => c.name.as_ref().and_then(&name),
                None => None,
            };
            let (before, after) = (policy(&c.before), policy(&c.after));
            if c.after.is_some() && after.is_none() {
                return skip(
                    "not applied: the attached policy's id is known after apply".to_owned(),
                );
            }
            let mut push = |policy: String, attach: bool| {
                out.changes.org_attachments.push(OrgAttachment {
                    target: target.clone(),
                    kind,
                    policy,
                    attach,
                });
            };
            if let Some(b) = before.filter(|b| after.as_ref() != Some(b)) {
                push(b, false);
            }
            if let Some(a) = after {
                push(a, true);
            }
        }
        ChangeKind::LambdaPermission => {
            skip(
                "not applied: a statement added to a function's policy is not evaluated yet"
                    .to_owned(),
            );
        }
        ChangeKind::PermissionSetInlinePolicy => {
            skip(
                "not applied: IAM Identity Center permission sets are not in snapshots".to_owned(),
            );
        }
    }
}

/// The ARN of the resource whose policy a change sets, as the snapshot knows it.
fn resource_arn(snapshot: &Snapshot, c: &PolicyChange) -> Option<String> {
    let name = c.target.name.known()?;
    match c.target.kind {
        TargetKind::Role => snapshot
            .roles
            .iter()
            .find(|r| r.name == name || r.arn == name)
            .map(|r| r.arn.clone()),
        TargetKind::Bucket => Some(if name.starts_with("arn:") {
            name.to_owned()
        } else {
            format!("arn:aws:s3:::{name}")
        }),
        TargetKind::Key => snapshot
            .keys
            .values()
            .find(|k| k.id == name || k.arn.as_deref() == Some(name))
            .and_then(|k| k.arn.clone())
            .or_else(|| name.starts_with("arn:").then(|| name.to_owned())),
        // https://sqs.REGION.amazonaws.com/ACCOUNT/NAME
        TargetKind::Queue => match name.strip_prefix("https://sqs.") {
            Some(rest) => {
                let (host, path) = rest.split_once('/')?;
                let region = host.split('.').next()?;
                let (account, queue) = path.split_once('/')?;
                Some(format!("arn:aws:sqs:{region}:{account}:{queue}"))
            }
            None => name.starts_with("arn:").then(|| name.to_owned()),
        },
        TargetKind::Topic | TargetKind::Secret => name.starts_with("arn:").then(|| name.to_owned()),
        _ => None,
    }
}

/// Reads the IaC files at `paths` and adds their changes to `changes` (`--plan`, with
/// `simulate` and `replay`); returns the notes of what was not applied.
pub fn apply_iac_files(
    map: &mut SourceMap,
    snapshot: &Snapshot,
    paths: &[std::path::PathBuf],
    options: &ReadOptions,
    changes: &mut Changes,
) -> Result<Vec<String>, Diagnostics> {
    let mut sets = Vec::new();
    for path in paths {
        sets.extend(read_iac(map, path, Some(snapshot), options)?);
    }
    let lowered = lower(map, snapshot, sets);
    let c = lowered.changes;
    changes.scoped.extend(c.scoped);
    changes.managed_documents.extend(c.managed_documents);
    changes.resource_policies.extend(c.resource_policies);
    changes.org_policies.extend(c.org_policies);
    changes.org_attachments.extend(c.org_attachments);
    Ok(lowered.not_applied)
}
