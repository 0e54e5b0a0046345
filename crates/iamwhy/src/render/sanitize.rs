//! The one gate between text from input and a terminal.
//!
//! Text read from input — ARNs, user agents, error messages of log records, file names,
//! policy names, `Sid`s, actions — can hold escape sequences that move the cursor, rewrite
//! lines, set the window title or reorder what is shown (bidi overrides, as in "Trojan
//! Source"). Every writer of the binary passes its text through [`sanitize`] before it
//! reaches stdout or stderr (`Output` in `render/mod.rs`, the JSON Lines and CSV writers of
//! `trail denied`), so no renderer has to remember to. What it neutralises:
//!
//! - C0 controls (U+0000–U+001F) but newline and tab, which the renderers lay text out with;
//! - DEL (U+007F) and the C1 controls (U+0080–U+009F), among them U+009B, the one-character
//!   CSI that some terminals honour;
//! - the bidi embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069.
//!
//! In text each becomes a visible escape — `\x1b`, `\x7f`, `\u{9b}`, `\u{202e}` — so that the
//! reader sees that something was there. In JSON, where serde already escapes C0 controls,
//! the rest become `\u009b`-style escapes, which leave every string's value unchanged.
//!
//! Colour: with colour on, the text holds the SGR sequences `Paint` writes. Those exact
//! sequences are kept and every other escape sequence is neutralised; an input that spells
//! one of them out can change a colour, nothing more (the price of sanitising the rendered
//! text once rather than every interpolation).

use std::borrow::Cow;
use std::fmt::Write as _;

/// How the text will be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// Text for people, without colour.
    Text,
    /// Text for people whose colour sequences (`Paint`'s) are kept.
    TextWithColour,
    /// A JSON document or JSON line.
    Json,
}

/// The SGR parameters `Paint` writes: bold red, green and yellow, bold, dim, reset.
pub(crate) const PAINT_CODES: [&str; 6] = ["1;31", "1;32", "1;33", "1", "2", "0"];

/// Whether `c` must not reach a terminal raw.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// The length of one of `Paint`'s colour sequences at the start of `rest` (which starts with
/// ESC), if it is one.
fn paint_sequence(rest: &str) -> Option<usize> {
    let body = rest.strip_prefix("\x1b[")?;
    let end = body.find('m')?;
    let code = body.get(..end)?;
    // `ESC [`, the code and `m`.
    PAINT_CODES
        .contains(&code)
        .then_some(code.len().saturating_add(3))
}

/// Makes `text` safe for a terminal (see the module docs): unsafe characters become visible
/// escapes, or JSON escapes for [`Target::Json`]. Text without any is returned as is.
pub(crate) fn sanitize(text: &str, target: Target) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().saturating_add(16));
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\x1b'
            && target == Target::TextWithColour
            && let Some(len) = paint_sequence(rest)
        {
            out.push_str(rest.get(..len).unwrap_or(""));
            rest = rest.get(len..).unwrap_or("");
            continue;
        }
        if is_unsafe(c) {
            let code = u32::from(c);
            let _ = match target {
                Target::Json => write!(out, "\\u{code:04x}"),
                _ if code < 0x80 => write!(out, "\\x{code:02x}"),
                _ => write!(out, "\\u{{{code:x}}}"),
            };
        } else {
            out.push(c);
        }
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    Cow::Owned(out)
}

/// A writer that passes what it is given through [`sanitize`] for JSON: for results
/// serialised straight to stdout (`serde_json` writes whole UTF-8 pieces; a character split
/// across two writes is kept back until it is whole). Only for [`Target::Json`], where
/// sanitising is a character at a time.
pub(crate) struct JsonSanitizer<W> {
    inner: W,
    /// The start of a character whose other bytes are still to come.
    pending: Vec<u8>,
}

impl<W: std::io::Write> JsonSanitizer<W> {
    /// Sanitises for JSON what is written to `inner`.
    pub(crate) fn new(inner: W) -> JsonSanitizer<W> {
        JsonSanitizer {
            inner,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match std::str::from_utf8(bytes) {
            Ok(text) => self
                .inner
                .write_all(sanitize(text, Target::Json).as_bytes()),
            Err(e) if e.error_len().is_none() => {
                let (whole, rest) = bytes.split_at(e.valid_up_to());
                let text = std::str::from_utf8(whole).unwrap_or("");
                self.inner
                    .write_all(sanitize(text, Target::Json).as_bytes())?;
                self.pending.extend_from_slice(rest);
                Ok(())
            }
            // Not UTF-8 (serde_json never writes that): passed on as it is.
            Err(_) => self.inner.write_all(bytes),
        }
    }
}

impl<W: std::io::Write> std::io::Write for JsonSanitizer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            self.emit(buf)?;
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(buf);
            self.emit(&joined)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        if !rest.is_empty() {
            self.inner.write_all(&rest)?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_json_writer_sanitises_as_sanitize_does_across_split_characters() {
        use std::io::Write as _;
        let text = "{\"a\": \"x\u{9b}y\u{202e}z\u{e9}\u{1d11e}\"}\n";
        let mut out = Vec::new();
        {
            let mut w = JsonSanitizer::new(&mut out);
            for chunk in text.as_bytes().chunks(3) {
                w.write_all(chunk).unwrap();
            }
            w.flush().unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            sanitize(text, Target::Json)
        );
    }
    use super::*;

    #[test]
    fn terminal_escapes_from_input_are_neutralised() {
        let hostile = "name\x1b]0;pwned\x07 \x1b[2J end\r";
        assert_eq!(
            sanitize(hostile, Target::Text),
            "name\\x1b]0;pwned\\x07 \\x1b[2J end\\x0d"
        );
        assert_eq!(
            sanitize("a\u{9b}31mb\u{7f}\u{85}", Target::Text),
            "a\\u{9b}31mb\\x7f\\u{85}"
        );
        assert_eq!(
            sanitize("user\u{202e}gnp.exe\u{2066}x\u{2069}", Target::Text),
            "user\\u{202e}gnp.exe\\u{2066}x\\u{2069}"
        );
        assert_eq!(sanitize("plain\ttext\n→…", Target::Text), "plain\ttext\n→…");
    }

    #[test]
    fn only_paints_own_colours_survive() {
        assert_eq!(
            sanitize(
                "\x1b[1;31mDeny\x1b[0m \x1b]0;t\x07 \x1b[2J \x1b[38;5;1m",
                Target::TextWithColour
            ),
            "\x1b[1;31mDeny\x1b[0m \\x1b]0;t\\x07 \\x1b[2J \\x1b[38;5;1m"
        );
        assert_eq!(
            sanitize("\x1b[1;31mDeny\x1b[0m", Target::Text),
            "\\x1b[1;31mDeny\\x1b[0m"
        );
    }

    #[test]
    fn json_keeps_its_values() {
        let value = serde_json::json!({"sid": "a\u{9b}b\u{202e}c\u{7f}d\x1be"});
        let text = value.to_string();
        let safe = sanitize(&text, Target::Json);
        assert!(
            !safe.contains(['\u{9b}', '\u{202e}', '\u{7f}', '\x1b']),
            "{safe}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }
}
