//! `iamwhy collect` as text: what was written, what found nothing, and every failed call
//! with the permission it needed.

use std::fmt::Write as _;

use iamwhy_collect::Report;

use super::Paint;

/// The report for people.
pub(crate) fn collect_text(r: &Report, p: &Paint) -> String {
    let mut s = String::new();
    let parts = r.organization.iter().chain(&r.accounts);
    let (mut files, mut calls, mut absent, mut failed) = (0u64, 0u64, 0u64, 0usize);
    for a in parts.clone() {
        files = files.saturating_add(a.files);
        calls = calls.saturating_add(a.calls);
        absent = absent.saturating_add(a.absent);
        failed = failed.saturating_add(a.failures.len());
    }
    let _ = writeln!(
        s,
        "{} of {} written to {} in {:.1} s ({} layout, Regions: {})",
        p.bold("Snapshot"),
        match r.accounts.len() {
            1 => "1 account".to_owned(),
            n => format!("{n} accounts"),
        },
        r.out.display(),
        r.seconds,
        r.layout,
        r.regions.join(", ")
    );
    let _ = writeln!(
        s,
        "{files} files, {calls} calls: {absent} found nothing to fetch, {failed} failed"
    );
    for a in parts {
        let _ = writeln!(
            s,
            "  {:<14} {:<22} {:>5} files {:>6} calls {:>4} failed",
            a.account,
            a.dir,
            a.files,
            a.calls,
            a.failures.len()
        );
        for n in &a.notes {
            let _ = writeln!(s, "    {} {n}", p.yellow("note:"));
        }
    }
    let failures: Vec<_> = r.failures().collect();
    if !failures.is_empty() {
        let _ = writeln!(
            s,
            "\n{}",
            p.red("Failed calls (no file was written for them):")
        );
        for f in failures {
            let region = f
                .region
                .as_deref()
                .map(|r| format!(" {r}"))
                .unwrap_or_default();
            let target = if f.target.is_empty() {
                String::new()
            } else {
                format!(" `{}`", f.target)
            };
            let _ = writeln!(
                s,
                "  {}{region} {}{target}: {}: {} (needs `{}`)",
                f.account, f.operation, f.code, f.message, f.permission
            );
        }
    }
    let top = r.out.display();
    let _ = writeln!(s, "\nUse it with:");
    let _ = writeln!(
        s,
        "  iamwhy simulate --snapshot {top} --principal ARN --action ACTION --resource ARN"
    );
    s
}
