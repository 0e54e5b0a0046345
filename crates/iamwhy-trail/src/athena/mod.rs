//! Organization trails at any size: Athena does the scan where the logs are, iamwhy reasons
//! over the few records it brings back.
//!
//! * [`ddl`] writes the `CREATE EXTERNAL TABLE` of a trail bucket (the Athena User Guide's
//!   CloudTrail table, [`schema`], partitioned by account, Region and day with partition
//!   projection);
//! * [`query`] writes the Trino SQL that selects the denials `trail denied` would list (the
//!   same denial codes, the same principal matching, the filters pushed down to partitions);
//! * [`results`] reads the CSV Athena gives for a query (from the console, the S3 output
//!   location or `GetQueryResults`) back into [`Event`](crate::Event)s, with
//!   [`struct_text`] for the struct and array columns Athena prints as `{name=value, …}`.
//!
//! Nothing here talks to AWS: `iamwhy-collect` runs the query.

pub mod ddl;
pub mod query;
pub mod results;
pub mod schema;
pub mod struct_text;

/// A value `athena ddl` or `athena query` cannot put in a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AthenaError {
    option: &'static str,
    value: String,
    expected: &'static str,
}

impl AthenaError {
    fn invalid(option: &'static str, value: &str, expected: &'static str) -> AthenaError {
        AthenaError {
            option,
            value: value.to_owned(),
            expected,
        }
    }
}

impl std::fmt::Display for AthenaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`--{}` `{}` cannot be used: expected {}",
            self.option, self.value, self.expected
        )
    }
}

impl std::error::Error for AthenaError {}

/// Athena's names of databases and tables: letters, digits and underscores
/// (<https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html>).
fn check_identifier(option: &'static str, name: &str) -> Result<(), AthenaError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(AthenaError::invalid(
            option,
            name,
            "a name of letters, digits and underscores",
        ))
    }
}

fn check_account(account: &str) -> Result<(), AthenaError> {
    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(AthenaError::invalid(
            "account",
            account,
            "a twelve-digit account id",
        ))
    }
}

fn check_region(region: &str) -> Result<(), AthenaError> {
    let ok = !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(AthenaError::invalid(
            "region",
            region,
            "a Region name such as `us-east-1`",
        ))
    }
}

/// `db.table` with each part in `quote`s (backticks in DDL, double quotes in Trino SQL).
fn qualified(database: Option<&str>, table: &str, quote: char) -> String {
    match database {
        Some(db) => format!("{quote}{db}{quote}.{quote}{table}{quote}"),
        None => format!("{quote}{table}{quote}"),
    }
}
