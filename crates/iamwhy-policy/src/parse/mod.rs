//! Located JSON → [`PolicyDocument`] (spec §2.1–§2.5): validation of the grammar for the
//! policy's kind, and compilation of every matcher. All errors of a document are reported,
//! not only the first.

mod conditions;
mod elements;

use iamwhy_core::{Diagnostic, Diagnostics, PolicyKind, SourceId, SourceMap, Span};
use jsonc_parser::ast::{ObjectProp, Value};

use crate::document::{Effect, PolicyDocument, Statement, Version, variables_for};
use crate::json;
use crate::pattern::Variables;
use iamwhy_core::edit_distance;

const DOCUMENT_KEYS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
const PRINCIPAL_KEYS: &[&str] = &["AWS", "Service", "Federated", "CanonicalUser"];

/// Parses the whole text of `source` as a policy document. The text may be JSON, a JSON
/// string holding the document, or the URL-encoded document (as the IAM API returns it).
/// `kind` chooses the grammar (spec §2.1); a [`PolicyKind::BucketPolicy`] is parsed as a
/// [`PolicyKind::Resource`], whose grammar it follows (see [`PolicyKind::grammar`]).
pub fn parse_policy(
    map: &mut SourceMap,
    source: SourceId,
    kind: PolicyKind,
) -> Result<PolicyDocument, Diagnostics> {
    parse_policy_lenient(map, source, kind).into_result()
}

/// Parses a JSON value found in `source` as a policy document: an object, or a string that
/// holds the document (JSON or URL-encoded), as `get-bucket-policy` and the IAM API print them.
pub fn parse_policy_value(
    map: &mut SourceMap,
    source: SourceId,
    value: &Value<'_>,
    kind: PolicyKind,
) -> Result<PolicyDocument, Diagnostics> {
    parse_policy_value_lenient(map, source, value, kind).into_result()
}

/// What a lenient parse found: every problem, and the document made of the statements that
/// have none (for linters, which report on the rest of a policy with a broken statement).
#[derive(Debug)]
pub struct LenientParse {
    /// The document, without the statements that have errors; `None` when the input is not
    /// a policy document at all (bad JSON, not an object). Its `warnings` are the warnings
    /// of [`LenientParse::diagnostics`].
    pub document: Option<PolicyDocument>,
    /// Every error and warning, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

impl LenientParse {
    fn failed(d: Diagnostic) -> LenientParse {
        LenientParse {
            document: None,
            diagnostics: vec![d],
        }
    }

    /// Whether an error was found.
    pub fn has_error(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The document when nothing is wrong with it, else every problem.
    pub fn into_result(self) -> Result<PolicyDocument, Diagnostics> {
        match self.document {
            Some(doc) if !self.has_error() => Ok(doc),
            _ => Err(Diagnostics::new(self.diagnostics)),
        }
    }
}

/// As [`parse_policy`], keeping what can be kept of a document with errors.
pub fn parse_policy_lenient(
    map: &mut SourceMap,
    source: SourceId,
    kind: PolicyKind,
) -> LenientParse {
    let text = match json::source_text(map, source) {
        Ok(t) => t,
        Err(e) => {
            return LenientParse {
                document: None,
                diagnostics: e.into_vec(),
            };
        }
    };
    if json::looks_percent_encoded(&text) {
        let ident: Vec<u32> = (0..=u32::try_from(text.len()).unwrap_or(u32::MAX)).collect();
        return parse_percent_encoded(
            map,
            source,
            &text,
            &ident,
            Span::new(source, 0, text.len()),
            kind,
        );
    }
    match json::parse(source, &text) {
        Ok(value) => parse_policy_value_lenient(map, source, &value, kind),
        Err(d) => LenientParse::failed(d),
    }
}

/// As [`parse_policy_value`], keeping what can be kept of a document with errors.
pub fn parse_policy_value_lenient(
    map: &mut SourceMap,
    source: SourceId,
    value: &Value<'_>,
    kind: PolicyKind,
) -> LenientParse {
    match value {
        Value::Object(_) => {
            let mut parser = Parser {
                source,
                // A bucket policy follows the grammar of any resource-based policy, and is
                // recorded and named in messages as one.
                kind: kind.grammar(),
                diagnostics: Vec::new(),
            };
            let mut document = parser.document(value);
            if let Some(doc) = &mut document {
                doc.warnings = parser
                    .diagnostics
                    .iter()
                    .filter(|d| !d.is_error())
                    .cloned()
                    .collect();
            }
            LenientParse {
                document,
                diagnostics: parser.diagnostics,
            }
        }
        Value::StringLit(lit) => {
            let span = json::span(source, value);
            let decoded =
                json::decode_string_literal(map.text(source), lit.range.start, lit.range.end);
            let Some((text, offsets)) = decoded else {
                return LenientParse::failed(Diagnostic::error(
                    "embedded-policy",
                    "cannot decode this string as a policy document",
                    span,
                ));
            };
            if json::looks_percent_encoded(&text) {
                return parse_percent_encoded(map, source, &text, &offsets, span, kind);
            }
            if !text.trim_start().starts_with('{') {
                return LenientParse::failed(
                    Diagnostic::error(
                        "expected-policy",
                        "expected a policy document, found a string that does not hold one",
                        span,
                    )
                    .with_help(
                        "give the policy as a JSON object, or as a string holding the JSON text",
                    ),
                );
            }
            parse_embedded(map, source, text, offsets, kind)
        }
        other => LenientParse::failed(Diagnostic::error(
            "expected-policy",
            format!(
                "expected a policy document (a JSON object), found {}",
                json::describe(other)
            ),
            json::span(source, other),
        )),
    }
}

fn parse_percent_encoded(
    map: &mut SourceMap,
    parent: SourceId,
    text: &str,
    offsets: &[u32],
    span: Span,
    kind: PolicyKind,
) -> LenientParse {
    match json::decode_percent(text, offsets) {
        Some((decoded, offsets)) => parse_embedded(map, parent, decoded, offsets, kind),
        None => LenientParse::failed(Diagnostic::error(
            "embedded-policy",
            "invalid URL encoding: expected `%` followed by two hex digits, and UTF-8 text",
            span,
        )),
    }
}

fn parse_embedded(
    map: &mut SourceMap,
    parent: SourceId,
    text: String,
    offsets: Vec<u32>,
    kind: PolicyKind,
) -> LenientParse {
    let inner = map.add_embedded(parent, text, offsets);
    let inner_text = match json::source_text(map, inner) {
        Ok(t) => t,
        Err(e) => {
            return LenientParse {
                document: None,
                diagnostics: e.into_vec(),
            };
        }
    };
    let value = match json::parse(inner, &inner_text) {
        Ok(v) => v,
        Err(d) => return LenientParse::failed(d),
    };
    if !matches!(value, Value::Object(_)) {
        return LenientParse::failed(Diagnostic::error(
            "expected-policy",
            format!(
                "expected a policy document (a JSON object), found {}",
                json::describe(&value)
            ),
            json::span(inner, &value),
        ));
    }
    parse_policy_value_lenient(map, inner, &value, kind)
}

/// Parses a policy from a string with no file behind it (tests, generated policies).
pub fn parse_policy_str(text: &str, kind: PolicyKind) -> Result<PolicyDocument, Diagnostics> {
    let mut map = SourceMap::new();
    let id = map.add_file("<policy>", text);
    parse_policy(&mut map, id, kind)
}

pub(crate) struct Parser {
    pub(crate) source: SourceId,
    pub(crate) kind: PolicyKind,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Finds the element name a misspelled key most likely meant.
fn suggest_key(key: &str, known: &[&str]) -> Option<String> {
    known
        .iter()
        .find(|k| k.eq_ignore_ascii_case(key))
        .or_else(|| {
            known
                .iter()
                .map(|k| {
                    (
                        edit_distance(&key.to_ascii_lowercase(), &k.to_ascii_lowercase()),
                        k,
                    )
                })
                .filter(|(d, _)| *d <= 2)
                .min_by_key(|(d, _)| *d)
                .map(|(_, k)| k)
        })
        .map(|k| format!("did you mean `{k}`?"))
}

impl Parser {
    pub(super) fn span(&self, value: &Value<'_>) -> Span {
        json::span(self.source, value)
    }

    pub(super) fn error(&mut self, code: &'static str, message: impl Into<String>, span: Span) {
        self.diagnostics
            .push(Diagnostic::error(code, message, span));
    }

    pub(super) fn error_help(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        help: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::error(code, message, span).with_help(help));
    }

    pub(super) fn warning(&mut self, code: &'static str, message: impl Into<String>, span: Span) {
        self.diagnostics
            .push(Diagnostic::warning(code, message, span));
    }

    pub(super) fn unknown_key(&mut self, what: &str, prop: &ObjectProp<'_>, known: &[&str]) {
        let k = json::key(prop);
        let mut d = Diagnostic::error(
            "unknown-element",
            format!("unknown {what} element `{k}`"),
            json::key_span(self.source, prop),
        );
        d = match suggest_key(k, known) {
            Some(s) => d.with_help(s),
            None => d.with_help(format!("expected one of {}", list(known))),
        };
        self.diagnostics.push(d);
    }

    fn document(&mut self, value: &Value<'_>) -> Option<PolicyDocument> {
        let Value::Object(obj) = value else {
            return None;
        };
        self.diagnostics
            .extend(json::duplicate_keys(self.source, &obj.properties));
        let mut version = None;
        let mut version_seen = false;
        let mut id = None;
        let mut statement_value = None;
        // `Version` decides how variables are read, so find it before the statements.
        for prop in &obj.properties {
            if json::key(prop) == "Version" {
                version_seen = true;
                version = self.version(&prop.value);
            }
        }
        for prop in &obj.properties {
            match json::key(prop) {
                "Version" => {}
                "Id" => match &prop.value {
                    Value::StringLit(s) => {
                        if matches!(
                            self.kind,
                            PolicyKind::Identity
                                | PolicyKind::PermissionsBoundary
                                | PolicyKind::Session
                        ) {
                            self.error_help(
                                "element-not-allowed",
                                format!("`Id` is not allowed in {}", self.kind.with_article()),
                                json::prop_span(self.source, prop),
                                "remove `Id`: only resource-based policies accept it",
                            );
                        }
                        id = Some(s.value.to_string());
                    }
                    other => {
                        let span = self.span(other);
                        self.error(
                            "wrong-type",
                            format!("`Id` must be a string, found {}", json::describe(other)),
                            span,
                        );
                    }
                },
                "Statement" => statement_value = Some(&prop.value),
                _ => self.unknown_key("policy", prop, DOCUMENT_KEYS),
            }
        }
        if !version_seen && self.kind == PolicyKind::Rcp {
            self.error_help(
                "missing-element",
                "missing `Version`: resource control policies must state it",
                self.span(value),
                "add `\"Version\": \"2012-10-17\"`",
            );
        }
        let variables = variables_for(version);
        let statements = match statement_value {
            None => {
                self.error(
                    "missing-element",
                    "missing `Statement`: a policy needs at least one statement",
                    self.span(value),
                );
                Vec::new()
            }
            Some(Value::Object(_)) => statement_value
                .and_then(|v| self.statement(v, 0, variables))
                .into_iter()
                .collect(),
            Some(Value::Array(arr)) => {
                if arr.elements.is_empty() {
                    let span = arr.range;
                    self.error(
                        "missing-element",
                        "`Statement` is empty: a policy needs at least one statement",
                        Span::new(self.source, span.start, span.end),
                    );
                }
                arr.elements
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| self.statement(v, i, variables))
                    .collect()
            }
            Some(other) => {
                let span = self.span(other);
                self.error(
                    "wrong-type",
                    format!(
                        "`Statement` must be an object or an array of objects, found {}",
                        json::describe(other)
                    ),
                    span,
                );
                Vec::new()
            }
        };
        Some(PolicyDocument {
            kind: self.kind,
            version,
            id,
            index: crate::index::ActionIndex::build(&statements),
            reads: std::sync::OnceLock::new(),
            statements,
            span: self.span(value),
            warnings: Vec::new(),
        })
    }

    fn version(&mut self, value: &Value<'_>) -> Option<Version> {
        match value {
            Value::StringLit(s) if s.value == "2012-10-17" => Some(Version::V2012_10_17),
            Value::StringLit(s) if s.value == "2008-10-17" => Some(Version::V2008_10_17),
            other => {
                let span = self.span(other);
                let message = match other {
                    Value::StringLit(s) => format!("invalid `Version` `{}`", s.value),
                    v => format!(
                        "invalid `Version`: expected a string, found {}",
                        json::describe(v)
                    ),
                };
                self.error_help(
                    "invalid-version",
                    message,
                    span,
                    "use `2012-10-17` (or the older `2008-10-17`, which does not substitute policy variables)",
                );
                None
            }
        }
    }

    fn statement(
        &mut self,
        value: &Value<'_>,
        index: usize,
        variables: Variables,
    ) -> Option<Statement> {
        let Value::Object(obj) = value else {
            let span = self.span(value);
            self.error(
                "wrong-type",
                format!(
                    "a statement must be an object, found {}",
                    json::describe(value)
                ),
                span,
            );
            return None;
        };
        // Only this statement's diagnostics are looked at again below: counting the errors
        // of the whole document for each statement made many bad statements quadratic
        // (issue 18). Diagnostics are only ever appended.
        let diagnostics_before = self.diagnostics.len();
        let span = self.span(value);
        self.diagnostics
            .extend(json::duplicate_keys(self.source, &obj.properties));
        let get = |name: &str| obj.properties.iter().find(|p| json::key(p) == name);
        for prop in &obj.properties {
            if !STATEMENT_KEYS.contains(&json::key(prop)) {
                self.unknown_key("statement", prop, STATEMENT_KEYS);
            }
        }

        let sid_span = get("Sid").map(|p| self.span(&p.value));
        let sid = get("Sid").and_then(|p| match &p.value {
            Value::StringLit(s) => {
                let identity_like = matches!(
                    self.kind,
                    PolicyKind::Identity | PolicyKind::PermissionsBoundary | PolicyKind::Session
                );
                if identity_like && !s.value.chars().all(|c| c.is_ascii_alphanumeric()) {
                    let span = self.span(&p.value);
                    self.diagnostics.push(
                        Diagnostic::warning(
                            "invalid-sid",
                            format!("`Sid` `{}` has characters IAM does not accept in identity-based policies", s.value),
                            span,
                        )
                        .with_help("use only ASCII letters and digits, e.g. `ReadReports`"),
                    );
                }
                Some(s.value.to_string())
            }
            other => {
                let span = self.span(other);
                self.error(
                    "wrong-type",
                    format!("`Sid` must be a string, found {}", json::describe(other)),
                    span,
                );
                None
            }
        });

        let effect = match get("Effect") {
            None => {
                self.error_help(
                    "missing-element",
                    "missing `Effect` in this statement",
                    span,
                    "add `\"Effect\": \"Allow\"` or `\"Effect\": \"Deny\"`",
                );
                None
            }
            Some(p) => match &p.value {
                Value::StringLit(s) if s.value == "Allow" => Some(Effect::Allow),
                Value::StringLit(s) if s.value == "Deny" => Some(Effect::Deny),
                other => {
                    let span = self.span(other);
                    let found = match other {
                        Value::StringLit(s) => format!("`{}`", s.value),
                        v => json::describe(v).to_owned(),
                    };
                    self.error_help(
                        "invalid-effect",
                        format!("invalid `Effect` {found}"),
                        span,
                        "`Effect` is `Allow` or `Deny`, spelled exactly so",
                    );
                    None
                }
            },
        };

        let action = self.action_element(get("Action"), get("NotAction"), span);
        let principal = self.principal_element(get("Principal"), get("NotPrincipal"), effect, span);
        let resource = self.resource_element(get("Resource"), get("NotResource"), span, variables);
        let conditions = get("Condition")
            .map(|p| self.conditions(&p.value, variables))
            .unwrap_or_default();

        if self.kind == PolicyKind::Rcp
            && let Some(a) = &action
            && a.negated
        {
            self.error(
                "element-not-allowed",
                "`NotAction` is not supported in resource control policies",
                a.span,
            );
        }
        let new = self
            .diagnostics
            .get(diagnostics_before..)
            .unwrap_or_default();
        if new.iter().any(Diagnostic::is_error) {
            return None;
        }
        Some(Statement {
            index,
            sid,
            sid_span,
            effect: effect?,
            principal,
            action: action?,
            resource,
            conditions,
            span,
        })
    }

    /// Reads a string-or-list element; reports and skips non-string items.
    pub(super) fn strings<'v>(
        &mut self,
        element: &str,
        value: &'v Value<'v>,
    ) -> Vec<(&'v str, Span)> {
        let mut out = Vec::new();
        match value {
            Value::StringLit(s) => out.push((s.value.as_ref(), self.span(value))),
            Value::Array(arr) => {
                if arr.elements.is_empty() {
                    let span = self.span(value);
                    self.error(
                        "empty-element",
                        format!("`{element}` is an empty list"),
                        span,
                    );
                }
                for item in &arr.elements {
                    match item {
                        Value::StringLit(s) => out.push((s.value.as_ref(), self.span(item))),
                        other => {
                            let span = self.span(other);
                            self.error(
                                "wrong-type",
                                format!(
                                    "each `{element}` entry must be a string, found {}",
                                    json::describe(other)
                                ),
                                span,
                            );
                        }
                    }
                }
            }
            other => {
                let span = self.span(other);
                self.error(
                    "wrong-type",
                    format!(
                        "`{element}` must be a string or a list of strings, found {}",
                        json::describe(other)
                    ),
                    span,
                );
            }
        }
        out
    }

    /// Picks one of a pair of mutually exclusive elements.
    pub(super) fn one_of<'p, 'v>(
        &mut self,
        plain: Option<&'p ObjectProp<'v>>,
        negated: Option<&'p ObjectProp<'v>>,
        names: (&str, &str),
    ) -> Option<(&'p ObjectProp<'v>, bool)> {
        match (plain, negated) {
            (Some(_), Some(n)) => {
                let span = json::prop_span(self.source, n);
                self.error_help(
                    "conflicting-elements",
                    format!(
                        "a statement cannot have both `{}` and `{}`",
                        names.0, names.1
                    ),
                    span,
                    format!("keep either `{}` or `{}`", names.0, names.1),
                );
                None
            }
            (Some(p), None) => Some((p, false)),
            (None, Some(n)) => Some((n, true)),
            (None, None) => None,
        }
    }
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 18: each statement is judged by its own errors only, so a good statement after
    /// bad ones is kept, and a document of many bad statements reports each once (the check
    /// no longer counts the errors of the whole document for each statement).
    #[test]
    fn issue_18_statements_judged_by_their_own_errors() {
        let good = r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#;
        let bad = r#"{"Effect": "Alow", "Action": "s3:GetObject", "Resource": "*"}"#;
        let statements: Vec<&str> = (0..2000)
            .map(|i| if i % 3 == 2 { good } else { bad })
            .collect();
        let text = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
            statements.join(",")
        );
        let mut map = SourceMap::new();
        let id = map.add_file("p.json", text);
        let parse = parse_policy_lenient(&mut map, id, PolicyKind::Identity);
        let kept: Vec<usize> = parse
            .document
            .unwrap()
            .statements
            .iter()
            .map(|s| s.index)
            .collect();
        assert_eq!(kept, (0..2000).filter(|i| i % 3 == 2).collect::<Vec<_>>());
        let errors = parse.diagnostics.iter().filter(|d| d.is_error()).count();
        assert_eq!(errors, statements.iter().filter(|s| **s == bad).count());
    }
}
