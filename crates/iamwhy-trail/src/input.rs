//! Finding and opening log files: paths, directories (recursive), `-` for stdin, gzip by its
//! magic bytes, and the S3 layout's digest and Insights files skipped.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

/// Where a log comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

/// One input to read.
#[derive(Clone, Debug)]
pub struct Input {
    /// The file or stdin.
    pub source: Source,
    /// Its size on disk (compressed), 0 for stdin.
    pub size: u64,
}

impl Input {
    /// The name used in messages: the path as given, or `<stdin>`.
    pub fn name(&self) -> String {
        match &self.source {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "<stdin>".to_owned(),
        }
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
}

/// Extensions a directory walk reads. A file named on the command line is always read.
const LOG_EXTENSIONS: &[&str] = &["json", "jsonl", "ndjson", "gz", "csv", "log"];

/// How the S3 layout names the folders of digest and Insights files
/// (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html>).
fn special_kind(path: &Path) -> Option<&'static str> {
    let text = path.to_string_lossy();
    if text.contains("CloudTrail-Digest") {
        Some("digest")
    } else if text.contains("CloudTrail-Insight") {
        Some("insight")
    } else {
        None
    }
}

/// Expands the command-line paths: files as given, directories recursively, `-` as stdin.
pub fn collect_inputs(paths: &[String]) -> Inputs {
    let mut out = Inputs::default();
    for p in paths {
        if p == "-" {
            out.files.push(Input {
                source: Source::Stdin,
                size: 0,
            });
            continue;
        }
        let path = PathBuf::from(p);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, &mut out, 0),
            Ok(m) => add_file(path, m.len(), &mut out),
            Err(e) => out.unreadable.push((p.clone(), e.to_string())),
        }
    }
    out
}

fn add_file(path: PathBuf, size: u64, out: &mut Inputs) {
    match special_kind(&path) {
        Some("digest") => out.digest_files += 1,
        Some(_) => out.insight_files += 1,
        None => out.files.push(Input {
            source: Source::File(path),
            size,
        }),
    }
}

/// Symbolic links are followed; the depth limit stops loops.
fn walk(dir: &Path, out: &mut Inputs, depth: usize) {
    if depth > 64 {
        out.unreadable.push((
            dir.display().to_string(),
            "directories nested deeper than 64 levels (a symbolic-link loop?)".to_owned(),
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.unreadable
                .push((dir.display().to_string(), e.to_string()));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, out, depth + 1),
            Ok(m) => {
                let log_like = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| LOG_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)));
                if log_like {
                    add_file(path, m.len(), out);
                } else {
                    out.other_files += 1;
                }
            }
            Err(e) => out
                .unreadable
                .push((path.display().to_string(), e.to_string())),
        }
    }
}

/// Counts the compressed bytes as they are consumed, for the progress bar.
struct Counting<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Says, in a gzip stream's errors, that the file is cut short or corrupt: the decoder's own
/// words ("incomplete deflate stream") do not.
struct GzipErrors<R>(R);

impl<R: Read> Read for GzipErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            if e.kind() == io::ErrorKind::Interrupted {
                e
            } else {
                io::Error::new(
                    e.kind(),
                    format!("the gzip data is truncated or corrupt ({e})"),
                )
            }
        })
    }
}

/// A reader that fails once with the error that ended the bytes read before it, then ends.
struct Failed(Option<io::Error>);

impl Read for Failed {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

/// What the first bytes of a (decompressed) input say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON in any of the shapes the splitter reads.
    Json,
    /// The console's CSV download.
    ConsoleCsv,
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

/// Gzip files whose content is at most this large are inflated in one call with libdeflate,
/// which is about twice as fast as a streaming inflater; larger ones, and any file libdeflate
/// refuses (truncated, corrupt or multi-member), stream through flate2 — from the bytes
/// already in memory, so that a truncated file's complete records are still read. CloudTrail's
/// own files are a few megabytes, so memory stays bounded by workers × this limit.
pub const WHOLE_GZIP_LIMIT: u64 = 32 * 1024 * 1024;

/// Buffers a worker keeps from file to file, so that reading many small files does not
/// allocate (and fault in) fresh memory for each.
#[derive(Default)]
pub struct Buffers {
    compressed: Vec<u8>,
    plain: Vec<u8>,
    inflater: Option<libdeflater::Decompressor>,
}

impl Buffers {
    /// Takes back a buffer handed out in an [`Opened`] (see `Splitter::into_buffer`).
    pub fn give_back(&mut self, mut buffer: Vec<u8>) {
        buffer.clear();
        if self.compressed.capacity() == 0 {
            self.compressed = buffer;
        } else if self.plain.capacity() < buffer.capacity() {
            self.plain = buffer;
        }
    }

    /// Inflates the whole single-member gzip file in `compressed` when its trailer promises
    /// at most [`WHOLE_GZIP_LIMIT`] bytes; `None` when it cannot (the caller then streams).
    fn inflate_whole(&mut self) -> Option<Vec<u8>> {
        let data = &self.compressed;
        let trailer: [u8; 4] = data.get(data.len().checked_sub(4)?..)?.try_into().ok()?;
        let size = u32::from_le_bytes(trailer);
        if u64::from(size) > WHOLE_GZIP_LIMIT {
            return None;
        }
        let mut out = std::mem::take(&mut self.plain);
        out.clear();
        out.resize(usize::try_from(size).ok()?, 0);
        let inflater = self
            .inflater
            .get_or_insert_with(libdeflater::Decompressor::new);
        match inflater.gzip_decompress(data, &mut out) {
            Ok(n) if n == out.len() => Some(out),
            _ => {
                self.plain = out;
                None
            }
        }
    }
}

/// Opens an input, decompressing gzip (recognised by its magic bytes, whatever the name),
/// and sniffs its format. `buffers` lends the memory; give it back when done. `counter`
/// counts the compressed bytes consumed, for the progress bar (see
/// [`Opened::progress_pending`]).
pub fn open(input: &Input, counter: &Arc<AtomicU64>, buffers: &mut Buffers) -> io::Result<Opened> {
    let raw: Box<dyn Read + Send> = match &input.source {
        Source::File(path) if input.size <= WHOLE_GZIP_LIMIT => {
            buffers.compressed.clear();
            File::open(path)?.read_to_end(&mut buffers.compressed)?;
            let read = buffers.compressed.len() as u64;
            if !buffers.compressed.starts_with(&[0x1f, 0x8b]) {
                let data = std::mem::take(&mut buffers.compressed);
                return Ok(Opened {
                    format: sniff(&data),
                    prefix: data,
                    rest: Box::new(io::empty()),
                    progress_pending: read,
                });
            }
            if let Some(plain) = buffers.inflate_whole() {
                return Ok(Opened {
                    format: sniff(&plain),
                    prefix: plain,
                    rest: Box::new(io::empty()),
                    progress_pending: read,
                });
            }
            // libdeflate refused it: stream it from memory rather than lose it all.
            Box::new(io::Cursor::new(std::mem::take(&mut buffers.compressed)))
        }
        Source::File(p) => Box::new(File::open(p)?),
        Source::Stdin => Box::new(io::stdin()),
    };
    stream(raw, counter)
}

/// Opens a stream: gzip or not by its magic bytes, then the first bytes sniffed. An error
/// after some bytes (a truncated gzip stream) keeps them, and `rest` returns the error.
fn stream(raw: Box<dyn Read + Send>, counter: &Arc<AtomicU64>) -> io::Result<Opened> {
    let mut raw = Counting {
        inner: raw,
        counter: Arc::clone(counter),
    };
    let mut magic = Vec::with_capacity(2);
    fill(&mut raw, &mut magic, 2)?;
    let gzip = magic.starts_with(&[0x1f, 0x8b]);
    let chained = io::Cursor::new(magic).chain(raw);
    let mut rest: Box<dyn Read + Send> = if gzip {
        Box::new(GzipErrors(MultiGzDecoder::new(BufReader::with_capacity(
            128 * 1024,
            chained,
        ))))
    } else {
        Box::new(chained)
    };
    let mut prefix = Vec::with_capacity(SNIFF);
    if let Err(e) = fill(&mut rest, &mut prefix, SNIFF) {
        if prefix.is_empty() {
            return Err(e);
        }
        rest = Box::new(Failed(Some(e)));
    }
    Ok(Opened {
        format: sniff(&prefix),
        prefix,
        rest,
        progress_pending: 0,
    })
}

/// Reads until `buf` holds `want` bytes or the input ends. On an error, `buf` keeps the
/// bytes read before it.
fn fill(r: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> io::Result<()> {
    let mut chunk = [0u8; 4096];
    while buf.len() < want {
        let n = match r.read(&mut chunk[..(want - buf.len()).min(4096)]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(())
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
    fn a_gzip_stream_cut_short_keeps_what_came_before_the_cut() {
        use std::io::Write as _;
        let text: String = (0..40)
            .map(|i| {
                format!(
                    "{{\"eventTime\":\"2026-11-20T10:00:{i:02}Z\",\"n\":{}}}\n",
                    i * 7919
                )
            })
            .collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let written = gz.write_all(text.as_bytes()).and_then(|()| gz.finish());
        let Ok(packed) = written else {
            panic!("gzip in memory failed");
        };
        let cut = packed[..packed.len() / 2].to_vec();
        let counter = Arc::new(AtomicU64::new(0));
        let Ok(mut opened) = stream(Box::new(io::Cursor::new(cut.clone())), &counter) else {
            panic!("the bytes before the cut are lost");
        };
        assert_eq!(opened.format, Format::Json);
        assert!(!opened.prefix.is_empty() && opened.prefix.len() < text.len());
        assert!(text.as_bytes().starts_with(&opened.prefix));
        let mut rest = Vec::new();
        let e = opened.rest.read_to_end(&mut rest);
        assert!(
            e.is_err_and(|e| e.to_string().contains("gzip data is truncated")),
            "{rest:?}"
        );
        assert_eq!(opened.rest.read(&mut [0u8; 16]).ok(), Some(0));
        assert_eq!(counter.load(Ordering::Relaxed), cut.len() as u64);
        // Cut inside the gzip header: nothing can be read at all.
        assert!(stream(Box::new(io::Cursor::new(packed[..5].to_vec())), &counter).is_err());
    }

    #[test]
    fn digest_and_insight_folders_are_recognised() {
        let d = Path::new("AWSLogs/1/CloudTrail-Digest/us-east-1/2026/01/01/x.json.gz");
        assert_eq!(special_kind(d), Some("digest"));
        let i = Path::new("AWSLogs/1/CloudTrail-Insight/us-east-1/2026/01/01/x.json.gz");
        assert_eq!(special_kind(i), Some("insight"));
        assert_eq!(
            special_kind(Path::new("AWSLogs/1/CloudTrail/x.json.gz")),
            None
        );
    }
}
