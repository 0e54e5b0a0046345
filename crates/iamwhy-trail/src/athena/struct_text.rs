//! Athena's text for struct, array and map values: `{type=IAMUser, arn=arn:aws:…, …}`,
//! `[{arn=…, accountid=…, type=…}]`, `null` for a missing value, no quotes and no escapes.
//!
//! The text is ambiguous on its own — a value may hold `, ` or `=` or `}` — so it is read
//! against the table's schema ([`super::schema`]): a field's value ends where `, NAME=` of
//! another field of the same struct starts, or where the struct's `}` is followed by what
//! may follow the struct. Fields are found by name, in any order, so a table with more or
//! fewer fields than ours still reads. What a value cannot say (a string that is the word
//! `null`) is read as missing.

use serde_json::{Map, Value};

use super::schema::{Field, Type, field};

/// Why a struct text could not be read: the byte offset in the text and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructTextError {
    /// Byte offset in the text.
    pub offset: usize,
    /// What was expected there.
    pub expected: String,
}

impl std::fmt::Display for StructTextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at byte {}: expected {}", self.offset, self.expected)
    }
}

/// What may follow a value: checked on the text after it.
type Follow<'a> = &'a dyn Fn(&str) -> bool;

/// Most nesting a text may have: the schema's depth is 4.
const MAX_DEPTH: usize = 8;

struct Reader<'t> {
    text: &'t str,
}

impl<'t> Reader<'t> {
    fn err<T>(&self, at: &str, expected: impl Into<String>) -> Result<T, StructTextError> {
        Err(StructTextError {
            offset: self.text.len().saturating_sub(at.len()),
            expected: expected.into(),
        })
    }

    /// Reads a value of `ty` at the start of `at`; returns it and the rest.
    fn value<'a>(
        &self,
        at: &'a str,
        ty: Type,
        follow: Follow<'_>,
        depth: usize,
    ) -> Result<(Value, &'a str), StructTextError> {
        if depth > MAX_DEPTH {
            return self.err(at, "less nesting");
        }
        if let Some(rest) = at.strip_prefix("null")
            && follow(rest)
        {
            return Ok((Value::Null, rest));
        }
        match ty {
            Type::Struct(fields) => self.structure(at, fields, follow, depth),
            Type::ArrayOf(fields) => self.array(at, fields, follow, depth),
            Type::String | Type::Json | Type::Map => self.leaf(at, follow),
        }
    }

    /// A string: up to the first place where `follow` holds.
    fn leaf<'a>(
        &self,
        at: &'a str,
        follow: Follow<'_>,
    ) -> Result<(Value, &'a str), StructTextError> {
        // INVARIANT: every `follow` holds only where the rest starts with `,`, `}`, `]` or
        // white space, or is empty; trying only those places keeps a long value linear.
        let places = at
            .char_indices()
            .filter(|(_, c)| matches!(c, ',' | '}' | ']') || c.is_whitespace())
            .map(|(i, _)| i)
            .chain(std::iter::once(at.len()));
        for i in places {
            let (value, rest) = at.split_at(i);
            if follow(rest) {
                return Ok((Value::String(value.to_owned()), rest));
            }
        }
        self.err(at, "the end of a value")
    }

    fn structure<'a>(
        &self,
        at: &'a str,
        fields: &'static [Field],
        follow: Follow<'_>,
        depth: usize,
    ) -> Result<(Value, &'a str), StructTextError> {
        let Some(mut rest) = at.strip_prefix('{') else {
            return self.err(at, "`{` or `null`");
        };
        let mut out = Map::new();
        if let Some(after) = rest.strip_prefix('}')
            && follow(after)
        {
            return Ok((Value::Object(out), after));
        }
        // The next field of this struct starts, or the struct ends.
        // Compares the few field names at `t`, never searching ahead: a value with many
        // `, ` stays linear.
        let next_field = |t: &str| -> bool {
            t.strip_prefix(", ").is_some_and(|t| {
                fields.iter().any(|f| {
                    t.get(..f.name.len())
                        .is_some_and(|n| n.eq_ignore_ascii_case(f.name))
                        && t.get(f.name.len()..).is_some_and(|r| r.starts_with('='))
                })
            })
        };
        let ends = |t: &str| -> bool { t.strip_prefix('}').is_some_and(follow) };
        let boundary = |t: &str| next_field(t) || ends(t);
        loop {
            let Some((name, after)) = rest.split_once('=') else {
                return self.err(rest, "`NAME=VALUE`");
            };
            let Some(f) = field(fields, name) else {
                let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
                return self.err(rest, format!("one of the fields {}", names.join(", ")));
            };
            let (value, after) = self.value(after, f.ty, &boundary, depth.saturating_add(1))?;
            if !value.is_null() {
                out.insert(f.json.to_owned(), value);
            }
            if let Some(t) = after.strip_prefix(", ")
                && next_field(after)
            {
                rest = t;
                continue;
            }
            if let Some(t) = after.strip_prefix('}')
                && follow(t)
            {
                return Ok((Value::Object(out), t));
            }
            return self.err(after, "`, ` or `}`");
        }
    }

    fn array<'a>(
        &self,
        at: &'a str,
        fields: &'static [Field],
        follow: Follow<'_>,
        depth: usize,
    ) -> Result<(Value, &'a str), StructTextError> {
        let Some(mut rest) = at.strip_prefix('[') else {
            return self.err(at, "`[` or `null`");
        };
        let mut out = Vec::new();
        if let Some(after) = rest.strip_prefix(']')
            && follow(after)
        {
            return Ok((Value::Array(out), after));
        }
        let ends = |t: &str| -> bool { t.strip_prefix(']').is_some_and(follow) };
        let boundary = |t: &str| t.starts_with(", {") || t.starts_with(", null") || ends(t);
        loop {
            let (value, after) = self.value(
                rest,
                Type::Struct(fields),
                &boundary,
                depth.saturating_add(1),
            )?;
            if !value.is_null() {
                out.push(value);
            }
            if let Some(t) = after.strip_prefix(", ") {
                rest = t;
                continue;
            }
            if let Some(t) = after.strip_prefix(']')
                && follow(t)
            {
                return Ok((Value::Array(out), t));
            }
            return self.err(after, "`, ` or `]`");
        }
    }
}

/// Reads the whole `text` as a value of `ty` into JSON with CloudTrail's key names
/// (`{type=Role, arn=…}` → `{"type": "Role", "arn": "…"}`). `null` is [`Value::Null`].
pub fn parse(text: &str, ty: Type) -> Result<Value, StructTextError> {
    let reader = Reader { text };
    let end = |t: &str| t.trim().is_empty();
    let (value, _) = reader.value(text.trim_end(), ty, &end, 0)?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::athena::schema::{RESOURCE, USER_IDENTITY};

    #[test]
    fn user_identity_with_a_session() {
        let text = "{type=AssumedRole, principalid=AROAEXAMPLE:a=b, c, arn=arn:aws:sts::111122223333:assumed-role/Deploy/a=b, c, accountid=111122223333, invokedby=null, accesskeyid=ASIAEXAMPLE, username=null, onbehalfof=null, sessioncontext={attributes={mfaauthenticated=false, creationdate=2026-11-20T10:00:00Z}, sessionissuer={type=Role, principalid=AROAEXAMPLE, arn=arn:aws:iam::111122223333:role/Deploy, accountid=111122223333, username=Deploy}, ec2roledelivery=null, webidfederationdata={federatedprovider=null, attributes={}}}}";
        let v = parse(text, Type::Struct(USER_IDENTITY)).unwrap();
        assert_eq!(v["type"], "AssumedRole");
        assert_eq!(v["principalId"], "AROAEXAMPLE:a=b, c");
        assert_eq!(
            v["arn"],
            "arn:aws:sts::111122223333:assumed-role/Deploy/a=b, c"
        );
        assert!(v.get("invokedBy").is_none());
        assert_eq!(v["sessionContext"]["sessionIssuer"]["userName"], "Deploy");
        assert_eq!(
            v["sessionContext"]["attributes"]["mfaAuthenticated"],
            "false"
        );
    }

    #[test]
    fn resources_and_values_with_braces() {
        let text = "[{arn=arn:aws:s3:::b/{weird}, x], accountid=111122223333, type=AWS::S3::Object}, {arn=arn:aws:s3:::b, accountid=null, type=AWS::S3::Bucket}]";
        let v = parse(text, Type::ArrayOf(RESOURCE)).unwrap();
        assert_eq!(v[0]["ARN"], "arn:aws:s3:::b/{weird}, x]");
        assert_eq!(v[1]["type"], "AWS::S3::Bucket");
        assert_eq!(
            parse("[]", Type::ArrayOf(RESOURCE)).unwrap(),
            Value::Array(vec![])
        );
        assert_eq!(parse("null", Type::ArrayOf(RESOURCE)).unwrap(), Value::Null);
    }

    #[test]
    fn errors_say_where_and_what() {
        let e = parse("{nope=1}", Type::Struct(RESOURCE)).unwrap_err();
        assert_eq!(e.offset, 1);
        assert!(e.expected.contains("arn"), "{e}");
        let e = parse("arn=1", Type::Struct(RESOURCE)).unwrap_err();
        assert_eq!(e.offset, 0);
        assert!(parse("{arn=1", Type::Struct(RESOURCE)).is_err());
    }

    /// Athena's text for a `resources` value: `[{arn=…, accountid=…, type=…}, …]`.
    fn athena_text(resources: &[[Option<String>; 3]]) -> String {
        let items: Vec<String> = resources
            .iter()
            .map(|r| {
                let [arn, account, kind] = r.clone().map(|v| v.unwrap_or_else(|| "null".into()));
                format!("{{arn={arn}, accountid={account}, type={kind}}}")
            })
            .collect();
        format!("[{}]", items.join(", "))
    }

    /// Whether a value is one the text cannot carry (module docs): it holds `, NAME=` for a
    /// field of its struct, could end the struct or the array early, or is the word `null`.
    fn ambiguous(v: &str) -> bool {
        let lower = v.to_ascii_lowercase();
        [", arn=", ", accountid=", ", type=", "}, {", "}, null", "}]"]
            .iter()
            .any(|p| lower.contains(p))
            || lower == "null"
    }

    proptest::proptest! {
        /// Every value the text can carry reads back as written, whatever separators,
        /// braces and brackets it holds.
        #[test]
        fn resources_round_trip(
            resources in proptest::collection::vec(
                proptest::array::uniform3(proptest::option::of("[a-z0-9:/{}\\[\\]=, *-]{0,24}")),
                0..4,
            )
        ) {
            proptest::prop_assume!(resources.iter().flatten().flatten().all(|v| !ambiguous(v)));
            let text = athena_text(&resources);
            let parsed = parse(&text, Type::ArrayOf(RESOURCE)).unwrap();
            let expected: Vec<Value> = resources
                .iter()
                .map(|r| {
                    let mut m = Map::new();
                    for (key, v) in ["ARN", "accountId", "type"].iter().zip(r) {
                        if let Some(v) = v {
                            m.insert((*key).to_owned(), Value::String(v.clone()));
                        }
                    }
                    Value::Object(m)
                })
                .collect();
            proptest::prop_assert_eq!(parsed, Value::Array(expected), "{}", text);
        }
    }

    #[test]
    fn long_values_full_of_separators_are_read() {
        // Each place a value could end is tried once; this text has 100,000 of them.
        let filler = ", x} ]".repeat(20_000);
        let text = format!("[{{arn={filler}, accountid=1, type=t}}]");
        let v = parse(&text, Type::ArrayOf(RESOURCE)).unwrap();
        assert_eq!(v[0]["ARN"].as_str().map(str::len), Some(filler.len()));
        let bad = format!("{{arn={}", ", ".repeat(50_000));
        assert!(parse(&bad, Type::Struct(RESOURCE)).is_err());
    }
}
