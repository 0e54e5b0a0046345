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

const SNAPSHOT: &str = "../../examples/snapshot";
const CAROL_DENIED: &str = "User: arn:aws:iam::111122223333:user/carol is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/5555eeee-55ee-55ee-55ee-555555555555 with an explicit deny in a resource-based policy";

fn temp_file(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("iamwhy-i18-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

/// A denied GetObject record of the story-1 user, as one JSON object, by `arn`.
fn get_object(event_id: &str, arn: &str) -> serde_json::Value {
    serde_json::json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "arn": arn, "accountId": "111122223333"},
        "eventTime": "2026-11-20T10:06:31Z", "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject", "awsRegion": "us-east-1", "sourceIPAddress": "192.0.2.1",
        "errorCode": "AccessDenied", "errorMessage": "Access Denied",
        "requestParameters": {"bucketName": "acme-reports", "key": "a.csv"},
        "resources": [{"ARN": "arn:aws:s3:::acme-reports/a.csv"}],
        "eventID": event_id, "eventType": "AwsApiCall", "recipientAccountId": "111122223333"
    })
}

/// Exit 2 when nothing useful could be done: an empty or malformed `--event` file (named,
/// with line:column) and a `--message` in no known form (saying which form is expected).
#[test]
fn issue_18_nothing_useful_is_exit_2() {
    let empty = temp_file("empty.json", b"");
    fails_with(
        &["explain", "--snapshot", SNAPSHOT, "--event", &empty],
        2,
        &format!("`{empty}` holds no CloudTrail record"),
    );
    let bad = temp_file("bad.json", b"{\"Records\": [ {\"eventTime\": \n  \"x\", }");
    fails_with(
        &["explain", "--snapshot", SNAPSHOT, "--event", &bad],
        2,
        &format!("`{bad}`: no CloudTrail record could be read: {bad}:1:15"),
    );
    for garbage in ["garbage", ""] {
        fails_with(
            &["explain", "--snapshot", SNAPSHOT, "--message", garbage],
            2,
            "no AccessDenied message found",
        );
    }
}

/// Some records explained and some not: the results, a summary on stderr, `partial` and
/// `failures` in JSON, exit 3. None explained: exit 2.
#[test]
fn issue_18_a_partial_explain_is_exit_3_with_the_results() {
    let good = get_object("e1", USER);
    let malformed = get_object("e2", "arn:aws:iam:::user/x");
    let both = temp_file(
        "partial.json",
        serde_json::json!({"Records": [good, malformed]})
            .to_string()
            .as_bytes(),
    );
    let o = iamwhy(&["explain", "--snapshot", SNAPSHOT, &both]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(common::stdout(&o).contains("== Denied: s3:GetObject"));
    assert!(
        stderr(&o).contains("explained 1 of 2 records; 1 failed: s3:GetObject at"),
        "{}",
        stderr(&o)
    );
    let o = iamwhy(&["--format", "json", "explain", "--snapshot", SNAPSHOT, &both]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["partial"], true);
    assert_eq!(v["incidents"].as_array().unwrap().len(), 1);
    assert_eq!(v["failures"][0]["call"], "s3:GetObject");
    assert!(
        v["failures"][0]["errors"][0]
            .as_str()
            .unwrap()
            .contains("12-digit account id")
    );
    // Every record used: exit 0 and no partial flag.
    let o = iamwhy(&[
        "--format",
        "json",
        "explain",
        "--snapshot",
        SNAPSHOT,
        EXAMPLE,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.get("partial").is_none() && v.get("failures").is_none());
    // Nothing explained: exit 2.
    let only_bad = temp_file(
        "only-bad.json",
        get_object("e3", "arn:aws:iam:::user/x")
            .to_string()
            .as_bytes(),
    );
    fails_with(
        &["explain", "--snapshot", SNAPSHOT, &only_bad],
        2,
        "none of the 1 record(s) could be explained",
    );
}

/// Logs partly unreadable: `trail denied`, `timeline`, `replay` and `explain` print what they
/// read and exit 3.
#[test]
fn issue_18_partly_unreadable_logs_are_exit_3() {
    let mut jsonl = get_object("e1", USER).to_string();
    // Broken where every prefilter looks: a denial of the user.
    jsonl.push_str(&format!(
        "\n{{\"errorCode\": \"AccessDenied\", \"userIdentity\": {{\"arn\": \"{USER}\"}}, \"eventTime\": oops}}\n"
    ));
    let log = temp_file("partly.jsonl", jsonl.as_bytes());
    for args in [
        vec!["trail", "denied", &log],
        vec!["trail", "timeline", &log, "--principal", USER],
        vec!["replay", "--snapshot", SNAPSHOT, &log],
        vec!["explain", "--snapshot", SNAPSHOT, &log],
    ] {
        let o = iamwhy(&args);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", stderr(&o));
        assert!(!o.stdout.is_empty(), "{args:?}");
        assert!(
            stderr(&o).contains("partial result: 0 file(s) and 1 record(s) could not be read"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

/// `--message-file FILE` and `--message -` take messages too long for the command line,
/// read from a file, a pipe or stdin, up to 1 MiB.
#[test]
fn issue_18_message_file_and_stdin() {
    use std::io::Write as _;
    // 200 KiB of terminal output before the message: more than an argument may hold.
    let mut long = "download failed: s3://acme-reports/a.csv\n".repeat(5_000);
    long.push_str(CAROL_DENIED);
    assert!(long.len() > 128 * 1024);
    let file = temp_file("message.txt", long.as_bytes());
    let o = iamwhy(&["explain", "--snapshot", SNAPSHOT, "--message-file", &file]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(common::stdout(&o).contains("== Message: kms:Decrypt by"));
    for flag in ["--message-file", "--message"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_iamwhy"))
            .args(["explain", "--snapshot", SNAPSHOT, flag, "-"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(long.as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{flag}: {}", stderr(&o));
        assert!(common::stdout(&o).contains("kms:Decrypt"), "{flag}");
    }
    // Past the limit: exit 2 naming the file and the limit, without reading to the end.
    let big = temp_file("big.txt", &vec![b'a'; (1 << 20) + 1]);
    fails_with(
        &["explain", "--snapshot", SNAPSHOT, "--message-file", &big],
        2,
        &format!("`{big}` is too large for a message: 1048577 bytes (the limit is 1 MiB)"),
    );
    #[cfg(unix)]
    fails_with(
        &[
            "explain",
            "--snapshot",
            SNAPSHOT,
            "--message-file",
            "/dev/zero",
        ],
        2,
        "`/dev/zero` is too large for a message: more than 1 MiB",
    );
    fails_with(
        &[
            "explain",
            "--snapshot",
            SNAPSHOT,
            "--message-file",
            "/nonexistent/m.txt",
        ],
        2,
        "cannot read `/nonexistent/m.txt`",
    );
}
