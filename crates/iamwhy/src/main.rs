//! The `iamwhy` command: flags in, one library call per subcommand, a rendered result out.

#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, reason = "tests may overflow loudly")
)]

mod args;
mod cli;
#[cfg(feature = "collect")]
mod collecting;
mod commands;
mod exit;
mod render;
mod scanning;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{AthenaCommand, Cli, Color, Command, Format, FormatArg, TrailCommand};
use crate::exit::ExitStatus;
use crate::render::Output;

/// mimalloc: the analyses allocate many small objects (parsed policies, located statements),
/// and glibc's allocator spent a third to a half of `who-can`'s and `simulate`'s time in its
/// free lists.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "iamwhy crashed: {info}\nThis is a bug. Please report it with the command you ran and, if you can, the input."
        );
    }));
    let mut cli = Cli::parse();
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    let format = match cli.format {
        FormatArg::Text => Format::Text,
        FormatArg::Json
        | FormatArg::Csv
        | FormatArg::Sarif
        | FormatArg::Terraform
        | FormatArg::Markdown => Format::Json,
    };
    let mut out = Output::new(format, color);
    let csv = cli.format == FormatArg::Csv;
    let sarif = cli.format == FormatArg::Sarif;
    let terraform = cli.format == FormatArg::Terraform;
    let markdown = cli.format == FormatArg::Markdown;
    if let Err(status) = commands::athena::prepare(&mut cli.command, &mut out) {
        return status.into();
    }
    let status = match &cli.command {
        Command::Generate(_) if csv || sarif || markdown => {
            out.error_line("`iamwhy generate` writes `--format text`, `json` or `terraform`");
            ExitStatus::Error
        }
        Command::Generate(args) => commands::generate::run(args, terraform, &mut out),
        _ if terraform => {
            out.error_line("`--format terraform` is only for `iamwhy generate`");
            ExitStatus::Error
        }
        Command::Review(args) if !csv => commands::review::run(args, cli.format, &mut out),
        _ if markdown => {
            out.error_line("`--format markdown` is only for `iamwhy review`");
            ExitStatus::Error
        }
        Command::Lint(args) if !csv => commands::lint::run(args, sarif, &mut out),
        _ if sarif => {
            out.error_line("`--format sarif` is only for `iamwhy lint` and `iamwhy review`");
            ExitStatus::Error
        }
        Command::Trail(TrailCommand::Denied(args)) => commands::trail::denied(args, csv, &mut out),
        Command::Athena(AthenaCommand::Run(args)) => commands::athena::run(args, csv, &mut out),
        Command::WhoCan(args) => commands::bulk::who_can(args, csv, &mut out),
        Command::Can(args) => commands::bulk::can(args, csv, &mut out),
        Command::Unused(args) => commands::generate::unused(args, csv, &mut out),
        _ if csv => {
            out.error_line(
                "`--format csv` is only for `iamwhy trail denied`, `who-can`, `can` and `unused`",
            );
            ExitStatus::Error
        }
        Command::Simulate(args) => commands::simulate::run(args, &mut out),
        Command::Test(args) => commands::test::run(args, &mut out),
        Command::Actions(args) => commands::actions::run(args, &mut out),
        Command::Trail(TrailCommand::Timeline(args)) => commands::trail::timeline(args, &mut out),
        Command::Explain(args) => commands::explain::explain(args, &mut out),
        Command::Replay(args) => commands::replay::run(args, &mut out),
        Command::Creds(args) => commands::creds::run(args, &mut out),
        Command::Completions(args) => commands::distribution::completions(args.shell, &mut out),
        Command::Man => commands::distribution::man(&mut out),
        Command::Athena(AthenaCommand::Ddl(args)) => commands::athena::ddl(args, &mut out),
        Command::Athena(AthenaCommand::Query(args)) => commands::athena::query(args, &mut out),
        Command::Lint(args) => commands::lint::run(args, false, &mut out),
        Command::Review(args) => commands::review::run(args, FormatArg::Text, &mut out),
        #[cfg(feature = "collect")]
        Command::Collect(args) => commands::collect::run(args, &mut out),
    };
    match out.finish() {
        Ok(()) => status.into(),
        // A closed pipe (`iamwhy ... | head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Success.into(),
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "error: cannot write output: {e}");
            ExitStatus::Error.into()
        }
    }
}
