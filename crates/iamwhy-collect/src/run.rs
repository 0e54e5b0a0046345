//! A run: the output directory checked, the caller identified, the organization read (with
//! `--org` or when the caller's own account is in one), then each account collected, several
//! at once with `--org`, through `sts:AssumeRole` into the member accounts.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use aws_config::SdkConfig;
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use serde::Serialize;

use crate::account::{self, AccountPlan};
use crate::call::call;
use crate::config::{ALL_REGIONS, Options, base_config, path_style};
use crate::err::CollectError;
use crate::ops::Op;
use crate::org;
use crate::record::{Failure, Observer, Recorder, Tally};

/// What one account (or the organization's part) gave.
#[derive(Clone, Debug, Serialize)]
pub struct AccountReport {
    /// The account id, or `organization`.
    pub account: String,
    /// Where its files are, relative to the snapshot directory (`.` for the top).
    pub dir: String,
    /// Calls made.
    pub calls: u64,
    /// Files written.
    pub files: u64,
    /// Calls that found nothing to fetch (no such policy or setting).
    pub absent: u64,
    /// Calls that failed, each with the permission it needed.
    pub failures: Vec<Failure>,
    /// What else the user should know (an organization that cannot be read, ...).
    pub notes: Vec<String>,
}

/// What a run did.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The snapshot directory.
    pub out: PathBuf,
    /// The account of the credentials.
    pub caller_account: String,
    /// The layout written: `single` (one account at the top) or `organization`.
    pub layout: &'static str,
    /// The Regions of the regional services.
    pub regions: Vec<String>,
    /// The organization's part, when it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<AccountReport>,
    /// Each account collected, by id.
    pub accounts: Vec<AccountReport>,
    /// The operations called, by IAM action.
    pub operations: Vec<&'static str>,
    /// Wall time of the run in seconds.
    pub seconds: f64,
    #[serde(skip)]
    ops: BTreeSet<Op>,
}

impl Report {
    /// Every failure, the organization's first.
    pub fn failures(&self) -> impl Iterator<Item = &Failure> {
        self.organization
            .iter()
            .chain(&self.accounts)
            .flat_map(|a| &a.failures)
    }

    /// The operations the run called (each row of [`crate::OPERATIONS`] at most once).
    pub fn operations_called(&self) -> &BTreeSet<Op> {
        &self.ops
    }
}

/// Takes the snapshot `opts` describes. Progress goes to `observer`.
pub fn run(opts: &Options, observer: Arc<dyn Observer>) -> Result<Report, CollectError> {
    prepare_out(&opts.out)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CollectError::Runtime(e.to_string()))?;
    rt.block_on(run_async(opts, observer))
}

fn prepare_out(out: &Path) -> Result<(), CollectError> {
    let bad = |reason: String| CollectError::OutDir {
        path: out.to_owned(),
        reason,
    };
    if out.exists() {
        let mut entries = std::fs::read_dir(out).map_err(|e| bad(e.to_string()))?;
        if entries.next().is_some() {
            return Err(bad("it is not empty".to_owned()));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| bad(e.to_string()))
}

fn report_of(account: &str, dir: String, t: Tally, ops: &mut BTreeSet<Op>) -> AccountReport {
    ops.extend(t.operations);
    let mut failures = t.failures;
    failures.sort();
    AccountReport {
        account: account.to_owned(),
        dir,
        calls: t.calls,
        files: t.files,
        absent: t.absent,
        failures,
        notes: t.notes,
    }
}

async fn run_async(opts: &Options, observer: Arc<dyn Observer>) -> Result<Report, CollectError> {
    let started = Instant::now();
    let config = base_config(opts).await;
    let sts = aws_sdk_sts::Client::new(&config);
    let me = match sts.get_caller_identity().send().await {
        Ok(o) => o,
        Err(e) => {
            return Err(CollectError::Credentials(crate::call::chain(&e)));
        }
    };
    let caller = me.account().unwrap_or_default().to_owned();
    let partition = me
        .arn()
        .and_then(|a| a.split(':').nth(1))
        .unwrap_or("aws")
        .to_owned();
    let regions: Vec<String> = if opts.all_regions {
        ALL_REGIONS.iter().map(|r| (*r).to_owned()).collect()
    } else if opts.regions.is_empty() {
        vec![
            config
                .region()
                .map_or_else(|| "us-east-1".to_owned(), |r| r.to_string()),
        ]
    } else {
        let mut r = opts.regions.clone();
        r.dedup();
        r
    };
    let region_folders = regions.len() > 1;
    let path_style = path_style(opts);
    let mut ops = BTreeSet::new();
    let mut report = Report {
        out: opts.out.clone(),
        caller_account: caller.clone(),
        layout: if opts.org { "organization" } else { "single" },
        regions: regions.clone(),
        organization: None,
        accounts: Vec::new(),
        operations: Vec::new(),
        seconds: 0.0,
        ops: BTreeSet::new(),
    };

    if !opts.org {
        // One account, in the single-account layout at the top of the directory.
        observer.started(&caller);
        let rec = Recorder::new(&caller, Arc::clone(&observer));
        let plan = AccountPlan {
            config: config.clone(),
            dir: opts.out.clone(),
            regions,
            region_folders,
            path_style,
        };
        account::collect(&plan, &rec).await;
        org::collect(
            &config,
            &opts.out.join("organizations"),
            &rec,
            false,
            std::slice::from_ref(&caller),
        )
        .await;
        observer.finished(&caller);
        report
            .accounts
            .push(report_of(&caller, ".".to_owned(), rec.take(), &mut ops));
    } else {
        observer.started("organization");
        let orec = Recorder::new("organization", Arc::clone(&observer));
        let facts = org::collect(
            &config,
            &opts.out.join("organizations"),
            &orec,
            true,
            &opts.accounts,
        )
        .await;
        observer.finished("organization");
        let org_report = report_of(
            "organization",
            "organizations".to_owned(),
            orec.take(),
            &mut ops,
        );
        if !facts.described {
            let why = org_report
                .failures
                .first()
                .map(|f| format!("{} ({})", f.code, f.message))
                .unwrap_or_else(|| "the account is not in an organization".to_owned());
            return Err(CollectError::Organization(why));
        }
        report.organization = Some(org_report);
        let mut targets: Vec<String> = if opts.accounts.is_empty() {
            facts.accounts
        } else {
            opts.accounts.clone()
        };
        if targets.is_empty() {
            targets.push(caller.clone());
        }
        let semaphore = Arc::new(tokio::sync::Semaphore::new(opts.concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for id in targets {
            let semaphore = Arc::clone(&semaphore);
            let observer = Arc::clone(&observer);
            let config = config.clone();
            let plan_regions = regions.clone();
            let out = opts.out.join("accounts").join(crate::call::file_name(&id));
            let role = format!("arn:{partition}:iam::{id}:role/{}", opts.role_name);
            let is_caller = id == caller;
            tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                observer.started(&id);
                let rec = Recorder::new(&id, Arc::clone(&observer));
                let config = if is_caller {
                    Some(config)
                } else {
                    assume(&config, &role, &rec).await
                };
                if let Some(config) = config {
                    let plan = AccountPlan {
                        config,
                        dir: out,
                        regions: plan_regions,
                        region_folders,
                        path_style,
                    };
                    account::collect(&plan, &rec).await;
                }
                observer.finished(&id);
                (id, rec.take())
            });
        }
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok((id, tally)) => {
                    let dir = format!("accounts/{}", crate::call::file_name(&id));
                    report.accounts.push(report_of(&id, dir, tally, &mut ops));
                }
                Err(e) => {
                    // INVARIANT: the task does not panic (no panics in this crate); a join
                    // error would be a bug, reported rather than lost.
                    let mut r = report_of("unknown", String::new(), Tally::default(), &mut ops);
                    r.notes
                        .push(format!("an account's task ended abnormally: {e}"));
                    report.accounts.push(r);
                }
            }
        }
        report.accounts.sort_by(|a, b| a.account.cmp(&b.account));
    }
    report.operations = ops.iter().map(|o| o.operation().action).collect();
    report.operations.sort_unstable();
    report.operations.dedup();
    report.ops = ops;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The configuration of the role `role` in a member account, from `sts:AssumeRole` with the
/// caller's credentials; `None` (and a failure) when the role cannot be assumed. The keys
/// live in memory only.
async fn assume(config: &SdkConfig, role: &str, rec: &Recorder) -> Option<SdkConfig> {
    rec.step("sts:AssumeRole");
    let sts = aws_sdk_sts::Client::new(config);
    let out = call(
        rec,
        Op::AssumeRole,
        role,
        &[],
        sts.assume_role()
            .role_arn(role)
            .role_session_name("iamwhy-collect")
            .send(),
    )
    .await?;
    let c = out.credentials()?;
    let expiry = std::time::SystemTime::try_from(*c.expiration()).ok();
    let creds = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        expiry,
        "iamwhy-collect-assume-role",
    );
    Some(
        config
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(creds))
            .build(),
    )
}
