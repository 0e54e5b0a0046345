//! iamwhy's analyses on top of the engine, one module per question:
//!
//! * [`request`]: a CloudTrail record or a pasted AccessDenied message turned back into the
//!   request AWS evaluated;
//! * [`simulate`](mod@simulate): scenario files and account snapshots evaluated (`simulate`,
//!   `test`), with the hidden calls an operation makes;
//! * [`explain`]: a denial (and the failed calls services made for it) evaluated, cross-checked
//!   with what AWS said, and explained;
//! * [`fix`]: the smallest fixes, each verified by evaluating again;
//! * [`replay`]: every call of a log re-evaluated, with and without candidate changes;
//! * [`generate`]: the least-privilege policy of a user or role from its calls, proved by
//!   replay, and the permissions principals hold but did not use;
//! * [`report`]: the serialisable results; printing them is the binary's job.
//!
//! ```
//! use iamwhy_analysis::{Detail, Overrides, parse_scenarios, simulate};
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
//! let results = simulate(&scenarios[0], &map, Detail::Standard);
//! assert_eq!(results[0].decision, Decision::Allowed);
//! assert!(results[0].expectation.as_ref().unwrap().met);
//! ```

#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, reason = "tests may overflow loudly")
)]

pub mod bulk;
pub mod explain;
pub mod fix;
pub mod generate;
pub mod replay;
pub mod report;
pub mod request;
pub mod review;
pub mod simulate;

pub use explain::answer::{Account, FetchCommand, Implication, MessageAnswer, answer_messages};
pub use explain::{
    CrossCheck, CrossCheckStatus, Incident, Record, explain_message, explain_messages,
    explain_records, group,
};
pub use fix::{Fix, FixKind, ScopeCheck, ScopeKind};
pub use report::{
    Detail, ExpectationResult, HiddenCheckResult, NotMatchedInfo, PolicyTypeOutcome,
    SimulationResult, StatementInfo,
};
pub use request::{Reconstructed, Unexplained, UnexplainedKind, from_event, from_message};
pub use simulate::{
    AccountQuery, AccountSimulation, CaseFailure, CaseStatus, CollectedFiles, Expectation,
    ExpectedDecision, Overrides, SESSION_POLICY_ARNS_LIMIT, SESSION_POLICY_LIMIT, Scenario,
    TestCase, TestReport, UNKNOWN_ACTION, UnknownActions, build_result, check_expectation,
    collect_files, complete_request, parse_scenarios, policy_action_warnings, read_source,
    resource_facts, result_count, run_tests, session_policy_set, simulate, simulate_account,
    simulate_all, simulate_chunks, unknown_action,
};
