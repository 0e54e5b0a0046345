//! Text for `explain --message` without a snapshot: what the message alone establishes.

use std::fmt::Write as _;

use iamwhy_analysis::{Account, MessageAnswer};
use iamwhy_trail::DenyKind;

use super::Paint;

fn account(a: Option<&Account>) -> String {
    match a {
        Some(Account::Known(id)) => id.clone(),
        Some(Account::Redacted) => "redacted in the message".to_owned(),
        None => "not in the message".to_owned(),
    }
}

/// One block per message.
pub(crate) fn answers_text(answers: &[MessageAnswer], paint: &Paint) -> String {
    let mut out = String::new();
    for a in answers {
        let m = &a.message;
        let _ = writeln!(
            out,
            "{}",
            paint.bold("== What the message establishes (no snapshot: not verified)")
        );
        let _ = writeln!(
            out,
            "  principal: {}  (account: {})",
            m.principal.as_deref().unwrap_or("not named"),
            account(a.principal_account.as_ref())
        );
        let actions = if a.actions.is_empty() {
            "not named".to_owned()
        } else {
            a.actions.join(", ")
        };
        let from_op = match (&m.operation, a.actions_from_operation) {
            (Some(op), true) => format!("  (what the {op} operation needs)"),
            (Some(op), false) => format!("  (operation {op})"),
            _ => String::new(),
        };
        let _ = writeln!(out, "  action:    {actions}{from_op}");
        let _ = writeln!(
            out,
            "  resource:  {}  (account: {})",
            m.resource.as_deref().unwrap_or("not named"),
            account(a.resource_account.as_ref())
        );
        if let Some(cross) = a.cross_account {
            let _ = writeln!(
                out,
                "  accounts:  {}",
                if cross {
                    "different: a cross-account request — both sides must allow it"
                } else {
                    "the same"
                }
            );
        }
        let kind = match m.deny_kind {
            DenyKind::Explicit => paint.red("explicit deny"),
            DenyKind::Implicit => paint.yellow("implicit deny (no policy allows it)"),
            DenyKind::Unknown => "not said".to_owned(),
        };
        let _ = writeln!(
            out,
            "  deny:      {kind}{}",
            m.policy_label()
                .map(|t| format!(", decided by the {t} policy"))
                .unwrap_or_default()
        );
        if let Some(arn) = &m.policy_arn {
            let _ = writeln!(out, "  policy:    {arn}");
        }
        for (key, values) in &m.context {
            let _ = writeln!(out, "  context:   {key} = {}", values.join(", "));
        }
        let _ = writeln!(out, "{}", paint.bold("What it implies"));
        let _ = writeln!(out, "  - {}", a.implication.describe());
        if let Some(stmt) = &a.candidate_statement {
            let _ = writeln!(
                out,
                "{}",
                paint.bold(
                    "Candidate statement (NOT verified: iamwhy has not seen the account's policies)"
                )
            );
            let pretty = serde_json::to_string_pretty(stmt).unwrap_or_default();
            for line in pretty.lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        if !a.fetch.is_empty() {
            let _ = writeln!(
                out,
                "{}",
                paint.bold("Fetch what decides (read-only), then run again with --snapshot")
            );
            for f in &a.fetch {
                let _ = writeln!(out, "  # {}\n  {}", f.purpose, f.command);
            }
            let _ = writeln!(
                out,
                "  (or take the whole snapshot: scripts/snapshot.sh; see docs/snapshot.md)"
            );
        }
        out.push('\n');
    }
    out
}
