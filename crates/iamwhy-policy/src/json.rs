//! Located JSON: strict RFC 8259 parsing that keeps the byte range of every value and key,
//! plus decoding of documents embedded in strings.
//!
//! Parsing is done by `jsonc-parser` with every extension switched off (no comments, no
//! trailing commas, no single quotes, ...). This module adds what IAM needs on top: duplicate
//! keys are an error (spec §2.1 — ordinary JSON parsers silently keep the last one), messages
//! are written for users, and a JSON string or URL-encoded text that holds another JSON
//! document can be decoded with a map from every decoded byte back to the byte it came from.

use iamwhy_core::{Diagnostic, SourceId, Span};
use jsonc_parser::ast::{ObjectProp, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::errors::ParseErrorKind;
use jsonc_parser::{CollectOptions, ParseOptions};

pub use jsonc_parser::ast::Value as JsonValue;

/// The length of a policy text with the whitespace outside strings removed: what IAM and STS
/// count against their size limits (spec §2.7).
pub fn packed_length(text: &str) -> usize {
    let mut in_string = false;
    let mut escaped = false;
    text.chars()
        .filter(|&c| {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
                true
            } else if c.is_whitespace() {
                false
            } else {
                in_string = c == '"';
                true
            }
        })
        .count()
}

/// Parses strict JSON. The text must hold exactly one value.
pub fn parse(source: SourceId, text: &str) -> Result<Value<'_>, Diagnostic> {
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let result =
        jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options).map_err(|e| {
            let range = e.range();
            let message = json_error_message(e.kind());
            Diagnostic::error(
                "json-syntax",
                message,
                Span::new(source, range.start, range.end),
            )
        })?;
    result.value.ok_or_else(|| {
        Diagnostic::error(
            "json-syntax",
            "expected a JSON value, found an empty document",
            Span::new(source, 0, text.len()),
        )
    })
}

fn json_error_message(kind: &ParseErrorKind) -> String {
    use ParseErrorKind as K;
    let m = match kind {
        K::CommentsNotAllowed => "comments are not allowed in JSON",
        K::ExpectedColonAfterObjectKey => "expected `:` after the object key",
        K::ExpectedObjectValue => "expected a value after `:`",
        K::ExpectedDigit | K::ExpectedDigitFollowingNegativeSign => "expected a digit",
        K::ExpectedPlusMinusOrDigitInNumberLiteral => "expected `+`, `-` or a digit in the number",
        K::ExpectedStringObjectProperty => "expected a double-quoted key",
        K::ExpectedComma => "expected `,` between elements",
        K::MultipleRootJsonValues => "unexpected text after the JSON value",
        K::TrailingCommasNotAllowed => "trailing commas are not allowed in JSON",
        K::SingleQuotedStringsNotAllowed => "strings must use double quotes",
        K::UnexpectedCloseBrace => "unexpected `}`",
        K::UnexpectedCloseBracket => "unexpected `]`",
        K::UnexpectedColon => "unexpected `:`",
        K::UnexpectedComma => "unexpected `,`",
        K::UnterminatedArray => "unterminated array: missing `]`",
        K::UnterminatedObject => "unterminated object: missing `}`",
        K::NestingDepthExceeded => "the document is nested too deeply",
        K::UnexpectedWord => "unexpected word: strings must be double-quoted",
        K::HexadecimalNumbersNotAllowed
        | K::UnaryPlusNumbersNotAllowed
        | K::BareDecimalPointNumbersNotAllowed
        | K::NonFiniteNumbersNotAllowed => "invalid JSON number",
        other => return lower_first(&other.to_string()),
    };
    m.to_owned()
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The span of a value.
pub fn span(source: SourceId, value: &Value<'_>) -> Span {
    let r = value.range();
    Span::new(source, r.start, r.end)
}

/// The span of a whole `"key": value` member.
pub fn prop_span(source: SourceId, prop: &ObjectProp<'_>) -> Span {
    Span::new(source, prop.range.start, prop.range.end)
}

/// The span of the key of a member.
pub fn key_span(source: SourceId, prop: &ObjectProp<'_>) -> Span {
    let r = prop.name.range();
    Span::new(source, r.start, r.end)
}

/// The key of a member as text.
pub fn key<'a>(prop: &'a ObjectProp<'_>) -> &'a str {
    prop.name.as_str()
}

/// The value of the member named `key` of an object's members.
pub fn member<'v, 'a>(props: &'v [ObjectProp<'a>], key: &str) -> Option<&'v Value<'a>> {
    props
        .iter()
        .find(|p| p.name.as_str() == key)
        .map(|p| &p.value)
}

/// The text of a registered source, shared so that a parsed tree can borrow from it while the
/// source map is extended; an error when the id is unknown.
pub fn source_text(
    map: &iamwhy_core::SourceMap,
    source: SourceId,
) -> Result<iamwhy_core::SharedText, iamwhy_core::Diagnostics> {
    map.text_arc(source).ok_or_else(|| {
        iamwhy_core::Diagnostics::single(Diagnostic::error(
            "unknown-source",
            "unknown source",
            Span::empty(source),
        ))
    })
}

/// "an object", "a string", ... for messages.
pub fn describe(value: &Value<'_>) -> &'static str {
    match value {
        Value::StringLit(_) => "a string",
        Value::NumberLit(_) => "a number",
        Value::BooleanLit(_) => "a boolean",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::NullKeyword(_) => "null",
    }
}

/// Reports every key that appears twice in an object (spec §2.1: the same key twice in one
/// object is invalid).
pub fn duplicate_keys(source: SourceId, props: &[ObjectProp<'_>]) -> Vec<Diagnostic> {
    let mut seen: Vec<&str> = Vec::with_capacity(props.len());
    let mut out = Vec::new();
    for prop in props {
        let k = key(prop);
        if seen.contains(&k) {
            out.push(
                Diagnostic::error(
                    "duplicate-key",
                    format!("duplicate key `{k}`"),
                    key_span(source, prop),
                )
                .with_help("JSON parsers keep only one of the values; AWS rejects the document"),
            );
        } else {
            seen.push(k);
        }
    }
    out
}

/// Decodes a JSON string literal found at `range` of `text`, returning the text and, for each
/// decoded byte (plus the end), the absolute offset in `text` it came from.
pub fn decode_string_literal(text: &str, start: usize, end: usize) -> Option<(String, Vec<u32>)> {
    let raw = text.get(start..end)?;
    let body = raw.strip_prefix('"')?.strip_suffix('"')?;
    // Offsets are capped at `u32::MAX`, like every `Span`; indices into `body` are bounded by
    // its length, so the additions below saturate only in theory.
    let base = start.saturating_add(1);
    let mut out = String::with_capacity(body.len());
    let mut offsets: Vec<u32> = Vec::with_capacity(body.len().saturating_add(1));
    let at = |i: usize| u32::try_from(base.saturating_add(i)).unwrap_or(u32::MAX);
    let mut i = 0usize;
    while let Some(rest) = body.get(i..).filter(|rest| !rest.is_empty()) {
        if let Some(escape) = rest.strip_prefix('\\') {
            let esc = *escape.as_bytes().first()?;
            let (ch, len) = match esc {
                b'"' => ('"', 2),
                b'\\' => ('\\', 2),
                b'/' => ('/', 2),
                b'b' => ('\u{8}', 2),
                b'f' => ('\u{c}', 2),
                b'n' => ('\n', 2),
                b'r' => ('\r', 2),
                b't' => ('\t', 2),
                b'u' => {
                    let hi = hex4(rest.get(2..6)?)?;
                    if (0xD800..0xDC00).contains(&hi) {
                        let lo = rest
                            .get(6..8)
                            .filter(|s| *s == "\\u")
                            .and_then(|_| hex4(rest.get(8..12)?));
                        match lo {
                            Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                let pair = [u16::try_from(hi).ok()?, u16::try_from(lo).ok()?];
                                (char::decode_utf16(pair).next()?.ok()?, 12)
                            }
                            _ => ('\u{FFFD}', 6),
                        }
                    } else {
                        (char::from_u32(hi).unwrap_or('\u{FFFD}'), 6)
                    }
                }
                _ => return None,
            };
            let mut buf = [0u8; 4];
            for _ in ch.encode_utf8(&mut buf).bytes() {
                offsets.push(at(i));
            }
            out.push(ch);
            i = i.saturating_add(len);
        } else {
            let ch = rest.chars().next()?;
            let len = ch.len_utf8();
            offsets.extend((i..i.saturating_add(len)).map(at));
            out.push(ch);
            i = i.saturating_add(len);
        }
    }
    offsets.push(at(body.len()));
    Some((out, offsets))
}

fn hex4(s: &str) -> Option<u32> {
    if s.len() == 4 {
        u32::from_str_radix(s, 16).ok()
    } else {
        None
    }
}

/// Decodes RFC 3986 percent-encoding (what the IAM API returns for policy documents),
/// composing the offset map with `offsets` of the encoded text. `+` is not a space here.
pub fn decode_percent(text: &str, offsets: &[u32]) -> Option<(String, Vec<u32>)> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut map = Vec::with_capacity(bytes.len().saturating_add(1));
    let origin = |i: usize| offsets.get(i).copied().unwrap_or(0);
    // `i` never passes `bytes.len()` by more than 2, so the additions cannot saturate.
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = text.get(i..)?.get(1..3)?;
            let v = u8::from_str_radix(hex, 16).ok()?;
            out.push(v);
            map.push(origin(i));
            i = i.saturating_add(3);
        } else {
            out.push(b);
            map.push(origin(i));
            i = i.saturating_add(1);
        }
    }
    map.push(origin(bytes.len()));
    String::from_utf8(out).ok().map(|s| (s, map))
}

/// Whether a string value looks like a URL-encoded JSON object (`%7B...`).
pub fn looks_percent_encoded(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("%7B") || t.starts_with("%7b")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_length_ignores_whitespace_outside_strings() {
        assert_eq!(
            packed_length("{ \"a b\" : [ 1 ,\n 2 ] }"),
            "{\"a b\":[1,2]}".len()
        );
        assert_eq!(packed_length(r#"{"a\" b": 1}"#), r#"{"a\" b":1}"#.len());
    }

    #[test]
    fn strict_json_errors_have_positions() {
        let text = "{\"a\": 1,}";
        let err = parse(SourceId::DETACHED, text).unwrap_err();
        assert_eq!(err.message, "trailing commas are not allowed in JSON");
        assert!(err.span.unwrap().start as usize >= 7);
        assert!(parse(SourceId::DETACHED, "{\"a\": 1} x").is_err());
        assert!(parse(SourceId::DETACHED, "// c\n{}").is_err());
        assert!(parse(SourceId::DETACHED, "{'a': 1}").is_err());
        assert!(parse(SourceId::DETACHED, "").is_err());
    }

    #[test]
    fn decodes_escapes_with_offsets() {
        let text = r#"  "a\"b\u00e9\ud83d\ude00c"  "#;
        let start = text.find('"').unwrap();
        let end = text.rfind('"').unwrap() + 1;
        let (s, offsets) = decode_string_literal(text, start, end).unwrap();
        assert_eq!(s, "a\"bé😀c");
        assert_eq!(offsets.len(), s.len() + 1);
        assert_eq!(offsets[1] as usize, text.find("\\\"").unwrap());
        assert_eq!(*offsets.last().unwrap() as usize, end - 1);
    }

    #[test]
    fn lone_surrogates_decode_to_replacement_characters() {
        let text = r#""\ud83dx\ud83d\u0041\ude00""#;
        let (s, offsets) = decode_string_literal(text, 0, text.len()).unwrap();
        assert_eq!(s, "\u{FFFD}x\u{FFFD}A\u{FFFD}");
        assert_eq!(offsets.len(), s.len() + 1);
        assert_eq!(*offsets.last().unwrap() as usize, text.len() - 1);
        for bad in [r#""\u12""#, r#""\""#, r#""\q""#] {
            assert!(decode_string_literal(bad, 0, bad.len()).is_none(), "{bad}");
        }
    }

    #[test]
    fn decodes_percent_encoding() {
        let enc = "%7B%22a%22%3A1%7D";
        let ident: Vec<u32> = (0..=enc.len() as u32).collect();
        let (s, map) = decode_percent(enc, &ident).unwrap();
        assert_eq!(s, "{\"a\":1}");
        assert_eq!(map[1], 3);
        assert!(looks_percent_encoded(enc));
        assert!(decode_percent("%zz", &ident).is_none());
    }
}
