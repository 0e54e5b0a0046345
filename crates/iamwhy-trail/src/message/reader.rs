//! Reading AccessDenied messages out of whatever users paste (issue 20): the message may sit
//! inside an SDK's exception print, a CLI error line, a Go or Terraform error chain, a
//! CloudFormation event, a JSON or XML response body (with its escapes), a log line, or be one
//! of several in one paste. The reader looks for AWS's own sentences wherever they are — the
//! anchors `not authorized to perform`, `unable to perform`, `Access Denied`, `Encoded
//! authorization failure message` — and reads each one's principal, action, resource and
//! reason where AWS puts them, so that the wrapper around it never matters. The wrapper's own
//! facts (the error code, the operation, the service) are read separately ([`super::wrapper`]).
//!
//! An ARN ends where an ARN ends: quotes, a closing parenthesis or bracket, markup
//! (`</Message>`) and sentence punctuation after it are not part of it. Redacted account
//! fields (`xxx`, `***`, `<account-id>`) are kept as written.

use super::wrapper::{self, Wrapper};
use super::{DenialMessage, DenyKind, MessageForm, policy_type_of, strip_article};

/// Every AccessDenied message found in `text`, in order; empty when there is none.
pub fn read_messages(text: &str) -> Vec<DenialMessage> {
    if let Some(m) = super::decoded::read(text) {
        return vec![m];
    }
    let clean = normalize(text);
    // Lower case with line breaks and tabs as spaces (the same byte offsets): a message that a
    // terminal or a log wrapped still reads `because no` as one phrase.
    let lower: String = clean
        .chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let facts = wrapper::read(&clean);
    let mut out: Vec<DenialMessage> = Vec::new();
    let mut from = 0usize;
    for at in anchors(&lower) {
        if at.start < from {
            continue;
        }
        let (m, end) = sentence(&clean, &lower, at, from);
        from = end;
        if !out.iter().any(|o| same(o, &m)) {
            out.push(m);
        }
    }
    if out.len() > 1 {
        // `You are not authorized to perform this operation. User: … is not authorized to
        // perform: …`: the first sentence only announces the second.
        out.retain(|m| m.principal.is_some() || m.action.is_some() || m.resource.is_some());
    }
    if out.is_empty()
        && let Some(m) = other_form(&clean, &lower)
    {
        out.push(m);
    }
    for m in &mut out {
        facts.apply(m);
        if m.form == MessageForm::Standard
            && m.principal.is_none()
            && m.action.is_none()
            && m.resource.is_none()
            && m.deny_kind == DenyKind::Unknown
        {
            // `You are not authorized to perform this operation.` and nothing more of AWS's
            // sentence: EC2's encoded message alone, or a message with no facts.
            m.form = if m.encoded_message.is_some() {
                MessageForm::EncodedOnly
            } else {
                MessageForm::Other
            };
        }
    }
    out
}

/// Two readings of the same message (a paste that repeats it).
fn same(a: &DenialMessage, b: &DenialMessage) -> bool {
    a.principal == b.principal
        && a.action == b.action
        && a.resource == b.resource
        && a.deny_kind == b.deny_kind
        && a.policy_type == b.policy_type
}

/// Undoes the escapes of a message that travelled inside JSON (once or twice) or XML.
fn normalize(text: &str) -> std::borrow::Cow<'_, str> {
    let escaped = text.contains("\\\"") || text.contains("\\n") || text.contains("\\u00");
    let xml = text.contains("&quot;") || text.contains("&amp;") || text.contains("&lt;");
    if !escaped && !xml {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut s = text.to_owned();
    for _ in 0..2 {
        s = s
            .replace("\\\\", "\u{1}")
            .replace("\\\"", "\"")
            .replace("\\n", "\n")
            .replace("\\t", "\t")
            .replace("\\r", "")
            .replace("\\/", "/")
            .replace("\\u0027", "'")
            .replace("\\u003c", "<")
            .replace("\\u003e", ">")
            .replace("\\u0026", "&")
            .replace('\u{1}', "\\");
    }
    s = s
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    std::borrow::Cow::Owned(s)
}

/// Where an anchor phrase starts and ends, and which it is.
#[derive(Clone, Copy, Debug)]
struct Anchor {
    start: usize,
    end: usize,
}

/// The phrases that open the action part of AWS's sentence.
const PHRASES: &[&str] = &[
    "not authorized to perform",
    "unable to perform",
    "not authorized to access this resource",
];

fn anchors(lower: &str) -> Vec<Anchor> {
    let mut found: Vec<Anchor> = PHRASES
        .iter()
        .flat_map(|p| {
            lower.match_indices(p).map(move |(start, m)| Anchor {
                start,
                end: start.saturating_add(m.len()),
            })
        })
        .collect();
    found.sort_by_key(|a| a.start);
    found.dedup_by_key(|a| a.start);
    found
}

/// How far after its anchor a message's parts are looked for: AWS's sentence is a few hundred
/// bytes (an encoded EC2 message a few KB, but it comes last). Bounding every forward search
/// keeps a 1 MB paste of many anchors linear.
const WINDOW: usize = 4096;

/// The first `max` bytes of `s`, cut at a character boundary.
fn window(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    s.get(..end).unwrap_or("")
}

/// Characters that end a token (an ARN, an action) besides white space.
fn ends_token(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>' | '\\' | '|')
}

/// Drops what follows an ARN or action but is not part of it: sentence punctuation, closing
/// brackets that have no opening one in the token, quotes.
fn trim_token(token: &str) -> &str {
    let arn = token.starts_with("arn:");
    let mut t = token;
    loop {
        let before = t;
        t = t.trim_end_matches([',', ';', '"', '\'', '`', '!', '?']);
        if t.ends_with('.') && !t.ends_with("...") {
            t = t.strip_suffix('.').unwrap_or(t);
        }
        if !arn {
            t = t.trim_end_matches(':');
        }
        for (close, open) in [(')', '('), (']', '['), ('}', '{')] {
            if t.ends_with(close) && t.matches(open).count() < t.matches(close).count() {
                t = t.strip_suffix(close).unwrap_or(t);
            }
        }
        if t == before {
            return t;
        }
    }
}

/// The token starting at the beginning of `text` (after white space and an opening quote):
/// up to white space, quotes or markup, trimmed. In an ARN, a placeholder a user wrote for a
/// redacted part (`<account id>`, `{region}`) is part of the token, spaces and all.
pub(super) fn token(text: &str) -> &str {
    let t = window(text.trim_start().trim_start_matches(['"', '\'', '`']), 2048);
    let arn = t.starts_with("arn:");
    let mut end = 0usize;
    let mut chars = t.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if arn && matches!(c, '<' | '{') && !t.get(i..).is_some_and(|r| r.starts_with("</")) {
            let close = if c == '<' { '>' } else { '}' };
            let rest = t.get(i..).unwrap_or("");
            if let Some(j) = rest.find(close).filter(|j| *j < 48)
                && !rest.get(..j).is_some_and(|p| p.contains('\n'))
            {
                let stop = i.saturating_add(j);
                while chars.peek().is_some_and(|(k, _)| *k <= stop) {
                    chars.next();
                }
                end = stop.saturating_add(1);
                continue;
            }
        }
        if ends_token(c) {
            break;
        }
        end = i.saturating_add(c.len_utf8());
    }
    let tok = t.get(..end).unwrap_or(t);
    // Java's ` (Service: …)` written without the space.
    let tok = tok.split("(Service").next().unwrap_or(tok);
    trim_token(tok)
}

/// Whether `t` looks like an IAM action: `service:Action` (wildcards allowed).
fn is_action(t: &str) -> bool {
    let Some((service, name)) = t.split_once(':') else {
        return false;
    };
    !service.is_empty()
        && !name.is_empty()
        && service
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*' | '.'))
        && !service.eq_ignore_ascii_case("arn")
        && !service.eq_ignore_ascii_case("http")
        && !service.eq_ignore_ascii_case("https")
}

/// Reads the sentence around one anchor; returns the message and where the sentence ends.
fn sentence(clean: &str, lower: &str, at: Anchor, from: usize) -> (DenialMessage, usize) {
    let mut m = DenialMessage::empty(MessageForm::Standard);
    m.principal = principal_before(clean, lower, at.start, from);
    let after = clean.get(at.end..).unwrap_or("");
    let after_lower = lower.get(at.end..).unwrap_or("");
    // `perform: s3:GetObject`, `perform sts:AssumeRole`, `perform this operation`,
    // `perform kms:DescribeKey operation`, `perform CreateLogGroup with Tags`.
    let body = after.trim_start_matches([':', ' ']);
    let skipped = after.len().saturating_sub(body.len());
    let first = token(body);
    let mut pos = at.end.saturating_add(skipped);
    if is_action(first) {
        m.action = Some(first.to_owned());
        pos = pos.saturating_add(first.len()).saturating_add(
            body.len()
                .saturating_sub(body.trim_start_matches(['"', '\'', '`']).len()),
        );
    } else if let Some(list) = listed_actions(body) {
        let mut list = list.into_iter();
        m.action = list.next();
        m.more_actions = list.collect();
    }
    // CloudWatch Logs: `An additional permission "logs:TagResource" is required.`
    if let Some(i) = window(after_lower, 400).find("additional permission ") {
        let named = token(after.get(i.saturating_add(22)..).unwrap_or(""));
        if is_action(named) {
            if m.action.is_none() {
                m.action = Some(named.to_owned());
            } else {
                m.more_actions.push(named.to_owned());
            }
        }
    }
    // The resource.
    let rest_lower = window(lower.get(pos..).unwrap_or(""), 64);
    let resource_at = [
        " on resource:",
        " on resource ",
        " on the resource:",
        " on the resource ",
        " on the role ",
    ]
    .iter()
    .filter_map(|p| rest_lower.find(p).filter(|i| *i < 24).map(|i| (i, p.len())))
    .min();
    let mut end = pos;
    if let Some((i, len)) = resource_at {
        let start = pos.saturating_add(i).saturating_add(len);
        let (resource, stop) = resource_value(clean, lower, start);
        m.resource = resource;
        end = stop;
    }
    // The reason: the first one after the action, before the next anchor.
    let tail_lower = window(lower.get(end..).unwrap_or(""), WINDOW);
    let limit = next_anchor_within(tail_lower).min(tail_lower.len());
    let window_lower = tail_lower.get(..limit).unwrap_or("");
    let reasons = [
        (" because no ", Reason::Implicit),
        (" with an explicit deny", Reason::Explicit),
        (" because public ", Reason::Public),
    ];
    if let Some((i, reason, len)) = reasons
        .iter()
        .filter_map(|(p, r)| window_lower.find(p).map(|i| (i, *r, p.len())))
        .min_by_key(|(i, _, _)| *i)
    {
        let start = end.saturating_add(i).saturating_add(len);
        let stop = reason_value(clean, lower, start, reason, &mut m);
        end = stop;
    }
    (m, end)
}

#[derive(Clone, Copy, Debug)]
enum Reason {
    Implicit,
    Explicit,
    Public,
}

/// How far the next anchor is (the end of this sentence's window).
fn next_anchor_within(lower: &str) -> usize {
    PHRASES
        .iter()
        .filter_map(|p| lower.find(p))
        .min()
        .unwrap_or(lower.len())
}

/// The principal written before the anchor: `User: P is not authorized`, `User:P`,
/// `user P is not`, or an ARN just before `is not authorized`.
fn principal_before(clean: &str, lower: &str, anchor: usize, from: usize) -> Option<String> {
    let seg_lower = lower.get(from..anchor)?;
    let seg = clean.get(from..anchor)?;
    // The verb before the anchor.
    let head = seg
        .trim_end()
        .trim_end_matches("is")
        .trim_end_matches("are")
        .trim_end_matches("was")
        .trim_end();
    let head_lower_len = head.len();
    let head_lower = seg_lower.get(..head_lower_len)?;
    if let Some(i) = head_lower.rfind("user:") {
        let p = head.get(i.saturating_add(5)..)?.trim();
        // A principal is one token, or a redacted one with spaces inside an ARN: keep the
        // text up to the end of the line.
        let p = p.rsplit('\n').next().unwrap_or(p).trim();
        // The principal ends where ` is not authorized` starts: only quotes around it are
        // not part of it (a session name may end with `.`).
        let p = p.trim_matches(['"', '\'', '`']).trim();
        return (!p.is_empty()).then(|| p.to_owned());
    }
    // `User arn:aws:... is not authorized`, `arn:aws:... is not authorized`.
    let last = head.rsplit(char::is_whitespace).next().unwrap_or("");
    let last = trim_token(last.trim_start_matches(['"', '\'', '(', '[', '`']));
    if last.starts_with("arn:") || last == "anonymous" {
        return Some(last.to_owned());
    }
    None
}

/// The resource starting at `start`: quoted, or an ARN token, or words up to the reason.
fn resource_value(clean: &str, lower: &str, start: usize) -> (Option<String>, usize) {
    let text = clean.get(start..).unwrap_or("");
    let trimmed = text.trim_start();
    let lead = text.len().saturating_sub(trimmed.len());
    let base = start.saturating_add(lead);
    if let Some(q) = trimmed
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\'' | '`'))
    {
        let inner = trimmed.get(q.len_utf8()..).unwrap_or("");
        let closing = if q == '`' { ['`', '\''] } else { [q, q] };
        if let Some(close) = inner.find(closing) {
            let value = inner.get(..close).unwrap_or("").trim();
            let stop = base.saturating_add(close).saturating_add(2);
            return ((!value.is_empty()).then(|| value.to_owned()), stop);
        }
    }
    if trimmed.starts_with('(') {
        // `on resource (code AccessDeniedException)`: a wrapper's words, not a resource.
        return (None, base);
    }
    let first = token(trimmed);
    if first.starts_with("arn:") || first.contains("://") || first == "*" {
        let stop = base.saturating_add(first.len());
        return (Some(first.to_owned()), stop);
    }
    // Words (IAM's `role voclabs`): up to the reason or the end of the sentence.
    let lower_text = window(lower.get(base..).unwrap_or(""), WINDOW);
    let stop_at = [" because ", " with an explicit", ".\n", "\n", ". ", " ("]
        .iter()
        .filter_map(|p| lower_text.find(p))
        .min()
        .unwrap_or(lower_text.len());
    let words = trim_token(trimmed.get(..stop_at).unwrap_or("").trim());
    let value = (!words.is_empty() && words.len() < 200).then(|| words.to_owned());
    (value, base.saturating_add(stop_at))
}

/// Reads the reason that starts at `start` (after `because no `, `with an explicit deny`,
/// `because public `); returns where it ends.
fn reason_value(
    clean: &str,
    lower: &str,
    start: usize,
    reason: Reason,
    m: &mut DenialMessage,
) -> usize {
    let text = window(clean.get(start..).unwrap_or(""), WINDOW);
    let text_lower = window(lower.get(start..).unwrap_or(""), WINDOW);
    match reason {
        Reason::Implicit => {
            m.deny_kind = DenyKind::Implicit;
            // `identity-based policy allows the s3:GetObject action`
            // A paste cut short may end before `allows`: the phrase then ends at the quote,
            // the full stop or the line's end.
            let end = text_lower
                .find(" allows")
                .or_else(|| text_lower.find(['`', '\'', '"', '.', '\n']))
                .unwrap_or(text_lower.len());
            set_type(text.get(..end).unwrap_or(""), m);
            let after = text_lower
                .get(end..)
                .and_then(|t| t.find(" action"))
                .map_or(end, |i| end.saturating_add(i).saturating_add(7));
            let stop = start.saturating_add(after);
            policy_arn_after(clean, stop, m)
        }
        Reason::Explicit => {
            m.deny_kind = DenyKind::Explicit;
            // ` in a service control policy[ transitively through …][: arn…]`
            let Some(phrase) = text_lower.strip_prefix(" in ") else {
                return start;
            };
            let phrase_start = start.saturating_add(4);
            let end = phrase
                .find([
                    ':', '.', '\n', '\r', ',', '(', ')', '"', '`', '\'', '<', '\\',
                ])
                .unwrap_or(phrase.len());
            let whole = clean
                .get(phrase_start..phrase_start.saturating_add(end))
                .unwrap_or("");
            let (own, via) = match whole.to_ascii_lowercase().find(" transitively through ") {
                Some(i) => (
                    whole.get(..i).unwrap_or(""),
                    whole.get(i.saturating_add(22)..),
                ),
                None => (whole, None),
            };
            set_type(strip_article(own), m);
            m.via = via.and_then(|v| policy_type_of(strip_article(v)).map(|(t, _)| t));
            policy_arn_after(clean, phrase_start.saturating_add(end), m)
        }
        Reason::Public => {
            m.deny_kind = DenyKind::Explicit;
            if let Some(setting) = super::block_public_access_setting(text) {
                m.block_public_access = Some(setting.to_owned());
            }
            start
        }
    }
}

/// A policy ARN that follows the policy type (`…policy: arn:aws:…`, also on the next line).
fn policy_arn_after(clean: &str, at: usize, m: &mut DenialMessage) -> usize {
    let text = clean.get(at..).unwrap_or("");
    let rest = text.trim_start_matches(|c: char| c == ':' || c.is_whitespace());
    if text.trim_start().starts_with(':') && rest.starts_with("arn:") {
        let arn = token(rest);
        m.policy_arn = Some(arn.to_owned());
        let used = text
            .len()
            .saturating_sub(rest.len())
            .saturating_add(arn.len());
        return at.saturating_add(used);
    }
    at
}

/// The policy-type phrase that `phrase` starts with (after an article), whatever follows it
/// (a line break and a stack trace, brackets of a log format).
fn set_type(phrase: &str, m: &mut DenialMessage) {
    let p = strip_article(phrase).to_ascii_lowercase();
    let found = super::POLICY_TYPE_PHRASES
        .iter()
        .filter(|(name, _, _)| {
            p.strip_prefix(name).is_some_and(|rest| {
                rest.chars()
                    .next()
                    .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '-')
            })
        })
        .max_by_key(|(name, _, _)| name.len());
    if let Some((_, t, role_trust)) = found {
        m.policy_type = Some(*t);
        m.role_trust = *role_trust;
    }
}

/// Messages without AWS's sentence: S3's plain `Access Denied`, EC2's encoded message alone,
/// KMS's key-inaccessible message, SQS's `Access to the resource … is denied`.
fn other_form(clean: &str, lower: &str) -> Option<DenialMessage> {
    if let Some(i) = lower.find("encoded authorization failure message:") {
        let blob = token(clean.get(i.saturating_add(38)..).unwrap_or(""));
        let mut m = DenialMessage::empty(MessageForm::EncodedOnly);
        m.encoded_message = (!blob.is_empty()).then(|| blob.to_owned());
        return Some(m);
    }
    if let Some(i) = lower.find("access to the resource ") {
        let rest = clean.get(i.saturating_add(23)..).unwrap_or("");
        let r = token(rest);
        if lower.get(i..).is_some_and(|t| t.contains(" is denied")) {
            let mut m = DenialMessage::empty(MessageForm::Other);
            m.resource = (!r.is_empty()).then(|| r.to_owned());
            return Some(m);
        }
    }
    // `Access to Role 'arn:…' is forbidden`, `does not have permission to describe resource
    // arn:…`: the one ARN such a message names is its resource.
    let arns: Vec<&str> = lower
        .match_indices("arn:")
        .take(2)
        .filter_map(|(i, _)| clean.get(i..).map(token))
        .collect();
    if let [arn] = arns.as_slice()
        && (lower.contains("forbidden") || lower.contains("permission") || lower.contains("denied"))
    {
        let mut m = DenialMessage::empty(MessageForm::Other);
        m.resource = Some((*arn).to_owned());
        return Some(m);
    }
    // KMS's message for a ciphertext whose key the caller may not use (Decrypt, and the
    // services that decrypt for the caller): it names no principal, action or resource.
    if lower.contains("ciphertext refers to a") {
        let mut m = DenialMessage::empty(MessageForm::Other);
        m.service = Some("KMS".to_owned());
        m.operation = Some("Decrypt".to_owned());
        return Some(m);
    }
    if lower.contains("access denied")
        || lower.contains("accessdenied")
        || lower.contains("not allowed to access")
        || lower.contains("forbidden")
        || lower.contains("unauthorized")
        || lower.contains("not authorized")
        || lower.contains("permission")
    {
        let form = if lower.contains("access denied") || lower.contains("accessdenied") {
            MessageForm::PlainAccessDenied
        } else {
            MessageForm::Other
        };
        return Some(DenialMessage::empty(form));
    }
    None
}

impl wrapper::Facts {
    /// Adds the wrapper's facts to a message read from its text.
    pub(super) fn apply(&self, m: &mut DenialMessage) {
        if m.sdk_code.is_none() {
            m.sdk_code.clone_from(&self.code);
        }
        if m.operation.is_none() {
            m.operation.clone_from(&self.operation);
        }
        if m.service.is_none() {
            m.service.clone_from(&self.service);
        }
        if m.wrapper.is_none() {
            m.wrapper = self.wrapper;
        }
        if m.encoded_message.is_none() {
            m.encoded_message.clone_from(&self.encoded);
        }
        if m.action.is_none() {
            m.action.clone_from(&self.action);
        }
        let _: Option<Wrapper> = m.wrapper;
    }
}

/// Actions listed in parentheses after the anchor: `the required AWS Marketplace actions
/// (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe)`.
fn listed_actions(body: &str) -> Option<Vec<String>> {
    let open = window(body, 80).find('(')?;
    let inner = window(body.get(open.saturating_add(1)..)?, 1024);
    let close = inner.find(')')?;
    let list: Vec<String> = inner
        .get(..close)?
        .split(',')
        .map(|a| a.trim().trim_matches(['`', '\'', '"']))
        .filter(|a| is_action(a))
        .map(str::to_owned)
        .collect();
    (!list.is_empty()).then_some(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use iamwhy_core::PolicyType;

    #[test]
    fn issue_20_wordings_without_user() {
        let m = &read_messages(
            "An error occurred (AccessDenied) when calling the AssumeRole operation: Not authorized to perform sts:AssumeRole",
        )[0];
        assert_eq!(m.action.as_deref(), Some("sts:AssumeRole"));
        assert_eq!(m.principal, None);
        let m = &read_messages(
            "You are not authorized to perform: athena:GetTableMetadata on the resource. After your AWS administrator or you have updated your permissions, please try again.",
        )[0];
        assert_eq!(m.action.as_deref(), Some("athena:GetTableMetadata"));
        let m = &read_messages(
            "error: User arn:aws:sts::111122223333:assumed-role/eks/i-1 is not authorized to perform kms:DescribeKey operation",
        )[0];
        assert_eq!(m.action.as_deref(), Some("kms:DescribeKey"));
        assert_eq!(
            m.principal.as_deref(),
            Some("arn:aws:sts::111122223333:assumed-role/eks/i-1")
        );
    }

    #[test]
    fn issue_20_policy_arn_on_the_next_line_and_two_messages() {
        let text = "User: arn:aws:iam::111122223333:user/a is not authorized to perform: s3:ListBucket on resource: \"arn:aws:s3:::b\" with an explicit deny in a service control policy:\narn:aws:organizations::999988887777:policy/o-abcdefghij/service_control_policy/p-abcdefgh\nUser: arn:aws:iam::111122223333:user/a is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k\" because no permissions boundary allows the s3:GetObject action";
        let all = read_messages(text);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].policy_type, Some(PolicyType::Scp));
        assert_eq!(
            all[0].policy_arn.as_deref(),
            Some(
                "arn:aws:organizations::999988887777:policy/o-abcdefghij/service_control_policy/p-abcdefgh"
            )
        );
        assert_eq!(all[1].policy_type, Some(PolicyType::PermissionsBoundary));
        assert_eq!(all[1].resource.as_deref(), Some("arn:aws:s3:::b/k"));
    }

    #[test]
    fn issue_20_arns_end_where_arns_end() {
        for (text, resource) in [
            (
                "<Message>User: arn:aws:iam::1:user/a is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k</Message>",
                "arn:aws:s3:::b/k",
            ),
            (
                "{\"message\": \"User: arn:aws:iam::1:user/a is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:1:q\"}",
                "arn:aws:sqs:us-east-1:1:q",
            ),
            (
                "(User: arn:aws:iam::1:user/a is not authorized to perform: sns:Publish on resource: arn:aws:sns:us-east-1:<account-id>:t).",
                "arn:aws:sns:us-east-1:<account-id>:t",
            ),
        ] {
            assert_eq!(
                read_messages(text)[0].resource.as_deref(),
                Some(resource),
                "{text}"
            );
        }
    }

    #[test]
    fn issue_20_kms_ciphertext_message() {
        let m = &read_messages(
            "An error occurred (AccessDeniedException) when calling the Decrypt operation: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.",
        )[0];
        assert_eq!(m.operation.as_deref(), Some("Decrypt"));
        assert_eq!(m.sdk_code.as_deref(), Some("AccessDeniedException"));
    }
}
