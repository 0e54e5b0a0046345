//! `iamwhy collect [--org] --out DIR ...`: takes a snapshot with the AWS SDK (issue 21).

use std::sync::Arc;

use iamwhy_collect::{Options, required_policy};

use crate::cli::{CollectArgs, Format};
use crate::collecting::Bars;
use crate::exit::ExitStatus;
use crate::render::{Output, Paint, collect_text, to_json};

/// `iamwhy collect`.
pub(crate) fn run(args: &CollectArgs, out: &mut Output) -> ExitStatus {
    if args.print_policy {
        let role = args.org.then_some(args.role_name.as_str());
        out.result(&to_json(&required_policy(role)));
        return ExitStatus::Success;
    }
    let Some(dir) = &args.out else {
        out.error_line("`--out DIR` is required");
        return ExitStatus::Error;
    };
    let mut opts = Options::new(dir.clone());
    opts.profile.clone_from(&args.profile);
    opts.regions.clone_from(&args.regions);
    opts.all_regions = args.all_regions;
    opts.org = args.org;
    opts.role_name.clone_from(&args.role_name);
    opts.accounts.clone_from(&args.accounts);
    opts.concurrency = usize::from(args.concurrency);
    opts.endpoint_url.clone_from(&args.endpoint_url);
    opts.max_attempts = args.max_attempts;
    let bars = Arc::new(Bars::new(!args.no_progress));
    let result = iamwhy_collect::run(
        &opts,
        Arc::clone(&bars) as Arc<dyn iamwhy_collect::Observer>,
    );
    bars.clear();
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            out.error_line(&e.to_string());
            return ExitStatus::Error;
        }
    };
    let text = match out.format {
        Format::Json => to_json(&report),
        Format::Text => collect_text(&report, &Paint(out.color)),
    };
    out.result(&text);
    if report.failures().next().is_some() {
        ExitStatus::Partial
    } else {
        ExitStatus::Success
    }
}
