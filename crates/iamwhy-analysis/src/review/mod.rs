//! `iamwhy review`: the pull-request answer for a Terraform plan, CloudFormation template or
//! CDK assembly — the lint findings of the policies the change touches; for each changed
//! principal or resource, the requests among the actions its policies name that the change
//! newly allows or denies (evaluated against the snapshot before and after the change, the
//! question IAM Access Analyzer's "check no new access" answers, here with exact actions and
//! resources); with logs, the past calls it would newly deny or allow (replay, run by the
//! caller and attached with [`ReviewReport::attach_replay`]).

use std::collections::BTreeSet;
use std::path::PathBuf;

use iamwhy_catalog::Catalog;
use iamwhy_core::{Action, Decision, Diagnostics, PolicyKind, Resource, SourceMap};
use iamwhy_iac::{ChangeKind, Content, PolicyChange, ReadOptions, TargetKind};
use iamwhy_lint::{FileReport, Level, LintOptions, lint_source};
use iamwhy_snapshot::{Changes, Snapshot};
use serde::Serialize;

use crate::replay::{Group, ReplayReport};
use crate::simulate::{AccountQuery, IacChanges, is_change, lower, read_iac, simulate_account};

/// At most this many requests are evaluated for one principal or resource (both sides).
const MAX_REQUESTS_PER_SUBJECT: usize = 4000;

/// What the command line says.
#[derive(Clone, Debug)]
pub struct ReviewOptions {
    /// The account and Region of CloudFormation's pseudo parameters (the account defaults to
    /// the snapshot's).
    pub read: ReadOptions,
    /// Fail at findings of this level or above.
    pub fail_on: Level,
}

/// A lint finding of a touched policy.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewFinding {
    /// The rule's code.
    pub code: &'static str,
    /// Its level.
    pub level: Level,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Line in the file (1-based).
    pub line: Option<u32>,
    /// Column in the file (1-based).
    pub column: Option<u32>,
}

/// One policy the change touches.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewedChange {
    /// The file.
    pub file: String,
    /// `aws_kms_key.backup.policy`, `BackupKey.Properties.KeyPolicy`.
    pub place: String,
    /// Line of the attribute in the file.
    pub line: Option<u32>,
    /// What happens to the resource.
    pub action: iamwhy_iac::Action,
    /// Where in IAM the policy sits.
    pub kind: ChangeKind,
    /// What the document is used as.
    pub policy_type: Option<PolicyKind>,
    /// `role deploy-admin`, `key arn:aws:kms:...`.
    pub target: String,
    /// The policy's name, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Lint findings of the document after the change.
    pub findings: Vec<ReviewFinding>,
}

/// How one request's decision changes.
#[derive(Clone, Debug, Serialize)]
pub struct AccessChange {
    /// The changed principal or resource the request was derived from.
    pub subject: String,
    /// Who asks.
    pub principal: String,
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The decision as the account is.
    pub before: Decision,
    /// The decision with the change.
    pub after: Decision,
}

impl AccessChange {
    /// Allowed after and not before.
    pub fn is_newly_allowed(&self) -> bool {
        self.after == Decision::Allowed && self.before != Decision::Allowed
    }
}

/// The past calls the change affects (replay of the logs given).
#[derive(Clone, Debug, Serialize)]
pub struct PastCalls {
    /// Calls replayed.
    pub events: u64,
    /// Calls allowed today that the change would deny.
    pub newly_denied: Vec<Group>,
    /// Calls denied today that the change would allow (broken today, fixed by the change).
    pub newly_allowed: Vec<Group>,
}

/// The outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    /// Whether past calls would be newly denied.
    pub breaks_past_calls: bool,
    /// Findings at or above `fail_on`.
    pub findings_at_or_above: usize,
    /// The `--fail-on` level.
    pub fail_on: Level,
    /// Exit 1.
    pub fail: bool,
}

/// What `review` reports.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewReport {
    /// The files reviewed.
    pub files: Vec<String>,
    /// The policies the change touches (unchanged ones left out).
    pub changes: Vec<ReviewedChange>,
    /// Requests whose decision the change flips, among the actions and resources the
    /// changed policies name.
    pub access: Vec<AccessChange>,
    /// What the access comparison left out, and why.
    pub access_notes: Vec<String>,
    /// Changes that could not be applied to the snapshot, and why.
    pub not_applied: Vec<String>,
    /// With logs: the past calls affected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub past_calls: Option<PastCalls>,
    /// The outcome.
    pub verdict: Verdict,
}

impl ReviewReport {
    /// Adds the replay of the logs (run with [`Review::changes`]) and updates the verdict.
    pub fn attach_replay(&mut self, replay: &ReplayReport) {
        let past = PastCalls {
            events: replay.coverage.events,
            newly_denied: replay.newly_denied.clone().unwrap_or_default(),
            newly_allowed: replay.newly_allowed.clone().unwrap_or_default(),
        };
        self.verdict.breaks_past_calls = !past.newly_denied.is_empty();
        self.verdict.fail = self.verdict.breaks_past_calls || self.verdict.findings_at_or_above > 0;
        self.past_calls = Some(past);
    }
}

/// A review: the report, the snapshot changes (for the replay), the lint reports (SARIF).
#[derive(Debug)]
pub struct Review {
    /// The report.
    pub report: ReviewReport,
    /// The changes to replay the logs with.
    pub changes: Changes,
    /// The lint reports of the touched policies.
    pub lint: Vec<FileReport>,
}

/// Reviews the IaC files at `paths` against `snapshot`.
pub fn review(
    map: &mut SourceMap,
    snapshot: &Snapshot,
    paths: &[PathBuf],
    options: &ReviewOptions,
) -> Result<Review, Diagnostics> {
    let mut sets = Vec::new();
    for path in paths {
        sets.extend(read_iac(map, path, Some(snapshot), &options.read)?);
    }
    let lint_options = LintOptions {
        policy_kind: None,
        account: options.read.account.clone().or(snapshot.account.clone()),
        region: options.read.region.clone(),
    };
    // A CDK stack's environment supplies what the command line does not, as when reading.
    let mut stacks = Vec::new();
    for path in paths {
        if iamwhy_iac::is_assembly(path) {
            stacks.extend(iamwhy_iac::assembly_stacks(path).unwrap_or_default());
        }
    }
    let mut lint = Vec::new();
    let mut changes = Vec::new();
    for set in &sets {
        let file = map.name(set.source).to_owned();
        let lint_options = match stacks
            .iter()
            .find(|s| s.template.display().to_string() == file)
        {
            Some(stack) => LintOptions {
                account: lint_options.account.clone().or(stack.account.clone()),
                region: lint_options.region.clone().or(stack.region.clone()),
                policy_kind: None,
            },
            None => lint_options.clone(),
        };
        let touched: Vec<&PolicyChange> =
            set.changes.iter().filter(|c| is_change(c, map)).collect();
        let mut report = lint_source(map, set.source, std::path::Path::new(&file), &lint_options);
        let places: BTreeSet<String> = touched.iter().map(|c| c.place.to_string()).collect();
        report
            .policies
            .retain(|p| p.place.as_ref().is_some_and(|pl| places.contains(pl)));
        for c in touched {
            let place = c.place.to_string();
            let findings = report
                .policies
                .iter()
                .filter(|p| p.place.as_deref() == Some(place.as_str()))
                .flat_map(|p| p.findings.iter())
                .map(|f| {
                    let loc = f.span.map(|s| map.location(s));
                    ReviewFinding {
                        code: f.code,
                        level: f.level,
                        message: f.message.clone(),
                        help: f.help.clone(),
                        line: loc.as_ref().map(|l| l.line),
                        column: loc.as_ref().map(|l| l.column),
                    }
                })
                .collect();
            changes.push(ReviewedChange {
                file: file.clone(),
                place,
                line: c.place.span.map(|s| map.location(s).line),
                action: c.action,
                kind: c.kind,
                policy_type: c.policy_kind,
                target: c.target.to_string(),
                name: c.name.as_ref().map(ToString::to_string),
                findings,
            });
        }
        lint.push(report);
    }
    let files = sets.iter().map(|s| map.name(s.source).to_owned()).collect();
    let lowered = lower(map, snapshot, sets);
    let (access, access_notes) = access_changes(map, snapshot, &lowered)?;
    let findings_at_or_above = changes
        .iter()
        .flat_map(|c| c.findings.iter())
        .filter(|f| f.level >= options.fail_on)
        .count();
    let report = ReviewReport {
        files,
        changes,
        access,
        access_notes,
        not_applied: lowered.not_applied.clone(),
        past_calls: None,
        verdict: Verdict {
            breaks_past_calls: false,
            findings_at_or_above,
            fail_on: options.fail_on,
            fail: findings_at_or_above > 0,
        },
    };
    Ok(Review {
        report,
        changes: lowered.changes,
        lint,
    })
}

/// The requests to compare for one changed principal or resource.
struct Subject {
    name: String,
    principals: Vec<String>,
    actions: BTreeSet<String>,
    resources: BTreeSet<String>,
}

/// Every request, among the actions and resources the changed policies name, whose
/// decision differs before and after the change.
fn access_changes(
    map: &mut SourceMap,
    snapshot: &Snapshot,
    lowered: &IacChanges,
) -> Result<(Vec<AccessChange>, Vec<String>), Diagnostics> {
    let mut notes = Vec::new();
    let mut subjects: Vec<Subject> = Vec::new();
    for set in &lowered.sets {
        for c in set.changes.iter().filter(|c| is_change(c, map)) {
            let Some(subject) = subject(map, snapshot, c, &mut notes) else {
                continue;
            };
            match subjects.iter_mut().find(|s| s.name == subject.name) {
                Some(s) => {
                    s.actions.extend(subject.actions);
                    s.resources.extend(subject.resources);
                    for p in subject.principals {
                        if !s.principals.contains(&p) {
                            s.principals.push(p);
                        }
                    }
                }
                None => subjects.push(subject),
            }
        }
    }
    let catalog = Catalog::bundled();
    let mut out = Vec::new();
    for s in subjects {
        let mut actions: BTreeSet<String> = BTreeSet::new();
        for a in &s.actions {
            if a == "*" {
                notes.push(format!(
                    "{}: `*` (every action) is not compared action by action; give logs to see the calls it affects",
                    s.name
                ));
            } else if a.contains(['*', '?']) {
                match catalog.expand(a) {
                    Ok(found) => actions.extend(found.iter().map(|f| f.full_name())),
                    Err(e) => notes.push(format!("{}: `{a}`: {e}", s.name)),
                }
            } else {
                actions.insert(a.clone());
            }
        }
        let resources: Vec<Resource> = s
            .resources
            .iter()
            .filter_map(|r| Resource::parse(r).ok())
            .collect();
        let actions: Vec<Action> = actions
            .iter()
            .filter_map(|a| Action::parse(a).ok())
            .collect();
        let per_principal = actions.len().saturating_mul(resources.len().max(1));
        if actions.is_empty() {
            continue;
        }
        for principal in &s.principals {
            if per_principal > MAX_REQUESTS_PER_SUBJECT {
                notes.push(format!(
                    "{}: {} requests for {principal} are more than {MAX_REQUESTS_PER_SUBJECT}; not compared",
                    s.name, per_principal
                ));
                continue;
            }
            let query = AccountQuery {
                principal: principal.clone(),
                actions: actions.clone(),
                resources: resources.clone(),
                changes: lowered.changes.clone(),
                hidden_calls: false,
                brief: true,
                ..AccountQuery::default()
            };
            let sim = match simulate_account(snapshot, map, &query) {
                Ok(sim) => sim,
                Err(e) => {
                    let first = e.iter().next().map_or(String::new(), |d| d.message.clone());
                    notes.push(format!("{}: {principal} not evaluated: {first}", s.name));
                    continue;
                }
            };
            let Some(after) = &sim.after else { continue };
            for (b, a) in sim.before.iter().zip(after) {
                if b.decision != a.decision
                    && (b.decision == Decision::Allowed || a.decision == Decision::Allowed)
                {
                    out.push(AccessChange {
                        subject: s.name.clone(),
                        principal: principal.clone(),
                        action: a.action.clone(),
                        resource: a.resource.clone(),
                        before: b.decision,
                        after: a.decision,
                    });
                }
            }
        }
    }
    Ok((out, notes))
}

/// The principal or resource a change touches, with the actions and resources its policies
/// name.
fn subject(
    map: &SourceMap,
    snapshot: &Snapshot,
    c: &PolicyChange,
    notes: &mut Vec<String>,
) -> Option<Subject> {
    let name = c.target.name.known()?;
    let mut actions = BTreeSet::new();
    let mut resources = BTreeSet::new();
    let mut named_principals = BTreeSet::new();
    for side in [&c.before, &c.after].into_iter().flatten() {
        let doc = match side {
            Content::Document(d) => map.text(d.source).to_owned(),
            Content::Reference(v) => match v
                .known()
                .and_then(|arn| snapshot_document(snapshot, map, arn))
            {
                Some(text) => text,
                None => continue,
            },
            Content::Unknown(_) => continue,
        };
        named(&doc, &mut actions, &mut resources, &mut named_principals);
    }
    let identity = |principals: Vec<String>| Subject {
        name: c.target.to_string(),
        principals,
        actions: actions.clone(),
        resources: if resources.is_empty() {
            BTreeSet::from(["*".to_owned()])
        } else {
            resources.clone()
        },
    };
    match (c.kind, c.target.kind) {
        (
            ChangeKind::InlinePolicy
            | ChangeKind::ManagedPolicyAttachment
            | ChangeKind::PermissionsBoundary,
            TargetKind::Role,
        ) => snapshot
            .roles
            .iter()
            .find(|r| r.name == name)
            .map(|r| identity(vec![r.arn.clone()])),
        (
            ChangeKind::InlinePolicy
            | ChangeKind::ManagedPolicyAttachment
            | ChangeKind::PermissionsBoundary,
            TargetKind::User,
        ) => snapshot
            .users
            .iter()
            .find(|u| u.name == name)
            .map(|u| identity(vec![u.arn.clone()])),
        (ChangeKind::InlinePolicy | ChangeKind::ManagedPolicyAttachment, TargetKind::Group) => {
            let members: Vec<String> = snapshot
                .users
                .iter()
                .filter(|u| u.groups.iter().any(|g| g == name))
                .map(|u| u.arn.clone())
                .collect();
            (!members.is_empty()).then(|| identity(members))
        }
        (ChangeKind::TrustPolicy | ChangeKind::ResourcePolicy, _) => {
            let resource = lowered_resource(c, snapshot)?;
            let principals: Vec<String> = named_principals.into_iter().collect();
            if principals.is_empty() {
                notes.push(format!(
                    "{}: its policy names no principal to evaluate (`*` only); give logs to see the calls it affects",
                    c.place
                ));
                return None;
            }
            Some(Subject {
                name: c.target.to_string(),
                principals,
                actions,
                resources: BTreeSet::from([resource]),
            })
        }
        _ => None,
    }
}

/// The ARN of a resource whose policy changes (as the snapshot changes use it).
fn lowered_resource(c: &PolicyChange, snapshot: &Snapshot) -> Option<String> {
    let name = c.target.name.known()?;
    match c.target.kind {
        TargetKind::Role => snapshot
            .roles
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.arn.clone()),
        TargetKind::Key => snapshot
            .keys
            .values()
            .find(|k| k.id == name || k.arn.as_deref() == Some(name))
            .and_then(|k| k.arn.clone())
            .or_else(|| name.starts_with("arn:").then(|| name.to_owned())),
        TargetKind::Bucket if !name.starts_with("arn:") => Some(format!("arn:aws:s3:::{name}")),
        _ => name.starts_with("arn:").then(|| name.to_owned()),
    }
}

/// The document of a managed policy of the snapshot, as text.
fn snapshot_document(snapshot: &Snapshot, map: &SourceMap, arn: &str) -> Option<String> {
    let doc = snapshot.managed.get(arn)?.document?;
    Some(
        map.snippet(iamwhy_core::Span::new(
            doc.source,
            doc.start as usize,
            doc.end as usize,
        ))
        .to_owned(),
    )
}

/// The actions, resources and principals a policy document names (`Action`, `Resource`,
/// `Principal` of its statements; `NotAction` and `NotResource` name nothing to compare).
fn named(
    text: &str,
    actions: &mut BTreeSet<String>,
    resources: &mut BTreeSet<String>,
    principals: &mut BTreeSet<String>,
) {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    let statements = match doc.get("Statement") {
        Some(serde_json::Value::Array(a)) => a.clone(),
        Some(one) => vec![one.clone()],
        None => return,
    };
    let strings = |v: Option<&serde_json::Value>| -> Vec<String> {
        match v {
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|e| e.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    };
    for s in &statements {
        actions.extend(strings(s.get("Action")));
        for r in strings(s.get("Resource")) {
            if r.contains(['*', '?']) {
                resources.insert("*".to_owned());
            } else {
                resources.insert(r);
            }
        }
        // `"*"` (everyone) names nobody to evaluate one by one.
        if let Some(serde_json::Value::Object(o)) = s.get("Principal") {
            for (kind, v) in o {
                for p in strings(Some(v)) {
                    match kind.as_str() {
                        "AWS" if p.starts_with("arn:") => {
                            principals.insert(p);
                        }
                        "AWS" if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) => {
                            principals.insert(format!("arn:aws:iam::{p}:root"));
                        }
                        "Service" => {
                            principals.insert(format!("service:{p}"));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}
