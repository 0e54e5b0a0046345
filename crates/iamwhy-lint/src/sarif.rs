//! SARIF 2.1.0 output, as GitHub code scanning reads it: one run, the rules with their help
//! pages, one result per finding with its file, line and column, and, for a policy in a
//! Terraform plan or CloudFormation template, its resource address or logical id and
//! attribute as a logical location.
//!
//! Levels map to SARIF's `error`, `warning` and `note`; security warnings are `warning`s
//! whose rule carries a `security-severity`, which GitHub shows as a security alert.

use iamwhy_core::SourceMap;
use serde_json::{Value, json};

use crate::rules::{Level, RULES, Rule};
use crate::{FileReport, Finding};

/// The `$schema` of the log.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF log of these reports.
pub fn log(reports: &[FileReport], map: &SourceMap) -> Value {
    let rules: Vec<Value> = RULES.iter().map(rule).collect();
    let mut results = Vec::new();
    for report in reports {
        for f in &report.findings {
            results.push(result(map, &report.path, None, None, f));
        }
        for p in &report.policies {
            for f in &p.findings {
                results.push(result(
                    map,
                    &report.path,
                    p.label.as_deref(),
                    p.place.as_deref(),
                    f,
                ));
            }
        }
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "iamwhy",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/iamwhy/iamwhy",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn level(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::SecurityWarning | Level::Warning => "warning",
        Level::Suggestion => "note",
    }
}

fn rule(r: &Rule) -> Value {
    let mut properties = json!({
        "tags": [match r.category {
            crate::Category::Grammar => "grammar",
            crate::Category::Vocabulary => "vocabulary",
            crate::Category::Risk => "security",
        }],
        "level": r.level.as_str(),
    });
    if r.level == Level::SecurityWarning
        && let Some(properties) = properties.as_object_mut()
    {
        // GitHub ranks security alerts by this score (7.0 and above is "high").
        properties.insert("security-severity".to_owned(), json!("7.5"));
    }
    json!({
        "id": r.code,
        "shortDescription": {"text": r.summary},
        "helpUri": r.help_uri,
        "help": {"text": format!("{} — see {}", r.summary, r.help_uri)},
        "defaultConfiguration": {"level": level(r.level)},
        "properties": properties,
    })
}

/// One result; `place` is where the policy is written in a Terraform plan or CloudFormation
/// template, SARIF's logical location (a resource, as `aws_kms_key.backup.policy`).
fn result(
    map: &SourceMap,
    path: &str,
    policy: Option<&str>,
    place: Option<&str>,
    f: &Finding,
) -> Value {
    let mut text = f.message.clone();
    if let Some(help) = &f.help {
        text.push_str(". Fix: ");
        text.push_str(help);
    }
    let mut physical = json!({"artifactLocation": {"uri": uri(path)}});
    if let Some(span) = f.span {
        let start = map.location(span);
        let (end_line, end_column) = map.line_column(start.root.source, start.root.end);
        let region = json!({
            "startLine": start.line,
            "startColumn": start.column,
            "endLine": end_line,
            "endColumn": end_column.max(if end_line == start.line { start.column } else { 1 }),
        });
        if let Some(physical) = physical.as_object_mut() {
            physical.insert("region".to_owned(), region);
        }
    }
    let mut properties = json!({"iamwhyLevel": f.level.as_str()});
    if let Some(p) = policy
        && let Some(properties) = properties.as_object_mut()
    {
        properties.insert("policy".to_owned(), json!(p));
    }
    let mut location = json!({"physicalLocation": physical});
    if let Some(place) = place
        && let Some(location) = location.as_object_mut()
    {
        location.insert(
            "logicalLocations".to_owned(),
            json!([{"fullyQualifiedName": place, "kind": "resource"}]),
        );
    }
    let mut result = json!({
        "ruleId": f.code,
        "level": level(f.level),
        "message": {"text": text},
        "locations": [location],
        "properties": properties,
    });
    if let Some(i) = RULES.iter().position(|r| r.code == f.code)
        && let Some(result) = result.as_object_mut()
    {
        result.insert("ruleIndex".to_owned(), json!(i));
    }
    result
}

/// A file path as a relative URI reference: `/` separators, and every byte outside the
/// unreserved set and `/` percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("policies/a b.json"), "policies/a%20b.json");
        assert_eq!(uri("c:\\x\\é.json"), "c%3A/x/%C3%A9.json");
    }
}
