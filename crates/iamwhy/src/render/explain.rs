//! Text for `explain` and `replay`.

use std::fmt::Write as _;
use std::time::Duration;

use iamwhy_analysis::replay::{Group, Listed, ReplayReport};
use iamwhy_analysis::{CrossCheckStatus, Fix, FixKind, Incident};
use iamwhy_analysis::{SimulationResult, StatementInfo};
use iamwhy_core::Decision;
use iamwhy_trail::Stats;

use super::Paint;

fn decision(d: Decision, paint: &Paint) -> String {
    match d {
        Decision::Allowed => paint.green(d.as_str()),
        _ => paint.red(d.as_str()),
    }
}

fn statement(out: &mut String, s: &StatementInfo, paint: &Paint) {
    let sid = s.sid.as_deref().map_or_else(
        || format!("#{}", s.index),
        |sid| format!("\"{sid}\" (#{})", s.index),
    );
    let _ = writeln!(
        out,
        "  {} {sid} of {}  {}",
        s.effect.as_str(),
        paint.bold(&s.policy_title()),
        paint.dim(&format!("{}:{}:{}", s.file, s.line, s.column))
    );
    super::text::excerpt(out, s, paint);
}

fn checks_line(r: &SimulationResult, paint: &Paint) -> String {
    let fails = |d: Decision| if d.is_denied() { "  <- fails" } else { "" };
    let mut parts = vec![format!(
        "{} {} (the request itself){}",
        r.action,
        decision(r.decision, paint),
        fails(r.decision)
    )];
    for c in &r.hidden_checks {
        let fails = fails(c.result.decision);
        parts.push(format!(
            "{} on {} {}{fails}",
            c.result.action,
            c.result.resource,
            decision(c.result.decision, paint)
        ));
    }
    parts.join("; ")
}

fn fix_text(out: &mut String, n: usize, f: &Fix, paint: &Paint) {
    let status = if f.verified {
        paint.green("verified")
    } else {
        paint.yellow("not verified")
    };
    let _ = writeln!(
        out,
        "{} ({status}): {}",
        paint.bold(&format!("Fix {n}")),
        f.summary
    );
    if !f.target.is_empty() {
        let _ = writeln!(out, "  where:   {}", f.target);
    }
    if !f.statement.is_null() {
        let _ = writeln!(out, "  change:");
        let text = serde_json::to_string_pretty(&f.statement).unwrap_or_default();
        for line in text.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    let whole: Vec<&serde_json::Value> = match &f.policy {
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::Array(list) => list.iter().collect(),
        p => vec![p],
    };
    for (i, p) in whole.iter().enumerate() {
        let which = if whole.len() > 1 {
            format!(" ({} of {})", i.saturating_add(1), whole.len())
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  policy{which}: the whole resulting document, to save as fix.json"
        );
        let text = serde_json::to_string_pretty(p).unwrap_or_default();
        for line in text.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    if let Some(c) = &f.command {
        let _ = writeln!(
            out,
            "  apply:   save the policy above as fix.json (or take the file `--write-fixes DIR` writes), then"
        );
        for line in c.lines() {
            let _ = writeln!(out, "           {line}");
        }
    }
    let _ = writeln!(out, "  proof:   {}", f.verification);
    for s in &f.scope {
        let mark = if s.widened() {
            paint.yellow("  <- newly allowed")
        } else {
            String::new()
        };
        let with = s
            .context
            .as_ref()
            .map(|(k, v)| format!(" with {k}={v}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  scope:   {} {} on {}{with}: {} -> {}{mark}",
            s.what.as_str(),
            s.action,
            s.resource,
            s.before.as_str(),
            s.after.as_str()
        );
    }
    if let Some(a) = &f.admits {
        let _ = writeln!(out, "  scope:   admits {a}");
    }
    if f.kind != FixKind::NotVerifiable
        && !f.scope.iter().any(|s| s.widened())
        && f.widens.is_empty()
    {
        let _ = writeln!(out, "  scope:   grants nothing beyond the request");
    }
    for w in &f.widens {
        let _ = writeln!(out, "  {} {w}", paint.yellow("warning:"));
    }
}

/// One block per incident.
pub(crate) fn incidents_text(incidents: &[Incident], not_shown: usize, paint: &Paint) -> String {
    let mut out = String::new();
    for (i, inc) in incidents.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        incident(&mut out, inc, paint);
    }
    if not_shown > 0 {
        let _ = writeln!(
            out,
            "\n{not_shown} more incident(s) not explained: narrow with the filters (`--principal`, `--since`, `--action`, ...) or raise `--max`."
        );
    }
    out
}

fn incident(out: &mut String, inc: &Incident, paint: &Paint) {
    let title = match (&inc.event, &inc.request) {
        (Some(e), _) => format!(
            "{} {} by {} at {}",
            if e.error_code.is_some() {
                "Denied:"
            } else {
                "Call:"
            },
            e.call,
            e.principal,
            e.time
        ),
        (None, Some(r)) => format!("Message: {} by {}", r.action, r.principal),
        (None, None) => "Message".to_owned(),
    };
    let _ = writeln!(out, "{}", paint.bold(&format!("== {title}")));
    if let Some(e) = &inc.event {
        let _ = writeln!(
            out,
            "  record:    {}{}",
            e.at,
            e.event_id
                .as_deref()
                .map(|id| format!("  eventID {id}"))
                .unwrap_or_default()
        );
        if let Some(code) = &e.error_code {
            let _ = writeln!(
                out,
                "  error:     {code}: {}",
                e.error_message.as_deref().unwrap_or("(no message)")
            );
        }
    }
    if let Some(m) = &inc.message {
        let _ = writeln!(out, "  message:   {m}");
    }
    for l in &inc.linked {
        let _ = writeln!(
            out,
            "  also:      {} for the same identity by {} at {}: {} ({})",
            l.event.call,
            l.event.invoked_by.as_deref().unwrap_or("a service"),
            l.event.time,
            l.event.error_code.as_deref().unwrap_or("no error"),
            l.event.at
        );
    }
    if let Some(u) = &inc.unexplained {
        let _ = writeln!(
            out,
            "  {} {}",
            paint.yellow("cannot explain:"),
            u.reasons.join("; ")
        );
        for l in &inc.linked {
            if let Some(u) = &l.unexplained {
                let _ = writeln!(
                    out,
                    "  {} {}",
                    paint.yellow("cannot explain:"),
                    u.reasons.join("; ")
                );
            }
        }
    }
    if let Some(r) = &inc.request {
        let _ = writeln!(out, "{}", paint.bold("Request"));
        let _ = writeln!(out, "  principal: {}", r.principal);
        if let Some(p) = &r.parent_user {
            let _ = writeln!(out, "  parent:    {p}");
        }
        let _ = writeln!(out, "  action:    {}", r.action);
        if !r.also_needs.is_empty() {
            let also: Vec<&str> = r.also_needs.iter().map(|a| a.as_str()).collect();
            let _ = writeln!(out, "  also needs: {}", also.join(", "));
        }
        let _ = writeln!(
            out,
            "  resource:  {}  {}",
            r.resource,
            paint.dim(&format!("(from {})", r.resource_from))
        );
        if !r.context.is_empty() {
            let ctx: Vec<String> = r
                .context
                .iter()
                .map(|(k, v)| format!("{k}={}", v.values().join(",")))
                .collect();
            let _ = writeln!(out, "  context:   {}", ctx.join(", "));
        }
        for n in &r.notes {
            let _ = writeln!(out, "  {} {n}", paint.dim("note:"));
        }
    }
    if let (Some(r), Some(d)) = (&inc.result, inc.decision) {
        let _ = writeln!(out, "{} {}", paint.bold("Decision:"), decision(d, paint));
        if !r.hidden_checks.is_empty() {
            let _ = writeln!(out, "  checks:    {}", checks_line(r, paint));
        }
        if let Some(f) = inc.failing()
            && let Some(m) = &f.message
        {
            let _ = writeln!(out, "  we say:    {m}");
        }
    }
    let cc = &inc.cross_check;
    match cc.status {
        CrossCheckStatus::Disagrees => {
            let _ = writeln!(
                out,
                "{} {}",
                paint.red("!! The snapshot disagrees with AWS:"),
                cc.detail.join("; ")
            );
            if let Some(r) = &cc.refresh {
                let _ = writeln!(out, "   refresh: {r}");
            }
        }
        CrossCheckStatus::NotEvaluated => {}
        _ => {
            let _ = writeln!(
                out,
                "{} {}",
                paint.bold("Cross-check:"),
                cc.detail.join("; ")
            );
        }
    }
    if !inc.reasoning.is_empty() {
        let _ = writeln!(out, "{}", paint.bold("Why"));
        for r in &inc.reasoning {
            let _ = writeln!(out, "  - {r}");
        }
    }
    if let Some(f) = inc.failing()
        && !f.deciding_statements.is_empty()
    {
        let _ = writeln!(out, "{}", paint.bold("Deciding statements"));
        for s in &f.deciding_statements {
            statement(out, s, paint);
        }
    }
    // What the evaluation assumed or left out (missing snapshot parts, unknown keys).
    if let Some(r) = &inc.result
        && !r.notes.is_empty()
    {
        let _ = writeln!(out, "{}", paint.bold("Notes"));
        for n in &r.notes {
            let _ = writeln!(out, "  - {}", paint.dim(n));
        }
    }
    for (n, f) in inc.fixes.iter().enumerate() {
        fix_text(out, n.saturating_add(1), f, paint);
    }
}

fn listed(out: &mut String, l: &Listed) {
    let after = l
        .after
        .map(|a| format!(" -> {}", a.as_str()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  {}  {}  {} on {}  recorded {:?}, we say {}{after}  ({})",
        l.event.time,
        l.principal,
        l.action,
        l.resource,
        l.recorded,
        l.decision.as_str(),
        l.event.at
    );
}

fn groups(out: &mut String, title: &str, list: &[Group], paint: &Paint) {
    let calls: u64 = list.iter().map(|g| g.calls).sum();
    let _ = writeln!(out, "{}", paint.bold(&format!("{title}: {calls} call(s)")));
    for g in list.iter().take(30) {
        let _ = writeln!(
            out,
            "  {:>6}  {}  {}  e.g. {} ({})",
            g.calls,
            g.principal,
            g.action,
            g.resources.first().map_or("*", String::as_str),
            g.example.at
        );
    }
    if let Some(more) = list.len().checked_sub(30).filter(|more| *more > 0) {
        let _ = writeln!(
            out,
            "  ... {more} more group(s) (`--format json` lists all)"
        );
    }
}

/// The replay report.
pub(crate) fn replay_text(
    r: &ReplayReport,
    stats: &Stats,
    elapsed: Duration,
    paint: &Paint,
) -> String {
    let mut out = String::new();
    let c = &r.coverage;
    let secs = elapsed.as_secs_f64().max(1e-9);
    let _ = writeln!(
        out,
        "{}",
        paint.bold(&format!(
            "Replayed {} call(s) from {} file(s) in {:.2} s ({:.0} calls/s)",
            c.events,
            stats.files,
            secs,
            c.events as f64 / secs
        ))
    );
    let _ = writeln!(
        out,
        "  action known for {} ({:.1}% of the calls that need authorization); {} need none; {} unknown",
        c.mapped,
        c.mapping_coverage * 100.0,
        c.not_authorized,
        c.unknown_action
    );
    let _ = writeln!(
        out,
        "  evaluated {}; principal not in the snapshot {}{}; other facts missing {}",
        c.evaluated,
        c.principal_not_in_snapshot,
        if c.depends_on_unheld_account > 0 {
            format!(
                " (of which {} of accounts the snapshot does not hold, allowed by everything else: the decision depends on their own policies)",
                c.depends_on_unheld_account
            )
        } else {
            String::new()
        },
        c.missing_facts
    );
    for (call, n) in &c.top_unknown_calls {
        let _ = writeln!(out, "    unknown call {call}: {n}");
    }
    for (why, n) in &c.top_missing {
        let _ = writeln!(out, "    missing: {why}: {n}");
    }
    let _ = writeln!(
        out,
        "{} {} agree with CloudTrail; {} disagree ({} denied by AWS but allowed by the snapshot, {} allowed by AWS but denied by the snapshot); {} failed with other errors (not compared)",
        paint.bold("Outcome:"),
        r.agreements,
        r.disagreement_count,
        r.aws_denied_we_allow,
        r.aws_allowed_we_deny,
        r.other_errors
    );
    if !r.disagreements.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            paint.bold("Disagreements (a stale or incomplete snapshot, or an engine bug; `iamwhy explain --event` on one says more)")
        );
        for l in &r.disagreements {
            listed(&mut out, l);
        }
        if let Some(more) = (r.disagreement_count as usize)
            .checked_sub(r.disagreements.len())
            .filter(|more| *more > 0)
        {
            let _ = writeln!(out, "  ... {more} more");
        }
    }
    if !r.changes.is_empty() {
        let _ = writeln!(out, "{} {}", paint.bold("Change:"), r.changes.join("; "));
        if let Some(d) = &r.newly_denied {
            groups(&mut out, "Newly denied", d, paint);
        }
        if let Some(a) = &r.newly_allowed {
            groups(&mut out, "Newly allowed", a, paint);
        }
    }
    out
}
