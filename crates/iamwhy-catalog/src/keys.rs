//! Condition keys and their types.

use iamwhy_policy::{CaseFold, Pattern, Variables, Wildcards};

/// A condition key as the Service Authorization Reference or the IAM User Guide defines it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionKey {
    /// The key, possibly a template: `aws:ResourceTag/${TagKey}`, `s3:ExistingObjectTag/<key>`.
    pub name: &'static str,
    /// The type of its values.
    pub key_type: KeyType,
    /// What the key holds.
    pub description: &'static str,
}

impl ConditionKey {
    /// Whether the name is a template (`${TagKey}`, `<key>`, and the reference's looser
    /// spellings `ResourceTag/tag-key` and `ResourceTag/`) rather than a fixed key.
    pub fn is_template(&self) -> bool {
        self.name.contains("${") || self.name.contains('<') || loose_tail(self.name).is_some()
    }
}

/// The type of a condition key's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyType {
    /// The type of each value.
    pub scalar: ScalarType,
    /// Whether the key can hold several values (`ArrayOf...`): set operators
    /// (`ForAnyValue:`/`ForAllValues:`) are needed.
    pub multivalued: bool,
}

impl KeyType {
    /// Parses `String`, `ArrayOfARN`, ... as the reference writes them.
    pub fn parse(text: &str) -> Option<KeyType> {
        let (multivalued, scalar) = match text.strip_prefix("ArrayOf") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        Some(KeyType {
            scalar: ScalarType::parse(scalar)?,
            multivalued,
        })
    }

    /// The reference's spelling, `ArrayOfString`.
    pub fn name(self) -> String {
        let scalar = self.scalar.as_str();
        if self.multivalued {
            format!("ArrayOf{scalar}")
        } else {
            scalar.to_owned()
        }
    }
}

/// The type of one condition value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarType {
    /// Text: the `String...` operators.
    String,
    /// An ARN: the `Arn...` operators (and `String...`).
    Arn,
    /// `true` or `false`: `Bool`.
    Bool,
    /// A number: the `Numeric...` operators.
    Numeric,
    /// A date and time: the `Date...` operators.
    Date,
    /// An IP address or range: `IpAddress`, `NotIpAddress`.
    IpAddress,
    /// Base-64 bytes: `BinaryEquals`.
    Binary,
}

impl ScalarType {
    fn parse(text: &str) -> Option<ScalarType> {
        Some(match text {
            "String" => ScalarType::String,
            "ARN" => ScalarType::Arn,
            "Bool" | "Boolean" => ScalarType::Bool,
            "Numeric" | "Long" | "Integer" => ScalarType::Numeric,
            "Date" => ScalarType::Date,
            "IPAddress" => ScalarType::IpAddress,
            "Binary" => ScalarType::Binary,
            _ => return None,
        })
    }

    /// The reference's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ScalarType::String => "String",
            ScalarType::Arn => "ARN",
            ScalarType::Bool => "Bool",
            ScalarType::Numeric => "Numeric",
            ScalarType::Date => "Date",
            ScalarType::IpAddress => "IPAddress",
            ScalarType::Binary => "Binary",
        }
    }
}

pub(crate) fn parse_key(
    name: &'static str,
    key_type: &'static str,
    description: &'static str,
) -> Option<ConditionKey> {
    Some(ConditionKey {
        name,
        key_type: KeyType::parse(key_type)?,
        description,
    })
}

/// The hand-written table: `#` comments, then `key TAB type TAB description` lines.
pub(crate) fn parse_table(text: &'static str) -> Vec<ConditionKey> {
    let mut keys: Vec<ConditionKey> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            parse_key(f.next()?, f.next()?, f.next().unwrap_or(""))
        })
        .collect();
    keys.sort_by_key(|k| k.name.to_ascii_lowercase());
    keys
}

/// The definition among `keys` of a key as written in a policy: the same name ignoring case,
/// else a template it fits.
pub(crate) fn find<'a>(keys: &'a [ConditionKey], key: &str) -> Option<&'a ConditionKey> {
    keys.iter()
        .find(|k| k.name.eq_ignore_ascii_case(key))
        .or_else(|| {
            keys.iter()
                .filter(|k| k.is_template())
                .find(|k| key_matches_template(key, k.name))
        })
}

/// Whether a concrete key (`aws:ResourceTag/team`) fits a template
/// (`aws:ResourceTag/${TagKey}`, `s3:ExistingObjectTag/<key>`): the fixed parts ignore case,
/// each placeholder stands for one or more characters.
pub fn key_matches_template(key: &str, template: &str) -> bool {
    // Most keys differ before the first placeholder: no pattern to build for them.
    let fixed = template.find(['$', '<']).unwrap_or(template.len());
    let head = loose_tail(template).unwrap_or_else(|| template.get(..fixed).unwrap_or(template));
    if !key
        .get(..head.len())
        .is_some_and(|k| k.eq_ignore_ascii_case(head))
    {
        return false;
    }
    let mut glob = String::with_capacity(template.len());
    let mut rest = template;
    if let Some(head) = loose_tail(template) {
        glob.push_str(head);
        glob.push_str("?*");
        rest = "";
    }
    while let Some(c) = rest.chars().next() {
        let after_placeholder = match c {
            '$' if rest.starts_with("${") => rest.split_once('}'),
            '<' => rest.split_once('>'),
            _ => None,
        };
        match after_placeholder {
            Some((_, tail)) => {
                glob.push_str("?*");
                rest = tail;
            }
            None => {
                glob.push(c);
                rest = rest.get(c.len_utf8()..).unwrap_or("");
            }
        }
    }
    Pattern::compile(&glob, Wildcards::Glob, Variables::Literal).matches_plain(key, CaseFold::Ascii)
}

/// The fixed part of a template the Service Authorization Reference writes without a
/// placeholder: `secretsmanager:ResourceTag/` and `ssm:resourceTag/tag-key` both stand for a
/// tag key after the `/`.
fn loose_tail(template: &str) -> Option<&str> {
    let ends = |suffix: &str| {
        template
            .len()
            .checked_sub(suffix.len())
            .and_then(|at| template.get(at..))
            .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
    };
    if ends("tag/") {
        Some(template)
    } else if ends("tag/tag-key") {
        template
            .len()
            .checked_sub("tag-key".len())
            .and_then(|at| template.get(..at))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        assert!(key_matches_template(
            "aws:ResourceTag/team",
            "aws:ResourceTag/${TagKey}"
        ));
        assert!(key_matches_template(
            "AWS:resourcetag/Team",
            "aws:ResourceTag/${TagKey}"
        ));
        assert!(!key_matches_template(
            "aws:ResourceTag/",
            "aws:ResourceTag/${TagKey}"
        ));
        assert!(key_matches_template(
            "s3:ExistingObjectTag/classification",
            "s3:ExistingObjectTag/<key>"
        ));
        assert!(key_matches_template(
            "codebuild:environment.environmentVariables/X.value",
            "codebuild:environment.environmentVariables/${name}.value"
        ));
        assert!(!key_matches_template("aws:SourceIp", "aws:SourceVpc"));
        assert!(key_matches_template(
            "secretsmanager:ResourceTag/team",
            "secretsmanager:ResourceTag/"
        ));
        assert!(key_matches_template(
            "ssm:resourceTag/team",
            "ssm:resourceTag/tag-key"
        ));
        assert!(!key_matches_template(
            "ssm:resourceTag/",
            "ssm:resourceTag/tag-key"
        ));
    }

    #[test]
    fn types() {
        let t = KeyType::parse("ArrayOfARN").unwrap();
        assert!(t.multivalued);
        assert_eq!(t.scalar, ScalarType::Arn);
        assert_eq!(t.name(), "ArrayOfARN");
        assert_eq!(KeyType::parse("Bool").unwrap().name(), "Bool");
        assert!(KeyType::parse("Whatever").is_none());
    }
}
