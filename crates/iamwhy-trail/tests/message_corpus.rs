//! Issue 20: real AccessDenied messages as users pasted them into public threads
//! (`tests/messages/*.json`, each with its source address and the expected reading, written
//! by hand from AWS's wording). Every message is read with the message reader and compared
//! field by field — principal, actions, resource, deny kind, policy type, policy ARN — and
//! every miss is printed with the field, the expected and the found value. The share read
//! exactly right must not fall below the ratchet.

#![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]
#![allow(
    clippy::print_stderr,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "a corpus report on stderr; test arithmetic"
)]

use std::path::Path;

use iamwhy_core::PolicyType;
use iamwhy_trail::message::{DenialMessage, DenyKind, read_messages};
use serde_json::Value;

/// The share of messages read exactly right that the reader must keep (it only goes up).
const RATCHET: f64 = 0.95;

fn policy_type_name(t: Option<PolicyType>, role_trust: bool) -> Option<&'static str> {
    Some(match t? {
        PolicyType::Identity => "identity-based",
        PolicyType::Resource if role_trust => "resource-based",
        PolicyType::Resource => "resource-based",
        PolicyType::PermissionsBoundary => "permissions-boundary",
        PolicyType::Session => "session",
        PolicyType::Scp => "scp",
        PolicyType::Rcp => "rcp",
        PolicyType::VpcEndpoint => "vpc-endpoint",
    })
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The differences between the expected reading and the message read, as `field: expected
/// ≠ found` lines.
fn differences(expected: &Value, m: Option<&DenialMessage>) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |field: &str, want: Option<String>, got: Option<String>| {
        if want != got {
            out.push(format!("{field}: expected {want:?}, found {got:?}"));
        }
    };
    let principal = m.and_then(|m| m.principal.clone());
    check("principal", str_field(expected, "principal"), principal);
    let mut want_actions: Vec<String> = expected
        .get("actions")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut got_actions: Vec<String> = m
        .map(|m| m.action.iter().chain(&m.more_actions).cloned().collect())
        .unwrap_or_default();
    want_actions.sort();
    want_actions.dedup();
    got_actions.sort();
    got_actions.dedup();
    let actions = (want_actions != got_actions)
        .then(|| format!("actions: expected {want_actions:?}, found {got_actions:?}"));
    check(
        "resource",
        str_field(expected, "resource"),
        m.and_then(|m| m.resource.clone()),
    );
    let kind = m.map_or(DenyKind::Unknown, |m| m.deny_kind);
    check(
        "deny_kind",
        str_field(expected, "deny_kind"),
        Some(kind.as_str().to_owned()),
    );
    check(
        "policy_type",
        str_field(expected, "policy_type"),
        m.and_then(|m| policy_type_name(m.policy_type, m.role_trust).map(str::to_owned)),
    );
    check(
        "policy_arn",
        str_field(expected, "policy_arn"),
        m.and_then(|m| m.policy_arn.clone()),
    );
    out.extend(actions);
    out
}

#[test]
fn issue_20_real_messages_are_read_right() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/messages");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 150,
        "the corpus has {} messages",
        files.len()
    );
    let mut right = 0usize;
    let mut misses = Vec::new();
    for file in &files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let text = case["text"].as_str().unwrap();
        let read = read_messages(text);
        let diffs = differences(&case["expected"], read.first());
        if diffs.is_empty() {
            right += 1;
        } else {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            misses.push(format!(
                "{name} ({}):\n    {}",
                case["source"].as_str().unwrap_or(""),
                diffs.join("\n    ")
            ));
        }
    }
    let share = right as f64 / files.len() as f64;
    eprintln!(
        "message corpus: {right} of {} read exactly right ({:.1}%); misses:",
        files.len(),
        share * 100.0
    );
    for m in &misses {
        eprintln!("  {m}");
    }
    assert!(
        share >= RATCHET,
        "{right} of {} ({:.1}%) is under the ratchet of {:.0}%",
        files.len(),
        share * 100.0,
        RATCHET * 100.0
    );
}
