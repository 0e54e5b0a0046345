//! Policy changes written as code: the JSON of `terraform show -json` (a plan, or a state),
//! CloudFormation templates in JSON or YAML (short-form tags such as `!Sub` included), and
//! CDK cloud assemblies (`cdk.out`, read through its `manifest.json`).
//!
//! A reader turns a file into a [`ChangeSet`]: one [`PolicyChange`] per policy the file
//! creates, updates, replaces or deletes — inline and managed policies, trust policies,
//! permissions boundaries, attachments, resource-based policies, Organizations policies and
//! their attachments — each typed by where it sits ([`ChangeKind`], [`TargetKind`],
//! [`PolicyKind`]) and located by resource address or logical id, attribute, and the span of
//! the file it came from ([`Place`]).
//!
//! Policy documents become sources of their own in the [`SourceMap`] whose positions map
//! back to the file: a Terraform policy string (JSON inside JSON) maps each decoded byte to
//! the byte of the plan it came from; a CloudFormation document is written out as JSON with
//! each token mapped to the template node it came from. A value the file cannot tell —
//! Terraform's "known after apply", an intrinsic function that needs the deployed stack — is
//! [`Unknown`], never guessed; inside a document such a value is written as a placeholder
//! whose span is listed in [`PolicyText::unresolved`].
//!
//! ```
//! use iamwhy_core::SourceMap;
//! use iamwhy_iac::{ChangeKind, ReadOptions, read_source};
//!
//! let mut map = SourceMap::new();
//! let template = r#"
//! Resources:
//!   Key:
//!     Type: AWS::KMS::Key
//!     Properties:
//!       KeyPolicy:
//!         Version: "2012-10-17"
//!         Statement:
//!           - Effect: Allow
//!             Principal: {AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
//!             Action: "kms:*"
//!             Resource: "*"
//! "#;
//! let file = map.add_file("key.yaml", template);
//! let options = ReadOptions { account: Some("111122223333".into()), region: Some("us-east-1".into()) };
//! let set = read_source(&mut map, file, &options).unwrap();
//! let change = &set.changes[0];
//! assert_eq!(change.kind, ChangeKind::ResourcePolicy);
//! assert_eq!(change.place.to_string(), "Key.Properties.KeyPolicy");
//! let text = change.after.as_ref().and_then(|c| c.document()).unwrap();
//! assert!(map.text(text.source).contains("arn:aws:iam::111122223333:root"));
//! ```

#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, reason = "tests may overflow loudly")
)]

mod cdk;
mod cfn;
mod emit;
mod model;
mod terraform;

use std::path::Path;

use iamwhy_core::{Diagnostic, SourceId, SourceMap, Span};

pub use cdk::{Stack, assembly_stacks, read_assembly};
pub use model::{
    Action, ChangeKind, ChangeSet, Content, Format, OrganizationsPolicyType, Place, PolicyChange,
    PolicyText, Target, TargetKind, Unknown, Unresolved, Value,
};

pub use iamwhy_core::PolicyKind;

/// What the command line says about the account the changes are deployed to; CloudFormation's
/// pseudo parameters `AWS::AccountId`, `AWS::Region` and `AWS::Partition` are resolved from it.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// `--account`, or the snapshot's account.
    pub account: Option<String>,
    /// `--region`, or the snapshot's Region.
    pub region: Option<String>,
}

/// What kind of infrastructure-as-code file a text is, judged by its content, or `None` when
/// it is none of them.
pub fn recognise(text: &str) -> Option<Format> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        // Look at the top-level keys only; a cheap parse of the whole file is what tells.
        let value: serde_json::Value = serde_json::from_str(trimmed).ok()?;
        let members: Vec<(&str, bool)> = value
            .as_object()?
            .iter()
            .map(|(k, v)| (k.as_str(), v.is_object()))
            .collect();
        return recognise_members(&members);
    }
    if cfn::yaml::looks_like_template(trimmed) {
        return Some(Format::CloudFormationYaml);
    }
    None
}

/// What kind of file a JSON object is, from its top-level members (each key with whether its
/// value is an object): for callers that parsed the JSON already.
pub fn recognise_members(members: &[(&str, bool)]) -> Option<Format> {
    let has = |key: &str| members.iter().any(|(k, _)| *k == key);
    if has("resource_changes")
        || has("planned_values")
        || (has("format_version") && has("terraform_version"))
    {
        return Some(Format::TerraformPlan);
    }
    if members
        .iter()
        .any(|(k, object)| *k == "Resources" && *object)
    {
        return Some(Format::CloudFormationJson);
    }
    if has("artifacts") && has("version") {
        return Some(Format::CdkAssembly);
    }
    None
}

/// Reads the file registered as `source`: a Terraform plan or state, or a CloudFormation
/// template. `None` when the text is none of these (see [`recognise`]); a CDK
/// `manifest.json` is recognised but read with [`read_assembly`], which needs its folder.
pub fn read_source(
    map: &mut SourceMap,
    source: SourceId,
    options: &ReadOptions,
) -> Option<ChangeSet> {
    let text = map.text_arc(source)?;
    let format = recognise(&text)?;
    let mut set = ChangeSet {
        format,
        source,
        changes: Vec::new(),
        diagnostics: Vec::new(),
    };
    match format {
        Format::TerraformPlan => terraform::read(map, source, &text, options, &mut set),
        Format::CloudFormationJson | Format::CloudFormationYaml => {
            cfn::read(map, source, &text, options, &mut set);
        }
        Format::CdkAssembly => set.diagnostics.push(Diagnostic::warning(
            "iac-input",
            "a CDK cloud assembly manifest: its templates are read from its folder (pass the `cdk.out` folder)",
            Span::empty(source),
        )),
    }
    Some(set)
}

/// Whether `path` is a CDK cloud assembly folder (it holds a `manifest.json` naming
/// artifacts).
pub fn is_assembly(path: &Path) -> bool {
    let manifest = path.join("manifest.json");
    manifest.is_file()
        && iamwhy_input::read_text(
            &iamwhy_input::Source::File(manifest),
            iamwhy_input::Limit::CONFIG,
        )
        .ok()
        .is_some_and(|t| recognise(&t) == Some(Format::CdkAssembly))
}
