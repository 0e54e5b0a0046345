//! Request context keys and values.
//!
//! Spec §1: context keys form a case-insensitive map from a key name to a single string or a
//! list of strings. Keys are stored under their lower-case form (the engine compiles
//! condition keys to the same form once), and remember the spelling they were given with.

use std::collections::{BTreeMap, btree_map};
use std::sync::Arc;

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
#[derive(Clone, Debug, Default)]
pub struct Context {
    entries: BTreeMap<String, Entry>,
    /// Keys shared with other contexts (a replay derives a principal's keys once for all
    /// its calls); `entries` shadow them. Never itself layered.
    base: Option<Arc<Context>>,
}

impl PartialEq for Context {
    fn eq(&self, other: &Context) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Context {}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// A context that starts with the keys of `base`, shared rather than copied.
    pub fn with_base(base: Arc<Context>) -> Context {
        let base = if base.base.is_some() {
            Arc::new(base.flattened())
        } else {
            base
        };
        Context {
            entries: BTreeMap::new(),
            base: (!base.entries.is_empty()).then_some(base),
        }
    }

    /// The same keys, in one map.
    fn flattened(&self) -> Context {
        let mut entries = self
            .base
            .as_ref()
            .map(|b| b.entries.clone())
            .unwrap_or_default();
        entries.extend(self.entries.iter().map(|(k, e)| (k.clone(), e.clone())));
        Context {
            entries,
            base: None,
        }
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
        self.insert_if_absent_with(key, || value);
    }

    /// Sets a key only when it has no value yet, computing the value only then (one look-up
    /// either way).
    pub fn insert_if_absent_with(&mut self, key: &str, value: impl FnOnce() -> ContextValue) {
        let lower = normalize_key(key);
        if self
            .base
            .as_ref()
            .is_some_and(|b| b.entries.contains_key(&lower))
        {
            return;
        }
        if let btree_map::Entry::Vacant(slot) = self.entries.entry(lower) {
            let value = match value() {
                ContextValue::Single(s) if is_multi_valued_global(slot.key()) => {
                    ContextValue::Multi(vec![s])
                }
                v => v,
            };
            slot.insert(Entry {
                name: key.to_owned(),
                value,
            });
        }
    }

    /// Sets a single-valued key.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.insert(key, ContextValue::Single(value.into()));
    }

    /// Looks a key up by its already lower-cased name (the engine's hot path).
    pub fn get_normalized(&self, key_lower: &str) -> Option<&ContextValue> {
        self.entries
            .get(key_lower)
            .or_else(|| self.base.as_ref()?.entries.get(key_lower))
            .map(|e| &e.value)
    }

    /// Looks a key up under any spelling.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        if key.is_ascii() && !key.bytes().any(|b| b.is_ascii_uppercase()) {
            return self.get_normalized(key);
        }
        // Short ASCII names are lower-cased on the stack: no allocation on this path.
        let mut buf = [0u8; 128];
        match buf.get_mut(..key.len()) {
            Some(lower) if key.is_ascii() => {
                lower.copy_from_slice(key.as_bytes());
                lower.make_ascii_lowercase();
                std::str::from_utf8(lower)
                    .ok()
                    .and_then(|k| self.get_normalized(k))
            }
            _ => self.get_normalized(&normalize_key(key)),
        }
    }

    /// Removes a key under any spelling.
    pub fn remove(&mut self, key: &str) -> Option<ContextValue> {
        let lower = normalize_key(key);
        if self
            .base
            .as_ref()
            .is_some_and(|b| b.entries.contains_key(&lower))
        {
            *self = self.flattened();
        }
        self.entries.remove(&lower).map(|e| e.value)
    }

    /// Whether the context holds no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.base.is_none()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Keys (as spelled when inserted) and values, sorted by lower-case key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        let mut own = self.entries.iter().peekable();
        let mut base = self
            .base
            .as_ref()
            .map(|b| b.entries.iter())
            .into_iter()
            .flatten()
            .peekable();
        std::iter::from_fn(move || {
            let (_, e) = match (own.peek(), base.peek()) {
                (Some((a, _)), Some((b, _))) => match a.cmp(b) {
                    std::cmp::Ordering::Less => own.next()?,
                    std::cmp::Ordering::Greater => base.next()?,
                    std::cmp::Ordering::Equal => {
                        base.next();
                        own.next()?
                    }
                },
                (Some(_), None) => own.next()?,
                (None, _) => base.next()?,
            };
            Some((e.name.as_str(), &e.value))
        })
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
    fn layered_contexts_read_like_one_map() {
        let mut base = Context::new();
        base.set("aws:PrincipalArn", "arn:aws:iam::111122223333:user/a");
        base.set("aws:username", "a");
        let mut ctx = Context::with_base(Arc::new(base));
        ctx.set("aws:USERNAME", "b");
        ctx.insert_if_absent("aws:PrincipalArn", ContextValue::Single("x".into()));
        ctx.set("aws:SourceIp", "192.0.2.1");
        let keys: Vec<(&str, String)> = ctx.iter().map(|(k, v)| (k, v.display())).collect();
        assert_eq!(
            keys,
            [
                (
                    "aws:PrincipalArn",
                    "\"arn:aws:iam::111122223333:user/a\"".to_owned()
                ),
                ("aws:SourceIp", "\"192.0.2.1\"".to_owned()),
                ("aws:USERNAME", "\"b\"".to_owned()),
            ]
        );
        assert_eq!(ctx.len(), 3);
        assert_eq!(
            ctx.remove("aws:principalarn")
                .map(|v| v.display())
                .as_deref(),
            Some("\"arn:aws:iam::111122223333:user/a\"")
        );
        assert_eq!(ctx.get("aws:PrincipalArn"), None);
        assert_eq!(ctx.len(), 2);
        let mut flat = Context::new();
        flat.set("aws:SourceIp", "192.0.2.1");
        flat.set("aws:USERNAME", "b");
        assert_eq!(ctx, flat);
    }

    #[test]
    fn null_values() {
        assert!(ContextValue::Single(String::new()).is_null());
        assert!(ContextValue::Multi(vec![]).is_null());
        assert!(!ContextValue::Multi(vec![String::new()]).is_null());
    }
}
