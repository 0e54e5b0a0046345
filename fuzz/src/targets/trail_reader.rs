//! Fuzzes the CloudTrail record reader: arbitrary bytes through the record splitter never
//! panic, yield the same records and problems, at the same lines and columns, however the
//! input is cut into chunks, and every
//! record found goes through the event parser and the AccessDenied message parser (spec §5)
//! without a panic. The console CSV reader gets the same bytes.
//!
//! From `fuzz/`:
//!
//! ```text
//! cargo fuzz run trail_reader corpus/trail_reader seeds/trail_reader
//! ```
//!
//! On a stable toolchain prefix the command with `RUSTC_BOOTSTRAP=1`. The first byte of the
//! input chooses the chunk size of the second reading.

#![no_main]

use std::sync::Arc;

use iamwhy_trail::split::{Item, Splitter};
use iamwhy_trail::{Event, console_csv, parse_message};
use libfuzzer_sys::fuzz_target;

/// What a reading found: record texts with their places, and the places of problems.
fn read(data: &[u8], chunk: usize) -> (Vec<(Vec<u8>, u64, u64)>, Vec<(u64, u64, u64)>) {
    let mut s = Splitter::with_limits(Vec::new(), data, chunk, 1 << 20);
    let (mut records, mut problems) = (Vec::new(), Vec::new());
    while let Some(item) = s.next_item() {
        match item {
            Item::Record {
                bytes,
                offset,
                line,
                column,
                ..
            } => {
                assert!(offset as usize + bytes.len() <= data.len());
                assert_eq!(&data[offset as usize..offset as usize + bytes.len()], bytes);
                records.push((bytes.to_vec(), line, column));
            }
            Item::Malformed {
                offset,
                line,
                column,
                ..
            } => problems.push((offset, line, column)),
        }
    }
    (records, problems)
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let whole = read(body, 1 << 16);
    let chunked = read(body, usize::from(first % 97) + 1);
    assert_eq!(whole, chunked, "the chunk size changed what was read");
    for (record, _, _) in &whole.0 {
        if let Ok(event) = Event::from_json(record) {
            let _ = event.denial();
            let _ = event.principal_label();
        }
    }
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = parse_message(text);
    }
    let file: Arc<str> = Arc::from("fuzz.csv");
    let mut input = body;
    let _ = console_csv::read(&mut input, &file, &mut |_, _| {});
});
