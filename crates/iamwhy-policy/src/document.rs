//! The typed policy model (spec §2.1), with the span of every element and compiled matchers.

use std::collections::BTreeMap;

use iamwhy_core::{Diagnostic, PolicyKind, Span, normalize_key};

use crate::arn_pattern::{ArnPattern, ShortArnRule};
use crate::condition::{CompiledValue, ConditionOperator, OperatorFamily};
use crate::index::{ActionIndex, Candidates};
use crate::pattern::{Pattern, Variables};
use crate::values::IpNet;

/// Whether a `Principal`/`NotPrincipal` element is expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PrincipalRule {
    Forbidden,
    Required,
    Optional,
}

/// The grammar rules of a [`PolicyKind`] (spec §2.1), private to the parser.
pub(crate) trait KindRules {
    /// Whether `Principal` is allowed, required or forbidden.
    fn principal_rule(self) -> PrincipalRule;
    /// Whether the statements of this kind must name their resources.
    fn requires_resource(self) -> bool;
    /// How ARNs with fewer than six fields are read (AMBIGUITY A13).
    fn short_arn_rule(self) -> ShortArnRule;
}

impl KindRules for PolicyKind {
    fn principal_rule(self) -> PrincipalRule {
        match self {
            PolicyKind::Identity
            | PolicyKind::PermissionsBoundary
            | PolicyKind::Session
            | PolicyKind::Scp => PrincipalRule::Forbidden,
            PolicyKind::Resource
            | PolicyKind::BucketPolicy
            | PolicyKind::KeyPolicy
            | PolicyKind::TrustPolicy
            | PolicyKind::Rcp => PrincipalRule::Required,
            PolicyKind::VpcEndpoint => PrincipalRule::Optional,
        }
    }

    fn requires_resource(self) -> bool {
        matches!(
            self,
            PolicyKind::Identity | PolicyKind::PermissionsBoundary | PolicyKind::Session
        )
    }

    fn short_arn_rule(self) -> ShortArnRule {
        match self {
            PolicyKind::Identity | PolicyKind::PermissionsBoundary | PolicyKind::Session => {
                ShortArnRule::Pad
            }
            PolicyKind::Resource
            | PolicyKind::BucketPolicy
            | PolicyKind::KeyPolicy
            | PolicyKind::TrustPolicy
            | PolicyKind::VpcEndpoint => ShortArnRule::PadIfWildcard,
            PolicyKind::Scp => ShortArnRule::PadIfTrailingStar,
            PolicyKind::Rcp => ShortArnRule::Reject,
        }
    }
}

/// The policy language version (spec §2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `2008-10-17`: policy variables are literal text.
    V2008_10_17,
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
}

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// The statement grants.
    Allow,
    /// The statement denies.
    Deny,
}

impl Effect {
    /// `Allow` or `Deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// A parsed, validated and compiled policy document.
#[derive(Clone, Debug)]
pub struct PolicyDocument {
    /// What the document is used as.
    pub kind: PolicyKind,
    /// The `Version` element, if present (absent behaves as `2008-10-17`, AMBIGUITY A17).
    pub version: Option<Version>,
    /// The `Id` element.
    pub id: Option<String>,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
    /// The whole document.
    pub span: Span,
    /// Problems that do not stop evaluation.
    pub warnings: Vec<Diagnostic>,
    /// Statements by service prefix; use [`PolicyDocument::candidates`].
    pub(crate) index: ActionIndex,
    /// [`PolicyDocument::context_keys_read`], computed on first use.
    pub(crate) reads: std::sync::OnceLock<BTreeMap<String, KeyUse>>,
}

impl PolicyDocument {
    /// The indices of the statements that can match an action of the service with this
    /// [`service_hash`], in document order. Every other statement fails on its `Action`.
    pub fn candidates(&self, service_hash: u64) -> Candidates<'_> {
        self.index.candidates(service_hash)
    }

    /// Adds, lower-cased, every request-context key this document can read, with how it
    /// reads it: the keys its conditions test and the keys named by `${...}` variables in
    /// its resources, condition keys and condition values. Conservative: a `${...}` that is
    /// not substituted (version 2008-10-17, escapes) is listed too. Nothing else in a
    /// document reads the context, so two requests that agree on what these keys are read
    /// for get the same statements matched.
    pub fn context_keys_read(&self, out: &mut BTreeMap<String, KeyUse>) {
        let reads = self.reads.get_or_init(|| {
            let mut reads = BTreeMap::new();
            self.collect_reads(&mut reads);
            reads
        });
        for (k, read) in reads {
            add_use(out, k.clone(), read.clone());
        }
    }

    fn collect_reads(&self, out: &mut BTreeMap<String, KeyUse>) {
        for stmt in &self.statements {
            for c in &stmt.conditions {
                let networks: Option<Vec<IpNet>> = (c.operator.base.family == OperatorFamily::Ip)
                    .then(|| {
                        c.values
                            .iter()
                            .map(|v| match v.compiled {
                                CompiledValue::Ip(net) => Some(net),
                                _ => None,
                            })
                            .collect()
                    })
                    .flatten();
                let read = match networks {
                    Some(n) => KeyUse::Networks(n),
                    None => KeyUse::Value,
                };
                add_use(out, c.key_lower.clone(), read);
                variable_names(&c.key, out);
                for v in &c.values {
                    variable_names(&v.text, out);
                }
            }
            for r in stmt.resource.iter().flat_map(|r| &r.items) {
                variable_names(&r.text, out);
            }
        }
    }

    /// Whether `${...}` variables are substituted in this document (spec §3.6).
    pub fn variables(&self) -> Variables {
        variables_for(self.version)
    }
}

/// How a policy reads a request-context key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyUse {
    /// Only by `IpAddress`/`NotIpAddress` against these networks: what matters of a value is
    /// whether it is an IP address and which of the networks hold it.
    Networks(Vec<IpNet>),
    /// Any other way: the value matters as it is.
    Value,
}

/// Records one more use of a key: uses by networks add up, any other use wins.
pub fn add_use(out: &mut BTreeMap<String, KeyUse>, key: String, read: KeyUse) {
    match (out.get_mut(&key), read) {
        (None, read) => {
            out.insert(key, read);
        }
        (Some(KeyUse::Networks(have)), KeyUse::Networks(more)) => {
            for n in more {
                if !have.contains(&n) {
                    have.push(n);
                }
            }
        }
        (Some(have), _) => *have = KeyUse::Value,
    }
}

/// Adds the lower-cased key of every `${key}` or `${key, 'default'}` in `text`.
fn variable_names(text: &str, out: &mut BTreeMap<String, KeyUse>) {
    let mut rest = text;
    while let Some((_, after)) = rest.split_once("${") {
        let Some((inner, tail)) = after.split_once('}') else {
            return;
        };
        let key = inner.split_once(',').map_or(inner, |(k, _)| k).trim();
        add_use(out, normalize_key(key), KeyUse::Value);
        rest = tail;
    }
}

pub(crate) fn variables_for(version: Option<Version>) -> Variables {
    match version {
        Some(Version::V2012_10_17) => Variables::Substitute,
        _ => Variables::Literal,
    }
}

/// One statement.
#[derive(Clone, Debug)]
pub struct Statement {
    /// Position in the document, from 0.
    pub index: usize,
    /// The `Sid`.
    pub sid: Option<String>,
    /// Where the `Sid` value is.
    pub sid_span: Option<Span>,
    /// The effect.
    pub effect: Effect,
    /// `Principal` or `NotPrincipal`.
    pub principal: Option<PrincipalElement>,
    /// `Action` or `NotAction`.
    pub action: ActionElement,
    /// `Resource` or `NotResource`; absent in trust policies and optional in resource
    /// policies (the attached resource).
    pub resource: Option<ResourceElement>,
    /// The conditions, all of which must hold.
    pub conditions: Vec<Condition>,
    /// The statement object.
    pub span: Span,
}

/// `Action`/`NotAction`.
#[derive(Clone, Debug)]
pub struct ActionElement {
    /// Whether this is `NotAction`.
    pub negated: bool,
    /// The entries.
    pub items: Vec<ActionPattern>,
    /// The `"Action": ...` member.
    pub span: Span,
    /// The entries by service prefix, for long lists; use [`ActionElement::first_match`].
    pub(crate) index: Option<Box<ActionIndex>>,
}

impl ActionElement {
    /// Lists at least this long are indexed by service prefix.
    const INDEXED: usize = 12;

    /// The element for these entries.
    pub fn new(negated: bool, items: Vec<ActionPattern>, span: Span) -> ActionElement {
        let index =
            (items.len() >= Self::INDEXED).then(|| Box::new(ActionIndex::build_items(&items)));
        ActionElement {
            negated,
            items,
            span,
            index,
        }
    }

    /// The position of the first entry for which `matches` holds, looking only at the
    /// entries that can match an action of the service with this [`service_hash`].
    pub fn first_match(
        &self,
        service_hash: u64,
        matches: impl Fn(&ActionMatcher) -> bool,
    ) -> Option<usize> {
        match &self.index {
            Some(index) => index
                .candidates(service_hash)
                .find(|&i| self.items.get(i).is_some_and(|a| matches(&a.matcher))),
            None => self.items.iter().position(|a| matches(&a.matcher)),
        }
    }
}

/// One entry of `Action`/`NotAction`.
#[derive(Clone, Debug)]
pub struct ActionPattern {
    /// As written.
    pub text: String,
    /// Where.
    pub span: Span,
    /// Compiled.
    pub matcher: ActionMatcher,
}

/// A compiled action entry (spec §2.3).
#[derive(Clone, Debug)]
pub enum ActionMatcher {
    /// `*`.
    All,
    /// `service:pattern`; the service prefix has no wildcards and compares ignoring case.
    Service {
        /// The service prefix, lower case.
        service: Box<str>,
        /// [`service_hash`] of the prefix: a cheap first test on the hot path.
        service_hash: u64,
        /// The action-name glob (ASCII case-insensitive).
        name: Pattern,
    },
    /// An entry that can never match (empty action name, whitespace).
    Never,
}

/// A 64-bit FNV-1a hash of a lower-case service prefix. Equal prefixes have equal hashes,
/// so comparing hashes first rejects almost every statement of another service with one
/// integer comparison.
pub fn service_hash(service: &str) -> u64 {
    service.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `Resource`/`NotResource`.
#[derive(Clone, Debug)]
pub struct ResourceElement {
    /// Whether this is `NotResource`.
    pub negated: bool,
    /// The entries.
    pub items: Vec<ResourcePattern>,
    /// The `"Resource": ...` member.
    pub span: Span,
}

/// One entry of `Resource`/`NotResource`.
#[derive(Clone, Debug)]
pub struct ResourcePattern {
    /// As written.
    pub text: String,
    /// Where.
    pub span: Span,
    /// Compiled.
    pub matcher: ResourceMatcher,
}

/// A compiled resource entry (spec §2.4).
#[derive(Clone, Debug)]
pub enum ResourceMatcher {
    /// `*`: every resource, including the request resource `*`.
    All,
    /// An ARN pattern.
    Arn(Box<ArnPattern>),
    /// An entry that can never match.
    Never,
}

/// `Principal`/`NotPrincipal`.
#[derive(Clone, Debug)]
pub struct PrincipalElement {
    /// Whether this is `NotPrincipal`.
    pub negated: bool,
    /// The entries; `"*"` is one entry of kind [`PrincipalEntryKind::Any`].
    pub entries: Vec<PrincipalEntry>,
    /// The `"Principal": ...` member.
    pub span: Span,
}

/// One principal named by a statement.
#[derive(Clone, Debug)]
pub struct PrincipalEntry {
    /// As written.
    pub text: String,
    /// Where.
    pub span: Span,
    /// What it names.
    pub kind: PrincipalEntryKind,
}

/// What a principal entry names (spec §2.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalEntryKind {
    /// `"*"` or `{"AWS": "*"}`: everyone, including anonymous callers.
    Any,
    /// An account: `"123456789012"` or `arn:aws:iam::123456789012:root`.
    Account {
        /// The account id.
        account: String,
    },
    /// An IAM user ARN.
    User {
        /// The ARN as written.
        arn: String,
    },
    /// An IAM role ARN: the role and every session of it.
    Role {
        /// The ARN as written.
        arn: String,
        /// Partition.
        partition: String,
        /// Account id.
        account: String,
        /// Role name (the last path segment).
        name: String,
    },
    /// One role session.
    AssumedRole {
        /// The ARN as written.
        arn: String,
    },
    /// One federated-user session.
    FederatedUser {
        /// The ARN as written.
        arn: String,
    },
    /// A unique id (`AIDA…`, `AROA…`), as stored for deleted entities.
    UniqueId(String),
    /// `{"Service": ...}`.
    Service(String),
    /// `{"Federated": ...}`.
    Federated(String),
    /// `{"CanonicalUser": ...}`.
    CanonicalUser(String),
}

/// One `operator: { key: values }` pair of a `Condition` block.
#[derive(Clone, Debug)]
pub struct Condition {
    /// The operator.
    pub operator: ConditionOperator,
    /// The context key as written.
    pub key: String,
    /// The context key, lower case.
    pub key_lower: String,
    /// The values (OR for positive operators, NOR for negated ones).
    pub values: Vec<ConditionValue>,
    /// The operator name.
    pub operator_span: Span,
    /// The `"key": values` member.
    pub span: Span,
}

/// One value of a condition.
#[derive(Clone, Debug)]
pub struct ConditionValue {
    /// As written (numbers and booleans in their JSON form).
    pub text: String,
    /// Where.
    pub span: Span,
    /// Compiled for the operator.
    pub compiled: CompiledValue,
}
