//! The linking rule, tested from the cases of `cases.json`: each lists records (CloudTrail
//! fields) and the `(primary, linked)` groups [`group`] must return.

use super::*;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    /// Why the case groups as it does.
    #[serde(rename = "why")]
    _why: String,
    records: Vec<serde_json::Value>,
    groups: Vec<(usize, Vec<usize>)>,
}

#[test]
fn cases() {
    let cases: Vec<Case> = serde_json::from_str(include_str!("cases.json")).unwrap();
    let mut failed = Vec::new();
    for case in &cases {
        let events: Vec<Event> = case
            .records
            .iter()
            .map(|r| {
                Event::from_json(r.to_string().as_bytes())
                    .unwrap_or_else(|e| panic!("{}: {e}", case.name))
            })
            .collect();
        let groups = group(&events, |e| e);
        // Every record is in exactly one group.
        let mut seen: Vec<usize> = groups
            .iter()
            .flat_map(|(p, l)| std::iter::once(*p).chain(l.iter().copied()))
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..events.len()).collect::<Vec<_>>(), "{}", case.name);
        if groups != case.groups {
            failed.push(format!(
                "{}: expected {:?}, got {:?}",
                case.name, case.groups, groups
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert!(cases.len() >= 10);
}

/// Many records in one second: grouping stays fast and groups each call's own service call.
#[test]
fn a_busy_second_groups_each_decrypt_with_its_own_get_object() {
    let mut events = Vec::new();
    for i in 0..2000 {
        let user = format!("arn:aws:iam::111122223333:user/u{i}");
        for (source, name, by) in [
            ("s3", "GetObject", None),
            ("kms", "Decrypt", Some("s3.amazonaws.com")),
        ] {
            let mut identity = serde_json::json!({"type": "IAMUser", "arn": user});
            if let Some(by) = by {
                identity["invokedBy"] = by.into();
            }
            let record = serde_json::json!({
                "eventTime": "2026-11-20T10:00:00Z",
                "eventSource": format!("{source}.amazonaws.com"),
                "eventName": name,
                "userIdentity": identity,
            });
            events.push(Event::from_json(record.to_string().as_bytes()).unwrap());
        }
    }
    let groups = group(&events, |e| e);
    assert_eq!(groups.len(), 2000);
    assert!(groups.iter().all(|(p, l)| l == &[p + 1]));
}
