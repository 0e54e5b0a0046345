//! `iamwhy athena ddl|query|run`, and `--athena` of the commands that read logs: the query
//! runs first, its result CSV joins the command's log paths.

use std::path::PathBuf;

use iamwhy_core::time::Instant;
use iamwhy_trail::athena::ddl::{TableSpec, create_table};
use iamwhy_trail::athena::query::{Calls, QuerySpec, select};

use crate::args::time_arg;
use crate::cli::{
    AthenaConn, AthenaDdlArgs, AthenaQueryArgs, AthenaRunArgs, AthenaTable, Command, DeniedArgs,
    EventFilter, TrailCommand, TrailInput,
};
use crate::exit::ExitStatus;
use crate::render::Output;

/// `iamwhy athena ddl`.
pub(crate) fn ddl(args: &AthenaDdlArgs, out: &mut Output) -> ExitStatus {
    let spec = TableSpec {
        bucket: args.bucket.clone(),
        prefix: args.prefix.clone(),
        org_id: args.org_id.clone(),
        table: args.table.table.clone(),
        database: args.table.database.clone(),
        accounts: args.accounts.clone(),
        regions: args.regions.clone(),
    };
    match create_table(&spec) {
        Ok(sql) => {
            out.result(&sql);
            ExitStatus::Success
        }
        Err(e) => {
            out.error_line(&e.to_string());
            ExitStatus::Error
        }
    }
}

/// The SQL for a table and the filters; errors are printed.
fn sql_for(
    table: &AthenaTable,
    filter: &EventFilter,
    (calls, service_calls): (Calls, bool),
    out: &mut Output,
) -> Result<String, ()> {
    let now = Instant::now();
    let spec = QuerySpec {
        table: table.table.clone(),
        database: table.database.clone(),
        principal: filter.principal.clone(),
        since: time_arg("--since", filter.since.as_deref(), now, out)?,
        until: time_arg("--until", filter.until.as_deref(), now, out)?,
        services: filter.service.clone(),
        actions: filter.action.clone(),
        error_codes: filter.error_code.clone(),
        accounts: filter.account.clone(),
        regions: filter.region.clone(),
        calls,
        service_calls,
    };
    select(&spec).map_err(|e| out.error_line(&e.to_string()))
}

/// Which calls `--all-calls` and `--with-service-calls` ask for.
fn calls_of(args: &AthenaQueryArgs) -> (Calls, bool) {
    let calls = if args.all_calls {
        Calls::All
    } else {
        Calls::Denials
    };
    (calls, args.with_service_calls)
}

/// `iamwhy athena query`.
pub(crate) fn query(args: &AthenaQueryArgs, out: &mut Output) -> ExitStatus {
    match sql_for(&args.table, &args.filter, calls_of(args), out) {
        Ok(sql) => {
            out.result(&sql);
            ExitStatus::Success
        }
        Err(()) => ExitStatus::Error,
    }
}

/// Runs the query of `table` and `filter` with Athena and saves the result; returns where.
#[cfg(feature = "collect")]
fn fetch(
    table: &AthenaTable,
    conn: &AthenaConn,
    filter: &EventFilter,
    calls: (Calls, bool),
    out: &mut Output,
) -> Result<PathBuf, ExitStatus> {
    use iamwhy_collect::athena::{AthenaOptions, USD_PER_TB, run};
    use iamwhy_trail::filter::parse_duration;

    let sql = sql_for(table, filter, calls, out).map_err(|()| ExitStatus::Error)?;
    if filter.since.is_none() && filter.until.is_none() {
        out.note(
            "athena: no `--since`/`--until`: the query reads every day of the trail (docs/cloudtrail.md, \"What a query costs\")\n",
        );
    }
    let timeout = parse_duration(&conn.timeout)
        .ok()
        .and_then(|s| u64::try_from(s).ok())
        .ok_or_else(|| {
            out.error_line(&format!(
                "`--timeout {}` is not a duration: expected `90s`, `10m`, `1h`, ...",
                conn.timeout
            ));
            ExitStatus::Error
        })?;
    let opts = AthenaOptions {
        sql,
        workgroup: conn.workgroup.clone(),
        database: table.database.clone(),
        output_location: conn.output_location.clone(),
        profile: conn.profile.clone(),
        region: conn.athena_region.clone(),
        endpoint_url: conn.endpoint_url.clone(),
        timeout: std::time::Duration::from_secs(timeout),
        max_poll: std::time::Duration::from_secs(5),
    };
    let path = conn.save.clone().unwrap_or_else(|| {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        std::env::temp_dir().join(format!("iamwhy-athena-{}-{stamp}.csv", std::process::id()))
    });
    let file = std::fs::File::create(&path).map_err(|e| {
        out.error_line(&format!("cannot write `{}`: {e}", path.display()));
        ExitStatus::Error
    })?;
    let mut writer = std::io::BufWriter::new(file);
    let report = run(&opts, &mut writer).map_err(|e| {
        out.error_line(&e.to_string());
        let _ = std::fs::remove_file(&path);
        ExitStatus::Error
    })?;
    drop(writer);
    let scanned = report.data_scanned_bytes.map_or_else(
        || "data scanned: not reported".to_owned(),
        |b| {
            let mb = b as f64 / 1e6;
            format!(
                "{mb:.1} MB scanned, about ${:.4} at ${USD_PER_TB:.0} per TB (10 MB minimum)",
                report.cost_usd().unwrap_or_default()
            )
        },
    );
    out.note(&format!(
        "athena: query {} returned {} row(s) in {} page(s); {scanned}; saved to {}\n",
        report.query_id,
        report.rows,
        report.pages,
        path.display()
    ));
    Ok(path)
}

#[cfg(not(feature = "collect"))]
fn fetch(
    _table: &AthenaTable,
    _conn: &AthenaConn,
    _filter: &EventFilter,
    _calls: (Calls, bool),
    out: &mut Output,
) -> Result<PathBuf, ExitStatus> {
    out.error_line(
        "`--athena` needs the AWS SDK, and this iamwhy was built without it (the default feature `collect`): run the SQL of `iamwhy athena query` in Athena and give its result CSV as a log file",
    );
    Err(ExitStatus::Error)
}

/// `iamwhy athena run`: the query, then `trail denied` over its result.
pub(crate) fn run(args: &AthenaRunArgs, csv: bool, out: &mut Output) -> ExitStatus {
    let path = match fetch(
        &args.query.table,
        &args.conn,
        &args.query.filter,
        calls_of(&args.query),
        out,
    ) {
        Ok(p) => p,
        Err(status) => return status,
    };
    if args.query.all_calls {
        out.note(&format!(
            "read every call with `iamwhy trail timeline`, `replay` or `explain --event` on {}\n",
            path.display()
        ));
        return ExitStatus::Success;
    }
    let denied = DeniedArgs {
        input: TrailInput {
            paths: vec![path.display().to_string()],
            jobs: 0,
            no_progress: true,
            athena: crate::cli::AthenaSource::default(),
        },
        filter: args.query.filter.clone(),
    };
    super::trail::denied(&denied, csv, out)
}

/// `--athena` of `trail denied`, `trail timeline`, `explain` and `replay`: runs the query
/// with the command's filters and adds its result to the command's log paths.
pub(crate) fn prepare(command: &mut Command, out: &mut Output) -> Result<(), ExitStatus> {
    match command {
        Command::Trail(TrailCommand::Denied(a)) if a.input.athena.athena => {
            let src = &a.input.athena;
            let path = fetch(
                &src.table,
                &src.conn,
                &a.filter,
                (Calls::Denials, false),
                out,
            )?;
            a.input.paths.push(path.display().to_string());
        }
        Command::Trail(TrailCommand::Timeline(a)) if a.input.athena.athena => {
            // Every call of the identity in the timeline's window: `--around ± --window`.
            // Without `--around` the window is found from the records, after they are read,
            // and Athena would have to read every day of the trail: refused.
            let Some(around) = a.around.as_deref() else {
                out.error_line(
                    "`trail timeline --athena` needs `--around TIME`: without it Athena would read every day of the trail to find the latest denial (find it first with `iamwhy athena run --principal ...`)",
                );
                return Err(ExitStatus::Error);
            };
            let now = Instant::now();
            let seconds =
                crate::args::window_arg(&a.window, out).map_err(|()| ExitStatus::Error)?;
            let at = time_arg("--around", Some(around), now, out)
                .map_err(|()| ExitStatus::Error)?
                .unwrap_or(now);
            let edge = |secs: i64| at.checked_add_secs(secs).unwrap_or(at).to_iso8601();
            let filter = EventFilter {
                principal: Some(a.principal.clone()),
                since: Some(edge(seconds.saturating_neg())),
                until: Some(edge(seconds)),
                ..EventFilter::default()
            };
            let src = &a.input.athena;
            let path = fetch(&src.table, &src.conn, &filter, (Calls::All, true), out)?;
            a.input.paths.push(path.display().to_string());
        }
        Command::Explain(a) if a.athena.athena => {
            let path = fetch(
                &a.athena.table,
                &a.athena.conn,
                &a.filter,
                (Calls::Denials, true),
                out,
            )?;
            a.paths.push(path.display().to_string());
        }
        Command::Replay(a) if a.input.athena.athena => {
            let src = &a.input.athena;
            let path = fetch(&src.table, &src.conn, &a.filter, (Calls::All, false), out)?;
            a.input.paths.push(path.display().to_string());
        }
        // Every call of the principal in the window: what it used, and the record of each
        // check a service made with its identity (S3's kms:Decrypt carries the caller).
        Command::Generate(a) if a.input.athena.athena => {
            let filter = EventFilter {
                principal: Some(a.principal.clone()),
                since: a.since.clone(),
                until: a.until.clone(),
                ..EventFilter::default()
            };
            let src = &a.input.athena;
            let path = fetch(&src.table, &src.conn, &filter, (Calls::All, false), out)?;
            a.input.paths.push(path.display().to_string());
        }
        Command::Unused(a) if a.input.athena.athena => {
            let filter = EventFilter {
                principal: a.principal.clone(),
                since: a.since.clone(),
                until: a.until.clone(),
                ..EventFilter::default()
            };
            let src = &a.input.athena;
            let path = fetch(&src.table, &src.conn, &filter, (Calls::All, false), out)?;
            a.input.paths.push(path.display().to_string());
        }
        _ => {}
    }
    Ok(())
}
