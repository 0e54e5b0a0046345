//! Text output for people: the decision in one line, the reasons in plain words, then the
//! deciding statements quoted at their location.

use std::fmt::Write as _;

use iamwhy_analysis::report::Effect;
use iamwhy_analysis::{AccountSimulation, CaseStatus, SimulationResult, StatementInfo, TestReport};
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
            Effect::Deny => paint.red("Deny "),
            Effect::Allow => paint.green("Allow"),
        },
        s.policy_kind.describe(),
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
    excerpt(out, s, paint);
}

/// The statement's lines, numbered (the decoded policy's lines when the file holds it as a
/// JSON string, which the numbers then say).
pub(crate) fn excerpt(out: &mut String, s: &StatementInfo, paint: &Paint) {
    if s.excerpt_decoded && !s.excerpt.is_empty() {
        let _ = writeln!(
            out,
            "    {}",
            paint.dim("(the policy as decoded from its JSON string; lines of the decoded text)")
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
        let show_scenario = results.len() > 1 || r.scenario.contains('#');
        result_block(&mut out, paint, r, show_scenario);
    }
    out
}

fn on_resource(r: &SimulationResult) -> String {
    if r.resource == "*" {
        String::new()
    } else {
        format!(" on {}", r.resource)
    }
}

/// The operation's line per check: the request itself, then each hidden check.
fn operation_lines(out: &mut String, paint: &Paint, r: &SimulationResult) {
    let width = "ImplicitDeny".len();
    let pad = |d: Decision| " ".repeat(width.saturating_sub(d.as_str().len()));
    let mark = |d: Decision| {
        if d.is_denied() {
            paint.red("  <- fails")
        } else {
            String::new()
        }
    };
    let _ = writeln!(
        out,
        "  checks:     {}{}  {}{}  {}{}",
        decision(paint, r.decision),
        pad(r.decision),
        r.action,
        on_resource(r),
        paint.dim("(the request itself)"),
        mark(r.decision)
    );
    for c in &r.hidden_checks {
        let d = c.result.decision;
        let mark = mark(d);
        let _ = writeln!(
            out,
            "              {}{}  {}{}{mark}",
            decision(paint, d),
            pad(d),
            c.result.action,
            on_resource(&c.result),
        );
        let _ = writeln!(out, "              {}", paint.dim(&format!("  {}", c.why)));
    }
    if let Some(c) = r
        .failing_check()
        .filter(|_| r.decision == Decision::Allowed)
    {
        let _ = writeln!(
            out,
            "  {}",
            paint.bold(&format!(
                "{} alone is allowed, but the operation fails: {} on {} is {}",
                r.action,
                c.result.action,
                c.result.resource,
                match c.result.decision {
                    Decision::ExplicitDeny => "explicitly denied",
                    _ => "implicitly denied",
                }
            ))
        );
    }
}

fn result_block(out: &mut String, paint: &Paint, r: &SimulationResult, show_scenario: bool) {
    let _ = writeln!(
        out,
        "{}  {}{}",
        decision(paint, r.final_decision()),
        paint.bold(&r.action),
        on_resource(r),
    );
    let _ = writeln!(out, "  principal:  {}", r.principal);
    if show_scenario {
        let _ = writeln!(out, "  scenario:   {}", r.scenario);
    }
    if !r.hidden_checks.is_empty() {
        operation_lines(out, paint, r);
    }
    request_details(out, paint, r, &[]);
    for c in &r.hidden_checks {
        let _ = writeln!(
            out,
            "\n{} {}  {}{}",
            paint.bold("Hidden check:"),
            decision(paint, c.result.decision),
            paint.bold(&c.result.action),
            on_resource(&c.result),
        );
        let _ = writeln!(out, "  why:        {}", c.why);
        let _ = writeln!(out, "  rule:       {} ({})", c.rule, c.doc);
        // The operation's notes were said above.
        request_details(out, paint, &c.result, &r.notes);
    }
}

/// Everything about one evaluated request below its headline; notes in `said` are not
/// repeated.
fn request_details(out: &mut String, paint: &Paint, r: &SimulationResult, said: &[String]) {
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
            statement(out, paint, s, None);
        }
    }
    if !r.near_misses.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            paint.bold("Statements that cover the action but do not apply")
        );
        for n in &r.near_misses {
            statement(out, paint, &n.statement, Some(&n.reason));
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
    let notes: Vec<&String> = r.notes.iter().filter(|n| !said.contains(n)).collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "\n{}", paint.bold("Notes"));
        for n in notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
}

/// Before and after candidate changes: one line per request, then the results with the
/// changes in full.
pub(crate) fn comparison_text(sim: &AccountSimulation, paint: &Paint) -> String {
    let mut out = String::new();
    let Some(after) = &sim.after else {
        return simulation_text(&sim.before, paint);
    };
    let _ = writeln!(out, "{}", paint.bold("Candidate changes"));
    for c in &sim.changes {
        let _ = writeln!(out, "  - {c}");
    }
    let _ = writeln!(out, "\n{}", paint.bold("Before -> after"));
    for (b, a) in sim.before.iter().zip(after) {
        let changed = if b.final_decision() == a.final_decision() {
            paint.dim("(unchanged)")
        } else {
            paint.bold("(changed)")
        };
        let _ = writeln!(
            out,
            "  {} -> {}  {}{}  {changed}",
            decision(paint, b.final_decision()),
            decision(paint, a.final_decision()),
            a.action,
            on_resource(a),
        );
    }
    let _ = writeln!(out, "\n{}\n", paint.bold("With the changes"));
    out.push_str(&simulation_text(after, paint));
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
                            s.effect.as_str(),
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
