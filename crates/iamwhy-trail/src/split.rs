//! A streaming splitter that finds CloudTrail records in any JSON shape without parsing them.
//!
//! It tracks only what it must — strings, escapes, nesting and the keys of a top-level
//! object — so that records can be found at memory speed and only the few that matter get a
//! full parse. One splitter handles every JSON shape CloudTrail users have:
//!
//! * `{"Records": [ {…}, … ]}` (S3 delivery, the console's JSON download) and
//!   `{"Events": [ {…}, … ], "NextToken": …}` (`lookup-events`): the objects of the array
//!   under `Records` or `Events` are records, whatever the key order;
//! * `[ {…}, … ]`: each object of the top-level array is a record;
//! * `{…} {…}` (JSON Lines, concatenated or pretty-printed records, a single record): each
//!   top-level object that is not a wrapper is a record.
//!
//! Memory is bounded: the buffer holds the record being read and one chunk of input, and a
//! record larger than the limit is reported and skipped.

use std::io::{ErrorKind, Read};

use wide::u8x16;

/// Which wrapper key an array of records came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrapper {
    /// `Records`: full CloudTrail records.
    Records,
    /// `Events`: `lookup-events` entries whose record is the string `CloudTrailEvent`.
    Events,
    /// No wrapper: a top-level array or top-level objects.
    None,
}

/// What the splitter found.
#[derive(Debug)]
pub enum Item<'a> {
    /// One record: its bytes, its byte offset in the (decompressed) input, and its wrapper.
    Record {
        /// The record's JSON text.
        bytes: &'a [u8],
        /// Byte offset of the record's `{` in the decompressed stream.
        offset: u64,
        /// Where the record sat.
        wrapper: Wrapper,
        /// Line (1-based) of the record's `{`.
        line: u64,
        /// Column (1-based, in bytes) of the record's `{`.
        column: u64,
    },
    /// Input that is not a well-formed record; the splitter resynchronises and goes on.
    Malformed {
        /// Byte offset of the problem in the decompressed stream.
        offset: u64,
        /// Line (1-based) of the problem.
        line: u64,
        /// Column (1-based, in bytes) of the problem.
        column: u64,
        /// What was wrong.
        message: String,
    },
}

/// The default chunk size: large enough to amortise reads, small enough to stay in cache.
pub const CHUNK: usize = 256 * 1024;

/// The default record size limit. CloudTrail truncates large `requestParameters`, so real
/// records stay far below it.
pub const MAX_RECORD: usize = 64 * 1024 * 1024;

/// The block size of the fast path: one bit per byte in a `u64` mask.
const BLOCK: usize = 64;
const _: () = assert!(BLOCK == u64::BITS as usize);

/// A record that ended: kept (its start in the buffer) or oversized (its stream offset).
enum Ended {
    Record(usize),
    Oversized(u64),
}

/// How the fast path stopped.
enum Fast {
    /// Less than a block is left: the byte-wise path goes on.
    Tail,
    /// This bracket closed at this depth, below the fast path's floor.
    Closed(u8, usize),
    /// A closing bracket that does not match, at this buffer position.
    Mismatch(usize),
    /// JSON Lines: the line ended (at `pos`) before the record did.
    BrokenLine,
}

/// One bit per byte of a block for each class of byte the fast path needs.
struct Masks {
    quote: u64,
    backslash: u64,
    open: u64,
    close: u64,
    newline: u64,
}

impl Masks {
    /// Sixteen bytes at a time with SIMD comparisons and a move-mask (the `wide` crate
    /// picks SSE2 on x86-64, NEON on ARM, and plain code elsewhere).
    fn of(block: &[u8; BLOCK]) -> Masks {
        let quote = u8x16::splat(b'"');
        let backslash = u8x16::splat(b'\\');
        let open = u8x16::splat(b'{');
        let close = u8x16::splat(b'}');
        let newline = u8x16::splat(b'\n');
        // `{` is 0x7B and `[` 0x5B; `}` 0x7D and `]` 0x5D: setting bit 0x20 folds them.
        let fold = u8x16::splat(0x20);
        let mut m = Masks {
            quote: 0,
            backslash: 0,
            open: 0,
            close: 0,
            newline: 0,
        };
        // Last lane first: each lane's bits are shifted up by the lanes that follow it.
        for chunk in block.chunks_exact(16).rev() {
            let mut lane = [0u8; 16];
            lane.copy_from_slice(chunk);
            let v = u8x16::from(lane);
            let folded = v | fold;
            let bits = |x: u8x16| u64::from(x.move_mask() as u16);
            m.quote = (m.quote << 16) | bits(v.cmp_eq(quote));
            m.backslash = (m.backslash << 16) | bits(v.cmp_eq(backslash));
            m.open = (m.open << 16) | bits(folded.cmp_eq(open));
            m.close = (m.close << 16) | bits(folded.cmp_eq(close));
            m.newline = (m.newline << 16) | bits(v.cmp_eq(newline));
        }
        m
    }
}

/// Bit i of the result is the XOR of bits 0..=i: set inside strings (from the opening quote
/// up to, not including, the closing one).
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// Bytes that end a run of ordinary bytes outside strings.
#[expect(
    clippy::indexing_slicing,
    reason = "INVARIANT: evaluated at compile time; an index out of range fails the build, never a run"
)]
const STRUCTURAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'{' as usize] = true;
    t[b'}' as usize] = true;
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t[b',' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Splits a byte stream into records. Not an `Iterator`: each item borrows the buffer.
pub struct Splitter<R> {
    reader: R,
    buf: Vec<u8>,
    /// Offset of `buf[0]` in the stream.
    base: u64,
    pos: usize,
    end: usize,
    eof: bool,
    max_record: usize,
    /// Open brackets, innermost last.
    stack: Vec<u8>,
    in_string: bool,
    /// The next byte is escaped (a backslash ended the bytes seen so far).
    escaped_next: bool,
    /// The top-level value is an object (rather than an array).
    top_object: bool,
    /// The next string at depth 1 of a top-level object is a key.
    expect_key: bool,
    key_start: Option<usize>,
    /// The last key at depth 1 named a wrapper.
    pending: Wrapper,
    /// The array at depth 2 holds records of this wrapper.
    records_array: Wrapper,
    record_start: Option<usize>,
    /// Line and column of the current record's start.
    record_at: (u64, u64),
    record_depth: usize,
    record_wrapper: Wrapper,
    /// The current record grew past the limit; it is dropped when it closes.
    oversized: Option<u64>,
    /// A read error ended the input.
    failed: bool,
    /// Bad input is being skipped up to the end of its line.
    skipping: bool,
    /// The input is JSON Lines: a top-level record fitted on its line, so a line that ends
    /// inside a record means that record is broken, and the next line starts afresh.
    jsonl: bool,
    /// The current line (1-based) and the stream offset where it starts.
    line: u64,
    line_start: u64,
}

impl<R: Read> Splitter<R> {
    /// A splitter over `reader`, with `prefix` (bytes already read while sniffing) first.
    pub fn new(prefix: Vec<u8>, reader: R) -> Splitter<R> {
        Splitter::with_limits(prefix, reader, CHUNK, MAX_RECORD)
    }

    /// As [`Splitter::new`] with a chosen chunk size and record limit.
    pub fn with_limits(prefix: Vec<u8>, reader: R, chunk: usize, max_record: usize) -> Self {
        let end = prefix.len();
        let mut buf = prefix;
        buf.resize(end.max(chunk).max(16), 0);
        Splitter {
            reader,
            buf,
            base: 0,
            pos: 0,
            end,
            eof: false,
            max_record: max_record.max(chunk),
            stack: Vec::with_capacity(64),
            in_string: false,
            escaped_next: false,
            top_object: false,
            expect_key: false,
            key_start: None,
            pending: Wrapper::None,
            records_array: Wrapper::None,
            record_start: None,
            record_depth: 0,
            record_wrapper: Wrapper::None,
            oversized: None,
            failed: false,
            skipping: false,
            jsonl: false,
            line: 1,
            line_start: 0,
            record_at: (1, 1),
        }
    }

    /// Bytes of the stream consumed so far.
    pub fn consumed(&self) -> u64 {
        self.stream_offset(self.pos)
    }

    // INVARIANT (of the splitter): `pos <= end <= buf.len()`, and `record_start` and
    // `key_start`, when set, are at most `pos`. Buffer positions are therefore bounded by the
    // buffer's length and stream offsets by the input's length: the saturating operations
    // below never saturate, and the `get`s never miss, on any input.

    /// The stream offset of a buffer position.
    fn stream_offset(&self, at: usize) -> u64 {
        self.base.saturating_add(at as u64)
    }

    /// Moves `n` bytes on.
    fn advance(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n);
    }

    /// Moves past the newline at `pos`: the next line starts after it.
    fn past_newline(&mut self) {
        self.advance(1);
        self.line = self.line.saturating_add(1);
        self.line_start = self.stream_offset(self.pos);
    }

    /// Reads more input, keeping what the current record (or key) still needs. `Ok(false)`
    /// at the end of the input.
    fn refill(&mut self) -> Result<bool, String> {
        if self.eof {
            return Ok(false);
        }
        let keep_from = match (self.record_start, self.key_start) {
            (Some(r), Some(k)) => r.min(k),
            (Some(r), None) => r,
            (None, Some(k)) => k,
            (None, None) => self.pos,
        };
        if keep_from > 0 {
            self.buf.copy_within(keep_from..self.end, 0);
            self.end = self.end.saturating_sub(keep_from);
            self.pos = self.pos.saturating_sub(keep_from);
            self.base = self.stream_offset(keep_from);
            self.record_start = self.record_start.map(|r| r.saturating_sub(keep_from));
            self.key_start = self.key_start.map(|k| k.saturating_sub(keep_from));
        }
        if self.end == self.buf.len() {
            if self.buf.len() >= self.max_record {
                // The record is too large: forget its start and drop it when it closes.
                if let Some(start) = self.record_start.take() {
                    self.oversized = Some(self.stream_offset(start));
                }
                self.key_start = None;
                self.buf.copy_within(self.pos..self.end, 0);
                self.base = self.stream_offset(self.pos);
                self.end = self.end.saturating_sub(self.pos);
                self.pos = 0;
            } else {
                let grown = self.buf.len().saturating_mul(2).min(self.max_record);
                self.buf.resize(grown, 0);
            }
        }
        loop {
            match self
                .reader
                .read(self.buf.get_mut(self.end..).unwrap_or_default())
            {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end = self.end.saturating_add(n);
                    return Ok(true);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    self.eof = true;
                    self.failed = true;
                    return Err(e.to_string());
                }
            }
        }
    }

    fn malformed(&self, at: usize, message: String) -> Item<'static> {
        let (line, column) = self.line_column(at);
        Item::Malformed {
            offset: self.stream_offset(at),
            line,
            column,
            message,
        }
    }

    /// Line and column of a buffer position at or after the current line's start.
    fn line_column(&self, at: usize) -> (u64, u64) {
        let offset = self.stream_offset(at);
        let column = offset.saturating_sub(self.line_start).saturating_add(1);
        (self.line, column)
    }

    fn read_error(&mut self, e: &str) -> Item<'static> {
        let at = self.record_start.unwrap_or(self.pos);
        self.reset();
        self.malformed(at, format!("cannot read further: {e}"))
    }

    /// Forgets the current top-level value after a structural error.
    fn reset(&mut self) {
        self.stack.clear();
        self.in_string = false;
        self.escaped_next = false;
        self.skipping = false;
        self.expect_key = false;
        self.key_start = None;
        self.pending = Wrapper::None;
        self.records_array = Wrapper::None;
        self.record_start = None;
        self.oversized = None;
    }

    /// Skips to the next line (the next record of a JSON Lines file, at best), across
    /// chunks if need be.
    fn skip_line(&mut self) {
        let rest = self.buf.get(self.pos..self.end).unwrap_or_default();
        match memchr::memchr(b'\n', rest) {
            Some(i) => {
                self.advance(i);
                self.past_newline();
                self.skipping = false;
            }
            None => {
                self.pos = self.end;
                self.skipping = true;
            }
        }
    }

    /// The next record or problem, or `None` at the end of the input.
    pub fn next_item(&mut self) -> Option<Item<'_>> {
        loop {
            if self.pos >= self.end {
                match self.refill() {
                    Ok(true) => continue,
                    Ok(false) => {
                        if self.stack.is_empty() {
                            return None;
                        }
                        let at = self.record_start.unwrap_or(self.pos);
                        let depth = self.stack.len();
                        self.reset();
                        return Some(self.malformed(
                            at,
                            format!(
                                "the input ends inside a JSON value ({depth} bracket(s) still open): truncated?"
                            ),
                        ));
                    }
                    Err(e) => return Some(self.read_error(&e)),
                }
            }
            if self.skipping {
                self.skip_line();
                continue;
            }
            let inside = self.record_start.is_some() || self.oversized.is_some();
            let min_depth = self.record_depth.max(2);
            if inside && self.stack.len() >= min_depth && self.end.saturating_sub(self.pos) >= BLOCK
            {
                match self.scan_blocks(min_depth) {
                    Fast::Tail => {}
                    Fast::Closed(b, closing_depth) => {
                        if let Some(ended) = self.after_close(b, closing_depth) {
                            return Some(self.ended(ended));
                        }
                        continue;
                    }
                    Fast::Mismatch(at) => return Some(self.mismatch(at)),
                    Fast::BrokenLine => return Some(self.broken_line()),
                }
                if self.pos >= self.end {
                    continue;
                }
            }
            if self.escaped_next {
                // The byte after a backslash never counts, inside a string or (in invalid
                // JSON) outside one, exactly as in the block path; a newline still ends its
                // line.
                self.escaped_next = false;
                if self.buf.get(self.pos) != Some(&b'\n') {
                    self.advance(1);
                    continue;
                }
            }
            if self.in_string {
                // A raw newline inside a string is invalid JSON, but it still counts as a
                // line (and ends a JSON Lines record), as in the block path.
                let rest = self.buf.get(self.pos..self.end).unwrap_or_default();
                let Some(i) = memchr::memchr3(b'"', b'\\', b'\n', rest) else {
                    self.pos = self.end;
                    continue;
                };
                let found = rest.get(i).copied();
                self.advance(i);
                if found == Some(b'\n') {
                    if self.jsonl {
                        return Some(self.broken_line());
                    }
                    self.past_newline();
                    continue;
                }
                if found == Some(b'\\') {
                    self.escaped_next = true;
                    self.advance(1);
                    continue;
                }
                self.in_string = false;
                if let Some(k) = self.key_start.take() {
                    self.pending = match self.buf.get(k..self.pos) {
                        Some(b"Records") => Wrapper::Records,
                        Some(b"Events") => Wrapper::Events,
                        _ => Wrapper::None,
                    };
                    self.expect_key = false;
                }
                self.advance(1);
                continue;
            }
            if !self.stack.is_empty() {
                // Skip ordinary bytes (numbers, literals, whitespace, colons).
                let rest = self.buf.get(self.pos..self.end).unwrap_or_default();
                let ordinary = rest
                    .iter()
                    .position(|&b| STRUCTURAL.get(usize::from(b)) == Some(&true))
                    .unwrap_or(rest.len());
                self.advance(ordinary);
                if self.pos >= self.end {
                    continue;
                }
            }
            let Some(&b) = self.buf.get(self.pos) else {
                return None; // unreachable: `pos < end <= buf.len()` here
            };
            let depth = self.stack.len();
            match b {
                b'"' => {
                    if depth == 0 {
                        let item = self
                            .malformed(self.pos, "expected a JSON object, found a string".into());
                        self.skip_line();
                        return Some(item);
                    }
                    self.in_string = true;
                    if depth == 1 && self.top_object && self.expect_key {
                        self.key_start = Some(self.pos.saturating_add(1));
                    }
                    self.advance(1);
                }
                b'{' | b'[' => {
                    match depth {
                        0 => {
                            self.top_object = b == b'{';
                            self.pending = Wrapper::None;
                            self.records_array = Wrapper::None;
                            if self.top_object {
                                self.expect_key = true;
                                self.record_at = self.line_column(self.pos);
                                self.record_start = Some(self.pos);
                                self.record_depth = 1;
                                self.record_wrapper = Wrapper::None;
                            }
                        }
                        1 if self.top_object && b == b'[' && self.pending != Wrapper::None => {
                            // The top-level object is a wrapper, not a record.
                            self.records_array = self.pending;
                            self.record_start = None;
                        }
                        1 if !self.top_object && b == b'{' => {
                            self.record_at = self.line_column(self.pos);
                            self.record_start = Some(self.pos);
                            self.record_depth = 2;
                            self.record_wrapper = Wrapper::None;
                        }
                        2 if self.records_array != Wrapper::None && b == b'{' => {
                            self.record_at = self.line_column(self.pos);
                            self.record_start = Some(self.pos);
                            self.record_depth = 3;
                            self.record_wrapper = self.records_array;
                        }
                        _ => {}
                    }
                    self.stack.push(b);
                    self.advance(1);
                }
                b'}' | b']' => {
                    let open = if b == b'}' { b'{' } else { b'[' };
                    if self.stack.last() != Some(&open) {
                        return Some(self.mismatch(self.pos));
                    }
                    let closing_depth = self.stack.len();
                    self.stack.pop();
                    self.advance(1);
                    if let Some(ended) = self.after_close(b, closing_depth) {
                        return Some(self.ended(ended));
                    }
                }
                b',' => {
                    if depth == 1 && self.top_object {
                        self.expect_key = true;
                        self.pending = Wrapper::None;
                    }
                    // A `,` between top-level values is tolerated.
                    self.advance(1);
                }
                b'\n' if self.jsonl && !self.stack.is_empty() => {
                    return Some(self.broken_line());
                }
                b'\n' => self.past_newline(),
                b' ' | b'\t' | b'\r' => self.advance(1),
                b'\\' if depth > 0 => {
                    self.escaped_next = true;
                    self.advance(1);
                }
                0xEF if self.stream_offset(self.pos) == 0
                    && self
                        .buf
                        .get(..self.end)
                        .is_some_and(|b| b.starts_with(b"\xEF\xBB\xBF")) =>
                {
                    self.advance(3); // a UTF-8 byte order mark, only at the very start
                }
                _ => {
                    // Only reached at depth 0: anything but a value's start is garbage.
                    let item = self.malformed(
                        self.pos,
                        format!("expected a JSON object or array, found `{}`", char::from(b)),
                    );
                    self.skip_line();
                    return Some(item);
                }
            }
        }
    }

    /// In JSON Lines, the line ended (at `pos`) inside a record: report the record, forget
    /// it, and go on with the next line.
    fn broken_line(&mut self) -> Item<'static> {
        let at = self.record_start.unwrap_or(self.pos);
        let (line, column) = self.record_at;
        let item = Item::Malformed {
            offset: self.stream_offset(at),
            line,
            column,
            message: "the line ends inside a JSON value: not a complete record (JSON Lines)"
                .to_owned(),
        };
        self.reset();
        item
    }

    /// A closing bracket that does not match: report, forget the value, skip the line.
    fn mismatch(&mut self, at: usize) -> Item<'static> {
        let item = self.malformed(
            at,
            format!(
                "unexpected `{}`: brackets do not balance",
                self.buf.get(at).copied().map_or('?', char::from)
            ),
        );
        self.pos = at;
        self.reset();
        self.skip_line();
        item
    }

    /// After `b` closed the bracket at `closing_depth` (and `pos` moved past it): the end
    /// of the wrapper's array, or of a record (kept or oversized).
    fn after_close(&mut self, b: u8, closing_depth: usize) -> Option<Ended> {
        if closing_depth == 2 && self.records_array != Wrapper::None && b == b']' {
            self.records_array = Wrapper::None;
        }
        if closing_depth != self.record_depth {
            return None;
        }
        if let Some(start) = self.record_start.take() {
            if closing_depth == 1 && self.record_at.0 == self.line {
                self.jsonl = true;
            }
            return Some(Ended::Record(start));
        }
        self.oversized.take().map(Ended::Oversized)
    }

    /// The item for a record that ended at `pos`.
    fn ended(&self, ended: Ended) -> Item<'_> {
        let (line, column) = self.record_at;
        match ended {
            Ended::Record(start) => Item::Record {
                bytes: self.buf.get(start..self.pos).unwrap_or_default(),
                offset: self.stream_offset(start),
                wrapper: self.record_wrapper,
                line,
                column,
            },
            Ended::Oversized(offset) => Item::Malformed {
                offset,
                line,
                column,
                message: format!(
                    "record larger than {} MiB skipped",
                    self.max_record / (1024 * 1024)
                ),
            },
        }
    }

    /// Scans whole 64-byte blocks inside a record, the way simdjson's first stage does but
    /// with plain integer code: bit masks of quotes, backslashes, brackets and newlines,
    /// escaped quotes removed, string interiors found by a prefix XOR, and only the brackets
    /// outside strings visited one by one. Stops when a bracket closes below `min_depth`,
    /// or when less than a block is left.
    fn scan_blocks(&mut self, min_depth: usize) -> Fast {
        const EVEN: u64 = 0x5555_5555_5555_5555;
        let mut in_string = if self.in_string { u64::MAX } else { 0 };
        let mut escaped_carry = u64::from(self.escaped_next);
        while let Some(block) = self
            .buf
            .get(self.pos..self.end)
            .and_then(<[u8]>::first_chunk::<BLOCK>)
        {
            let m = Masks::of(block);
            // Backslash runs: a quote is escaped when an odd run of backslashes precedes it.
            let backslash = m.backslash & !escaped_carry;
            let follows_escape = (backslash << 1) | escaped_carry;
            let odd_starts = backslash & !EVEN & !follows_escape;
            let (even_starts, overflow) = odd_starts.overflowing_add(backslash);
            let escaped = (EVEN ^ (even_starts << 1)) & follows_escape;
            let quotes = m.quote & !escaped;
            let string_mask = prefix_xor(quotes) ^ in_string;
            let mut brackets = (m.open | m.close) & !string_mask & !escaped;
            // In JSON Lines no record crosses a newline: look no further than the first.
            let newline_at = (self.jsonl && m.newline != 0).then(|| m.newline.trailing_zeros());
            if let Some(n) = newline_at {
                // Only the bits below the newline's.
                brackets &= !u64::MAX.unbounded_shl(n);
            }
            while brackets != 0 {
                let i = brackets.trailing_zeros();
                // Clears the lowest set bit: a bit trick, modulo 2^64 by design.
                brackets &= brackets.wrapping_sub(1);
                let Some(&b) = block.get(i as usize) else {
                    break;
                };
                if b == b'{' || b == b'[' {
                    self.stack.push(b);
                    continue;
                }
                let open = if b == b'}' { b'{' } else { b'[' };
                if self.stack.last() != Some(&open) {
                    self.count_lines(m.newline, i);
                    return Fast::Mismatch(self.pos.saturating_add(i as usize));
                }
                let closing_depth = self.stack.len();
                self.stack.pop();
                if closing_depth <= min_depth {
                    self.count_lines(m.newline, i);
                    self.advance(i as usize);
                    self.advance(1);
                    self.in_string = false;
                    self.escaped_next = false;
                    return Fast::Closed(b, closing_depth);
                }
            }
            if let Some(n) = newline_at {
                self.advance(n as usize);
                return Fast::BrokenLine;
            }
            self.count_lines(m.newline, u64::BITS - 1);
            self.advance(BLOCK);
            in_string = if string_mask >> 63 == 1 { u64::MAX } else { 0 };
            escaped_carry = u64::from(overflow);
        }
        self.in_string = in_string != 0;
        self.escaped_next = escaped_carry != 0;
        Fast::Tail
    }

    /// Counts the newlines of the current block up to bit `last` (inclusive).
    fn count_lines(&mut self, newlines: u64, last: u32) {
        // The newlines at bits 0..=last (every bit when `last` is 63).
        let upto = newlines & !(u64::MAX.unbounded_shl(last) << 1);
        if let Some(at) = upto.checked_ilog2() {
            self.line = self.line.saturating_add(u64::from(upto.count_ones()));
            // The last newline is at bit `at`: the line starts after it.
            let start = self.pos.saturating_add(at as usize).saturating_add(1);
            self.line_start = self.stream_offset(start);
        }
    }

    /// The buffer, for reuse with the next input.
    pub fn into_buffer(self) -> Vec<u8> {
        self.buf
    }

    /// Whether a read error ended the input early.
    pub fn read_failed(&self) -> bool {
        self.failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str, chunk: usize) -> (Vec<(String, Wrapper)>, Vec<String>) {
        let mut s = Splitter::with_limits(Vec::new(), text.as_bytes(), chunk, 1 << 20);
        let (mut recs, mut bad) = (Vec::new(), Vec::new());
        while let Some(item) = s.next_item() {
            match item {
                Item::Record { bytes, wrapper, .. } => {
                    recs.push((String::from_utf8_lossy(bytes).into_owned(), wrapper));
                }
                Item::Malformed {
                    message,
                    offset,
                    line,
                    column,
                } => bad.push(format!("{offset} ({line}:{column}): {message}")),
            }
        }
        (recs, bad)
    }

    #[test]
    fn every_shape_splits_alike_at_every_chunk_size() {
        let a = r#"{"eventTime":"t","s":"a\"}b{[","n":[1,{"x":2}]}"#;
        let b = r#"{"eventTime":"u"}"#;
        let shapes = [
            format!(r#"{{"Records":[{a},{b}]}}"#),
            format!(r#"{{"NextToken":"x","Records":[ {a} , {b} ]}}"#),
            format!("[{a},\n{b}]"),
            format!("{a}\n{b}\n"),
            format!("{a}{b}"),
            format!("\u{feff}{a}\n\n{b}"),
        ];
        for shape in &shapes {
            for chunk in [1, 2, 3, 7, 64, 4096] {
                let (recs, bad) = split(shape, chunk);
                let texts: Vec<&str> = recs.iter().map(|(r, _)| r.as_str()).collect();
                assert_eq!(texts, [a, b], "{shape} at chunk {chunk}");
                assert!(bad.is_empty(), "{bad:?}");
            }
        }
    }

    #[test]
    fn lookup_events_are_marked() {
        let (recs, _) = split(
            r#"{"Events":[{"CloudTrailEvent":"{}"}],"NextToken":"n"}"#,
            5,
        );
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].1, Wrapper::Events);
    }

    #[test]
    fn a_broken_line_is_reported_and_the_rest_read() {
        let text = "{\"a\":1}\n{\"b\":]\n{\"c\":3}\n";
        let (recs, bad) = split(text, 4);
        let texts: Vec<&str> = recs.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(texts, ["{\"a\":1}", "{\"c\":3}"]);
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(bad[0].starts_with("13 (2:6):"), "{bad:?}");
    }

    #[test]
    fn a_json_lines_record_cut_short_loses_only_itself() {
        let long = "x".repeat(200);
        let text = format!(
            "{{\"a\":\"{long}\"}}\n{{\"b\":{{\"c\":\"{long}\"\n{{\"d\":[\"{long}\"]}}\n{{\"e\":\"{long}\n{{\"f\":1}}\n"
        );
        for chunk in [7, 64, 4096] {
            let (recs, bad) = split(&text, chunk);
            let keys: Vec<&str> = recs.iter().map(|(r, _)| &r[2..3]).collect();
            assert_eq!(keys, ["a", "d", "f"], "chunk {chunk}: {bad:?}");
            assert_eq!(bad.len(), 2, "{bad:?}");
            assert!(bad[0].contains("(2:1)"), "{bad:?}");
        }
    }

    #[test]
    fn a_long_garbage_line_is_one_problem_at_any_chunk_size() {
        let text = format!("{}\n{{\"a\":1}}\n", "x,".repeat(300));
        for chunk in [16, 64, 4096] {
            let (recs, bad) = split(&text, chunk);
            assert_eq!((recs.len(), bad.len()), (1, 1), "chunk {chunk}: {bad:?}");
        }
    }

    #[test]
    fn truncated_input_is_reported_once() {
        let (recs, bad) = split(r#"{"Records":[{"a":1},{"b":"#, 3);
        assert_eq!(recs.len(), 1);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].contains("truncated"), "{bad:?}");
    }

    #[test]
    fn oversized_records_are_skipped() {
        let big = format!(r#"[{{"a":"{}"}},{{"b":1}}]"#, "x".repeat(5000));
        let mut s = Splitter::with_limits(Vec::new(), big.as_bytes(), 64, 1024);
        let mut kinds = Vec::new();
        while let Some(item) = s.next_item() {
            kinds.push(matches!(item, Item::Record { .. }));
        }
        assert_eq!(kinds, [false, true]);
    }
}
