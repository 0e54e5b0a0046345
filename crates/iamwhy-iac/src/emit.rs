//! Writes a policy document as JSON text, each byte mapped to the byte of the file it came
//! from, values the file cannot tell written as placeholders.

use iamwhy_core::{SourceId, SourceMap, Span};

use crate::model::{PolicyText, Unknown, Unresolved};

/// JSON text under construction.
#[derive(Default)]
pub(crate) struct Emitter {
    text: String,
    offsets: Vec<u32>,
    unresolved: Vec<(usize, usize, Unknown)>,
}

impl Emitter {
    /// Appends JSON syntax (brackets, commas, literals) that came from `origin`.
    pub(crate) fn raw(&mut self, s: &str, origin: u32) {
        self.text.push_str(s);
        self.offsets.extend(std::iter::repeat_n(origin, s.len()));
    }

    /// Appends the body of a JSON string (no quotes): `s` escaped.
    pub(crate) fn string_body(&mut self, s: &str, origin: u32) {
        for c in s.chars() {
            let escaped;
            let piece: &str = match c {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                c if (c as u32) < 0x20 => {
                    escaped = format!("\\u{:04x}", c as u32);
                    &escaped
                }
                c => {
                    let mut buf = [0u8; 4];
                    let s = c.encode_utf8(&mut buf);
                    self.raw(s, origin);
                    continue;
                }
            };
            self.raw(piece, origin);
        }
    }

    /// Appends a whole JSON string.
    pub(crate) fn string(&mut self, s: &str, origin: u32) {
        self.raw("\"", origin);
        self.string_body(s, origin);
        self.raw("\"", origin);
    }

    /// Appends a placeholder for a value the file cannot tell, inside a string body.
    pub(crate) fn unknown_body(&mut self, what: Unknown, origin: u32) {
        let start = self.text.len();
        let label = match &what {
            Unknown::AfterApply => "<known after apply>".to_owned(),
            Unknown::Unresolved(expr) => format!("<unresolved: {expr}>"),
            Unknown::Missing => "<missing>".to_owned(),
        };
        self.string_body(&label, origin);
        self.unresolved.push((start, self.text.len(), what));
    }

    /// Registers the text as a source embedded in `parent`.
    pub(crate) fn finish(mut self, map: &mut SourceMap, parent: SourceId) -> PolicyText {
        let end = self.offsets.last().copied().unwrap_or(0);
        self.offsets.push(end);
        let source = map.add_embedded(parent, self.text, self.offsets);
        let unresolved = self
            .unresolved
            .into_iter()
            .map(|(start, end, what)| Unresolved {
                span: Span::new(source, start, end),
                what,
            })
            .collect();
        PolicyText { source, unresolved }
    }
}

/// A byte offset as the `u32` of spans.
pub(crate) fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}
