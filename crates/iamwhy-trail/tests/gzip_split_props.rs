//! Issue 18's invariant: however a stream of records is split into gzip members and files —
//! several members per file (concatenated gzip, `bgzip`, log shippers), members of equal
//! size, plain and compressed files mixed, one file or many — the scan finds the same
//! denials, and the same as the records read plainly.

#![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "test arithmetic on small generated sizes"
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use iamwhy_trail::input::collect_inputs;
use iamwhy_trail::{Prefilter, Scan, scan};
use proptest::prelude::*;

/// A record; every third is denied. All records have the same length, so members of equal
/// record counts have equal sizes (the case that lost records before issue 18).
fn record(i: usize) -> String {
    let code = if i.is_multiple_of(3) {
        "AccessDenied"
    } else {
        "NoSuchKey"
    };
    format!(
        "{{\"eventVersion\":\"1.08\",\"eventTime\":\"2026-11-20T10:00:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"eventID\":\"e-{i:06}\",\"errorCode\":\"{code:>12}\",\"userIdentity\":{{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/u\"}}}}\n"
    )
}

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(text).unwrap();
    e.finish().unwrap()
}

/// The eventIDs of the denials the scan finds under `dir`, in order.
fn denied_ids(dir: &Path) -> Vec<String> {
    let inputs = collect_inputs(&[dir.display().to_string()]);
    let settings = Scan {
        prefilter: Prefilter::Denials,
        threads: 2,
        progress: Arc::new(AtomicU64::new(0)),
    };
    let mut ids = Vec::new();
    let stats = scan(
        &inputs,
        &settings,
        |e, _| {
            e.is_denied()
                .then(|| e.event_id.clone().unwrap_or_default())
        },
        |id| ids.push(id),
    );
    assert!(stats.problems.is_empty(), "{:?}", stats.problems);
    ids
}

/// One file: a list of members (each a number of records), compressed or not.
#[derive(Clone, Debug)]
struct FilePlan {
    members: Vec<usize>,
    compressed: bool,
}

fn plan() -> impl Strategy<Value = Vec<FilePlan>> {
    prop::collection::vec(
        (prop::collection::vec(1usize..6, 1..6), any::<bool>()).prop_map(
            |(members, compressed)| FilePlan {
                members,
                compressed,
            },
        ),
        1..5,
    )
}

fn scratch(case: u64) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamwhy-gzip-split-{}-{case}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_split_into_members_and_files_finds_the_same_denials(files in plan(), case in any::<u64>()) {
        let dir = scratch(case);
        let mut next = 0usize;
        let mut expected = Vec::new();
        for (f, file) in files.iter().enumerate() {
            let mut bytes = Vec::new();
            for &count in &file.members {
                let text: String = (next..next + count).map(record).collect();
                expected.extend((next..next + count).filter(|i| i.is_multiple_of(3)).map(|i| format!("e-{i:06}")));
                next += count;
                if file.compressed {
                    bytes.extend(gzip(text.as_bytes()));
                } else {
                    bytes.extend(text.as_bytes());
                }
            }
            let name = if file.compressed { format!("{f:02}.json.gz") } else { format!("{f:02}.json") };
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        let found = denied_ids(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        prop_assert_eq!(found, expected);
    }
}

#[test]
fn fifty_equal_members_in_one_file_are_fifty_denials() {
    // The reported case: 50 one-record members of equal size found 1 denial.
    let dir = scratch(u64::MAX);
    let bytes: Vec<u8> = (0..50)
        .flat_map(|i| gzip(record(i * 3).as_bytes()))
        .collect();
    std::fs::write(dir.join("equal.json.gz"), bytes).unwrap();
    let found = denied_ids(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(found.len(), 50);
}
