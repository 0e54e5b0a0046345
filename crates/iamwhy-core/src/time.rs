//! Instants as IAM understands them.
//!
//! Spec §3.2 (Date operators): a value is either an integer number of seconds since the Unix
//! epoch, or a date in the W3C profile of ISO 8601 — `YYYY`, `YYYY-MM`, `YYYY-MM-DD`,
//! `YYYY-MM-DDThh:mmTZD`, `YYYY-MM-DDThh:mm:ssTZD` or `YYYY-MM-DDThh:mm:ss.sTZD`, where TZD is
//! `Z` or `±hh:mm` (<https://www.w3.org/TR/NOTE-datetime>). Date-only values mean midnight UTC.
//! A missing TZD is read as UTC.

/// A point in time with nanosecond precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

impl Instant {
    /// The earliest instant a command-line flag accepts: 0000-01-01T00:00:00Z, the first
    /// instant of the W3C profile's four-digit years.
    pub const MIN_SUPPORTED: Instant = Instant {
        secs: -62_167_219_200,
        nanos: 0,
    };

    /// The latest instant a command-line flag accepts: 9999-12-31T23:59:59.999999999Z, the
    /// last instant of the W3C profile's four-digit years.
    pub const MAX_SUPPORTED: Instant = Instant {
        secs: 253_402_300_799,
        nanos: 999_999_999,
    };

    /// Whether the instant lies between [`Instant::MIN_SUPPORTED`] and
    /// [`Instant::MAX_SUPPORTED`], the range a four-digit ISO 8601 year can write.
    pub fn is_supported(self) -> bool {
        (Instant::MIN_SUPPORTED..=Instant::MAX_SUPPORTED).contains(&self)
    }

    /// The instant `secs` seconds later (earlier when negative), or `None` past the range of
    /// `i64` seconds.
    pub fn checked_add_secs(self, secs: i64) -> Option<Instant> {
        Some(Instant {
            secs: self.secs.checked_add(secs)?,
            nanos: self.nanos,
        })
    }

    /// The instant `secs` seconds later (earlier when negative), stopping at the ends of the
    /// range of `i64` seconds.
    pub fn saturating_add_secs(self, secs: i64) -> Instant {
        Instant {
            secs: self.secs.saturating_add(secs),
            nanos: self.nanos,
        }
    }

    /// Whole seconds between two instants, whichever comes first (nanoseconds ignored).
    pub fn abs_diff_secs(self, other: Instant) -> u64 {
        self.secs.abs_diff(other.secs)
    }

    /// The current time from the system clock.
    pub fn now() -> Instant {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Instant {
                secs: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                nanos: d.subsec_nanos(),
            },
            Err(_) => Instant { secs: 0, nanos: 0 },
        }
    }

    /// `YYYY-MM-DDThh:mm:ssZ`, the form of `aws:CurrentTime`.
    pub fn to_iso8601(self) -> String {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
#[expect(
    clippy::arithmetic_side_effects,
    reason = "INVARIANT: callers pass a four-digit year (0..=9999), a month in 1..=12 and a day in 1..=31, so every intermediate is a few million at most"
)]
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
#[expect(
    clippy::arithmetic_side_effects,
    reason = "INVARIANT: `days` comes from seconds / 86_400, so |days| < 1.1e14 and `days + 719_468` cannot overflow; `era` is then under 1e9, `doe` in 0..146_097, and every other intermediate is bounded by those"
)]
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year.rem_euclid(4) == 0 && year.rem_euclid(100) != 0)
            || year.rem_euclid(400) == 0 =>
        {
            29
        }
        _ => 28,
    }
}

/// A tiny cursor over ASCII digits and separators.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    /// `n` ASCII digits (at most 9, so the value fits a `u32`) as a number.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let end = self.pos.checked_add(n)?;
        let part = self.s.get(self.pos..end)?;
        if n > 9 || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.pos = end;
        part.iter().try_fold(0u32, |acc, b| {
            acc.checked_mul(10)?
                .checked_add(u32::from(b.checked_sub(b'0')?))
        })
    }

    fn skip(&mut self) {
        self.pos = self.pos.saturating_add(1);
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.pos) == Some(&c) {
            self.skip();
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn done(&self) -> bool {
        self.pos == self.s.len()
    }
}

/// Parses a Date-operator value (spec §3.2): epoch seconds or a W3C ISO 8601 date.
pub fn parse_date(text: &str) -> Option<Instant> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.bytes().all(|b| b.is_ascii_digit()) && digits.len() != 4 {
        // Epoch seconds (a bare four-digit number is a year in the W3C profile).
        let secs: i64 = text.parse().ok()?;
        return Some(Instant { secs, nanos: 0 });
    }
    let mut c = Cursor {
        s: text.as_bytes(),
        pos: 0,
    };
    let year = i64::from(c.digits(4)?);
    let (mut month, mut day) = (1, 1);
    let (mut hour, mut minute, mut second, mut nanos) = (0u32, 0u32, 0u32, 0u32);
    let mut offset_secs: i64 = 0;
    if c.eat(b'-') {
        month = c.digits(2)?;
        if c.eat(b'-') {
            day = c.digits(2)?;
            if c.eat(b'T') || c.eat(b't') {
                hour = c.digits(2)?;
                if !c.eat(b':') {
                    return None;
                }
                minute = c.digits(2)?;
                if c.eat(b':') {
                    second = c.digits(2)?;
                    if c.eat(b'.') {
                        let start = c.pos;
                        let mut frac = 0u64;
                        let mut n = 0u32;
                        while let Some(b) = c.peek().filter(u8::is_ascii_digit) {
                            if n < 9 {
                                frac = frac
                                    .saturating_mul(10)
                                    .saturating_add(u64::from(b.saturating_sub(b'0')));
                                n = n.saturating_add(1);
                            }
                            c.skip();
                        }
                        if c.pos == start {
                            return None;
                        }
                        let scale = 10u64.checked_pow(9u32.saturating_sub(n))?;
                        nanos = u32::try_from(frac.checked_mul(scale)?).ok()?;
                    }
                }
                match c.peek() {
                    Some(b'Z' | b'z') => c.skip(),
                    Some(sign @ (b'+' | b'-')) => {
                        c.skip();
                        let oh = c.digits(2)?;
                        if !c.eat(b':') {
                            return None;
                        }
                        let om = c.digits(2)?;
                        if oh > 23 || om > 59 {
                            return None;
                        }
                        // At most 23 * 3600 + 59 * 60: no overflow.
                        let off = i64::from(oh)
                            .saturating_mul(3600)
                            .saturating_add(i64::from(om).saturating_mul(60));
                        offset_secs = if sign == b'+' {
                            off
                        } else {
                            off.saturating_neg()
                        };
                    }
                    _ => {}
                }
            }
        }
    }
    if !c.done()
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 24
        || minute > 59
        || second > 60
        || (hour == 24 && (minute, second, nanos) != (0, 0, 0))
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days
        .checked_mul(86_400)?
        .checked_add(i64::from(hour).checked_mul(3600)?)?
        .checked_add(i64::from(minute).checked_mul(60)?)?
        .checked_add(i64::from(second))?
        .checked_sub(offset_secs)?;
    Some(Instant { secs, nanos })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> i64 {
        parse_date(s).unwrap().secs
    }

    #[test]
    fn w3c_profiles_and_epoch_seconds_agree() {
        // Spec §3.2 Date family.
        assert_eq!(secs("2020-01-01T00:00:00Z"), 1_577_836_800);
        assert_eq!(secs("2020-01-01"), 1_577_836_800);
        assert_eq!(secs("2020-01"), 1_577_836_800);
        assert_eq!(secs("2020"), 1_577_836_800);
        assert_eq!(secs("1577836800"), 1_577_836_800);
        assert_eq!(secs("2020-01-01T01:00+01:00"), 1_577_836_800);
        assert_eq!(secs("2019-12-31T19:00:00-05:00"), 1_577_836_800);
        assert_eq!(secs("2020-01-01T00:00:00"), 1_577_836_800);
        let frac = parse_date("2020-01-01T00:00:00.25Z").unwrap();
        assert_eq!((frac.secs, frac.nanos), (1_577_836_800, 250_000_000));
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "2020-13-01",
            "2020-02-30",
            "2020-01-01T25:00Z",
            "2020-01-01T10",
            "yesterday",
            "2020-01-01T00:00:00.Z",
            "2020-1-1",
            "2020-01-01T00:00:00+0100",
        ] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2023-02-29").is_none());
    }

    #[test]
    fn supported_range_is_the_four_digit_years() {
        assert_eq!(
            parse_date("0000-01-01T00:00:00Z"),
            Some(Instant::MIN_SUPPORTED)
        );
        assert_eq!(
            parse_date("9999-12-31T23:59:59.999999999Z"),
            Some(Instant::MAX_SUPPORTED)
        );
        assert!(Instant::MIN_SUPPORTED.is_supported());
        assert!(!parse_date("9223372036854775807").unwrap().is_supported());
        assert!(!parse_date("-62167219201").unwrap().is_supported());
    }

    #[test]
    fn arithmetic_never_overflows() {
        let end = Instant {
            secs: i64::MAX,
            nanos: 0,
        };
        assert_eq!(end.checked_add_secs(1), None);
        assert_eq!(end.saturating_add_secs(i64::MAX).secs, i64::MAX);
        let start = Instant {
            secs: i64::MIN,
            nanos: 0,
        };
        assert_eq!(start.saturating_add_secs(-1).secs, i64::MIN);
        assert_eq!(start.abs_diff_secs(end), u64::MAX);
        // Formatting the extremes does not overflow either.
        let _ = start.to_iso8601();
        let _ = end.to_iso8601();
    }

    #[test]
    fn formats_current_time_form() {
        let t = Instant {
            secs: 1_700_000_000,
            nanos: 5,
        };
        assert_eq!(t.to_iso8601(), "2023-11-14T22:13:20Z");
        assert_eq!(parse_date(&t.to_iso8601()).unwrap().secs, t.secs);
        for days in [-800_000i64, -1, 0, 1, 59, 60, 11_016, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
