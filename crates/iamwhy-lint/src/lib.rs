//! iamwhy's policy linter: the grammar AWS enforces for each policy type, the vocabulary of
//! the bundled service catalog (actions, resource ARNs, condition keys and their types), and
//! risky patterns — from `Allow` with `NotAction` to story 5's guardrail that locks out AWS
//! services.
//!
//! Every finding has a stable code (see [`RULES`]), a [`Level`], a message written for the
//! user and the span it applies to, which the caller turns into file, line and column through
//! the [`SourceMap`].
//!
//! ```
//! use iamwhy_core::SourceMap;
//! use iamwhy_lint::{Level, LintOptions, lint_source};
//!
//! let mut map = SourceMap::new();
//! let file = map.add_file("key-policy.json", r#"{
//!   "Version": "2012-10-17",
//!   "Statement": [
//!     {"Sid": "Admins", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
//!      "Action": "kms:*", "Resource": "*"},
//!     {"Sid": "OnlyKeyAdmin", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
//!      "Condition": {"StringNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/KeyAdmin"}}}
//!   ]
//! }"#);
//! let report = lint_source(&mut map, file, "key-policy.json".as_ref(), &LintOptions::default());
//! let finding = &report.policies[0].findings[0];
//! assert_eq!(finding.code, "guardrail-blocks-aws-services");
//! assert_eq!(finding.level, Level::SecurityWarning);
//! ```

#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, reason = "tests may overflow loudly")
)]

mod checks;
mod config;
mod glob;
mod inputs;
mod rules;
pub mod sarif;
mod types;

use std::path::Path;

use iamwhy_core::{Diagnostic, PolicyKind, Severity, SourceId, SourceMap, Span};
use iamwhy_policy::{LenientParse, PolicyDocument};

pub use config::{CONFIG_FILE, Config, ConfigError, PathIgnore};
pub use rules::{Category, Level, RULES, Rule, rule};
pub use types::{SizeLimit, TypeOrigin, Unit, guess, size_limit};

/// One problem found in a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule's stable code.
    pub code: &'static str,
    /// How bad it is.
    pub level: Level,
    /// What is wrong, written for the user.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Where.
    pub span: Option<Span>,
}

impl Finding {
    /// A finding at the level of its rule.
    pub fn new(code: &'static str, message: impl Into<String>, span: Span) -> Finding {
        Finding {
            code,
            level: rule(code).level,
            message: message.into(),
            help: None,
            span: Some(span),
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    /// Changes the level.
    pub fn at(mut self, level: Level) -> Finding {
        self.level = level;
        self
    }

    /// The finding a parser diagnostic becomes: an error stays an error; a warning is a
    /// warning, unless its rule says worse (IAM rejects a `Sid` that the evaluator accepts).
    pub fn from_diagnostic(d: Diagnostic) -> Finding {
        let level = match d.severity {
            Severity::Error => Level::Error,
            // IAM refuses to store such a Sid; the evaluator reads it: an error for a linter.
            Severity::Warning if d.code == "invalid-sid" => Level::Error,
            Severity::Warning => Level::Warning,
        };
        Finding {
            code: d.code,
            level,
            message: d.message,
            help: d.help,
            span: d.span,
        }
    }
}

/// What the command line says about every policy linted.
#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    /// `--type`: the type of every plain policy document (not of the policies whose type a
    /// CLI output or scenario file states).
    pub policy_kind: Option<PolicyKind>,
    /// `--account`: the account the policies belong to, for checks that tell the own account
    /// from a foreign one (role trust policies), and CloudFormation's `AWS::AccountId`.
    pub account: Option<String>,
    /// `--region`: CloudFormation's `AWS::Region` (and `AWS::Partition`) in templates.
    pub region: Option<String>,
}

/// The findings of one policy document.
#[derive(Clone, Debug)]
pub struct PolicyReport {
    /// Which policy of the file this is, when the file holds several or says what it is
    /// (`role Admin: trust policy`); `None` for a file that is one policy document.
    pub label: Option<String>,
    /// What the policy was linted as.
    pub policy_kind: PolicyKind,
    /// How that type was decided.
    pub type_origin: TypeOrigin,
    /// The document.
    pub span: Option<Span>,
    /// Where the policy is written in a Terraform plan or CloudFormation template (the
    /// resource address or logical id and the attribute: `aws_kms_key.backup.policy`,
    /// `BackupKey.Properties.KeyPolicy`); SARIF's logical location.
    pub place: Option<String>,
    /// The findings, in document order.
    pub findings: Vec<Finding>,
}

/// The findings of one file.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// The file's name as given.
    pub path: String,
    /// Problems with the file as a whole (not JSON, no policy in it).
    pub findings: Vec<Finding>,
    /// Each policy found in it.
    pub policies: Vec<PolicyReport>,
}

impl FileReport {
    /// Every finding of the file, its own first.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .chain(self.policies.iter().flat_map(|p| p.findings.iter()))
    }

    /// Drops the findings `keep` refuses (configured ignores).
    pub fn retain(&mut self, keep: impl Fn(&Finding) -> bool) {
        self.findings.retain(&keep);
        for p in &mut self.policies {
            p.findings.retain(&keep);
        }
    }
}

/// Lints every policy in the text of `source`: a policy document, an AWS CLI output that
/// holds policies (the snapshot formats, `get-role`, `get-policy-version`, ...), or a scenario
/// file. `rel_path` is the file's path relative to the directory being linted: it supplies
/// the bucket or key of `s3/BUCKET/policy.json` and `kms/KEY_ID/key-policy.json`.
pub fn lint_source(
    map: &mut SourceMap,
    source: SourceId,
    rel_path: &Path,
    options: &LintOptions,
) -> FileReport {
    let path = map.name(source).to_owned();
    let found = inputs::locate(map, source, rel_path, options);
    let policies = found
        .policies
        .into_iter()
        .map(|p| {
            let parsed = p.parsed.unwrap_or_else(|| {
                iamwhy_policy::parse_policy_lenient(map, p.source, p.policy_kind)
            });
            let account = p.account.as_deref().or(options.account.as_deref());
            let mut findings = lint_parsed(map, parsed, p.policy_kind, account);
            // A finding about a value with a placeholder in it says nothing of the deployed
            // policy; a finding about the statement or block around it still holds.
            // A rule about what no statement grants (`key-lockout`) cannot tell when a
            // statement has a placeholder (an unresolved principal drops the statement's
            // `Principal`).
            if !p.unresolved.is_empty() {
                findings.retain(|f| f.code != "key-lockout");
            }
            findings.retain(|f| {
                !f.span.is_some_and(|s| {
                    one_string(map.snippet(s))
                        && p.unresolved.iter().any(|u| {
                            u.source == s.source
                                && s.start < u.end
                                && u.start < s.end.max(s.start.saturating_add(1))
                        })
                })
            });
            PolicyReport {
                findings,
                place: p.place,
                label: p.label,
                policy_kind: p.policy_kind,
                type_origin: p.origin,
                span: Some(Span::new(p.source, 0, map.text(p.source).len())),
            }
        })
        .collect();
    FileReport {
        path,
        findings: found.findings,
        policies,
    }
}

/// Whether a snippet is one JSON string literal (a value, not a member or block).
fn one_string(snippet: &str) -> bool {
    let Some(inner) = snippet.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return false;
    };
    let mut escaped = false;
    for c in inner.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return false,
            _ => {}
        }
    }
    true
}

/// The findings of a parsed document of type `policy_kind`: the parser's errors and
/// warnings, then every check on the statements that parsed. `account` is the account the
/// policy belongs to, when known.
pub fn lint_parsed(
    map: &SourceMap,
    parsed: LenientParse,
    policy_kind: PolicyKind,
    account: Option<&str>,
) -> Vec<Finding> {
    let mut findings: Vec<Finding> = parsed
        .diagnostics
        .into_iter()
        .map(Finding::from_diagnostic)
        .collect();
    if let Some(doc) = &parsed.document {
        let invalid_version = findings.iter().any(|f| f.code == "invalid-version");
        findings.extend(
            lint_document(map, doc, policy_kind, account)
                .into_iter()
                // An invalid `Version` is reported already; it is not missing.
                .filter(|f| !(invalid_version && f.code == "missing-version")),
        );
    }
    findings.sort_by_key(|f| f.span.map(|s| (s.source, s.start)));
    findings
}

/// The checks on a parsed document (not the parser's own findings).
pub fn lint_document(
    map: &SourceMap,
    doc: &PolicyDocument,
    policy_kind: PolicyKind,
    account: Option<&str>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let ctx = checks::Context {
        map,
        policy_kind,
        account,
    };
    checks::run(&ctx, doc, &mut out);
    out
}
