//! `iamwhy actions` as text: a table for many actions, everything for one, the hidden calls
//! with `--dependent`.

use std::fmt::Write as _;

use iamwhy_catalog::Catalog;
use iamwhy_catalog::describe::ActionInfo;

use super::Paint;

/// The text `iamwhy actions` prints.
pub(crate) fn actions_text(infos: &[ActionInfo<'_>], dependent: bool, paint: &Paint) -> String {
    match infos {
        _ if dependent => infos.iter().map(|i| dependent_text(i, paint)).collect(),
        [one] => detail_text(one, paint),
        _ => table_text(infos, paint),
    }
}

fn resource_list(info: &ActionInfo<'_>) -> String {
    if info.resource_types.is_empty() {
        return "*".to_owned();
    }
    info.resource_types
        .iter()
        .map(|r| format!("{}{}", r.name, if r.required { "*" } else { "" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Many actions: one line each.
fn table_text(infos: &[ActionInfo<'_>], paint: &Paint) -> String {
    let width = infos
        .iter()
        .map(|i| i.action.len())
        .max()
        .unwrap_or(0)
        .max(6);
    let level_width = infos
        .iter()
        .map(|i| i.access_level.len())
        .max()
        .unwrap_or(0)
        .max(6);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        paint.bold(&format!(
            "{:width$}  {:level_width$}  RESOURCE TYPES (* = required)",
            "ACTION", "ACCESS"
        ))
    );
    for i in infos {
        let _ = writeln!(
            out,
            "{:width$}  {:level_width$}  {}",
            i.action,
            i.access_level,
            resource_list(i)
        );
    }
    let _ = writeln!(
        out,
        "{}",
        paint.dim(&format!(
            "{} actions. `iamwhy actions ACTION` shows one in full.",
            infos.len()
        ))
    );
    out
}

/// One action: everything the catalog knows.
fn detail_text(info: &ActionInfo<'_>, paint: &Paint) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  ({})", paint.bold(&info.action), info.access_level);
    let _ = writeln!(out, "  {}", info.description);
    let _ = writeln!(out, "\n  resource types (* = required):");
    if info.resource_types.is_empty() {
        let _ = writeln!(
            out,
            "    *  (no resource-level permissions: the resource is `*`)"
        );
    }
    let width = info
        .resource_types
        .iter()
        .map(|r| r.name.len().saturating_add(1))
        .max()
        .unwrap_or(0);
    for r in &info.resource_types {
        let name = format!("{}{}", r.name, if r.required { "*" } else { "" });
        let _ = writeln!(out, "    {name:width$}  {}", r.arn_formats.join(", "));
    }
    let _ = writeln!(out, "\n  condition keys (the global aws:* keys apply too):");
    if info.condition_keys.is_empty() {
        let _ = writeln!(out, "    none");
    }
    let width = info
        .condition_keys
        .iter()
        .map(|k| k.name.len())
        .max()
        .unwrap_or(0);
    for k in &info.condition_keys {
        let _ = writeln!(
            out,
            "    {:width$}  {}",
            k.name,
            k.key_type.as_deref().unwrap_or("(type not documented)")
        );
    }
    if !info.dependent_actions.is_empty() {
        let _ = writeln!(
            out,
            "\n  dependent actions: {}",
            info.dependent_actions.join(", ")
        );
    }
    if !info.hidden_calls.is_empty() {
        let checks = Catalog::bundled().hidden_checks_for(&info.action);
        let _ = writeln!(
            out,
            "\n  hidden calls: {} ({})",
            checks.join(", "),
            paint.dim(&format!("iamwhy actions --dependent {}", info.action))
        );
    }
    out
}

/// `--dependent`: the extra checks a call triggers.
fn dependent_text(info: &ActionInfo<'_>, paint: &Paint) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint.bold(&info.action));
    if info.hidden_calls.is_empty() && info.dependent_actions.is_empty() {
        let _ = writeln!(out, "  no hidden calls or dependent actions known\n");
        return out;
    }
    for rule in &info.hidden_calls {
        let _ = writeln!(out, "  when {}:", rule.when);
        for check in &rule.checks {
            let _ = writeln!(
                out,
                "    {} on {}  {}",
                paint.bold(&check.action),
                check.resource,
                paint.dim(&format!("({})", rule.mechanism.as_str()))
            );
            for (k, v) in &check.context {
                let _ = writeln!(out, "      {k} = {v}");
            }
        }
        if let Some(note) = &rule.note {
            let _ = writeln!(out, "    note: {note}");
        }
        let _ = writeln!(out, "    source: {} <{}>", rule.doc_title, rule.doc);
    }
    if !info.dependent_actions.is_empty() {
        let _ = writeln!(
            out,
            "  dependent actions (Service Authorization Reference): {}",
            info.dependent_actions.join(", ")
        );
    }
    out.push('\n');
    out
}
