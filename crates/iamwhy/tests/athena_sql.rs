//! `iamwhy athena ddl` and `athena query` against real engines (issue 26): the real CloudTrail
//! samples (the shared `../shared/data/`, read where they lie) and `examples/trail` are laid
//! out as an organization trail; the DDL is read by sqlglot, the records loaded into DuckDB
//! with its types; the query, parsed by sqlglot in the Trino dialect and transpiled to
//! DuckDB, runs there (`tests/athena/engine.py`). Its rows must hold every record
//! `iamwhy trail denied` finds natively on the same files with the same filters, and its
//! result CSV (written as Athena writes it) read by `trail denied` must give exactly those
//! records, field for field; `explain` on the CSV must give the explanations of the logs; and
//! `SELECT *`, struct columns as Athena's struct text, must read back to the same records.
//!
//! sqlglot and DuckDB are PyPI packages (`.ci/run` installs them). When they are missing the
//! tests say so and pass, unless `IAMWHY_REQUIRE_SQL_ENGINES=1` or `IAMWHY_REQUIRE_MOTO=1`
//! (CI sets both).
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
#[path = "../../../tests/support/shared_data.rs"]
mod shared_data;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{iamwhy, stderr, stdout};
use serde_json::Value;

const ENGINE: &str = "tests/athena/engine.py";
const ORG: &str = "o-exampleorg1";
const SERVICE_CALLS: &str = "tests/athena/service-calls.json";

fn have_engines() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import sqlglot, duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let required = ["IAMWHY_REQUIRE_SQL_ENGINES", "IAMWHY_REQUIRE_MOTO"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| x == "1"));
        assert!(
            !required,
            "sqlglot and duckdb are required (python3 -m pip install sqlglot duckdb)"
        );
        eprintln!("skipped: python3 cannot import sqlglot and duckdb (pip install sqlglot duckdb)");
    }
    ok
}

struct Corpus {
    /// The trail's bucket: only logs, so that `trail denied` reads the same files as DuckDB.
    dir: PathBuf,
    /// The DDL, the queries and their result CSVs.
    out: PathBuf,
    ddl: PathBuf,
}

/// The samples laid out as an organization trail, and the table's DDL for it.
fn corpus() -> Option<&'static Corpus> {
    static CORPUS: OnceLock<Option<Corpus>> = OnceLock::new();
    CORPUS
        .get_or_init(|| {
            if !have_engines() {
                return None;
            }
            let mut sources: Vec<PathBuf> = vec![
                PathBuf::from("../../examples/trail"),
                PathBuf::from("../../examples/trail-story5"),
                // A user's call and the call an AWS service made for it (`AWSService`).
                PathBuf::from(SERVICE_CALLS),
            ];
            for name in ["cloudtrail", "cloudtrail-realworld"] {
                sources.extend(shared_data::shared_data(name));
            }
            let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("athena-org-trail");
            let _ = std::fs::remove_dir_all(&base);
            let (dir, out) = (base.join("bucket"), base.join("out"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::create_dir_all(&out).unwrap();
            let o = Command::new("python3")
                .arg(ENGINE)
                .arg("layout")
                .args(&sources)
                .arg("--out")
                .arg(&dir)
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            // The accounts and Regions the layout holds, projected as enums (the samples have
            // made-up Regions that the default list rightly lacks).
            let names = |d: &Path| -> Vec<String> {
                std::fs::read_dir(d)
                    .unwrap()
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            };
            let org = dir.join("AWSLogs").join(ORG);
            let accounts: BTreeSet<String> = names(&org).into_iter().collect();
            let regions: BTreeSet<String> = accounts
                .iter()
                .flat_map(|a| names(&org.join(a).join("CloudTrail")))
                .collect();
            let joined = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(",");
            let o = iamwhy(&[
                "athena",
                "ddl",
                "--bucket",
                "org-trail-bucket",
                "--org-id",
                ORG,
                "--accounts",
                &joined(&accounts),
                "--regions",
                &joined(&regions),
            ]);
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            let ddl = out.join("table.sql");
            std::fs::write(&ddl, stdout(&o)).unwrap();
            Some(Corpus { dir, out, ddl })
        })
        .as_ref()
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `trail denied` as JSON lines, without where each record was read.
fn denied(paths: &[String], filters: &[String]) -> Vec<Value> {
    let mut args: Vec<&str> = vec!["--format", "json", "trail", "denied", "--no-progress"];
    args.extend(paths.iter().map(String::as_str));
    args.extend(filters.iter().map(String::as_str));
    let o = iamwhy(&args);
    assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
    let mut rows = json_lines(&stdout(&o));
    for r in &mut rows {
        if let Some(obj) = r.as_object_mut() {
            obj.remove("source");
        }
    }
    rows.sort_by_key(|r| r.to_string());
    rows
}

fn event_id(v: &Value) -> String {
    v.pointer("/event_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Which records a result holds: the `eventID`s, and how many records have none (the scan
/// drops a repeated `eventID`, never a record without one).
#[derive(Debug, Default, PartialEq, Eq)]
struct Rows {
    ids: BTreeSet<String>,
    anonymous: usize,
}

impl Rows {
    fn of_native(records: &[Value]) -> Rows {
        let mut rows = Rows::default();
        for r in records {
            rows.add(&event_id(r));
        }
        rows
    }

    fn add(&mut self, id: &str) {
        if id.is_empty() {
            self.anonymous += 1;
        } else {
            self.ids.insert(id.to_owned());
        }
    }

    fn within(&self, other: &Rows) -> bool {
        self.ids.is_subset(&other.ids) && self.anonymous <= other.anonymous
    }
}

/// Runs the query of `filters` in DuckDB (`narrow`: without its `errormessage` terms);
/// returns the result CSV and its rows.
fn query(c: &Corpus, name: &str, filters: &[String], narrow: bool) -> (PathBuf, Rows) {
    let mut args: Vec<&str> = vec!["athena", "query"];
    args.extend(filters.iter().map(String::as_str));
    let o = iamwhy(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let name = if narrow {
        format!("{name}-narrow")
    } else {
        name.to_owned()
    };
    run_sql(c, &name, &stdout(&o), narrow)
}

/// Runs `text` (Trino SQL) in DuckDB; returns the result CSV and its rows.
fn run_sql(c: &Corpus, name: &str, text: &str, narrow: bool) -> (PathBuf, Rows) {
    let sql = c.out.join(format!("{name}.sql"));
    std::fs::write(&sql, text).unwrap();
    let csv = c.out.join(format!("{name}.csv"));
    let mut engine = Command::new("python3");
    engine
        .arg(ENGINE)
        .arg("run")
        .arg("--ddl")
        .arg(&c.ddl)
        .arg("--sql")
        .arg(&sql)
        .arg("--root")
        .arg(&c.dir)
        .arg("--csv")
        .arg(&csv);
    if narrow {
        engine.arg("--narrow");
    }
    let o = engine.output().unwrap();
    assert!(
        o.status.success(),
        "{name}: {}\n{}",
        String::from_utf8_lossy(&o.stderr),
        std::fs::read_to_string(&sql).unwrap_or_default()
    );
    let mut reader = csv::Reader::from_path(&csv).unwrap();
    let at = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "eventid")
        .unwrap();
    let mut rows = Rows::default();
    for r in reader.records() {
        rows.add(&r.unwrap()[at]);
    }
    (csv, rows)
}

/// The filters of the cases, taken from what the native scan finds, so that each one
/// selects something and leaves something out.
fn cases(all: &[Value]) -> Vec<(String, Vec<String>, Option<String>)> {
    let count = |ptr: &str| {
        let mut m: BTreeMap<String, usize> = BTreeMap::new();
        for d in all {
            if let Some(s) = d.pointer(ptr).and_then(Value::as_str) {
                *m.entry(s.to_owned()).or_default() += 1;
            }
        }
        m.into_iter()
            .max_by_key(|(k, n)| (*n, k.clone()))
            .map(|(k, _)| k)
    };
    let s = |x: &str| x.to_owned();
    let mut out: Vec<(String, Vec<String>, Option<String>)> = vec![(s("all"), vec![], None)];
    let arn = count("/user_identity/arn").unwrap();
    out.push((
        s("principal-arn"),
        vec![s("--principal"), arn.clone()],
        None,
    ));
    let glob = format!("{}*", &arn[..arn.len().min(24)]);
    out.push((
        s("principal-glob"),
        vec![s("--principal"), glob.clone()],
        None,
    ));
    let issuer = count("/user_identity/session_context/session_issuer/user_name").unwrap();
    out.push((
        s("principal-role-name"),
        vec![s("--principal"), issuer],
        None,
    ));
    let source = count("/event_source").unwrap();
    let service = source.split('.').next().unwrap().to_owned();
    out.push((s("service"), vec![s("--service"), service.clone()], None));
    out.push((
        s("service-source"),
        vec![s("--service"), source.to_uppercase()],
        None,
    ));
    let name = count("/event_name").unwrap();
    let action = format!("{service}:{}*", &name[..3]);
    out.push((
        s("action-glob"),
        vec![s("--action"), action.to_uppercase()],
        None,
    ));
    let code = count("/error_code").unwrap();
    out.push((
        s("error-code"),
        vec![s("--error-code"), code.to_lowercase()],
        None,
    ));
    let region = count("/aws_region").unwrap();
    out.push((s("region"), vec![s("--region"), region.clone()], None));
    let mut times: Vec<&str> = all
        .iter()
        .filter_map(|d| d.pointer("/event_time").and_then(Value::as_str))
        .collect();
    times.sort_unstable();
    let (since, until) = (times[times.len() / 4], times[times.len() * 3 / 4]);
    out.push((
        s("window"),
        vec![s("--since"), s(since), s("--until"), s(until)],
        None,
    ));
    let account = count("/recipient_account_id").unwrap();
    out.push((
        s("account"),
        vec![s("--account"), account.clone()],
        Some(account.clone()),
    ));
    out.push((
        s("glob-service-window"),
        vec![
            s("--principal"),
            glob,
            s("--service"),
            service,
            s("--since"),
            s(times[0]),
            s("--until"),
            s(until),
        ],
        None,
    ));
    out.push((
        s("account-region-code"),
        vec![
            s("--account"),
            account.clone(),
            s("--region"),
            region,
            s("--error-code"),
            code,
        ],
        Some(account),
    ));
    out
}

#[test]
fn the_sql_finds_what_trail_denied_finds_natively() {
    let Some(c) = corpus() else { return };
    let root = vec![c.dir.display().to_string()];
    let all = denied(&root, &[]);
    assert!(all.len() > 40, "only {} denials in the corpus", all.len());
    let mut report = Vec::new();
    for (name, filters, account) in cases(&all) {
        // `--account` reads the account's partitions: natively, its folders.
        let paths = match &account {
            Some(a) => vec![
                c.dir
                    .join("AWSLogs")
                    .join(ORG)
                    .join(a)
                    .display()
                    .to_string(),
            ],
            None => root.clone(),
        };
        let native = denied(&paths, &filters);
        assert!(!native.is_empty(), "{name}: the case selects nothing");
        if name != "all" {
            assert!(
                native.len() < all.len(),
                "{name}: the case leaves nothing out"
            );
        }
        let native_rows = Rows::of_native(&native);
        let (csv, wide) = query(c, &name, &filters, false);
        let (_, narrow) = query(c, &name, &filters, true);
        // The SQL selects every record the scan finds ...
        assert!(
            native_rows.within(&wide),
            "{name}: the SQL missed {:?}",
            native_rows.ids.difference(&wide.ids).collect::<Vec<_>>()
        );
        // ... and more only through its `errormessage` terms (what iamwhy reads from AWS's
        // message, matched as text): without them it selects nothing the scan does not.
        assert!(
            narrow.within(&native_rows),
            "{name}: the SQL without its message terms selected {:?}",
            narrow.ids.difference(&native_rows.ids).collect::<Vec<_>>()
        );
        if !filters
            .iter()
            .any(|f| matches!(f.as_str(), "--principal" | "--action" | "--account"))
        {
            assert_eq!(wide, native_rows, "{name}: the SQL and the scan differ");
        }
        // The rows read back through the same filters are the native records, field for field.
        let from_csv = denied(&[csv.display().to_string()], &filters);
        assert_eq!(from_csv.len(), native.len(), "{name}");
        for (a, b) in from_csv.iter().zip(&native) {
            assert_eq!(a, b, "{name}: the record read from Athena's CSV differs");
        }
        let count = |r: &Rows| r.ids.len() + r.anonymous;
        report.push(format!(
            "{name}: {} native, {} SQL rows, {} without the message terms",
            native.len(),
            count(&wide),
            count(&narrow)
        ));
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn explain_on_athena_s_csv_gives_the_explanations_of_the_logs() {
    let Some(c) = corpus() else { return };
    let example = "../../examples/trail".to_owned();
    let filters = vec![
        "--principal".to_owned(),
        "arn:aws:iam::111122223333:user/s3_full_access".to_owned(),
    ];
    let (csv, rows) = query(c, "explain", &filters, false);
    assert_eq!(rows.ids.len(), 2, "the example's two denials");
    // The bundled result file (README, athena_moto.rs) is still what the engine gives.
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        std::fs::read_to_string("../../examples/athena/denials.csv").unwrap(),
        "examples/athena/denials.csv is stale: copy {}",
        csv.display()
    );
    let explain = |path: &str| {
        let o = iamwhy(&[
            "--format",
            "json",
            "explain",
            "--snapshot",
            "../../examples/snapshot",
            "--no-progress",
            path,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let mut v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        strip_sources(&mut v);
        v
    };
    let logs = explain(&example);
    let athena = explain(&csv.display().to_string());
    assert_eq!(logs, athena);
    assert!(logs.to_string().contains("kms:Decrypt"));
}

/// `SELECT *` gives the struct columns as Athena's struct text (`{type=AssumedRole, arn=…,
/// sessioncontext={…}}`), which the result reader parses against the table's schema: read
/// back, the rows are the native records, but for the one field the table has no column for.
#[test]
fn select_star_struct_text_reads_back_to_the_records() {
    let Some(c) = corpus() else { return };
    let root = vec![c.dir.display().to_string()];
    let forget = |rows: &mut Vec<Value>| {
        for r in rows.iter_mut() {
            if let Some(ctx) = r.pointer_mut("/user_identity/session_context")
                && let Some(obj) = ctx.as_object_mut()
            {
                obj.insert("source_identity".to_owned(), Value::Null);
            }
        }
        rows.sort_by_key(ToString::to_string);
    };
    let mut native = denied(&root, &[]);
    forget(&mut native);
    let (csv, rows) = run_sql(
        c,
        "select-star",
        "SELECT * FROM \"cloudtrail_logs\"\n",
        false,
    );
    assert!(
        rows.ids.len() > native.len(),
        "every call, not only denials"
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.contains("sessioncontext={"), "struct text in the CSV");
    let mut from_csv = denied(&[csv.display().to_string()], &[]);
    forget(&mut from_csv);
    assert_eq!(from_csv.len(), native.len());
    for (a, b) in from_csv.iter().zip(&native) {
        assert_eq!(a, b, "a record read from `SELECT *` struct text differs");
    }
}

/// `TIME` moved by `seconds`, as CloudTrail writes times (Python's clock, not ours).
fn shift(time: &str, seconds: i64) -> String {
    let o = Command::new("python3")
        .args([
            "-c",
            "import sys, datetime as d; t = d.datetime.strptime(sys.argv[1], '%Y-%m-%dT%H:%M:%SZ'); print((t + d.timedelta(seconds=int(sys.argv[2]))).strftime('%Y-%m-%dT%H:%M:%SZ'))",
            time,
            &seconds.to_string(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap().trim().to_owned()
}

/// `trail timeline` as JSON, without where records were read.
fn timeline(path: &str, principal: &str, around: &str) -> Value {
    let o = iamwhy(&[
        "--format",
        "json",
        "trail",
        "timeline",
        "--no-progress",
        path,
        "--principal",
        principal,
        "--around",
        around,
        "--window",
        "5m",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    strip_sources(&mut v);
    // How many records were read differs by design: the query brings back only the window.
    v.as_object_mut().unwrap().remove("events_scanned");
    v
}

/// The query `trail timeline --athena` runs — every call of the identity and the services'
/// own calls in `--around` ± `--window` — gives the timeline of the logs; without the
/// services' calls it would lose the call an AWS service made for the identity.
#[test]
fn the_timeline_of_the_query_s_rows_is_the_timeline_of_the_logs() {
    let Some(c) = corpus() else { return };
    let bucket = c.dir.display().to_string();
    let cases = [
        (
            "arn:aws:iam::111122223333:user/dana",
            "2026-11-22T08:15:10Z",
        ),
        (
            "arn:aws:sts::111122223333:assumed-role/deploy-admin/backup-ops",
            "2026-11-21T03:00:02Z",
        ),
        (
            "arn:aws:iam::111122223333:user/s3_full_access",
            "2026-11-20T10:06:31Z",
        ),
        (
            "arn:aws:sts::457448411975:assumed-role/stratus-red-team-ec2-get-password-data-role/*",
            "2024-07-30T21:31:18Z",
        ),
    ];
    for (i, (principal, around)) in cases.iter().enumerate() {
        let native = timeline(&bucket, principal, around);
        let calls = native["calls"].as_array().map_or(0, Vec::len);
        assert!(calls > 0, "{principal}: no calls in the window");
        let window = [
            "--all-calls".to_owned(),
            "--principal".to_owned(),
            (*principal).to_owned(),
            "--since".to_owned(),
            shift(around, -300),
            "--until".to_owned(),
            shift(around, 300),
        ];
        let mut with_services = window.to_vec();
        with_services.push("--with-service-calls".to_owned());
        let (csv, _) = query(c, &format!("timeline-{i}"), &with_services, false);
        let from_sql = timeline(&csv.display().to_string(), principal, around);
        assert_eq!(from_sql, native, "{principal}: the timelines differ");
        if principal.ends_with("user/dana") {
            assert!(native.to_string().contains("GenerateDataKey"), "{native}");
            let (csv, _) = query(c, &format!("timeline-{i}-mine"), &window, false);
            let mine = timeline(&csv.display().to_string(), principal, around);
            assert!(
                !mine.to_string().contains("GenerateDataKey"),
                "the service's call needs --with-service-calls"
            );
        }
    }
}

/// `explain --athena` asks for the denials of its filters and the services' own denials in
/// the window, whatever the filters say: explain groups a service's failed call with the
/// identity's call it served (here a kms call for an S3 `PutObject`, by request id).
#[test]
fn explain_s_query_brings_the_service_calls_it_links() {
    let Some(c) = corpus() else { return };
    let filters: Vec<String> = [
        "--principal",
        "arn:aws:iam::111122223333:user/dana",
        "--service",
        "s3",
    ]
    .map(str::to_owned)
    .to_vec();
    let native = denied(&[c.dir.display().to_string()], &filters);
    let ids: Vec<String> = native.iter().map(event_id).collect();
    assert_eq!(ids, ["0f6c1a52-3b7e-4d8e-9a51-6d2c7e0b1a01"]);
    let mut with_services = filters.clone();
    with_services.push("--with-service-calls".to_owned());
    let (_, rows) = query(c, "explain-services", &with_services, false);
    assert!(rows.ids.contains("0f6c1a52-3b7e-4d8e-9a51-6d2c7e0b1a01"));
    assert!(
        rows.ids.contains("0f6c1a52-3b7e-4d8e-9a51-6d2c7e0b1a02"),
        "the kms call s3.amazonaws.com made for the PutObject: {:?}",
        rows.ids
    );
    // Not the services' successful calls: explain groups failures.
    assert!(!rows.ids.contains("0f6c1a52-3b7e-4d8e-9a51-6d2c7e0b1a03"));
}

/// Removes where records were read (file, line, offset), which differs by design.
fn strip_sources(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("source");
            m.remove("sources");
            m.remove("file");
            m.remove("files");
            m.remove("at");
            for x in m.values_mut() {
                strip_sources(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_sources),
        _ => {}
    }
}
