//! Secrets never leave iamwhy: an access key id keeps its first four and last four
//! characters (enough to tell `AKIA` from `ASIA` and to match a key in the console); a secret
//! key, session token, SSO token or container authorization token is never shown in any part.

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
}
