//! Source files, spans and line/column resolution.
//!
//! Every parsed element keeps a [`Span`]: the id of the text it came from and a byte range in
//! that text. Line and column numbers are only computed when something is shown to a user.
//!
//! A policy may arrive inside another document: as a JSON string inside JSON (what
//! `aws s3api get-bucket-policy` prints) or URL-encoded (what the IAM API returns). The decoded
//! text is registered as an *embedded* source that remembers, for each of its bytes, the byte
//! of the enclosing text it came from. [`SourceMap::location`] follows that chain back to the
//! file on disk, so an error inside an embedded policy still names the line and column a user
//! can find in the file they opened.

use std::sync::Arc;

/// Identifies one text registered in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(u32);

impl SourceId {
    /// A source id for texts that were never registered (tests, generated policies).
    pub const DETACHED: SourceId = SourceId(u32::MAX);
}

/// A byte range in one source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// The text the range belongs to.
    pub source: SourceId,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The same range moved `delta` bytes later in its source (saturating at `u32::MAX`):
    /// where the same text written again further on has this piece.
    pub fn shifted(self, delta: u32) -> Span {
        Span {
            start: self.start.saturating_add(delta),
            end: self.end.saturating_add(delta),
            ..self
        }
    }

    /// A span covering `start..end` of `source`; offsets beyond `u32::MAX` are clamped.
    pub fn new(source: SourceId, start: usize, end: usize) -> Span {
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Span {
            source,
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// A zero-width span at the start of `source`.
    pub fn empty(source: SourceId) -> Span {
        Span {
            source,
            start: 0,
            end: 0,
        }
    }

    /// Byte length of the span.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    /// Whether the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// A resolved position, ready to be shown to a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Name of the file on disk (or `<stdin>`, `<arg>`, ...).
    pub file: String,
    /// 1-based line in that file.
    pub line: u32,
    /// 1-based column in that file, counted in characters.
    pub column: u32,
    /// The span translated into the root file.
    pub root: Span,
}

#[derive(Debug)]
enum Origin {
    Root,
    /// `offsets[i]` is the byte in `parent` that produced byte `i` of this text; one extra
    /// entry maps the end of the text.
    Embedded {
        parent: SourceId,
        offsets: Vec<u32>,
    },
    /// The bytes `start..end` of `parent`, whose text (the parent's, shared) is not copied:
    /// offset `i` here is offset `start + i` there.
    Part {
        parent: SourceId,
        start: u32,
        end: u32,
    },
}

/// The text of a source, shared without copying: a file read into a `String` is kept as
/// read (a file of hundreds of MB is not copied into another allocation).
#[derive(Clone, Debug)]
pub struct SharedText(Shared);

#[derive(Clone, Debug)]
enum Shared {
    Str(Arc<str>),
    String(Arc<String>),
}

impl std::ops::Deref for SharedText {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            Shared::Str(s) => s,
            Shared::String(s) => s.as_str(),
        }
    }
}

impl AsRef<str> for SharedText {
    fn as_ref(&self) -> &str {
        self
    }
}

impl From<String> for SharedText {
    fn from(s: String) -> Self {
        SharedText(Shared::String(Arc::new(s)))
    }
}

impl From<&str> for SharedText {
    fn from(s: &str) -> Self {
        SharedText(Shared::Str(Arc::from(s)))
    }
}

impl From<Arc<str>> for SharedText {
    fn from(s: Arc<str>) -> Self {
        SharedText(Shared::Str(s))
    }
}

impl From<Box<str>> for SharedText {
    fn from(s: Box<str>) -> Self {
        SharedText(Shared::Str(Arc::from(s)))
    }
}

impl From<&String> for SharedText {
    fn from(s: &String) -> Self {
        SharedText::from(s.as_str())
    }
}

#[derive(Debug)]
struct SourceFile {
    name: String,
    text: SharedText,
    /// Where lines start and how many characters precede each checkpoint, computed as far
    /// into the text as a position asked for needs: registering a large file (a snapshot of
    /// many accounts holds gigabytes) costs no scan of it, and the first locations of a
    /// file's warnings (near its start, as a rule) no scan of the rest.
    index: std::sync::Mutex<Index>,
    origin: Origin,
}

/// The part of a file's line and character index computed so far.
#[derive(Debug, Default)]
struct Index {
    /// The byte offset of each line's start, for the first `lines_scanned` bytes.
    line_starts: Vec<u32>,
    lines_scanned: usize,
    /// Entry `i` counts the characters of the first `i * CHAR_CHECKPOINT` bytes (the last
    /// one, of the whole text, once the index reaches its end).
    checkpoints: Vec<u32>,
}

/// How far past the position asked for the index is extended at once (so that many
/// look-ups over a file scan it in few steps).
const INDEX_STEP: usize = 1 << 20;

impl Index {
    /// Makes `line_starts` hold every line start at or before `offset`, or every one.
    fn lines_to(&mut self, text: &str, offset: usize) {
        if self.line_starts.is_empty() {
            self.line_starts.push(0);
        }
        if self.lines_scanned > offset || self.lines_scanned >= text.len() {
            return;
        }
        let end = offset
            .saturating_add(1)
            .max(self.lines_scanned.saturating_add(INDEX_STEP))
            .min(text.len());
        let from = self.lines_scanned;
        if let Some(bytes) = text.as_bytes().get(from..end) {
            push_line_starts(bytes, from, &mut self.line_starts);
        }
        self.lines_scanned = end;
    }

    /// Makes `line_starts` hold line `idx` (0-based) and the next one's start, or every one.
    fn lines_through(&mut self, text: &str, idx: usize) {
        self.lines_to(text, 0);
        while self.line_starts.len() <= idx.saturating_add(1) && self.lines_scanned < text.len() {
            let next = self.lines_scanned.saturating_add(INDEX_STEP);
            self.lines_to(text, next);
        }
    }

    /// Makes `checkpoints` hold entries `0..=block + 1` (as far as the text goes).
    fn checkpoints_to(&mut self, text: &str, block: usize) {
        let bytes = text.as_bytes();
        let blocks = bytes.len().div_ceil(CHAR_CHECKPOINT);
        let want = block.saturating_add(2).min(blocks.saturating_add(1));
        if self.checkpoints.is_empty() {
            self.checkpoints.push(0);
        }
        while self.checkpoints.len() < want {
            let done = self.checkpoints.len().saturating_sub(1);
            let start = done.saturating_mul(CHAR_CHECKPOINT);
            let chunk = bytes
                .get(start..start.saturating_add(CHAR_CHECKPOINT).min(bytes.len()))
                .unwrap_or(&[]);
            // ASCII (checked a word at a time) has one character per byte.
            let chars = if chunk.is_ascii() {
                chunk.len()
            } else {
                char_starts(chunk)
            };
            let before = self.checkpoints.last().copied().unwrap_or(0) as usize;
            self.checkpoints
                .push(u32::try_from(before.saturating_add(chars)).unwrap_or(u32::MAX));
        }
    }
}

/// Appends the offset after each `\n` of `bytes` (which starts at offset `base` of its text)
/// to `out`. Eight bytes at a time: a pretty-printed file has a line break every few dozen
/// bytes, too dense for a search that restarts at each match.
fn push_line_starts(bytes: &[u8], base: usize, out: &mut Vec<u32>) {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const NEWLINES: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    let start =
        |i: usize| u32::try_from(base.saturating_add(i).saturating_add(1)).unwrap_or(u32::MAX);
    let (words, rest) = bytes.as_chunks::<8>();
    let mut at = 0usize;
    for word in words {
        let v = u64::from_le_bytes(*word) ^ NEWLINES;
        // The high bit of each byte that is zero (a line break), exactly: no carry crosses
        // bytes, as (b & 0x7f) + 0x7f fits in one.
        let mut zero = !((v & LOW7).wrapping_add(LOW7) | v | LOW7);
        while zero != 0 {
            let byte = (zero.trailing_zeros() / 8) as usize;
            out.push(start(at.saturating_add(byte)));
            zero &= zero.wrapping_sub(1);
        }
        at = at.saturating_add(8);
    }
    for (i, b) in rest.iter().enumerate() {
        if *b == b'\n' {
            out.push(start(at.saturating_add(i)));
        }
    }
}

impl SourceFile {
    /// Runs `f` on the index, extended by `extend` first (a part has none: its positions
    /// are its parent's).
    fn with_index<T>(
        &self,
        extend: impl FnOnce(&mut Index, &str),
        f: impl FnOnce(&Index) -> T,
    ) -> T {
        let mut guard = match self.index.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if !matches!(self.origin, Origin::Part { .. }) {
            extend(&mut guard, &self.text);
        }
        f(&guard)
    }

    /// The text of this source: the shared text, or its part.
    fn own_text(&self) -> &str {
        match self.origin {
            Origin::Part { start, end, .. } => {
                self.text.get(start as usize..end as usize).unwrap_or("")
            }
            _ => &self.text,
        }
    }

    fn new(name: String, text: SharedText, origin: Origin) -> SourceFile {
        SourceFile {
            name,
            index: std::sync::Mutex::default(),
            text,
            origin,
        }
    }

    /// The number of characters in the text before a byte offset (clamped to the text), in
    /// time bounded by [`CHAR_CHECKPOINT`] whatever the offset.
    fn chars_before(&self, offset: usize) -> usize {
        self.chars_before_counted(offset).0
    }

    /// [`SourceFile::chars_before`], with the number of bytes it had to scan (at most
    /// [`CHAR_CHECKPOINT`]): what makes a lookup's cost independent of the line's length.
    fn chars_before_counted(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let block = offset / CHAR_CHECKPOINT;
        let (before_block, after_block) = self.with_index(
            |index, text| index.checkpoints_to(text, block),
            |index| {
                (
                    index.checkpoints.get(block).copied().unwrap_or(0) as usize,
                    index.checkpoints.get(block.saturating_add(1)).copied(),
                )
            },
        );
        let block_start = block.saturating_mul(CHAR_CHECKPOINT);
        // A block of ASCII (as many characters as bytes, the common case) needs no count.
        let block_end = block_start
            .saturating_add(CHAR_CHECKPOINT)
            .min(self.text.len());
        if after_block.map(|a| (a as usize).saturating_sub(before_block))
            == Some(block_end.saturating_sub(block_start))
        {
            return (
                before_block.saturating_add(offset.saturating_sub(block_start)),
                0,
            );
        }
        let scanned = self.text.as_bytes().get(block_start..offset).unwrap_or(&[]);
        (
            before_block.saturating_add(char_starts(scanned)),
            scanned.len(),
        )
    }
}

/// All texts a run has read, so that spans can be turned into file, line and column.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Registers the text of a file (or of stdin, or of a command-line argument).
    pub fn add_file(&mut self, name: impl Into<String>, text: impl Into<SharedText>) -> SourceId {
        self.push(SourceFile::new(name.into(), text.into(), Origin::Root))
    }

    /// Registers a text decoded from a part of `parent`. `offsets` maps each byte of `text`
    /// (and its end) to a byte of `parent`; it must hold `text.len() + 1` entries, otherwise
    /// positions inside the text are mapped to the start of the parent range.
    pub fn add_embedded(&mut self, parent: SourceId, text: String, offsets: Vec<u32>) -> SourceId {
        let name = self.name(parent).to_owned();
        let origin = Origin::Embedded { parent, offsets };
        self.push(SourceFile::new(name, text.into(), origin))
    }

    /// Registers the bytes `start..end` of `parent` as a source of their own (a policy
    /// document inside a larger file), positions mapping back to `parent`. `None` when the
    /// range is not inside the parent's text.
    pub fn add_slice(&mut self, parent: SourceId, start: usize, end: usize) -> Option<SourceId> {
        let text = self.text(parent).get(start..end)?.to_owned();
        let offsets = (start..=end)
            .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
            .collect();
        Some(self.add_embedded(parent, text, offsets))
    }

    /// Registers the bytes `start..end` of `parent` as a source of their own that shares the
    /// parent's text (nothing is copied or indexed): one element of a large file, parsed
    /// and dropped on its own, its positions those of the parent. `None` when the range is
    /// not inside the parent's text.
    pub fn add_part(&mut self, parent: SourceId, start: usize, end: usize) -> Option<SourceId> {
        let file = self.file(parent)?;
        self.text(parent).get(start..end)?;
        let (base, text) = match &file.origin {
            Origin::Part { parent, start, .. } => (*start, self.file(*parent)?.text.clone()),
            _ => (0, file.text.clone()),
        };
        let root = match file.origin {
            Origin::Part { parent, .. } => parent,
            _ => parent,
        };
        let at = |v: usize| u32::try_from(v).ok()?.checked_add(base);
        let origin = Origin::Part {
            parent: root,
            start: at(start)?,
            end: at(end)?,
        };
        let name = file.name.clone();
        Some(self.push(SourceFile {
            name,
            text,
            index: std::sync::Mutex::default(),
            origin,
        }))
    }

    fn push(&mut self, file: SourceFile) -> SourceId {
        let id = SourceId(u32::try_from(self.files.len()).unwrap_or(u32::MAX - 1));
        self.files.push(file);
        id
    }

    fn file(&self, id: SourceId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The text of a source (empty for unknown ids).
    pub fn text(&self, id: SourceId) -> &str {
        self.file(id).map_or("", SourceFile::own_text)
    }

    /// The shared text of a source (a copy for a part of another source).
    pub fn text_arc(&self, id: SourceId) -> Option<SharedText> {
        self.file(id).map(|f| match f.origin {
            Origin::Part { .. } => SharedText::from(f.own_text()),
            _ => f.text.clone(),
        })
    }

    /// The file name a source belongs to (the root file for embedded texts).
    pub fn name(&self, id: SourceId) -> &str {
        self.file(id).map_or("<unknown>", |f| f.name.as_str())
    }

    /// The text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        self.text(span.source)
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    /// Translates a span into the file it was ultimately read from.
    pub fn to_root(&self, span: Span) -> Span {
        let mut span = span;
        // Embedded sources always point to earlier ids, so this terminates; the bound is a
        // guard against a corrupt map.
        for _ in 0..self.files.len() {
            let Some(file) = self.file(span.source) else {
                return span;
            };
            match &file.origin {
                Origin::Root => return span,
                Origin::Embedded { parent, offsets } => {
                    let map = |o: u32| {
                        offsets
                            .get(o as usize)
                            .or_else(|| offsets.last())
                            .copied()
                            .unwrap_or(0)
                    };
                    let start = map(span.start);
                    let end = map(span.end).max(start);
                    span = Span {
                        source: *parent,
                        start,
                        end,
                    };
                }
                Origin::Part { parent, start, .. } => {
                    span = Span {
                        source: *parent,
                        start: span.start.saturating_add(*start),
                        end: span.end.saturating_add(*start),
                    };
                }
            }
        }
        span
    }

    /// File, line and column of the start of a span.
    pub fn location(&self, span: Span) -> Location {
        let root = self.to_root(span);
        let (line, column) = self.line_column(root.source, root.start);
        Location {
            file: self.name(root.source).to_owned(),
            line,
            column,
            root,
        }
    }

    /// The source whose lines a source's lines are: its file for a part, else itself.
    fn lines_of(&self, id: SourceId) -> SourceId {
        match self.file(id).map(|f| &f.origin) {
            Some(Origin::Part { parent, .. }) => *parent,
            _ => id,
        }
    }

    /// 1-based line and column (in characters) of a byte offset of a source.
    pub fn line_column(&self, id: SourceId, offset: u32) -> (u32, u32) {
        let Some(file) = self.file(id) else {
            return (1, 1);
        };
        // A part's lines are its file's (its parent is never itself a part).
        if let Origin::Part { parent, start, .. } = file.origin {
            return self.line_column(parent, offset.saturating_add(start));
        }
        let (line_idx, line_start) = file.with_index(
            |index, text| index.lines_to(text, offset as usize),
            |index| {
                let i = match index.line_starts.binary_search(&offset) {
                    Ok(i) => i,
                    Err(i) => i.saturating_sub(1),
                };
                (i, index.line_starts.get(i).copied().unwrap_or(0))
            },
        );
        // Counted through checkpoints, not from the line start: a minified file is one long
        // line, and a document with many errors asks for many columns on it (issue 18).
        let column = file
            .chars_before(offset as usize)
            .saturating_sub(file.chars_before(line_start as usize))
            .saturating_add(1);
        (
            u32::try_from(line_idx.saturating_add(1)).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }

    /// The byte offset at which one line (1-based) of a source starts.
    pub fn line_start(&self, id: SourceId, line: u32) -> usize {
        let id = self.lines_of(id);
        let idx = (line as usize).saturating_sub(1);
        self.file(id).map_or(0, |f| {
            f.with_index(
                |index, text| index.lines_through(text, idx),
                |index| index.line_starts.get(idx).map_or(0, |s| *s as usize),
            )
        })
    }

    /// The text of one line (1-based) of a source, without its line break.
    pub fn line_text(&self, id: SourceId, line: u32) -> &str {
        let id = self.lines_of(id);
        let Some(file) = self.file(id) else {
            return "";
        };
        let idx = (line as usize).saturating_sub(1);
        let (start, end) = file.with_index(
            |index, text| index.lines_through(text, idx),
            |index| {
                (
                    index.line_starts.get(idx).copied().unwrap_or(0) as usize,
                    index
                        .line_starts
                        .get(idx.saturating_add(1))
                        .map_or(file.text.len(), |e| *e as usize),
                )
            },
        );
        file.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }
}

/// The distance in bytes between two character checkpoints of a file's index.
const CHAR_CHECKPOINT: usize = 4096;

/// The number of characters that start in these bytes (the bytes that are not UTF-8
/// continuation bytes).
fn char_starts(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index, computed as far as each look-up needs, in any order of look-ups, gives
    /// what counting from the start gives, across its steps and with characters of several
    /// bytes.
    #[test]
    fn line_starts_eight_bytes_at_a_time_agree_with_a_byte_scan() {
        // Bytes around the line break's value (and 0x00, 0x80, 0x8a) in every position of
        // a word, and every length of tail.
        let alphabet = [b'\n', 0x0b, 0x09, 0x00, 0x80, 0x8a, 0xff, b'a', 0x0a ^ 0x80];
        let mut n = 7u32;
        for len in 0..300usize {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    alphabet[(n >> 16) as usize % alphabet.len()]
                })
                .collect();
            let mut fast = Vec::new();
            push_line_starts(&bytes, 1000, &mut fast);
            let slow: Vec<u32> = bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| (1000 + i + 1) as u32)
                .collect();
            assert_eq!(fast, slow, "{bytes:?}");
        }
    }

    #[test]
    fn lazy_index_agrees_with_counting() {
        let mut text = String::new();
        let mut n = 0u32;
        while text.len() < 3 * INDEX_STEP + 77 {
            n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let word = ["é", "{\"a\": 1}", "ab", "\n", "\r\n", "🦀"][(n >> 16) as usize % 6];
            text.push_str(word);
        }
        let mut map = SourceMap::new();
        let id = map.add_file("big.json", text.as_str());
        let len = text.len() as u32;
        let mut offsets: Vec<u32> = (0..40u32)
            .map(|k| k.wrapping_mul(2_654_435_761) % len)
            .collect();
        offsets.push(len);
        offsets.push(0);
        // Either side of the index's steps.
        for k in [1u32, 2, 3] {
            let at = k * INDEX_STEP as u32;
            offsets.extend([at - 1, at, at + 1].map(|o| o.min(len)));
        }
        for &off in &offsets {
            let off = (0..=off)
                .rev()
                .find(|o| text.is_char_boundary(*o as usize))
                .unwrap();
            let before = &text[..off as usize];
            let line = before.matches('\n').count() as u32 + 1;
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = before[start..].chars().count() as u32 + 1;
            assert_eq!(map.line_column(id, off), (line, column), "offset {off}");
            assert_eq!(map.line_start(id, line), start);
            assert_eq!(
                map.line_text(id, line),
                text[start..]
                    .split('\n')
                    .next()
                    .unwrap()
                    .trim_end_matches('\r')
            );
        }
    }

    #[test]
    fn line_and_column_count_characters() {
        let mut map = SourceMap::new();
        let id = map.add_file("a.json", "{\n  \"é\": 1,\n  \"x\": 2\n}");
        let off = map.text(id).find("\"x\"").unwrap();
        let loc = map.location(Span::new(id, off, off + 3));
        assert_eq!((loc.line, loc.column), (3, 3));
        assert_eq!(map.line_text(id, 2), "  \"é\": 1,");
        let off = map.text(id).find('1').unwrap();
        assert_eq!(map.line_column(id, off as u32), (2, 8));
    }

    /// Issue 18: columns on a long line come from checkpoints; they must count characters
    /// exactly as before, on both sides of every checkpoint.
    #[test]
    fn issue_18_columns_on_a_long_line_count_characters() {
        let mut text = String::from("{\n");
        for i in 0..3 * CHAR_CHECKPOINT {
            text.push(match i % 7 {
                0 => 'é',
                3 => '𝄞',
                _ => 'a',
            });
        }
        text.push_str("\nx");
        let mut map = SourceMap::new();
        let id = map.add_file("long.json", text.as_str());
        let mut expected = 1;
        for (offset, c) in text.char_indices().chain([(text.len(), ' ')]) {
            let (_, column) = map.line_column(id, u32::try_from(offset).unwrap());
            assert_eq!(column, expected, "at byte {offset}");
            expected = if c == '\n' { 1 } else { expected + 1 };
        }
        let x = text.rfind('x').unwrap();
        assert_eq!(map.line_column(id, u32::try_from(x).unwrap()), (3, 1));
    }

    /// Issue 22: on a minified file (one line of 10 MB), a location costs the same whatever
    /// its offset: each lookup scans at most one checkpoint block, never the line up to it.
    /// Counted in bytes scanned, not timed.
    #[test]
    fn issue_22_location_lookup_scans_a_bounded_number_of_bytes() {
        let unit = "{\"Sid\":\"é\",\"Action\":\"s3:Get*\"},";
        let text: String = unit.repeat(10_000_000 / unit.len());
        assert!(!text.contains('\n') && text.len() > 9_900_000);
        let mut map = SourceMap::new();
        let id = map.add_file("one-line.json", text.as_str());
        let file = map.file(id).unwrap();
        let offsets: Vec<usize> = (0..2_000).map(|i| i * (text.len() / 2_000)).collect();
        let mut total = 0;
        for &offset in &offsets {
            let (chars, scanned) = file.chars_before_counted(offset);
            assert!(
                scanned <= CHAR_CHECKPOINT,
                "{scanned} bytes scanned at {offset}"
            );
            total += scanned;
            // Spot-check the count itself where it is cheap to count directly.
            if offset < 100_000 {
                assert_eq!(chars, text[..offset].chars().count());
            }
            let (line, column) = map.line_column(id, u32::try_from(offset).unwrap());
            assert_eq!(line, 1);
            assert_eq!(column as usize, chars + 1);
        }
        // Linear overall: bounded by a block per lookup, not by the text scanned so far
        // (a scan from the line start would be about 10 GB here).
        assert!(total <= offsets.len() * CHAR_CHECKPOINT, "{total}");
    }

    #[test]
    fn parts_share_their_file_and_locate_in_it() {
        let mut map = SourceMap::new();
        let root = map.add_file("big.json", "[\n {\"a\": 1},\n {\"b\": 2}\n]");
        let start = map.text(root).find("{\"b").unwrap();
        let part = map.add_part(root, start, start + 8).unwrap();
        assert_eq!(map.text(part), "{\"b\": 2}");
        assert_eq!(map.name(part), "big.json");
        let loc = map.location(Span::new(part, 1, 4));
        assert_eq!((loc.line, loc.column), (3, 3));
        assert_eq!(map.snippet(loc.root), "\"b\"");
        assert_eq!(map.line_column(part, 1), (3, 3));
        // A part of a part is a part of the file.
        let inner = map.add_part(part, 1, 4).unwrap();
        assert_eq!(map.to_root(Span::new(inner, 0, 3)), loc.root);
        assert!(map.add_part(root, 5, 500).is_none());
    }

    #[test]
    fn embedded_spans_map_to_the_root_file() {
        let mut map = SourceMap::new();
        let root = map.add_file("outer.json", "{\"P\": \"a\\\"b\"}");
        // decoded text `a"b` comes from bytes 7, 8 (the escape `\"`) and 10 of the root
        let emb = map.add_embedded(root, "a\"b".into(), vec![7, 8, 10, 11]);
        let loc = map.location(Span::new(emb, 2, 3));
        assert_eq!(loc.file, "outer.json");
        assert_eq!((loc.line, loc.column), (1, 11));
        assert_eq!(map.to_root(Span::new(emb, 0, 3)), Span::new(root, 7, 11));
    }
}
