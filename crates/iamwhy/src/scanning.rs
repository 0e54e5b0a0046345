//! Reading logs from the command line: the progress bar, the scan's settings, and the report
//! of what could not be read. Shared by `trail`, `explain` and `replay`.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use iamwhy_trail::input::{Inputs, collect_inputs};
use iamwhy_trail::{Event, Origin, Prefilter, Scan, Stats, scan};

use crate::cli::TrailInput;
use crate::exit::ExitStatus;
use crate::render::Output;

/// A progress bar on stderr for scans longer than a second, when stderr is a terminal. It
/// follows the compressed bytes the scan has consumed (see `iamwhy_trail::input::Opened`).
pub(crate) struct Progress {
    done: Arc<AtomicBool>,
    counter: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    pub(crate) fn start(inputs: &Inputs, input: &TrailInput) -> Progress {
        Progress::start_passes(inputs, input, 1)
    }

    /// A bar for `passes` scans of the same inputs (`trail timeline` reads them twice when
    /// it first looks for the latest denial).
    pub(crate) fn start_passes(inputs: &Inputs, input: &TrailInput, passes: u64) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        let counter = Arc::new(AtomicU64::new(0));
        let thread = (!input.no_progress && std::io::stderr().is_terminal()).then(|| {
            let total: u64 = inputs.known_size().saturating_mul(passes);
            let (done, counter) = (Arc::clone(&done), Arc::clone(&counter));
            std::thread::spawn(move || {
                let started = std::time::Instant::now();
                // The bar follows the counter from the start, hidden, so that its rate is
                // measured over the whole scan; it shows itself after a second.
                let bar = indicatif::ProgressBar::with_draw_target(
                    Some(total),
                    indicatif::ProgressDrawTarget::hidden(),
                );
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "{spinner} reading logs {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
                ) {
                    bar.set_style(style);
                }
                let mut shown = false;
                while !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    bar.set_position(counter.load(Ordering::Relaxed));
                    if !shown && started.elapsed() >= Duration::from_secs(1) {
                        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                        shown = true;
                    }
                }
                bar.finish_and_clear();
            })
        });
        Progress {
            done,
            counter,
            thread,
        }
    }

    /// The scan's settings, reporting to this bar.
    pub(crate) fn settings(&self, input: &TrailInput, prefilter: Prefilter) -> Scan {
        Scan {
            prefilter,
            threads: usize::from(input.jobs),
            progress: Arc::clone(&self.counter),
        }
    }

    pub(crate) fn finish(self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread {
            let _ = t.join();
        }
    }
}

/// Scans the logs of `input` in one pass, with a progress bar: `select` runs on the scan's
/// workers, `emit` gets what it selects in input order.
pub(crate) fn scan_logs<T: Send>(
    input: &TrailInput,
    prefilter: Prefilter,
    select: impl Fn(Event, &Origin) -> Option<T> + Sync,
    emit: impl FnMut(T),
) -> Stats {
    let inputs = collect_inputs(&input.paths);
    let progress = Progress::start(&inputs, input);
    let stats = scan(&inputs, &progress.settings(input, prefilter), select, emit);
    progress.finish();
    stats
}

/// Reports the problems of a scan on stderr: exit 2 when nothing could be read, 3 (partial)
/// when some files or records could not be.
pub(crate) fn finish_scan(stats: &Stats, out: &mut Output) -> ExitStatus {
    for p in &stats.problems {
        out.warning_line(&p.to_string());
    }
    if stats.notifications > 0 {
        out.note(&format!(
            "{} record(s) are S3 event notifications (`eventSource` `aws:s3`), not CloudTrail records: skipped",
            stats.notifications
        ));
    }
    if stats.nothing_read() {
        out.error_line("no log could be read");
        ExitStatus::Error
    } else if stats.is_partial() {
        out.warning_line(&format!(
            "partial result: {} file(s) and {} record(s) could not be read (see above)",
            stats.files_skipped, stats.malformed
        ));
        ExitStatus::Partial
    } else {
        ExitStatus::Success
    }
}

/// Notes how console CSV files limited a search for `principal` (they have user names, not
/// ARNs), when any were read.
pub(crate) fn csv_note(
    stats: &Stats,
    principal: &iamwhy_trail::filter::PrincipalFilter,
    out: &mut Output,
) {
    if let Some(note) = principal.csv_note(stats.csv_files) {
        out.note(&format!("note: {note}\n"));
    }
}
