//! Which statements can apply to an action of a given service: built once per document, so
//! that evaluation looks only at the statements of the request's service (and at those whose
//! `Action` is `*` or that use `NotAction`).

use crate::document::{ActionMatcher, ActionPattern, Statement};

/// Statement indices by service prefix.
#[derive(Clone, Debug, Default)]
pub(crate) struct ActionIndex {
    /// `(service_hash, statement indices in order)`, sorted by hash.
    by_service: Vec<(u64, Vec<u32>)>,
    /// Statements that can match any service (`*`, `NotAction`), in order.
    any_service: Vec<u32>,
}

impl ActionIndex {
    /// Indexes the statements of a document.
    pub(crate) fn build(statements: &[Statement]) -> ActionIndex {
        let mut index = ActionIndex::default();
        for (i, stmt) in statements.iter().enumerate() {
            let any = stmt.action.negated
                || stmt
                    .action
                    .items
                    .iter()
                    .any(|a| matches!(a.matcher, ActionMatcher::All));
            index.add(i, any, stmt.action.items.iter().map(|a| &a.matcher));
        }
        index.finish()
    }

    /// Indexes the entries of one long `Action`/`NotAction` list, so that a request looks
    /// only at the entries of its service (ReadOnlyAccess lists over a thousand).
    pub(crate) fn build_items(items: &[ActionPattern]) -> ActionIndex {
        let mut index = ActionIndex::default();
        for (i, item) in items.iter().enumerate() {
            let any = matches!(item.matcher, ActionMatcher::All);
            index.add(i, any, std::iter::once(&item.matcher));
        }
        index.finish()
    }

    /// Files entry `i` under every service its matchers name, or under any service.
    fn add<'a>(&mut self, i: usize, any: bool, matchers: impl Iterator<Item = &'a ActionMatcher>) {
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        if any {
            self.any_service.push(i);
            return;
        }
        for m in matchers {
            if let ActionMatcher::Service { service_hash, .. } = *m {
                match self.by_service.iter_mut().find(|(h, _)| *h == service_hash) {
                    Some((_, list)) => {
                        if list.last() != Some(&i) {
                            list.push(i);
                        }
                    }
                    None => self.by_service.push((service_hash, vec![i])),
                }
            }
        }
    }

    fn finish(mut self) -> ActionIndex {
        self.by_service.sort_by_key(|(h, _)| *h);
        self
    }

    /// The statements that can match an action of the service with this hash, in document
    /// order (a statement whose every `Action` entry names another service cannot).
    pub(crate) fn candidates(&self, service_hash: u64) -> Candidates<'_> {
        let service: &[u32] = self
            .by_service
            .binary_search_by_key(&service_hash, |(h, _)| *h)
            .ok()
            .and_then(|i| self.by_service.get(i))
            .map_or(&[], |(_, list)| list.as_slice());
        Candidates {
            a: service,
            b: &self.any_service,
        }
    }
}

/// Merges two sorted lists of statement indices.
#[derive(Clone, Debug)]
pub struct Candidates<'a> {
    a: &'a [u32],
    b: &'a [u32],
}

impl Iterator for Candidates<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let take_a = match (self.a.first(), self.b.first()) {
            (Some(x), Some(y)) => x < y,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let list = if take_a { &mut self.a } else { &mut self.b };
        let (first, rest) = list.split_first()?;
        *list = rest;
        Some(*first as usize)
    }
}

#[cfg(test)]
mod tests {
    use crate::document::service_hash;
    use crate::parse::parse_policy_str;
    use iamwhy_core::PolicyKind;

    #[test]
    fn candidates_are_the_service_statements_and_the_wildcards_in_order() {
        let doc = parse_policy_str(
            r#"{"Statement": [
              {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
              {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
              {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"},
              {"Effect": "Allow", "Action": ["S3:Put*", "s3:List*", "kms:Decrypt"], "Resource": "*"},
              {"Effect": "Allow", "Action": "*", "Resource": "*"}
            ]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let s3: Vec<usize> = doc.candidates(service_hash("s3")).collect();
        assert_eq!(s3, [0, 2, 3, 4]);
        let kms: Vec<usize> = doc.candidates(service_hash("kms")).collect();
        assert_eq!(kms, [2, 3, 4]);
        let sqs: Vec<usize> = doc.candidates(service_hash("sqs")).collect();
        assert_eq!(sqs, [2, 4]);
    }
}
