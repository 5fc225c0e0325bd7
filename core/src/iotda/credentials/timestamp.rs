//! The CONNECT timestamp `YYYYMMDDHH` (UTC hour) and the signature type that uses it.

use core::fmt;

use super::super::error::{ClientIdError, IotdaError};
use super::super::utc::{UtcTime, days_from_civil, days_in_month, digits};

/// How the password is signed, the `sigType` character of the ClientId (IOTDA.md §2).
///
/// The HMAC is the same for `0` and `1`; `1` asks the platform to check the timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum SigType {
    /// `0`: HMAC-SHA256, the timestamp is not checked (default of the C, Java and Go SDKs).
    HmacSha256 = 0,
    /// `1`: HMAC-SHA256, the timestamp is checked against platform time (Python SDK default).
    HmacSha256Checked = 1,
    /// `2`: HMAC-SM3, the timestamp is checked (C and Java SDKs; not in the public IoTDA doc).
    HmacSm3 = 2,
}

impl SigType {
    /// The ClientId character (`'0'`, `'1'` or `'2'`).
    #[must_use]
    pub const fn as_char(self) -> char {
        match self {
            SigType::HmacSha256 => '0',
            SigType::HmacSha256Checked => '1',
            SigType::HmacSm3 => '2',
        }
    }

    /// The sig type for a ClientId character.
    #[must_use]
    pub const fn from_char(c: char) -> Option<Self> {
        match c {
            '0' => Some(SigType::HmacSha256),
            '1' => Some(SigType::HmacSha256Checked),
            '2' => Some(SigType::HmacSm3),
            _ => None,
        }
    }

    /// The numeric value (0, 1 or 2), as the bridge login payload's `sign_type` carries it.
    #[must_use]
    pub const fn as_u8(self) -> u8 {
        self as u8
    }

    /// The sig type for a numeric value.
    #[must_use]
    pub const fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(SigType::HmacSha256),
            1 => Some(SigType::HmacSha256Checked),
            2 => Some(SigType::HmacSm3),
            _ => None,
        }
    }

    /// True when the platform checks the timestamp (types 1 and 2).
    #[must_use]
    pub const fn checks_timestamp(self) -> bool {
        !matches!(self, SigType::HmacSha256)
    }
}

/// The UTC hour `YYYYMMDDHH` that keys the password HMAC and ends the ClientId.
///
/// Built from a [`UtcTime`] it always has an hour 00–23. Parsed from a peer's ClientId it may
/// carry an hour up to 99: the C SDK increments the numeric timestamp when the digest holds a
/// zero byte, so `…23` becomes `…24` (IOTDA.md §10). A verifier must use such a value as-is.
///
/// ```
/// use iotmqtt::iotda::{ConnectTimestamp, UtcTime};
/// let t = UtcTime::new(2018, 7, 24, 17, 56, 20).unwrap();
/// assert_eq!(ConnectTimestamp::from_utc(&t).as_str(), "2018072417");
/// assert!(ConnectTimestamp::parse("2026112524").is_ok()); // C SDK bump
/// assert!(ConnectTimestamp::parse("2026113200").is_err()); // no 32 November
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnectTimestamp([u8; 10]);

impl ConnectTimestamp {
    /// The hour `t` falls in.
    #[must_use]
    pub fn from_utc(t: &UtcTime) -> Self {
        let mut b = [b'0'; 10];
        let fields = [
            (0usize, 4usize, u32::from(t.year())),
            (4, 2, u32::from(t.month())),
            (6, 2, u32::from(t.day())),
            (8, 2, u32::from(t.hour())),
        ];
        for (at, len, mut value) in fields {
            for i in (0..len).rev() {
                if let Some(slot) = b.get_mut(at + i) {
                    // `value % 10` is a single decimal digit.
                    *slot = b'0' + u8::try_from(value % 10).unwrap_or(0);
                }
                value /= 10;
            }
        }
        ConnectTimestamp(b)
    }

    /// Parses `YYYYMMDDHH`: ten ASCII digits, a year 1970–9999, a real month and day, and an
    /// hour 00–99 (see the type docs for why above 23).
    pub fn parse(s: &str) -> Result<Self, IotdaError> {
        Self::parse_inner(s).map_err(IotdaError::InvalidClientId)
    }

    pub(crate) fn parse_inner(s: &str) -> Result<Self, ClientIdError> {
        let b: [u8; 10] = s
            .as_bytes()
            .try_into()
            .map_err(|_| ClientIdError::Timestamp)?;
        if !b.iter().all(u8::is_ascii_digit) {
            return Err(ClientIdError::Timestamp);
        }
        let ts = ConnectTimestamp(b);
        let (year, month, day, _) = ts.fields().ok_or(ClientIdError::Timestamp)?;
        if !(1970..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
        {
            return Err(ClientIdError::Timestamp);
        }
        Ok(ts)
    }

    fn fields(&self) -> Option<(u16, u8, u8, u8)> {
        let b = &self.0;
        Some((
            digits(b, 0, 4)?,
            u8::try_from(digits(b, 4, 2)?).ok()?,
            u8::try_from(digits(b, 6, 2)?).ok()?,
            u8::try_from(digits(b, 8, 2)?).ok()?,
        ))
    }

    /// The ten characters.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Always ten ASCII digits by construction.
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Seconds since the Unix epoch at which this hour starts (an hour above 23 counts on into
    /// the next day, as the C SDK's numeric increment means it).
    #[must_use]
    pub fn start_unix_seconds(&self) -> u64 {
        match self.fields() {
            Some((year, month, day, hour)) => {
                days_from_civil(year, month, day) * 86_400 + u64::from(hour) * 3_600
            }
            None => 0,
        }
    }
}

impl fmt::Debug for ConnectTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnectTimestamp({})", self.as_str())
    }
}

impl fmt::Display for ConnectTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_and_parse() {
        let t = UtcTime::new(1970, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(ConnectTimestamp::from_utc(&t).as_str(), "1970010100");
        let t = UtcTime::new(9999, 12, 31, 23, 59, 59).unwrap();
        let ts = ConnectTimestamp::from_utc(&t);
        assert_eq!(ts.as_str(), "9999123123");
        assert_eq!(ConnectTimestamp::parse("9999123123").unwrap(), ts);
        assert_eq!(ts.start_unix_seconds(), t.unix_seconds() - 59 * 60 - 59);
        for bad in [
            "",
            "202611250",
            "20261125088",
            "2026-11-25",
            "2026002508",
            "1969123123",
        ] {
            assert!(ConnectTimestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bumped_hour_counts_into_the_next_day() {
        let bumped = ConnectTimestamp::parse("2026112524").unwrap();
        let next = ConnectTimestamp::parse("2026112600").unwrap();
        assert_eq!(bumped.start_unix_seconds(), next.start_unix_seconds());
    }

    #[test]
    fn sig_type_chars() {
        for s in [
            SigType::HmacSha256,
            SigType::HmacSha256Checked,
            SigType::HmacSm3,
        ] {
            assert_eq!(SigType::from_char(s.as_char()), Some(s));
            assert_eq!(SigType::from_u8(s.as_u8()), Some(s));
        }
        assert_eq!(SigType::from_char('3'), None);
        assert!(!SigType::HmacSha256.checks_timestamp());
        assert!(SigType::HmacSm3.checks_timestamp());
    }
}
