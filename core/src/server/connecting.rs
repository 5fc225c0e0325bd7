//! CONNECT, CONNACK and AUTH: policy, the broker's decision, enhanced authentication, and the
//! server's own DISCONNECT.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::auth::{
    AuthContinue, AuthDecision, AuthExchange, ConnectAccept, ConnectReject, ConnectRequest,
    v3_connack_reason,
};
use super::event::{CloseCause, Connected, ServerEvent};
use super::inbound::Inbound;
use super::outbound::Outbound;
use super::session::{Link, ServerSession};
use super::state::{ServerState, Step, next};
use super::subscriptions::Subscriptions;
use super::timer::Timer;
use crate::codec::{
    Auth, AuthReason, Connack, Connect, ConnectReason, DecodeError, Decoder, DisconnectReason,
    MAX_PACKET_SIZE, Packet, Properties, Property, ProtocolVersion, QoS, ReasonCode, Violation,
    encode,
};
use crate::error::{Error, ProtocolError, UsageError, peer_fault};
use crate::time::Instant;

/// The 3.1.1 CONNACK refusing an unknown protocol level (return code 1): what clients of any
/// version understand [MQTT-3.1.2-2].
const CONNACK_UNSUPPORTED_VERSION: [u8; 4] = [0x20, 0x02, 0x00, 0x01];

impl ServerSession {
    // ------------------------------------------------------------------ commands

    /// Accepts the pending CONNECT (after [`ServerEvent::ConnectRequest`] or during enhanced
    /// authentication): queues CONNACK, resumes `accept.session` if the client asked for it,
    /// emits [`ServerEvent::Connected`], then processes what the client pipelined.
    ///
    /// # Errors
    /// [`UsageError::InvalidState`] when no CONNECT waits for a decision;
    /// [`UsageError::InvalidArgument`] when an MQTT 5 client sent an empty client id and
    /// `assigned_client_id` is missing; [`UsageError::Encode`] when the assigned client id or
    /// the authentication data cannot be sent (U+0000, over 65,535 bytes). The session does not
    /// change on error (`accept` is consumed; there is no session to lose in these cases, as an
    /// empty client id has none). A Reason String, User Properties or Response Information that
    /// cannot be sent, or would exceed the client's Maximum Packet Size, is left out;
    /// [`UsageError::PacketTooLarge`] when the CONNACK exceeds that size even so (the client
    /// announced a size too small for it): nothing is sent, `reject` the CONNECT (its CONNACK
    /// is not sent either if it does not fit), and a session passed in `accept` is dropped.
    pub fn accept(&mut self, now: Instant, accept: ConnectAccept) -> Result<(), Error> {
        self.tick(now);
        self.check_deciding()?;
        self.apply_accept(accept)?;
        self.process_buffered();
        Ok(())
    }

    /// Refuses the pending CONNECT: queues CONNACK with `reject.reason` (mapped for 3.1.1 by
    /// [`v3_connack_reason`]) and closes.
    ///
    /// # Errors
    /// [`UsageError::InvalidState`] when no CONNECT waits for a decision;
    /// [`UsageError::InvalidArgument`] when the reason is not a refusal (below 0x80).
    pub fn reject(&mut self, now: Instant, reject: impl Into<ConnectReject>) -> Result<(), Error> {
        self.tick(now);
        self.check_deciding()?;
        let reject = reject.into();
        if !reject.reason.is_error() {
            return Err(UsageError::InvalidArgument(
                "a CONNACK refusal needs a code of 0x80 or above",
            )
            .into());
        }
        self.refuse(&reject);
        Ok(())
    }

    /// Sends AUTH Continue authentication with `step` (MQTT 5 enhanced authentication, during
    /// CONNECT or a re-authentication) and waits for the client's next AUTH.
    ///
    /// # Errors
    /// [`UsageError::InvalidState`] when no authentication exchange is under way.
    pub fn continue_auth(&mut self, now: Instant, step: AuthContinue) -> Result<(), Error> {
        self.tick(now);
        let method = self
            .auth_method_in_exchange()
            .ok_or(UsageError::InvalidState(
                "no enhanced authentication exchange is under way",
            ))?;
        self.send_auth(
            AuthReason::ContinueAuthentication,
            &method,
            step.data.as_deref(),
            step.reason_string.as_deref(),
        );
        Ok(())
    }

    /// Ends a re-authentication successfully: sends AUTH Success with optional final data.
    ///
    /// # Errors
    /// [`UsageError::InvalidState`] when no re-authentication is under way.
    pub fn complete_reauth(&mut self, now: Instant, data: Option<Vec<u8>>) -> Result<(), Error> {
        self.tick(now);
        let method = self
            .link
            .as_ref()
            .filter(|l| l.reauthenticating)
            .and_then(|l| l.auth_request.as_ref())
            .and_then(|r| r.authentication_method.clone())
            .ok_or(UsageError::InvalidState(
                "no re-authentication is under way",
            ))?;
        self.send_auth(AuthReason::Success, &method, data.as_deref(), None);
        if let Some(link) = &mut self.link {
            link.reauthenticating = false;
        }
        Ok(())
    }

    /// Closes the connection from the server side: an MQTT 5 client gets DISCONNECT with
    /// `reason` (and `reason_string`) once connected; before CONNACK, or for 3.1.1, the
    /// connection just closes. The Will is due. Use
    /// [`DisconnectReason::SessionTakenOver`] when the same client connected elsewhere.
    ///
    /// # Errors
    /// [`UsageError::InvalidState`] when already closed; [`UsageError::InvalidArgument`] for
    /// Disconnect with Will Message, which only a client may send.
    pub fn disconnect(
        &mut self,
        now: Instant,
        reason: DisconnectReason,
        reason_string: Option<&str>,
    ) -> Result<(), Error> {
        self.tick(now);
        if self.state == ServerState::Closed {
            return Err(UsageError::InvalidState("the connection is already closed").into());
        }
        if reason == DisconnectReason::DisconnectWithWillMessage {
            return Err(
                UsageError::InvalidArgument("only a client may disconnect with its Will").into(),
            );
        }
        if self.state == ServerState::Connected {
            self.send_disconnect(reason, reason_string);
        }
        self.close(CloseCause::ServerDisconnect(reason), true);
        Ok(())
    }

    // ------------------------------------------------------------------ CONNECT

    pub(super) fn handle_connect_bytes(&mut self, bytes: &[u8]) {
        self.connect_seen = true;
        let decoder =
            Decoder::new(ProtocolVersion::V5).with_max_packet_size(self.config.max_packet_size);
        match decoder.decode(bytes) {
            Ok(decoded) => match decoded.packet {
                Packet::Connect(c) => self.handle_connect(&c),
                other => self.fault(ProtocolError::UnexpectedPacket(other.packet_type()).into()),
            },
            Err(e) => self.connect_malformed(bytes, e),
        }
    }

    /// A CONNECT that breaks the codec rules: refuse it the way its sender understands.
    fn connect_malformed(&mut self, bytes: &[u8], e: DecodeError) {
        let error = peer_fault(e).unwrap_or(Error::Malformed {
            offset: 0,
            violation: Violation::LengthMismatch,
        });
        if let Error::Malformed { violation, .. } = &error {
            if matches!(violation, Violation::UnsupportedProtocolLevel(_)) {
                self.tx.extend_from_slice(&CONNACK_UNSUPPORTED_VERSION);
            } else if protocol_level(bytes) == Some(ProtocolVersion::V5.level()) {
                // 5.0 §4.13.1: the server may tell the client why before closing.
                self.version = ProtocolVersion::V5;
                let reason = ConnectReason::from_u8(violation.reason_code().as_u8())
                    .unwrap_or(ConnectReason::MalformedPacket);
                self.send(&Packet::Connack(Connack {
                    session_present: false,
                    reason,
                    properties: Properties::empty(),
                }));
            }
        }
        self.close(CloseCause::PeerFault(error), false);
    }

    fn handle_connect(&mut self, c: &Connect<'_>) {
        self.version = c.protocol;
        let request = ConnectRequest::from_connect(c, self.config.max_session_expiry);
        // A refusal must not exceed it either [MQTT-3.1.2-24] (found by the `server_session`
        // fuzz target: a refusing CONNACK to a client that accepts 1 byte).
        self.connect_max_packet = request.maximum_packet_size;
        if let Some(reason) = self.policy_refusal(&request) {
            self.refuse(&reason.into());
            return;
        }
        let Some(state) = next(self.state, Step::ConnectReceived) else {
            return;
        };
        self.state = state;
        let connect_expiry_zero = c.protocol == ProtocolVersion::V5
            && c.properties.session_expiry_interval().unwrap_or(0) == 0;
        let mut stored = request.clone();
        stored.password = None;
        self.request = Some(Box::new(stored));
        self.connect_expiry_zero = connect_expiry_zero;
        match self.authenticator.take() {
            Some(mut auth) => {
                let decision = auth.authenticate(&request);
                self.authenticator = Some(auth);
                drop(request);
                self.apply_decision(decision);
            }
            None => self
                .events
                .push_back(ServerEvent::ConnectRequest(Box::new(request))),
        }
    }

    /// The configured policy's verdict on a CONNECT, before the broker sees it.
    fn policy_refusal(&self, r: &ConnectRequest) -> Option<ConnectReason> {
        let cfg = &self.config;
        if r.protocol == ProtocolVersion::V311 && r.client_id.is_empty() && !r.clean_start {
            // [MQTT-3.1.3-8]
            return Some(ConnectReason::ClientIdentifierNotValid);
        }
        if let Some(limits) = cfg.keep_alive_limits {
            if !limits.allows(r.keep_alive) {
                return Some(limits.reject_with);
            }
        }
        if let Some(will) = &r.will {
            if !cfg.will_available {
                return Some(ConnectReason::NotAuthorized);
            }
            if will.message.qos > cfg.maximum_qos {
                return Some(ConnectReason::QosNotSupported); // [MQTT-3.2.2-12]
            }
            if will.message.retain && !cfg.retain_available {
                return Some(ConnectReason::RetainNotSupported); // [MQTT-3.2.2-13]
            }
        }
        None
    }

    /// Queues the refusing CONNACK and closes.
    fn refuse(&mut self, reject: &ConnectReject) {
        let reason = if reject.reason.is_error() {
            reject.reason
        } else {
            ConnectReason::UnspecifiedError
        };
        match self.version {
            ProtocolVersion::V311 => {
                self.send(&Packet::Connack(Connack {
                    session_present: false,
                    reason: v3_connack_reason(reason),
                    properties: Properties::empty(),
                }));
            }
            ProtocolVersion::V5 => {
                let mut items = Vec::new();
                if let Some(s) = &reject.reason_string {
                    items.push(Property::ReasonString(s));
                }
                if let Some(s) = &reject.server_reference {
                    items.push(Property::ServerReference(s));
                }
                for (k, v) in &reject.user_properties {
                    items.push(Property::UserProperty(k, v));
                }
                let full = Packet::Connack(Connack {
                    session_present: false,
                    reason,
                    properties: Properties::new(&items),
                });
                let bare = Packet::Connack(Connack {
                    session_present: false,
                    reason,
                    properties: Properties::empty(),
                });
                self.send_either(&full, &bare);
            }
        }
        self.close(CloseCause::Refused(reason), false);
    }

    /// Applies an [`Authenticator`](super::Authenticator)'s decision.
    fn apply_decision(&mut self, decision: AuthDecision) {
        if self.state == ServerState::Connected {
            self.apply_reauth_decision(decision);
            return;
        }
        match decision {
            AuthDecision::Accept(accept) => {
                if self.apply_accept(*accept).is_err() {
                    self.refuse(&ConnectReason::ClientIdentifierNotValid.into());
                }
            }
            AuthDecision::Reject(reject) => self.refuse(&reject),
            AuthDecision::Continue(step) => match self.auth_method_in_exchange() {
                Some(method) => self.send_auth(
                    AuthReason::ContinueAuthentication,
                    &method,
                    step.data.as_deref(),
                    step.reason_string.as_deref(),
                ),
                None => self.refuse(&ConnectReason::BadAuthenticationMethod.into()),
            },
        }
    }

    fn apply_reauth_decision(&mut self, decision: AuthDecision) {
        match decision {
            AuthDecision::Accept(accept) => {
                let now = self.now;
                // A re-authentication is under way (checked before the authenticator was asked).
                let _ = self.complete_reauth(now, accept.authentication_data);
            }
            AuthDecision::Reject(reject) => {
                let reason = DisconnectReason::from_reason_code(ReasonCode::from(reject.reason))
                    .unwrap_or(DisconnectReason::NotAuthorized);
                self.send_disconnect(reason, reject.reason_string.as_deref());
                self.close(CloseCause::ServerDisconnect(reason), true);
            }
            AuthDecision::Continue(step) => {
                let now = self.now;
                let _ = self.continue_auth(now, step);
            }
        }
    }

    /// An AUTH from the client: a step of the CONNECT exchange, or a re-authentication.
    pub(super) fn handle_auth(&mut self, auth: &Auth<'_>) {
        let method = auth.properties.authentication_method();
        let data = auth.properties.authentication_data().map(<[u8]>::to_vec);
        let (expected, allowed, reauthentication) = match self.state {
            ServerState::Authenticating => (
                self.request
                    .as_ref()
                    .and_then(|r| r.authentication_method.clone()),
                auth.reason == AuthReason::ContinueAuthentication,
                false,
            ),
            ServerState::Connected => {
                let Some(link) = self.link.as_ref() else {
                    return;
                };
                let allowed = match auth.reason {
                    AuthReason::ReAuthenticate => true,
                    AuthReason::ContinueAuthentication => link.reauthenticating,
                    _ => false,
                };
                (
                    link.auth_request
                        .as_ref()
                        .and_then(|r| r.authentication_method.clone()),
                    allowed,
                    true,
                )
            }
            _ => return,
        };
        // AUTH is only allowed with the method the CONNECT named [MQTT-4.12.0-5, -6].
        let Some(expected) = expected.filter(|e| allowed && method == Some(e.as_str())) else {
            self.fault(ProtocolError::UnexpectedPacket(crate::codec::PacketType::Auth).into());
            return;
        };
        if let Some(link) = self.link.as_mut() {
            link.reauthenticating = true;
        }
        let exchange = AuthExchange {
            reason: auth.reason,
            method: expected,
            data,
            reauthentication,
        };
        let Some(mut authenticator) = self.authenticator.take() else {
            self.events.push_back(ServerEvent::Auth(exchange));
            return;
        };
        let request = match self.state {
            ServerState::Authenticating => self.request.as_deref(),
            _ => self.link.as_ref().and_then(|l| l.auth_request.as_deref()),
        };
        let decision = request.map(|r| authenticator.continue_auth(r, &exchange));
        self.authenticator = Some(authenticator);
        if let Some(decision) = decision {
            self.apply_decision(decision);
        }
    }

    fn check_deciding(&self) -> Result<(), UsageError> {
        if self.state == ServerState::Authenticating && self.request.is_some() {
            Ok(())
        } else {
            Err(UsageError::InvalidState(
                "no CONNECT is waiting for a decision",
            ))
        }
    }

    /// The Authentication Method of an exchange under way, if any.
    fn auth_method_in_exchange(&self) -> Option<String> {
        match self.state {
            ServerState::Authenticating => self.request.as_ref()?.authentication_method.clone(),
            ServerState::Connected => {
                let link = self.link.as_ref().filter(|l| l.reauthenticating)?;
                link.auth_request.as_ref()?.authentication_method.clone()
            }
            _ => None,
        }
    }

    fn send_auth(
        &mut self,
        reason: AuthReason,
        method: &str,
        data: Option<&[u8]>,
        text: Option<&str>,
    ) {
        let mut items = alloc::vec![Property::AuthenticationMethod(method)];
        if let Some(d) = data {
            items.push(Property::AuthenticationData(d));
        }
        let bare = items.clone();
        if let Some(t) = text {
            items.push(Property::ReasonString(t));
        }
        let full = Packet::Auth(Auth {
            reason,
            properties: Properties::new(&items),
        });
        let bare = Packet::Auth(Auth {
            reason,
            properties: Properties::new(&bare),
        });
        self.send_either(&full, &bare);
    }

    /// Accepts the pending CONNECT. Nothing changes on error.
    fn apply_accept(&mut self, accept: ConnectAccept) -> Result<(), Error> {
        let request = self.request.as_deref().ok_or(UsageError::InvalidState(
            "no CONNECT is waiting for a decision",
        ))?;
        let v5 = request.protocol == ProtocolVersion::V5;
        let assigned = request.client_id.is_empty();
        let client_id = if assigned {
            match (&accept.assigned_client_id, v5) {
                (Some(id), _) if !id.is_empty() => id.clone(),
                (_, false) => String::new(),
                (_, true) => {
                    return Err(UsageError::InvalidArgument(
                        "an MQTT 5 client with an empty client id needs ConnectAccept::assigned_client_id",
                    )
                    .into());
                }
            }
        } else {
            request.client_id.clone()
        };
        let mut accept = accept;
        let resumed = match accept.session.take() {
            Some(s) if !request.clean_start && s.client_id == client_id => Some(s),
            _ => None,
        };
        let session_present = resumed.is_some();
        let keep_alive = match (v5, self.config.server_keep_alive) {
            (true, Some(k)) => k,
            _ => request.keep_alive,
        };
        let connack = self.encode_connack(
            request,
            &accept,
            &client_id,
            assigned && v5,
            session_present,
            keep_alive,
        )?;
        let request = self.request.take().ok_or(UsageError::InvalidState(
            "no CONNECT is waiting for a decision",
        ))?;
        let Some(state) = next(self.state, Step::Accepted) else {
            return Err(UsageError::InvalidState("no CONNECT is waiting for a decision").into());
        };
        self.tx.extend_from_slice(&connack);
        self.state = state;
        match resumed {
            Some(s) => {
                self.subscriptions = s.subscriptions;
                self.outbound = s.outbound;
                self.outbound.resume();
                self.inbound = Inbound::resumed(s.received_qos2);
            }
            None => {
                self.subscriptions = Subscriptions::default();
                self.outbound = Outbound::default();
                self.inbound = Inbound::default();
            }
        }
        self.kept = false;
        self.session_expiry = request.session_expiry_interval;
        self.client_id = Some(client_id.clone());
        let mut request = request;
        let will = request.will.take();
        let receive_maximum = request.receive_maximum;
        let max_packet_size = request.maximum_packet_size;
        let alias_maximum = request
            .topic_alias_maximum
            .min(self.config.outgoing_topic_alias_maximum);
        let auth_request = request.authentication_method.is_some().then_some(request);
        self.link = Some(Box::new(Link {
            keep_alive,
            receive_maximum,
            max_packet_size,
            alias_maximum,
            aliases: BTreeMap::new(),
            will,
            auth_request,
            reauthenticating: false,
            connect_expiry_zero: self.connect_expiry_zero,
        }));
        self.timers.clear(Timer::Connect);
        self.touch();
        self.events.push_back(ServerEvent::Connected(Connected {
            client_id,
            protocol: self.version,
            session_present,
            keep_alive,
            session_expiry_interval: self.session_expiry,
        }));
        Ok(())
    }
}

impl ServerSession {
    /// The CONNACK accepting `request`, encoded. Optional properties (Reason String, User
    /// Properties) are left out when the whole would exceed the client's Maximum Packet Size.
    fn encode_connack(
        &self,
        request: &ConnectRequest,
        accept: &ConnectAccept,
        client_id: &str,
        send_assigned: bool,
        session_present: bool,
        keep_alive: u16,
    ) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        let mut connack = Connack {
            session_present,
            reason: ConnectReason::Success,
            properties: Properties::empty(),
        };
        if request.protocol == ProtocolVersion::V311 {
            encode(&Packet::Connack(connack), ProtocolVersion::V311, &mut out)?;
            return Ok(out);
        }
        let cfg = &self.config;
        let mut required = Vec::new();
        if cfg.max_session_expiry != u32::MAX
            && request.session_expiry_interval == cfg.max_session_expiry
        {
            required.push(Property::SessionExpiryInterval(cfg.max_session_expiry));
        }
        if cfg.receive_maximum != u16::MAX {
            required.push(Property::ReceiveMaximum(cfg.receive_maximum));
        }
        if cfg.maximum_qos != QoS::ExactlyOnce {
            required.push(Property::MaximumQos(cfg.maximum_qos));
        }
        if !cfg.retain_available {
            required.push(Property::RetainAvailable(false));
        }
        if cfg.max_packet_size < MAX_PACKET_SIZE {
            required.push(Property::MaximumPacketSize(cfg.max_packet_size));
        }
        if send_assigned {
            required.push(Property::AssignedClientIdentifier(client_id));
        }
        if cfg.topic_alias_maximum > 0 {
            required.push(Property::TopicAliasMaximum(cfg.topic_alias_maximum));
        }
        if !cfg.wildcard_subscriptions {
            required.push(Property::WildcardSubscriptionAvailable(false));
        }
        if !cfg.subscription_identifiers {
            required.push(Property::SubscriptionIdentifierAvailable(false));
        }
        if !cfg.shared_subscriptions {
            required.push(Property::SharedSubscriptionAvailable(false));
        }
        if cfg.server_keep_alive.is_some() {
            required.push(Property::ServerKeepAlive(keep_alive));
        }
        if let Some(method) = &request.authentication_method {
            required.push(Property::AuthenticationMethod(method));
            if let Some(data) = &accept.authentication_data {
                required.push(Property::AuthenticationData(data));
            }
        }
        if let (true, Some(info)) = (
            request.request_response_information,
            &accept.response_information,
        ) {
            required.push(Property::ResponseInformation(info));
        }
        let mut full = required.clone();
        if let Some(s) = &accept.reason_string {
            full.push(Property::ReasonString(s));
        }
        for (k, v) in &accept.user_properties {
            full.push(Property::UserProperty(k, v));
        }
        // Optional properties that do not fit (or cannot be encoded) are left out.
        connack.properties = Properties::new(&full);
        let max = request.maximum_packet_size.unwrap_or(u32::MAX) as usize;
        match encode(&Packet::Connack(connack), ProtocolVersion::V5, &mut out) {
            Ok(n) if n <= max => return Ok(out),
            _ => out.clear(),
        }
        connack.properties = Properties::new(&required);
        let size = encode(&Packet::Connack(connack), ProtocolVersion::V5, &mut out)?;
        // Only the Reason String and User Properties may be left out [MQTT-3.2.2-19,
        // MQTT-3.2.2-20]; a CONNACK that still does not fit cannot be sent [MQTT-3.1.2-24]
        // (found by the `server_session` fuzz target).
        if size > max {
            let max = request.maximum_packet_size.unwrap_or(u32::MAX);
            return Err(UsageError::PacketTooLarge { size, max }.into());
        }
        Ok(out)
    }
}

/// The protocol level byte of a CONNECT whose name is `MQTT`, if the bytes reach it.
fn protocol_level(bytes: &[u8]) -> Option<u8> {
    let header = Decoder::new(ProtocolVersion::V5).header(bytes).ok()?;
    let body = bytes.get(header.header_len..)?;
    match body {
        [0, 4, b'M', b'Q', b'T', b'T', level, ..] => Some(*level),
        _ => None,
    }
}
