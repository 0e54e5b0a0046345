//! The CloudFormation fixtures are valid templates by AWS's own linter, cfn-lint (PyPI,
//! installed by `.ci/run`): the reader is tested on templates CloudFormation would take, not
//! on look-alikes. `IAMWHY_REQUIRE_CFN_LINT` (set by `.ci/run`) makes a missing cfn-lint a
//! failure instead of a skip.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::path::Path;
use std::process::Command;

#[test]
fn fixture_templates_pass_cfn_lint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let templates = [
        "tests/fixtures/cloudformation/every-resource.yaml",
        "tests/fixtures/cloudformation/story5-key.template.json",
        "tests/fixtures/cdk.out/BackupStack.template.json",
        "../iamwhy-lint/tests/corpus/iac/key-guardrail.yaml",
    ];
    let output = match Command::new("cfn-lint")
        .args(["--format", "parseable", "--"])
        .args(templates.iter().map(|t| root.join(t)))
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            assert!(
                std::env::var_os("IAMWHY_REQUIRE_CFN_LINT").is_none(),
                "cfn-lint cannot be run: {e}"
            );
            eprintln!("skipped: cfn-lint cannot be run ({e}); `pip install cfn-lint`");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cfn-lint found problems (exit {:?}):\n{stdout}{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
}
