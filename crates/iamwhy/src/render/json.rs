//! JSON output: the result models, serialised as documented in docs/output.md.

use serde::Serialize;

/// Pretty JSON with a final newline.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(e) => format!("{}\n", serde_json::json!({"error": e.to_string()})),
    }
}
