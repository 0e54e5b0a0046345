//! IAM policy documents: located parsing, validation per policy type, compiled matchers.
//!
//! This crate turns policy JSON into a [`PolicyDocument`] whose every statement and element
//! remembers where it was written, after checking the grammar AWS enforces for the document's
//! [`PolicyKind`](iamwhy_core::PolicyKind) (spec §2.1): unknown elements, a missing `Effect`,
//! `Action` together with `NotAction`, a `Principal` in an identity-based policy, and so on
//! are errors that point at the line and column. Wildcards, ARN patterns, principals and
//! condition values are compiled once here, so that evaluation (in `iamwhy-eval`) parses nothing.
//!
//! It does not evaluate and knows nothing about AWS services.
//!
//! ```
//! use iamwhy_core::PolicyKind;
//! use iamwhy_policy::{Effect, parse_policy_str};
//!
//! let doc = parse_policy_str(
//!     r#"{"Version": "2012-10-17",
//!         "Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}}"#,
//!     PolicyKind::Identity,
//! )
//! .unwrap();
//! assert_eq!(doc.statements[0].effect, Effect::Allow);
//!
//! let err = parse_policy_str(
//!     r#"{"Statement": {"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Put*", "Resource": "*"}}"#,
//!     PolicyKind::Identity,
//! )
//! .unwrap_err();
//! assert_eq!(
//!     err.first_error().unwrap().message,
//!     "a statement cannot have both `Action` and `NotAction`"
//! );
//! ```

#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, reason = "tests may overflow loudly")
)]

mod arn_pattern;
mod condition;
mod document;
mod index;
pub mod json;
mod parse;
mod pattern;
mod values;

pub use arn_pattern::{ArnPattern, ShortArnRule};
pub use condition::{
    BASE_OPERATORS, BaseOperator, Comparison, CompiledValue, ConditionOperator, OperatorFamily,
    SetQualifier,
};
pub use document::{
    ActionElement, ActionMatcher, ActionPattern, Condition, ConditionValue, Effect, KeyUse,
    PolicyDocument, PrincipalElement, PrincipalEntry, PrincipalEntryKind, ResourceElement,
    ResourceMatcher, ResourcePattern, Statement, Version, add_use, service_hash,
};
pub use iamwhy_core::edit_distance;
pub use index::Candidates;
pub use parse::{
    LenientParse, parse_policy, parse_policy_lenient, parse_policy_str, parse_policy_value,
    parse_policy_value_lenient,
};
pub use pattern::{
    CaseFold, NoVariables, Pattern, PatternMatch, Piece, Variable, VariableResolver, Variables,
    Wildcards,
};
pub use values::{Decimal, IpNet, parse_ip};
