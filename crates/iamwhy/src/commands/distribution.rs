//! `iamwhy completions SHELL` and `iamwhy man`: generated from the clap definition of
//! `cli.rs`, so they never disagree with `--help`.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, ShellArg};
use crate::exit::ExitStatus;
use crate::render::Output;

/// `iamwhy completions SHELL`.
pub(crate) fn completions(shell: ShellArg, out: &mut Output) -> ExitStatus {
    let shell = match shell {
        ShellArg::Bash => Shell::Bash,
        ShellArg::Zsh => Shell::Zsh,
        ShellArg::Fish => Shell::Fish,
        ShellArg::Powershell => Shell::PowerShell,
    };
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "iamwhy", &mut buf);
    out.result(&String::from_utf8_lossy(&buf));
    ExitStatus::Success
}

/// `iamwhy man`.
pub(crate) fn man(out: &mut Output) -> ExitStatus {
    let mut buf = Vec::new();
    match clap_mangen::Man::new(Cli::command()).render(&mut buf) {
        Ok(()) => {
            out.result(&String::from_utf8_lossy(&buf));
            ExitStatus::Success
        }
        Err(e) => {
            out.error_line(&format!("cannot render the manual page: {e}"));
            ExitStatus::Error
        }
    }
}
