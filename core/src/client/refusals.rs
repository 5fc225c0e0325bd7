//! [`ConnackRefusals`]: a set of CONNACK refusal reasons, for [`ReconnectPolicy::stop_on`].
//!
//! [`ReconnectPolicy::stop_on`]: super::ReconnectPolicy::stop_on

use core::fmt;

use crate::codec::ConnectReason;

/// A set of CONNACK refusal reasons (the codes 0x80 to 0x9F a CONNACK may carry), held in one
/// word. [`ReconnectPolicy::stop_on`](super::ReconnectPolicy::stop_on) uses it to name the
/// refusals after which reconnecting is pointless.
///
/// MQTT 3.1.1 return codes arrive as the 5.0 code of the same meaning
/// ([`ConnectReason::from_v3_return_code`]): 1 → 0x84, 2 → 0x85, 3 → 0x88, 4 → 0x86,
/// 5 → 0x87, so one set serves both versions.
///
/// ```
/// use iotmqtt::client::ConnackRefusals;
/// use iotmqtt::ConnectReason;
/// let set = ConnackRefusals::default();
/// assert!(set.contains(ConnectReason::BadUserNameOrPassword));
/// assert!(!set.contains(ConnectReason::ServerUnavailable));
/// // Keep retrying an unknown device (it may be registered later):
/// let set = set.without(ConnectReason::NotAuthorized);
/// assert_eq!(set.iter().count(), 3);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConnackRefusals(u32);

impl ConnackRefusals {
    /// No reason: every refusal is retried.
    pub const NONE: ConnackRefusals = ConnackRefusals(0);

    /// The default of [`ReconnectPolicy`](super::ReconnectPolicy): the refusals that do not go
    /// away by trying again — 0x84 Unsupported Protocol Version (3.1.1 code 1), 0x86 Bad User
    /// Name or Password (code 4), 0x87 Not authorized (code 5) and 0x8A Banned.
    pub const NOT_RETRYABLE: ConnackRefusals = ConnackRefusals::NONE
        .with(ConnectReason::UnsupportedProtocolVersion)
        .with(ConnectReason::BadUserNameOrPassword)
        .with(ConnectReason::NotAuthorized)
        .with(ConnectReason::Banned);

    /// The bit of `reason`, or 0 for a code that is not a refusal (below 0x80).
    const fn bit(reason: ConnectReason) -> u32 {
        let code = reason.as_u8();
        if code >= 0x80 { 1 << (code - 0x80) } else { 0 }
    }

    /// This set and `reason` (a code below 0x80, which is no refusal, is ignored).
    #[must_use]
    pub const fn with(self, reason: ConnectReason) -> ConnackRefusals {
        ConnackRefusals(self.0 | Self::bit(reason))
    }

    /// This set without `reason`.
    #[must_use]
    pub const fn without(self, reason: ConnectReason) -> ConnackRefusals {
        ConnackRefusals(self.0 & !Self::bit(reason))
    }

    /// Adds `reason` (see [`with`](Self::with)).
    pub fn insert(&mut self, reason: ConnectReason) {
        *self = self.with(reason);
    }

    /// Removes `reason`.
    pub fn remove(&mut self, reason: ConnectReason) {
        *self = self.without(reason);
    }

    /// True when `reason` is in the set.
    #[must_use]
    pub const fn contains(self, reason: ConnectReason) -> bool {
        self.0 & Self::bit(reason) != 0
    }

    /// True when the set is empty.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The reasons in the set, in ascending order of their codes.
    pub fn iter(self) -> impl Iterator<Item = ConnectReason> {
        ConnectReason::ALL
            .iter()
            .copied()
            .filter(move |r| self.contains(*r))
    }

    /// The wire codes of the reasons in the set, ascending: the form the bindings' reconnect
    /// settings take.
    pub fn codes(self) -> impl Iterator<Item = u8> {
        self.iter().map(ConnectReason::as_u8)
    }

    /// The set of these wire codes (MQTT 5 reason codes; a 3.1.1 return code by its 5.0
    /// equivalent, see [`ConnectReason::from_v3_return_code`]).
    ///
    /// # Errors
    /// The first code that is no CONNACK refusal (below 0x80, or not a CONNACK reason).
    ///
    /// ```
    /// use iotmqtt::client::ConnackRefusals;
    /// let set = ConnackRefusals::from_codes([0x86, 0x87]).unwrap();
    /// assert_eq!(set.codes().collect::<Vec<_>>(), [0x86, 0x87]);
    /// assert_eq!(ConnackRefusals::from_codes([0x86, 0x00]), Err(0x00));
    /// assert_eq!(ConnackRefusals::from_codes([0x8E]), Err(0x8E)); // a DISCONNECT reason
    /// ```
    pub fn from_codes(codes: impl IntoIterator<Item = u8>) -> Result<ConnackRefusals, u8> {
        codes.into_iter().try_fold(
            ConnackRefusals::NONE,
            |set, code| match ConnectReason::from_u8(code) {
                Some(reason) if reason.is_error() => Ok(set.with(reason)),
                _ => Err(code),
            },
        )
    }

    /// The set as a bit mask: bit `n` stands for the code `0x80 + n` (the form of the C
    /// configuration).
    #[must_use]
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// The set of a bit mask made as [`bits`](Self::bits) makes it.
    ///
    /// # Errors
    /// The code of the lowest bit that names no CONNACK refusal.
    ///
    /// ```
    /// use iotmqtt::client::ConnackRefusals;
    /// let set = ConnackRefusals::NOT_RETRYABLE;
    /// assert_eq!(ConnackRefusals::from_bits(set.bits()), Ok(set));
    /// assert_eq!(ConnackRefusals::from_bits(1 << 0x0E), Err(0x8E));
    /// ```
    pub fn from_bits(bits: u32) -> Result<ConnackRefusals, u8> {
        let valid = ConnectReason::ALL
            .iter()
            .fold(ConnackRefusals::NONE, |set, r| set.with(*r));
        let unknown = bits & !valid.0;
        if unknown == 0 {
            Ok(ConnackRefusals(bits))
        } else {
            // trailing_zeros of a non-zero u32 is below 32, so 0x80 + it fits a u8.
            let n = u8::try_from(unknown.trailing_zeros()).unwrap_or(0x1F);
            Err(0x80 | n)
        }
    }
}

impl Default for ConnackRefusals {
    /// [`ConnackRefusals::NOT_RETRYABLE`].
    fn default() -> Self {
        ConnackRefusals::NOT_RETRYABLE
    }
}

impl FromIterator<ConnectReason> for ConnackRefusals {
    fn from_iter<I: IntoIterator<Item = ConnectReason>>(iter: I) -> Self {
        iter.into_iter()
            .fold(ConnackRefusals::NONE, ConnackRefusals::with)
    }
}

impl fmt::Debug for ConnackRefusals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_code_has_its_own_bit_and_success_none() {
        let all: ConnackRefusals = ConnectReason::ALL.iter().copied().collect();
        let refusals = ConnectReason::ALL.iter().filter(|r| r.is_error()).count();
        assert_eq!(all.iter().count(), refusals);
        assert!(!all.contains(ConnectReason::Success));
        assert_eq!(
            ConnackRefusals::NONE.with(ConnectReason::Success),
            ConnackRefusals::NONE
        );
        for r in ConnectReason::ALL.iter().filter(|r| r.is_error()) {
            let one = ConnackRefusals::NONE.with(*r);
            assert_eq!(one.iter().collect::<alloc::vec::Vec<_>>(), [*r]);
            assert!(all.without(*r).iter().all(|x| x != *r));
        }
    }

    #[test]
    fn the_default_covers_the_four_refusals_and_the_v311_codes_4_and_5() {
        let d = ConnackRefusals::default();
        assert_eq!(
            d.iter()
                .map(ConnectReason::as_u8)
                .collect::<alloc::vec::Vec<_>>(),
            [0x84, 0x86, 0x87, 0x8A]
        );
        let v3 = |c| ConnectReason::from_v3_return_code(c).unwrap();
        assert!(d.contains(v3(1)) && d.contains(v3(4)) && d.contains(v3(5)));
        assert!(!d.contains(v3(2)) && !d.contains(v3(3)));
        assert_eq!(
            alloc::format!("{d:?}"),
            "{UnsupportedProtocolVersion, BadUserNameOrPassword, NotAuthorized, Banned}"
        );
        let mut e = d;
        e.remove(ConnectReason::Banned);
        e.insert(ConnectReason::ServerMoved);
        assert!(e.contains(ConnectReason::ServerMoved) && !e.contains(ConnectReason::Banned));
        assert!(ConnackRefusals::NONE.is_empty() && !e.is_empty());
    }

    #[test]
    fn codes_and_bits_round_trip_and_name_the_first_bad_code() {
        let all: ConnackRefusals = ConnectReason::ALL.iter().copied().collect();
        for set in [ConnackRefusals::NONE, ConnackRefusals::NOT_RETRYABLE, all] {
            assert_eq!(ConnackRefusals::from_codes(set.codes()), Ok(set));
            assert_eq!(ConnackRefusals::from_bits(set.bits()), Ok(set));
        }
        assert_eq!(ConnackRefusals::NOT_RETRYABLE.bits(), 0x0000_04D0);
        assert_eq!(ConnackRefusals::from_codes([0x86, 0x01, 0x02]), Err(0x01));
        assert_eq!(ConnackRefusals::from_codes([0xFF]), Err(0xFF));
        assert_eq!(ConnackRefusals::from_bits(u32::MAX).map(|_| ()), Err(0x8B));
        assert_eq!(ConnackRefusals::from_bits(1 << 0x1E), Err(0x9E));
        assert!(
            ConnackRefusals::from_bits(1 << 0x1F).is_ok(),
            "0x9F Connection rate exceeded"
        );
    }
}
