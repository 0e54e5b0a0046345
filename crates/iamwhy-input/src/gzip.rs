//! Opening a stream for scanning: gzip recognised by its magic bytes, whatever the name, and
//! read to its last member.
//!
//! A gzip file may hold several members one after the other (RFC 1952 §2.2; `cat a.gz b.gz`,
//! `bgzip` and many log shippers write them); `gzip -d` and `zcat` read them all, and so must
//! we, on every path. Small files are inflated in one call with libdeflate, about twice as fast
//! as streaming; libdeflate stops at the end of the first member, so the one-call path is taken
//! only when the file is certainly one member (its last eight bytes are the first member's
//! trailer, and that trailer followed by a member header occurs nowhere before). Everything
//! else —
//! several members, large files, pipes, standard input, files libdeflate refuses — streams
//! through flate2's multi-member decoder, from the bytes already in memory where there are
//! some, so that a truncated file's complete records are still read.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

use crate::Source;

/// Gzip files whose content is at most this large are inflated in one call; larger ones
/// stream. CloudTrail's own files are a few megabytes, so memory stays bounded by workers ×
/// this limit.
pub const WHOLE_GZIP_LIMIT: u64 = 32 * 1024 * 1024;

/// Regular files up to this size are read into memory in one call (the one-call inflate
/// needs the whole member).
const WHOLE_FILE_LIMIT: u64 = WHOLE_GZIP_LIMIT;

/// The magic bytes and compression method (8, deflate) every gzip member starts with.
const MEMBER_START: [u8; 3] = [0x1f, 0x8b, 0x08];

/// An opened input: the first bytes, already decompressed, and the rest of the stream.
pub struct Opened {
    /// The first decompressed bytes (at least `want` of them unless the input is shorter,
    /// the whole content when it was read in one call).
    pub prefix: Vec<u8>,
    /// The rest of the decompressed stream. When the input could be read only in part (a
    /// truncated gzip file), it returns the error once the bytes before it are consumed.
    pub rest: Box<dyn Read + Send>,
    /// Compressed bytes that `prefix` was read from and that the progress counter does not
    /// hold yet: the caller adds them in step with the prefix it consumes. The bytes of
    /// `rest` are counted as `rest` consumes them.
    pub progress_pending: u64,
}

/// Buffers a worker keeps from file to file, so that reading many small files does not
/// allocate (and fault in) fresh memory for each.
#[derive(Default)]
pub struct Buffers {
    compressed: Vec<u8>,
    plain: Vec<u8>,
    inflater: Option<libdeflater::Decompressor>,
}

impl Buffers {
    /// Takes back a buffer handed out in an [`Opened`].
    pub fn give_back(&mut self, mut buffer: Vec<u8>) {
        buffer.clear();
        if self.compressed.capacity() == 0 {
            self.compressed = buffer;
        } else if self.plain.capacity() < buffer.capacity() {
            self.plain = buffer;
        }
    }

    /// Inflates the gzip file in `compressed` in one call when it is certainly one member of
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
            Ok(n) if n == out.len() && single_member(data, &out) => Some(out),
            _ => {
                self.plain = out;
                None
            }
        }
    }
}

/// Whether `data`, whose first member inflated to `first`, holds no other member.
///
/// libdeflate reports success after the first member and says nothing of the bytes after it.
/// Every member ends with its trailer — CRC-32 and size of its content, little-endian — and a
/// following member starts with `1f 8b 08`. So the file is one member exactly when it ends
/// with the first member's trailer and that trailer followed by a member start occurs
/// nowhere before. A match in the compressed bytes by chance only sends the file down the
/// streaming path, which is always right.
fn single_member(data: &[u8], first: &[u8]) -> bool {
    let mut boundary = [0u8; 11];
    let crc = libdeflater::crc32(first).to_le_bytes();
    let size = u32::try_from(first.len()).unwrap_or(u32::MAX).to_le_bytes();
    for (slot, byte) in boundary
        .iter_mut()
        .zip(crc.iter().chain(&size).chain(&MEMBER_START))
    {
        *slot = *byte;
    }
    let (trailer, _) = boundary.split_at(8);
    data.ends_with(trailer) && memchr::memmem::find(data, &boundary).is_none()
}

/// Counts the compressed bytes as they are consumed, for a progress bar.
struct Counting<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter
            .fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
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

/// Opens an input, decompressing gzip (recognised by its magic bytes, whatever the name), and
/// reads at least `want` decompressed bytes into [`Opened::prefix`] (fewer only when the
/// input is shorter). `size` is the file's size when it is a regular file: only then is it
/// read in one call. `buffers` lends the memory; give it back when done. `counter` counts the
/// compressed bytes consumed (see [`Opened::progress_pending`]).
pub fn open(
    source: &Source,
    size: Option<u64>,
    want: usize,
    counter: &Arc<AtomicU64>,
    buffers: &mut Buffers,
) -> io::Result<Opened> {
    let raw: Box<dyn Read + Send> = match (source, size) {
        (Source::File(path), Some(size)) if size <= WHOLE_FILE_LIMIT => {
            buffers.compressed.clear();
            // The size was read before: a file that grew since is still read only so far.
            File::open(path)?
                .take(WHOLE_FILE_LIMIT)
                .read_to_end(&mut buffers.compressed)?;
            let read = u64::try_from(buffers.compressed.len()).unwrap_or(u64::MAX);
            if !buffers.compressed.starts_with(&[0x1f, 0x8b]) {
                if read < WHOLE_FILE_LIMIT {
                    let data = std::mem::take(&mut buffers.compressed);
                    return Ok(Opened {
                        prefix: data,
                        rest: Box::new(io::empty()),
                        progress_pending: read,
                    });
                }
                return stream(Box::new(File::open(path)?), want, counter);
            }
            if let Some(plain) = buffers.inflate_whole() {
                return Ok(Opened {
                    prefix: plain,
                    rest: Box::new(io::empty()),
                    progress_pending: read,
                });
            }
            if read < WHOLE_FILE_LIMIT {
                // Several members, or refused by libdeflate: stream it from memory rather
                // than lose it all.
                Box::new(io::Cursor::new(std::mem::take(&mut buffers.compressed)))
            } else {
                Box::new(File::open(path)?)
            }
        }
        (Source::File(p), _) => Box::new(File::open(p)?),
        (Source::Stdin, _) => Box::new(io::stdin()),
    };
    stream(raw, want, counter)
}

/// Opens a stream: gzip or not by its magic bytes, then the first `want` bytes read. An error
/// after some bytes (a truncated gzip stream) keeps them, and `rest` returns the error.
pub fn stream(
    raw: Box<dyn Read + Send>,
    want: usize,
    counter: &Arc<AtomicU64>,
) -> io::Result<Opened> {
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
    let mut prefix = Vec::with_capacity(want);
    if let Err(e) = fill(&mut rest, &mut prefix, want) {
        if prefix.is_empty() {
            return Err(e);
        }
        rest = Box::new(Failed(Some(e)));
    }
    Ok(Opened {
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
        let room = want.saturating_sub(buf.len()).min(chunk.len());
        let slot = chunk.get_mut(..room).unwrap_or_default();
        let n = match r.read(slot) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn gz(text: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text).unwrap();
        e.finish().unwrap()
    }

    fn read_all(source: &Source, size: Option<u64>) -> Vec<u8> {
        let counter = Arc::new(AtomicU64::new(0));
        let mut buffers = Buffers::default();
        let mut opened = open(source, size, 4096, &counter, &mut buffers).unwrap();
        let mut all = std::mem::take(&mut opened.prefix);
        opened.rest.read_to_end(&mut all).unwrap();
        all
    }

    fn temp(name: &str, bytes: &[u8]) -> (Source, Option<u64>) {
        let dir = std::env::temp_dir().join(format!("iamwhy-gzip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        (Source::File(path), Some(bytes.len() as u64))
    }

    #[test]
    fn every_member_is_read_when_the_sizes_are_equal() {
        // Issue 18: two members whose contents have the same size made the trailer promise
        // exactly what the first member held, and the second was lost.
        let member = b"{\"eventID\":\"1\"}\n";
        let mut two = gz(member);
        two.extend(gz(b"{\"eventID\":\"2\"}\n"));
        let (source, size) = temp("two.json.gz", &two);
        assert_eq!(
            read_all(&source, size),
            b"{\"eventID\":\"1\"}\n{\"eventID\":\"2\"}\n"
        );
        // Fifty identical members: identical trailers too.
        let fifty: Vec<u8> = (0..50).flat_map(|_| gz(member)).collect();
        let (source, size) = temp("fifty.json.gz", &fifty);
        assert_eq!(read_all(&source, size), member.repeat(50));
        // The streaming path (a file whose size is not known) reads them all too.
        assert_eq!(read_all(&source, None), member.repeat(50));
    }

    #[test]
    fn one_member_takes_the_one_call_path() {
        let text = b"{\"Records\":[]}".repeat(100);
        let packed = gz(&text);
        let mut plain = vec![0u8; text.len()];
        let n = libdeflater::Decompressor::new()
            .gzip_decompress(&packed, &mut plain)
            .unwrap();
        assert_eq!(n, text.len());
        assert!(single_member(&packed, &plain));
        let mut two = packed.clone();
        two.extend(&packed);
        assert!(!single_member(&two, &plain));
        let (source, size) = temp("one.json.gz", &packed);
        assert_eq!(read_all(&source, size), text);
    }

    #[test]
    fn a_gzip_stream_cut_short_keeps_what_came_before_the_cut() {
        let text: String = (0..40)
            .map(|i| {
                format!(
                    "{{\"eventTime\":\"2026-11-20T10:00:{i:02}Z\",\"n\":{}}}\n",
                    i * 7919
                )
            })
            .collect();
        let packed = gz(text.as_bytes());
        let cut = packed[..packed.len() / 2].to_vec();
        let counter = Arc::new(AtomicU64::new(0));
        let Ok(mut opened) = stream(Box::new(io::Cursor::new(cut.clone())), 4096, &counter) else {
            panic!("the bytes before the cut are lost");
        };
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
        assert!(
            stream(
                Box::new(io::Cursor::new(packed[..5].to_vec())),
                4096,
                &counter
            )
            .is_err()
        );
    }
}
