//! `inspect` on table-driven cases: each builds a temporary home directory with the files it
//! lists, an environment with only the variables it lists and a fixed time, and checks the
//! source used, states and details of sources, warnings, what the chain comes to
//! ([`Verdict`]) and the summary line. The spec sections are those of
//! `../shared/design/iam-evaluation-spec.md`; docs/creds-sources.md holds the per-SDK facts.

#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]

use std::collections::BTreeMap;
use std::path::PathBuf;

use iamwhy_creds::probe::{self, Finding, ImdsSwitch, Probe};
use iamwhy_creds::{Environment, Report, Sdk, State, Verdict, inspect};

/// 2026-01-01T00:00:00Z.
const NOW: i64 = 1_767_225_600;

/// What the chain should come to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    Used,
    NoCredentials,
    Error,
    NotProbed,
}

struct Case {
    name: &'static str,
    spec: &'static str,
    sdk: Sdk,
    env: &'static [(&'static str, &'static str)],
    files: &'static [(&'static str, &'static str)],
    /// An instance role the probe found (`--probe`), else not probed.
    probed_role: Option<&'static str>,
    used: Option<&'static str>,
    verdict: Want,
    states: &'static [(&'static str, State)],
    details: &'static [(&'static str, &'static str)],
    warnings: &'static [&'static str],
    /// Texts no warning may contain.
    not_warned: &'static [&'static str],
    summary: &'static [&'static str],
}

const BASE: Case = Case {
    name: "",
    spec: "",
    sdk: Sdk::Cli,
    env: &[],
    files: &[],
    probed_role: None,
    used: None,
    verdict: Want::NoCredentials,
    states: &[],
    details: &[],
    warnings: &[],
    not_warned: &[],
    summary: &[],
};

const SSO_CONFIG: &str = "[profile work]\nsso_session = my-sso\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n[sso-session my-sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n";
/// The cache file of the session `my-sso` (SHA-1 of the name).
const SSO_CACHE: &str = ".aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json";
const LEGACY_SSO_CONFIG: &str = "[profile work]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n";
/// The cache file of the legacy start URL (SHA-1 of the URL).
const LEGACY_SSO_CACHE: &str = ".aws/sso/cache/e8be5486177c5b5392bd9aa76563515b29358e6e.json";

fn cases() -> Vec<Case> {
    vec![
        // Fix 1: an expired SSO token is refreshed only with the refresh token and the client
        // registration (spec §6.1 IAM Identity Center; docs/creds-sources.md §4).
        Case {
            name: "expired SSO token with only a refresh token: botocore cannot refresh it",
            spec: "§6.1 IAM Identity Center",
            env: &[("AWS_PROFILE", "work")],
            files: &[
                (".aws/config", SSO_CONFIG),
                (
                    SSO_CACHE,
                    r#"{"startUrl": "https://example.awsapps.com/start", "region": "us-east-1", "accessToken": "ssoAccessTokenNeverShown0000", "expiresAt": "2025-12-31T00:00:00Z", "refreshToken": "ssoRefreshTokenNeverShown000"}"#,
                ),
            ],
            verdict: Want::Error,
            states: &[
                ("sso-profile", State::Unusable),
                ("credentials-file", State::NotReached),
            ],
            details: &[(
                "sso-profile",
                "cannot be refreshed: the cached token has no `clientId`, `clientSecret` or `registrationExpiresAt`",
            )],
            summary: &["stops at an error"],
            ..BASE
        },
        Case {
            name: "expired SSO token without a client secret",
            spec: "§6.1 IAM Identity Center",
            sdk: Sdk::Python,
            env: &[("AWS_PROFILE", "work")],
            files: &[
                (".aws/config", SSO_CONFIG),
                (
                    SSO_CACHE,
                    r#"{"accessToken": "ssoAccessTokenNeverShown0000", "expiresAt": "2025-12-31T00:00:00Z", "refreshToken": "ssoRefreshTokenNeverShown000", "clientId": "client-id-0000", "registrationExpiresAt": "2026-03-01T00:00:00Z"}"#,
                ),
            ],
            verdict: Want::Error,
            states: &[("sso-profile", State::Unusable)],
            details: &[
                ("sso-profile", "has no `clientSecret` ("),
                ("sso-profile", "run `aws sso login --profile work`"),
            ],
            ..BASE
        },
        Case {
            name: "expired SSO token whose client registration expired",
            spec: "§6.1 IAM Identity Center",
            env: &[("AWS_PROFILE", "work")],
            files: &[
                (".aws/config", SSO_CONFIG),
                (
                    SSO_CACHE,
                    r#"{"accessToken": "ssoAccessTokenNeverShown0000", "expiresAt": "2025-12-31T00:00:00Z", "refreshToken": "ssoRefreshTokenNeverShown000", "clientId": "client-id-0000", "clientSecret": "clientSecretNeverShown0000", "registrationExpiresAt": "2025-11-01T00:00:00Z"}"#,
                ),
            ],
            verdict: Want::Error,
            states: &[("sso-profile", State::Unusable)],
            details: &[(
                "sso-profile",
                "the client registration expired at 2025-11-01T00:00:00Z (`registrationExpiresAt`)",
            )],
            ..BASE
        },
        Case {
            name: "expired SSO token with refresh token and a valid client registration",
            spec: "§6.1 IAM Identity Center",
            env: &[("AWS_PROFILE", "work")],
            files: &[
                (".aws/config", SSO_CONFIG),
                (
                    SSO_CACHE,
                    r#"{"accessToken": "ssoAccessTokenNeverShown0000", "expiresAt": "2025-12-31T00:00:00Z", "refreshToken": "ssoRefreshTokenNeverShown000", "clientId": "client-id-0000", "clientSecret": "clientSecretNeverShown0000", "registrationExpiresAt": "2026-03-01T00:00:00Z"}"#,
                ),
            ],
            used: Some("sso-profile"),
            verdict: Want::Used,
            details: &[(
                "sso-profile",
                "refreshes it (sso-session with a cached refresh token, client registration valid until 2026-03-01T00:00:00Z)",
            )],
            warnings: &["the IAM Identity Center token expired at 2025-12-31T00:00:00Z"],
            not_warned: &["the credentials used"],
            summary: &["sso-profile: a session of permission set role `ReadOnly`"],
            ..BASE
        },
        Case {
            name: "JavaScript v3 refreshes without registrationExpiresAt",
            spec: "§6.1 IAM Identity Center",
            sdk: Sdk::JsV3,
            env: &[("AWS_PROFILE", "work")],
            files: &[
                (".aws/config", SSO_CONFIG),
                (
                    SSO_CACHE,
                    r#"{"accessToken": "ssoAccessTokenNeverShown0000", "expiresAt": "2025-12-31T00:00:00Z", "refreshToken": "ssoRefreshTokenNeverShown000", "clientId": "client-id-0000", "clientSecret": "clientSecretNeverShown0000"}"#,
                ),
            ],
            used: Some("profile"),
            verdict: Want::Used,
            warnings: &["the IAM Identity Center token expired at"],
            not_warned: &["the credentials used"],
            ..BASE
        },
        Case {
            name: "Go v2: an expired client registration cannot refresh either",
            spec: "§6.1 IAM Identity Center",
            sdk: Sdk::GoV2,
            env: &[("AWS_PROFILE", "work")],
            files: &[
                (".aws/config", SSO_CONFIG),
                (
                    SSO_CACHE,
                    r#"{"accessToken": "ssoAccessTokenNeverShown0000", "expiresAt": "2025-12-31T00:00:00Z", "refreshToken": "ssoRefreshTokenNeverShown000", "clientId": "client-id-0000", "clientSecret": "clientSecretNeverShown0000", "registrationExpiresAt": "2025-11-01T00:00:00Z"}"#,
                ),
            ],
            verdict: Want::Error,
            states: &[("profile", State::Unusable)],
            details: &[("profile", "the client registration expired at")],
            ..BASE
        },
        Case {
            name: "legacy SSO profile (no sso_session): never refreshed",
            spec: "§6.1 IAM Identity Center",
            env: &[("AWS_PROFILE", "work")],
            files: &[
                (".aws/config", LEGACY_SSO_CONFIG),
                (
                    LEGACY_SSO_CACHE,
                    r#"{"accessToken": "ssoAccessTokenNeverShown0000", "expiresAt": "2025-12-31T00:00:00Z", "refreshToken": "ssoRefreshTokenNeverShown000", "clientId": "client-id-0000", "clientSecret": "clientSecretNeverShown0000", "registrationExpiresAt": "2026-03-01T00:00:00Z"}"#,
                ),
            ],
            verdict: Want::Error,
            states: &[("sso-profile", State::Unusable)],
            details: &[("sso-profile", "never refreshed")],
            ..BASE
        },
        Case {
            name: "SSO token about to expire, refreshable",
            spec: "§6.1 IAM Identity Center",
            env: &[("AWS_PROFILE", "work")],
            files: &[
                (".aws/config", SSO_CONFIG),
                (
                    SSO_CACHE,
                    r#"{"accessToken": "ssoAccessTokenNeverShown0000", "expiresAt": "2026-01-01T00:05:00Z", "refreshToken": "ssoRefreshTokenNeverShown000", "clientId": "client-id-0000", "clientSecret": "clientSecretNeverShown0000", "registrationExpiresAt": "2026-03-01T00:00:00Z"}"#,
                ),
            ],
            used: Some("sso-profile"),
            verdict: Want::Used,
            warnings: &[
                "the IAM Identity Center token expires soon, at 2026-01-01T00:05:00Z; the AWS CLI v2 can refresh it",
            ],
            not_warned: &["the credentials used"],
            ..BASE
        },
        Case {
            name: "SSO token about to expire, not refreshable",
            spec: "§6.1 IAM Identity Center",
            env: &[("AWS_PROFILE", "work")],
            files: &[
                (".aws/config", SSO_CONFIG),
                (
                    SSO_CACHE,
                    r#"{"accessToken": "ssoAccessTokenNeverShown0000", "expiresAt": "2026-01-01T00:05:00Z"}"#,
                ),
            ],
            used: Some("sso-profile"),
            verdict: Want::Used,
            warnings: &[
                "expires soon, at 2026-01-01T00:05:00Z, and cannot be refreshed: then run `aws sso login --profile work`",
            ],
            ..BASE
        },
        // Fix 2: offline, a chain that comes down to the instance metadata service is not
        // known (D40; spec §6.2).
        Case {
            name: "nothing configured, not probed: depends on the instance metadata service",
            spec: "§6.2 CLI",
            verdict: Want::NotProbed,
            states: &[("instance-metadata", State::NotProbed)],
            warnings: &[
                "not known offline: if the instance metadata service (http://169.254.169.254) gives an instance role, the AWS CLI v2 uses it; otherwise it finds no credentials",
            ],
            summary: &["not known offline", "run with --probe"],
            ..BASE
        },
        Case {
            name: "nothing configured, probed, an instance role",
            spec: "§6.2 Rust",
            sdk: Sdk::Rust,
            probed_role: Some("web-app-role"),
            used: Some("instance-metadata"),
            verdict: Want::Used,
            not_warned: &["not known offline"],
            summary: &["instance-metadata: the instance profile role `web-app-role`"],
            ..BASE
        },
        Case {
            name: "credential_source = Ec2InstanceMetadata, not probed: later sources are not reached",
            spec: "§6.1 assume-role profile",
            env: &[("AWS_PROFILE", "ec2")],
            files: &[
                (
                    ".aws/config",
                    "[profile ec2]\nrole_arn = arn:aws:iam::111122223333:role/app\ncredential_source = Ec2InstanceMetadata\n",
                ),
                (
                    ".aws/credentials",
                    "[ec2]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
                ),
            ],
            verdict: Want::NotProbed,
            states: &[
                ("assume-role-profile", State::NotProbed),
                ("credentials-file", State::NotReached),
                ("instance-metadata", State::NotReached),
            ],
            details: &[(
                "credentials-file",
                "the un-probed instance metadata service above decides",
            )],
            warnings: &[
                "profile `ec2` assumes `arn:aws:iam::111122223333:role/app` with its credentials; otherwise the AWS CLI v2 stops with an error",
            ],
            summary: &["not known offline — if the instance metadata service"],
            ..BASE
        },
        Case {
            name: "credential_source = Ec2InstanceMetadata, probed, an instance role",
            spec: "§6.1 assume-role profile",
            env: &[("AWS_PROFILE", "ec2")],
            files: &[(
                ".aws/config",
                "[profile ec2]\nrole_arn = arn:aws:iam::111122223333:role/app\ncredential_source = Ec2InstanceMetadata\n",
            )],
            probed_role: Some("web-app-role"),
            used: Some("assume-role-profile"),
            verdict: Want::Used,
            ..BASE
        },
        Case {
            name: "a source_profile whose credential_source is the instance, not probed",
            spec: "§6.1 assume-role profile",
            sdk: Sdk::JavaV2,
            env: &[("AWS_PROFILE", "top")],
            files: &[(
                ".aws/config",
                "[profile top]\nrole_arn = arn:aws:iam::111122223333:role/top\nsource_profile = base\n\n[profile base]\nrole_arn = arn:aws:iam::111122223333:role/base\ncredential_source = Ec2InstanceMetadata\n",
            )],
            verdict: Want::NotProbed,
            states: &[
                ("profile", State::NotProbed),
                ("instance-metadata", State::NotReached),
            ],
            summary: &[
                "profile `base` assumes `arn:aws:iam::111122223333:role/base` with its credentials, and profile `top` assumes `arn:aws:iam::111122223333:role/top` with those",
            ],
            ..BASE
        },
        Case {
            name: "IMDS turned off: no credentials, said plainly",
            spec: "§6.1 IMDS",
            env: &[("AWS_EC2_METADATA_DISABLED", "true")],
            verdict: Want::NoCredentials,
            states: &[("instance-metadata", State::NotConfigured)],
            not_warned: &["not known offline"],
            summary: &["nothing — the SDK finds no credentials"],
            ..BASE
        },
        Case {
            name: "an error ends the chain before the instance metadata service",
            spec: "§6.1 assume-role profile",
            env: &[("AWS_PROFILE", "deploy")],
            files: &[(
                ".aws/config",
                "[profile deploy]\nrole_arn = arn:aws:iam::111122223333:role/deploy\nsource_profile = nope\n",
            )],
            verdict: Want::Error,
            states: &[("instance-metadata", State::NotReached)],
            not_warned: &["not known offline"],
            summary: &["nothing — the AWS CLI v2 stops at an error above"],
            ..BASE
        },
        // Fix 3: AWS_EC2_METADATA_DISABLED per SDK, through the chain (spec §6.1 IMDS;
        // docs/creds-sources.md §7). The values alone are in `imds_switch_per_sdk`.
        Case {
            name: "JavaScript v3: AWS_EC2_METADATA_DISABLED=1 turns IMDS off",
            spec: "§6.1 IMDS",
            sdk: Sdk::JsV3,
            env: &[("AWS_EC2_METADATA_DISABLED", "1")],
            verdict: Want::NoCredentials,
            states: &[("instance-metadata", State::NotConfigured)],
            details: &[("instance-metadata", "any value other than `false`")],
            ..BASE
        },
        Case {
            name: "the CLI: AWS_EC2_METADATA_DISABLED=1 leaves IMDS on",
            spec: "§6.1 IMDS",
            env: &[("AWS_EC2_METADATA_DISABLED", "1")],
            verdict: Want::NotProbed,
            states: &[("instance-metadata", State::NotProbed)],
            ..BASE
        },
        Case {
            name: "JavaScript v3: AWS_EC2_METADATA_DISABLED=false depends on the release",
            spec: "§6.1 IMDS",
            sdk: Sdk::JsV3,
            env: &[("AWS_EC2_METADATA_DISABLED", "false")],
            verdict: Want::NotProbed,
            states: &[("instance-metadata", State::NotProbed)],
            details: &[("instance-metadata", "older releases turn it off")],
            warnings: &["older releases turn it off for any non-empty value"],
            ..BASE
        },
        Case {
            name: "Java 2.x: a value other than true or false makes the IMDS provider fail",
            spec: "§6.1 IMDS",
            sdk: Sdk::JavaV2,
            env: &[("AWS_EC2_METADATA_DISABLED", "yes")],
            verdict: Want::NoCredentials,
            states: &[("instance-metadata", State::Unusable)],
            details: &[("instance-metadata", "accepts only `true` or `false`")],
            ..BASE
        },
        Case {
            name: "credential_source = Ec2InstanceMetadata with IMDS turned off",
            spec: "§6.1 assume-role profile",
            env: &[
                ("AWS_PROFILE", "ec2"),
                ("AWS_EC2_METADATA_DISABLED", "True"),
            ],
            files: &[(
                ".aws/config",
                "[profile ec2]\nrole_arn = arn:aws:iam::111122223333:role/app\ncredential_source = Ec2InstanceMetadata\n",
            )],
            verdict: Want::Error,
            states: &[("assume-role-profile", State::Unusable)],
            details: &[(
                "assume-role-profile",
                "`credential_source = Ec2InstanceMetadata` has no credentials: turned off: AWS_EC2_METADATA_DISABLED=`True`",
            )],
            ..BASE
        },
    ]
}

fn temp_home(name: &str) -> PathBuf {
    let slug: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(40)
        .collect();
    let dir = std::env::temp_dir().join(format!("iamwhy-creds-lib-{}-{slug}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(case: &Case) -> Report {
    let home = temp_home(case.name);
    for (rel, text) in case.files {
        let path = home.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    let env = Environment {
        vars: case
            .env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        home: Some(home.clone()),
        now: NOW,
        ..Environment::default()
    };
    let probed = case.probed_role.map(|role| Probe {
        imds: Some(Finding {
            endpoint: "http://169.254.169.254".to_owned(),
            credentials: true,
            role: Some(role.to_owned()),
            access_key: Some("ASIA************2345".to_owned()),
            expiration: Some("2099-01-01T00:00:00Z".to_owned()),
            ..Finding::default()
        }),
        container: None,
    });
    let report = inspect(&env, case.sdk, probed);
    let _ = std::fs::remove_dir_all(&home);
    report
}

#[test]
fn chain_cases() {
    for case in cases() {
        let r = run(&case);
        let show = || {
            format!(
                "{} ({}):\n{}\nwarnings: {:#?}\nsummary: {}",
                case.name,
                case.spec,
                serde_json::to_string_pretty(&r.sources).unwrap(),
                r.warnings,
                r.summary()
            )
        };
        assert_eq!(r.used, case.used, "{}", show());
        let verdict = match r.verdict {
            Verdict::Used => Want::Used,
            Verdict::NoCredentials => Want::NoCredentials,
            Verdict::Error => Want::Error,
            Verdict::NotProbed(_) => Want::NotProbed,
        };
        assert_eq!(verdict, case.verdict, "{}", show());
        let source = |id: &str| {
            r.sources
                .iter()
                .find(|s| s.id == id)
                .unwrap_or_else(|| panic!("no source `{id}`: {}", show()))
        };
        for (id, state) in case.states {
            assert_eq!(source(id).state, *state, "state of {id}: {}", show());
        }
        for (id, want) in case.details {
            assert!(
                source(id).detail.contains(want),
                "detail of {id}: {}",
                show()
            );
        }
        for w in case.warnings {
            assert!(
                r.warnings.iter().any(|x| x.contains(w)),
                "no warning with {w:?}: {}",
                show()
            );
        }
        for w in case.not_warned {
            assert!(
                !r.warnings.iter().any(|x| x.contains(w)),
                "a warning with {w:?}: {}",
                show()
            );
        }
        for s in case.summary {
            assert!(r.summary().contains(s), "summary lacks {s:?}: {}", show());
        }
        // No secret of the cached tokens reaches the report.
        let all = format!(
            "{}{:?}{}",
            serde_json::to_string(&r).unwrap(),
            r.warnings,
            r.summary()
        );
        for secret in [
            "NeverShown",
            "ssoAccessToken",
            "ssoRefreshToken",
            "clientSecretNever",
        ] {
            assert!(!all.contains(secret), "{secret} printed: {}", show());
        }
    }
}

/// What each SDK makes of `AWS_EC2_METADATA_DISABLED` (and the Java system properties):
/// spec §6.1 IMDS, corrected per SDK by docs/creds-sources.md §7.
#[test]
fn imds_switch_per_sdk() {
    #[derive(Debug, PartialEq, Eq)]
    enum W {
        On,
        Off,
        Invalid,
        NewerOnly,
    }
    /// SDK, the variable's value, Java system properties, what the SDK makes of them.
    type Row = (
        Sdk,
        Option<&'static str>,
        &'static [(&'static str, &'static str)],
        W,
    );
    use Sdk::*;
    let table: &[Row] = &[
        (Cli, None, &[], W::On),
        (Cli, Some("true"), &[], W::Off),
        (Cli, Some("TRUE"), &[], W::Off),
        (Cli, Some("1"), &[], W::On),
        (Cli, Some("yes"), &[], W::On),
        (Cli, Some("false"), &[], W::On),
        (Cli, Some(" true"), &[], W::On),
        (Python, Some("True"), &[], W::Off),
        (Python, Some("1"), &[], W::On),
        (GoV2, Some("tRuE"), &[], W::Off),
        (GoV2, Some("1"), &[], W::On),
        (Rust, Some("true"), &[], W::Off),
        (Rust, Some("on"), &[], W::On),
        (Php, Some("TRUE"), &[], W::Off),
        (Php, Some("1"), &[], W::On),
        (Dotnet, Some("true"), &[], W::Off),
        (Dotnet, Some("yes"), &[], W::On),
        (JavaV1, Some("TRUE"), &[], W::Off),
        (JavaV1, Some("1"), &[], W::On),
        (
            JavaV1,
            None,
            &[("com.amazonaws.sdk.disableEc2Metadata", "true")],
            W::Off,
        ),
        (JavaV2, Some("true"), &[], W::Off),
        (JavaV2, Some("FALSE"), &[], W::On),
        (JavaV2, Some("1"), &[], W::Invalid),
        // The system property comes before the variable.
        (
            JavaV2,
            Some("true"),
            &[("aws.disableEc2Metadata", "false")],
            W::On,
        ),
        (
            JavaV2,
            None,
            &[("aws.disableEc2Metadata", "yes")],
            W::Invalid,
        ),
        (JsV3, None, &[], W::On),
        (JsV3, Some(""), &[], W::On),
        (JsV3, Some("true"), &[], W::Off),
        (JsV3, Some("1"), &[], W::Off),
        (JsV3, Some("yes"), &[], W::Off),
        (JsV3, Some("FALSE"), &[], W::Off),
        (JsV3, Some("false"), &[], W::NewerOnly),
    ];
    for (sdk, value, props, want) in table {
        let mut env = Environment::default();
        if let Some(v) = value {
            env.vars
                .insert(probe::IMDS_DISABLED_VAR.to_owned(), (*v).to_owned());
        }
        env.java_properties = props
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>();
        let got = match probe::imds_switch(&env, *sdk) {
            ImdsSwitch::On => W::On,
            ImdsSwitch::Off(_) => W::Off,
            ImdsSwitch::Invalid(_) => W::Invalid,
            ImdsSwitch::NewerReleasesOnly(_) => W::NewerOnly,
        };
        assert_eq!(got, *want, "{} with {value:?} and {props:?}", sdk.id());
        // `--probe` asks the service only when the SDK would.
        if matches!(want, W::Off | W::Invalid) {
            assert!(probe::probe(&env, *sdk).imds.is_none(), "{}", sdk.id());
        }
    }
}
