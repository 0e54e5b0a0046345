//! Finding and opening log files, through the one input layer (`iamwhy-input`): paths,
//! directories (recursive, loop-safe), `-` for stdin, pipes and FIFOs streamed, gzip by its
//! magic bytes and read to its last member, and the S3 layout's digest and Insights files
//! skipped.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

pub use iamwhy_input::Source;
pub use iamwhy_input::gzip::{Buffers, WHOLE_GZIP_LIMIT};

/// One input to read.
#[derive(Clone, Debug)]
pub struct Input {
    /// The file or stdin.
    pub source: Source,
    /// Its size on disk (compressed) when it is a regular file; `None` for a stream (stdin,
    /// a pipe, a FIFO), which is never read whole.
    pub size: Option<u64>,
}

impl Input {
    /// The name used in messages: the path as given, or `<stdin>`.
    pub fn name(&self) -> String {
        self.source.name()
    }
}

/// What [`collect_inputs`] found.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Files to read, in a stable order (sorted paths within each argument).
    pub files: Vec<Input>,
    /// Digest files of the S3 layout, skipped (they hold hashes, not events).
    pub digest_files: u64,
    /// Insights files of the S3 layout, skipped (they hold anomalies, not calls).
    pub insight_files: u64,
    /// Files in directories whose names are not log names (`.json`, `.gz`, …), skipped.
    pub other_files: u64,
    /// Paths that could not be read: (path, reason).
    pub unreadable: Vec<(String, String)>,
    /// What the directory walk met and did not read twice or at all: symbolic-link loops,
    /// second ways to the same file, pipes inside directories. Warnings, not errors.
    pub skipped: Vec<iamwhy_input::Problem>,
}

impl Inputs {
    /// The total size of the regular files, for a progress bar.
    pub fn known_size(&self) -> u64 {
        self.files
            .iter()
            .filter_map(|f| f.size)
            .fold(0, u64::saturating_add)
    }
}

/// Extensions a directory walk reads. A file named on the command line is always read.
const LOG_EXTENSIONS: &[&str] = &["json", "jsonl", "ndjson", "gz", "csv", "log"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Special {
    Digest,
    Insight,
}

/// How the S3 layout names the folders of digest and Insights files
/// (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html>).
fn special_kind(path: &Path) -> Option<Special> {
    let text = path.to_string_lossy();
    if text.contains("CloudTrail-Digest") {
        Some(Special::Digest)
    } else if text.contains("CloudTrail-Insight") {
        Some(Special::Insight)
    } else {
        None
    }
}

/// Expands the command-line paths: files as given, directories recursively, `-` as stdin.
pub fn collect_inputs(paths: &[String]) -> Inputs {
    let walked = iamwhy_input::walk(paths);
    let mut out = Inputs::default();
    for problem in walked.problems {
        match problem {
            iamwhy_input::Problem::Unreadable { path, reason } => {
                out.unreadable.push((path.display().to_string(), reason));
            }
            other => out.skipped.push(other),
        }
    }
    for entry in walked.entries {
        let path: Option<PathBuf> = entry.path().map(Path::to_path_buf);
        if let Some(path) = &path {
            let log_like = entry.explicit
                || path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| LOG_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)));
            if !log_like {
                out.other_files = out.other_files.saturating_add(1);
                continue;
            }
            match special_kind(path) {
                Some(Special::Digest) => {
                    out.digest_files = out.digest_files.saturating_add(1);
                    continue;
                }
                Some(Special::Insight) => {
                    out.insight_files = out.insight_files.saturating_add(1);
                    continue;
                }
                None => {}
            }
        }
        out.files.push(Input {
            source: entry.source,
            size: entry.size,
        });
    }
    out
}

/// What the first bytes of a (decompressed) input say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON in any of the shapes the splitter reads.
    Json,
    /// The console's CSV download.
    ConsoleCsv,
    /// An Athena query's result over the CloudTrail table ([`crate::athena::results`]).
    AthenaCsv,
    /// Something else.
    Unknown,
}

/// An opened input: the bytes already read while sniffing, and the rest of the stream.
pub struct Opened {
    /// What the input looks like.
    pub format: Format,
    /// The decompressed bytes read while sniffing; they come first.
    pub prefix: Vec<u8>,
    /// The rest of the decompressed stream. When the input could be read only in part (a
    /// truncated gzip file), it returns the error once the bytes before it are consumed.
    pub rest: Box<dyn Read + Send>,
    /// Compressed bytes that `prefix` was read from and that the progress counter does not
    /// hold yet: the caller adds them in step with the prefix it consumes. The bytes of
    /// `rest` are counted as `rest` consumes them.
    pub progress_pending: u64,
}

/// How many decompressed bytes are read to recognise a format.
const SNIFF: usize = 4096;

/// Opens an input, decompressing gzip (recognised by its magic bytes, whatever the name; every
/// member), and sniffs its format. `buffers` lends the memory; give it back when done.
/// `counter` counts the compressed bytes consumed, for the progress bar (see
/// [`Opened::progress_pending`]).
pub fn open(input: &Input, counter: &Arc<AtomicU64>, buffers: &mut Buffers) -> io::Result<Opened> {
    let opened = iamwhy_input::gzip::open(&input.source, input.size, SNIFF, counter, buffers)?;
    Ok(Opened {
        format: sniff(&opened.prefix),
        prefix: opened.prefix,
        rest: opened.rest,
        progress_pending: opened.progress_pending,
    })
}

/// JSON starts with `{` or `[` (after white space and a byte order mark); the console CSV
/// starts with its header row.
fn sniff(prefix: &[u8]) -> Format {
    let body = prefix.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(prefix);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => Format::Json,
        Some(_) => {
            let line = body.split(|&b| b == b'\n').next().unwrap_or_default();
            let line = String::from_utf8_lossy(line);
            if line.contains("Event time") && line.contains("Event name") {
                Format::ConsoleCsv
            } else if crate::athena::results::is_header(&line) {
                Format::AthenaCsv
            } else {
                Format::Unknown
            }
        }
        None => Format::Json, // empty: nothing to read, nothing wrong
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"  {\"Records\""), Format::Json);
        assert_eq!(sniff(b"\xEF\xBB\xBF["), Format::Json);
        assert_eq!(
            sniff(b"User name,AWS access key,Event time,Event source,Event name\n"),
            Format::ConsoleCsv
        );
        assert_eq!(sniff(b"hello"), Format::Unknown);
    }

    #[test]
    fn digest_and_insight_folders_are_recognised() {
        let d = Path::new("AWSLogs/1/CloudTrail-Digest/us-east-1/2026/01/01/x.json.gz");
        assert_eq!(special_kind(d), Some(Special::Digest));
        let i = Path::new("AWSLogs/1/CloudTrail-Insight/us-east-1/2026/01/01/x.json.gz");
        assert_eq!(special_kind(i), Some(Special::Insight));
        assert_eq!(
            special_kind(Path::new("AWSLogs/1/CloudTrail/x.json.gz")),
            None
        );
    }
}
