//! A fast reader of one scenario object of a large file into the located tree the scenario
//! reader walks (the tree `iamwhy_policy::json::parse` gives, same ranges and values), that
//! does not build the tree of a policy document whose bytes equal those of one already
//! compiled: such a document is found by matching braces outside strings (`memchr`), hashed,
//! compared and left as an object without properties whose range covers it — the reader
//! takes its compiled form from its cache by those bytes and never looks inside.
//!
//! It reads strict JSON only (what `json::parse` accepts) and gives up — `None`, the caller
//! then parses the element with `json::parse`, which reports any error — on anything else:
//! a syntax error, a lone surrogate escape, a nesting deeper than [`MAX_DEPTH`].

use std::borrow::Cow;

use jsonc_parser::ast::{
    Array, BooleanLit, NullKeyword, NumberLit, Object, ObjectProp, ObjectPropName, StringLit, Value,
};
use jsonc_parser::common::Range;

/// Deeper nesting is left to the full parser.
const MAX_DEPTH: u32 = 64;

/// The first keys a policy document may open with: an object opening with one of these is
/// checked against the documents already compiled.
const DOCUMENT_OPENINGS: &[&[u8]] = &[b"\"Version\"", b"\"Statement\"", b"\"Id\""];

/// A scenario object read by [`parse`].
pub(super) struct Element<'a> {
    /// The tree; skipped documents are objects without properties.
    pub(super) value: Value<'a>,
    /// The start (in `text`) of each document left unread.
    pub(super) skipped: Vec<usize>,
}

/// Reads `text`, one JSON object (whitespace around allowed); a document for which `known`
/// says its text was compiled before is left unread. `None` when `text` is not strict JSON
/// or holds something this reader leaves to the full parser.
pub(super) fn parse<'a>(text: &'a str, known: &dyn Fn(&str) -> bool) -> Option<Element<'a>> {
    let mut p = Parser {
        text,
        b: text.as_bytes(),
        i: 0,
        depth: 0,
        known,
        skipped: Vec::new(),
    };
    p.ws();
    if p.b.get(p.i) != Some(&b'{') {
        return None;
    }
    let value = p.value()?;
    p.ws();
    (p.i == p.b.len()).then_some(Element {
        value,
        skipped: p.skipped,
    })
}

struct Parser<'a, 'k> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    depth: u32,
    known: &'k dyn Fn(&str) -> bool,
    skipped: Vec<usize>,
}

impl<'a> Parser<'a, '_> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i = self.i.saturating_add(1);
        }
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    /// A value, after any whitespace; `self.i` ends just after it.
    fn value(&mut self) -> Option<Value<'a>> {
        self.ws();
        match self.at(self.i)? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string().map(Value::StringLit),
            b't' => self
                .word("true")
                .map(|range| Value::BooleanLit(BooleanLit { range, value: true })),
            b'f' => self.word("false").map(|range| {
                Value::BooleanLit(BooleanLit {
                    range,
                    value: false,
                })
            }),
            b'n' => self
                .word("null")
                .map(|range| Value::NullKeyword(NullKeyword { range })),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// Whether the object opening at `start` opens with a policy document's key.
    fn may_be_document(&self, start: usize) -> bool {
        let mut i = start.saturating_add(1);
        while matches!(self.b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            i = i.saturating_add(1);
        }
        let rest = self.b.get(i..).unwrap_or(&[]);
        DOCUMENT_OPENINGS.iter().any(|o| rest.starts_with(o))
    }

    fn object(&mut self) -> Option<Value<'a>> {
        let start = self.i;
        if self.may_be_document(start)
            && let Some(end) = object_end(self.b, start)
            && let Some(text) = self.text.get(start..end)
            && (self.known)(text)
        {
            self.skipped.push(start);
            self.i = end;
            return Some(Value::Object(Object {
                range: Range { start, end },
                properties: Vec::new(),
            }));
        }
        self.enter()?;
        self.i = self.i.saturating_add(1);
        let mut properties = Vec::new();
        self.ws();
        if self.at(self.i) == Some(b'}') {
            self.i = self.i.saturating_add(1);
        } else {
            loop {
                self.ws();
                if self.at(self.i) != Some(b'"') {
                    return None;
                }
                let name = self.string()?;
                self.ws();
                if self.at(self.i) != Some(b':') {
                    return None;
                }
                self.i = self.i.saturating_add(1);
                let value = self.value()?;
                properties.push(ObjectProp {
                    range: Range {
                        start: name.range.start,
                        end: self.i,
                    },
                    name: ObjectPropName::String(name),
                    value,
                });
                self.ws();
                match self.at(self.i)? {
                    b',' => self.i = self.i.saturating_add(1),
                    b'}' => {
                        self.i = self.i.saturating_add(1);
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth = self.depth.saturating_sub(1);
        Some(Value::Object(Object {
            range: Range { start, end: self.i },
            properties,
        }))
    }

    fn enter(&mut self) -> Option<()> {
        self.depth = self.depth.saturating_add(1);
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn array(&mut self) -> Option<Value<'a>> {
        let start = self.i;
        self.enter()?;
        self.i = self.i.saturating_add(1);
        let mut elements = Vec::new();
        self.ws();
        if self.at(self.i) == Some(b']') {
            self.i = self.i.saturating_add(1);
        } else {
            loop {
                elements.push(self.value()?);
                self.ws();
                match self.at(self.i)? {
                    b',' => self.i = self.i.saturating_add(1),
                    b']' => {
                        self.i = self.i.saturating_add(1);
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth = self.depth.saturating_sub(1);
        Some(Value::Array(Array {
            range: Range { start, end: self.i },
            elements,
        }))
    }

    /// A string at `self.i` (its opening quote), its escapes decoded.
    fn string(&mut self) -> Option<StringLit<'a>> {
        let start = self.i;
        let body = start.saturating_add(1);
        let mut i = body;
        let mut decoded: Option<String> = None;
        loop {
            let off = memchr::memchr2(b'"', b'\\', self.b.get(i..)?)?;
            let stop = i.saturating_add(off);
            let run = self.text.get(i..stop)?;
            if run.bytes().any(|c| c < 0x20) {
                return None;
            }
            if self.at(stop)? == b'"' {
                self.i = stop.saturating_add(1);
                let value = match decoded {
                    Some(mut d) => {
                        d.push_str(run);
                        Cow::Owned(d)
                    }
                    None => Cow::Borrowed(self.text.get(body..stop)?),
                };
                return Some(StringLit {
                    range: Range { start, end: self.i },
                    value,
                });
            }
            let d = decoded.get_or_insert_with(String::new);
            d.push_str(run);
            i = self.escape(stop, d)?;
        }
    }

    /// Decodes the escape at `at` (its backslash) into `out`; the index after it.
    fn escape(&self, at: usize, out: &mut String) -> Option<usize> {
        let next = at.saturating_add(2);
        let c = match self.at(at.saturating_add(1))? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.hex4(next)?;
                if (0xD800..0xDC00).contains(&high) {
                    // A surrogate pair: `\uD83D\uDE00`.
                    let second = next.saturating_add(4);
                    if self.b.get(second..second.saturating_add(2)) != Some(b"\\u") {
                        return None;
                    }
                    let low = self.hex4(second.saturating_add(2))?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return None;
                    }
                    let code = 0x10000u32.checked_add(
                        (high.checked_sub(0xD800)? << 10) | low.checked_sub(0xDC00)?,
                    )?;
                    out.push(char::from_u32(code)?);
                    return Some(second.saturating_add(6));
                }
                out.push(char::from_u32(high)?);
                return Some(next.saturating_add(4));
            }
            _ => return None,
        };
        out.push(c);
        Some(next)
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.text.get(at..at.saturating_add(4))?;
        if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(digits, 16).ok()
    }

    /// `true`, `false` or `null`, not followed by another letter or digit.
    fn word(&mut self, word: &str) -> Option<Range> {
        let start = self.i;
        let end = start.saturating_add(word.len());
        if self.text.get(start..end)? != word
            || self
                .at(end)
                .is_some_and(|c| c.is_ascii_alphanumeric() || c >= 0x80)
        {
            return None;
        }
        self.i = end;
        Some(Range { start, end })
    }

    /// A number as JSON writes it: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Option<Value<'a>> {
        let start = self.i;
        let mut i = start;
        let digits = |mut i: usize| {
            let from = i;
            while self.at(i).is_some_and(|c| c.is_ascii_digit()) {
                i = i.saturating_add(1);
            }
            (i > from).then_some(i)
        };
        if self.at(i) == Some(b'-') {
            i = i.saturating_add(1);
        }
        i = match self.at(i)? {
            b'0' => i.saturating_add(1),
            b'1'..=b'9' => digits(i)?,
            _ => return None,
        };
        if self.at(i) == Some(b'.') {
            i = digits(i.saturating_add(1))?;
        }
        if matches!(self.at(i), Some(b'e' | b'E')) {
            i = i.saturating_add(1);
            if matches!(self.at(i), Some(b'+' | b'-')) {
                i = i.saturating_add(1);
            }
            i = digits(i)?;
        }
        if self
            .at(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'.' || c >= 0x80)
        {
            return None;
        }
        self.i = i;
        Some(Value::NumberLit(NumberLit {
            range: Range { start, end: i },
            value: self.text.get(start..i)?,
        }))
    }
}

/// One past the brace that closes the object opening at `start`, braces inside strings not
/// counted (brackets need no count: the object ends at its matching brace). Only a
/// document whose text then equals one already compiled — valid JSON — is skipped this way.
pub(super) fn object_end(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    loop {
        i = i.checked_add(memchr::memchr3(b'"', b'{', b'}', b.get(i..)?)?)?;
        match b.get(i)? {
            b'"' => {
                i = i.saturating_add(1);
                loop {
                    i = i.checked_add(memchr::memchr2(b'"', b'\\', b.get(i..)?)?)?;
                    if b.get(i)? == &b'\\' {
                        i = i.saturating_add(2);
                    } else {
                        break;
                    }
                }
            }
            b'{' => depth = depth.saturating_add(1),
            _ => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i.saturating_add(1));
                }
            }
        }
        i = i.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iamwhy_core::SourceMap;

    /// The fast reader gives the full parser's tree (compared through `Debug`, which shows
    /// every range and value), or gives up.
    fn same_tree(text: &str) -> bool {
        let mut map = SourceMap::new();
        let id = map.add_file("t.json", text);
        let full = iamwhy_policy::json::parse(id, text);
        let fast = parse(text, &|_| false);
        match (full, fast) {
            (Ok(full), Some(fast)) => {
                assert_eq!(format!("{full:?}"), format!("{:?}", fast.value), "{text}");
                true
            }
            (_, None) => false,
            (Err(e), Some(_)) => {
                panic!("the fast reader accepted what JSON rejects: {text}: {e:?}")
            }
        }
    }

    #[test]
    fn trees_equal_the_full_parsers() {
        // Read by both, to the same tree.
        for text in [
            r#"{}"#,
            r#" { "a" : [1, -2.5e+3, 0, true, false, null, "x\n\u00e9\ud83d\ude00\"\\\/"], "b": {"c": {}} } "#,
            "{\"name\": \"é\", \"n\": [[], {}, 10E2, -0.0]}\n",
            r#"{"Version": "2012-10-17", "Statement": [], "Version": 1}"#,
        ] {
            assert!(same_tree(text), "{text}");
        }
        // Rejected by both, or left to the full parser.
        for text in [
            r#"{"a": 01}"#,
            r#"{"a": 1.}"#,
            r#"{"a": "\ud800"}"#,
            r#"{"a": "\x"}"#,
            r#"{"a": tru}"#,
            r#"{"a": truex}"#,
            r#"{"a": 1,}"#,
            r#"{"a" 1}"#,
            "{\"a\": \"tab\there\"}",
            r#"{"a": 1} x"#,
            r#"[1]"#,
        ] {
            assert!(!same_tree(text), "{text}");
        }
    }

    #[test]
    fn a_known_document_is_left_unread_and_covered() {
        let doc = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Sid": "a}\"{"}]}"#;
        let text =
            format!(r#"{{"identity_policies": [{doc}, {{"document": {doc}}}], "name": "x"}}"#);
        let element = parse(&text, &|t| t == doc).unwrap();
        assert_eq!(element.skipped.len(), 2);
        let Value::Object(o) = &element.value else {
            panic!("not an object")
        };
        let Some(Value::Array(list)) = o.properties.first().map(|p| &p.value) else {
            panic!("no list")
        };
        let Some(Value::Object(first)) = list.elements.first() else {
            panic!("no document")
        };
        assert!(first.properties.is_empty());
        assert_eq!(text.get(first.range.start..first.range.end), Some(doc));
        // Everything else is as the full parser reads it.
        let Some(Value::StringLit(name)) = o.properties.get(1).map(|p| &p.value) else {
            panic!("no name")
        };
        assert_eq!(name.value, "x");
    }

    /// A document met before as an identity policy and now used as an SCP is not compiled
    /// for that kind yet: the element is read again in full, and decides as if read so from
    /// the start. Policies read from the cache are located at their own occurrence.
    #[test]
    fn a_known_text_of_another_kind_is_read_in_full() {
        let doc = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#;
        let scenario = |extra: &str| {
            format!(
                r#"{{"principal": "arn:aws:iam::111122223333:user/u", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "identity_policies": [{doc}]{extra}}}"#
            )
        };
        let text = format!(
            "[{},\n{}]",
            scenario(""),
            scenario(&format!(r#", "scps": [[{doc}]]"#))
        );
        let mut map = SourceMap::new();
        let id = map.add_file("t.json", text.as_str());
        let (scenarios, warnings) =
            crate::simulate::parse_scenarios(&mut map, id, &crate::simulate::Overrides::default())
                .unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let [first, second] = scenarios.as_slice() else {
            panic!("two scenarios expected")
        };
        let scps = second.policies.scps.as_ref().unwrap();
        assert_eq!(scps.len(), 1);
        assert_eq!(scps[0][0].document.statements.len(), 1);
        for s in [first, second] {
            let results = crate::simulate::simulate(s, &map, crate::report::Detail::Full);
            assert_eq!(results[0].decision, iamwhy_core::Decision::Allowed);
            // The identity statement is located in its own scenario's text.
            let at = results[0]
                .matched_statements
                .iter()
                .find(|m| m.policy_kind == iamwhy_core::PolicyKind::Identity)
                .unwrap()
                .line;
            let expected = if std::ptr::eq(s, first) { 1 } else { 2 };
            assert_eq!(at, expected);
        }
    }
}
