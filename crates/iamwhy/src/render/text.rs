//! Text output for people: the decision in one line, the reasons in plain words, then the
//! deciding statements quoted at their location.

use std::fmt::Write as _;

use iamwhy_analysis::{CaseStatus, SimulationResult, StatementInfo, TestReport};
use iamwhy_core::{Decision, PolicyType};

use super::Paint;

fn decision(paint: &Paint, d: Decision) -> String {
    match d {
        Decision::Allowed => paint.green("Allowed"),
        Decision::ExplicitDeny => paint.red("ExplicitDeny"),
        Decision::ImplicitDeny => paint.red("ImplicitDeny"),
    }
}

fn type_name(t: PolicyType, role_trust: bool) -> &'static str {
    if role_trust {
        return "role trust policy";
    }
    t.aws_phrase()
}

fn statement(out: &mut String, paint: &Paint, s: &StatementInfo, reason: Option<&str>) {
    let sid = s.sid.as_ref().map_or(format!("#{}", s.index), |sid| {
        format!("\"{sid}\" (#{})", s.index)
    });
    let level = s.level.map(|l| format!(" level {l}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "  {} {sid} of {}{level} \"{}\"  {}",
        match s.effect {
            "Deny" => paint.red("Deny "),
            _ => paint.green("Allow"),
        },
        s.policy_kind,
        s.policy,
        paint.dim(&format!("{}:{}:{}", s.file, s.line, s.column)),
    );
    if let Some(r) = reason {
        let _ = writeln!(
            out,
            "        {}",
            paint.yellow(&format!("does not apply: {r}"))
        );
    }
    let width = s.excerpt.last().map_or(1, |(l, _)| l.to_string().len());
    for (line, text) in &s.excerpt {
        let _ = writeln!(
            out,
            "    {} | {text}",
            paint.dim(&format!("{line:>width$}"))
        );
    }
}

/// One block per result.
pub(crate) fn simulation_text(results: &[SimulationResult], paint: &Paint) -> String {
    let mut out = String::new();
    for (i, r) in results.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let on = if r.resource == "*" {
            String::new()
        } else {
            format!(" on {}", r.resource)
        };
        let _ = writeln!(
            out,
            "{}  {}{on}",
            decision(paint, r.decision),
            paint.bold(&r.action),
        );
        let _ = writeln!(out, "  principal:  {}", r.principal);
        if results.len() > 1 || r.scenario.contains('#') {
            let _ = writeln!(out, "  scenario:   {}", r.scenario);
        }
        if let Some(by) = r.denied_by {
            let name = by
                .policy_type()
                .map_or("a service rule", |t| type_name(t, r.role_trust_policy));
            let _ = writeln!(out, "  denied by:  {name}");
        }
        if let Some(m) = &r.message {
            let _ = writeln!(out, "  AWS says:   {m}");
        }
        if let Some(exp) = &r.expectation {
            if exp.met {
                let _ = writeln!(
                    out,
                    "  expected:   {} {}",
                    exp.expected,
                    paint.green("(met)")
                );
            } else {
                let _ = writeln!(
                    out,
                    "  expected:   {} {}",
                    exp.expected,
                    paint.red(&format!("(NOT met: {})", exp.failures.join("; ")))
                );
            }
        }
        let (title, list): (&str, &[StatementInfo]) = match r.decision {
            Decision::Allowed => ("Allowing statements", &r.deciding_statements),
            Decision::ExplicitDeny => ("Denying statements", &r.deciding_statements),
            Decision::ImplicitDeny => ("Statements that apply", &r.matched_statements),
        };
        if !list.is_empty() {
            let _ = writeln!(out, "\n{}", paint.bold(title));
            for s in list {
                statement(&mut out, paint, s, None);
            }
        }
        if !r.near_misses.is_empty() {
            let _ = writeln!(
                out,
                "\n{}",
                paint.bold("Statements that cover the action but do not apply")
            );
            for n in &r.near_misses {
                statement(&mut out, paint, &n.statement, Some(&n.reason));
            }
        }
        if !r.reasons.is_empty() {
            let _ = writeln!(out, "\n{}", paint.bold("Why"));
            for reason in &r.reasons {
                let _ = writeln!(out, "  - {reason}");
            }
        }
        if !r.missing_context_keys.is_empty() {
            let _ = writeln!(
                out,
                "\n{} {}",
                paint.bold("Context keys the policies test but the request lacks:"),
                r.missing_context_keys.join(", ")
            );
        }
        if !r.notes.is_empty() {
            let _ = writeln!(out, "\n{}", paint.bold("Notes"));
            for n in &r.notes {
                let _ = writeln!(out, "  - {n}");
            }
        }
    }
    out
}

/// One line per scenario and a summary line.
pub(crate) fn test_text(report: &TestReport, paint: &Paint) -> String {
    let mut out = String::new();
    for case in &report.cases {
        match case.status {
            CaseStatus::Pass => {
                let _ = writeln!(out, "{}  {}", paint.green("PASS"), case.name);
            }
            CaseStatus::Fail => {
                for f in &case.failures {
                    let on = if f.resource == "*" {
                        String::new()
                    } else {
                        format!(" on {}", f.resource)
                    };
                    let deciding = f.deciding.as_ref().map_or(String::new(), |s| {
                        format!(
                            " (deciding: {} {} of \"{}\" at {}:{}:{})",
                            s.effect,
                            s.sid
                                .as_ref()
                                .map_or(format!("#{}", s.index), |sid| format!("\"{sid}\"")),
                            s.policy,
                            s.file,
                            s.line,
                            s.column
                        )
                    });
                    let _ = writeln!(
                        out,
                        "{}  {}: {}{on}: {}{deciding}",
                        paint.red("FAIL"),
                        case.name,
                        f.action,
                        f.problems.join("; "),
                    );
                }
            }
        }
    }
    if report.skipped > 0 {
        let _ = writeln!(
            out,
            "{}",
            paint.dim(&format!(
                "{} scenario(s) without `expect` not run",
                report.skipped
            ))
        );
    }
    let summary = format!("{} passed, {} failed", report.passed, report.failed);
    let _ = writeln!(
        out,
        "{}",
        if report.failed > 0 {
            paint.red(&summary)
        } else {
            paint.bold(&summary)
        }
    );
    out
}
