//! `iamwhy creds [--sdk SDK] [--profile NAME] [--probe] [--java-property K=V]...`: which
//! credentials an SDK's default chain would use here (story 2).

use iamwhy_creds::{Environment, inspect, probe};

use crate::cli::{CredsArgs, Format};
use crate::exit::ExitStatus;
use crate::render::{Output, Paint, creds_text, to_json};

/// `iamwhy creds`.
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
