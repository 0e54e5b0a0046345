//! `iamwhy creds` end to end. Each entry of `tests/creds/cases.json` builds a temporary home
//! directory with the files it lists (`{"text": ..., "mode": 493}` for an executable), runs
//! the binary with only the environment it lists (`{HOME}` stands for the home directory) and
//! checks the source used, the states of sources, details, warnings, the Region and the exit
//! code. Every case runs in both output formats, and no secret of the case (the values of
//! secret variables and settings, and the SSO and container tokens) may appear in either.
//! `--probe` is tested against a local server imitating IMDSv2 and the container endpoint.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use serde_json::Value;

fn temp_home(name: &str) -> PathBuf {
    let slug: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(40)
        .collect();
    let dir = std::env::temp_dir().join(format!("iamwhy-creds-{}-{slug}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `iamwhy creds` with exactly `env` (plus HOME); (exit code, stdout, stderr).
fn run(home: &Path, env: &BTreeMap<String, String>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iamwhy"));
    cmd.env_clear().env("HOME", home).args(args);
    for (k, v) in env {
        cmd.env(k, v.replace("{HOME}", &home.to_string_lossy()));
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The secret values of a case: values of secret variables, of secret settings in its
/// files, and of JSON fields named like tokens.
fn secrets(case: &Value) -> Vec<String> {
    let secret_name = |n: &str| {
        let n = n.to_ascii_lowercase();
        n.contains("secret")
            || (n.contains("token") && !n.contains("file"))
            || n.contains("sessiontoken")
    };
    let mut out = Vec::new();
    if let Some(env) = case["env"].as_object() {
        for (k, v) in env {
            if secret_name(k) {
                out.push(v.as_str().unwrap().to_owned());
            }
        }
    }
    if let Some(props) = case["args"].as_array() {
        for a in props.iter().filter_map(Value::as_str) {
            if let Some((k, v)) = a.split_once('=')
                && secret_name(k)
            {
                out.push(v.to_owned());
            }
        }
    }
    if let Some(files) = case["files"].as_object() {
        for v in files.values() {
            let text = v.as_str().or_else(|| v["text"].as_str()).unwrap_or("");
            for line in text.lines() {
                if let Some((k, v)) = line.split_once('=')
                    && secret_name(k)
                {
                    out.push(v.trim().to_owned());
                }
            }
            if let Ok(json) = serde_json::from_str::<Value>(text)
                && let Some(o) = json.as_object()
            {
                for (k, v) in o {
                    if secret_name(k)
                        && let Some(s) = v.as_str()
                    {
                        out.push(s.to_owned());
                    }
                }
            }
        }
    }
    out.retain(|s| s.len() >= 8);
    out
}

fn write_files(home: &Path, case: &Value) {
    let Some(files) = case["files"].as_object() else {
        return;
    };
    for (rel, v) in files {
        let path = home.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = v.as_str().or_else(|| v["text"].as_str()).unwrap();
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        if let Some(mode) = v["mode"].as_u64() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode as u32)).unwrap();
        }
    }
}

fn check_case(case: &Value, extra_env: &BTreeMap<String, String>) {
    let name = case["name"].as_str().unwrap();
    let home = temp_home(name);
    write_files(&home, case);
    let mut env: BTreeMap<String, String> = case["env"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    env.extend(extra_env.clone());
    env.entry("PATH".to_owned())
        .or_insert_with(|| format!("{}/bin:/usr/bin:/bin", home.display()));
    let mut args: Vec<String> = vec!["creds".to_owned()];
    if let Some(sdk) = case["sdk"].as_str() {
        args.extend(["--sdk".to_owned(), sdk.to_owned()]);
    }
    args.extend(
        case["args"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| a.as_str().unwrap().to_owned()),
    );
    let text_args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, text, text_err) = run(&home, &env, &text_args);
    let mut json_args = vec!["--format", "json"];
    json_args.extend(text_args.iter().copied());
    let (json_code, json, json_err) = run(&home, &env, &json_args);
    let _ = std::fs::remove_dir_all(&home);
    let expect = &case["expect"];
    let want_code = expect["exit"].as_i64().unwrap_or(0) as i32;
    assert_eq!(code, want_code, "{name}: exit code\n{text}{text_err}");
    assert_eq!(json_code, want_code, "{name}: exit code (json)\n{json_err}");
    for s in secrets(case) {
        for (what, out) in [
            ("text", &text),
            ("stderr", &text_err),
            ("json", &json),
            ("json stderr", &json_err),
        ] {
            assert!(
                !out.contains(&s),
                "{name}: a secret appears in the {what} output\n{out}"
            );
        }
    }
    let r: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}\n{json}"));
    let show = || format!("{name}:\n{text}");
    if let Some(used) = expect.get("used") {
        assert_eq!(&r["used"], used, "{}", show());
    }
    let source = |id: &str| -> &Value {
        r["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("{name}: no source `{id}` in the chain\n{text}"))
    };
    if let Some(states) = expect["states"].as_object() {
        for (id, state) in states {
            assert_eq!(&source(id)["state"], state, "{}: state of {id}", show());
        }
    }
    if let Some(details) = expect["details"].as_object() {
        for (id, want) in details {
            let d = source(id)["detail"].as_str().unwrap_or("");
            assert!(
                d.contains(want.as_str().unwrap()),
                "{}: detail of {id}: {d}",
                show()
            );
        }
    }
    if let Some(ws) = expect["warnings"].as_array() {
        let all = r["warnings"].to_string();
        for w in ws {
            assert!(
                all.contains(w.as_str().unwrap()),
                "{}: no warning with {w}",
                show()
            );
        }
    }
    if expect["no_warnings"] == true {
        assert_eq!(r["warnings"], serde_json::json!([]), "{}", show());
    }
    if let Some(order) = expect["order"].as_array() {
        let ids: Vec<&str> = r["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = order.iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(ids, want, "{}", show());
    }
    if let Some(region) = expect.get("region") {
        assert_eq!(&r["region"]["region"], region, "{}", show());
    }
    if let Some(identity) = expect["identity"].as_str() {
        let got = r["identity"].as_str().unwrap_or("");
        assert!(got.contains(identity), "{}: identity {got}", show());
    }
    if let Some(files) = expect["file_problem"].as_str() {
        let all = r["files"].to_string();
        assert!(all.contains(files), "{}: files {all}", show());
    }
}

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/creds/cases.json"),
    )
    .unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn creds_cases() {
    let cases = cases();
    assert!(cases.len() >= 20, "{} cases", cases.len());
    for case in cases.iter().filter(|c| c.get("probe").is_none()) {
        check_case(case, &BTreeMap::new());
    }
}

/// What the imitation metadata server was asked.
type Seen = Arc<Mutex<Vec<String>>>;

/// A local server imitating IMDSv2 (a token is required) and the container endpoint.
fn metadata_server(role: Option<&'static str>) -> (String, Seen, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let handle = std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut headers = BTreeMap::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                }
            }
            let mut parts = request_line.split_whitespace();
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            log.lock().unwrap().push(format!("{method} {path}"));
            if path == "/stop" {
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                break;
            }
            let token_ok = headers.get("x-aws-ec2-metadata-token").map(String::as_str)
                == Some("TOKEN-imds-v2-0123456789");
            let (status, body) = match (method, path) {
                ("PUT", "/latest/api/token") => (200, "TOKEN-imds-v2-0123456789".to_owned()),
                (_, p) if p.starts_with("/latest/") && !token_ok => (401, String::new()),
                ("GET", "/latest/meta-data/placement/region") => (200, "ap-southeast-2".to_owned()),
                ("GET", "/latest/meta-data/iam/security-credentials/") => match role {
                    Some(r) => (200, r.to_owned()),
                    None => (404, String::new()),
                },
                ("GET", p) if role.is_some_and(|r| p == format!("/latest/meta-data/iam/security-credentials/{r}")) => (
                    200,
                    r#"{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDSEXAMPLE12345","SecretAccessKey":"imds-secret-never-shown-0000","Token":"imds-session-token-never-shown-0000","Expiration":"2099-01-01T00:00:00Z"}"#.to_owned(),
                ),
                ("GET", "/creds") => {
                    if headers.get("authorization").map(String::as_str) == Some("container-auth-token-0000") {
                        (200, r#"{"AccessKeyId":"ASIACONTAINER1234567","SecretAccessKey":"container-secret-never-shown","Token":"container-token-never-shown","Expiration":"2099-01-01T00:00:00Z","RoleArn":"arn:aws:iam::111122223333:role/task-role"}"#.to_owned())
                    } else {
                        (401, String::new())
                    }
                }
                _ => (404, String::new()),
            };
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    });
    (base, seen, handle)
}

fn stop(base: &str, handle: std::thread::JoinHandle<()>) {
    let addr = base.trim_start_matches("http://");
    if let Ok(mut s) = std::net::TcpStream::connect(addr) {
        let _ = s.write_all(b"GET /stop HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    let _ = handle.join();
}

#[test]
fn probe_cases_against_a_local_metadata_server() {
    for case in cases().iter().filter(|c| c.get("probe").is_some()) {
        let role = case["probe"]["role"]
            .as_str()
            .map(|r| &*Box::leak(r.to_owned().into_boxed_str()));
        let (base, seen, handle) = metadata_server(role);
        let mut env = BTreeMap::new();
        env.insert("AWS_EC2_METADATA_SERVICE_ENDPOINT".to_owned(), base.clone());
        if case["probe"]["container"] == true {
            env.insert(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI".to_owned(),
                format!("{base}/creds"),
            );
            env.insert(
                "AWS_CONTAINER_AUTHORIZATION_TOKEN".to_owned(),
                "container-auth-token-0000".to_owned(),
            );
        }
        check_case(case, &env);
        stop(&base, handle);
        let asked = seen.lock().unwrap().clone();
        // Only the imitation server was asked, and only for metadata paths.
        assert!(
            asked.iter().all(|r| r.contains(" /latest/")
                || r.ends_with(" /creds")
                || r.ends_with(" /stop")),
            "{asked:?}"
        );
        assert!(
            asked.iter().any(|r| r == "PUT /latest/api/token"),
            "{asked:?}"
        );
        let home = temp_home("secret-check");
        let (_, text, _) = run(&home, &env, &["creds", "--probe"]);
        let (_, json, _) = run(&home, &env, &["--format", "json", "creds", "--probe"]);
        let _ = std::fs::remove_dir_all(&home);
        for secret in [
            "imds-secret-never-shown",
            "imds-session-token-never-shown",
            "container-secret-never-shown",
            "container-token-never-shown",
            "TOKEN-imds-v2",
            "container-auth-token",
        ] {
            assert!(
                !text.contains(secret) && !json.contains(secret),
                "{secret} printed"
            );
        }
    }
}

#[test]
fn probing_refuses_addresses_other_than_metadata_and_loopback() {
    let home = temp_home("refuse");
    let mut env = BTreeMap::new();
    env.insert(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT".to_owned(),
        "http://192.0.2.10".to_owned(),
    );
    let (code, json, _) = run(&home, &env, &["--format", "json", "creds", "--probe"]);
    let _ = std::fs::remove_dir_all(&home);
    assert_eq!(code, 1);
    let r: Value = serde_json::from_str(&json).unwrap();
    assert!(
        r["probe"]["imds"]["problem"]
            .as_str()
            .unwrap()
            .contains("not contacted"),
        "{r}"
    );
}
