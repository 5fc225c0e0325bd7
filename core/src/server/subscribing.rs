//! SUBSCRIBE and UNSUBSCRIBE: the configured policy, the authenticator's say, SUBACK and
//! UNSUBACK codes.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::event::{ServerEvent, SubscribeOutcome, Subscribed, Unsubscribed};
use super::session::ServerSession;
use super::subscriptions::ServerSubscription;
use super::topic::{SharedFilter, has_wildcard};
use crate::codec::{
    List, Packet, Properties, ProtocolVersion, QoS, SubAck, SubAckReason, Subscribe, Subscription,
    UnsubAck, UnsubAckReason, Unsubscribe,
};

impl ServerSession {
    pub(super) fn handle_subscribe(&mut self, s: &Subscribe<'_>) {
        let subscription_id = s.properties.subscription_identifiers().next();
        let mut outcomes = Vec::new();
        let mut codes = Vec::new();
        for sub in s.subscriptions.iter() {
            let result = self.decide_subscription(&sub, subscription_id);
            let mut options = sub.options;
            let existed = self.subscriptions.contains(sub.filter);
            if let Ok(qos) = result {
                options.qos = qos;
                self.subscriptions.upsert(ServerSubscription {
                    filter: sub.filter.to_string(),
                    options,
                    subscription_id,
                });
            }
            codes.push(match result {
                Ok(QoS::AtMostOnce) => SubAckReason::GrantedQos0,
                Ok(QoS::AtLeastOnce) => SubAckReason::GrantedQos1,
                Ok(QoS::ExactlyOnce) => SubAckReason::GrantedQos2,
                Err(code) if self.version == ProtocolVersion::V311 && !code.is_v3() => {
                    SubAckReason::UnspecifiedError
                }
                Err(code) => code,
            });
            outcomes.push(SubscribeOutcome {
                filter: sub.filter.to_string(),
                options,
                result,
                existed,
            });
        }
        self.send(&Packet::SubAck(SubAck {
            packet_id: s.packet_id,
            properties: Properties::empty(),
            reasons: List::new(&codes),
        }));
        self.events.push_back(ServerEvent::Subscribed(Subscribed {
            packet_id: s.packet_id,
            subscription_id,
            outcomes,
            user_properties: owned_user_properties(&s.properties),
        }));
    }

    /// The QoS granted for one filter, or the SUBACK code refusing it.
    fn decide_subscription(
        &mut self,
        sub: &Subscription<'_>,
        subscription_id: Option<u32>,
    ) -> Result<QoS, SubAckReason> {
        let cfg = &self.config;
        let shared = SharedFilter::parse(sub.filter).is_some();
        if shared && !cfg.shared_subscriptions {
            return Err(SubAckReason::SharedSubscriptionsNotSupported);
        }
        if has_wildcard(sub.filter) && !cfg.wildcard_subscriptions {
            return Err(SubAckReason::WildcardSubscriptionsNotSupported);
        }
        if subscription_id.is_some() && !cfg.subscription_identifiers {
            return Err(SubAckReason::SubscriptionIdentifiersNotSupported);
        }
        let mut qos = sub.options.qos.min(cfg.maximum_qos);
        if let Some(auth) = self.authenticator.as_mut() {
            let client_id = self.client_id.as_deref().unwrap_or_default();
            qos = qos.min(auth.authorize_subscribe(client_id, sub.filter, qos)?);
        }
        if !self.subscriptions.contains(sub.filter)
            && self.subscriptions.len() >= self.config.max_subscriptions
        {
            return Err(SubAckReason::QuotaExceeded);
        }
        Ok(qos)
    }

    pub(super) fn handle_unsubscribe(&mut self, u: &Unsubscribe<'_>) {
        let mut removed = Vec::new();
        let mut codes = Vec::new();
        for filter in u.filters.iter() {
            if self.subscriptions.remove(filter) {
                removed.push(filter.to_string());
                codes.push(UnsubAckReason::Success);
            } else {
                codes.push(UnsubAckReason::NoSubscriptionExisted);
            }
        }
        let reasons = if self.version == ProtocolVersion::V5 {
            List::new(&codes)
        } else {
            List::empty()
        };
        self.send(&Packet::UnsubAck(UnsubAck {
            packet_id: u.packet_id,
            properties: Properties::empty(),
            reasons,
        }));
        self.events
            .push_back(ServerEvent::Unsubscribed(Unsubscribed {
                packet_id: u.packet_id,
                removed,
                user_properties: owned_user_properties(&u.properties),
            }));
    }
}

fn owned_user_properties(p: &Properties<'_>) -> Vec<(String, String)> {
    p.user_properties()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
