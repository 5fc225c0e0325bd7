//! The ways a client reaches the emulator: plain TCP, TLS (MQTTS), and MQTT over WebSocket
//! (binary frames, subprotocol `mqtt`) on TCP or on TLS (wss). The connection loop sees only
//! [`Transport::read`] and [`Transport::write`].

use std::io;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};

/// Bytes read from a stream at once.
const READ_CHUNK: usize = 4096;

/// A client's byte stream.
pub(crate) enum Transport {
    /// MQTT over TCP.
    Tcp(TcpStream),
    /// MQTT over TLS.
    Tls(Box<TlsStream<TcpStream>>),
    /// MQTT over WebSocket.
    Ws(Box<WebSocketStream<TcpStream>>),
    /// MQTT over WebSocket over TLS.
    Wss(Box<WebSocketStream<TlsStream<TcpStream>>>),
}

impl Transport {
    /// `"tcp"`, `"tls"`, `"ws"` or `"wss"`.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Transport::Tcp(_) => "tcp",
            Transport::Tls(_) => "tls",
            Transport::Ws(_) => "ws",
            Transport::Wss(_) => "wss",
        }
    }

    /// Reads the next bytes into `buf` (replacing its content); `false` when the peer closed.
    /// Cancel-safe: nothing is lost when the future is dropped before it completes.
    pub(crate) async fn read(&mut self, buf: &mut Vec<u8>) -> io::Result<bool> {
        match self {
            Transport::Tcp(s) => read_stream(s, buf).await,
            Transport::Tls(s) => read_stream(s.as_mut(), buf).await,
            Transport::Ws(ws) => read_ws(ws.as_mut(), buf).await,
            Transport::Wss(ws) => read_ws(ws.as_mut(), buf).await,
        }
    }

    /// Writes `data` whole.
    pub(crate) async fn write(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Transport::Tcp(s) => s.write_all(data).await,
            Transport::Tls(s) => {
                s.write_all(data).await?;
                // rustls buffers records: push them out now.
                s.flush().await
            }
            Transport::Ws(ws) => write_ws(ws.as_mut(), data).await,
            Transport::Wss(ws) => write_ws(ws.as_mut(), data).await,
        }
    }

    /// Closes the write side (a TLS close_notify, a WebSocket close frame).
    pub(crate) async fn shutdown(&mut self) {
        match self {
            Transport::Tcp(s) => {
                let _ = s.shutdown().await;
            }
            Transport::Tls(s) => {
                let _ = s.shutdown().await;
            }
            Transport::Ws(ws) => {
                let _ = WebSocketStream::close(ws.as_mut(), None).await;
            }
            Transport::Wss(ws) => {
                let _ = WebSocketStream::close(ws.as_mut(), None).await;
            }
        }
    }
}

/// One read of a byte stream (cancel-safe: `read` either completes or reads nothing).
async fn read_stream<S>(s: &mut S, buf: &mut Vec<u8>) -> io::Result<bool>
where
    S: AsyncRead + Unpin,
{
    buf.resize(READ_CHUNK, 0);
    let n = s.read(buf).await?;
    buf.truncate(n);
    Ok(n > 0)
}

/// The next binary frame of a WebSocket.
async fn read_ws<S>(ws: &mut WebSocketStream<S>, buf: &mut Vec<u8>) -> io::Result<bool>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        match ws.next().await {
            None => return Ok(false),
            Some(Err(e)) => return Err(io::Error::other(e)),
            Some(Ok(Message::Binary(data))) => {
                buf.clear();
                buf.extend_from_slice(&data);
                return Ok(true);
            }
            Some(Ok(Message::Close(_))) => return Ok(false),
            // MQTT is carried in binary frames only [MQTT-6.0.0-1].
            Some(Ok(Message::Text(_))) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a text frame (MQTT needs binary frames)",
                ));
            }
            // Ping, pong and raw frames are the WebSocket layer's business.
            Some(Ok(_)) => {}
        }
    }
}

async fn write_ws<S>(ws: &mut WebSocketStream<S>, data: &[u8]) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    ws.send(Message::binary(data.to_vec()))
        .await
        .map_err(io::Error::other)
}

/// Completes the WebSocket handshake, choosing the `mqtt` subprotocol when the client offers
/// it (a client that offers only others is refused).
pub(crate) async fn accept_ws<S>(stream: S) -> io::Result<WebSocketStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // The callback's signature is tungstenite's; its error is the HTTP response to send.
    #[allow(clippy::result_large_err)]
    let choose = |request: &Request, mut response: Response| -> Result<Response, ErrorResponse> {
        let offered: Vec<String> = request
            .headers()
            .get_all("Sec-WebSocket-Protocol")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(',').map(|p| p.trim().to_owned()))
            .collect();
        if offered.iter().any(|p| p.eq_ignore_ascii_case("mqtt")) {
            response
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("mqtt"));
        } else if !offered.is_empty() {
            let mut refusal = ErrorResponse::new(Some("subprotocol mqtt required".into()));
            *refusal.status_mut() = StatusCode::BAD_REQUEST;
            return Err(refusal);
        }
        Ok(response)
    };
    tokio_tungstenite::accept_hdr_async(stream, choose)
        .await
        .map_err(io::Error::other)
}
