//! iamwhy's analyses on top of the engine: scenario files, `simulate`, policy tests, and the
//! explanations they report.
//!
//! Every entry point returns a serialisable model (see [`SimulationResult`] and
//! [`TestReport`]); printing is the binary's job.
//!
//! ```
//! use iamwhy_analysis::{Overrides, parse_scenarios, simulate};
//! use iamwhy_core::{Decision, SourceMap};
//!
//! let mut map = SourceMap::new();
//! let file = map.add_file("scenario.json", r#"{
//!   "principal": "arn:aws:iam::111122223333:user/alice",
//!   "action": "s3:GetObject",
//!   "resource": "arn:aws:s3:::reports/q3.csv",
//!   "identity_policies": [{"Version": "2012-10-17", "Statement": [
//!     {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}],
//!   "expect": "Allowed"
//! }"#);
//! let (scenarios, _warnings) = parse_scenarios(&mut map, file, &Overrides::default()).unwrap();
//! let results = simulate(&scenarios[0], &map);
//! assert_eq!(results[0].decision, Decision::Allowed);
//! assert!(results[0].expectation.as_ref().unwrap().met);
//! ```

#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, reason = "tests may overflow loudly")
)]

mod account;
mod explain;
mod result;
mod scenario;
mod simulate;
mod testing;
mod vocabulary;

pub use account::{
    AccountQuery, AccountSimulation, SESSION_POLICY_ARNS_LIMIT, SESSION_POLICY_LIMIT,
    complete_request, resource_facts, session_policy_set, simulate_account,
};
pub use result::{
    ExpectationResult, HiddenCheckResult, NotMatchedInfo, PolicyTypeOutcome, SimulationResult,
    StatementInfo,
};
pub use scenario::{Expectation, ExpectedDecision, Overrides, Scenario, parse_scenarios};
pub use simulate::{build_result, check_expectation, simulate};
pub use testing::{
    CaseFailure, CaseStatus, CollectedFiles, TestCase, TestReport, collect_files, read_source,
    run_tests,
};
pub use vocabulary::{UNKNOWN_ACTION, UnknownActions, policy_action_warnings, unknown_action};
