//! The `principal` of a scenario: an ARN string, or an object with the facts an ARN cannot
//! carry.

use iamwhy_core::{
    CredentialType, Diagnostic, FederatedUser, IamUser, Principal, PrincipalFacts, Role, Span,
};
use iamwhy_policy::json::{self, JsonValue};

use super::{PRINCIPAL_KEYS, Reader};

impl Reader {
    pub(super) fn principal(&mut self, v: &JsonValue<'_>) -> (Option<Principal>, PrincipalFacts) {
        let mut facts = PrincipalFacts::default();
        let parse_arn = |r: &mut Reader, text: &str, span: Span| match Principal::parse(text) {
            Ok(p) => Some(p),
            Err(e) => {
                r.error(e.to_string(), span);
                None
            }
        };
        let obj = match v {
            JsonValue::StringLit(s) => {
                let span = self.span(v);
                return (parse_arn(self, &s.value, span), facts);
            }
            JsonValue::Object(o) => o,
            other => {
                self.wrong_type("principal", "an ARN string or an object", other);
                return (None, facts);
            }
        };
        self.check_keys("principal", &obj.properties, PRINCIPAL_KEYS);
        let get = |k: &str| json::member(&obj.properties, k);
        let mut principal = if let Some(s) = get("service") {
            self.string("service", s)
                .map(|s| Principal::Service(s.to_owned()))
        } else if let Some(f) = get("federated") {
            self.string("federated", f)
                .map(|s| Principal::IdentityProvider(s.to_owned()))
        } else if let Some(a) = get("arn") {
            let span = self.span(a);
            self.string("arn", a).and_then(|s| parse_arn(self, s, span))
        } else if let Some(r) = get("role_arn") {
            let span = self.span(r);
            self.string("role_arn", r)
                .and_then(|s| parse_arn(self, s, span))
        } else {
            let span = self.span(v);
            self.error(
                "a principal object needs `arn`, `role_arn`, `service` or `federated`",
                span,
            );
            None
        };

        if let Some(r) = get("role_arn") {
            let span = self.span(r);
            if let Some(text) = self.string("role_arn", r) {
                match (Principal::parse(text), principal.as_mut()) {
                    (
                        Ok(Principal::RoleSession(from_role)),
                        Some(Principal::RoleSession(session)),
                    ) => {
                        if !from_role.role.name.eq_ignore_ascii_case(&session.role.name)
                            || from_role.role.account != session.role.account
                        {
                            self.error(
                                format!(
                                    "`role_arn` names role `{}` but the session is of role `{}`",
                                    from_role.role.name, session.role.name
                                ),
                                span,
                            );
                        }
                        session.role.path = from_role.role.path;
                    }
                    (Ok(_), _) => self.error(
                        "`role_arn` must be a role ARN and goes with an assumed-role session `arn`",
                        span,
                    ),
                    (Err(e), _) => self.error(e.to_string(), span),
                }
            }
        }
        if let Some(u) = get("unique_id")
            && let Some(id) = self.string("unique_id", u)
        {
            match principal.as_mut() {
                Some(Principal::User(IamUser { unique_id, .. }))
                | Some(Principal::RoleSession(iamwhy_core::RoleSession {
                    role: Role { unique_id, .. },
                    ..
                })) => *unique_id = Some(id.to_owned()),
                _ => {
                    let span = self.span(u);
                    self.error("`unique_id` applies to IAM users and role sessions", span);
                }
            }
        }
        if let Some(p) = get("parent_user") {
            let span = self.span(p);
            if let Some(text) = self.string("parent_user", p) {
                match (Principal::parse(text), principal.as_mut()) {
                    (
                        Ok(Principal::User(user)),
                        Some(Principal::FederatedUser(FederatedUser { parent_user, .. })),
                    ) => {
                        *parent_user = Some(user);
                    }
                    (Ok(Principal::User(_)), _) => {
                        self.error("`parent_user` applies to federated-user principals", span);
                    }
                    (Ok(_), _) => self.error("`parent_user` must be an IAM user ARN", span),
                    (Err(e), _) => self.error(e.to_string(), span),
                }
            }
        }
        for key in ["tags", "session_tags"] {
            if let Some(t) = get(key) {
                for (k, v) in self.string_map(key, t) {
                    facts.set_tag(&k, &v);
                }
            }
        }
        if let Some(m) = get("mfa") {
            facts.mfa_authenticated = self.boolean("mfa", m);
        }
        if let Some(a) = get("mfa_age_seconds") {
            match a {
                JsonValue::NumberLit(n) => match n.value.parse::<u64>() {
                    Ok(age) => facts.mfa_auth_age = Some(age),
                    Err(_) => self.wrong_type("mfa_age_seconds", "a whole number of seconds", a),
                },
                other => self.wrong_type("mfa_age_seconds", "a number", other),
            }
        }
        if let Some(c) = get("credential_type")
            && let Some(text) = self.string("credential_type", c)
        {
            match CredentialType::parse(text) {
                Some(t) => facts.credential_type = Some(t),
                None => {
                    let span = self.span(c);
                    self.diagnostics.push(
                        Diagnostic::error("scenario", format!("unknown credential type `{text}`"), span)
                            .with_help("use `long_term`, `session_token`, `assumed_role`, `federation_token` or `console`"),
                    );
                }
            }
        }
        let text_fact =
            |r: &mut Reader, key: &str| get(key).and_then(|v| r.string(key, v)).map(str::to_owned);
        facts.token_issue_time = text_fact(self, "token_issue_time");
        facts.source_identity = text_fact(self, "source_identity");
        facts.canonical_user_id = text_fact(self, "canonical_user_id");
        facts.org_id = text_fact(self, "org_id");
        if let Some(p) = get("org_paths") {
            facts.org_paths = self
                .strings("org_paths", p)
                .into_iter()
                .map(|(s, _)| s.to_owned())
                .collect();
        }
        (principal, facts)
    }
}
