//! The mutator: a seeded PRNG and byte-level mutations tuned for text formats (JSON, INI,
//! CSV, TOML), in the manner of libFuzzer's `MutationDispatcher` but without coverage.

use std::path::Path;

/// A small, fast PRNG (wyrand). Seeded, so that a run can be repeated exactly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0xa076_1d64_78bd_642f);
        let t = u128::from(self.0) * u128::from(self.0 ^ 0xe703_7ed1_a0b4_28db);
        ((t >> 64) as u64) ^ (t as u64)
    }

    /// A number in `0..n`; `0` when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// True with probability 1/n.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    /// A length from 1 to `max`, small lengths more likely.
    fn len(&mut self, max: usize) -> usize {
        let max = max.max(1);
        let cap = [4, 16, 64, max][self.below(4)].min(max);
        1 + self.below(cap)
    }
}

/// Bytes that matter to the formats we parse.
const SPECIAL: &[u8] = b"{}[]\":,\\/ \n\r\t=#;%*?$-+.0019aeAE\x00\x7f\x80\xc3\xe2\xef\xf0\xff";

/// Tokens of JSON and of the other text formats, and awkward characters.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"true",
    b"false",
    b"\"\"",
    b"{}",
    b"[]",
    b"\"a\":",
    b"\\\"",
    b"\\\\",
    b"\\n",
    b"\\u0000",
    b"\\u00e9",
    b"\\ud800",
    b"\\udc00",
    b"\\ud83d\\ude00",
    b"\n",
    b"\r\n",
    b"\r",
    b"\t",
    b"\xef\xbb\xbf",
    b"\xc3\xa9",
    b"\xf0\x9d\x84\x9e",
    b"\xe2\x80\xa8",
    b"\xff",
    b"\xc3",
    b"\x00",
    b"%",
    b"%22",
    b"%7B",
    b"%ZZ",
    b"*",
    b"?",
    b"${",
    b"${aws:username}",
    b"${*}",
    b"arn:aws:",
    b"arn:aws:iam::111122223333:",
    b"::",
    b"[default]",
    b"[profile x]",
    b" = ",
    b"#",
    b";",
    b"\"\",\"",
    b"\"\"\"",
];

/// Numbers at the edges of the integer and float types, as text.
const NUMBERS: &[&[u8]] = &[
    b"0",
    b"-0",
    b"1",
    b"-1",
    b"7",
    b"255",
    b"256",
    b"65535",
    b"65536",
    b"2147483647",
    b"2147483648",
    b"-2147483649",
    b"4294967295",
    b"4294967296",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"18446744073709551615",
    b"18446744073709551616",
    b"1e308",
    b"1e309",
    b"-1e-400",
    b"0.1",
    b"1.0e",
    b"0x10",
    b"00",
    b"2012-10-17",
    b"2024-02-30T25:61:61Z",
    b"1970-01-01T00:00:00Z",
    b"10.0.0.0/8",
    b"::1/129",
    b"999999999999",
];

/// The mutator: the dictionary, and the inputs it may splice in.
pub struct Mutator {
    dictionary: Vec<Vec<u8>>,
    max_len: usize,
}

impl Mutator {
    pub fn new(dictionary: Vec<Vec<u8>>, max_len: usize) -> Mutator {
        Mutator {
            dictionary,
            max_len,
        }
    }

    pub fn dictionary_len(&self) -> usize {
        self.dictionary.len()
    }

    /// Applies one to eight mutations to `data`; `other` is another input to splice from.
    pub fn mutate(&self, rng: &mut Rng, data: &mut Vec<u8>, other: &[u8]) {
        let rounds = 1 + [0, 1, 3, 7][rng.below(4)];
        for _ in 0..rounds {
            self.mutate_once(rng, data, other);
        }
        data.truncate(self.max_len);
    }

    fn mutate_once(&self, rng: &mut Rng, data: &mut Vec<u8>, other: &[u8]) {
        let len = data.len();
        let at = rng.below(len + 1);
        match rng.below(18) {
            // Bit flip.
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            // A random byte, or one that matters to the formats.
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = rng.next() as u8;
            }
            2 | 3 if len > 0 => {
                let i = rng.below(len);
                data[i] = *rng.pick(SPECIAL).unwrap_or(&b'"');
            }
            // The first byte: several targets read it as a selector.
            4 if len > 0 => data[0] = rng.next() as u8,
            // Delete a range.
            5 if len > 0 => {
                let start = rng.below(len);
                let n = rng.len(len - start);
                data.drain(start..start + n);
            }
            // Insert random bytes.
            6 => {
                let n = rng.len(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                data.splice(at..at, bytes);
            }
            // Duplicate a range, sometimes many times (deep nesting, long runs).
            7 if len > 0 => {
                let start = rng.below(len);
                let n = rng.len(len - start);
                let times = if rng.one_in(4) { 1 + rng.below(256) } else { 1 };
                let chunk = data[start..start + n].repeat(times);
                data.splice(at..at, chunk);
            }
            // Copy a range over another place.
            8 if len > 1 => {
                let src = rng.below(len);
                let n = rng.len(len - src);
                let dst = rng.below(len);
                let chunk = data[src..src + n].to_vec();
                let end = (dst + n).min(len);
                data.splice(dst..end, chunk);
            }
            // Splice with another input: our head, its tail; or a piece of it inserted.
            9 if !other.is_empty() => {
                let theirs = rng.below(other.len());
                data.truncate(at);
                data.extend_from_slice(&other[theirs..]);
            }
            10 if !other.is_empty() => {
                let start = rng.below(other.len());
                let n = rng.len(other.len() - start);
                data.splice(at..at, other[start..start + n].iter().copied());
            }
            // Dictionary tokens: insert, or overwrite.
            11 | 12 if !self.dictionary.is_empty() => {
                if let Some(token) = rng.pick(&self.dictionary) {
                    if rng.one_in(2) || len == 0 {
                        data.splice(at..at, token.iter().copied());
                    } else {
                        let end = (at + token.len()).min(len);
                        data.splice(at.min(len)..end, token.iter().copied());
                    }
                }
            }
            13 => {
                if let Some(token) = rng.pick(TOKENS) {
                    data.splice(at..at, token.iter().copied());
                }
            }
            // An interesting number: in place of a run of digits, or inserted.
            14 => {
                let number = rng.pick(NUMBERS).copied().unwrap_or(b"0");
                match digits_at(data, rng.below(len.max(1))) {
                    Some((start, end)) => {
                        data.splice(start..end, number.iter().copied());
                    }
                    None => {
                        data.splice(at..at, number.iter().copied());
                    }
                }
            }
            // Truncate.
            15 if len > 0 => data.truncate(rng.below(len)),
            // Swap the case of an ASCII letter (keys are matched with and without case).
            16 if len > 0 => {
                let i = rng.below(len);
                if data[i].is_ascii_alphabetic() {
                    data[i] ^= 0x20;
                }
            }
            // Swap two bytes.
            _ if len > 1 => data.swap(rng.below(len), rng.below(len)),
            _ => data.push(rng.next() as u8),
        }
    }
}

/// The run of ASCII digits that contains or follows `from`, if any.
fn digits_at(data: &[u8], from: usize) -> Option<(usize, usize)> {
    let start = from + data.get(from..)?.iter().position(u8::is_ascii_digit)?;
    let end = start
        + data[start..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(data.len() - start);
    Some((start, end))
}

/// Reads libFuzzer dictionaries (`name="value"` or `"value"` lines, `\\`, `\"` and `\xAB`
/// escapes, `#` comments).
pub fn read_dictionary(path: &Path) -> std::io::Result<Vec<Vec<u8>>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text.lines().filter_map(dictionary_entry).collect())
}

fn dictionary_entry(line: &str) -> Option<Vec<u8>> {
    let line = line.trim();
    if line.starts_with('#') {
        return None;
    }
    let quoted = line.get(line.find('"')? + 1..line.rfind('"')?)?;
    let mut out = Vec::new();
    let mut bytes = quoted.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next()? {
            b'x' => {
                let hex = [bytes.next()?, bytes.next()?];
                out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
            }
            other => out.push(other),
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Tokens found in the seeds: quoted strings of 2 to 48 bytes (keys and values of the
/// formats), so that each target's dictionary grows with its seeds.
pub fn seed_tokens<'a>(inputs: impl Iterator<Item = &'a [u8]>) -> Vec<Vec<u8>> {
    let mut tokens = std::collections::BTreeSet::new();
    for input in inputs {
        let mut rest = input;
        while let Some(open) = rest.iter().position(|&b| b == b'"') {
            let after = &rest[open + 1..];
            let Some(close) = after.iter().position(|&b| b == b'"' || b == b'\n') else {
                break;
            };
            if (2..=48).contains(&close) && after[close] == b'"' {
                tokens.insert(rest[open..open + close + 2].to_vec());
            }
            rest = &after[close + 1..];
        }
    }
    tokens.into_iter().take(4096).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_lines() {
        assert_eq!(
            dictionary_entry(r#""\"Version\"""#),
            Some(b"\"Version\"".to_vec())
        );
        assert_eq!(dictionary_entry(r#"kw="a\x41""#), Some(b"aA".to_vec()));
        assert_eq!(dictionary_entry("# comment"), None);
    }

    #[test]
    fn mutations_stay_in_bounds() {
        let m = Mutator::new(vec![b"\"Effect\"".to_vec()], 256);
        let mut rng = Rng::new(1);
        let mut data = b"{\"a\": 12}".to_vec();
        for _ in 0..100_000 {
            m.mutate(&mut rng, &mut data, b"[1, 2]");
            assert!(data.len() <= 256);
            if data.is_empty() {
                data.push(b'{');
            }
        }
    }
}
