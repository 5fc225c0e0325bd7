//! `Client`: the core's sans-IO MQTT client for JavaScript. The page or Node program owns the
//! transport and the clock; this object owns the protocol.

use core::time::Duration;

use iotmqtt::client::{
    AckToken, Client as CoreClient, ClientConfig, Credentials, Password, RequeuePolicy, WillConfig,
};
use iotmqtt::{Properties, PropertyContext, QoS, Subscription};
use wasm_bindgen::prelude::*;

use crate::errors::{check, invalid_argument};
use crate::events::event_to_js;
use crate::js::{Fields, bytes_of, instant, items, string_of};
use crate::packets::{subscription_in, version_of};
use crate::props::PropsIn;
use crate::protocol::call_protocol;

pub(crate) fn qos_of(n: Option<u8>) -> Result<QoS, JsValue> {
    QoS::from_u8(n.unwrap_or(0)).ok_or_else(|| invalid_argument("qos: 0, 1 or 2"))
}

fn ms(f: &mut Fields, key: &'static str) -> Result<Option<Duration>, JsValue> {
    Ok(f.int::<u64>(key)?.map(Duration::from_millis))
}

fn owned_props(
    v: Option<JsValue>,
    what: &'static str,
    ctx: PropertyContext,
) -> Result<iotmqtt::OwnedProperties, JsValue> {
    let props = PropsIn::read(&v.unwrap_or(JsValue::UNDEFINED), what)?;
    let list = props.list()?;
    iotmqtt::OwnedProperties::from_properties(&Properties::new(&list), ctx)
        .map_err(|e| crate::errors::error(&iotmqtt::Error::Usage(iotmqtt::UsageError::Encode(e))))
}

/// Reads the reconnect settings shared by the client and the device configuration.
pub(crate) fn reconnect_of(
    f: &mut Fields,
    r: &mut iotmqtt::client::ReconnectPolicy,
) -> Result<(), JsValue> {
    r.enabled = f.bool("reconnect")?.unwrap_or(r.enabled);
    r.min_delay = ms(f, "reconnectMinDelayMs")?.unwrap_or(r.min_delay);
    r.max_delay = ms(f, "reconnectMaxDelayMs")?.unwrap_or(r.max_delay);
    r.jitter_seed = f.int("jitterSeed")?.unwrap_or(r.jitter_seed);
    if let Some(list) = f.get("reconnectStopOn") {
        let what = "config.reconnectStopOn";
        let codes = crate::js::items(&list, what)?
            .iter()
            .map(|v| crate::js::int_of::<u8>(v, what))
            .collect::<Result<Vec<u8>, JsValue>>()?;
        r.stop_on = iotmqtt::client::ConnackRefusals::from_codes(codes).map_err(|code| {
            invalid_argument(&format!(
                "{what}: 0x{code:02X} is no CONNACK refusal (a CONNACK reason code from 0x80)"
            ))
        })?;
    }
    Ok(())
}

/// A `ClientConfig` from a JS object: the fields of `tests/README.md` §4.1 in camelCase.
fn config_of(value: &JsValue) -> Result<ClientConfig, JsValue> {
    let mut f = Fields::new(value, "config")?;
    let mut c = ClientConfig::new(f.req_str("clientId")?);
    if let Some(p) = f.str("protocol")? {
        c.protocol = version_of(&p)?;
    }
    c.keep_alive = f.int("keepAlive")?.unwrap_or(c.keep_alive);
    c.ping_timeout = ms(&mut f, "pingTimeoutMs")?;
    c.clean_start = f.bool("cleanStart")?.unwrap_or(c.clean_start);
    c.session_expiry = f.int("sessionExpiry")?.unwrap_or(c.session_expiry);
    let username = f.str("username")?;
    let password = f.bytes("password")?;
    let given = username.is_some() || password.is_some();
    c.credentials = match (f.str("credentials")?.as_deref(), given) {
        (Some("static"), _) | (None, true) => Credentials::Static {
            username,
            password: password.map(Password::new),
        },
        (None | Some("none"), false) => Credentials::None,
        (Some("ask_each_time"), false) => Credentials::AskEachTime,
        _ => {
            return Err(invalid_argument(
                "config.credentials: \"none\", \"static\" (with username/password) or \"ask_each_time\"",
            ));
        }
    };
    if let Some(w) = f.get("will") {
        let mut wf = Fields::new(&w, "config.will")?;
        let topic = wf.req_str("topic")?;
        let payload = wf.bytes("payload")?.unwrap_or_default();
        let qos = qos_of(wf.int("qos")?)?;
        let retain = wf.bool("retain")?.unwrap_or(false);
        let properties = owned_props(
            wf.get("properties"),
            "config.will.properties",
            PropertyContext::Will,
        )?;
        wf.finish()?;
        c.will = Some(WillConfig {
            topic,
            payload,
            qos,
            retain,
            properties,
        });
    }
    c.receive_maximum = f.int("receiveMaximum")?.unwrap_or(c.receive_maximum);
    c.maximum_packet_size = f.int("maximumPacketSize")?.unwrap_or(c.maximum_packet_size);
    c.topic_alias_maximum = f.int("topicAliasMaximum")?.unwrap_or(c.topic_alias_maximum);
    c.outgoing_topic_aliases = f
        .int("outgoingTopicAliases")?
        .unwrap_or(c.outgoing_topic_aliases);
    c.connack_timeout = ms(&mut f, "connackTimeoutMs")?.unwrap_or(c.connack_timeout);
    reconnect_of(&mut f, &mut c.reconnect)?;
    let r = &mut c.reconnect;
    r.stable_after = ms(&mut f, "stableAfterMs")?.unwrap_or(r.stable_after);
    r.resubscribe = f.bool("resubscribe")?.unwrap_or(r.resubscribe);
    r.requeue = match f.str("requeue")?.as_deref() {
        None => r.requeue,
        Some("resend") => RequeuePolicy::Resend,
        Some("drop") => RequeuePolicy::Drop,
        Some(_) => return Err(invalid_argument("config.requeue: \"resend\" or \"drop\"")),
    };
    c.max_queued_messages = f.int("maxQueuedMessages")?.unwrap_or(c.max_queued_messages);
    c.max_queued_bytes = f.int("maxQueuedBytes")?.unwrap_or(c.max_queued_bytes);
    c.max_inflight = f.int("maxInflight")?.unwrap_or(c.max_inflight);
    c.max_subscriptions = f.int("maxSubscriptions")?.unwrap_or(c.max_subscriptions);
    c.max_events = f.int("maxEvents")?.unwrap_or(c.max_events);
    c.manual_ack = f.bool("manualAck")?.unwrap_or(c.manual_ack);
    c.persistence = f.bool("persistence")?.unwrap_or(c.persistence);
    c.auth_method = f.str("authMethod")?;
    c.auth_data = f.bytes("authData")?;
    c.connect_properties = owned_props(
        f.get("connectProperties"),
        "config.connectProperties",
        PropertyContext::Connect,
    )?;
    f.finish()?;
    Ok(c)
}

/// A sans-IO MQTT 3.1.1/5.0 client session (the core's `Client`).
///
/// The call protocol: commands (`connect`, `publish`, `subscribe`, …) return at once and throw
/// on misuse; the driver feeds `handleConnected(now)` when the WebSocket opens,
/// `handleBytes(now, bytes)` for each binary frame, `handleTimeout(now)` when the deadline of
/// `pollTimeout()` passes and `handleClosed(now)` when the socket closes; after any call it
/// drains `pollTransmit(now)` (send each chunk), then reads `pollTimeout()`, then
/// `pollEvent()` until `null`. `now` is milliseconds from `performance.now()`.
#[wasm_bindgen]
pub struct Client {
    config: ClientConfig,
    inner: CoreClient,
}

#[wasm_bindgen]
impl Client {
    /// A client with `config` (`{clientId, protocol: "3.1.1" | "5", keepAlive, …}`). Only a
    /// malformed option throws here; a setting out of range makes `connect` throw
    /// (`invalid_config`), as in the core.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &JsValue) -> Result<Client, JsValue> {
        let config = config_of(config)?;
        Ok(Client {
            inner: CoreClient::new(config.clone()),
            config,
        })
    }

    /// The lifecycle state: `idle`, `waiting_for_transport`, `awaiting_credentials`,
    /// `awaiting_connack`, `connected` or `backoff`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        self.inner.state().snake_name().into()
    }

    /// The protocol version of this client: `"3.1.1"` or `"5"`.
    #[wasm_bindgen(getter)]
    pub fn protocol(&self) -> String {
        crate::packets::version_name(self.config.protocol).into()
    }

    /// Answers `credentials_needed`: the user name and password of the next CONNECT.
    #[wasm_bindgen(js_name = setCredentials)]
    pub fn set_credentials(
        &mut self,
        username: Option<String>,
        password: &JsValue,
    ) -> Result<(), JsValue> {
        let password = if password.is_undefined() || password.is_null() {
            None
        } else {
            Some(bytes_of(password, "password")?)
        };
        check(
            self.inner
                .set_credentials(username.as_deref(), password.as_deref()),
        )
    }

    /// Sets the Client Identifier of the next CONNECT.
    #[wasm_bindgen(js_name = setClientId)]
    pub fn set_client_id(&mut self, client_id: &str) -> Result<(), JsValue> {
        check(self.inner.set_client_id(client_id))
    }

    /// Queues a message; returns its packet identifier (`null` at QoS 0). `payload` is a
    /// `Uint8Array` or a string (UTF-8), `properties` a properties object (5.0).
    pub fn publish(
        &mut self,
        topic: &str,
        payload: &JsValue,
        qos: Option<u8>,
        retain: Option<bool>,
        properties: &JsValue,
    ) -> Result<Option<u16>, JsValue> {
        let payload = if payload.is_undefined() || payload.is_null() {
            Vec::new()
        } else {
            bytes_of(payload, "payload")?
        };
        let props = PropsIn::read(properties, "properties")?;
        let list = props.list()?;
        let id = check(self.inner.publish(
            topic,
            &payload,
            qos_of(qos)?,
            retain.unwrap_or(false),
            Properties::new(&list),
        ))?;
        Ok(id.map(|i| i.get()))
    }

    /// Subscribes to `subscriptions` (`[{filter, qos, noLocal, retainAsPublished,
    /// retainHandling}]`, or filter strings at QoS 0); returns the packet identifier.
    pub fn subscribe(
        &mut self,
        subscriptions: &JsValue,
        properties: &JsValue,
    ) -> Result<u16, JsValue> {
        let subs = items(subscriptions, "subscriptions")?
            .iter()
            .map(|s| match s.as_string() {
                Some(filter) => Ok((filter, iotmqtt::SubscriptionOptions::qos(QoS::AtMostOnce))),
                None => subscription_in(s),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let subs: Vec<Subscription<'_>> = subs
            .iter()
            .map(|(filter, options)| Subscription {
                filter,
                options: *options,
            })
            .collect();
        let props = PropsIn::read(properties, "properties")?;
        let list = props.list()?;
        Ok(check(self.inner.subscribe(&subs, Properties::new(&list)))?.get())
    }

    /// Unsubscribes from `filters` (strings); returns the packet identifier.
    pub fn unsubscribe(&mut self, filters: &JsValue, properties: &JsValue) -> Result<u16, JsValue> {
        let filters = items(filters, "filters")?
            .iter()
            .map(|f| string_of(f, "filters"))
            .collect::<Result<Vec<_>, _>>()?;
        let filters: Vec<&str> = filters.iter().map(String::as_str).collect();
        let props = PropsIn::read(properties, "properties")?;
        let list = props.list()?;
        Ok(check(self.inner.unsubscribe(&filters, Properties::new(&list)))?.get())
    }

    /// Acknowledges a message in manual-ack mode (`ackToken` of its `message` event).
    pub fn ack(&mut self, token: f64) -> Result<(), JsValue> {
        let token = crate::js::int_of::<u64>(&JsValue::from_f64(token), "token")?;
        check(self.inner.ack(AckToken::from_u64(token)))
    }

    /// Answers an `auth_challenge` (5.0 enhanced authentication).
    #[wasm_bindgen(js_name = authContinue)]
    pub fn auth_continue(&mut self, data: &[u8]) -> Result<(), JsValue> {
        check(self.inner.auth_continue(data))
    }

    /// Starts re-authentication (5.0).
    pub fn reauthenticate(&mut self, data: &[u8]) -> Result<(), JsValue> {
        check(self.inner.reauthenticate(data))
    }

    /// The session state as bytes, for `restore` after a restart.
    pub fn snapshot(&mut self) -> Vec<u8> {
        self.inner.snapshot()
    }

    /// Restores a `snapshot` into this (fresh) client.
    pub fn restore(&mut self, snapshot: &[u8]) -> Result<(), JsValue> {
        check(self.inner.restore(snapshot))
    }

    /// The transport is open (the WebSocket's `open` event).
    #[wasm_bindgen(js_name = handleConnected)]
    pub fn handle_connected(&mut self, now: f64) {
        self.inner.handle_connected(instant(now));
    }
}

call_protocol!(Client, event_to_js);
