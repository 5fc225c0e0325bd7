//! MQTT over WebSocket (MQTT 5.0 §6): the `mqtt` subprotocol, binary frames only, carried as a
//! byte stream so the session sees the same bytes as over TCP.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use futures_sink::Sink;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use crate::error::ConfigError;

/// The subprotocol MQTT uses over WebSocket.
pub(crate) const SUBPROTOCOL: &str = "mqtt";

/// The URL for `scheme://host:port/path`, checked when the endpoint is built.
pub(crate) fn url(secure: bool, host: &str, port: u16, path: &str) -> Result<String, ConfigError> {
    if !path.starts_with('/') {
        return Err(ConfigError::InvalidUrl(format!(
            "the path must start with '/': {path:?}"
        )));
    }
    let scheme = if secure { "wss" } else { "ws" };
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let url = format!("{scheme}://{host}:{port}{path}");
    url.as_str()
        .into_client_request()
        .map_err(|e| ConfigError::InvalidUrl(e.to_string()))?;
    Ok(url)
}

/// Upgrades `stream` to a WebSocket that asks for the `mqtt` subprotocol; fails unless the
/// server chooses it.
pub(crate) async fn handshake<S>(
    stream: S,
    url: &str,
    max_frame: usize,
) -> Result<WsStream<S>, tokio_tungstenite::tungstenite::Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static(SUBPROTOCOL),
    );
    let mut config = WebSocketConfig::default();
    config.max_message_size = Some(max_frame);
    config.max_frame_size = Some(max_frame);
    let (ws, response) =
        tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await?;
    let chosen = response
        .headers()
        .get("Sec-WebSocket-Protocol")
        .and_then(|v| v.to_str().ok());
    if chosen != Some(SUBPROTOCOL) {
        return Err(tokio_tungstenite::tungstenite::Error::Protocol(
            tokio_tungstenite::tungstenite::error::ProtocolError::SecWebSocketSubProtocolError(
                tokio_tungstenite::tungstenite::error::SubProtocolError::NoSubProtocol,
            ),
        ));
    }
    Ok(WsStream {
        ws,
        pending: Bytes::new(),
    })
}

/// A WebSocket seen as a byte stream: each write is one binary message, reads return the
/// payloads of binary messages in order. A text message is an error (MQTT-6.0.0-1); a close
/// message ends the stream.
pub(crate) struct WsStream<S> {
    ws: WebSocketStream<S>,
    /// The unread rest of the last binary message.
    pending: Bytes,
}

fn to_io(e: tokio_tungstenite::tungstenite::Error) -> io::Error {
    use tokio_tungstenite::tungstenite::Error as E;
    match e {
        E::Io(e) => e,
        E::ConnectionClosed | E::AlreadyClosed => io::Error::from(io::ErrorKind::BrokenPipe),
        other => io::Error::new(io::ErrorKind::InvalidData, other),
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for WsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            if !self.pending.is_empty() {
                let n = self.pending.len().min(buf.remaining());
                let chunk = self.pending.split_to(n);
                buf.put_slice(&chunk);
                return Poll::Ready(Ok(()));
            }
            match ready!(Pin::new(&mut self.ws).poll_next(cx)) {
                Some(Ok(Message::Binary(data))) => self.pending = data,
                Some(Ok(Message::Text(_))) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "text frame on an MQTT WebSocket (only binary frames are allowed)",
                    )));
                }
                // Pings are answered by tungstenite; pongs and raw frames carry no MQTT bytes.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                // End of stream: a close message or the connection ended.
                Some(Ok(Message::Close(_))) | None => return Poll::Ready(Ok(())),
                Some(Err(e)) => return Poll::Ready(Err(to_io(e))),
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for WsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(Pin::new(&mut self.ws).poll_ready(cx)).map_err(to_io)?;
        Pin::new(&mut self.ws)
            .start_send(Message::Binary(Bytes::copy_from_slice(buf)))
            .map_err(to_io)?;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.ws).poll_flush(cx).map_err(to_io)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.ws).poll_close(cx).map_err(to_io)
    }
}
