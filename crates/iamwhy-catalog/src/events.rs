//! From a CloudTrail call (`eventSource` + `eventName`) to the IAM action(s) it needed.
//!
//! Most calls need `<prefix>:<eventName>`; the exceptions (S3's `ListObjects` needs
//! `s3:ListBucket`, CloudWatch logs as `monitoring.amazonaws.com`, calls that need no
//! permission at all, ...) are in `data/event-actions.tsv`, researched from AWS's
//! documentation (the file lists its sources). Lambda's and CloudFront's versioned event names
//! (`UpdateFunctionCode20150331v2`, `CreateDistribution2020_05_31`) lose their date suffix.
//! Whatever the table does not cover must be an action of the bundled catalog, or the mapping
//! is reported unknown — never guessed.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::Catalog;

const TABLE: &str = include_str!("../data/event-actions.tsv");

/// What a call needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// The actions, the one the call is named for first; all are checked on the request.
    Actions(Vec<String>),
    /// The call needs no IAM permission, or is not an authorized API call (a console sign-in,
    /// a service event); the reason in words.
    NotAuthorized(String),
    /// Neither the table nor the catalog knows the call; the reason in words.
    Unknown(String),
}

/// One `action` line of the table.
#[derive(Debug)]
struct Entry {
    /// `Some(key)`: only when `requestParameters` has this key.
    param: Option<String>,
    /// `None`: no permission needed.
    actions: Option<Vec<String>>,
    note: String,
}

#[derive(Debug, Default)]
struct Table {
    /// eventSource → IAM prefix, where they differ.
    prefixes: HashMap<String, String>,
    /// (eventSource, lower-case eventName) → entries, conditional ones first.
    entries: HashMap<(String, String), Vec<Entry>>,
    /// Lines that could not be read (a test keeps this empty).
    bad_lines: Vec<usize>,
}

fn table() -> &'static Table {
    static TABLE_CELL: OnceLock<Table> = OnceLock::new();
    TABLE_CELL.get_or_init(|| parse_table(TABLE))
}

fn parse_table(text: &str) -> Table {
    let mut t = Table::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        match cols.as_slice() {
            ["prefix", source, prefix, ..] => {
                t.prefixes
                    .insert(source.to_ascii_lowercase(), (*prefix).to_owned());
            }
            ["action", source, name, actions, rest @ ..] => {
                let (name, param) = match name.split_once('?') {
                    Some((n, p)) => (n, Some(p.to_owned())),
                    None => (*name, None),
                };
                let actions = match actions.trim() {
                    "-" => None,
                    list => Some(
                        list.split(',')
                            .map(|a| a.trim().to_owned())
                            .filter(|a| !a.is_empty())
                            .collect(),
                    ),
                };
                t.entries
                    .entry((source.to_ascii_lowercase(), name.to_ascii_lowercase()))
                    .or_default()
                    .push(Entry {
                        param,
                        actions,
                        note: rest
                            .first()
                            .map(|s| s.trim().to_owned())
                            .unwrap_or_default(),
                    });
            }
            _ => t.bad_lines.push(i.saturating_add(1)),
        }
    }
    t
}

/// The IAM service prefix of an `eventSource`: `monitoring.amazonaws.com` → `cloudwatch`,
/// `s3.amazonaws.com` → `s3`.
pub fn prefix_of(event_source: &str) -> String {
    let source = event_source.to_ascii_lowercase();
    match table().prefixes.get(&source) {
        Some(p) => p.clone(),
        None => source.split('.').next().unwrap_or(&source).to_owned(),
    }
}

/// An event name without a Lambda (`20150331`, `20150331v2`) or CloudFront (`2020_05_31`)
/// API-version suffix.
pub fn strip_version(name: &str) -> &str {
    // Lambda: eight digits, optionally `v` and digits.
    let (head, digits) = split_trailing_digits(name);
    if !digits.is_empty()
        && let Some(before_v) = head.strip_suffix('v')
    {
        let (stem, date) = split_trailing_digits(before_v);
        if date.len() == 8 && !stem.is_empty() {
            return stem;
        }
    }
    if digits.len() == 8 && !head.is_empty() {
        return head;
    }
    // CloudFront: `YYYY_MM_DD`.
    if let Some((stem, tail)) = name
        .len()
        .checked_sub(10)
        .filter(|at| *at > 0)
        .and_then(|at| name.split_at_checked(at))
    {
        let shape = tail.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'_',
            _ => b.is_ascii_digit(),
        });
        if shape {
            return stem;
        }
    }
    name
}

/// `text` split before its trailing ASCII digits.
fn split_trailing_digits(text: &str) -> (&str, &str) {
    let stem = text.trim_end_matches(|c: char| c.is_ascii_digit());
    (stem, text.get(stem.len()..).unwrap_or(""))
}

/// The actions a call needed. `has_param` says whether `requestParameters` has a key;
/// `event_type` is the record's `eventType` (only `AwsApiCall` records are authorized
/// requests).
pub fn map_call(
    event_source: &str,
    event_name: &str,
    event_type: Option<&str>,
    has_param: &dyn Fn(&str) -> bool,
) -> Mapping {
    if let Some(kind) = event_type
        && !kind.eq_ignore_ascii_case("AwsApiCall")
    {
        return Mapping::NotAuthorized(format!(
            "a `{kind}` record, not an API call that IAM authorizes"
        ));
    }
    let source = event_source.to_ascii_lowercase();
    let t = table();
    let stripped = strip_version(event_name);
    for name in [event_name, stripped] {
        if let Some(entries) = t.entries.get(&(source.clone(), name.to_ascii_lowercase())) {
            // Every conditional line whose parameter is present adds its actions (an
            // AssumeRole with tags and a source identity needs both extra permissions); the
            // plain line applies when none does.
            let conditional: Vec<&Entry> = entries
                .iter()
                .filter(|e| e.param.as_deref().is_some_and(has_param))
                .collect();
            let hits = if conditional.is_empty() {
                entries
                    .iter()
                    .filter(|e| e.param.is_none())
                    .take(1)
                    .collect()
            } else {
                conditional
            };
            if let Some(first) = hits.first() {
                let Some(_) = &first.actions else {
                    return Mapping::NotAuthorized(if first.note.is_empty() {
                        "the call needs no IAM permission".to_owned()
                    } else {
                        first.note.clone()
                    });
                };
                let mut actions: Vec<String> = Vec::new();
                for a in hits.iter().filter_map(|e| e.actions.as_ref()).flatten() {
                    if !actions.iter().any(|x| x.eq_ignore_ascii_case(a)) {
                        actions.push(a.clone());
                    }
                }
                return Mapping::Actions(actions);
            }
        }
    }
    let prefix = prefix_of(event_source);
    let catalog = Catalog::bundled();
    let Some(service) = catalog.service(&prefix) else {
        return Mapping::Unknown(format!(
            "the service catalog has no service `{prefix}` (from eventSource `{event_source}`)"
        ));
    };
    match service.action(stripped) {
        Some(a) => Mapping::Actions(vec![a.full_name()]),
        None => Mapping::Unknown(format!(
            "`{prefix}:{stripped}` is not an action of {} and the event-to-action table has no entry for `{event_name}`",
            service.name
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> bool {
        false
    }

    #[test]
    fn table_reads_cleanly_and_names_catalog_actions() {
        let t = table();
        assert!(t.bad_lines.is_empty(), "bad lines {:?}", t.bad_lines);
        assert!(!t.entries.is_empty());
        let catalog = Catalog::bundled();
        let mut entries: Vec<_> = t.entries.values().flatten().collect();
        entries.sort_by(|a, b| a.note.cmp(&b.note));
        for e in entries {
            for a in e.actions.iter().flatten() {
                assert!(catalog.action(a).is_some(), "{a} is not in the catalog");
            }
        }
    }

    #[test]
    fn s3_event_names_that_differ_from_actions() {
        let m = |name: &str| map_call("s3.amazonaws.com", name, Some("AwsApiCall"), &none);
        assert_eq!(
            m("ListObjects"),
            Mapping::Actions(vec!["s3:ListBucket".into()])
        );
        assert_eq!(
            m("ListObjectsV2"),
            Mapping::Actions(vec!["s3:ListBucket".into()])
        );
        assert_eq!(
            m("HeadObject"),
            Mapping::Actions(vec!["s3:GetObject".into()])
        );
        assert_eq!(
            m("GetObject"),
            Mapping::Actions(vec!["s3:GetObject".into()])
        );
        let versioned = map_call(
            "s3.amazonaws.com",
            "GetObject",
            Some("AwsApiCall"),
            &|k: &str| k == "versionId",
        );
        assert_eq!(
            versioned,
            Mapping::Actions(vec!["s3:GetObjectVersion".into()])
        );
        let both = map_call(
            "sts.amazonaws.com",
            "AssumeRole",
            Some("AwsApiCall"),
            &|k: &str| k == "tags" || k == "sourceIdentity",
        );
        let Mapping::Actions(actions) = both else {
            panic!("{both:?}")
        };
        assert!(
            actions.contains(&"sts:TagSession".to_owned()),
            "{actions:?}"
        );
        assert!(
            actions.contains(&"sts:SetSourceIdentity".to_owned()),
            "{actions:?}"
        );
        assert_eq!(actions[0], "sts:AssumeRole");
    }

    #[test]
    fn prefixes_and_versioned_names() {
        assert_eq!(prefix_of("monitoring.amazonaws.com"), "cloudwatch");
        assert_eq!(prefix_of("kms.amazonaws.com"), "kms");
        assert_eq!(
            strip_version("UpdateFunctionCode20150331v2"),
            "UpdateFunctionCode"
        );
        assert_eq!(strip_version("ListFunctions20150331"), "ListFunctions");
        assert_eq!(
            strip_version("CreateDistribution2020_05_31"),
            "CreateDistribution"
        );
        assert_eq!(strip_version("ListObjectsV2"), "ListObjectsV2");
        assert_eq!(strip_version("GetObject"), "GetObject");
        assert_eq!(
            map_call(
                "lambda.amazonaws.com",
                "UpdateFunctionCode20150331v2",
                None,
                &none
            ),
            Mapping::Actions(vec!["lambda:UpdateFunctionCode".into()])
        );
        assert_eq!(
            map_call("monitoring.amazonaws.com", "PutMetricData", None, &none),
            Mapping::Actions(vec!["cloudwatch:PutMetricData".into()])
        );
    }

    #[test]
    fn calls_that_are_not_authorized_or_unknown() {
        assert!(matches!(
            map_call("sts.amazonaws.com", "GetCallerIdentity", None, &none),
            Mapping::NotAuthorized(_)
        ));
        assert!(matches!(
            map_call(
                "signin.amazonaws.com",
                "ConsoleLogin",
                Some("AwsConsoleSignIn"),
                &none
            ),
            Mapping::NotAuthorized(_)
        ));
        assert!(matches!(
            map_call(
                "ec2.amazonaws.com",
                "SharedSnapshotVolumeCreated",
                Some("AwsServiceEvent"),
                &none
            ),
            Mapping::NotAuthorized(_)
        ));
        assert!(matches!(
            map_call("kms.amazonaws.com", "NoSuchCall", None, &none),
            Mapping::Unknown(_)
        ));
        assert!(matches!(
            map_call("nosuch.amazonaws.com", "Foo", None, &none),
            Mapping::Unknown(_)
        ));
    }
}
