//! Secrets never leave iamwhy: an access key id keeps its first four and last four
//! characters (enough to tell `AKIA` from `ASIA` and to match a key in the console); a secret
//! key, session token, SSO token or container authorization token is never shown in any part.
//! A URL (a container credentials endpoint) keeps its scheme, host, port and path; its
//! userinfo password and query-string values are never shown.

/// An access key id with all but its first and last four characters replaced.
pub fn access_key_id(id: &str) -> String {
    let chars: Vec<char> = id.trim().chars().collect();
    match (chars.first_chunk::<4>(), chars.last_chunk::<4>()) {
        (Some(head), Some(tail)) if chars.len() > 8 => format!(
            "{}{}{}",
            String::from_iter(head),
            "*".repeat(chars.len().saturating_sub(8)),
            String::from_iter(tail)
        ),
        _ => "*".repeat(chars.len().max(4)),
    }
}

/// What is said of a secret value: only that it is set.
pub const SECRET: &str = "(set, not shown)";

/// Setting and variable names whose values are secrets (lower case).
pub fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("secret")
        || n.contains("token") && !n.contains("token_file") && !n.contains("tokenfile")
        || n.contains("password")
}

/// What stands for a hidden part of a URL (fixed, so that it says nothing of the length).
const HIDDEN: &str = "****";

/// A URL with the secrets it may carry hidden: `http://user:PASS@host:8080/creds?token=abc`
/// becomes `http://user:****@host:8080/creds?token=****`. A userinfo without a password is
/// hidden whole (`https://TOKEN@host` is a common way to pass a token), and so is a fragment.
/// Text that is not a URL is returned with only its query values and fragment hidden.
pub fn url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (
            url.get(..scheme.len().saturating_add(3)).unwrap_or(""),
            rest,
        ),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let mut out = String::with_capacity(url.len());
    out.push_str(scheme);
    // Only with a scheme is there an authority: `user@host` alone is not a URL.
    match authority.rsplit_once('@').filter(|_| !scheme.is_empty()) {
        Some((userinfo, host)) => {
            match userinfo.split_once(':') {
                Some((user, _password)) => {
                    out.push_str(user);
                    out.push(':');
                    out.push_str(HIDDEN);
                }
                None => out.push_str(HIDDEN),
            }
            out.push('@');
            out.push_str(host);
        }
        None => out.push_str(authority),
    }
    let (before_fragment, fragment) = match tail.split_once('#') {
        Some((b, _)) => (b, Some(HIDDEN)),
        None => (tail, None),
    };
    match before_fragment.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _value)) => format!("{key}={HIDDEN}"),
                    None => pair.to_owned(),
                })
                .collect();
            out.push_str(&pairs.join("&"));
        }
        None => out.push_str(before_fragment),
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_four_and_four() {
        assert_eq!(
            access_key_id("AKIAIOSFODNN7EXAMPLE"),
            "AKIA************MPLE"
        );
        assert_eq!(access_key_id("short"), "*****");
        assert!(is_secret_name("aws_secret_access_key"));
        assert!(is_secret_name("AWS_SESSION_TOKEN"));
        assert!(is_secret_name("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
        assert!(!is_secret_name("AWS_WEB_IDENTITY_TOKEN_FILE"));
        assert!(!is_secret_name("aws_access_key_id"));
    }

    #[test]
    fn urls_keep_where_and_hide_secrets() {
        // Issue 18: a container credentials URL printed as given.
        assert_eq!(
            url("http://user:PASS@127.0.0.1:8080/creds?token=abc&x=1&flag"),
            "http://user:****@127.0.0.1:8080/creds?token=****&x=****&flag"
        );
        assert_eq!(url("https://TOKEN@host/p"), "https://****@host/p");
        assert_eq!(url("https://host/p#frag"), "https://host/p#****");
        assert_eq!(
            url("http://169.254.170.2/v2/credentials/abc"),
            "http://169.254.170.2/v2/credentials/abc"
        );
        assert_eq!(url("http://[::1]:80/x?a=b@c"), "http://[::1]:80/x?a=****");
        assert_eq!(url("not a url?k=v"), "not a url?k=****");
        assert_eq!(url(""), "");
    }
}
