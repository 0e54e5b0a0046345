//! `iamwhy athena run`: runs a query (the SQL of `iamwhy athena query`) with Athena and
//! writes its result as the CSV Athena itself writes, for iamwhy's log pipeline to read.
//!
//! The calls: `StartQueryExecution`, then `GetQueryExecution` polled with a growing pause
//! (0.2 s doubling to 5 s) until the query leaves `QUEUED`/`RUNNING` or the time allowed runs
//! out — then `StopQueryExecution`, so that an abandoned query is not paid for — then
//! `GetQueryResults` page after page (1,000 rows each, the most Athena gives)
//! (<https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html>,
//! <https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryExecution.html>,
//! <https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html>).
//! The first row of the first page is the header. Rows are written as they arrive; nothing
//! is held but one page.

use std::io::Write;
use std::time::Duration;

use aws_sdk_athena::types::{
    QueryExecutionContext, QueryExecutionState, ResultConfiguration, ResultSet,
};

use crate::config::{Options, base_config};

/// What `athena run` is asked to do.
#[derive(Clone, Debug)]
pub struct AthenaOptions {
    /// The SQL.
    pub sql: String,
    /// The workgroup.
    pub workgroup: String,
    /// The database, if not the workgroup's default.
    pub database: Option<String>,
    /// Where Athena writes the result, if the workgroup does not say.
    pub output_location: Option<String>,
    /// The named profile of the shared files.
    pub profile: Option<String>,
    /// The Region of the workgroup.
    pub region: Option<String>,
    /// Another endpoint (tests, VPC endpoints).
    pub endpoint_url: Option<String>,
    /// How long to wait for the query to finish.
    pub timeout: Duration,
    /// The longest pause between two polls.
    pub max_poll: Duration,
}

/// Athena's price per terabyte scanned in most Regions, in US dollars, and the 10 MB each
/// query is billed at least (<https://aws.amazon.com/athena/pricing/>).
pub const USD_PER_TB: f64 = 5.0;
/// The least a query is billed for.
pub const MIN_BILLED_BYTES: u64 = 10 * 1_000_000;

/// What a finished query reports.
#[derive(Clone, Debug, Default)]
pub struct AthenaReport {
    /// The query execution id.
    pub query_id: String,
    /// Rows written (the header not counted).
    pub rows: u64,
    /// Pages of `GetQueryResults` read.
    pub pages: u64,
    /// Polls of `GetQueryExecution`.
    pub polls: u64,
    /// `Statistics.DataScannedInBytes`.
    pub data_scanned_bytes: Option<u64>,
    /// `Statistics.EngineExecutionTimeInMillis`.
    pub engine_millis: Option<u64>,
    /// Where Athena wrote the result.
    pub output_location: Option<String>,
}

impl AthenaReport {
    /// The cost at [`USD_PER_TB`], with the [`MIN_BILLED_BYTES`] minimum.
    pub fn cost_usd(&self) -> Option<f64> {
        let bytes = self.data_scanned_bytes?.max(MIN_BILLED_BYTES);
        let tb = bytes as f64 / 1e12;
        Some(tb * USD_PER_TB)
    }
}

/// Why a query gave no result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AthenaError {
    /// `StartQueryExecution` was refused.
    #[error("Athena did not start the query: {0}")]
    Start(String),
    /// A call failed while the query ran.
    #[error("`{call}` failed for query {query_id}: {reason}")]
    Call {
        /// The API call.
        call: &'static str,
        /// The query.
        query_id: String,
        /// AWS's error.
        reason: String,
    },
    /// The query ended `FAILED`.
    #[error("query {query_id} failed: {reason}")]
    Failed {
        /// The query.
        query_id: String,
        /// Athena's reason (`StateChangeReason`, `AthenaError`).
        reason: String,
    },
    /// The query ended `CANCELLED` (by someone, or by Athena).
    #[error("query {query_id} was cancelled: {reason}")]
    Cancelled {
        /// The query.
        query_id: String,
        /// Athena's reason.
        reason: String,
    },
    /// The query did not finish in time.
    #[error("query {query_id} did not finish within {waited_secs} s (still {state}); {stopped}")]
    Timeout {
        /// The query.
        query_id: String,
        /// How long iamwhy waited.
        waited_secs: u64,
        /// The last state seen.
        state: String,
        /// Whether `StopQueryExecution` stopped it, in words.
        stopped: String,
    },
    /// The result could not be written.
    #[error("cannot write the result: {0}")]
    Write(#[from] std::io::Error),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

/// AWS's error code and message when the service answered, else each cause's text.
fn describe<E>(e: &aws_sdk_athena::error::SdkError<E>) -> String
where
    E: aws_sdk_athena::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match e.as_service_error() {
        Some(service) => match (service.code(), service.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            _ => crate::call::chain(e),
        },
        None => crate::call::chain(e),
    }
}

/// One CSV line as Athena writes it: every value in double quotes (quotes doubled), a
/// missing value empty.
fn write_row(out: &mut dyn Write, cells: &[Option<&str>]) -> std::io::Result<()> {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        if let Some(v) = cell {
            line.push('"');
            line.push_str(&v.replace('"', "\"\""));
            line.push('"');
        }
    }
    line.push('\n');
    out.write_all(line.as_bytes())
}

fn write_page(out: &mut dyn Write, page: &ResultSet, skip_first: bool) -> std::io::Result<u64> {
    let mut rows = 0u64;
    for (i, row) in page.rows().iter().enumerate() {
        let cells: Vec<Option<&str>> = row.data().iter().map(|d| d.var_char_value()).collect();
        write_row(out, &cells)?;
        if !(skip_first && i == 0) {
            rows = rows.saturating_add(1);
        }
    }
    Ok(rows)
}

/// Runs the query and writes its result (header first) to `out`. Blocks until done.
pub fn run(opts: &AthenaOptions, out: &mut dyn Write) -> Result<AthenaReport, AthenaError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AthenaError::Runtime(e.to_string()))?;
    rt.block_on(run_async(opts, out))
}

async fn run_async(opts: &AthenaOptions, out: &mut dyn Write) -> Result<AthenaReport, AthenaError> {
    let mut base = Options::new(std::path::PathBuf::new());
    base.profile.clone_from(&opts.profile);
    base.endpoint_url.clone_from(&opts.endpoint_url);
    base.regions = opts.region.iter().cloned().collect();
    let config = base_config(&base).await;
    let client = aws_sdk_athena::Client::new(&config);

    let mut start = client
        .start_query_execution()
        .query_string(&opts.sql)
        .work_group(&opts.workgroup);
    if let Some(db) = &opts.database {
        start =
            start.query_execution_context(QueryExecutionContext::builder().database(db).build());
    }
    if let Some(loc) = &opts.output_location {
        start =
            start.result_configuration(ResultConfiguration::builder().output_location(loc).build());
    }
    let started = start
        .send()
        .await
        .map_err(|e| AthenaError::Start(describe(&e)))?;
    let query_id = started
        .query_execution_id()
        .ok_or_else(|| AthenaError::Start("no query execution id in the answer".to_owned()))?
        .to_owned();
    let mut report = AthenaReport {
        query_id: query_id.clone(),
        ..AthenaReport::default()
    };

    let began = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(200);
    loop {
        let got = client
            .get_query_execution()
            .query_execution_id(&query_id)
            .send()
            .await
            .map_err(|e| AthenaError::Call {
                call: "GetQueryExecution",
                query_id: query_id.clone(),
                reason: describe(&e),
            })?;
        report.polls = report.polls.saturating_add(1);
        let execution = got.query_execution();
        let status = execution.and_then(|x| x.status());
        let state = status.and_then(|s| s.state()).cloned();
        let reason = || {
            let mut words: Vec<String> = Vec::new();
            if let Some(r) = status.and_then(|s| s.state_change_reason()) {
                words.push(r.to_owned());
            }
            if let Some(e) = status.and_then(|s| s.athena_error()) {
                if let Some(t) = e.error_type() {
                    words.push(format!("error type {t}"));
                }
                if let Some(m) = e.error_message() {
                    words.push(m.to_owned());
                }
            }
            if words.is_empty() {
                "Athena gave no reason".to_owned()
            } else {
                words.join("; ")
            }
        };
        match state {
            Some(QueryExecutionState::Succeeded) => {
                let stats = execution.and_then(|x| x.statistics());
                report.data_scanned_bytes = stats
                    .and_then(|s| s.data_scanned_in_bytes())
                    .and_then(|b| u64::try_from(b).ok());
                report.engine_millis = stats
                    .and_then(|s| s.engine_execution_time_in_millis())
                    .and_then(|b| u64::try_from(b).ok());
                report.output_location = execution
                    .and_then(|x| x.result_configuration())
                    .and_then(|r| r.output_location())
                    .map(str::to_owned);
                break;
            }
            Some(QueryExecutionState::Failed) => {
                return Err(AthenaError::Failed {
                    query_id,
                    reason: reason(),
                });
            }
            Some(QueryExecutionState::Cancelled) => {
                return Err(AthenaError::Cancelled {
                    query_id,
                    reason: reason(),
                });
            }
            _ => {}
        }
        let waited = began.elapsed();
        if waited >= opts.timeout {
            let stopped = match client
                .stop_query_execution()
                .query_execution_id(&query_id)
                .send()
                .await
            {
                Ok(_) => "iamwhy stopped it (StopQueryExecution); raise `--timeout` to wait longer"
                    .to_owned(),
                Err(e) => format!("and it could not be stopped: {}", describe(&e)),
            };
            return Err(AthenaError::Timeout {
                query_id,
                waited_secs: waited.as_secs(),
                state: state.map_or_else(|| "unknown".to_owned(), |s| s.as_str().to_owned()),
                stopped,
            });
        }
        let left = opts.timeout.saturating_sub(waited);
        tokio::time::sleep(pause.min(left)).await;
        pause = pause.saturating_mul(2).min(opts.max_poll);
    }

    let mut token: Option<String> = None;
    loop {
        let page = client
            .get_query_results()
            .query_execution_id(&query_id)
            .max_results(1000)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AthenaError::Call {
                call: "GetQueryResults",
                query_id: query_id.clone(),
                reason: describe(&e),
            })?;
        let first = report.pages == 0;
        report.pages = report.pages.saturating_add(1);
        if let Some(set) = page.result_set() {
            let rows = write_page(out, set, first)?;
            report.rows = report.rows.saturating_add(rows);
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => break,
        }
    }
    out.flush()?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_written_as_athena_writes_them() {
        let mut out = Vec::new();
        write_row(&mut out, &[Some("a\"b"), None, Some("")]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\"\"b\",,\"\"\n");
    }

    #[test]
    fn the_cost_has_a_ten_megabyte_minimum() {
        let small = AthenaReport {
            data_scanned_bytes: Some(1),
            ..AthenaReport::default()
        };
        let tb = AthenaReport {
            data_scanned_bytes: Some(1_000_000_000_000),
            ..AthenaReport::default()
        };
        assert!((small.cost_usd().unwrap() - 0.00005).abs() < 1e-12);
        assert!((tb.cost_usd().unwrap() - 5.0).abs() < 1e-9);
    }
}
