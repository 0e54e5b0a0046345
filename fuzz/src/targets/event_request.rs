//! Fuzzes the turning of a CloudTrail record into a request (what `explain` and `replay` do
//! with every record): arbitrary bytes read as one record, mapped to its action(s), principal,
//! resource and context against the bundled example snapshot, never panic; neither does the
//! same text read as a pasted AccessDenied message.
//!
//! From `fuzz/`:
//!
//! ```text
//! cargo fuzz run event_request corpus/event_request seeds/event_request
//! ```
//!
//! On a stable toolchain prefix the command with `RUSTC_BOOTSTRAP=1`. The seeds are the
//! records of the bundled story logs (`examples/trail*`).

#![no_main]

use std::sync::OnceLock;

use iamwhy_core::SourceMap;
use iamwhy_explain::request::{from_event, from_message};
use iamwhy_snapshot::Snapshot;
use iamwhy_trail::{Event, parse_message};
use libfuzzer_sys::fuzz_target;

fn snapshot() -> Option<&'static Snapshot> {
    static SNAPSHOT: OnceLock<Option<Snapshot>> = OnceLock::new();
    SNAPSHOT
        .get_or_init(|| {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/snapshot");
            iamwhy_snapshot::load(std::path::Path::new(dir), &mut SourceMap::new()).ok()
        })
        .as_ref()
}

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = Event::from_json(data) {
        let message = event.denial();
        let _ = from_event(&event, &message, snapshot());
        let _ = from_event(&event, &message, None);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = from_message(&parse_message(text));
    }
});
