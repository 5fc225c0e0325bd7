//! `$ota` event parameters: version query and report, firmware/software upgrades and their
//! progress (IOTDA.md §5.1).

use alloc::string::String;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::JsonPayload;
use super::lenient::{self, code_enum};
use crate::iotda::error::IotdaError;
use crate::iotda::secret::SecretString;

/// The gateway OTA task fields several `$ota` events carry (all optional). On its own it is
/// the `version_query` parameters: `{}` for a device.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OtaTask {
    /// The OTA task id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// How many children the gateway task covers.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub sub_device_count: Option<u64>,
    /// Task extension data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_ext_info: Option<Value>,
}

/// Down, `version_query`: report your versions (gateway tasks add the task fields).
pub type VersionQuery = OtaTask;

impl JsonPayload for OtaTask {}

/// Up, `version_report`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VersionReport {
    /// Software version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sw_version: Option<String>,
    /// Firmware version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fw_version: Option<String>,
}

impl JsonPayload for VersionReport {}

/// Down, `firmware_upgrade` / `software_upgrade`: where the package is and how to check it.
/// `Debug` hides the access token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpgradeInfo {
    /// The target version.
    pub version: String,
    /// The package URL.
    pub url: String,
    /// Package size in bytes.
    #[serde(deserialize_with = "lenient::u64")]
    pub file_size: u64,
    /// Package file name.
    pub file_name: String,
    /// Token for the download.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<SecretString>,
    /// Token lifetime in seconds.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires: Option<u64>,
    /// SHA-256 of the package (hex).
    pub sign: String,
    /// Custom data from the upgrade task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_info: Option<Value>,
    /// The gateway OTA task fields.
    #[serde(flatten)]
    pub task: OtaTask,
}

impl JsonPayload for UpgradeInfo {}

/// Down, `firmware_upgrade_v2` / `software_upgrade_v2`: the package is in OBS. IOTDA.md gives
/// no exact field list for v2, so only `version` and `url` are required here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpgradeInfoV2 {
    /// The target version.
    pub version: String,
    /// The OBS URL of the package.
    pub url: String,
    /// Package size in bytes.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub file_size: Option<u64>,
    /// Package file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// Token for the download.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<SecretString>,
    /// Token or URL lifetime in seconds.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires: Option<u64>,
    /// SHA-256 of the package (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign: Option<String>,
    /// Custom data from the upgrade task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_info: Option<Value>,
    /// The gateway OTA task fields.
    #[serde(flatten)]
    pub task: OtaTask,
}

impl JsonPayload for UpgradeInfoV2 {}

code_enum! {
    /// The `result_code` of an upgrade progress report.
    UpgradeResult {
        /// 0: success.
        Success = 0,
        /// 1: the device is in use.
        DeviceInUse = 1,
        /// 2: poor signal.
        PoorSignal = 2,
        /// 3: already the latest version.
        AlreadyLatest = 3,
        /// 4: low battery.
        LowBattery = 4,
        /// 5: not enough space.
        NoSpace = 5,
        /// 6: download timed out.
        DownloadTimeout = 6,
        /// 7: package verification failed.
        VerifyFailed = 7,
        /// 8: unsupported package type.
        UnsupportedType = 8,
        /// 9: out of memory.
        OutOfMemory = 9,
        /// 10: installation failed.
        InstallFailed = 10,
        /// 255: internal error.
        InternalError = 255,
    }
}

/// Up, `upgrade_progress_report`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeProgress {
    /// The result so far.
    pub result_code: UpgradeResult,
    /// Progress 0–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<u8>,
    /// The version; on completion it must match the platform's target version.
    pub version: String,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl JsonPayload for UpgradeProgress {
    fn validate(&self) -> Result<(), IotdaError> {
        match self.progress {
            Some(p) if p > 100 => Err(IotdaError::InvalidPayload("progress must be 0-100")),
            _ => Ok(()),
        }
    }
}
