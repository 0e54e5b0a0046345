//! Fuzzes gzip reading (issue 18): the bytes choose records, how they are split into gzip
//! members (each compressed at its own level, sometimes stored plain), and whether the file
//! is cut short. Reading the file through the one-call path (a regular file of known size)
//! and through the streaming path (a pipe, size unknown) must give the same bytes, and for
//! an uncut file exactly the concatenated records: every member, never the first alone. The
//! raw input is also opened as it is (any bytes, corrupt gzip included): no panic, and both
//! paths agree on what they could read.
//!
//! ```text
//! cargo fuzz run gzip_members corpus/gzip_members seeds/gzip_members
//! cargo run --release --no-default-features --bin stable -- gzip_members --seconds 60
//! ```

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use iamwhy_input::Source;
use iamwhy_input::gzip::{Buffers, open};

use crate::Outcome;

/// Everything the path reads, or the bytes before its error (and whether there was one).
fn read_all(source: &Source, size: Option<u64>) -> (Vec<u8>, bool) {
    let counter = Arc::new(AtomicU64::new(0));
    let mut buffers = Buffers::default();
    match open(source, size, 4096, &counter, &mut buffers) {
        Ok(mut opened) => {
            let mut all = std::mem::take(&mut opened.prefix);
            let failed = opened.rest.read_to_end(&mut all).is_err();
            (all, failed)
        }
        Err(_) => (Vec::new(), true),
    }
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamwhy-fuzz-gzip-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir.join("input.gz")
}

fn both_paths(bytes: &[u8]) -> ((Vec<u8>, bool), (Vec<u8>, bool)) {
    let file = scratch();
    if std::fs::write(&file, bytes).is_err() {
        return ((Vec::new(), true), (Vec::new(), true));
    }
    let source = Source::File(file);
    let whole = read_all(&source, Some(bytes.len() as u64));
    let streamed = read_all(&source, None);
    (whole, streamed)
}

/// The target: panics when a property fails.
pub fn run(data: &[u8]) -> Outcome {
    let mut out = Outcome::new();
    // Any bytes, as a file: no panic; the paths agree on what they read.
    let (whole, streamed) = both_paths(data);
    assert_eq!(whole.0, streamed.0, "the two paths read different bytes");
    out.add((whole.1, streamed.1)).count(whole.0.len());

    // Built members: each input byte is one record whose length and member boundary it sets.
    let mut file = Vec::new();
    let mut plain = Vec::new();
    let mut member = Vec::new();
    let mut members = 0usize;
    for (i, &b) in data.iter().take(256).enumerate() {
        let record = format!(
            "{{\"eventID\":\"{i}\",\"pad\":\"{}\"}}\n",
            "x".repeat(usize::from(b % 7))
        );
        member.extend_from_slice(record.as_bytes());
        plain.extend_from_slice(record.as_bytes());
        if b & 0x80 != 0 {
            let level = flate2::Compression::new(u32::from(b % 10));
            let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
            let _ = e.write_all(&member);
            file.extend(e.finish().unwrap_or_default());
            member.clear();
            members += 1;
        }
    }
    if members == 0 {
        return out;
    }
    // The records after the last boundary are left out of this file.
    let written: usize = plain.len() - member.len();
    let expected = &plain[..written];
    let (whole, streamed) = both_paths(&file);
    assert!(!whole.1 && !streamed.1, "a well-formed file failed");
    assert_eq!(
        whole.0, expected,
        "the one-call path lost or changed records"
    );
    assert_eq!(
        streamed.0, expected,
        "the streaming path lost or changed records"
    );
    out.count(members);
    // Cut short: both paths keep a prefix of the records and say that the file was cut.
    if let Some(&last) = data.last() {
        let cut = file.len() * usize::from(last) / 256;
        // Under two bytes there is no gzip magic: the byte is read as plain text.
        if (2..file.len()).contains(&cut) {
            let (whole, streamed) = both_paths(&file[..cut]);
            assert_eq!(whole.0, streamed.0, "the paths disagree on a cut file");
            assert!(expected.starts_with(&whole.0), "a cut file invented bytes");
        }
    }
    out
}
