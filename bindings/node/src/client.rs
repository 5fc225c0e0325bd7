//! `Client`: the core's sans-IO MQTT client session, method for method (camelCase), with time
//! in milliseconds as a JavaScript number and bytes as `Buffer`/`Uint8Array`.

use iotmqtt::client::{AckToken, Client as CoreClient};
use iotmqtt::{PacketId, Properties, Subscription};
use napi::bindgen_prelude::{Array, Buffer, Env, Object};
use napi_derive::napi;

use crate::config::client_config;
use crate::convert::{BytesArg, bytes_ref, instant, int_of, num, qos_of};
use crate::errors::{OrThrow, Result, bad_arg, f64_of};
use crate::events::event_to_js;
use crate::packets::SubIn;
use crate::props::PropsIn;

/// Counters describing what a client holds right now.
#[napi(object)]
pub struct ClientStats {
    /// Messages waiting to be sent (offline, or for an in-flight slot).
    pub queued_messages: f64,
    /// QoS 1/2 messages sent and not yet acknowledged.
    pub inflight: f64,
    /// Bytes of queued and in-flight messages.
    pub stored_bytes: f64,
    /// Received QoS 1/2 messages not fully acknowledged.
    pub incoming_unacked: f64,
    /// SUBSCRIBE/UNSUBSCRIBE requests awaiting their acknowledgement.
    pub pending_requests: f64,
    /// Subscriptions remembered for re-subscription.
    pub subscriptions: f64,
    /// Events not yet taken.
    pub pending_events: f64,
    /// Encoded bytes waiting for `pollTransmit`.
    pub outbox_bytes: f64,
    /// Bytes of a partial packet in the receive buffer.
    pub rx_buffered: f64,
}

/// A sans-IO MQTT 3.1.1/5.0 client session. No socket, clock or timer: the driver feeds bytes
/// and time in (`handleConnected`, `handleBytes`, `handleTimeout`, `handleClosed`) and polls
/// bytes, the next deadline and events out, in that order (`pollTransmit`, `pollTimeout`,
/// `pollEvents`), until all are empty. Taking a QoS 1/2 message event queues its
/// acknowledgement, so poll transmit again after taking events. Commands return at once;
/// misuse throws an `Error` with `kind: "usage"` and changes nothing.
#[napi]
pub struct Client {
    inner: CoreClient,
    out: Vec<u8>,
}

fn id_of(id: PacketId) -> u32 {
    u32::from(id.get())
}

#[napi]
impl Client {
    /// A client with `config` (never fails; `connect` reports an invalid config).
    #[napi(constructor, ts_args_type = "config: ClientConfig")]
    pub fn new(env: &Env, config: Object<'_>) -> napi::Result<Self> {
        Ok(Client {
            inner: CoreClient::new(client_config(env, &config)?),
            out: Vec::new(),
        })
    }

    /// Checks a configuration without making a client; throws `invalid_config` naming the
    /// first bad setting.
    #[napi(ts_args_type = "config: ClientConfig")]
    pub fn validate_config(env: &Env, config: Object<'_>) -> Result<()> {
        client_config(env, &config)?.validate().or_throw(env)
    }

    /// The lifecycle state: `idle`, `waiting_for_transport`, `awaiting_credentials`,
    /// `awaiting_connack`, `connected` or `backoff`.
    #[napi(getter, ts_return_type = "ClientState")]
    pub fn state(&self) -> &'static str {
        self.inner.state().snake_name()
    }

    /// True once CONNACK accepted the connection.
    #[napi(getter)]
    pub fn is_connected(&self) -> bool {
        self.inner.is_connected()
    }

    /// The Client Identifier in use (the server's assigned one once known).
    #[napi(getter)]
    pub fn client_id(&self) -> String {
        self.inner.client_id().to_string()
    }

    /// What the client holds right now.
    #[napi(getter)]
    pub fn stats(&self) -> ClientStats {
        let s = self.inner.stats();
        ClientStats {
            queued_messages: f64_of(s.queued_messages),
            inflight: f64_of(s.inflight),
            stored_bytes: f64_of(s.stored_bytes),
            incoming_unacked: f64_of(s.incoming_unacked),
            pending_requests: f64_of(s.pending_requests),
            subscriptions: f64_of(s.subscriptions),
            pending_events: f64_of(s.pending_events),
            outbox_bytes: f64_of(s.outbox_bytes),
            rx_buffered: f64_of(s.rx_buffered),
        }
    }

    /// Packet identifiers of the QoS 1/2 messages in flight, oldest first.
    #[napi]
    pub fn inflight_ids(&self) -> Vec<u32> {
        self.inner.inflight_ids().map(id_of).collect()
    }

    /// Starts connecting: the client waits for the driver to open a transport.
    #[napi]
    pub fn connect(&mut self, env: &Env) -> Result<()> {
        self.inner.connect().or_throw(env)
    }

    /// Ends the session: queues DISCONNECT when connected, then goes idle.
    #[napi]
    pub fn disconnect(&mut self, env: &Env) -> Result<()> {
        self.inner.disconnect().or_throw(env)
    }

    /// Answers `credentials_needed`: the user name and password of this attempt.
    #[napi(ts_args_type = "username?: string | null, password?: string | Uint8Array | null")]
    pub fn set_credentials(
        &mut self,
        env: &Env,
        username: Option<String>,
        password: Option<BytesArg>,
    ) -> Result<()> {
        self.inner
            .set_credentials(username.as_deref(), password.as_ref().map(bytes_ref))
            .or_throw(env)
    }

    /// Sets the Client Identifier of the next CONNECT (e.g. one carrying the time).
    #[napi]
    pub fn set_client_id(&mut self, env: &Env, client_id: String) -> Result<()> {
        self.inner.set_client_id(&client_id).or_throw(env)
    }

    /// Queues a PUBLISH; returns its packet identifier (`null` at QoS 0).
    #[napi(
        ts_args_type = "topic: string, payload?: string | Uint8Array | null, qos?: QoS, retain?: boolean, properties?: Properties | null",
        ts_return_type = "number | null"
    )]
    pub fn publish(
        &mut self,
        env: &Env,
        topic: String,
        payload: Option<BytesArg>,
        qos: Option<u32>,
        retain: Option<bool>,
        properties: Option<Object<'_>>,
    ) -> Result<Option<u32>> {
        let qos = qos_of(env, qos)?;
        let payload = payload.as_ref().map(bytes_ref).unwrap_or_default();
        let retain = retain.unwrap_or(false);
        let result = match properties {
            None => self
                .inner
                .publish(&topic, payload, qos, retain, Properties::empty()),
            Some(p) => {
                let props = PropsIn::read(env, Some(&p))?;
                let list = props.list(env)?;
                self.inner
                    .publish(&topic, payload, qos, retain, Properties::new(&list))
            }
        };
        result.map(|id| id.map(id_of)).or_throw(env)
    }

    /// Queues a SUBSCRIBE; returns its packet identifier.
    #[napi(ts_args_type = "subscriptions: SubscriptionInput[], properties?: Properties | null")]
    pub fn subscribe(
        &mut self,
        env: &Env,
        subscriptions: Vec<Object<'_>>,
        properties: Option<Object<'_>>,
    ) -> Result<u32> {
        let subs = subscriptions
            .iter()
            .map(|s| SubIn::read(env, s))
            .collect::<Result<Vec<_>>>()?;
        let items: Vec<Subscription<'_>> = subs.iter().map(SubIn::get).collect();
        let props = PropsIn::read(env, properties.as_ref())?;
        let list = props.list(env)?;
        self.inner
            .subscribe(&items, Properties::new(&list))
            .map(id_of)
            .or_throw(env)
    }

    /// Queues an UNSUBSCRIBE; returns its packet identifier.
    #[napi(ts_args_type = "filters: string[], properties?: Properties | null")]
    pub fn unsubscribe(
        &mut self,
        env: &Env,
        filters: Vec<String>,
        properties: Option<Object<'_>>,
    ) -> Result<u32> {
        let refs: Vec<&str> = filters.iter().map(String::as_str).collect();
        let props = PropsIn::read(env, properties.as_ref())?;
        let list = props.list(env)?;
        self.inner
            .unsubscribe(&refs, Properties::new(&list))
            .map(id_of)
            .or_throw(env)
    }

    /// Acknowledges a message in manual-ack mode, by the `ackToken` of its `message` event.
    #[napi]
    pub fn ack(&mut self, env: &Env, token: f64) -> Result<()> {
        let t = int_of(token).ok_or_else(|| bad_arg(env, "token: a message's ackToken"))?;
        self.inner.ack(AckToken::from_u64(t)).or_throw(env)
    }

    /// Answers an `auth_challenge` (5.0 enhanced authentication).
    #[napi(ts_args_type = "data: string | Uint8Array")]
    pub fn auth_continue(&mut self, env: &Env, data: BytesArg) -> Result<()> {
        self.inner.auth_continue(bytes_ref(&data)).or_throw(env)
    }

    /// Starts a re-authentication (5.0).
    #[napi(ts_args_type = "data: string | Uint8Array")]
    pub fn reauthenticate(&mut self, env: &Env, data: BytesArg) -> Result<()> {
        self.inner.reauthenticate(bytes_ref(&data)).or_throw(env)
    }

    /// The session state as bytes (persistence: store them before sending what follows).
    #[napi]
    pub fn snapshot(&mut self) -> Buffer {
        Buffer::from(self.inner.snapshot())
    }

    /// Restores a session saved by `snapshot` into this (new) client.
    #[napi]
    pub fn restore(&mut self, env: &Env, snapshot: &[u8]) -> Result<()> {
        self.inner.restore(snapshot).or_throw(env)
    }

    /// The transport is open (time `now` in ms).
    #[napi]
    pub fn handle_connected(&mut self, env: &Env, now: f64) -> Result<()> {
        self.inner.handle_connected(instant(env, now)?);
        Ok(())
    }

    /// Bytes from the transport, in any split.
    #[napi]
    pub fn handle_bytes(&mut self, env: &Env, now: f64, bytes: &[u8]) -> Result<()> {
        self.inner.handle_bytes(instant(env, now)?, bytes);
        Ok(())
    }

    /// The deadline of `pollTimeout` passed (early or repeated calls are harmless).
    #[napi]
    pub fn handle_timeout(&mut self, env: &Env, now: f64) -> Result<()> {
        self.inner.handle_timeout(instant(env, now)?);
        Ok(())
    }

    /// The transport closed.
    #[napi]
    pub fn handle_closed(&mut self, env: &Env, now: f64) -> Result<()> {
        self.inner.handle_closed(instant(env, now)?);
        Ok(())
    }

    /// Every byte ready to send, whole packets joined in one `Buffer`; `null` when none.
    #[napi]
    pub fn poll_transmit(&mut self, env: &Env, now: f64) -> Result<Option<Buffer>> {
        let now = instant(env, now)?;
        self.out.clear();
        while self.inner.poll_transmit(now, &mut self.out) > 0 {}
        if self.out.is_empty() {
            return Ok(None);
        }
        Ok(Some(Buffer::from(std::mem::take(&mut self.out))))
    }

    /// The next deadline in ms (call `handleTimeout` then), or `null`.
    #[napi]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.inner.poll_timeout().map(|t| num(t.as_millis()))
    }

    /// The next event, or `null`.
    #[napi(ts_return_type = "ClientEvent | null")]
    pub fn poll_event<'e>(&mut self, env: &'e Env) -> Result<Option<Object<'e>>> {
        self.inner
            .poll_event()
            .map(|e| event_to_js(env, &e))
            .transpose()
    }

    /// Every pending event at once (at most `max` when given), oldest first.
    #[napi(ts_return_type = "ClientEvent[]")]
    pub fn poll_events<'e>(&mut self, env: &'e Env, max: Option<u32>) -> Result<Array<'e>> {
        let mut arr = env.create_array(0)?;
        let mut left = max.unwrap_or(u32::MAX);
        while left > 0 {
            let Some(e) = self.inner.poll_event() else {
                break;
            };
            arr.insert(event_to_js(env, &e)?)?;
            left -= 1;
        }
        Ok(arr)
    }
}
