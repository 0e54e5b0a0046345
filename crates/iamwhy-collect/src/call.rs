//! One API call: recorded, its failure classified, never the end of the run; and one file
//! written, whole or not at all.

use std::future::Future;
use std::path::Path;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::Value;

use crate::ops::Op;
use crate::record::Recorder;

/// Awaits a call of `op` on `target`. An error whose code is in `absent` means "nothing to
/// fetch" (a bucket without a policy); any other error is a failure, counted and listed with
/// the permission `op` needs. Returns the output on success only.
pub(crate) async fn call<T, E>(
    rec: &Recorder,
    op: Op,
    target: &str,
    absent: &[&str],
    fut: impl Future<Output = Result<T, E>>,
) -> Option<T>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match fut.await {
        Ok(v) => {
            rec.ok(op);
            Some(v)
        }
        Err(e) => {
            let code = e.code().unwrap_or_default();
            if !code.is_empty() && absent.contains(&code) {
                rec.absent(op);
                return None;
            }
            let code = if code.is_empty() {
                "RequestFailed".to_owned()
            } else {
                code.to_owned()
            };
            let message = match e.message() {
                Some(m) => m.to_owned(),
                None => chain(&e),
            };
            rec.failed(op, target, &code, &message);
            None
        }
    }
}

/// An error without a service message (a connection that failed, a timeout): each cause's
/// own text, outermost first, without the debug dump `DisplayErrorContext` appends.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(e);
    while let Some(err) = next {
        let text = err.to_string();
        if !text.is_empty() && parts.last() != Some(&text) {
            parts.push(text);
        }
        next = err.source();
    }
    parts.join(": ")
}

/// Writes `value` to `path` as the CLI prints JSON (four-space indent), through a scratch
/// file renamed into place, so that a snapshot never holds a partial file. A write that
/// fails is noted on the account.
pub(crate) fn write(rec: &Recorder, path: &Path, value: &Value) {
    match try_write(path, value) {
        Ok(()) => rec.wrote(),
        Err(e) => rec.note(format!("cannot write {}: {e}", path.display())),
    }
}

fn try_write(path: &Path, value: &Value) -> std::io::Result<()> {
    use serde::Serialize;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    value.serialize(&mut ser).map_err(std::io::Error::other)?;
    buf.push(b'\n');
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    std::fs::write(&tmp, &buf)?;
    std::fs::rename(&tmp, path)
}

/// A name made safe as one path component: `/` and `\` become `_`, and a name that is empty
/// or a dot path becomes `_`.
pub(crate) fn file_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c == '/' || c == '\\' { '_' } else { c })
        .collect();
    if s.is_empty() || s == "." || s == ".." {
        "_".to_owned()
    } else {
        s
    }
}

/// `NAME.json` in a folder, with `-2`, `-3`, ... when two names collide.
pub(crate) fn unique_json(taken: &mut std::collections::BTreeSet<String>, name: &str) -> String {
    let base = file_name(name);
    let mut candidate = format!("{base}.json");
    let mut n: u32 = 1;
    while taken.contains(&candidate) {
        n = n.saturating_add(1);
        candidate = format!("{base}-{n}.json");
    }
    taken.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_safe_component_and_unique() {
        let mut taken = std::collections::BTreeSet::new();
        assert_eq!(unique_json(&mut taken, "prod/db"), "prod_db.json");
        assert_eq!(unique_json(&mut taken, "prod/db"), "prod_db-2.json");
        assert_eq!(unique_json(&mut taken, ".."), "_.json");
    }
}
