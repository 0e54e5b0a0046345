//! The lint corpus: one or more policy files (or Terraform plans and CloudFormation
//! templates, under `iac/`) per check under `tests/corpus/`, and
//! `tests/corpus/expected.json` with the findings (code and line) each must produce — clean
//! policies produce none. Every rule of the linter has at least one case.

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

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use iamwhy_core::PolicyKind;
use iamwhy_core::SourceMap;
use iamwhy_lint::{LintOptions, RULES, lint_source};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "json" || x == "yaml" || x == "yml")
            && !p.ends_with("expected.json")
        {
            out.push(p);
        }
    }
}

#[derive(serde::Deserialize)]
struct Case {
    #[serde(rename = "type")]
    policy_kind: Option<String>,
    /// `--account` and `--region`, for CloudFormation templates' pseudo parameters.
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    region: Option<String>,
    findings: Vec<(String, u32)>,
}

#[test]
fn every_corpus_file_gives_exactly_its_expected_findings() {
    let root = corpus();
    let expected: BTreeMap<String, Case> =
        serde_json::from_str(&std::fs::read_to_string(root.join("expected.json")).unwrap())
            .unwrap();
    let mut found = Vec::new();
    files(&root, &mut found);
    let names: BTreeSet<String> = found
        .iter()
        .map(|p| {
            p.strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    let listed: BTreeSet<String> = expected.keys().cloned().collect();
    assert_eq!(names, listed, "corpus files and expected.json disagree");

    let mut failures = Vec::new();
    let mut codes_seen = BTreeSet::new();
    for (name, case) in &expected {
        let path = root.join(name);
        let mut map = SourceMap::new();
        let id = map.add_file(name.clone(), std::fs::read_to_string(&path).unwrap());
        let options = LintOptions {
            policy_kind: case
                .policy_kind
                .as_deref()
                .map(|t| PolicyKind::parse(t).expect("a --type spelling")),
            account: case.account.clone(),
            region: case.region.clone(),
        };
        let report = lint_source(&mut map, id, &path, &options);
        let mut got: Vec<(String, u32)> = report
            .all_findings()
            .map(|f| {
                let line = f.span.map_or(0, |s| map.location(s).line);
                (f.code.to_owned(), line)
            })
            .collect();
        let mut want = case.findings.clone();
        got.sort();
        want.sort();
        codes_seen.extend(got.iter().map(|(c, _)| c.clone()));
        if got != want {
            failures.push(format!("{name}: expected {want:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Every rule is exercised by the corpus.
    let untested: Vec<&str> = RULES
        .iter()
        .map(|r| r.code)
        .filter(|c| !codes_seen.contains(*c))
        .collect();
    assert!(
        untested.is_empty(),
        "rules without a corpus case: {untested:?}"
    );
}

/// Story 5 of product.md: the guardrail key policy gets the security warning with the exact
/// fix, and the fixed policy (examples/candidates) is clean.
#[test]
fn story5_key_policy_gets_the_fix_and_the_fixed_policy_is_clean() {
    let mut map = SourceMap::new();
    let text = std::fs::read_to_string(corpus().join("risk/story5-key-policy.json")).unwrap();
    let id = map.add_file("story5.json", text);
    let report = lint_source(
        &mut map,
        id,
        Path::new("story5.json"),
        &LintOptions::default(),
    );
    let f: Vec<_> = report.all_findings().collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].code, "guardrail-blocks-aws-services");
    assert_eq!(f[0].level, iamwhy_lint::Level::SecurityWarning);
    assert!(
        f[0].help
            .as_deref()
            .unwrap()
            .contains(r#""BoolIfExists": {"aws:PrincipalIsAWSService": "false"}"#)
    );

    let fixed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/candidates/backup-key-policy-fixed.json");
    let id = map.add_file("fixed.json", std::fs::read_to_string(&fixed).unwrap());
    let report = lint_source(&mut map, id, &fixed, &LintOptions::default());
    assert_eq!(report.all_findings().count(), 0);
    assert_eq!(report.policies[0].policy_kind, PolicyKind::KeyPolicy);
}

/// The findings do not depend on the layout: each corpus file, minified, gives the same codes
/// (size findings aside, which whitespace can change for the policy types that count it).
#[test]
fn findings_do_not_depend_on_layout() {
    let root = corpus();
    let expected: BTreeMap<String, Case> =
        serde_json::from_str(&std::fs::read_to_string(root.join("expected.json")).unwrap())
            .unwrap();
    for (name, case) in &expected {
        let text = std::fs::read_to_string(root.join(name)).unwrap();
        // Not JSON, or JSON whose minified form is another document (a repeated key).
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if case.findings.iter().any(|(c, _)| c == "duplicate-key") {
            continue;
        }
        let minified = serde_json::to_string(&value).unwrap();
        let options = LintOptions {
            policy_kind: case.policy_kind.as_deref().and_then(PolicyKind::parse),
            account: None,
            region: None,
        };
        let codes = |text: String| {
            let mut map = SourceMap::new();
            let id = map.add_file(name.clone(), text);
            let report = lint_source(&mut map, id, &root.join(name), &options);
            let mut codes: Vec<&'static str> = report
                .all_findings()
                .map(|f| f.code)
                .filter(|c| *c != "policy-too-large")
                .collect();
            codes.sort_unstable();
            codes
        };
        assert_eq!(codes(text), codes(minified), "{name}");
    }
}
