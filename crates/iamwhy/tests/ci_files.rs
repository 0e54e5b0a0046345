//! The CI integration shipped in the repository: `.pre-commit-hooks.yaml` run by pre-commit
//! itself (`pre-commit try-repo` on a sample repository, PyPI's pre-commit installed by
//! `.ci/run`; `IAMWHY_REQUIRE_PRECOMMIT` makes its absence a failure), and the composite
//! action `action.yml` checked for what GitHub requires of it.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use saphyr::{LoadableYamlNode, Yaml};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn yaml(rel: &str) -> Yaml<'static> {
    let text = std::fs::read_to_string(root().join(rel)).unwrap();
    let text: &'static str = Box::leak(text.into_boxed_str());
    Yaml::load_from_str(text).unwrap().remove(0)
}

/// The member `key` of a mapping, if any (indexing panics on a missing key).
fn get<'a>(y: &'a Yaml<'static>, key: &str) -> Option<&'a Yaml<'static>> {
    y.as_mapping()?
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// `pre-commit try-repo` with the hooks of this repository, on a sample repository: a clean
/// policy passes; a policy with an error fails, naming the rule.
#[test]
fn pre_commit_hooks_run_on_a_sample_repository() {
    if Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("IAMWHY_REQUIRE_PRECOMMIT").is_none(),
            "pre-commit cannot be run"
        );
        eprintln!("skipped: pre-commit is not installed (`pip install pre-commit`)");
        return;
    }
    let base = std::env::temp_dir().join(format!("iamwhy-precommit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let sample = base.join("sample");
    std::fs::create_dir_all(sample.join("policies")).unwrap();
    let fixed = root().join("examples/candidates/backup-key-policy-fixed.json");
    std::fs::copy(&fixed, sample.join("policies/key.json")).unwrap();
    // The hooks run the `iamwhy` just built.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_iamwhy"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let git = |args: &[&str]| {
        let s = Command::new("git")
            .current_dir(&sample)
            .args(args)
            .status()
            .unwrap();
        assert!(s.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    let try_repo = || {
        Command::new("pre-commit")
            .current_dir(&sample)
            .args([
                "try-repo",
                &root().display().to_string(),
                "iamwhy-lint",
                "--all-files",
            ])
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", base.join("cache"))
            .env("GIT_AUTHOR_NAME", "iamwhy test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "iamwhy test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .output()
            .unwrap()
    };
    let out = try_repo();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("iamwhy lint (IAM policy documents)"),
        "{text}"
    );

    std::fs::write(
        sample.join("policies/broken.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"}]}"#,
    )
    .unwrap();
    git(&["add", "."]);
    let out = try_repo();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("invalid-effect"), "{text}");
    let _ = std::fs::remove_dir_all(&base);
}

/// Every hook names an id, a name, an entry that runs `iamwhy lint`, and a language.
#[test]
fn pre_commit_hooks_are_complete() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_vec().unwrap();
    assert!(hooks.len() >= 2);
    for h in hooks {
        for key in ["id", "name", "entry", "language"] {
            assert!(h[key].as_str().is_some(), "hook without `{key}`");
        }
        assert!(h["entry"].as_str().unwrap().starts_with("iamwhy lint"));
    }
}

/// The composite action: what GitHub requires (name, description, `runs.using: composite`,
/// a `shell` on every `run` step), and every `inputs.NAME` it uses declared.
#[test]
fn action_is_a_complete_composite_action() {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let action = yaml("action.yml");
    assert!(action["name"].as_str().is_some());
    assert!(action["description"].as_str().is_some());
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    for step in action["runs"]["steps"].as_vec().unwrap() {
        if get(step, "run").is_some() {
            assert!(
                get(step, "shell").is_some(),
                "a run step without shell: {step:?}"
            );
        } else {
            assert!(
                get(step, "uses").is_some(),
                "a step that neither runs nor uses"
            );
        }
    }
    let declared = action["inputs"].as_mapping().unwrap();
    let declared: Vec<&str> = declared.keys().filter_map(|k| k.as_str()).collect();
    for (i, _) in text.match_indices("inputs.") {
        let name: String = text[i + "inputs.".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(
            declared.contains(&name.as_str()),
            "`inputs.{name}` is not declared"
        );
    }
    // The example workflow uses the action with declared inputs only.
    let workflow = yaml("docs/examples/github-workflow.yml");
    let steps = workflow["jobs"]["iam"]["steps"].as_vec().unwrap();
    let ours = steps
        .iter()
        .find(|s| get(s, "uses").and_then(|u| u.as_str()) == Some("./"))
        .unwrap();
    for k in ours["with"].as_mapping().unwrap().keys() {
        assert!(declared.contains(&k.as_str().unwrap()), "{k:?}");
    }
}

/// `iamwhy completions SHELL` writes a script for each shell from the same definition as
/// `--help` (bash's is checked by `bash -n`), and `iamwhy man` a manual page naming every
/// subcommand.
#[test]
fn completions_and_man_page() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_iamwhy"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = run(&["completions", shell]);
        assert!(
            script.contains("review") && script.contains("--fail-on"),
            "{shell}"
        );
    }
    let base = std::env::temp_dir().join(format!("iamwhy-completions-{}", std::process::id()));
    std::fs::write(&base, run(&["completions", "bash"])).unwrap();
    let checked = Command::new("bash").arg("-n").arg(&base).status().unwrap();
    let _ = std::fs::remove_file(&base);
    assert!(checked.success(), "bash -n rejects the bash completions");

    let man = run(&["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH iamwhy 1"),
        "{man}"
    );
    for sub in [
        "explain",
        "simulate",
        "replay",
        "lint",
        "review",
        "completions",
    ] {
        assert!(man.contains(sub), "the man page does not name `{sub}`");
    }
}
