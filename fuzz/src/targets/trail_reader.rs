//! Fuzzes the CloudTrail record reader: arbitrary bytes through the record splitter never
//! panic, yield the same records and problems, at the same lines and columns, however the
//! input is cut into chunks (the first byte of the input chooses the chunk size of the second
//! reading), and every record found goes through the event parser and the AccessDenied
//! message parser (spec §5) without a panic. The console CSV reader gets the same bytes.
//!
//! From `fuzz/`, with libFuzzer (nightly):
//!
//! ```text
//! cargo fuzz run trail_reader corpus/trail_reader seeds/trail_reader
//! ```
//!
//! On stable, the in-process runner (what CI runs):
//!
//! ```text
//! cargo run --release --no-default-features --bin stable -- trail_reader --seconds 60
//! ```

use std::sync::Arc;

use iamwhy_trail::split::{Item, Splitter};
use iamwhy_trail::{Event, console_csv, parse_message};

use crate::Outcome;

/// Record texts with their lines and columns.
type Records = Vec<(Vec<u8>, u64, u64)>;
/// Offsets, lines and columns of problems.
type Problems = Vec<(u64, u64, u64)>;

/// What a reading found: record texts with their places, and the places of problems.
fn read(data: &[u8], chunk: usize) -> (Records, Problems) {
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

/// The target: panics when a property fails.
pub fn run(data: &[u8]) -> Outcome {
    let mut out = Outcome::new();
    let Some((&first, body)) = data.split_first() else {
        return out;
    };
    let whole = read(body, 1 << 16);
    let chunked = read(body, usize::from(first % 97) + 1);
    assert_eq!(whole, chunked, "the chunk size changed what was read");
    out.count(whole.0.len()).count(whole.1.len());
    let mut forms = Vec::new();
    for (record, _, _) in &whole.0 {
        if let Ok(event) = Event::from_json(record) {
            forms.push(format!("{:?}", event.denial().form));
            let _ = event.principal_label();
        }
    }
    out.count(forms.len());
    forms.sort_unstable();
    forms.dedup();
    out.add(forms);
    if let Ok(text) = std::str::from_utf8(body) {
        out.add(format!("{:?}", parse_message(text).form));
    }
    let file: Arc<str> = Arc::from("fuzz.csv");
    let mut input = body;
    let (mut rows, mut bad) = (0, 0);
    let _ = console_csv::read(&mut input, &file, &mut |row, _| match row {
        Ok(_) => rows += 1,
        Err(_) => bad += 1,
    });
    out.add((rows > 0, bad > 0));
    out
}
