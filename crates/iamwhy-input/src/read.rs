//! Reading one document whole, within a limit.

use std::fs::File;
use std::io::{self, Read};

use crate::{InputError, InputErrorKind, Limit, Source};

/// Reads a whole document as bytes. A regular file larger than `limit` is refused before it
/// is read; a pipe, FIFO, device or standard input is streamed and refused as soon as it
/// passes the limit, so memory never holds more than the limit and one buffer.
pub fn read_bytes(source: &Source, limit: Limit) -> Result<Vec<u8>, InputError> {
    let name = source.name();
    let io_err = |e: io::Error| InputError::new(&name, InputErrorKind::Io(e));
    match source {
        Source::Stdin => read_bounded(io::stdin().lock(), limit, &name, 0),
        Source::File(path) => {
            let meta = std::fs::metadata(path).map_err(io_err)?;
            if meta.is_dir() {
                return Err(InputError::new(&name, InputErrorKind::IsDirectory));
            }
            if meta.is_file() && meta.len() > limit.bytes() {
                return Err(InputError::new(
                    &name,
                    InputErrorKind::TooLarge {
                        limit,
                        size: Some(meta.len()),
                    },
                ));
            }
            let file = File::open(path).map_err(io_err)?;
            if meta.is_file()
                && meta.len() >= SPLIT_READ_MIN
                && let Some(bytes) = read_halves(&file, meta.len())
            {
                return Ok(bytes);
            }
            // Sized once: grown by doubling, a file of hundreds of MB would be copied and
            // its pages faulted in several times over.
            let size = usize::try_from(meta.len().saturating_add(1)).unwrap_or(0);
            read_bounded(file, limit, &name, size)
        }
    }
}

/// From this size, a regular file is read in two halves at once.
const SPLIT_READ_MIN: u64 = 32 << 20;

/// A large regular file of `len` bytes (as its metadata said), read in two halves on two
/// threads: copying from the page cache into fresh memory costs about a second per GB on
/// one core, the half of a large scenario file's end-to-end time. `None` when the file is
/// no longer `len` bytes long, or cannot be read so (the caller reads it in one piece, and
/// reports any error then).
#[cfg(unix)]
fn read_halves(file: &File, len: u64) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let size = usize::try_from(len).ok()?;
    let mut bytes = vec![0u8; size];
    let (first, second) = bytes.split_at_mut(size / 2);
    let second_at = u64::try_from(first.len()).ok()?;
    let (a, b) = std::thread::scope(|s| {
        let second = s.spawn(|| file.read_exact_at(second, second_at));
        (file.read_exact_at(first, 0), second.join())
    });
    if a.is_err() || !matches!(b, Ok(Ok(()))) {
        return None;
    }
    // A file that grew since: read in one piece.
    let mut probe = [0u8; 1];
    match file.read_at(&mut probe, len) {
        Ok(0) => Some(bytes),
        _ => None,
    }
}

/// Elsewhere, in one piece.
#[cfg(not(unix))]
fn read_halves(_file: &File, _len: u64) -> Option<Vec<u8>> {
    None
}

/// Reads a whole document as UTF-8 text (a byte order mark is kept: the JSON readers skip
/// it), within `limit`; text that is not UTF-8 is refused with the line and column of the
/// first bad byte.
pub fn read_text(source: &Source, limit: Limit) -> Result<String, InputError> {
    let bytes = read_bytes(source, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let (line, column) = line_column(bytes, e.utf8_error().valid_up_to());
        InputError::new(source.name(), InputErrorKind::NotUtf8 { line, column })
    })
}

/// Line and column (characters, both from 1) of byte `offset` in the valid UTF-8 prefix.
fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let valid = bytes.get(..offset).unwrap_or(bytes);
    let line_start = memchr::memrchr(b'\n', valid).map_or(0, |i| i.saturating_add(1));
    let line = memchr::memchr_iter(b'\n', valid).count().saturating_add(1);
    let column = std::str::from_utf8(valid.get(line_start..).unwrap_or_default())
        .map_or(1, |s| s.chars().count().saturating_add(1));
    (line, column)
}

/// Reads at most `limit` bytes, `capacity` reserved first (the expected size, or 0).
fn read_bounded(
    reader: impl Read,
    limit: Limit,
    name: &str,
    capacity: usize,
) -> Result<Vec<u8>, InputError> {
    let mut out = Vec::with_capacity(capacity);
    // One byte past the limit tells "exactly at the limit" from "over it".
    let mut bounded = reader.take(limit.bytes().saturating_add(1));
    bounded
        .read_to_end(&mut out)
        .map_err(|e| InputError::new(name, InputErrorKind::Io(e)))?;
    if u64::try_from(out.len()).unwrap_or(u64::MAX) > limit.bytes() {
        return Err(InputError::new(
            name,
            InputErrorKind::TooLarge { limit, size: None },
        ));
    }
    Ok(out)
}

/// A reader that fails once more than `limit` bytes came through it: for streaming parsers
/// of documents that must still be bounded.
pub struct BoundedReader<R> {
    inner: R,
    left: u64,
    limit: Limit,
}

impl<R: Read> BoundedReader<R> {
    /// Wraps `inner`, allowing at most `limit` bytes.
    pub fn new(inner: R, limit: Limit) -> BoundedReader<R> {
        BoundedReader {
            inner,
            left: limit.bytes(),
            limit,
        }
    }
}

impl<R: Read> Read for BoundedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // Anything more is over the limit; nothing more at all is the end.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("more than {} for {}", self.limit, self.limit.what()),
                )),
            };
        }
        let want = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let slot = buf.get_mut(..want).unwrap_or_default();
        let n = self.inner.read(slot)?;
        self.left = self
            .left
            .saturating_sub(u64::try_from(n).unwrap_or(u64::MAX));
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("iamwhy-input-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn a_regular_file_over_the_limit_is_refused_before_reading() {
        let path = temp("big.json", &[b' '; 2048]);
        let e = read_text(&Source::File(path), Limit::new(1024, "a test file")).unwrap_err();
        assert!(matches!(
            e.kind(),
            InputErrorKind::TooLarge {
                size: Some(2048),
                ..
            }
        ));
        assert!(e.to_string().contains("too large for a test file: 2 KiB"));
        assert!(e.help().unwrap().contains("1 KiB"));
    }

    #[test]
    fn a_stream_is_refused_once_past_the_limit() {
        let at = read_bounded(&[7u8; 100][..], Limit::new(100, "x"), "s", 0);
        assert_eq!(at.unwrap().len(), 100);
        let over = read_bounded(&[7u8; 101][..], Limit::new(100, "x"), "s", 0).unwrap_err();
        assert!(matches!(
            over.kind(),
            InputErrorKind::TooLarge { size: None, .. }
        ));
        // An endless stream stops at the limit (the regression of issue 18: /dev/zero).
        let endless = read_bounded(io::repeat(0), Limit::new(1 << 20, "x"), "zero", 0);
        assert!(endless.is_err());
    }

    #[test]
    fn invalid_utf8_is_located() {
        let path = temp("latin1.json", b"{\n  \"Sid\": \"caf\xe9\"\n}");
        let e = read_text(&Source::File(path), Limit::POLICY).unwrap_err();
        let InputErrorKind::NotUtf8 { line, column } = e.kind() else {
            panic!("{e}");
        };
        assert_eq!((*line, *column), (2, 14));
    }

    #[test]
    fn a_directory_is_not_a_document() {
        let e = read_text(&Source::File(std::env::temp_dir()), Limit::POLICY).unwrap_err();
        assert!(matches!(e.kind(), InputErrorKind::IsDirectory));
    }

    #[test]
    fn the_bounded_reader_fails_past_its_limit() {
        let mut ok = BoundedReader::new(&[1u8; 10][..], Limit::new(10, "x"));
        let mut out = Vec::new();
        assert_eq!(ok.read_to_end(&mut out).unwrap(), 10);
        let mut over = BoundedReader::new(&[1u8; 11][..], Limit::new(10, "x"));
        assert!(over.read_to_end(&mut Vec::new()).is_err());
    }
}
