//! `iamwhy athena run` (issue 26) against moto in server mode, whose Athena returns the rows a
//! test queues (`tests/athena/moto_athena.py`), and against a scripted endpoint for what moto
//! cannot do — pages, a FAILED query, the exact request sequence (`tests/athena/fake_athena.py`).
//!
//! The rows are `examples/athena/denials.csv`: the result of `iamwhy athena query
//! --principal arn:aws:iam::111122223333:user/s3_full_access` over `examples/trail`, as DuckDB
//! gives it and Athena writes it (`athena_sql.rs` checks that the file is still that).
//!
//! moto is a Python package (`pip install 'moto[server]' boto3`, which `.ci/run` does). When it
//! is missing these tests say so and pass, unless `IAMWHY_REQUIRE_MOTO` is set (CI sets it).
//! Each server runs only for its test; a guard ends it by its id, on a panic too.
#![cfg(feature = "collect")]
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    clippy::arithmetic_side_effects,
    reason = "test code: a failed step is a failed test"
)]

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{stderr, stdout};
use serde_json::Value;

const RESULT: &str = "../../examples/athena/denials.csv";
const MOTO: &str = "tests/athena/moto_athena.py";
const FAKE: &str = "tests/athena/fake_athena.py";
const USER: &str = "arn:aws:iam::111122223333:user/s3_full_access";

/// Ends a server by its id when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn have_moto() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import moto.server, boto3"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("IAMWHY_REQUIRE_MOTO").is_none(),
            "moto is required (pip install 'moto[server]' boto3)"
        );
        eprintln!("skipped: python3 cannot import moto.server and boto3");
    }
    ok
}

fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn moto() -> (Server, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    wait_for(port);
    (server, format!("http://127.0.0.1:{port}"))
}

fn helper(args: &[&str]) -> Output {
    let o = Command::new("python3")
        .arg(MOTO)
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("athena-moto");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The binary with test credentials and no shared files, so nothing of the machine is used.
fn iamwhy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iamwhy"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn run_args<'a>(url: &'a str, save: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "athena",
        "run",
        "--workgroup",
        "primary",
        "--output-location",
        "s3://athena-results/",
        "--endpoint-url",
        url,
        "--principal",
        USER,
        "--save",
        save,
    ];
    v.extend_from_slice(extra);
    v
}

/// JSON lines without where each record was read, sorted: the query orders records of one
/// second by `eventid`, a log by its file.
fn json_lines(text: &str) -> Vec<Value> {
    let mut rows: Vec<Value> = text
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("source");
            v
        })
        .collect();
    rows.sort_by_key(ToString::to_string);
    rows
}

#[test]
fn a_query_s_rows_are_the_denials_of_the_logs() {
    if !have_moto() {
        return;
    }
    let (_moto, url) = moto();
    helper(&["seed", &url, RESULT]);
    let save = tmp("moto-run.csv");
    let save = save.to_str().unwrap();
    let mut args = vec!["--format", "json"];
    args.extend(run_args(&url, save, &[]));
    let o = iamwhy(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("returned 2 row(s) in 1 page(s)"),
        "{}",
        stderr(&o)
    );
    let from_athena = json_lines(&stdout(&o));
    let native = iamwhy(&[
        "--format",
        "json",
        "trail",
        "denied",
        "../../examples/trail",
        "--principal",
        USER,
    ]);
    assert_eq!(from_athena, json_lines(&stdout(&native)));
    // The saved file is the result as Athena gave it.
    assert_eq!(
        std::fs::read_to_string(save).unwrap(),
        std::fs::read_to_string(RESULT).unwrap()
    );
    // One query, the SQL of `athena query`, in the workgroup asked for.
    let execs: Value = serde_json::from_slice(&helper(&["executions", &url]).stdout).unwrap();
    let sql = stdout(&iamwhy(&["athena", "query", "--principal", USER]));
    assert_eq!(execs.as_array().unwrap().len(), 1);
    assert_eq!(execs[0]["state"], "SUCCEEDED");
    assert_eq!(execs[0]["workgroup"], "primary");
    assert_eq!(execs[0]["query"].as_str().unwrap(), sql);
}

#[test]
fn explain_and_replay_with_athena_read_the_query_s_rows() {
    if !have_moto() {
        return;
    }
    let (_moto, url) = moto();
    helper(&["seed", &url, RESULT]);
    let o = iamwhy(&[
        "--format",
        "json",
        "explain",
        "--snapshot",
        "../../examples/snapshot",
        "--athena",
        "--endpoint-url",
        &url,
        "--principal",
        USER,
        "--no-progress",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let logs = iamwhy(&[
        "--format",
        "json",
        "explain",
        "--snapshot",
        "../../examples/snapshot",
        "--principal",
        USER,
        "--no-progress",
        "../../examples/trail",
    ]);
    let strip = |o: &Output| {
        let mut v: Value = serde_json::from_str(&stdout(o)).unwrap();
        strip_sources(&mut v);
        v
    };
    assert_eq!(strip(&o), strip(&logs));
    helper(&["seed", &url, RESULT]);
    let o = iamwhy(&[
        "replay",
        "--snapshot",
        "../../examples/snapshot",
        "--athena",
        "--endpoint-url",
        &url,
        "--principal",
        USER,
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    assert!(stderr(&o).contains("returned 2 row(s)"), "{}", stderr(&o));
    let execs: Value = serde_json::from_slice(&helper(&["executions", &url]).stdout).unwrap();
    let replay_sql = &execs[1]["query"];
    assert!(
        !replay_sql.as_str().unwrap().contains("'accessdenied'"),
        "replay asks for every call"
    );
    // generate asks for every call of the principal in its window, and builds the policy
    // from the rows (the seeded rows are the two denials: granted with --include-denied).
    helper(&["seed", &url, RESULT]);
    let o = iamwhy(&[
        "--format",
        "json",
        "generate",
        "--snapshot",
        "../../examples/snapshot",
        "--athena",
        "--endpoint-url",
        &url,
        "--principal",
        USER,
        "--since",
        "2026-11-20T00:00:00Z",
        "--include-denied",
        "--no-progress",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("kms:Decrypt"), "{}", stdout(&o));
    let execs: Value = serde_json::from_slice(&helper(&["executions", &url]).stdout).unwrap();
    let sql = execs[2]["query"].as_str().unwrap();
    assert!(
        !sql.contains("'accessdenied'"),
        "generate asks for every call: {sql}"
    );
    assert!(sql.contains("eventtime >= '2026-11-20T00:00:00Z'"), "{sql}");
    // The timeline asks for every call in its window, and reads only those days.
    helper(&["seed", &url, RESULT]);
    let o = iamwhy(&[
        "trail",
        "timeline",
        "--athena",
        "--endpoint-url",
        &url,
        "--principal",
        USER,
        "--around",
        "2026-11-20T10:06:31Z",
        "--window",
        "5m",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("kms:Decrypt"), "{}", stdout(&o));
    let execs: Value = serde_json::from_slice(&helper(&["executions", &url]).stdout).unwrap();
    let sql = execs[3]["query"].as_str().unwrap();
    assert!(!sql.contains("'accessdenied'"), "{sql}");
    assert!(sql.contains("eventtime >= '2026-11-20T10:01:31Z'"), "{sql}");
    assert!(
        sql.contains("OR useridentity.type = 'AWSService')"),
        "{sql}"
    );
    assert!(sql.contains("eventtime <= '2026-11-20T10:11:31Z'"), "{sql}");
    assert!(
        sql.contains("\"timestamp\" BETWEEN '2026/11/19' AND '2026/11/21'"),
        "{sql}"
    );
    // Without `--around` the window would be the whole trail: refused before any call.
    let o = iamwhy(&[
        "trail",
        "timeline",
        "--athena",
        "--endpoint-url",
        &url,
        "--principal",
        USER,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("needs `--around TIME`"),
        "{}",
        stderr(&o)
    );
}

fn strip_sources(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for k in ["source", "sources", "file", "files", "at"] {
                m.remove(k);
            }
            m.values_mut().for_each(strip_sources);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_sources),
        _ => {}
    }
}

#[test]
fn a_query_that_runs_too_long_is_stopped() {
    if !have_moto() {
        return;
    }
    let (_moto, url) = moto();
    helper(&["stall", &url]);
    let save = tmp("moto-timeout.csv");
    let o = iamwhy(&run_args(
        &url,
        save.to_str().unwrap(),
        &["--timeout", "1s"],
    ));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("did not finish within 1 s (still QUEUED)"),
        "{err}"
    );
    assert!(
        err.contains("iamwhy stopped it (StopQueryExecution)"),
        "{err}"
    );
    assert!(!save.exists(), "no result file is left behind");
    let execs: Value = serde_json::from_slice(&helper(&["executions", &url]).stdout).unwrap();
    assert_eq!(execs[0]["state"], "CANCELLED");
}

#[test]
fn a_query_cancelled_by_someone_else_says_so() {
    if !have_moto() {
        return;
    }
    let (_moto, url) = moto();
    helper(&["stall", &url]);
    let canceller = Command::new("python3")
        .args([MOTO, "cancel", &url, "60"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let save = tmp("moto-cancel.csv");
    let o = iamwhy(&run_args(
        &url,
        save.to_str().unwrap(),
        &["--timeout", "60s"],
    ));
    let cancelled = canceller.wait_with_output().unwrap();
    assert!(cancelled.status.success());
    let id = String::from_utf8_lossy(&cancelled.stdout).trim().to_owned();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("query {id} was cancelled")),
        "{}",
        stderr(&o)
    );
}

/// The scripted endpoint: returns the server, its URL and its request log.
fn fake(mode: &str, page: usize) -> (Server, String, PathBuf) {
    let port_file = tmp(&format!("fake-{mode}-{page}.port"));
    let log = tmp(&format!("fake-{mode}-{page}.log"));
    let _ = std::fs::remove_file(&port_file);
    let _ = std::fs::remove_file(&log);
    let child = Command::new("python3")
        .arg(FAKE)
        .arg(&port_file)
        .arg(&log)
        .arg(mode)
        .arg(RESULT)
        .arg(page.to_string())
        .spawn()
        .unwrap();
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    let port = loop {
        if let Ok(p) = std::fs::read_to_string(&port_file) {
            break p.trim().parse::<u16>().unwrap();
        }
        assert!(Instant::now() < deadline, "the fake endpoint did not start");
        std::thread::sleep(Duration::from_millis(50));
    };
    wait_for(port);
    (server, format!("http://127.0.0.1:{port}"), log)
}

fn requests(log: &Path) -> Vec<(String, Option<String>)> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["op"].as_str().unwrap().to_owned(),
                v["token"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[test]
fn results_are_read_page_after_page() {
    if !have_moto() {
        return;
    }
    // Three rows (the header and two records), one per page.
    let (_server, url, log) = fake("SUCCEEDED", 1);
    let save = tmp("fake-pages.csv");
    let o = iamwhy(&run_args(&url, save.to_str().unwrap(), &[]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("query fake-query-1 returned 2 row(s) in 3 page(s)"),
        "{err}"
    );
    assert!(
        err.contains("123.5 MB scanned, about $0.0006 at $5 per TB"),
        "{err}"
    );
    assert!(stdout(&o).contains("Found 2 denial(s)"), "{}", stdout(&o));
    let seq = requests(&log);
    let ops: Vec<(&str, Option<&str>)> = seq
        .iter()
        .map(|(o, t)| (o.as_str(), t.as_deref()))
        .collect();
    assert_eq!(
        ops,
        vec![
            ("StartQueryExecution", None),
            ("GetQueryExecution", None),
            ("GetQueryExecution", None),
            ("GetQueryExecution", None),
            ("GetQueryResults", None),
            ("GetQueryResults", Some("1")),
            ("GetQueryResults", Some("2")),
        ]
    );
    assert_eq!(
        std::fs::read_to_string(&save).unwrap(),
        std::fs::read_to_string(RESULT).unwrap()
    );
}

#[test]
fn a_failed_query_gives_athena_s_reason() {
    if !have_moto() {
        return;
    }
    let (_server, url, log) = fake("FAILED", 1000);
    let save = tmp("fake-failed.csv");
    let o = iamwhy(&run_args(&url, save.to_str().unwrap(), &[]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("query fake-query-1 failed: TABLE_NOT_FOUND"),
        "{err}"
    );
    assert!(err.contains("error type 1301; Table not found"), "{err}");
    assert!(requests(&log).iter().all(|(op, _)| op != "GetQueryResults"));
    let (_server, url, _log) = fake("CANCELLED", 1000);
    let o = iamwhy(&run_args(&url, save.to_str().unwrap(), &[]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("was cancelled: Query cancelled by user"),
        "{}",
        stderr(&o)
    );
}
