//! `generate` (text, Terraform) and `unused` (text, CSV).

use std::fmt::Write as _;

use iamwhy_analysis::report::generate::{
    Condition, GenerateReport, Generated, IdentityKind, PolicyDocument, PolicyTarget, ResourceRule,
    UnusedReport,
};

use super::Paint;

fn rule_text(rule: ResourceRule) -> &'static str {
    match rule {
        ResourceRule::ExactArns => "exact ARNs",
        ResourceRule::PrefixWildcard => "prefix wildcard",
        ResourceRule::NoResourceTypes => "`*`: no resource types",
        ResourceRule::NotNamed => "`*`: no resource named",
    }
}

fn target_text(t: PolicyTarget) -> &'static str {
    match t {
        PolicyTarget::RoleInline => "inline role policy, `aws iam put-role-policy`",
        PolicyTarget::UserInline => "inline user policy, `aws iam put-user-policy`",
        PolicyTarget::Managed => "customer managed policy, `aws iam create-policy`",
    }
}

fn kind_text(k: IdentityKind) -> &'static str {
    match k {
        IdentityKind::User => "user",
        IdentityKind::Role => "role",
    }
}

/// `iamwhy generate`, for people.
pub(crate) fn generate_text(r: &GenerateReport, paint: &Paint) -> String {
    let mut out = String::new();
    if r.generated.is_empty() {
        let _ = writeln!(
            out,
            "No call of a user or role matching `{}` in the window ({} records matched): nothing to generate.",
            r.principal, r.records
        );
    }
    for g in &r.generated {
        one_text(&mut out, g, paint);
    }
    for (who, n) in &r.skipped_principals {
        let _ = writeln!(
            out,
            "Skipped {n} record(s) of {who}: not a user or role (no identity-based policy to generate)."
        );
    }
    let _ = writeln!(out, "\nRules:");
    for rule in &r.rules {
        let _ = writeln!(out, "  - {rule}");
    }
    out
}

fn one_text(out: &mut String, g: &Generated, paint: &Paint) {
    let _ = writeln!(
        out,
        "{} {} ({})",
        paint.bold("Least-privilege policy for"),
        g.principal,
        kind_text(g.kind)
    );
    let _ = writeln!(
        out,
        "  {} calls ({} allowed, {} denied, {} other errors){}{}",
        g.calls,
        g.allowed,
        g.denied,
        g.other_errors,
        g.first_call
            .as_ref()
            .map(|f| format!(" from {f}"))
            .unwrap_or_default(),
        g.last_call
            .as_ref()
            .map(|l| format!(" to {l}"))
            .unwrap_or_default()
    );
    if !g.sessions.is_empty() {
        let _ = writeln!(out, "  sessions: {}", g.sessions.join(", "));
    }
    for p in &g.policies {
        let _ = writeln!(
            out,
            "\n  {} ({}, {} of {} characters):",
            paint.bold(&p.name),
            target_text(g.target),
            p.size,
            g.size_limit
        );
        let json = serde_json::to_string_pretty(&p.document).unwrap_or_default();
        for line in json.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    if !g.statements.is_empty() {
        let _ = writeln!(out, "\n  Statements:");
        for s in &g.statements {
            let hidden = if s.hidden_calls > 0 {
                format!(
                    ", {} of them checks made for the call by another service",
                    s.hidden_calls
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "    {}: {}, {} call(s){hidden}",
                s.sid,
                rule_text(s.rule),
                s.calls
            );
            for c in &s.conditions {
                let _ = writeln!(out, "      {}: {}", c.key, c.why);
            }
        }
    }
    if !g.scope.is_empty() {
        let _ = writeln!(out, "\n  Beyond the observed calls:");
        for s in &g.scope {
            let _ = writeln!(
                out,
                "    {} on {}: {}",
                s.actions.join(", "),
                s.pattern,
                s.beyond
            );
        }
    }
    if !g.denied_calls.is_empty() {
        let what = if g.denied_calls.iter().any(|d| d.granted) {
            "granted (--include-denied)"
        } else {
            "not granted; --include-denied grants them"
        };
        let _ = writeln!(out, "\n  Denied by AWS ({what}):");
        for d in &g.denied_calls {
            let _ = writeln!(
                out,
                "    {} on {}: {} call(s), first {} at {}",
                d.action, d.resource, d.calls, d.example.time, d.example.at
            );
        }
    }
    if !g.not_covered.is_empty() {
        let _ = writeln!(out, "\n  Calls the policy does not cover:");
        for n in &g.not_covered {
            let _ = writeln!(out, "    {} ({} call(s)): {}", n.call, n.calls, n.reason);
        }
    }
    let v = &g.verification;
    let verdict = if v.verified {
        paint.green("verified")
    } else {
        paint.red("NOT verified")
    };
    let _ = writeln!(
        out,
        "\n  Replay: {verdict}: of {} call(s) AWS allowed, {} stay allowed with this policy in place of the {}'s identity-based policies (boundary, SCPs and resource-based policies unchanged){}",
        v.allowed_calls,
        v.still_allowed,
        kind_text(g.kind),
        if v.denied_as_is > 0 {
            format!(
                "; {} are denied by the snapshot as it is too (it differs from the account at the time)",
                v.denied_as_is
            )
        } else {
            String::new()
        }
    );
    if v.denied_calls > 0 {
        let _ = writeln!(
            out,
            "  Of {} call(s) AWS denied, {} would be allowed.",
            v.denied_calls, v.denied_now_allowed
        );
    }
    if v.not_evaluated > 0 {
        let _ = writeln!(
            out,
            "  {} record(s) could not be replayed.",
            v.not_evaluated
        );
    }
    for f in &v.failures {
        let _ = writeln!(
            out,
            "    {} {} on {} at {}",
            paint.red("denied:"),
            f.action,
            f.resource,
            f.event.at
        );
    }
    for n in &g.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    out.push('\n');
}

/// A string as an HCL quoted template: escapes, and `${`/`%{` doubled so that Terraform does
/// not interpolate (Terraform language, strings and templates).
fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len().saturating_add(2));
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn hcl_list(list: &[String]) -> String {
    let items: Vec<String> = list.iter().map(|s| hcl_string(s)).collect();
    format!("[{}]", items.join(", "))
}

fn hcl_condition(out: &mut String, c: &Condition, indent: &str) {
    let _ = writeln!(out, "{indent}Condition = {{");
    for (op, keys) in c {
        let op = serde_json::to_value(op)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(out, "{indent}  {op} = {{");
        for (k, values) in keys {
            let _ = writeln!(out, "{indent}    {} = {}", hcl_string(k), hcl_list(values));
        }
        let _ = writeln!(out, "{indent}  }}");
    }
    let _ = writeln!(out, "{indent}}}");
}

fn hcl_document(out: &mut String, d: &PolicyDocument) {
    let _ = writeln!(out, "  policy = jsonencode({{");
    let _ = writeln!(out, "    Version = {}", hcl_string(d.version));
    let _ = writeln!(out, "    Statement = [");
    for s in &d.statement {
        let _ = writeln!(out, "      {{");
        let _ = writeln!(out, "        Sid      = {}", hcl_string(&s.sid));
        let _ = writeln!(out, "        Effect   = \"Allow\"");
        let _ = writeln!(out, "        Action   = {}", hcl_list(&s.action));
        let _ = writeln!(out, "        Resource = {}", hcl_list(&s.resource));
        if !s.condition.is_empty() {
            hcl_condition(out, &s.condition, "        ");
        }
        let _ = writeln!(out, "      }},");
    }
    let _ = writeln!(out, "    ]");
    let _ = writeln!(out, "  }})");
}

/// A Terraform resource name from free text.
fn tf_name(s: &str) -> String {
    let mut name: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        name.insert(0, '_');
    }
    name
}

/// `iamwhy generate --format terraform`: an `aws_iam_role_policy` (`aws_iam_user_policy`)
/// per principal with the document in `jsonencode`; managed policies and their attachments
/// when the document was split.
pub(crate) fn generate_terraform(r: &GenerateReport) -> String {
    let mut out = String::new();
    for g in &r.generated {
        let name = g.principal.rsplit('/').next().unwrap_or(&g.principal);
        let _ = writeln!(
            out,
            "# Generated by iamwhy from {} call(s) of {}; replay: {} of {} allowed call(s) stay allowed.",
            g.calls, g.principal, g.verification.still_allowed, g.verification.allowed_calls
        );
        let (inline, attachment, field) = match g.kind {
            IdentityKind::Role => (
                "aws_iam_role_policy",
                "aws_iam_role_policy_attachment",
                "role",
            ),
            IdentityKind::User => (
                "aws_iam_user_policy",
                "aws_iam_user_policy_attachment",
                "user",
            ),
        };
        for p in &g.policies {
            let id = tf_name(&format!("{name}_{}", p.name));
            if g.target == PolicyTarget::Managed {
                let _ = writeln!(out, "resource \"aws_iam_policy\" \"{id}\" {{");
                let _ = writeln!(
                    out,
                    "  name   = {}",
                    hcl_string(&format!("{name}-{}", p.name))
                );
                hcl_document(&mut out, &p.document);
                let _ = writeln!(out, "}}\n");
                let _ = writeln!(out, "resource \"{attachment}\" \"{id}\" {{");
                let _ = writeln!(out, "  {field:<10} = {}", hcl_string(name));
                let _ = writeln!(out, "  policy_arn = aws_iam_policy.{id}.arn");
                let _ = writeln!(out, "}}\n");
            } else {
                let _ = writeln!(out, "resource \"{inline}\" \"{id}\" {{");
                let _ = writeln!(out, "  name   = {}", hcl_string(&p.name));
                let _ = writeln!(out, "  {field:<6} = {}", hcl_string(name));
                hcl_document(&mut out, &p.document);
                let _ = writeln!(out, "}}\n");
            }
        }
    }
    out
}

/// `iamwhy unused`, for people.
pub(crate) fn unused_text(r: &UnusedReport, paint: &Paint) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} records{}",
        r.records,
        match (&r.window_start, &r.window_end) {
            (Some(s), Some(e)) => format!(" from {s} to {e}"),
            _ => String::new(),
        }
    );
    for p in &r.principals {
        let _ = writeln!(
            out,
            "\n{} ({}): {} call(s){}{}",
            paint.bold(&p.principal),
            kind_text(p.kind),
            p.calls,
            p.last_call
                .as_ref()
                .map(|l| format!(", last {l}"))
                .unwrap_or_default(),
            match p.assumed {
                Some(false) => ", never assumed",
                _ => "",
            }
        );
        for s in &p.services {
            if s.used.is_empty() {
                continue;
            }
            let used: Vec<String> = s
                .used
                .iter()
                .map(|u| match &u.last_used {
                    Some(l) => format!("{} (last {l})", u.action),
                    None => u.action.clone(),
                })
                .collect();
            let _ = writeln!(
                out,
                "  {}: {} of {} allowed action(s) used: {}",
                s.service,
                s.used.len(),
                s.allowed_actions,
                used.join(", ")
            );
            let unused: Vec<&str> = s.unused.iter().map(|u| u.action.as_str()).collect();
            if !unused.is_empty() {
                let _ = writeln!(
                    out,
                    "    unused: {}{}",
                    unused
                        .iter()
                        .take(8)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", "),
                    if unused.len() > 8 {
                        format!(" and {} more", unused.len().saturating_sub(8))
                    } else {
                        String::new()
                    }
                );
            }
            if let Some(b) = &s.blind_spot {
                let _ = writeln!(out, "    {} {b}", paint.yellow("cannot tell:"));
            }
        }
        if !p.unused_services.is_empty() {
            let _ = writeln!(
                out,
                "  allowed, never used: {} service(s): {}{}",
                p.unused_services.len(),
                p.unused_services
                    .iter()
                    .take(12)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                if p.unused_services.len() > 12 {
                    ", ..."
                } else {
                    ""
                }
            );
            for s in p.services.iter().filter(|s| s.used.is_empty()) {
                if let Some(b) = &s.blind_spot {
                    let _ = writeln!(out, "    {} {b}", paint.yellow("cannot tell:"));
                }
            }
        }
        if !p.unused_resources.is_empty() {
            let _ = writeln!(
                out,
                "  resources allowed, never touched: {}",
                p.unused_resources.join(", ")
            );
        }
    }
    if !r.inactive.is_empty() {
        let _ = writeln!(
            out,
            "\nNo activity in the window: {}",
            r.inactive.join(", ")
        );
    }
    if !r.roles_never_assumed.is_empty() {
        let _ = writeln!(
            out,
            "Roles no one assumed: {}",
            r.roles_never_assumed.join(", ")
        );
    }
    let _ = writeln!(out, "\nWhat the logs cannot show:");
    for l in &r.limits {
        let _ = writeln!(out, "  - {l}");
    }
    out
}

/// `iamwhy unused --format csv`: one row per principal and allowed action.
pub(crate) fn unused_csv(r: &UnusedReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "principal",
        "kind",
        "service",
        "action",
        "resource",
        "status",
        "last_used",
    ]);
    for p in &r.principals {
        for s in &p.services {
            let rows = s.used.iter().map(|u| (u, "used")).chain(
                s.unused
                    .iter()
                    .map(|u| (u, if u.provable { "unused" } else { "not-logged" })),
            );
            for (u, status) in rows {
                let _ = w.write_record([
                    p.principal.as_str(),
                    kind_text(p.kind),
                    s.service.as_str(),
                    u.action.as_str(),
                    u.resource.as_str(),
                    status,
                    u.last_used.as_deref().unwrap_or(""),
                ]);
            }
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
