//! What a run is asked to do, and the SDK configuration it builds from it: the default
//! credential chain (the one `iamwhy creds --sdk rust` explains), adaptive retries, one
//! HTTPS client (rustls with ring), an optional endpoint for an emulator.

use std::path::PathBuf;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls;

/// The Regions `--all-regions` visits: those every account has enabled by default. An
/// opt-in Region can be named with `--region`.
pub const ALL_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
];

/// A run of `collect`, as the command line asks for it.
#[derive(Clone, Debug)]
pub struct Options {
    /// The snapshot directory; it must not exist or be empty.
    pub out: PathBuf,
    /// The profile of the shared config files, instead of the chain's choice.
    pub profile: Option<String>,
    /// The Regions of the regional services; empty: the configured Region.
    pub regions: Vec<String>,
    /// Every Region of [`ALL_REGIONS`].
    pub all_regions: bool,
    /// The whole organization, from its management account or a delegated administrator.
    pub org: bool,
    /// The role assumed in each member account with `org`.
    pub role_name: String,
    /// With `org`, only these accounts; empty: every account of the organization.
    pub accounts: Vec<String>,
    /// With `org`, how many accounts are collected at once (at least 1).
    pub concurrency: usize,
    /// Send every call to this endpoint (an emulator) instead of AWS's.
    pub endpoint_url: Option<String>,
    /// The most attempts of one call, throttling retries included (at least 1).
    pub max_attempts: u32,
}

impl Options {
    /// A run for the caller's account into `out`, with the defaults of the command line.
    pub fn new(out: PathBuf) -> Options {
        Options {
            out,
            profile: None,
            regions: Vec::new(),
            all_regions: false,
            org: false,
            role_name: "OrganizationAccountAccessRole".to_owned(),
            accounts: Vec::new(),
            concurrency: 4,
            endpoint_url: None,
            max_attempts: 5,
        }
    }
}

/// The configuration of the caller's credentials.
pub(crate) async fn base_config(opts: &Options) -> SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(RetryConfig::adaptive().with_max_attempts(opts.max_attempts.max(1)));
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    if let Some(r) = opts.regions.first() {
        loader = loader.region(Region::new(r.clone()));
    }
    let config = loader.load().await;
    // IAM, Organizations and the bucket list are global, but every call is signed for a
    // Region: without one configured, us-east-1.
    if config.region().is_none() {
        return config
            .to_builder()
            .region(Region::from_static("us-east-1"))
            .build();
    }
    config
}

/// Whether S3 must be addressed path-style: at a custom endpoint (an emulator), bucket
/// names cannot be host names.
pub(crate) fn path_style(opts: &Options) -> bool {
    opts.endpoint_url.is_some()
        || std::env::var_os("AWS_ENDPOINT_URL").is_some_and(|v| !v.is_empty())
}
