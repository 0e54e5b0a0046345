//! `iamwhy review`: text for a terminal, Markdown for a pull-request comment (a short table,
//! the details collapsed). JSON is the report itself (docs/output.md).

use std::fmt::Write as _;

use iamwhy_analysis::review::{AccessChange, ReviewReport};
use iamwhy_lint::Level;

use super::Paint;

/// The one-line verdict.
fn verdict(r: &ReviewReport) -> String {
    let mut why = Vec::new();
    if let Some(p) = &r.past_calls
        && !p.newly_denied.is_empty()
    {
        let calls: u64 = p.newly_denied.iter().map(|g| g.calls).sum();
        why.push(format!("breaks {calls} past call(s)"));
    }
    if r.verdict.findings_at_or_above > 0 {
        why.push(format!(
            "{} finding(s) at `{}` or above",
            r.verdict.findings_at_or_above,
            r.verdict.fail_on.as_str()
        ));
    }
    if why.is_empty() {
        let fixed = r
            .past_calls
            .as_ref()
            .map_or(0, |p| p.newly_allowed.iter().map(|g| g.calls).sum::<u64>());
        if fixed > 0 {
            format!("passes; fixes {fixed} past call(s) denied today")
        } else {
            "passes".to_owned()
        }
    } else {
        format!("fails: {}", why.join("; "))
    }
}

fn count(r: &ReviewReport, level: Level) -> usize {
    r.changes
        .iter()
        .flat_map(|c| c.findings.iter())
        .filter(|f| f.level == level)
        .count()
}

fn findings_summary(r: &ReviewReport) -> String {
    format!(
        "{} error(s), {} security warning(s), {} warning(s), {} suggestion(s)",
        count(r, Level::Error),
        count(r, Level::SecurityWarning),
        count(r, Level::Warning),
        count(r, Level::Suggestion)
    )
}

fn split(access: &[AccessChange]) -> (Vec<&AccessChange>, Vec<&AccessChange>) {
    access.iter().partition(|a| a.is_newly_allowed())
}

/// Text for a terminal.
pub(crate) fn review_text(r: &ReviewReport, paint: &Paint) -> String {
    let mut out = String::new();
    let line = verdict(r);
    let shown = if r.verdict.fail {
        paint.red(&line)
    } else {
        paint.green(&line)
    };
    let _ = writeln!(out, "{} {shown}", paint.bold("Review:"));
    let _ = writeln!(out, "Policies changed: {}", r.changes.len());
    for c in &r.changes {
        let name = c
            .name
            .as_deref()
            .map_or(String::new(), |n| format!(" `{n}`"));
        let _ = writeln!(
            out,
            "  {} {} {}{name} of {} ({}{})",
            c.action.as_str(),
            c.kind.as_str(),
            c.policy_type.map_or("-", |k| k.as_str()),
            c.target,
            c.place,
            c.line.map_or(String::new(), |l| format!(", line {l}"))
        );
        for f in &c.findings {
            let _ = writeln!(
                out,
                "    {}[{}] {}:{}: {}",
                f.level.as_str(),
                f.code,
                c.file,
                f.line
                    .map_or(String::new(), |l| format!("{l}:{}", f.column.unwrap_or(1))),
                f.message
            );
            if let Some(help) = &f.help {
                let _ = writeln!(out, "      fix: {help}");
            }
        }
    }
    let _ = writeln!(out, "Lint: {}", findings_summary(r));
    let (allowed, denied) = split(&r.access);
    let _ = writeln!(
        out,
        "Requests the change newly allows: {}; newly denies: {}",
        allowed.len(),
        denied.len()
    );
    let shown_limit = 20;
    let all = denied.len().saturating_add(allowed.len());
    for a in denied.iter().chain(allowed.iter()).take(shown_limit) {
        let _ = writeln!(
            out,
            "  {}  {}  {}  on {}  ({} -> {})",
            if a.is_newly_allowed() {
                "allow"
            } else {
                "deny "
            },
            a.principal,
            a.action,
            a.resource,
            a.before.as_str(),
            a.after.as_str()
        );
    }
    if all > shown_limit {
        let _ = writeln!(
            out,
            "  ... and {} more (`--format json` lists every one)",
            all.saturating_sub(shown_limit)
        );
    }
    for n in &r.access_notes {
        let _ = writeln!(out, "  {}", paint.dim(&format!("note: {n}")));
    }
    if let Some(p) = &r.past_calls {
        let _ = writeln!(
            out,
            "Past calls ({} replayed): {} group(s) newly denied, {} group(s) newly allowed",
            p.events,
            p.newly_denied.len(),
            p.newly_allowed.len()
        );
        for g in &p.newly_denied {
            let _ = writeln!(
                out,
                "  broken by this change: {} x {}  {}  ({})",
                g.calls, g.principal, g.action, g.example.at
            );
        }
        for g in &p.newly_allowed {
            let _ = writeln!(
                out,
                "  denied today, fixed by this change: {} x {}  {}  ({})",
                g.calls, g.principal, g.action, g.example.at
            );
        }
    }
    for n in &r.not_applied {
        let _ = writeln!(out, "{}", paint.dim(&format!("note: {n}")));
    }
    out
}

/// Escapes text for a Markdown table cell or inline text.
fn md(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', " ")
}

/// A pull-request comment: the verdict, a short table, the details collapsed.
pub(crate) fn review_markdown(r: &ReviewReport) -> String {
    let mut out = String::new();
    let mark = if r.verdict.fail { "❌" } else { "✅" };
    let _ = writeln!(out, "### {mark} iamwhy review: {}\n", md(&verdict(r)));
    let (allowed, denied) = split(&r.access);
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Policies changed | {} |", r.changes.len());
    let _ = writeln!(out, "| Lint findings | {} |", findings_summary(r));
    let _ = writeln!(
        out,
        "| Requests newly allowed / denied | {} / {} |",
        allowed.len(),
        denied.len()
    );
    if let Some(p) = &r.past_calls {
        let sum = |gs: &[iamwhy_analysis::replay::Group]| gs.iter().map(|g| g.calls).sum::<u64>();
        let _ = writeln!(
            out,
            "| Past calls newly denied / allowed | {} / {} (of {} replayed) |",
            sum(&p.newly_denied),
            sum(&p.newly_allowed),
            p.events
        );
    }
    out.push('\n');
    let findings: usize = r.changes.iter().map(|c| c.findings.len()).sum();
    if findings > 0 {
        let _ = writeln!(
            out,
            "<details><summary>Lint findings ({findings})</summary>\n"
        );
        for c in &r.changes {
            for f in &c.findings {
                let _ = writeln!(
                    out,
                    "- **{}** `{}` at `{}` ({}{}): {}",
                    f.level.as_str(),
                    f.code,
                    md(&c.place),
                    md(&c.file),
                    f.line
                        .map_or(String::new(), |l| format!(":{l}:{}", f.column.unwrap_or(1))),
                    md(&f.message)
                );
                if let Some(help) = &f.help {
                    let _ = writeln!(out, "  - Fix: {}", md(help));
                }
            }
        }
        out.push_str("\n</details>\n\n");
    }
    if !r.access.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>Requests whose decision changes ({})</summary>\n",
            r.access.len()
        );
        let _ = writeln!(
            out,
            "| Principal | Action | Resource | Before | After |\n|---|---|---|---|---|"
        );
        let limit = 50;
        for a in denied.iter().chain(allowed.iter()).take(limit) {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} |",
                md(&a.principal),
                md(&a.action),
                md(&a.resource),
                a.before.as_str(),
                a.after.as_str()
            );
        }
        if r.access.len() > limit {
            let _ = writeln!(
                out,
                "\n{} more: `iamwhy --format json review` lists every one.",
                r.access.len().saturating_sub(limit)
            );
        }
        out.push_str("\n</details>\n\n");
    }
    if let Some(p) = &r.past_calls
        && (!p.newly_denied.is_empty() || !p.newly_allowed.is_empty())
    {
        let _ = writeln!(out, "<details><summary>Past calls affected</summary>\n");
        let _ = writeln!(
            out,
            "| Effect | Calls | Principal | Action | Example |\n|---|---|---|---|---|"
        );
        for (what, groups) in [
            ("broken by this change", &p.newly_denied),
            ("denied today, fixed by this change", &p.newly_allowed),
        ] {
            for g in groups {
                let _ = writeln!(
                    out,
                    "| {what} | {} | {} | `{}` | {} |",
                    g.calls,
                    md(&g.principal),
                    md(&g.action),
                    md(&g.example.at)
                );
            }
        }
        out.push_str("\n</details>\n\n");
    }
    let notes: Vec<&String> = r.access_notes.iter().chain(r.not_applied.iter()).collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "<details><summary>Notes ({})</summary>\n", notes.len());
        for n in notes {
            let _ = writeln!(out, "- {}", md(n));
        }
        out.push_str("\n</details>\n");
    }
    out
}
