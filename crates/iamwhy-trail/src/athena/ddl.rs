//! `iamwhy athena ddl`: the `CREATE EXTERNAL TABLE` of a trail's S3 bucket.
//!
//! The columns are the Athena User Guide's CloudTrail table ([`super::schema`]); the table is
//! partitioned by `account`, `region` and `timestamp` (the `YYYY/MM/DD` folders) with
//! partition projection, so that no `ALTER TABLE ADD PARTITION` is ever needed and a query
//! that names the partitions reads only their folders
//! (<https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table-partition-projection.html>,
//! <https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html>).
//! Trails write `AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`, organization trails
//! `AWSLogs/o-ORGID/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html>).

use std::fmt::Write as _;

use super::schema::{COLUMNS, Field, Type};
use super::{AthenaError, check_identifier};

/// The AWS Regions a table projects when `--regions` is not given: the commercial Regions
/// (<https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html>).
pub const DEFAULT_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// The first day the projection covers: CloudTrail's launch month.
pub const DEFAULT_START: &str = "2013/11/01";

/// What `athena ddl` was asked for.
#[derive(Clone, Debug, Default)]
pub struct TableSpec {
    /// The trail's bucket.
    pub bucket: String,
    /// The trail's S3 key prefix, if it has one.
    pub prefix: Option<String>,
    /// The organization id (`o-…`) of an organization trail.
    pub org_id: Option<String>,
    /// The table name.
    pub table: String,
    /// The database, if not the workgroup's default.
    pub database: Option<String>,
    /// The accounts to project (an enum); empty: `injected` (each query names its accounts).
    pub accounts: Vec<String>,
    /// The Regions to project; empty: [`DEFAULT_REGIONS`].
    pub regions: Vec<String>,
}

/// The `s3://…/AWSLogs/[o-ORGID/]` location of the trail's logs.
fn logs_root(spec: &TableSpec) -> String {
    let mut root = format!("s3://{}/", spec.bucket);
    if let Some(prefix) = spec.prefix.as_deref().map(|p| p.trim_matches('/'))
        && !prefix.is_empty()
    {
        root.push_str(prefix);
        root.push('/');
    }
    root.push_str("AWSLogs/");
    if let Some(org) = &spec.org_id {
        root.push_str(org);
        root.push('/');
    }
    root
}

/// Checks the specification: names Athena accepts, an S3 bucket name, an organization id,
/// twelve-digit accounts, Region names.
fn check(spec: &TableSpec) -> Result<(), AthenaError> {
    check_identifier("table", &spec.table)?;
    if let Some(db) = &spec.database {
        check_identifier("database", db)?;
    }
    let bucket_ok = (3..=63).contains(&spec.bucket.len())
        && spec
            .bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    if !bucket_ok {
        return Err(AthenaError::invalid(
            "bucket",
            &spec.bucket,
            "an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)",
        ));
    }
    if let Some(prefix) = &spec.prefix
        && prefix.bytes().any(|b| b == b'\'' || b.is_ascii_control())
    {
        return Err(AthenaError::invalid(
            "prefix",
            prefix,
            "an S3 key prefix without quotes or control characters",
        ));
    }
    if let Some(org) = &spec.org_id {
        let ok = org.strip_prefix("o-").is_some_and(|rest| {
            (10..=32).contains(&rest.len())
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !ok {
            return Err(AthenaError::invalid(
                "org-id",
                org,
                "an organization id such as `o-a1b2c3d4e5`",
            ));
        }
    }
    for account in &spec.accounts {
        super::check_account(account)?;
    }
    for region in &spec.regions {
        super::check_region(region)?;
    }
    Ok(())
}

fn write_type(out: &mut String, ty: Type, indent: usize) {
    match ty {
        Type::String | Type::Json => out.push_str("STRING"),
        Type::Map => out.push_str("MAP<STRING,STRING>"),
        Type::Struct(fields) => write_struct(out, fields, indent),
        Type::ArrayOf(fields) => {
            out.push_str("ARRAY<");
            write_struct(out, fields, indent);
            out.push('>');
        }
    }
}

fn write_struct(out: &mut String, fields: &[Field], indent: usize) {
    out.push_str("STRUCT<");
    for (i, field) in fields.iter().enumerate() {
        out.push('\n');
        out.push_str(&" ".repeat(indent.saturating_add(4)));
        out.push_str(field.name);
        out.push_str(": ");
        write_type(out, field.ty, indent.saturating_add(4));
        if i.saturating_add(1) < fields.len() {
            out.push(',');
        }
    }
    out.push('>');
}

/// The `CREATE EXTERNAL TABLE` statement (Hive DDL, as Athena runs it).
pub fn create_table(spec: &TableSpec) -> Result<String, AthenaError> {
    check(spec)?;
    let root = logs_root(spec);
    let name = super::qualified(spec.database.as_deref(), &spec.table, '`');
    let mut out = String::new();
    let _ = writeln!(out, "CREATE EXTERNAL TABLE {name} (");
    for (i, column) in COLUMNS.iter().enumerate() {
        out.push_str("    ");
        out.push_str(column.name);
        out.push(' ');
        write_type(&mut out, column.ty, 4);
        if i.saturating_add(1) < COLUMNS.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str(")\n");
    let _ = writeln!(
        out,
        "COMMENT 'CloudTrail logs of {root} (iamwhy athena ddl)'"
    );
    out.push_str("PARTITIONED BY (account STRING, region STRING, `timestamp` STRING)\n");
    out.push_str("ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'\n");
    out.push_str("STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'\n");
    out.push_str("OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n");
    let _ = writeln!(out, "LOCATION '{root}'");
    out.push_str("TBLPROPERTIES (\n");
    out.push_str("    'projection.enabled' = 'true',\n");
    if spec.accounts.is_empty() {
        out.push_str("    'projection.account.type' = 'injected',\n");
    } else {
        out.push_str("    'projection.account.type' = 'enum',\n");
        let _ = writeln!(
            out,
            "    'projection.account.values' = '{}',",
            spec.accounts.join(",")
        );
    }
    out.push_str("    'projection.region.type' = 'enum',\n");
    let regions: Vec<&str> = if spec.regions.is_empty() {
        DEFAULT_REGIONS.to_vec()
    } else {
        spec.regions.iter().map(String::as_str).collect()
    };
    let _ = writeln!(
        out,
        "    'projection.region.values' = '{}',",
        regions.join(",")
    );
    out.push_str("    'projection.timestamp.type' = 'date',\n");
    out.push_str("    'projection.timestamp.format' = 'yyyy/MM/dd',\n");
    out.push_str("    'projection.timestamp.interval' = '1',\n");
    out.push_str("    'projection.timestamp.interval.unit' = 'DAYS',\n");
    let _ = writeln!(
        out,
        "    'projection.timestamp.range' = '{DEFAULT_START},NOW',"
    );
    let _ = writeln!(
        out,
        "    'storage.location.template' = '{root}${{account}}/CloudTrail/${{region}}/${{timestamp}}'"
    );
    out.push_str(");\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TableSpec {
        TableSpec {
            bucket: "acme-trail".into(),
            table: "cloudtrail_logs".into(),
            ..TableSpec::default()
        }
    }

    #[test]
    fn organization_trails_put_the_org_id_before_the_account() {
        let mut s = spec();
        s.org_id = Some("o-a1b2c3d4e5".into());
        s.prefix = Some("/central/".into());
        s.accounts = vec!["111122223333".into(), "444455556666".into()];
        let ddl = create_table(&s).unwrap();
        assert!(ddl.contains("LOCATION 's3://acme-trail/central/AWSLogs/o-a1b2c3d4e5/'"));
        assert!(ddl.contains("'s3://acme-trail/central/AWSLogs/o-a1b2c3d4e5/${account}/CloudTrail/${region}/${timestamp}'"));
        assert!(ddl.contains("'projection.account.values' = '111122223333,444455556666'"));
        assert!(ddl.contains("sessionissuer: STRUCT<"));
    }

    #[test]
    fn without_accounts_the_account_is_injected() {
        let ddl = create_table(&spec()).unwrap();
        assert!(ddl.contains("'projection.account.type' = 'injected'"));
        assert!(ddl.contains("'s3://acme-trail/AWSLogs/${account}/CloudTrail/"));
    }

    #[test]
    fn bad_names_are_refused() {
        let mut s = spec();
        s.table = "logs; drop".into();
        assert!(create_table(&s).is_err());
        let mut s = spec();
        s.org_id = Some("org".into());
        assert!(create_table(&s).is_err());
        let mut s = spec();
        s.accounts = vec!["1234".into()];
        assert!(create_table(&s).is_err());
    }
}
