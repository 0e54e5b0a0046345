//! Fuzzes the reader of the AWS shared `config` and `credentials` files: arbitrary text never
//! panics; an error names a line and column inside the text, and its message never repeats
//! the text of the line (it may hold a secret).
//!
//! From `fuzz/`:
//!
//! ```text
//! cargo fuzz run creds_files corpus/creds_files seeds/creds_files
//! ```
//!
//! On a stable toolchain prefix the command with `RUSTC_BOOTSTRAP=1`.

#![no_main]

use iamwhy_creds::ini::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse(text) {
        Ok(sections) => {
            for s in &sections {
                assert!(s.line as usize <= text.lines().count().max(1));
            }
        }
        Err(e) => {
            let lines: Vec<&str> = text.strip_prefix('\u{feff}').unwrap_or(text).lines().collect();
            let line = lines
                .get(e.line as usize - 1)
                .expect("the error's line is in the text");
            assert!(e.column as usize <= line.chars().count() + 1);
            let trimmed = line.trim();
            if trimmed.len() > 12 {
                assert!(!e.message.contains(trimmed), "the message repeats the line");
            }
        }
    }
});
