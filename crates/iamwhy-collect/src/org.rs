//! The organization: its description, roots, and for each account collected the path of
//! parents up to the root with the SCPs and RCPs attached at each level, and every policy
//! those lists name. Written to `organizations/` (docs/snapshot.md, Layout).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use aws_config::SdkConfig;
use aws_sdk_organizations::types::PolicyType;

use crate::call::{call, file_name, write};
use crate::ops::Op;
use crate::record::Recorder;
use crate::shape;

/// Organizations allows five levels of OUs under the root; a longer chain is an error of the
/// answer, not a deeper tree.
const MAX_DEPTH: usize = 10;

/// What the organization part learned.
#[derive(Default)]
pub(crate) struct OrgFacts {
    /// The organization could be read (`describe-organization` succeeded).
    pub(crate) described: bool,
    /// Every account `list-accounts` named (with `list_accounts` only).
    pub(crate) accounts: Vec<String>,
}

/// Reads the organization into `dir` (`.../organizations`). With `list_accounts` the member
/// accounts are listed and their paths walked (those of `only`, when given); without, the
/// paths of `only` are walked.
pub(crate) async fn collect(
    config: &SdkConfig,
    dir: &Path,
    rec: &Recorder,
    list_accounts: bool,
    only: &[String],
) -> OrgFacts {
    let mut facts = OrgFacts::default();
    rec.step("organizations");
    let orgs = aws_sdk_organizations::Client::new(config);
    let described = call(
        rec,
        Op::DescribeOrganization,
        "",
        &["AWSOrganizationsNotInUseException"],
        orgs.describe_organization().send(),
    )
    .await;
    let Some(d) = described else {
        rec.note("the account is not in an organization, or its organization cannot be read: no SCPs or RCPs in this snapshot".to_owned());
        return facts;
    };
    facts.described = true;
    if let Some(v) = shape::organization(&d) {
        write(rec, &dir.join("organization.json"), &v);
    }
    let roots = orgs.list_roots().into_paginator().send().try_collect();
    let Some(pages) = call(rec, Op::ListRoots, "", &[], roots).await else {
        rec.note("list-roots failed (only the management account or a delegated administrator may call it): no SCPs or RCPs in this snapshot".to_owned());
        return facts;
    };
    write(rec, &dir.join("roots.json"), &shape::roots(&pages));

    let mut walk: Vec<String> = only.to_vec();
    if list_accounts {
        let list = orgs.list_accounts().into_paginator().send().try_collect();
        if let Some(pages) = call(rec, Op::ListAccounts, "", &[], list).await {
            facts.accounts = pages
                .iter()
                .flat_map(|p| p.accounts())
                .filter_map(|a| a.id().map(str::to_owned))
                .collect();
            facts.accounts.sort();
            facts.accounts.dedup();
            if only.is_empty() {
                walk.clone_from(&facts.accounts);
            }
        }
    }

    // Walk up from each account; an OU shared by many accounts is asked once.
    let mut parent_of: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut targets: BTreeSet<String> = BTreeSet::new();
    for account in &walk {
        rec.step(&format!("organizations: path of {account}"));
        let mut child = account.clone();
        for _ in 0..MAX_DEPTH {
            targets.insert(child.clone());
            let parent = match parent_of.get(&child) {
                Some(p) => p.clone(),
                None => {
                    let list = orgs
                        .list_parents()
                        .child_id(&child)
                        .into_paginator()
                        .send()
                        .try_collect();
                    let p = match call(rec, Op::ListParents, &child, &[], list).await {
                        Some(pages) => {
                            write(
                                rec,
                                &dir.join("targets")
                                    .join(file_name(&child))
                                    .join("parents.json"),
                                &shape::parents(&pages),
                            );
                            pages.iter().flat_map(|p| p.parents()).next().map(|p| {
                                (
                                    p.id().map(str::to_owned),
                                    p.r#type().map(|t| t.as_str() == "ROOT"),
                                )
                            })
                        }
                        None => None,
                    };
                    let next = match p {
                        Some((Some(id), Some(true))) => {
                            targets.insert(id);
                            None
                        }
                        Some((Some(id), _)) => Some(id),
                        _ => None,
                    };
                    parent_of.insert(child.clone(), next.clone());
                    next
                }
            };
            match parent {
                Some(p) => child = p,
                None => break,
            }
        }
    }

    let mut policy_ids: BTreeSet<String> = BTreeSet::new();
    for target in &targets {
        rec.step(&format!("organizations: policies of {target}"));
        for (file, filter) in [
            ("scps.json", PolicyType::ServiceControlPolicy),
            ("rcps.json", PolicyType::ResourceControlPolicy),
        ] {
            let list = orgs
                .list_policies_for_target()
                .target_id(target)
                .filter(filter)
                .into_paginator()
                .send()
                .try_collect();
            if let Some(pages) = call(rec, Op::ListPoliciesForTarget, target, &[], list).await {
                policy_ids.extend(
                    pages
                        .iter()
                        .flat_map(|p| p.policies())
                        .filter_map(|p| p.id().map(str::to_owned)),
                );
                write(
                    rec,
                    &dir.join("targets").join(file_name(target)).join(file),
                    &shape::policies_for_target(&pages),
                );
            }
        }
    }
    for id in &policy_ids {
        let d = orgs.describe_policy().policy_id(id).send();
        if let Some(o) = call(rec, Op::DescribePolicy, id, &[], d).await
            && let Some(v) = shape::describe_policy(&o)
        {
            write(
                rec,
                &dir.join("policies").join(format!("{}.json", file_name(id))),
                &v,
            );
        }
    }
    facts
}
