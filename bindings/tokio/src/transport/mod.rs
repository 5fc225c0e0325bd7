//! Where to connect and how: [`Endpoint`] (TCP, TLS, WebSocket, secure WebSocket).

mod tls;
mod ws;

use std::fmt;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

pub use tls::{TlsOptions, TlsSetup};

use crate::error::{ConfigError, TransportError, TransportErrorKind};

/// A byte stream the driver reads and writes: TCP, TLS, or a WebSocket seen as bytes.
pub(crate) trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// An open transport.
pub(crate) type BoxIo = Box<dyn Io>;

#[derive(Debug, Clone)]
enum Kind {
    Tcp,
    Tls(TlsOptions),
    Ws { path: String },
    Wss { path: String, tls: TlsOptions },
}

/// The broker to connect to and the transport to use.
///
/// | constructor | transport | usual port |
/// |---|---|---|
/// | [`Endpoint::tcp`] | MQTT over TCP | 1883 |
/// | [`Endpoint::tls`] | MQTT over TLS (rustls) | 8883 |
/// | [`Endpoint::ws`] | MQTT over WebSocket (`ws://`, subprotocol `mqtt`, binary frames) | 80 |
/// | [`Endpoint::wss`] | MQTT over WebSocket over TLS (`wss://`) | 443 |
///
/// ```
/// use iotmqtt_tokio::{Endpoint, TlsOptions};
/// let plain = Endpoint::tcp("127.0.0.1", 1883);
/// let secure = Endpoint::wss("broker.example.com", 443, "/mqtt", TlsOptions::ca_file("ca.pem"));
/// assert_eq!(plain.to_string(), "mqtt://127.0.0.1:1883");
/// assert_eq!(secure.to_string(), "wss://broker.example.com:443/mqtt");
/// ```
#[derive(Debug, Clone)]
pub struct Endpoint {
    host: String,
    port: u16,
    kind: Kind,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (scheme, path) = match &self.kind {
            Kind::Tcp => ("mqtt", ""),
            Kind::Tls(_) => ("mqtts", ""),
            Kind::Ws { path } => ("ws", path.as_str()),
            Kind::Wss { path, .. } => ("wss", path.as_str()),
        };
        write!(f, "{scheme}://{}:{}{path}", self.host, self.port)
    }
}

impl Endpoint {
    /// MQTT over plain TCP.
    #[must_use]
    pub fn tcp(host: impl Into<String>, port: u16) -> Self {
        Endpoint {
            host: host.into(),
            port,
            kind: Kind::Tcp,
        }
    }

    /// MQTT over TLS.
    ///
    /// ```
    /// use iotmqtt_tokio::{Endpoint, TlsOptions};
    /// let e = Endpoint::tls("iot-mqtts.example.com", 8883, TlsOptions::ca_file("root.pem"));
    /// assert_eq!(e.host(), "iot-mqtts.example.com");
    /// ```
    #[must_use]
    pub fn tls(host: impl Into<String>, port: u16, tls: TlsOptions) -> Self {
        Endpoint {
            host: host.into(),
            port,
            kind: Kind::Tls(tls),
        }
    }

    /// MQTT over WebSocket (`ws://host:port/path`), subprotocol `mqtt`, binary frames.
    #[must_use]
    pub fn ws(host: impl Into<String>, port: u16, path: impl Into<String>) -> Self {
        Endpoint {
            host: host.into(),
            port,
            kind: Kind::Ws { path: path.into() },
        }
    }

    /// MQTT over WebSocket over TLS (`wss://host:port/path`): IoTDA's port 443.
    #[must_use]
    pub fn wss(
        host: impl Into<String>,
        port: u16,
        path: impl Into<String>,
        tls: TlsOptions,
    ) -> Self {
        Endpoint {
            host: host.into(),
            port,
            kind: Kind::Wss {
                path: path.into(),
                tls,
            },
        }
    }

    /// The host name or address.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The same transport (TLS options, WebSocket path) to another host and port: where an
    /// IoTDA bootstrap answer sends a device.
    ///
    /// ```
    /// use iotmqtt_tokio::{Endpoint, TlsOptions};
    /// let bootstrap = Endpoint::tls("iot-bs.example.com", 8883, TlsOptions::ca_file("root.pem"));
    /// let device = bootstrap.at("iot-mqtts.example.com", 8883);
    /// assert_eq!(device.to_string(), "mqtts://iot-mqtts.example.com:8883");
    /// ```
    #[must_use]
    pub fn at(&self, host: impl Into<String>, port: u16) -> Endpoint {
        Endpoint {
            host: host.into(),
            port,
            kind: self.kind.clone(),
        }
    }

    /// Reads the TLS files and checks names and URLs, once, before the first connection.
    pub(crate) fn prepare(&self, max_frame: usize) -> Result<Connector, ConfigError> {
        let kind = match &self.kind {
            Kind::Tcp => Prepared::Tcp,
            Kind::Tls(tls) => Prepared::Tls(tls.build(&self.host)?),
            Kind::Ws { path } => Prepared::Ws {
                url: ws::url(false, &self.host, self.port, path)?,
                tls: None,
            },
            Kind::Wss { path, tls } => Prepared::Ws {
                url: ws::url(true, &self.host, self.port, path)?,
                tls: Some(tls.build(&self.host)?),
            },
        };
        Ok(Connector {
            host: self.host.clone(),
            port: self.port,
            kind,
            max_frame,
        })
    }
}

#[derive(Debug, Clone)]
enum Prepared {
    Tcp,
    Tls(TlsSetup),
    Ws { url: String, tls: Option<TlsSetup> },
}

/// An [`Endpoint`] with its TLS configuration built: opens transports.
#[derive(Debug, Clone)]
pub(crate) struct Connector {
    host: String,
    port: u16,
    kind: Prepared,
    /// Largest WebSocket message accepted (the session's maximum packet size).
    max_frame: usize,
}

impl Connector {
    /// An error on a connection this connector opened.
    pub(crate) fn error(
        &self,
        kind: TransportErrorKind,
        e: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> TransportError {
        TransportError::new(kind, format!("{}:{}", self.host, self.port), e)
    }

    /// Opens a transport within `timeout`.
    pub(crate) async fn open(&self, timeout: Duration) -> Result<BoxIo, TransportError> {
        match tokio::time::timeout(timeout, self.open_inner()).await {
            Ok(result) => result,
            Err(_) => Err(self.error(
                TransportErrorKind::Timeout,
                format!("no connection after {} ms", timeout.as_millis()),
            )),
        }
    }

    async fn open_inner(&self) -> Result<BoxIo, TransportError> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| self.error(TransportErrorKind::Connect, e))?;
        // Small MQTT packets (acknowledgements, PINGREQ) must not wait for Nagle's algorithm.
        tcp.set_nodelay(true)
            .map_err(|e| self.error(TransportErrorKind::Connect, e))?;
        // The TLS and WebSocket handshakes are boxed: their state is large (about 10 KiB),
        // and a plain TCP attempt should not carry it.
        match &self.kind {
            Prepared::Tcp => Ok(Box::new(tcp)),
            Prepared::Tls(tls) => Box::pin(self.tls(tls, tcp)).await,
            Prepared::Ws { url, tls: None } => Box::pin(self.ws(url, tcp)).await,
            Prepared::Ws {
                url,
                tls: Some(tls),
            } => {
                let stream = Box::pin(self.tls_stream(tls, tcp)).await?;
                Box::pin(self.ws(url, stream)).await
            }
        }
    }

    async fn tls_stream(
        &self,
        tls: &TlsSetup,
        tcp: TcpStream,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, TransportError> {
        tls.connector
            .connect(tls.server_name.clone(), tcp)
            .await
            .map_err(|e| self.error(TransportErrorKind::Tls, e))
    }

    async fn tls(&self, tls: &TlsSetup, tcp: TcpStream) -> Result<BoxIo, TransportError> {
        let stream = self.tls_stream(tls, tcp).await?;
        Ok(Box::new(stream))
    }

    async fn ws<S>(&self, url: &str, stream: S) -> Result<BoxIo, TransportError>
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let ws = ws::handshake(stream, url, self.max_frame)
            .await
            .map_err(|e| self.error(TransportErrorKind::WebSocket, e))?;
        Ok(Box::new(ws))
    }
}
