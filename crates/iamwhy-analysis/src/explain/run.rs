//! `iamwhy explain` as a whole: the denied records of a log grouped into incidents and each
//! explained, or every message of a paste; what could not be explained is kept, with its
//! errors, beside what could. The binary only prints the result.

use iamwhy_core::{Diagnostics, SourceMap};
use iamwhy_snapshot::Snapshot;
use iamwhy_trail::Stats;
use iamwhy_trail::filter::Filter;
use serde::Serialize;

use super::answer::{MessageAnswer, answer_messages};
use super::{Incident, Record, explain_messages, explain_records, group};

/// What `explain` reports (its `--format json`).
#[derive(Clone, Debug, Serialize)]
pub struct ExplainReport {
    /// The incidents explained, in time order.
    pub incidents: Vec<Incident>,
    /// Incidents found but not explained (`--max`).
    #[serde(skip_serializing_if = "is_zero")]
    pub not_shown: usize,
    /// Some inputs could not be used: records that failed, or files and records the scan
    /// skipped (exit 3). Absent when every input was used.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    /// The incidents that could not be explained.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<Failure>,
    /// Files and records the scan could not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<Skipped>,
}

impl ExplainReport {
    /// A report of `incidents`, with nothing left out.
    pub fn of(incidents: Vec<Incident>) -> ExplainReport {
        ExplainReport {
            incidents,
            not_shown: 0,
            partial: false,
            failures: Vec::new(),
            skipped: None,
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// An incident that could not be explained.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    /// `file:line` of the record.
    pub at: String,
    /// `service:EventName`.
    pub call: String,
    /// The errors, in words.
    pub errors: Vec<String>,
}

impl std::fmt::Display for Failure {
    /// `service:EventName at file:line: error; error`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at {}: {}",
            self.call,
            self.at,
            self.errors.join("; ")
        )
    }
}

/// What a partial scan skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Files that could not be read.
    pub files: u64,
    /// Records that could not be read.
    pub records: u64,
}

impl Skipped {
    /// What the scan skipped, when it skipped anything.
    pub fn of(stats: &Stats) -> Option<Skipped> {
        stats.is_partial().then_some(Skipped {
            files: stats.files_skipped,
            records: stats.malformed,
        })
    }
}

/// The records of a log, explained.
#[derive(Clone, Debug)]
pub struct LogExplained {
    /// The report.
    pub report: ExplainReport,
    /// For each of the report's failures, in order: the record's `eventName` and the errors
    /// with their locations.
    pub errors: Vec<(String, Diagnostics)>,
}

/// Explains the records of a log: groups them into incidents (a denied call and the failed
/// calls AWS services made for it), keeps the incidents with a record that passes `filter`,
/// and explains the first `max`. `skipped` is what the scan could not read.
pub fn explain_log(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    mut records: Vec<Record>,
    filter: &Filter,
    max: usize,
    fixes: bool,
    skipped: Option<Skipped>,
) -> LogExplained {
    records.sort_by_key(|r| (r.event.time, r.origin.offset));
    let mut groups: Vec<(usize, Vec<usize>)> = group(&records)
        .into_iter()
        .filter(|(p, linked)| {
            std::iter::once(p).chain(linked).any(|i| {
                records
                    .get(*i)
                    .is_some_and(|r| filter.matches(&r.event, &r.event.denial()))
            })
        })
        .collect();
    let not_shown = groups.len().saturating_sub(max);
    groups.truncate(max);
    let mut incidents = Vec::new();
    let mut failures = Vec::new();
    let mut errors = Vec::new();
    for (primary, linked) in groups {
        let Some(p) = records.get(primary) else {
            continue;
        };
        let linked: Vec<&Record> = linked.iter().filter_map(|i| records.get(*i)).collect();
        match explain_records(snapshot, map, p, &linked, fixes) {
            Ok(inc) => incidents.push(inc),
            Err(e) => {
                failures.push(Failure {
                    at: format!("{}:{}", p.origin.file, p.origin.line),
                    call: p.event.action_label(),
                    errors: e.iter().map(|d| d.message.clone()).collect(),
                });
                errors.push((p.event.event_name.clone(), e));
            }
        }
    }
    LogExplained {
        report: ExplainReport {
            incidents,
            not_shown,
            partial: !failures.is_empty() || skipped.is_some(),
            failures,
            skipped,
        },
        errors,
    }
}

/// The messages of a paste, explained.
#[derive(Clone, Debug)]
pub struct PasteExplained {
    /// The messages the snapshot could evaluate, in order.
    pub incidents: Vec<Incident>,
    /// The others: their place among the paste's messages, and why.
    pub failed: Vec<(usize, Diagnostics)>,
}

impl PasteExplained {
    /// Why the snapshot could not evaluate the failed messages, one reason per error.
    pub fn why(&self) -> Vec<String> {
        self.failed
            .iter()
            .flat_map(|(_, e)| e.iter().map(|d| d.message.clone()))
            .collect()
    }

    /// What each failed message of `text` (the paste) establishes alone.
    pub fn unanswered(&self, text: &str) -> Vec<MessageAnswer> {
        let all = answer_messages(text);
        self.failed
            .iter()
            .filter_map(|(i, _)| all.get(*i).cloned())
            .collect()
    }
}

/// Explains every AccessDenied message of a paste against the snapshot.
pub fn explain_paste(
    snapshot: &Snapshot,
    map: &mut SourceMap,
    text: &str,
    fixes: bool,
) -> PasteExplained {
    let mut out = PasteExplained {
        incidents: Vec::new(),
        failed: Vec::new(),
    };
    for (i, r) in explain_messages(snapshot, map, text, fixes)
        .into_iter()
        .enumerate()
    {
        match r {
            Ok(inc) => out.incidents.push(inc),
            Err(e) => out.failed.push((i, e)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_without_omissions_serialises_only_its_incidents() {
        let json = serde_json::to_value(ExplainReport::of(Vec::new())).unwrap();
        assert_eq!(json, serde_json::json!({"incidents": []}));
    }

    #[test]
    fn a_partial_report_says_what_was_left_out() {
        let report = ExplainReport {
            incidents: Vec::new(),
            not_shown: 2,
            partial: true,
            failures: vec![Failure {
                at: "t.json:3".to_owned(),
                call: "s3:GetObject".to_owned(),
                errors: vec!["no principal".to_owned()],
            }],
            skipped: Some(Skipped {
                files: 1,
                records: 0,
            }),
        };
        assert_eq!(
            report.failures[0].to_string(),
            "s3:GetObject at t.json:3: no principal"
        );
        assert_eq!(
            serde_json::to_value(report).unwrap(),
            serde_json::json!({
                "incidents": [],
                "not_shown": 2,
                "partial": true,
                "failures": [{"at": "t.json:3", "call": "s3:GetObject", "errors": ["no principal"]}],
                "skipped": {"files": 1, "records": 0},
            })
        );
    }

    #[test]
    fn a_scan_that_skipped_nothing_has_no_skipped() {
        assert_eq!(Skipped::of(&Stats::default()), None);
        let stats = Stats {
            files: 2,
            files_skipped: 1,
            malformed: 3,
            ..Stats::default()
        };
        assert_eq!(
            Skipped::of(&stats),
            Some(Skipped {
                files: 1,
                records: 3
            })
        );
    }
}
