//! CDK cloud assemblies (`cdk.out`): `manifest.json` names the stacks
//! (`"type": "aws:cloudformation:stack"`) and each stack's `properties.templateFile`; the
//! stack's `environment` (`aws://ACCOUNT/REGION`) supplies the account and Region when the
//! command line does not. Nested assemblies (`cdk:cloud-assembly`, CDK stages) are followed.
//!
//! Format: the cloud assembly schema of the AWS CDK
//! (<https://github.com/aws/aws-cdk-cli/tree/main/packages/%40aws-cdk/cloud-assembly-schema>).

use std::path::{Path, PathBuf};

use iamwhy_core::{Diagnostic, SourceMap};
use serde::Deserialize;

use crate::model::{ChangeSet, Format};
use crate::{ReadOptions, read_source};

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    artifacts: std::collections::BTreeMap<String, Artifact>,
}

#[derive(Deserialize)]
struct Artifact {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    environment: Option<String>,
    #[serde(default)]
    properties: Option<Properties>,
}

#[derive(Deserialize)]
struct Properties {
    #[serde(rename = "templateFile", default)]
    template_file: Option<String>,
    #[serde(rename = "directoryName", default)]
    directory_name: Option<String>,
}

/// Nested assemblies deeper than this are not followed.
const MAX_NESTING: usize = 8;

/// A stack of a cloud assembly: its template file and its environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stack {
    /// The template file.
    pub template: PathBuf,
    /// The account of the stack's environment (`aws://ACCOUNT/REGION`), when not
    /// `unknown-account`.
    pub account: Option<String>,
    /// The Region of the stack's environment, when not `unknown-region`.
    pub region: Option<String>,
}

/// Reads every stack template of the cloud assembly in `dir`, in the manifest's order of
/// artifact ids. A template that cannot be read is reported and skipped.
pub fn read_assembly(
    map: &mut SourceMap,
    dir: &Path,
    options: &ReadOptions,
) -> (Vec<ChangeSet>, Vec<Diagnostic>) {
    let mut stacks = Vec::new();
    let mut problems = Vec::new();
    list(dir, 0, &mut stacks, &mut problems);
    let mut sets = Vec::new();
    for stack in stacks {
        let path = stack.template;
        let text = match read(&path) {
            Ok(t) => t,
            Err(e) => {
                problems.push(Diagnostic::unplaced_error("iac-input", e.to_string()));
                continue;
            }
        };
        let options = ReadOptions {
            account: options.account.clone().or(stack.account),
            region: options.region.clone().or(stack.region),
        };
        let source = map.add_file(path.display().to_string(), text);
        match read_source(map, source, &options) {
            Some(mut set) => {
                set.format = Format::CdkAssembly;
                sets.push(set);
            }
            None => problems.push(Diagnostic::unplaced_error(
                "iac-input",
                format!("{}: not a CloudFormation template", path.display()),
            )),
        }
    }
    (sets, problems)
}

/// The stacks of the cloud assembly in `dir` (nested assemblies included).
pub fn assembly_stacks(dir: &Path) -> Result<Vec<Stack>, Diagnostic> {
    let mut stacks = Vec::new();
    let mut problems = Vec::new();
    list(dir, 0, &mut stacks, &mut problems);
    match problems.into_iter().next() {
        Some(p) => Err(p),
        None => Ok(stacks),
    }
}

fn read(path: &Path) -> Result<String, iamwhy_input::InputError> {
    iamwhy_input::read_text(
        &iamwhy_input::Source::File(path.to_owned()),
        iamwhy_input::Limit::LINT_FILE,
    )
}

fn list(dir: &Path, depth: usize, stacks: &mut Vec<Stack>, problems: &mut Vec<Diagnostic>) {
    if depth > MAX_NESTING {
        return;
    }
    let manifest_path = dir.join("manifest.json");
    let text = match read(&manifest_path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(Diagnostic::unplaced_error("iac-input", e.to_string()));
            return;
        }
    };
    let manifest: Manifest = match serde_json::from_str(&text) {
        Ok(m) => m,
        Err(e) => {
            problems.push(Diagnostic::unplaced_error(
                "iac-input",
                format!(
                    "{}:{}:{}: not a CDK cloud assembly manifest: {e}",
                    manifest_path.display(),
                    e.line(),
                    e.column()
                ),
            ));
            return;
        }
    };
    // A file named by the manifest is relative to the assembly; never leave it.
    let inside = |file: &str| !Path::new(file).is_absolute() && !file.contains("..");
    for (id, artifact) in &manifest.artifacts {
        let props = artifact.properties.as_ref();
        match artifact.kind.as_str() {
            "aws:cloudformation:stack" => {
                let Some(file) = props.and_then(|p| p.template_file.as_deref()) else {
                    continue;
                };
                if !inside(file) {
                    problems.push(Diagnostic::unplaced_error(
                        "iac-input",
                        format!("stack `{id}`: template file `{file}` is outside the assembly"),
                    ));
                    continue;
                }
                let (account, region) = environment(artifact.environment.as_deref());
                stacks.push(Stack {
                    template: dir.join(file),
                    account,
                    region,
                });
            }
            "cdk:cloud-assembly" => {
                if let Some(sub) = props.and_then(|p| p.directory_name.as_deref())
                    && inside(sub)
                {
                    list(&dir.join(sub), depth.saturating_add(1), stacks, problems);
                }
            }
            _ => {}
        }
    }
}

/// `aws://ACCOUNT/REGION`, with CDK's `unknown-account` and `unknown-region` as unknown.
fn environment(env: Option<&str>) -> (Option<String>, Option<String>) {
    let Some((account, region)) = env.and_then(|e| e.strip_prefix("aws://")?.split_once('/'))
    else {
        return (None, None);
    };
    let known = |v: &str| (!v.starts_with("unknown-") && !v.is_empty()).then(|| v.to_owned());
    (known(account), known(region))
}
