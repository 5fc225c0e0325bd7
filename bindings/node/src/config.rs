//! `ClientConfig` from a plain object with camelCase keys (`node/index.d.ts` lists them).

use std::time::Duration;

use iotmqtt::PropertyContext;
use iotmqtt::client::{
    ClientConfig, ConnackRefusals, Credentials, Password, ReconnectPolicy, RequeuePolicy,
    WillConfig,
};
use napi::bindgen_prelude::{Either, Env, Object};

use crate::convert::{BytesArg, bytes_of, field, int_field, qos_of, required, set_int, version_of};
use crate::errors::{Result, bad_arg};
use crate::props::PropsIn;

fn ms(env: &Env, obj: &Object<'_>, key: &str, what: &'static str) -> Result<Option<Duration>> {
    Ok(int_field::<u64>(env, obj, key, what)?.map(Duration::from_millis))
}

/// Reads the reconnect policy (`true`/`false` or an object) into `r`.
pub(crate) fn reconnect(env: &Env, obj: &Object<'_>, r: &mut ReconnectPolicy) -> Result<()> {
    match field::<Either<bool, Object<'_>>>(obj, "reconnect")? {
        None => {}
        Some(Either::A(enabled)) => r.enabled = enabled,
        Some(Either::B(o)) => {
            if let Some(b) = field::<bool>(&o, "enabled")? {
                r.enabled = b;
            }
            if let Some(d) = ms(env, &o, "minDelayMs", "reconnect.minDelayMs: milliseconds")? {
                r.min_delay = d;
            }
            if let Some(d) = ms(env, &o, "maxDelayMs", "reconnect.maxDelayMs: milliseconds")? {
                r.max_delay = d;
            }
            if let Some(s) = int_field::<u64>(env, &o, "jitterSeed", "reconnect.jitterSeed")? {
                r.jitter_seed = s;
            }
            if let Some(d) = ms(
                env,
                &o,
                "stableAfterMs",
                "reconnect.stableAfterMs: milliseconds",
            )? {
                r.stable_after = d;
            }
            if let Some(b) = field::<bool>(&o, "resubscribe")? {
                r.resubscribe = b;
            }
            match field::<String>(&o, "requeue")?.as_deref() {
                None => {}
                Some("resend") => r.requeue = RequeuePolicy::Resend,
                Some("drop") => r.requeue = RequeuePolicy::Drop,
                Some(_) => return Err(bad_arg(env, "reconnect.requeue: \"resend\" or \"drop\"")),
            }
            if let Some(codes) = field::<Vec<u32>>(&o, "stopOn")? {
                let bad = || {
                    bad_arg(
                        env,
                        "reconnect.stopOn: CONNACK refusal reason codes (0x80 to 0x9F)",
                    )
                };
                let codes = codes
                    .into_iter()
                    .map(|c| u8::try_from(c).map_err(|_| bad()))
                    .collect::<Result<Vec<u8>>>()?;
                r.stop_on = ConnackRefusals::from_codes(codes).map_err(|_| bad())?;
            }
        }
    }
    Ok(())
}

/// A `ClientConfig` from its JavaScript object.
pub(crate) fn client_config(env: &Env, obj: &Object<'_>) -> Result<ClientConfig> {
    let client_id: String = field(obj, "clientId")?.unwrap_or_default();
    let mut c = ClientConfig::new(client_id);
    if let Some(p) = field::<String>(obj, "protocol")? {
        c.protocol = version_of(env, &p)?;
    }
    set_int!(
        env,
        obj,
        c.keep_alive,
        "keepAlive",
        "keepAlive: 0 to 65,535 seconds"
    );
    c.ping_timeout = ms(env, obj, "pingTimeoutMs", "pingTimeoutMs: milliseconds")?;
    if let Some(b) = field::<bool>(obj, "cleanStart")? {
        c.clean_start = b;
    }
    set_int!(
        env,
        obj,
        c.session_expiry,
        "sessionExpiry",
        "sessionExpiry: seconds (u32)"
    );
    c.credentials = match field::<Either<String, Object<'_>>>(obj, "credentials")? {
        None => Credentials::None,
        Some(Either::A(s)) => match s.as_str() {
            "none" => Credentials::None,
            "ask_each_time" => Credentials::AskEachTime,
            _ => {
                return Err(bad_arg(
                    env,
                    "credentials: \"none\", \"ask_each_time\" or {username, password}",
                ));
            }
        },
        Some(Either::B(o)) => Credentials::Static {
            username: field::<String>(&o, "username")?,
            password: field::<BytesArg>(&o, "password")?.map(|b| Password::new(bytes_of(&b))),
        },
    };
    if let Some(w) = field::<Object<'_>>(obj, "will")? {
        c.will = Some(WillConfig {
            topic: required(env, &w, "topic", "will.topic: a string")?,
            payload: field::<BytesArg>(&w, "payload")?
                .map(|b| bytes_of(&b))
                .unwrap_or_default(),
            qos: qos_of(env, int_field(env, &w, "qos", "will.qos: 0, 1 or 2")?)?,
            retain: field::<bool>(&w, "retain")?.unwrap_or(false),
            properties: PropsIn::read(env, field::<Object<'_>>(&w, "properties")?.as_ref())?
                .owned(env, PropertyContext::Will)?,
        });
    }
    set_int!(
        env,
        obj,
        c.receive_maximum,
        "receiveMaximum",
        "receiveMaximum: 1 to 65,535"
    );
    set_int!(
        env,
        obj,
        c.maximum_packet_size,
        "maximumPacketSize",
        "maximumPacketSize: bytes"
    );
    set_int!(
        env,
        obj,
        c.topic_alias_maximum,
        "topicAliasMaximum",
        "topicAliasMaximum: 0 to 1,024"
    );
    set_int!(
        env,
        obj,
        c.outgoing_topic_aliases,
        "outgoingTopicAliases",
        "outgoingTopicAliases: 0 to 65,535"
    );
    if let Some(d) = ms(
        env,
        obj,
        "connackTimeoutMs",
        "connackTimeoutMs: milliseconds",
    )? {
        c.connack_timeout = d;
    }
    reconnect(env, obj, &mut c.reconnect)?;
    set_int!(
        env,
        obj,
        c.max_queued_messages,
        "maxQueuedMessages",
        "maxQueuedMessages: a count"
    );
    set_int!(
        env,
        obj,
        c.max_queued_bytes,
        "maxQueuedBytes",
        "maxQueuedBytes: bytes"
    );
    set_int!(
        env,
        obj,
        c.max_inflight,
        "maxInflight",
        "maxInflight: 1 to 65,535"
    );
    set_int!(
        env,
        obj,
        c.max_subscriptions,
        "maxSubscriptions",
        "maxSubscriptions: a count"
    );
    set_int!(env, obj, c.max_events, "maxEvents", "maxEvents: a count");
    if let Some(b) = field::<bool>(obj, "manualAck")? {
        c.manual_ack = b;
    }
    if let Some(b) = field::<bool>(obj, "persistence")? {
        c.persistence = b;
    }
    c.auth_method = field::<String>(obj, "authMethod")?;
    c.auth_data = field::<BytesArg>(obj, "authData")?.map(|b| bytes_of(&b));
    c.connect_properties =
        PropsIn::read(env, field::<Object<'_>>(obj, "connectProperties")?.as_ref())?
            .owned(env, PropertyContext::Connect)?;
    Ok(c)
}
