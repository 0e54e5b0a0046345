//! The wiring of `iamwhy athena ddl` and `athena query` (issue 26), and Athena's result CSV
//! as a log file: exit codes, refused values, a bad row skipped with where it was. What the
//! SQL selects is tested against real engines in `athena_sql.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step is a failed test"
)]

mod common;

use common::{fails_with, iamwhy, stderr, stdout};

#[test]
fn ddl_locates_single_account_and_organization_trails() {
    let o = iamwhy(&[
        "athena",
        "ddl",
        "--bucket",
        "acme-trail",
        "--prefix",
        "/audit/",
        "--accounts",
        "111122223333,444455556666",
        "--regions",
        "us-east-1",
        "--database",
        "security",
        "--table",
        "trail",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sql = stdout(&o);
    assert!(
        sql.starts_with("CREATE EXTERNAL TABLE `security`.`trail` ("),
        "{sql}"
    );
    assert!(
        sql.contains("LOCATION 's3://acme-trail/audit/AWSLogs/'"),
        "{sql}"
    );
    assert!(
        sql.contains("'projection.account.values' = '111122223333,444455556666'"),
        "{sql}"
    );
    assert!(
        sql.contains(
            "'storage.location.template' = 's3://acme-trail/audit/AWSLogs/${account}/CloudTrail/${region}/${timestamp}'"
        ),
        "{sql}"
    );
    let o = iamwhy(&[
        "athena",
        "ddl",
        "--bucket",
        "acme-org-trail",
        "--org-id",
        "o-a1b2c3d4e5",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sql = stdout(&o);
    assert!(
        sql.contains("s3://acme-org-trail/AWSLogs/o-a1b2c3d4e5/${account}/CloudTrail/"),
        "{sql}"
    );
    assert!(
        sql.contains("'projection.account.type' = 'injected'"),
        "{sql}"
    );
}

#[test]
fn values_that_cannot_go_into_sql_are_refused() {
    fails_with(
        &["athena", "ddl", "--bucket", "Bad_Bucket"],
        2,
        "`--bucket` `Bad_Bucket` cannot be used",
    );
    fails_with(
        &["athena", "ddl", "--bucket", "b-ok", "--org-id", "acme"],
        2,
        "`--org-id` `acme`",
    );
    fails_with(
        &["athena", "query", "--account", "1234"],
        2,
        "expected a twelve-digit account id",
    );
    fails_with(
        &["athena", "query", "--table", "logs; DROP TABLE x"],
        2,
        "a name of letters, digits and underscores",
    );
    fails_with(
        &["athena", "query", "--since", "yesterday-ish"],
        2,
        "`--since`",
    );
}

#[test]
fn query_carries_the_filters_and_quotes_what_it_is_given() {
    let o = iamwhy(&[
        "athena",
        "query",
        "--principal",
        "arn:aws:iam::111122223333:user/o'brien_*",
        "--region",
        "eu-west-1",
        "--error-code",
        "AccessDenied",
        "--all-calls",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sql = stdout(&o);
    assert!(
        sql.contains(
            "useridentity.arn LIKE 'arn:aws:iam::111122223333:user/o''brien\\_%' ESCAPE '\\'"
        ),
        "{sql}"
    );
    assert!(sql.contains("region IN ('eu-west-1')"), "{sql}");
    assert!(
        sql.contains("lower(errorcode) IN ('accessdenied')"),
        "{sql}"
    );
    // `--all-calls` drops the list of denial codes, not the asked-for code.
    assert!(!sql.contains("'accessdeniedexception'"), "{sql}");
}

#[test]
fn the_bundled_result_csv_reads_like_the_logs() {
    let o = iamwhy(&[
        "--format",
        "json",
        "trail",
        "denied",
        "../../examples/athena/denials.csv",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().any(|r| r["action"] == "kms:Decrypt"));
}

#[test]
fn a_row_whose_struct_text_cannot_be_read_is_skipped_with_its_place() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("athena-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.csv");
    std::fs::write(
        &file,
        "\"eventtime\",\"eventsource\",\"eventname\",\"useridentity\",\"errorcode\",\"errormessage\"\n\
         \"2026-11-20T10:00:00Z\",\"s3.amazonaws.com\",\"GetObject\",\"{type=oops\",\"AccessDenied\",\"Access Denied\"\n\
         \"2026-11-20T10:00:01Z\",\"s3.amazonaws.com\",\"GetObject\",\"{type=IAMUser, arn=arn:aws:iam::111122223333:user/a}\",\"AccessDenied\",\"Access Denied\"\n",
    )
    .unwrap();
    let o = iamwhy(&["trail", "denied", file.to_str().unwrap()]);
    // A partial result: one record read, one skipped.
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("bad.csv:2:1"), "{err}");
    assert!(err.contains("column `useridentity`"), "{err}");
    assert!(stdout(&o).contains("Found 1 denial(s)"), "{}", stdout(&o));
}

/// Without the AWS SDK (`--no-default-features`), `athena run` and `--athena` say what to do
/// instead; `ddl` and `query` work offline.
#[cfg(not(feature = "collect"))]
#[test]
fn without_the_sdk_athena_run_says_to_run_the_sql_elsewhere() {
    fails_with(
        &[
            "athena",
            "run",
            "--principal",
            "arn:aws:iam::111122223333:user/a",
        ],
        2,
        "run the SQL of `iamwhy athena query` in Athena",
    );
    fails_with(
        &["trail", "denied", "--athena", "--since", "1d"],
        2,
        "built without it",
    );
}
