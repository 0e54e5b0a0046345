//! The CloudTrail console's "Download events" CSV.
//!
//! Sixteen columns (product.md §3): `User name, AWS access key, Event time, Event source,
//! Event name, AWS region, Source IP address, User agent, Error code, Resources, Request ID,
//! Event ID, Read-only, Event type, Recipient Account Id, Event category`. The file has no
//! error message, no principal ARN and no request parameters, so events read from it carry
//! only the user name and an unknown deny kind; callers say so where it limits an answer.
//! Columns are found by their header names, so a reordered or trimmed export still reads.

use std::io::Read;
use std::sync::Arc;

use iamwhy_core::time::parse_date;

use crate::event::{Event, EventResource, UserIdentity};
use crate::scan::Origin;

/// The header names this reader understands, lower-case.
const COLUMNS: [&str; 16] = [
    "user name",
    "aws access key",
    "event time",
    "event source",
    "event name",
    "aws region",
    "source ip address",
    "user agent",
    "error code",
    "resources",
    "request id",
    "event id",
    "read-only",
    "event type",
    "recipient account id",
    "event category",
];

/// Reads every row, calling `each` with the event (or why the row was skipped) and where it
/// was. Returns the bytes read.
pub fn read(
    input: &mut dyn Read,
    file: &Arc<str>,
    each: &mut dyn FnMut(Result<Event, String>, Origin),
) -> u64 {
    read_rows(
        input,
        file,
        |h| {
            COLUMNS
                .iter()
                .map(|name| {
                    h.iter().position(|c| {
                        c.trim()
                            .trim_start_matches('\u{feff}')
                            .eq_ignore_ascii_case(name)
                    })
                })
                .collect::<Vec<Option<usize>>>()
        },
        |row, columns| row_event(row, columns),
        each,
    )
}

/// The row loop of a CSV with a header, shared by the console's download and Athena's
/// results: `columns` reads the header once, `row` makes the event of each row with it; an
/// unreadable header or row is reported to `each` with its line, and reading goes on after a
/// bad row (not after an I/O error). Returns the bytes read.
pub(crate) fn read_rows<C>(
    input: &mut dyn Read,
    file: &Arc<str>,
    columns: impl FnOnce(&csv::StringRecord) -> C,
    row: impl Fn(&csv::StringRecord, &C) -> Result<Event, String>,
    each: &mut dyn FnMut(Result<Event, String>, Origin),
) -> u64 {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(input);
    let columns = match reader.headers() {
        Ok(h) => columns(h),
        Err(e) => {
            let origin = Origin {
                file: Arc::clone(file),
                line: 1,
                column: 1,
                offset: 0,
            };
            each(Err(format!("cannot read the CSV header: {e}")), origin);
            return 0;
        }
    };
    let mut record = csv::StringRecord::new();
    loop {
        let pos = reader.position().clone();
        let origin = Origin {
            file: Arc::clone(file),
            line: pos.line(),
            column: 1,
            offset: pos.byte(),
        };
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => each(row(&record, &columns), origin),
            Err(e) => {
                let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                each(Err(format!("CSV row skipped: {e}")), origin);
                if fatal {
                    break;
                }
            }
        }
    }
    reader.position().byte()
}

fn row_event(row: &csv::StringRecord, columns: &[Option<usize>]) -> Result<Event, String> {
    let get = |i: usize| -> Option<String> {
        let v = row.get(columns.get(i).copied().flatten()?)?.trim();
        (!v.is_empty()).then(|| v.to_owned())
    };
    let event_time = get(2).ok_or("the row has no `Event time`")?;
    let time = parse_date(&event_time)
        .ok_or_else(|| format!("`Event time` `{event_time}` is not an ISO 8601 time"))?;
    Ok(Event {
        time,
        event_time,
        event_source: get(3).ok_or("the row has no `Event source`")?,
        event_name: get(4).ok_or("the row has no `Event name`")?,
        aws_region: get(5).unwrap_or_default(),
        error_code: get(8),
        error_message: None,
        user_identity: UserIdentity {
            user_name: get(0),
            access_key_id: get(1),
            account_id: get(14),
            ..UserIdentity::default()
        },
        source_ip_address: get(6),
        user_agent: get(7),
        request_parameters: None,
        resources: get(9).map(|r| resources(&r)).unwrap_or_default(),
        vpc_endpoint_id: None,
        event_id: get(11),
        request_id: get(10),
        shared_event_id: None,
        event_type: get(13),
        event_category: get(15),
        read_only: get(12).and_then(|r| match r.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }),
        recipient_account_id: get(14),
        issued_access_key_id: None,
    })
}

/// The `Resources` cell: a JSON list of `{"resourceType", "resourceName"}` objects in the
/// console's export; anything else is kept as one resource name.
fn resources(cell: &str) -> Vec<EventResource> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(cell)
    else {
        return vec![EventResource::named(cell.to_owned(), None)];
    };
    items
        .iter()
        .filter_map(|item| {
            let obj = item.as_object()?;
            let find = |key: &str| {
                obj.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .and_then(|(_, v)| v.as_str())
                    .map(str::to_owned)
            };
            Some(EventResource::named(
                find("resourceName")?,
                find("resourceType"),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_events() {
        let text = "User name,AWS access key,Event time,Event source,Event name,AWS region,Source IP address,User agent,Error code,Resources,Request ID,Event ID,Read-only,Event type,Recipient Account Id,Event category\n\
alice,AKIAIOSFODNN7EXAMPLE,2026-11-20T10:05:03Z,s3.amazonaws.com,GetObject,us-east-1,203.0.113.5,\"aws-cli/2, x\",AccessDenied,\"[{\"\"resourceType\"\":\"\"AWS::S3::Bucket\"\",\"\"resourceName\"\":\"\"acme-reports\"\"}]\",R1,E1,true,AwsApiCall,111122223333,Data\n\
bob,,not a time,s3.amazonaws.com,GetObject,us-east-1,,,,,,E2,,,,\n";
        let file: Arc<str> = Arc::from("t.csv");
        let mut events = Vec::new();
        let mut errors = Vec::new();
        read(&mut text.as_bytes(), &file, &mut |e, o| match e {
            Ok(e) => events.push(e),
            Err(m) => errors.push((o.line, m)),
        });
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(e.user_identity.user_name.as_deref(), Some("alice"));
        assert_eq!(e.error_code.as_deref(), Some("AccessDenied"));
        assert_eq!(e.user_agent.as_deref(), Some("aws-cli/2, x"));
        assert_eq!(e.resources[0].name.as_deref(), Some("acme-reports"));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, 3);
    }
}
