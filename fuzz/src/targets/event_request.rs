//! Fuzzes the turning of a CloudTrail record into a request (what `explain` and `replay` do
//! with every record): arbitrary bytes read as one record, mapped to its action(s), principal,
//! resource and context against the bundled example snapshot, never panic; neither does the
//! same text read as a pasted AccessDenied message. The seeds are the records of the bundled
//! story logs (`examples/trail*`). STS records also go through replay's reading of the session
//! they created (`recorded_session`: session policies and the issued access key).
//!
//! From `fuzz/`, with libFuzzer (nightly):
//!
//! ```text
//! cargo fuzz run event_request corpus/event_request seeds/event_request
//! ```
//!
//! On stable, the in-process runner (what CI runs):
//!
//! ```text
//! cargo run --release --no-default-features --bin stable -- event_request --seconds 60
//! ```

use std::sync::OnceLock;

use iamwhy_analysis::replay::recorded_session;
use iamwhy_analysis::request::{from_event, from_message};
use iamwhy_core::SourceMap;
use iamwhy_snapshot::Snapshot;
use iamwhy_trail::{Event, parse_message};

use crate::Outcome;

fn snapshot() -> Option<&'static Snapshot> {
    static SNAPSHOT: OnceLock<Option<Snapshot>> = OnceLock::new();
    SNAPSHOT
        .get_or_init(|| {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/snapshot");
            iamwhy_snapshot::load(std::path::Path::new(dir), &mut SourceMap::new()).ok()
        })
        .as_ref()
}

/// The target: panics when a property fails.
pub fn run(data: &[u8]) -> Outcome {
    let mut out = Outcome::new();
    match Event::from_json(data) {
        Ok(event) => {
            let message = event.denial();
            out.add(format!("{:?}", message.form));
            // The session an STS record created (replay's first pass), its policies as text.
            let origin = iamwhy_trail::Origin {
                file: std::sync::Arc::from("fuzz"),
                line: 1,
                column: 1,
                offset: 0,
            };
            if let Some((key, session)) = recorded_session(&event, &origin) {
                assert!(!key.is_empty() || event.issued_access_key_id.as_deref() == Some(""));
                out.add("session").count(session.arns.len());
            }
            for snapshot in [snapshot(), None] {
                match from_event(&event, &message, snapshot) {
                    Ok(r) => out.add("ok").count(r.also_needs.len()),
                    Err(e) => out.add(e.kind).count(e.reasons.len()),
                };
            }
        }
        Err(_) => {
            out.add("not an event");
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let message = parse_message(text);
        out.add(format!("{:?}", message.form));
        match from_message(&message) {
            Ok(_) => out.add("message ok"),
            Err(e) => out.add(e.kind).count(e.reasons.len()),
        };
    }
    out
}
