//! `iamwhy trail denied` and `iamwhy trail timeline` end to end: the bundled story-1 logs
//! (examples/trail), the real Stratus samples (in the shared `../shared/data/cloudtrail/`, see
//! its `SOURCES.md`; skipped with a note when it is absent), every output format and filter,
//! stdin, and bad input.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers: a failed spawn, parse or fixture is a failed test"
)]

mod common;
#[path = "../../../tests/support/shared_data.rs"]
mod shared_data;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{fails_with, iamwhy, stderr, stdout};
use serde_json::Value;
use shared_data::shared_data;

const EXAMPLE: &str = "../../examples/trail";
const SYNTHETIC: &str = "../iamwhy-trail/tests/fixtures/synthetic";
const USER: &str = "arn:aws:iam::111122223333:user/s3_full_access";

fn json_lines(o: &std::process::Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn denied(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--format", "json", "trail", "denied"];
    all.extend_from_slice(args);
    let o = iamwhy(&all);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    json_lines(&o)
}

#[test]
fn story_1_denials_as_a_table() {
    let o = iamwhy(&["trail", "denied", EXAMPLE]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("TIME") && text.contains("POLICY TYPE"),
        "{text}"
    );
    assert!(
        text.contains("kms:Decrypt") && text.contains("identity-based"),
        "{text}"
    );
    assert!(text.contains("s3:GetObject"), "{text}");
    assert!(text.contains("Found 2 denial(s)"), "{text}");
}

#[test]
fn json_lines_carry_the_structured_denial_and_mask_access_keys() {
    let rows = denied(&[EXAMPLE]);
    assert_eq!(rows.len(), 2);
    let decrypt = rows.iter().find(|r| r["action"] == "kms:Decrypt").unwrap();
    assert_eq!(decrypt["denial"]["deny_kind"], "implicit");
    assert_eq!(decrypt["denial"]["policy_type"], "identity");
    assert_eq!(decrypt["principal"], USER);
    assert_eq!(decrypt["user_identity"]["invoked_by"], "s3.amazonaws.com");
    let key = decrypt["user_identity"]["access_key_id"].as_str().unwrap();
    assert!(key.contains('…') && key.len() < 16, "{key}");
    let get = rows.iter().find(|r| r["action"] == "s3:GetObject").unwrap();
    assert_eq!(get["denial"]["form"], "plain-access-denied");
    assert_eq!(get["denial"]["deny_kind"], "unknown");
    assert!(
        get["source"]["file"]
            .as_str()
            .unwrap()
            .ends_with(".json.gz")
    );
}

#[test]
fn stratus_denials_all_listed_and_filters_narrow_them() {
    let Some(data) = shared_data("cloudtrail") else {
        return;
    };
    let stratus = data.join("stratus-red-team-detonation-logs");
    let stratus = stratus.to_str().unwrap();
    assert_eq!(denied(&[stratus]).len(), 51);
    let ec2 = denied(&[stratus, "--service", "ec2"]);
    assert_eq!(ec2.len(), 46);
    assert_eq!(
        denied(&[stratus, "--error-code", "Client.UnauthorizedOperation"]).len(),
        46
    );
    let assume = denied(&[stratus, "--action", "sts:Assume*"]);
    assert_eq!(assume.len(), 4);
    let by_user = denied(&[stratus, "--principal", "christophe"]);
    assert!(!by_user.is_empty() && by_user.len() < 51);
    let by_glob = denied(&[
        stratus,
        "--principal",
        "arn:aws:sts::*:assumed-role/stratus-red-team-get-usr-data-role/*",
    ]);
    assert!(
        by_glob
            .iter()
            .all(|r| r["principal"].as_str().unwrap().contains("get-usr-data"))
    );
    assert!(!by_glob.is_empty());
    // Time windows: all of them fall on 2024-07-30 .. 2024-08-02.
    assert_eq!(
        denied(&[stratus, "--until", "2024-07-01T00:00:00Z"]).len(),
        0
    );
    assert_eq!(
        denied(&[stratus, "--since", "2024-07-01T00:00:00Z"]).len(),
        51
    );
    // `--since 2h` is relative to now: long after these logs, so nothing.
    assert_eq!(denied(&[stratus, "--since", "2h"]).len(), 0);
}

#[test]
fn csv_output_has_a_header_and_one_row_per_denial() {
    let o = iamwhy(&["--format", "csv", "trail", "denied", EXAMPLE]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("time,principal,action,resource,deny_kind")
    );
    assert_eq!(lines.count(), 2);
    // The summary goes to stderr, so that stdout stays machine-readable.
    assert!(stderr(&o).contains("Found 2 denial(s)"));
    fails_with(
        &["--format", "csv", "actions", "s3:GetObject"],
        2,
        "only for",
    );
}

#[test]
fn stdin_is_read_with_a_dash() {
    let file = format!("{SYNTHETIC}/jsonl.jsonl");
    let data = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_iamwhy"))
        .args(["--format", "json", "trail", "denied", "-"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = json_lines(&o);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["source"]["file"], "<stdin>");
}

#[test]
fn bad_input_is_reported_and_the_rest_still_read() {
    let o = iamwhy(&["trail", "denied", &format!("{SYNTHETIC}/corrupt"), EXAMPLE]);
    // A partial result (issue 18): what was read is printed, and the exit code is 3.
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("truncated.json.gz"), "{err}");
    assert!(
        err.contains("not-json.json") && err.contains("not a CloudTrail log"),
        "{err}"
    );
    assert!(
        err.contains("missing-eventtime.json") && err.contains("eventTime"),
        "{err}"
    );
    assert!(err.contains("bad-record.jsonl:3:1"), "{err}");
    assert!(stdout(&o).contains("kms:Decrypt"));
    // Nothing readable at all: exit 2.
    fails_with(
        &[
            "trail",
            "denied",
            &format!("{SYNTHETIC}/corrupt/not-json.json"),
        ],
        2,
        "no log could be read",
    );
    fails_with(&["trail", "denied", "no/such/dir"], 2, "cannot read");
    fails_with(
        &["trail", "denied", EXAMPLE, "--since", "yesterday"],
        2,
        "not a time",
    );
}

#[test]
fn story_1_timeline_groups_the_decrypt_under_the_get_object() {
    let o = iamwhy(&["trail", "timeline", EXAMPLE, "--principal", USER]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("centred on its latest denial (s3:GetObject)"),
        "{text}"
    );
    assert!(
        text.contains("└") && text.contains("kms:Decrypt by s3.amazonaws.com"),
        "{text}"
    );
    assert!(text.contains("that is why GetObject failed"), "{text}");
    let o = iamwhy(&[
        "--format",
        "json",
        "trail",
        "timeline",
        EXAMPLE,
        "--principal",
        USER,
    ]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let calls = v["calls"].as_array().unwrap();
    let get = calls
        .iter()
        .find(|c| c["event_name"] == "GetObject" && c["denied"] == true)
        .unwrap();
    assert_eq!(get["on_behalf"][0]["event_name"], "Decrypt");
    assert_eq!(get["on_behalf"][0]["denied"], true);
    assert_eq!(
        get["on_behalf"][0]["denial"]["resource"],
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    );
}

#[test]
fn timeline_around_a_time_and_with_nothing_denied() {
    let o = iamwhy(&[
        "trail",
        "timeline",
        EXAMPLE,
        "--principal",
        USER,
        "--around",
        "2026-11-20T10:04:30Z",
        "--window",
        "30s",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("acme-shared/handbook.pdf"), "{text}");
    assert!(!text.contains("revenue.csv"), "{text}");
    fails_with(
        &[
            "trail",
            "timeline",
            EXAMPLE,
            "--principal",
            "arn:aws:iam::111122223333:user/carol",
        ],
        1,
        "no denied call",
    );
    fails_with(
        &[
            "trail",
            "timeline",
            EXAMPLE,
            "--principal",
            USER,
            "--window",
            "soon",
        ],
        2,
        "not a duration",
    );
}

#[test]
fn a_small_truncated_gzip_keeps_its_complete_records() {
    let path = format!("{SYNTHETIC}/corrupt/truncated-small.json.gz");
    let o = iamwhy(&["trail", "denied", &path]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Scanned 1 file(s), 2 event(s)"),
        "{}",
        stdout(&o)
    );
    let err = stderr(&o);
    // The problem, then the partial-result line.
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(
        err.contains("truncated-small.json.gz:") && err.contains("gzip data is truncated"),
        "{err}"
    );
}

#[test]
fn a_lookup_entry_whose_cloudtrail_event_is_not_json_is_named() {
    let path = format!("{SYNTHETIC}/corrupt/lookup-bad-event.json");
    let o = iamwhy(&["trail", "denied", &path]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("lookup-bad-event.json:")
            && err.contains("`CloudTrailEvent` string")
            && err.contains("not valid JSON")
            && !err.contains("eventTime"),
        "{err}"
    );
}

#[test]
fn console_csv_rows_match_a_user_arn_by_user_name() {
    let csv = format!("{SYNTHETIC}/console-download.csv");
    // The CSV has no ARNs: alice's ARN finds her rows by the `User name` column, and says so.
    let o = iamwhy(&[
        "trail",
        "timeline",
        &csv,
        "--principal",
        "arn:aws:iam::111122223333:user/alice",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("centred on its latest denial (s3:PutBucketPolicy)"),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains("user names, not principal ARNs") && stderr(&o).contains("`alice`"),
        "{}",
        stderr(&o)
    );
    let rows = denied(&[&csv, "--principal", "arn:aws:iam::111122223333:user/alice"]);
    assert_eq!(rows.len(), 2);
    // Nobody of that name: the error says where the CSV limits the answer.
    let o = iamwhy(&[
        "trail",
        "timeline",
        &csv,
        "--principal",
        "arn:aws:iam::111122223333:user/frank",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("no denied call")
            && err.contains("user names, not principal ARNs")
            && err.contains("`frank`"),
        "{err}"
    );
    // A role ARN has no user name to match on.
    fails_with(
        &[
            "trail",
            "timeline",
            &csv,
            "--principal",
            "arn:aws:iam::111122223333:role/deploy-admin",
        ],
        1,
        "not principal ARNs, so no row matched",
    );
}

/// Issue 20: the log shapes of data lakes and EventBridge, and S3 Event Notifications told
/// apart from CloudTrail.
#[test]
fn issue_20_data_lake_times_eventbridge_and_s3_notifications() {
    let dir = std::env::temp_dir().join(format!("iamwhy-issue20-logs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let user = r#""userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"}"#;
    // A data lake's rows: space-separated times without a zone, nanoseconds.
    let lake = format!(
        "{{\"eventTime\":\"2025-01-20 15:59:33.000000000\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"eventID\":\"l1\",\"errorCode\":\"AccessDenied\",{user}}}\n{{\"eventTime\":\"2019-01-01 00:00:00\",\"eventSource\":\"config.amazonaws.com\",\"eventName\":\"PutConfigurationAggregator\",\"eventID\":\"l2\",\"errorCode\":\"OrganizationAccessDeniedException\",{user}}}\n"
    );
    std::fs::write(dir.join("lake.jsonl"), lake).unwrap();
    // EventBridge's envelope around a CloudTrail record.
    let bridge = format!(
        "{{\"version\":\"0\",\"id\":\"e\",\"detail-type\":\"AWS API Call via CloudTrail\",\"source\":\"aws.kms\",\"time\":\"2026-11-20T10:00:01Z\",\"detail\":{{\"eventTime\":\"2026-11-20T10:00:00Z\",\"eventSource\":\"kms.amazonaws.com\",\"eventName\":\"Decrypt\",\"eventID\":\"b1\",\"errorCode\":\"AccessDenied\",{user}}}}}\n"
    );
    std::fs::write(dir.join("bridge.json"), bridge).unwrap();
    // An S3 Event Notification: same `Records` shape, not CloudTrail.
    std::fs::write(
        dir.join("notification.json"),
        r#"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-11-20T10:00:00.000Z","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}"#,
    )
    .unwrap();
    let d = dir.display().to_string();
    let o = iamwhy(&["--format", "json", "trail", "denied", &d]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut found: Vec<String> = json_lines(&o)
        .iter()
        .map(|v| v["event_id"].as_str().unwrap_or("").to_owned())
        .collect();
    found.sort();
    assert_eq!(found, ["b1", "l1", "l2"], "{}", stdout(&o));
    // The notification is counted and named once, not reported as a malformed record.
    let o = iamwhy(&["trail", "timeline", &d, "--principal", "*", "--no-progress"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("1 record(s) are S3 event notifications"),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
