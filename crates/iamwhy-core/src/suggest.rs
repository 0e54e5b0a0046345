//! "Did you mean" suggestions for names from input.

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len().saturating_add(1));
        cur.push(i.saturating_add(1));
        // Distances are bounded by the lengths of the two strings, so nothing saturates.
        for ((cb, diag), above) in b.iter().zip(&prev).zip(prev.iter().skip(1)) {
            let sub = diag.saturating_add(usize::from(ca != *cb));
            let del = above.saturating_add(1);
            let ins = cur.last().copied().unwrap_or(0).saturating_add(1);
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_is_levenshtein() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("stringequal", "stringequals"), 1);
        assert_eq!(edit_distance("flaw", "lawn"), 2);
    }
}
