//! `iamwhy creds [--sdk SDK] [--profile NAME] [--probe] [--java-property K=V]...`: which
//! credentials an SDK's default chain would use here (story 2).

use std::fmt::Write as _;

use iamwhy_creds::{Environment, Report, State, inspect, probe};

use crate::cli::{CredsArgs, Format};
use crate::exit::ExitStatus;
use crate::render::{Output, Paint, to_json};

pub(crate) fn run(args: &CredsArgs, out: &mut Output) -> ExitStatus {
    let mut env = Environment::from_process();
    env.explicit_profile.clone_from(&args.profile);
    for p in &args.java_properties {
        let Some((k, v)) = p.split_once('=') else {
            out.error_line(&format!(
                "--java-property `{}`: expected KEY=VALUE",
                p.split('=').next().unwrap_or("")
            ));
            return ExitStatus::Error;
        };
        env.java_properties
            .insert(k.trim().to_owned(), v.to_owned());
    }
    let probed = args.probe.then(|| probe::probe(&env, args.sdk));
    let report = inspect(&env, args.sdk, probed);
    let text = match out.format {
        Format::Json => to_json(&report),
        Format::Text => creds_text(&report, &Paint(out.color)),
    };
    out.result(&text);
    if report.used.is_some() {
        ExitStatus::Success
    } else {
        ExitStatus::Negative
    }
}

/// The report for people.
fn creds_text(r: &Report, p: &Paint) -> String {
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
