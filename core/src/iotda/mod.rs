//! The Huawei Cloud IoTDA device profile (feature `iotda`): credentials, the server-side login
//! verifier, topics and JSON payloads, all sans-IO. The facts come from IoTDA's device-side MQTT
//! documentation and the official SDKs (summarised in the project's `IOTDA.md`).
//!
//! There is no clock here: every function that needs the time takes a [`UtcTime`].
//!
//! ```
//! use iotmqtt::iotda::{DeviceAuth, DeviceId, DeviceSecret, UtcTime};
//! let auth = DeviceAuth::secret(
//!     DeviceId::new("5f1c0d2e_sensor01")?,
//!     DeviceSecret::new("s3cr3t-Key")?,
//! );
//! let credentials = auth.credentials(&UtcTime::from_unix_seconds(1_795_593_600)?);
//! assert_eq!(credentials.client_id(), "5f1c0d2e_sensor01_0_0_2026112508");
//! # Ok::<(), iotmqtt::iotda::IotdaError>(())
//! ```
//!
//! Every error is an [`IotdaError`], a caller's misuse in the core taxonomy
//! ([`crate::UsageError::Iotda`]). Secrets and passwords are zeroed on drop and print as `***`.

mod credentials;
mod error;
mod ids;
mod limits;
mod secret;
mod topics;
mod utc;
mod verifier;

pub use credentials::{
    ClientId, ClientIdKind, ConnectTimestamp, Credentials, DeviceAuth, IdType, MAX_CLIENT_ID_LEN,
    SigType, compute_password,
};
pub use error::{
    ClientIdError, IdError, IotdaError, JsonError, JsonErrorKind, SecretError, TopicError,
};
pub use ids::{DeviceId, MAX_DEVICE_ID_LEN, MAX_SCOPE_ID_LEN, MIN_SCOPE_ID_LEN, ScopeId};
pub use limits::*;
pub use secret::{DeviceSecret, GroupSecret, MAX_SECRET_LEN, Password, SecretString};
pub use topics::{
    Direction, LegacyTopic, ReportSuffix, SysTopic, Topic, bootstrap_filter,
    bridge_downstream_filters, downstream_filters,
};
pub use utc::UtcTime;
pub use verifier::{LoginRejection, LoginRequest, RegisteredAuth, Verifier};
