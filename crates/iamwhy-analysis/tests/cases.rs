//! The explain, replay, bulk and generate corpus: every file of `tests/cases/explain/`,
//! `tests/cases/replay/`, `tests/cases/bulk/` and `tests/cases/generate/` is one case — a snapshot, a log (`logs`, `event`) or a pasted message
//! (`message`), for replay the candidate changes — and the JSON pointers its report must
//! satisfy. The report is the one `iamwhy explain`/`iamwhy replay --format json` prints; the
//! case runs the library directly, the way the command does.
//!
//! A check is either a value (equal), `null` (absent), or an object of operators, all of
//! which must hold: `contains`, `not_contains`, `starts_with` (text), `at_least`, `at_most` (numbers),
//! `len`, `len_at_most` (arrays), `any`, `all` (an object of pointer → check, applied to the
//! array's elements).
//!
//! Paths are relative to the workspace root; a log named `shared:NAME` is the shared data
//! folder `NAME` (`../shared/data/NAME`), and a case that needs it is skipped, with the reason
//! printed, when the folder is absent.
//!
//! Every generate case also checks the invariant of generation: replaying the window with
//! the generated policy in place of the principal's own allows every call AWS allowed.
//!
//! Every explain case also checks the invariant of the fixes: a verified fix that adds a
//! statement never allows the neighbouring requests it did not need (the same action on a
//! sibling resource, a sibling action on the same resource), and allows the request with
//! another value of a condition key only when it says so in `widens`.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed lookup is a failed test"
)]

#[path = "../../../tests/support/shared_data.rs"]
mod shared_data;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use iamwhy_analysis::explain::run::{ExplainReport, Skipped, explain_log, explain_paste};
use iamwhy_analysis::generate::{DEFAULT_PREFIX_THRESHOLD, GenerateOptions, generate_logs};
use iamwhy_analysis::replay::replay_logs;
use iamwhy_analysis::simulate::ChangeFiles;
use iamwhy_analysis::{Record, answer_messages, read_source, session_policy_set};
use iamwhy_core::SourceMap;
use iamwhy_input::Limit;
use iamwhy_trail::filter::{Filter, PrincipalFilter, parse_time};
use iamwhy_trail::input::collect_inputs;
use iamwhy_trail::{Event, Origin, Prefilter, Scan, scan};
use serde::Deserialize;
use serde_json::Value;

/// One case file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    snapshot: String,
    #[serde(default)]
    logs: Vec<String>,
    event: Option<String>,
    message: Option<String>,
    #[serde(default)]
    filter: CaseFilter,
    #[serde(default)]
    changes: CaseChanges,
    #[serde(default)]
    session_policies: Vec<String>,
    /// Replay: `--federated-name`.
    federated_name: Option<String>,
    /// `who-can`: `{"action": A, "resource": R}`.
    who_can: Option<WhoCanCase>,
    /// `can`: `{"principal": P, "services": [...], "resource": R}`.
    can: Option<CanCase>,
    /// `generate`: `{"principal": P, "include_denied": B, "prefix_threshold": N}`.
    generate: Option<GenerateCase>,
    expect: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WhoCanCase {
    action: String,
    resource: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CanCase {
    principal: String,
    #[serde(default)]
    services: Vec<String>,
    resource: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GenerateCase {
    principal: String,
    #[serde(default)]
    include_denied: bool,
    prefix_threshold: Option<usize>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFilter {
    principal: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseChanges {
    #[serde(default)]
    add_policy: Vec<String>,
    #[serde(default)]
    set_resource_policy: Vec<String>,
    #[serde(default)]
    replace_policy: Vec<String>,
    #[serde(default)]
    remove_policy: Vec<String>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cases(kind: &str) -> Vec<(String, Case)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            let case = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, case)
        })
        .collect()
}

/// A path of a case: the workspace's, or the shared data folder's (`None`: absent).
fn path_of(p: &str) -> Option<String> {
    match p.strip_prefix("shared:") {
        Some(name) => shared_data::shared_data(name).map(|d| d.display().to_string()),
        None => Some(root().join(p).display().to_string()),
    }
}

fn settings(prefilter: Prefilter) -> Scan {
    Scan {
        prefilter,
        threads: 2,
        progress: Arc::new(AtomicU64::new(0)),
    }
}

fn filter_of(f: &CaseFilter) -> Filter {
    let now = iamwhy_core::time::Instant::now();
    let time = |t: &Option<String>| t.as_deref().map(|t| parse_time(t, now).unwrap());
    Filter {
        principal: f.principal.as_deref().map(PrincipalFilter::new),
        since: time(&f.since),
        until: time(&f.until),
        ..Filter::default()
    }
}

/// The JSON `iamwhy explain --format json` prints for the case.
fn explain(name: &str, case: &Case) -> Option<Value> {
    let mut map = SourceMap::new();
    let snapshot = iamwhy_snapshot::load(Path::new(&path_of(&case.snapshot)?), &mut map)
        .unwrap_or_else(|e| panic!("{name}: snapshot: {:?}", e.iter().next()));
    if let Some(text) = &case.message {
        let explained = explain_paste(&snapshot, &mut map, text, true);
        if !explained.failed.is_empty() && explained.incidents.is_empty() {
            // The command then says what the message alone establishes.
            return Some(serde_json::to_value(answer_messages(text)).unwrap());
        }
        return Some(serde_json::to_value(ExplainReport::of(explained.incidents)).unwrap());
    }
    let (paths, every) = match &case.event {
        Some(e) => (vec![path_of(e)?], true),
        None => (
            case.logs
                .iter()
                .map(|l| path_of(l))
                .collect::<Option<_>>()?,
            false,
        ),
    };
    let prefilter = if every {
        Prefilter::All
    } else {
        Prefilter::Denials
    };
    let mut records = Vec::new();
    let stats = scan(
        &collect_inputs(&paths),
        &settings(prefilter),
        |event: Event, origin: &Origin| {
            (every || event.is_denied()).then(|| Record {
                event,
                origin: origin.clone(),
            })
        },
        |r| records.push(r),
    );
    let done = explain_log(
        &snapshot,
        &mut map,
        records,
        &filter_of(&case.filter),
        usize::MAX,
        true,
        Skipped::of(&stats),
    );
    Some(serde_json::to_value(done.report).unwrap())
}

/// The JSON `iamwhy replay --format json` prints for the case.
fn replay(name: &str, case: &Case) -> Option<Value> {
    let mut map = SourceMap::new();
    let snapshot = iamwhy_snapshot::load(Path::new(&path_of(&case.snapshot)?), &mut map)
        .unwrap_or_else(|e| panic!("{name}: snapshot: {:?}", e.iter().next()));
    let rooted = |list: &[String]| -> Vec<String> {
        list.iter()
            .map(|t| match t.split_once('=') {
                Some((k, f)) => format!("{k}={}", root().join(f).display()),
                None => root().join(t).display().to_string(),
            })
            .collect()
    };
    let files = ChangeFiles {
        add_policy: rooted(&case.changes.add_policy)
            .into_iter()
            .map(PathBuf::from)
            .collect(),
        set_resource_policy: rooted(&case.changes.set_resource_policy),
        replace_policy: rooted(&case.changes.replace_policy),
        remove_policy: case.changes.remove_policy.clone(),
        ..ChangeFiles::default()
    };
    let changes = files.read(&mut map).unwrap();
    let session: Vec<_> = rooted(&case.session_policies)
        .iter()
        .map(|p| read_source(&mut map, Path::new(p), Limit::POLICY).unwrap())
        .collect();
    let session = (!session.is_empty()).then(|| session_policy_set(&mut map, &session).unwrap());
    let changes = (!changes.is_empty()).then_some(changes);
    let paths: Vec<String> = case
        .logs
        .iter()
        .map(|l| path_of(l))
        .collect::<Option<_>>()?;
    let run = replay_logs(
        &snapshot,
        &mut map,
        &collect_inputs(&paths),
        &settings(Prefilter::All),
        &filter_of(&case.filter),
        changes,
        session,
        case.federated_name.clone(),
        Vec::new(),
    );
    assert!(!run.stats.nothing_read(), "{name}: no log could be read");
    Some(serde_json::to_value(run.report.unwrap()).unwrap())
}

/// Checks one pointer of `report`; `Err` says what is wrong.
fn check(report: &Value, pointer: &str, expected: &Value) -> Result<(), String> {
    let actual = report.pointer(pointer);
    let fail = |what: String| Err(format!("{pointer} {what}; it is {actual:?}"));
    let operators = [
        "contains",
        "not_contains",
        "starts_with",
        "at_least",
        "at_most",
        "len",
        "len_at_most",
        "any",
        "all",
    ];
    let ops = match expected {
        Value::Null if actual.is_some() => return fail("should be absent".into()),
        Value::Null => return Ok(()),
        Value::Object(ops)
            if !ops.is_empty() && ops.keys().all(|k| operators.contains(&k.as_str())) =>
        {
            ops
        }
        _ if actual == Some(expected) => return Ok(()),
        _ => return fail(format!("should be {expected}")),
    };
    let Some(actual) = actual else {
        return fail("is missing".into());
    };
    let text = match actual {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let elements = |checks: &Value| -> Vec<bool> {
        let array = actual.as_array().map(Vec::as_slice).unwrap_or_default();
        array
            .iter()
            .map(|e| {
                checks
                    .as_object()
                    .unwrap()
                    .iter()
                    .all(|(p, c)| check(e, p, c).is_ok())
            })
            .collect()
    };
    let number = actual.as_f64();
    let len = actual.as_array().map(|a| a.len() as u64);
    for (op, arg) in ops {
        let ok = match op.as_str() {
            "contains" => text.contains(arg.as_str().unwrap()),
            "not_contains" => !text.contains(arg.as_str().unwrap()),
            "starts_with" => text.starts_with(arg.as_str().unwrap()),
            "at_least" => number.is_some_and(|n| n >= arg.as_f64().unwrap()),
            "at_most" => number.is_some_and(|n| n <= arg.as_f64().unwrap()),
            "len" => len == arg.as_u64(),
            "len_at_most" => len.is_some_and(|n| n <= arg.as_u64().unwrap()),
            "any" => elements(arg).contains(&true),
            _ => len.is_some() && !elements(arg).contains(&false),
        };
        if !ok {
            return fail(format!("fails `{op}: {arg}`"));
        }
    }
    Ok(())
}

/// Checks every pointer of a case.
fn check_all(name: &str, report: &Value, expect: &serde_json::Map<String, Value>) {
    for (pointer, expected) in expect {
        if let Err(e) = check(report, pointer, expected) {
            panic!("{name}: {e}");
        }
    }
}

/// Statements added for an implicit deny grant exactly the request.
fn fixes_grant_only_the_request(name: &str, report: &Value) {
    let Some(incidents) = report.get("incidents").and_then(Value::as_array) else {
        return;
    };
    for inc in incidents {
        for fix in inc["fixes"].as_array().unwrap() {
            let kind = fix["kind"].as_str().unwrap();
            if !kind.starts_with("add-") || fix["verified"] != Value::Bool(true) {
                continue;
            }
            let scope = fix["scope"].as_array().unwrap();
            assert!(!scope.is_empty(), "{name}: {kind} has no scope checks");
            let widens = fix["widens"].as_array().cloned().unwrap_or_default();
            for s in scope {
                let widened = s["after"] == "Allowed" && s["before"] != "Allowed";
                let wildcard = s["resource"].as_str().unwrap().contains('*');
                // A fix that drops a condition of the statement it stands in for may allow
                // another value of that key, but must then say so.
                let said = s["what"] == "other condition value"
                    && widens.iter().any(|w| {
                        w.as_str()
                            .is_some_and(|w| w.contains(s["context"][0].as_str().unwrap()))
                    });
                assert!(
                    !widened || wildcard || said,
                    "{name}: {kind} also allows {} on {} without saying so",
                    s["action"],
                    s["resource"]
                );
            }
        }
    }
}

#[test]
fn explain_cases() {
    let all = cases("explain");
    assert!(all.len() >= 28, "the corpus lost cases");
    for (name, case) in &all {
        assert!(!case.about.is_empty(), "{name}: say what the case is about");
        let Some(report) = explain(name, case) else {
            continue;
        };
        check_all(name, &report, &case.expect);
        fixes_grant_only_the_request(name, &report);
    }
}

#[test]
fn replay_cases() {
    let all = cases("replay");
    assert!(all.len() >= 5, "the corpus lost cases");
    for (name, case) in &all {
        let Some(report) = replay(name, case) else {
            continue;
        };
        check_all(name, &report, &case.expect);
    }
}

/// The JSON `iamwhy who-can`/`iamwhy can --format json` prints for the case.
fn bulk(name: &str, case: &Case) -> Option<Value> {
    let mut map = SourceMap::new();
    let snapshot = iamwhy_snapshot::load(Path::new(&path_of(&case.snapshot)?), &mut map)
        .unwrap_or_else(|e| panic!("{name}: snapshot: {:?}", e.iter().next()));
    let report = match (&case.who_can, &case.can) {
        (Some(w), _) => serde_json::to_value(
            iamwhy_analysis::bulk::who_can(&snapshot, &mut map, &w.action, &w.resource, |_, _| {})
                .unwrap(),
        ),
        (None, Some(c)) => serde_json::to_value(
            iamwhy_analysis::bulk::can(
                &snapshot,
                &mut map,
                &c.principal,
                &c.services,
                c.resource.as_deref(),
            )
            .unwrap(),
        ),
        (None, None) => panic!("{name}: give `who_can` or `can`"),
    };
    Some(report.unwrap())
}

#[test]
fn bulk_cases() {
    let all = cases("bulk");
    assert!(all.len() >= 3, "the corpus lost cases");
    for (name, case) in &all {
        let Some(report) = bulk(name, case) else {
            continue;
        };
        check_all(name, &report, &case.expect);
    }
}

/// The JSON `iamwhy generate --format json` prints for the case.
fn generate(name: &str, case: &Case) -> Option<Value> {
    let g = case
        .generate
        .as_ref()
        .unwrap_or_else(|| panic!("{name}: give `generate`"));
    let mut map = SourceMap::new();
    let snapshot = iamwhy_snapshot::load(Path::new(&path_of(&case.snapshot)?), &mut map)
        .unwrap_or_else(|e| panic!("{name}: snapshot: {:?}", e.iter().next()));
    let paths: Vec<String> = case
        .logs
        .iter()
        .map(|l| path_of(l))
        .collect::<Option<_>>()?;
    let mut filter = filter_of(&case.filter);
    filter.principal = Some(PrincipalFilter::new(&g.principal));
    let options = GenerateOptions {
        principal: g.principal.clone(),
        since: case.filter.since.clone(),
        until: case.filter.until.clone(),
        prefix_threshold: g.prefix_threshold.unwrap_or(DEFAULT_PREFIX_THRESHOLD),
        include_denied: g.include_denied,
        reread_logs: false,
    };
    let inputs = collect_inputs(&paths);
    let mut run = |options: &GenerateOptions| {
        generate_logs(
            &snapshot,
            &mut map,
            &inputs,
            &settings(Prefilter::All),
            &filter,
            options,
        )
    };
    let first = run(&options);
    assert!(!first.stats.nothing_read(), "{name}: no log could be read");
    let report = serde_json::to_value(first.report.unwrap()).unwrap();
    // The verification from the calls the first pass kept equals one that reads the logs
    // again.
    let again = run(&GenerateOptions {
        reread_logs: true,
        ..options
    });
    assert_eq!(
        serde_json::to_value(again.report.unwrap()).unwrap(),
        report,
        "{name}: the verification from the kept calls differs from reading the logs again"
    );
    Some(report)
}

/// The invariant of `generate`, checked by a replay that does not share the generator's own:
/// the snapshot's `replay` with the change "remove every identity-based policy of the
/// principal, add the generated ones" allows every call of the window that the snapshot
/// allows as it is, and the snapshot allows every call AWS allowed.
fn generated_policies_allow_the_window(name: &str, case: &Case, report: &Value) {
    let mut map = SourceMap::new();
    let snapshot =
        iamwhy_snapshot::load(Path::new(&path_of(&case.snapshot).unwrap()), &mut map).unwrap();
    let paths: Vec<String> = case.logs.iter().filter_map(|l| path_of(l)).collect();
    for g in report["generated"].as_array().unwrap() {
        let principal = g["principal"].as_str().unwrap();
        let mut changes = iamwhy_snapshot::Changes::default();
        let (inline, attached, groups) = match g["kind"].as_str().unwrap() {
            "role" => {
                let r = snapshot.role(principal).unwrap();
                (&r.inline, &r.attached, 0)
            }
            _ => {
                let u = snapshot.user(principal).unwrap();
                (&u.inline, &u.attached, u.groups.len())
            }
        };
        assert_eq!(groups, 0, "{name}: the check cannot remove group policies");
        changes.remove.extend(inline.iter().map(|p| p.name.clone()));
        changes.remove.extend(attached.iter().cloned());
        for part in g["policies"].as_array().unwrap() {
            if part["document"]["Statement"].as_array().unwrap().is_empty() {
                continue;
            }
            let text = serde_json::to_string_pretty(&part["document"]).unwrap();
            changes
                .add
                .push(map.add_file(format!("{name}: generated"), text));
        }
        let mut filter = filter_of(&case.filter);
        filter.principal = Some(PrincipalFilter::new(principal));
        let run = replay_logs(
            &snapshot,
            &mut map,
            &collect_inputs(&paths),
            &settings(Prefilter::All),
            &filter,
            Some(changes),
            None,
            None,
            Vec::new(),
        );
        let r = run.report.unwrap();
        let newly_denied = r.newly_denied.unwrap_or_default();
        assert!(
            newly_denied.is_empty(),
            "{name}: the policy generated for {principal} denies calls AWS allowed: {:?}",
            newly_denied
                .iter()
                .map(|g| format!("{} on {:?}", g.action, g.resources))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            r.aws_allowed_we_deny, 0,
            "{name}: the snapshot already denies calls AWS allowed for {principal}"
        );
        assert_eq!(
            g["verification"]["still_allowed"], g["verification"]["allowed_calls"],
            "{name}: {principal}'s own verification"
        );
        assert_eq!(g["verification"]["verified"], Value::Bool(true), "{name}");
    }
}

#[test]
fn generate_cases() {
    let all = cases("generate");
    assert!(all.len() >= 6, "the corpus lost cases");
    for (name, case) in &all {
        assert!(!case.about.is_empty(), "{name}: say what the case is about");
        let Some(report) = generate(name, case) else {
            continue;
        };
        check_all(name, &report, &case.expect);
        generated_policies_allow_the_window(name, case, &report);
    }
}

#[test]
fn the_checks_can_fail() {
    let report = serde_json::json!({"a": [{"b": "s3:GetObject"}, {"b": "kms:Decrypt"}], "n": 3});
    let fails = |pointer: &str, expected: Value| check(&report, pointer, &expected).is_err();
    assert!(!fails("/n", serde_json::json!(3)));
    assert!(fails("/n", serde_json::json!(4)));
    assert!(fails("/n", serde_json::json!({"at_least": 4})));
    assert!(fails("/missing", serde_json::json!({"len": 0})));
    assert!(!fails("/missing", Value::Null));
    assert!(fails("/n", Value::Null));
    let s3 = serde_json::json!({"/b": {"starts_with": "s3:"}});
    assert!(fails("/a", serde_json::json!({"all": s3})));
    assert!(!fails("/a", serde_json::json!({"any": s3})));
    assert!(fails("/n", serde_json::json!({"all": s3})));
    assert!(fails("/a", serde_json::json!({"len_at_most": 1})));
    assert!(!fails("/a/0/b", serde_json::json!({"contains": "Get"})));
    assert!(fails("/a/0/b", serde_json::json!({"not_contains": "Get"})));
}
