//! The iamwhy decision engine: AWS authorization, evaluated the way AWS does and explained
//! statement by statement.
//!
//! The engine takes one [`Request`](iamwhy_core::Request) (principal, action, resource,
//! context) and a [`PolicySet`] (identity-based policies, permissions boundary, session
//! policies, SCP and RCP levels, the resource-based policy, VPC endpoint policies, KMS
//! grants) and returns an [`Evaluation`]: the [`Decision`](iamwhy_core::Decision), the policy
//! type AWS would blame, the AccessDenied message AWS would print, every statement that
//! applied and — with [`EvalOptions::explain`] — why each other statement did not. The
//! semantics are those of the iamwhy evaluation spec (§1–§5), which cites the AWS
//! documentation for every rule.
//!
//! It does no I/O, knows nothing of files or the service catalog, and parses nothing on the
//! decision path: policies are compiled by `iamwhy-policy` beforehand.
//!
//! ```
//! use iamwhy_core::{Action, Decision, DeniedBy, Principal, Request, Resource};
//! use iamwhy_eval::{EvalOptions, Policy, PolicySet, authorize};
//! use iamwhy_core::PolicyKind;
//! use iamwhy_policy::parse_policy_str;
//!
//! let identity = parse_policy_str(
//!     r#"{"Version": "2012-10-17", "Statement": [
//!         {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#,
//!     PolicyKind::Identity,
//! ).unwrap();
//! let key_policy = parse_policy_str(
//!     r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
//!         "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
//!         "Action": "kms:*", "Resource": "*"}]}"#,
//!     PolicyKind::KeyPolicy,
//! ).unwrap();
//! let set = PolicySet {
//!     identity: vec![Policy::new("AmazonS3FullAccess", identity)],
//!     resource: Some(Policy::new("key-policy", key_policy)),
//!     ..PolicySet::default()
//! };
//! let request = Request::new(
//!     Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap(),
//!     Action::parse("kms:Decrypt").unwrap(),
//!     Resource::parse("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab").unwrap(),
//! );
//! let ev = authorize(&request, &set, &EvalOptions::default());
//! assert_eq!(ev.decision, Decision::ImplicitDeny);
//! assert_eq!(ev.denied_by, Some(DeniedBy::Identity));
//! assert!(ev.message.unwrap().ends_with("because no identity-based policy allows the kms:Decrypt action"));
//! ```

#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, reason = "tests may overflow loudly")
)]

mod authorize;
mod conditions;
mod derive;
mod evaluation;
mod kms;
mod matching;
mod message;
mod policy_set;
mod service_rules;
mod sets;

pub use authorize::{EvalOptions, authorize};
pub use derive::{derive_context, derive_principal_context, derive_request_context};
pub use evaluation::{Evaluation, Grant, SetOutcome, StatementMatch, TypeOutcome};
pub use matching::{MatchKind, Mismatch, NotPrincipalMode};
pub use policy_set::{ContextReads, KmsGrant, Policy, PolicySet, SetId, StatementRef};
pub use service_rules::ServiceRule;

/// Evaluates one condition of a statement against a request's context, as the engine does
/// (for explanations that show each condition's result).
pub fn condition_holds(cond: &iamwhy_policy::Condition, context: &iamwhy_core::Context) -> bool {
    conditions::eval_condition(cond, context, &matching::ContextVars(context))
}

/// Whether a request value can be read for an operator family (a value that cannot makes
/// the condition false, spec §3.2).
pub fn request_value_type_ok(family: iamwhy_policy::OperatorFamily, value: &str) -> bool {
    conditions::request_value_type_ok(family, value)
}
