//! `--probe`: asks the local metadata endpoints, and only them, whether an instance or
//! container role is there. IMDSv2 (a token from `PUT /latest/api/token`, then the role name
//! and its credentials' key id and expiry) at `169.254.169.254` or `[fd00:ec2::254]` (or the
//! `AWS_EC2_METADATA_SERVICE_ENDPOINT` override); the container endpoint of
//! `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`. Any address other than these
//! link-local ones and loopback is refused, never contacted. Timeouts are short (one second
//! to connect, two to read). The secret key and token in the answers are dropped on arrival.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use serde::Serialize;

use crate::mask;
use crate::{Environment, Sdk};

/// What a metadata endpoint said.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Finding {
    /// The endpoint asked.
    pub endpoint: String,
    /// Whether it answered with credentials.
    pub credentials: bool,
    /// The role (instance profile role name, or the container's role ARN when given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The masked access key id of the credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
    /// When the credentials expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration: Option<String>,
    /// The instance's Region (IMDS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Why there are no credentials (no answer, no role, refused address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The results of probing.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Probe {
    /// The instance metadata service (`None`: disabled by `AWS_EC2_METADATA_DISABLED`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imds: Option<Finding>,
    /// The container endpoint (`None`: no container variables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<Finding>,
}

/// Probes the endpoints the environment names, as `sdk` would (the instance metadata service
/// only when `sdk` would ask it: [`imds_switch`]).
pub fn probe(env: &Environment, sdk: Sdk) -> Probe {
    Probe {
        imds: (!imds_disabled(env, sdk)).then(|| imds(env)),
        container: container_url(env).map(|url| container(env, &url, sdk)),
    }
}

/// The variable that turns the instance metadata provider off.
pub const IMDS_DISABLED_VAR: &str = "AWS_EC2_METADATA_DISABLED";

/// Whether an SDK asks the instance metadata service, by its reading of
/// `AWS_EC2_METADATA_DISABLED` (spec §6.1; docs/creds-sources.md §7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImdsSwitch {
    /// The SDK asks it.
    On,
    /// Turned off (why, in words).
    Off(String),
    /// The SDK rejects the value and its instance metadata provider fails (Java 2.x).
    Invalid(String),
    /// Newer releases ask it, older ones do not (JavaScript v3 with `false`).
    NewerReleasesOnly(String),
}

/// How `sdk` reads `AWS_EC2_METADATA_DISABLED` (and the Java system properties given):
/// * botocore (CLI, boto3), Go v2, PHP, .NET, Rust: off only for `true`, in any case; any
///   other value leaves it on.
/// * Java 1.x: off when the system property `com.amazonaws.sdk.disableEc2Metadata` or the
///   variable is `true` (any case).
/// * Java 2.x: the system property `aws.disableEc2Metadata`, else the variable; `true` or
///   `false` in any case, any other value makes the provider fail (the chain goes on).
/// * JavaScript v3: the node chain turns it off for any non-empty value other than `false`
///   (compared exactly, so `FALSE` turns it off); older releases for any non-empty value,
///   `false` included.
///
/// The value is compared as given (no trimming), as the SDKs do.
pub fn imds_switch(env: &Environment, sdk: Sdk) -> ImdsSwitch {
    let var = env
        .vars
        .get(IMDS_DISABLED_VAR)
        .map(String::as_str)
        .filter(|v| !v.is_empty());
    let is_true = |v: &str| v.eq_ignore_ascii_case("true");
    let java = |k: &str| {
        env.java_properties
            .get(k)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    match sdk {
        Sdk::JsV3 => match var {
            None => ImdsSwitch::On,
            Some("false") => ImdsSwitch::NewerReleasesOnly(format!(
                "{IMDS_DISABLED_VAR}=false: JavaScript v3 asks the instance metadata service in current releases, but older releases turn it off for any non-empty value"
            )),
            Some(v) => ImdsSwitch::Off(format!(
                "{IMDS_DISABLED_VAR}=`{v}`: JavaScript v3 turns the instance metadata service off for any value other than `false`"
            )),
        },
        Sdk::JavaV2 => {
            let (name, value) = match java("aws.disableEc2Metadata") {
                Some(v) => ("Java system property aws.disableEc2Metadata", v),
                None => match var {
                    Some(v) => (IMDS_DISABLED_VAR, v),
                    None => return ImdsSwitch::On,
                },
            };
            if is_true(value) {
                ImdsSwitch::Off(format!("{name}=`{value}`"))
            } else if value.eq_ignore_ascii_case("false") {
                ImdsSwitch::On
            } else {
                ImdsSwitch::Invalid(format!(
                    "{name}=`{value}`: Java 2.x accepts only `true` or `false`, so its instance metadata provider fails (IllegalStateException)"
                ))
            }
        }
        Sdk::JavaV1 => match java("com.amazonaws.sdk.disableEc2Metadata") {
            Some(v) if is_true(v) => ImdsSwitch::Off(format!(
                "Java system property com.amazonaws.sdk.disableEc2Metadata=`{v}`"
            )),
            _ => match var {
                Some(v) if is_true(v) => ImdsSwitch::Off(format!("{IMDS_DISABLED_VAR}=`{v}`")),
                _ => ImdsSwitch::On,
            },
        },
        Sdk::Cli | Sdk::Python | Sdk::GoV2 | Sdk::Php | Sdk::Dotnet | Sdk::Rust => match var {
            Some(v) if is_true(v) => ImdsSwitch::Off(format!("{IMDS_DISABLED_VAR}=`{v}`")),
            _ => ImdsSwitch::On,
        },
    }
}

/// Whether `sdk` never asks the instance metadata service here (turned off, or a value its
/// provider rejects).
pub fn imds_disabled(env: &Environment, sdk: Sdk) -> bool {
    matches!(
        imds_switch(env, sdk),
        ImdsSwitch::Off(_) | ImdsSwitch::Invalid(_)
    )
}

/// The IMDS base URL the SDKs use.
pub fn imds_endpoint(env: &Environment) -> String {
    if let Some(e) = env.var("AWS_EC2_METADATA_SERVICE_ENDPOINT") {
        return e.trim_end_matches('/').to_owned();
    }
    match env.var("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE") {
        Some(m) if m.eq_ignore_ascii_case("ipv6") => "http://[fd00:ec2::254]".to_owned(),
        _ => "http://169.254.169.254".to_owned(),
    }
}

/// The container credentials URL: the relative URI on ECS's address, else the full URI.
pub fn container_url(env: &Environment) -> Option<String> {
    if let Some(rel) = env.var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
        return Some(format!("http://169.254.170.2{rel}"));
    }
    env.var("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .map(str::to_owned)
}

/// Whether the SDK accepts a full container URI: loopback, ECS (`169.254.170.2`) or EKS Pod
/// Identity (`169.254.170.23`, `[fd00:ec2::23]`); Go v2 and Rust also any `https` host
/// (botocore applies the host list to `https` too: docs/creds-sources.md §6).
pub fn container_url_allowed(url: &str, sdk: Sdk) -> bool {
    if let Some(rest) = url.strip_prefix("https://") {
        if matches!(sdk, Sdk::GoV2 | Sdk::Rust) {
            return true;
        }
        return container_url_allowed(&format!("http://{rest}"), sdk);
    }
    parse_http(url).is_some_and(|(host, _, _)| {
        host == "localhost"
            || host.parse::<IpAddr>().is_ok_and(|ip| {
                ip.is_loopback()
                    || ["169.254.170.2", "169.254.170.23", "fd00:ec2::23"]
                        .iter()
                        .any(|a| a.parse::<IpAddr>().is_ok_and(|x| x == ip))
            })
    })
}

/// Addresses iamwhy may contact: the metadata addresses and loopback.
fn contactable(ip: IpAddr) -> bool {
    ip.is_loopback()
        || [
            "169.254.169.254",
            "169.254.170.2",
            "169.254.170.23",
            "fd00:ec2::254",
            "fd00:ec2::23",
        ]
        .iter()
        .any(|a| a.parse::<IpAddr>().is_ok_and(|x| x == ip))
}

fn imds(env: &Environment) -> Finding {
    let base = imds_endpoint(env);
    let mut f = Finding {
        endpoint: mask::url(&base),
        ..Finding::default()
    };
    let token = match request(
        "PUT",
        &format!("{base}/latest/api/token"),
        &[("X-aws-ec2-metadata-token-ttl-seconds", "60")],
    ) {
        Ok((200, body)) => Some(body.trim().to_owned()),
        Ok(_) => None,
        Err(e) => {
            f.problem = Some(e);
            return f;
        }
    };
    let v1_disabled = env
        .var("AWS_EC2_METADATA_V1_DISABLED")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if token.is_none() && v1_disabled {
        f.problem = Some("no IMDSv2 token and IMDSv1 is disabled".to_owned());
        return f;
    }
    let headers: Vec<(&str, &str)> = token
        .as_deref()
        .map(|t| vec![("X-aws-ec2-metadata-token", t)])
        .unwrap_or_default();
    if let Ok((200, region)) = request(
        "GET",
        &format!("{base}/latest/meta-data/placement/region"),
        &headers,
    ) {
        f.region = Some(region.trim().to_owned()).filter(|r| !r.is_empty());
    }
    let roles = match request(
        "GET",
        &format!("{base}/latest/meta-data/iam/security-credentials/"),
        &headers,
    ) {
        Ok((200, body)) => body,
        Ok((404, _)) => {
            f.problem = Some("the instance has no instance profile (no role)".to_owned());
            return f;
        }
        Ok((code, _)) => {
            f.problem = Some(format!("the metadata service answered HTTP {code}"));
            return f;
        }
        Err(e) => {
            f.problem = Some(e);
            return f;
        }
    };
    let Some(role) = roles.lines().map(str::trim).find(|l| !l.is_empty()) else {
        f.problem = Some("the instance has no instance profile (no role)".to_owned());
        return f;
    };
    f.role = Some(role.to_owned());
    match request(
        "GET",
        &format!("{base}/latest/meta-data/iam/security-credentials/{role}"),
        &headers,
    ) {
        Ok((200, body)) => read_credentials(&body, &mut f),
        Ok((code, _)) => f.problem = Some(format!("the role's credentials: HTTP {code}")),
        Err(e) => f.problem = Some(e),
    }
    f
}

fn container(env: &Environment, url: &str, sdk: Sdk) -> Finding {
    let mut f = Finding {
        endpoint: mask::url(url),
        ..Finding::default()
    };
    if !container_url_allowed(url, sdk) {
        f.problem = Some(
            "the SDKs refuse this address (http only to loopback, 169.254.170.2 or 169.254.170.23)"
                .to_owned(),
        );
        return f;
    }
    let token = match env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
        Some(path) => match iamwhy_input::read_text(
            &iamwhy_input::Source::File(path.into()),
            iamwhy_input::Limit::CONFIG,
        ) {
            Ok(t) => Some(t.trim().to_owned()),
            Err(e) => {
                f.problem = Some(format!("the authorization token file: {e}"));
                return f;
            }
        },
        None => env
            .var("AWS_CONTAINER_AUTHORIZATION_TOKEN")
            .map(str::to_owned),
    };
    let headers: Vec<(&str, &str)> = token
        .as_deref()
        .map(|t| vec![("Authorization", t)])
        .unwrap_or_default();
    match request("GET", url, &headers) {
        Ok((200, body)) => read_credentials(&body, &mut f),
        Ok((code, _)) => f.problem = Some(format!("the container endpoint answered HTTP {code}")),
        Err(e) => f.problem = Some(e),
    }
    f
}

/// Keeps the key id (masked), expiry and role of a credentials answer; drops the rest.
fn read_credentials(body: &str, f: &mut Finding) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        f.problem = Some("the answer is not JSON credentials".to_owned());
        return;
    };
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    match text("AccessKeyId") {
        Some(id) => {
            f.credentials = true;
            f.access_key = Some(mask::access_key_id(&id));
        }
        None => {
            f.problem = Some(match text("Code") {
                Some(c) => format!("no credentials in the answer (Code {c})"),
                None => "no credentials in the answer".to_owned(),
            });
        }
    }
    f.expiration = text("Expiration");
    if let Some(arn) = text("RoleArn") {
        f.role = Some(arn);
    }
}

/// `http://host[:port]/path` → (host, port, path); `None` for other schemes.
fn parse_http(url: &str) -> Option<(String, u16, String)> {
    let rest = url.strip_prefix("http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    // A userinfo (`user:password@`) names no host; like urllib's `hostname`, skip it.
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        let port = after
            .strip_prefix(':')
            .map_or(Some(80), |p| p.parse().ok())?;
        (h.to_owned(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), p.parse().ok()?),
            None => (authority.to_owned(), 80),
        }
    };
    Some((host, port, path.to_owned()))
}

/// One HTTP/1.1 request to a contactable address; (status, body).
fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> Result<(u16, String), String> {
    let Some((host, port, path)) = parse_http(url) else {
        return Err(format!(
            "`{}`: only http:// endpoints are probed",
            mask::url(url)
        ));
    };
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) if host == "localhost" => (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| e.to_string())?
            .filter(|a| a.ip().is_loopback())
            .collect(),
        Err(_) => {
            return Err(format!(
                "`{host}` is not a metadata address or loopback: not contacted"
            ));
        }
    };
    let Some(addr) = addrs.into_iter().find(|a| contactable(a.ip())) else {
        return Err(format!(
            "`{host}` is not a metadata address or loopback: not contacted"
        ));
    };
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))
        .map_err(|e| format!("no answer from {addr}: {e}"))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let host_header = if addr.is_ipv6() {
        format!("[{}]:{port}", addr.ip())
    } else {
        format!("{}:{port}", addr.ip())
    };
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: iamwhy\r\nConnection: close\r\nContent-Length: 0\r\n"
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream
        .write_all(req.as_bytes())
        .map_err(|e| format!("{addr}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .take(1 << 20)
        .read_to_end(&mut raw)
        .map_err(|e| format!("{addr}: {e}"))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{addr}: not an HTTP answer"))?;
    let chunked = head
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_metadata_addresses_and_loopback_are_contacted() {
        assert!(
            request("GET", "http://10.0.0.1/latest", &[])
                .is_err_and(|e| e.contains("not contacted"))
        );
        assert!(
            request("GET", "http://example.com/", &[]).is_err_and(|e| e.contains("not contacted"))
        );
        assert!(contactable(
            "169.254.169.254"
                .parse()
                .unwrap_or(IpAddr::from([0, 0, 0, 0]))
        ));
        assert!(!contactable(IpAddr::from([8, 8, 8, 8])));
    }

    #[test]
    fn container_addresses_the_sdks_accept() {
        let ok = |u: &str, sdk| container_url_allowed(u, sdk);
        assert!(ok("http://169.254.170.2/v2/credentials/x", Sdk::Cli));
        assert!(ok("http://127.0.0.1:8080/creds", Sdk::Cli));
        assert!(ok("https://example.com/creds", Sdk::GoV2));
        assert!(!ok("https://example.com/creds", Sdk::Cli));
        assert!(!ok("http://10.1.2.3/creds", Sdk::Rust));
    }
}
