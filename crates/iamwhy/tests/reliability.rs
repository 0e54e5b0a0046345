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
        assert!(all.contains("127.0.0.1:9/creds?token=****"), "{args:?}: {all}");
    }
    let _ = std::fs::remove_dir_all(&home);
}
