//! UTC calendar time without a clock: the caller says what time it is, the profile formats it.
//!
//! The conversion between days since 1970-01-01 and the proleptic Gregorian calendar is Howard
//! Hinnant's `days_from_civil` / `civil_from_days` (public-domain algorithms), restricted to the
//! years 1970–9999 so every value fits the four-digit forms IoTDA uses.

use core::fmt::{self, Write};

use alloc::string::String;

use super::error::IotdaError;

const SECS_PER_DAY: u64 = 86_400;
/// 9999-12-31T23:59:59Z.
const MAX_UNIX_SECS: u64 = 253_402_300_799;

/// A UTC time with millisecond precision between 1970-01-01 and 9999-12-31.
///
/// The core has no clock: every function that needs "now" takes one of these.
///
/// ```
/// use iotmqtt::iotda::UtcTime;
/// let t = UtcTime::new(2026, 11, 25, 8, 0, 0).unwrap();
/// assert_eq!(t.unix_seconds(), 1_795_593_600);
/// assert_eq!(UtcTime::from_unix_seconds(1_795_593_600).unwrap(), t);
/// assert_eq!(t.event_time(), "20261125T080000Z");
/// assert!(UtcTime::new(2026, 2, 29, 0, 0, 0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    millisecond: u16,
}

/// Days in `month` (1–12) of `year`; 0 for a month out of range.
pub(crate) const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to the given date (year ≥ 1970, month 1–12, day 1–31).
pub(crate) fn days_from_civil(year: u16, month: u8, day: u8) -> u64 {
    let m = u64::from(month);
    let y = u64::from(year) - u64::from(m <= 2);
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + u64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // 719,468 days separate 0000-03-01 from 1970-01-01; year ≥ 1970 keeps this non-negative.
    (era * 146_097 + doe).saturating_sub(719_468)
}

/// The date `days` days after 1970-01-01 as (year, month, day).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

fn narrow<T: TryFrom<u64>>(v: u64, what: &'static str) -> Result<T, IotdaError> {
    T::try_from(v).map_err(|_| IotdaError::InvalidTime(what))
}

impl UtcTime {
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: UtcTime = UtcTime {
        year: 1970,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        millisecond: 0,
    };

    /// A calendar time; fails unless it is a real date between 1970 and 9999 and a time of day
    /// within 00:00:00–23:59:59.
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<Self, IotdaError> {
        if !(1970..=9999).contains(&year) {
            return Err(IotdaError::InvalidTime("year must be 1970-9999"));
        }
        if !(1..=12).contains(&month) {
            return Err(IotdaError::InvalidTime("month must be 1-12"));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(IotdaError::InvalidTime("day is not in the month"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(IotdaError::InvalidTime("time of day out of range"));
        }
        Ok(UtcTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
            millisecond: 0,
        })
    }

    /// The same time with the millisecond field set (0–999).
    pub fn with_millisecond(mut self, millisecond: u16) -> Result<Self, IotdaError> {
        if millisecond > 999 {
            return Err(IotdaError::InvalidTime("millisecond must be 0-999"));
        }
        self.millisecond = millisecond;
        Ok(self)
    }

    /// The time `secs` seconds after the Unix epoch; fails after 9999-12-31T23:59:59Z.
    pub fn from_unix_seconds(secs: u64) -> Result<Self, IotdaError> {
        if secs > MAX_UNIX_SECS {
            return Err(IotdaError::InvalidTime("after 9999-12-31T23:59:59Z"));
        }
        let (year, month, day) = civil_from_days(secs / SECS_PER_DAY);
        let rem = secs % SECS_PER_DAY;
        Ok(UtcTime {
            year: narrow(year, "year")?,
            month: narrow(month, "month")?,
            day: narrow(day, "day")?,
            hour: narrow(rem / 3_600, "hour")?,
            minute: narrow(rem % 3_600 / 60, "minute")?,
            second: narrow(rem % 60, "second")?,
            millisecond: 0,
        })
    }

    /// The time `ms` milliseconds after the Unix epoch (the unit of IoTDA's time sync).
    pub fn from_unix_millis(ms: u64) -> Result<Self, IotdaError> {
        UtcTime::from_unix_seconds(ms / 1_000)?.with_millisecond(narrow(ms % 1_000, "millisecond")?)
    }

    /// Whole seconds since the Unix epoch.
    #[must_use]
    pub fn unix_seconds(&self) -> u64 {
        days_from_civil(self.year, self.month, self.day) * SECS_PER_DAY
            + u64::from(self.hour) * 3_600
            + u64::from(self.minute) * 60
            + u64::from(self.second)
    }

    /// Milliseconds since the Unix epoch.
    #[must_use]
    pub fn unix_millis(&self) -> u64 {
        self.unix_seconds() * 1_000 + u64::from(self.millisecond)
    }

    /// Year (1970–9999).
    #[must_use]
    pub const fn year(&self) -> u16 {
        self.year
    }
    /// Month (1–12).
    #[must_use]
    pub const fn month(&self) -> u8 {
        self.month
    }
    /// Day of the month (1–31).
    #[must_use]
    pub const fn day(&self) -> u8 {
        self.day
    }
    /// Hour (0–23).
    #[must_use]
    pub const fn hour(&self) -> u8 {
        self.hour
    }
    /// Minute (0–59).
    #[must_use]
    pub const fn minute(&self) -> u8 {
        self.minute
    }
    /// Second (0–59).
    #[must_use]
    pub const fn second(&self) -> u8 {
        self.second
    }
    /// Millisecond (0–999).
    #[must_use]
    pub const fn millisecond(&self) -> u16 {
        self.millisecond
    }

    /// Appends the documented `event_time` form `yyyyMMdd'T'HHmmss'Z'` (e.g. `20161219T114920Z`).
    pub fn write_event_time(&self, out: &mut String) {
        // Writing into a String cannot fail.
        let _ = write!(
            out,
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
    }

    /// The documented `event_time` form `yyyyMMdd'T'HHmmss'Z'`.
    #[must_use]
    pub fn event_time(&self) -> String {
        let mut s = String::with_capacity(16);
        self.write_event_time(&mut s);
        s
    }

    /// The documented millisecond form `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`.
    #[must_use]
    pub fn event_time_millis(&self) -> String {
        let mut s = String::with_capacity(24);
        let _ = write!(
            s,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millisecond
        );
        s
    }

    /// Parses either documented `event_time` form: `yyyyMMdd'T'HHmmss'Z'` or
    /// `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`. RFC 3339 without fraction (`2026-11-25T08:00:00Z`) is
    /// accepted too.
    ///
    /// ```
    /// use iotmqtt::iotda::UtcTime;
    /// let a = UtcTime::parse("20161219T114920Z").unwrap();
    /// let b = UtcTime::parse("2016-12-19T11:49:20.000Z").unwrap();
    /// assert_eq!(a, b);
    /// assert_eq!(UtcTime::parse("2016-12-19T11:49:20Z").unwrap(), a);
    /// assert!(UtcTime::parse("2016-12-19 11:49:20").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self, IotdaError> {
        const BAD: IotdaError =
            IotdaError::InvalidTime("not yyyyMMddTHHmmssZ or yyyy-MM-ddTHH:mm:ss.SSSZ");
        let b = s.as_bytes();
        // Layout of each accepted form: where the digit fields are, which separators are fixed.
        const COMPACT: &[(usize, usize)] = &[(0, 4), (4, 2), (6, 2), (9, 2), (11, 2), (13, 2)];
        const DASHED: &[(usize, usize)] = &[(0, 4), (5, 2), (8, 2), (11, 2), (14, 2), (17, 2)];
        const DASHED_SEPARATORS: &[(usize, u8)] =
            &[(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
        let dashed = fixed(b, DASHED_SEPARATORS);
        let (fields, millis) = match b.len() {
            16 if fixed(b, &[(8, b'T'), (15, b'Z')]) => (COMPACT, None),
            20 if dashed && fixed(b, &[(19, b'Z')]) => (DASHED, None),
            24 if dashed && fixed(b, &[(19, b'.'), (23, b'Z')]) => (DASHED, Some(20)),
            _ => return Err(BAD),
        };
        let mut v = [0u16; 6];
        for (slot, &(at, len)) in v.iter_mut().zip(fields) {
            *slot = digits(b, at, len).ok_or(BAD)?;
        }
        let [year, month, day, hour, minute, second] = v;
        let t = UtcTime::new(
            year,
            narrow(u64::from(month), "month")?,
            narrow(u64::from(day), "day")?,
            narrow(u64::from(hour), "hour")?,
            narrow(u64::from(minute), "minute")?,
            narrow(u64::from(second), "second")?,
        )?;
        match millis {
            Some(at) => t.with_millisecond(digits(b, at, 3).ok_or(BAD)?),
            None => Ok(t),
        }
    }
}

/// True when every `(offset, byte)` pair matches.
fn fixed(b: &[u8], seps: &[(usize, u8)]) -> bool {
    seps.iter().all(|&(at, c)| b.get(at) == Some(&c))
}

/// The decimal value of `len` ASCII digits at `at` (at most 4 digits, so it fits a u16).
pub(crate) fn digits(b: &[u8], at: usize, len: usize) -> Option<u16> {
    let end = at.checked_add(len)?;
    let part = b.get(at..end)?;
    if len > 4 || part.is_empty() {
        return None;
    }
    part.iter().try_fold(0u16, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u16::from(c - b'0'))
    })
}

impl fmt::Display for UtcTime {
    /// RFC 3339 with milliseconds, e.g. `2026-11-25T08:00:00.000Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.event_time_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_every_day_of_a_long_range() {
        // Every day from 1970 to 2100, plus the last representable day.
        for days in (0..47_848u64).chain([2_932_896]) {
            let t = UtcTime::from_unix_seconds(days * SECS_PER_DAY).unwrap();
            assert_eq!(days_from_civil(t.year, t.month, t.day), days);
            assert!(t.day >= 1 && t.day <= days_in_month(t.year, t.month));
        }
    }

    #[test]
    fn known_dates() {
        let t = UtcTime::from_unix_seconds(951_782_400).unwrap(); // 2000-02-29
        assert_eq!((t.year, t.month, t.day), (2000, 2, 29));
        let t = UtcTime::from_unix_seconds(MAX_UNIX_SECS).unwrap();
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (9999, 12, 31, 23, 59, 59)
        );
        assert!(UtcTime::from_unix_seconds(MAX_UNIX_SECS + 1).is_err());
        assert!(UtcTime::new(1900, 2, 29, 0, 0, 0).is_err());
        assert!(UtcTime::new(2100, 2, 29, 0, 0, 0).is_err());
        assert!(UtcTime::new(2400, 2, 29, 0, 0, 0).is_ok());
        assert!(UtcTime::new(2026, 1, 1, 24, 0, 0).is_err());
    }

    #[test]
    fn millis() {
        let t = UtcTime::from_unix_millis(1_795_593_600_123).unwrap();
        assert_eq!(t.millisecond(), 123);
        assert_eq!(t.unix_millis(), 1_795_593_600_123);
        assert_eq!(t.event_time_millis(), "2026-11-25T08:00:00.123Z");
        assert_eq!(UtcTime::parse("2026-11-25T08:00:00.123Z").unwrap(), t);
        assert!(t.with_millisecond(1_000).is_err());
    }

    #[test]
    fn parse_rejects_garbage() {
        for bad in [
            "",
            "20161219T114920",
            "2016121gT114920Z",
            "20161319T114920Z",
            "2016-12-19T11:49:20.00xZ",
            "2016-12-19T11:49:60Z",
            "20161219T114920Zx",
            "２０１６1219T114920Z",
        ] {
            assert!(UtcTime::parse(bad).is_err(), "{bad}");
        }
    }
}
