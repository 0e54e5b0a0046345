//! Command-line definitions. The doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The most worker threads `--jobs` starts: far more than the cores of any machine we know
/// of, few enough that the operating system can always create them.
const MAX_JOBS: i64 = 256;

/// Why was this AWS request denied, and what is the smallest fix?
///
/// iamwhy evaluates AWS authorization offline, the way AWS does, from your own policies, and
/// shows its reasoning statement by statement.
#[derive(Debug, Parser)]
#[command(name = "iamwhy", version, about, long_about)]
pub(crate) struct Cli {
    /// Output format: `text` for people, `json` for programs (stable, see docs/output.md),
    /// `csv` for spreadsheets (`trail denied`, `who-can`, `can`, `unused`), `sarif` for code
    /// scanning (`lint`, `review`), `markdown` for a pull-request comment (`review`),
    /// `terraform` for infrastructure code (`generate` only).
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Text)]
    pub(crate) format: FormatArg,
    /// When to colour text output (`NO_COLOR` is honoured with `auto`).
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub(crate) color: Color,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Output format as given on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// Text for people.
    Text,
    /// JSON for programs.
    Json,
    /// CSV (`trail denied`, `who-can`, `can` and `unused`).
    Csv,
    /// SARIF 2.1.0 (`lint` and `review`).
    Sarif,
    /// Terraform HCL: an `aws_iam_role_policy` (or `aws_iam_user_policy`) resource with the
    /// document in `jsonencode` (`generate` only).
    Terraform,
    /// Markdown: a pull-request comment (`review` only).
    Markdown,
}

/// Output format of results and diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// Text for people.
    Text,
    /// JSON for programs.
    Json,
}

/// Colour choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Color {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Would this principal be allowed this action on this resource? Evaluates a scenario
    /// file, or a request against an account snapshot (with the checks the call triggers in
    /// other services and candidate policy changes), and explains the deciding statements.
    Simulate(Box<SimulateArgs>),
    /// Policy unit tests: runs every scenario that has an `expect`, prints pass or fail,
    /// exits 1 if any fails.
    Test(TestArgs),
    /// Looks up actions in the bundled service catalog: expands wildcards such as `s3:Get*`,
    /// shows access level, resource types and condition keys, and with `--dependent` the
    /// extra checks a call triggers in other services.
    Actions(ActionsArgs),
    /// Reads CloudTrail logs (S3 trail files plain or gzip, lookup-events output, JSON Lines,
    /// arrays, single records, the console's JSON and CSV downloads; directories are read
    /// recursively, `-` is stdin): lists denied calls, or the calls around a failure.
    #[command(subcommand)]
    Trail(TrailCommand),
    /// Why was this call denied, and what is the smallest fix? From CloudTrail logs, one
    /// record (`--event`) or a pasted AccessDenied message (`--message`), and a snapshot:
    /// the request, the deciding policy and statement, the reasoning, fixes verified by
    /// evaluating again; AWS's own message cross-checked.
    Explain(Box<ExplainArgs>),
    /// Re-evaluates every call of CloudTrail logs against the snapshot and compares with
    /// what CloudTrail recorded; with candidate changes, lists the past calls the change
    /// would newly deny or newly allow.
    Replay(Box<ReplayArgs>),
    /// Which credentials will this program use? Inspects the environment and the shared
    /// files as an SDK's default credential provider chain would and lists every source in
    /// order: used, shadowed, not configured or unusable (and why). Offline; `--probe` asks
    /// the local instance and container metadata endpoints. Secrets are never printed.
    Creds(CredsArgs),
    /// Prints a shell completion script: `iamwhy completions bash > ~/.local/share/bash-completion/completions/iamwhy`
    /// (zsh: a file `_iamwhy` on `$fpath`; fish: `~/.config/fish/completions/iamwhy.fish`;
    /// PowerShell: dot-source it from `$PROFILE`).
    Completions(CompletionsArgs),
    /// Prints the manual page (roff), generated from the same definition as `--help`:
    /// `iamwhy man > iamwhy.1 && man ./iamwhy.1`.
    Man,
    /// Checks policies before they bite: the grammar of each policy type, unknown actions,
    /// resources and condition keys (from the bundled catalog), operator/type mismatches,
    /// and risky patterns (public access, `iam:PassRole` on `*`, a guardrail that locks out
    /// AWS services, KMS key lock-out, ...). Reads policy documents, AWS CLI outputs and
    /// scenario files; `--format sarif` for code scanning. Exits 1 when a finding at or
    /// above `--fail-on` remains.
    Lint(LintArgs),
    /// Reviews a policy change written as code before it merges: a Terraform plan
    /// (`terraform show -json`), a CloudFormation template or a CDK `cdk.out` folder. Lints
    /// the policies it touches; for each changed principal or resource, lists the requests
    /// (among the actions and resources its policies name) that the change newly allows or
    /// denies against the snapshot; with CloudTrail logs, the past calls it would newly deny
    /// or allow. Exits 1 when it would break past calls or adds a finding at or above
    /// `--fail-on`. `--format markdown` writes a pull-request comment.
    Review(ReviewArgs),
    /// Who can perform this action on this resource? Every IAM user and role of the snapshot
    /// (and the AWS service principals the resource policy admits), evaluated on the whole
    /// operation with its hidden calls, with the deciding statements; also the principals an
    /// explicit deny stops and those whose hidden calls fail.
    WhoCan(WhoCanArgs),
    /// What can this principal do? Every action of the catalog (or of `--service`), on
    /// `--resource` or on each resource pattern of the principal's own policies, grouped by
    /// service and access level, with the deciding statement.
    Can(CanArgs),
    /// What does this principal need? The least-privilege identity-based policy of a user or
    /// role (all its sessions), from the calls it made in CloudTrail logs: the actions each
    /// call needed (with the checks it made in other services, such as S3's `kms:Decrypt`),
    /// the resources it touched, generalised by stated rules, split to fit IAM's size limits,
    /// and verified by replaying the logs with it in place of the principal's own policies.
    Generate(Box<GenerateArgs>),
    /// What is allowed but never used? Per user and role of the snapshot, the services,
    /// actions and resources its policies allow that no call in the logs used, the last use
    /// of those it did use, principals with no activity and roles no one assumed; and what
    /// the logs cannot show (data events a trail does not log).
    Unused(Box<UnusedArgs>),
    /// Takes a snapshot with the AWS SDK: the caller's account, or with `--org` every account
    /// of the organization (through `sts:AssumeRole`), written as the AWS CLI prints each
    /// output (docs/snapshot.md). Read-only; a call that fails is listed with the permission
    /// it needed and never stops the run. `--print-policy` prints the IAM policy it needs.
    #[cfg(feature = "collect")]
    Collect(Box<CollectArgs>),
    /// Organization trails with Athena: the table of a trail bucket (`ddl`), the SQL that
    /// finds the denials `trail denied` would list (`query`), and that query run with Athena,
    /// its result read as logs (`run`). Athena's result CSV is read by every command that
    /// reads logs.
    #[command(subcommand)]
    Athena(AthenaCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum AthenaCommand {
    /// Prints the `CREATE EXTERNAL TABLE` for a trail's bucket: AWS's CloudTrail table,
    /// partitioned by account, Region and day with partition projection.
    Ddl(AthenaDdlArgs),
    /// Prints the Trino SQL that selects the denials (or with `--all-calls` every call) that
    /// match the filters of `trail denied`, reading only the partitions they name.
    Query(Box<AthenaQueryArgs>),
    /// Runs that query with Athena (the AWS SDK's credential chain), saves the result CSV and
    /// lists the denials as `trail denied` does; prints the data scanned and its cost.
    Run(Box<AthenaRunArgs>),
}

#[derive(Debug, Args)]
pub(crate) struct AthenaDdlArgs {
    /// The trail's S3 bucket.
    #[arg(long, value_name = "BUCKET")]
    pub(crate) bucket: String,
    /// The trail's S3 key prefix, if it has one.
    #[arg(long, value_name = "PREFIX")]
    pub(crate) prefix: Option<String>,
    /// An organization trail's organization id (`o-…`): logs under `AWSLogs/o-ORGID/`.
    #[arg(long, value_name = "o-ID")]
    pub(crate) org_id: Option<String>,
    #[command(flatten)]
    pub(crate) table: AthenaTable,
    /// The accounts whose logs the table covers (comma-separated or repeated): projected as
    /// an enum. Without it the account is `injected`: every query must name its accounts.
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub(crate) accounts: Vec<String>,
    /// The Regions the table covers (comma-separated or repeated); default: every
    /// commercial Region.
    #[arg(long, value_name = "REGION,...", value_delimiter = ',')]
    pub(crate) regions: Vec<String>,
}

/// The Athena table.
#[derive(Clone, Debug, Default, Args)]
pub(crate) struct AthenaTable {
    /// The table's name.
    #[arg(long, value_name = "NAME", default_value = "cloudtrail_logs")]
    pub(crate) table: String,
    /// The table's database (default: the workgroup's).
    #[arg(long, value_name = "DB")]
    pub(crate) database: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AthenaQueryArgs {
    #[command(flatten)]
    pub(crate) table: AthenaTable,
    #[command(flatten)]
    pub(crate) filter: EventFilter,
    /// Every call of the matched principals in the window, not only denials (for
    /// `trail timeline`, `replay`).
    #[arg(long)]
    pub(crate) all_calls: bool,
    /// Also every call AWS services made themselves in the window, whatever the other filters
    /// say: `trail timeline` and `explain` link them to the identity's calls (their
    /// `--athena` asks for them).
    #[arg(long)]
    pub(crate) with_service_calls: bool,
}

#[derive(Debug, Args)]
pub(crate) struct AthenaRunArgs {
    #[command(flatten)]
    pub(crate) query: AthenaQueryArgs,
    #[command(flatten)]
    pub(crate) conn: AthenaConn,
}

/// How to reach Athena (`athena run`, and `--athena` of the commands that read logs).
#[derive(Clone, Debug, Default, Args)]
pub(crate) struct AthenaConn {
    /// The Athena workgroup to run the query in.
    #[arg(long, value_name = "NAME", default_value = "primary")]
    pub(crate) workgroup: String,
    /// Where Athena writes the result (`s3://…/`), if the workgroup does not set it.
    #[arg(long, value_name = "S3_URL")]
    pub(crate) output_location: Option<String>,
    /// The Region of the workgroup (default: the SDK's, from the profile or environment).
    #[arg(long, value_name = "REGION")]
    pub(crate) athena_region: Option<String>,
    /// A named profile of the shared AWS files.
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// Send Athena's calls to this endpoint instead (tests, VPC endpoints).
    #[arg(long, value_name = "URL")]
    pub(crate) endpoint_url: Option<String>,
    /// How long to wait for the query: `90s`, `10m`, ...; then it is stopped.
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub(crate) timeout: String,
    /// Keep the result CSV here (default: a file named after the query in the temporary
    /// directory); read it again with any command that reads logs, for free.
    #[arg(long, value_name = "FILE")]
    pub(crate) save: Option<PathBuf>,
}

/// `--athena` of the commands that read logs: the records come from an Athena query with
/// the command's filters instead of (or besides) log files.
#[derive(Clone, Debug, Default, Args)]
pub(crate) struct AthenaSource {
    /// Find the records with Athena (`iamwhy athena run` with this command's filters) over
    /// the table of `--table`; needs the default feature `collect`.
    #[arg(long)]
    pub(crate) athena: bool,
    #[command(flatten)]
    pub(crate) table: AthenaTable,
    #[command(flatten)]
    pub(crate) conn: AthenaConn,
}

#[derive(Debug, Args)]
pub(crate) struct WhoCanArgs {
    /// The account snapshot directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) snapshot: PathBuf,
    /// The action, e.g. `s3:GetObject`.
    #[arg(long, value_name = "ACTION")]
    pub(crate) action: String,
    /// The resource ARN.
    #[arg(long, value_name = "ARN")]
    pub(crate) resource: String,
    /// No progress bar on stderr.
    #[arg(long)]
    pub(crate) no_progress: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CanArgs {
    /// The account snapshot directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) snapshot: PathBuf,
    /// The principal: a user or role ARN of the snapshot.
    #[arg(long, value_name = "ARN")]
    pub(crate) principal: String,
    /// Only this service's actions (a prefix such as `s3`); repeatable.
    #[arg(long, value_name = "PREFIX")]
    pub(crate) service: Vec<String>,
    /// Evaluate on this resource; without it, on `*` and on each resource pattern of the
    /// principal's own `Allow` statements.
    #[arg(long, value_name = "ARN")]
    pub(crate) resource: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TrailCommand {
    /// Lists denied calls (AccessDenied, UnauthorizedOperation, ...) with the structured
    /// denial AWS's message gives: action, resource, explicit or implicit, policy type.
    Denied(Box<DeniedArgs>),
    /// Shows one identity's calls around a moment, with the calls AWS services made on its
    /// behalf grouped under the call that triggered them, denials marked.
    Timeline(Box<TimelineArgs>),
}

/// Options every `trail` command shares.
#[derive(Debug, Args)]
pub(crate) struct TrailInput {
    /// Log files or directories (read recursively); `-` reads stdin.
    #[arg(required_unless_present = "athena", value_name = "PATH")]
    pub(crate) paths: Vec<String>,
    /// Worker threads (default: one per core; at most 256).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=MAX_JOBS))]
    pub(crate) jobs: u16,
    /// Never show a progress bar.
    #[arg(long)]
    pub(crate) no_progress: bool,
    #[command(flatten)]
    pub(crate) athena: AthenaSource,
}

#[derive(Debug, Args)]
pub(crate) struct DeniedArgs {
    #[command(flatten)]
    pub(crate) input: TrailInput,
    #[command(flatten)]
    pub(crate) filter: EventFilter,
}

#[derive(Debug, Args)]
pub(crate) struct TimelineArgs {
    #[command(flatten)]
    pub(crate) input: TrailInput,
    /// The identity: an ARN or a glob, as for `trail denied --principal`.
    #[arg(long, value_name = "ARN|GLOB")]
    pub(crate) principal: String,
    /// The moment to centre on (ISO 8601 or a duration ago); default: the identity's
    /// latest denial.
    #[arg(long, value_name = "TIME")]
    pub(crate) around: Option<String>,
    /// How far either side of `--around` to look: `90s`, `5m`, `1h`, ...
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub(crate) window: String,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("actions").args(["action", "service"]).multiple(true)))]
pub(crate) struct SimulateArgs {
    /// The scenario file (one scenario object or an array of them).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "snapshot",
        conflicts_with = "snapshot"
    )]
    pub(crate) scenario: Option<PathBuf>,
    /// An account snapshot: a directory of AWS CLI outputs (docs/snapshot.md;
    /// `scripts/snapshot.sh` takes one). Needs `--principal` and `--action` (or `--service`).
    #[arg(long, value_name = "DIR", requires_all = ["principal", "actions"])]
    pub(crate) snapshot: Option<PathBuf>,
    /// The principal (replaces the scenario's): an IAM user, role, assumed-role,
    /// federated-user or root ARN, an account id, `anonymous`, or
    /// `service:NAME.amazonaws.com`.
    #[arg(long, value_name = "PRINCIPAL")]
    pub(crate) principal: Option<String>,
    /// With a federated-user principal: the IAM user that called GetFederationToken (its
    /// policies apply).
    #[arg(long, value_name = "USER_ARN", requires = "snapshot")]
    pub(crate) parent_user: Option<String>,
    /// Replace the action (repeatable: one result per action). A wildcard (`s3:*`,
    /// `s3:Get*`) runs every matching action of the service catalog and prints a table.
    #[arg(long, value_name = "ACTION")]
    pub(crate) action: Vec<String>,
    /// Run every action of a service ("Select All"), one table row each; same as
    /// `--action 'SERVICE:*'` (repeatable).
    #[arg(long, value_name = "PREFIX")]
    pub(crate) service: Vec<String>,
    /// Evaluate actions the bundled service catalog does not know (a warning instead of an
    /// error).
    #[arg(long)]
    pub(crate) allow_unknown_actions: bool,
    /// Replace the resource: an ARN or `*` (repeatable: one result per resource).
    #[arg(long, value_name = "ARN")]
    pub(crate) resource: Vec<String>,
    /// Add or replace a context key: `KEY=VALUE`, or `KEY=v1,v2` for a list (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub(crate) context: Vec<String>,
    /// Add a session policy from a file (repeatable; evaluated as one set, as STS does).
    /// With a snapshot, the principal must be a role (AssumeRole) or a federated user
    /// (GetFederationToken), and the 2,048-character limit of STS is checked.
    #[arg(long, value_name = "FILE")]
    pub(crate) session_policy: Vec<PathBuf>,
    /// Add a managed session policy by ARN (repeatable, at most 10; snapshot only).
    #[arg(long, value_name = "ARN", requires = "snapshot")]
    pub(crate) session_policy_arn: Vec<String>,
    /// With an IAM user and session policies: the `Name` the user passes to
    /// GetFederationToken (the federated user's name; default: the user's own).
    #[arg(long, value_name = "NAME", requires = "snapshot")]
    pub(crate) federated_name: Option<String>,
    /// Do not evaluate the checks the call triggers in other services (snapshot only).
    #[arg(long, requires = "snapshot")]
    pub(crate) no_hidden_calls: bool,
    #[command(flatten)]
    pub(crate) changes: ChangeArgs,
    /// Expected decision: `Allowed`, `ExplicitDeny`, `ImplicitDeny` or `Denied`; exit 1
    /// when not met.
    #[arg(long, value_name = "DECISION")]
    pub(crate) expect: Option<String>,
    /// How much each JSON result lists: `standard` (the decision, the statements that apply
    /// and decide, near misses, reasons) or `full` (also every statement that does not
    /// apply, and why: `unmatched_statements`).
    #[arg(long, value_enum, default_value_t = DetailArg::Standard)]
    pub(crate) detail: DetailArg,
}

/// `--detail` of `simulate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum DetailArg {
    /// The decision, the statements that apply and decide, near misses and reasons.
    Standard,
    /// Also every statement that does not apply, and why.
    Full,
}

impl From<DetailArg> for iamwhy_analysis::Detail {
    fn from(d: DetailArg) -> Self {
        match d {
            DetailArg::Standard => iamwhy_analysis::Detail::Standard,
            DetailArg::Full => iamwhy_analysis::Detail::Full,
        }
    }
}

/// Candidate policy changes (story 4), shared by `simulate` and `replay`.
#[derive(Debug, Args)]
pub(crate) struct ChangeArgs {
    /// Candidate change: evaluate as if policy NAME_OR_ARN (an inline policy name, a managed
    /// policy ARN or name, or the boundary) had FILE's document (repeatable; snapshot only).
    /// With `replay`, it applies to every principal that has the policy.
    #[arg(long, value_name = "NAME_OR_ARN=FILE", requires = "snapshot")]
    pub(crate) replace_policy: Vec<String>,
    /// Candidate change: add an identity-based policy to the principal (repeatable; with
    /// `replay`, to every principal replayed: narrow them with `--principal`).
    #[arg(long, value_name = "FILE", requires = "snapshot")]
    pub(crate) add_policy: Vec<PathBuf>,
    /// Candidate change: remove an identity-based policy of the principal (repeatable).
    #[arg(long, value_name = "NAME_OR_ARN", requires = "snapshot")]
    pub(crate) remove_policy: Vec<String>,
    /// Candidate change: set the principal's permissions boundary.
    #[arg(long, value_name = "FILE", requires = "snapshot")]
    pub(crate) set_boundary: Option<PathBuf>,
    /// Candidate change: set the resource-based policy of a resource (bucket, key, role
    /// trust policy, queue, ...) (repeatable).
    #[arg(long, value_name = "ARN=FILE", requires = "snapshot")]
    pub(crate) set_resource_policy: Vec<String>,
    /// Candidate change: set the content of an SCP or RCP of the snapshot's organization
    /// (`p-...` id, ARN or name) (repeatable).
    #[arg(long, value_name = "POLICY=FILE", requires = "snapshot")]
    pub(crate) set_org_policy: Vec<String>,
    /// Candidate changes written as code: a Terraform plan (`terraform show -json`), a
    /// CloudFormation template (JSON or YAML) or a CDK `cdk.out` folder; every policy change
    /// in it is applied to the principals and resources it names (repeatable).
    #[arg(
        long = "plan",
        visible_alias = "template",
        value_name = "FILE",
        requires = "snapshot"
    )]
    pub(crate) plan: Vec<PathBuf>,
    /// The Region of CloudFormation's `AWS::Region` in `--plan` templates.
    #[arg(long = "plan-region", value_name = "REGION", requires = "plan")]
    pub(crate) plan_region: Option<String>,
}

/// The `trail denied` filters, shared by `explain` and `replay`.
#[derive(Clone, Debug, Default, Args)]
pub(crate) struct EventFilter {
    /// Only calls of this identity: an ARN or a glob (`*`, `?`), matched against the
    /// identity's ARN, the role behind a role session, and the user or role name.
    #[arg(long, value_name = "ARN|GLOB")]
    pub(crate) principal: Option<String>,
    /// Only calls at or after this time: ISO 8601 or a duration ago (`30m`, `7d`).
    #[arg(long, value_name = "TIME")]
    pub(crate) since: Option<String>,
    /// Only calls at or before this time (same forms as `--since`).
    #[arg(long, value_name = "TIME")]
    pub(crate) until: Option<String>,
    /// Only calls to this service (`s3` or `s3.amazonaws.com`); repeatable.
    #[arg(long, value_name = "SERVICE")]
    pub(crate) service: Vec<String>,
    /// Only calls of this action, a glob such as `s3:Get*`; repeatable.
    #[arg(long, value_name = "ACTION")]
    pub(crate) action: Vec<String>,
    /// Only this error code; repeatable.
    #[arg(long, value_name = "CODE")]
    pub(crate) error_code: Vec<String>,
    /// Only calls by or to this account; repeatable.
    #[arg(long, value_name = "ACCOUNT")]
    pub(crate) account: Vec<String>,
    /// Only calls in this region; repeatable.
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The account snapshot (docs/snapshot.md). Without it, `--message` says what the message
    /// alone establishes (not verified) and which commands fetch what decides.
    #[arg(long, value_name = "DIR", required_unless_present_any = ["message", "message_file"])]
    pub(crate) snapshot: Option<PathBuf>,
    /// CloudTrail logs (files or directories, `-` for stdin): every denied call is
    /// explained.
    #[arg(value_name = "PATH", required_unless_present_any = ["event", "message", "message_file", "athena"])]
    pub(crate) paths: Vec<String>,
    /// A file with one CloudTrail record (or a few): each is explained, denied or not.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["paths", "message"])]
    pub(crate) event: Option<String>,
    /// An AccessDenied message, as printed (with or without the CLI's
    /// `An error occurred (...) when calling the ... operation: ` prefix); `-` reads it
    /// from stdin.
    #[arg(long, value_name = "TEXT", conflicts_with = "paths")]
    pub(crate) message: Option<String>,
    /// Read the AccessDenied message from FILE (`-` for stdin), for messages too long for
    /// the command line; at most 1 MiB.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["paths", "message", "event"])]
    pub(crate) message_file: Option<String>,
    #[command(flatten)]
    pub(crate) filter: EventFilter,
    /// Explain at most this many incidents (the first in time order).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub(crate) max: usize,
    /// Do not propose fixes.
    #[arg(long)]
    pub(crate) no_fix: bool,
    /// Write the whole resulting policy of every fix to DIR, one file per fix
    /// (`incident-N-fix-M.json`, ready for `file://`); DIR is created when absent.
    #[arg(long, value_name = "DIR", conflicts_with = "no_fix")]
    pub(crate) write_fixes: Option<PathBuf>,
    /// Worker threads for reading logs (default: one per core; at most 256).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=MAX_JOBS))]
    pub(crate) jobs: u16,
    /// Never show a progress bar.
    #[arg(long)]
    pub(crate) no_progress: bool,
    #[command(flatten)]
    pub(crate) athena: AthenaSource,
}

#[derive(Debug, Args)]
pub(crate) struct ReplayArgs {
    /// The account snapshot (docs/snapshot.md).
    #[arg(long, value_name = "DIR")]
    pub(crate) snapshot: PathBuf,
    #[command(flatten)]
    pub(crate) input: TrailInput,
    #[command(flatten)]
    pub(crate) filter: EventFilter,
    #[command(flatten)]
    pub(crate) changes: ChangeArgs,
    /// Candidate change: evaluate role and federated-user sessions as if created with this
    /// session policy (repeatable; one set, 2,048 characters at most as sent, as in STS).
    /// Without it, the session policies the logs record for each session (its
    /// GetFederationToken or AssumeRole call) apply.
    #[arg(long, value_name = "FILE")]
    pub(crate) session_policy: Vec<PathBuf>,
    /// Candidate change: a managed session policy by ARN, with the same effect (repeatable, at
    /// most 10).
    #[arg(long, value_name = "ARN")]
    pub(crate) session_policy_arn: Vec<String>,
    /// With a candidate session policy: replay each IAM user's calls, with the change, as the
    /// federated user NAME its GetFederationToken call would create (the user its parent).
    #[arg(long, value_name = "NAME")]
    pub(crate) federated_name: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// The account snapshot (docs/snapshot.md).
    #[arg(long, value_name = "DIR")]
    pub(crate) snapshot: PathBuf,
    #[command(flatten)]
    pub(crate) input: TrailInput,
    /// The user or role (all its sessions): an ARN, a name or a glob (one policy per user
    /// or role it matches).
    #[arg(long, value_name = "ARN|GLOB")]
    pub(crate) principal: String,
    /// Only calls at or after this time: ISO 8601 or a duration ago (`30m`, `7d`).
    #[arg(long, value_name = "TIME")]
    pub(crate) since: Option<String>,
    /// Only calls at or before this time (same forms as `--since`).
    #[arg(long, value_name = "TIME")]
    pub(crate) until: Option<String>,
    /// More than N objects under one prefix (branching into more than N names) are granted
    /// by the prefix's wildcard, `bucket/reports/*`; fewer stay exact ARNs.
    #[arg(long, value_name = "N", default_value_t = iamwhy_analysis::generate::DEFAULT_PREFIX_THRESHOLD)]
    pub(crate) prefix_threshold: usize,
    /// Grant the calls AWS denied too (by default they are listed, not granted).
    #[arg(long)]
    pub(crate) include_denied: bool,
}

#[derive(Debug, Args)]
pub(crate) struct UnusedArgs {
    /// The account snapshot (docs/snapshot.md).
    #[arg(long, value_name = "DIR")]
    pub(crate) snapshot: PathBuf,
    #[command(flatten)]
    pub(crate) input: TrailInput,
    /// Only these users and roles: an ARN, a name or a glob (default: every user and role
    /// of the snapshot).
    #[arg(long, value_name = "ARN|GLOB")]
    pub(crate) principal: Option<String>,
    /// Only calls at or after this time: ISO 8601 or a duration ago (`30m`, `7d`).
    #[arg(long, value_name = "TIME")]
    pub(crate) since: Option<String>,
    /// Only calls at or before this time (same forms as `--since`).
    #[arg(long, value_name = "TIME")]
    pub(crate) until: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: ShellArg,
}

/// A shell with completions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ShellArg {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
}

#[derive(Debug, Args)]
pub(crate) struct ReviewArgs {
    /// The account snapshot (docs/snapshot.md): the state before the change.
    #[arg(long, value_name = "DIR")]
    pub(crate) snapshot: PathBuf,
    /// The change: a Terraform plan (`terraform show -json plan.out > plan.json`), a
    /// CloudFormation template (JSON or YAML) or a CDK `cdk.out` folder.
    #[arg(value_name = "PLAN_OR_TEMPLATE")]
    pub(crate) change: PathBuf,
    /// CloudTrail logs (files or directories) to replay: the past calls the change would
    /// newly deny or allow.
    #[arg(value_name = "LOGS")]
    pub(crate) logs: Vec<String>,
    /// Exit 1 when a touched policy has a finding at this level or above: error,
    /// security-warning, warning or suggestion (default: security-warning).
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub(crate) fail_on: Option<iamwhy_lint::Level>,
    /// CloudFormation's `AWS::AccountId` (default: the snapshot's account).
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub(crate) account: Option<String>,
    /// CloudFormation's `AWS::Region` (and `AWS::Partition` from it).
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// Worker threads for the logs (default: one per core; at most 256).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=MAX_JOBS))]
    pub(crate) jobs: u16,
    /// Never show a progress bar.
    #[arg(long)]
    pub(crate) no_progress: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TestArgs {
    /// Scenario files or directories (searched recursively for `.json` files).
    #[arg(required = true, value_name = "FILE|DIR")]
    pub(crate) paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ActionsArgs {
    /// Actions or wildcard patterns: `s3:GetObject`, `s3:Get*`, `s3:*Tagging`, `*`. Case
    /// does not matter.
    #[arg(required = true, value_name = "PATTERN")]
    pub(crate) patterns: Vec<String>,
    /// Show the hidden calls each action triggers: the extra authorization checks AWS makes
    /// in other services (`kms:Decrypt` for S3 SSE-KMS, `iam:PassRole`, ...) and the
    /// documented dependent actions.
    #[arg(long)]
    pub(crate) dependent: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CredsArgs {
    /// The SDK whose chain to follow: cli, python, java-v1, java-v2, js-v3, go-v2, php,
    /// dotnet, rust.
    #[arg(long, default_value = "cli", value_parser = parse_sdk)]
    pub(crate) sdk: iamwhy_creds::Sdk,
    /// A profile chosen explicitly, as the CLI's `--profile` or a profile named in code
    /// (for the CLI and boto3 it removes the environment keys from the chain).
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// Ask the local metadata endpoints (IMDSv2 at 169.254.169.254, the container endpoint
    /// of AWS_CONTAINER_CREDENTIALS_*) whether a role is there. Never contacts AWS or any
    /// other address.
    #[arg(long)]
    pub(crate) probe: bool,
    /// A Java system property the program runs with (`aws.accessKeyId=...`,
    /// `aws.profile=...`); iamwhy cannot read another JVM's properties.
    #[arg(long = "java-property", value_name = "KEY=VALUE")]
    pub(crate) java_properties: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// Policy files, AWS CLI outputs, scenario files, Terraform plans (`terraform show
    /// -json`), CloudFormation templates (JSON or YAML), CDK `cdk.out` folders, or
    /// directories (searched recursively for `.json` files); `-` reads one document from
    /// stdin.
    #[arg(value_name = "FILE|DIR", required_unless_present = "list_rules")]
    pub(crate) paths: Vec<PathBuf>,
    /// What the policy documents are: identity, resource, trust, kms-key, bucket, scp, rcp,
    /// boundary, session, endpoint. Guessed when not given (and the guess is shown); CLI
    /// outputs and scenario files say it themselves.
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_policy_kind)]
    pub(crate) policy_kind: Option<iamwhy_core::PolicyKind>,
    /// Exit 1 when a finding at this level or above remains: error, security-warning,
    /// warning or suggestion. Default: the configuration's `fail-on`, else `error`.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub(crate) fail_on: Option<iamwhy_lint::Level>,
    /// Leave out the findings with this code (repeatable; comma-separated lists too).
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub(crate) ignore: Vec<String>,
    /// The configuration file. Default: `.iamwhy.toml` in the current directory or the
    /// nearest parent that has one.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub(crate) config: Option<PathBuf>,
    /// Ignore any `.iamwhy.toml`.
    #[arg(long)]
    pub(crate) no_config: bool,
    /// The account the policies belong to: a trust policy trusting another account is
    /// flagged, its own account is not. CLI outputs that name their account need not.
    /// Also CloudFormation's `AWS::AccountId` in templates.
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub(crate) account: Option<String>,
    /// The Region CloudFormation templates are deployed to (`AWS::Region`, and
    /// `AWS::Partition` from it); without it, ARNs built from them are left unresolved.
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// List every rule: code, level and documentation page.
    #[arg(long)]
    pub(crate) list_rules: bool,
}

fn parse_policy_kind(s: &str) -> Result<iamwhy_core::PolicyKind, String> {
    iamwhy_core::PolicyKind::parse(s).ok_or_else(|| {
        let ids: Vec<&str> = iamwhy_core::PolicyKind::ALL
            .iter()
            .map(|t| t.as_str())
            .collect();
        format!("expected one of {}", ids.join(", "))
    })
}

fn parse_level(s: &str) -> Result<iamwhy_lint::Level, String> {
    iamwhy_lint::Level::parse(s)
        .ok_or_else(|| "expected error, security-warning, warning or suggestion".to_owned())
}

fn parse_sdk(s: &str) -> Result<iamwhy_creds::Sdk, String> {
    iamwhy_creds::Sdk::parse(s).ok_or_else(|| {
        let ids: Vec<&str> = iamwhy_creds::Sdk::ALL.iter().map(|s| s.id()).collect();
        format!("expected one of {}", ids.join(", "))
    })
}

impl ChangeArgs {
    /// The candidate changes, as the library takes them.
    pub(crate) fn files(&self) -> iamwhy_analysis::simulate::ChangeFiles {
        iamwhy_analysis::simulate::ChangeFiles {
            replace_policy: self.replace_policy.clone(),
            add_policy: self.add_policy.clone(),
            remove_policy: self.remove_policy.clone(),
            set_boundary: self.set_boundary.clone(),
            set_resource_policy: self.set_resource_policy.clone(),
            set_org_policy: self.set_org_policy.clone(),
        }
    }
}

#[cfg(feature = "collect")]
#[derive(Debug, Args)]
pub(crate) struct CollectArgs {
    /// The snapshot directory; it must not exist or must be empty.
    #[arg(long, value_name = "DIR", required_unless_present = "print_policy")]
    pub(crate) out: Option<PathBuf>,
    /// The profile of the shared config and credentials files (default: the SDK's default
    /// credential chain, as `iamwhy creds --sdk rust` explains it).
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// A Region of the regional services (KMS, SQS, SNS, Secrets Manager, Lambda);
    /// repeatable. Default: the profile's Region. With more than one, each Region's files go
    /// to a `REGION/` folder.
    #[arg(long = "region", value_name = "REGION")]
    pub(crate) regions: Vec<String>,
    /// Every Region enabled by default in an account (opt-in Regions: name them with
    /// `--region`).
    #[arg(long, conflicts_with = "regions")]
    pub(crate) all_regions: bool,
    /// The whole organization, from the management account or a delegated administrator:
    /// its structure, SCPs and RCPs at the top, each account under `accounts/ID/`.
    #[arg(long)]
    pub(crate) org: bool,
    /// With `--org`: the role assumed in each member account.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "OrganizationAccountAccessRole"
    )]
    pub(crate) role_name: String,
    /// With `--org`: only these accounts (comma-separated ids).
    #[arg(long, value_name = "ID,...", value_delimiter = ',', requires = "org")]
    pub(crate) accounts: Vec<String>,
    /// With `--org`: how many accounts are collected at once.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) concurrency: u16,
    /// Send every call to this endpoint (an AWS API emulator such as moto) instead of AWS;
    /// `AWS_ENDPOINT_URL` does the same.
    #[arg(long, value_name = "URL")]
    pub(crate) endpoint_url: Option<String>,
    /// The most attempts of one call; throttled calls are retried with backoff.
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=50))]
    pub(crate) max_attempts: u32,
    /// Print the IAM policy the collector needs (with `--org`, and `sts:AssumeRole` on the
    /// member accounts' role) and exit.
    #[arg(long)]
    pub(crate) print_policy: bool,
    /// No progress bars (they are shown only when stderr is a terminal).
    #[arg(long)]
    pub(crate) no_progress: bool,
}
