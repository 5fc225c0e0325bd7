//! One transport as a driver task holds it: opening it, reading from it, the bytes the session
//! produced and how many of them are written, and the last write when it closes. Both drivers
//! (the plain client's and the IoTDA device's) use it; it makes no protocol decision: the
//! session says when a transport is wanted and when it is done.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncWriteExt, ReadBuf};

use crate::error::{TransportError, TransportErrorKind};
use crate::transport::{BoxIo, Connector};

/// Reads per pass, so that writes and timers are not starved by a busy peer.
const READ_BATCH: usize = 16;
/// Bytes read at once (on the stack: an idle connection holds no read buffer).
const READ_CHUNK: usize = 8 * 1024;
/// A written-out buffer larger than this is freed rather than kept for the next write.
const OUT_KEEP: usize = 4 * 1024;
/// How long the last bytes of a closed connection (a DISCONNECT) may take to be written.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// A transport being opened (TCP connect, TLS and WebSocket handshakes).
type Opening = Pin<Box<dyn Future<Output = Result<BoxIo, TransportError>> + Send>>;
/// The last write of a closed transport.
pub(crate) type Closing = Pin<Box<dyn Future<Output = ()> + Send>>;

enum State {
    Down,
    Opening(Opening),
    Up(BoxIo),
}

/// The transport of one driver, and the session's bytes waiting for it.
pub(crate) struct Link {
    state: State,
    /// Bytes taken from the session for the open transport; `written` of them are written.
    out: Vec<u8>,
    written: usize,
    flush_needed: bool,
}

/// How a read pass ended.
pub(crate) struct ReadPass {
    /// Bytes were read (or the transport ended).
    pub(crate) progress: bool,
    /// The transport ended: `Some(None)` when the peer closed it, `Some(Some(e))` on an error.
    /// The link is down.
    pub(crate) ended: Option<Option<TransportError>>,
}

impl Link {
    pub(crate) fn new() -> Self {
        Link {
            state: State::Down,
            out: Vec::new(),
            written: 0,
            flush_needed: false,
        }
    }

    pub(crate) fn is_down(&self) -> bool {
        matches!(self.state, State::Down)
    }

    pub(crate) fn is_up(&self) -> bool {
        matches!(self.state, State::Up(_))
    }

    pub(crate) fn is_opening(&self) -> bool {
        matches!(self.state, State::Opening(_))
    }

    /// Starts opening a transport with `connector`.
    pub(crate) fn open(&mut self, connector: &Arc<Connector>, timeout: Duration) {
        let connector = Arc::clone(connector);
        self.state = State::Opening(Box::pin(async move { connector.open(timeout).await }));
    }

    /// Gives up a transport being opened.
    pub(crate) fn cancel_opening(&mut self) {
        if matches!(self.state, State::Opening(_)) {
            self.state = State::Down;
        }
    }

    /// The opening transport, once it is open or failed (the link is down either way until
    /// [`up`](Self::up)).
    pub(crate) fn poll_opened(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Option<Result<BoxIo, TransportError>> {
        let State::Opening(opening) = &mut self.state else {
            return None;
        };
        let Poll::Ready(result) = opening.as_mut().poll(cx) else {
            return None;
        };
        self.state = State::Down;
        Some(result)
    }

    /// Uses `io` from now on, with nothing written yet.
    pub(crate) fn up(&mut self, io: BoxIo) {
        self.clear_out();
        self.flush_needed = false;
        self.state = State::Up(io);
    }

    /// Reads what is there and hands each chunk to `feed`, which returns false when the session
    /// no longer wants this transport (reading stops).
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        connector: &Connector,
        mut feed: impl FnMut(&[u8]) -> bool,
    ) -> ReadPass {
        let mut pass = ReadPass {
            progress: false,
            ended: None,
        };
        let State::Up(io) = &mut self.state else {
            return pass;
        };
        let mut chunk = [0u8; READ_CHUNK];
        for _ in 0..READ_BATCH {
            let mut buf = ReadBuf::new(&mut chunk);
            match Pin::new(&mut **io).poll_read(cx, &mut buf) {
                Poll::Pending => break,
                Poll::Ready(Ok(())) => {
                    pass.progress = true;
                    if buf.filled().is_empty() {
                        // The peer closed the connection.
                        pass.ended = Some(None);
                        break;
                    }
                    if !feed(buf.filled()) {
                        break;
                    }
                }
                Poll::Ready(Err(e)) => {
                    pass.progress = true;
                    pass.ended = Some(Some(connector.error(TransportErrorKind::Read, e)));
                    break;
                }
            }
        }
        if pass.ended.is_some() {
            self.down();
        }
        pass
    }

    /// Bytes taken from the session and not written yet.
    pub(crate) fn unwritten(&self) -> usize {
        self.out.len().saturating_sub(self.written)
    }

    /// Where the session's output goes.
    pub(crate) fn out(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }

    /// Writes what it can; `Err` when the transport broke (the link is then down).
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        connector: &Connector,
    ) -> Result<bool, TransportError> {
        let State::Up(io) = &mut self.state else {
            return Ok(false);
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
            clear(&mut self.out, &mut self.written);
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
        match failure {
            Some(e) => {
                self.down();
                Err(connector.error(TransportErrorKind::Write, e))
            }
            None => Ok(progress),
        }
    }

    /// Forgets the session's unwritten bytes (keeping a small buffer for the next ones).
    pub(crate) fn clear_out(&mut self) {
        clear(&mut self.out, &mut self.written);
    }

    /// Drops the transport (and what was not written to it).
    pub(crate) fn down(&mut self) {
        self.state = State::Down;
        self.clear_out();
        self.flush_needed = false;
    }

    /// Closes the transport after writing what is still unwritten; the link is down at once.
    /// Returns the last write, which the caller polls (or spawns), or `None` when no transport
    /// was open.
    pub(crate) fn close(&mut self) -> Option<Closing> {
        let state = std::mem::replace(&mut self.state, State::Down);
        let State::Up(io) = state else {
            self.down();
            return None;
        };
        let rest = self.out.split_off(self.written.min(self.out.len()));
        self.down();
        Some(drain(io, rest))
    }
}

/// Empties `out`, freeing a large buffer.
fn clear(out: &mut Vec<u8>, written: &mut usize) {
    if out.capacity() > OUT_KEEP {
        *out = Vec::new();
    } else {
        out.clear();
    }
    *written = 0;
}

/// Writes `rest` and shuts the transport down, within [`DRAIN_TIMEOUT`].
fn drain(mut io: BoxIo, rest: Vec<u8>) -> Closing {
    Box::pin(async move {
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, async {
            io.write_all(&rest).await?;
            io.shutdown().await
        })
        .await;
    })
}
