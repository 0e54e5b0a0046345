//! `Action`/`NotAction`, `Resource`/`NotResource` and `Principal`/`NotPrincipal` (spec §2.2–§2.4).

use iamwhy_core::{Arn, Diagnostic, PolicyKind, Span, is_account_id};
use jsonc_parser::ast::{ObjectProp, Value};

use super::{PRINCIPAL_KEYS, Parser};
use crate::arn_pattern::ArnPattern;
use crate::document::{
    ActionElement, ActionMatcher, ActionPattern, Effect, KindRules, PrincipalElement,
    PrincipalEntry, PrincipalEntryKind, PrincipalRule, ResourceElement, ResourceMatcher,
    ResourcePattern,
};
use crate::json;
use crate::pattern::{Pattern, Variables, Wildcards};

impl Parser {
    pub(super) fn action_element(
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
        Some(ActionElement::new(
            negated,
            items,
            json::prop_span(self.source, prop),
        ))
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

    pub(super) fn resource_element(
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

    pub(super) fn principal_element(
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
                // AWS's page on NotPrincipal says to use it with Deny and that Allow "is not
                // supported", yet such statements exist in stored policies and AWS evaluates
                // them as written: the statement applies to every principal except those
                // named, anonymous requests included. Evaluate it, and say so.
                // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
                self.diagnostics.push(
                    iamwhy_core::Diagnostic::warning(
                        "not-principal-allow",
                        "`NotPrincipal` with `Allow` grants every principal except those named, anonymous ones included",
                        prop_span,
                    )
                    .with_help(
                        "AWS documents `NotPrincipal` for `Deny` only; use `\"Principal\": \"*\"` with a condition on `aws:PrincipalArn` instead",
                    ),
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
