//! `iamwhy lint FILE|DIR...`.

use std::path::{Path, PathBuf};

use iamwhy_analysis::collect_files;
use iamwhy_core::SourceMap;
use iamwhy_lint::{Config, FileReport, Level, LintOptions, RULES, lint_source};

use crate::cli::{Format, LintArgs};
use crate::exit::ExitStatus;
use crate::render::{LintSummary, Output, Paint, lint_json, lint_text, rules_text};

/// `iamwhy lint` (and `--list-rules`).
pub(crate) fn run(args: &LintArgs, sarif: bool, out: &mut Output) -> ExitStatus {
    if args.list_rules {
        out.result(&rules_text(out.format));
        return ExitStatus::Success;
    }
    for code in &args.ignore {
        if !RULES.iter().any(|r| r.code == code) {
            out.error_line(&format!(
                "`--ignore {code}`: not a lint code; `iamwhy lint --list-rules` lists them"
            ));
            return ExitStatus::Error;
        }
    }
    let config = match load_config(args) {
        Ok(c) => c,
        Err(message) => {
            out.error_line(&message);
            return ExitStatus::Error;
        }
    };
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(Level::Error);
    let options = LintOptions {
        policy_kind: args.policy_kind,
        account: args.account.clone(),
        region: args.region.clone(),
    };

    let mut map = SourceMap::new();
    let mut reports: Vec<FileReport> = Vec::new();
    let mut ignored: usize = 0;
    // A CDK cloud assembly is linted through its manifest: its stack templates, not the
    // other files of the folder (asset manifests, the construct tree).
    let mut paths = Vec::with_capacity(args.paths.len());
    let mut stacks: Vec<iamwhy_iac::Stack> = Vec::new();
    for p in &args.paths {
        if iamwhy_iac::is_assembly(p) {
            match iamwhy_iac::assembly_stacks(p) {
                Ok(found) => {
                    paths.extend(found.iter().map(|s| s.template.clone()));
                    stacks.extend(found);
                }
                Err(d) => {
                    out.diagnostics(&map, std::iter::once(&d));
                    return ExitStatus::Error;
                }
            }
        } else {
            paths.push(p.clone());
        }
    }
    let collected = collect_files(&paths);
    for e in &collected.errors {
        out.diagnostics(&map, e.iter());
    }
    out.diagnostics(&map, collected.warnings.iter());
    let errors = collected.errors;
    let mut unreadable = false;
    for file in collected.files {
        // A file that cannot be read is reported; the others are still linted.
        let source = iamwhy_input::Source::from_arg(&file);
        let text = match iamwhy_input::read_text(&source, iamwhy_input::Limit::LINT_FILE) {
            Ok(t) => t,
            Err(e) => {
                out.error_line(&format!("{e}; skipped"));
                unreadable = true;
                continue;
            }
        };
        let name = source.name();
        let id = map.add_file(name.clone(), text);
        // A stack's environment supplies what the command line does not.
        let options = match stacks.iter().find(|s| s.template == file) {
            Some(stack) => LintOptions {
                account: options.account.clone().or(stack.account.clone()),
                region: options.region.clone().or(stack.region.clone()),
                ..options.clone()
            },
            None => options.clone(),
        };
        reports.push(lint_source(&mut map, id, Path::new(&name), &options));
    }
    for report in &mut reports {
        let path = PathBuf::from(&report.path);
        let before = report.all_findings().count();
        report
            .retain(|f| !args.ignore.iter().any(|c| c == f.code) && !config.ignores(f.code, &path));
        ignored = ignored.saturating_add(before.saturating_sub(report.all_findings().count()));
    }
    if reports.is_empty() {
        if !unreadable {
            out.error_line("no policy files found (looked for `.json` files)");
        }
        return ExitStatus::Error;
    }

    let summary = LintSummary::new(&reports, ignored, fail_on);
    let text = if sarif {
        let log = iamwhy_lint::sarif::log(&reports, &map);
        serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
    } else {
        match out.format {
            Format::Json => lint_json(&reports, &map, &summary),
            Format::Text => lint_text(&reports, &map, &summary, &Paint(out.color)),
        }
    };
    out.result(&text);
    if sarif || out.format == Format::Json {
        out.note(&summary.line());
    }
    if !errors.is_empty() || unreadable {
        ExitStatus::Error
    } else if summary.failed {
        ExitStatus::Negative
    } else {
        ExitStatus::Success
    }
}

/// `--config`, else the `.iamwhy.toml` found from the current directory up, unless
/// `--no-config`.
fn load_config(args: &LintArgs) -> Result<Config, String> {
    if args.no_config {
        return Ok(Config::default());
    }
    let file = match &args.config {
        Some(f) => f.clone(),
        None => match Config::discover(Path::new(".")) {
            Some(f) => f,
            None => return Ok(Config::default()),
        },
    };
    Config::load(&file).map_err(|e| e.to_string())
}
