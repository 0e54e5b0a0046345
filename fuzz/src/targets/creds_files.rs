//! Fuzzes the reader of the AWS shared `config` and `credentials` files: arbitrary text never
//! panics; an error names a line and column inside the text, and its message never repeats
//! the text of the line (it may hold a secret).
//!
//! From `fuzz/`, with libFuzzer (nightly):
//!
//! ```text
//! cargo fuzz run creds_files corpus/creds_files seeds/creds_files
//! ```
//!
//! On stable, the in-process runner (what CI runs):
//!
//! ```text
//! cargo run --release --no-default-features --bin stable -- creds_files --seconds 60
//! ```

use iamwhy_creds::ini::parse;

use crate::Outcome;

/// The target: panics when a property fails.
pub fn run(data: &[u8]) -> Outcome {
    let mut out = Outcome::new();
    let Ok(text) = std::str::from_utf8(data) else {
        return out;
    };
    match parse(text) {
        Ok(sections) => {
            out.add("ok").count(sections.len());
            let lines = text.lines().count().max(1);
            for s in &sections {
                assert!(s.line as usize <= lines);
            }
        }
        Err(e) => {
            out.add("error").add(e.column > 1);
            let lines: Vec<&str> = text
                .strip_prefix('\u{feff}')
                .unwrap_or(text)
                .lines()
                .collect();
            let line = (e.line as usize)
                .checked_sub(1)
                .and_then(|i| lines.get(i))
                .expect("the error's line is in the text");
            assert!(e.column as usize <= line.chars().count() + 1);
            let trimmed = line.trim();
            if trimmed.len() > 12 {
                assert!(!e.message.contains(trimmed), "the message repeats the line");
            }
        }
    }
    out
}
