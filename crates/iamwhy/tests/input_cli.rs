//! Issue 18: every command reads its input through one layer — nothing lost (every gzip
//! member), nothing hangs (symbolic-link loops, pipes), memory bounded (size limits).

#![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "test arithmetic on small sizes"
)]

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{stderr, stdout};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn workspace() -> PathBuf {
    manifest().join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamwhy-input-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `iamwhy ARGS`; a run that has not ended after a minute is a hang: killed, and the
/// test fails (the bug was an endless walk with growing memory).
fn run(args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_iamwhy"))
        .args(args)
        .current_dir(workspace())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg(id.to_string()).status();
            panic!("{args:?} hangs");
        }
    }
}

fn record(i: usize, code: &str) -> String {
    format!(
        "{{\"eventVersion\":\"1.08\",\"eventTime\":\"2026-11-20T10:06:{:02}Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"awsRegion\":\"us-east-1\",\"eventID\":\"e-{i:04}\",\"errorCode\":\"{code}\",\"errorMessage\":\"Access Denied\",\"userIdentity\":{{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/s3_full_access\",\"accountId\":\"111122223333\"}},\"requestParameters\":{{\"bucketName\":\"acme-reports\",\"key\":\"k{i:04}\"}},\"recipientAccountId\":\"111122223333\"}}\n",
        i % 60
    )
}

fn gzip(text: &str) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap()
}

fn denials_in_json(o: &Output) -> usize {
    stdout(o).matches("\"event_id\"").count()
}

#[test]
fn issue_18_every_gzip_member_is_read_on_every_path() {
    let dir = scratch("members");
    // Two one-record members of the same size: the trailer promised exactly what the first
    // member held, and the second was lost.
    let mut two = gzip(&record(1, "AccessDenied"));
    two.extend(gzip(&record(2, "AccessDenied")));
    let file = dir.join("two.json.gz");
    std::fs::write(&file, &two).unwrap();
    let f = file.display().to_string();
    let o = run(&["--format", "json", "trail", "denied", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(denials_in_json(&o), 2, "{}", stdout(&o));
    // The same file in a directory, and through a pipe (stdin).
    let d = dir.display().to_string();
    assert_eq!(
        denials_in_json(&run(&["--format", "json", "trail", "denied", &d])),
        2
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_iamwhy"))
        .args(["--format", "json", "trail", "denied", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&two).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(denials_in_json(&o), 2, "{}", stderr(&o));
}

/// A directory of logs with the loops of the report: `ln -s . d/a; ln -s . d/b`, and a
/// link to the parent.
#[cfg(unix)]
fn looped(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    use std::os::unix::fs::symlink;
    let dir = scratch(name);
    let d = dir.join("d");
    std::fs::create_dir_all(d.join("inner")).unwrap();
    for (file, bytes) in files {
        std::fs::write(d.join(file), bytes).unwrap();
    }
    symlink(".", d.join("a")).unwrap();
    symlink(".", d.join("b")).unwrap();
    symlink("..", d.join("inner/up")).unwrap();
    d
}

#[cfg(unix)]
#[test]
fn issue_18_symlink_loops_end_with_a_warning_in_every_command() {
    let log = record(7, "AccessDenied");
    let d = looped("loops", &[("log.json", log.as_bytes())]);
    let d = d.display().to_string();
    let snapshot = "examples/snapshot";
    let checks: [(&[&str], i32); 4] = [
        (&["trail", "denied", &d], 0),
        (&["trail", "timeline", &d, "--principal", "*"], 0),
        (&["explain", "--snapshot", snapshot, &d], 0),
        (&["replay", "--snapshot", snapshot, &d], 0),
    ];
    for (args, code) in checks {
        let o = run(args);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("symbolic-link loop"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    // The record is read once, not once per way round the loop.
    let o = run(&["--format", "json", "trail", "denied", &d]);
    assert_eq!(denials_in_json(&o), 1, "{}", stdout(&o));

    // Policy files and scenarios.
    let policy = br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
    let p = looped("loops-lint", &[("policy.json", policy)]);
    let o = run(&["lint", &p.display().to_string()]);
    assert!(o.status.code().is_some(), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic-link loop"), "{}", stderr(&o));
    assert!(stdout(&o).contains("policy.json"), "{}", stdout(&o));
    let scenario =
        std::fs::read(workspace().join("examples/scenarios/story1-hidden-kms-decrypt.json"))
            .unwrap();
    let s = looped("loops-test", &[("case.json", &scenario)]);
    let o = run(&["test", &s.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic-link loop"), "{}", stderr(&o));

    // A snapshot with a loop inside.
    let snap = scratch("loops-snapshot").join("snap");
    copy_dir(&workspace().join(snapshot), &snap);
    std::os::unix::fs::symlink(".", snap.join("again")).unwrap();
    let o = run(&[
        "simulate",
        "--snapshot",
        &snap.display().to_string(),
        "--principal",
        "arn:aws:iam::111122223333:user/s3_full_access",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::acme-reports/2026/q3.csv",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic-link loop"), "{}", stderr(&o));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[cfg(unix)]
#[test]
fn issue_18_a_fifo_is_streamed() {
    let dir = scratch("fifo");
    let fifo = dir.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: no mkfifo");
        return;
    }
    // A writer that feeds gzip members through the FIFO, as `<(zcat ...)` would.
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            for i in 0..200 {
                f.write_all(&gzip(&record(i, "AccessDenied"))).unwrap();
            }
        })
    };
    let o = run(&[
        "--format",
        "json",
        "trail",
        "denied",
        &fifo.display().to_string(),
    ]);
    writer.join().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(denials_in_json(&o), 200);
}

#[test]
fn issue_18_documents_over_their_limit_are_refused_before_reading() {
    let dir = scratch("limits");
    // A sparse 300 MiB scenario file: refused from its size, not read (it took 4.1 GB of
    // memory for a 2 GB file before).
    let big = dir.join("big.json");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(300 * 1024 * 1024)
        .unwrap();
    let o = run(&["simulate", "--scenario", &big.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("too large for a scenario file: 300 MiB (the limit is 256 MiB)"),
        "{}",
        stderr(&o)
    );
    #[cfg(unix)]
    {
        // An endless device is streamed and refused at the limit.
        let o = run(&[
            "simulate",
            "--snapshot",
            "examples/snapshot",
            "--principal",
            "arn:aws:iam::111122223333:user/s3_full_access",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::acme-reports/x",
            "--session-policy",
            "/dev/zero",
        ]);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains("too large for a policy file: more than 1 MiB"),
            "{}",
            stderr(&o)
        );
    }
}
