//! Topic matching (MQTT 5.0 §4.7, §4.8.2; MQTT 3.1.1 §4.7): what a broker needs to route a
//! PUBLISH to the sessions whose subscriptions match it.

/// True when the Topic Name `topic` matches the Topic Filter `filter`.
///
/// * `+` matches exactly one level, including an empty one: `sport/+` matches `sport/` but not
///   `sport`.
/// * `#` matches any number of levels, including the parent level: `sport/#` matches `sport`.
/// * A filter whose first level is a wildcard never matches a topic starting with `$`
///   [MQTT-4.7.2-1]: `#` does not match `$SYS/uptime`, `$SYS/#` does.
/// * A shared subscription `$share/{group}/{filter}` matches what `{filter}` matches; which member
///   of the group receives a message is the broker's choice (see [`SharedFilter`]).
///
/// Invalid input never matches and never panics: an empty topic or filter, a topic containing a
/// wildcard, a misplaced wildcard in the filter, or a malformed shared subscription all give
/// `false`. The function makes one pass over both strings and allocates nothing.
///
/// ```
/// use iotmqtt::server::topic_matches;
/// assert!(topic_matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
/// assert!(topic_matches("sport/#", "sport"));
/// assert!(topic_matches("+/+", "/finance"));
/// assert!(!topic_matches("+", "/finance"));
/// assert!(!topic_matches("#", "$SYS/uptime"));
/// assert!(topic_matches("$share/workers/jobs/+", "jobs/42"));
/// ```
#[must_use]
pub fn topic_matches(filter: &str, topic: &str) -> bool {
    let filter = if filter.starts_with(SHARE_PREFIX) {
        match SharedFilter::parse(filter) {
            Some(shared) => shared.filter,
            None => return false,
        }
    } else {
        filter
    };
    if filter.is_empty() || topic.is_empty() || topic.contains(['+', '#']) {
        return false;
    }
    if topic.starts_with('$') && filter.starts_with(['+', '#']) {
        return false;
    }
    let mut filter_levels = filter.split('/');
    let mut topic_levels = topic.split('/');
    loop {
        match (filter_levels.next(), topic_levels.next()) {
            // `#` must be the last level; it also matches the parent (no topic level left).
            (Some("#"), _) => return filter_levels.next().is_none(),
            (Some("+"), Some(_)) => {}
            // A topic level never holds a wildcard, so a filter level holding a misplaced one
            // never compares equal and the filter is rejected here.
            (Some(f), Some(t)) if f == t => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

const SHARE_PREFIX: &str = "$share/";

/// A shared subscription filter `$share/{group}/{filter}` taken apart (MQTT 5.0 §4.8.2).
///
/// Every session subscribed with the same group and filter shares the messages: the broker
/// delivers each one to a single member of the group.
///
/// ```
/// use iotmqtt::server::SharedFilter;
/// let s = SharedFilter::parse("$share/workers/jobs/#").unwrap();
/// assert_eq!((s.group, s.filter), ("workers", "jobs/#"));
/// assert_eq!(SharedFilter::parse("jobs/#"), None);
/// assert_eq!(SharedFilter::parse("$share/bad+group/jobs"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SharedFilter<'a> {
    /// The Share Name: not empty, no `/`, `+` or `#` [MQTT-4.8.2-2].
    pub group: &'a str,
    /// The filter after the share name: not empty [MQTT-4.8.2-1].
    pub filter: &'a str,
}

impl<'a> SharedFilter<'a> {
    /// Splits a shared subscription filter; `None` when `filter` is not one or is malformed.
    #[must_use]
    pub fn parse(filter: &'a str) -> Option<Self> {
        let rest = filter.strip_prefix(SHARE_PREFIX)?;
        let (group, filter) = rest.split_once('/')?;
        if group.is_empty() || group.contains(['+', '#']) || filter.is_empty() {
            return None;
        }
        Some(SharedFilter { group, filter })
    }
}

/// True when `filter` contains a `+` or `#` wildcard level (after any `$share/{group}/` prefix).
#[cfg(feature = "server")]
#[must_use]
pub(crate) fn has_wildcard(filter: &str) -> bool {
    let inner = SharedFilter::parse(filter).map_or(filter, |s| s.filter);
    inner.contains(['+', '#'])
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::{format, string::String, string::ToString, vec::Vec};

    use super::*;

    /// (filter, topic, matches): the examples of MQTT 5.0 §4.7.1 and §4.7.2 first, then edges.
    const TABLE: &[(&str, &str, bool)] = &[
        // §4.7.1.2 multi-level wildcard
        ("sport/tennis/player1/#", "sport/tennis/player1", true),
        (
            "sport/tennis/player1/#",
            "sport/tennis/player1/ranking",
            true,
        ),
        (
            "sport/tennis/player1/#",
            "sport/tennis/player1/score/wimbledon",
            true,
        ),
        ("sport/#", "sport", true),
        ("#", "sport/tennis", true),
        ("#", "/", true),
        // §4.7.1.3 single-level wildcard
        ("sport/tennis/+", "sport/tennis/player1", true),
        ("sport/tennis/+", "sport/tennis/player2", true),
        ("sport/tennis/+", "sport/tennis/player1/ranking", false),
        ("sport/+", "sport", false),
        ("sport/+", "sport/", true),
        ("+/+", "/finance", true),
        ("/+", "/finance", true),
        ("+", "/finance", false),
        ("+/tennis/#", "sport/tennis/player1", true),
        ("sport/+/player1", "sport/tennis/player1", true),
        // §4.7.2 topics beginning with $
        ("#", "$SYS/broker/uptime", false),
        ("+/monitor/Clients", "$SYS/monitor/Clients", false),
        ("$SYS/#", "$SYS/monitor/Clients", true),
        ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
        ("+", "$SYS", false),
        (
            "$oc/devices/+/sys/commands/#",
            "$oc/devices/d1/sys/commands/request_id=7",
            true,
        ),
        // exact, case-sensitive, empty levels
        ("a/b", "a/b", true),
        ("a/b", "A/b", false),
        ("a/b", "a/b/", false),
        ("a//b", "a//b", true),
        ("a/+/b", "a//b", true),
        ("/", "/", true),
        ("a/#", "a/", true),
        ("a/#", "ab", false),
        ("ab/#", "a", false),
        // shared subscriptions
        ("$share/g/sport/#", "sport/tennis", true),
        ("$share/g/#", "$SYS/x", false),
        ("$share/g/$SYS/#", "$SYS/x", true),
        ("$share/g/a", "a", true),
        ("$share/g/a", "$share/g/a", false),
        // invalid filters and topics never match
        ("", "a", false),
        ("a", "", false),
        ("#", "", false),
        ("a/#/b", "a/x/b", false),
        ("#/", "a/", false),
        ("a#", "a#", false),
        ("a/b+", "a/b+", false),
        ("+", "+", false),
        ("a/+", "a/#", false),
        ("$share/g", "g", false),
        ("$share//a", "a", false),
        ("$share/g+/a", "a", false),
    ];

    #[test]
    fn spec_examples_and_edges() {
        for &(filter, topic, expected) in TABLE {
            assert_eq!(
                topic_matches(filter, topic),
                expected,
                "filter {filter:?} topic {topic:?}"
            );
        }
    }

    #[test]
    fn every_valid_filter_in_the_table_passes_the_codec_validation() {
        for &(filter, topic, expected) in TABLE {
            if expected {
                assert_eq!(crate::validate_topic_filter(filter), Ok(()), "{filter}");
                assert_eq!(crate::validate_topic_name(topic), Ok(()), "{topic}");
            }
        }
    }

    #[cfg(feature = "server")]
    #[test]
    fn wildcards_are_detected_inside_shared_filters() {
        assert!(has_wildcard("a/+"));
        assert!(has_wildcard("$share/g/#"));
        assert!(!has_wildcard("$share/g/a/b"));
        assert!(!has_wildcard("a/b"));
    }

    mod props {
        use super::super::*;
        use super::{String, ToString, Vec, format};
        use proptest::prelude::*;

        fn level() -> impl Strategy<Value = String> {
            prop_oneof![Just(String::new()), "[a-c]{1,2}", Just("$x".to_string()),]
        }

        fn topic() -> impl Strategy<Value = String> {
            prop::collection::vec(level(), 1..5)
                .prop_map(|l| l.join("/"))
                .prop_filter("a topic name is never empty", |t| !t.is_empty())
        }

        proptest! {
            #[test]
            fn a_topic_matches_itself_and_hash(t in topic()) {
                prop_assert!(topic_matches(&t, &t));
                prop_assert_eq!(topic_matches("#", &t), !t.starts_with('$'));
            }

            #[test]
            fn replacing_a_level_with_plus_still_matches(t in topic(), at in 0usize..5) {
                let mut levels: Vec<&str> = t.split('/').collect();
                let at = at % levels.len();
                levels[at] = "+";
                let filter = levels.join("/");
                let leading_dollar = at == 0 && t.starts_with('$');
                prop_assert_eq!(topic_matches(&filter, &t), !leading_dollar);
            }

            #[test]
            fn a_prefix_with_hash_matches(t in topic(), keep in 1usize..5) {
                let levels: Vec<&str> = t.split('/').collect();
                let keep = keep.min(levels.len());
                let filter = format!("{}/#", levels[..keep].join("/"));
                prop_assert!(topic_matches(&filter, &t));
                let shared = format!("$share/g/{filter}");
                prop_assert!(topic_matches(&shared, &t));
            }

            #[test]
            fn arbitrary_strings_never_panic(f in ".{0,12}", t in ".{0,12}") {
                let m = topic_matches(&f, &t);
                if m {
                    // Whatever matches is a valid filter and a valid topic name.
                    prop_assert!(crate::validate_topic_filter(&f).is_ok());
                    prop_assert!(crate::validate_topic_name(&t).is_ok() && !t.is_empty());
                }
            }
        }
    }
}
