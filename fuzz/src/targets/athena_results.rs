//! Fuzzes the reader of Athena's result CSV and its struct-text parser (issue 26): arbitrary
//! bytes never panic; the struct-text parser, given the text as a `useridentity` struct, a
//! `resources` array or a `tlsdetails` struct (the first byte chooses), either reads it or
//! reports an error whose offset lies inside the text; the CSV reader, given the bytes as a
//! result file (with a header of the table's columns put before them when the first byte is
//! odd), reads or skips every row.
//!
//! ```text
//! cargo fuzz run athena_results corpus/athena_results seeds/athena_results
//! cargo run --release --no-default-features --bin stable -- athena_results --seconds 60
//! ```

use std::sync::Arc;

use iamwhy_trail::athena::results;
use iamwhy_trail::athena::schema::{RESOURCE, TLS_DETAILS, Type, USER_IDENTITY};
use iamwhy_trail::athena::struct_text;

use crate::Outcome;

const HEADER: &str = "\"eventtime\",\"eventsource\",\"eventname\",\"useridentity\",\"errorcode\",\"requestparameters\",\"resources\"\n";

/// The target: panics when a property fails.
pub fn run(data: &[u8]) -> Outcome {
    let mut out = Outcome::new();
    let Some((&first, body)) = data.split_first() else {
        return out;
    };
    if let Ok(text) = std::str::from_utf8(body) {
        let ty = match first % 3 {
            0 => Type::Struct(USER_IDENTITY),
            1 => Type::ArrayOf(RESOURCE),
            _ => Type::Struct(TLS_DETAILS),
        };
        match struct_text::parse(text, ty) {
            Ok(v) => {
                out.add(("ok", v.is_null()));
            }
            Err(e) => {
                assert!(e.offset <= text.len(), "error offset {} outside the text", e.offset);
                out.add(("err", e.expected.len()));
            }
        }
    }
    let mut bytes = Vec::with_capacity(body.len() + HEADER.len());
    if first % 2 == 1 {
        bytes.extend_from_slice(HEADER.as_bytes());
    }
    bytes.extend_from_slice(body);
    let file: Arc<str> = Arc::from("fuzz.csv");
    let (mut rows, mut bad) = (0usize, 0usize);
    let _ = results::read(&mut bytes.as_slice(), &file, &mut |row, _| match row {
        Ok(_) => rows += 1,
        Err(_) => bad += 1,
    });
    out.count(rows).count(bad);
    out
}
