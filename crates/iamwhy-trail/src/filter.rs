//! Filters of `iamwhy trail denied` and the principal match of `trail timeline`.

use crate::event::IdentityType;
use iamwhy_core::Arn;
use iamwhy_core::time::{Instant, parse_date};
use iamwhy_policy::{CaseFold, Pattern, Piece, Variables, Wildcards};

use crate::event::Event;
use crate::message::DenialMessage;

/// Who made a call: an ARN or a glob, matched against the identity's ARN, the role behind
/// a role session, and the user or role name. Case matters, as in ARNs; the pre-filter
/// relies on it.
///
/// Events read from the console's CSV download have no ARN, only the `User name` column (an
/// IAM user's name, a role session's name): an IAM user or assumed-role ARN matches them by
/// that name ([`PrincipalFilter::csv_name`]).
#[derive(Clone, Debug)]
pub struct PrincipalFilter {
    text: String,
    pattern: Pattern,
    /// The name the console CSV's `User name` column shows for the ARN, and its pattern.
    csv_name: Option<(String, Pattern)>,
}

impl PrincipalFilter {
    /// Compiles `text` (`*` and `?` are wildcards).
    pub fn new(text: &str) -> PrincipalFilter {
        let csv_name = csv_user_name(text).map(|n| {
            (
                n.to_owned(),
                Pattern::compile(n, Wildcards::Glob, Variables::Literal),
            )
        });
        PrincipalFilter {
            text: text.to_owned(),
            pattern: Pattern::compile(text, Wildcards::Glob, Variables::Literal),
            csv_name,
        }
    }

    /// The filter as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// When the filter is an IAM user ARN (`arn:aws:iam::…:user/[path/]NAME`) or an
    /// assumed-role ARN (`arn:aws:sts::…:assumed-role/ROLE/SESSION`): the name the console
    /// CSV shows for it in its `User name` column (NAME, SESSION), against which the CSV's
    /// events, which have no ARN, are matched.
    pub fn csv_name(&self) -> Option<&str> {
        self.csv_name.as_ref().map(|(n, _)| n.as_str())
    }

    /// When `csv_files` console CSV files were read for an identity given by its ARN: how the
    /// CSV limits the answer (it has user names, not ARNs), in words.
    pub fn csv_note(&self, csv_files: u64) -> Option<String> {
        if csv_files == 0 || !self.text.starts_with("arn:") {
            return None;
        }
        Some(match self.csv_name() {
            Some(name) => {
                let what = if self.text.contains(":assumed-role/") {
                    "session name"
                } else {
                    "user name"
                };
                format!(
                    "{csv_files} console CSV file(s) have user names, not principal ARNs: their rows were matched on the {what} `{name}` of the ARN, in any account"
                )
            }
            None => format!(
                "{csv_files} console CSV file(s) have user names (session names for roles), not principal ARNs, so no row matched: give `--principal` the name, or an IAM user or assumed-role ARN"
            ),
        })
    }

    fn hit(&self, candidate: Option<&str>) -> bool {
        candidate.is_some_and(|c| self.pattern.matches_plain(c, CaseFold::Sensitive))
    }

    /// Whether the event's identity matches: its ARN, its session issuer's ARN or name, its
    /// user name, or (for events without an identity ARN) the principal of its message.
    pub fn matches(&self, event: &Event, message: Option<&DenialMessage>) -> bool {
        let id = &event.user_identity;
        let issuer = id
            .session_context
            .as_ref()
            .and_then(|s| s.session_issuer.as_ref());
        self.hit(id.arn.as_deref())
            || self.hit(id.user_name.as_deref())
            || self.hit(issuer.and_then(|i| i.arn.as_deref()))
            || self.hit(issuer.and_then(|i| i.user_name.as_deref()))
            || self.hit(message.and_then(|m| m.principal.as_deref()))
            || (id.kind == Some(IdentityType::AwsService) && self.hit(id.invoked_by.as_deref()))
            || (id.arn.is_none()
                && id.kind.is_none()
                && self.csv_name.as_ref().is_some_and(|(_, p)| {
                    id.user_name
                        .as_deref()
                        .is_some_and(|n| p.matches_plain(n, CaseFold::Sensitive))
                }))
    }

    /// A byte string every record of a matching identity contains, for the pre-filter: the
    /// longest literal run of the pattern, when it is long enough to be selective.
    pub fn needle(&self) -> Option<Vec<u8>> {
        self.pattern
            .pieces()
            .iter()
            .filter_map(|p| match p {
                Piece::Literal(s) => Some(s.as_ref()),
                _ => None,
            })
            .max_by_key(|s| s.len())
            .filter(|s| s.len() >= 3 && s.is_ascii())
            .map(|s| s.as_bytes().to_vec())
    }
}

/// The console CSV's `User name` for an IAM user ARN (the name after the last `/` of
/// `user/[path/]NAME`) or an assumed-role ARN (the session name); `None` for anything else.
fn csv_user_name(arn: &str) -> Option<&str> {
    let arn = Arn::parse(arn)?;
    let name = match arn.service {
        "iam" => arn.resource.strip_prefix("user/")?.rsplit('/').next()?,
        "sts" => {
            let mut pieces = arn.resource.strip_prefix("assumed-role/")?.splitn(2, '/');
            let _role = pieces.next()?;
            pieces.next()?
        }
        _ => return None,
    };
    (!name.is_empty()).then_some(name)
}

/// The filters of `trail denied`; an empty list or `None` lets everything through.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// `--principal`.
    pub principal: Option<PrincipalFilter>,
    /// `--since` (inclusive).
    pub since: Option<Instant>,
    /// `--until` (inclusive).
    pub until: Option<Instant>,
    /// `--service`: service prefixes (`s3`) or event sources (`s3.amazonaws.com`).
    pub services: Vec<String>,
    /// `--action`: action globs, matched against the message's action and
    /// `service:EventName`.
    pub actions: Vec<Pattern>,
    /// `--error-code`.
    pub error_codes: Vec<String>,
    /// `--account`: the caller's or the receiving account.
    pub accounts: Vec<String>,
    /// `--region`.
    pub regions: Vec<String>,
}

impl Filter {
    /// Adds an action glob.
    pub fn add_action(&mut self, glob: &str) {
        self.actions
            .push(Pattern::compile(glob, Wildcards::Glob, Variables::Literal));
    }

    /// Whether the event (with its parsed message) passes every filter.
    pub fn matches(&self, e: &Event, m: &DenialMessage) -> bool {
        if self.since.is_some_and(|t| e.time < t) || self.until.is_some_and(|t| e.time > t) {
            return false;
        }
        if let Some(p) = &self.principal
            && !p.matches(e, Some(m))
        {
            return false;
        }
        let any = |list: &[String], value: Option<&str>| {
            list.is_empty() || value.is_some_and(|v| list.iter().any(|x| x.eq_ignore_ascii_case(v)))
        };
        if !self.services.is_empty() {
            let service = e.service();
            let hit = self.services.iter().any(|s| {
                s.eq_ignore_ascii_case(service) || s.eq_ignore_ascii_case(&e.event_source)
            });
            if !hit {
                return false;
            }
        }
        if !self.actions.is_empty() {
            let label = e.action_label();
            let hit = self.actions.iter().any(|p| {
                p.matches_plain(&label, CaseFold::Ascii)
                    || m.action
                        .as_deref()
                        .is_some_and(|a| p.matches_plain(a, CaseFold::Ascii))
            });
            if !hit {
                return false;
            }
        }
        if !any(&self.error_codes, e.error_code.as_deref())
            || !any(&self.regions, Some(&e.aws_region))
        {
            return false;
        }
        if !self.accounts.is_empty() {
            let message_account = m.principal.as_deref().and_then(account_of_arn);
            let hit = [
                e.user_identity.account_id.as_deref(),
                e.recipient_account_id.as_deref(),
                message_account,
            ]
            .into_iter()
            .flatten()
            .any(|a| self.accounts.iter().any(|x| x == a));
            if !hit {
                return false;
            }
        }
        true
    }
}

/// The account field of an ARN, when it has one.
fn account_of_arn(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// The longest duration `parse_duration` accepts: the span of the supported times,
/// 0000-01-01 to 9999-12-31 (see [`Instant::MIN_SUPPORTED`]), about 10,000 years.
pub const MAX_DURATION_SECS: i64 = Instant::MAX_SUPPORTED.secs - Instant::MIN_SUPPORTED.secs;

/// Why a duration was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DurationError {
    /// The text is not a number followed by `s`, `m`, `h`, `d` or `w`.
    NotADuration,
    /// A duration, but negative or longer than [`MAX_DURATION_SECS`].
    OutOfRange,
}

/// What `parse_duration` accepts, for messages.
pub const DURATION_RANGE: &str = "from `0s` to `315569519999s` (10,000 years)";

/// What `parse_time` accepts, for messages.
pub const TIME_RANGE: &str = "from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z";

/// Parses `--since`/`--until`/`--around`: an ISO 8601 (RFC 3339) time, epoch seconds, or a
/// time relative to `now` such as `90s`, `30m`, `2h`, `7d`, `1w` (meaning that long ago).
/// The result lies between [`Instant::MIN_SUPPORTED`] and [`Instant::MAX_SUPPORTED`]; a time
/// or duration outside that range is an error, never an overflow.
pub fn parse_time(text: &str, now: Instant) -> Result<Instant, String> {
    let out_of_range = || format!("`{text}` is out of range: times go {TIME_RANGE}");
    let time = match parse_duration(text) {
        Ok(d) => d
            .checked_neg()
            .and_then(|back| now.checked_add_secs(back))
            .ok_or_else(out_of_range)?,
        Err(DurationError::OutOfRange) => {
            return Err(format!(
                "`{text}` is out of range: durations go {DURATION_RANGE}"
            ));
        }
        Err(DurationError::NotADuration) => parse_date(text).ok_or_else(|| {
            format!(
                "`{text}` is not a time: expected ISO 8601 such as `2026-11-20T10:05:00Z`, or a duration ago such as `2h`, `30m`, `7d`"
            )
        })?,
    };
    if time.is_supported() {
        Ok(time)
    } else {
        Err(out_of_range())
    }
}

/// `90s`, `5m`, `2h`, `7d`, `1w` → seconds, at most [`MAX_DURATION_SECS`].
pub fn parse_duration(text: &str) -> Result<i64, DurationError> {
    let text = text.trim();
    let unit = text.chars().last().ok_or(DurationError::NotADuration)?;
    let scale: i64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return Err(DurationError::NotADuration),
    };
    let digits = text.strip_suffix(unit).ok_or(DurationError::NotADuration)?;
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    let negative = digits.starts_with('-');
    let magnitude = digits.strip_prefix('-').unwrap_or(digits);
    if magnitude.is_empty() || !magnitude.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DurationError::NotADuration);
    }
    // A number too long for `i64` is a duration, only too long: say so rather than "not a
    // duration".
    let secs = magnitude
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|&s| !negative || s == 0)
        .ok_or(DurationError::OutOfRange)?;
    if secs > MAX_DURATION_SECS {
        return Err(DurationError::OutOfRange);
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_note_says_how_an_arn_matched_console_csv_rows() {
        let user = PrincipalFilter::new("arn:aws:iam::111122223333:user/ops/alice");
        let session = PrincipalFilter::new("arn:aws:sts::111122223333:assumed-role/r/s1");
        let role = PrincipalFilter::new("arn:aws:iam::111122223333:role/r");
        assert_eq!(user.csv_note(0), None);
        assert_eq!(PrincipalFilter::new("alice").csv_note(2), None);
        assert!(user.csv_note(2).is_some_and(
            |n| n.starts_with("2 console CSV file(s)") && n.contains("the user name `alice`")
        ));
        assert!(
            session
                .csv_note(1)
                .is_some_and(|n| n.contains("the session name `s1`"))
        );
        assert!(
            role.csv_note(1)
                .is_some_and(|n| n.contains("so no row matched"))
        );
    }

    #[test]
    fn durations_and_times() {
        let now = Instant {
            secs: 1_000_000,
            nanos: 0,
        };
        assert_eq!(parse_time("2h", now).map(|t| t.secs), Ok(1_000_000 - 7200));
        assert_eq!(parse_duration("5m"), Ok(300));
        assert_eq!(parse_duration("5x"), Err(DurationError::NotADuration));
        assert_eq!(parse_duration("m"), Err(DurationError::NotADuration));
        assert_eq!(parse_duration("-5m"), Err(DurationError::OutOfRange));
        assert_eq!(
            parse_time("1970-01-02T00:00:00+01:00", now).map(|t| t.secs),
            Ok(86_400 - 3600)
        );
        assert!(parse_time("yesterday", now).is_err());
    }

    /// Issue 18: times and durations from the command line never overflow.
    #[test]
    fn out_of_range_times_and_durations_are_errors() {
        let now = Instant {
            secs: 1_000_000,
            nanos: 0,
        };
        for text in [
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775807s",
            "99999999999999999999s",
            "9223372036854775807w",
            "521775w",
            "315569520000s",
        ] {
            let e = parse_time(text, now).unwrap_err();
            assert!(e.contains("out of range"), "{text}: {e}");
        }
        assert_eq!(parse_duration("521774w"), Ok(521_774 * 604_800));
        assert_eq!(parse_duration("315569519999s"), Ok(MAX_DURATION_SECS));
        assert_eq!(
            parse_duration("9223372036854775807s"),
            Err(DurationError::OutOfRange)
        );
        assert!(parse_time("1000000s", now).is_ok());
    }

    #[test]
    fn arns_give_the_console_csv_user_name() {
        let name = |t: &str| PrincipalFilter::new(t).csv_name().map(str::to_owned);
        assert_eq!(
            name("arn:aws:iam::111122223333:user/frank").as_deref(),
            Some("frank")
        );
        assert_eq!(
            name("arn:aws:iam::111122223333:user/dev/ops/frank").as_deref(),
            Some("frank")
        );
        assert_eq!(
            name("arn:aws:sts::111122223333:assumed-role/deploy-admin/ci-run-42").as_deref(),
            Some("ci-run-42")
        );
        assert_eq!(name("arn:aws:iam::*:user/fr*").as_deref(), Some("fr*"));
        assert_eq!(name("arn:aws:iam::111122223333:role/deploy-admin"), None);
        assert_eq!(
            name("arn:aws:sts::111122223333:assumed-role/deploy-admin"),
            None
        );
        assert_eq!(name("frank"), None);
    }

    #[test]
    fn console_csv_events_match_an_arn_by_user_name() {
        let csv_event = |user: &str| {
            let text = format!(
                "User name,Event time,Event source,Event name\n{user},2026-11-20T10:00:00Z,s3.amazonaws.com,GetObject\n"
            );
            let file: std::sync::Arc<str> = std::sync::Arc::from("t.csv");
            let mut events = Vec::new();
            crate::console_csv::read(&mut text.as_bytes(), &file, &mut |e, _| {
                events.extend(e.ok());
            });
            events.remove(0)
        };
        let frank = PrincipalFilter::new("arn:aws:iam::111122223333:user/frank");
        assert!(frank.matches(&csv_event("frank"), None));
        assert!(!frank.matches(&csv_event("frankie"), None));
        // A JSON record has an identity type and ARN: the name alone does not match it.
        let mut json_event = csv_event("frank");
        json_event.user_identity.kind = Some(IdentityType::IamUser);
        json_event.user_identity.arn = Some("arn:aws:iam::444455556666:user/frank".to_owned());
        assert!(!frank.matches(&json_event, None));
    }

    #[test]
    fn needles_are_the_longest_literal() {
        let p = PrincipalFilter::new("arn:aws:iam::*:role/deploy-*");
        assert_eq!(p.needle().as_deref(), Some(&b":role/deploy-"[..]));
        assert_eq!(PrincipalFilter::new("*a*").needle(), None);
    }
}
