//! `iamwhy athena query`: the Trino SQL that selects, in a trail table made by
//! [`super::ddl`], the records `iamwhy trail denied` would list with the same filters.
//!
//! * Denials are the codes of [`crate::codes::DENIAL_CODES`], compared without case, as
//!   [`crate::is_denial_code`] does; `--all-calls` drops that condition (every call of the
//!   matched principals in the window, for `replay` and `trail timeline`), and
//!   `--with-service-calls` adds the calls AWS services made themselves in the window, which
//!   `trail timeline` and `explain` link to the identity's calls ([`QuerySpec::service_calls`]).
//! * The filters are those of [`crate::filter::Filter`], column for column: the principal
//!   (a glob, `*` and `?`, becomes a `LIKE` pattern with `\` escaping `%`, `_` and `\`) is
//!   matched, case-sensitively, against the identity's ARN and user name, the session
//!   issuer's ARN and name, a service's `invokedBy`, and the `User name` of records without
//!   an identity type; actions and error codes without case; accounts against the caller's
//!   and the receiving account.
//! * What `trail denied` reads out of AWS's message (its principal, action and account) is
//!   matched in SQL as text anywhere in `errormessage`: a wider net than the message reader,
//!   never a narrower one. The rows come back to the same filter in iamwhy
//!   ([`crate::filter::Filter::matches`]), which removes what the wider net caught.
//! * The time window, accounts and Regions also become predicates on the partitions
//!   (`timestamp`, `account`, `region`), so that Athena lists and reads only those folders.
//!   The day folders are widened by one day on each side: a file is filed under the day it
//!   was delivered, which can follow the day of its last event
//!   (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/how-cloudtrail-works.html>).
//!   `--account` therefore also limits the scan to the account's own folders: a call by the
//!   account recorded only under another account's folder is not read.
//!
//! `eventtime` is compared as text: CloudTrail writes it as `yyyy-MM-ddTHH:mm:ssZ`, whose
//! text order is time order, and a text comparison cannot fail on a malformed value.

use std::fmt::Write as _;

use iamwhy_core::time::Instant;

use super::{AthenaError, check_account, check_identifier, check_region, qualified};
use crate::codes::DENIAL_CODES;
use crate::filter::PrincipalFilter;

/// The columns a query selects, by the names its result has, and the table path each is.
/// Struct fields are selected one by one, so that their text needs no parsing; `resources`
/// arrives as Athena's struct text.
pub const SELECTED: &[(&str, &[&str])] = &[
    ("eventtime", &["eventtime"]),
    ("eventsource", &["eventsource"]),
    ("eventname", &["eventname"]),
    ("awsregion", &["awsregion"]),
    ("errorcode", &["errorcode"]),
    ("errormessage", &["errormessage"]),
    ("useridentity_type", &["useridentity", "type"]),
    ("useridentity_arn", &["useridentity", "arn"]),
    ("useridentity_accountid", &["useridentity", "accountid"]),
    ("useridentity_principalid", &["useridentity", "principalid"]),
    ("useridentity_username", &["useridentity", "username"]),
    ("useridentity_accesskeyid", &["useridentity", "accesskeyid"]),
    ("useridentity_invokedby", &["useridentity", "invokedby"]),
    (
        "useridentity_onbehalfof_userid",
        &["useridentity", "onbehalfof", "userid"],
    ),
    (
        "sessionissuer_type",
        &["useridentity", "sessioncontext", "sessionissuer", "type"],
    ),
    (
        "sessionissuer_arn",
        &["useridentity", "sessioncontext", "sessionissuer", "arn"],
    ),
    (
        "sessionissuer_accountid",
        &[
            "useridentity",
            "sessioncontext",
            "sessionissuer",
            "accountid",
        ],
    ),
    (
        "sessionissuer_username",
        &[
            "useridentity",
            "sessioncontext",
            "sessionissuer",
            "username",
        ],
    ),
    (
        "session_mfaauthenticated",
        &[
            "useridentity",
            "sessioncontext",
            "attributes",
            "mfaauthenticated",
        ],
    ),
    (
        "session_creationdate",
        &[
            "useridentity",
            "sessioncontext",
            "attributes",
            "creationdate",
        ],
    ),
    ("sourceipaddress", &["sourceipaddress"]),
    ("useragent", &["useragent"]),
    ("requestparameters", &["requestparameters"]),
    ("resources", &["resources"]),
    ("vpcendpointid", &["vpcendpointid"]),
    ("eventid", &["eventid"]),
    ("requestid", &["requestid"]),
    ("sharedeventid", &["sharedeventid"]),
    ("eventtype", &["eventtype"]),
    ("eventcategory", &["eventcategory"]),
    ("readonly", &["readonly"]),
    ("recipientaccountid", &["recipientaccountid"]),
];

/// What `athena query` was asked for: the filters of `trail denied`, as given.
#[derive(Clone, Debug, Default)]
pub struct QuerySpec {
    /// The table.
    pub table: String,
    /// Its database, if not the workgroup's default.
    pub database: Option<String>,
    /// `--principal`: an ARN or a glob.
    pub principal: Option<String>,
    /// `--since` (inclusive).
    pub since: Option<Instant>,
    /// `--until` (inclusive).
    pub until: Option<Instant>,
    /// `--service`: prefixes or event sources.
    pub services: Vec<String>,
    /// `--action`: globs.
    pub actions: Vec<String>,
    /// `--error-code`.
    pub error_codes: Vec<String>,
    /// `--account`.
    pub accounts: Vec<String>,
    /// `--region`.
    pub regions: Vec<String>,
    /// Which calls: denials, or every call (`--all-calls`).
    pub calls: Calls,
    /// `--with-service-calls`: also, in the window and the partitions, the calls AWS services
    /// made themselves (`userIdentity.type` `AWSService`), whatever the record filters say.
    /// `trail timeline` and `explain` tie such a call to the identity's call it served
    /// ([`crate::timeline::Window::keeps`], [`crate::link`]), so their `--athena` asks for
    /// them.
    pub service_calls: bool,
}

/// Which calls a query selects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Calls {
    /// The denials, as `trail denied` lists them.
    #[default]
    Denials,
    /// Every call (`replay`, `trail timeline`).
    All,
}

/// `'text'` with quotes doubled.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A glob (`*`, `?`) as the body of a `LIKE` pattern escaped with `\`.
fn like_body(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len());
    for c in glob.chars() {
        match c {
            '*' => out.push('%'),
            '?' => out.push('_'),
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Literal text as the body of a `LIKE` pattern escaped with `\`.
fn like_literal(text: &str) -> String {
    like_body(&text.replace('*', "\u{0}").replace('?', "\u{1}"))
        .replace('\u{0}', "*")
        .replace('\u{1}', "?")
}

fn like(column: &str, body: &str) -> String {
    format!("{column} LIKE {} ESCAPE '\\'", literal(body))
}

fn in_list<'a>(column: &str, values: impl Iterator<Item = &'a str>) -> String {
    let values: Vec<String> = values.map(literal).collect();
    format!("{column} IN ({})", values.join(", "))
}

fn any_of(terms: Vec<String>) -> String {
    if terms.len() == 1 {
        terms.into_iter().next().unwrap_or_default()
    } else {
        format!("({})", terms.join("\n       OR "))
    }
}

/// The day folder (`yyyy/MM/dd`) of `t` moved by `days`.
fn day_folder(t: Instant, days: i64) -> String {
    let moved = t.checked_add_secs(days.saturating_mul(86_400)).unwrap_or(t);
    let iso = moved.to_iso8601();
    iso.get(..10).unwrap_or_default().replace('-', "/")
}

const ISSUER: &str = "useridentity.sessioncontext.sessionissuer";

/// The principal's conditions: every place [`PrincipalFilter::matches`] looks.
fn principal_terms(text: &str) -> Vec<String> {
    let body = like_body(text);
    let mut terms = vec![
        like("useridentity.arn", &body),
        like("useridentity.username", &body),
        like(&format!("{ISSUER}.arn"), &body),
        like(&format!("{ISSUER}.username"), &body),
        format!(
            "(useridentity.type = 'AWSService' AND {})",
            like("useridentity.invokedby", &body)
        ),
        like("errormessage", &format!("%{body}%")),
    ];
    if let Some(name) = PrincipalFilter::new(text).csv_name() {
        terms.push(format!(
            "(useridentity.arn IS NULL AND useridentity.type IS NULL AND {})",
            like("useridentity.username", &like_body(name))
        ));
    }
    terms
}

/// The SQL (Trino, as Athena's engine version 3 runs it).
pub fn select(spec: &QuerySpec) -> Result<String, AthenaError> {
    check_identifier("table", &spec.table)?;
    if let Some(db) = &spec.database {
        check_identifier("database", db)?;
    }
    for a in &spec.accounts {
        check_account(a)?;
    }
    let regions: Vec<String> = spec
        .regions
        .iter()
        .map(|r| r.to_ascii_lowercase())
        .collect();
    for r in &regions {
        check_region(r)?;
    }
    let mut conditions: Vec<String> = Vec::new();
    // Partitions first: what Athena prunes before reading.
    match (spec.since, spec.until) {
        (Some(s), Some(u)) => conditions.push(format!(
            "\"timestamp\" BETWEEN {} AND {}",
            literal(&day_folder(s, -1)),
            literal(&day_folder(u, 1))
        )),
        (Some(s), None) => {
            conditions.push(format!("\"timestamp\" >= {}", literal(&day_folder(s, -1))))
        }
        (None, Some(u)) => {
            conditions.push(format!("\"timestamp\" <= {}", literal(&day_folder(u, 1))))
        }
        (None, None) => {}
    }
    if !spec.accounts.is_empty() {
        conditions.push(in_list("account", spec.accounts.iter().map(String::as_str)));
    }
    if !regions.is_empty() {
        conditions.push(in_list("region", regions.iter().map(String::as_str)));
    }
    // Then the records.
    if spec.calls == Calls::Denials {
        let codes: Vec<String> = DENIAL_CODES
            .iter()
            .map(|c| c.to_ascii_lowercase())
            .collect();
        conditions.push(in_list(
            "lower(errorcode)",
            codes.iter().map(String::as_str),
        ));
    }
    if let Some(s) = spec.since {
        conditions.push(format!("eventtime >= {}", literal(&s.to_iso8601())));
    }
    if let Some(u) = spec.until {
        conditions.push(format!("eventtime <= {}", literal(&u.to_iso8601())));
    }
    // The record filters: with `service_calls`, a service's own call passes without them.
    let mut records: Vec<String> = Vec::new();
    if let Some(p) = &spec.principal {
        records.push(any_of(principal_terms(p)));
    }
    if !spec.services.is_empty() {
        let lower: Vec<String> = spec
            .services
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .collect();
        records.push(any_of(vec![
            in_list(
                "lower(split_part(eventsource, '.', 1))",
                lower.iter().map(String::as_str),
            ),
            in_list("lower(eventsource)", lower.iter().map(String::as_str)),
        ]));
    }
    if !spec.actions.is_empty() {
        let mut terms = Vec::new();
        for glob in &spec.actions {
            let body = like_body(&glob.to_ascii_lowercase());
            terms.push(like(
                "lower(split_part(eventsource, '.', 1) || ':' || eventname)",
                &body,
            ));
            terms.push(like("lower(errormessage)", &format!("%{body}%")));
        }
        records.push(any_of(terms));
    }
    if !spec.error_codes.is_empty() {
        let lower: Vec<String> = spec
            .error_codes
            .iter()
            .map(|c| c.to_ascii_lowercase())
            .collect();
        records.push(in_list(
            "lower(errorcode)",
            lower.iter().map(String::as_str),
        ));
    }
    if !spec.accounts.is_empty() {
        let mut terms = vec![
            in_list(
                "useridentity.accountid",
                spec.accounts.iter().map(String::as_str),
            ),
            in_list(
                "recipientaccountid",
                spec.accounts.iter().map(String::as_str),
            ),
        ];
        for a in &spec.accounts {
            terms.push(like("errormessage", &format!("%:{}:%", like_literal(a))));
        }
        records.push(any_of(terms));
    }
    if spec.service_calls && !records.is_empty() {
        conditions.push(format!(
            "(({})\n       OR useridentity.type = 'AWSService')",
            records.join("\n   AND ")
        ));
    } else {
        conditions.extend(records);
    }
    let mut sql = String::from("SELECT\n");
    for (i, (alias, path)) in SELECTED.iter().enumerate() {
        let expr = path.join(".");
        let sep = if i.saturating_add(1) < SELECTED.len() {
            ","
        } else {
            ""
        };
        if path.len() == 1 && path.first() == Some(alias) {
            let _ = writeln!(sql, "  {expr}{sep}");
        } else {
            let _ = writeln!(sql, "  {expr} AS {alias}{sep}");
        }
    }
    let _ = writeln!(
        sql,
        "FROM {}",
        qualified(spec.database.as_deref(), &spec.table, '"')
    );
    if !conditions.is_empty() {
        let _ = writeln!(sql, "WHERE {}", conditions.join("\n  AND "));
    }
    sql.push_str("ORDER BY eventtime, eventid\n");
    Ok(sql)
}

#[cfg(test)]
mod tests {
    use super::*;
    use iamwhy_core::time::parse_date;

    #[test]
    fn globs_become_escaped_like_patterns() {
        assert_eq!(
            like_body("arn:aws:iam::1:user/a_b*"),
            "arn:aws:iam::1:user/a\\_b%"
        );
        assert_eq!(like_body("50%?"), "50\\%_");
        assert_eq!(like_body("a\\b"), "a\\\\b");
        assert_eq!(like_literal("a*_"), "a*\\_");
        assert_eq!(literal("o'brien"), "'o''brien'");
    }

    #[test]
    fn the_window_prunes_day_folders_with_a_day_of_margin() {
        let spec = QuerySpec {
            table: "cloudtrail_logs".into(),
            since: parse_date("2026-11-20T10:00:00Z"),
            until: parse_date("2026-11-21T00:00:00Z"),
            accounts: vec!["111122223333".into()],
            regions: vec!["US-EAST-1".into()],
            ..QuerySpec::default()
        };
        let sql = select(&spec).unwrap();
        assert!(
            sql.contains("\"timestamp\" BETWEEN '2026/11/19' AND '2026/11/22'"),
            "{sql}"
        );
        assert!(sql.contains("account IN ('111122223333')"), "{sql}");
        assert!(sql.contains("region IN ('us-east-1')"), "{sql}");
        assert!(sql.contains("'accessdenied'"), "{sql}");
        assert!(sql.contains("eventtime >= '2026-11-20T10:00:00Z'"), "{sql}");
    }

    #[test]
    fn all_calls_drops_the_denial_codes_and_injection_is_refused() {
        let spec = QuerySpec {
            table: "t".into(),
            calls: Calls::All,
            principal: Some("x' OR 1=1 --".into()),
            ..QuerySpec::default()
        };
        let sql = select(&spec).unwrap();
        assert!(!sql.contains("'accessdenied'"));
        assert!(sql.contains("'x'' OR 1=1 --'"), "{sql}");
        assert!(!sql.contains("'AWSService')"), "{sql}");
        let timeline = QuerySpec {
            service_calls: true,
            services: vec!["s3".into()],
            ..spec.clone()
        };
        let sql = select(&timeline).unwrap();
        // The service's call passes without the record filters, not without the window.
        assert!(
            sql.contains("IN ('s3')))\n       OR useridentity.type = 'AWSService')"),
            "{sql}"
        );
        let bad = QuerySpec {
            table: "t\"; drop".into(),
            ..QuerySpec::default()
        };
        assert!(select(&bad).is_err());
    }
}
