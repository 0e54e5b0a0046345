//! Fuzzes `iamwhy lint` on one file: arbitrary text (a policy, a CLI output, a scenario file,
//! or garbage) never panics, every finding has a code of the rule table and a place inside
//! the text, and the SARIF log of the report is built. The first byte picks the policy type
//! given with `--type` (or none, so that the type is guessed); the rest is the file. Also
//! fuzzes the `.iamwhy.toml` reader on the same text.
//!
//! From `fuzz/`, with libFuzzer (nightly):
//!
//! ```text
//! cargo fuzz run lint_input corpus/lint_input seeds/lint_input
//! ```
//!
//! On stable, the in-process runner (what CI runs):
//!
//! ```text
//! cargo run --release --no-default-features --bin stable -- lint_input --seconds 60
//! ```

use std::path::Path;

use iamwhy_core::PolicyKind;
use iamwhy_core::SourceMap;
use iamwhy_lint::{Config, LintOptions, RULES, lint_source};

use crate::Outcome;

/// The target: panics when a property fails.
pub fn run(data: &[u8]) -> Outcome {
    let mut out = Outcome::new();
    let Some((&first, rest)) = data.split_first() else {
        return out;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return out;
    };
    let options = LintOptions {
        policy_kind: PolicyKind::ALL.get(usize::from(first) % 12).copied(),
        account: None,
        region: None,
    };
    let mut map = SourceMap::new();
    let id = map.add_file("fuzz.json", text);
    let report = lint_source(&mut map, id, Path::new("s3/bucket/policy.json"), &options);
    let mut codes = Vec::new();
    for f in report.all_findings() {
        assert!(
            RULES.iter().any(|r| r.code == f.code),
            "unknown code {}",
            f.code
        );
        codes.push(f.code);
        if let Some(span) = f.span {
            let loc = map.location(span);
            assert_eq!(loc.file, "fuzz.json");
            assert!(loc.root.end as usize <= text.len());
        }
    }
    codes.sort_unstable();
    codes.dedup();
    out.add(options.policy_kind.is_some()).add(&codes);
    let _ = iamwhy_lint::sarif::log(std::slice::from_ref(&report), &map);
    match Config::parse(Path::new(".iamwhy.toml"), text) {
        Ok(_) => {
            out.add("config ok");
        }
        Err(e) => {
            if let Some((line, _)) = e.position {
                assert!(line <= text.lines().count().max(1) + 1);
            }
        }
    }
    out
}
