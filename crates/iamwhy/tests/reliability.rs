//! Issue 18, "nothing lost, nothing hangs, nothing crashes": one test per finding of the
//! reliability pass, each driving the built binary.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers: a failed spawn, parse or fixture is a failed test"
)]

mod common;

use common::{fails_with, iamwhy, stderr};

const EXAMPLE: &str = "../../examples/trail";
const USER: &str = "arn:aws:iam::111122223333:user/s3_full_access";

/// `--around`, `--window`, `--since` and `--until` at the ends of `i64` are exit-2 errors
/// naming the flag and the range, not an overflow panic (exit 101).
#[test]
fn issue_18_out_of_range_times_are_errors_not_crashes() {
    let max = "9223372036854775807";
    let around = [
        "trail",
        "timeline",
        EXAMPLE,
        "--principal",
        USER,
        "--around",
    ];
    fails_with(&[&around[..], &[max]].concat(), 2, "`--around`");
    fails_with(&[&around[..], &[max]].concat(), 2, "9999-12-31T23:59:59Z");
    fails_with(
        &[
            "trail",
            "timeline",
            EXAMPLE,
            "--principal",
            USER,
            "--around=-9223372036854775808",
        ],
        2,
        "out of range",
    );
    let window = [
        "trail",
        "timeline",
        EXAMPLE,
        "--principal",
        USER,
        "--window",
    ];
    fails_with(
        &[&window[..], &["9223372036854775807s"]].concat(),
        2,
        "`--window",
    );
    fails_with(
        &[&window[..], &["99999999999999999999w"]].concat(),
        2,
        "out of range",
    );
    for flag in ["--since", "--until"] {
        fails_with(&["trail", "denied", EXAMPLE, flag, max], 2, flag);
        fails_with(
            &["trail", "denied", EXAMPLE, flag, "9223372036854775807w"],
            2,
            "durations go from `0s`",
        );
    }
    fails_with(
        &["trail", "denied", EXAMPLE, "--jobs", "100000"],
        2,
        "--jobs",
    );
    // The largest window and the earliest time are accepted: the window saturates.
    let o = iamwhy(&[
        "trail",
        "timeline",
        EXAMPLE,
        "--principal",
        USER,
        "--window",
        "315569519999s",
        "--no-progress",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = iamwhy(&[
        "trail",
        "timeline",
        EXAMPLE,
        "--principal",
        USER,
        "--around",
        "0000-01-01T00:00:00Z",
        "--window",
        "315569519999s",
        "--no-progress",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A `source_profile` chain 10,000 profiles long is reported unusable (exit 1, no
/// credentials), not a stack overflow (exit 134).
#[test]
fn issue_18_a_long_source_profile_chain_does_not_overflow_the_stack() {
    use std::fmt::Write as _;
    let home = std::env::temp_dir().join(format!("iamwhy-i18-chain-{}", std::process::id()));
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    let mut config = String::new();
    for i in 0..10_000 {
        let _ = writeln!(
            config,
            "[profile p{i}]\nrole_arn = arn:aws:iam::111122223333:role/r\nsource_profile = p{}",
            i + 1
        );
    }
    config.push_str("[profile p10000]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n");
    std::fs::write(home.join(".aws/config"), config).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_iamwhy"))
        .env_clear()
        .env("HOME", &home)
        .env("AWS_PROFILE", "p0")
        .arg("creds")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&home);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        common::stdout(&o).contains("`source_profile` chain longer than 100 profiles"),
        "{}",
        common::stdout(&o)
    );
}

/// A password or query token inside a container credentials URL never reaches the output,
/// in either format, probed or not; the host and path stay visible.
#[test]
fn issue_18_container_url_secrets_are_masked() {
    let home = std::env::temp_dir().join(format!("iamwhy-i18-url-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let url = "http://user:Pa55-s3cret@127.0.0.1:9/creds?token=tok-s3cret-42";
    for args in [
        &["creds"][..],
        &["creds", "--probe"],
        &["--format", "json", "creds"],
        &["--format", "json", "creds", "--probe"],
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_iamwhy"))
            .env_clear()
            .env("HOME", &home)
            .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", url)
            .args(args)
            .output()
            .unwrap();
        let all = format!("{}{}", common::stdout(&o), stderr(&o));
        assert!(!all.contains("s3cret"), "{args:?}: {all}");
        assert!(
            all.contains("127.0.0.1:9/creds?token=****"),
            "{args:?}: {all}"
        );
    }
    let _ = std::fs::remove_dir_all(&home);
}

/// Escape sequences, C1 controls and bidi overrides from input, in every place the renderers
/// print input text.
const HOSTILE: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m\u{202e}";

/// The bytes no output may hold: ESC, CSI (U+009B in UTF-8) and RIGHT-TO-LEFT OVERRIDE.
fn assert_inert(what: &str, bytes: &[u8]) {
    let found = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(
        !found(b"\x1b") && !found(b"\xc2\x9b") && !found("\u{202e}".as_bytes()),
        "{what}: {}",
        String::from_utf8_lossy(bytes)
    );
}

/// Writes the hostile inputs to a fresh directory: a scenario whose name, policy name, Sid
/// and Action hold [`HOSTILE`]; a policy file with the raw bytes in it (a syntax error whose
/// line is quoted); a CloudTrail log whose user agent, error message and resource hold it.
fn hostile_inputs() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("iamwhy-i18-esc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = serde_json::json!([{
        "name": format!("evil{HOSTILE}"),
        "principal": "arn:aws:iam::111122223333:user/alice",
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/k",
        "identity_policies": [{"name": format!("pol{HOSTILE}"), "document": {
            "Version": "2012-10-17",
            "Statement": [{"Sid": format!("S{HOSTILE}"), "Effect": "Allow",
                "Action": ["s3:GetObject", format!("s3:Get{HOSTILE}Thing")], "Resource": "*"}]
        }}],
        "expect": "ImplicitDeny"
    }]);
    std::fs::write(dir.join("scenario.json"), scenario.to_string()).unwrap();
    std::fs::write(
        dir.join("raw.json"),
        format!("{{\"Version\": \"2012-10-17\", \"Statement\": [{HOSTILE} ]}}"),
    )
    .unwrap();
    let trail = serde_json::json!({"Records": [{
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "arn": USER, "accountId": "111122223333",
            "userName": "s3_full_access"},
        "eventTime": "2026-11-20T10:06:31Z", "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject", "awsRegion": "us-east-1", "sourceIPAddress": "192.0.2.1",
        "userAgent": format!("ua{HOSTILE}"), "errorCode": "AccessDenied",
        "errorMessage": format!("Access Denied{HOSTILE}"),
        "requestParameters": {"bucketName": "acme-reports", "key": format!("x{HOSTILE}")},
        "resources": [{"ARN": format!("arn:aws:s3:::acme-reports/x{HOSTILE}")}],
        "eventID": "e1", "eventType": "AwsApiCall", "recipientAccountId": "111122223333"
    }]});
    std::fs::write(dir.join("trail.json"), trail.to_string()).unwrap();
    dir
}

#[test]
fn issue_18_no_escape_sequence_from_input_reaches_the_terminal() {
    let dir = hostile_inputs();
    let file = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let (scenario, raw, trail) = (file("scenario.json"), file("raw.json"), file("trail.json"));
    let snapshot = "../../examples/snapshot";
    let message = format!("User: {USER} is not authorized{HOSTILE}");
    let runs: Vec<(&str, Vec<&str>)> = vec![
        (
            "simulate warnings",
            vec!["simulate", "--scenario", &scenario],
        ),
        ("test", vec!["test", &scenario]),
        (
            "diagnostics quoted line",
            vec!["simulate", "--scenario", &raw],
        ),
        ("lint", vec!["lint", &raw]),
        (
            "--message error",
            vec!["explain", "--snapshot", snapshot, "--message", &message],
        ),
        ("trail denied table", vec!["trail", "denied", &trail]),
        (
            "trail denied csv",
            vec!["--format", "csv", "trail", "denied", &trail],
        ),
        (
            "trail denied json",
            vec!["--format", "json", "trail", "denied", &trail],
        ),
        (
            "trail timeline",
            vec!["trail", "timeline", &trail, "--principal", USER],
        ),
        (
            "explain text",
            vec!["explain", "--snapshot", snapshot, &trail],
        ),
        (
            "explain --event",
            vec!["explain", "--snapshot", snapshot, "--event", &trail],
        ),
        (
            "explain json",
            vec![
                "--format",
                "json",
                "explain",
                "--snapshot",
                snapshot,
                &trail,
            ],
        ),
        (
            "simulate json",
            vec!["--format", "json", "simulate", "--scenario", &scenario],
        ),
        (
            "diagnostics json",
            vec!["--format", "json", "simulate", "--scenario", &raw],
        ),
    ];
    for (what, args) in runs {
        let o = iamwhy(&args);
        assert_ne!(o.status.code(), Some(101), "{what}: {}", stderr(&o));
        assert_inert(&format!("{what} stdout"), &o.stdout);
        assert_inert(&format!("{what} stderr"), &o.stderr);
    }
    // The quoted line shows where the bytes were, and the caret still points at them.
    let o = iamwhy(&["simulate", "--scenario", &raw]);
    let err = stderr(&o);
    assert!(
        err.contains(r"[\x1b[2J\x1b]0;pwned\x07\u{9b}31m\u{202e} ]"),
        "{err}"
    );
    let quoted = err.lines().find(|l| l.starts_with("1 |")).unwrap();
    let caret = err.lines().find(|l| l.contains('^')).unwrap();
    assert_eq!(
        quoted.find(r"\x1b").unwrap(),
        caret.find('^').unwrap(),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
