//! CloudFormation templates written in YAML, read with `saphyr` (a YAML 1.2 parser that keeps
//! positions and tags), short-form tags turned into the long form.
//!
//! Short forms: "Intrinsic function reference" of the AWS CloudFormation User Guide
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html>);
//! `!GetAtt A.b` stays a string, which `Fn::GetAtt` accepts in both forms.

use iamwhy_core::{Diagnostic, SourceId, Span};
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::node::{MAX_DEPTH, Node, NodeKind};

/// The short-form tags and the long names they stand for.
const SHORT_FORMS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("Sub", "Fn::Sub"),
    ("GetAtt", "Fn::GetAtt"),
    ("Join", "Fn::Join"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("If", "Fn::If"),
    ("Equals", "Fn::Equals"),
    ("Not", "Fn::Not"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("FindInMap", "Fn::FindInMap"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("GetAZs", "Fn::GetAZs"),
    ("ImportValue", "Fn::ImportValue"),
    ("Transform", "Fn::Transform"),
    ("Length", "Fn::Length"),
    ("ToJsonString", "Fn::ToJsonString"),
];

/// Whether a text that is not JSON looks like a YAML template: a top-level `Resources:` key
/// (every template has one), and either `AWSTemplateFormatVersion:` or a resource `Type:`
/// naming `AWS::`.
pub(crate) fn looks_like_template(text: &str) -> bool {
    let mut resources = false;
    let mut marker = false;
    for line in text.lines() {
        if line.starts_with("Resources:") {
            resources = true;
        }
        if line.starts_with("AWSTemplateFormatVersion:") {
            marker = true;
        }
        let t = line.trim_start();
        if t.starts_with("Type: AWS::")
            || t.starts_with("Type: \"AWS::")
            || t.starts_with("Type: 'AWS::")
            || t.starts_with("Type: Custom::")
        {
            marker = true;
        }
        if resources && marker {
            return true;
        }
    }
    false
}

/// Byte offsets of character indices (saphyr counts characters).
struct Offsets(Vec<u32>);

impl Offsets {
    fn new(text: &str) -> Offsets {
        let mut v: Vec<u32> = text
            .char_indices()
            .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
            .collect();
        v.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
        Offsets(v)
    }

    fn at(&self, char_index: usize) -> u32 {
        self.0
            .get(char_index)
            .or_else(|| self.0.last())
            .copied()
            .unwrap_or(0)
    }
}

/// The tree of the first document of a YAML text.
pub(crate) fn parse(source: SourceId, text: &str) -> Result<Node, Diagnostic> {
    let offsets = Offsets::new(text);
    let docs = MarkedYaml::load_from_str(text).map_err(|e| {
        let at = offsets.at(e.marker().index()) as usize;
        Diagnostic::error(
            "yaml-syntax",
            format!("not valid YAML: {}", e.info()),
            Span::new(source, at, at),
        )
    })?;
    let Some(doc) = docs.first() else {
        return Err(Diagnostic::error(
            "yaml-syntax",
            "expected a YAML document, found an empty file",
            Span::empty(source),
        ));
    };
    Ok(convert(doc, &offsets, 0))
}

fn convert(y: &MarkedYaml<'_>, offsets: &Offsets, depth: usize) -> Node {
    let start = offsets.at(y.span.start.index());
    let end = offsets.at(y.span.end.index()).max(start);
    let node = |kind| Node { start, end, kind };
    if depth > MAX_DEPTH {
        return node(NodeKind::Null);
    }
    let next = depth.saturating_add(1);
    match &y.data {
        YamlData::Value(s) => node(scalar(s)),
        YamlData::Representation(text, _, _) => node(NodeKind::Str(text.to_string())),
        YamlData::Sequence(items) => node(NodeKind::Seq(
            items.iter().map(|i| convert(i, offsets, next)).collect(),
        )),
        YamlData::Mapping(m) => node(NodeKind::Map(
            m.iter()
                .map(|(k, v)| {
                    let key = match &k.data {
                        YamlData::Value(s) => scalar_text(s),
                        YamlData::Representation(text, _, _) => text.to_string(),
                        _ => String::new(),
                    };
                    (
                        key,
                        offsets.at(k.span.start.index()),
                        convert(v, offsets, next),
                    )
                })
                .collect(),
        )),
        YamlData::Tagged(tag, inner) => {
            let inner = convert(inner, offsets, next);
            let long = (tag.handle == "!")
                .then(|| SHORT_FORMS.iter().find(|(s, _)| *s == tag.suffix))
                .flatten();
            match long {
                Some((_, long)) => node(NodeKind::Map(vec![((*long).to_owned(), start, inner)])),
                // `!!str` and other tags: the value as it is.
                None => inner,
            }
        }
        YamlData::Alias(_) | YamlData::BadValue => node(NodeKind::Null),
    }
}

fn scalar(s: &Scalar<'_>) -> NodeKind {
    match s {
        Scalar::Null => NodeKind::Null,
        Scalar::Boolean(b) => NodeKind::Bool(*b),
        Scalar::Integer(i) => NodeKind::Number(i.to_string()),
        Scalar::FloatingPoint(f) => NodeKind::Number(f.to_string()),
        Scalar::String(s) => NodeKind::Str(s.to_string()),
    }
}

fn scalar_text(s: &Scalar<'_>) -> String {
    match s {
        Scalar::Null => "null".to_owned(),
        Scalar::Boolean(b) => b.to_string(),
        Scalar::Integer(i) => i.to_string(),
        Scalar::FloatingPoint(f) => f.to_string(),
        Scalar::String(s) => s.to_string(),
    }
}
