//! Who makes a request.
//!
//! Spec §1.1: the principal is a tagged variant, not just an ARN, because several facts (the
//! role's path, the IAM user that called `GetFederationToken`, the credential type) cannot be
//! derived from the ARN a request carries.

use std::fmt;

use crate::arn::{Arn, is_account_id};

/// The account root user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootUser {
    /// Partition, e.g. `aws`.
    pub partition: String,
    /// Account id.
    pub account: String,
}

/// An IAM user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IamUser {
    /// Partition, e.g. `aws`.
    pub partition: String,
    /// Account id.
    pub account: String,
    /// Path, `/` or `/a/b/`.
    pub path: String,
    /// User name.
    pub name: String,
    /// Unique id (`AIDA…`) when known.
    pub unique_id: Option<String>,
}

impl IamUser {
    /// `arn:partition:iam::account:user/path/name`.
    pub fn arn(&self) -> String {
        format!(
            "arn:{}:iam::{}:user{}{}",
            self.partition, self.account, self.path, self.name
        )
    }
}

/// An IAM role (the role behind a role session).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// Partition, e.g. `aws`.
    pub partition: String,
    /// Account id.
    pub account: String,
    /// Path, `/` or `/a/b/`; a session ARN does not carry it.
    pub path: String,
    /// Role name.
    pub name: String,
    /// Unique id (`AROA…`) when known.
    pub unique_id: Option<String>,
}

impl Role {
    /// `arn:partition:iam::account:role/path/name`.
    pub fn arn(&self) -> String {
        format!(
            "arn:{}:iam::{}:role{}{}",
            self.partition, self.account, self.path, self.name
        )
    }

    /// Spec §4.8.4: service-linked roles live under `/aws-service-role/`.
    pub fn is_service_linked(&self) -> bool {
        self.path.starts_with("/aws-service-role/")
    }
}

/// A session of an IAM role (`AssumeRole*`, instance profiles, Identity Center, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleSession {
    /// The role.
    pub role: Role,
    /// The session name (last part of the session ARN).
    pub session_name: String,
}

impl RoleSession {
    /// `arn:partition:sts::account:assumed-role/RoleName/SessionName` (no role path).
    pub fn arn(&self) -> String {
        format!(
            "arn:{}:sts::{}:assumed-role/{}/{}",
            self.role.partition, self.role.account, self.role.name, self.session_name
        )
    }
}

/// A federated-user session created by `GetFederationToken`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FederatedUser {
    /// Partition, e.g. `aws`.
    pub partition: String,
    /// Account id.
    pub account: String,
    /// The name chosen by the caller of `GetFederationToken`.
    pub name: String,
    /// The IAM user that called `GetFederationToken` (its policies apply); spec §1.1 forbids
    /// deriving it from the federated-user name.
    pub parent_user: Option<IamUser>,
}

impl FederatedUser {
    /// `arn:partition:sts::account:federated-user/Name`.
    pub fn arn(&self) -> String {
        format!(
            "arn:{}:sts::{}:federated-user/{}",
            self.partition, self.account, self.name
        )
    }
}

/// The principal that makes a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// The account root user.
    Root(RootUser),
    /// An IAM user with its own credentials.
    User(IamUser),
    /// A role session.
    RoleSession(RoleSession),
    /// A federated-user session.
    FederatedUser(FederatedUser),
    /// An AWS service principal such as `cloudtrail.amazonaws.com`.
    Service(String),
    /// The caller of `AssumeRoleWithWebIdentity`/`AssumeRoleWithSAML`, named by its identity
    /// provider (`accounts.google.com`, an `oidc-provider` or `saml-provider` ARN).
    IdentityProvider(String),
    /// An unsigned request.
    Anonymous,
}

/// Session name used when a scenario names a role instead of one of its sessions.
pub const DEFAULT_SESSION_NAME: &str = "iamwhy";

/// Why a principal string could not be understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalParseError {
    message: String,
}

impl PrincipalParseError {
    fn new(message: impl Into<String>) -> PrincipalParseError {
        PrincipalParseError {
            message: message.into(),
        }
    }
}

impl fmt::Display for PrincipalParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PrincipalParseError {}

/// Splits `path/name` (with an optional leading path) into (`/path/`, `name`).
fn split_path(rest: &str) -> (String, String) {
    match rest.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name.to_owned()),
        None => ("/".to_owned(), rest.to_owned()),
    }
}

impl Principal {
    /// Understands what a user writes for a principal: an IAM user, role, assumed-role
    /// session, federated-user or root ARN, a 12-digit account id (the root user),
    /// `anonymous`, or a service principal name ending in `.amazonaws.com`.
    pub fn parse(text: &str) -> Result<Principal, PrincipalParseError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("anonymous") {
            return Ok(Principal::Anonymous);
        }
        if is_account_id(text) {
            return Ok(Principal::Root(RootUser {
                partition: "aws".into(),
                account: text.into(),
            }));
        }
        if let Some(service) = text.strip_prefix("service:") {
            return Ok(Principal::Service(service.to_owned()));
        }
        if !text.starts_with("arn:") && text.ends_with(".amazonaws.com") {
            return Ok(Principal::Service(text.to_owned()));
        }
        let arn = Arn::parse(text).ok_or_else(|| {
            PrincipalParseError::new(format!(
                "`{text}` is not a principal: expected an ARN, an account id, `anonymous` or a service principal"
            ))
        })?;
        if !is_account_id(arn.account) {
            return Err(PrincipalParseError::new(format!(
                "`{text}` has no 12-digit account id"
            )));
        }
        let partition = arn.partition.to_owned();
        let account = arn.account.to_owned();
        let bad =
            |what: &str| PrincipalParseError::new(format!("`{text}` is not a valid {what} ARN"));
        match (arn.service, arn.resource_type(), arn.resource_id()) {
            ("iam", "root", "") => Ok(Principal::Root(RootUser { partition, account })),
            ("iam", "user", rest) if !rest.is_empty() && !rest.ends_with('/') => {
                let (path, name) = split_path(rest);
                Ok(Principal::User(IamUser {
                    partition,
                    account,
                    path,
                    name,
                    unique_id: None,
                }))
            }
            ("iam", "role", rest) if !rest.is_empty() && !rest.ends_with('/') => {
                let (path, name) = split_path(rest);
                Ok(Principal::RoleSession(RoleSession {
                    role: Role {
                        partition,
                        account,
                        path,
                        name,
                        unique_id: None,
                    },
                    session_name: DEFAULT_SESSION_NAME.to_owned(),
                }))
            }
            ("sts", "assumed-role", rest) => {
                let (role, session) = rest.split_once('/').ok_or_else(|| bad("assumed-role"))?;
                if role.is_empty() || session.is_empty() {
                    return Err(bad("assumed-role"));
                }
                Ok(Principal::RoleSession(RoleSession {
                    role: Role {
                        partition,
                        account,
                        path: "/".into(),
                        name: role.to_owned(),
                        unique_id: None,
                    },
                    session_name: session.to_owned(),
                }))
            }
            ("sts", "federated-user", name) if !name.is_empty() => {
                Ok(Principal::FederatedUser(FederatedUser {
                    partition,
                    account,
                    name: name.to_owned(),
                    parent_user: None,
                }))
            }
            ("iam" | "sts", _, _) => Err(PrincipalParseError::new(format!(
                "`{text}` is not a user, role, assumed-role, federated-user or root ARN"
            ))),
            _ => Err(PrincipalParseError::new(format!(
                "`{text}` is not an IAM or STS principal ARN"
            ))),
        }
    }

    /// The ARN AWS prints after `User:` in an AccessDenied message (spec §1.1, §5): the
    /// session ARN for role sessions; `None` for service principals and anonymous callers.
    pub fn requester_arn(&self) -> Option<String> {
        match self {
            Principal::Root(r) => Some(format!("arn:{}:iam::{}:root", r.partition, r.account)),
            Principal::User(u) => Some(u.arn()),
            Principal::RoleSession(s) => Some(s.arn()),
            Principal::FederatedUser(f) => Some(f.arn()),
            Principal::Service(_) | Principal::IdentityProvider(_) | Principal::Anonymous => None,
        }
    }

    /// The value of `aws:PrincipalArn` (spec §1.1): the role ARN (with path) for sessions.
    pub fn principal_arn(&self) -> Option<String> {
        match self {
            Principal::RoleSession(s) => Some(s.role.arn()),
            other => other.requester_arn(),
        }
    }

    /// How the principal is named in messages: its requester ARN, the service name, or
    /// `anonymous`.
    pub fn display_name(&self) -> String {
        match self {
            Principal::Service(s) | Principal::IdentityProvider(s) => s.clone(),
            Principal::Anonymous => "anonymous".to_owned(),
            other => other.requester_arn().unwrap_or_default(),
        }
    }

    /// The account the principal belongs to (none for services and anonymous callers).
    pub fn account(&self) -> Option<&str> {
        match self {
            Principal::Root(r) => Some(&r.account),
            Principal::User(u) => Some(&u.account),
            Principal::RoleSession(s) => Some(&s.role.account),
            Principal::FederatedUser(f) => Some(&f.account),
            Principal::Service(_) | Principal::IdentityProvider(_) | Principal::Anonymous => None,
        }
    }

    /// The partition of the principal's ARN (`aws` for services and anonymous callers).
    pub fn partition(&self) -> &str {
        match self {
            Principal::Root(r) => &r.partition,
            Principal::User(u) => &u.partition,
            Principal::RoleSession(s) => &s.role.partition,
            Principal::FederatedUser(f) => &f.partition,
            Principal::Service(_) | Principal::IdentityProvider(_) | Principal::Anonymous => "aws",
        }
    }

    /// The value of `aws:PrincipalType` (spec §1.1), if AWS documents one.
    pub fn principal_type(&self) -> Option<&'static str> {
        match self {
            Principal::Root(_) => Some("Account"),
            Principal::User(_) => Some("User"),
            Principal::RoleSession(_) => Some("AssumedRole"),
            Principal::FederatedUser(_) => Some("FederatedUser"),
            Principal::Anonymous => Some("Anonymous"),
            Principal::Service(_) | Principal::IdentityProvider(_) => None,
        }
    }

    /// Whether the request is signed by credentials of an account (not a service, an
    /// identity provider's caller, or anonymous).
    pub fn is_authenticated(&self) -> bool {
        self.account().is_some()
    }

    /// Whether the principal is a session of a service-linked role.
    pub fn is_service_linked_role(&self) -> bool {
        matches!(self, Principal::RoleSession(s) if s.role.is_service_linked())
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_name())
    }
}

/// How the request's credentials were obtained (spec §1.1 session metadata, §7.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialType {
    /// Long-term access key of an IAM user or the root user.
    LongTerm,
    /// `GetSessionToken` credentials.
    SessionToken,
    /// Role session credentials.
    AssumedRole,
    /// `GetFederationToken` credentials.
    FederationToken,
    /// Console sign-in.
    Console,
}

impl CredentialType {
    /// Parses the snake-case name used in scenario files.
    pub fn parse(s: &str) -> Option<CredentialType> {
        Some(match s {
            "long_term" => CredentialType::LongTerm,
            "session_token" => CredentialType::SessionToken,
            "assumed_role" => CredentialType::AssumedRole,
            "federation_token" => CredentialType::FederationToken,
            "console" => CredentialType::Console,
            _ => return None,
        })
    }

    /// The credential type a principal has when nothing else is known.
    pub fn default_for(principal: &Principal) -> Option<CredentialType> {
        match principal {
            Principal::Root(_) | Principal::User(_) => Some(CredentialType::LongTerm),
            Principal::RoleSession(_) => Some(CredentialType::AssumedRole),
            Principal::FederatedUser(_) => Some(CredentialType::FederationToken),
            Principal::Service(_) | Principal::IdentityProvider(_) | Principal::Anonymous => None,
        }
    }

    /// Whether the credentials are temporary (spec §1.4: `aws:TokenIssueTime` and
    /// `aws:MultiFactorAuthPresent` exist only for those).
    pub fn is_temporary(self) -> bool {
        !matches!(self, CredentialType::LongTerm)
    }
}

/// Facts about the principal that its ARN cannot carry (spec §1.1 "session metadata").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrincipalFacts {
    /// Principal tags after the session-tag merge, in the order given.
    pub tags: Vec<(String, String)>,
    /// How the credentials were obtained; `None` = the default for the principal kind.
    pub credential_type: Option<CredentialType>,
    /// Whether MFA was used to obtain the credentials.
    pub mfa_authenticated: Option<bool>,
    /// Seconds since MFA authentication.
    pub mfa_auth_age: Option<u64>,
    /// When the temporary credentials were issued (ISO 8601).
    pub token_issue_time: Option<String>,
    /// The source identity set on a role session.
    pub source_identity: Option<String>,
    /// The S3 canonical user id of the principal's account.
    pub canonical_user_id: Option<String>,
    /// The principal's organization id.
    pub org_id: Option<String>,
    /// The principal's organization paths.
    pub org_paths: Vec<String>,
}

impl PrincipalFacts {
    /// The credential type, defaulting by principal kind.
    pub fn credential_type(&self, principal: &Principal) -> Option<CredentialType> {
        self.credential_type
            .or_else(|| CredentialType::default_for(principal))
    }

    /// Adds or replaces a tag; tag keys compare case-insensitively (spec §7.2: session tags
    /// override role or user tags with the same key regardless of case).
    pub fn set_tag(&mut self, key: &str, value: &str) {
        self.tags.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        self.tags.push((key.to_owned(), value.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_principal_form() {
        let user = Principal::parse("arn:aws:iam::111122223333:user/division/alice").unwrap();
        let Principal::User(u) = &user else { panic!() };
        assert_eq!((u.path.as_str(), u.name.as_str()), ("/division/", "alice"));
        assert_eq!(
            user.requester_arn().unwrap(),
            "arn:aws:iam::111122223333:user/division/alice"
        );

        let session =
            Principal::parse("arn:aws:sts::111122223333:assumed-role/Admin/bob@example.com")
                .unwrap();
        assert_eq!(
            session.principal_arn().unwrap(),
            "arn:aws:iam::111122223333:role/Admin"
        );
        assert_eq!(session.principal_type(), Some("AssumedRole"));

        let role = Principal::parse("arn:aws:iam::111122223333:role/svc/App").unwrap();
        assert_eq!(
            role.requester_arn().unwrap(),
            "arn:aws:sts::111122223333:assumed-role/App/iamwhy"
        );
        assert_eq!(
            role.principal_arn().unwrap(),
            "arn:aws:iam::111122223333:role/svc/App"
        );

        assert!(matches!(
            Principal::parse("111122223333").unwrap(),
            Principal::Root(_)
        ));
        assert!(matches!(
            Principal::parse("arn:aws:iam::111122223333:root").unwrap(),
            Principal::Root(_)
        ));
        assert_eq!(Principal::parse("anonymous").unwrap(), Principal::Anonymous);
        assert_eq!(
            Principal::parse("service:backup.amazonaws.com").unwrap(),
            Principal::Service("backup.amazonaws.com".into())
        );
        let fed = Principal::parse("arn:aws:sts::111122223333:federated-user/carol").unwrap();
        assert_eq!(fed.principal_type(), Some("FederatedUser"));
    }

    #[test]
    fn rejects_what_is_not_a_principal() {
        for bad in [
            "arn:aws:s3:::bucket",
            "arn:aws:iam::111122223333:group/devs",
            "arn:aws:iam::12:user/x",
            "arn:aws:sts::111122223333:assumed-role/OnlyRole",
            "alice",
        ] {
            assert!(Principal::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn service_linked_roles_are_recognised_by_path() {
        let p = Principal::parse(
            "arn:aws:iam::111122223333:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup",
        )
        .unwrap();
        assert!(p.is_service_linked_role());
    }
}
