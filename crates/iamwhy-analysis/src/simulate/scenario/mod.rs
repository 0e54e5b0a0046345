//! Scenario files: a self-contained authorization question with its policies and, for
//! `iamwhy test`, the expected answer (product.md §3 "Scenario file").

mod parse;

use iamwhy_core::time::Instant;
use iamwhy_core::{Action, Context, Decision, DeniedBy, Principal, PrincipalFacts, Resource, Span};
use iamwhy_eval::{EvalOptions, PolicySet, SetId, StatementRef};

pub(crate) use parse::now_or_current;
pub use parse::{Overrides, parse_scenarios};

/// One scenario, compiled and ready to evaluate.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The `name`, or `file#index` when absent.
    pub name: String,
    /// The scenario object in its file.
    pub span: Span,
    /// Who asks.
    pub principal: Principal,
    /// Facts about the principal.
    pub facts: PrincipalFacts,
    /// One result is produced per action and resource.
    pub actions: Vec<Action>,
    /// The resources.
    pub resources: Vec<Resource>,
    /// The account owning the resources, when given.
    pub resource_account: Option<String>,
    /// The context given (before derivation).
    pub context: Context,
    /// Whether to derive the global keys (spec §1.4).
    pub derive_context: bool,
    /// The time of the request (default: now).
    pub current_time: Option<Instant>,
    /// Every policy.
    pub policies: PolicySet,
    /// The policies whose compiled document is shared with an identical one written earlier
    /// in the file, and how far after it they are written.
    pub relocated: Vec<Relocation>,
    /// Evaluator switches.
    pub options: EvalOptions,
    /// The expected answer.
    pub expect: Option<Expectation>,
}

/// A policy of a scenario that shares its compiled document (and so the document's
/// locations) with the identical text written `delta` bytes earlier in the same file: a
/// document is compiled once per distinct text, and its statements are located at this
/// occurrence by moving the shared locations `delta` bytes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relocation {
    /// The policy's group.
    pub set: SetId,
    /// The policy's index in its group.
    pub policy: u32,
    /// How many bytes after the shared document's text this policy's text starts.
    pub delta: u32,
}

impl Scenario {
    /// How far the policy of `r` is written after the document its locations come from
    /// (0 for a policy compiled from its own text).
    pub fn delta(&self, r: StatementRef) -> u32 {
        self.relocated
            .iter()
            .find(|l| l.set == r.set && l.policy == r.policy)
            .map_or(0, |l| l.delta)
    }
}

/// What a scenario expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectation {
    /// The decision (or either deny).
    pub decision: ExpectedDecision,
    /// The policy type the denial must be attributed to.
    pub denied_by: Option<Option<DeniedBy>>,
    /// The exact AccessDenied message.
    pub message: Option<String>,
    /// Statements that must be among the deciding ones, as `policy#Sid` or `policy#index`.
    pub deciding: Vec<String>,
}

/// An expected decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedDecision {
    /// Exactly this decision.
    Exactly(Decision),
    /// `ExplicitDeny` or `ImplicitDeny`.
    Denied,
}

impl ExpectedDecision {
    /// Parses `Allowed`, `ExplicitDeny`, `ImplicitDeny` or `Denied`.
    pub fn parse(text: &str) -> Option<ExpectedDecision> {
        Some(match text {
            "Allowed" => ExpectedDecision::Exactly(Decision::Allowed),
            "ExplicitDeny" => ExpectedDecision::Exactly(Decision::ExplicitDeny),
            "ImplicitDeny" => ExpectedDecision::Exactly(Decision::ImplicitDeny),
            "Denied" => ExpectedDecision::Denied,
            _ => return None,
        })
    }

    /// Whether a decision meets it.
    pub fn accepts(self, decision: Decision) -> bool {
        match self {
            ExpectedDecision::Exactly(d) => d == decision,
            ExpectedDecision::Denied => decision.is_denied(),
        }
    }

    /// As written in a scenario.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpectedDecision::Exactly(d) => d.as_str(),
            ExpectedDecision::Denied => "Denied",
        }
    }
}

impl std::fmt::Display for ExpectedDecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialised as written in a scenario.
impl serde::Serialize for ExpectedDecision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
