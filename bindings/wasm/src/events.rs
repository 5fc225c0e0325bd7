//! Client events as JS objects: `{type, …}` with the fields of `tests/README.md` §2.4 in
//! camelCase, bytes as `Uint8Array`, errors as `Error`s. A `message` event also carries
//! `ackToken` (a number) for `Client.ack` in manual-ack mode.

use iotmqtt::PacketId;
use iotmqtt::client::Event;
use wasm_bindgen::JsValue;

use crate::errors::error;
use crate::js::{Obj, array, bytes, num, opt, pairs};
use crate::props::owned_to_js;

/// The JS object for `e`.
pub(crate) fn event_to_js(e: &Event) -> JsValue {
    let pairs_of = |v: &[(String, String)]| pairs(v.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    match e {
        Event::CredentialsNeeded => Obj::typed("credentials_needed"),
        Event::AuthChallenge {
            method,
            data,
            properties,
        } => Obj::typed("auth_challenge")
            .set("method", method.as_str())
            .set("data", opt(data.as_deref().map(bytes)))
            .set("properties", owned_to_js(properties)),
        Event::Reauthenticated { properties } => {
            Obj::typed("reauthenticated").set("properties", owned_to_js(properties))
        }
        Event::Connected(i) => Obj::typed("connected")
            .set("sessionPresent", i.session_present)
            .set("keepAlive", i.keep_alive)
            .set("serverKeepAlive", opt(i.server_keep_alive))
            .set("sessionExpiry", i.session_expiry)
            .set("assignedClientId", opt(i.assigned_client_id.as_deref()))
            .set("receiveMaximum", i.receive_maximum)
            .set("maximumPacketSize", opt(i.maximum_packet_size))
            .set("topicAliasMaximum", i.topic_alias_maximum)
            .set("maximumQos", i.maximum_qos as u8)
            .set("retainAvailable", i.retain_available)
            .set(
                "wildcardSubscriptionAvailable",
                i.wildcard_subscription_available,
            )
            .set(
                "subscriptionIdentifiersAvailable",
                i.subscription_identifiers_available,
            )
            .set(
                "sharedSubscriptionAvailable",
                i.shared_subscription_available,
            )
            .set("reasonString", opt(i.reason_string.as_deref()))
            .set(
                "responseInformation",
                opt(i.response_information.as_deref()),
            )
            .set("serverReference", opt(i.server_reference.as_deref()))
            .set(
                "authenticationData",
                opt(i.authentication_data.as_deref().map(bytes)),
            )
            .set("userProperties", pairs_of(&i.user_properties))
            .set("properties", owned_to_js(&i.properties)),
        Event::Message(m) => Obj::typed("message")
            .set("topic", m.topic.as_str())
            .set("payload", bytes(&m.payload))
            .set("qos", m.qos as u8)
            .set("retain", m.retain)
            .set("dup", m.dup)
            .set("packetId", opt(m.packet_id.map(PacketId::get)))
            .set("properties", owned_to_js(&m.properties))
            .set("ackToken", opt(m.ack_token.map(|t| num(t.to_u64())))),
        Event::PublishAcked {
            packet_id,
            reason,
            properties,
        } => Obj::typed("publish_acked")
            .set("packetId", packet_id.get())
            .set("reason", reason.as_u8())
            .set("properties", owned_to_js(properties)),
        Event::PublishCompleted {
            packet_id,
            reason,
            properties,
        } => Obj::typed("publish_completed")
            .set("packetId", packet_id.get())
            .set("reason", reason.as_u8())
            .set("properties", owned_to_js(properties)),
        Event::PublishDropped { packet_id, reason } => Obj::typed("publish_dropped")
            .set("packetId", opt(packet_id.map(PacketId::get)))
            .set("reason", reason.code()),
        Event::RequestDropped { packet_id, reason } => Obj::typed("request_dropped")
            .set("packetId", packet_id.get())
            .set("reason", reason.code()),
        Event::Subscribed {
            packet_id,
            reasons,
            properties,
            resubscribe,
        } => Obj::typed("subscribed")
            .set("packetId", packet_id.get())
            .set("reasons", array(reasons.iter().map(|r| r.as_u8())))
            .set("properties", owned_to_js(properties))
            .set("resubscribe", *resubscribe),
        Event::Unsubscribed {
            packet_id,
            reasons,
            properties,
        } => Obj::typed("unsubscribed")
            .set("packetId", packet_id.get())
            .set("reasons", array(reasons.iter().map(|r| r.as_u8())))
            .set("properties", owned_to_js(properties)),
        Event::ConnectionLost(l) => Obj::typed("connection_lost")
            .set("error", error(&l.error))
            .set("reasonString", opt(l.reason_string.as_deref()))
            .set("serverReference", opt(l.server_reference.as_deref()))
            .set("userProperties", pairs_of(&l.user_properties))
            .set(
                "reconnectAt",
                opt(l.reconnect_at.map(|t| num(t.as_millis()))),
            ),
        Event::Disconnected => Obj::typed("disconnected"),
        Event::ReconnectDue { attempt } => Obj::typed("reconnect_due").set("attempt", *attempt),
        Event::PersistRequired => Obj::typed("persist_required"),
        Event::MessagesDropped { count } => {
            Obj::typed("messages_dropped").set("count", num(*count))
        }
        #[allow(unreachable_patterns)] // `Event` is non-exhaustive; a new event needs a view
        _ => Obj::typed("unknown"),
    }
    .build()
}
