//! `iamwhy lint` results: text grouped by file and policy, with each finding's line quoted,
//! or JSON (docs/output.md).

use std::fmt::Write as _;

use iamwhy_core::SourceMap;
use iamwhy_lint::{FileReport, Finding, Level, PolicyReport, RULES, TypeOrigin, rule};

use crate::cli::Format;

use super::Paint;
use super::diagnostics::quote;

/// Counts of a lint run, and whether it fails.
pub(crate) struct LintSummary {
    pub(crate) files: usize,
    pub(crate) policies: usize,
    /// Findings per level, most severe first: error, security-warning, warning, suggestion.
    pub(crate) counts: [usize; 4],
    pub(crate) ignored: usize,
    pub(crate) fail_on: Level,
    pub(crate) failed: bool,
}

const LEVELS: [Level; 4] = [
    Level::Error,
    Level::SecurityWarning,
    Level::Warning,
    Level::Suggestion,
];

impl LintSummary {
    pub(crate) fn new(reports: &[FileReport], ignored: usize, fail_on: Level) -> LintSummary {
        let mut counts = [0usize; 4];
        let mut failed = false;
        for f in reports.iter().flat_map(FileReport::all_findings) {
            if let Some(count) = LEVELS
                .iter()
                .position(|l| *l == f.level)
                .and_then(|i| counts.get_mut(i))
            {
                *count = count.saturating_add(1);
            }
            failed |= f.level >= fail_on;
        }
        LintSummary {
            files: reports.len(),
            policies: reports.iter().map(|r| r.policies.len()).sum(),
            counts,
            ignored,
            fail_on,
            failed,
        }
    }

    /// `2 files, 3 policies: 1 error, 0 security warnings, 2 warnings, 0 suggestions`.
    pub(crate) fn line(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut text = format!(
            "{}, {}: {}, {}, {}, {}",
            plural(self.files, "file", "files"),
            plural(self.policies, "policy", "policies"),
            plural(self.counts[0], "error", "errors"),
            plural(self.counts[1], "security warning", "security warnings"),
            plural(self.counts[2], "warning", "warnings"),
            plural(self.counts[3], "suggestion", "suggestions"),
        );
        if self.ignored > 0 {
            let _ = write!(
                text,
                " ({} ignored by --ignore or configuration)",
                self.ignored
            );
        }
        text.push('\n');
        text
    }
}

fn label(level: Level, paint: &Paint) -> String {
    match level {
        Level::Error => paint.red("error"),
        Level::SecurityWarning => paint.red("security-warning"),
        Level::Warning => paint.yellow("warning"),
        Level::Suggestion => paint.dim("suggestion"),
    }
}

/// The policy's type and how it was decided; `why` adds the reason of a guess.
fn origin_text(p: &PolicyReport, why: bool) -> String {
    let what = p.policy_kind.describe();
    match &p.type_origin {
        TypeOrigin::Given => format!("{what}, --type"),
        TypeOrigin::Context => what.to_owned(),
        TypeOrigin::Guessed { reason } if why => format!(
            "{what}, guessed: {reason}; `--type {}` to say so",
            p.policy_kind.as_str()
        ),
        TypeOrigin::Guessed { .. } => format!("{what}, guessed"),
    }
}

fn finding_text(map: &SourceMap, f: &Finding, paint: &Paint, out: &mut String) {
    let _ = writeln!(
        out,
        "{}[{}]: {}",
        label(f.level, paint),
        f.code,
        paint.bold(&f.message)
    );
    if let Some(span) = f.span {
        quote(map, span, paint, out);
    }
    let pad = f.span.map_or(1, |s| map.location(s).line.to_string().len());
    if let Some(help) = &f.help {
        let _ = writeln!(out, "{} = help: {help}", " ".repeat(pad));
    }
    let _ = writeln!(out, "{} = see: {}", " ".repeat(pad), rule(f.code).help_uri);
}

/// Text for people: per file, per policy, each finding with its line quoted; clean files in
/// one line; the summary last.
pub(crate) fn lint_text(
    reports: &[FileReport],
    map: &SourceMap,
    summary: &LintSummary,
    paint: &Paint,
) -> String {
    let mut out = String::new();
    for r in reports {
        let clean = r.all_findings().next().is_none();
        if clean {
            let what = match r.policies.as_slice() {
                [one] => origin_text(one, false),
                many => format!("{} policies", many.len()),
            };
            let _ = writeln!(out, "{}: {} ({what})", r.path, paint.green("ok"));
            continue;
        }
        let _ = writeln!(out, "{}", paint.bold(&r.path));
        for f in &r.findings {
            finding_text(map, f, paint, &mut out);
        }
        for p in &r.policies {
            if p.findings.is_empty() && r.policies.len() > 1 {
                continue;
            }
            let name = p
                .label
                .as_deref()
                .map_or(String::new(), |l| format!("{l}: "));
            let _ = writeln!(
                out,
                "{}",
                paint.dim(&format!("{name}{}", origin_text(p, true)))
            );
            for f in &p.findings {
                finding_text(map, f, paint, &mut out);
            }
        }
        out.push('\n');
    }
    out.push_str(&summary.line());
    if summary.failed {
        let _ = writeln!(
            out,
            "failing: findings at `{}` or above (`--fail-on`)",
            summary.fail_on.as_str()
        );
    }
    out
}

fn finding_json(map: &SourceMap, f: &Finding) -> serde_json::Value {
    let loc = f.span.map(|s| map.location(s));
    let end = loc
        .as_ref()
        .map(|l| map.line_column(l.root.source, l.root.end));
    serde_json::json!({
        "code": f.code,
        "level": f.level,
        "message": f.message,
        "help": f.help,
        "line": loc.as_ref().map(|l| l.line),
        "column": loc.as_ref().map(|l| l.column),
        "end_line": end.map(|e| e.0),
        "end_column": end.map(|e| e.1),
        "doc": rule(f.code).help_uri,
    })
}

/// The JSON document of docs/output.md.
pub(crate) fn lint_json(reports: &[FileReport], map: &SourceMap, summary: &LintSummary) -> String {
    let files: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            serde_json::json!({
                "path": r.path,
                "findings": r.findings.iter().map(|f| finding_json(map, f)).collect::<Vec<_>>(),
                "policies": r.policies.iter().map(|p| serde_json::json!({
                    "label": p.label,
                    "place": p.place,
                    "type": p.policy_kind,
                    "type_origin": p.type_origin,
                    "line": p.span.map(|s| map.location(s).line),
                    "findings": p.findings.iter().map(|f| finding_json(map, f)).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let v = serde_json::json!({
        "files": files,
        "summary": {
            "files": summary.files,
            "policies": summary.policies,
            "error": summary.counts[0],
            "security-warning": summary.counts[1],
            "warning": summary.counts[2],
            "suggestion": summary.counts[3],
            "ignored": summary.ignored,
            "fail_on": summary.fail_on,
            "failed": summary.failed,
        },
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// `iamwhy lint --list-rules`: every rule with its level, summary and AWS page.
pub(crate) fn rules_text(format: Format) -> String {
    match format {
        Format::Json => {
            let rules: Vec<serde_json::Value> = RULES
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.code,
                        "level": r.level,
                        "category": r.category,
                        "summary": r.summary,
                        "help_uri": r.help_uri,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&rules).unwrap_or_default() + "\n"
        }
        Format::Text => {
            let mut text = String::new();
            for r in RULES {
                text.push_str(&format!(
                    "{:<32} {:<17} {}\n{:<32} {:<17} {}\n",
                    r.code,
                    r.level.as_str(),
                    r.summary,
                    "",
                    "",
                    rule(r.code).help_uri
                ));
            }
            text
        }
    }
}
