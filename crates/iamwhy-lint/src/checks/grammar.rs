//! Grammar rules the parser leaves to the linter: unique `Sid`s, the size limit of the
//! policy type, and a missing `Version`.

use iamwhy_policy::PolicyDocument;

use super::Context;
use crate::types::Unit;
use crate::{Finding, Level};
use iamwhy_core::PolicyKind;

pub(super) fn run(ctx: &Context<'_>, doc: &PolicyDocument, out: &mut Vec<Finding>) {
    duplicate_sids(ctx, doc, out);
    trust_sids(ctx, doc, out);
    size(ctx, doc, out);
    version(ctx, doc, out);
}

/// IAM refuses a policy whose statements share a `Sid` (and SNS requires unique ones);
/// elsewhere a repeated `Sid` is accepted but makes findings and explanations ambiguous.
/// IAM accepts only letters and digits in a trust policy's `Sid`, as in its other policies
/// (the parser checks those).
fn trust_sids(ctx: &Context<'_>, doc: &PolicyDocument, out: &mut Vec<Finding>) {
    if ctx.policy_kind != PolicyKind::TrustPolicy {
        return;
    }
    for stmt in &doc.statements {
        if let (Some(sid), Some(span)) = (&stmt.sid, stmt.sid_span)
            && !sid.chars().all(|c| c.is_ascii_alphanumeric())
        {
            out.push(
                Finding::new(
                    "invalid-sid",
                    format!(
                        "`Sid` `{sid}` has characters IAM does not accept in role trust policies"
                    ),
                    span,
                )
                .with_help("use only ASCII letters and digits, e.g. `TrustBuildRole`"),
            );
        }
    }
}

fn duplicate_sids(ctx: &Context<'_>, doc: &PolicyDocument, out: &mut Vec<Finding>) {
    let iam = matches!(
        ctx.policy_kind,
        PolicyKind::Identity
            | PolicyKind::PermissionsBoundary
            | PolicyKind::Session
            | PolicyKind::TrustPolicy
    );
    for (i, stmt) in doc.statements.iter().enumerate() {
        let Some(sid) = stmt.sid.as_deref().filter(|s| !s.is_empty()) else {
            continue;
        };
        let Some(first) = doc
            .statements
            .iter()
            .take(i)
            .find(|s| s.sid.as_deref() == Some(sid))
        else {
            continue;
        };
        let line = ctx.map.location(first.sid_span.unwrap_or(first.span)).line;
        let mut f = Finding::new(
            "duplicate-sid",
            format!("`Sid` `{sid}` is already used by the statement on line {line}"),
            stmt.sid_span.unwrap_or(stmt.span),
        )
        .with_help("give every statement its own `Sid`");
        if !iam {
            f = f.at(Level::Warning);
        }
        out.push(f);
    }
}

fn size(ctx: &Context<'_>, doc: &PolicyDocument, out: &mut Vec<Finding>) {
    let Some(limit) = crate::types::size_limit(ctx.policy_kind) else {
        return;
    };
    let size = limit.measure(ctx.map.snippet(doc.span));
    let Some(over) = size.checked_sub(limit.limit).filter(|over| *over > 0) else {
        return;
    };
    let unit = match limit.unit {
        Unit::Characters => "characters",
        Unit::Bytes => "bytes",
    };
    let counted = if limit.whitespace_counts {
        ""
    } else {
        " without whitespace"
    };
    let mut f = Finding::new(
        "policy-too-large",
        format!(
            "this {} is {size} {unit}{counted}: {} over AWS's limit of {}",
            ctx.policy_kind.describe(),
            over,
            limit.limit
        ),
        doc.span,
    );
    f = match ctx.policy_kind {
        // An inline policy may be larger: the limit is per user, group or role in total.
        PolicyKind::Identity => f.at(Level::Warning).with_help(
            "as a managed policy AWS rejects it; inline policies share a per-entity limit (2,048 characters for a user, 5,120 for a group, 10,240 for a role). Split it, or merge statements that differ only in actions or resources",
        ),
        // The trust policy quota can be raised (to 8,192 characters at most).
        PolicyKind::TrustPolicy => f.at(Level::Warning).with_help(
            "shorten it, or ask AWS to raise the account's role trust policy length quota",
        ),
        _ => f.with_help(
            "split the policy, or merge statements that differ only in actions or resources",
        ),
    };
    out.push(f);
}

/// Without `Version` (or with `2008-10-17`), `${...}` is literal text: a policy that uses
/// variables then matches nothing it was meant to.
fn version(ctx: &Context<'_>, doc: &PolicyDocument, out: &mut Vec<Finding>) {
    if doc.version == Some(iamwhy_policy::Version::V2012_10_17) {
        return;
    }
    let text = ctx.map.snippet(doc.span);
    let uses_variables = text.contains("${");
    let what = if doc.version.is_none() {
        "no `Version`"
    } else {
        "`Version` `2008-10-17`"
    };
    // Organizations requires the element in SCPs and RCPs (the parser refuses an RCP without
    // it).
    if ctx.policy_kind == PolicyKind::Scp && doc.version.is_none() {
        out.push(
            Finding::new(
                "missing-version",
                "no `Version`: service control policies must state it",
                doc.span,
            )
            .at(Level::Error)
            .with_help("add `\"Version\": \"2012-10-17\"`"),
        );
        return;
    }
    let f = if uses_variables {
        Finding::new(
            "missing-version",
            format!(
                "{what}: the policy variables (`${{...}}`) of this policy are not substituted, they are compared as literal text"
            ),
            doc.span,
        )
        .at(Level::Warning)
    } else {
        Finding::new(
            "missing-version",
            format!("{what}: policy variables would not be substituted"),
            doc.span,
        )
    };
    out.push(f.with_help("add `\"Version\": \"2012-10-17\"`"));
}
