//! Request-context derivation (spec §1.1, §1.4): the global keys AWS puts in every request,
//! computed from the principal, its facts and the resource. Keys already present in the
//! request's context are left as they are, so a scenario can override any of them.

use iamwhy_core::time::Instant;
use iamwhy_core::{Context, ContextValue, CredentialType, Principal, PrincipalFacts, Request};

/// Fills the derived global keys into `req.context`, keeping keys that are already set.
///
/// Derived: `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:userid`
/// (when the unique id is known), `aws:username`, `aws:PrincipalIsAWSService`,
/// `aws:PrincipalServiceName(sList)`, `aws:PrincipalTag/*`, `aws:PrincipalOrgID`,
/// `aws:PrincipalOrgPaths`, `aws:SourceIdentity`, `aws:MultiFactorAuthPresent`,
/// `aws:MultiFactorAuthAge`, `aws:TokenIssueTime`, `aws:ResourceAccount`, `aws:CurrentTime`,
/// `aws:EpochTime`, `aws:SecureTransport` (`true`) and `aws:ViaAWSService` (`false`).
pub fn derive_context(req: &mut Request, now: Instant) {
    derive_principal_context(&req.principal, &req.facts, &mut req.context);
    derive_request_context(req, now);
}

/// Fills the keys of [`derive_context`] that depend on the request rather than the
/// principal: `aws:ResourceAccount`, `aws:CurrentTime`, `aws:EpochTime` and
/// `aws:SecureTransport` (keeping keys that are already set).
pub fn derive_request_context(req: &mut Request, now: Instant) {
    let account = req.effective_resource_account().map(str::to_owned);
    let context = &mut req.context;
    if let Some(acct) = account {
        single(context, "aws:ResourceAccount", || acct);
    }
    single(context, "aws:CurrentTime", || now.to_iso8601());
    single(context, "aws:EpochTime", || now.secs.to_string());
    single(context, "aws:SecureTransport", || "true".into());
}

/// Fills the keys that depend only on the principal and its facts (every key of
/// [`derive_context`] but `aws:ResourceAccount`, `aws:CurrentTime`, `aws:EpochTime` and
/// `aws:SecureTransport`) into `context`, keeping keys that are already set. A replay derives
/// them once per principal.
pub fn derive_principal_context(
    principal: &Principal,
    facts: &PrincipalFacts,
    context: &mut Context,
) {
    let keys = context;
    optional(keys, "aws:PrincipalArn", || principal.principal_arn());
    // AMBIGUITY A1: anonymous requests carry `aws:PrincipalAccount` = `anonymous`;
    // A2: service principals carry no account, type or user id.
    match principal.account() {
        Some(a) => single(keys, "aws:PrincipalAccount", || a.to_owned()),
        None if *principal == Principal::Anonymous => {
            single(keys, "aws:PrincipalAccount", || "anonymous".into());
        }
        None => {}
    }
    if let Some(t) = principal.principal_type() {
        single(keys, "aws:PrincipalType", || t.to_owned());
    }
    let userid = || match principal {
        Principal::Root(r) => Some(r.account.clone()),
        Principal::User(u) => u.unique_id.clone(),
        Principal::RoleSession(s) => s
            .role
            .unique_id
            .as_ref()
            .map(|id| format!("{id}:{}", s.session_name)),
        Principal::FederatedUser(f) => Some(format!("{}:{}", f.account, f.name)),
        Principal::Anonymous => Some("anonymous".into()),
        Principal::Service(_) | Principal::IdentityProvider(_) => None,
    };
    optional(keys, "aws:userid", userid);
    if let Principal::User(u) = principal {
        single(keys, "aws:username", || u.name.clone());
    }
    match principal {
        Principal::Service(name) => {
            single(keys, "aws:PrincipalIsAWSService", || "true".into());
            single(keys, "aws:PrincipalServiceName", || name.clone());
            keys.insert_if_absent(
                "aws:PrincipalServiceNamesList",
                ContextValue::Multi(vec![name.clone()]),
            );
        }
        Principal::Anonymous | Principal::IdentityProvider(_) => {}
        _ => {
            single(keys, "aws:PrincipalIsAWSService", || "false".into());
            single(keys, "aws:ViaAWSService", || "false".into());
            if !matches!(principal, Principal::Root(_)) {
                for (k, v) in &facts.tags {
                    single(keys, &format!("aws:PrincipalTag/{k}"), || v.clone());
                }
            }
            if let Some(org) = &facts.org_id {
                single(keys, "aws:PrincipalOrgID", || org.clone());
            }
            if !facts.org_paths.is_empty() {
                keys.insert_if_absent(
                    "aws:PrincipalOrgPaths",
                    ContextValue::Multi(facts.org_paths.clone()),
                );
            }
            if let Some(si) = &facts.source_identity {
                single(keys, "aws:SourceIdentity", || si.clone());
            }
            // Spec §1.4 credential-type table: MFA keys exist only for temporary credentials.
            if facts
                .credential_type(principal)
                .is_some_and(CredentialType::is_temporary)
            {
                let mfa = facts.mfa_authenticated.unwrap_or(false);
                single(keys, "aws:MultiFactorAuthPresent", || mfa.to_string());
                if let (true, Some(age)) = (mfa, facts.mfa_auth_age) {
                    single(keys, "aws:MultiFactorAuthAge", || age.to_string());
                }
                if let Some(t) = &facts.token_issue_time {
                    single(keys, "aws:TokenIssueTime", || t.clone());
                }
            }
        }
    }
}

/// Sets a single-valued key unless it is set, if `value` gives one (computed only then).
fn optional(context: &mut Context, key: &str, value: impl FnOnce() -> Option<String>) {
    if context.get(key).is_none()
        && let Some(v) = value()
    {
        context.insert(key, ContextValue::Single(v));
    }
}

/// Sets a single-valued key unless it is set (the value is computed only then).
fn single(context: &mut Context, key: &str, value: impl FnOnce() -> String) {
    context.insert_if_absent_with(key, || ContextValue::Single(value()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use iamwhy_core::{Action, ContextValue, Resource};

    fn request(principal: &str) -> Request {
        Request::new(
            Principal::parse(principal).unwrap(),
            Action::parse("s3:GetObject").unwrap(),
            Resource::parse("arn:aws:s3:::b/k").unwrap(),
        )
    }

    fn get(req: &Request, k: &str) -> Option<String> {
        req.context.get(k).map(|v| match v {
            ContextValue::Single(s) => s.clone(),
            ContextValue::Multi(v) => v.join(","),
        })
    }

    #[test]
    fn role_session_keys_spec_1_1() {
        let mut req = request("arn:aws:sts::111122223333:assumed-role/App/s1");
        req.facts.set_tag("team", "blue");
        derive_context(&mut req, Instant { secs: 0, nanos: 0 });
        assert_eq!(
            get(&req, "aws:PrincipalArn").unwrap(),
            "arn:aws:iam::111122223333:role/App"
        );
        assert_eq!(get(&req, "aws:PrincipalType").unwrap(), "AssumedRole");
        assert_eq!(get(&req, "aws:principaltag/TEAM").unwrap(), "blue");
        assert_eq!(get(&req, "aws:MultiFactorAuthPresent").unwrap(), "false");
        assert_eq!(get(&req, "aws:username"), None);
        assert_eq!(
            get(&req, "aws:CurrentTime").unwrap(),
            "1970-01-01T00:00:00Z"
        );
    }

    #[test]
    fn long_term_keys_have_no_mfa_key_spec_1_4() {
        let mut req = request("arn:aws:iam::111122223333:user/alice");
        derive_context(&mut req, Instant { secs: 0, nanos: 0 });
        assert_eq!(get(&req, "aws:MultiFactorAuthPresent"), None);
        assert_eq!(get(&req, "aws:username").unwrap(), "alice");
        assert_eq!(get(&req, "aws:PrincipalIsAWSService").unwrap(), "false");
    }

    #[test]
    fn service_and_anonymous_principals_a1_a2() {
        let mut svc = request("service:backup.amazonaws.com");
        derive_context(&mut svc, Instant { secs: 0, nanos: 0 });
        assert_eq!(get(&svc, "aws:PrincipalIsAWSService").unwrap(), "true");
        assert_eq!(
            get(&svc, "aws:PrincipalServiceName").unwrap(),
            "backup.amazonaws.com"
        );
        assert_eq!(get(&svc, "aws:PrincipalType"), None);
        assert_eq!(get(&svc, "aws:PrincipalAccount"), None);
        let mut anon = request("anonymous");
        derive_context(&mut anon, Instant { secs: 0, nanos: 0 });
        assert_eq!(get(&anon, "aws:PrincipalAccount").unwrap(), "anonymous");
        assert_eq!(get(&anon, "aws:PrincipalIsAWSService"), None);
    }

    #[test]
    fn given_keys_win() {
        let mut req = request("arn:aws:iam::111122223333:user/alice");
        req.context.set("aws:username", "mallory");
        derive_context(&mut req, Instant { secs: 0, nanos: 0 });
        assert_eq!(get(&req, "aws:username").unwrap(), "mallory");
    }
}
