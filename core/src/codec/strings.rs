//! UTF-8 Encoded Strings (MQTT 5.0 §1.5.4, MQTT 3.1.1 §1.5.3) and topic rules (§4.7).

use super::Violation;

/// Checks that `bytes` is a string MQTT allows: well-formed UTF-8 [MQTT-1.5.4-1] without U+0000
/// [MQTT-1.5.4-2]. On failure returns the offset of the first bad byte within `bytes`.
///
/// Control characters and non-characters are allowed: the specification says a sender SHOULD NOT
/// use them, not that a receiver must reject them.
#[cfg_attr(feature = "fast-paths", inline(always))]
#[cfg_attr(not(feature = "fast-paths"), inline)]
pub(crate) fn validate_str(bytes: &[u8]) -> Result<&str, (usize, Violation)> {
    let s = utf8(bytes)?;
    match find_special(bytes, false) {
        Some(at) => Err((at, Violation::NullCharacter)),
        None => Ok(s),
    }
}

/// Checks that `bytes` is a Topic Name: a valid string (as [`validate_str`]) without `+` or `#`
/// [MQTT-3.3.2-2]. The UTF-8 check is the standard library's; NUL and both wildcards are found
/// in one further pass, eight bytes at a time.
#[cfg_attr(feature = "fast-paths", inline(always))]
#[cfg_attr(not(feature = "fast-paths"), inline)]
pub(crate) fn validate_topic_name_bytes(bytes: &[u8]) -> Result<&str, (usize, Violation)> {
    let s = utf8(bytes)?;
    match find_special(bytes, true) {
        Some(at) => Err((at, special_violation(bytes, at))),
        None => Ok(s),
    }
}

#[cfg_attr(feature = "fast-paths", inline(always))]
#[cfg_attr(not(feature = "fast-paths"), inline)]
fn utf8(bytes: &[u8]) -> Result<&str, (usize, Violation)> {
    core::str::from_utf8(bytes).map_err(|e| (e.valid_up_to(), Violation::InvalidUtf8))
}

/// The violation for the special byte at `at` (found by [`find_special`]).
#[inline]
fn special_violation(bytes: &[u8], at: usize) -> Violation {
    if bytes.get(at) == Some(&0) {
        Violation::NullCharacter
    } else {
        Violation::TopicWildcard
    }
}

/// True when `b` is U+0000, or (when `wildcards`) `+` or `#`. `'#' | 0x08 == '+'`, and no other
/// byte maps to `+` that way, so both wildcards take one comparison.
#[cfg_attr(feature = "fast-paths", inline(always))]
#[cfg_attr(not(feature = "fast-paths"), inline)]
const fn is_special(b: u8, wildcards: bool) -> bool {
    b == 0 || (wildcards && (b | 0x08) == b'+')
}

/// Offset of the first NUL byte, or (when `wildcards`) of the first NUL, `+` or `#`. These are
/// ASCII bytes, which never occur inside a multi-byte UTF-8 sequence, so a byte scan is exact.
///
/// With the `fast-paths` feature: sixteen bytes a step (vectorised by the compiler), the tail as
/// one block that may overlap the last step; only a string that holds a special byte is looked
/// at again byte by byte. Without it: one byte at a time, the smallest code.
#[cfg_attr(feature = "fast-paths", inline(always))]
#[cfg_attr(not(feature = "fast-paths"), inline)]
fn find_special(bytes: &[u8], wildcards: bool) -> Option<usize> {
    #[cfg(feature = "fast-paths")]
    if !may_hold_special(bytes, wildcards) {
        return None;
    }
    bytes.iter().position(|&b| is_special(b, wildcards))
}

/// True when `topic` is a valid non-empty Topic Name to send: at most 65,535 bytes, no U+0000,
/// no wildcard (the encoder's fast path; the slow path says what is wrong otherwise).
#[cfg(feature = "fast-paths")]
#[inline(always)]
pub(crate) fn is_plain_topic_name(topic: &str) -> bool {
    !topic.is_empty()
        && topic.len() <= usize::from(u16::MAX)
        && !may_hold_special(topic.as_bytes(), true)
}

#[cfg(feature = "fast-paths")]
#[inline(always)]
fn may_hold_special(bytes: &[u8], wildcards: bool) -> bool {
    if bytes.len() < 16 {
        return bytes.iter().any(|&b| is_special(b, wildcards));
    }
    // Two blocks per branch.
    let mut pairs = bytes.chunks_exact(32);
    for pair in &mut pairs {
        let (a, b) = pair.split_at(16);
        if block_has_special(a, wildcards) | block_has_special(b, wildcards) {
            return true;
        }
    }
    let rest = pairs.remainder();
    // One more block if there is one, then the last sixteen bytes (which may overlap).
    let head = rest
        .get(..16)
        .is_some_and(|b| block_has_special(b, wildcards));
    let tail = bytes.len().checked_sub(16).and_then(|at| bytes.get(at..));
    head || (!rest.is_empty() && tail.is_some_and(|t| block_has_special(t, wildcards)))
}

/// One 16-byte block: a branch-free OR of per-byte flags, which the compiler turns into vector
/// compares and a mask.
#[cfg(feature = "fast-paths")]
#[inline(always)]
fn block_has_special(block: &[u8], wildcards: bool) -> bool {
    let block: &[u8; 16] = block.try_into().unwrap_or(&[0; 16]);
    let mut m = 0u8;
    for &b in block {
        m |= u8::from(b == 0) | u8::from(wildcards && (b | 0x08) == b'+');
    }
    m != 0
}

/// Checks a string the caller wants to encode: at most 65,535 bytes, no U+0000.
#[inline]
pub(crate) fn check_outgoing_str(s: &str) -> Result<(), Violation> {
    if s.len() > usize::from(u16::MAX) {
        return Err(Violation::StringTooLong);
    }
    if find_special(s.as_bytes(), false).is_some() {
        return Err(Violation::NullCharacter);
    }
    Ok(())
}

/// Checks a Topic Name the caller wants to encode in one pass: at most 65,535 bytes, no U+0000, no
/// wildcard. Emptiness is the caller's business (it depends on a Topic Alias).
#[inline]
pub(crate) fn check_outgoing_topic_name(s: &str) -> Result<(), Violation> {
    if s.len() > usize::from(u16::MAX) {
        return Err(Violation::StringTooLong);
    }
    match find_special(s.as_bytes(), true) {
        Some(at) => Err(special_violation(s.as_bytes(), at)),
        None => Ok(()),
    }
}

/// Checks binary data the caller wants to encode: at most 65,535 bytes.
#[inline]
pub(crate) fn check_outgoing_binary(b: &[u8]) -> Result<(), Violation> {
    if b.len() > usize::from(u16::MAX) {
        return Err(Violation::StringTooLong);
    }
    Ok(())
}

/// Validates a Topic Name (PUBLISH, Will, Response Topic): no `+` or `#` [MQTT-3.3.2-2]. An
/// empty name is allowed here; whether it is acceptable depends on a Topic Alias, which the
/// caller knows.
///
/// ```
/// use iotmqtt::{validate_topic_name, Violation};
/// assert_eq!(validate_topic_name("$oc/devices/d1/sys/properties/report"), Ok(()));
/// assert_eq!(validate_topic_name("a/+/c"), Err(Violation::TopicWildcard));
/// ```
///
/// # Errors
/// [`Violation::TopicWildcard`], or [`Violation::NullCharacter`] for a U+0000.
#[inline]
pub fn validate_topic_name(topic: &str) -> Result<(), Violation> {
    match find_special(topic.as_bytes(), true) {
        Some(at) => Err(special_violation(topic.as_bytes(), at)),
        None => Ok(()),
    }
}

/// Validates a Topic Filter (SUBSCRIBE, UNSUBSCRIBE): not empty [MQTT-4.7.3-1], `#` only as the
/// last whole level [MQTT-4.7.1-1], `+` only as a whole level [MQTT-4.7.1-2], no U+0000. Shared
/// subscriptions (`$share/{group}/{filter}`, MQTT 5 only) need a non-empty group without
/// wildcards and a non-empty filter [MQTT-4.8.2-1, MQTT-4.8.2-2].
///
/// ```
/// use iotmqtt::{validate_topic_filter, Violation};
/// assert_eq!(validate_topic_filter("$oc/devices/+/sys/commands/#"), Ok(()));
/// assert_eq!(validate_topic_filter("a/#/c"), Err(Violation::InvalidTopicFilter));
/// assert_eq!(validate_topic_filter(""), Err(Violation::EmptyTopic));
/// ```
///
/// # Errors
/// [`Violation::EmptyTopic`], [`Violation::InvalidTopicFilter`] or [`Violation::NullCharacter`].
pub fn validate_topic_filter(filter: &str) -> Result<(), Violation> {
    check_topic_filter(filter, true).map_err(|(_, v)| v)
}

/// [`validate_topic_filter`] with the offset of the offending byte; the `$share/` rules apply
/// only when `shared` (MQTT 5: in 3.1.1 `$share/...` is an ordinary filter).
pub(crate) fn check_topic_filter(filter: &str, shared: bool) -> Result<(), (usize, Violation)> {
    let bytes = filter.as_bytes();
    if bytes.is_empty() {
        return Err((0, Violation::EmptyTopic));
    }
    let mut level_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            0 => return Err((i, Violation::NullCharacter)),
            // `#` must be the whole last level.
            b'#' if i != level_start || i + 1 != bytes.len() => {
                return Err((i, Violation::InvalidTopicFilter));
            }
            // `+` must be a whole level.
            b'+' if i != level_start || !matches!(bytes.get(i + 1), None | Some(b'/')) => {
                return Err((i, Violation::InvalidTopicFilter));
            }
            b'/' => level_start = i + 1,
            _ => {}
        }
    }
    if shared {
        if let Some(rest) = filter.strip_prefix(SHARE_PREFIX) {
            let group_end = rest.find('/');
            let group = group_end.map_or(rest, |e| rest.get(..e).unwrap_or(""));
            let bad_at = SHARE_PREFIX.len();
            if group.is_empty() {
                return Err((bad_at, Violation::InvalidTopicFilter));
            }
            if let Some(w) = group.find(['+', '#']) {
                return Err((bad_at + w, Violation::InvalidTopicFilter));
            }
            match group_end {
                Some(e) if e + 1 < rest.len() => {}
                // No filter after the group: point at its last byte.
                _ => return Err((bytes.len() - 1, Violation::InvalidTopicFilter)),
            }
        }
    }
    Ok(())
}

const SHARE_PREFIX: &str = "$share/";

/// True when `filter` is a shared subscription (`$share/...`).
#[inline]
#[must_use]
pub fn is_shared_filter(filter: &str) -> bool {
    filter.starts_with(SHARE_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings() {
        assert_eq!(validate_str(b"abc"), Ok("abc"));
        assert_eq!(validate_str(b"a\0c"), Err((1, Violation::NullCharacter)));
        assert_eq!(validate_str(b"ab\xFF"), Err((2, Violation::InvalidUtf8)));
        // A UTF-16 surrogate encoded in UTF-8 is ill-formed [MQTT-1.5.4-1].
        assert_eq!(
            validate_str(b"\xED\xA0\x80"),
            Err((0, Violation::InvalidUtf8))
        );
        assert_eq!(validate_str("\u{FEFF}x".as_bytes()), Ok("\u{FEFF}x"));
    }

    #[test]
    fn topic_names() {
        assert!(validate_topic_name("$oc/devices/a/sys/messages/up").is_ok());
        assert_eq!(validate_topic_name("a/+/b"), Err(Violation::TopicWildcard));
        assert_eq!(validate_topic_name("a/#"), Err(Violation::TopicWildcard));
    }

    #[test]
    fn topic_filters() {
        for ok in [
            "#",
            "+",
            "a/#",
            "a/+/b",
            "+/+",
            "/",
            "$oc/devices/x/sys/commands/#",
            "$share/g/a/#",
        ] {
            assert_eq!(validate_topic_filter(ok), Ok(()), "{ok}");
        }
        for bad in [
            "a/#/b",
            "a#",
            "a/b+",
            "+a/b",
            "#/",
            "$share/g",
            "$share//a",
            "$share/g+/a",
        ] {
            assert!(validate_topic_filter(bad).is_err(), "{bad}");
        }
        assert_eq!(validate_topic_filter(""), Err(Violation::EmptyTopic));
    }
}
