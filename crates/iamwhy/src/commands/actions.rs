//! `iamwhy actions PATTERN... [--dependent]`: the bundled service catalog.

use iamwhy_catalog::Catalog;
use iamwhy_catalog::describe::describe;

use crate::cli::{ActionsArgs, Format};
use crate::exit::ExitStatus;
use crate::render::{Output, Paint, actions_text, to_json};

/// `iamwhy actions`.
pub(crate) fn run(args: &ActionsArgs, out: &mut Output) -> ExitStatus {
    let infos = match describe(Catalog::bundled(), &args.patterns) {
        Ok(infos) => infos,
        Err(e) => {
            out.error_line(&e.to_string());
            return ExitStatus::Error;
        }
    };
    let text = match out.format {
        Format::Json => to_json(&infos),
        Format::Text => actions_text(&infos, args.dependent, &Paint(out.color)),
    };
    out.result(&text);
    ExitStatus::Success
}
