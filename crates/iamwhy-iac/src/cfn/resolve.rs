//! Intrinsic functions and pseudo parameters, resolved with what the command line (or the
//! snapshot) says of the account and Region; what only the deployed stack knows stays
//! unresolved, written as it is in the template.
//!
//! Sources: "Intrinsic function reference" and "Pseudo parameters reference", AWS
//! CloudFormation User Guide
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html>,
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html>);
//! each resource type's "Return values" section for `Ref` and `Fn::GetAtt`.

use super::node::{Node, NodeKind};
use crate::ReadOptions;
use crate::emit::Emitter;
use crate::model::Unknown;

/// A resolved value; strings are pieces, some of them unknown.
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    /// Where in the file it came from.
    pub(crate) at: u32,
    pub(crate) value: R,
}

#[derive(Clone, Debug)]
pub(crate) enum R {
    Null,
    Bool(bool),
    Number(String),
    Str(Vec<Piece>),
    Seq(Vec<Resolved>),
    Map(Vec<(String, u32, Resolved)>),
    /// `Ref AWS::NoValue`: the member is removed.
    NoValue,
}

#[derive(Clone, Debug)]
pub(crate) enum Piece {
    Text(String),
    Unknown(String),
}

impl Resolved {
    fn unknown(at: u32, what: impl Into<String>) -> Resolved {
        Resolved {
            at,
            value: R::Str(vec![Piece::Unknown(what.into())]),
        }
    }

    fn text(at: u32, s: impl Into<String>) -> Resolved {
        Resolved {
            at,
            value: R::Str(vec![Piece::Text(s.into())]),
        }
    }

    /// The string when every piece is known.
    pub(crate) fn known_str(&self) -> Option<String> {
        match &self.value {
            R::Str(pieces) => {
                let mut out = String::new();
                for p in pieces {
                    match p {
                        Piece::Text(t) => out.push_str(t),
                        Piece::Unknown(_) => return None,
                    }
                }
                Some(out)
            }
            R::Number(n) => Some(n.clone()),
            R::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// What stands in the way of knowing this string, for messages.
    pub(crate) fn unknown_part(&self) -> Option<String> {
        match &self.value {
            R::Str(pieces) => pieces.iter().find_map(|p| match p {
                Piece::Unknown(u) => Some(u.clone()),
                Piece::Text(_) => None,
            }),
            R::Null | R::Bool(_) | R::Number(_) | R::NoValue => None,
            _ => Some("a list or map".to_owned()),
        }
    }

    /// Writes the value as JSON.
    pub(crate) fn emit(&self, e: &mut Emitter) {
        let at = self.at;
        match &self.value {
            R::Null | R::NoValue => e.raw("null", at),
            R::Bool(b) => e.raw(if *b { "true" } else { "false" }, at),
            R::Number(n) => e.raw(n, at),
            R::Str(pieces) => {
                e.raw("\"", at);
                for p in pieces {
                    match p {
                        Piece::Text(t) => e.string_body(t, at),
                        Piece::Unknown(u) => e.unknown_body(Unknown::Unresolved(u.clone()), at),
                    }
                }
                e.raw("\"", at);
            }
            R::Seq(items) => {
                e.raw("[", at);
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        e.raw(",", item.at);
                    }
                    item.emit(e);
                }
                e.raw("]", at);
            }
            R::Map(members) => {
                e.raw("{", at);
                for (i, (k, key_at, v)) in members.iter().enumerate() {
                    if i > 0 {
                        e.raw(",", *key_at);
                    }
                    e.string(k, *key_at);
                    e.raw(":", *key_at);
                    v.emit(e);
                }
                e.raw("}", at);
            }
        }
    }
}

/// Resolution is cut past this depth (conditions that name each other, deep nesting).
const MAX_DEPTH: usize = 64;

/// What resolution knows: the template and the command line.
pub(crate) struct Resolver<'t> {
    pub(crate) template: &'t Node,
    pub(crate) options: &'t ReadOptions,
}

impl Resolver<'_> {
    fn partition(&self) -> Option<&'static str> {
        let region = self.options.region.as_deref()?;
        Some(if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        })
    }

    /// A pseudo parameter, or `None` when the name is not one.
    fn pseudo(&self, name: &str, at: u32) -> Option<Resolved> {
        let known = |v: Option<String>| match v {
            Some(v) => Resolved::text(at, v),
            None => Resolved::unknown(at, format!("Ref {name}")),
        };
        Some(match name {
            "AWS::AccountId" => known(self.options.account.clone()),
            "AWS::Region" => known(self.options.region.clone()),
            "AWS::Partition" => known(self.partition().map(str::to_owned)),
            "AWS::URLSuffix" => known(self.partition().map(|p| {
                if p == "aws-cn" {
                    "amazonaws.com.cn".to_owned()
                } else {
                    "amazonaws.com".to_owned()
                }
            })),
            "AWS::NoValue" => Resolved {
                at,
                value: R::NoValue,
            },
            "AWS::StackName" | "AWS::StackId" | "AWS::NotificationARNs" => {
                Resolved::unknown(at, format!("Ref {name}"))
            }
            _ => return None,
        })
    }

    fn resource(&self, logical_id: &str) -> Option<&Node> {
        self.template.get("Resources")?.get(logical_id)
    }

    /// A property of a resource, resolved, as a known string.
    fn property(&self, resource: &Node, key: &str, depth: usize) -> Option<String> {
        let v = resource.get("Properties")?.get(key)?;
        self.resolve(v, depth.saturating_add(1)).known_str()
    }

    /// `Ref` of a parameter or resource.
    fn reference(&self, name: &str, at: u32, depth: usize) -> Resolved {
        if let Some(p) = self.pseudo(name, at) {
            return p;
        }
        if let Some(param) = self.template.get("Parameters").and_then(|p| p.get(name)) {
            return match param.get("Default") {
                Some(default) => {
                    let value = self.resolve(default, depth.saturating_add(1));
                    let list = param
                        .get("Type")
                        .and_then(Node::as_str)
                        .is_some_and(|t| t == "CommaDelimitedList" || t.starts_with("List<"));
                    match (list, value.known_str()) {
                        (true, Some(s)) => Resolved {
                            at,
                            value: R::Seq(
                                s.split(',')
                                    .map(|p| Resolved::text(at, p.trim().to_owned()))
                                    .collect(),
                            ),
                        },
                        _ => value,
                    }
                }
                None => Resolved::unknown(at, format!("Ref {name}")),
            };
        }
        let Some(resource) = self.resource(name) else {
            return Resolved::unknown(at, format!("Ref {name}"));
        };
        self.attribute(resource, name, None, at, depth)
            .unwrap_or_else(|| Resolved::unknown(at, format!("Ref {name}")))
    }

    /// `Ref` (`attribute` `None`) or `Fn::GetAtt` of a resource, when it follows from the
    /// template: names given as properties, ARNs built from them.
    fn attribute(
        &self,
        resource: &Node,
        logical_id: &str,
        attribute: Option<&str>,
        at: u32,
        depth: usize,
    ) -> Option<Resolved> {
        let kind = resource.get("Type").and_then(Node::as_str)?;
        let prop = |k: &str| self.property(resource, k, depth);
        let account = self.options.account.as_deref();
        let region = self.options.region.as_deref();
        let partition = self.partition();
        let path = || prop("Path").unwrap_or_else(|| "/".to_owned());
        let iam_arn = |what: &str, name: Option<String>| {
            Some(format!(
                "arn:{}:iam::{}:{what}{}{}",
                partition?,
                account?,
                path(),
                name?
            ))
        };
        let regional = |service: &str, rest: Option<String>| {
            Some(format!(
                "arn:{}:{service}:{}:{}:{}",
                partition?, region?, account?, rest?
            ))
        };
        let value = match (kind, attribute) {
            ("AWS::IAM::Role", None) => prop("RoleName"),
            ("AWS::IAM::Role", Some("Arn")) => iam_arn("role", prop("RoleName")),
            ("AWS::IAM::User", None) => prop("UserName"),
            ("AWS::IAM::User", Some("Arn")) => iam_arn("user", prop("UserName")),
            ("AWS::IAM::Group", None) => prop("GroupName"),
            ("AWS::IAM::Group", Some("Arn")) => iam_arn("group", prop("GroupName")),
            ("AWS::IAM::ManagedPolicy", None | Some("PolicyArn")) => {
                iam_arn("policy", prop("ManagedPolicyName"))
            }
            ("AWS::S3::Bucket", None) => prop("BucketName"),
            ("AWS::S3::Bucket", Some("Arn")) => {
                prop("BucketName").and_then(|b| Some(format!("arn:{}:s3:::{b}", partition?)))
            }
            ("AWS::SQS::Queue", None) => prop("QueueName").and_then(|q| {
                Some(format!(
                    "https://sqs.{}.amazonaws.com/{}/{q}",
                    region?, account?
                ))
            }),
            ("AWS::SQS::Queue", Some("Arn")) => regional("sqs", prop("QueueName")),
            ("AWS::SQS::Queue", Some("QueueName")) => prop("QueueName"),
            ("AWS::SNS::Topic", None | Some("TopicArn")) => regional("sns", prop("TopicName")),
            ("AWS::SNS::Topic", Some("TopicName")) => prop("TopicName"),
            ("AWS::Lambda::Function", None) => prop("FunctionName"),
            ("AWS::Lambda::Function", Some("Arn")) => regional(
                "lambda",
                prop("FunctionName").map(|f| format!("function:{f}")),
            ),
            _ => None,
        };
        let _ = logical_id;
        value.map(|v| Resolved::text(at, v))
    }

    fn get_att(&self, arg: &Node, at: u32, depth: usize) -> Resolved {
        let (logical_id, attribute) = match &arg.kind {
            NodeKind::Str(s) => match s.split_once('.') {
                Some((r, a)) => (r.to_owned(), Some(a.to_owned())),
                None => (s.clone(), None),
            },
            NodeKind::Seq(items) => match items.as_slice() {
                [r, a] => (
                    r.as_str().unwrap_or_default().to_owned(),
                    self.resolve(a, depth.saturating_add(1)).known_str(),
                ),
                _ => (String::new(), None),
            },
            _ => (String::new(), None),
        };
        let what = format!(
            "Fn::GetAtt {logical_id}.{}",
            attribute.as_deref().unwrap_or("?")
        );
        let Some(attribute) = attribute else {
            return Resolved::unknown(at, what);
        };
        self.resource(&logical_id)
            .and_then(|r| self.attribute(r, &logical_id, Some(&attribute), at, depth))
            .unwrap_or_else(|| Resolved::unknown(at, what))
    }

    /// `Fn::Sub`: `${Name}`, `${Resource.Attribute}`, `${!Literal}`.
    fn sub(&self, arg: &Node, at: u32, depth: usize) -> Resolved {
        let (template, vars) = match &arg.kind {
            NodeKind::Str(s) => (s.clone(), None),
            NodeKind::Seq(items) => match items.as_slice() {
                [t, v] => match t.as_str() {
                    Some(t) => (t.to_owned(), Some(v)),
                    None => return Resolved::unknown(at, "Fn::Sub"),
                },
                _ => return Resolved::unknown(at, "Fn::Sub"),
            },
            _ => return Resolved::unknown(at, "Fn::Sub"),
        };
        let mut pieces: Vec<Piece> = Vec::new();
        let push_text = |pieces: &mut Vec<Piece>, t: &str| match pieces.last_mut() {
            Some(Piece::Text(last)) => last.push_str(t),
            _ => pieces.push(Piece::Text(t.to_owned())),
        };
        let mut rest = template.as_str();
        while let Some(open) = rest.find("${") {
            let (before, after) = rest.split_at(open);
            push_text(&mut pieces, before);
            let body = after.get(2..).unwrap_or_default();
            let Some(close) = body.find('}') else {
                push_text(&mut pieces, after);
                rest = "";
                break;
            };
            let name = body.get(..close).unwrap_or_default();
            rest = body.get(close.saturating_add(1)..).unwrap_or_default();
            if let Some(literal) = name.strip_prefix('!') {
                push_text(&mut pieces, &format!("${{{literal}}}"));
                continue;
            }
            let name = name.trim();
            let value = if let Some(v) = vars.and_then(|v| v.get(name)) {
                self.resolve(v, depth.saturating_add(1))
            } else if name.contains('.') && !name.starts_with("AWS::") {
                let node = Node {
                    start: at,
                    end: at,
                    kind: NodeKind::Str(name.to_owned()),
                };
                self.get_att(&node, at, depth)
            } else {
                self.reference(name, at, depth)
            };
            match value.value {
                R::Str(ps) => {
                    for p in ps {
                        match p {
                            Piece::Text(t) => push_text(&mut pieces, &t),
                            u @ Piece::Unknown(_) => pieces.push(u),
                        }
                    }
                }
                R::Number(n) => push_text(&mut pieces, &n),
                _ => pieces.push(Piece::Unknown(format!("${{{name}}}"))),
            }
        }
        push_text(&mut pieces, rest);
        Resolved {
            at,
            value: R::Str(pieces),
        }
    }

    /// A condition by name, when it can be decided.
    fn condition(&self, name: &str, depth: usize) -> Option<bool> {
        let c = self.template.get("Conditions")?.get(name)?;
        self.boolean(c, depth.saturating_add(1))
    }

    fn boolean(&self, node: &Node, depth: usize) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        let next = depth.saturating_add(1);
        let (f, arg) = node.intrinsic()?;
        let items = || match &arg.kind {
            NodeKind::Seq(items) => Some(items.as_slice()),
            _ => None,
        };
        match f {
            "Condition" => self.condition(arg.as_str()?, next),
            "Fn::Equals" => match items()? {
                [a, b] => {
                    let a = self.resolve(a, next).known_str()?;
                    let b = self.resolve(b, next).known_str()?;
                    Some(a == b)
                }
                _ => None,
            },
            "Fn::Not" => match items()? {
                [a] => self.boolean(a, next).map(|b| !b),
                _ => None,
            },
            "Fn::And" => {
                let mut all = true;
                for c in items()? {
                    all &= self.boolean(c, next)?;
                }
                Some(all)
            }
            "Fn::Or" => {
                let mut any = false;
                for c in items()? {
                    any |= self.boolean(c, next)?;
                }
                Some(any)
            }
            _ => None,
        }
    }

    /// Resolves a value.
    pub(crate) fn resolve(&self, node: &Node, depth: usize) -> Resolved {
        let at = node.start;
        if depth > MAX_DEPTH {
            return Resolved::unknown(at, "nested too deeply");
        }
        let next = depth.saturating_add(1);
        if let Some((f, arg)) = node.intrinsic() {
            return self.function(f, arg, at, next);
        }
        let value = match &node.kind {
            NodeKind::Null => R::Null,
            NodeKind::Bool(b) => R::Bool(*b),
            NodeKind::Number(n) => R::Number(n.clone()),
            NodeKind::Str(s) => R::Str(vec![Piece::Text(s.clone())]),
            NodeKind::Seq(items) => R::Seq(
                items
                    .iter()
                    .map(|i| self.resolve(i, next))
                    .filter(|r| !matches!(r.value, R::NoValue))
                    .collect(),
            ),
            NodeKind::Map(members) => R::Map(
                members
                    .iter()
                    .map(|(k, key_at, v)| (k.clone(), *key_at, self.resolve(v, next)))
                    .filter(|(_, _, r)| !matches!(r.value, R::NoValue))
                    .collect(),
            ),
        };
        Resolved { at, value }
    }

    fn function(&self, f: &str, arg: &Node, at: u32, depth: usize) -> Resolved {
        let items = match &arg.kind {
            NodeKind::Seq(items) => items.as_slice(),
            _ => &[],
        };
        match f {
            "Ref" => match arg.as_str() {
                Some(name) => self.reference(name, at, depth),
                None => Resolved::unknown(at, "Ref"),
            },
            "Fn::GetAtt" => self.get_att(arg, at, depth),
            "Fn::Sub" => self.sub(arg, at, depth),
            "Fn::Join" => {
                let [delimiter, list] = items else {
                    return Resolved::unknown(at, "Fn::Join");
                };
                let Some(delimiter) = self.resolve(delimiter, depth).known_str() else {
                    return Resolved::unknown(at, "Fn::Join");
                };
                let list = self.resolve(list, depth);
                let R::Seq(parts) = list.value else {
                    return Resolved::unknown(at, "Fn::Join");
                };
                let mut pieces = Vec::new();
                for (i, part) in parts.into_iter().enumerate() {
                    if i > 0 {
                        pieces.push(Piece::Text(delimiter.clone()));
                    }
                    match part.value {
                        R::Str(ps) => pieces.extend(ps),
                        R::Number(n) => pieces.push(Piece::Text(n)),
                        _ => pieces.push(Piece::Unknown("Fn::Join element".to_owned())),
                    }
                }
                Resolved {
                    at,
                    value: R::Str(pieces),
                }
            }
            "Fn::Select" => {
                let [index, list] = items else {
                    return Resolved::unknown(at, "Fn::Select");
                };
                let index = self
                    .resolve(index, depth)
                    .known_str()
                    .and_then(|i| i.parse::<usize>().ok());
                match (index, self.resolve(list, depth).value) {
                    (Some(i), R::Seq(values)) => values
                        .into_iter()
                        .nth(i)
                        .unwrap_or_else(|| Resolved::unknown(at, "Fn::Select")),
                    _ => Resolved::unknown(at, "Fn::Select"),
                }
            }
            "Fn::Split" => {
                let [delimiter, text] = items else {
                    return Resolved::unknown(at, "Fn::Split");
                };
                match (
                    self.resolve(delimiter, depth).known_str(),
                    self.resolve(text, depth).known_str(),
                ) {
                    (Some(d), Some(t)) if !d.is_empty() => Resolved {
                        at,
                        value: R::Seq(t.split(d.as_str()).map(|p| Resolved::text(at, p)).collect()),
                    },
                    _ => Resolved::unknown(at, "Fn::Split"),
                }
            }
            "Fn::If" => {
                let [condition, then, otherwise] = items else {
                    return Resolved::unknown(at, "Fn::If");
                };
                let name = condition.as_str().unwrap_or_default();
                match self.condition(name, depth) {
                    Some(true) => self.resolve(then, depth),
                    Some(false) => self.resolve(otherwise, depth),
                    None => Resolved::unknown(at, format!("Fn::If {name}")),
                }
            }
            "Fn::FindInMap" => {
                let [map, first, second, ..] = items else {
                    return Resolved::unknown(at, "Fn::FindInMap");
                };
                let keys = (
                    self.resolve(map, depth).known_str(),
                    self.resolve(first, depth).known_str(),
                    self.resolve(second, depth).known_str(),
                );
                let found = match &keys {
                    (Some(m), Some(a), Some(b)) => self
                        .template
                        .get("Mappings")
                        .and_then(|x| x.get(m))
                        .and_then(|x| x.get(a))
                        .and_then(|x| x.get(b)),
                    _ => None,
                };
                match found {
                    Some(v) => self.resolve(v, depth),
                    None => Resolved::unknown(at, "Fn::FindInMap"),
                }
            }
            other => Resolved::unknown(at, other.to_owned()),
        }
    }
}
