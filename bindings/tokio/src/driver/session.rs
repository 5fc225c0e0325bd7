//! The session's side: its timer, its output (bytes, then events), and the driver's answers
//! to it (credentials, the end of a connection).

use std::task::Context;

use iotmqtt::client::{self, State};

use super::{Driver, HIGH_WATER, Waiter};
use crate::client::{PublishAck, SubscribeAck, UnsubscribeAck};
use crate::error::{Error, LoginError};
use crate::event::Event;
use crate::options::LoginRequest;

impl Driver {
    pub(super) fn poll_timer(&mut self, cx: &mut Context<'_>) -> bool {
        let deadline = self.core.poll_timeout();
        match self.timer.poll(cx, &self.clock, deadline) {
            Some(now) => {
                self.core.handle_timeout(now);
                true
            }
            None => false,
        }
    }

    /// Takes the session's output: bytes for the transport, then events, until it has none.
    pub(super) fn drive_core(&mut self) -> bool {
        let mut progress = false;
        loop {
            let mut worked = false;
            if self.link.unwritten() < HIGH_WATER {
                let now = self.clock.now();
                if self.core.poll_transmit(now, self.link.out()) > 0 {
                    worked = true;
                    if !self.link.is_up() {
                        // No transport for them (cannot happen with a consistent session).
                        self.link.clear_out();
                    }
                }
            }
            while let Some(event) = self.core.poll_event() {
                worked = true;
                self.core_event(event);
            }
            if !worked {
                return progress;
            }
            progress = true;
        }
    }

    pub(super) fn core_event(&mut self, event: client::Event) {
        use client::Event as E;
        match event {
            E::CredentialsNeeded => self.login(),
            E::PersistRequired => {
                if let Some(store) = self.store.as_mut() {
                    store(&self.core.snapshot());
                }
            }
            E::MessagesDropped { count } => self.count_dropped(count, 0),
            E::Message(message) => self.push_message(message),
            E::PublishAcked {
                packet_id,
                reason,
                ref properties,
            }
            | E::PublishCompleted {
                packet_id,
                reason,
                ref properties,
            } => {
                if let Some(Waiter::Publish(reply)) = self.waiters.remove(&packet_id.get()) {
                    let result = if reason.is_error() {
                        Err(Error::Rejected(reason))
                    } else {
                        Ok(PublishAck {
                            packet_id: Some(packet_id),
                            reason,
                            properties: properties.clone(),
                        })
                    };
                    let _ = reply.send(result);
                }
                self.push_app(Event::Mqtt(event));
            }
            E::PublishDropped {
                packet_id: Some(packet_id),
                reason,
            } => {
                if let Some(Waiter::Publish(reply)) = self.waiters.remove(&packet_id.get()) {
                    let _ = reply.send(Err(Error::Dropped(reason)));
                }
                self.push_app(Event::Mqtt(event));
            }
            E::RequestDropped { packet_id, reason } => {
                match self.waiters.remove(&packet_id.get()) {
                    Some(Waiter::Subscribe(reply)) => {
                        let _ = reply.send(Err(Error::Dropped(reason)));
                    }
                    Some(Waiter::Unsubscribe(reply)) => {
                        let _ = reply.send(Err(Error::Dropped(reason)));
                    }
                    Some(other) => {
                        self.waiters.insert(packet_id.get(), other);
                    }
                    None => {}
                }
                self.push_app(Event::Mqtt(event));
            }
            E::Subscribed {
                packet_id,
                ref reasons,
                ref properties,
                resubscribe: false,
            } => {
                if let Some(Waiter::Subscribe(reply)) = self.waiters.remove(&packet_id.get()) {
                    let _ = reply.send(Ok(SubscribeAck {
                        packet_id,
                        reasons: reasons.clone(),
                        properties: properties.clone(),
                    }));
                }
                self.push_app(Event::Mqtt(event));
            }
            E::Unsubscribed {
                packet_id,
                ref reasons,
                ref properties,
            } => {
                if let Some(Waiter::Unsubscribe(reply)) = self.waiters.remove(&packet_id.get()) {
                    let _ = reply.send(Ok(UnsubscribeAck {
                        packet_id,
                        reasons: reasons.clone(),
                        properties: properties.clone(),
                    }));
                }
                self.push_app(Event::Mqtt(event));
            }
            E::ReconnectDue { attempt } => {
                self.attempt = attempt;
                self.push_app(Event::Mqtt(event));
            }
            E::ConnectionLost(_) | E::Disconnected => {
                self.close_link();
                self.push_app(Event::Mqtt(event));
                if self.core.state() == State::Idle {
                    self.begin_stop();
                }
            }
            other => self.push_app(Event::Mqtt(other)),
        }
    }

    /// Answers `CredentialsNeeded` through the callback.
    pub(super) fn login(&mut self) {
        let Some(callback) = self.login.as_mut() else {
            return;
        };
        let request = LoginRequest {
            attempt: self.attempt,
        };
        let result = callback(request).and_then(|login| {
            if let Some(id) = login.client_id.as_deref() {
                self.core.set_client_id(id).map_err(LoginError::new)?;
            }
            self.core
                .set_credentials(
                    login.username.as_deref(),
                    login.password.as_ref().map(client::Password::expose),
                )
                .map_err(LoginError::new)
        });
        if let Err(e) = result {
            self.push_app(Event::Login(e));
            self.link.down();
            self.core.handle_closed(self.clock.now());
        }
    }

    pub(super) fn begin_stop(&mut self) {
        if self.stopping {
            return;
        }
        self.stopping = true;
        self.link.cancel_opening();
        // Commands still queued, and every future waiting for an acknowledgement, fail with
        // `Closed` (their reply senders are dropped).
        self.commands.close();
        while self.commands.try_recv().is_ok() {}
        self.waiters.clear();
    }
}
