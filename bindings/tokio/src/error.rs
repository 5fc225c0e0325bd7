//! What can go wrong: [`Error`] for commands, [`ConfigError`] for options, [`TransportError`]
//! for connections and [`LoginError`] for the credentials callback. None of them ever holds a
//! password or a secret.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use iotmqtt::ReasonCode;
use iotmqtt::client::DropReason;

/// Why a command of an [`AsyncClient`](crate::AsyncClient) failed.
///
/// ```
/// use iotmqtt_tokio::Error;
/// let e = Error::Mqtt(iotmqtt::UsageError::QueueFull.into());
/// assert_eq!(e.to_string(), "queue full");
/// assert!(Error::Closed.to_string().contains("stopped"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The session refused the command at once (an invalid topic, a full queue, a QoS the
    /// server does not allow, a command in the wrong state …). Nothing was sent.
    Mqtt(iotmqtt::Error),
    /// The server answered with a failure reason code (PUBACK, PUBREC, PUBCOMP, SUBACK or
    /// UNSUBACK at 0x80 and above).
    Rejected(ReasonCode),
    /// The session gave the message, SUBSCRIBE or UNSUBSCRIBE up without an acknowledgement
    /// (see [`DropReason`]).
    Dropped(DropReason),
    /// The event loop has stopped (after `disconnect`, a final connection loss, or because
    /// every handle and the event stream were dropped).
    Closed,
    /// The options cannot be used (returned by `connect`).
    Config(ConfigError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Mqtt(e) => write!(f, "{e}"),
            Error::Rejected(code) => write!(f, "the server refused: {code}"),
            Error::Dropped(reason) => write!(f, "given up unacknowledged: {}", reason.code()),
            Error::Closed => f.write_str("the MQTT event loop has stopped"),
            Error::Config(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Mqtt(e) => Some(e),
            Error::Config(e) => Some(e),
            _ => None,
        }
    }
}

impl From<iotmqtt::Error> for Error {
    fn from(e: iotmqtt::Error) -> Self {
        Error::Mqtt(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

/// Options that cannot be used: reported by `connect`, before anything is opened.
///
/// ```
/// use iotmqtt_tokio::TlsOptions;
/// let err = TlsOptions::ca_file("/nonexistent/ca.pem").build("localhost").unwrap_err();
/// assert!(err.to_string().contains("/nonexistent/ca.pem"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ConfigError {
    /// The client configuration is invalid (the core's `ClientConfig::validate`).
    Client(iotmqtt::Error),
    /// A file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: Arc<io::Error>,
    },
    /// A PEM input holds no certificate (CA or client certificate).
    NoCertificate(String),
    /// A PEM input holds no usable private key.
    NoPrivateKey(String),
    /// The TLS library refused the configuration (for example a key that does not match the
    /// certificate).
    Tls(rustls::Error),
    /// The host (or the SNI name) is not a valid DNS name or IP address.
    InvalidServerName(String),
    /// The WebSocket URL cannot be built from the host, port and path.
    InvalidUrl(String),
    /// No trust anchors: the system store is empty or unreadable, or the roots feature is off.
    NoRoots(String),
    /// An option this driver does not support.
    Unsupported(&'static str),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Client(e) => write!(f, "{e}"),
            ConfigError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            ConfigError::NoCertificate(what) => write!(f, "no certificate in {what}"),
            ConfigError::NoPrivateKey(what) => write!(f, "no private key in {what}"),
            ConfigError::Tls(e) => write!(f, "TLS configuration: {e}"),
            ConfigError::InvalidServerName(name) => {
                write!(f, "not a valid server name: {name:?}")
            }
            ConfigError::InvalidUrl(why) => write!(f, "invalid WebSocket URL: {why}"),
            ConfigError::NoRoots(why) => write!(f, "no trusted root certificates: {why}"),
            ConfigError::Unsupported(what) => write!(f, "not supported: {what}"),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Client(e) => Some(e),
            ConfigError::Read { source, .. } => Some(source.as_ref()),
            ConfigError::Tls(e) => Some(e),
            _ => None,
        }
    }
}

/// Which step of a connection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Resolving the host or opening the TCP connection (refused, unreachable …).
    Connect,
    /// Opening the transport took longer than the connect timeout.
    Timeout,
    /// The TLS handshake (certificate not trusted, name mismatch, client certificate refused …).
    Tls,
    /// The WebSocket upgrade (bad status, the server did not choose the `mqtt` subprotocol …)
    /// or a WebSocket protocol error later on (for example a text frame).
    WebSocket,
    /// Reading from an open connection.
    Read,
    /// Writing to an open connection.
    Write,
}

/// A connection that could not be opened or that broke. The session then reports
/// `ConnectionLost` and reconnects after its backoff delay.
///
/// ```
/// use iotmqtt_tokio::{TransportError, TransportErrorKind};
/// let e = TransportError::new(
///     TransportErrorKind::Connect,
///     "127.0.0.1:1",
///     std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
/// );
/// assert_eq!(e.kind(), TransportErrorKind::Connect);
/// assert_eq!(e.io_error_kind(), Some(std::io::ErrorKind::ConnectionRefused));
/// assert!(e.to_string().starts_with("cannot connect to 127.0.0.1:1"));
/// ```
#[derive(Debug, Clone)]
pub struct TransportError {
    kind: TransportErrorKind,
    endpoint: String,
    source: Arc<dyn std::error::Error + Send + Sync>,
}

impl TransportError {
    /// An error of `kind` on the connection to `endpoint` (`host:port`), caused by `source`.
    pub fn new(
        kind: TransportErrorKind,
        endpoint: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        TransportError {
            kind,
            endpoint: endpoint.into(),
            source: Arc::from(source.into()),
        }
    }

    /// Which step failed.
    #[must_use]
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The `host:port` the connection was for.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The kind of the underlying I/O error, if it is one (for example `ConnectionRefused`).
    #[must_use]
    pub fn io_error_kind(&self) -> Option<io::ErrorKind> {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(self.source.as_ref());
        while let Some(e) = cause {
            if let Some(io) = e.downcast_ref::<io::Error>() {
                return Some(io.kind());
            }
            cause = e.source();
        }
        None
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = match self.kind {
            TransportErrorKind::Connect => "cannot connect to",
            TransportErrorKind::Timeout => "timed out connecting to",
            TransportErrorKind::Tls => "TLS handshake failed with",
            TransportErrorKind::WebSocket => "WebSocket error with",
            TransportErrorKind::Read => "read error from",
            TransportErrorKind::Write => "write error to",
        };
        write!(f, "{step} {}: {}", self.endpoint, self.source)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}

/// The credentials callback failed, or returned values MQTT cannot carry. The transport is
/// closed and the session retries after its backoff delay.
///
/// ```
/// use iotmqtt_tokio::LoginError;
/// let e = LoginError::new("token service unavailable");
/// assert_eq!(e.to_string(), "cannot get credentials: token service unavailable");
/// ```
#[derive(Debug, Clone)]
pub struct LoginError {
    source: Arc<dyn std::error::Error + Send + Sync>,
}

impl LoginError {
    /// A login failure caused by `source` (its message must not contain a secret).
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        LoginError {
            source: Arc::from(source.into()),
        }
    }
}

impl fmt::Display for LoginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot get credentials: {}", self.source)
    }
}

impl std::error::Error for LoginError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}
