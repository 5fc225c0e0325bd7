//! The transport: opened when the session wants one, read, written, closed.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use iotmqtt::client::State;
use tokio::io::{AsyncWriteExt, ReadBuf};

use super::{DRAIN_TIMEOUT, Driver, Link, OUT_KEEP, READ_BATCH, READ_CHUNK};
use crate::error::{TransportError, TransportErrorKind};
use crate::event::Event;

impl Driver {
    pub(super) fn poll_link(&mut self, cx: &mut Context<'_>) -> bool {
        if matches!(self.link, Link::Down)
            && !self.stopping
            && self.core.state() == State::WaitingForTransport
        {
            let connector = Arc::clone(&self.connector);
            let timeout = self.connect_timeout;
            self.link = Link::Opening(Box::pin(async move { connector.open(timeout).await }));
        }
        let Link::Opening(opening) = &mut self.link else {
            return false;
        };
        let Poll::Ready(result) = opening.as_mut().poll(cx) else {
            return false;
        };
        self.link = Link::Down;
        let now = self.clock.now();
        match result {
            Ok(io) => {
                self.core.handle_connected(now);
                // The session may no longer want it (disconnected meanwhile): then it is dropped.
                if self.core.state().has_transport() {
                    self.out.clear();
                    self.written = 0;
                    self.flush_needed = false;
                    self.link = Link::Up(io);
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
        let Link::Up(io) = &mut self.link else {
            return false;
        };
        let mut progress = false;
        let mut failure = None;
        let mut chunk = [0u8; READ_CHUNK];
        for _ in 0..READ_BATCH {
            let mut buf = ReadBuf::new(&mut chunk);
            match Pin::new(&mut **io).poll_read(cx, &mut buf) {
                Poll::Pending => break,
                Poll::Ready(Ok(())) => {
                    progress = true;
                    if buf.filled().is_empty() {
                        // The peer closed the connection.
                        failure = Some(None);
                        break;
                    }
                    self.core.handle_bytes(self.clock.now(), buf.filled());
                    if !self.core.state().has_transport() {
                        break;
                    }
                }
                Poll::Ready(Err(e)) => {
                    failure = Some(Some(self.connector.error(TransportErrorKind::Read, e)));
                    break;
                }
            }
        }
        if let Some(error) = failure {
            self.link_failed(error);
        }
        progress
    }

    pub(super) fn poll_write(&mut self, cx: &mut Context<'_>) -> bool {
        let Link::Up(io) = &mut self.link else {
            return false;
        };
        let mut progress = false;
        let mut failure: Option<io::Error> = None;
        while self.written < self.out.len() {
            let pending = self.out.get(self.written..).unwrap_or_default();
            match Pin::new(&mut **io).poll_write(cx, pending) {
                Poll::Pending => break,
                Poll::Ready(Ok(0)) => {
                    failure = Some(io::ErrorKind::WriteZero.into());
                    break;
                }
                Poll::Ready(Ok(n)) => {
                    self.written = self.written.saturating_add(n);
                    self.flush_needed = true;
                    progress = true;
                }
                Poll::Ready(Err(e)) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if failure.is_none() && self.written >= self.out.len() {
            if self.out.capacity() > OUT_KEEP {
                self.out = Vec::new();
            } else {
                self.out.clear();
            }
            self.written = 0;
            if self.flush_needed {
                match Pin::new(&mut **io).poll_flush(cx) {
                    Poll::Ready(Ok(())) => {
                        self.flush_needed = false;
                        progress = true;
                    }
                    Poll::Ready(Err(e)) => failure = Some(e),
                    Poll::Pending => {}
                }
            }
        }
        if let Some(e) = failure {
            let error = self.connector.error(TransportErrorKind::Write, e);
            self.link_failed(Some(error));
            progress = true;
        }
        progress
    }

    pub(super) fn clear_out(&mut self) {
        if self.out.capacity() > OUT_KEEP {
            self.out = Vec::new();
        } else {
            self.out.clear();
        }
        self.written = 0;
    }

    /// The transport closed or broke: tell the session (which reports `ConnectionLost`).
    pub(super) fn link_failed(&mut self, error: Option<TransportError>) {
        if let Some(e) = error {
            self.push_app(Event::Transport(e));
        }
        self.link = Link::Down;
        self.clear_out();
        self.flush_needed = false;
        self.core.handle_closed(self.clock.now());
    }

    /// The session ended the connection: write what it still had to say (a DISCONNECT), then
    /// close the transport, in the background unless the client is stopping.
    pub(super) fn close_link(&mut self) {
        let link = std::mem::replace(&mut self.link, Link::Down);
        let Link::Up(mut io) = link else {
            self.clear_out();
            return;
        };
        let _ = self.core.poll_transmit(self.clock.now(), &mut self.out);
        let rest = self.out.split_off(self.written.min(self.out.len()));
        self.clear_out();
        self.flush_needed = false;
        let drain = async move {
            let _ = tokio::time::timeout(DRAIN_TIMEOUT, async {
                io.write_all(&rest).await?;
                io.shutdown().await
            })
            .await;
        };
        if self.core.state() == State::Idle {
            self.closing = Some(Box::pin(drain));
        } else {
            tokio::spawn(drain);
        }
    }
}
