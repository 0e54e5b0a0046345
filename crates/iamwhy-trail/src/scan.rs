//! The parallel scan: files are read by a pool of workers in input order, records are
//! found by the [`Splitter`](crate::split), a cheap byte-level pre-filter decides
//! which records need a full parse, and results reach the caller in input order.
//!
//! Memory stays bounded: each worker holds one chunk and one record, and workers never run
//! more than [`WINDOW`] files ahead of the oldest file still being read, so the results
//! waiting to be emitted are bounded too.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};

use memchr::memmem::Finder;
use serde::Deserialize;

use crate::codes::is_denial_code;
use crate::console_csv;
use crate::event::Event;
use crate::input::{Buffers, Format, Input, Inputs, open};
use crate::split::{Item, Splitter, Wrapper};

/// How far ahead of the oldest unfinished file the workers may read.
pub const WINDOW: usize = 64;

/// Which records deserve a full parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prefilter {
    /// Records with an `errorCode` whose value is a denial code.
    Denials,
    /// Records that contain at least one of these byte strings (a principal's ARN, say).
    Contains(Vec<Vec<u8>>),
    /// Every record.
    All,
}

/// Where a record came from.
#[derive(Clone, Debug)]
pub struct Origin {
    /// The file (or `<stdin>`).
    pub file: Arc<str>,
    /// Line (1-based) of the record in the decompressed input.
    pub line: u64,
    /// Column (1-based, in bytes) of the record's first byte.
    pub column: u64,
    /// Byte offset of the record in the decompressed input.
    pub offset: u64,
}

impl Origin {
    /// (line, column, offset), as a [`Problem`] locates itself.
    fn at(&self) -> Option<(u64, u64, u64)> {
        Some((self.line, self.column, self.offset))
    }
}

/// A problem with one input, reported once however often it recurs in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub file: String,
    /// Where in the decompressed file: (line, column, byte offset).
    pub at: Option<(u64, u64, u64)>,
    /// What was wrong.
    pub message: String,
    /// How many more problems the same file had.
    pub more: u64,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, column, offset)) = self.at {
            write!(f, ":{line}:{column} (byte {offset})")?;
        }
        write!(f, ": {}", self.message)?;
        if self.more > 0 {
            write!(f, " (and {} more problem(s) in this file)", self.more)?;
        }
        Ok(())
    }
}

/// What a scan saw.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Files read (fully or in part).
    pub files: u64,
    /// Files skipped entirely: unreadable or not a log.
    pub files_skipped: u64,
    /// Digest files skipped.
    pub digest_files: u64,
    /// Insights files and records skipped.
    pub insights: u64,
    /// Records that are event notifications (S3 Event Notifications: `eventSource`
    /// `aws:s3`), not CloudTrail, skipped.
    pub notifications: u64,
    /// Files in directories that do not look like logs, not read.
    pub other_files: u64,
    /// Console CSV files read (their events have no message and no principal ARN).
    pub csv_files: u64,
    /// Decompressed bytes read.
    pub bytes: u64,
    /// Events seen.
    pub events: u64,
    /// Events that got a full parse.
    pub parsed: u64,
    /// Records skipped as malformed.
    pub malformed: u64,
    /// Selected events skipped because an event with the same `eventID` came first.
    pub duplicates: u64,
    /// One entry per file with problems.
    pub problems: Vec<Problem>,
}

impl Stats {
    fn add(&mut self, o: Stats) {
        let sum = |a: &mut u64, b: u64| *a = a.saturating_add(b);
        sum(&mut self.files, o.files);
        sum(&mut self.files_skipped, o.files_skipped);
        sum(&mut self.digest_files, o.digest_files);
        sum(&mut self.insights, o.insights);
        sum(&mut self.notifications, o.notifications);
        sum(&mut self.other_files, o.other_files);
        sum(&mut self.csv_files, o.csv_files);
        sum(&mut self.bytes, o.bytes);
        sum(&mut self.events, o.events);
        sum(&mut self.parsed, o.parsed);
        sum(&mut self.malformed, o.malformed);
        sum(&mut self.duplicates, o.duplicates);
        self.problems.extend(o.problems);
    }

    /// Whether no input could be read at all (exit code 2).
    pub fn nothing_read(&self) -> bool {
        self.files == 0
    }

    /// Whether something was read but some input was lost: a file that could not be read
    /// or is not a log, or a malformed record. Digest and Insights files, and files in
    /// directories that do not look like logs, are skipped by design and do not count.
    pub fn is_partial(&self) -> bool {
        !self.nothing_read() && (self.files_skipped > 0 || self.malformed > 0)
    }
}

/// A scan's settings.
pub struct Scan {
    /// Which records get a full parse.
    pub prefilter: Prefilter,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Compressed bytes read so far, for a progress bar.
    pub progress: Arc<AtomicU64>,
}

/// Counts one more of something the scan saw. Counts saturate rather than wrap, though no
/// input is large enough to reach `u64::MAX`.
fn bump(counter: &mut u64) {
    *counter = counter.saturating_add(1);
}

/// Byte patterns compiled once per scan.
struct Patterns {
    error_code: Finder<'static>,
    event_time: Finder<'static>,
    logstash_time: Finder<'static>,
    digest: Finder<'static>,
    lookup: Finder<'static>,
    contains: Vec<Finder<'static>>,
}

impl Patterns {
    fn new(prefilter: &Prefilter) -> Patterns {
        let contains = match prefilter {
            Prefilter::Contains(needles) => needles
                .iter()
                .map(|n| Finder::new(n.as_slice()).into_owned())
                .collect(),
            _ => Vec::new(),
        };
        Patterns {
            error_code: Finder::new(b"\"errorCode\"").into_owned(),
            event_time: Finder::new(b"\"eventTime\"").into_owned(),
            logstash_time: Finder::new(b"\"@timestamp\"").into_owned(),
            digest: Finder::new(b"\"digestStartTime\"").into_owned(),
            lookup: Finder::new(b"\"CloudTrailEvent\"").into_owned(),
            contains,
        }
    }

    /// Whether some `"errorCode"` of the record has a denial code as its value.
    fn may_be_denial(&self, record: &[u8]) -> bool {
        self.error_code.find_iter(record).any(|at| {
            let Some(rest) = record
                .get(at..)
                .and_then(|r| r.strip_prefix(b"\"errorCode\""))
            else {
                return false;
            };
            let Some(rest) = rest.trim_ascii_start().strip_prefix(b":") else {
                return false;
            };
            let Some(rest) = rest.trim_ascii_start().strip_prefix(b"\"") else {
                return false;
            };
            let value = memchr::memchr(b'"', rest)
                .and_then(|end| rest.get(..end))
                .unwrap_or(rest);
            std::str::from_utf8(value).is_ok_and(is_denial_code)
        })
    }
}

/// Selected values with their `eventID`s, in file order.
type Batch<T> = Vec<(Option<EventIdHash>, T)>;

/// An `eventID` as the de-duplication remembers it: a 64-bit hash with a fixed seed, 8 bytes
/// per selected event instead of the 36-character string and its allocation (issue 18: replay
/// grew by about 200 bytes per event). Two distinct ids of one scan share a hash with a
/// probability of about n²/2⁶⁵ — under 10⁻⁶ for 5 million events — and the only effect would
/// be one event counted as a duplicate.
type EventIdHash = u64;

fn id_hash(id: &str) -> EventIdHash {
    use std::hash::BuildHasher as _;
    foldhash::quality::FixedState::with_seed(0x1a3f_57c9_e2b4_8d61).hash_one(id)
}

/// How many selected values a worker gathers before handing them on: the file being emitted
/// streams, so that one huge file holds at most this many in memory.
const BATCH: usize = 256;

/// What one file produced (what was not already sent in batches).
struct FileResult<T> {
    selected: Batch<T>,
    stats: Stats,
}

/// What workers tell the collector.
enum Msg<T> {
    /// Some selected values of file `.0`, more to come.
    Part(usize, Batch<T>),
    /// File `.0` is done.
    Done(usize, FileResult<T>),
}

/// A file's values and statistics waiting for their turn.
struct Pending<T> {
    parts: Vec<Batch<T>>,
    done: Option<Stats>,
}

/// Per-file state while reading.
struct FileScan<'a, T, F> {
    index: usize,
    tx: &'a mpsc::Sender<Msg<T>>,
    patterns: &'a Patterns,
    prefilter: &'a Prefilter,
    select: &'a F,
    file: Arc<str>,
    out: FileResult<T>,
}

impl<T, F: Fn(Event, &Origin) -> Option<T>> FileScan<'_, T, F> {
    fn keep(&mut self, id: Option<EventIdHash>, t: T) {
        self.out.selected.push((id, t));
        if self.out.selected.len() >= BATCH {
            let batch = std::mem::take(&mut self.out.selected);
            // A closed channel means the collector is gone; nothing is left to do.
            let _ = self.tx.send(Msg::Part(self.index, batch));
        }
    }

    fn problem(&mut self, at: Option<(u64, u64, u64)>, message: String) {
        match self.out.stats.problems.last_mut() {
            Some(p) => bump(&mut p.more),
            None => self.out.stats.problems.push(Problem {
                file: self.file.to_string(),
                at,
                message,
                more: 0,
            }),
        }
    }

    fn wanted(&self, record: &[u8]) -> bool {
        match self.prefilter {
            Prefilter::Denials => self.patterns.may_be_denial(record),
            Prefilter::Contains(_) => self
                .patterns
                .contains
                .iter()
                .any(|f| f.find(record).is_some()),
            Prefilter::All => true,
        }
    }

    /// A lookup-events entry: the record is the JSON string `CloudTrailEvent`.
    fn lookup_entry(&mut self, entry: &[u8], origin: Origin) {
        #[derive(Deserialize)]
        struct Entry {
            #[serde(rename = "CloudTrailEvent")]
            cloudtrail_event: Option<String>,
        }
        match serde_json::from_slice::<Entry>(entry) {
            Ok(Entry {
                cloudtrail_event: Some(text),
            }) => {
                // The string is parsed a second time; say so when it is not JSON, rather than
                // let the record's checks report a missing `eventTime`.
                let problem = match serde_json::from_str::<serde::de::IgnoredAny>(&text) {
                    Err(e) => Some(format!(
                        "the `CloudTrailEvent` string of a lookup-events entry is not valid JSON ({e}, within the string); entry skipped"
                    )),
                    Ok(_) if !text.trim_start().starts_with('{') => Some(
                        "the `CloudTrailEvent` string of a lookup-events entry is not a JSON object; entry skipped"
                            .to_owned(),
                    ),
                    Ok(_) => None,
                };
                match problem {
                    Some(message) => {
                        bump(&mut self.out.stats.malformed);
                        let at = origin.at();
                        self.problem(at, message);
                    }
                    None => self.record(text.as_bytes(), origin),
                }
            }
            Ok(Entry {
                cloudtrail_event: None,
            }) => {
                bump(&mut self.out.stats.malformed);
                let at = origin.at();
                self.problem(at, "a lookup-events entry without `CloudTrailEvent`".into());
            }
            Err(e) => {
                bump(&mut self.out.stats.malformed);
                let at = origin.at();
                self.problem(at, format!("a lookup-events entry is not valid JSON: {e}"));
            }
        }
    }

    /// One record: pre-filter, then (for the few that pass) a full parse.
    fn record(&mut self, record: &[u8], origin: Origin) {
        let at = origin.at();
        if !self.wanted(record) {
            if self.patterns.event_time.find(record).is_some()
                || self.patterns.logstash_time.find(record).is_some()
            {
                bump(&mut self.out.stats.events);
            } else if self.patterns.digest.find(record).is_some() {
                bump(&mut self.out.stats.digest_files);
            } else {
                bump(&mut self.out.stats.malformed);
                self.problem(at, "a record without `eventTime` skipped".into());
            }
            return;
        }
        bump(&mut self.out.stats.parsed);
        match Event::from_json(record) {
            Ok(event) => {
                if event.event_type.as_deref() == Some("AwsCloudTrailInsight") {
                    bump(&mut self.out.stats.insights);
                    return;
                }
                if event.is_event_notification() {
                    bump(&mut self.out.stats.notifications);
                    return;
                }
                bump(&mut self.out.stats.events);
                let id = event.event_id.as_deref().map(id_hash);
                if let Some(t) = (self.select)(event, &origin) {
                    self.keep(id, t);
                }
            }
            Err(_) if self.patterns.digest.find(record).is_some() => {
                bump(&mut self.out.stats.digest_files);
            }
            Err(message) => {
                bump(&mut self.out.stats.malformed);
                self.problem(at, format!("record skipped: {message}"));
            }
        }
    }
}

#[allow(
    clippy::too_many_arguments,
    reason = "the worker's context, passed once per file"
)]
fn scan_file<T, F>(
    index: usize,
    tx: &mpsc::Sender<Msg<T>>,
    input: &Input,
    scan: &Scan,
    patterns: &Patterns,
    select: &F,
    buffers: &mut Buffers,
) -> FileResult<T>
where
    F: Fn(Event, &Origin) -> Option<T>,
{
    let file: Arc<str> = Arc::from(input.name());
    let mut fs = FileScan {
        index,
        tx,
        patterns,
        prefilter: &scan.prefilter,
        select,
        file: Arc::clone(&file),
        out: FileResult {
            selected: Vec::new(),
            stats: Stats::default(),
        },
    };
    let opened = match open(input, &scan.progress, buffers) {
        Ok(o) => o,
        Err(e) => {
            bump(&mut fs.out.stats.files_skipped);
            fs.problem(None, format!("cannot read: {e}"));
            return fs.out;
        }
    };
    let mut progress = FileProgress {
        counter: &scan.progress,
        pending: opened.progress_pending,
        of: opened.prefix.len() as u64,
        counted: 0,
        next: PROGRESS_STEP,
    };
    match opened.format {
        Format::Unknown => {
            bump(&mut fs.out.stats.files_skipped);
            fs.problem(
                None,
                "not a CloudTrail log: expected JSON (records, `{\"Records\": [...]}`, lookup-events output), the console's CSV download or an Athena result CSV".into(),
            );
        }
        Format::ConsoleCsv | Format::AthenaCsv => {
            bump(&mut fs.out.stats.files);
            if opened.format == Format::ConsoleCsv {
                bump(&mut fs.out.stats.csv_files);
            }
            let mut reader = std::io::Read::chain(std::io::Cursor::new(opened.prefix), opened.rest);
            let read_rows = if opened.format == Format::ConsoleCsv {
                console_csv::read
            } else {
                crate::athena::results::read
            };
            let bytes = read_rows(&mut reader, &file, &mut |e, origin| match e {
                Ok(event) => {
                    bump(&mut fs.out.stats.events);
                    bump(&mut fs.out.stats.parsed);
                    let id = event.event_id.as_deref().map(id_hash);
                    if let Some(t) = (fs.select)(event, &origin) {
                        fs.keep(id, t);
                    }
                }
                Err(message) => {
                    bump(&mut fs.out.stats.malformed);
                    fs.problem(origin.at(), message);
                }
            });
            fs.out.stats.bytes = fs.out.stats.bytes.saturating_add(bytes);
        }
        Format::Json => {
            bump(&mut fs.out.stats.files);
            let mut splitter = Splitter::new(opened.prefix, opened.rest);
            while let Some(item) = splitter.next_item() {
                match item {
                    Item::Record {
                        bytes,
                        offset,
                        wrapper,
                        line,
                        column,
                    } => {
                        let origin = Origin {
                            file: Arc::clone(&file),
                            line,
                            column,
                            offset,
                        };
                        let lookup = wrapper == Wrapper::Events
                            || (wrapper == Wrapper::None
                                && !bytes.starts_with(b"{\"eventVersion\"")
                                && patterns.lookup.find(bytes).is_some());
                        if lookup {
                            fs.lookup_entry(bytes, origin);
                        } else {
                            fs.record(bytes, origin);
                        }
                    }
                    Item::Malformed {
                        offset,
                        line,
                        column,
                        message,
                    } => {
                        bump(&mut fs.out.stats.malformed);
                        fs.problem(Some((line, column, offset)), message);
                    }
                }
                progress.advance(splitter.consumed());
            }
            fs.out.stats.bytes = fs.out.stats.bytes.saturating_add(splitter.consumed());
            buffers.give_back(splitter.into_buffer());
        }
    }
    progress.finish();
    fs.out
}

/// How many decompressed bytes a worker consumes between two updates of the progress counter.
const PROGRESS_STEP: u64 = 1024 * 1024;

/// Moves the progress counter through the compressed bytes of a file read whole (see
/// [`Opened::progress_pending`](crate::input::Opened)), in step with the decompressed bytes
/// consumed, so that the bar shows work done rather than files read.
struct FileProgress<'a> {
    counter: &'a AtomicU64,
    /// Compressed bytes to count over the prefix.
    pending: u64,
    /// The prefix's length.
    of: u64,
    /// Compressed bytes counted so far.
    counted: u64,
    /// The consumed length at which to count again.
    next: u64,
}

impl FileProgress<'_> {
    fn advance(&mut self, consumed: u64) {
        if self.pending == 0 || consumed < self.next {
            return;
        }
        self.next = consumed.saturating_add(PROGRESS_STEP);
        // `pending × min(consumed, of) / of`: the product of two `u64`s fits in a `u128`, and
        // the quotient is at most `pending`.
        let done = u128::from(self.pending)
            .checked_mul(u128::from(consumed.min(self.of)))
            .and_then(|product| product.checked_div(u128::from(self.of.max(1))))
            .and_then(|done| u64::try_from(done).ok())
            .unwrap_or(self.pending)
            .min(self.pending);
        if let Some(step) = done.checked_sub(self.counted).filter(|step| *step > 0) {
            self.counter.fetch_add(step, Ordering::Relaxed);
            self.counted = done;
        }
    }

    /// The file is done: count what is left.
    fn finish(self) {
        if let Some(rest) = self
            .pending
            .checked_sub(self.counted)
            .filter(|rest| *rest > 0)
        {
            self.counter.fetch_add(rest, Ordering::Relaxed);
        }
    }
}

/// Shared state of the workers: the index of the oldest file not yet emitted.
struct Head {
    emitted: Mutex<usize>,
    moved: Condvar,
}

/// Scans `inputs`, calling `select` on every event that passes the pre-filter (in parallel)
/// and `emit` on every selected value (in input order, events with an `eventID` seen
/// before dropped and counted). Returns what the scan saw.
pub fn scan<T, F, E>(inputs: &Inputs, scan: &Scan, select: F, mut emit: E) -> Stats
where
    T: Send,
    F: Fn(Event, &Origin) -> Option<T> + Sync,
    E: FnMut(T),
{
    let patterns = Patterns::new(&scan.prefilter);
    let mut stats = Stats {
        digest_files: inputs.digest_files,
        insights: inputs.insight_files,
        other_files: inputs.other_files,
        files_skipped: inputs.unreadable.len() as u64,
        problems: inputs
            .unreadable
            .iter()
            .map(|(file, reason)| Problem {
                file: file.clone(),
                at: None,
                message: format!("cannot read: {reason}"),
                more: 0,
            })
            .chain(inputs.skipped.iter().map(|p| Problem {
                file: p.path().display().to_string(),
                at: None,
                message: p.reason(),
                more: 0,
            }))
            .collect(),
        ..Stats::default()
    };
    let files = &inputs.files;
    let threads = match scan.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
    .min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let head = Head {
        emitted: Mutex::new(0),
        moved: Condvar::new(),
    };
    let mut seen: HashSet<EventIdHash, foldhash::fast::RandomState> = HashSet::default();
    let mut deliver = |batch: Batch<T>, duplicates: &mut u64| {
        for (id, t) in batch {
            if let Some(id) = id
                && !seen.insert(id)
            {
                bump(duplicates);
                continue;
            }
            emit(t);
        }
    };
    let (tx, rx) = mpsc::channel::<Msg<T>>();
    std::thread::scope(|s| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, head, patterns, select) = (&next, &head, &patterns, &select);
            s.spawn(move || {
                let mut buffers = Buffers::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = files.get(i) else { break };
                    let mut emitted = head.emitted.lock().unwrap_or_else(PoisonError::into_inner);
                    while i >= emitted.saturating_add(WINDOW) {
                        emitted = head
                            .moved
                            .wait(emitted)
                            .unwrap_or_else(PoisonError::into_inner);
                    }
                    drop(emitted);
                    let result = scan_file(i, &tx, input, scan, patterns, select, &mut buffers);
                    if tx.send(Msg::Done(i, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut waiting: BTreeMap<usize, Pending<T>> = BTreeMap::new();
        let mut next_out = 0;
        for msg in rx {
            let (i, batch, done) = match msg {
                Msg::Part(i, batch) => (i, batch, None),
                Msg::Done(i, result) => (i, result.selected, Some(result.stats)),
            };
            let p = waiting.entry(i).or_insert_with(|| Pending {
                parts: Vec::new(),
                done: None,
            });
            if i == next_out {
                // The file being emitted streams straight through.
                deliver(batch, &mut stats.duplicates);
            } else {
                p.parts.push(batch);
            }
            p.done = p.done.take().or(done);
            while let Some(p) = waiting.get_mut(&next_out) {
                for batch in std::mem::take(&mut p.parts) {
                    deliver(batch, &mut stats.duplicates);
                }
                let Some(done) = p.done.take() else { break };
                stats.add(done);
                waiting.remove(&next_out);
                next_out = next_out.saturating_add(1);
                *head.emitted.lock().unwrap_or_else(PoisonError::into_inner) = next_out;
                head.moved.notify_all();
            }
        }
    });
    stats
}
