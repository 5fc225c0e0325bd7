//! The subscriptions one session holds, and how a message is matched against them.

use alloc::string::String;
use alloc::vec::Vec;

use super::topic::{SharedFilter, topic_matches};
use crate::codec::{QoS, SubscriptionOptions};

/// A granted subscription: what a broker routes on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerSubscription {
    /// The Topic Filter as subscribed (a shared one keeps its `$share/{group}/` prefix).
    pub filter: String,
    /// The options, with `qos` set to the QoS granted.
    pub options: SubscriptionOptions,
    /// The Subscription Identifier of the SUBSCRIBE that made it (5.0).
    pub subscription_id: Option<u32>,
}

impl ServerSubscription {
    /// The share group and inner filter when this is a shared subscription.
    #[must_use]
    pub fn shared(&self) -> Option<SharedFilter<'_>> {
        SharedFilter::parse(&self.filter)
    }
}

/// How a message reaches this client through its matching subscriptions (MQTT 5.0 §3.3.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Match {
    /// The highest granted QoS among the matches.
    pub(crate) qos: QoS,
    /// Every Subscription Identifier of the matches, in subscription order.
    pub(crate) subscription_ids: Vec<u32>,
    /// True when some match asked to keep the RETAIN flag.
    pub(crate) retain_as_published: bool,
}

/// A session's subscription set, keyed by filter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Subscriptions {
    list: Vec<ServerSubscription>,
}

impl Subscriptions {
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    pub(crate) fn iter(&self) -> core::slice::Iter<'_, ServerSubscription> {
        self.list.iter()
    }

    pub(crate) fn contains(&self, filter: &str) -> bool {
        self.list.iter().any(|s| s.filter == filter)
    }

    pub(crate) fn get(&self, filter: &str) -> Option<&ServerSubscription> {
        self.list.iter().find(|s| s.filter == filter)
    }

    /// Adds or replaces the subscription with the same filter [MQTT-3.8.4-3]; returns whether
    /// one existed.
    pub(crate) fn upsert(&mut self, sub: ServerSubscription) -> bool {
        if let Some(old) = self.list.iter_mut().find(|s| s.filter == sub.filter) {
            *old = sub;
            true
        } else {
            self.list.push(sub);
            false
        }
    }

    /// Removes the subscription with this exact filter; returns whether one existed.
    pub(crate) fn remove(&mut self, filter: &str) -> bool {
        let before = self.list.len();
        self.list.retain(|s| s.filter != filter);
        self.list.len() != before
    }

    /// Aggregates the non-shared subscriptions matching `topic`. Subscriptions with No Local
    /// are skipped when `from_this_client` is set.
    pub(crate) fn matching(&self, topic: &str, from_this_client: bool) -> Option<Match> {
        let mut found: Option<Match> = None;
        for s in &self.list {
            if s.shared().is_some()
                || (s.options.no_local && from_this_client)
                || !topic_matches(&s.filter, topic)
            {
                continue;
            }
            let m = found.get_or_insert_with(Match::default);
            m.qos = m.qos.max(s.options.qos);
            m.retain_as_published |= s.options.retain_as_published;
            if let Some(id) = s.subscription_id {
                m.subscription_ids.push(id);
            }
        }
        found
    }

    /// The match through one shared subscription, named by its full filter.
    pub(crate) fn matching_shared(&self, shared_filter: &str, topic: &str) -> Option<Match> {
        let s = self.get(shared_filter)?;
        if s.shared().is_none() || !topic_matches(&s.filter, topic) {
            return None;
        }
        Some(Match {
            qos: s.options.qos,
            subscription_ids: s.subscription_id.into_iter().collect(),
            retain_as_published: s.options.retain_as_published,
        })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;
    use std::vec;

    use super::*;

    fn sub(filter: &str, qos: QoS, id: Option<u32>) -> ServerSubscription {
        ServerSubscription {
            filter: filter.to_string(),
            options: SubscriptionOptions::qos(qos),
            subscription_id: id,
        }
    }

    #[test]
    fn overlapping_subscriptions_give_the_highest_qos_and_every_identifier() {
        let mut s = Subscriptions::default();
        assert!(!s.upsert(sub("a/+", QoS::AtMostOnce, Some(1))));
        assert!(!s.upsert(sub("a/#", QoS::AtLeastOnce, Some(2))));
        assert!(!s.upsert(sub("$share/g/a/b", QoS::ExactlyOnce, Some(3))));
        let m = s.matching("a/b", false).unwrap();
        assert_eq!(m.qos, QoS::AtLeastOnce);
        assert_eq!(m.subscription_ids, vec![1, 2]);
        assert_eq!(s.matching("b", false), None);
        let shared = s.matching_shared("$share/g/a/b", "a/b").unwrap();
        assert_eq!(
            (shared.qos, shared.subscription_ids),
            (QoS::ExactlyOnce, vec![3])
        );
        assert_eq!(s.matching_shared("a/#", "a/b"), None);
        assert_eq!(s.matching_shared("$share/g/a/b", "a/c"), None);
    }

    #[test]
    fn replace_remove_and_no_local() {
        let mut s = Subscriptions::default();
        s.upsert(sub("a", QoS::AtMostOnce, None));
        let mut nl = sub("a", QoS::ExactlyOnce, None);
        nl.options.no_local = true;
        assert!(s.upsert(nl));
        assert_eq!(s.len(), 1);
        assert_eq!(s.matching("a", true), None);
        assert_eq!(s.matching("a", false).unwrap().qos, QoS::ExactlyOnce);
        assert!(s.remove("a"));
        assert!(!s.remove("a"));
        assert!(!s.contains("a"));
    }
}
