//! The default credential provider chain of each SDK (spec §6.2), evaluated source by source.

use std::path::Path;

use iamwhy_core::time::parse_date;
use serde::Serialize;

use crate::mask;
use crate::probe::{self, Finding, ImdsSwitch, Probe};
use crate::profiles::{FileInfo, FileRole, Settings, SharedFiles, expand_home};
use crate::{Environment, Sdk};

/// Seconds before expiry at which credentials are said to be about to expire.
const SOON: i64 = 15 * 60;

/// One source of a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`).
    Environment,
    /// Java system properties.
    JavaProperties,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`.
    WebIdentityEnv,
    /// botocore: the environment's web identity, else the profile's.
    WebIdentity,
    /// A profile with `role_arn` and `source_profile`/`credential_source`.
    AssumeRole,
    /// A profile with IAM Identity Center settings.
    Sso,
    /// Static keys of the profile in the credentials file.
    CredentialsFileKeys,
    /// A profile with `login_session` (`aws login`).
    ConsoleLogin,
    /// A profile's `credential_process` (from one file, or either).
    Process(Option<FileRole>),
    /// Static keys of the profile in the config file.
    ConfigFileKeys,
    /// The whole profile, as SDKs without botocore's split read it (from one file, or
    /// both).
    Profile(Option<FileRole>),
    /// The container credentials endpoint.
    Container,
    /// The EC2 instance metadata service.
    Imds,
}

impl Kind {
    fn id(self) -> &'static str {
        match self {
            Kind::Environment => "environment",
            Kind::JavaProperties => "java-system-properties",
            Kind::WebIdentityEnv | Kind::WebIdentity => "web-identity",
            Kind::AssumeRole => "assume-role-profile",
            Kind::Sso => "sso-profile",
            Kind::CredentialsFileKeys => "credentials-file",
            Kind::ConsoleLogin => "console-login-profile",
            Kind::Process(None) => "credential-process",
            Kind::Process(Some(FileRole::Credentials)) => "credential-process-credentials-file",
            Kind::Process(Some(FileRole::Config)) => "credential-process-config-file",
            Kind::ConfigFileKeys => "config-file",
            Kind::Profile(None) => "profile",
            Kind::Profile(Some(FileRole::Credentials)) => "profile-credentials-file",
            Kind::Profile(Some(FileRole::Config)) => "profile-config-file",
            Kind::Container => "container",
            Kind::Imds => "instance-metadata",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Environment => "environment variables",
            Kind::JavaProperties => "Java system properties",
            Kind::WebIdentityEnv => "web identity (environment)",
            Kind::WebIdentity => "web identity (environment, else profile)",
            Kind::AssumeRole => "assume-role profile",
            Kind::Sso => "IAM Identity Center (SSO) profile",
            Kind::CredentialsFileKeys => "shared credentials file",
            Kind::ConsoleLogin => "console login profile",
            Kind::Process(None) => "credential_process",
            Kind::Process(Some(FileRole::Credentials)) => "credential_process (credentials file)",
            Kind::Process(Some(FileRole::Config)) => "credential_process (config file)",
            Kind::ConfigFileKeys => "shared config file",
            Kind::Profile(None) => "profile (config and credentials files)",
            Kind::Profile(Some(FileRole::Credentials)) => "profile (credentials file)",
            Kind::Profile(Some(FileRole::Config)) => "profile (config file)",
            Kind::Container => "container credentials",
            Kind::Imds => "instance metadata (IMDS)",
        }
    }
}

/// The chain of an SDK, in order (spec §6.2). `explicit`: a profile chosen in code or with
/// the CLI's `--profile`.
fn chain(sdk: Sdk, explicit: bool) -> Vec<Kind> {
    use Kind as K;
    let mut v = match sdk {
        Sdk::Cli | Sdk::Python => vec![
            K::Environment,
            K::AssumeRole,
            K::WebIdentity,
            K::Sso,
            K::CredentialsFileKeys,
            K::ConsoleLogin,
            K::Process(None),
            K::ConfigFileKeys,
            K::Container,
            K::Imds,
        ],
        Sdk::JavaV1 => vec![
            K::Environment,
            K::JavaProperties,
            K::WebIdentityEnv,
            K::Profile(None),
            K::Container,
            K::Imds,
        ],
        Sdk::JavaV2 => vec![
            K::JavaProperties,
            K::Environment,
            K::WebIdentityEnv,
            K::Profile(None),
            K::Container,
            K::Imds,
        ],
        Sdk::JsV3 => vec![
            K::Environment,
            K::Profile(None),
            K::Process(None),
            K::WebIdentityEnv,
            K::Container,
            K::Imds,
        ],
        Sdk::GoV2 if explicit => vec![K::Profile(None), K::Container, K::Imds],
        Sdk::GoV2 => vec![
            K::Environment,
            K::WebIdentityEnv,
            K::Profile(None),
            K::Container,
            K::Imds,
        ],
        Sdk::Php => vec![
            K::Environment,
            K::WebIdentity,
            K::Sso,
            K::ConsoleLogin,
            K::Process(Some(FileRole::Credentials)),
            K::Profile(Some(FileRole::Credentials)),
            K::Process(Some(FileRole::Config)),
            K::Profile(Some(FileRole::Config)),
            K::Container,
            K::Imds,
        ],
        Sdk::Dotnet if explicit => vec![
            K::Profile(None),
            K::Environment,
            K::WebIdentityEnv,
            K::Container,
            K::Imds,
        ],
        Sdk::Dotnet => vec![
            K::Environment,
            K::WebIdentityEnv,
            K::Profile(None),
            K::Container,
            K::Imds,
        ],
        Sdk::Rust => vec![
            K::Environment,
            K::Profile(None),
            K::WebIdentityEnv,
            K::Container,
            K::Imds,
        ],
    };
    // The CLI's `--profile` (and a profile passed to boto3) removes the environment keys.
    if explicit && matches!(sdk, Sdk::Cli | Sdk::Python) {
        v.retain(|k| *k != K::Environment);
    }
    v
}

/// A source's state in the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// The first source with credentials: the one the SDK uses.
    Used,
    /// Has credentials, but an earlier source won.
    Shadowed,
    /// Nothing configured for it.
    NotConfigured,
    /// Configured but cannot give credentials (the detail says why).
    Unusable,
    /// Cannot be known offline (the instance metadata service without `--probe`).
    NotProbed,
    /// After a source whose error ends the chain.
    NotReached,
}

impl State {
    /// In words, for the text report.
    pub fn label(self) -> &'static str {
        match self {
            State::Used => "USED",
            State::Shadowed => "shadowed",
            State::NotConfigured => "not configured",
            State::Unusable => "UNUSABLE",
            State::NotProbed => "not probed",
            State::NotReached => "not reached",
        }
    }
}

/// What the chain comes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A source gives credentials: [`Report::used`].
    Used,
    /// No source gives credentials.
    NoCredentials,
    /// A source's error ends the chain before any source gives credentials.
    Error,
    /// Nothing before the instance metadata service gives credentials, and it was not asked
    /// (no `--probe`): whether the SDK gets credentials is not known offline. The text says
    /// what happens with and without an instance role.
    NotProbed(String),
}

/// One source of the report.
#[derive(Clone, Debug, Serialize)]
pub struct SourceReport {
    /// Position in the chain, from 1.
    pub position: usize,
    /// Stable id (`environment`, `credentials-file`, `instance-metadata`, ...).
    pub id: &'static str,
    /// In words.
    pub name: &'static str,
    /// Its state.
    pub state: State,
    /// What was found, or why not.
    pub detail: String,
    /// The access key id, masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
    /// Who the credentials are, as far as can be known offline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// When they expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// The Region the SDK would use.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RegionReport {
    /// The Region, if any source sets one.
    pub region: Option<String>,
    /// Where it came from.
    pub from: Option<String>,
    /// Other places that set a Region and lose.
    pub shadowed: Vec<String>,
}

/// What `iamwhy creds` reports.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The SDK modelled (`--sdk`).
    pub sdk: Sdk,
    /// The profile the SDK reads.
    pub profile: String,
    /// Why that profile.
    pub profile_from: String,
    /// The shared files.
    pub files: Vec<FileInfo>,
    /// Every source, in chain order.
    pub sources: Vec<SourceReport>,
    /// The id of the source used, if any.
    pub used: Option<&'static str>,
    /// Who the SDK's calls are made as, in words.
    pub identity: Option<String>,
    /// The Region.
    pub region: RegionReport,
    /// Things that make calls go out as someone unexpected, or fail.
    pub warnings: Vec<String>,
    /// What `--probe` found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe: Option<Probe>,
    /// What the chain comes to (`used` names the source when one is used).
    #[serde(skip)]
    pub verdict: Verdict,
}

impl Report {
    /// The SDK's name in words.
    pub fn sdk_name(&self) -> &'static str {
        self.sdk.name()
    }

    /// What the chain comes to, in words, for the report's last line: the source used and
    /// who, or why none. Without `--probe`, a chain that comes down to the instance metadata
    /// service is "not known", not "no credentials" (D40).
    pub fn summary(&self) -> String {
        match (&self.verdict, self.used, &self.identity) {
            (Verdict::Used, Some(id), Some(who)) => format!("{id}: {who}"),
            (Verdict::NotProbed(clause), ..) => {
                format!("not known offline — {clause} (not probed: run with --probe to ask it)")
            }
            (Verdict::Error, ..) => {
                format!("nothing — {} stops at an error above", self.sdk.name())
            }
            _ => "nothing — the SDK finds no credentials".to_owned(),
        }
    }
}

/// Credentials a source holds (no secret: those are never kept).
#[derive(Clone, Debug, Default)]
struct Creds {
    key: Option<String>,
    temporary: bool,
    identity: String,
    /// When they expire; for IAM Identity Center, when the cached token does ([`Creds::sso`]).
    expires: Option<String>,
    /// Set for IAM Identity Center: `expires` is the SSO token's, not the role credentials'.
    sso: Option<SsoToken>,
}

/// An IAM Identity Center token behind credentials.
#[derive(Clone, Debug)]
struct SsoToken {
    /// The SDK can refresh it (`sso_session`, refresh token, client registration).
    refreshable: bool,
    /// The command that signs in again.
    login: String,
}

/// What a source came to.
#[derive(Clone, Debug)]
enum Outcome {
    NotConfigured(String),
    Available(Creds, String),
    Unusable {
        reason: String,
        stops: bool,
    },
    /// Hangs on the instance metadata service, not probed.
    Unknown(Pending),
}

/// A source that hangs on the instance metadata service, which was not probed.
#[derive(Clone, Debug)]
struct Pending {
    /// The source's detail.
    detail: String,
    /// What happens when the service gives an instance role.
    with_role: String,
    /// What happens when it gives none.
    without: String,
}

/// What evaluating sources needs.
struct Ctx<'a> {
    env: &'a Environment,
    files: &'a SharedFiles,
    sdk: Sdk,
    profile: &'a str,
    explicit: bool,
    probe: Option<&'a Probe>,
}

/// Inspects the environment as `sdk`'s default chain would; `probe` holds what `--probe`
/// found at the local metadata endpoints.
pub fn inspect(env: &Environment, sdk: Sdk, probe: Option<Probe>) -> Report {
    let files = SharedFiles::read(env);
    let (profile, profile_from) = profile_name(env, sdk);
    let explicit = env.explicit_profile.is_some();
    let ctx = Ctx {
        env,
        files: &files,
        sdk,
        profile: &profile,
        explicit,
        probe: probe.as_ref(),
    };
    let mut warnings = Vec::new();
    let mut sources = Vec::new();
    let mut used: Option<(&'static str, Creds)> = None;
    let mut stopped = false;
    // Set when the chain cannot go past a source that hangs on the un-probed instance
    // metadata service: either way, later sources are not reached.
    let mut pending: Option<Pending> = None;
    let missing_named = profile != "default" && !files.has_profile(&profile);
    if missing_named && files.problem().is_none() && matches!(sdk, Sdk::Cli | Sdk::Python) {
        warnings.push(format!(
            "the profile `{profile}` ({profile_from}) is in neither shared file: {} stops before looking for credentials (ProfileNotFound){}",
            sdk.name(),
            suggestion(&files, &profile)
        ));
        stopped = true;
    }
    for (i, kind) in chain(sdk, explicit).into_iter().enumerate() {
        let outcome = if stopped {
            Outcome::NotConfigured(String::new())
        } else {
            evaluate(kind, &ctx)
        };
        let (state, detail, creds) = match outcome {
            _ if stopped && pending.is_some() => (
                State::NotReached,
                "not reached either way: the un-probed instance metadata service above decides"
                    .to_owned(),
                None,
            ),
            _ if stopped => (
                State::NotReached,
                "an earlier error ends the chain".to_owned(),
                None,
            ),
            Outcome::NotConfigured(why) => (State::NotConfigured, why, None),
            Outcome::Unknown(p) => {
                let detail = p.detail.clone();
                if used.is_none() {
                    stopped = true;
                    pending = Some(p);
                }
                (State::NotProbed, detail, None)
            }
            Outcome::Unusable { reason, stops } => {
                if used.is_none() && stops {
                    stopped = true;
                    (
                        State::Unusable,
                        format!("{reason}; {} stops here with an error", sdk.name()),
                        None,
                    )
                } else {
                    (State::Unusable, reason, None)
                }
            }
            Outcome::Available(c, what) => {
                if used.is_none() {
                    used = Some((kind.id(), c.clone()));
                    (State::Used, what, Some(c))
                } else {
                    (State::Shadowed, what, Some(c))
                }
            }
        };
        sources.push(SourceReport {
            position: i.saturating_add(1),
            id: kind.id(),
            name: kind.name(),
            state,
            detail,
            access_key: creds
                .as_ref()
                .and_then(|c| c.key.as_deref())
                .map(mask::access_key_id),
            identity: creds.as_ref().map(|c| c.identity.clone()),
            expires: creds.as_ref().and_then(|c| c.expires.clone()),
        });
    }
    warn(&ctx, &sources, used.as_ref(), &mut warnings);
    let verdict = match (&used, &pending) {
        (Some(_), _) => Verdict::Used,
        (None, Some(p)) => {
            let clause = format!(
                "if the instance metadata service ({}) gives an instance role, {}; otherwise {}",
                probe::imds_endpoint(env),
                p.with_role,
                p.without
            );
            warnings.push(format!(
                "not known offline: {clause}; the instance metadata service was not probed (run with --probe to ask it)"
            ));
            Verdict::NotProbed(clause)
        }
        (None, None) if stopped => Verdict::Error,
        (None, None) => Verdict::NoCredentials,
    };
    Report {
        sdk,
        profile: profile.clone(),
        profile_from,
        files: files.files.clone(),
        identity: used.as_ref().map(|(_, c)| c.identity.clone()),
        used: used.map(|(id, _)| id),
        sources,
        region: region(env, sdk, &files, &profile, probe.as_ref()),
        warnings,
        probe,
        verdict,
    }
}

/// The profile the SDK reads, and why.
fn profile_name(env: &Environment, sdk: Sdk) -> (String, String) {
    if let Some(p) = &env.explicit_profile {
        return (p.clone(), "--profile".to_owned());
    }
    let java = |k: &str| env.java_properties.get(k).filter(|v| !v.is_empty());
    if sdk == Sdk::JavaV2
        && let Some(p) = java("aws.profile")
    {
        return (p.clone(), "Java system property aws.profile".to_owned());
    }
    // boto3 (botocore) reads AWS_DEFAULT_PROFILE before AWS_PROFILE; the CLI v2 and Go v2
    // read it after (docs/creds-sources.md §2).
    let vars: &[&str] = match sdk {
        Sdk::Python => &["AWS_DEFAULT_PROFILE", "AWS_PROFILE"],
        Sdk::Cli | Sdk::GoV2 => &["AWS_PROFILE", "AWS_DEFAULT_PROFILE"],
        _ => &["AWS_PROFILE"],
    };
    for v in vars {
        if let Some(p) = env.var(v) {
            return (p.trim().to_owned(), (*v).to_owned());
        }
    }
    if sdk == Sdk::JavaV1
        && let Some(p) = java("aws.profile")
    {
        return (p.clone(), "Java system property aws.profile".to_owned());
    }
    ("default".to_owned(), "no AWS_PROFILE".to_owned())
}

fn suggestion(files: &SharedFiles, name: &str) -> String {
    let names = files.profile_names();
    match names.iter().min_by_key(|n| {
        iamwhy_core::edit_distance(&n.to_ascii_lowercase(), &name.to_ascii_lowercase())
    }) {
        Some(n) if iamwhy_core::edit_distance(n, name) <= 3 => format!("; did you mean `{n}`?"),
        _ if names.is_empty() => String::new(),
        _ => format!("; the files define {}", quoted(&names)),
    }
}

fn quoted(names: &[&str]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    q.join(", ")
}

fn evaluate(kind: Kind, ctx: &Ctx<'_>) -> Outcome {
    match kind {
        Kind::Environment => environment(ctx),
        Kind::JavaProperties => java_properties(ctx),
        Kind::WebIdentityEnv => web_identity_env(ctx),
        Kind::WebIdentity => {
            // botocore: the environment's variables, unless a profile was chosen
            // explicitly; else the profile's.
            let env = if ctx.explicit {
                Outcome::NotConfigured(String::new())
            } else {
                web_identity_env(ctx)
            };
            match env {
                Outcome::NotConfigured(_) => {
                    match profile_or_problem(ctx, None, |s| web_identity_profile(ctx, &s)) {
                        Outcome::NotConfigured(_) => Outcome::NotConfigured(
                            "neither AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN nor a profile `web_identity_token_file`".to_owned(),
                        ),
                        o => o,
                    }
                }
                o => o,
            }
        }
        Kind::AssumeRole => profile_or_problem(ctx, None, |s| {
            if s.contains_key("web_identity_token_file") {
                return Outcome::NotConfigured(
                    "the profile's role is assumed with a web identity token".to_owned(),
                );
            }
            assume_role(ctx, ctx.profile, &s, &mut vec![ctx.profile.to_owned()])
        }),
        Kind::Sso => profile_or_problem(ctx, None, |s| sso(ctx, &s)),
        Kind::CredentialsFileKeys => {
            profile_or_problem(ctx, Some(FileRole::Credentials), |s| static_keys(ctx, &s))
        }
        Kind::ConfigFileKeys => {
            profile_or_problem(ctx, Some(FileRole::Config), |s| static_keys(ctx, &s))
        }
        Kind::ConsoleLogin => profile_or_problem(ctx, None, |s| match s.get("login_session") {
            Some(l) => Outcome::Available(
                Creds {
                    temporary: true,
                    identity: format!("the console sign-in session `{}` (aws login)", l.value),
                    ..Creds::default()
                },
                "login_session set; the session cache is not checked".to_owned(),
            ),
            None => Outcome::NotConfigured("no `login_session` in the profile".to_owned()),
        }),
        Kind::Process(file) => profile_or_problem(ctx, file, |s| process(ctx, &s)),
        Kind::Profile(file) => profile_or_problem(ctx, file, |s| {
            whole_profile(ctx, ctx.profile, &s, &mut vec![ctx.profile.to_owned()])
        }),
        Kind::Container => container(ctx),
        Kind::Imds => imds(ctx),
    }
}

/// Runs `f` on the selected profile's settings (from `file` or both), or says why not.
fn profile_or_problem(
    ctx: &Ctx<'_>,
    file: Option<FileRole>,
    f: impl FnOnce(Settings) -> Outcome,
) -> Outcome {
    if let Some(p) = ctx.files.problem() {
        return Outcome::Unusable {
            reason: format!("the shared files cannot be read: {p}"),
            stops: true,
        };
    }
    if !ctx.files.has_profile(ctx.profile) {
        if ctx.profile != "default" {
            return Outcome::Unusable {
                reason: format!(
                    "the profile `{}` is in neither shared file{}",
                    ctx.profile,
                    suggestion(ctx.files, ctx.profile)
                ),
                // .NET v4, Go v2 and Rust end the chain with an error; Java, JavaScript
                // and PHP go on to the next source (docs/creds-sources.md §2).
                stops: matches!(ctx.sdk, Sdk::Dotnet | Sdk::GoV2 | Sdk::Rust),
            };
        }
        return Outcome::NotConfigured("no `default` profile".to_owned());
    }
    let s = ctx.files.profile(ctx.profile, file);
    if s.is_empty() {
        return Outcome::NotConfigured(format!(
            "the profile `{}` is not in this file",
            ctx.profile
        ));
    }
    f(s)
}

/// Where a setting is, for details.
fn at(ctx: &Ctx<'_>, s: &crate::profiles::Setting) -> String {
    let file = ctx
        .files
        .files
        .iter()
        .find(|f| f.role == s.file)
        .map_or("?", |f| f.path.as_str());
    format!("{file}:{}", s.line)
}

fn key_identity(key: &str, temporary_token: bool) -> (bool, String) {
    let k = key.trim();
    if k.starts_with("ASIA") {
        (
            true,
            "temporary credentials (a role session, a federated user or GetSessionToken)"
                .to_owned(),
        )
    } else if k.starts_with("AKIA") {
        (
            false,
            "a long-term access key of an IAM user (or the account's root user)".to_owned(),
        )
    } else {
        (temporary_token, "an access key of unknown kind".to_owned())
    }
}

fn environment(ctx: &Ctx<'_>) -> Outcome {
    let env = ctx.env;
    if ctx.sdk == Sdk::JsV3 && (ctx.explicit || env.var("AWS_PROFILE").is_some()) {
        return Outcome::NotConfigured(
            "skipped: AWS_PROFILE (or an explicit profile) is set, so JavaScript v3 goes to the profile".to_owned(),
        );
    }
    let alt = matches!(ctx.sdk, Sdk::JavaV1 | Sdk::GoV2);
    let pick = |names: &[&'static str]| -> Option<(&'static str, String)> {
        names
            .iter()
            .find_map(|n| env.var(n).map(|v| (*n, v.trim().to_owned())))
    };
    let id_names: &[&str] = if alt {
        &["AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"]
    } else {
        &["AWS_ACCESS_KEY_ID"]
    };
    // Java 1.x prefers the legacy name (docs/creds-sources.md §9).
    let secret_names: &[&str] = match ctx.sdk {
        Sdk::JavaV1 => &["AWS_SECRET_KEY", "AWS_SECRET_ACCESS_KEY"],
        Sdk::GoV2 => &["AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"],
        _ => &["AWS_SECRET_ACCESS_KEY"],
    };
    let token_names: &[&str] = if matches!(ctx.sdk, Sdk::Cli | Sdk::Python) {
        &["AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"]
    } else {
        &["AWS_SESSION_TOKEN"]
    };
    let (id, secret, token) = (pick(id_names), pick(secret_names), pick(token_names));
    let partial_stops = matches!(ctx.sdk, Sdk::Cli | Sdk::Python);
    match (id, secret) {
        (None, None) => Outcome::NotConfigured("AWS_ACCESS_KEY_ID is not set".to_owned()),
        (Some((n, _)), None) => Outcome::Unusable {
            reason: format!("{n} is set but not the secret key (AWS_SECRET_ACCESS_KEY)"),
            stops: partial_stops,
        },
        (None, Some((n, _))) => Outcome::Unusable {
            reason: format!("{n} is set but not AWS_ACCESS_KEY_ID"),
            stops: partial_stops,
        },
        (Some((idn, id)), Some((sn, _))) => {
            let (temporary, identity) = key_identity(&id, token.is_some());
            let mut vars = vec![idn, sn];
            if let Some((t, _)) = &token {
                vars.push(t);
            }
            let expires = env.var("AWS_CREDENTIAL_EXPIRATION").map(str::to_owned);
            Outcome::Available(
                Creds {
                    key: Some(id),
                    temporary: temporary || token.is_some(),
                    identity,
                    expires,
                    sso: None,
                },
                vars.join(" + "),
            )
        }
    }
}

fn java_properties(ctx: &Ctx<'_>) -> Outcome {
    let p = &ctx.env.java_properties;
    let secret_name = if ctx.sdk == Sdk::JavaV1 {
        "aws.secretKey"
    } else {
        "aws.secretAccessKey"
    };
    match (p.get("aws.accessKeyId"), p.get(secret_name)) {
        (Some(id), Some(_)) => {
            let token = p.get("aws.sessionToken");
            let (temporary, identity) = key_identity(id, token.is_some());
            Outcome::Available(
                Creds {
                    key: Some(id.clone()),
                    temporary,
                    identity,
                    ..Creds::default()
                },
                format!("aws.accessKeyId + {secret_name} (from --java-property)"),
            )
        }
        (Some(_), None) => Outcome::Unusable {
            reason: format!("aws.accessKeyId is given but not {secret_name}"),
            stops: false,
        },
        _ => Outcome::NotConfigured(
            "none given (iamwhy cannot read another JVM's properties: pass them with --java-property)"
                .to_owned(),
        ),
    }
}

fn web_identity_env(ctx: &Ctx<'_>) -> Outcome {
    let env = ctx.env;
    match (
        env.var("AWS_WEB_IDENTITY_TOKEN_FILE"),
        env.var("AWS_ROLE_ARN"),
    ) {
        (None, None) => Outcome::NotConfigured("AWS_WEB_IDENTITY_TOKEN_FILE is not set".to_owned()),
        (Some(_), None) => Outcome::NotConfigured(
            "AWS_WEB_IDENTITY_TOKEN_FILE is set but not AWS_ROLE_ARN".to_owned(),
        ),
        (None, Some(_)) => Outcome::NotConfigured(
            "AWS_ROLE_ARN is set but not AWS_WEB_IDENTITY_TOKEN_FILE".to_owned(),
        ),
        (Some(file), Some(role)) => web_identity(ctx, file, role, "AWS_WEB_IDENTITY_TOKEN_FILE"),
    }
}

fn web_identity_profile(ctx: &Ctx<'_>, s: &Settings) -> Outcome {
    match (s.get("web_identity_token_file"), s.get("role_arn")) {
        (Some(file), Some(role)) => web_identity(
            ctx,
            &file.value,
            &role.value,
            &format!("profile `{}`", ctx.profile),
        ),
        (Some(f), None) => Outcome::Unusable {
            reason: format!(
                "`web_identity_token_file` without `role_arn` ({})",
                at(ctx, f)
            ),
            stops: false,
        },
        _ => Outcome::NotConfigured("no `web_identity_token_file` in the profile".to_owned()),
    }
}

fn web_identity(ctx: &Ctx<'_>, file: &str, role: &str, from: &str) -> Outcome {
    let path = expand_home(file, ctx.env.home.as_deref());
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => Outcome::Available(
            Creds {
                temporary: true,
                identity: format!("a session of role `{role}` (AssumeRoleWithWebIdentity)"),
                ..Creds::default()
            },
            format!("token file {} ({from})", path.display()),
        ),
        _ => Outcome::Unusable {
            reason: format!(
                "the web identity token file {} does not exist",
                path.display()
            ),
            stops: matches!(ctx.sdk, Sdk::Cli | Sdk::Python),
        },
    }
}

/// The most `source_profile` hops iamwhy follows from the selected profile before it calls
/// the chain unusable.
///
/// The SDKs set no depth limit of their own: botocore (and so the AWS CLI) follows
/// `source_profile` recursively and only detects cycles (`InfiniteLoopConfigError`), so a
/// long enough chain ends in Python's recursion limit; the Java, Go and Rust SDKs likewise
/// keep a set of visited profiles. A real configuration has a handful of hops — each one is
/// an AssumeRole call at every refresh, and a chained role session lasts at most an hour —
/// so 100 is far beyond any working chain, and it keeps the walk and its report small when a
/// generated or hostile `~/.aws/config` holds thousands.
pub const MAX_SOURCE_PROFILE_HOPS: usize = 100;

/// What a profile with `role_arn` says to do next.
enum RoleStep {
    /// The profile's credentials, or why there are none, are known.
    Done(Outcome),
    /// The credentials of profile `source` (whose settings are `settings`) are needed, and
    /// this profile assumes `role` with them.
    Source {
        role: String,
        source: String,
        settings: Settings,
    },
}

/// The AssumeRole outcome of profile `name` assuming `role` with `source` (in words).
fn assumed(name: &str, role: &str, source: String) -> Outcome {
    Outcome::Available(
        Creds {
            temporary: true,
            identity: format!("a session of role `{role}` (AssumeRole)"),
            ..Creds::default()
        },
        format!("profile `{name}` assumes `{role}` with {source}"),
    )
}

/// A profile with `role_arn`: credentials of the source, then AssumeRole.
///
/// The `source_profile` chain is walked in a loop, not by recursion, so that a chain of any
/// length costs no stack; it stops at [`MAX_SOURCE_PROFILE_HOPS`]. `visited` holds the
/// profiles seen so far, to report a cycle as botocore does.
fn assume_role(ctx: &Ctx<'_>, name: &str, s: &Settings, visited: &mut Vec<String>) -> Outcome {
    // Each hop: the profile, the role it assumes and the profile it takes credentials from.
    let mut hops: Vec<(String, String, String)> = Vec::new();
    let mut step = role_step(ctx, name, s, visited);
    let terminal = loop {
        let (role, source, settings) = match step {
            RoleStep::Done(o) => break o,
            RoleStep::Source {
                role,
                source,
                settings,
            } => (role, source, settings),
        };
        let from = hops
            .last()
            .map_or(name, |(_, _, src)| src.as_str())
            .to_owned();
        hops.push((from, role, source.clone()));
        if hops.len() > MAX_SOURCE_PROFILE_HOPS {
            return Outcome::Unusable {
                reason: format!(
                    "`source_profile` chain longer than {MAX_SOURCE_PROFILE_HOPS} profiles: `{name}` → `{}` → … → `{source}`",
                    hops.first().map_or("", |(_, _, s)| s.as_str()),
                ),
                stops: true,
            };
        }
        // The source profile is read as a whole: another role continues the walk.
        if settings.contains_key("role_arn") && !settings.contains_key("web_identity_token_file") {
            step = role_step(ctx, &source, &settings, visited);
            continue;
        }
        break whole_profile(ctx, &source, &settings, visited);
    };
    // Back from the end of the chain to `name`: each profile assumes its role with what its
    // source came to.
    hops.into_iter()
        .rev()
        .fold(terminal, |outcome, (name, role, source)| match outcome {
            Outcome::Available(c, _) => assumed(
                &name,
                &role,
                format!("the credentials of profile `{source}` ({})", c.identity),
            ),
            Outcome::NotConfigured(_) => Outcome::Unusable {
                reason: format!("the source profile `{source}` has no credentials"),
                stops: true,
            },
            Outcome::Unusable { reason, .. } => Outcome::Unusable {
                reason: format!("source profile `{source}`: {reason}"),
                stops: true,
            },
            Outcome::Unknown(p) => Outcome::Unknown(Pending {
                detail: format!("assumes `{role}` with profile `{source}`: {}", p.detail),
                with_role: format!(
                    "{}, and profile `{name}` assumes `{role}` with those",
                    p.with_role
                ),
                without: p.without,
            }),
        })
}

/// One profile with `role_arn`: where its credentials come from.
fn role_step(ctx: &Ctx<'_>, name: &str, s: &Settings, visited: &mut Vec<String>) -> RoleStep {
    let done = RoleStep::Done;
    let Some(role) = s.get("role_arn") else {
        return done(Outcome::NotConfigured(
            "no `role_arn` in the profile".to_owned(),
        ));
    };
    match (s.get("source_profile"), s.get("credential_source")) {
        (Some(_), Some(_)) => done(Outcome::Unusable {
            reason: format!(
                "profile `{name}` has both `source_profile` and `credential_source` ({})",
                at(ctx, role)
            ),
            stops: true,
        }),
        (Some(src), None) => {
            let source = src.value.as_str();
            if source == name {
                // A profile may be its own source when it also holds static keys.
                return done(match static_keys(ctx, s) {
                    Outcome::Available(c, _) => assumed(
                        name,
                        &role.value,
                        format!(
                            "its own static keys ({})",
                            c.key
                                .as_deref()
                                .map(mask::access_key_id)
                                .unwrap_or_default()
                        ),
                    ),
                    _ => Outcome::Unusable {
                        reason: format!(
                            "profile `{name}` names itself as `source_profile` but has no static keys"
                        ),
                        stops: true,
                    },
                });
            }
            if visited.iter().any(|v| v == source) {
                visited.push(source.to_owned());
                return done(Outcome::Unusable {
                    reason: format!(
                        "`source_profile` chain is circular: {}",
                        visited.join(" → ")
                    ),
                    stops: true,
                });
            }
            if !ctx.files.has_profile(source) {
                return done(Outcome::Unusable {
                    reason: format!(
                        "`source_profile = {source}` ({}) names a profile that does not exist{}",
                        at(ctx, src),
                        suggestion(ctx.files, source)
                    ),
                    stops: true,
                });
            }
            visited.push(source.to_owned());
            RoleStep::Source {
                role: role.value.clone(),
                source: source.to_owned(),
                settings: ctx.files.profile(source, None),
            }
        }
        (None, Some(cs)) => {
            let from = match cs.value.as_str() {
                "Environment" => environment(ctx),
                "Ec2InstanceMetadata" => imds(ctx),
                "EcsContainer" => container(ctx),
                other => {
                    return done(Outcome::Unusable {
                        reason: format!(
                            "`credential_source = {other}` ({}): expected Environment, Ec2InstanceMetadata or EcsContainer",
                            at(ctx, cs)
                        ),
                        stops: true,
                    });
                }
            };
            done(match from {
                Outcome::Available(c, _) => assumed(
                    name,
                    &role.value,
                    format!("credentials from {} ({})", cs.value, c.identity),
                ),
                Outcome::Unknown(p) => Outcome::Unknown(Pending {
                    detail: format!(
                        "assumes `{}` with the instance role: {}",
                        role.value, p.detail
                    ),
                    with_role: format!(
                        "profile `{name}` assumes `{}` with its credentials",
                        role.value
                    ),
                    without: format!("{} stops with an error", ctx.sdk.name()),
                }),
                Outcome::NotConfigured(why) | Outcome::Unusable { reason: why, .. } => {
                    Outcome::Unusable {
                        reason: format!(
                            "`credential_source = {}` has no credentials: {why}",
                            cs.value
                        ),
                        stops: true,
                    }
                }
            })
        }
        (None, None) => done(Outcome::Unusable {
            reason: format!(
                "profile `{name}` has `role_arn` ({}) but neither `source_profile` nor `credential_source`",
                at(ctx, role)
            ),
            stops: true,
        }),
    }
}

/// A profile read as a whole: role, web identity, SSO, static keys, process. A role
/// profile's `source_profile` chain is walked by [`assume_role`], which calls this function
/// only for the profile at its end (one without a role), so the two never recurse deeply.
fn whole_profile(ctx: &Ctx<'_>, name: &str, s: &Settings, visited: &mut Vec<String>) -> Outcome {
    if s.contains_key("role_arn") {
        if s.contains_key("web_identity_token_file") {
            return web_identity_profile(ctx, s);
        }
        return assume_role(ctx, name, s, visited);
    }
    if s.contains_key("sso_session")
        || s.contains_key("sso_start_url")
        || s.contains_key("sso_account_id")
    {
        return sso(ctx, s);
    }
    match static_keys(ctx, s) {
        Outcome::NotConfigured(_) => {}
        o => return o,
    }
    match process(ctx, s) {
        Outcome::NotConfigured(_) => Outcome::NotConfigured(format!(
            "profile `{name}` holds no credentials (no keys, role, SSO or credential_process)"
        )),
        o => o,
    }
}

fn static_keys(ctx: &Ctx<'_>, s: &Settings) -> Outcome {
    match (s.get("aws_access_key_id"), s.get("aws_secret_access_key")) {
        (Some(id), Some(_)) => {
            let token = s
                .get("aws_session_token")
                .or_else(|| s.get("aws_security_token"));
            let (temporary, identity) = key_identity(&id.value, token.is_some());
            Outcome::Available(
                Creds {
                    key: Some(id.value.clone()),
                    temporary,
                    identity,
                    ..Creds::default()
                },
                format!("aws_access_key_id at {}", at(ctx, id)),
            )
        }
        (Some(id), None) => Outcome::Unusable {
            reason: format!(
                "`aws_access_key_id` ({}) without `aws_secret_access_key`",
                at(ctx, id)
            ),
            stops: matches!(ctx.sdk, Sdk::Cli | Sdk::Python),
        },
        (None, Some(secret)) => Outcome::Unusable {
            reason: format!(
                "`aws_secret_access_key` ({}) without `aws_access_key_id`",
                at(ctx, secret)
            ),
            stops: matches!(ctx.sdk, Sdk::Cli | Sdk::Python),
        },
        (None, None) => Outcome::NotConfigured("no static keys in the profile".to_owned()),
    }
}

fn process(ctx: &Ctx<'_>, s: &Settings) -> Outcome {
    let Some(p) = s.get("credential_process") else {
        return Outcome::NotConfigured("no `credential_process` in the profile".to_owned());
    };
    let program = first_word(&p.value);
    match executable(&program, ctx.env) {
        Ok(path) => Outcome::Available(
            Creds {
                identity: format!("whatever `{program}` returns (not run by iamwhy)"),
                ..Creds::default()
            },
            format!("runs {} ({})", path, at(ctx, p)),
        ),
        Err(why) => Outcome::Unusable {
            reason: format!("`credential_process` ({}): {why}", at(ctx, p)),
            stops: true,
        },
    }
}

/// The program of a command line (quotes honoured).
fn first_word(cmd: &str) -> String {
    let cmd = cmd.trim();
    if let Some(rest) = cmd.strip_prefix('"') {
        return rest.split('"').next().unwrap_or("").to_owned();
    }
    cmd.split_whitespace().next().unwrap_or("").to_owned()
}

/// Where an executable is, or why it cannot run.
fn executable(program: &str, env: &Environment) -> Result<String, String> {
    if program.is_empty() {
        return Err("empty command".to_owned());
    }
    let candidates: Vec<std::path::PathBuf> = if program.contains('/') {
        vec![expand_home(program, env.home.as_deref())]
    } else {
        env.var("PATH")
            .unwrap_or("")
            .split(':')
            .filter(|d| !d.is_empty())
            .map(|d| Path::new(d).join(program))
            .collect()
    };
    for c in &candidates {
        if let Ok(m) = std::fs::metadata(c)
            && m.is_file()
        {
            return if is_executable(&m) {
                Ok(c.display().to_string())
            } else {
                Err(format!("{} is not executable", c.display()))
            };
        }
    }
    Err(if program.contains('/') {
        format!("{program} does not exist")
    } else {
        format!("`{program}` is not on PATH")
    })
}

#[cfg(unix)]
fn is_executable(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    m.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    true
}

/// IAM Identity Center: the session and the cached token's expiry.
fn sso(ctx: &Ctx<'_>, s: &Settings) -> Outcome {
    let get = |k: &str| s.get(k).map(|v| v.value.clone());
    let (start_url, cache_name, session) = match get("sso_session") {
        Some(name) => match ctx.files.sso_session(&name) {
            Some(sec) => (
                sec.get("sso_start_url").map(|v| v.value.clone()),
                name.clone(),
                Some(name),
            ),
            None => {
                return Outcome::Unusable {
                    reason: format!(
                        "`sso_session = {name}` but the config file has no `[sso-session {name}]`"
                    ),
                    stops: true,
                };
            }
        },
        None => match get("sso_start_url") {
            Some(url) => (Some(url.clone()), url, None),
            None => {
                return Outcome::NotConfigured("no IAM Identity Center settings".to_owned());
            }
        },
    };
    let (Some(account), Some(role)) = (get("sso_account_id"), get("sso_role_name")) else {
        return Outcome::Unusable {
            reason: "`sso_account_id` and `sso_role_name` are needed next to the session"
                .to_owned(),
            stops: true,
        };
    };
    let identity = format!(
        "a session of permission set role `{role}` in account {account} (IAM Identity Center)"
    );
    let login = match &session {
        Some(_) => format!("aws sso login --profile {}", ctx.profile),
        None => format!("aws sso login --profile {}", ctx.profile),
    };
    let Some(home) = &ctx.env.home else {
        return Outcome::Unusable {
            reason: "no home directory: the token cache cannot be found".to_owned(),
            stops: true,
        };
    };
    let file = home.join(".aws/sso/cache").join(format!(
        "{}.json",
        sha1_smol::Sha1::from(cache_name.as_bytes()).digest()
    ));
    let text = match iamwhy_input::read_text(
        &iamwhy_input::Source::File(file.clone()),
        iamwhy_input::Limit::CONFIG,
    ) {
        Ok(t) => t,
        Err(_) => {
            return Outcome::Unusable {
                reason: format!(
                    "no cached IAM Identity Center token ({}): run `{login}`",
                    file.display()
                ),
                stops: true,
            };
        }
    };
    let v: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            return Outcome::Unusable {
                reason: format!(
                    "the cached token {} is not JSON (line {}, column {})",
                    file.display(),
                    e.line(),
                    e.column()
                ),
                stops: true,
            };
        }
    };
    let expires = v
        .get("expiresAt")
        .and_then(|e| e.as_str())
        .map(str::to_owned);
    let no_refresh = sso_refresh_problem(ctx.sdk, session.is_some(), &v, ctx.env.now);
    let expired = expires
        .as_deref()
        .and_then(parse_date)
        .is_some_and(|t| t.secs <= ctx.env.now);
    let url = start_url.unwrap_or_default();
    if expired && let Some(why) = &no_refresh {
        return Outcome::Unusable {
            reason: format!(
                "the IAM Identity Center token for {url} expired at {} and cannot be refreshed: {why}; run `{login}`",
                expires.unwrap_or_default()
            ),
            stops: true,
        };
    }
    // Quoted only when it is a date: the cache file is not iamwhy's to print.
    let registration = v
        .get("registrationExpiresAt")
        .and_then(|r| r.as_str())
        .filter(|r| parse_date(r).is_some())
        .map(|r| format!(", client registration valid until {r}"))
        .unwrap_or_default();
    Outcome::Available(
        Creds {
            temporary: true,
            identity,
            expires: expires.clone(),
            sso: Some(SsoToken {
                refreshable: no_refresh.is_none(),
                login,
            }),
            ..Creds::default()
        },
        if expired {
            format!(
                "token for {url} expired; {} refreshes it (sso-session with a cached refresh token{registration})",
                ctx.sdk.name()
            )
        } else {
            format!("token for {url} cached in {}", file.display())
        },
    )
}

/// Why `sdk` cannot refresh a cached IAM Identity Center token, or `None` when it can
/// (docs/creds-sources.md §4). Only tokens of `sso_session` profiles are refreshed, and only
/// with the token's `refreshToken` and the client registration cached next to it:
/// `clientId`, `clientSecret` and, for botocore (CLI, boto3), `registrationExpiresAt`, which
/// must not have passed (botocore checks it before asking; for the other SDKs IAM Identity
/// Center refuses an expired registration).
fn sso_refresh_problem(
    sdk: Sdk,
    session: bool,
    token: &serde_json::Value,
    now: i64,
) -> Option<String> {
    if !session {
        return Some(
            "the profile sets `sso_start_url` itself (no `sso_session`), and such tokens are never refreshed"
                .to_owned(),
        );
    }
    let text = |k: &str| {
        token
            .get(k)
            .and_then(|x| x.as_str())
            .filter(|x| !x.trim().is_empty())
    };
    let botocore = matches!(sdk, Sdk::Cli | Sdk::Python);
    let mut needed = vec!["refreshToken", "clientId", "clientSecret"];
    if botocore {
        needed.push("registrationExpiresAt");
    }
    let missing: Vec<String> = needed
        .into_iter()
        .filter(|k| text(k).is_none())
        .map(|k| format!("`{k}`"))
        .collect();
    if let Some((last, first)) = missing.split_last() {
        let names = if first.is_empty() {
            last.clone()
        } else {
            format!("{} or {last}", first.join(", "))
        };
        return Some(format!(
            "the cached token has no {names} ({} needs the refresh token and the client registration)",
            sdk.name()
        ));
    }
    let registration = text("registrationExpiresAt")?;
    match parse_date(registration) {
        Some(t) if t.secs <= now => Some(format!(
            "the client registration expired at {registration} (`registrationExpiresAt`)"
        )),
        None if botocore => {
            Some("`registrationExpiresAt` is not a date botocore can read".to_owned())
        }
        _ => None,
    }
}

fn container(ctx: &Ctx<'_>) -> Outcome {
    let Some(url) = probe::container_url(ctx.env) else {
        return Outcome::NotConfigured(
            "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor _FULL_URI is set".to_owned(),
        );
    };
    let shown = mask::url(&url);
    if !probe::container_url_allowed(&url, ctx.sdk) {
        return Outcome::Unusable {
            reason: format!(
                "{shown}: {} accepts only loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23 here",
                ctx.sdk.name()
            ),
            stops: true,
        };
    }
    if let Some(path) = ctx.env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        && std::fs::metadata(path).is_err()
    {
        return Outcome::Unusable {
            reason: format!("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path} does not exist"),
            stops: true,
        };
    }
    match ctx.probe.and_then(|p| p.container.as_ref()) {
        Some(f) => found(f, "the container's role", true),
        None => Outcome::Available(
            Creds {
                temporary: true,
                identity: "the container's task or pod role".to_owned(),
                ..Creds::default()
            },
            format!("{shown} (not probed)"),
        ),
    }
}

fn imds(ctx: &Ctx<'_>) -> Outcome {
    // Whether the SDK asks at all (spec §6.1; docs/creds-sources.md §7).
    let note = match probe::imds_switch(ctx.env, ctx.sdk) {
        ImdsSwitch::Off(why) => return Outcome::NotConfigured(format!("turned off: {why}")),
        // Java 2.x records the provider's error and goes on; nothing comes after it.
        ImdsSwitch::Invalid(why) => {
            return Outcome::Unusable {
                reason: why,
                stops: false,
            };
        }
        ImdsSwitch::NewerReleasesOnly(why) => Some(why),
        ImdsSwitch::On => None,
    };
    let outcome = match ctx.probe.and_then(|p| p.imds.as_ref()) {
        Some(f) => found(f, "the instance profile role", false),
        None => Outcome::Unknown(Pending {
            detail: format!(
                "{}: on EC2 it gives the instance role; run with --probe to ask",
                probe::imds_endpoint(ctx.env)
            ),
            with_role: format!("{} uses it", ctx.sdk.name()),
            without: "it finds no credentials".to_owned(),
        }),
    };
    let Some(note) = note else {
        return outcome;
    };
    match outcome {
        Outcome::Available(c, what) => Outcome::Available(c, format!("{what}; {note}")),
        Outcome::NotConfigured(why) => Outcome::NotConfigured(format!("{why}; {note}")),
        Outcome::Unusable { reason, stops } => Outcome::Unusable {
            reason: format!("{reason}; {note}"),
            stops,
        },
        Outcome::Unknown(p) => Outcome::Unknown(Pending {
            detail: format!("{}; {note}", p.detail),
            ..p
        }),
    }
}

/// A probed endpoint's answer as an outcome.
fn found(f: &Finding, what: &str, configured: bool) -> Outcome {
    if f.credentials {
        let role = f.role.clone().unwrap_or_else(|| "?".to_owned());
        Outcome::Available(
            Creds {
                key: None,
                temporary: true,
                identity: format!("{what} `{role}`"),
                expires: f.expiration.clone(),
                sso: None,
            },
            format!(
                "{} answered ({}; key {})",
                f.endpoint,
                f.role.as_deref().unwrap_or("role"),
                f.access_key.as_deref().unwrap_or("?")
            ),
        )
    } else {
        let why = format!(
            "{}: {}",
            f.endpoint,
            f.problem.as_deref().unwrap_or("no credentials")
        );
        if configured {
            Outcome::Unusable {
                reason: why,
                stops: true,
            }
        } else {
            Outcome::NotConfigured(why)
        }
    }
}

/// The warnings of spec §6's troubleshooter consequences and issue 7.
fn warn(
    ctx: &Ctx<'_>,
    sources: &[SourceReport],
    used: Option<&(&'static str, Creds)>,
    out: &mut Vec<String>,
) {
    let env = ctx.env;
    if let Some(p) = ctx.files.problem() {
        out.push(format!(
            "a shared file cannot be read ({p}): the SDKs refuse it as a whole"
        ));
    }
    let role_source = sources.iter().find(|s| {
        (s.id == "instance-metadata" || s.id == "container") && matches!(s.state, State::Shadowed)
    });
    if let Some((id, c)) = used {
        let long_term = c.key.is_some() && !c.temporary;
        if let Some(role) = role_source
            && c.key.is_some()
        {
            let key = c
                .key
                .as_deref()
                .map(mask::access_key_id)
                .unwrap_or_default();
            let from = match *id {
                "environment" => "the environment's",
                _ => "the shared files'",
            };
            out.push(format!(
                "{from} {} key {key} shadows {}: calls are made with the key ({}), not as the role, so changing the role's policies changes nothing; remove the key ({}) to use the role",
                if long_term { "long-term" } else { "" },
                role.identity.as_deref().unwrap_or("the role"),
                c.identity,
                if *id == "environment" {
                    "unset AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN"
                } else {
                    "delete it from the profile"
                }
            ).replace("  ", " "));
        } else if long_term && ctx.probe.is_none() && !probe::imds_disabled(env, ctx.sdk) {
            out.push(format!(
                "a long-term key ({}) is used: if this runs on EC2 or in a container, a role there is shadowed by it; run with --probe to check",
                c.key.as_deref().map(mask::access_key_id).unwrap_or_default()
            ));
        }
        if c.key.as_deref().is_some_and(|k| k.starts_with("ASIA"))
            && *id == "environment"
            && env.var("AWS_SESSION_TOKEN").is_none()
            && env.var("AWS_SECURITY_TOKEN").is_none()
        {
            out.push("a temporary key (ASIA…) without AWS_SESSION_TOKEN: AWS rejects such requests (InvalidClientTokenId)".to_owned());
        }
        if let Some(e) = &c.expires
            && let Some(t) = parse_date(e)
        {
            let expired = t.secs <= env.now;
            let soon = !expired && t.secs.saturating_sub(env.now) < SOON;
            match &c.sso {
                // The IAM Identity Center token, not the role credentials got with it. An
                // expired token that cannot be refreshed is unusable, so not here.
                Some(sso) if expired => out.push(format!(
                    "the IAM Identity Center token expired at {e}: {} refreshes it with the cached refresh token before it gets role credentials; if that fails (the sign-in session ended), run `{}`",
                    ctx.sdk.name(),
                    sso.login
                )),
                Some(sso) if soon && sso.refreshable => out.push(format!(
                    "the IAM Identity Center token expires soon, at {e}; {} can refresh it with the cached refresh token",
                    ctx.sdk.name()
                )),
                Some(sso) if soon => out.push(format!(
                    "the IAM Identity Center token expires soon, at {e}, and cannot be refreshed: then run `{}`",
                    sso.login
                )),
                Some(_) => {}
                None if expired => out.push(format!("the credentials used expired at {e}")),
                None if soon => out.push(format!("the credentials used expire soon, at {e}")),
                None => {}
            }
        }
    }
    // JavaScript v3 with AWS_EC2_METADATA_DISABLED=false, when the instance role counts.
    if let ImdsSwitch::NewerReleasesOnly(why) = probe::imds_switch(env, ctx.sdk)
        && sources.iter().any(|s| {
            s.id == "instance-metadata" && matches!(s.state, State::Used | State::NotProbed)
        })
        && used.is_none_or(|(id, _)| *id == "instance-metadata")
    {
        out.push(why);
    }
    // AWS_PROFILE next to key variables.
    let keys_set = env.var("AWS_ACCESS_KEY_ID").is_some();
    if keys_set
        && ctx.env.explicit_profile.is_none()
        && let Some(p) = env.var("AWS_PROFILE")
    {
        match ctx.sdk {
                Sdk::JsV3 => out.push(format!(
                    "AWS_PROFILE={p} and key variables are both set: JavaScript v3 uses the profile and ignores AWS_ACCESS_KEY_ID (most other SDKs and the CLI do the opposite)"
                )),
                _ if used.is_some_and(|(id, _)| *id == "environment") => out.push(format!(
                    "AWS_PROFILE={p} is ignored: {} takes AWS_ACCESS_KEY_ID first (JavaScript v3 would use the profile)",
                    ctx.sdk.name()
                )),
                _ => {}
            }
    }
    // One key id with two secrets.
    let mut keys: Vec<(String, String, String)> = ctx
        .files
        .static_keys()
        .into_iter()
        .map(|(profile, role, id, secret)| {
            let file = match role {
                FileRole::Config => "config file",
                FileRole::Credentials => "credentials file",
            };
            (id, secret, format!("profile `{profile}` ({file})"))
        })
        .collect();
    if let (Some(id), Some(secret)) = (
        env.var("AWS_ACCESS_KEY_ID"),
        env.var("AWS_SECRET_ACCESS_KEY"),
    ) {
        keys.push((
            id.to_owned(),
            secret.to_owned(),
            "the environment".to_owned(),
        ));
    }
    for (i, a) in keys.iter().enumerate() {
        for b in keys.get(i.saturating_add(1)..).unwrap_or_default() {
            if a.0.trim() == b.0.trim() && a.1.trim() != b.1.trim() {
                out.push(format!(
                    "key {} has different secrets in {} and {}: one of them is stale, and requests signed with it fail (SignatureDoesNotMatch)",
                    mask::access_key_id(&a.0),
                    a.2,
                    b.2
                ));
            }
        }
    }
    for s in sources {
        if s.state == State::Unusable
            && (s.detail.contains("source_profile") || s.detail.contains("circular"))
        {
            out.push(format!("{}: {}", s.name, s.detail));
        }
    }
}

/// The Region, by the SDK's order: environment variables, the profile's `region`, the
/// instance's Region (probed).
fn region(
    env: &Environment,
    sdk: Sdk,
    files: &SharedFiles,
    profile: &str,
    probe: Option<&Probe>,
) -> RegionReport {
    // docs/creds-sources.md §1: boto3 reads only AWS_DEFAULT_REGION; Java 2.x, JavaScript v3
    // and .NET only AWS_REGION; the CLI v2, Go v2, PHP and Rust both, AWS_REGION first.
    let vars: &[&str] = match sdk {
        Sdk::Python => &["AWS_DEFAULT_REGION"],
        Sdk::Cli | Sdk::GoV2 | Sdk::Php | Sdk::Rust => &["AWS_REGION", "AWS_DEFAULT_REGION"],
        Sdk::JavaV1 | Sdk::JavaV2 | Sdk::JsV3 | Sdk::Dotnet => &["AWS_REGION"],
    };
    let mut found: Vec<(String, String)> = Vec::new();
    if matches!(sdk, Sdk::JavaV1 | Sdk::JavaV2)
        && let Some(r) = env.java_properties.get("aws.region")
    {
        found.push((r.clone(), "Java system property aws.region".to_owned()));
    }
    for v in vars {
        if let Some(r) = env.var(v) {
            found.push((r.trim().to_owned(), (*v).to_owned()));
        }
    }
    if files.problem().is_none()
        && let Some(r) = files.profile(profile, None).get("region")
    {
        found.push((r.value.clone(), format!("profile `{profile}` `region`")));
    }
    // The instance's Region: Java, .NET and Rust fall back to it; the others do not (Go v2
    // only when the code opts in; JavaScript v3 in its newest releases).
    if matches!(sdk, Sdk::JavaV1 | Sdk::JavaV2 | Sdk::Dotnet | Sdk::Rust)
        && let Some(r) = probe
            .and_then(|p| p.imds.as_ref())
            .and_then(|f| f.region.clone())
    {
        found.push((r, "the instance metadata service".to_owned()));
    }
    let mut it = found.into_iter();
    match it.next() {
        Some((region, from)) => RegionReport {
            region: Some(region),
            from: Some(from),
            shadowed: it.map(|(r, f)| format!("{r} ({f})")).collect(),
        },
        None => RegionReport::default(),
    }
}
