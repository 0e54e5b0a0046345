//! Fuzzes the reader of the AWS shared `config` and `credentials` files: arbitrary text never
//! panics; an error names a line and column inside the text, and its message never quotes
//! the text (a line may hold a secret).
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
            // The syntax is made of brackets, `=`, `:`, `#`, `;` and white space: with every
            // ASCII letter and digit changed, the error is the same, and so is its message
            // unless it quotes the text. (A plain "the message does not contain the line"
            // fails on lines that happen to be words of a message: `section]` hea`.)
            let rotated: String = text.chars().map(rotate).collect();
            let again = parse(&rotated).expect_err("the rotated text has the same error");
            assert_eq!((again.line, again.column), (e.line, e.column));
            assert_eq!(again.message, e.message, "the message quotes the text");
        }
    }
    out
}

/// The next ASCII letter or digit, cyclically (`z` → `a`, `9` → `0`); other characters as
/// they are.
fn rotate(c: char) -> char {
    let next = |first: u8, len: u8| char::from(first + (c as u8 - first + 1) % len);
    match c {
        'a'..='z' => next(b'a', 26),
        'A'..='Z' => next(b'A', 26),
        '0'..='9' => next(b'0', 10),
        _ => c,
    }
}
