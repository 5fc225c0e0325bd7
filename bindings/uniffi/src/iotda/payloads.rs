//! IoTDA JSON payloads as records. Free-form JSON (`paras`, `properties`, `content`) is kept
//! as JSON text (`*_json` fields); reading and writing go through the core's `JsonPayload`
//! (tolerant reading, exact writing with the documented limits): `*_from_json`, `*_to_json`.

use iotmqtt::iotda::{self, IotdaError, JsonPayload};
use serde_json::Value;

use crate::error::Result;

fn parse(json: &str) -> Result<Value> {
    Ok(serde_json::from_str(json).map_err(IotdaError::from)?)
}

fn parse_opt(json: Option<&String>) -> Result<Option<Value>> {
    json.map(|j| parse(j)).transpose()
}

fn text(v: &Value) -> String {
    v.to_string()
}

/// A command from the platform (`commands/request_id={rid}`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CommandRequest {
    /// The child device it is for (gateways).
    pub object_device_id: Option<String>,
    /// The service.
    pub service_id: Option<String>,
    /// The command.
    pub command_name: Option<String>,
    /// Its parameters, as JSON text.
    pub paras_json: String,
}

/// The device's answer to a command.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CommandResponse {
    /// 0 for success.
    pub result_code: Option<i32>,
    /// The response name.
    pub response_name: Option<String>,
    /// Response parameters, as JSON text.
    pub paras_json: Option<String>,
}

/// One service's properties, with an optional event time (`yyyyMMdd'T'HHmmss'Z'`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ServiceProperties {
    /// The service.
    pub service_id: String,
    /// The properties, a JSON object as text.
    pub properties_json: String,
    /// When they were measured.
    pub event_time: Option<String>,
}

/// A property report (`properties/report`), also the answer to a property query.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PropertiesReport {
    /// The services.
    pub services: Vec<ServiceProperties>,
}

/// One child's properties in a gateway report.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceProperties {
    /// The child's device id.
    pub device_id: String,
    /// Its services.
    pub services: Vec<ServiceProperties>,
}

/// A gateway's report for its children (`gateway/sub_devices/properties/report`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GatewayPropertiesReport {
    /// The children (at most 100).
    pub devices: Vec<DeviceProperties>,
}

/// The platform sets properties (`properties/set/request_id={rid}`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PropertiesSetRequest {
    /// The child device it is for (gateways).
    pub object_device_id: Option<String>,
    /// The values to set.
    pub services: Vec<ServiceProperties>,
}

/// The device's answer to a property set.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PropertiesSetResponse {
    /// 0 for success.
    pub result_code: Option<i32>,
    /// Why it failed.
    pub result_desc: Option<String>,
}

/// The platform queries properties (`properties/get/request_id={rid}`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PropertiesGetRequest {
    /// The child device it is for (gateways).
    pub object_device_id: Option<String>,
    /// The service queried (none: all).
    pub service_id: Option<String>,
}

/// Desired or reported properties in a shadow.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ShadowState {
    /// The properties, a JSON object as text.
    pub properties_json: String,
    /// When they were set.
    pub event_time: Option<String>,
}

/// One service of a device shadow.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ShadowService {
    /// The service.
    pub service_id: String,
    /// What the platform wants.
    pub desired: Option<ShadowState>,
    /// What the device reported.
    pub reported: Option<ShadowState>,
    /// The shadow version.
    pub version: Option<u64>,
}

/// The answer to a shadow request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ShadowGetResponse {
    /// The device the shadow is of.
    pub object_device_id: String,
    /// Its services.
    pub shadow: Vec<ShadowService>,
}

/// A message in the "system format" (`messages/up`, `messages/down`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceMessage {
    /// The child device it is for (gateways).
    pub object_device_id: Option<String>,
    /// Its name.
    pub name: Option<String>,
    /// Its id.
    pub id: Option<String>,
    /// The content, as JSON text.
    pub content_json: String,
}

/// A system event (`events/up`, `events/down`): the core types it by `service_id` and
/// `event_type` and checks its parameters against the documented schema.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SystemEvent {
    /// E.g. `$ota`.
    pub service_id: String,
    /// E.g. `version_report`.
    pub event_type: String,
    /// The parameters, a JSON object as text.
    pub paras_json: String,
}

/// A provisioning failure from `bootstrap/down`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BootstrapFailure {
    /// The error code, e.g. `100414`.
    pub error_code: String,
    /// The message.
    pub error_msg: Option<String>,
}

/// The provisioning request a bootstrapping device sends.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BootstrapRequest {
    /// The keyword a static provisioning policy matches on (none: an empty payload).
    pub base_strategy_keyword: Option<String>,
}

/// A child a gateway adds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
#[allow(missing_docs)] // the core's `NewSubDevice`, documented there
pub struct NewSubDevice {
    pub node_id: String,
    pub product_id: String,
    pub device_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub parent_device_id: Option<String>,
    /// At most 1 KB of JSON, as text.
    pub extension_info_json: Option<String>,
}

/// A child's status (`ONLINE`, `OFFLINE`; `INACTIVE` in notifications).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SubDeviceStatus {
    /// The child's device id.
    pub device_id: String,
    /// The status as IoTDA writes it.
    pub status: String,
}

// ---------------------------------------------------------------- conversions

impl From<&iotda::CommandRequest> for CommandRequest {
    fn from(c: &iotda::CommandRequest) -> Self {
        CommandRequest {
            object_device_id: c.object_device_id.clone(),
            service_id: c.service_id.clone(),
            command_name: c.command_name.clone(),
            paras_json: text(&c.paras),
        }
    }
}

impl CommandRequest {
    fn to_core(&self) -> Result<iotda::CommandRequest> {
        Ok(iotda::CommandRequest {
            object_device_id: self.object_device_id.clone(),
            service_id: self.service_id.clone(),
            command_name: self.command_name.clone(),
            paras: parse(&self.paras_json)?,
        })
    }
}

impl From<&iotda::CommandResponse> for CommandResponse {
    fn from(c: &iotda::CommandResponse) -> Self {
        CommandResponse {
            result_code: c.result_code,
            response_name: c.response_name.clone(),
            paras_json: c.paras.as_ref().map(text),
        }
    }
}

impl CommandResponse {
    pub(crate) fn to_core(&self) -> Result<iotda::CommandResponse> {
        Ok(iotda::CommandResponse {
            result_code: self.result_code,
            response_name: self.response_name.clone(),
            paras: parse_opt(self.paras_json.as_ref())?,
        })
    }
}

impl From<&iotda::ServiceProperties> for ServiceProperties {
    fn from(s: &iotda::ServiceProperties) -> Self {
        ServiceProperties {
            service_id: s.service_id.clone(),
            properties_json: text(&s.properties),
            event_time: s.event_time.clone(),
        }
    }
}

impl ServiceProperties {
    fn to_core(&self) -> Result<iotda::ServiceProperties> {
        let mut s =
            iotda::ServiceProperties::new(self.service_id.clone(), parse(&self.properties_json)?);
        s.event_time = self.event_time.clone();
        Ok(s)
    }
}

fn services_from(list: &[iotda::ServiceProperties]) -> Vec<ServiceProperties> {
    list.iter().map(ServiceProperties::from).collect()
}

fn services_to(list: &[ServiceProperties]) -> Result<Vec<iotda::ServiceProperties>> {
    list.iter().map(ServiceProperties::to_core).collect()
}

impl From<&iotda::PropertiesReport> for PropertiesReport {
    fn from(r: &iotda::PropertiesReport) -> Self {
        PropertiesReport {
            services: services_from(&r.services),
        }
    }
}

impl PropertiesReport {
    pub(crate) fn to_core(&self) -> Result<iotda::PropertiesReport> {
        Ok(iotda::PropertiesReport::new(services_to(&self.services)?))
    }
}

impl From<&iotda::GatewayPropertiesReport> for GatewayPropertiesReport {
    fn from(r: &iotda::GatewayPropertiesReport) -> Self {
        GatewayPropertiesReport {
            devices: r
                .devices
                .iter()
                .map(|d| DeviceProperties {
                    device_id: d.device_id.clone(),
                    services: services_from(&d.services),
                })
                .collect(),
        }
    }
}

impl GatewayPropertiesReport {
    pub(crate) fn to_core(&self) -> Result<iotda::GatewayPropertiesReport> {
        let devices = self
            .devices
            .iter()
            .map(|d| {
                Ok(iotda::DeviceProperties {
                    device_id: d.device_id.clone(),
                    services: services_to(&d.services)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(iotda::GatewayPropertiesReport { devices })
    }
}

impl From<&iotda::PropertiesSetRequest> for PropertiesSetRequest {
    fn from(r: &iotda::PropertiesSetRequest) -> Self {
        PropertiesSetRequest {
            object_device_id: r.object_device_id.clone(),
            services: services_from(&r.services),
        }
    }
}

impl PropertiesSetRequest {
    fn to_core(&self) -> Result<iotda::PropertiesSetRequest> {
        Ok(iotda::PropertiesSetRequest {
            object_device_id: self.object_device_id.clone(),
            services: services_to(&self.services)?,
        })
    }
}

impl From<&iotda::PropertiesSetResponse> for PropertiesSetResponse {
    fn from(r: &iotda::PropertiesSetResponse) -> Self {
        PropertiesSetResponse {
            result_code: r.result_code,
            result_desc: r.result_desc.clone(),
        }
    }
}

impl PropertiesSetResponse {
    pub(crate) fn to_core(&self) -> Result<iotda::PropertiesSetResponse> {
        Ok(iotda::PropertiesSetResponse {
            result_code: self.result_code,
            result_desc: self.result_desc.clone(),
        })
    }
}

impl From<&iotda::PropertiesGetRequest> for PropertiesGetRequest {
    fn from(r: &iotda::PropertiesGetRequest) -> Self {
        PropertiesGetRequest {
            object_device_id: r.object_device_id.clone(),
            service_id: r.service_id.clone(),
        }
    }
}

impl PropertiesGetRequest {
    fn to_core(&self) -> Result<iotda::PropertiesGetRequest> {
        Ok(iotda::PropertiesGetRequest {
            object_device_id: self.object_device_id.clone(),
            service_id: self.service_id.clone(),
        })
    }
}

fn state_from(s: &iotda::ShadowState) -> ShadowState {
    ShadowState {
        properties_json: text(&s.properties),
        event_time: s.event_time.clone(),
    }
}

fn state_to(s: &ShadowState) -> Result<iotda::ShadowState> {
    Ok(iotda::ShadowState {
        properties: parse(&s.properties_json)?,
        event_time: s.event_time.clone(),
    })
}

impl From<&iotda::ShadowGetResponse> for ShadowGetResponse {
    fn from(r: &iotda::ShadowGetResponse) -> Self {
        ShadowGetResponse {
            object_device_id: r.object_device_id.clone(),
            shadow: r
                .shadow
                .iter()
                .map(|s| ShadowService {
                    service_id: s.service_id.clone(),
                    desired: s.desired.as_ref().map(state_from),
                    reported: s.reported.as_ref().map(state_from),
                    version: s.version,
                })
                .collect(),
        }
    }
}

impl ShadowGetResponse {
    fn to_core(&self) -> Result<iotda::ShadowGetResponse> {
        let shadow = self
            .shadow
            .iter()
            .map(|s| {
                Ok(iotda::ShadowService {
                    service_id: s.service_id.clone(),
                    desired: s.desired.as_ref().map(state_to).transpose()?,
                    reported: s.reported.as_ref().map(state_to).transpose()?,
                    version: s.version,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(iotda::ShadowGetResponse {
            object_device_id: self.object_device_id.clone(),
            shadow,
        })
    }
}

impl From<&iotda::DeviceMessage> for DeviceMessage {
    fn from(m: &iotda::DeviceMessage) -> Self {
        DeviceMessage {
            object_device_id: m.object_device_id.clone(),
            name: m.name.clone(),
            id: m.id.clone(),
            content_json: text(&m.content),
        }
    }
}

impl DeviceMessage {
    fn to_core(&self) -> Result<iotda::DeviceMessage> {
        let mut m = iotda::DeviceMessage::new(parse(&self.content_json)?);
        m.object_device_id = self.object_device_id.clone();
        m.name = self.name.clone();
        m.id = self.id.clone();
        Ok(m)
    }
}

impl From<&iotda::SystemEvent> for SystemEvent {
    fn from(e: &iotda::SystemEvent) -> Self {
        SystemEvent {
            service_id: e.service_id().into(),
            event_type: e.event_type().into(),
            // Serialising parameters the core itself typed cannot fail; `null` would show it.
            paras_json: text(&e.paras().unwrap_or(Value::Null)),
        }
    }
}

impl SystemEvent {
    /// The core's typed event; parameters that do not fit a known event's schema fail.
    pub(crate) fn to_core(&self) -> Result<iotda::SystemEvent> {
        Ok(iotda::SystemEvent::from_parts(
            &self.service_id,
            &self.event_type,
            parse(&self.paras_json)?,
        )?)
    }
}

impl From<&iotda::BootstrapFailure> for BootstrapFailure {
    fn from(f: &iotda::BootstrapFailure) -> Self {
        BootstrapFailure {
            error_code: f.error_code.clone(),
            error_msg: f.error_msg.clone(),
        }
    }
}

impl BootstrapFailure {
    fn to_core(&self) -> Result<iotda::BootstrapFailure> {
        Ok(iotda::BootstrapFailure {
            error_code: self.error_code.clone(),
            error_msg: self.error_msg.clone(),
        })
    }
}

impl NewSubDevice {
    pub(crate) fn to_core(&self) -> Result<iotda::NewSubDevice> {
        let mut d = iotda::NewSubDevice::new(self.node_id.clone(), self.product_id.clone());
        d.device_id = self.device_id.clone();
        d.name = self.name.clone();
        d.description = self.description.clone();
        d.parent_device_id = self.parent_device_id.clone();
        d.extension_info = parse_opt(self.extension_info_json.as_ref())?;
        Ok(d)
    }
}

impl SubDeviceStatus {
    pub(crate) fn to_core(&self) -> iotda::SubDeviceStatus {
        iotda::SubDeviceStatus {
            device_id: self.device_id.clone(),
            status: iotda::SubDeviceState::from_name(&self.status),
        }
    }
}

// ---------------------------------------------------------------- JSON functions

macro_rules! json_functions {
    ($( $record:ident => $core:ty, $from_json:ident, $to_json:ident; )+) => {
        $(
            /// Reads this payload tolerantly (the core's `from_json`): unknown fields ignored,
            /// `null` read as absent.
            ///
            /// # Errors
            /// `invalid_json` (kind usage) with the line and column, never the input.
            #[uniffi::export]
            pub fn $from_json(json: String) -> Result<$record> {
                let core = <$core as JsonPayload>::from_json(json.as_bytes())?;
                Ok($record::from(&core))
            }

            /// Writes this payload exactly, after its documented limits (the core's `to_json`).
            ///
            /// # Errors
            /// `invalid_json` for a `*_json` field that is not JSON; `invalid_payload` for a
            /// broken limit.
            #[uniffi::export]
            pub fn $to_json(payload: $record) -> Result<String> {
                let bytes = payload.to_core()?.to_json()?;
                Ok(String::from_utf8(bytes)
                    .map_err(|_| iotmqtt::UsageError::InvalidArgument("payload is not UTF-8"))?)
            }
        )+
    };
}

json_functions! {
    CommandRequest => iotda::CommandRequest, command_request_from_json, command_request_to_json;
    CommandResponse => iotda::CommandResponse, command_response_from_json, command_response_to_json;
    PropertiesReport => iotda::PropertiesReport, properties_report_from_json, properties_report_to_json;
    GatewayPropertiesReport => iotda::GatewayPropertiesReport, gateway_properties_report_from_json, gateway_properties_report_to_json;
    PropertiesSetRequest => iotda::PropertiesSetRequest, properties_set_request_from_json, properties_set_request_to_json;
    PropertiesSetResponse => iotda::PropertiesSetResponse, properties_set_response_from_json, properties_set_response_to_json;
    PropertiesGetRequest => iotda::PropertiesGetRequest, properties_get_request_from_json, properties_get_request_to_json;
    ShadowGetResponse => iotda::ShadowGetResponse, shadow_get_response_from_json, shadow_get_response_to_json;
    DeviceMessage => iotda::DeviceMessage, device_message_from_json, device_message_to_json;
    BootstrapFailure => iotda::BootstrapFailure, bootstrap_failure_from_json, bootstrap_failure_to_json;
}

/// The events of an `events/up` or `events/down` payload, typed by the core (an unknown event
/// keeps its raw parameters).
///
/// # Errors
/// `invalid_json`; a known event whose parameters do not fit its schema.
#[uniffi::export]
pub fn system_events_from_json(json: String) -> Result<Vec<SystemEvent>> {
    let message = iotda::EventsMessage::from_json(json.as_bytes())?;
    message
        .events()
        .map(|e| Ok(SystemEvent::from(&e?)))
        .collect()
}
