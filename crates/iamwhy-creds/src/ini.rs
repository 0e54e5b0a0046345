//! The AWS shared `config` and `credentials` files: INI as botocore reads them (Python's
//! `configparser` with its defaults): `[section]` headers, `key = value` or `key: value`
//! lines, `#` and `;` comment lines, keys lower-cased, values trimmed, indented lines
//! continuing the value above (botocore reads `s3 =` followed by indented `key = value` lines
//! as nested settings). Anything else is an error with its line and column — the SDKs refuse
//! such a file as a whole. Messages never quote the line: it may hold a secret.

/// One `[section]` of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The text between the brackets, trimmed.
    pub name: String,
    /// Line of the header (from 1).
    pub line: u32,
    /// The settings, in file order.
    pub entries: Vec<Entry>,
}

/// One `key = value` line (with its continuation lines).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key, lower case.
    pub key: String,
    /// The value, trimmed; continuation lines joined with `\n`.
    pub value: String,
    /// Line of the key (from 1).
    pub line: u32,
}

/// Why a file cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Line (from 1).
    pub line: u32,
    /// Column (from 1, in characters).
    pub column: u32,
    /// What was expected, without the line's text.
    pub message: String,
}

/// Parses a shared config or credentials file.
pub fn parse(text: &str) -> Result<Vec<Section>, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sections: Vec<Section> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = u32::try_from(i.saturating_add(1)).unwrap_or(u32::MAX);
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indent = raw.strip_suffix(raw.trim_start()).unwrap_or("");
        let column = u32::try_from(indent.chars().count().saturating_add(1)).unwrap_or(u32::MAX);
        // An indented line continues the value above it.
        if !indent.is_empty()
            && let Some(entry) = sections.last_mut().and_then(|s| s.entries.last_mut())
        {
            if !entry.value.is_empty() {
                entry.value.push('\n');
            }
            entry.value.push_str(trimmed);
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            let Some(name) = rest.strip_suffix(']') else {
                return Err(SyntaxError {
                    line,
                    column: column
                        .saturating_add(u32::try_from(trimmed.chars().count()).unwrap_or(0)),
                    message: "expected `]` at the end of the section header".to_owned(),
                });
            };
            sections.push(Section {
                name: name.trim().to_owned(),
                line,
                entries: Vec::new(),
            });
            continue;
        }
        let Some((key, value)) = trimmed.split_once(['=', ':']) else {
            return Err(SyntaxError {
                line,
                column,
                message: "expected `key = value`, a `[section]` header or a comment".to_owned(),
            });
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(SyntaxError {
                line,
                column,
                message: "expected a setting name before `=`".to_owned(),
            });
        }
        let Some(section) = sections.last_mut() else {
            return Err(SyntaxError {
                line,
                column,
                message: "a setting before any `[section]` header".to_owned(),
            });
        };
        section.entries.push(Entry {
            key: key.to_ascii_lowercase(),
            value: value.trim().to_owned(),
            line,
        });
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    #[test]
    fn sections_settings_comments_and_nested_values() {
        let s = parse(
            "# comment\n[default]\nAWS_Access_Key_ID = AKIAEXAMPLE\nregion: eu-west-1\n; x\n[profile dev]\ns3 =\n  max_concurrent_requests = 10\n",
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "default");
        assert_eq!(s[0].entries[0].key, "aws_access_key_id");
        assert_eq!(s[0].entries[1].value, "eu-west-1");
        assert_eq!(s[1].entries[0].value, "max_concurrent_requests = 10");
        assert_eq!(s[1].line, 6);
    }

    #[test]
    fn errors_name_line_and_column_without_the_text() {
        let e = parse("[default]\naws_access_key_id = AKIAEXAMPLE\nwJalrXUtnFEMI/K7MDENG\n")
            .unwrap_err();
        assert_eq!((e.line, e.column), (3, 1));
        assert!(!e.message.contains("wJalr"));
        let e = parse("aws_access_key_id = x\n").unwrap_err();
        assert_eq!(e.line, 1);
        let e = parse("[default\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 9));
    }
}
