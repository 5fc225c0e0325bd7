//! One client connection: a [`ServerSession`] driven by the socket, the clock and the hub.
//!
//! The loop writes what the session has to send, handles its events, then waits for the
//! first of: bytes from the client, a command from the hub (a routed message, a platform
//! message, displacement), the session's deadline, or the emulator's shutdown.

use std::sync::Arc;
use std::time::Duration;

use iotmqtt::iotda::{ClientId, ClientIdKind, LoginRequest, Topic};
use iotmqtt::server::{
    AuthDecision, Authenticator, CloseCause, ConnectRequest, Delivery, ServerConfig, ServerEvent,
    ServerSession,
};
use iotmqtt::{DisconnectReason, Error, QoS, SubAckReason, UsageError};
use tokio::sync::{mpsc, watch};

use super::hub::{Hub, ToConn, utc_now};
use super::platform::{self, Publisher};
use super::transport::Transport;

/// Commands waiting for one connection; beyond it routed messages are dropped and logged.
const QUEUE: usize = 256;

/// IoTDA's policy (QoS 0/1, no Will, no retain, keep-alive 30–1200 s, 1 MB packets, 50
/// subscriptions); sessions end with their connection, as every IoTDA SDK uses clean sessions.
pub(crate) fn server_config() -> ServerConfig {
    let mut config = ServerConfig::iotda();
    config.max_session_expiry = 0;
    config
}

/// IoTDA's login check against the registry, and its subscription rule: a device may
/// subscribe to `$oc/` topics of its own only.
struct LoginCheck {
    hub: Arc<Hub>,
}

impl Authenticator for LoginCheck {
    fn authenticate(&mut self, request: &ConnectRequest) -> AuthDecision {
        let login = LoginRequest::from(request);
        let now = utc_now();
        let verdict = {
            let s = self.hub.lock();
            self.hub
                .settings
                .verifier
                .verify(&login, &now, |id| {
                    let scope = match id.kind {
                        ClientIdKind::BootstrapSigned { scope_id, .. } => Some(scope_id),
                        _ => None,
                    };
                    s.registry.auth_for(id.device_id, scope)
                })
                .map(|_| ())
        };
        match verdict {
            Ok(()) => AuthDecision::Accept(Box::default()),
            Err(rejection) => {
                let code = match request.protocol {
                    iotmqtt::ProtocolVersion::V311 => format!("{}", rejection.return_code()),
                    iotmqtt::ProtocolVersion::V5 => {
                        format!("0x{:02X}", rejection.connect_reason() as u8)
                    }
                };
                self.hub.log.line(format!(
                    "{}: login refused (CONNACK {code}): {rejection}",
                    request.client_id
                ));
                AuthDecision::Reject(rejection.connect_reason().into())
            }
        }
    }

    fn authorize_subscribe(
        &mut self,
        client_id: &str,
        filter: &str,
        qos: QoS,
    ) -> Result<QoS, SubAckReason> {
        let device = ClientId::parse(client_id).map_or(client_id, |c| c.device_id);
        let own = format!("$oc/devices/{device}/");
        if filter.starts_with("$oc/") && !filter.starts_with(&own) {
            self.hub.log.line(format!(
                "{device}: refused a subscription to {filter} (another device's topics)"
            ));
            return Err(SubAckReason::NotAuthorized);
        }
        Ok(qos)
    }
}

/// Who is logged in on this connection.
#[derive(Debug, Clone)]
struct Login {
    device_id: String,
    client_id: String,
}

struct Connection {
    hub: Arc<Hub>,
    id: u64,
    session: ServerSession,
    login: Option<Login>,
    out: Vec<u8>,
    closed: bool,
}

impl Connection {
    fn name(&self) -> &str {
        self.login
            .as_ref()
            .map_or("(no login)", |l| l.device_id.as_str())
    }

    /// Takes every event and every byte to send (events can queue output).
    fn drain(&mut self) {
        loop {
            let now = self.hub.now();
            let _ = self.session.poll_transmit(now, &mut self.out);
            let Some(event) = self.session.poll_event() else {
                break;
            };
            self.on_event(event);
        }
    }

    fn on_event(&mut self, event: ServerEvent) {
        let hub = Arc::clone(&self.hub);
        match event {
            ServerEvent::Connected(c) => {
                let device_id = ClientId::parse(&c.client_id)
                    .map_or_else(|_| c.client_id.clone(), |id| id.device_id.to_owned());
                hub.online(self.id, &device_id, &c.client_id);
                hub.log.line(format!(
                    "{device_id}: connected (MQTT {}, keep-alive {} s, client id {})",
                    c.protocol, c.keep_alive, c.client_id
                ));
                self.login = Some(Login {
                    device_id: device_id.clone(),
                    client_id: c.client_id,
                });
                platform::on_connect(&hub, &device_id);
            }
            ServerEvent::Publish(p) => {
                let Some(login) = self.login.clone() else {
                    return;
                };
                let me = login.device_id.as_str();
                let routed = match Topic::parse(&p.message.topic) {
                    Topic::Custom(_) => true,
                    Topic::User { device_id, .. } => device_id == me,
                    _ => false,
                };
                if routed {
                    // The publisher's own matching subscriptions (No Local is the session's call).
                    let now = hub.now();
                    let _ = self.session.deliver(now, &p.message, true);
                }
                let from = Publisher {
                    conn: self.id,
                    device_id: me,
                    client_id: &login.client_id,
                };
                platform::device_publish(&hub, &from, p.message);
            }
            ServerEvent::Subscribed(s) => {
                self.update_filters();
                for o in &s.outcomes {
                    let result = match o.result {
                        Ok(q) => format!("granted QoS {}", q as u8),
                        Err(code) => format!("refused {code}"),
                    };
                    hub.log.line(format!(
                        "{}: subscribed to {} ({result})",
                        self.name(),
                        o.filter
                    ));
                }
            }
            ServerEvent::Unsubscribed(u) => {
                self.update_filters();
                hub.log.line(format!(
                    "{}: unsubscribed from {}",
                    self.name(),
                    u.removed.join(", ")
                ));
            }
            ServerEvent::Dropped(d) => hub.log.line(format!(
                "{}: dropped a message on {} ({:?})",
                self.name(),
                d.topic,
                d.reason
            )),
            ServerEvent::Closed { cause, .. } => {
                self.closed = true;
                let why = match cause {
                    CloseCause::Refused(reason) => match self.session.protocol_version() {
                        Some(iotmqtt::ProtocolVersion::V311) => format!(
                            "refused: CONNACK {} ({})",
                            iotmqtt::server::v3_connack_reason(reason)
                                .to_v3_return_code()
                                .unwrap_or(5),
                            reason.name()
                        ),
                        _ => format!("refused: CONNACK {reason}"),
                    },
                    CloseCause::ClientDisconnect { .. } => "disconnected".to_owned(),
                    CloseCause::ServerDisconnect(reason) => {
                        format!("disconnected by the emulator: {reason}")
                    }
                    CloseCause::PeerFault(e) => {
                        format!("closed, the client broke the protocol: {e}")
                    }
                    CloseCause::Timeout(t) => format!("closed: {t} timeout"),
                    CloseCause::TransportClosed => "connection lost".to_owned(),
                    other => format!("closed: {other:?}"),
                };
                hub.log.line(format!("{}: {why}", self.name()));
            }
            _ => {}
        }
    }

    fn update_filters(&self) {
        let filters = self
            .session
            .subscriptions()
            .map(|s| s.filter.clone())
            .collect();
        self.hub.set_filters(self.id, filters);
    }

    /// Feeds bytes from the client; a full event queue is drained and the same bytes retried.
    fn feed(&mut self, bytes: &[u8]) {
        loop {
            let now = self.hub.now();
            match self.session.handle_bytes(now, bytes) {
                Err(Error::Usage(UsageError::QueueFull)) => self.drain(),
                _ => return,
            }
        }
    }

    fn command(&mut self, command: ToConn) {
        let now = self.hub.now();
        match command {
            ToConn::Route(message) => {
                if let Err(e) = self.session.deliver(now, &message, false) {
                    self.hub.log.line(format!(
                        "{}: cannot deliver on {}: {e}",
                        self.name(),
                        message.topic
                    ));
                }
            }
            ToConn::Platform { message, implicit } => {
                let topic = message.topic.clone();
                match self.session.deliver(now, &message, false) {
                    Ok(Delivery::NoMatch) if implicit => {
                        let mut message = message;
                        message.qos = QoS::AtMostOnce;
                        if let Err(e) = self.session.publish(now, message) {
                            self.hub
                                .log
                                .line(format!("{}: cannot send {topic}: {e}", self.name()));
                        }
                    }
                    Ok(Delivery::NoMatch) => self.hub.log.line(format!(
                        "{}: not subscribed to {topic}; the message is dropped",
                        self.name()
                    )),
                    Ok(_) => {}
                    Err(e) => self
                        .hub
                        .log
                        .line(format!("{}: cannot send {topic}: {e}", self.name())),
                }
            }
            ToConn::Displace => {
                let _ = self.session.disconnect(
                    now,
                    DisconnectReason::SessionTakenOver,
                    Some("the device connected again"),
                );
            }
        }
    }
}

/// Serves one client until it goes away or the emulator shuts down.
pub(crate) async fn serve(
    hub: Arc<Hub>,
    mut transport: Transport,
    peer: String,
    mut shutdown: watch::Receiver<bool>,
) {
    let (tx, mut rx) = mpsc::channel(QUEUE);
    let id = hub.open(tx, transport.name(), peer);
    let auth = LoginCheck {
        hub: Arc::clone(&hub),
    };
    let session = ServerSession::with_authenticator(server_config(), hub.now(), Box::new(auth));
    let mut c = Connection {
        hub: Arc::clone(&hub),
        id,
        session,
        login: None,
        out: Vec::new(),
        closed: false,
    };
    let mut buf = Vec::new();
    let mut stopping = *shutdown.borrow();
    if stopping {
        let _ = c
            .session
            .disconnect(hub.now(), DisconnectReason::ServerShuttingDown, None);
    }
    loop {
        c.drain();
        if !c.out.is_empty() {
            let written = transport.write(&c.out).await;
            c.out.clear();
            if written.is_err() {
                c.session.handle_closed(hub.now());
                c.drain();
                c.out.clear();
            }
        }
        if c.closed {
            break;
        }
        let deadline = c.session.poll_timeout().map_or_else(
            || tokio::time::Instant::now() + Duration::from_secs(3600),
            |d| hub.deadline(d),
        );
        tokio::select! {
            read = transport.read(&mut buf) => match read {
                Ok(true) => c.feed(&buf),
                _ => c.session.handle_closed(hub.now()),
            },
            Some(command) = rx.recv() => c.command(command),
            () = tokio::time::sleep_until(deadline) => c.session.handle_timeout(hub.now()),
            _ = shutdown.changed(), if !stopping => {
                stopping = true;
                let _ = c.session.disconnect(hub.now(), DisconnectReason::ServerShuttingDown, None);
            }
        }
    }
    transport.shutdown().await;
    hub.close(id);
    if let Some(login) = &c.login {
        let still = hub.lock().is_online(&login.device_id);
        if !still {
            hub.log.line(format!("{}: offline", login.device_id));
        }
    }
}
