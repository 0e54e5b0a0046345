//! Finding the policies in a file: a policy document, a scenario file, or an AWS CLI output
//! (the snapshot formats, and the outputs of `get-role`, `get-role-policy`,
//! `get-policy-version`, `get-bucket-policy`, `get-key-policy`).

use std::path::Path;

use iamwhy_core::{PolicyKind, SourceId, SourceMap, Span};
use iamwhy_policy::json::{self, JsonValue};
use iamwhy_policy::{LenientParse, parse_policy_value_lenient};
use iamwhy_snapshot::{DocRef, Snapshot};

use crate::types::{TypeOrigin, guess};
use crate::{Finding, LintOptions};

/// A policy found in a file.
pub(crate) struct Located {
    /// Which policy of the file, for the report.
    pub(crate) label: Option<String>,
    /// A source holding exactly the policy's JSON value.
    pub(crate) source: SourceId,
    pub(crate) policy_kind: PolicyKind,
    pub(crate) origin: TypeOrigin,
    /// The account the policy belongs to, when the file says.
    pub(crate) account: Option<String>,
    /// The document, when finding it meant parsing it already.
    pub(crate) parsed: Option<LenientParse>,
    /// Where the policy is written in a Terraform plan or CloudFormation template:
    /// `aws_kms_key.backup.policy`, `BackupKey.Properties.KeyPolicy`.
    pub(crate) place: Option<String>,
    /// Parts of the document that the file cannot tell (placeholders); findings inside them
    /// say nothing of the deployed policy and are dropped.
    pub(crate) unresolved: Vec<Span>,
}

/// What a file holds.
pub(crate) struct Found {
    pub(crate) policies: Vec<Located>,
    /// Problems with the file itself.
    pub(crate) findings: Vec<Finding>,
}

/// The keys of a scenario file that hold policies, with the type of their policies (the
/// resource policy's type depends on the resource).
const SCENARIO_POLICY_KEYS: &[(&str, Option<PolicyKind>, Shape)] = &[
    ("identity_policies", Some(PolicyKind::Identity), Shape::List),
    (
        "permissions_boundary",
        Some(PolicyKind::PermissionsBoundary),
        Shape::One,
    ),
    ("session_policies", Some(PolicyKind::Session), Shape::List),
    ("resource_policy", None, Shape::One),
    ("scps", Some(PolicyKind::Scp), Shape::Levels),
    ("rcps", Some(PolicyKind::Rcp), Shape::Levels),
    (
        "vpc_endpoint_policies",
        Some(PolicyKind::VpcEndpoint),
        Shape::List,
    ),
];

#[derive(Clone, Copy)]
enum Shape {
    One,
    List,
    Levels,
}

pub(crate) fn locate(
    map: &mut SourceMap,
    source: SourceId,
    rel_path: &Path,
    options: &LintOptions,
) -> Found {
    let text = map.text_arc(source).unwrap_or_else(|| "".into());
    if json::looks_percent_encoded(&text) {
        return plain(map, source, None, options);
    }
    let value = match json::parse(source, &text) {
        Ok(v) => v,
        Err(_) if iamwhy_iac::recognise(&text) == Some(iamwhy_iac::Format::CloudFormationYaml) => {
            return iac(map, source, options);
        }
        Err(d) => {
            return Found {
                policies: Vec::new(),
                findings: vec![Finding::from_diagnostic(d)],
            };
        }
    };
    let is_document = match &value {
        JsonValue::Object(o) => json::member(&o.properties, "Statement").is_some(),
        JsonValue::StringLit(_) => true,
        _ => false,
    };
    if is_document {
        return plain(map, source, Some(&value), options);
    }
    if let JsonValue::Object(o) = &value {
        let members: Vec<(&str, bool)> = o
            .properties
            .iter()
            .map(|p| (json::key(p), matches!(p.value, JsonValue::Object(_))))
            .collect();
        if iamwhy_iac::recognise_members(&members).is_some() {
            return iac(map, source, options);
        }
    }
    if is_scenario(&value) {
        let policies = scenario(map, source, &value);
        return Found {
            policies,
            findings: Vec::new(),
        };
    }
    let (mut policies, recognised) = cli_output(map, source, &text, rel_path);
    if policies.is_empty() {
        policies = single_output(map, source, &value, options);
    }
    // A snapshot file without policies (`describe-key`, `get-bucket-encryption`) is fine.
    let findings = if policies.is_empty() && !recognised {
        vec![
            Finding::new(
                "not-a-policy",
                "no policy document here: expected a policy (`Statement`), a scenario file, or an AWS CLI output that holds policies",
                Span::new(source, 0, 0),
            )
            .with_help("docs/snapshot.md lists the AWS CLI outputs iamwhy reads"),
        ]
    } else {
        Vec::new()
    };
    Found { policies, findings }
}

/// A Terraform plan or state, or a CloudFormation template: the document of every policy
/// it leaves in place (the `after` side of each change), typed by where it sits.
fn iac(map: &mut SourceMap, source: SourceId, options: &LintOptions) -> Found {
    let read_options = iamwhy_iac::ReadOptions {
        account: options.account.clone(),
        region: options.region.clone(),
    };
    let Some(set) = iamwhy_iac::read_source(map, source, &read_options) else {
        return Found {
            policies: Vec::new(),
            findings: Vec::new(),
        };
    };
    let findings = set
        .diagnostics
        .into_iter()
        .map(Finding::from_diagnostic)
        .collect();
    let mut policies = Vec::new();
    for change in set.changes {
        let (Some(iamwhy_iac::Content::Document(doc)), Some(policy_kind)) =
            (change.after, change.policy_kind)
        else {
            continue;
        };
        let name = change
            .name
            .as_ref()
            .map_or(String::new(), |n| format!(" `{n}`"));
        policies.push(Located {
            label: Some(format!(
                "{}: {}{name} of {}",
                change.place,
                change.kind.as_str().replace('-', " "),
                change.target
            )),
            source: doc.source,
            policy_kind,
            origin: TypeOrigin::Context,
            account: None,
            parsed: None,
            place: Some(change.place.to_string()),
            unresolved: doc.unresolved.iter().map(|u| u.span).collect(),
        });
    }
    Found { policies, findings }
}

/// A file that is one policy document; `value` is its JSON when already read.
fn plain(
    map: &mut SourceMap,
    source: SourceId,
    value: Option<&JsonValue<'_>>,
    options: &LintOptions,
) -> Found {
    let (policy_kind, origin) = match (options.policy_kind, value) {
        (Some(t), _) => (t, TypeOrigin::Given),
        (None, Some(v @ JsonValue::Object(_))) => {
            let (t, reason) = guess(v);
            (t, TypeOrigin::Guessed { reason })
        }
        (None, _) => {
            let (t, reason) = guess_source(map, source);
            (t, TypeOrigin::Guessed { reason })
        }
    };
    let parsed = value.map(|v| parse_policy_value_lenient(map, source, v, policy_kind));
    Found {
        policies: vec![Located {
            label: None,
            source,
            policy_kind,
            origin,
            account: None,
            parsed,
            place: None,
            unresolved: Vec::new(),
        }],
        findings: Vec::new(),
    }
}

/// Guesses the type of the document in `source`, decoding a JSON string or URL-encoded text
/// first.
fn guess_source(map: &SourceMap, source: SourceId) -> (PolicyKind, String) {
    let mut text = map.text(source).to_owned();
    // At most two layers: a JSON string holding URL-encoded text.
    for _ in 0..3 {
        if json::looks_percent_encoded(&text) {
            let offsets: Vec<u32> = (0..=u32::try_from(text.len()).unwrap_or(u32::MAX)).collect();
            match json::decode_percent(&text, &offsets) {
                Some((decoded, _)) => text = decoded,
                None => break,
            }
            continue;
        }
        let decoded = match json::parse(SourceId::DETACHED, &text) {
            Ok(JsonValue::StringLit(lit)) => {
                json::decode_string_literal(&text, lit.range.start, lit.range.end)
            }
            Ok(value) => return guess(&value),
            Err(_) => None,
        };
        match decoded {
            Some((inner, _)) => text = inner,
            None => break,
        }
    }
    (
        PolicyKind::Identity,
        "the document could not be read to guess its type".to_owned(),
    )
}

fn is_scenario(value: &JsonValue<'_>) -> bool {
    let object = |v: &JsonValue<'_>| match v {
        JsonValue::Object(o) => o.properties.iter().any(|p| {
            let k = json::key(p);
            k == "principal" || SCENARIO_POLICY_KEYS.iter().any(|(key, _, _)| *key == k)
        }),
        _ => false,
    };
    match value {
        JsonValue::Array(a) => a.elements.first().is_some_and(object),
        other => object(other),
    }
}

fn scenario(map: &mut SourceMap, source: SourceId, value: &JsonValue<'_>) -> Vec<Located> {
    let items: Vec<&JsonValue<'_>> = match value {
        JsonValue::Array(a) => a.elements.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let JsonValue::Object(o) = item else { continue };
        let name = match json::member(&o.properties, "name") {
            Some(JsonValue::StringLit(s)) => format!("scenario `{}`", s.value),
            _ => format!("scenario {}", n.saturating_add(1)),
        };
        let resource_type = resource_policy_kind(json::member(&o.properties, "resource"));
        for (key, policy_kind, shape) in SCENARIO_POLICY_KEYS {
            let Some(v) = json::member(&o.properties, key) else {
                continue;
            };
            let policy_kind = policy_kind.unwrap_or(resource_type);
            let mut entries: Vec<(String, &JsonValue<'_>)> = Vec::new();
            match (shape, v) {
                (Shape::One, v) => entries.push(((*key).to_owned(), v)),
                (Shape::List, JsonValue::Array(a)) => {
                    for (i, e) in a.elements.iter().enumerate() {
                        entries.push((format!("{key}[{i}]"), e));
                    }
                }
                (Shape::Levels, JsonValue::Array(levels)) => {
                    for (i, level) in levels.elements.iter().enumerate() {
                        if let JsonValue::Array(a) = level {
                            for (j, e) in a.elements.iter().enumerate() {
                                entries.push((format!("{key}[{i}][{j}]"), e));
                            }
                        }
                    }
                }
                // The scenario parser reports wrong shapes.
                _ => {}
            }
            for (path, entry) in entries {
                let (document, label) = match entry {
                    // A managed policy by ARN: nothing of it is in this file.
                    JsonValue::StringLit(s) if s.value.starts_with("arn:") => continue,
                    JsonValue::Object(w) => match json::member(&w.properties, "document") {
                        Some(d) => {
                            let label = match json::member(&w.properties, "name") {
                                Some(JsonValue::StringLit(s)) => format!("{path} `{}`", s.value),
                                _ => path,
                            };
                            (d, label)
                        }
                        None if json::member(&w.properties, "arn").is_some() => continue,
                        None => (entry, path),
                    },
                    other => (other, path),
                };
                let range = json::span(source, document);
                let Some(slice) = map.add_slice(source, range.start as usize, range.end as usize)
                else {
                    continue;
                };
                out.push(Located {
                    label: Some(format!("{name}: {label}")),
                    source: slice,
                    policy_kind,
                    origin: TypeOrigin::Context,
                    account: None,
                    parsed: None,
                    place: None,
                    unresolved: Vec::new(),
                });
            }
        }
    }
    out
}

/// The type of a scenario's resource policy, from its resource: a role's trust policy, a
/// key policy, a bucket policy, or another resource-based policy.
fn resource_policy_kind(resource: Option<&JsonValue<'_>>) -> PolicyKind {
    let arns = resource.map(crate::types::strings).unwrap_or_default();
    let all = |f: &dyn Fn(&str) -> bool| !arns.is_empty() && arns.iter().all(|a| f(a));
    if all(&|a| a.starts_with("arn:") && a.contains(":iam::") && a.contains(":role/")) {
        PolicyKind::TrustPolicy
    } else if all(&|a| a.starts_with("arn:") && a.contains(":kms:") && a.contains(":key/")) {
        PolicyKind::KeyPolicy
    } else if all(&|a| a.starts_with("arn:") && a.contains(":s3:::")) {
        PolicyKind::BucketPolicy
    } else {
        PolicyKind::Resource
    }
}

/// The policies of an AWS CLI output in the snapshot formats (docs/snapshot.md), and whether
/// the snapshot loader recognised the file at all.
fn cli_output(
    map: &mut SourceMap,
    source: SourceId,
    text: &str,
    rel_path: &Path,
) -> (Vec<Located>, bool) {
    let snapshot: Snapshot = iamwhy_snapshot::load_texts(
        Path::new(""),
        [(rel_path.to_path_buf(), text.to_owned())],
        map,
    );
    let mut docs: Vec<(String, DocRef, PolicyKind, Option<String>)> = Vec::new();
    let mut inline = |owner: String, list: &[iamwhy_snapshot::InlinePolicy]| {
        for p in list {
            docs.push((
                format!("{owner}, inline policy `{}`", p.name),
                p.document,
                PolicyKind::Identity,
                None,
            ));
        }
    };
    for u in &snapshot.users {
        inline(format!("user `{}`", u.name), &u.inline);
    }
    for g in &snapshot.groups {
        inline(format!("group `{}`", g.name), &g.inline);
    }
    for r in &snapshot.roles {
        inline(format!("role `{}`", r.name), &r.inline);
    }
    for r in &snapshot.roles {
        let account = r.arn.split(':').nth(4).map(str::to_owned);
        if let Some(t) = r.trust {
            docs.push((
                format!("role `{}`", r.name),
                t,
                PolicyKind::TrustPolicy,
                account,
            ));
        }
    }
    for m in snapshot.managed.values() {
        // AWS's own policies: nothing the account can change.
        if m.arn.contains(":iam::aws:policy/") {
            continue;
        }
        if let Some(d) = m.document {
            docs.push((
                format!("managed policy `{}`", m.name),
                d,
                PolicyKind::Identity,
                None,
            ));
        }
    }
    for (name, b) in &snapshot.buckets {
        if let Some(d) = b.policy {
            docs.push((
                format!("bucket `{name}`"),
                d,
                PolicyKind::BucketPolicy,
                None,
            ));
        }
    }
    for (id, k) in &snapshot.keys {
        if let Some(d) = k.policy {
            docs.push((format!("key `{id}`"), d, PolicyKind::KeyPolicy, None));
        }
    }
    if let Some(org) = &snapshot.organization {
        for p in org.policies.values() {
            // The snapshot keeps only SCPs and RCPs.
            let what = if p.kind == PolicyKind::Rcp {
                "RCP"
            } else {
                "SCP"
            };
            docs.push((format!("{what} `{}`", p.name), p.content, p.kind, None));
        }
    }
    for r in &snapshot.resource_policies {
        if let Some(d) = r.document {
            docs.push((
                format!("`{}`", r.arn),
                d,
                PolicyKind::Resource,
                r.arn.split(':').nth(4).map(str::to_owned),
            ));
        }
    }
    docs.sort_by_key(|d| (d.1.source, d.1.start));
    let located = docs
        .into_iter()
        .filter_map(|(label, doc, policy_kind, account)| {
            // The loader read its own copy of the text: the same bytes, so its offsets are
            // offsets of the file as registered by the caller (and named as the caller named
            // it).
            let source = map.add_slice(source, doc.start as usize, doc.end as usize)?;
            Some(Located {
                label: Some(label),
                source,
                policy_kind,
                origin: TypeOrigin::Context,
                account,
                parsed: None,
                place: None,
                unresolved: Vec::new(),
            })
        })
        .collect();
    (located, snapshot.files_loaded > 0)
}

/// Outputs of single-policy commands that the snapshot does not keep: `get-role`,
/// `get-user-policy`/`get-role-policy`/`get-group-policy`, `get-policy-version`, and a
/// `get-bucket-policy` or `get-key-policy` output outside the snapshot's folders.
fn single_output(
    map: &mut SourceMap,
    source: SourceId,
    value: &JsonValue<'_>,
    options: &LintOptions,
) -> Vec<Located> {
    let JsonValue::Object(o) = value else {
        return Vec::new();
    };
    let get = |k: &str| json::member(&o.properties, k);
    let string = |v: Option<&JsonValue<'_>>| match v {
        Some(JsonValue::StringLit(s)) => Some(s.value.to_string()),
        _ => None,
    };
    let nested = |outer: &str, inner: &str| match get(outer) {
        Some(JsonValue::Object(i)) => json::member(&i.properties, inner),
        _ => None,
    };
    let mut found: Vec<(String, &JsonValue<'_>, Option<PolicyKind>, Option<String>)> = Vec::new();
    if let Some(doc) = nested("Role", "AssumeRolePolicyDocument") {
        let (name, arn) = match get("Role") {
            Some(JsonValue::Object(r)) => (
                string(json::member(&r.properties, "RoleName")),
                string(json::member(&r.properties, "Arn")),
            ),
            _ => (None, None),
        };
        let account = arn.and_then(|a| a.split(':').nth(4).map(str::to_owned));
        found.push((
            format!("role `{}`", name.unwrap_or_default()),
            doc,
            Some(PolicyKind::TrustPolicy),
            account,
        ));
    } else if let Some(doc) = get("PolicyDocument") {
        let name = string(get("PolicyName")).unwrap_or_default();
        found.push((
            format!("inline policy `{name}`"),
            doc,
            Some(PolicyKind::Identity),
            None,
        ));
    } else if let Some(doc) = nested("PolicyVersion", "Document") {
        found.push((
            "managed policy version".to_owned(),
            doc,
            Some(PolicyKind::Identity),
            None,
        ));
    } else if let Some(doc) = get("Policy") {
        found.push(("`Policy`".to_owned(), doc, None, None));
    }
    found
        .into_iter()
        .filter_map(|(label, doc, policy_kind, account)| {
            let range = json::span(source, doc);
            let slice = map.add_slice(source, range.start as usize, range.end as usize)?;
            let (policy_kind, origin) = match (policy_kind, options.policy_kind) {
                (Some(t), _) => (t, TypeOrigin::Context),
                (None, Some(t)) => (t, TypeOrigin::Given),
                (None, None) => {
                    let (t, reason) = guess_source(map, slice);
                    (t, TypeOrigin::Guessed { reason })
                }
            };
            Some(Located {
                label: Some(label),
                source: slice,
                policy_kind,
                origin,
                account,
                parsed: None,
                place: None,
                unresolved: Vec::new(),
            })
        })
        .collect()
}
