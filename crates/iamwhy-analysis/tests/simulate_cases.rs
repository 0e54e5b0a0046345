//! `simulate` on a snapshot, as data: each file of `tests/cases/simulate/` names a snapshot
//! and a list of requests with the decision (and, for operations with hidden checks, the
//! operation's decision), the policy type that denied, the resource account and a note the
//! result must have. Issue 21's cross-account cases over `org-multi` live here.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed lookup is a failed test"
)]

use std::path::{Path, PathBuf};

use iamwhy_analysis::{AccountQuery, simulate_account};
use iamwhy_core::{Action, Resource, SourceMap};
use iamwhy_snapshot::load;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    snapshot: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    principal: String,
    action: String,
    resource: String,
    decision: String,
    operation_decision: Option<String>,
    denied_by: Option<String>,
    hidden_denied_by: Option<String>,
    /// The resource of the first hidden check (the key S3 uses).
    #[serde(default)]
    hidden_resource: Option<String>,
    resource_account: Option<String>,
    note: Option<String>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn simulate_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/simulate");
    let mut failures = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let file: File = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut map = SourceMap::new();
        let snapshot = load(&root().join(&file.snapshot), &mut map).unwrap();
        for case in &file.cases {
            let query = AccountQuery {
                principal: case.principal.clone(),
                actions: vec![Action::parse(&case.action).unwrap()],
                resources: vec![Resource::parse(&case.resource).unwrap()],
                hidden_calls: true,
                ..AccountQuery::default()
            };
            let result = match simulate_account(&snapshot, &mut map, &query) {
                Ok(sim) => serde_json::to_value(&sim.before[0]).unwrap(),
                Err(e) => {
                    failures.push(format!("{name}: {}: error {e:?}", case.about));
                    continue;
                }
            };
            let mut check = |what: &str, got: Option<&str>, want: Option<&str>| {
                if want.is_some() && got != want {
                    failures.push(format!(
                        "{name}: {}: {what} is {got:?}, expected {want:?}",
                        case.about
                    ));
                }
            };
            let text = |pointer: &str| result.pointer(pointer).and_then(|v| v.as_str());
            check("decision", text("/decision"), Some(&case.decision));
            check(
                "operation_decision",
                text("/operation_decision"),
                case.operation_decision.as_deref(),
            );
            check("denied_by", text("/denied_by"), case.denied_by.as_deref());
            let hidden = result["hidden_checks"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(|c| c.pointer("/result/denied_by").and_then(|v| v.as_str()));
            check("hidden denied_by", hidden, case.hidden_denied_by.as_deref());
            check(
                "hidden check's resource",
                result
                    .pointer("/hidden_checks/0/result/resource")
                    .and_then(|v| v.as_str()),
                case.hidden_resource.as_deref(),
            );
            check(
                "resource_account",
                text("/resource_account"),
                case.resource_account.as_deref(),
            );
            if let Some(note) = &case.note {
                let notes = result["notes"].as_array().cloned().unwrap_or_default();
                if !notes
                    .iter()
                    .any(|n| n.as_str().is_some_and(|n| n.contains(note.as_str())))
                {
                    failures.push(format!(
                        "{name}: {}: no note contains {note:?}: {notes:?}",
                        case.about
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
