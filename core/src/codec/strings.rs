//! UTF-8 Encoded Strings (MQTT 5.0 §1.5.4, MQTT 3.1.1 §1.5.3) and topic rules (§4.7).

use super::Violation;

/// Checks that `bytes` is a string MQTT allows: well-formed UTF-8 [MQTT-1.5.4-1] without U+0000
/// [MQTT-1.5.4-2]. On failure returns the offset of the first bad byte within `bytes`.
///
/// Control characters and non-characters are allowed: the specification says a sender SHOULD NOT
/// use them, not that a receiver must reject them.
#[inline]
pub(crate) fn validate_str(bytes: &[u8]) -> Result<&str, (usize, Violation)> {
    match core::str::from_utf8(bytes) {
        Ok(s) => match memchr_zero(bytes) {
            Some(at) => Err((at, Violation::NullCharacter)),
            None => Ok(s),
        },
        Err(e) => Err((e.valid_up_to(), Violation::InvalidUtf8)),
    }
}

/// Offset of the first 0x00 byte.
#[inline]
fn memchr_zero(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|b| *b == 0)
}

/// Checks a string the caller wants to encode: at most 65,535 bytes, no U+0000.
#[inline]
pub(crate) fn check_outgoing_str(s: &str) -> Result<(), Violation> {
    if s.len() > usize::from(u16::MAX) {
        return Err(Violation::StringTooLong);
    }
    if memchr_zero(s.as_bytes()).is_some() {
        return Err(Violation::NullCharacter);
    }
    Ok(())
}

/// Checks binary data the caller wants to encode: at most 65,535 bytes.
#[inline]
pub(crate) fn check_outgoing_binary(b: &[u8]) -> Result<(), Violation> {
    if b.len() > usize::from(u16::MAX) {
        return Err(Violation::StringTooLong);
    }
    Ok(())
}

/// Validates a Topic Name (PUBLISH, Will): no `+` or `#` [MQTT-3.3.2-2]. An empty name is
/// allowed here; whether it is acceptable depends on a Topic Alias, which the caller knows.
#[inline]
pub fn validate_topic_name(topic: &str) -> Result<(), Violation> {
    if topic.bytes().any(|b| b == b'+' || b == b'#') {
        return Err(Violation::TopicWildcard);
    }
    Ok(())
}

/// Validates a Topic Filter (SUBSCRIBE, UNSUBSCRIBE): not empty [MQTT-4.7.3-1], `#` only as the
/// last whole level [MQTT-4.7.1-1], `+` only as a whole level [MQTT-4.7.1-2]. Shared
/// subscriptions (`$share/{group}/{filter}`) need a non-empty group without wildcards and a
/// non-empty filter [MQTT-4.8.2-1, MQTT-4.8.2-2].
pub fn validate_topic_filter(filter: &str) -> Result<(), Violation> {
    if filter.is_empty() {
        return Err(Violation::EmptyTopic);
    }
    let mut levels = filter.split('/').peekable();
    while let Some(level) = levels.next() {
        let last = levels.peek().is_none();
        if level.contains('#') && (level != "#" || !last) {
            return Err(Violation::InvalidTopicFilter);
        }
        if level.contains('+') && level != "+" {
            return Err(Violation::InvalidTopicFilter);
        }
    }
    if let Some(rest) = filter.strip_prefix("$share/") {
        match rest.split_once('/') {
            Some((group, f)) if !group.is_empty() && !f.is_empty() => {
                if group.contains(['+', '#']) {
                    return Err(Violation::InvalidTopicFilter);
                }
            }
            _ => return Err(Violation::InvalidTopicFilter),
        }
    }
    Ok(())
}

/// True when `filter` is a shared subscription (`$share/...`).
#[inline]
#[must_use]
pub fn is_shared_filter(filter: &str) -> bool {
    filter.starts_with("$share/")
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
