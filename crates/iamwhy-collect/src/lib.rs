//! `iamwhy collect`: takes an account snapshot, or an organization's, with the AWS SDK for
//! Rust, and writes it in the layout of `docs/snapshot.md`: the raw AWS API outputs, as
//! `aws ... --output json` prints them, so that a snapshot from `collect`, one from
//! `scripts/snapshot.sh` and one taken by hand are the same thing.
//!
//! What it is not for: evaluating anything (that is `iamwhy-snapshot` and the engine), or
//! writing to AWS — every call is a read (get, list, describe), plus `sts:AssumeRole` into
//! the member accounts with `--org`. The calls are the rows of one table ([`OPERATIONS`]);
//! [`required_policy`] turns that table into the IAM policy the collector needs.
//!
//! [`athena`] runs an Athena query over a trail table (`iamwhy athena run`) and writes its
//! result as Athena's CSV, for the log pipeline.
//!
//! A call that fails is a result: it is counted and listed with the permission it needed
//! ([`Failure`]), writes no file, and never stops the run. Credentials are used, never written
//! or reported.
//!
//! ```
//! let policy = iamwhy_collect::required_policy(None);
//! assert!(policy["Statement"][0]["Action"]
//!     .as_array()
//!     .unwrap()
//!     .iter()
//!     .any(|a| a == "iam:GetAccountAuthorizationDetails"));
//! ```

#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, reason = "tests may overflow loudly")
)]

mod account;
pub mod athena;
mod call;
mod config;
mod err;
mod ops;
mod org;
mod record;
mod run;
mod shape;

pub use config::{ALL_REGIONS, Options};
pub use err::CollectError;
pub use ops::{OPERATIONS, Op, Operation, read_only_actions, required_policy};
pub use record::{Failure, Observer, Quiet};
pub use run::{AccountReport, Report, run};
