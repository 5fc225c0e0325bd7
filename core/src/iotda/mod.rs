//! The Huawei Cloud IoTDA device profile (feature `iotda`): credentials, the server-side login
//! verifier, topics and JSON payloads, all sans-IO. The facts come from IoTDA's device-side MQTT
//! documentation and the official SDKs (summarised in the project's `IOTDA.md`).
//!
//! | part | main items |
//! |---|---|
//! | credentials | [`DeviceAuth`] → [`Credentials`]; [`ClientId`], [`compute_password`], [`GroupSecret`] |
//! | login check (emulator) | [`Verifier`], [`LoginRequest`], [`RegisteredAuth`], [`LoginRejection`] |
//! | topics | [`Topic`] ([`Topic::parse`], [`Topic::write`]), [`SysTopic`], [`downstream_filters`] |
//! | payloads | [`JsonPayload`] on every schema; [`EventsMessage`] and [`SystemEvent`] for system events |
//! | time | [`UtcTime`] (there is no clock here: every function that needs the time takes one) |
//! | the device | [`IotdaDevice`] over the MQTT client, [`DeviceConfig`], [`DeviceEvent`] |
//!
//! [`IotdaDevice`] puts it all together on top of the sans-IO client (see its example); the
//! pieces below are for those who drive the client themselves. Connect, then answer a command:
//!
//! ```
//! use iotmqtt::iotda::{
//!     CommandRequest, CommandResponse, DeviceAuth, DeviceId, DeviceSecret, JsonPayload, SysTopic,
//!     Topic, UtcTime,
//! };
//! let auth = DeviceAuth::secret(
//!     DeviceId::new("5f1c0d2e_sensor01")?,
//!     DeviceSecret::new("s3cr3t-Key")?,
//! );
//! let credentials = auth.credentials(&UtcTime::from_unix_seconds(1_795_593_600)?);
//! assert_eq!(credentials.client_id(), "5f1c0d2e_sensor01_0_0_2026112508");
//!
//! // A PUBLISH arrives …
//! let topic = "$oc/devices/5f1c0d2e_sensor01/sys/commands/request_id=77";
//! let payload = br#"{"service_id":"Light","command_name":"on","paras":{}}"#;
//! if let Topic::Device { device_id, topic: SysTopic::Command { request_id } } = Topic::parse(topic) {
//!     let command = CommandRequest::from_json(payload)?;
//!     assert_eq!(command.command_name.as_deref(), Some("on"));
//!     // … and the answer goes to the response topic with the same request id.
//!     let reply_topic = Topic::device(device_id, SysTopic::CommandResponse { request_id });
//!     let reply = CommandResponse::success(None).to_json()?;
//!     assert_eq!(reply_topic.to_topic_string()?, "$oc/devices/5f1c0d2e_sensor01/sys/commands/response/request_id=77");
//!     assert_eq!(reply, br#"{"result_code":0}"#);
//! }
//! # Ok::<(), iotmqtt::iotda::IotdaError>(())
//! ```
//!
//! Every error is an [`IotdaError`], a caller's misuse in the core taxonomy
//! ([`crate::UsageError::Iotda`]). Secrets and passwords are zeroed on drop and print as `***`.

mod credentials;
mod device;
mod error;
mod ids;
mod limits;
mod payloads;
mod secret;
mod topics;
mod utc;
mod verifier;

pub use credentials::{
    ClientId, ClientIdKind, ConnectTimestamp, Credentials, DeviceAuth, IdType, MAX_CLIENT_ID_LEN,
    SigType, compute_password,
};
pub use device::{
    BadInput, DeviceConfig, DeviceEvent, InputProblem, IotdaDevice, PendingRequest, RequestKind,
    SystemEventDown, UpstreamFailed,
};
pub use error::{
    ClientIdError, IdError, IotdaError, JsonError, JsonErrorKind, SecretError, SysPartsError,
    TopicError,
};
pub use ids::{DeviceId, MAX_DEVICE_ID_LEN, MAX_SCOPE_ID_LEN, MIN_SCOPE_ID_LEN, ScopeId};
pub use limits::*;
pub use payloads::{
    AddSubDevices, AddSubDevicesResponse, BootstrapAnswer, BootstrapFailure, BootstrapOutcome,
    BootstrapRequest, BridgeLogin, BridgeResetSecret, CommandRequest, CommandResponse,
    ConfigUpdate, ConfigUpdateResponse, DeleteSubDevices, DeleteSubDevicesResponse,
    DeletedSubDevice, DeviceMessage, DeviceProperties, EventService, EventsMessage,
    FailedSubDevice, FailedSubDeviceAdd, FileAttributes, FileRequest, FileResult, FileUrl,
    GatewayPropertiesReport, JsonPayload, LegacyCommandReply, LegacyDataReport, LegacyServiceData,
    LogConfig, LogReport, LogSwitch, LogType, MessageDown, NewSubDevice, OpaqueParas, OtaTask,
    PropertiesGetRequest, PropertiesGetResponse, PropertiesReport, PropertiesSetRequest,
    PropertiesSetResponse, SdkInfo, ServiceProperties, ShadowGetRequest, ShadowGetResponse,
    ShadowService, ShadowState, SubDeviceInfo, SubDeviceState, SubDeviceStatus, SubDeviceStatuses,
    SubDeviceStatusesResponse, SubDeviceSync, SubDevicesAdded, SubDevicesDeleted, SystemEvent,
    TimeSyncRequest, TimeSyncResponse, TunnelNotify, UpgradeInfo, UpgradeInfoV2, UpgradeProgress,
    UpgradeResult, VersionQuery, VersionReport,
};
pub use secret::{DeviceSecret, GroupSecret, MAX_SECRET_LEN, Password, SecretString};
pub use topics::{
    Direction, LegacyTopic, ReportSuffix, SysTopic, Topic, bootstrap_filter,
    bridge_downstream_filters, downstream_filters,
};
pub use utc::UtcTime;
pub use verifier::{LoginRejection, LoginRequest, RegisteredAuth, Verifier};
