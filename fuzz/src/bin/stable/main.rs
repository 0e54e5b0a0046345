//! The stable fuzz runner: drives the same target functions as the libFuzzer bins
//! (`iamwhy_fuzz::TARGETS`), in process, on a stable toolchain, so that CI can fuzz where no
//! nightly toolchain can be installed.
//!
//! It loads the seeds (`seeds/TARGET/`) and a corpus directory if given, mutates them with a
//! seeded PRNG (bit and byte flips, range insertion, deletion and duplication, splices of two
//! inputs, tokens of the `*.dict` files, of the seeds and of JSON, interesting numbers,
//! truncation), and runs each input under `catch_unwind`. Feedback is the target's
//! [`Outcome`](iamwhy_fuzz::Outcome): an input whose outcome is new joins the corpus.
//!
//! Findings are written to `artifacts/TARGET/`: `crash-HASH` (a panic; the run stops),
//! `slow-HASH` (an input that took longer than `--slow-ms` twice in a row; the run goes on
//! and fails at the end) and `timeout-HASH` (no answer within `--timeout`, or a death that is
//! not a panic — a stack overflow, an allocation failure, an abort). The last two are caught
//! by a supervisor: the runner re-executes itself as a worker and is sent each input before
//! it runs, so that it knows which one killed the worker (`--in-process` does without).
//! A timeout counts only when the input also runs out of time alone, replayed in a new
//! process: a host that stalls the worker for seconds is not a bug of the target.
//!
//! Exit status: 0 nothing found, 1 a finding, 2 bad usage or unreadable seeds.

mod mutate;
mod supervise;

use std::collections::HashSet;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use iamwhy_fuzz::{TARGETS, Target};
use mutate::{Mutator, Rng};

const USAGE: &str = "\
usage: stable TARGET [--seconds N | --runs N] [options]
       stable TARGET --replay FILE...
       stable --list

options:
  --seconds N     fuzz for N seconds (default 60)
  --runs N        fuzz N mutated inputs (reproducible with the default --seed 0)
  --corpus DIR    also load inputs from DIR, and save there the inputs with a new outcome
  --seeds DIR     the seeds (default fuzz/seeds/TARGET)
  --artifacts DIR where findings go (default fuzz/artifacts/TARGET)
  --seed N        the PRNG seed (default: from the clock with --seconds, 0 with --runs)
  --max-len N     the longest mutated input in bytes (default 8192, or the longest seed)
  --slow-ms N     an input that takes longer, twice, is a `slow` finding (default 1000)
  --timeout N     an input that takes longer than N seconds is a `timeout` (default 10)
  --in-process    no supervisor: faster start, but a stack overflow or a hang is not caught
  --quiet         no progress lines, only the summary";

/// Most inputs the in-memory corpus keeps; past it, new outcomes are counted but not kept.
const CORPUS_CAP: usize = 20_000;

/// Most `slow` artifacts a run writes; past it, slow inputs are only counted.
const MAX_SLOW_ARTIFACTS: usize = 5;

fn main() -> ExitCode {
    match Options::parse(std::env::args().skip(1)) {
        Ok(Command::List) => {
            for t in TARGETS {
                println!("{}", t.name);
            }
            ExitCode::SUCCESS
        }
        Ok(Command::Replay(target, files)) => replay(target, &files),
        Ok(Command::Fuzz(options)) if options.worker || options.in_process => fuzz(&options),
        Ok(Command::Fuzz(options)) => supervise::run(&options),
        Err(message) => {
            eprintln!("stable: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

enum Command {
    List,
    Replay(&'static Target, Vec<PathBuf>),
    Fuzz(Options),
}

/// The options of a fuzzing run.
pub(crate) struct Options {
    target: &'static Target,
    seconds: u64,
    runs: Option<u64>,
    corpus: Option<PathBuf>,
    seeds: PathBuf,
    artifacts: PathBuf,
    seed: u64,
    max_len: Option<usize>,
    slow: Duration,
    timeout: Duration,
    in_process: bool,
    worker: bool,
    quiet: bool,
}

impl Options {
    fn parse(args: impl Iterator<Item = String>) -> Result<Command, String> {
        let mut args = args.peekable();
        let name = args.next().ok_or("no target given")?;
        if name == "--list" {
            return Ok(Command::List);
        }
        let target = iamwhy_fuzz::target(&name).ok_or_else(|| {
            let names: Vec<_> = TARGETS.iter().map(|t| t.name).collect();
            format!("unknown target `{name}` (targets: {})", names.join(", "))
        })?;
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut o = Options {
            target,
            seconds: 60,
            runs: None,
            corpus: None,
            seeds: here.join("seeds").join(name.as_str()),
            artifacts: here.join("artifacts").join(name.as_str()),
            seed: u64::MAX,
            max_len: None,
            slow: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            in_process: false,
            worker: false,
            quiet: false,
        };
        let mut replay = None;
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or(format!("`{flag}` needs a value"));
            let number = |v: String| {
                v.parse::<u64>()
                    .map_err(|_| format!("`{v}` is not a number"))
            };
            match flag.as_str() {
                "--seconds" => o.seconds = number(value()?)?,
                "--runs" => o.runs = Some(number(value()?)?),
                "--corpus" => o.corpus = Some(value()?.into()),
                "--seeds" => o.seeds = value()?.into(),
                "--artifacts" => o.artifacts = value()?.into(),
                "--seed" => o.seed = number(value()?)?,
                "--max-len" => o.max_len = Some(number(value()?)? as usize),
                "--slow-ms" => o.slow = Duration::from_millis(number(value()?)?),
                "--timeout" => o.timeout = Duration::from_secs(number(value()?)?),
                "--in-process" => o.in_process = true,
                "--worker" => o.worker = true,
                "--quiet" => o.quiet = true,
                "--replay" => {
                    replay = Some(args.by_ref().map(PathBuf::from).collect::<Vec<_>>());
                }
                _ => return Err(format!("unknown option `{flag}`")),
            }
        }
        if let Some(files) = replay {
            if files.is_empty() {
                return Err("`--replay` needs at least one file".into());
            }
            return Ok(Command::Replay(target, files));
        }
        if o.seed == u64::MAX {
            o.seed = match o.runs {
                Some(_) => 0,
                None => SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64),
            };
        }
        Ok(Command::Fuzz(o))
    }

    /// The arguments that make a worker repeat this run (the seed included).
    fn worker_args(&self) -> Vec<String> {
        let mut args = vec![
            self.target.name.to_string(),
            "--worker".into(),
            "--seed".into(),
            self.seed.to_string(),
            "--seconds".into(),
            self.seconds.to_string(),
            "--seeds".into(),
            self.seeds.display().to_string(),
            "--artifacts".into(),
            self.artifacts.display().to_string(),
            "--slow-ms".into(),
            self.slow.as_millis().to_string(),
        ];
        if let Some(runs) = self.runs {
            args.extend(["--runs".into(), runs.to_string()]);
        }
        if let Some(corpus) = &self.corpus {
            args.extend(["--corpus".into(), corpus.display().to_string()]);
        }
        if let Some(max_len) = self.max_len {
            args.extend(["--max-len".into(), max_len.to_string()]);
        }
        if self.quiet {
            args.push("--quiet".into());
        }
        args
    }
}

/// The message and place of the last panic, kept by the panic hook.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Replaces the default hook (which would print every caught panic) with one that keeps the
/// message, its place and a backtrace for the report.
fn keep_panics() {
    panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(a panic without a message)".into());
        let place = info.location().map(|l| l.to_string()).unwrap_or_default();
        let backtrace = target_frames(&std::backtrace::Backtrace::force_capture().to_string());
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(format!(
                "panicked at {place}:\n{message}\n\nstack:\n{backtrace}"
            ));
        }
    }));
}

/// The frames of a backtrace between the panic machinery and the runner: the target's.
fn target_frames(backtrace: &str) -> String {
    let mut frames: Vec<String> = Vec::new();
    for line in backtrace.lines() {
        let is_frame = line
            .trim_start()
            .split_once(": ")
            .is_some_and(|(n, _)| n.parse::<u32>().is_ok());
        match frames.last_mut() {
            Some(frame) if !is_frame => {
                frame.push('\n');
                frame.push_str(line);
            }
            _ => frames.push(line.to_string()),
        }
    }
    let machinery = [
        "panicking",
        "rust_begin_unwind",
        "keep_panics",
        "core::ops::function",
        "core::result::unwrap_failed",
        "core::option::expect_failed",
    ];
    let last = frames
        .iter()
        .position(|f| f.contains("stable::execute"))
        .unwrap_or(frames.len());
    let ours = frames.get(..last).unwrap_or_default();
    let first = ours
        .iter()
        .rposition(|f| {
            let symbol = f.lines().next().unwrap_or_default();
            machinery.iter().any(|m| symbol.contains(m))
        })
        .map_or(0, |i| i + 1);
    ours.get(first..).unwrap_or_default().join("\n")
}

fn last_panic() -> String {
    LAST_PANIC
        .lock()
        .ok()
        .and_then(|mut last| last.take())
        .unwrap_or_default()
}

/// Runs the target on one input: `Err` with the panic's report if it panicked.
fn execute(target: &Target, data: &[u8]) -> Result<u64, String> {
    panic::catch_unwind(AssertUnwindSafe(|| (target.run)(data).signature()))
        .map_err(|_| last_panic())
}

/// A stable name for an input: FNV-1a, 64 bits, in hex.
pub(crate) fn hash(data: &[u8]) -> String {
    let h = data.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}")
}

/// Writes a finding to `artifacts/TARGET/KIND-HASH` and returns its path.
pub(crate) fn save_artifact(dir: &Path, kind: &str, data: &[u8]) -> PathBuf {
    let path = dir.join(format!("{kind}-{}", hash(data)));
    if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, data)) {
        eprintln!("stable: cannot write {}: {e}", path.display());
    }
    path
}

/// The input of a finding as an escaped byte string, when short enough for a log: on CI the
/// artifact file is lost with the machine, the log is not.
pub(crate) fn show_input(data: &[u8]) -> String {
    if data.len() <= 4096 {
        format!("input: b\"{}\"", data.escape_ascii())
    } else {
        format!("input: {} bytes, too long to show", data.len())
    }
}

fn replay(target: &Target, files: &[PathBuf]) -> ExitCode {
    keep_panics();
    let mut failed = false;
    for file in files {
        let data = match std::fs::read(file) {
            Ok(data) => data,
            Err(e) => {
                eprintln!("stable: cannot read {}: {e}", file.display());
                return ExitCode::from(2);
            }
        };
        let start = Instant::now();
        let result = execute(target, &data);
        let took = start.elapsed();
        match result {
            Ok(_) => eprintln!(
                "{}: ok in {took:.2?} ({} bytes)",
                file.display(),
                data.len()
            ),
            Err(report) => {
                failed = true;
                eprintln!("{}: {}: {report}", file.display(), target.name);
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Every file of a directory, sorted by name (so that a run can be repeated); none if the
/// directory does not exist.
fn read_dir(dir: &Path) -> Result<Vec<Vec<u8>>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display())))
        .collect()
}

/// The dictionary: every `fuzz/*.dict`, and the quoted strings of the seeds.
fn dictionary(seeds: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dicts: Vec<PathBuf> = std::fs::read_dir(here)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "dict"))
        .collect();
    dicts.sort();
    let mut tokens: Vec<Vec<u8>> = dicts
        .iter()
        .filter_map(|p| mutate::read_dictionary(p).ok())
        .flatten()
        .collect();
    tokens.extend(mutate::seed_tokens(seeds.iter().map(Vec::as_slice)));
    tokens.sort();
    tokens.dedup();
    tokens
}

/// What a run found and did.
struct Run<'a> {
    options: &'a Options,
    /// The worker's channel to the supervisor: each input is sent before it runs.
    supervisor: Option<std::io::StdoutLock<'static>>,
    corpus: Vec<Vec<u8>>,
    outcomes: HashSet<u64>,
    execs: u64,
    added: usize,
    slow: usize,
    /// The slowest input so far, and how long it took.
    slowest: (Duration, Vec<u8>),
}

impl Run<'_> {
    /// Runs one input; a panic ends the process with status 1 after reporting it.
    fn run(&mut self, data: &[u8]) -> u64 {
        self.announce(data);
        let start = Instant::now();
        let result = execute(self.options.target, data);
        let mut took = start.elapsed();
        self.execs += 1;
        let signature = match result {
            Ok(signature) => signature,
            Err(report) => self.crash(data, &report),
        };
        if took > self.options.slow {
            // Once more, so that a busy machine alone does not make a finding.
            self.announce(data);
            let again = Instant::now();
            let _ = execute(self.options.target, data);
            took = took.min(again.elapsed());
            if took > self.options.slow {
                self.slow += 1;
                // The first few: the same slowness tends to be found again and again.
                if self.slow <= MAX_SLOW_ARTIFACTS {
                    let path = save_artifact(&self.options.artifacts, "slow", data);
                    eprintln!(
                        "{}: slow: {took:.2?} on {} bytes: {}\n{}",
                        self.options.target.name,
                        data.len(),
                        path.display(),
                        show_input(data)
                    );
                }
            }
        }
        if took > self.slowest.0 {
            self.slowest = (took, data.to_vec());
        }
        signature
    }

    /// Sends the input to the supervisor, if any: four bytes of length, then the bytes.
    fn announce(&mut self, data: &[u8]) {
        if let Some(out) = &mut self.supervisor {
            let mut frame = Vec::with_capacity(data.len() + 4);
            frame.extend_from_slice(&(data.len() as u32).to_le_bytes());
            frame.extend_from_slice(data);
            if out.write_all(&frame).and_then(|()| out.flush()).is_err() {
                // The supervisor is gone; nobody would hear of a finding.
                std::process::exit(2);
            }
        }
    }

    fn crash(&self, data: &[u8], report: &str) -> ! {
        let path = save_artifact(&self.options.artifacts, "crash", data);
        eprintln!(
            "{name}: crash after {execs} runs, input of {len} bytes: {path}\n\
             replay: cargo run --release --no-default-features --bin stable -- {name} --replay {path}\n\
             {input}\n\
             {report}",
            name = self.options.target.name,
            execs = self.execs,
            len = data.len(),
            path = path.display(),
            input = show_input(data),
        );
        std::process::exit(1);
    }

    /// Keeps an input whose outcome is new (and saves it to the corpus directory).
    fn keep_if_new(&mut self, data: &[u8], signature: u64) {
        if self.outcomes.insert(signature) && self.corpus.len() < CORPUS_CAP {
            self.corpus.push(data.to_vec());
            self.added += 1;
            if let Some(dir) = &self.options.corpus {
                let _ = std::fs::create_dir_all(dir)
                    .and_then(|()| std::fs::write(dir.join(hash(data)), data));
            }
        }
    }
}

fn fuzz(options: &Options) -> ExitCode {
    keep_panics();
    let name = options.target.name;
    let seeds = match read_dir(&options.seeds) {
        Ok(seeds) => seeds,
        Err(e) => {
            eprintln!("stable: {e}");
            return ExitCode::from(2);
        }
    };
    let saved = match options.corpus.as_deref().map(read_dir).transpose() {
        Ok(saved) => saved.unwrap_or_default(),
        Err(e) => {
            eprintln!("stable: {e}");
            return ExitCode::from(2);
        }
    };
    let longest = seeds.iter().chain(&saved).map(Vec::len).max().unwrap_or(0);
    let mutator = Mutator::new(
        dictionary(&seeds),
        options.max_len.unwrap_or(longest.max(8192)),
    );
    let mut run = Run {
        options,
        supervisor: options.worker.then(|| std::io::stdout().lock()),
        corpus: Vec::new(),
        outcomes: HashSet::new(),
        execs: 0,
        added: 0,
        slow: 0,
        slowest: (Duration::ZERO, Vec::new()),
    };
    let (seed_count, saved_count) = (seeds.len(), saved.len());
    let mut initial = seeds;
    initial.extend(saved);
    if initial.is_empty() {
        initial.push(Vec::new());
    }
    // Every seed and saved input runs once and stays in the corpus.
    for input in initial {
        let signature = run.run(&input);
        run.outcomes.insert(signature);
        run.corpus.push(input);
    }
    if !options.quiet {
        eprintln!(
            "{name}: seed {}, {seed_count} seeds, {saved_count} corpus inputs, {} dictionary tokens, max length {}",
            options.seed,
            mutator.dictionary_len(),
            options.max_len.unwrap_or(longest.max(8192)),
        );
    }
    let mut rng = Rng::new(options.seed);
    let start = Instant::now();
    let deadline = start + Duration::from_secs(options.seconds);
    let mut next_report = start + Duration::from_secs(10);
    let mut data = Vec::new();
    let mut mutated = 0;
    loop {
        match options.runs {
            Some(runs) if mutated >= runs => break,
            None if Instant::now() >= deadline => break,
            _ => {}
        }
        let base = &run.corpus[rng.below(run.corpus.len())];
        let other = &run.corpus[rng.below(run.corpus.len())];
        data.clear();
        data.extend_from_slice(base);
        mutator.mutate(&mut rng, &mut data, other);
        let signature = run.run(&data);
        run.keep_if_new(&data, signature);
        mutated += 1;
        if !options.quiet && mutated % 1024 == 0 && Instant::now() >= next_report {
            next_report += Duration::from_secs(10);
            eprintln!(
                "{name}: {:.0?}: {} runs, corpus {}, outcomes {}",
                start.elapsed(),
                run.execs,
                run.corpus.len(),
                run.outcomes.len()
            );
        }
    }
    let took = start.elapsed().as_secs_f64();
    // Timed once more: on a busy machine one long time may be the scheduler's.
    let again = Instant::now();
    let _ = execute(options.target, &run.slowest.1);
    let again = again.elapsed();
    eprintln!(
        "{name}: {took:.0} s, {execs} runs ({rate:.0}/s), corpus {seed_count} seeds + {saved_count} saved + {added} new, \
         {outcomes} outcomes, slowest input {slowest:.2?} ({again:.2?} again, {bytes} bytes), {slow} slow, 0 crashes",
        execs = run.execs,
        rate = mutated as f64 / took.max(1e-9),
        added = run.added,
        outcomes = run.outcomes.len(),
        slowest = run.slowest.0,
        bytes = run.slowest.1.len(),
        slow = run.slow,
    );
    if run.slow == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_shown_as_byte_strings() {
        assert_eq!(show_input(b"{\"a\n\xff"), r#"input: b"{\"a\n\xff""#);
        assert!(show_input(&[0; 5000]).ends_with("too long to show"));
    }

    #[test]
    fn backtraces_keep_the_target_frames() {
        let backtrace = "   0: std::panicking::begin_panic\n             at x.rs:1\n   1: core::panicking::panic_fmt\n   2: iamwhy_fuzz::targets::t::run\n             at t.rs:9\n   3: stable::execute::{{closure}}\n   4: main";
        assert_eq!(
            target_frames(backtrace),
            "   2: iamwhy_fuzz::targets::t::run\n             at t.rs:9"
        );
    }
}
