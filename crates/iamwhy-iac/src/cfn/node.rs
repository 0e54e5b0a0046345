//! One tree for templates written in JSON or YAML: values with the byte range they came
//! from; YAML's short-form tags (`!Sub x`) become the long form (`{"Fn::Sub": x}`), as
//! CloudFormation reads them ("Intrinsic function reference", AWS CloudFormation User Guide,
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html>).

use iamwhy_core::{SourceId, Span};
use iamwhy_policy::json::{self, JsonValue};

/// A template value.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    /// Where it starts in the file.
    pub(crate) start: u32,
    /// Where it ends.
    pub(crate) end: u32,
    pub(crate) kind: NodeKind,
}

#[derive(Clone, Debug)]
pub(crate) enum NodeKind {
    Null,
    Bool(bool),
    /// A number as written.
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    /// Members in file order, each key with where it starts.
    Map(Vec<(String, u32, Node)>),
}

/// Nesting deeper than this is cut (a template's documents are a few levels deep).
pub(crate) const MAX_DEPTH: usize = 128;

impl Node {
    pub(crate) fn span(&self, source: SourceId) -> Span {
        Span::new(source, self.start as usize, self.end as usize)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            NodeKind::Map(m) => m.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The one member of a map that is an intrinsic function (`Ref`, `Fn::*`, `Condition`).
    pub(crate) fn intrinsic(&self) -> Option<(&str, &Node)> {
        match &self.kind {
            NodeKind::Map(m) => match m.as_slice() {
                [(k, _, v)] if k == "Ref" || k == "Condition" || k.starts_with("Fn::") => {
                    Some((k.as_str(), v))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The tree of a JSON template.
    pub(crate) fn from_json(value: &JsonValue<'_>, depth: usize) -> Node {
        let r = json::span(SourceId::DETACHED, value);
        let kind = if depth > MAX_DEPTH {
            NodeKind::Null
        } else {
            match value {
                JsonValue::NullKeyword(_) => NodeKind::Null,
                JsonValue::BooleanLit(b) => NodeKind::Bool(b.value),
                JsonValue::NumberLit(n) => NodeKind::Number(n.value.to_owned()),
                JsonValue::StringLit(s) => NodeKind::Str(s.value.to_string()),
                JsonValue::Array(a) => NodeKind::Seq(
                    a.elements
                        .iter()
                        .map(|e| Node::from_json(e, depth.saturating_add(1)))
                        .collect(),
                ),
                JsonValue::Object(o) => NodeKind::Map(
                    o.properties
                        .iter()
                        .map(|p| {
                            (
                                json::key(p).to_owned(),
                                json::key_span(SourceId::DETACHED, p).start,
                                Node::from_json(&p.value, depth.saturating_add(1)),
                            )
                        })
                        .collect(),
                ),
            }
        };
        Node {
            start: r.start,
            end: r.end,
            kind,
        }
    }
}
