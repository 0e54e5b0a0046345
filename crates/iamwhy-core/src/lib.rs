//! The shared vocabulary of iamwhy.
//!
//! This crate holds the types every other iamwhy crate speaks: [`Arn`]s, the [`Principal`]
//! that makes a request and the facts its ARN cannot carry, the [`Request`] of one
//! authorization check with its [`Context`] keys, the [`Decision`] and the [`PolicyType`]s
//! that can reach it, the [`PolicyKind`] of a policy document (what it is used as), and the
//! [`SourceMap`] that turns a byte [`Span`] into a file, line and column. It does no I/O and parses no AWS document format; the policy grammar lives in
//! `iamwhy-policy` and the decision logic in `iamwhy-eval`.
//!
//! ```
//! use iamwhy_core::{Action, Principal, Request, Resource};
//!
//! let principal = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
//! let request = Request::new(
//!     principal,
//!     Action::parse("s3:GetObject").unwrap(),
//!     Resource::parse("arn:aws:s3:::reports/2026/q3.csv").unwrap(),
//! );
//! assert_eq!(request.action.service(), "s3");
//! assert_eq!(request.effective_resource_account(), None); // S3 ARNs carry no account
//! ```

#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, reason = "tests may overflow loudly")
)]

mod arn;
mod context;
mod decision;
mod diagnostic;
mod policy_kind;
mod principal;
mod request;
mod source;
mod suggest;
pub mod time;

pub use arn::{Arn, is_account_id};
pub use context::{
    Context, ContextValue, MULTI_VALUED_GLOBAL_KEYS, is_multi_valued_global, normalize_key,
};
pub use decision::{Decision, DeniedBy, PolicyType};
pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use policy_kind::PolicyKind;
pub use principal::{
    CredentialType, DEFAULT_SESSION_NAME, FederatedUser, IamUser, Principal, PrincipalFacts,
    PrincipalParseError, Role, RoleSession, RootUser,
};
pub use request::{Action, Request, RequestParseError, Resource};
pub use source::{Location, SharedText, SourceId, SourceMap, Span};
pub use suggest::edit_distance;
