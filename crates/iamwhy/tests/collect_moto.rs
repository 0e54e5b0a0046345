//! `iamwhy collect` against moto in server mode (issue 21): a moto server on a free port,
//! seeded by `crates/iamwhy-collect/tests/seed_moto.py` with an organization of three member
//! accounts; `collect --org` and `collect` on it; then `simulate` on what was collected.
//!
//! moto is a Python package (`pip install 'moto[server]' boto3`, which `.ci/run` does). When
//! it is missing these tests say so and pass, unless `IAMWHY_REQUIRE_MOTO` is set (CI sets
//! it). The server runs only while the fixture collects; the guard ends it by its id, on a
//! panic too. The questions then read the files alone.
#![cfg(feature = "collect")]
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    reason = "test fixture: a failed spawn, seed or parse is a failed test"
)]

use std::collections::BTreeSet;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

/// What the fixture made: the seed's facts and the two snapshots.
struct Fixture {
    seed: Value,
    org: PathBuf,
    org_report: Value,
    single: PathBuf,
    single_report: Value,
    /// `scripts/snapshot.sh` on the same account, when the AWS CLI is installed.
    script: Option<PathBuf>,
}

/// Ends the moto server by its id when dropped (at the end of the fixture, or on a panic).
struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn have_moto() -> bool {
    Command::new("python3")
        .args(["-c", "import moto.server, boto3"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_moto(port: u16, log: &Path) -> Moto {
    let log = std::fs::File::create(log).unwrap();
    let child = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("python3 -m moto.server");
    let moto = Moto(child);
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "moto did not listen on {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    moto
}

/// `iamwhy ARGS` with moto's dummy credentials and nothing of this machine's AWS setup.
fn iamwhy_aws(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iamwhy"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/iamwhy-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/iamwhy-test-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .unwrap()
}

fn collect(url: &str, out: &Path, org: bool) -> Value {
    let out_s = out.to_str().unwrap();
    // Two attempts: moto does not throttle, and the S3 Control call it cannot answer fails
    // with a connection error that would otherwise be retried with backoff.
    let mut args = vec![
        "--format",
        "json",
        "collect",
        "--out",
        out_s,
        "--endpoint-url",
        url,
        "--max-attempts",
        "2",
    ];
    if org {
        args.extend(["--org", "--concurrency", "3"]);
    }
    let o = iamwhy_aws(&args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    // 3: a partial result (moto lacks a call or two, see `only_moto_gaps_fail`).
    assert!(
        matches!(o.status.code(), Some(0 | 3)),
        "collect {args:?}: {:?}\n{stderr}",
        o.status
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `scripts/snapshot.sh --out DIR` against moto, when `aws` runs here.
fn run_snapshot_sh(url: &str, out: &Path) -> Option<PathBuf> {
    let has_cli = Command::new("aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_cli {
        assert!(
            std::env::var_os("IAMWHY_REQUIRE_MOTO").is_none(),
            "IAMWHY_REQUIRE_MOTO is set but the AWS CLI is not installed"
        );
        eprintln!("skipped scripts/snapshot.sh: no AWS CLI (pip install awscli)");
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/snapshot.sh");
    let o = Command::new("bash")
        .arg(script)
        .arg("--out")
        .arg(out)
        .env("AWS_ENDPOINT_URL", url)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/iamwhy-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/iamwhy-test-credentials",
        )
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "snapshot.sh: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(out.to_owned())
}

fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            if !have_moto() {
                assert!(
                    std::env::var_os("IAMWHY_REQUIRE_MOTO").is_none(),
                    "IAMWHY_REQUIRE_MOTO is set but python3 cannot import moto.server and boto3"
                );
                eprintln!("skipped: no moto (pip install 'moto[server]' boto3)");
                return None;
            }
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("collect-moto");
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let port = free_port();
            let moto = start_moto(port, &dir.join("moto.log"));
            let url = format!("http://127.0.0.1:{port}");
            let seed_script =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../iamwhy-collect/tests/seed_moto.py");
            let seeded = Command::new("python3")
                .arg(&seed_script)
                .arg(&url)
                .output()
                .unwrap();
            assert!(
                seeded.status.success(),
                "seed: {}",
                String::from_utf8_lossy(&seeded.stderr)
            );
            let seed: Value = serde_json::from_slice(&seeded.stdout).unwrap();
            let started = Instant::now();
            let org = dir.join("org");
            let org_report = collect(&url, &org, true);
            let single = dir.join("single");
            let single_report = collect(&url, &single, false);
            eprintln!("collected in {:.1} s", started.elapsed().as_secs_f64());
            let script = run_snapshot_sh(&url, &dir.join("script"));
            drop(moto);
            Some(Fixture {
                seed,
                org,
                org_report,
                single,
                single_report,
                script,
            })
        })
        .as_ref()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> BTreeSet<String> {
    fn walk(base: &Path, d: &Path, out: &mut BTreeSet<String>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.insert(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

/// The actions of `collect --print-policy --org`: the table of operations.
fn table_actions() -> BTreeSet<String> {
    let o = iamwhy_aws(&["collect", "--print-policy", "--org"]);
    assert_eq!(o.status.code(), Some(0));
    let policy: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut actions: BTreeSet<String> = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| s(a).to_owned())
        .collect();
    actions.insert(s(&policy["Statement"][1]["Action"]).to_owned());
    actions
}

#[test]
fn collect_calls_exactly_the_documented_operations() {
    let Some(f) = fixture() else { return };
    let called: BTreeSet<String> = f.org_report["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| s(a).to_owned())
        .collect();
    assert_eq!(called, table_actions());
}

#[test]
fn only_moto_gaps_fail() {
    let Some(f) = fixture() else { return };
    for report in [&f.org_report, &f.single_report] {
        for a in report["accounts"].as_array().unwrap() {
            for failure in a["failures"].as_array().unwrap() {
                // moto cannot be reached at the S3 Control host `ACCOUNT.127.0.0.1` (docs/snapshot.md).
                assert_eq!(
                    failure["permission"], "s3:GetAccountPublicAccessBlock",
                    "{failure}"
                );
            }
        }
    }
    assert_eq!(f.org_report["accounts"].as_array().unwrap().len(), 4);
}

#[test]
fn collect_writes_the_documented_layout() {
    let Some(f) = fixture() else { return };
    let seed = &f.seed;
    let org = files(&f.org);
    let app = s(&seed["accounts"]["app"]);
    let want = [
        "organizations/organization.json".to_owned(),
        "organizations/roots.json".to_owned(),
        format!("organizations/targets/{app}/parents.json"),
        format!(
            "organizations/targets/{}/parents.json",
            s(&seed["ous"]["prod-eu"])
        ),
        format!(
            "organizations/targets/{}/scps.json",
            s(&seed["ous"]["prod"])
        ),
        format!(
            "organizations/targets/{}/rcps.json",
            s(&seed["ous"]["root"])
        ),
        format!(
            "organizations/policies/{}.json",
            s(&seed["policies"]["DenyS3Delete"])
        ),
        format!(
            "organizations/policies/{}.json",
            s(&seed["policies"]["DenyKmsOutsideOrg"])
        ),
        format!("accounts/{app}/sts/caller-identity.json"),
        format!("accounts/{app}/iam/account-authorization-details.json"),
        format!("accounts/{app}/s3/app-data/policy.json"),
        format!("accounts/{app}/s3/app-data/encryption.json"),
        format!("accounts/{app}/s3/app-data/public-access-block.json"),
        format!("accounts/{app}/s3/app-data/location.json"),
        format!("accounts/{app}/s3/app-plain/location.json"),
        format!("accounts/{app}/kms/aliases.json"),
        format!("accounts/{app}/sqs/app-queue.json"),
        format!("accounts/{app}/sns/app-topic.json"),
        format!("accounts/{app}/secretsmanager/app_secret.json"),
        format!("accounts/{app}/lambda/app-fn/policy.json"),
    ];
    for w in &want {
        assert!(org.contains(w), "missing {w}; have {org:#?}");
    }
    // Nothing to fetch, no file.
    for absent in [
        format!("accounts/{app}/s3/app-plain/policy.json"),
        format!("accounts/{app}/s3/app-plain/encryption.json"),
        format!("accounts/{app}/secretsmanager/no-policy.json"),
    ] {
        assert!(!org.contains(&absent), "unexpected {absent}");
    }
    let key_id = s(&seed["app"]["key"]).rsplit('/').next().unwrap();
    for k in ["describe-key.json", "key-policy.json", "grants.json"] {
        assert!(org.contains(&format!("accounts/{app}/kms/{key_id}/{k}")));
    }
    // The single-account layout at the top.
    let single = files(&f.single);
    for w in [
        "sts/caller-identity.json",
        "iam/account-authorization-details.json",
        "s3/mgmt-data/policy.json",
        "organizations/organization.json",
        "organizations/targets/123456789012/scps.json",
    ] {
        assert!(single.contains(w), "missing {w}; have {single:#?}");
    }
    // The shapes are the CLI's: documents decoded, policies of other services as strings.
    let iam: Value = serde_json::from_str(
        &std::fs::read_to_string(f.single.join("iam/account-authorization-details.json")).unwrap(),
    )
    .unwrap();
    let role = iam["RoleDetailList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["RoleName"] == "app-role")
        .unwrap();
    assert!(role["AssumeRolePolicyDocument"].is_object());
    assert!(role["RolePolicyList"][0]["PolicyDocument"].is_object());
    assert_eq!(
        role["PermissionsBoundary"]["PermissionsBoundaryArn"],
        "arn:aws:iam::123456789012:policy/AppBoundary"
    );
    let bucket: Value = serde_json::from_str(
        &std::fs::read_to_string(f.single.join("s3/mgmt-data/policy.json")).unwrap(),
    )
    .unwrap();
    assert!(bucket["Policy"].is_string());
}

#[test]
fn no_credentials_are_written() {
    let Some(f) = fixture() else { return };
    for dir in [&f.org, &f.single] {
        for file in files(dir) {
            let text = std::fs::read_to_string(dir.join(&file)).unwrap();
            for secret in [
                "\"SecretAccessKey\":",
                "\"SessionToken\":",
                "\"AccessKeyId\":",
            ] {
                assert!(!text.contains(secret), "{file} holds {secret}");
            }
        }
    }
}

/// The decision of `iamwhy simulate --snapshot DIR` for one question: the whole operation's,
/// the checks it makes in other services (SSE-KMS) included.
fn decision(snapshot: &Path, principal: &str, action: &str, resource: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_iamwhy"))
        .args(["--format", "json", "simulate", "--snapshot"])
        .arg(snapshot)
        .args([
            "--principal",
            principal,
            "--action",
            action,
            "--resource",
            resource,
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    match v["operation_decision"].as_str().or(v["decision"].as_str()) {
        Some(d) => d.to_owned(),
        None => format!(
            "no decision (exit {:?}): {}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        ),
    }
}

/// The single-account questions the seed implies (seed_moto.py's docstring).
fn single_account_questions(snapshot: &Path, seed: &Value) {
    let m = &seed["mgmt"];
    let alice = s(&m["alice"]);
    let role = s(&m["app_role"]);
    let cases = [
        (
            alice,
            "s3:GetObject",
            "arn:aws:s3:::mgmt-data/report.csv",
            "Allowed",
        ),
        (
            alice,
            "s3:GetObject",
            "arn:aws:s3:::mgmt-data/secret/x",
            "ExplicitDeny",
        ),
        (
            alice,
            "s3:PutObject",
            "arn:aws:s3:::mgmt-data/x",
            "ImplicitDeny",
        ),
        (role, "sqs:SendMessage", s(&m["queue"]), "Allowed"),
        // Allowed by the inline policy and the secret's policy, not by the boundary.
        (
            role,
            "secretsmanager:GetSecretValue",
            s(&m["secret"]),
            "ImplicitDeny",
        ),
        (role, "kms:Decrypt", s(&m["key"]), "Allowed"),
        // bob may use S3, but his bucket puts need the bucket's key, which nothing allows.
        (
            s(&m["bob"]),
            "s3:PutObject",
            "arn:aws:s3:::mgmt-data/x",
            "ImplicitDeny",
        ),
    ];
    let mut wrong = Vec::new();
    for (p, a, r, want) in cases {
        let got = decision(snapshot, p, a, r);
        if got != want {
            wrong.push(format!("{p} {a} {r}: want {want}, got {got}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// What a loader that tolerates moto's output will do: moto leaves out `PolicyName` and
/// `PolicyId` of managed policies, which AWS always sends; derive the name from the ARN.
fn with_policy_names(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    for file in files(from) {
        let dest = to.join(&file);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&file), &dest).unwrap();
    }
    let path = to.join("iam/account-authorization-details.json");
    let mut iam: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for p in iam["Policies"].as_array_mut().unwrap() {
        let name = s(&p["Arn"]).rsplit('/').next().unwrap().to_owned();
        let o = p.as_object_mut().unwrap();
        o.entry("PolicyName").or_insert(Value::String(name));
        o.entry("PolicyId")
            .or_insert(Value::String("ANPAMOTO".into()));
    }
    std::fs::write(&path, serde_json::to_string(&iam).unwrap()).unwrap();
}

#[test]
fn single_account_decisions_with_names_from_arns() {
    let Some(f) = fixture() else { return };
    let patched = f.single.with_file_name("single-named");
    with_policy_names(&f.single, &patched);
    single_account_questions(&patched, &f.seed);
}

#[test]
fn single_account_decisions() {
    let Some(f) = fixture() else { return };
    single_account_questions(&f.single, &f.seed);
}

#[test]
fn organization_decisions() {
    let Some(f) = fixture() else { return };
    let seed = &f.seed;
    let app = s(&seed["accounts"]["app"]);
    let dev = s(&seed["accounts"]["dev"]);
    let admin = |a: &str| format!("arn:aws:iam::{a}:role/OrganizationAccountAccessRole");
    let cases = [
        // The SCP of OU prod (above prod-eu, which holds app) denies DeleteBucket.
        (
            admin(app),
            "s3:DeleteBucket",
            "arn:aws:s3:::app-plain".to_owned(),
            "ExplicitDeny",
        ),
        // The SCP of account dev denies CreateUser.
        (
            admin(dev),
            "iam:CreateUser",
            format!("arn:aws:iam::{dev}:user/x"),
            "ExplicitDeny",
        ),
        // Cross-account: app's reader, allowed by its role policy, data's bucket policy and
        // data's key policy (the hidden kms:Decrypt of SSE-KMS).
        (
            s(&seed["app"]["reader"]).to_owned(),
            "s3:GetObject",
            "arn:aws:s3:::data-data/report.csv".to_owned(),
            "Allowed",
        ),
        // Cross-account: app's app-role is named by no policy of data's bucket.
        (
            s(&seed["app"]["app_role"]).to_owned(),
            "s3:GetObject",
            "arn:aws:s3:::data-data/report.csv".to_owned(),
            "ImplicitDeny",
        ),
    ];
    let mut wrong = Vec::new();
    for (p, a, r, want) in &cases {
        let got = decision(&f.org, p, a, r);
        if got != *want {
            wrong.push(format!("{p} {a} {r}: want {want}, got {got}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Where two outputs of the same call differ, ignoring dates (the CLI's format depends on its
/// version and settings) and an empty list against no list (the SDK does not tell them apart).
fn differences(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    let empty = |v: Option<&Value>| v.is_none_or(|v| v.as_array().is_some_and(Vec::is_empty));
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                if k.contains("Date") {
                    continue;
                }
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => differences(p, q, &format!("{path}/{k}"), out),
                    (p, q) if empty(p) && empty(q) => {}
                    (p, q) => out.push(format!("{path}/{k}: {p:?} vs {q:?}")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differences(p, q, &format!("{path}[{i}]"), out);
            }
        }
        _ if a == b => {}
        _ => out.push(format!("{path}: {a} vs {b}")),
    }
}

/// A snapshot from `collect` and one from `scripts/snapshot.sh` are the same thing: every file
/// the script wrote, `collect` wrote too, with the same content.
#[test]
fn collect_and_snapshot_sh_write_the_same_files() {
    let Some(f) = fixture() else { return };
    let Some(script) = &f.script else { return };
    let mut wrong = Vec::new();
    let written = files(script);
    assert!(written.len() > 10, "{written:#?}");
    for file in written {
        let read = |d: &Path| -> Option<Value> {
            serde_json::from_str(&std::fs::read_to_string(d.join(&file)).ok()?).ok()
        };
        match (read(&f.single), read(script)) {
            (Some(a), Some(b)) => {
                let mut d = Vec::new();
                differences(&a, &b, "", &mut d);
                wrong.extend(d.into_iter().take(5).map(|d| format!("{file}: {d}")));
            }
            (None, _) => wrong.push(format!("{file}: only snapshot.sh wrote it")),
            (_, None) => wrong.push(format!("{file}: not JSON")),
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// `--print-policy` prints the policy of docs/snapshot.md, "Minimum IAM permissions" (no
/// moto needed).
#[test]
fn print_policy_is_the_documented_one() {
    let o = iamwhy_aws(&["collect", "--print-policy"]);
    assert_eq!(o.status.code(), Some(0));
    let printed: Value = serde_json::from_slice(&o.stdout).unwrap();
    let doc = include_str!("../../../docs/snapshot.md");
    let block = doc
        .split("## Minimum IAM permissions")
        .nth(1)
        .and_then(|s| s.split("```json\n").nth(1))
        .and_then(|s| s.split("```").next())
        .unwrap();
    assert_eq!(printed, serde_json::from_str::<Value>(block).unwrap());
}

/// A non-empty `--out` is refused before any call (exit 2).
#[test]
fn a_non_empty_out_directory_is_refused() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("collect-non-empty");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("keep"), "x").unwrap();
    let o = iamwhy_aws(&["collect", "--out", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not empty"));
}

/// `iamwhy explain` on the collected organization: app's `OrganizationAccountAccessRole`
/// (AdministratorAccess: its identity side allows) is named by no statement of data's bucket
/// policy nor of data's key policy, so reading data's SSE-KMS object is denied on the
/// resource side twice; the fix that is verified changes both of data's policies.
#[test]
fn organization_explain() {
    let Some(f) = fixture() else { return };
    let seed = &f.seed;
    let app = s(&seed["accounts"]["app"]);
    let data = s(&seed["accounts"]["data"]);
    let session = format!("arn:aws:sts::{app}:assumed-role/OrganizationAccountAccessRole/ops");
    let message = format!(
        "User: {session} is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::data-data/report.csv\" because no resource-based policy allows the s3:GetObject action"
    );
    let o = Command::new(env!("CARGO_BIN_EXE_iamwhy"))
        .args(["--format", "json", "explain", "--snapshot"])
        .arg(&f.org)
        .args(["--message", &message])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    let inc = &v["incidents"][0];
    let shown = format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(inc["decision"].as_str(), Some("ImplicitDeny"), "{shown}");
    assert_eq!(inc["result"]["resource_account"].as_str(), Some(data));
    assert_eq!(
        inc["cross_check"]["status"].as_str(),
        Some("agrees"),
        "{shown}"
    );
    let fix = &inc["fixes"][0];
    assert_eq!(fix["verified"].as_bool(), Some(true), "{shown}");
    let target = fix["target"].as_str().unwrap_or_default();
    assert!(
        target.contains("bucket policy of data-data") && target.contains("key policy of"),
        "the verified fix changes data's bucket and key policies: {target}"
    );
}
