//! Property reports, the gateway batch report, and property set/get (IOTDA.md §5).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{JsonPayload, check_count, lenient, validate_all};
use crate::iotda::error::IotdaError;
use crate::iotda::limits::MAX_GATEWAY_BATCH_DEVICES;
use crate::iotda::utc::UtcTime;

/// The properties of one service, with an optional time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceProperties {
    /// The service id from the product model.
    pub service_id: String,
    /// The property values, as an object.
    #[serde(default)]
    pub properties: Value,
    /// UTC `yyyyMMdd'T'HHmmss'Z'` (or the millisecond form); absent or invalid means the
    /// platform's receive time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
}

impl ServiceProperties {
    /// Properties of `service_id`, without a time.
    #[must_use]
    pub fn new(service_id: impl Into<String>, properties: Value) -> Self {
        ServiceProperties {
            service_id: service_id.into(),
            properties,
            event_time: None,
        }
    }

    /// The same properties stamped with `time` (`yyyyMMdd'T'HHmmss'Z'`).
    #[must_use]
    pub fn at(mut self, time: &UtcTime) -> Self {
        self.event_time = Some(time.event_time());
        self
    }
}

impl JsonPayload for ServiceProperties {}

/// `properties/report` (and the answer to a property query): `{"services":[…]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertiesReport {
    /// One entry per service.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub services: Vec<ServiceProperties>,
}

impl PropertiesReport {
    /// A report of these services.
    #[must_use]
    pub fn new(services: Vec<ServiceProperties>) -> Self {
        PropertiesReport { services }
    }
}

impl JsonPayload for PropertiesReport {}

/// The answer on `properties/get/response/request_id={rid}`: the same shape as a report.
pub type PropertiesGetResponse = PropertiesReport;

/// The services of one child in a gateway batch report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceProperties {
    /// The child's device id.
    pub device_id: String,
    /// Its services.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub services: Vec<ServiceProperties>,
}

impl JsonPayload for DeviceProperties {}

/// `gateway/sub_devices/properties/report`: `{"devices":[…]}`, at most 100 children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GatewayPropertiesReport {
    /// One entry per child.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub devices: Vec<DeviceProperties>,
}

impl JsonPayload for GatewayPropertiesReport {
    fn validate(&self) -> Result<(), IotdaError> {
        check_count(
            self.devices.len(),
            0,
            MAX_GATEWAY_BATCH_DEVICES,
            "gateway batch report holds more than 100 children",
        )?;
        validate_all(&self.devices)
    }
}

/// `properties/set/request_id={rid}`: the platform sets properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertiesSetRequest {
    /// The child device the request is for (gateways).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_device_id: Option<String>,
    /// The values to set, per service.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub services: Vec<ServiceProperties>,
}

impl JsonPayload for PropertiesSetRequest {}

/// `properties/set/response/request_id={rid}`: `result_code` 0 (the default) is success.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PropertiesSetResponse {
    /// 0 = success (also when absent); the Python SDK uses 1 = fail, 2 = timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_code: Option<i32>,
    /// A description of the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_desc: Option<String>,
}

impl PropertiesSetResponse {
    /// A success answer (`{"result_code":0}`).
    #[must_use]
    pub fn success() -> Self {
        PropertiesSetResponse {
            result_code: Some(0),
            result_desc: None,
        }
    }

    /// A failure answer with a code and a description.
    #[must_use]
    pub fn failure(code: i32, description: impl Into<String>) -> Self {
        PropertiesSetResponse {
            result_code: Some(code),
            result_desc: Some(description.into()),
        }
    }

    /// True when the code is 0 or absent.
    #[must_use]
    pub fn is_success(&self) -> bool {
        self.result_code.unwrap_or(0) == 0
    }
}

impl JsonPayload for PropertiesSetResponse {}

/// `properties/get/request_id={rid}`: the platform queries properties (also the body of a
/// device's shadow request).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PropertiesGetRequest {
    /// The child device the query is for (gateways).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_device_id: Option<String>,
    /// The service queried; absent = all services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
}

impl JsonPayload for PropertiesGetRequest {}
