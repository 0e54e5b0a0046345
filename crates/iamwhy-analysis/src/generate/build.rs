//! From what the calls needed to policy statements, generalised by stated rules, and split
//! to fit IAM's size limits.
//!
//! The rules (also in the report's `rules`):
//!
//! 1. Resources are the ARNs the calls named, exactly, while at most `threshold` share a
//!    prefix.
//! 2. Below a resource's root (`arn:aws:s3:::bucket/`), a prefix holding more than
//!    `threshold` calls' resources and branching into more than `threshold` names is granted
//!    by its wildcard (`arn:aws:s3:::bucket/reports/*`); one that branches into fewer is
//!    looked into name by name. The account, Region and resource root are never wildcards,
//!    so a resource type that supports resource-level permissions never gets `*`.
//! 3. An action that supports no resource types is granted on `*` (Service Authorization
//!    Reference).
//! 4. A condition is added where every call the statement covers showed the same values:
//!    `kms:ViaService` (keys used only through a service), `aws:SourceVpce` and
//!    `aws:SourceIp` (one value, at least two calls), `s3:prefix` (listings).
//! 5. Statements group the actions of one service that share resources and conditions.
//! 6. The documents fit IAM's size limit for the policy type (IAM and AWS STS quotas); when
//!    one would not, the statements are split into managed policies of 6,144 characters.

use std::collections::{BTreeMap, BTreeSet};

use iamwhy_catalog::Catalog;

use super::observe::{Network, Use, Values};
use crate::report::generate::{
    Condition, ConditionBasis, ConditionOperator, GeneratedPart, PolicyDocument, PolicyStatement,
    PolicyTarget, ResourceRule, ScopeEntry, StatementBasis, StatementEffect,
};

/// The IAM quotas page, which every size limit comes from.
pub(crate) const QUOTAS: &str = "IAM and AWS STS quotas, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html";

/// Calls that must share one `aws:SourceIp` or `aws:SourceVpce` before it becomes a
/// condition: one call is not a habit.
const CONSTANT_MIN_CALLS: u64 = 2;

/// One resource (or pattern) of one action, after generalisation.
#[derive(Clone, Debug)]
struct Entry {
    pattern: String,
    rule: ResourceRule,
    observed: u64,
    usage: Use,
}

/// A resource's path below its root (split at `/`), its ARN, and how it was used.
type Item<'a> = (Vec<&'a str>, &'a String, &'a Use);

/// The resources of one action, generalised.
fn generalise(action: &str, resources: &BTreeMap<String, Use>, threshold: usize) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut roots: BTreeMap<String, Vec<Item<'_>>> = BTreeMap::new();
    let wildcard_only = Catalog::bundled()
        .action(action)
        .is_some_and(iamwhy_catalog::Action::wildcard_only);
    for (r, u) in resources {
        if r == "*" {
            out.push(Entry {
                pattern: "*".to_owned(),
                rule: if wildcard_only {
                    ResourceRule::NoResourceTypes
                } else {
                    ResourceRule::NotNamed
                },
                observed: 1,
                usage: u.clone(),
            });
            continue;
        }
        let split = r
            .match_indices(':')
            .nth(4)
            .map(|(i, _)| i.saturating_add(1))
            .and_then(|start| {
                let rest = r.get(start..)?;
                let slash = rest.find('/')?;
                let (root, path) = r.split_at_checked(start.checked_add(slash)?.checked_add(1)?)?;
                Some((root, path))
            });
        match split {
            Some((root, path)) if !path.is_empty() => roots
                .entry(root.to_owned())
                .or_default()
                .push((path.split('/').collect(), r, u)),
            _ => out.push(exact(r, u)),
        }
    }
    for (root, items) in roots {
        cover(&root, items, threshold, &mut out);
    }
    out
}

fn exact(r: &str, u: &Use) -> Entry {
    Entry {
        pattern: r.to_owned(),
        rule: if r.ends_with('*') {
            ResourceRule::PrefixWildcard
        } else {
            ResourceRule::ExactArns
        },
        observed: 1,
        usage: u.clone(),
    }
}

/// Rule 2 at one prefix: exact ARNs when few, the prefix's wildcard when it branches into
/// more than `threshold` names, else each branch on its own.
fn cover(
    prefix: &str,
    items: Vec<(Vec<&str>, &String, &Use)>,
    threshold: usize,
    out: &mut Vec<Entry>,
) {
    if items.len() <= threshold {
        out.extend(items.iter().map(|(_, r, u)| exact(r, u)));
        return;
    }
    let mut children: BTreeMap<&str, Vec<Item<'_>>> = BTreeMap::new();
    let mut leaves = Vec::new();
    for (path, r, u) in items {
        match path.split_first() {
            Some((first, rest)) if !rest.is_empty() => {
                children
                    .entry(*first)
                    .or_default()
                    .push((rest.to_vec(), r, u));
            }
            _ => leaves.push((r, u)),
        }
    }
    if children.len().saturating_add(leaves.len()) > threshold {
        let mut usage = Use::default();
        let mut observed = 0u64;
        for (_, u) in &leaves {
            usage.merge(u);
            observed = observed.saturating_add(1);
        }
        for list in children.values() {
            for (_, _, u) in list {
                usage.merge(u);
                observed = observed.saturating_add(1);
            }
        }
        out.push(Entry {
            pattern: format!("{prefix}*"),
            rule: ResourceRule::PrefixWildcard,
            observed,
            usage,
        });
        return;
    }
    out.extend(leaves.iter().map(|(r, u)| exact(r, u)));
    for (name, list) in children {
        cover(&format!("{prefix}{name}/"), list, threshold, out);
    }
}

impl Network {
    /// The one value, when always the same over enough calls.
    fn constant(&self, v: &Values) -> Option<String> {
        match v {
            Values::Some(set) if set.len() == 1 && self.calls >= CONSTANT_MIN_CALLS => {
                set.iter().next().cloned()
            }
            _ => None,
        }
    }
}

/// The condition of an entry (rule 4), and why.
fn condition_of(action: &str, u: &Use, net: &Network) -> (Condition, Vec<ConditionBasis>) {
    let mut c = Condition::new();
    let mut why = Vec::new();
    let mut put = |op: ConditionOperator, key: &str, values: Vec<String>, reason: String| {
        c.entry(op).or_default().insert(key.to_owned(), values);
        why.push(ConditionBasis {
            key: key.to_owned(),
            why: reason,
        });
    };
    let service = action.split(':').next().unwrap_or("");
    if service.eq_ignore_ascii_case("kms")
        && let Values::Some(set) = &u.via
    {
        let list: Vec<String> = set.iter().cloned().collect();
        put(
            ConditionOperator::StringEquals,
            "kms:ViaService",
            list.clone(),
            format!(
                "every use of the key came through {} (AWS KMS condition keys, kms:ViaService, https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service)",
                list.join(", ")
            ),
        );
    }
    // Only on calls the principal made itself: a service calling for it has neither.
    let direct = u.indirect == 0;
    if let Some(vpce) = net.constant(&net.vpce).filter(|_| direct) {
        put(
            ConditionOperator::StringEquals,
            "aws:SourceVpce",
            vec![vpce.clone()],
            format!(
                "all {} calls the principal made itself came through the VPC endpoint {vpce}",
                net.calls
            ),
        );
    } else if let Some(ip) = net.constant(&net.ip).filter(|_| direct) {
        let cidr = if ip.contains(':') {
            format!("{ip}/128")
        } else {
            format!("{ip}/32")
        };
        put(
            ConditionOperator::IpAddress,
            "aws:SourceIp",
            vec![cidr],
            format!(
                "all {} calls the principal made itself came from {ip}",
                net.calls
            ),
        );
    }
    if service.eq_ignore_ascii_case("s3")
        && let Values::Some(set) = &u.prefix
    {
        let list: Vec<String> = set.iter().cloned().collect();
        put(
            ConditionOperator::StringLike,
            "s3:prefix",
            list.clone(),
            "every listing asked for one of these prefixes (Amazon S3 condition key examples, https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html)".to_owned(),
        );
    }
    (c, why)
}

/// The statements of one principal, how each came about, and the scope of its wildcards.
pub(crate) struct Built {
    pub(crate) statements: Vec<PolicyStatement>,
    pub(crate) basis: Vec<StatementBasis>,
    pub(crate) scope: Vec<ScopeEntry>,
}

/// A statement being put together.
#[derive(Default)]
struct Draft {
    actions: BTreeSet<String>,
    rule: Option<ResourceRule>,
    calls: u64,
    hidden: u64,
    conditions: Vec<ConditionBasis>,
    /// Pattern → (rule, observed resources).
    patterns: BTreeMap<String, (ResourceRule, u64)>,
}

/// Rules 1 to 5 over what one principal's calls needed.
pub(crate) fn build(
    needed: &BTreeMap<String, BTreeMap<String, Use>>,
    net: &Network,
    threshold: usize,
) -> Built {
    // (service, condition, resources) → draft.
    type Key = (String, String, Vec<String>);
    let mut drafts: BTreeMap<Key, (Condition, Draft)> = BTreeMap::new();
    for (action, resources) in needed {
        let service = action.split(':').next().unwrap_or("").to_ascii_lowercase();
        // Entries of one action grouped by their condition.
        let mut by_condition: BTreeMap<String, (Condition, Vec<ConditionBasis>, Vec<Entry>)> =
            BTreeMap::new();
        for e in generalise(action, resources, threshold) {
            let (c, why) = condition_of(action, &e.usage, net);
            let text = serde_json::to_string(&c).unwrap_or_default();
            by_condition
                .entry(text)
                .or_insert_with(|| (c, why, Vec::new()))
                .2
                .push(e);
        }
        for (text, (c, why, entries)) in by_condition {
            let patterns: Vec<String> = entries
                .iter()
                .map(|e| e.pattern.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let (_, d) = drafts
                .entry((service.clone(), text, patterns))
                .or_insert_with(|| (c, Draft::default()));
            d.actions.insert(action.clone());
            for e in &entries {
                d.calls = d.calls.saturating_add(e.usage.calls);
                d.hidden = d.hidden.saturating_add(e.usage.hidden);
                d.rule = d.rule.max(Some(e.rule));
                let p = d.patterns.entry(e.pattern.clone()).or_insert((e.rule, 0));
                p.1 = p.1.max(e.observed);
            }
            for w in why {
                if !d.conditions.iter().any(|c| c.key == w.key) {
                    d.conditions.push(w);
                }
            }
        }
    }
    let mut statements = Vec::new();
    let mut basis = Vec::new();
    let mut scope = Vec::new();
    let mut numbers: BTreeMap<String, u32> = BTreeMap::new();
    for ((service, _, resources), (condition, d)) in drafts {
        let n = numbers.entry(service.clone()).or_insert(0);
        *n = n.saturating_add(1);
        let sid = format!("{}{}", pascal(&service), n);
        let actions: Vec<String> = d.actions.into_iter().collect();
        for (pattern, (rule, observed)) in &d.patterns {
            if !pattern.contains('*') {
                continue;
            }
            scope.push(ScopeEntry {
                actions: actions.clone(),
                pattern: pattern.clone(),
                rule: *rule,
                observed_resources: *observed,
                beyond: beyond(*rule, pattern, *observed, &actions),
            });
        }
        basis.push(StatementBasis {
            sid: sid.clone(),
            rule: d.rule.unwrap_or(ResourceRule::ExactArns),
            calls: d.calls,
            hidden_calls: d.hidden,
            conditions: d.conditions,
        });
        statements.push(PolicyStatement {
            sid,
            effect: StatementEffect::Allow,
            action: actions,
            resource: resources,
            condition,
        });
    }
    Built {
        statements,
        basis,
        scope,
    }
}

/// What a wildcard grants beyond the calls, in words.
fn beyond(rule: ResourceRule, pattern: &str, observed: u64, actions: &[String]) -> String {
    match rule {
        ResourceRule::PrefixWildcard => format!(
            "every resource whose ARN starts with `{}`, not only the {observed} the calls touched",
            pattern.trim_end_matches('*')
        ),
        ResourceRule::NoResourceTypes => format!(
            "{} support(s) no resource types, so the grant covers every resource of the service (Service Authorization Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)",
            actions.join(", ")
        ),
        ResourceRule::NotNamed => format!(
            "the records named no resource for {}: `*` allows them on every resource they support",
            actions.join(", ")
        ),
        ResourceRule::ExactArns => String::new(),
    }
}

/// `s3` → `S3`, `cloudformation` → `Cloudformation`, `s3-object-lambda` → `S3ObjectLambda`.
fn pascal(service: &str) -> String {
    service
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The size IAM counts: the document without whitespace outside strings.
pub(crate) fn size_of<T: serde::Serialize>(value: &T) -> usize {
    serde_json::to_string(value).map_or(0, |s| s.len())
}

/// Rule 6: one document when it fits `target`'s limit, else managed policies of 6,144
/// characters (a statement too large for one is split by resources, then by actions).
pub(crate) fn documents(
    statements: Vec<PolicyStatement>,
    target: PolicyTarget,
    name: &str,
) -> (PolicyTarget, Vec<GeneratedPart>) {
    let whole = PolicyDocument {
        version: "2012-10-17",
        statement: statements,
    };
    let size = size_of(&whole);
    if size <= target.limit() {
        return (
            target,
            vec![GeneratedPart {
                name: name.to_owned(),
                size,
                document: whole,
            }],
        );
    }
    let limit = PolicyTarget::Managed.limit();
    let empty = size_of(&PolicyDocument {
        version: "2012-10-17",
        statement: Vec::new(),
    });
    let mut pieces = Vec::new();
    for s in whole.statement {
        split_statement(s, limit.saturating_sub(empty), &mut pieces);
    }
    let mut parts: Vec<Vec<PolicyStatement>> = Vec::new();
    let mut used = 0usize;
    for s in pieces {
        // One more statement costs its size and a comma.
        let cost = size_of(&s).saturating_add(1);
        match parts.last_mut() {
            Some(last) if used.saturating_add(cost).saturating_add(empty) <= limit => {
                last.push(s);
                used = used.saturating_add(cost);
            }
            _ => {
                parts.push(vec![s]);
                used = cost;
            }
        }
    }
    let out = parts
        .into_iter()
        .enumerate()
        .map(|(i, statement)| {
            let document = PolicyDocument {
                version: "2012-10-17",
                statement,
            };
            GeneratedPart {
                name: format!("{name}-{}", i.saturating_add(1)),
                size: size_of(&document),
                document,
            }
        })
        .collect();
    (PolicyTarget::Managed, out)
}

/// Splits a statement larger than `room` by halving its resources, then its actions; a
/// statement of one action and one resource is kept whole.
fn split_statement(s: PolicyStatement, room: usize, out: &mut Vec<PolicyStatement>) {
    if size_of(&s) <= room {
        out.push(s);
        return;
    }
    let halves = |list: &[String]| {
        let mid = list.len() / 2;
        (
            list.get(..mid).unwrap_or_default().to_vec(),
            list.get(mid..).unwrap_or_default().to_vec(),
        )
    };
    if s.resource.len() > 1 {
        let (a, b) = halves(&s.resource);
        for (i, r) in [a, b].into_iter().enumerate() {
            let mut part = s.clone();
            part.sid = format!("{}{}", s.sid, if i == 0 { "a" } else { "b" });
            part.resource = r;
            split_statement(part, room, out);
        }
    } else if s.action.len() > 1 {
        let (a, b) = halves(&s.action);
        for (i, act) in [a, b].into_iter().enumerate() {
            let mut part = s.clone();
            part.sid = format!("{}{}", s.sid, if i == 0 { "a" } else { "b" });
            part.action = act;
            split_statement(part, room, out);
        }
    } else {
        out.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uses(list: &[&str]) -> BTreeMap<String, Use> {
        list.iter()
            .map(|r| {
                (
                    (*r).to_owned(),
                    Use {
                        calls: 1,
                        ..Use::default()
                    },
                )
            })
            .collect()
    }

    #[test]
    fn few_objects_stay_exact() {
        let e = generalise(
            "s3:GetObject",
            &uses(&["arn:aws:s3:::b/r/1", "arn:aws:s3:::b/r/2"]),
            3,
        );
        assert_eq!(e.len(), 2);
        assert!(e.iter().all(|e| e.rule == ResourceRule::ExactArns));
    }

    #[test]
    fn many_objects_under_two_prefixes_get_two_wildcards() {
        let mut list = Vec::new();
        for i in 0..10 {
            list.push(format!("arn:aws:s3:::b/reports/daily/{i}.csv"));
            list.push(format!("arn:aws:s3:::b/exports/{i}.json"));
        }
        let refs: Vec<&str> = list.iter().map(String::as_str).collect();
        let e = generalise("s3:GetObject", &uses(&refs), 3);
        let patterns: Vec<&str> = e.iter().map(|e| e.pattern.as_str()).collect();
        assert_eq!(
            patterns,
            ["arn:aws:s3:::b/exports/*", "arn:aws:s3:::b/reports/daily/*"]
        );
    }

    #[test]
    fn wildcard_only_actions_go_on_star() {
        let e = generalise("ec2:DescribeInstances", &uses(&["*"]), 3);
        assert_eq!(e[0].rule, ResourceRule::NoResourceTypes);
    }

    #[test]
    fn oversized_documents_split_into_managed_policies() {
        let resources: Vec<String> = (0..600)
            .map(|i| format!("arn:aws:s3:::bucket-with-a-long-name/{i}/object.csv"))
            .collect();
        let s = PolicyStatement {
            sid: "S31".into(),
            effect: StatementEffect::Allow,
            action: vec!["s3:GetObject".into()],
            resource: resources,
            condition: Condition::new(),
        };
        let (target, parts) = documents(vec![s], PolicyTarget::RoleInline, "g");
        assert_eq!(target, PolicyTarget::Managed);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.size <= 6_144));
        let total: usize = parts
            .iter()
            .map(|p| {
                p.document
                    .statement
                    .iter()
                    .map(|s| s.resource.len())
                    .sum::<usize>()
            })
            .sum();
        assert_eq!(total, 600);
    }
}
