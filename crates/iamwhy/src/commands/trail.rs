//! `iamwhy trail denied` and `iamwhy trail timeline`.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use iamwhy_core::time::Instant;
use iamwhy_trail::filter::{
    DURATION_RANGE, DurationError, Filter, PrincipalFilter, parse_duration, parse_time,
};
use iamwhy_trail::input::{Inputs, collect_inputs};
use iamwhy_trail::timeline::{self, Call};
use iamwhy_trail::{DenialMessage, Event, Origin, Prefilter, Scan, Stats, scan};
use serde::Serialize;

use crate::cli::{DeniedArgs, EventFilter, Format, TimelineArgs, TrailInput};
use crate::exit::ExitStatus;
use crate::render::{
    Output, Paint, Target, denied_table, sanitize, scan_summary, timeline_text, to_json,
};

/// One denied call, as every output format shows it.
#[derive(Serialize)]
pub(crate) struct Denied {
    /// Who: the identity's ARN, else what CloudTrail recorded.
    pub(crate) principal: String,
    /// The action AWS named in its message, else `service:EventName`.
    pub(crate) action: String,
    /// The resource AWS named, else the event's first resource.
    pub(crate) resource: Option<String>,
    /// The structured message.
    pub(crate) denial: DenialMessage,
    /// The event's key fields (access keys masked).
    #[serde(flatten)]
    pub(crate) event: Event,
    /// Where the record was read.
    pub(crate) source: SourceRef,
}

/// A record's place in the input.
#[derive(Serialize)]
pub(crate) struct SourceRef {
    file: String,
    line: u64,
    offset: u64,
}

impl SourceRef {
    fn of(origin: &Origin) -> SourceRef {
        SourceRef {
            file: origin.file.to_string(),
            line: origin.line,
            offset: origin.offset,
        }
    }
}

impl Denied {
    fn new(event: Event, denial: DenialMessage, origin: &Origin) -> Denied {
        Denied {
            principal: event.principal_label(),
            action: denial
                .action
                .clone()
                .unwrap_or_else(|| event.action_label()),
            resource: denial
                .resource
                .clone()
                .or_else(|| event.first_resource().map(str::to_owned)),
            denial,
            event,
            source: SourceRef::of(origin),
        }
    }
}

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

    pub(crate) fn finish(self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread {
            let _ = t.join();
        }
    }
}

/// Parses the time option `flag`; prints the error, naming the flag.
fn time_arg(
    flag: &str,
    text: Option<&str>,
    now: Instant,
    out: &mut Output,
) -> Result<Option<Instant>, ()> {
    let Some(text) = text else { return Ok(None) };
    parse_time(text, now)
        .map(Some)
        .map_err(|e| out.error_line(&format!("`{flag}`: {e}")))
}

pub(crate) fn scan_settings(input: &TrailInput, prefilter: Prefilter, progress: &Progress) -> Scan {
    Scan {
        prefilter,
        threads: usize::from(input.jobs),
        progress: Arc::clone(&progress.counter),
    }
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

/// Writes lines to stdout through one buffer, keeping the first error.
struct Lines {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    error: Option<std::io::Error>,
}

impl Lines {
    fn new() -> Lines {
        Lines {
            out: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()),
            error: None,
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(bytes)
        {
            self.error = Some(e);
        }
    }

    fn finish(mut self, out: &mut Output) {
        if self.error.is_none()
            && let Err(e) = self.out.flush()
        {
            self.error = Some(e);
        }
        if let Some(e) = self.error {
            out.keep_error(e);
        }
    }
}

const CSV_HEADER: [&str; 14] = [
    "time",
    "principal",
    "action",
    "resource",
    "deny_kind",
    "policy_type",
    "policy_arn",
    "error_code",
    "event_source",
    "event_name",
    "region",
    "source_ip",
    "event_id",
    "file",
];

/// A CSV row; the fields are sanitised like text, for CSV goes to terminals too.
fn csv_row(d: &Denied) -> [String; 14] {
    csv_fields(d).map(|f| sanitize(&f, Target::Text).into_owned())
}

fn csv_fields(d: &Denied) -> [String; 14] {
    let s = |o: Option<&str>| o.unwrap_or("").to_owned();
    [
        d.event.event_time.clone(),
        d.principal.clone(),
        d.action.clone(),
        s(d.resource.as_deref()),
        d.denial.deny_kind.as_str().to_owned(),
        s(d.denial.policy_label()),
        s(d.denial.policy_arn.as_deref()),
        s(d.event.error_code.as_deref()),
        d.event.event_source.clone(),
        d.event.event_name.clone(),
        d.event.aws_region.clone(),
        s(d.event.source_ip_address.as_deref()),
        s(d.event.event_id.as_deref()),
        d.source.file.clone(),
    ]
}

/// The `trail denied` filters of the command line; errors are printed.
pub(crate) fn filter_from(args: &EventFilter, out: &mut Output) -> Result<Filter, ()> {
    let now = Instant::now();
    let since = time_arg("--since", args.since.as_deref(), now, out)?;
    let until = time_arg("--until", args.until.as_deref(), now, out)?;
    let mut filter = Filter {
        principal: args.principal.as_deref().map(PrincipalFilter::new),
        since,
        until,
        services: args.service.clone(),
        error_codes: args.error_code.clone(),
        accounts: args.account.clone(),
        regions: args.region.clone(),
        ..Filter::default()
    };
    for a in &args.action {
        filter.add_action(a);
    }
    Ok(filter)
}

/// `iamwhy trail denied`.
pub(crate) fn denied(args: &DeniedArgs, csv: bool, out: &mut Output) -> ExitStatus {
    let Ok(filter) = filter_from(&args.filter, out) else {
        return ExitStatus::Error;
    };
    let inputs = collect_inputs(&args.input.paths);
    let progress = Progress::start(&inputs, &args.input);
    let settings = scan_settings(&args.input, Prefilter::Denials, &progress);
    let started = std::time::Instant::now();
    let select = |event: Event, origin: &Origin| {
        if !event.is_denied() {
            return None;
        }
        let denial = event.denial();
        filter
            .matches(&event, &denial)
            .then(|| Denied::new(event, denial, origin))
    };
    let mut kept: Vec<Denied> = Vec::new();
    let mut tally = Tally::default();
    let stats = match (out.format, csv) {
        (_, true) => {
            let mut w = csv::Writer::from_writer(std::io::BufWriter::new(std::io::stdout().lock()));
            let mut error = w.write_record(CSV_HEADER).err();
            let stats = scan(&inputs, &settings, select, |d| {
                tally.add(&d);
                if error.is_none() {
                    error = w.write_record(csv_row(&d)).err();
                }
            });
            if let Some(e) = error.or_else(|| w.flush().err().map(csv::Error::from)) {
                out.keep_error(std::io::Error::other(e.to_string()));
            }
            stats
        }
        (Format::Json, false) => {
            let mut lines = Lines::new();
            let stats = scan(&inputs, &settings, select, |d| {
                tally.add(&d);
                let line = serde_json::to_string(&d).unwrap_or_default();
                lines.write(sanitize(&line, Target::Json).as_bytes());
                lines.write(b"\n");
            });
            lines.finish(out);
            stats
        }
        (Format::Text, false) => scan(&inputs, &settings, select, |d| {
            tally.add(&d);
            kept.push(d);
        }),
    };
    progress.finish();
    let elapsed = started.elapsed();
    let summary = scan_summary(&stats, &tally.lines(), elapsed, &Paint(out.color));
    if out.format == Format::Text && !csv {
        kept.sort_by(|a, b| {
            (a.event.time, &a.source.file, a.source.offset).cmp(&(
                b.event.time,
                &b.source.file,
                b.source.offset,
            ))
        });
        let mut text = denied_table(&kept, &Paint(out.color));
        text.push_str(&summary);
        out.result(&text);
    } else {
        out.note(&summary);
    }
    if let Some(note) = filter
        .principal
        .as_ref()
        .and_then(|p| csv_principal_note(&stats, p))
    {
        out.note(&format!("note: {note}\n"));
    }
    finish_scan(&stats, out)
}

/// Counts of the denials found, by what AWS's message says.
#[derive(Default)]
struct Tally {
    total: u64,
    by_type: std::collections::BTreeMap<String, u64>,
    without_message: u64,
}

impl Tally {
    fn add(&mut self, d: &Denied) {
        self.total = self.total.saturating_add(1);
        let label = match (d.denial.policy_label(), d.denial.deny_kind.as_str()) {
            (Some(t), kind) => format!("{kind} {t}"),
            (None, _) => "policy type not given".to_owned(),
        };
        let n = self.by_type.entry(label).or_default();
        *n = n.saturating_add(1);
        if d.event.error_message.is_none() {
            self.without_message = self.without_message.saturating_add(1);
        }
    }

    fn lines(&self) -> Vec<String> {
        let mut v = vec![format!("{} denial(s)", self.total)];
        v.extend(self.by_type.iter().map(|(k, n)| format!("{n} {k}")));
        if self.without_message > 0 {
            v.push(format!(
                "{} without an error message (console CSV has none): deny kind and policy type unknown",
                self.without_message
            ));
        }
        v
    }
}

/// One call of a timeline in JSON.
#[derive(Serialize)]
struct TimelineCall<'a> {
    #[serde(flatten)]
    event: &'a Event,
    denied: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    denial: Option<DenialMessage>,
    source: SourceRef,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    on_behalf: Vec<TimelineCall<'a>>,
}

impl<'a> TimelineCall<'a> {
    fn new(event: &'a Event, origin: &Origin, children: Vec<TimelineCall<'a>>) -> Self {
        TimelineCall {
            event,
            denied: event.is_denied(),
            denial: event.is_denied().then(|| event.denial()),
            source: SourceRef::of(origin),
            on_behalf: children,
        }
    }
}

/// `iamwhy trail timeline`.
pub(crate) fn timeline(args: &TimelineArgs, out: &mut Output) -> ExitStatus {
    let now = Instant::now();
    let principal = PrincipalFilter::new(&args.principal);
    let window = match parse_duration(&args.window) {
        Ok(w) => w,
        Err(DurationError::OutOfRange) => {
            out.error_line(&format!(
                "`--window {}` is out of range: durations go {DURATION_RANGE}",
                args.window
            ));
            return ExitStatus::Error;
        }
        Err(_) => {
            out.error_line(&format!(
                "`--window {}` is not a duration: expected `90s`, `5m`, `1h`, ...",
                args.window
            ));
            return ExitStatus::Error;
        }
    };
    let Ok(around) = time_arg("--around", args.around.as_deref(), now, out) else {
        return ExitStatus::Error;
    };
    let inputs = collect_inputs(&args.input.paths);
    let passes = if around.is_some() { 1 } else { 2 };
    let progress = Progress::start_passes(&inputs, &args.input, passes);
    let (around, latest) = match around {
        Some(t) => (t, None),
        None => {
            // First pass: the identity's latest denial.
            let settings = scan_settings(&args.input, Prefilter::Denials, &progress);
            // The latest denial; at the same second, the identity's own call rather than
            // the one a service made for it.
            let mut latest: Option<((Instant, bool), String)> = None;
            let stats = scan(
                &inputs,
                &settings,
                |e: Event, _: &Origin| {
                    (e.is_denied() && principal.matches(&e, Some(&e.denial())))
                        .then(|| ((e.time, e.invoking_service().is_none()), e.action_label()))
                },
                |(key, action)| {
                    if latest.as_ref().is_none_or(|(l, _)| key > *l) {
                        latest = Some((key, action));
                    }
                },
            );
            match latest {
                Some(((t, _), action)) => (t, Some(action)),
                None => {
                    progress.finish();
                    let status = finish_scan(&stats, out);
                    // A partial scan that found no denial still answers the question.
                    if status != ExitStatus::Error {
                        out.error_line(&format!(
                            "no denied call of `{}` in these logs; give `--around TIME` to see its calls",
                            principal.as_str()
                        ));
                        if let Some(note) = csv_principal_note(&stats, &principal) {
                            out.note(&format!("note: {note}\n"));
                        }
                        return ExitStatus::Negative;
                    }
                    return status;
                }
            }
        }
    };
    // Saturating: the window may reach past the supported times (the centre can be a
    // denial's record time, which is any `i64`); past the ends there is nothing to miss.
    let (from, to) = (
        Instant {
            nanos: 0,
            ..around.saturating_add_secs(window.saturating_neg())
        },
        around.saturating_add_secs(window),
    );
    let prefilter = match principal.needle() {
        Some(n) => Prefilter::Contains(vec![n, b"\"AWSService\"".to_vec()]),
        None => Prefilter::All,
    };
    let settings = scan_settings(&args.input, prefilter, &progress);
    let started = std::time::Instant::now();
    let mut events = Vec::new();
    let stats = scan(
        &inputs,
        &settings,
        |e: Event, o: &Origin| {
            let in_window = e.time >= from && e.time <= to;
            let mine = principal.matches(&e, e.is_denied().then(|| e.denial()).as_ref());
            let service = e.user_identity.kind == Some(iamwhy_trail::IdentityType::AwsService);
            (in_window && (mine || service)).then(|| (e, o.clone()))
        },
        |pair| events.push(pair),
    );
    progress.finish();
    let calls = timeline::build(events, &principal);
    let text = match out.format {
        Format::Json => {
            let json_calls: Vec<TimelineCall<'_>> = calls
                .iter()
                .map(|c: &Call| {
                    let children = c
                        .on_behalf
                        .iter()
                        .map(|(e, o)| TimelineCall::new(e, o, Vec::new()))
                        .collect();
                    TimelineCall::new(&c.event, &c.origin, children)
                })
                .collect();
            to_json(&serde_json::json!({
                "principal": principal.as_str(),
                "around": around.to_iso8601(),
                "window_seconds": window,
                "centred_on_latest_denial": latest,
                "calls": json_calls,
                "events_scanned": stats.events,
            }))
        }
        Format::Text => {
            let mut t = timeline_text(
                &calls,
                principal.as_str(),
                around,
                &args.window,
                latest.as_deref(),
                &Paint(out.color),
            );
            t.push_str(&scan_summary(
                &stats,
                &[],
                started.elapsed(),
                &Paint(out.color),
            ));
            t
        }
    };
    out.result(&text);
    if let Some(note) = csv_principal_note(&stats, &principal) {
        out.note(&format!("note: {note}\n"));
    }
    finish_scan(&stats, out)
}

/// When console CSV files were read for an identity given by its ARN: how the CSV limits the
/// answer (it has user names, not ARNs).
fn csv_principal_note(stats: &Stats, principal: &PrincipalFilter) -> Option<String> {
    if stats.csv_files == 0 || !principal.as_str().starts_with("arn:") {
        return None;
    }
    let files = stats.csv_files;
    Some(match principal.csv_name() {
        Some(name) => {
            let what = if principal.as_str().contains(":assumed-role/") {
                "session name"
            } else {
                "user name"
            };
            format!(
                "{files} console CSV file(s) have user names, not principal ARNs: their rows were matched on the {what} `{name}` of the ARN, in any account"
            )
        }
        None => format!(
            "{files} console CSV file(s) have user names (session names for roles), not principal ARNs, so no row matched: give `--principal` the name, or an IAM user or assumed-role ARN"
        ),
    })
}
