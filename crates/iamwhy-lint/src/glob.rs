//! Whether two glob patterns can match a common text: a policy's ARN pattern against a
//! resource type's ARN format.

/// One element of a glob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// This character.
    Char(char),
    /// Any one character.
    One,
    /// Any run of characters, possibly empty.
    Many,
    /// Any one character but `/`.
    OneInSegment,
    /// Any run of characters without `/`, possibly empty.
    ManyInSegment,
}

impl Tok {
    fn is_many(self) -> bool {
        matches!(self, Tok::Many | Tok::ManyInSegment)
    }

    fn in_segment(self) -> bool {
        matches!(self, Tok::OneInSegment | Tok::ManyInSegment)
    }
}

/// A policy pattern's glob: `*` and `?` are wildcards and a policy variable `${...}` may
/// stand for anything.
pub(crate) fn policy_glob(text: &str) -> Vec<Tok> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("${")
            && let Some((_, tail)) = rest.split_once('}')
        {
            out.push(Tok::Many);
            rest = tail;
            continue;
        }
        out.push(match c {
            '*' => Tok::Many,
            '?' => Tok::One,
            c => Tok::Char(c),
        });
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    out
}

/// An ARN format's glob: each `${Placeholder}` stands for one or more characters. Only the
/// last placeholder, after a fixed prefix (`role/${RoleNameWithPath}`,
/// `${BucketName}/${ObjectName}`), may hold a `/`: the others name one path segment (a
/// bucket name has no `/`, so `arn:aws:s3:::b/*` is no bucket).
pub(crate) fn format_glob(text: &str) -> Vec<Tok> {
    let last_placeholder = text.rfind("${");
    let ends_with_placeholder = text.ends_with('}');
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("${")
            && let Some((_, tail)) = rest.split_once('}')
        {
            // `rest` is a suffix of `text`: it starts where the rest of `text` is as long.
            let at = text.len().checked_sub(rest.len());
            let path = at == last_placeholder && ends_with_placeholder && at != Some(0);
            out.extend(if path {
                [Tok::One, Tok::Many]
            } else {
                [Tok::OneInSegment, Tok::ManyInSegment]
            });
            rest = tail;
            continue;
        }
        out.push(Tok::Char(c));
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    out
}

/// Whether some text matches both globs; `fold` compares characters ignoring ASCII case.
pub(crate) fn intersects(a: &[Tok], b: &[Tok], fold: bool) -> bool {
    // One cell per pair of positions (`0..=a.len()` × `0..=b.len()`). A table too large to
    // index could not be allocated either.
    let width = b.len().saturating_add(1);
    let Some(cells) = a.len().checked_add(1).and_then(|n| n.checked_mul(width)) else {
        return false;
    };
    let mut seen = vec![false; cells];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        let cell = i.checked_mul(width).and_then(|row| row.checked_add(j));
        let Some(slot) = cell.and_then(|cell| seen.get_mut(cell)) else {
            continue;
        };
        if *slot {
            continue;
        }
        *slot = true;
        let (ta, tb) = (a.get(i).copied(), b.get(j).copied());
        if ta.is_none() && tb.is_none() {
            return true;
        }
        // A `*` may match nothing.
        if ta.is_some_and(Tok::is_many) {
            stack.push((i.saturating_add(1), j));
        }
        if tb.is_some_and(Tok::is_many) {
            stack.push((i, j.saturating_add(1)));
        }
        // Or both consume one character they can agree on.
        if let (Some(x), Some(y)) = (ta, tb) {
            let agree = match (x, y) {
                (Tok::Char(p), Tok::Char(q)) => p == q || (fold && p.eq_ignore_ascii_case(&q)),
                (Tok::Char(c), w) | (w, Tok::Char(c)) => c != '/' || !w.in_segment(),
                _ => true,
            };
            let (ni, nj) = (
                if x.is_many() { i } else { i.saturating_add(1) },
                if y.is_many() { j } else { j.saturating_add(1) },
            );
            if agree && (ni, nj) != (i, j) {
                stack.push((ni, nj));
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meet(policy: &str, format: &str) -> bool {
        intersects(&policy_glob(policy), &format_glob(format), false)
    }

    #[test]
    fn patterns_meet_formats() {
        assert!(meet("b/*", "${BucketName}/${ObjectName}"));
        assert!(!meet("b/*", "${BucketName}"));
        assert!(!meet("*/x", "${BucketName}"));
        assert!(meet("b/a/b", "${BucketName}/${ObjectName}"));
        assert!(meet("role/a/b/r", "role/${RoleNameWithPath}"));
        assert!(meet("*", "${BucketName}"));
        assert!(meet("b*", "${BucketName}"));
        assert!(!meet("b", "${BucketName}/${ObjectName}"));
        assert!(meet("role/*", "role/${RoleNameWithPath}"));
        assert!(!meet("user/*", "role/${RoleNameWithPath}"));
        assert!(meet(
            "log-group:/aws/lambda/*:*",
            "log-group:${LogGroupName}"
        ));
        assert!(meet(
            "home/${aws:username}/*",
            "${BucketName}/${ObjectName}"
        ));
        assert!(meet("?", "${BucketName}"));
        assert!(!meet("", "${BucketName}"));
        assert!(meet("", ""));
    }

    #[test]
    fn case_folding_is_optional() {
        assert!(!intersects(&policy_glob("S3"), &format_glob("s3"), false));
        assert!(intersects(&policy_glob("S3"), &format_glob("s3"), true));
    }
}
