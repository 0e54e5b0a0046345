//! Every fixture read, and its changes rendered as text and compared with a reviewed
//! snapshot (`tests/snapshots/`): kinds, targets, places with line and column, documents
//! with their unresolved parts.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use iamwhy_core::SourceMap;
use iamwhy_iac::{ChangeSet, Content, Format, ReadOptions, read_assembly, read_source, recognise};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn options() -> ReadOptions {
    ReadOptions {
        account: Some("111122223333".to_owned()),
        region: Some("us-east-1".to_owned()),
    }
}

fn content(map: &SourceMap, c: Option<&Content>) -> String {
    match c {
        None => "-".to_owned(),
        Some(Content::Reference(v)) => format!("reference {v}"),
        Some(Content::Unknown(u)) => format!("unknown ({u})"),
        Some(Content::Document(d)) => {
            let mut s = format!("document {}", map.text(d.source));
            for u in &d.unresolved {
                write!(
                    s,
                    "\n      unresolved `{}`: {}",
                    map.snippet(u.span),
                    u.what
                )
                .unwrap();
            }
            s
        }
    }
}

fn render(map: &SourceMap, sets: &[ChangeSet]) -> String {
    let mut out = String::new();
    for set in sets {
        writeln!(out, "{} ({:?})", map.name(set.source), set.format).unwrap();
        for d in &set.diagnostics {
            writeln!(out, "  problem: {} {}", d.code, d.message).unwrap();
        }
        for c in &set.changes {
            let at = c.place.span.map_or(String::new(), |s| {
                let l = map.location(s);
                format!(" ({}:{})", l.line, l.column)
            });
            writeln!(
                out,
                "- {} {} [{}] {}{} at {}{at}",
                c.action.as_str(),
                c.kind.as_str(),
                c.policy_kind.map_or("-", |k| k.as_str()),
                c.target,
                c.name
                    .as_ref()
                    .map_or(String::new(), |n| format!(" name {n}")),
                c.place,
            )
            .unwrap();
            writeln!(out, "    before: {}", content(map, c.before.as_ref())).unwrap();
            writeln!(out, "    after: {}", content(map, c.after.as_ref())).unwrap();
        }
    }
    out.replace(env!("CARGO_MANIFEST_DIR"), "")
}

fn read_file(rel: &str) -> String {
    let path = fixture(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut map = SourceMap::new();
    let id = map.add_file(rel, text);
    let set = read_source(&mut map, id, &options()).expect("recognised");
    render(&map, &[set])
}

#[test]
fn terraform_every_resource() {
    insta::assert_snapshot!(read_file("terraform/every-resource.plan.json"));
}

#[test]
fn terraform_story5() {
    insta::assert_snapshot!(read_file("terraform/story5-guardrail.plan.json"));
    insta::assert_snapshot!(read_file("terraform/story5-fix.plan.json"));
}

#[test]
fn terraform_story4() {
    insta::assert_snapshot!(read_file("terraform/story4-scope-deploy-admin.plan.json"));
}

#[test]
fn terraform_state_with_modules() {
    insta::assert_snapshot!(read_file("terraform/state.json"));
}

#[test]
fn cloudformation_yaml_short_forms() {
    insta::assert_snapshot!(read_file("cloudformation/every-resource.yaml"));
}

#[test]
fn cloudformation_json() {
    insta::assert_snapshot!(read_file("cloudformation/story5-key.template.json"));
}

#[test]
fn cloudformation_without_account_leaves_pseudo_parameters_unresolved() {
    let text = std::fs::read_to_string(fixture("cloudformation/story5-key.template.json")).unwrap();
    let mut map = SourceMap::new();
    let id = map.add_file("t.json", text);
    let set = read_source(&mut map, id, &ReadOptions::default()).unwrap();
    let doc = set.changes[0].after.as_ref().unwrap().document().unwrap();
    let unresolved: Vec<&str> = doc.unresolved.iter().map(|u| map.snippet(u.span)).collect();
    assert_eq!(
        unresolved,
        [
            "<unresolved: Ref AWS::Partition>",
            "<unresolved: Ref AWS::AccountId>",
            "<unresolved: Ref AWS::Partition>",
            "<unresolved: Ref AWS::AccountId>",
        ]
    );
}

#[test]
fn cdk_assembly() {
    let mut map = SourceMap::new();
    let dir = fixture("cdk.out");
    assert!(iamwhy_iac::is_assembly(&dir));
    // No account or Region given: the stack's environment supplies them.
    let (sets, problems) = read_assembly(&mut map, &dir, &ReadOptions::default());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].format, Format::CdkAssembly);
    insta::assert_snapshot!(render(&map, &sets));
}

#[test]
fn recognised_by_content() {
    assert_eq!(
        recognise("{\"Version\":\"2012-10-17\",\"Statement\":[]}"),
        None
    );
    assert_eq!(
        recognise("{\"Resources\": {}}"),
        Some(Format::CloudFormationJson)
    );
    assert_eq!(
        recognise("{\"format_version\":\"1.2\",\"terraform_version\":\"1.9.5\"}"),
        Some(Format::TerraformPlan)
    );
    assert_eq!(
        recognise("Resources:\n  K:\n    Type: AWS::KMS::Key\n"),
        Some(Format::CloudFormationYaml)
    );
    assert_eq!(recognise("Statement: []\n"), None);
}

#[test]
fn bad_yaml_is_located() {
    let mut map = SourceMap::new();
    let id = map.add_file(
        "bad.yaml",
        "AWSTemplateFormatVersion: x\nResources:\n  K: [unclosed\n",
    );
    let set = read_source(&mut map, id, &options()).unwrap();
    let d = &set.diagnostics[0];
    assert_eq!(d.code, "yaml-syntax");
    let l = map.location(d.span.unwrap());
    assert_eq!(l.line, 4, "{}", d.message);
}
