//! `iamwhy simulate --scenario FILE | --snapshot DIR [overrides]`.

use std::cell::{Cell, RefCell};
use std::path::Path;

use iamwhy_analysis::simulate::{InputError, SimulateInput, apply_iac_files};
use iamwhy_analysis::{
    SimulationResult, parse_scenarios, read_source, result_count, simulate_account, simulate_all,
    simulate_chunks,
};
use iamwhy_core::SourceMap;
use iamwhy_input::Limit;

use crate::cli::{Format, SimulateArgs};
use crate::exit::ExitStatus;
use crate::render::{
    Output, Paint, comparison_text, select_all_rows, select_all_text, simulation_text, to_json,
};

/// The question of the command line.
fn input(args: &SimulateArgs) -> SimulateInput {
    SimulateInput {
        principal: args.principal.clone(),
        parent_user: args.parent_user.clone(),
        actions: args.action.clone(),
        services: args.service.clone(),
        allow_unknown_actions: args.allow_unknown_actions,
        resources: args.resource.clone(),
        context: args.context.clone(),
        session_policies: args.session_policy.clone(),
        session_policy_arns: args.session_policy_arn.clone(),
        federated_name: args.federated_name.clone(),
        hidden_calls: !args.no_hidden_calls,
        changes: args.changes.files(),
        expect: args.expect.clone(),
        detail: args.detail.into(),
    }
}

/// Exit 1 when an expectation is not met.
fn status(results: &[SimulationResult]) -> ExitStatus {
    let unmet = results
        .iter()
        .any(|r| r.expectation.as_ref().is_some_and(|e| !e.met));
    if unmet {
        ExitStatus::Negative
    } else {
        ExitStatus::Success
    }
}

/// Results as text, a Select All table, or JSON.
fn render(results: &[SimulationResult], select_all: bool, out: &Output) -> String {
    match out.format {
        Format::Json if select_all => to_json(&select_all_rows(results)),
        Format::Text if select_all => select_all_text(results, &Paint(out.color)),
        Format::Json => match results {
            [only] => to_json(only),
            all => to_json(all),
        },
        Format::Text => simulation_text(results, &Paint(out.color)),
    }
}

/// `iamwhy simulate`.
pub(crate) fn run(args: &SimulateArgs, out: &mut Output) -> ExitStatus {
    let input = input(args);
    let expanded = match input.expand_actions() {
        Ok(a) => a,
        Err(e) => {
            out.error_line(&e);
            return ExitStatus::Error;
        }
    };
    let (actions, select_all) = (expanded.actions, expanded.select_all);
    let mut map = SourceMap::new();
    let text_and_status = match (&args.snapshot, &args.scenario) {
        (Some(dir), _) => run_snapshot(
            &input,
            &args.changes.plan,
            &args.changes.plan_region,
            dir,
            actions,
            select_all,
            &mut map,
            out,
        ),
        (None, Some(file)) => run_scenario(&input, file, actions, select_all, &mut map, out),
        (None, None) => {
            out.error_line("give `--scenario FILE` or `--snapshot DIR`");
            return ExitStatus::Error;
        }
    };
    match text_and_status {
        Ok((text, status)) => {
            out.result(&text);
            status
        }
        Err(Some(e)) => {
            out.diagnostics(&map, e.iter());
            ExitStatus::Error
        }
        Err(None) => ExitStatus::Error,
    }
}

/// What a run prints and its exit status; `Err(Some)`: diagnostics to print first.
type Outcome = Result<(String, ExitStatus), Option<iamwhy_core::Diagnostics>>;

fn run_scenario(
    input: &SimulateInput,
    file: &Path,
    actions: Vec<String>,
    select_all: bool,
    map: &mut SourceMap,
    out: &mut Output,
) -> Outcome {
    let overrides = match input.scenario_overrides(map, actions) {
        Ok(o) => o,
        Err(InputError::Argument(e)) => {
            out.error_line(&e);
            return Err(None);
        }
        Err(InputError::Files(e)) => return Err(Some(e)),
    };
    let source = read_source(map, file, Limit::SCENARIO)?;
    let (scenarios, warnings) = parse_scenarios(map, source, &overrides)?;
    out.diagnostics(map, warnings.iter());
    if out.format == Format::Json && !select_all && result_count(&scenarios) != 1 {
        // Evaluated a chunk at a time and written as serialised: the JSON of thousands of
        // scenarios runs to hundreds of MB, and so would the results held at once.
        // The next chunk is evaluated on other cores while this one is written.
        let unmet = Cell::new(false);
        let map: &SourceMap = map;
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel(2);
            let scenarios = &scenarios;
            scope.spawn(move || {
                for chunk in simulate_chunks(scenarios, map, STREAM_CHUNK, input.detail) {
                    if tx.send(chunk).is_err() {
                        break;
                    }
                }
            });
            out.json_result(&Streamed {
                chunks: RefCell::new(rx.into_iter()),
                len: result_count(scenarios),
                unmet: &unmet,
            });
        });
        let status = if unmet.get() {
            ExitStatus::Negative
        } else {
            ExitStatus::Success
        };
        return Ok((String::new(), status));
    }
    let results = simulate_all(&scenarios, map, input.detail);
    Ok((render(&results, select_all, out), status(&results)))
}

/// How many scenarios are evaluated (in parallel) before their results are written.
const STREAM_CHUNK: usize = 64;

/// Results serialised as one JSON array while they are computed, noting any unmet
/// expectation (the exit status).
struct Streamed<'a, I> {
    chunks: RefCell<I>,
    len: usize,
    unmet: &'a Cell<bool>,
}

impl<I: Iterator<Item = Vec<SimulationResult>>> serde::Serialize for Streamed<'_, I> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len))?;
        for chunk in &mut *self.chunks.borrow_mut() {
            if chunk
                .iter()
                .any(|r| r.expectation.as_ref().is_some_and(|e| !e.met))
            {
                self.unmet.set(true);
            }
            for result in &chunk {
                seq.serialize_element(result)?;
            }
        }
        seq.end()
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "the command's parts, passed through"
)]
fn run_snapshot(
    input: &SimulateInput,
    plans: &[std::path::PathBuf],
    plan_region: &Option<String>,
    dir: &Path,
    actions: Vec<String>,
    select_all: bool,
    map: &mut SourceMap,
    out: &mut Output,
) -> Outcome {
    let snapshot = iamwhy_snapshot::load(dir, map)?;
    out.diagnostics(map, snapshot.warnings.iter());
    let mut query = input.account_query(map, actions)?;
    out.diagnostics(map, query.warnings.iter());
    let options = iamwhy_iac::ReadOptions {
        account: None,
        region: plan_region.clone(),
    };
    for note in apply_iac_files(map, &snapshot, plans, &options, &mut query.changes)? {
        out.note(&format!("note: {note}\n"));
    }
    let sim = simulate_account(&snapshot, map, &query)?;
    let text = match (&sim.after, out.format) {
        (None, _) => render(&sim.before, select_all, out),
        (Some(_), Format::Json) => to_json(&sim),
        (Some(_), Format::Text) => comparison_text(&sim, &Paint(out.color)),
    };
    Ok((text, status(sim.answer())))
}
