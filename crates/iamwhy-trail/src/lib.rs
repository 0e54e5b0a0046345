//! CloudTrail for iamwhy: every log shape users have, read fast and in bounded memory.
//!
//! * [`input`] finds the files (directories recursively, `-` for stdin, the S3 layout's
//!   digest and Insights files skipped) and opens them (gzip recognised by its magic bytes);
//! * [`split`] finds the records of any JSON shape — `{"Records": [...]}`, lookup-events
//!   output, a bare array, JSON Lines, concatenated or single records — without parsing them;
//! * [`mod@scan`] runs the files on a pool of workers, parses in full only the records a cheap
//!   byte-level pre-filter lets through, counts and reports bad input once per file, drops
//!   duplicate `eventID`s, and hands results back in input order;
//! * [`event`] is the typed event model, [`message`] the AccessDenied message parser
//!   (spec §5), [`codes`] the error codes that mean a denial;
//! * [`filter`] the `trail denied` filters, [`denied`] the denials and their tally, and
//!   [`timeline`] the calls around a failure;
//! * [`athena`] the Athena table, query and result files of organization trails;
//! * [`link`] the one rule that ties a call an AWS service made to the call it served, used by
//!   `trail timeline` and `explain`.
//!
//! ```
//! use iamwhy_trail::message::{DenyKind, parse_message};
//!
//! let m = parse_message(
//!     "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: \
//!      s3:GetObject on resource: \"arn:aws:s3:::reports/q3.csv\" because no \
//!      identity-based policy allows the s3:GetObject action",
//! );
//! assert_eq!(m.action.as_deref(), Some("s3:GetObject"));
//! assert_eq!(m.resource.as_deref(), Some("arn:aws:s3:::reports/q3.csv"));
//! assert_eq!(m.deny_kind, DenyKind::Implicit);
//! ```

#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, reason = "tests may overflow loudly")
)]

pub mod athena;
pub mod codes;
pub mod console_csv;
pub mod denied;
pub mod event;
pub mod filter;
pub mod input;
pub mod link;
pub mod message;
pub mod scan;
pub mod split;
pub mod timeline;

pub use codes::{DENIAL_CODES, is_denial_code};
pub use event::{
    Event, EventResource, IdentityType, SessionContext, SessionIssuer, UserIdentity,
    mask_access_key,
};
pub use message::{DenialMessage, DenyKind, MessageForm, parse_message};
pub use scan::{Origin, Prefilter, Problem, Scan, Stats, scan};
