//! Fuzzes the AccessDenied message reader (issue 20): any text — a paste of any size, with
//! any wrapper, escapes, markup or several messages — is read without a panic, in time linear
//! in its length (the runner flags a slow input; a 1 MB paste of anchors is a seed shape of
//! `big_inputs.py`), into at most one message per anchor phrase (each at least 17 bytes), and reading the first
//! message alone (`parse_message`) agrees with the first of all (`read_messages`).
//!
//! ```text
//! cargo fuzz run message_reader corpus/message_reader seeds/message_reader
//! cargo run --release --no-default-features --bin stable -- message_reader --seconds 60
//! ```

use iamwhy_trail::message::{parse_message, read_messages};

use crate::Outcome;

/// The target: panics when a property fails.
pub fn run(data: &[u8]) -> Outcome {
    let mut out = Outcome::new();
    let text = String::from_utf8_lossy(data);
    let all = read_messages(&text);
    // Each message needs its own anchor phrase, at least 17 bytes (`unable to perform`).
    assert!(
        all.len() <= text.len() / 17 + 1,
        "more messages than room for anchors"
    );
    let first = parse_message(&text);
    if let Some(m) = all.first() {
        assert_eq!(&first, m, "parse_message disagrees with read_messages");
    }
    out.count(all.len());
    for m in &all {
        out.add(format!("{:?}{:?}{:?}", m.form, m.deny_kind, m.policy_type))
            .add((
                m.principal.is_some(),
                m.action.is_some(),
                m.resource.is_some(),
            ));
    }
    out
}
