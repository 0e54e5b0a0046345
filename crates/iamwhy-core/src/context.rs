//! Request context keys and values.
//!
//! Spec §1: context keys form a case-insensitive map from a key name to a single string or a
//! list of strings. Keys are stored under their lower-case form (the engine compiles
//! condition keys to the same form once), and remember the spelling they were given with.

use std::collections::BTreeMap;

/// The value of a context key.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum ContextValue {
    /// A single-valued key.
    Single(String),
    /// A multi-valued key (spec §1.4 "M"); may be empty.
    Multi(Vec<String>),
}

impl ContextValue {
    /// Whether the key is "null" in the sense of spec §3.4 (AMBIGUITY A5): an empty list or
    /// a single empty string.
    pub fn is_null(&self) -> bool {
        match self {
            ContextValue::Single(s) => s.is_empty(),
            ContextValue::Multi(v) => v.is_empty(),
        }
    }

    /// The values as a slice (one element for a single value).
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::Single(s) => std::slice::from_ref(s),
            ContextValue::Multi(v) => v,
        }
    }

    /// Shows the value for messages: `"v"` or `["a", "b"]`.
    pub fn display(&self) -> String {
        match self {
            ContextValue::Single(s) => format!("{s:?}"),
            ContextValue::Multi(v) => {
                let items: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
                format!("[{}]", items.join(", "))
            }
        }
    }
}

/// Multi-valued global condition keys (spec §1.4, "complete list used by the engine").
pub const MULTI_VALUED_GLOBAL_KEYS: &[&str] = &[
    "aws:calledvia",
    "aws:principalorgpaths",
    "aws:principalservicenameslist",
    "aws:resourceorgpaths",
    "aws:sourceorgpaths",
    "aws:tagkeys",
    "aws:vpceorgpaths",
];

/// Lower-cases a context key name; key names are case-insensitive (spec §2.6).
pub fn normalize_key(key: &str) -> String {
    if key.is_ascii() {
        key.to_ascii_lowercase()
    } else {
        key.to_lowercase()
    }
}

/// Whether a (lower-case) key is one of the multi-valued global keys.
pub fn is_multi_valued_global(key_lower: &str) -> bool {
    MULTI_VALUED_GLOBAL_KEYS.contains(&key_lower)
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    name: String,
    value: ContextValue,
}

/// The context keys of one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    entries: BTreeMap<String, Entry>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// Sets a key, replacing any value it had under any spelling. A single value given for
    /// a multi-valued global key becomes a one-element list.
    pub fn insert(&mut self, key: &str, value: ContextValue) {
        let lower = normalize_key(key);
        let value = match value {
            ContextValue::Single(s) if is_multi_valued_global(&lower) => {
                ContextValue::Multi(vec![s])
            }
            v => v,
        };
        self.entries.insert(
            lower,
            Entry {
                name: key.to_owned(),
                value,
            },
        );
    }

    /// Sets a key only when it has no value yet.
    pub fn insert_if_absent(&mut self, key: &str, value: ContextValue) {
        if self.get(key).is_none() {
            self.insert(key, value);
        }
    }

    /// Sets a single-valued key.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.insert(key, ContextValue::Single(value.into()));
    }

    /// Looks a key up by its already lower-cased name (the engine's hot path).
    pub fn get_normalized(&self, key_lower: &str) -> Option<&ContextValue> {
        self.entries.get(key_lower).map(|e| &e.value)
    }

    /// Looks a key up under any spelling.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        if key.bytes().any(|b| b.is_ascii_uppercase()) || !key.is_ascii() {
            self.get_normalized(&normalize_key(key))
        } else {
            self.get_normalized(key)
        }
    }

    /// Removes a key under any spelling.
    pub fn remove(&mut self, key: &str) -> Option<ContextValue> {
        self.entries.remove(&normalize_key(key)).map(|e| e.value)
    }

    /// Whether the context holds no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Keys (as spelled when inserted) and values, sorted by lower-case key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.entries.values().map(|e| (e.name.as_str(), &e.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive_including_tag_suffixes() {
        // Spec §1.4 key-name rules: `aws:ResourceTag/Env` matches a tag named `env`.
        let mut ctx = Context::new();
        ctx.set("aws:ResourceTag/Env", "prod");
        assert_eq!(
            ctx.get("AWS:resourcetag/env"),
            Some(&ContextValue::Single("prod".into()))
        );
        ctx.set("aws:resourcetag/ENV", "dev");
        assert_eq!(ctx.len(), 1);
        assert_eq!(ctx.iter().next().unwrap().0, "aws:resourcetag/ENV");
    }

    #[test]
    fn multi_valued_global_keys_are_lists() {
        let mut ctx = Context::new();
        ctx.set("aws:TagKeys", "a");
        assert_eq!(
            ctx.get("aws:tagkeys"),
            Some(&ContextValue::Multi(vec!["a".into()]))
        );
    }

    #[test]
    fn null_values() {
        assert!(ContextValue::Single(String::new()).is_null());
        assert!(ContextValue::Multi(vec![]).is_null());
        assert!(!ContextValue::Multi(vec![String::new()]).is_null());
    }
}
