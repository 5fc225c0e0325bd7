//! The transport: opened when the session wants one, read, written, closed.

use std::task::Context;

use iotmqtt::client::State;

use super::Driver;
use crate::error::TransportError;
use crate::event::Event;

impl Driver {
    pub(super) fn poll_link(&mut self, cx: &mut Context<'_>) -> bool {
        if self.link.is_down() && !self.stopping && self.core.state() == State::WaitingForTransport
        {
            self.link.open(&self.connector, self.connect_timeout);
        }
        let Some(result) = self.link.poll_opened(cx) else {
            return false;
        };
        let now = self.clock.now();
        match result {
            Ok(io) => {
                self.core.handle_connected(now);
                // The session may no longer want it (disconnected meanwhile): then it is dropped.
                if self.core.state().has_transport() {
                    self.link.up(io);
                }
            }
            Err(e) => {
                self.push_app(Event::Transport(e));
                self.core.handle_closed(now);
            }
        }
        true
    }

    pub(super) fn poll_read(&mut self, cx: &mut Context<'_>) -> bool {
        let core = &mut self.core;
        let clock = self.clock;
        let pass = self.link.poll_read(cx, &self.connector, |bytes| {
            core.handle_bytes(clock.now(), bytes);
            core.state().has_transport()
        });
        if let Some(error) = pass.ended {
            self.link_failed(error);
        }
        pass.progress
    }

    pub(super) fn poll_write(&mut self, cx: &mut Context<'_>) -> bool {
        match self.link.poll_write(cx, &self.connector) {
            Ok(progress) => progress,
            Err(error) => {
                self.link_failed(Some(error));
                true
            }
        }
    }

    /// The transport closed or broke: tell the session (which reports `ConnectionLost`).
    pub(super) fn link_failed(&mut self, error: Option<TransportError>) {
        if let Some(e) = error {
            self.push_app(Event::Transport(e));
        }
        self.link.down();
        self.core.handle_closed(self.clock.now());
    }

    /// The session ended the connection: write what it still had to say (a DISCONNECT), then
    /// close the transport, in the background unless the client is stopping.
    pub(super) fn close_link(&mut self) {
        if self.link.is_up() {
            let _ = self.core.poll_transmit(self.clock.now(), self.link.out());
        }
        let Some(drain) = self.link.close() else {
            return;
        };
        if self.core.state() == State::Idle {
            self.closing = Some(drain);
        } else {
            tokio::spawn(drain);
        }
    }
}
