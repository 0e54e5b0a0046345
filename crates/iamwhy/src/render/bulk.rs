//! `who-can` and `can` as text and CSV (JSON is the report serialised).

use std::fmt::Write as _;

use iamwhy_analysis::bulk::{Can, Decider, WhoCan, WhoRow};

use super::Paint;

fn deciders(d: &[Decider]) -> String {
    d.iter()
        .map(|s| {
            let sid = s
                .sid
                .as_deref()
                .map(|x| format!(" {x}"))
                .unwrap_or_default();
            format!("{} {}{sid} ({})", s.effect, s.policy, s.at)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn who_rows(out: &mut String, title: &str, rows: &[WhoRow], paint: &Paint) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}", paint.bold(title));
    for r in rows {
        let _ = writeln!(out, "  {}", r.principal);
        let _ = writeln!(out, "    {}", paint.dim(&deciders(&r.deciding)));
        for h in &r.failing_hidden_calls {
            let _ = writeln!(out, "    denied hidden call: {h}");
        }
    }
}

/// `who-can` for people.
pub(crate) fn who_can_text(r: &WhoCan, paint: &Paint) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} principal(s) can perform {} on {} ({} evaluated)",
        r.allowed.len(),
        paint.bold(&r.action),
        r.resource,
        r.principals_evaluated
    );
    who_rows(&mut out, "Allowed (the whole operation)", &r.allowed, paint);
    who_rows(
        &mut out,
        "Allowed the request, but a hidden call of the operation is denied",
        &r.request_only,
        paint,
    );
    who_rows(
        &mut out,
        "Almost: an explicit Deny stops them although an Allow applies",
        &r.almost,
        paint,
    );
    for (p, why) in &r.not_evaluated {
        let _ = writeln!(out, "not evaluated: {p}: {why}");
    }
    out
}

fn csv_text(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// `who-can` as CSV: one row per principal in any of the lists.
pub(crate) fn who_can_csv(r: &WhoCan) -> String {
    let lists = [
        ("allowed", &r.allowed),
        ("request-only", &r.request_only),
        ("almost", &r.almost),
    ];
    let rows = lists
        .iter()
        .flat_map(|(list, rows)| {
            rows.iter().map(move |w| {
                vec![
                    (*list).to_owned(),
                    w.principal.clone(),
                    format!("{:?}", w.kind).to_ascii_lowercase(),
                    w.decision.to_string(),
                    w.request_decision.to_string(),
                    deciders(&w.deciding),
                    w.failing_hidden_calls.join("; "),
                ]
            })
        })
        .collect();
    csv_text(
        &[
            "list",
            "principal",
            "kind",
            "decision",
            "request_decision",
            "deciding",
            "failing_hidden_calls",
        ],
        rows,
    )
}

/// `can` for people, grouped by service and access level.
pub(crate) fn can_text(r: &Can, paint: &Paint) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} can perform {} of {} action(s) evaluated",
        paint.bold(&r.principal),
        r.allowed.len(),
        r.actions_evaluated
    );
    let mut group = (String::new(), String::new());
    for row in &r.allowed {
        if (row.service.as_str(), row.access_level.as_str()) != (group.0.as_str(), group.1.as_str())
        {
            group = (row.service.clone(), row.access_level.clone());
            let _ = writeln!(out, "\n{} — {}", paint.bold(&row.service), row.access_level);
        }
        let _ = writeln!(out, "  {} on {}", row.action, row.resource);
        let _ = writeln!(out, "    {}", paint.dim(&deciders(&row.deciding)));
    }
    out
}

/// `can` as CSV.
pub(crate) fn can_csv(r: &Can) -> String {
    let rows = r
        .allowed
        .iter()
        .map(|c| {
            vec![
                c.service.clone(),
                c.access_level.clone(),
                c.action.clone(),
                c.resource.clone(),
                deciders(&c.deciding),
            ]
        })
        .collect();
    csv_text(
        &["service", "access_level", "action", "resource", "deciding"],
        rows,
    )
}
