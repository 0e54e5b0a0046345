//! Matching one statement against one request: action (spec §2.3), resource (§2.4),
//! principal (§2.2) and conditions (§3).

use iamwhy_core::PolicyKind;
use iamwhy_core::{Arn, Context, ContextValue, Principal, Request};
use iamwhy_policy::{
    ActionElement, ActionMatcher, CaseFold, PatternMatch, PrincipalElement, PrincipalEntryKind,
    ResourceElement, ResourceMatcher, Statement, VariableResolver,
};

use crate::conditions::eval_condition;

/// How a statement's principal element matched the requester (spec §2.2 match kinds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchKind {
    /// The statement has no principal element (identity-like policies).
    NoPrincipalElement,
    /// `"*"`, or a `NotPrincipal` that does not exempt the requester.
    Wildcard,
    /// The requester's own ARN (user, session, federated user) or unique id.
    Direct,
    /// The role of the requesting role session.
    RoleOfSession,
    /// The IAM user that created the requesting federated-user session.
    ParentUserOfFederatedSession,
    /// The requester's account (id or root ARN): a delegation to the account's IAM policies.
    Account,
    /// The calling service principal.
    Service,
    /// The identity provider of an `AssumeRoleWith*` caller.
    Federated,
    /// The S3 canonical user of the requester's account.
    CanonicalUser,
}

impl MatchKind {
    /// Preference when several entries match: grants that stand alone first.
    fn strength(self) -> u8 {
        match self {
            MatchKind::Direct => 9,
            MatchKind::Wildcard => 8,
            MatchKind::Service => 7,
            MatchKind::Federated => 6,
            MatchKind::RoleOfSession => 5,
            MatchKind::ParentUserOfFederatedSession => 4,
            MatchKind::Account => 3,
            MatchKind::CanonicalUser => 2,
            MatchKind::NoPrincipalElement => 1,
        }
    }

    /// The stable name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::NoPrincipalElement => "no-principal-element",
            MatchKind::Wildcard => "wildcard",
            MatchKind::Direct => "direct",
            MatchKind::RoleOfSession => "role-of-session",
            MatchKind::ParentUserOfFederatedSession => "parent-user-of-federated-session",
            MatchKind::Account => "account",
            MatchKind::Service => "service",
            MatchKind::Federated => "federated",
            MatchKind::CanonicalUser => "canonical-user",
        }
    }
}

/// Why a statement does not apply to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mismatch {
    /// No `Action` entry matches.
    Action,
    /// The `NotAction` entry at this index matches the action.
    NotAction(u32),
    /// No `Resource` entry matches.
    Resource,
    /// The `NotResource` entry at this index matches the resource.
    NotResource(u32),
    /// No `Principal` entry names the requester.
    Principal,
    /// The requester is exempted by `NotPrincipal`.
    NotPrincipal,
    /// The condition at this index of `Statement::conditions` is false.
    Condition(u32),
}

/// How `NotPrincipal` exemptions are decided (spec §2.2, AMBIGUITY A9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum NotPrincipalMode {
    /// Exempt only when every link of the identity chain is listed: the account, the role
    /// (for sessions) and the session or user itself (AWS documentation).
    #[default]
    StrictChain,
    /// Exempt when any entry names the requester (iam-simulate's behaviour).
    AnyEntry,
}

/// Resolves policy variables from the request context; multi-valued keys cannot be
/// variables (spec §3.6).
pub(crate) struct ContextVars<'a>(pub(crate) &'a Context);

impl VariableResolver for ContextVars<'_> {
    fn resolve(&self, key_lower: &str) -> Option<&str> {
        match self.0.get_normalized(key_lower)? {
            ContextValue::Single(s) => Some(s),
            ContextValue::Multi(_) => None,
        }
    }
}

/// The request with what matching needs computed once.
pub(crate) struct Prepared<'r> {
    pub(crate) req: &'r Request,
    pub(crate) requester_arn: Option<String>,
    pub(crate) parent_user_arn: Option<String>,
    pub(crate) resource_arn: Option<Arn<'r>>,
    pub(crate) has_boundary: bool,
    pub(crate) not_principal: NotPrincipalMode,
    /// `service_hash` of the action's service prefix.
    pub(crate) service_hash: u64,
}

impl<'r> Prepared<'r> {
    pub(crate) fn new(
        req: &'r Request,
        has_boundary: bool,
        not_principal: NotPrincipalMode,
    ) -> Prepared<'r> {
        let parent_user_arn = match &req.principal {
            Principal::FederatedUser(f) => f.parent_user.as_ref().map(|u| u.arn()),
            _ => None,
        };
        Prepared {
            req,
            requester_arn: req.principal.requester_arn(),
            parent_user_arn,
            resource_arn: req.resource.arn(),
            has_boundary,
            not_principal,
            service_hash: iamwhy_policy::service_hash(req.action.service()),
        }
    }

    pub(crate) fn vars(&self) -> ContextVars<'r> {
        ContextVars(&self.req.context)
    }
}

/// Matches a statement. `kind` is the kind of the policy holding it.
pub(crate) fn match_statement(
    stmt: &Statement,
    kind: PolicyKind,
    p: &Prepared<'_>,
) -> Result<MatchKind, Mismatch> {
    match_action(&stmt.action, p)?;
    if let Some(resource) = &stmt.resource {
        match_resource(resource, p)?;
    }
    let match_kind = match &stmt.principal {
        Some(principal) => match_principal(principal, kind, p)?,
        None if kind == PolicyKind::VpcEndpoint => MatchKind::Wildcard,
        None => MatchKind::NoPrincipalElement,
    };
    for (i, cond) in stmt.conditions.iter().enumerate() {
        if !eval_condition(cond, &p.req.context, &p.vars()) {
            return Err(Mismatch::Condition(u32::try_from(i).unwrap_or(u32::MAX)));
        }
    }
    Ok(match_kind)
}

fn action_entry_matches(matcher: &ActionMatcher, p: &Prepared<'_>) -> bool {
    let action = &p.req.action;
    match matcher {
        ActionMatcher::All => true,
        ActionMatcher::Service {
            service,
            service_hash,
            name,
        } => {
            *service_hash == p.service_hash
                && same_service(service, action.service())
                && name.matches_plain(action.name(), CaseFold::Ascii)
        }
        ActionMatcher::Never => false,
    }
}

/// Equal service prefixes; short, so compared inline rather than through `memcmp`.
#[inline]
fn same_service(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

fn match_action(element: &ActionElement, p: &Prepared<'_>) -> Result<(), Mismatch> {
    let hit = element.first_match(p.service_hash, |m| action_entry_matches(m, p));
    match (element.negated, hit) {
        (false, Some(_)) | (true, None) => Ok(()),
        (false, None) => Err(Mismatch::Action),
        (true, Some(i)) => Err(Mismatch::NotAction(u32::try_from(i).unwrap_or(u32::MAX))),
    }
}

fn resource_entry_matches(matcher: &ResourceMatcher, p: &Prepared<'_>) -> bool {
    match matcher {
        ResourceMatcher::All => true,
        ResourceMatcher::Never => false,
        // Spec §2.4 rule 2: the request resource `*` is only matched by `*`.
        ResourceMatcher::Arn(pattern) => match &p.resource_arn {
            Some(arn) => {
                let vars = p.vars();
                pattern.matches(p.req.resource.as_str(), arn, &vars) == PatternMatch::Match
            }
            None => false,
        },
    }
}

fn match_resource(element: &ResourceElement, p: &Prepared<'_>) -> Result<(), Mismatch> {
    let hit = element
        .items
        .iter()
        .position(|item| resource_entry_matches(&item.matcher, p));
    match (element.negated, hit) {
        (false, Some(_)) | (true, None) => Ok(()),
        (false, None) => Err(Mismatch::Resource),
        (true, Some(i)) => Err(Mismatch::NotResource(u32::try_from(i).unwrap_or(u32::MAX))),
    }
}

/// How one principal entry names the requester, if it does.
fn entry_match(entry: &PrincipalEntryKind, p: &Prepared<'_>) -> Option<MatchKind> {
    let principal = &p.req.principal;
    let requester = p.requester_arn.as_deref();
    match entry {
        PrincipalEntryKind::Any => Some(MatchKind::Wildcard),
        PrincipalEntryKind::Account { account } => {
            (principal.account() == Some(account.as_str())).then_some(MatchKind::Account)
        }
        PrincipalEntryKind::User { arn } => {
            if matches!(principal, Principal::User(_)) && requester == Some(arn.as_str()) {
                Some(MatchKind::Direct)
            } else if p.parent_user_arn.as_deref() == Some(arn.as_str()) {
                Some(MatchKind::ParentUserOfFederatedSession)
            } else {
                None
            }
        }
        PrincipalEntryKind::Role {
            partition,
            account,
            name,
            ..
        } => match principal {
            // Role names are unique in an account whatever their path, and compare without
            // case (spec §2.2 `RoleOfSession`); the session ARN does not carry the path.
            Principal::RoleSession(s)
                if s.role.partition == *partition
                    && s.role.account == *account
                    && s.role.name.eq_ignore_ascii_case(name) =>
            {
                Some(MatchKind::RoleOfSession)
            }
            _ => None,
        },
        PrincipalEntryKind::AssumedRole { arn } | PrincipalEntryKind::FederatedUser { arn } => {
            (requester == Some(arn.as_str())).then_some(MatchKind::Direct)
        }
        PrincipalEntryKind::UniqueId(id) => match principal {
            Principal::User(u) if u.unique_id.as_deref() == Some(id.as_str()) => {
                Some(MatchKind::Direct)
            }
            Principal::RoleSession(s) if s.role.unique_id.as_deref() == Some(id.as_str()) => {
                Some(MatchKind::RoleOfSession)
            }
            _ => None,
        },
        PrincipalEntryKind::Service(name) => match principal {
            Principal::Service(s) if s.eq_ignore_ascii_case(name) => Some(MatchKind::Service),
            _ => None,
        },
        PrincipalEntryKind::Federated(provider) => match principal {
            Principal::IdentityProvider(s) if s == provider => Some(MatchKind::Federated),
            _ => None,
        },
        PrincipalEntryKind::CanonicalUser(id) => (p.req.facts.canonical_user_id.as_deref()
            == Some(id.as_str())
            && principal.is_authenticated())
        .then_some(MatchKind::CanonicalUser),
    }
}

fn match_principal(
    element: &PrincipalElement,
    kind: PolicyKind,
    p: &Prepared<'_>,
) -> Result<MatchKind, Mismatch> {
    if !element.negated {
        return element
            .entries
            .iter()
            .filter_map(|e| entry_match(&e.kind, p))
            .max_by_key(|k| k.strength())
            .ok_or(Mismatch::Principal);
    }
    // NotPrincipal (spec §2.2): the statement applies to everyone except the exempt.
    // Spec §4.2: in a resource policy it always applies to IAM users and roles (and their
    // sessions) that have a permissions boundary.
    let principal = &p.req.principal;
    let bounded_identity = p.has_boundary
        && matches!(
            principal,
            Principal::User(_) | Principal::RoleSession(_) | Principal::FederatedUser(_)
        );
    if bounded_identity && kind.policy_type() == iamwhy_core::PolicyType::Resource {
        return Ok(MatchKind::Wildcard);
    }
    let listed = |k: MatchKind| {
        element
            .entries
            .iter()
            .any(|e| e.kind != PrincipalEntryKind::Any && entry_match(&e.kind, p) == Some(k))
    };
    let exempt = match p.not_principal {
        NotPrincipalMode::AnyEntry => element
            .entries
            .iter()
            .any(|e| e.kind != PrincipalEntryKind::Any && entry_match(&e.kind, p).is_some()),
        NotPrincipalMode::StrictChain => match principal {
            Principal::Root(_) => listed(MatchKind::Account),
            Principal::User(_) | Principal::FederatedUser(_) => {
                listed(MatchKind::Account) && listed(MatchKind::Direct)
            }
            Principal::RoleSession(_) => {
                listed(MatchKind::Account)
                    && listed(MatchKind::RoleOfSession)
                    && listed(MatchKind::Direct)
            }
            Principal::Service(_) => listed(MatchKind::Service),
            Principal::IdentityProvider(_) => listed(MatchKind::Federated),
            Principal::Anonymous => false,
        },
    };
    if exempt {
        Err(Mismatch::NotPrincipal)
    } else {
        Ok(MatchKind::Wildcard)
    }
}
