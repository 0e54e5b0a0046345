//! `iamwhy creds`: which credentials an AWS SDK's default credential provider chain would use
//! in this environment, and what each earlier or later source holds (spec §6).
//!
//! The chain of each SDK is a list of sources tried in order; the first that yields
//! credentials wins and shadows the rest. [`inspect`] reads the environment variables, the
//! shared `config` and `credentials` files, the IAM Identity Center token cache and (with a
//! [`probe::Probe`]) the local metadata endpoints, and reports every source of the chosen
//! SDK's chain with its state. Nothing calls AWS; secrets are masked ([`mask`]).

#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, reason = "tests may overflow loudly")
)]

mod chain;
pub mod ini;
pub mod mask;
pub mod probe;
pub mod profiles;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

pub use chain::{MAX_SOURCE_PROFILE_HOPS, Report, SourceReport, State, Verdict, inspect};

/// The SDK (or tool) whose chain is modelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sdk {
    /// AWS CLI v2.
    Cli,
    /// boto3 / botocore.
    Python,
    /// AWS SDK for Java 1.x.
    JavaV1,
    /// AWS SDK for Java 2.x.
    JavaV2,
    /// AWS SDK for JavaScript v3 (Node.js).
    JsV3,
    /// AWS SDK for Go v2.
    GoV2,
    /// AWS SDK for PHP 3.x.
    Php,
    /// AWS SDK for .NET (v4).
    Dotnet,
    /// AWS SDK for Rust (`aws-config`).
    Rust,
}

impl Sdk {
    /// Every SDK, in the order `--sdk` lists them.
    pub const ALL: [Sdk; 9] = [
        Sdk::Cli,
        Sdk::Python,
        Sdk::JavaV1,
        Sdk::JavaV2,
        Sdk::JsV3,
        Sdk::GoV2,
        Sdk::Php,
        Sdk::Dotnet,
        Sdk::Rust,
    ];

    /// The `--sdk` value.
    pub fn id(self) -> &'static str {
        match self {
            Sdk::Cli => "cli",
            Sdk::Python => "python",
            Sdk::JavaV1 => "java-v1",
            Sdk::JavaV2 => "java-v2",
            Sdk::JsV3 => "js-v3",
            Sdk::GoV2 => "go-v2",
            Sdk::Php => "php",
            Sdk::Dotnet => "dotnet",
            Sdk::Rust => "rust",
        }
    }

    /// The SDK's name in words.
    pub fn name(self) -> &'static str {
        match self {
            Sdk::Cli => "the AWS CLI v2",
            Sdk::Python => "boto3 (botocore)",
            Sdk::JavaV1 => "the AWS SDK for Java 1.x",
            Sdk::JavaV2 => "the AWS SDK for Java 2.x",
            Sdk::JsV3 => "the AWS SDK for JavaScript v3",
            Sdk::GoV2 => "the AWS SDK for Go v2",
            Sdk::Php => "the AWS SDK for PHP 3.x",
            Sdk::Dotnet => "the AWS SDK for .NET (v4)",
            Sdk::Rust => "the AWS SDK for Rust",
        }
    }

    /// The SDK for a `--sdk` value.
    pub fn parse(id: &str) -> Option<Sdk> {
        Sdk::ALL.into_iter().find(|s| s.id() == id)
    }
}

/// What the chain reads: environment variables, the home directory, Java system properties
/// given on the command line, the profile named explicitly (`--profile`, as code or the CLI's
/// `--profile` would), and the time.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// Environment variables.
    pub vars: BTreeMap<String, String>,
    /// The home directory (`HOME`, else `USERPROFILE`).
    pub home: Option<PathBuf>,
    /// Java system properties (`--java-property`); iamwhy cannot read another JVM's.
    pub java_properties: BTreeMap<String, String>,
    /// A profile chosen explicitly.
    pub explicit_profile: Option<String>,
    /// Seconds since the Unix epoch.
    pub now: i64,
}

impl Environment {
    /// This process's environment.
    pub fn from_process() -> Environment {
        let vars: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = vars
            .get("HOME")
            .or_else(|| vars.get("USERPROFILE"))
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Environment {
            vars,
            home,
            now,
            ..Environment::default()
        }
    }

    /// A variable's value; empty counts as unset.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}
