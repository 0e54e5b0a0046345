//! `iamwhy explain` and `iamwhy replay`: CloudTrail records (or a pasted AccessDenied
//! message) turned back into the requests AWS evaluated, evaluated against an account
//! snapshot, cross-checked with what AWS recorded, and — for denials — explained with the
//! smallest fix, verified by evaluating again.
//!
//! * [`mapping`]: `eventSource` + `eventName` → the IAM action(s) the call needed;
//! * [`request`]: a record or message → principal, action, resource and context;
//! * [`explain`]: one denied call (with the failed calls services made for it) explained;
//! * [`fix`]: fixes proposed and verified;
//! * [`replay`]: every call of a log re-evaluated, fast, with and without candidate changes.

#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, reason = "tests may overflow loudly")
)]

pub mod answer;
pub mod explain;
pub mod fix;
pub mod mapping;
pub mod replay;
pub mod request;

pub use answer::{Account, FetchCommand, Implication, MessageAnswer, answer_messages};
pub use explain::{Incident, Record, explain_message, explain_messages, explain_records, group};
pub use fix::{Fix, ScopeCheck};
pub use mapping::{Mapping, map_call};
pub use request::{Reconstructed, Unexplained, from_event, from_message};
