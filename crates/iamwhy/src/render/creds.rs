//! `iamwhy creds` as text: the credentials the chain would use, and each link it tried.

use std::fmt::Write as _;

use iamwhy_creds::{Report, State};

use super::Paint;

/// The report for people.
pub(crate) fn creds_text(r: &Report, p: &Paint) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} with {}: profile `{}` ({})",
        p.bold("Credentials"),
        r.sdk_name(),
        r.profile,
        r.profile_from
    );
    for f in &r.files {
        let _ = writeln!(
            s,
            "  {} file: {} ({}){}",
            match f.role {
                iamwhy_creds::profiles::FileRole::Config => "config",
                iamwhy_creds::profiles::FileRole::Credentials => "credentials",
            },
            f.path,
            f.state,
            f.problem
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(s);
    let width = r.sources.iter().map(|x| x.name.len()).max().unwrap_or(10);
    for src in &r.sources {
        let label = src.state.label();
        let label = match src.state {
            State::Used => p.green(label),
            State::Shadowed => p.yellow(label),
            State::Unusable => p.red(label),
            _ => p.dim(label),
        };
        let _ = writeln!(
            s,
            "{:>3}  {:<width$}  {:<16} {}",
            src.position, src.name, label, src.detail
        );
        if let Some(who) = &src.identity {
            let key = src
                .access_key
                .as_deref()
                .map(|k| format!("{k}: "))
                .unwrap_or_default();
            let _ = writeln!(s, "     {:<width$}  {:<16} {key}{who}", "", "");
        }
        if let Some(e) = &src.expires {
            let _ = writeln!(s, "     {:<width$}  {:<16} expires {e}", "", "");
        }
    }
    let _ = writeln!(s);
    match (&r.used, &r.identity) {
        (Some(id), Some(who)) => {
            let _ = writeln!(s, "{} {id}: {who}", p.bold("Used:"));
        }
        _ => {
            let _ = writeln!(s, "{} {}", p.bold("Used:"), p.red(&r.summary()));
        }
    }
    match (&r.region.region, &r.region.from) {
        (Some(region), Some(from)) => {
            let _ = write!(s, "{} {region} ({from})", p.bold("Region:"));
            if !r.region.shadowed.is_empty() {
                let _ = write!(s, "; also set: {}", r.region.shadowed.join(", "));
            }
            let _ = writeln!(s);
        }
        _ => {
            let _ = writeln!(
                s,
                "{} none set: calls fail with \"You must specify a region\" unless the code sets one",
                p.bold("Region:")
            );
        }
    }
    for w in &r.warnings {
        let _ = writeln!(s, "{} {w}", p.yellow("warning:"));
    }
    s
}
