//! Every reader on real samples (the shared `../shared/data/cloudtrail/`, read where it lies;
//! its `SOURCES.md` says where each file comes from; the tests that need it are skipped, with
//! a note on stderr, when it is absent) and on synthetic files for the shapes without a public
//! sample (`fixtures/synthetic/`, written by `tools/fixtures/make_trail_fixtures.py`;
//! `.expected.json` holds the facts asserted here).
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use iamwhy_core::PolicyType;
use iamwhy_trail::filter::PrincipalFilter;
use iamwhy_trail::input::collect_inputs;
use iamwhy_trail::timeline;
use iamwhy_trail::{DenyKind, Event, MessageForm, Origin, Prefilter, Scan, Stats, scan};
use serde_json::Value;

#[path = "../../../tests/support/shared_data.rs"]
mod shared_data;

use shared_data::shared_data;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn settings(prefilter: Prefilter) -> Scan {
    Scan {
        prefilter,
        threads: 2,
        progress: Arc::new(AtomicU64::new(0)),
    }
}

/// Every event of the paths that passes the pre-filter, with the scan's statistics.
fn read(paths: &[PathBuf], prefilter: Prefilter) -> (Vec<(Event, Origin)>, Stats) {
    let args: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let inputs = collect_inputs(&args);
    let mut events = Vec::new();
    let stats = scan(
        &inputs,
        &settings(prefilter),
        |e, o| Some((e, o.clone())),
        |pair| events.push(pair),
    );
    (events, stats)
}

fn denials(paths: &[PathBuf]) -> (Vec<Event>, Stats) {
    let (events, stats) = read(paths, Prefilter::Denials);
    let denied = events
        .into_iter()
        .map(|(e, _)| e)
        .filter(Event::is_denied)
        .collect();
    (denied, stats)
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixtures().join("synthetic/.expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn real_samples_read_completely() {
    let Some(real) = shared_data("cloudtrail") else {
        return;
    };
    for (dir, records) in [
        ("stratus-red-team-detonation-logs", 310),
        ("otrf-security-datasets", 103),
        ("plaso-lookup-events", 6),
        ("awsdocs-examples", 27),
    ] {
        let (events, stats) = read(&[real.join(dir)], Prefilter::All);
        assert_eq!(stats.events, records as u64, "{dir}");
        // The documentation's examples reuse five eventIDs: each is kept once.
        let reused = if dir == "awsdocs-examples" { 5 } else { 0 };
        assert_eq!(stats.duplicates, reused, "{dir}");
        assert_eq!(events.len() as u64, records as u64 - reused, "{dir}");
        assert_eq!(stats.malformed, 0, "{dir}: {:?}", stats.problems);
        assert!(stats.problems.is_empty(), "{dir}: {:?}", stats.problems);
    }
}

#[test]
fn spec_5_stratus_denials_are_all_found_and_parsed() {
    let Some(real) = shared_data("cloudtrail") else {
        return;
    };
    let (denied, stats) = denials(&[real.join("stratus-red-team-detonation-logs")]);
    assert_eq!(denied.len(), 51);
    assert_eq!(stats.events, 310);
    let mut implicit_identity = 0;
    let mut legacy = 0;
    let mut encoded = 0;
    for e in &denied {
        let m = e.denial();
        assert_eq!(m.form, MessageForm::Standard, "{:?}", e.error_message);
        assert!(m.principal.is_some() && m.action.is_some(), "{m:?}");
        if m.encoded_message.is_some() {
            encoded += 1;
        }
        match (m.deny_kind, m.policy_type) {
            (DenyKind::Implicit, Some(PolicyType::Identity)) => implicit_identity += 1,
            // Old STS AssumeRole messages have no context clause (spec §5.4).
            (DenyKind::Unknown, None) => {
                assert_eq!(m.action.as_deref(), Some("sts:AssumeRole"));
                legacy += 1;
            }
            other => panic!("unexpected {other:?} in {:?}", e.error_message),
        }
    }
    assert_eq!((implicit_identity, legacy, encoded), (47, 4, 46));
}

#[test]
fn lookup_events_of_plaso_are_unwrapped() {
    let Some(real) = shared_data("cloudtrail") else {
        return;
    };
    let (events, _) = read(&[real.join("plaso-lookup-events")], Prefilter::All);
    assert!(events.iter().all(|(e, _)| !e.event_source.is_empty()));
    assert!(
        events
            .iter()
            .any(|(e, _)| e.event_name == "DescribeInstances")
    );
}

/// Each synthetic file alone: its records and its denials, as `.expected.json` says.
#[test]
fn every_shape_reads_its_records_and_denials() {
    let exp = expected();
    let base = fixtures().join("synthetic");
    for f in exp["files"].as_array().unwrap() {
        if f["count"] != Value::Bool(true) {
            continue;
        }
        let path = base.join(f["path"].as_str().unwrap());
        let records = f["records"].as_u64().unwrap();
        let want_denials = f["denials"].as_u64().unwrap();
        let (all, stats) = read(std::slice::from_ref(&path), Prefilter::All);
        if f["skip"] == Value::Bool(true) {
            assert!(all.is_empty(), "{path:?}");
            assert_eq!(stats.digest_files + stats.insights, 1, "{path:?}");
            continue;
        }
        assert_eq!(all.len() as u64, records, "{path:?}: {:?}", stats.problems);
        assert!(stats.problems.is_empty(), "{path:?}: {:?}", stats.problems);
        let (denied, _) = denials(std::slice::from_ref(&path));
        assert_eq!(denied.len() as u64, want_denials, "{path:?}");
    }
}

#[test]
fn a_directory_is_read_recursively_skipping_digest_and_insight_files() {
    let exp = expected();
    let base = fixtures().join("synthetic");
    let (events, stats) = read(
        &[
            base.join("s3-layout"),
            base.join("lookup-events.json"),
            base.join("jsonl.jsonl"),
        ],
        Prefilter::All,
    );
    assert_eq!(stats.digest_files, 1);
    assert_eq!(stats.insights, 1);
    let want: u64 = exp["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let p = f["path"].as_str().unwrap();
            p.starts_with("s3-layout") || p == "lookup-events.json" || p == "jsonl.jsonl"
        })
        .map(|f| f["records"].as_u64().unwrap())
        .sum();
    assert_eq!(events.len() as u64, want);
}

fn policy_type(name: &str) -> (Option<PolicyType>, bool) {
    match name {
        "SCP" => (Some(PolicyType::Scp), false),
        "RCP" => (Some(PolicyType::Rcp), false),
        "Identity" => (Some(PolicyType::Identity), false),
        "Resource" => (Some(PolicyType::Resource), false),
        "Boundary" => (Some(PolicyType::PermissionsBoundary), false),
        "Session" => (Some(PolicyType::Session), false),
        "Vpce" => (Some(PolicyType::VpcEndpoint), false),
        "RoleTrust" => (Some(PolicyType::Resource), true),
        other => panic!("unknown policy type {other}"),
    }
}

fn kind(name: &str) -> DenyKind {
    match name {
        "explicit" => DenyKind::Explicit,
        "implicit" => DenyKind::Implicit,
        _ => DenyKind::Unknown,
    }
}

/// Spec §5.2–§5.5: every policy-type phrase, explicit and implicit, the policy-ARN suffix,
/// `transitively through`, quoted S3 resources, EC2's encoded message, SNS, legacy forms.
#[test]
fn spec_5_every_message_form_parses_as_expected() {
    let exp = expected();
    let (events, _) = read(
        &[fixtures().join("synthetic/messages.json")],
        Prefilter::All,
    );
    let messages = exp["messages"].as_array().unwrap();
    assert!(messages.len() >= 29);
    for want in messages {
        let id = want["eventID"].as_str().unwrap();
        let (e, _) = events
            .iter()
            .find(|(e, _)| e.event_id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no event {id}"));
        let m = e.denial();
        let case = want["id"].as_str().unwrap();
        let opt = |v: &Value| v.as_str().map(str::to_owned);
        assert_eq!(m.principal, opt(&want["principal"]), "{case}");
        assert_eq!(m.action, opt(&want["action"]), "{case}");
        assert_eq!(m.resource, opt(&want["resource"]), "{case}");
        assert_eq!(
            m.deny_kind,
            kind(want["deny_kind"].as_str().unwrap()),
            "{case}"
        );
        let (t, trust) = want["policy_type"]
            .as_str()
            .map_or((None, false), policy_type);
        assert_eq!((m.policy_type, m.role_trust), (t, trust), "{case}");
        assert_eq!(
            m.via,
            want["via"].as_str().and_then(|v| policy_type(v).0),
            "{case}"
        );
        assert_eq!(m.policy_arn, opt(&want["policy_arn"]), "{case}");
        assert_eq!(
            m.encoded_message.is_some(),
            want["encoded_message"] == Value::Bool(true),
            "{case}"
        );
    }
}

/// The structured denial of every denial in the other synthetic files.
#[test]
fn denials_of_every_shape_carry_the_structured_message() {
    let exp = expected();
    let base = fixtures().join("synthetic");
    for want in exp["denials"].as_array().unwrap() {
        let file = want["file"].as_str().unwrap();
        if file.starts_with("corrupt/") {
            continue;
        }
        let (denied, _) = denials(&[base.join(file)]);
        let id = want["eventID"].as_str();
        let e = denied
            .iter()
            .find(|e| e.event_id.as_deref() == id)
            .unwrap_or_else(|| panic!("{file}: no denial {id:?}"));
        let m = e.denial();
        let case = format!("{file} {id:?}");
        assert_eq!(m.deny_kind, kind(want["kind"].as_str().unwrap()), "{case}");
        let t = want["type"].as_str().and_then(|t| policy_type(t).0);
        assert_eq!(m.policy_type, t, "{case}");
        assert_eq!(m.action.as_deref(), want["action"].as_str(), "{case}");
    }
}

#[test]
fn corrupt_input_is_reported_and_skipped() {
    let exp = expected();
    let corrupt = fixtures().join("synthetic/corrupt");
    // A truncated gzip: the complete records before the cut are read, the cut reported.
    let (events, stats) = read(&[corrupt.join("truncated.json.gz")], Prefilter::All);
    assert_eq!(
        events.len() as u64,
        exp["corrupt"]["truncated_complete"].as_u64().unwrap()
    );
    assert_eq!(stats.problems.len(), 1);
    assert!(stats.problems[0].to_string().contains("truncated.json.gz"));
    // A small truncated gzip, whose content ends before the bytes read to recognise its
    // format: its complete records are still read, the cut reported once.
    let (events, stats) = read(&[corrupt.join("truncated-small.json.gz")], Prefilter::All);
    assert_eq!(
        events.len() as u64,
        exp["corrupt"]["truncated_small_complete"].as_u64().unwrap()
    );
    assert_eq!((stats.files, stats.files_skipped), (1, 0));
    assert!(!stats.nothing_read());
    assert_eq!(stats.problems.len(), 1, "{:?}", stats.problems);
    let p = stats.problems[0].to_string();
    assert!(
        p.contains("truncated-small.json.gz:") && p.contains("gzip data is truncated"),
        "{p}"
    );
    assert_eq!(stats.problems[0].more, 0, "{p}");
    // A lookup-events entry whose `CloudTrailEvent` string is not JSON: said so, with where.
    let (events, stats) = read(&[corrupt.join("lookup-bad-event.json")], Prefilter::All);
    assert_eq!(
        (events.len() as u64, stats.malformed),
        (exp["corrupt"]["lookup_bad_records"].as_u64().unwrap(), 1)
    );
    let p = stats.problems[0].to_string();
    assert!(
        p.contains("lookup-bad-event.json:")
            && p.contains("`CloudTrailEvent` string")
            && p.contains("not valid JSON")
            && !p.contains("eventTime"),
        "{p}"
    );
    // Not JSON: skipped as a whole, named.
    let (events, stats) = read(&[corrupt.join("not-json.json")], Prefilter::All);
    assert!(events.is_empty());
    assert_eq!((stats.files, stats.files_skipped), (0, 1));
    assert!(stats.nothing_read());
    // A record without eventTime: counted, reported with its line, the others read.
    let (events, stats) = read(&[corrupt.join("missing-eventtime.json")], Prefilter::All);
    assert_eq!((events.len(), stats.malformed), (2, 1));
    let p = stats.problems[0].to_string();
    assert!(
        p.contains("eventTime") && p.contains("missing-eventtime.json:"),
        "{p}"
    );
    // The same with the denial pre-filter (the record is a denial).
    let (denied, stats) = denials(&[corrupt.join("missing-eventtime.json")]);
    assert_eq!((denied.len(), stats.malformed), (0, 1));
    // A broken JSON Lines record: the lines after it are still read.
    let (events, stats) = read(&[corrupt.join("bad-record.jsonl")], Prefilter::All);
    assert_eq!((events.len(), stats.malformed), (4, 1));
    assert!(
        stats.problems[0]
            .to_string()
            .contains("bad-record.jsonl:3:1")
    );
}

#[test]
fn duplicate_event_ids_are_reported_once() {
    let corrupt = fixtures().join("synthetic/corrupt");
    let (denied, stats) = denials(&[
        corrupt.join("duplicates.json"),
        corrupt.join("duplicates-again.json"),
    ]);
    let mut ids: Vec<_> = denied.iter().filter_map(|e| e.event_id.clone()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "no event twice");
    assert_eq!(stats.duplicates, 2);
    assert_eq!(denied.len(), 2);
}

/// Story 1: the user's GetObject and the kms:Decrypt S3 made for it, both denied, grouped.
#[test]
fn story_1_timeline_groups_the_hidden_decrypt_under_get_object() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/trail");
    let principal = PrincipalFilter::new("arn:aws:iam::111122223333:user/s3_full_access");
    let (events, _) = read(&[example], Prefilter::All);
    let mine: Vec<_> = events
        .into_iter()
        .filter(|(e, _)| principal.matches(e, None))
        .collect();
    let calls = timeline::build(mine, &principal);
    let denied_get = calls
        .iter()
        .find(|c| c.event.event_name == "GetObject" && c.event.is_denied())
        .unwrap();
    assert_eq!(denied_get.on_behalf.len(), 1);
    let (decrypt, _) = &denied_get.on_behalf[0];
    assert_eq!(decrypt.action_label(), "kms:Decrypt");
    assert!(decrypt.is_denied());
    assert_eq!(decrypt.invoking_service(), Some("s3.amazonaws.com"));
    // The earlier successful pair is grouped too, and no service call stands alone.
    let ok_get = calls
        .iter()
        .find(|c| c.event.event_name == "GetObject" && !c.event.is_denied())
        .unwrap();
    assert_eq!(ok_get.on_behalf.len(), 1);
    assert!(calls.iter().all(|c| c.event.invoking_service().is_none()));
}

/// A file with more denials than one batch streams them in file order, and the files come
/// out in input order whatever the worker count.
#[test]
fn results_come_in_input_order_across_batches_and_workers() {
    let dir = std::env::temp_dir().join(format!("iamwhy-trail-order-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (f, n) in [("a.jsonl", 1000), ("b.jsonl", 3), ("c.jsonl", 700)] {
        let text: String = (0..n)
            .map(|i| {
                format!(
                    "{{\"eventTime\":\"2026-11-20T10:00:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"eventID\":\"{f}-{i}\",\"errorCode\":\"AccessDenied\"}}\n"
                )
            })
            .collect();
        std::fs::write(dir.join(f), text).unwrap();
    }
    let inputs = collect_inputs(&[dir.display().to_string()]);
    for threads in [1, 2, 3] {
        let mut ids = Vec::new();
        let settings = Scan {
            prefilter: Prefilter::Denials,
            threads,
            progress: Arc::new(AtomicU64::new(0)),
        };
        scan(&inputs, &settings, |e, _| e.event_id, |id| ids.push(id));
        let want: Vec<String> = [("a.jsonl", 1000), ("b.jsonl", 3), ("c.jsonl", 700)]
            .iter()
            .flat_map(|(f, n)| (0..*n).map(move |i| format!("{f}-{i}")))
            .collect();
        assert_eq!(ids, want, "{threads} worker(s)");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The progress counter follows the work: while a file is being read it holds part of the
/// file's compressed size, not all of it, and at the end exactly the bytes of every file.
#[test]
fn progress_follows_the_bytes_consumed() {
    use std::io::Write as _;
    use std::sync::atomic::Ordering;

    let dir = std::env::temp_dir().join(format!("iamwhy-trail-progress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // About 8 MB of JSON Lines, a denial every 100 records, plain and gzip.
    let text: String = (0..40_000)
        .map(|i| {
            let code = if i % 100 == 0 { "AccessDenied" } else { "NoSuchKey" };
            format!(
                "{{\"eventTime\":\"2026-11-20T10:00:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"eventID\":\"e-{i}\",\"errorCode\":\"{code}\",\"requestParameters\":{{\"key\":\"{}\"}}}}\n",
                i * 7919 % 100_003
            )
        })
        .collect();
    std::fs::write(dir.join("a.jsonl"), &text).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    std::fs::write(dir.join("b.jsonl.gz"), gz.finish().unwrap()).unwrap();
    let inputs = collect_inputs(&[dir.display().to_string()]);
    let sizes: Vec<u64> = inputs.files.iter().filter_map(|f| f.size).collect();
    let total: u64 = sizes.iter().sum();
    let counter = Arc::new(AtomicU64::new(0));
    let settings = Scan {
        prefilter: Prefilter::Denials,
        threads: 1,
        progress: Arc::clone(&counter),
    };
    // What the counter held when each denial was selected, by file.
    let seen = std::sync::Mutex::new(Vec::new());
    scan(
        &inputs,
        &settings,
        |e, o| {
            let file = usize::from(!o.file.ends_with("a.jsonl"));
            seen.lock()
                .unwrap()
                .push((file, counter.load(Ordering::Relaxed)));
            e.event_id
        },
        |_| {},
    );
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), 800);
    for (file, size) in sizes.iter().enumerate() {
        let before: u64 = sizes[..file].iter().sum();
        let mine: Vec<u64> = seen
            .iter()
            .filter(|(f, _)| *f == file)
            .map(|(_, c)| *c - before)
            .collect();
        // It starts low, never goes down, and ends at most at the file's size.
        assert!(mine[0] < size / 4, "file {file}: {} of {size}", mine[0]);
        assert!(mine.windows(2).all(|w| w[0] <= w[1]), "file {file}");
        assert!(*mine.last().unwrap() <= *size, "file {file}");
        assert!(mine[mine.len() / 2] >= size / 4, "file {file}: {mine:?}");
    }
    assert_eq!(counter.load(Ordering::Relaxed), total);
    let _ = std::fs::remove_dir_all(&dir);
}
