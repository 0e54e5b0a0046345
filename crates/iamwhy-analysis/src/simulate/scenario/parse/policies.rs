//! Policies, Organizations levels, KMS grants, evaluator options and expectations of a
//! scenario.

use std::sync::Arc;

use iamwhy_catalog::Catalog;
use iamwhy_core::PolicyKind;
use iamwhy_core::{DeniedBy, Diagnostic, SourceMap};
use iamwhy_eval::{EvalOptions, KmsGrant, NotPrincipalMode, Policy};
use iamwhy_policy::json::{self, JsonValue};
use iamwhy_policy::{PolicyDocument, parse_policy, parse_policy_value};

use super::{
    CachedDocument, EXPECT_KEYS, GRANT_KEYS, OPTION_KEYS, POLICY_WRAPPER_KEYS, Reader,
    foldhash_one, shifted,
};
use crate::simulate::scenario::{Expectation, ExpectedDecision};

impl Reader {
    /// A policy of the scenario, with the byte distance from the identical document it
    /// shares its compiled form with (0 when it is the first of its kind).
    pub(super) fn policy(
        &mut self,
        map: &mut SourceMap,
        key: &str,
        v: &JsonValue<'_>,
        kind: PolicyKind,
    ) -> Option<(Policy, u32)> {
        if let Some(policy) = self.managed_policy(map, v, kind) {
            return policy.map(|p| (p, 0));
        }
        let (name, arn, doc_value) = match v {
            JsonValue::Object(o) if o.properties.iter().any(|p| json::key(p) == "document") => {
                self.check_keys(
                    &format!("`{key}` entry"),
                    &o.properties,
                    POLICY_WRAPPER_KEYS,
                );
                let get = |k: &str| json::member(&o.properties, k);
                let name = get("name")
                    .and_then(|n| self.string("name", n))
                    .map(str::to_owned);
                let arn = get("arn")
                    .and_then(|n| self.string("arn", n))
                    .map(str::to_owned);
                (name, arn, get("document")?)
            }
            other => (None, None, other),
        };
        let (document, delta) = self.document(map, doc_value, kind)?;
        let name = name
            .or_else(|| {
                arn.as_ref()
                    .and_then(|a| a.rsplit('/').next().map(str::to_owned))
            })
            .unwrap_or_else(|| key.to_owned());
        Some((
            Policy {
                name,
                arn,
                document,
            },
            delta,
        ))
    }

    /// A policy document, compiled once per distinct text: a document written as a JSON
    /// object whose bytes equal those of one met before in the file (the same managed policy
    /// attached to many roles) shares that one's compiled form and warnings. Its locations
    /// are the first occurrence's, `delta` bytes earlier: the returned `delta` moves them to
    /// this occurrence (the same bytes, so every offset moves by the same distance).
    fn document(
        &mut self,
        map: &mut SourceMap,
        doc_value: &JsonValue<'_>,
        kind: PolicyKind,
    ) -> Option<(Arc<PolicyDocument>, u32)> {
        let range = match doc_value {
            JsonValue::Object(o) => Some((
                self.base.saturating_add(o.range.start),
                self.base.saturating_add(o.range.end),
            )),
            _ => None,
        };
        let bytes = range.and_then(|(start, end)| Some((start, self.text.get(start..end)?)));
        let key = bytes.map(|(start, text)| (kind, foldhash_one(text), start, text.len()));
        if let Some((kind, hash, start, len)) = key
            && let Some(hit) = self.documents.get(&(kind, hash)).and_then(|cached| {
                cached.iter().find(|c| {
                    c.len == len
                        && self.text.get(c.start..c.start.saturating_add(len))
                            == self.text.get(start..start.saturating_add(len))
                })
            })
        {
            let delta = u32::try_from(start.saturating_sub(hit.start)).unwrap_or(0);
            self.diagnostics
                .extend(hit.warnings.iter().map(|d| shifted(map, d, delta)));
            return Some((Arc::clone(&hit.document), delta));
        }
        if range.is_some_and(|(start, _)| self.skipped.contains(&start)) {
            // Left unread as the text of a document compiled as another kind: read again.
            self.retry = true;
            return None;
        }
        match parse_policy_value(map, self.source, doc_value, kind) {
            Ok(document) => {
                let mut warnings = document.warnings.clone();
                warnings.extend(self.actions.warnings(&document));
                self.diagnostics.extend(warnings.iter().cloned());
                let document = Arc::new(document);
                if let Some((kind, hash, start, len)) = key {
                    self.texts.entry(hash).or_default().push((start, len));
                    self.documents
                        .entry((kind, hash))
                        .or_default()
                        .push(CachedDocument {
                            start,
                            len,
                            document: Arc::clone(&document),
                            warnings,
                        });
                }
                Some((document, 0))
            }
            Err(e) => {
                self.diagnostics.extend(e);
                None
            }
        }
    }

    /// An AWS managed policy named by its ARN alone — `"arn:aws:iam::aws:policy/NAME"` or
    /// `{"arn": ...}` without a `document` — resolved from the bundled catalog. `None` when
    /// `v` is not such a reference; `Some(None)` when it is one the catalog lacks (reported).
    fn managed_policy(
        &mut self,
        map: &mut SourceMap,
        v: &JsonValue<'_>,
        kind: PolicyKind,
    ) -> Option<Option<Policy>> {
        let (arn, span) = match v {
            JsonValue::StringLit(s) => (s.value.as_ref(), self.span(v)),
            JsonValue::Object(o) if json::member(&o.properties, "document").is_none() => {
                let value = json::member(&o.properties, "arn")?;
                match value {
                    JsonValue::StringLit(s) => (s.value.as_ref(), self.span(value)),
                    _ => return None,
                }
            }
            _ => return None,
        };
        if !iamwhy_catalog::is_aws_managed_policy_arn(arn) {
            return None;
        }
        let catalog = Catalog::bundled();
        let Some(managed) = catalog.managed_policy(arn) else {
            let suggestions = catalog.suggest_managed_policies(arn);
            let mut d = Diagnostic::error(
                "scenario",
                format!("`{arn}` is not an AWS managed policy of the bundled catalog"),
                span,
            );
            if let Some(first) = suggestions.first() {
                d = d.with_help(format!("did you mean `arn:aws:iam::aws:policy/{first}`?"));
            }
            self.diagnostics.push(d);
            return Some(None);
        };
        let policy = |document| Policy {
            name: managed.name.to_owned(),
            arn: Some(managed.arn.to_owned()),
            document,
        };
        // Registered and parsed once per run: every use has the same text, file name and
        // locations.
        if let Some((document, warnings)) = self.managed.get(&(kind, managed.arn)) {
            self.diagnostics.extend(warnings.iter().cloned());
            return Some(Some(policy(Arc::clone(document))));
        }
        let source = map.add_file(managed.source_name(), managed.pretty_document());
        Some(match parse_policy(map, source, kind) {
            Ok(document) => {
                self.diagnostics.extend(document.warnings.iter().cloned());
                let warnings = document.warnings.clone();
                let document = Arc::new(document);
                self.managed
                    .insert((kind, managed.arn), (Arc::clone(&document), warnings));
                Some(policy(document))
            }
            Err(e) => {
                self.diagnostics.extend(e);
                None
            }
        })
    }

    pub(super) fn policy_list(
        &mut self,
        map: &mut SourceMap,
        key: &str,
        v: &JsonValue<'_>,
        kind: PolicyKind,
    ) -> Vec<(Policy, u32)> {
        let JsonValue::Array(a) = v else {
            self.wrong_type(key, "a list of policies", v);
            return Vec::new();
        };
        a.elements
            .iter()
            .enumerate()
            .filter_map(|(i, e)| self.policy(map, &format!("{key}[{i}]"), e, kind))
            .collect()
    }

    pub(super) fn levels(
        &mut self,
        map: &mut SourceMap,
        key: &str,
        v: &JsonValue<'_>,
        kind: PolicyKind,
    ) -> Vec<Vec<(Policy, u32)>> {
        let JsonValue::Array(a) = v else {
            self.wrong_type(
                key,
                "a list of levels (root first, account last), each a list of policies",
                v,
            );
            return Vec::new();
        };
        a.elements
            .iter()
            .enumerate()
            .map(|(i, level)| self.policy_list(map, &format!("{key}[{i}]"), level, kind))
            .collect()
    }

    pub(super) fn grants(&mut self, v: &JsonValue<'_>) -> Vec<KmsGrant> {
        let JsonValue::Array(a) = v else {
            self.wrong_type("kms_grants", "a list of grants", v);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, g) in a.elements.iter().enumerate() {
            let JsonValue::Object(o) = g else {
                self.wrong_type("kms_grants", "a list of grant objects", g);
                continue;
            };
            self.check_keys("grant", &o.properties, GRANT_KEYS);
            let get = |k: &str| json::member(&o.properties, k);
            let mut grant = KmsGrant {
                name: format!("kms_grants[{i}]"),
                ..KmsGrant::default()
            };
            if let Some(n) = get("name").and_then(|n| self.string("name", n)) {
                grant.name = n.to_owned();
            }
            grant.key_arn = get("key_arn")
                .and_then(|n| self.string("key_arn", n))
                .map(str::to_owned);
            match get("grantee").and_then(|n| self.string("grantee", n)) {
                Some(s) => grant.grantee = s.to_owned(),
                None => {
                    let span = self.span(g);
                    self.error("a grant needs a `grantee`", span);
                }
            }
            if let Some(ops) = get("operations") {
                grant.operations = self
                    .strings("operations", ops)
                    .into_iter()
                    .map(|(s, _)| s.trim_start_matches("kms:").to_owned())
                    .collect();
            }
            if let Some(ec) = get("encryption_context_equals") {
                grant.encryption_context_equals = self.string_map("encryption_context_equals", ec);
            }
            if let Some(ec) = get("encryption_context_subset") {
                grant.encryption_context_subset = self.string_map("encryption_context_subset", ec);
            }
            out.push(grant);
        }
        out
    }

    pub(super) fn options(&mut self, v: &JsonValue<'_>) -> EvalOptions {
        let mut options = EvalOptions::default();
        let JsonValue::Object(o) = v else {
            self.wrong_type("options", "an object", v);
            return options;
        };
        self.check_keys("options", &o.properties, OPTION_KEYS);
        for p in &o.properties {
            match json::key(p) {
                "not_principal" => match self.string("not_principal", &p.value) {
                    Some("strict_chain") => options.not_principal = NotPrincipalMode::StrictChain,
                    Some("any_entry") => options.not_principal = NotPrincipalMode::AnyEntry,
                    Some(other) => {
                        let span = self.span(&p.value);
                        self.error(
                            format!(
                                "`not_principal` is `strict_chain` or `any_entry`, found `{other}`"
                            ),
                            span,
                        );
                    }
                    None => {}
                },
                "trust_policy_respects_boundary" => {
                    if let Some(b) = self.boolean("trust_policy_respects_boundary", &p.value) {
                        options.trust_policy_respects_boundary = b;
                    }
                }
                _ => {}
            }
        }
        options
    }

    pub(super) fn expectation(&mut self, v: &JsonValue<'_>) -> Option<Expectation> {
        let decision = |r: &mut Reader, v: &JsonValue<'_>| {
            let text = r.string("expect", v)?;
            let d = ExpectedDecision::parse(text);
            if d.is_none() {
                let span = r.span(v);
                r.diagnostics.push(
                    Diagnostic::error(
                        "scenario",
                        format!("unknown expected decision `{text}`"),
                        span,
                    )
                    .with_help("use `Allowed`, `ExplicitDeny`, `ImplicitDeny` or `Denied`"),
                );
            }
            d
        };
        match v {
            JsonValue::StringLit(_) => Some(Expectation {
                decision: decision(self, v)?,
                denied_by: None,
                message: None,
                deciding: Vec::new(),
            }),
            JsonValue::Object(o) => {
                self.check_keys("expect", &o.properties, EXPECT_KEYS);
                let get = |k: &str| json::member(&o.properties, k);
                let Some(d) = get("decision") else {
                    let span = self.span(v);
                    self.error("`expect` needs a `decision`", span);
                    return None;
                };
                let decision = decision(self, d)?;
                let denied_by = match get("denied_by") {
                    None => None,
                    Some(JsonValue::NullKeyword(_)) => Some(None),
                    Some(x) => {
                        let text = self.string("denied_by", x)?;
                        match parse_denied_by(text) {
                            Some(t) => Some(Some(t)),
                            None => {
                                let span = self.span(x);
                                self.diagnostics.push(
                                    Diagnostic::error("scenario", format!("unknown policy type `{text}`"), span)
                                        .with_help("use identity, resource, permissions-boundary, session, scp, rcp, vpc-endpoint, service-rule or null"),
                                );
                                return None;
                            }
                        }
                    }
                };
                let message = get("message")
                    .and_then(|m| self.string("message", m))
                    .map(str::to_owned);
                let deciding = get("deciding")
                    .map(|d| {
                        self.strings("deciding", d)
                            .into_iter()
                            .map(|(s, _)| s.to_owned())
                            .collect()
                    })
                    .unwrap_or_default();
                Some(Expectation {
                    decision,
                    denied_by,
                    message,
                    deciding,
                })
            }
            other => {
                self.wrong_type("expect", "a decision string or an object", other);
                None
            }
        }
    }
}

/// Parses a policy-type name as used in `denied_by`.
pub(crate) fn parse_denied_by(text: &str) -> Option<DeniedBy> {
    Some(match text {
        "identity" => DeniedBy::Identity,
        "resource" => DeniedBy::Resource,
        "permissions-boundary" => DeniedBy::PermissionsBoundary,
        "session" => DeniedBy::Session,
        "scp" => DeniedBy::Scp,
        "rcp" => DeniedBy::Rcp,
        "vpc-endpoint" => DeniedBy::VpcEndpoint,
        "service-rule" => DeniedBy::ServiceRule,
        _ => return None,
    })
}
