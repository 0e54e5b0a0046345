//! The CSV Athena gives for a query — the console's download, the file in the query's S3
//! output location, `aws athena get-query-results` written out — read back into events.
//!
//! Recognised by its header: the table's column names (`eventtime`, `eventsource`,
//! `eventname`, …, as `SELECT *` gives them) or the names [`super::query::SELECTED`] gives
//! (`useridentity_arn`, `sessionissuer_arn`, …). Columns are found by name, so any subset in
//! any order reads; unknown columns (the partitions `account`, `region`, `timestamp`) are
//! ignored. Athena quotes every value and leaves a missing one empty; an empty cell is read
//! as missing. Struct and array columns (`useridentity`, `resources`, …) arrive as Athena's
//! text and are read by [`super::struct_text`]; `requestparameters` is the JSON text of the
//! record's object.
//!
//! Each row is rebuilt into the record CloudTrail wrote (its JSON keys) and read by
//! [`Event::from_json`], so an event from Athena is the event from the log file, less what
//! the query did not select: `responseElements`, `additionalEventData`, `serviceEventDetails`
//! and `tlsDetails` (which no analysis reads).

use std::io::Read;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::query::SELECTED;
use super::schema::{self, Field, Type};
use super::struct_text;
use crate::event::Event;
use crate::scan::Origin;

/// Whether a CSV header line is an Athena result of the CloudTrail table.
pub fn is_header(line: &str) -> bool {
    let names: Vec<String> = line
        .split(',')
        .map(|c| {
            c.trim()
                .trim_start_matches('\u{feff}')
                .trim_matches('"')
                .to_ascii_lowercase()
        })
        .collect();
    ["eventtime", "eventsource", "eventname"]
        .iter()
        .all(|n| names.iter().any(|c| c == n))
}

/// Where a column's value goes in the rebuilt record.
struct Target {
    /// The header as written, for messages.
    header: String,
    /// The fields from the record's root to the value.
    path: Vec<&'static Field>,
}

fn target(header: &str) -> Option<Target> {
    let name = header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase();
    let steps: Vec<&str> = match SELECTED.iter().find(|(alias, _)| *alias == name) {
        Some((_, path)) => path.to_vec(),
        None => vec![name.as_str()],
    };
    Some(Target {
        header: header.to_owned(),
        path: schema::path(&steps)?,
    })
}

/// The value of one cell, as the record holds it.
fn cell_value(text: &str, ty: Type) -> Result<Value, String> {
    match ty {
        Type::String | Type::Map => Ok(Value::String(text.to_owned())),
        Type::Json => {
            Ok(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())))
        }
        Type::Struct(_) | Type::ArrayOf(_) => {
            struct_text::parse(text, ty).map_err(|e| e.to_string())
        }
    }
}

/// Puts `value` at `path` in `record`, making the structs on the way.
fn insert(record: &mut Map<String, Value>, path: &[&'static Field], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = record;
    for step in parents {
        let slot = at
            .entry(step.json.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(inner) = slot else {
            return;
        };
        at = inner;
    }
    match (at.get_mut(last.json), value) {
        // A struct column and its fields selected one by one: both land in one object.
        (Some(Value::Object(existing)), Value::Object(more)) => existing.extend(more),
        (_, value) => {
            at.insert(last.json.to_owned(), value);
        }
    }
}

/// Rebuilds one row into a record and reads it.
fn row_event(row: &csv::StringRecord, targets: &[Option<Target>]) -> Result<Event, String> {
    let mut record = Map::new();
    for (cell, target) in row.iter().zip(targets) {
        let Some(target) = target else { continue };
        if cell.is_empty() {
            continue;
        }
        let Some(leaf) = target.path.last() else {
            continue;
        };
        let value =
            cell_value(cell, leaf.ty).map_err(|e| format!("column `{}`: {e}", target.header))?;
        if !value.is_null() {
            insert(&mut record, &target.path, value);
        }
    }
    let bytes = serde_json::to_vec(&Value::Object(record)).map_err(|e| e.to_string())?;
    Event::from_json(&bytes)
}

/// Reads every row, calling `each` with the event (or why the row was skipped) and where it
/// was. Returns the bytes read.
pub fn read(
    input: &mut dyn Read,
    file: &Arc<str>,
    each: &mut dyn FnMut(Result<Event, String>, Origin),
) -> u64 {
    crate::console_csv::read_rows(
        input,
        file,
        |h| h.iter().map(target).collect::<Vec<Option<Target>>>(),
        |row, targets| row_event(row, targets),
        each,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> (Vec<Event>, Vec<(u64, String)>) {
        let file: Arc<str> = Arc::from("r.csv");
        let mut events = Vec::new();
        let mut errors = Vec::new();
        read(&mut text.as_bytes(), &file, &mut |e, o| match e {
            Ok(e) => events.push(e),
            Err(m) => errors.push((o.line, m)),
        });
        (events, errors)
    }

    #[test]
    fn select_star_rows_with_struct_text() {
        let text = "\"eventversion\",\"useridentity\",\"eventtime\",\"eventsource\",\"eventname\",\"awsregion\",\"errorcode\",\"errormessage\",\"requestparameters\",\"resources\",\"readonly\",\"account\"\n\
\"1.08\",\"{type=IAMUser, principalid=AIDAEXAMPLE, arn=arn:aws:iam::111122223333:user/alice, accountid=111122223333, invokedby=null, accesskeyid=AKIAIOSFODNN7EXAMPLE, username=alice, onbehalfof=null, sessioncontext=null}\",\"2026-11-20T10:05:03Z\",\"s3.amazonaws.com\",\"GetObject\",\"us-east-1\",\"AccessDenied\",\"User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:GetObject\",\"{\"\"bucketName\"\":\"\"reports\"\",\"\"key\"\":\"\"q3.csv\"\"}\",\"[{arn=arn:aws:s3:::reports/q3.csv, accountid=111122223333, type=AWS::S3::Object}]\",\"true\",\"111122223333\"\n\
\"1.08\",\"{type=oops\",\"2026-11-20T10:05:03Z\",\"s3.amazonaws.com\",\"GetObject\",,,,,,,\n";
        let (events, errors) = events(text);
        assert_eq!(events.len(), 1, "{errors:?}");
        let e = &events[0];
        assert_eq!(
            e.user_identity.arn.as_deref(),
            Some("arn:aws:iam::111122223333:user/alice")
        );
        assert_eq!(e.read_only, Some(true));
        assert!(e.is_denied());
        assert_eq!(e.first_resource(), Some("arn:aws:s3:::reports/q3.csv"));
        assert!(
            e.request_parameters
                .as_ref()
                .is_some_and(|r| r.get().contains("q3.csv"))
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, 3);
        assert!(
            errors[0].1.contains("column `useridentity`"),
            "{:?}",
            errors[0]
        );
    }

    #[test]
    fn flattened_columns_of_the_query() {
        let text = "\"eventtime\",\"eventsource\",\"eventname\",\"useridentity_type\",\"useridentity_arn\",\"sessionissuer_arn\",\"session_mfaauthenticated\",\"resources\"\n\
\"2026-11-20T10:05:03Z\",\"kms.amazonaws.com\",\"Decrypt\",\"AssumedRole\",\"arn:aws:sts::111122223333:assumed-role/App/s\",\"arn:aws:iam::111122223333:role/App\",\"true\",\"[]\"\n";
        let (events, errors) = events(text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            events[0].issuer_arn(),
            Some("arn:aws:iam::111122223333:role/App")
        );
        assert_eq!(
            events[0]
                .user_identity
                .session_context
                .as_ref()
                .and_then(|s| s.mfa_authenticated),
            Some(true)
        );
        assert!(is_header("\"eventtime\",\"eventsource\",\"eventname\""));
        assert!(!is_header("Event time,Event source,Event name"));
    }
}
