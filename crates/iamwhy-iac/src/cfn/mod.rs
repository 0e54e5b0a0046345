//! CloudFormation templates, JSON or YAML: the policies of each resource, by type.
//!
//! Properties: "AWS resource and property types reference", AWS CloudFormation User Guide
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-template-resource-type-ref.html>):
//! `AWS::IAM::Role`, `AWS::IAM::User`, `AWS::IAM::Group`, `AWS::IAM::Policy`,
//! `AWS::IAM::ManagedPolicy`, `AWS::S3::BucketPolicy`, `AWS::KMS::Key`,
//! `AWS::KMS::ReplicaKey`, `AWS::SQS::QueuePolicy`, `AWS::SNS::TopicPolicy`,
//! `AWS::SecretsManager::ResourcePolicy`, `AWS::Organizations::Policy`.

mod node;
mod resolve;
pub(crate) mod yaml;

use iamwhy_core::{PolicyKind, SourceId, SourceMap};
use iamwhy_policy::json;

use crate::ReadOptions;
use crate::emit::Emitter;
use crate::model::{
    Action, ChangeKind, ChangeSet, Content, Format, OrganizationsPolicyType, Place, PolicyChange,
    Target, TargetKind, Unknown, Value,
};
use node::{Node, NodeKind};
use resolve::{Piece, R, Resolved, Resolver};

pub(crate) fn read(
    map: &mut SourceMap,
    source: SourceId,
    text: &str,
    options: &ReadOptions,
    set: &mut ChangeSet,
) {
    let root = if set.format == Format::CloudFormationJson {
        match json::parse(source, text) {
            Ok(v) => Node::from_json(&v, 0),
            Err(d) => {
                set.diagnostics.push(d);
                return;
            }
        }
    } else {
        match yaml::parse(source, text) {
            Ok(n) => n,
            Err(d) => {
                set.diagnostics.push(d);
                return;
            }
        }
    };
    let mut reader = Reader {
        map,
        source,
        resolver: Resolver {
            template: &root,
            options,
        },
        out: Vec::new(),
    };
    if let Some(Node {
        kind: NodeKind::Map(resources),
        ..
    }) = root.get("Resources")
    {
        for (logical_id, _, resource) in resources {
            reader.resource(logical_id, resource);
        }
    }
    set.changes.append(&mut reader.out);
}

struct Reader<'m, 't> {
    map: &'m mut SourceMap,
    source: SourceId,
    resolver: Resolver<'t>,
    out: Vec<PolicyChange>,
}

impl Reader<'_, '_> {
    fn resource(&mut self, id: &str, resource: &Node) {
        use ChangeKind as C;
        use PolicyKind as P;
        use TargetKind as T;
        let Some(kind) = resource.get("Type").and_then(Node::as_str) else {
            return;
        };
        let Some(props) = resource.get("Properties") else {
            return;
        };
        let self_name = |key: &str| -> Value { self.value(props.get(key), id) };
        match kind {
            "AWS::IAM::Role" => {
                let role = Target {
                    kind: T::Role,
                    name: self_name("RoleName"),
                };
                self.document(
                    id,
                    props,
                    "AssumeRolePolicyDocument",
                    C::TrustPolicy,
                    P::TrustPolicy,
                    &role,
                    None,
                );
                self.inline_policies(id, props, &role);
                self.references(
                    id,
                    props,
                    "ManagedPolicyArns",
                    C::ManagedPolicyAttachment,
                    P::Identity,
                    &role,
                );
                self.reference(
                    id,
                    props,
                    "PermissionsBoundary",
                    C::PermissionsBoundary,
                    P::PermissionsBoundary,
                    &role,
                );
            }
            "AWS::IAM::User" => {
                let user = Target {
                    kind: T::User,
                    name: self_name("UserName"),
                };
                self.inline_policies(id, props, &user);
                self.references(
                    id,
                    props,
                    "ManagedPolicyArns",
                    C::ManagedPolicyAttachment,
                    P::Identity,
                    &user,
                );
                self.reference(
                    id,
                    props,
                    "PermissionsBoundary",
                    C::PermissionsBoundary,
                    P::PermissionsBoundary,
                    &user,
                );
            }
            "AWS::IAM::Group" => {
                let group = Target {
                    kind: T::Group,
                    name: self_name("GroupName"),
                };
                self.inline_policies(id, props, &group);
                self.references(
                    id,
                    props,
                    "ManagedPolicyArns",
                    C::ManagedPolicyAttachment,
                    P::Identity,
                    &group,
                );
            }
            "AWS::IAM::Policy" => {
                let name = props.get("PolicyName").map(|n| self.value(Some(n), id));
                for target in self.targets(
                    props,
                    &[("Roles", T::Role), ("Users", T::User), ("Groups", T::Group)],
                ) {
                    self.document(
                        id,
                        props,
                        "PolicyDocument",
                        C::InlinePolicy,
                        P::Identity,
                        &target,
                        name.clone(),
                    );
                }
            }
            "AWS::IAM::ManagedPolicy" => {
                let arn = self.resolved_value(&self.resolver.resolve(
                    &Node {
                        start: resource.start,
                        end: resource.end,
                        kind: NodeKind::Map(vec![(
                            "Ref".to_owned(),
                            resource.start,
                            Node {
                                start: resource.start,
                                end: resource.end,
                                kind: NodeKind::Str(id.to_owned()),
                            },
                        )]),
                    },
                    0,
                ));
                let policy = Target {
                    kind: T::ManagedPolicy,
                    name: arn.clone(),
                };
                let name = props
                    .get("ManagedPolicyName")
                    .map(|n| self.value(Some(n), id));
                self.document(
                    id,
                    props,
                    "PolicyDocument",
                    C::ManagedPolicy,
                    P::Identity,
                    &policy,
                    name,
                );
                for (attribute, target) in self.named_targets(
                    props,
                    &[("Roles", T::Role), ("Users", T::User), ("Groups", T::Group)],
                ) {
                    let attribute = attribute.as_str();
                    self.out.push(PolicyChange {
                        action: Action::Declare,
                        kind: C::ManagedPolicyAttachment,
                        policy_kind: Some(P::Identity),
                        target,
                        name: None,
                        before: None,
                        after: Some(Content::Reference(arn.clone())),
                        place: self.place(id, attribute, props.get(attribute)),
                    });
                }
            }
            "AWS::S3::BucketPolicy" => {
                let bucket = Target {
                    kind: T::Bucket,
                    name: self_name("Bucket"),
                };
                self.document(
                    id,
                    props,
                    "PolicyDocument",
                    C::ResourcePolicy,
                    P::BucketPolicy,
                    &bucket,
                    None,
                );
            }
            "AWS::KMS::Key" | "AWS::KMS::ReplicaKey" => {
                let key = Target {
                    kind: T::Key,
                    name: Value::Unknown(Unknown::Unresolved(format!("Ref {id}"))),
                };
                self.document(
                    id,
                    props,
                    "KeyPolicy",
                    C::ResourcePolicy,
                    P::KeyPolicy,
                    &key,
                    None,
                );
            }
            "AWS::SQS::QueuePolicy" => {
                for target in self.targets(props, &[("Queues", T::Queue)]) {
                    self.document(
                        id,
                        props,
                        "PolicyDocument",
                        C::ResourcePolicy,
                        P::Resource,
                        &target,
                        None,
                    );
                }
            }
            "AWS::SNS::TopicPolicy" => {
                for target in self.targets(props, &[("Topics", T::Topic)]) {
                    self.document(
                        id,
                        props,
                        "PolicyDocument",
                        C::ResourcePolicy,
                        P::Resource,
                        &target,
                        None,
                    );
                }
            }
            "AWS::SecretsManager::ResourcePolicy" => {
                let secret = Target {
                    kind: T::Secret,
                    name: self_name("SecretId"),
                };
                self.document(
                    id,
                    props,
                    "ResourcePolicy",
                    C::ResourcePolicy,
                    P::Resource,
                    &secret,
                    None,
                );
            }
            "AWS::Organizations::Policy" => self.organizations_policy(id, props),
            _ => {}
        }
    }

    fn place(&self, id: &str, attribute: &str, node: Option<&Node>) -> Place {
        Place {
            address: id.to_owned(),
            attribute: attribute.to_owned(),
            span: node.map(|n| n.span(self.source)),
        }
    }

    /// A name or ARN property, resolved.
    fn value(&self, node: Option<&Node>, id: &str) -> Value {
        match node {
            Some(n) => self.resolved_value(&self.resolver.resolve(n, 0)),
            // CloudFormation generates a name from the stack and logical id.
            None => Value::Unknown(Unknown::Unresolved(format!("Ref {id}"))),
        }
    }

    fn resolved_value(&self, r: &Resolved) -> Value {
        match r.known_str() {
            Some(s) => Value::Known(s),
            None => Value::Unknown(Unknown::Unresolved(
                r.unknown_part().unwrap_or_else(|| "a value".to_owned()),
            )),
        }
    }

    /// The list properties naming what a policy applies to (`Roles`, `Queues`, ...).
    fn targets(&self, props: &Node, keys: &[(&str, TargetKind)]) -> Vec<Target> {
        self.named_targets(props, keys)
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    /// The targets, each with the property that names it.
    fn named_targets(&self, props: &Node, keys: &[(&str, TargetKind)]) -> Vec<(String, Target)> {
        let mut out = Vec::new();
        for (key, kind) in keys {
            let Some(list) = props.get(key) else { continue };
            match self.resolver.resolve(list, 0).value {
                R::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        out.push((
                            format!("Properties.{key}[{i}]"),
                            Target {
                                kind: *kind,
                                name: self.resolved_value(item),
                            },
                        ));
                    }
                }
                other => out.push((
                    format!("Properties.{key}"),
                    Target {
                        kind: *kind,
                        name: self.resolved_value(&Resolved {
                            at: list.start,
                            value: other,
                        }),
                    },
                )),
            }
        }
        out
    }

    /// A policy document property: an object (intrinsics resolved) or a string of JSON.
    fn policy_text(&mut self, node: &Node) -> Content {
        let resolved = self.resolver.resolve(node, 0);
        let mut e = Emitter::default();
        match &resolved.value {
            R::Str(pieces) => {
                // A document written as a JSON string (allowed by most properties).
                for p in pieces {
                    match p {
                        Piece::Text(t) => e.raw(t, resolved.at),
                        Piece::Unknown(u) => {
                            e.unknown_body(Unknown::Unresolved(u.clone()), resolved.at);
                        }
                    }
                }
            }
            _ => resolved.emit(&mut e),
        }
        Content::Document(e.finish(self.map, self.source))
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one call per property, read as a table"
    )]
    fn document(
        &mut self,
        id: &str,
        props: &Node,
        key: &str,
        kind: ChangeKind,
        policy_kind: PolicyKind,
        target: &Target,
        name: Option<Value>,
    ) {
        let Some(doc) = props.get(key) else { return };
        let after = self.policy_text(doc);
        self.out.push(PolicyChange {
            action: Action::Declare,
            kind,
            policy_kind: Some(policy_kind),
            target: target.clone(),
            name,
            before: None,
            after: Some(after),
            place: self.place(id, &format!("Properties.{key}"), Some(doc)),
        });
    }

    /// `Policies`: a list of `{PolicyName, PolicyDocument}`.
    fn inline_policies(&mut self, id: &str, props: &Node, target: &Target) {
        let Some(Node {
            kind: NodeKind::Seq(items),
            ..
        }) = props.get("Policies")
        else {
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let Some(doc) = item.get("PolicyDocument") else {
                continue;
            };
            let name = self.value(item.get("PolicyName"), id);
            let after = self.policy_text(doc);
            self.out.push(PolicyChange {
                action: Action::Declare,
                kind: ChangeKind::InlinePolicy,
                policy_kind: Some(PolicyKind::Identity),
                target: target.clone(),
                name: Some(name),
                before: None,
                after: Some(after),
                place: self.place(
                    id,
                    &format!("Properties.Policies[{i}].PolicyDocument"),
                    Some(doc),
                ),
            });
        }
    }

    fn reference(
        &mut self,
        id: &str,
        props: &Node,
        key: &str,
        kind: ChangeKind,
        policy_kind: PolicyKind,
        target: &Target,
    ) {
        let Some(node) = props.get(key) else { return };
        let value = self.value(Some(node), id);
        self.out.push(PolicyChange {
            action: Action::Declare,
            kind,
            policy_kind: Some(policy_kind),
            target: target.clone(),
            name: None,
            before: None,
            after: Some(Content::Reference(value)),
            place: self.place(id, &format!("Properties.{key}"), Some(node)),
        });
    }

    fn references(
        &mut self,
        id: &str,
        props: &Node,
        key: &str,
        kind: ChangeKind,
        policy_kind: PolicyKind,
        target: &Target,
    ) {
        let Some(node) = props.get(key) else { return };
        let items = match self.resolver.resolve(node, 0).value {
            R::Seq(items) => items,
            other => vec![Resolved {
                at: node.start,
                value: other,
            }],
        };
        for (i, item) in items.iter().enumerate() {
            let value = self.resolved_value(item);
            self.out.push(PolicyChange {
                action: Action::Declare,
                kind,
                policy_kind: Some(policy_kind),
                target: target.clone(),
                name: None,
                before: None,
                after: Some(Content::Reference(value)),
                place: self.place(id, &format!("Properties.{key}[{i}]"), Some(node)),
            });
        }
    }

    fn organizations_policy(&mut self, id: &str, props: &Node) {
        let policy_type = props
            .get("Type")
            .and_then(|t| self.resolver.resolve(t, 0).known_str())
            .map_or(OrganizationsPolicyType::ServiceControlPolicy, |t| {
                OrganizationsPolicyType::parse(&t)
            });
        let name = props.get("Name").map(|n| self.value(Some(n), id));
        let policy = Target {
            kind: TargetKind::OrganizationsPolicy,
            name: name
                .clone()
                .unwrap_or(Value::Unknown(Unknown::Unresolved(format!("Ref {id}")))),
        };
        if let Some(content) = props.get("Content") {
            let after = self.policy_text(content);
            self.out.push(PolicyChange {
                action: Action::Declare,
                kind: ChangeKind::OrganizationsPolicy,
                policy_kind: policy_type.policy_kind(),
                target: policy.clone(),
                name: name.clone(),
                before: None,
                after: Some(after),
                place: self.place(id, "Properties.Content", Some(content)),
            });
        }
        for target in self.targets(props, &[("TargetIds", TargetKind::OrganizationsTarget)]) {
            self.out.push(PolicyChange {
                action: Action::Declare,
                kind: ChangeKind::OrganizationsPolicyAttachment,
                policy_kind: policy_type.policy_kind(),
                target,
                name: name.clone(),
                before: None,
                after: Some(Content::Reference(Value::Unknown(Unknown::Unresolved(
                    format!("Ref {id}"),
                )))),
                place: self.place(id, "Properties.TargetIds", props.get("TargetIds")),
            });
        }
    }
}
