//! Issue 18: a `source_profile` chain of any length is walked without recursion and stops at
//! `MAX_SOURCE_PROFILE_HOPS` with an unusable source, never a stack overflow.

#![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "test arithmetic on small sizes"
)]

use std::fmt::Write as _;
use std::path::PathBuf;

use iamwhy_creds::{Environment, MAX_SOURCE_PROFILE_HOPS, Report, Sdk, State, inspect};

/// A home whose `~/.aws/config` chains `p0` → `p1` → … → `p{hops}`, the last with keys.
fn chain_home(hops: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "iamwhy-creds-long-chain-{}-{hops}",
        std::process::id()
    ));
    std::fs::create_dir_all(dir.join(".aws")).unwrap();
    let mut config = String::new();
    for i in 0..hops {
        let _ = writeln!(
            config,
            "[profile p{i}]\nrole_arn = arn:aws:iam::111122223333:role/r{i}\nsource_profile = p{}\n",
            i + 1
        );
    }
    let _ = writeln!(
        config,
        "[profile p{hops}]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    );
    std::fs::write(dir.join(".aws/config"), config).unwrap();
    dir
}

fn report(hops: usize) -> Report {
    let home = chain_home(hops);
    let env = Environment {
        vars: [("AWS_PROFILE".to_owned(), "p0".to_owned())].into(),
        home: Some(home.clone()),
        now: 1_767_225_600,
        ..Environment::default()
    };
    let r = inspect(&env, Sdk::Cli, None);
    let _ = std::fs::remove_dir_all(home);
    r
}

#[test]
fn issue_18_a_chain_at_the_limit_is_followed() {
    let r = report(MAX_SOURCE_PROFILE_HOPS);
    assert_eq!(r.used, Some("assume-role-profile"), "{:#?}", r.sources);
}

#[test]
fn issue_18_a_chain_past_the_limit_is_unusable() {
    for hops in [MAX_SOURCE_PROFILE_HOPS + 1, 10_000] {
        let r = report(hops);
        let source = r
            .sources
            .iter()
            .find(|s| s.id == "assume-role-profile")
            .unwrap();
        assert_eq!(source.state, State::Unusable, "{}", source.detail);
        assert!(
            source
                .detail
                .contains("`source_profile` chain longer than 100 profiles"),
            "{}",
            source.detail
        );
        assert!(source.detail.len() < 300, "{}", source.detail);
        assert_eq!(r.used, None);
    }
}
