//! `iamwhy lint` end to end: exit codes and `--fail-on`, `--ignore` and `.iamwhy.toml`, the
//! three output formats (SARIF validated against the SARIF 2.1.0 schema shipped in
//! `tests/fixtures/sarif`), snapshots and stdin.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus(rel: &str) -> String {
    root()
        .join("crates/iamwhy-lint/tests/corpus")
        .join(rel)
        .display()
        .to_string()
}

/// Runs the binary in `dir`; (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iamwhy"));
    cmd.current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn run(args: &[&str]) -> (i32, String, String) {
    // Outside the repository, so that no `.iamwhy.toml` above it applies.
    run_in(&std::env::temp_dir(), args, None)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamwhy-lint-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn exit_codes_follow_fail_on() {
    // An error fails by default.
    let (code, out, _) = run(&["lint", &corpus("vocabulary/unknown-action.json")]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[unknown-action]"), "{out}");
    assert!(out.contains("did you mean `s3:GetObject`?"), "{out}");
    assert!(out.contains("unknown-action.json:7:"), "{out}");
    // A security warning does not, unless asked.
    let story5 = corpus("risk/story5-key-policy.json");
    assert_eq!(run(&["lint", &story5]).0, 0);
    assert_eq!(
        run(&["lint", "--fail-on", "security-warning", &story5]).0,
        1
    );
    assert_eq!(run(&["lint", "--fail-on", "warning", &story5]).0, 1);
    // A clean policy passes at any level.
    let clean = corpus("clean/identity.json");
    let (code, out, _) = run(&["lint", "--fail-on", "suggestion", &clean]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(": ok (identity-based policy, guessed)"),
        "{out}"
    );
}

#[test]
fn bad_usage_exits_2_with_a_message() {
    let clean = corpus("clean/identity.json");
    let (code, _, err) = run(&["lint", "--type", "policy", &clean]);
    assert_eq!(code, 2);
    assert!(
        err.contains("expected one of identity, resource, trust"),
        "{err}"
    );
    let (code, _, err) = run(&["lint", "--ignore", "no-such-rule", &clean]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`--ignore no-such-rule`: not a lint code"),
        "{err}"
    );
    let (code, _, err) = run(&["lint", "/nonexistent/policy.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/policy.json"), "{err}");
    let (code, _, err) = run(&["--format", "sarif", "test", &clean]);
    assert_eq!(code, 2);
    assert!(err.contains("only for `iamwhy lint`"), "{err}");
}

#[test]
fn ignores_from_the_command_line_and_the_config_file() {
    let story5 = corpus("risk/story5-key-policy.json");
    let args = ["lint", "--fail-on", "warning"];
    let (code, out, _) = run(&[
        &args[..],
        &["--ignore", "guardrail-blocks-aws-services", &story5],
    ]
    .concat());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok"), "{out}");

    let dir = temp_dir("config");
    std::fs::create_dir_all(dir.join("legacy")).unwrap();
    std::fs::copy(&story5, dir.join("legacy/key.json")).unwrap();
    std::fs::copy(corpus("risk/allow-all.json"), dir.join("admin.json")).unwrap();
    std::fs::write(
        dir.join(".iamwhy.toml"),
        "[lint]\nfail-on = \"security-warning\"\n\n[[lint.paths]]\npath = \"legacy\"\nignore = [\"*\"]\n",
    )
    .unwrap();
    // `legacy/` is silenced; `admin.json`'s security warning fails under the configured
    // `fail-on`.
    let (code, out, _) = run_in(&dir, &["lint", "."], None);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("allow-all"), "{out}");
    assert!(!out.contains("guardrail"), "{out}");
    assert!(
        out.contains("(1 ignored by --ignore or configuration)"),
        "{out}"
    );
    // `--no-config` brings it back; `--fail-on` on the command line wins.
    let (code, out, _) = run_in(
        &dir,
        &["lint", "--no-config", "--fail-on", "error", "."],
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("guardrail"), "{out}");

    // A bad configuration names its file, line and column.
    std::fs::write(
        dir.join(".iamwhy.toml"),
        "[lint]\nignore = [\"allow-everything\"]\n",
    )
    .unwrap();
    let (code, _, err) = run_in(&dir, &["lint", "."], None);
    assert_eq!(code, 2);
    assert!(
        err.contains(".iamwhy.toml:2:11: `allow-everything` is not a lint code"),
        "{err}"
    );
}

#[test]
fn json_output_has_codes_levels_and_places() {
    let (code, out, err) = run(&[
        "--format",
        "json",
        "lint",
        &corpus("cli/account-authorization-details.json"),
    ]);
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let policies = v["files"][0]["policies"].as_array().unwrap();
    assert_eq!(policies.len(), 3);
    assert_eq!(policies[1]["label"], "role `Open`");
    assert_eq!(policies[1]["type"], "trust");
    assert_eq!(policies[1]["type_origin"]["how"], "context");
    let f = &policies[1]["findings"][0];
    assert_eq!(f["code"], "trust-any-principal");
    assert_eq!(f["level"], "security-warning");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(42), Some(25))
    );
    assert!(
        f["doc"]
            .as_str()
            .unwrap()
            .starts_with("https://docs.aws.amazon.com/")
    );
    assert_eq!(v["summary"]["error"], 1);
    assert_eq!(v["summary"]["failed"], true);
    assert!(
        err.contains("1 file, 3 policies: 1 error, 2 security warnings"),
        "{err}"
    );
}

/// The vendored SARIF 2.1.0 schema (draft-04), compiled: registered under its own `id`, so
/// that nothing is fetched.
fn sarif_schema() -> (boon::Schemas, boon::SchemaIndex) {
    let path = root().join("crates/iamwhy/tests/fixtures/sarif/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let id = schema["id"].as_str().unwrap().to_owned();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource(&id, schema).unwrap();
    let mut schemas = boon::Schemas::new();
    let index = compiler.compile(&id, &mut schemas).unwrap();
    (schemas, index)
}

#[test]
fn sarif_output_validates_against_the_schema() {
    let (code, out, _) = run(&[
        "--format",
        "sarif",
        "lint",
        &corpus("vocabulary"),
        &corpus("risk"),
        &corpus("cli"),
        &corpus("iac"),
    ]);
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&out).unwrap();
    let (schemas, schema) = sarif_schema();
    if let Err(e) = schemas.validate(&log, schema) {
        panic!("SARIF output does not match the 2.1.0 schema:\n{e:#}");
    }
    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().all(|r| r["helpUri"].as_str().is_some()));
    let results = run0["results"].as_array().unwrap();
    let story5 = results
        .iter()
        .find(|r| {
            r["ruleId"] == "guardrail-blocks-aws-services"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .ends_with("risk/story5-key-policy.json")
        })
        .unwrap();
    let region = &story5["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 21);
    assert_eq!(story5["level"], "warning");
    let index = story5["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "guardrail-blocks-aws-services");
    assert_eq!(rules[index]["properties"]["security-severity"], "7.5");
    // A hand-made broken log is rejected: the validation can fail.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(schemas.validate(&broken, schema).is_err());
}

#[test]
fn snapshots_and_stdin() {
    // The bundled snapshot: its bucket policy is named by the folder convention.
    let (code, out, err) = run(&[
        "lint",
        &root().join("examples/snapshot").display().to_string(),
    ]);
    assert!(code == 0 || code == 1, "{err}");
    assert!(!out.contains("not-a-policy]"), "{out}");
    let (_, json, _) = run(&[
        "--format",
        "json",
        "lint",
        &root().join("examples/snapshot").display().to_string(),
    ]);
    let v: Value = serde_json::from_str(&json).unwrap();
    let labels: Vec<String> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["policies"].as_array().unwrap().clone())
        .filter_map(|p| p["label"].as_str().map(str::to_owned))
        .collect();
    assert!(labels.iter().any(|l| l == "role `KeyAdmin`"), "{labels:?}");
    assert!(
        labels
            .iter()
            .any(|l| l == "key `5555eeee-55ee-55ee-55ee-555555555555`"),
        "{labels:?}"
    );
    // The AWS managed key's policy (`Id` `auto-s3-2`) is no lock-out: AWS manages it.
    assert!(!out.contains("key-lockout"), "{out}");

    let text = std::fs::read_to_string(corpus("risk/trust-foreign-account.json")).unwrap();
    let (code, out, _) = run_in(
        &std::env::temp_dir(),
        &["lint", "--fail-on", "security-warning", "-"],
        Some(&text),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("<stdin>:6:"), "{out}");
    // The same account is no foreign account.
    let (code, out, _) = run_in(
        &std::env::temp_dir(),
        &[
            "lint",
            "--fail-on",
            "security-warning",
            "--account",
            "444455556666",
            "-",
        ],
        Some(&text),
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn rules_are_listed() {
    let (code, out, _) = run(&["--format", "json", "lint", "--list-rules"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let rules = v.as_array().unwrap();
    assert!(rules.len() > 40);
    assert!(
        rules
            .iter()
            .any(|r| r["code"] == "key-lockout" && r["level"] == "error")
    );
}

fn iac(rel: &str) -> String {
    root()
        .join("crates/iamwhy-iac/tests/fixtures")
        .join(rel)
        .display()
        .to_string()
}

/// Story 5 as a Terraform plan: the guardrail is flagged at `aws_kms_key.backup.policy`, with
/// the `BoolIfExists` fix, in text, JSON (`place`) and SARIF (a logical location beside the
/// physical one); the plan with the fix is clean.
#[test]
fn story5_terraform_plan_is_flagged_at_the_resource_attribute() {
    let plan = iac("terraform/story5-guardrail.plan.json");
    let (code, out, _) = run_in(
        &root(),
        &["lint", "--fail-on", "security-warning", &plan],
        None,
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("aws_kms_key.backup.policy"), "{out}");
    assert!(
        out.contains(r#""BoolIfExists": {"aws:PrincipalIsAWSService": "false"}"#),
        "{out}"
    );

    let (_, json, _) = run_in(&root(), &["lint", "--format", "json", &plan], None);
    let v: Value = serde_json::from_str(&json).unwrap();
    let policy = &v["files"][0]["policies"][0];
    assert_eq!(policy["place"], "aws_kms_key.backup.policy");
    assert_eq!(policy["type"], "kms-key");
    assert_eq!(
        policy["findings"][0]["code"],
        "guardrail-blocks-aws-services"
    );

    let (_, sarif, _) = run_in(&root(), &["lint", "--format", "sarif", &plan], None);
    let v: Value = serde_json::from_str(&sarif).unwrap();
    let location = &v["runs"][0]["results"][0]["locations"][0];
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        "aws_kms_key.backup.policy"
    );
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 1);

    let fixed = iac("terraform/story5-fix.plan.json");
    let (code, out, _) = run_in(&root(), &["lint", "--fail-on", "suggestion", &fixed], None);
    assert_eq!(code, 0, "{out}");
}

/// A YAML template with short forms and a CDK assembly folder: findings at the template's
/// line, and the assembly linted through its manifest (its environment resolving
/// `AWS::AccountId`, so the default key statement is read and no lockout is reported).
#[test]
fn cloudformation_yaml_and_cdk_assembly() {
    let template = iac("cloudformation/every-resource.yaml");
    let (_, out, _) = run_in(
        &root(),
        &[
            "lint",
            "--account",
            "111122223333",
            "--region",
            "us-east-1",
            &template,
        ],
        None,
    );
    assert!(out.contains("every-resource.yaml:134:17"), "{out}");
    assert!(out.contains("BackupKey.Properties.KeyPolicy"), "{out}");

    let (code, out, _) = run_in(&root(), &["lint", &iac("cdk.out")], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Key961B73FD.Properties.KeyPolicy"), "{out}");
    assert!(out.contains("guardrail-blocks-aws-services"), "{out}");
    assert!(!out.contains("key-lockout"), "{out}");
    assert!(!out.contains("tree.json"), "{out}");
}
