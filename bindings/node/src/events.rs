//! The client's events as plain objects `{type, …fields}`: `type` is the core's snake_case
//! name (`publish_acked`), fields are camelCase, absent values `null`, bytes `Buffer`s, and
//! the error of `connection_lost` an `Error` with `code`, `kind` and `reasonCode`.

use iotmqtt::Error;
use iotmqtt::client::Event;
use napi::bindgen_prelude::{Env, JsObjectValue, Null, Object, Status};

use crate::convert::{buffer, num};
use crate::errors::Result;
use crate::props::{owned_to_js, pairs};

/// An `Error` object for a core error carried in an event (not thrown).
pub(crate) fn error_to_js<'e>(env: &'e Env, e: &Error) -> Result<Object<'e>> {
    let mut obj = env.create_error(napi::Error::new(Status::GenericFailure, e.to_string()))?;
    obj.set_named_property("code", e.code())?;
    obj.set_named_property("kind", e.kind().as_str())?;
    obj.set_named_property("reasonCode", u32::from(e.reason_code().as_u8()))?;
    Ok(obj)
}

/// The JavaScript object of a client event.
pub(crate) fn event_to_js<'e>(env: &'e Env, e: &Event) -> Result<Object<'e>> {
    let mut o = Object::new(env)?;
    match e {
        Event::Message(m) => {
            o.set("type", "message")?;
            o.set("topic", m.topic.as_str())?;
            o.set("payload", buffer(env, &m.payload)?)?;
            o.set("qos", m.qos as u32)?;
            o.set("retain", m.retain)?;
            o.set("dup", m.dup)?;
            o.set("packetId", m.packet_id.map(|i| u32::from(i.get())))?;
            o.set("properties", owned_to_js(env, &m.properties)?)?;
            o.set("ackToken", m.ack_token.map(|t| num(t.to_u64())))?;
        }
        Event::PublishAcked {
            packet_id,
            reason,
            properties,
        } => {
            o.set("type", "publish_acked")?;
            o.set("packetId", u32::from(packet_id.get()))?;
            o.set("reason", u32::from(reason.as_u8()))?;
            o.set("properties", owned_to_js(env, properties)?)?;
        }
        Event::PublishCompleted {
            packet_id,
            reason,
            properties,
        } => {
            o.set("type", "publish_completed")?;
            o.set("packetId", u32::from(packet_id.get()))?;
            o.set("reason", u32::from(reason.as_u8()))?;
            o.set("properties", owned_to_js(env, properties)?)?;
        }
        Event::CredentialsNeeded => o.set("type", "credentials_needed")?,
        Event::AuthChallenge {
            method,
            data,
            properties,
        } => {
            o.set("type", "auth_challenge")?;
            o.set("method", method.as_str())?;
            match data {
                Some(d) => o.set("data", buffer(env, d)?)?,
                None => o.set("data", Null)?,
            }
            o.set("properties", owned_to_js(env, properties)?)?;
        }
        Event::Reauthenticated { properties } => {
            o.set("type", "reauthenticated")?;
            o.set("properties", owned_to_js(env, properties)?)?;
        }
        Event::Connected(i) => {
            o.set("type", "connected")?;
            o.set("sessionPresent", i.session_present)?;
            o.set("keepAlive", u32::from(i.keep_alive))?;
            o.set("serverKeepAlive", i.server_keep_alive.map(u32::from))?;
            o.set("sessionExpiry", i.session_expiry)?;
            o.set("assignedClientId", i.assigned_client_id.as_deref())?;
            o.set("receiveMaximum", u32::from(i.receive_maximum))?;
            o.set("maximumPacketSize", i.maximum_packet_size)?;
            o.set("topicAliasMaximum", u32::from(i.topic_alias_maximum))?;
            o.set("maximumQos", i.maximum_qos as u32)?;
            o.set("retainAvailable", i.retain_available)?;
            o.set(
                "wildcardSubscriptionAvailable",
                i.wildcard_subscription_available,
            )?;
            o.set(
                "subscriptionIdentifiersAvailable",
                i.subscription_identifiers_available,
            )?;
            o.set(
                "sharedSubscriptionAvailable",
                i.shared_subscription_available,
            )?;
            o.set("reasonString", i.reason_string.as_deref())?;
            o.set("responseInformation", i.response_information.as_deref())?;
            o.set("serverReference", i.server_reference.as_deref())?;
            match &i.authentication_data {
                Some(d) => o.set("authenticationData", buffer(env, d)?)?,
                None => o.set("authenticationData", Null)?,
            }
            o.set("userProperties", pairs(env, &i.user_properties)?)?;
            o.set("properties", owned_to_js(env, &i.properties)?)?;
        }
        Event::PublishDropped { packet_id, reason } => {
            o.set("type", "publish_dropped")?;
            o.set("packetId", packet_id.map(|i| u32::from(i.get())))?;
            o.set("reason", reason.code())?;
        }
        Event::RequestDropped { packet_id, reason } => {
            o.set("type", "request_dropped")?;
            o.set("packetId", u32::from(packet_id.get()))?;
            o.set("reason", reason.code())?;
        }
        Event::Subscribed {
            packet_id,
            reasons,
            properties,
            resubscribe,
        } => {
            o.set("type", "subscribed")?;
            o.set("packetId", u32::from(packet_id.get()))?;
            let codes: Vec<u32> = reasons.iter().map(|r| u32::from(r.as_u8())).collect();
            o.set("reasons", codes)?;
            o.set("properties", owned_to_js(env, properties)?)?;
            o.set("resubscribe", *resubscribe)?;
        }
        Event::Unsubscribed {
            packet_id,
            reasons,
            properties,
        } => {
            o.set("type", "unsubscribed")?;
            o.set("packetId", u32::from(packet_id.get()))?;
            let codes: Vec<u32> = reasons.iter().map(|r| u32::from(r.as_u8())).collect();
            o.set("reasons", codes)?;
            o.set("properties", owned_to_js(env, properties)?)?;
        }
        Event::ConnectionLost(l) => {
            o.set("type", "connection_lost")?;
            o.set("error", error_to_js(env, &l.error)?)?;
            o.set("reasonString", l.reason_string.as_deref())?;
            o.set("serverReference", l.server_reference.as_deref())?;
            o.set("userProperties", pairs(env, &l.user_properties)?)?;
            o.set("reconnectAt", l.reconnect_at.map(|t| num(t.as_millis())))?;
        }
        Event::Disconnected => o.set("type", "disconnected")?,
        Event::ReconnectDue { attempt } => {
            o.set("type", "reconnect_due")?;
            o.set("attempt", *attempt)?;
        }
        Event::PersistRequired => o.set("type", "persist_required")?,
        Event::MessagesDropped { count } => {
            o.set("type", "messages_dropped")?;
            o.set("count", num(*count))?;
        }
        // `Event` is non-exhaustive: a newer core's event reaches JavaScript as `unknown`.
        _ => o.set("type", "unknown")?,
    }
    Ok(o)
}
