//! Located JSON → [`PolicyDocument`] (spec §2.1–§2.5): validation of the grammar for the
//! policy's kind, and compilation of every matcher. All errors of a document are reported,
//! not only the first.

use iamwhy_core::{Arn, Diagnostic, Diagnostics, SourceId, SourceMap, Span, is_account_id};
use jsonc_parser::ast::{ObjectProp, Value};

use crate::arn_pattern::ArnPattern;
use crate::condition::{ConditionOperator, compile_value, edit_distance};
use crate::document::{
    ActionElement, ActionMatcher, ActionPattern, Condition, ConditionValue, Effect, PolicyDocument,
    PolicyKind, PrincipalElement, PrincipalEntry, PrincipalEntryKind, PrincipalRule,
    ResourceElement, ResourceMatcher, ResourcePattern, Statement, Version, variables_for,
};
use crate::json;
use crate::pattern::{Pattern, Variables, Wildcards};

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
pub fn parse_policy(
    map: &mut SourceMap,
    source: SourceId,
    kind: PolicyKind,
) -> Result<PolicyDocument, Diagnostics> {
    let Some(text) = map.text_arc(source) else {
        return Err(Diagnostics::single(Diagnostic::error(
            "json-syntax",
            "unknown source",
            Span::empty(source),
        )));
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
    let value = json::parse(source, &text).map_err(Diagnostics::single)?;
    parse_policy_value(map, source, &value, kind)
}

/// Parses a JSON value found in `source` as a policy document: an object, or a string that
/// holds the document (JSON or URL-encoded), as `get-bucket-policy` and the IAM API print them.
pub fn parse_policy_value(
    map: &mut SourceMap,
    source: SourceId,
    value: &Value<'_>,
    kind: PolicyKind,
) -> Result<PolicyDocument, Diagnostics> {
    match value {
        Value::Object(_) => {
            let mut parser = Parser {
                source,
                kind,
                diagnostics: Vec::new(),
            };
            let doc = parser.document(value);
            let has_error = parser.diagnostics.iter().any(Diagnostic::is_error);
            match doc {
                Some(mut doc) if !has_error => {
                    doc.warnings = parser.diagnostics;
                    Ok(doc)
                }
                _ => Err(Diagnostics::new(parser.diagnostics)),
            }
        }
        Value::StringLit(lit) => {
            let span = json::span(source, value);
            let decoded =
                json::decode_string_literal(map.text(source), lit.range.start, lit.range.end);
            let Some((text, offsets)) = decoded else {
                return Err(Diagnostics::single(Diagnostic::error(
                    "embedded-policy",
                    "cannot decode this string as a policy document",
                    span,
                )));
            };
            if json::looks_percent_encoded(&text) {
                return parse_percent_encoded(map, source, &text, &offsets, span, kind);
            }
            if !text.trim_start().starts_with('{') {
                return Err(Diagnostics::single(
                    Diagnostic::error(
                        "expected-policy",
                        "expected a policy document, found a string that does not hold one",
                        span,
                    )
                    .with_help(
                        "give the policy as a JSON object, or as a string holding the JSON text",
                    ),
                ));
            }
            parse_embedded(map, source, text, offsets, kind)
        }
        other => Err(Diagnostics::single(Diagnostic::error(
            "expected-policy",
            format!(
                "expected a policy document (a JSON object), found {}",
                json::describe(other)
            ),
            json::span(source, other),
        ))),
    }
}

fn parse_percent_encoded(
    map: &mut SourceMap,
    parent: SourceId,
    text: &str,
    offsets: &[u32],
    span: Span,
    kind: PolicyKind,
) -> Result<PolicyDocument, Diagnostics> {
    match json::decode_percent(text, offsets) {
        Some((decoded, offsets)) => parse_embedded(map, parent, decoded, offsets, kind),
        None => Err(Diagnostics::single(Diagnostic::error(
            "embedded-policy",
            "invalid URL encoding: expected `%` followed by two hex digits, and UTF-8 text",
            span,
        ))),
    }
}

fn parse_embedded(
    map: &mut SourceMap,
    parent: SourceId,
    text: String,
    offsets: Vec<u32>,
    kind: PolicyKind,
) -> Result<PolicyDocument, Diagnostics> {
    let inner = map.add_embedded(parent, text, offsets);
    let Some(inner_text) = map.text_arc(inner) else {
        return Err(Diagnostics::single(Diagnostic::error(
            "embedded-policy",
            "unknown source",
            Span::empty(parent),
        )));
    };
    let value = json::parse(inner, &inner_text).map_err(Diagnostics::single)?;
    if !matches!(value, Value::Object(_)) {
        return Err(Diagnostics::single(Diagnostic::error(
            "expected-policy",
            format!(
                "expected a policy document (a JSON object), found {}",
                json::describe(&value)
            ),
            json::span(inner, &value),
        )));
    }
    parse_policy_value(map, inner, &value, kind)
}

/// Parses a policy from a string with no file behind it (tests, generated policies).
pub fn parse_policy_str(text: &str, kind: PolicyKind) -> Result<PolicyDocument, Diagnostics> {
    let mut map = SourceMap::new();
    let id = map.add_file("<policy>", text);
    parse_policy(&mut map, id, kind)
}

struct Parser {
    source: SourceId,
    kind: PolicyKind,
    diagnostics: Vec<Diagnostic>,
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
    fn span(&self, value: &Value<'_>) -> Span {
        json::span(self.source, value)
    }

    fn error(&mut self, code: &'static str, message: impl Into<String>, span: Span) {
        self.diagnostics
            .push(Diagnostic::error(code, message, span));
    }

    fn error_help(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        help: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::error(code, message, span).with_help(help));
    }

    fn warning(&mut self, code: &'static str, message: impl Into<String>, span: Span) {
        self.diagnostics
            .push(Diagnostic::warning(code, message, span));
    }

    fn unknown_key(&mut self, what: &str, prop: &ObjectProp<'_>, known: &[&str]) {
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
        let errors_before = self.error_count();
        let span = self.span(value);
        self.diagnostics
            .extend(json::duplicate_keys(self.source, &obj.properties));
        let get = |name: &str| obj.properties.iter().find(|p| json::key(p) == name);
        for prop in &obj.properties {
            if !STATEMENT_KEYS.contains(&json::key(prop)) {
                self.unknown_key("statement", prop, STATEMENT_KEYS);
            }
        }

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
        if self.error_count() > errors_before {
            return None;
        }
        Some(Statement {
            index,
            sid,
            effect: effect?,
            principal,
            action: action?,
            resource,
            conditions,
            span,
        })
    }

    fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Reads a string-or-list element; reports and skips non-string items.
    fn strings<'v>(&mut self, element: &str, value: &'v Value<'v>) -> Vec<(&'v str, Span)> {
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
    fn one_of<'p, 'v>(
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

    fn action_element(
        &mut self,
        action: Option<&ObjectProp<'_>>,
        not_action: Option<&ObjectProp<'_>>,
        statement_span: Span,
    ) -> Option<ActionElement> {
        if action.is_none() && not_action.is_none() {
            self.error_help(
                "missing-element",
                "missing `Action` or `NotAction` in this statement",
                statement_span,
                "add `\"Action\": \"service:ActionName\"`",
            );
            return None;
        }
        let (prop, negated) = self.one_of(action, not_action, ("Action", "NotAction"))?;
        let name = if negated { "NotAction" } else { "Action" };
        let items: Vec<ActionPattern> = self
            .strings(name, &prop.value)
            .into_iter()
            .filter_map(|(text, span)| self.action_pattern(text, span))
            .collect();
        if self.kind == PolicyKind::TrustPolicy && !negated {
            for item in &items {
                if !covers_trust_action(&item.matcher) {
                    self.warning(
                        "trust-policy-action",
                        format!(
                            "`{}` in a role trust policy never applies: trust policies govern only `sts:AssumeRole*`, `sts:TagSession`, `sts:SetSourceIdentity` and `sts:SetContext`",
                            item.text
                        ),
                        item.span,
                    );
                }
            }
        }
        Some(ActionElement {
            negated,
            items,
            span: json::prop_span(self.source, prop),
        })
    }

    fn action_pattern(&mut self, text: &str, span: Span) -> Option<ActionPattern> {
        let matcher = if text == "*" {
            ActionMatcher::All
        } else {
            let Some((service, name)) = text.split_once(':') else {
                self.error_help(
                    "invalid-action",
                    format!("`{text}` is not an action: expected `service:ActionName`"),
                    span,
                    "prefix the action with its service, e.g. `s3:GetObject`, or use `*`",
                );
                return None;
            };
            if service.is_empty()
                || service.contains(['*', '?'])
                || service.chars().any(char::is_whitespace)
            {
                self.error_help(
                    "invalid-action",
                    format!("invalid service prefix `{service}` in `{text}`"),
                    span,
                    "the service prefix is written in full, without wildcards, e.g. `s3`",
                );
                return None;
            }
            if name.is_empty() || name.chars().any(char::is_whitespace) {
                self.warning(
                    "invalid-action",
                    format!("`{text}` has an empty or blank action name and never matches"),
                    span,
                );
                ActionMatcher::Never
            } else {
                ActionMatcher::Service {
                    service: service.to_ascii_lowercase().into_boxed_str(),
                    service_hash: crate::document::service_hash(service),
                    name: Pattern::compile(name, Wildcards::Glob, Variables::Literal),
                }
            }
        };
        Some(ActionPattern {
            text: text.to_owned(),
            span,
            matcher,
        })
    }

    fn resource_element(
        &mut self,
        resource: Option<&ObjectProp<'_>>,
        not_resource: Option<&ObjectProp<'_>>,
        statement_span: Span,
        variables: Variables,
    ) -> Option<ResourceElement> {
        if self.kind == PolicyKind::TrustPolicy {
            for p in [resource, not_resource].into_iter().flatten() {
                let span = json::prop_span(self.source, p);
                self.error_help(
                    "element-not-allowed",
                    format!("`{}` is not allowed in a role trust policy", json::key(p)),
                    span,
                    "a trust policy always applies to its role; remove the element",
                );
            }
            return None;
        }
        if resource.is_none() && not_resource.is_none() {
            if self.kind.requires_resource() {
                self.error_help(
                    "missing-element",
                    format!(
                        "missing `Resource` or `NotResource`: required in {}",
                        self.kind.with_article()
                    ),
                    statement_span,
                    "add `\"Resource\": \"*\"` or the ARNs the statement applies to",
                );
            }
            return None;
        }
        let (prop, negated) = self.one_of(resource, not_resource, ("Resource", "NotResource"))?;
        let name = if negated { "NotResource" } else { "Resource" };
        let items = self
            .strings(name, &prop.value)
            .into_iter()
            .filter_map(|(text, span)| self.resource_pattern(text, span, variables))
            .collect();
        Some(ResourceElement {
            negated,
            items,
            span: json::prop_span(self.source, prop),
        })
    }

    fn resource_pattern(
        &mut self,
        text: &str,
        span: Span,
        variables: Variables,
    ) -> Option<ResourcePattern> {
        let matcher = if text == "*" {
            ResourceMatcher::All
        } else if text.starts_with("arn:") {
            if let Some(arn) = Arn::parse(text) {
                let head = [arn.partition, arn.service, arn.region, arn.account];
                if variables == Variables::Substitute && head.iter().any(|f| f.contains("${")) {
                    self.warning(
                        "variable-not-allowed",
                        format!(
                            "policy variables are only substituted in the resource part of `{text}`"
                        ),
                        span,
                    );
                }
            }
            // Spec §2.4 rule 5 calls a wildcard in the service part a validation error, but
            // IAM accepts such policies (`arn:aws:*:*:*:*` is common in deployed
            // configurations): warn, and match the part as a glob (docs/decisions.md D18).
            if let Some(service) = text.split(':').nth(2)
                && service.contains(['*', '?'])
            {
                self.diagnostics.push(
                    Diagnostic::warning(
                        "wildcard-service",
                        format!("the service part `{service}` of `{text}` has a wildcard"),
                        span,
                    )
                    .with_help("name the service, e.g. `arn:aws:s3:::bucket/*`, or use `*` for every resource"),
                );
            }
            let fields = text.split(':').count();
            match ArnPattern::compile_resource(text, variables, self.kind.short_arn_rule()) {
                Some(p) if fields < 6 => {
                    let mut padded: Vec<&str> = text.split(':').collect();
                    padded.resize(6, "*");
                    self.warning(
                        "short-arn",
                        format!(
                            "`{text}` has fewer than six ARN fields; read as `{}`",
                            padded.join(":")
                        ),
                        span,
                    );
                    ResourceMatcher::Arn(Box::new(p))
                }
                Some(p) => ResourceMatcher::Arn(Box::new(p)),
                None => {
                    self.warning(
                        "short-arn",
                        format!(
                            "`{text}` has fewer than six ARN fields and never matches in {}",
                            self.kind.with_article()
                        ),
                        span,
                    );
                    ResourceMatcher::Never
                }
            }
        } else {
            self.error_help(
                "invalid-resource",
                format!("`{text}` is not a resource: expected an ARN or `*`"),
                span,
                "write the full ARN, e.g. `arn:aws:s3:::my-bucket/*`",
            );
            return None;
        };
        Some(ResourcePattern {
            text: text.to_owned(),
            span,
            matcher,
        })
    }

    fn principal_element(
        &mut self,
        principal: Option<&ObjectProp<'_>>,
        not_principal: Option<&ObjectProp<'_>>,
        effect: Option<Effect>,
        statement_span: Span,
    ) -> Option<PrincipalElement> {
        let rule = self.kind.principal_rule();
        if rule == PrincipalRule::Forbidden {
            for p in [principal, not_principal].into_iter().flatten() {
                let span = json::prop_span(self.source, p);
                self.error_help(
                    "element-not-allowed",
                    format!("`{}` is not allowed in {}", json::key(p), self.kind.with_article()),
                    span,
                    match self.kind {
                        PolicyKind::Scp => "an SCP applies to the users and roles of the accounts it is attached to; remove the element",
                        _ => "the policy applies to the user, role or session it is attached to; remove the element",
                    },
                );
            }
            return None;
        }
        if principal.is_none() && not_principal.is_none() {
            if rule == PrincipalRule::Required {
                self.error_help(
                    "missing-element",
                    format!("missing `Principal` in this statement of {}", self.kind.with_article()),
                    statement_span,
                    "name who the statement applies to, e.g. `\"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"}`",
                );
            }
            return None;
        }
        let (prop, negated) =
            self.one_of(principal, not_principal, ("Principal", "NotPrincipal"))?;
        let prop_span = json::prop_span(self.source, prop);
        if negated {
            if matches!(self.kind, PolicyKind::TrustPolicy | PolicyKind::Rcp) {
                self.error(
                    "element-not-allowed",
                    format!(
                        "`NotPrincipal` is not supported in {}",
                        self.kind.with_article()
                    ),
                    prop_span,
                );
            } else if effect == Some(Effect::Allow) {
                self.error_help(
                    "element-not-allowed",
                    "`NotPrincipal` with `Allow` is not supported",
                    prop_span,
                    "use `\"Principal\": \"*\"` with a condition on `aws:PrincipalArn` instead",
                );
            }
        }
        let name = if negated { "NotPrincipal" } else { "Principal" };
        let mut entries = Vec::new();
        match &prop.value {
            Value::StringLit(s) if s.value == "*" => entries.push(PrincipalEntry {
                text: "*".into(),
                span: self.span(&prop.value),
                kind: PrincipalEntryKind::Any,
            }),
            Value::Object(obj) => {
                self.diagnostics
                    .extend(json::duplicate_keys(self.source, &obj.properties));
                if obj.properties.is_empty() {
                    let span = self.span(&prop.value);
                    self.error(
                        "empty-element",
                        format!("`{name}` is an empty object"),
                        span,
                    );
                }
                for p in &obj.properties {
                    let key = json::key(p);
                    if !PRINCIPAL_KEYS.contains(&key) {
                        self.unknown_key("principal", p, PRINCIPAL_KEYS);
                        continue;
                    }
                    for (text, span) in self.strings(key, &p.value) {
                        if let Some(kind) = self.principal_entry(key, text, span) {
                            entries.push(PrincipalEntry {
                                text: text.to_owned(),
                                span,
                                kind,
                            });
                        }
                    }
                }
            }
            other => {
                let span = self.span(other);
                self.error_help(
                    "invalid-principal",
                    format!(
                        "`{name}` must be `\"*\"` or an object, found {}",
                        match other {
                            Value::StringLit(s) => format!("`{}`", s.value),
                            v => json::describe(v).to_owned(),
                        }
                    ),
                    span,
                    "write `{\"AWS\": \"<ARN or account id>\"}`, `{\"Service\": \"<service>.amazonaws.com\"}` or `\"*\"`",
                );
            }
        }
        if self.kind == PolicyKind::Rcp
            && !negated
            && !entries.iter().all(|e| e.kind == PrincipalEntryKind::Any)
        {
            self.error_help(
                "invalid-principal",
                "the `Principal` of a resource control policy must be `\"*\"`",
                prop_span,
                "restrict principals with conditions such as `aws:PrincipalOrgID` instead",
            );
        }
        Some(PrincipalElement {
            negated,
            entries,
            span: prop_span,
        })
    }

    fn principal_entry(&mut self, key: &str, text: &str, span: Span) -> Option<PrincipalEntryKind> {
        match key {
            "Service" => return Some(PrincipalEntryKind::Service(text.to_ascii_lowercase())),
            "Federated" => return Some(PrincipalEntryKind::Federated(text.to_owned())),
            "CanonicalUser" => return Some(PrincipalEntryKind::CanonicalUser(text.to_owned())),
            _ => {}
        }
        if text == "*" {
            return Some(PrincipalEntryKind::Any);
        }
        if is_account_id(text) {
            return Some(PrincipalEntryKind::Account {
                account: text.to_owned(),
            });
        }
        let unique_id = (text.starts_with("AIDA") || text.starts_with("AROA"))
            && text.len() >= 16
            && text
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if unique_id {
            return Some(PrincipalEntryKind::UniqueId(text.to_owned()));
        }
        let invalid = |p: &mut Parser, message: String| {
            p.error_help(
                "invalid-principal",
                message,
                span,
                "name an account id, or the ARN of a root user, user, role, assumed-role or federated-user session",
            );
            None
        };
        let Some(arn) = Arn::parse(text) else {
            return invalid(self, format!("invalid principal `{text}`"));
        };
        if text.contains(['*', '?']) {
            self.error_help(
                "invalid-principal",
                format!("wildcards are not allowed in principal ARNs: `{text}`"),
                span,
                "use `\"Principal\": \"*\"` with a condition such as `ArnLike` on `aws:PrincipalArn`",
            );
            return None;
        }
        if !is_account_id(arn.account) {
            return invalid(self, format!("invalid account id in principal `{text}`"));
        }
        let arn_text = text.to_owned();
        match (arn.service, arn.resource_type(), arn.resource_id()) {
            ("iam", "root", "") => Some(PrincipalEntryKind::Account {
                account: arn.account.to_owned(),
            }),
            ("iam", "user", id) if !id.is_empty() => {
                Some(PrincipalEntryKind::User { arn: arn_text })
            }
            ("iam", "role", id) if !id.is_empty() => Some(PrincipalEntryKind::Role {
                partition: arn.partition.to_owned(),
                account: arn.account.to_owned(),
                name: id.rsplit('/').next().unwrap_or(id).to_owned(),
                arn: arn_text,
            }),
            ("sts", "assumed-role", id) if id.contains('/') => {
                Some(PrincipalEntryKind::AssumedRole { arn: arn_text })
            }
            ("sts", "federated-user", id) if !id.is_empty() => {
                Some(PrincipalEntryKind::FederatedUser { arn: arn_text })
            }
            _ => invalid(self, format!("invalid principal `{text}`")),
        }
    }

    fn conditions(&mut self, value: &Value<'_>, variables: Variables) -> Vec<Condition> {
        let Value::Object(block) = value else {
            let span = self.span(value);
            self.error(
                "wrong-type",
                format!(
                    "`Condition` must be an object, found {}",
                    json::describe(value)
                ),
                span,
            );
            return Vec::new();
        };
        self.diagnostics
            .extend(json::duplicate_keys(self.source, &block.properties));
        let mut out = Vec::new();
        for op_prop in &block.properties {
            let op_text = json::key(op_prop);
            let op_span = json::key_span(self.source, op_prop);
            let operator = match ConditionOperator::parse(op_text) {
                Ok(op) => op,
                Err((message, help)) => {
                    let mut d = Diagnostic::error("invalid-operator", message, op_span);
                    if let Some(h) = help {
                        d = d.with_help(h);
                    }
                    self.diagnostics.push(d);
                    continue;
                }
            };
            let Value::Object(keys) = &op_prop.value else {
                let span = self.span(&op_prop.value);
                self.error(
                    "wrong-type",
                    format!(
                        "`{op_text}` must map condition keys to values, found {}",
                        json::describe(&op_prop.value)
                    ),
                    span,
                );
                continue;
            };
            self.diagnostics
                .extend(json::duplicate_keys(self.source, &keys.properties));
            for key_prop in &keys.properties {
                let key = json::key(key_prop);
                let key_span = json::key_span(self.source, key_prop);
                if key.is_empty() {
                    self.error("invalid-condition-key", "empty condition key", key_span);
                    continue;
                }
                if !key.contains(':') {
                    self.warning(
                        "invalid-condition-key",
                        format!("condition key `{key}` has no service prefix such as `aws:`"),
                        key_span,
                    );
                }
                let values = self.condition_values(&operator, &key_prop.value, variables);
                if values.is_empty() {
                    continue;
                }
                out.push(Condition {
                    operator,
                    key: key.to_owned(),
                    key_lower: iamwhy_core::normalize_key(key),
                    values,
                    operator_span: op_span,
                    span: json::prop_span(self.source, key_prop),
                });
            }
        }
        out
    }

    fn condition_values(
        &mut self,
        operator: &ConditionOperator,
        value: &Value<'_>,
        variables: Variables,
    ) -> Vec<ConditionValue> {
        let items: Vec<&Value<'_>> = match value {
            Value::Array(arr) => {
                if arr.elements.is_empty() {
                    let span = self.span(value);
                    self.error_help(
                        "empty-element",
                        "a condition key needs at least one value",
                        span,
                        "AWS rejects an empty list of condition values",
                    );
                }
                arr.elements.iter().collect()
            }
            single => vec![single],
        };
        let mut out = Vec::new();
        for item in items {
            let span = self.span(item);
            let text = match item {
                Value::StringLit(s) => s.value.to_string(),
                Value::NumberLit(n) => n.value.to_owned(),
                Value::BooleanLit(b) => b.value.to_string(),
                other => {
                    self.error(
                        "wrong-type",
                        format!(
                            "a condition value must be a string, number or boolean, found {}",
                            json::describe(other)
                        ),
                        span,
                    );
                    continue;
                }
            };
            let compiled = compile_value(operator, &text, span, variables, &mut self.diagnostics);
            out.push(ConditionValue {
                text,
                span,
                compiled,
            });
        }
        out
    }
}

/// Whether an action entry can match one of the actions a trust policy governs (spec §2.1).
fn covers_trust_action(matcher: &ActionMatcher) -> bool {
    const TRUST_ACTIONS: &[&str] = &[
        "AssumeRole",
        "AssumeRoleWithSAML",
        "AssumeRoleWithWebIdentity",
        "TagSession",
        "SetSourceIdentity",
        "SetContext",
    ];
    match matcher {
        ActionMatcher::All => true,
        ActionMatcher::Service { service, name, .. } => {
            &**service == "sts"
                && TRUST_ACTIONS
                    .iter()
                    .any(|a| name.matches_plain(a, crate::pattern::CaseFold::Ascii))
        }
        ActionMatcher::Never => false,
    }
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
