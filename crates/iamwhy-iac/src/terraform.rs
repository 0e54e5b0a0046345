//! `terraform show -json` output: a plan's `resource_changes` (each with `change.actions`,
//! `before`, `after` and `after_unknown`), else the resources of `planned_values` or of a
//! state's `values` (modules read through `child_modules`, recursively), taken as unchanged.
//!
//! Format: "JSON Output Format", Terraform CLI documentation
//! (<https://developer.hashicorp.com/terraform/internals/json-format>). Resource attributes:
//! the AWS provider's resource documentation
//! (<https://registry.terraform.io/providers/hashicorp/aws/latest/docs>). Policy attributes
//! are strings holding JSON (what `jsonencode` and `aws_iam_policy_document` produce); each
//! is decoded with a map from every decoded byte back to the plan.

use iamwhy_core::{Diagnostic, PolicyKind, SourceId, SourceMap, Span};
use iamwhy_policy::json::{self, JsonValue};
use jsonc_parser::ast::Object;

use crate::ReadOptions;
use crate::emit::{Emitter, offset};
use crate::model::{
    Action, ChangeKind, ChangeSet, Content, OrganizationsPolicyType, Place, PolicyChange, Target,
    TargetKind, Unknown, Value,
};

pub(crate) fn read(
    map: &mut SourceMap,
    source: SourceId,
    text: &str,
    options: &ReadOptions,
    set: &mut ChangeSet,
) {
    let root = match json::parse(source, text) {
        Ok(v) => v,
        Err(d) => {
            set.diagnostics.push(d);
            return;
        }
    };
    let JsonValue::Object(root) = &root else {
        return;
    };
    let mut reader = Reader {
        map,
        source,
        text,
        options,
        out: Vec::new(),
        diagnostics: Vec::new(),
    };
    if let Some(JsonValue::Array(changes)) = json::member(&root.properties, "resource_changes") {
        for rc in &changes.elements {
            reader.resource_change(rc);
        }
    } else {
        // A plan without changes, or a state: every resource as it is.
        let values = json::member(&root.properties, "planned_values")
            .or_else(|| json::member(&root.properties, "values"));
        if let Some(JsonValue::Object(values)) = values
            && let Some(JsonValue::Object(module)) = json::member(&values.properties, "root_module")
        {
            reader.module(module, 0);
        }
    }
    if let Some(JsonValue::Object(config)) = json::member(&root.properties, "configuration") {
        link_attachments(config, &mut reader.out);
    }
    set.changes.append(&mut reader.out);
    set.diagnostics.append(&mut reader.diagnostics);
}

/// An attachment whose `policy_id` is known only after apply, because the plan creates the
/// policy too (`policy_id = aws_organizations_policy.x.id`): the plan's `configuration`
/// names the policy it refers to ("JSON Output Format", the `expressions` of a resource's
/// configuration: `references`), and the attachment takes that policy's name and type.
fn link_attachments(config: &Object<'_>, out: &mut [PolicyChange]) {
    let mut references = Vec::new();
    if let Some(JsonValue::Object(root)) = json::member(&config.properties, "root_module") {
        policy_references(root, "", 0, &mut references);
    }
    for (attachment, policy) in references {
        let Some((name, kind)) = out
            .iter()
            .find(|c| c.kind == ChangeKind::OrganizationsPolicy && c.place.address == policy)
            .map(|c| (c.name.clone(), c.policy_kind))
        else {
            continue;
        };
        for c in out.iter_mut().filter(|c| {
            c.kind == ChangeKind::OrganizationsPolicyAttachment
                && c.place.address == attachment
                && c.name.is_none()
        }) {
            c.name.clone_from(&name);
            if kind.is_some() {
                c.policy_kind = kind;
            }
        }
    }
}

/// The (attachment address, policy address) pairs of a module's configuration and of the
/// modules it calls.
fn policy_references(
    module: &Object<'_>,
    prefix: &str,
    depth: usize,
    out: &mut Vec<(String, String)>,
) {
    if depth > MAX_MODULE_DEPTH {
        return;
    }
    let string = |v: Option<&JsonValue<'_>>| match v {
        Some(JsonValue::StringLit(s)) => Some(s.value.to_string()),
        _ => None,
    };
    if let Some(JsonValue::Array(resources)) = json::member(&module.properties, "resources") {
        for r in &resources.elements {
            let JsonValue::Object(r) = r else { continue };
            if string(json::member(&r.properties, "type")).as_deref()
                != Some("aws_organizations_policy_attachment")
            {
                continue;
            }
            let Some(address) = string(json::member(&r.properties, "address")) else {
                continue;
            };
            let refs = match json::member(&r.properties, "expressions") {
                Some(JsonValue::Object(e)) => match json::member(&e.properties, "policy_id") {
                    Some(JsonValue::Object(p)) => json::member(&p.properties, "references"),
                    _ => None,
                },
                _ => None,
            };
            let Some(JsonValue::Array(refs)) = refs else {
                continue;
            };
            // `["aws_organizations_policy.x.id", "aws_organizations_policy.x"]`.
            let policy = refs.elements.iter().find_map(|v| {
                let text = string(Some(v))?;
                let rest = text.strip_prefix("aws_organizations_policy.")?;
                let name = rest.split('.').next()?;
                Some(format!("{prefix}aws_organizations_policy.{name}"))
            });
            if let Some(policy) = policy {
                out.push((format!("{prefix}{address}"), policy));
            }
        }
    }
    if let Some(JsonValue::Object(calls)) = json::member(&module.properties, "module_calls") {
        for call in &calls.properties {
            let JsonValue::Object(c) = &call.value else {
                continue;
            };
            let Some(JsonValue::Object(m)) = json::member(&c.properties, "module") else {
                continue;
            };
            let name = call.name.as_str();
            policy_references(
                m,
                &format!("{prefix}module.{name}."),
                depth.saturating_add(1),
                out,
            );
        }
    }
}

/// Module nesting deeper than this is not followed (Terraform has no such limit; a plan this
/// deep is hostile input).
const MAX_MODULE_DEPTH: usize = 64;

struct Reader<'m, 't> {
    map: &'m mut SourceMap,
    source: SourceId,
    text: &'t str,
    options: &'t ReadOptions,
    out: Vec<PolicyChange>,
    diagnostics: Vec<Diagnostic>,
}

/// One side of a change: the attribute values, and which of them are unknown.
#[derive(Clone, Copy, Default)]
struct Side<'v, 'a> {
    values: Option<&'v Object<'a>>,
    unknown: Option<&'v JsonValue<'a>>,
}

/// An attribute on one side.
enum Attr<'v, 'a> {
    Absent,
    Unknown,
    Value(&'v JsonValue<'a>),
}

impl<'v, 'a> Side<'v, 'a> {
    fn exists(&self) -> bool {
        self.values.is_some()
    }

    fn attr(&self, key: &str) -> Attr<'v, 'a> {
        if unknown_member(self.unknown, key) {
            return Attr::Unknown;
        }
        match self.values.and_then(|o| json::member(&o.properties, key)) {
            None | Some(JsonValue::NullKeyword(_)) => Attr::Absent,
            Some(v) => Attr::Value(v),
        }
    }

    fn string(&self, key: &str) -> Option<Value> {
        match self.attr(key) {
            Attr::Absent => None,
            Attr::Unknown => Some(Value::Unknown(Unknown::AfterApply)),
            Attr::Value(JsonValue::StringLit(s)) if s.value.is_empty() => None,
            Attr::Value(JsonValue::StringLit(s)) => Some(Value::Known(s.value.to_string())),
            Attr::Value(_) => None,
        }
    }

    /// The members of a list or set attribute, each with whether it is unknown.
    fn strings(&self, key: &str) -> Vec<Value> {
        match self.attr(key) {
            Attr::Value(JsonValue::Array(a)) => a
                .elements
                .iter()
                .enumerate()
                .filter_map(|(i, e)| {
                    if unknown_index(self.unknown, key, i) {
                        return Some(Value::Unknown(Unknown::AfterApply));
                    }
                    match e {
                        JsonValue::StringLit(s) => Some(Value::Known(s.value.to_string())),
                        _ => None,
                    }
                })
                .collect(),
            Attr::Unknown => vec![Value::Unknown(Unknown::AfterApply)],
            _ => Vec::new(),
        }
    }

    /// The nested side of a block list element (`inline_policy[i]`).
    fn block(&self, key: &str, i: usize) -> Side<'v, 'a> {
        let values = match self.values.and_then(|o| json::member(&o.properties, key)) {
            Some(JsonValue::Array(a)) => match a.elements.get(i) {
                Some(JsonValue::Object(o)) => Some(o),
                _ => None,
            },
            _ => None,
        };
        let unknown = match self.unknown {
            Some(JsonValue::Object(u)) => match json::member(&u.properties, key) {
                Some(JsonValue::Array(a)) => a.elements.get(i),
                other => other,
            },
            _ => None,
        };
        Side { values, unknown }
    }

    fn block_len(&self, key: &str) -> usize {
        match self.values.and_then(|o| json::member(&o.properties, key)) {
            Some(JsonValue::Array(a)) => a.elements.len(),
            _ => 0,
        }
    }
}

fn unknown_member(unknown: Option<&JsonValue<'_>>, key: &str) -> bool {
    match unknown {
        Some(JsonValue::BooleanLit(b)) => b.value,
        Some(JsonValue::Object(o)) => {
            matches!(json::member(&o.properties, key), Some(JsonValue::BooleanLit(b)) if b.value)
        }
        _ => false,
    }
}

fn unknown_index(unknown: Option<&JsonValue<'_>>, key: &str, i: usize) -> bool {
    match unknown {
        Some(JsonValue::Object(o)) => match json::member(&o.properties, key) {
            Some(JsonValue::BooleanLit(b)) => b.value,
            Some(JsonValue::Array(a)) => {
                matches!(a.elements.get(i), Some(JsonValue::BooleanLit(b)) if b.value)
            }
            _ => false,
        },
        _ => false,
    }
}

/// A resource as the reader sees it.
struct Resource<'v, 'a> {
    address: String,
    kind: String,
    action: Action,
    before: Side<'v, 'a>,
    after: Side<'v, 'a>,
}

fn parse_actions(actions: Option<&JsonValue<'_>>) -> Option<Action> {
    let JsonValue::Array(a) = actions? else {
        return None;
    };
    let words: Vec<&str> = a
        .elements
        .iter()
        .filter_map(|e| match e {
            JsonValue::StringLit(s) => Some(s.value.as_ref()),
            _ => None,
        })
        .collect();
    match words.as_slice() {
        ["create"] => Some(Action::Create),
        ["update"] => Some(Action::Update),
        ["delete"] => Some(Action::Delete),
        ["no-op"] => Some(Action::NoOp),
        ["delete", "create"] | ["create", "delete"] => Some(Action::Replace),
        // `read` (data sources) and `forget` change nothing in AWS.
        _ => None,
    }
}

impl<'m, 't> Reader<'m, 't> {
    fn resource_change(&mut self, rc: &JsonValue<'_>) {
        let JsonValue::Object(rc) = rc else { return };
        let get = |k: &str| json::member(&rc.properties, k);
        if !matches!(get("mode"), None | Some(JsonValue::StringLit(_)))
            || matches!(get("mode"), Some(JsonValue::StringLit(s)) if s.value != "managed")
        {
            return;
        }
        let (Some(JsonValue::StringLit(address)), Some(JsonValue::StringLit(kind))) =
            (get("address"), get("type"))
        else {
            return;
        };
        let Some(JsonValue::Object(change)) = get("change") else {
            return;
        };
        let c = |k: &str| json::member(&change.properties, k);
        let Some(action) = parse_actions(c("actions")) else {
            return;
        };
        let before = Side {
            values: match c("before") {
                Some(JsonValue::Object(o)) => Some(o),
                _ => None,
            },
            unknown: None,
        };
        let after = Side {
            values: match c("after") {
                Some(JsonValue::Object(o)) => Some(o),
                _ => None,
            },
            unknown: c("after_unknown"),
        };
        let resource = Resource {
            address: address.value.to_string(),
            kind: kind.value.to_string(),
            action,
            before,
            after,
        };
        self.resource(&resource);
    }

    fn module(&mut self, module: &Object<'_>, depth: usize) {
        if depth > MAX_MODULE_DEPTH {
            return;
        }
        if let Some(JsonValue::Array(resources)) = json::member(&module.properties, "resources") {
            for r in &resources.elements {
                let JsonValue::Object(r) = r else { continue };
                let get = |k: &str| json::member(&r.properties, k);
                if matches!(get("mode"), Some(JsonValue::StringLit(s)) if s.value != "managed") {
                    continue;
                }
                let (
                    Some(JsonValue::StringLit(address)),
                    Some(JsonValue::StringLit(kind)),
                    Some(JsonValue::Object(values)),
                ) = (get("address"), get("type"), get("values"))
                else {
                    continue;
                };
                let side = Side {
                    values: Some(values),
                    unknown: None,
                };
                let resource = Resource {
                    address: address.value.to_string(),
                    kind: kind.value.to_string(),
                    action: Action::NoOp,
                    before: side,
                    after: side,
                };
                self.resource(&resource);
            }
        }
        if let Some(JsonValue::Array(children)) = json::member(&module.properties, "child_modules")
        {
            for child in &children.elements {
                if let JsonValue::Object(child) = child {
                    self.module(child, depth.saturating_add(1));
                }
            }
        }
    }

    /// Every policy change of one resource, by its type.
    fn resource(&mut self, r: &Resource<'_, '_>) {
        use ChangeKind as C;
        use PolicyKind as P;
        use TargetKind as T;
        match r.kind.as_str() {
            "aws_iam_policy" => {
                self.document(
                    r,
                    C::ManagedPolicy,
                    P::Identity,
                    (T::ManagedPolicy, &["arn", "name"]),
                    Some("name"),
                    "policy",
                );
            }
            "aws_iam_role_policy" => {
                self.document(
                    r,
                    C::InlinePolicy,
                    P::Identity,
                    (T::Role, &["role"]),
                    Some("name"),
                    "policy",
                );
            }
            "aws_iam_user_policy" => {
                self.document(
                    r,
                    C::InlinePolicy,
                    P::Identity,
                    (T::User, &["user"]),
                    Some("name"),
                    "policy",
                );
            }
            "aws_iam_group_policy" => {
                self.document(
                    r,
                    C::InlinePolicy,
                    P::Identity,
                    (T::Group, &["group"]),
                    Some("name"),
                    "policy",
                );
            }
            "aws_iam_role" => {
                self.document(
                    r,
                    C::TrustPolicy,
                    P::TrustPolicy,
                    (T::Role, &["name"]),
                    None,
                    "assume_role_policy",
                );
                self.role_inline_policies(r);
                self.reference_set(
                    r,
                    C::ManagedPolicyAttachment,
                    P::Identity,
                    (T::Role, &["name"]),
                    "managed_policy_arns",
                );
                self.reference(
                    r,
                    C::PermissionsBoundary,
                    P::PermissionsBoundary,
                    (T::Role, &["name"]),
                    "permissions_boundary",
                );
            }
            "aws_iam_user" => {
                self.reference(
                    r,
                    C::PermissionsBoundary,
                    P::PermissionsBoundary,
                    (T::User, &["name"]),
                    "permissions_boundary",
                );
            }
            "aws_iam_role_policy_attachment" => {
                self.reference(
                    r,
                    C::ManagedPolicyAttachment,
                    P::Identity,
                    (T::Role, &["role"]),
                    "policy_arn",
                );
            }
            "aws_iam_user_policy_attachment" => {
                self.reference(
                    r,
                    C::ManagedPolicyAttachment,
                    P::Identity,
                    (T::User, &["user"]),
                    "policy_arn",
                );
            }
            "aws_iam_group_policy_attachment" => {
                self.reference(
                    r,
                    C::ManagedPolicyAttachment,
                    P::Identity,
                    (T::Group, &["group"]),
                    "policy_arn",
                );
            }
            "aws_iam_policy_attachment" => self.exclusive_attachment(r),
            "aws_s3_bucket_policy" => {
                self.document(
                    r,
                    C::ResourcePolicy,
                    P::BucketPolicy,
                    (T::Bucket, &["bucket"]),
                    None,
                    "policy",
                );
            }
            "aws_kms_key" | "aws_kms_replica_key" => {
                self.document(
                    r,
                    C::ResourcePolicy,
                    P::KeyPolicy,
                    (T::Key, &["arn", "key_id"]),
                    None,
                    "policy",
                );
            }
            "aws_sqs_queue_policy" => {
                self.document(
                    r,
                    C::ResourcePolicy,
                    P::Resource,
                    (T::Queue, &["queue_url"]),
                    None,
                    "policy",
                );
            }
            "aws_sns_topic_policy" => {
                self.document(
                    r,
                    C::ResourcePolicy,
                    P::Resource,
                    (T::Topic, &["arn"]),
                    None,
                    "policy",
                );
            }
            "aws_secretsmanager_secret_policy" => {
                self.document(
                    r,
                    C::ResourcePolicy,
                    P::Resource,
                    (T::Secret, &["secret_arn"]),
                    None,
                    "policy",
                );
            }
            "aws_vpc_endpoint" => {
                self.document(
                    r,
                    C::ResourcePolicy,
                    P::VpcEndpoint,
                    (T::VpcEndpoint, &["service_name", "id"]),
                    None,
                    "policy",
                );
            }
            "aws_lambda_permission" => self.lambda_permission(r),
            "aws_organizations_policy" => self.organizations_policy(r),
            "aws_organizations_policy_attachment" => {
                self.reference(
                    r,
                    C::OrganizationsPolicyAttachment,
                    P::Scp,
                    (T::OrganizationsTarget, &["target_id"]),
                    "policy_id",
                );
            }
            "aws_ssoadmin_permission_set_inline_policy" => {
                self.document(
                    r,
                    C::PermissionSetInlinePolicy,
                    P::Identity,
                    (T::PermissionSet, &["permission_set_arn"]),
                    None,
                    "inline_policy",
                );
            }
            _ => {}
        }
    }

    /// The target named by the first of `keys` known, after the change if it is there,
    /// else before it.
    fn target(r: &Resource<'_, '_>, kind: TargetKind, keys: &[&str]) -> Target {
        let pick = |side: &Side<'_, '_>| -> Option<Value> {
            if !side.exists() {
                return None;
            }
            let values: Vec<Value> = keys.iter().filter_map(|k| side.string(k)).collect();
            let known = values
                .iter()
                .find(|v| matches!(v, Value::Known(_)))
                .cloned();
            known.or_else(|| values.into_iter().next())
        };
        let name = match (pick(&r.after), pick(&r.before)) {
            (Some(v @ Value::Known(_)), _) | (_, Some(v @ Value::Known(_))) => v,
            (Some(v), _) | (None, Some(v)) => v,
            (None, None) => Value::Unknown(Unknown::Missing),
        };
        Target { kind, name }
    }

    fn name(r: &Resource<'_, '_>, key: Option<&str>) -> Option<Value> {
        let key = key?;
        if r.after.exists() {
            r.after.string(key).or_else(|| r.before.string(key))
        } else {
            r.before.string(key)
        }
    }

    fn span_of(side: &Side<'_, '_>, key: &str, source: SourceId) -> Option<Span> {
        side.values
            .and_then(|o| json::member(&o.properties, key))
            .map(|v| json::span(source, v))
    }

    /// An update that leaves the document as it was (other attributes changed) is no change
    /// of the policy.
    fn document_action(
        &self,
        action: Action,
        before: Option<&Content>,
        after: Option<&Content>,
    ) -> Action {
        match (action, before, after) {
            (Action::Update, Some(Content::Document(b)), Some(Content::Document(a)))
                if self.map.text(a.source) == self.map.text(b.source) =>
            {
                Action::NoOp
            }
            _ => action,
        }
    }

    /// The document of a policy attribute on one side.
    fn side_document(&mut self, side: &Side<'_, '_>, key: &str) -> Option<Content> {
        if !side.exists() {
            return None;
        }
        match side.attr(key) {
            Attr::Absent => None,
            Attr::Unknown => Some(Content::Unknown(Unknown::AfterApply)),
            Attr::Value(JsonValue::StringLit(s)) if s.value.trim().is_empty() => None,
            Attr::Value(v @ JsonValue::StringLit(_)) => {
                let range = json::span(self.source, v);
                match json::decode_string_literal(
                    self.text,
                    range.start as usize,
                    range.end as usize,
                ) {
                    Some((decoded, offsets)) => {
                        let id = self.map.add_embedded(self.source, decoded, offsets);
                        Some(Content::Document(crate::model::PolicyText {
                            source: id,
                            unresolved: Vec::new(),
                        }))
                    }
                    None => None,
                }
            }
            Attr::Value(other) => {
                self.diagnostics.push(Diagnostic::warning(
                    "iac-input",
                    format!(
                        "expected the policy as a JSON string, found {}",
                        json::describe(other)
                    ),
                    json::span(self.source, other),
                ));
                None
            }
        }
    }

    fn document(
        &mut self,
        r: &Resource<'_, '_>,
        kind: ChangeKind,
        policy_kind: PolicyKind,
        (target_kind, target_keys): (TargetKind, &[&str]),
        name_key: Option<&str>,
        key: &str,
    ) {
        let before = self.side_document(&r.before, key);
        let after = self.side_document(&r.after, key);
        if before.is_none() && after.is_none() {
            return;
        }
        let span = Self::span_of(&r.after, key, self.source)
            .or_else(|| Self::span_of(&r.before, key, self.source));
        self.out.push(PolicyChange {
            action: self.document_action(r.action, before.as_ref(), after.as_ref()),
            kind,
            policy_kind: Some(policy_kind),
            target: Self::target(r, target_kind, target_keys),
            name: Self::name(r, name_key),
            before,
            after,
            place: Place {
                address: r.address.clone(),
                attribute: key.to_owned(),
                span,
            },
        });
    }

    /// A role's `inline_policy` blocks, matched by name between before and after.
    fn role_inline_policies(&mut self, r: &Resource<'_, '_>) {
        let mut names: Vec<(String, Option<usize>, Option<usize>)> = Vec::new();
        for (is_after, side) in [(false, &r.before), (true, &r.after)] {
            for i in 0..side.block_len("inline_policy") {
                let block = side.block("inline_policy", i);
                let name = match block.string("name") {
                    Some(Value::Known(n)) => n,
                    _ => format!("#{i}"),
                };
                let entry = match names.iter_mut().find(|(n, _, _)| *n == name) {
                    Some(e) => e,
                    None => {
                        names.push((name, None, None));
                        let last = names.len().saturating_sub(1);
                        #[expect(clippy::indexing_slicing, reason = "just pushed")]
                        &mut names[last]
                    }
                };
                if is_after {
                    entry.2 = Some(i);
                } else {
                    entry.1 = Some(i);
                }
            }
        }
        for (name, b, a) in names {
            let before_side = b.map(|i| r.before.block("inline_policy", i));
            let after_side = a.map(|i| r.after.block("inline_policy", i));
            let before = before_side.and_then(|s| self.side_document(&s, "policy"));
            let after = after_side.and_then(|s| self.side_document(&s, "policy"));
            if before.is_none() && after.is_none() {
                continue;
            }
            let action = match (&before, &after, r.action) {
                (None, Some(_), Action::Update) => Action::Create,
                (Some(_), None, Action::Update) => Action::Delete,
                (_, _, a) => self.document_action(a, before.as_ref(), after.as_ref()),
            };
            let index = a.or(b).unwrap_or(0);
            let span = after_side
                .as_ref()
                .and_then(|s| Self::span_of(s, "policy", self.source))
                .or_else(|| {
                    before_side
                        .as_ref()
                        .and_then(|s| Self::span_of(s, "policy", self.source))
                });
            self.out.push(PolicyChange {
                action,
                kind: ChangeKind::InlinePolicy,
                policy_kind: Some(PolicyKind::Identity),
                target: Self::target(r, TargetKind::Role, &["name"]),
                name: Some(Value::Known(name)),
                before,
                after,
                place: Place {
                    address: r.address.clone(),
                    attribute: format!("inline_policy[{index}].policy"),
                    span,
                },
            });
        }
    }

    /// A single reference attribute (an attachment's `policy_arn`, a boundary).
    fn reference(
        &mut self,
        r: &Resource<'_, '_>,
        kind: ChangeKind,
        policy_kind: PolicyKind,
        (target_kind, target_keys): (TargetKind, &[&str]),
        key: &str,
    ) {
        let before = if r.before.exists() {
            r.before.string(key)
        } else {
            None
        };
        let after = if r.after.exists() {
            r.after.string(key)
        } else {
            None
        };
        if before.is_none() && after.is_none() {
            return;
        }
        let action = match (&before, &after, r.action) {
            (None, Some(_), Action::Update) => Action::Create,
            (Some(_), None, Action::Update) => Action::Delete,
            (Some(b), Some(a), Action::Update) if a == b => Action::NoOp,
            (_, _, a) => a,
        };
        let span = Self::span_of(&r.after, key, self.source)
            .or_else(|| Self::span_of(&r.before, key, self.source));
        self.out.push(PolicyChange {
            action,
            kind,
            policy_kind: Some(policy_kind),
            target: Self::target(r, target_kind, target_keys),
            name: None,
            before: before.map(Content::Reference),
            after: after.map(Content::Reference),
            place: Place {
                address: r.address.clone(),
                attribute: key.to_owned(),
                span,
            },
        });
    }

    /// A set of references (`managed_policy_arns`): one attachment per ARN added or
    /// removed, one unchanged entry per ARN kept.
    fn reference_set(
        &mut self,
        r: &Resource<'_, '_>,
        kind: ChangeKind,
        policy_kind: PolicyKind,
        (target_kind, target_keys): (TargetKind, &[&str]),
        key: &str,
    ) {
        let before = if r.before.exists() {
            r.before.strings(key)
        } else {
            Vec::new()
        };
        let after = if r.after.exists() {
            r.after.strings(key)
        } else {
            Vec::new()
        };
        let span = Self::span_of(&r.after, key, self.source)
            .or_else(|| Self::span_of(&r.before, key, self.source));
        let target = Self::target(r, target_kind, target_keys);
        let mut push = |action, b: Option<&Value>, a: Option<&Value>| {
            self.out.push(PolicyChange {
                action,
                kind,
                policy_kind: Some(policy_kind),
                target: target.clone(),
                name: None,
                before: b.cloned().map(Content::Reference),
                after: a.cloned().map(Content::Reference),
                place: Place {
                    address: r.address.clone(),
                    attribute: key.to_owned(),
                    span,
                },
            });
        };
        for b in &before {
            if after.contains(b) && matches!(b, Value::Known(_)) {
                let action = if r.action == Action::Update {
                    Action::NoOp
                } else {
                    r.action
                };
                push(action, Some(b), Some(b));
            } else if r.after.exists() {
                push(Action::Delete, Some(b), None);
            } else {
                push(r.action, Some(b), None);
            }
        }
        for a in &after {
            if !(before.contains(a) && matches!(a, Value::Known(_))) {
                let action = if r.before.exists() {
                    Action::Create
                } else {
                    r.action
                };
                push(action, None, Some(a));
            }
        }
    }

    /// `aws_iam_policy_attachment`: one policy attached to lists of users, roles and groups.
    fn exclusive_attachment(&mut self, r: &Resource<'_, '_>) {
        for (key, target_kind) in [
            ("roles", TargetKind::Role),
            ("users", TargetKind::User),
            ("groups", TargetKind::Group),
        ] {
            let before = if r.before.exists() {
                r.before.strings(key)
            } else {
                Vec::new()
            };
            let after = if r.after.exists() {
                r.after.strings(key)
            } else {
                Vec::new()
            };
            let policy_before = r.before.string("policy_arn");
            let policy_after = r.after.string("policy_arn");
            let span = Self::span_of(&r.after, key, self.source)
                .or_else(|| Self::span_of(&r.before, key, self.source));
            let mut names: Vec<&Value> = before.iter().collect();
            names.extend(after.iter().filter(|a| !before.contains(a)));
            for name in names {
                let was = before.contains(name) && r.before.exists();
                let is = after.contains(name) && r.after.exists();
                let action = match (was, is) {
                    (true, true) if policy_before == policy_after => Action::NoOp,
                    (true, true) => Action::Update,
                    (false, true) => Action::Create,
                    (true, false) => Action::Delete,
                    (false, false) => continue,
                };
                self.out.push(PolicyChange {
                    action,
                    kind: ChangeKind::ManagedPolicyAttachment,
                    policy_kind: Some(PolicyKind::Identity),
                    target: Target {
                        kind: target_kind,
                        name: name.clone(),
                    },
                    name: Self::name(r, Some("name")),
                    before: policy_before
                        .clone()
                        .filter(|_| was)
                        .map(Content::Reference),
                    after: policy_after.clone().filter(|_| is).map(Content::Reference),
                    place: Place {
                        address: r.address.clone(),
                        attribute: key.to_owned(),
                        span,
                    },
                });
            }
        }
    }

    fn organizations_policy(&mut self, r: &Resource<'_, '_>) {
        let policy_type = |side: &Side<'_, '_>| match side.string("type") {
            Some(Value::Known(t)) => OrganizationsPolicyType::parse(&t),
            // The provider's default.
            _ => OrganizationsPolicyType::ServiceControlPolicy,
        };
        let side = if r.after.exists() {
            &r.after
        } else {
            &r.before
        };
        let kind = policy_type(side).policy_kind();
        let before = self.side_document(&r.before, "content");
        let after = self.side_document(&r.after, "content");
        if before.is_none() && after.is_none() {
            return;
        }
        let span = Self::span_of(&r.after, "content", self.source)
            .or_else(|| Self::span_of(&r.before, "content", self.source));
        self.out.push(PolicyChange {
            action: r.action,
            kind: ChangeKind::OrganizationsPolicy,
            policy_kind: kind,
            target: Self::target(r, TargetKind::OrganizationsPolicy, &["id", "name"]),
            name: Self::name(r, Some("name")),
            before,
            after,
            place: Place {
                address: r.address.clone(),
                attribute: "content".to_owned(),
                span,
            },
        });
    }

    /// `aws_lambda_permission`: the statement Lambda adds to the function's policy
    /// ("Working with resource-based IAM policies in Lambda",
    /// <https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html>).
    fn lambda_permission(&mut self, r: &Resource<'_, '_>) {
        let before = self.lambda_statement(&r.before);
        let after = self.lambda_statement(&r.after);
        if before.is_none() && after.is_none() {
            return;
        }
        let span = r
            .after
            .values
            .or(r.before.values)
            .map(|o| Span::new(self.source, o.range.start, o.range.end));
        self.out.push(PolicyChange {
            action: r.action,
            kind: ChangeKind::LambdaPermission,
            policy_kind: Some(PolicyKind::Resource),
            target: Self::target(r, TargetKind::Function, &["function_name"]),
            name: Self::name(r, Some("statement_id")),
            before,
            after,
            place: Place {
                address: r.address.clone(),
                attribute: String::new(),
                span,
            },
        });
    }

    fn lambda_statement(&mut self, side: &Side<'_, '_>) -> Option<Content> {
        let object = side.values?;
        let origin = |key: &str| {
            json::member(&object.properties, key).map_or(offset(object.range.start), |v| {
                offset(json::span(self.source, v).start as usize)
            })
        };
        let mut e = Emitter::default();
        let start = offset(object.range.start);
        let put_value = |e: &mut Emitter, value: Option<Value>, at: u32| match value {
            Some(Value::Known(v)) => e.string(&v, at),
            Some(Value::Unknown(u)) => {
                e.raw("\"", at);
                e.unknown_body(u, at);
                e.raw("\"", at);
            }
            None => {
                e.raw("\"", at);
                e.unknown_body(Unknown::Missing, at);
                e.raw("\"", at);
            }
        };
        e.raw("{\"Version\":\"2012-10-17\",\"Statement\":[{", start);
        if let Some(sid) = side.string("statement_id") {
            e.raw("\"Sid\":", origin("statement_id"));
            put_value(&mut e, Some(sid), origin("statement_id"));
            e.raw(",", start);
        }
        e.raw("\"Effect\":\"Allow\",\"Principal\":", start);
        let principal = side.string("principal");
        match &principal {
            Some(Value::Known(p)) if p == "*" => e.raw("\"*\"", origin("principal")),
            Some(Value::Known(p)) => {
                let key = if p.ends_with(".amazonaws.com") || p.ends_with(".amazonaws.com.cn") {
                    "Service"
                } else {
                    "AWS"
                };
                e.raw(&format!("{{\"{key}\":"), origin("principal"));
                e.string(p, origin("principal"));
                e.raw("}", origin("principal"));
            }
            other => {
                e.raw("{\"AWS\":", origin("principal"));
                put_value(&mut e, other.clone(), origin("principal"));
                e.raw("}", origin("principal"));
            }
        }
        e.raw(",\"Action\":", start);
        put_value(&mut e, side.string("action"), origin("action"));
        e.raw(",\"Resource\":", start);
        let function = match side.string("function_name") {
            Some(Value::Known(f)) if !f.starts_with("arn:") => {
                match (&self.options.account, &self.options.region) {
                    (Some(account), Some(region)) => Some(Value::Known(format!(
                        "arn:aws:lambda:{region}:{account}:function:{f}"
                    ))),
                    _ => Some(Value::Unknown(Unknown::Unresolved(format!(
                        "the ARN of function {f} (give --account and --region)"
                    )))),
                }
            }
            other => other,
        };
        put_value(&mut e, function, origin("function_name"));
        let conditions: Vec<(&str, &str, &str)> = [
            ("source_arn", "ArnLike", "AWS:SourceArn"),
            ("source_account", "StringEquals", "AWS:SourceAccount"),
            ("principal_org_id", "StringEquals", "aws:PrincipalOrgID"),
            (
                "function_url_auth_type",
                "StringEquals",
                "lambda:FunctionUrlAuthType",
            ),
        ]
        .into_iter()
        .filter(|(k, _, _)| side.string(k).is_some())
        .collect();
        if !conditions.is_empty() {
            e.raw(",\"Condition\":{", start);
            // Group keys by operator, in the order above.
            let mut operators: Vec<&str> = Vec::new();
            for (_, op, _) in &conditions {
                if !operators.contains(op) {
                    operators.push(op);
                }
            }
            for (i, op) in operators.iter().enumerate() {
                if i > 0 {
                    e.raw(",", start);
                }
                e.raw(&format!("\"{op}\":{{"), start);
                for (j, (attr, _, key)) in conditions.iter().filter(|(_, o, _)| o == op).enumerate()
                {
                    if j > 0 {
                        e.raw(",", start);
                    }
                    e.raw(&format!("\"{key}\":"), origin(attr));
                    put_value(&mut e, side.string(attr), origin(attr));
                }
                e.raw("}", start);
            }
            e.raw("}", start);
        }
        e.raw("}]}", start);
        Some(Content::Document(e.finish(self.map, self.source)))
    }
}
