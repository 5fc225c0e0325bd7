//! One connection: opening (credentials, CONNECT, CONNACK), keep-alive, and its end (closed,
//! fault, timeout), with the reconnect timer. State changes go through [`state::next`].

use super::fifo::Fifo;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use zeroize::Zeroize;

use super::event::{ConnectedInfo, ConnectionLost, DropReason, Event};
use super::session::{OutState, Request, RequestKind};
use super::state::{self, Input, State};
use super::timer::Timer;
use super::{Client, ClientConfig, Credentials, RequeuePolicy};
use crate::codec::client_side::{encode, encoded_len};
use crate::codec::{
    Connack, Connect, Disconnect, DisconnectReason, List, MAX_PACKET_SIZE, OwnedProperties, Packet,
    Properties, Property, ProtocolVersion, QoS, ReasonCode, Subscribe, Subscription, Will,
};
use crate::error::{Error, ErrorKind, ProtocolError, TimeoutKind};
use crate::time::Instant;

/// What the server knows about this connection, and what we learned from its CONNACK. The
/// limits are kept while offline so that `publish` can refuse what the server would.
#[derive(Debug, Clone)]
pub(crate) struct Conn {
    pub(crate) server_receive_max: u16,
    pub(crate) server_max_packet: Option<u32>,
    pub(crate) server_alias_max: u16,
    pub(crate) max_qos: QoS,
    pub(crate) retain_available: bool,
    /// Keep-alive in force, seconds.
    pub(crate) keep_alive: u16,
    pub(crate) connect_sent: bool,
    pub(crate) clean_start_sent: bool,
    /// Topic aliases of this connection, allocated on first use.
    pub(crate) aliases: Option<Box<Aliases>>,
    pub(crate) ping_outstanding: bool,
    pub(crate) last_tx: Instant,
    pub(crate) last_rx: Instant,
    pub(crate) connected_at: Instant,
    /// In-flight messages flagged for resending on this connection.
    pub(crate) resend_pending: usize,
    pub(crate) auth_challenged: bool,
    pub(crate) reauthenticating: bool,
    /// The Session Expiry Interval in force is above 0, so the session outlives a connection:
    /// ours until a CONNACK says otherwise.
    pub(crate) session_outlives: bool,
}

impl Default for Conn {
    fn default() -> Self {
        Conn {
            server_receive_max: u16::MAX,
            server_max_packet: None,
            server_alias_max: 0,
            max_qos: QoS::ExactlyOnce,
            retain_available: true,
            keep_alive: 0,
            connect_sent: false,
            clean_start_sent: false,
            aliases: None,
            ping_outstanding: false,
            last_tx: Instant::ZERO,
            last_rx: Instant::ZERO,
            connected_at: Instant::ZERO,
            resend_pending: 0,
            auth_challenged: false,
            reauthenticating: false,
            session_outlives: false,
        }
    }
}

impl Conn {
    /// Why the server (per its last CONNACK) would not take this publish.
    pub(crate) fn refuses(&self, qos: QoS, retain: bool, size: usize) -> Option<DropReason> {
        if qos > self.max_qos {
            return Some(DropReason::QosNotSupported);
        }
        if retain && !self.retain_available {
            return Some(DropReason::RetainNotSupported);
        }
        match self.server_max_packet {
            Some(max) if size > max as usize => Some(DropReason::PacketTooLarge { size, max }),
            _ => None,
        }
    }

    /// Resets what belongs to one connection.
    fn start(&mut self, now: Instant) {
        self.connect_sent = false;
        self.clean_start_sent = false;
        // Without the feature no alias table is ever made (the Topic Alias maxima are 0), and
        // dropping the one that cannot exist would still link its destructor.
        if cfg!(feature = "topic-alias") {
            self.aliases = None;
        }
        self.ping_outstanding = false;
        self.last_tx = now;
        self.last_rx = now;
        self.resend_pending = 0;
        self.auth_challenged = false;
        self.reauthenticating = false;
    }
}

/// The topic aliases of one connection (MQTT 5).
#[derive(Debug, Clone, Default)]
pub(crate) struct Aliases {
    /// Outgoing: alias `i + 1` stands for `out[i]`.
    pub(crate) out: Vec<String>,
    /// Incoming: alias `i + 1` stands for `inbound[i]`.
    pub(crate) inbound: Vec<Option<String>>,
    /// Property bytes of a PUBLISH being encoded with an alias.
    pub(crate) scratch: Vec<u8>,
}

/// Reason String, Server Reference and User Properties of a server's CONNACK or DISCONNECT.
#[derive(Debug, Clone, Default)]
pub(crate) struct PeerInfo {
    reason_string: Option<String>,
    server_reference: Option<String>,
    user_properties: Vec<(String, String)>,
}

impl PeerInfo {
    pub(crate) fn from_properties(p: &Properties<'_>) -> Self {
        PeerInfo {
            reason_string: p.reason_string().map(String::from),
            server_reference: p.server_reference().map(String::from),
            user_properties: user_properties(p),
        }
    }
}

fn user_properties(p: &Properties<'_>) -> Vec<(String, String)> {
    p.user_properties()
        .map(|(k, v)| (String::from(k), String::from(v)))
        .collect()
}

/// `d` in whole milliseconds, rounded up: `m` milliseconds are at least `d` exactly when
/// `m >= ceil_millis(d)`.
fn ceil_millis(d: Duration) -> u128 {
    d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 != 0)
}

fn secs(s: u16) -> Duration {
    Duration::from_secs(u64::from(s))
}

/// The DISCONNECT reason a client may send for `error` (MQTT 5.0 §3.14.2.1 lists which codes a
/// client may use).
fn client_disconnect_reason(error: &Error) -> DisconnectReason {
    let code = error.reason_code();
    let client_may_send = matches!(
        code,
        ReasonCode::MalformedPacket
            | ReasonCode::ProtocolError
            | ReasonCode::ImplementationSpecificError
            | ReasonCode::TopicNameInvalid
            | ReasonCode::ReceiveMaximumExceeded
            | ReasonCode::TopicAliasInvalid
            | ReasonCode::PacketTooLarge
            | ReasonCode::PayloadFormatInvalid
    );
    match (client_may_send, error.kind()) {
        (true, _) => DisconnectReason::from_reason_code(code),
        (false, ErrorKind::Malformed) => Some(DisconnectReason::MalformedPacket),
        (false, ErrorKind::Protocol) => Some(DisconnectReason::ProtocolError),
        _ => None,
    }
    .unwrap_or(DisconnectReason::UnspecifiedError)
}

/// Encodes the CONNECT for `config` into `out`.
fn encode_connect(
    config: &ClientConfig,
    client_id: &str,
    clean_start: bool,
    username: Option<&str>,
    password: Option<&[u8]>,
    out: &mut Vec<u8>,
) -> Result<usize, Error> {
    let v5 = config.protocol == ProtocolVersion::V5;
    let mut props: Vec<Property<'_>> = Vec::new();
    if v5 {
        if config.session_expiry != 0 {
            props.push(Property::SessionExpiryInterval(config.session_expiry));
        }
        if config.receive_maximum != u16::MAX {
            props.push(Property::ReceiveMaximum(config.receive_maximum));
        }
        if config.maximum_packet_size < MAX_PACKET_SIZE {
            props.push(Property::MaximumPacketSize(config.maximum_packet_size));
        }
        let alias_maximum = config.alias_maximum();
        if alias_maximum > 0 {
            props.push(Property::TopicAliasMaximum(alias_maximum));
        }
        if let Some(m) = config.auth_method() {
            props.push(Property::AuthenticationMethod(m));
            if let Some(d) = &config.auth_data {
                props.push(Property::AuthenticationData(d));
            }
        }
        props.extend(config.connect_properties.as_properties().iter());
    }
    let will = config.will.as_ref().map(|w| Will {
        qos: w.qos,
        retain: w.retain,
        properties: w.properties.as_properties(),
        topic: &w.topic,
        payload: &w.payload,
    });
    let connect = Connect {
        protocol: config.protocol,
        clean_start,
        keep_alive: config.keep_alive,
        properties: Properties::new(&props),
        client_id,
        will,
        username,
        password,
    };
    Ok(encode(&Packet::Connect(connect), config.protocol, out)?)
}

impl Client {
    /// The driver opened a transport. The client asks for credentials
    /// ([`Event::CredentialsNeeded`]) or, with static ones, queues CONNECT at once; the CONNACK
    /// timer starts. Ignored unless the client wants a transport ([`State::WaitingForTransport`],
    /// or [`State::Backoff`] when the driver reconnects early): in particular after
    /// `disconnect()`, a connection attempt that completes late is ignored (close it).
    pub fn handle_connected(&mut self, now: Instant) {
        let Some(next) = state::next(self.state, Input::TransportUp) else {
            return;
        };
        self.state = next;
        self.timers.stop(Timer::Reconnect);
        self.clear_outbox();
        self.rx = Vec::new();
        self.conn.start(now);
        self.timers.set(
            Timer::Connack,
            now.saturating_add(self.config.connack_timeout),
        );
        match &self.config.credentials {
            Credentials::AskEachTime => self.push_event(Event::CredentialsNeeded),
            Credentials::None => self.connect_or_fail(now, None, None),
            Credentials::Static { .. } => {
                // Taken out for the call and put back: no copy of the password is made.
                let creds = core::mem::take(&mut self.config.credentials);
                if let Credentials::Static { username, password } = &creds {
                    self.connect_or_fail(
                        now,
                        username.as_deref(),
                        password.as_ref().map(super::Password::expose),
                    );
                }
                self.config.credentials = creds;
            }
        }
    }

    fn connect_or_fail(&mut self, now: Instant, username: Option<&str>, password: Option<&[u8]>) {
        if let Err(error) = self.send_connect(username, password) {
            self.lost(now, error, PeerInfo::default());
        }
    }

    /// Queues CONNECT and moves to [`State::AwaitingConnack`].
    pub(crate) fn send_connect(
        &mut self,
        username: Option<&str>,
        password: Option<&[u8]>,
    ) -> Result<(), Error> {
        let next = state::next(self.state, Input::CredentialsSet).ok_or(
            crate::error::UsageError::InvalidState("no transport is waiting for credentials"),
        )?;
        let v5 = self.config.protocol == ProtocolVersion::V5;
        // A 5.0 reconnect asks to resume, unless the session ended with the connection (expiry
        // 0 in force): then there is nothing to resume and it starts clean, as a server that
        // insists on clean sessions (IoTDA) expects.
        let clean_start = if v5 && self.session.started && self.conn.session_outlives {
            false
        } else {
            self.config.clean_start
        };
        let client_id = match &self.assigned_client_id {
            Some(id) if self.config.client_id.is_empty() => id.as_str(),
            _ => self.config.client_id.as_str(),
        };
        encode_connect(
            &self.config,
            client_id,
            clean_start,
            username,
            password,
            &mut self.outbox,
        )?;
        self.outbox_secret |= password.is_some();
        self.state = next;
        self.conn.connect_sent = true;
        self.conn.clean_start_sent = clean_start;
        Ok(())
    }

    /// The transport closed (or could not be opened). Bytes not yet polled are discarded; the
    /// connection is lost ([`Event::ConnectionLost`]) unless the client had already given it up.
    pub fn handle_closed(&mut self, now: Instant) {
        self.clear_outbox();
        if self.state.has_transport() || self.state == State::WaitingForTransport {
            self.lost(
                now,
                Error::Protocol(ProtocolError::ConnectionClosed),
                PeerInfo::default(),
            );
        }
    }

    /// Runs the timers due at `now`: CONNACK timeout, PINGREQ, PINGRESP timeout, reconnect.
    /// Calling it early or twice does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.timers.expire(Timer::Connack, now) {
            self.lost(
                now,
                Error::Timeout(TimeoutKind::Connack),
                PeerInfo::default(),
            );
        }
        if self.timers.expire(Timer::PingResponse, now) {
            self.lost(
                now,
                Error::Timeout(TimeoutKind::KeepAlive),
                PeerInfo::default(),
            );
        }
        if self.timers.expire(Timer::Ping, now) && self.state == State::Connected {
            self.queue_control(&Packet::PingReq);
            self.conn.ping_outstanding = true;
            let wait = self
                .config
                .ping_timeout
                .unwrap_or_else(|| secs(self.conn.keep_alive));
            self.timers
                .set(Timer::PingResponse, now.saturating_add(wait));
        }
        if self.timers.expire(Timer::Reconnect, now) {
            if let Some(next) = state::next(self.state, Input::ReconnectTimer) {
                self.state = next;
                self.push_event(Event::ReconnectDue {
                    attempt: self.backoff.attempt(),
                });
            }
        }
    }

    /// Arms the PINGREQ timer: keep-alive after the older of the last send and the last
    /// receipt.
    pub(crate) fn reschedule_ping(&mut self) {
        if self.state != State::Connected || self.conn.keep_alive == 0 || self.conn.ping_outstanding
        {
            self.timers.stop(Timer::Ping);
            return;
        }
        let base = self.conn.last_tx.min(self.conn.last_rx);
        self.timers
            .set(Timer::Ping, base.saturating_add(secs(self.conn.keep_alive)));
    }

    /// Anything arrived: the link is alive.
    pub(crate) fn link_alive(&mut self, now: Instant) {
        self.conn.last_rx = now;
        if self.conn.ping_outstanding {
            self.conn.ping_outstanding = false;
            self.timers.stop(Timer::PingResponse);
        }
        self.reschedule_ping();
    }

    /// The peer broke the rules: in 5.0 queue a DISCONNECT with the matching reason code, then
    /// end the connection.
    pub(crate) fn fail(&mut self, now: Instant, error: Error) {
        if self.config.protocol == ProtocolVersion::V5
            && self.conn.connect_sent
            && self.state.has_transport()
        {
            let reason = client_disconnect_reason(&error);
            let text = reason_text(&error);
            let items = [Property::ReasonString(&text)];
            let mut packet = Disconnect {
                reason,
                properties: Properties::new(&items),
            };
            let limit = self.conn.server_max_packet.unwrap_or(MAX_PACKET_SIZE) as usize;
            let fits = |p: &Disconnect<'_>| {
                encoded_len(&Packet::Disconnect(*p), ProtocolVersion::V5).is_ok_and(|n| n <= limit)
            };
            if !fits(&packet) {
                packet.properties = Properties::empty();
            }
            // Not even a bare DISCONNECT fits a server that announced less: close without one.
            if fits(&packet) {
                self.queue_control(&Packet::Disconnect(packet));
            }
        }
        self.lost(now, error, PeerInfo::default());
    }

    /// The connection is over: stop its timers, forget its buffers, start the reconnect timer
    /// (or go idle) and tell the application.
    pub(crate) fn lost(&mut self, now: Instant, error: Error, info: PeerInfo) {
        self.end(now, error, info, true);
    }

    /// [`lost`](Self::lost), going idle for good unless `retry` and reconnection is on.
    fn end(&mut self, now: Instant, error: Error, info: PeerInfo, retry: bool) {
        let input = if retry && self.config.reconnect.enabled {
            Input::Lost
        } else {
            Input::LostFinal
        };
        let Some(next) = state::next(self.state, input) else {
            return;
        };
        let was_connected = self.state == State::Connected;
        self.state = next;
        self.timers.stop(Timer::Connack);
        self.timers.stop(Timer::Ping);
        self.timers.stop(Timer::PingResponse);
        self.rx = Vec::new();
        self.conn.ping_outstanding = false;
        self.conn.auth_challenged = false;
        self.conn.reauthenticating = false;
        self.conn.connect_sent = false;
        let reconnect_at = if next == State::Backoff {
            // In milliseconds: a `Duration` from milliseconds divides by 1,000, which on a
            // 32-bit MCU links the compiler's 64-bit division (BENCHMARKS.md, issue 7).
            let up_ms = now
                .as_millis()
                .saturating_sub(self.conn.connected_at.as_millis());
            if was_connected && u128::from(up_ms) >= ceil_millis(self.config.reconnect.stable_after)
            {
                self.backoff.reset();
            }
            let delay = self.backoff.next_delay_ms(&self.config.reconnect);
            let at = Instant::from_millis(now.as_millis().saturating_add(delay));
            self.timers.set(Timer::Reconnect, at);
            Some(at)
        } else {
            None
        };
        self.push_event(Event::ConnectionLost(Box::new(ConnectionLost {
            error,
            reason_string: info.reason_string,
            server_reference: info.server_reference,
            user_properties: info.user_properties,
            reconnect_at,
        })));
    }

    /// Discards unsent output (the transport it was meant for is gone), wiping a password.
    pub(crate) fn clear_outbox(&mut self) {
        if self.outbox_secret {
            self.outbox.zeroize();
            self.outbox_secret = false;
        }
        self.outbox = Vec::new();
    }

    /// CONNACK arrived.
    pub(crate) fn on_connack(&mut self, now: Instant, c: &Connack<'_>) -> Result<(), Error> {
        if self.state != State::AwaitingConnack {
            return Err(ProtocolError::UnexpectedPacket(crate::codec::PacketType::Connack).into());
        }
        let props = c.properties;
        if c.reason.is_error() {
            // A refusal that trying again cannot fix (wrong credentials, banned, …) ends the
            // reconnects.
            let retry = !self.config.reconnect.stop_on.contains(c.reason);
            self.end(
                now,
                Error::Protocol(ProtocolError::ConnectRefused(c.reason.into())),
                PeerInfo::from_properties(&props),
                retry,
            );
            return Ok(());
        }
        // The server's limit binds from its CONNACK on, also for the DISCONNECT that refuses
        // this very CONNACK below [MQTT-3.2.2-15] (found by the `client_session` fuzz target).
        self.conn.server_max_packet = props.maximum_packet_size();
        if c.session_present && self.conn.clean_start_sent {
            return Err(ProtocolError::SessionPresentOnCleanStart.into());
        }
        let next = state::next(self.state, Input::ConnackAccepted).ok_or(
            ProtocolError::UnexpectedPacket(crate::codec::PacketType::Connack),
        )?;
        let conn = &mut self.conn;
        conn.server_receive_max = props.receive_maximum().unwrap_or(u16::MAX);
        conn.server_alias_max = props.topic_alias_maximum().unwrap_or(0);
        conn.max_qos = props.maximum_qos().unwrap_or(QoS::ExactlyOnce);
        conn.retain_available = props.retain_available().unwrap_or(true);
        conn.keep_alive = props.server_keep_alive().unwrap_or(self.config.keep_alive);
        conn.connected_at = now;
        conn.auth_challenged = false;
        if let Some(id) = props.assigned_client_identifier() {
            self.assigned_client_id = Some(String::from(id));
        }
        self.timers.stop(Timer::Connack);
        self.state = next;
        let session_expiry = props
            .session_expiry_interval()
            .unwrap_or(self.config.session_expiry);
        self.conn.session_outlives = session_expiry != 0;
        let info = ConnectedInfo {
            session_present: c.session_present,
            keep_alive: self.conn.keep_alive,
            server_keep_alive: props.server_keep_alive(),
            session_expiry,
            assigned_client_id: props.assigned_client_identifier().map(String::from),
            receive_maximum: self.conn.server_receive_max,
            maximum_packet_size: self.conn.server_max_packet,
            topic_alias_maximum: self.conn.server_alias_max,
            maximum_qos: self.conn.max_qos,
            retain_available: self.conn.retain_available,
            wildcard_subscription_available: props
                .wildcard_subscription_available()
                .unwrap_or(true),
            subscription_identifiers_available: props
                .subscription_identifier_available()
                .unwrap_or(true),
            shared_subscription_available: props.shared_subscription_available().unwrap_or(true),
            reason_string: props.reason_string().map(String::from),
            response_information: props.response_information().map(String::from),
            server_reference: props.server_reference().map(String::from),
            authentication_data: props.authentication_data().map(<[u8]>::to_vec),
            user_properties: user_properties(&props),
            properties: OwnedProperties::from_decoded(&props),
        };
        self.push_event(Event::Connected(Box::new(info)));
        self.session.started = true;
        if c.session_present {
            self.drop_inflight_over_limit();
            for f in &mut self.session.inflight {
                f.resend = true;
            }
            self.conn.resend_pending = self.session.inflight.len();
        } else {
            self.begin_new_session();
        }
        for r in &mut self.session.requests {
            r.sent = false;
        }
        if !c.session_present && self.config.reconnect.resubscribe {
            self.resubscribe();
        }
        self.send_requests();
        self.reschedule_ping();
        self.mark_dirty();
        Ok(())
    }

    /// The server has no session for us: forget received QoS 2 state, apply the requeue policy
    /// to what was in flight.
    fn begin_new_session(&mut self) {
        self.session.epoch = self.session.epoch.wrapping_add(1);
        self.session.incoming.clear();
        self.conn.resend_pending = 0;
        let inflight = core::mem::take(&mut self.session.inflight);
        let mut requeue = Fifo::new();
        let mut inflight = inflight;
        while let Some(f) = inflight.pop_front() {
            let keep = f.state != OutState::Released
                && self.config.reconnect.requeue == RequeuePolicy::Resend;
            if keep {
                requeue.push_back(f.msg);
            } else {
                self.session.forget(&f.msg);
                self.push_event(Event::PublishDropped {
                    packet_id: Some(f.id),
                    reason: DropReason::SessionLost,
                });
            }
        }
        self.session.pending.prepend(requeue);
    }

    /// Resumed session: gives up in-flight publishes the server's Maximum Packet Size no longer
    /// admits [MQTT-3.2.2-15] (`PublishDropped`, as for queued ones), instead of resending them
    /// (found by the `client_session` fuzz target).
    fn drop_inflight_over_limit(&mut self) {
        let Some(max) = self.conn.server_max_packet else {
            return;
        };
        let v = self.config.protocol;
        let mut pos = 0usize;
        while let Some(f) = self.session.inflight.get(pos) {
            let size = match f.state {
                OutState::Released => 0,
                OutState::Qos1Sent | OutState::Qos2Sent => {
                    encoded_len(&Packet::Publish(f.dup_publish()), v).unwrap_or(0)
                }
            };
            if size <= max as usize {
                pos += 1;
                continue;
            }
            if let Some(f) = self.session.inflight.remove(pos) {
                self.session.forget(&f.msg);
                self.push_event(Event::PublishDropped {
                    packet_id: Some(f.id),
                    reason: DropReason::PacketTooLarge { size, max },
                });
            }
        }
    }

    /// Sends the requests not sent on this connection, in order. One over the server's Maximum
    /// Packet Size [MQTT-3.2.2-15] (its CONNACK may announce less than the last server did) is
    /// given up with `RequestDropped` and its identifier freed (found by the `client_session`
    /// fuzz target).
    fn send_requests(&mut self) {
        let max = self.conn.server_max_packet;
        let outbox = &mut self.outbox;
        let mut dropped = Vec::new();
        self.session.requests.retain_mut(|r| {
            if r.sent {
                return true;
            }
            if let Some(max) = max.filter(|m| r.packet.len() > *m as usize) {
                dropped.push((r.id, r.packet.len(), max));
                return false;
            }
            outbox.extend_from_slice(&r.packet);
            r.sent = true;
            true
        });
        for (packet_id, size, max) in dropped {
            self.session.release_id(packet_id);
            self.push_event(Event::RequestDropped {
                packet_id,
                reason: DropReason::PacketTooLarge { size, max },
            });
        }
    }

    /// Queues SUBSCRIBE requests, ahead of the application's, for every remembered
    /// subscription: one request per run of equal Subscription Identifiers, at most 32 filters
    /// each. Re-subscriptions still unanswered from an earlier new session are replaced, not
    /// repeated: a server that keeps closing before its SUBACK cannot make them pile up
    /// (found by the `client_session` fuzz target).
    fn resubscribe(&mut self) {
        let session = &mut self.session;
        let mut stale = Vec::new();
        session.requests.retain(|r| {
            if r.resubscribe {
                stale.push(r.id);
            }
            !r.resubscribe
        });
        for id in stale {
            session.release_id(id);
        }
        let mut added = Vec::new();
        let mut start = 0usize;
        let total = self.session.subscriptions.len();
        while start < total {
            let sub_id = self.session.subscriptions.get(start).and_then(|r| r.sub_id);
            let mut end = start;
            while end < total
                && end - start < 32
                && self.session.subscriptions.get(end).and_then(|r| r.sub_id) == sub_id
            {
                end += 1;
            }
            let Some(id) = self.session.allocate_id() else {
                break;
            };
            let subs: Vec<Subscription<'_>> = self
                .session
                .subscriptions
                .get(start..end)
                .unwrap_or(&[])
                .iter()
                .map(|r| Subscription {
                    filter: &r.filter,
                    options: r.options,
                })
                .collect();
            let items = sub_id.map(Property::SubscriptionIdentifier);
            let props = match (&items, self.config.protocol) {
                (Some(p), ProtocolVersion::V5) => Properties::new(core::slice::from_ref(p)),
                _ => Properties::empty(),
            };
            let packet = Packet::Subscribe(Subscribe {
                packet_id: id,
                properties: props,
                subscriptions: List::new(&subs),
            });
            let mut bytes = Vec::new();
            if encode(&packet, self.config.protocol, &mut bytes).is_ok() {
                drop(subs);
                added.push(Request {
                    id,
                    kind: RequestKind::Subscribe,
                    packet: bytes,
                    sent: false,
                    resubscribe: true,
                });
            }
            start = end;
        }
        // Ahead of the application's requests (`Vec::append` copies into the new buffer).
        if !added.is_empty() {
            added.append(&mut self.session.requests);
            self.session.requests = added;
        }
    }
}

/// The Reason String of the DISCONNECT the client sends for a peer fault: the error's stable
/// code and, for bytes that break a rule, the rule (`"topic_wildcard [MQTT-3.3.2-2]"`). Built
/// without `core::fmt`: formatting the `Display` text here would link the formatting machinery
/// and every error message into each firmware image (about 8 KB of a Cortex-M4 client,
/// BENCHMARKS.md, issue 7); the application still gets the full error in `ConnectionLost`.
fn reason_text(error: &Error) -> String {
    let mut text = String::from(error.code());
    if let Error::Malformed { violation, .. } = error {
        text.push_str(" [");
        text.push_str(violation.rule());
        text.push(']');
    }
    text
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// `m` milliseconds are at least `d` exactly when `m >= ceil_millis(d)`.
        #[test]
        fn ceil_millis_agrees_with_duration_order(
            m in prop_oneof![0u64..5_000, any::<u64>()],
            secs in prop_oneof![0u64..5, any::<u64>()],
            nanos in prop_oneof![Just(0u32), Just(1_000_000), Just(999_999), 0u32..1_000_000_000],
        ) {
            let d = Duration::new(secs, nanos);
            prop_assert_eq!(Duration::from_millis(m) >= d, u128::from(m) >= ceil_millis(d));
        }
    }
}
