//! [`Options`]: the endpoint, the session configuration, the credentials callback and the
//! driver's own bounds.

use std::fmt;
use std::time::Duration;

use iotmqtt::client::{ClientConfig, Credentials, Password};

use crate::error::LoginError;
use crate::transport::Endpoint;

/// What the credentials callback is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginRequest {
    /// 0 for the first connection, then the session's reconnect attempt since the last stable
    /// connection.
    pub attempt: u32,
}

/// The login for one CONNECT, returned by the credentials callback. `Debug` hides the
/// password.
///
/// ```
/// use iotmqtt_tokio::Login;
/// let login = Login::new().username("device-1").password(b"hunter2".to_vec());
/// assert!(!format!("{login:?}").contains("hunter2"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Login {
    /// A new Client Identifier for this and later CONNECTs (`None` keeps the current one).
    pub client_id: Option<String>,
    /// User Name.
    pub username: Option<String>,
    /// Password (wiped from memory when dropped).
    pub password: Option<Password>,
}

impl Login {
    /// No user name, no password, the same client identifier.
    #[must_use]
    pub fn new() -> Self {
        Login::default()
    }

    /// With this Client Identifier (for logins whose identifier carries the time).
    #[must_use]
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// With this User Name.
    #[must_use]
    pub fn username(mut self, name: impl Into<String>) -> Self {
        self.username = Some(name.into());
        self
    }

    /// With this Password.
    #[must_use]
    pub fn password(mut self, password: impl Into<Vec<u8>>) -> Self {
        self.password = Some(Password::new(password));
        self
    }
}

/// The credentials callback: called before every CONNECT.
pub(crate) type LoginFn = Box<dyn FnMut(LoginRequest) -> Result<Login, LoginError> + Send>;

/// The persistence callback: stores a session snapshot.
pub(crate) type StoreFn = Box<dyn FnMut(&[u8]) + Send>;

/// Write-ahead persistence: the snapshot to start from and where new ones go.
pub(crate) struct Persistence {
    pub(crate) restore: Option<Vec<u8>>,
    pub(crate) store: StoreFn,
}

/// Everything [`AsyncClient::connect`](crate::AsyncClient::connect) needs.
///
/// The session itself (protocol version, keep-alive, reconnect backoff, queue limits …) is the
/// core's [`ClientConfig`]; the driver adds where to connect, a credentials callback and the
/// sizes of its two channels.
///
/// ```
/// use std::time::Duration;
/// use iotmqtt::client::ClientConfig;
/// use iotmqtt_tokio::{Endpoint, Login, Options};
///
/// let mut config = ClientConfig::new("sensor-1");
/// config.keep_alive = 30;
/// config.reconnect.min_delay = Duration::from_millis(500);
/// let options = Options::new(Endpoint::tcp("127.0.0.1", 1883), config)
///     .credentials(|_request| Ok(Login::new().username("sensor-1").password(b"token".to_vec())))
///     .event_capacity(128)
///     .connect_timeout(Duration::from_secs(5));
/// assert_eq!(options.config().client_id, "sensor-1");
/// ```
pub struct Options {
    pub(crate) endpoint: Endpoint,
    pub(crate) config: ClientConfig,
    pub(crate) login: Option<LoginFn>,
    pub(crate) persistence: Option<Persistence>,
    pub(crate) event_capacity: usize,
    pub(crate) command_capacity: usize,
    pub(crate) connect_timeout: Duration,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("endpoint", &self.endpoint)
            .field("config", &self.config)
            .field("login_callback", &self.login.is_some())
            .field("persistence", &self.persistence.is_some())
            .field("event_capacity", &self.event_capacity)
            .field("command_capacity", &self.command_capacity)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

impl Options {
    /// Connect to `endpoint` with the session settings in `config`. Defaults: 256 events and
    /// 64 commands buffered, 10 s to open a transport.
    #[must_use]
    pub fn new(endpoint: Endpoint, config: ClientConfig) -> Self {
        Options {
            endpoint,
            config,
            login: None,
            persistence: None,
            event_capacity: 256,
            command_capacity: 64,
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// The session configuration.
    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The session configuration, to change.
    pub fn config_mut(&mut self) -> &mut ClientConfig {
        &mut self.config
    }

    /// The endpoint.
    #[must_use]
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Ask `callback` for the login before every CONNECT, the first and each reconnect, so
    /// time-limited passwords (IoTDA signatures, tokens) are fresh. It runs on the driver's
    /// task: it must return quickly and not block. An error (a [`LoginError`]) closes the
    /// transport; the session retries after its backoff delay. Replaces
    /// `config.credentials`.
    #[must_use]
    pub fn credentials<F>(mut self, callback: F) -> Self
    where
        F: FnMut(LoginRequest) -> Result<Login, LoginError> + Send + 'static,
    {
        self.config.credentials = Credentials::AskEachTime;
        self.login = Some(Box::new(callback));
        self
    }

    /// Write-ahead persistence of the session (queued and in-flight messages, QoS 2 state,
    /// subscriptions), so that a program that stops and starts again loses nothing it had
    /// accepted: the session is restored from `restore` (the last snapshot stored, if any)
    /// and, after every change, `store` gets a new snapshot **before** anything that depends on
    /// the change is sent or acknowledged. `store` runs on the driver's task and must have
    /// written the bytes durably when it returns. Sets `config.persistence`.
    ///
    /// ```
    /// use iotmqtt::client::ClientConfig;
    /// use iotmqtt_tokio::{Endpoint, Options};
    /// let path = std::env::temp_dir().join("sensor-1.session");
    /// let last = std::fs::read(&path).ok();
    /// let options = Options::new(Endpoint::tcp("127.0.0.1", 1883), ClientConfig::new("sensor-1"))
    ///     .persistence(last, move |snapshot| {
    ///         let _ = std::fs::write(&path, snapshot); // a real device would fsync
    ///     });
    /// assert!(options.config().persistence);
    /// ```
    #[must_use]
    pub fn persistence<F>(mut self, restore: Option<Vec<u8>>, store: F) -> Self
    where
        F: FnMut(&[u8]) + Send + 'static,
    {
        self.config.persistence = true;
        self.persistence = Some(Persistence {
            restore,
            store: Box::new(store),
        });
        self
    }

    /// How many events wait for the application, twice over: this many in the event stream's
    /// channel and at most this many more in the driver (at least 1; default 256). See
    /// [`EventStream`](crate::EventStream) for what happens when both are full.
    #[must_use]
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity.max(1);
        self
    }

    /// How many commands (publish, subscribe …) wait for the driver before the command
    /// futures wait in turn (at least 1; default 64).
    #[must_use]
    pub fn command_capacity(mut self, capacity: usize) -> Self {
        self.command_capacity = capacity.max(1);
        self
    }

    /// How long opening one transport (DNS, TCP, TLS, WebSocket upgrade) may take (default
    /// 10 s). The CONNACK wait after it is the session's `connack_timeout`.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
}
