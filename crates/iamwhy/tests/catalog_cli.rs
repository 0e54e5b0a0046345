//! The service catalog from the command line: `iamwhy actions`, "Select All" in
//! `iamwhy simulate`, unknown actions, AWS managed policies referenced by ARN.
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

use std::process::Output;

use common::{fails_with, iamwhy, stderr, stdout};

use iamwhy_catalog::Catalog;

fn json(o: &Output) -> serde_json::Value {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    serde_json::from_str(&stdout(o)).unwrap()
}

const SELECT_ALL: &str = "tests/fixtures/s3-select-all.json";

/// `iamwhy simulate --scenario SELECT_ALL ARGS` (global options may come among `ARGS`: clap
/// accepts them anywhere).
fn on_fixture(args: &[&str]) -> Output {
    let mut all = vec!["simulate", "--scenario", SELECT_ALL];
    all.extend_from_slice(args);
    iamwhy(&all)
}

#[test]
fn actions_lists_every_s3_get_action() {
    let o = iamwhy(&["actions", "s3:Get*"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let expected = Catalog::bundled().expand("s3:Get*").unwrap();
    for a in &expected {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("{} ", a.full_name()))),
            "{} missing",
            a.full_name()
        );
    }
    assert!(text.contains(&format!("{} actions.", expected.len())));
    let v = json(&iamwhy(&["--format", "json", "actions", "s3:Get*"]));
    assert_eq!(v.as_array().unwrap().len(), expected.len());
}

#[test]
fn actions_shows_one_action_in_full() {
    let o = iamwhy(&["actions", "s3:getobject"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
    let v = json(&iamwhy(&["--format", "json", "actions", "s3:getobject"]));
    let a = &v[0];
    assert_eq!(a["action"], "s3:GetObject");
    assert_eq!(a["access_level"], "Read");
    assert!(
        a["resource_types"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "object"
                && r["arn_formats"][0] == "arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    );
    assert!(
        a["condition_keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["name"] == "s3:signatureAge" && k["type"] == "Numeric")
    );
}

#[test]
fn actions_unknown_pattern_is_a_clear_error() {
    fails_with(
        &["actions", "s3:GetObjcet"],
        2,
        "did you mean `s3:GetObject`?",
    );
    fails_with(
        &["actions", "s4:*"],
        2,
        "no AWS service has the prefix `s4`",
    );
    fails_with(&["actions", "GetObject"], 2, "`service:Action`");
}

#[test]
fn actions_dependent_shows_hidden_calls_with_sources() {
    let o = iamwhy(&[
        "actions",
        "--dependent",
        "s3:GetObject",
        "lambda:CreateFunction",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("kms:Decrypt on {kms_key_arn}"), "{text}");
    assert!(
        text.contains("kms:ViaService = s3.{region}.amazonaws.com"),
        "{text}"
    );
    assert!(text.contains("iam:PassRole on {role_arn}"), "{text}");
    assert!(
        text.contains("source: ") && text.contains("<https://docs.aws.amazon.com/"),
        "{text}"
    );
    let v = json(&iamwhy(&[
        "--format",
        "json",
        "actions",
        "--dependent",
        "s3:PutObject",
    ]));
    let rules = v[0]["hidden_calls"].as_array().unwrap();
    assert!(
        rules
            .iter()
            .any(|r| r["checks"][0]["action"] == "kms:GenerateDataKey")
    );
}

/// "Select All": one row per S3 action, each consistent with a run of that action alone.
#[test]
fn select_all_rows_match_single_action_runs() {
    let v = json(&on_fixture(&["--format", "json", "--action", "s3:*"]));
    let rows = v.as_array().unwrap();
    assert_eq!(
        rows.len(),
        Catalog::bundled().service("s3").unwrap().actions.len()
    );
    let by_service = json(&on_fixture(&["--format", "json", "--service", "s3"]));
    assert_eq!(&by_service, &v);
    let mut seen = [0; 3];
    for row in rows {
        let action = row["action"].as_str().unwrap();
        let single = json(&on_fixture(&["--format", "json", "--action", action]));
        assert_eq!(row["decision"], single["decision"], "{action}");
        assert_eq!(row["denied_by"], single["denied_by"], "{action}");
        let deciding: Vec<String> = single["deciding_statements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| match s["sid"].as_str() {
                Some(sid) => format!("{}#{sid}", s["policy"].as_str().unwrap()),
                None => format!("{}#{}", s["policy"].as_str().unwrap(), s["index"]),
            })
            .collect();
        assert_eq!(row["deciding"], serde_json::json!(deciding), "{action}");
        match row["decision"].as_str().unwrap() {
            "Allowed" => seen[0] += 1,
            "ExplicitDeny" => seen[1] += 1,
            _ => seen[2] += 1,
        }
    }
    assert!(
        seen.iter().all(|n| *n > 0),
        "the fixture exercises every decision: {seen:?}"
    );
}

#[test]
fn select_all_text_table() {
    let o = on_fixture(&["--action", "s3:Delete*"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("ACTION"), "{text}");
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with("s3:DeleteObject "))
        .unwrap();
    assert!(
        row.contains("ExplicitDeny") && row.contains("Writer#NoDeletes"),
        "{row}"
    );
    let o = on_fixture(&["--service", "s4"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `s3`?"), "{}", stderr(&o));
}

#[test]
fn unknown_action_is_an_error_unless_allowed() {
    let o = on_fixture(&["--action", "s3:GetObjcet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("`s3:GetObjcet` is not an action"), "{err}");
    assert!(err.contains("did you mean `s3:GetObject`?"), "{err}");
    assert!(stdout(&o).is_empty());
    let o = on_fixture(&["--action", "s3:GetObjcet", "--allow-unknown-actions"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Evaluated as written: `s3:Get*` of AmazonS3ReadOnlyAccess matches the typo too.
    assert!(stdout(&o).starts_with("Allowed"), "{}", stdout(&o));
    assert!(stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn unknown_action_in_a_scenario_file_points_at_it() {
    let dir = std::env::temp_dir().join(format!("iamwhy-unknown-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("typo.json");
    std::fs::write(
        &path,
        r#"{"principal": "111122223333", "action": "s3:GetObjects", "resource": "*",
  "identity_policies": []}"#,
    )
    .unwrap();
    let o = iamwhy(&["simulate", "--scenario", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("typo.json:1:41"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("did you mean `s3:GetObject`?"),
        "{}",
        stderr(&o)
    );
    // `iamwhy test` warns and still runs it.
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn managed_policy_by_arn_resolves_from_the_catalog() {
    let v = json(&on_fixture(&[
        "--format",
        "json",
        "--action",
        "s3:GetObject",
    ]));
    assert_eq!(v["decision"], "Allowed");
    let s = &v["deciding_statements"][0];
    assert_eq!(s["policy"], "AmazonS3ReadOnlyAccess");
    assert_eq!(
        s["policy_arn"],
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    );
    assert!(
        s["file"]
            .as_str()
            .unwrap()
            .starts_with("[AWS managed policy AmazonS3ReadOnlyAccess")
    );
    assert!(
        s["line"].as_u64().unwrap() > 1,
        "the bundled document is laid out on lines"
    );
}
