//! `$file_manager` event parameters: upload and download URLs and results (IOTDA.md §5.1).

use alloc::string::String;

use serde::{Deserialize, Serialize};

use super::{JsonPayload, lenient};

/// A file's hash and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileAttributes {
    /// The file's hash.
    pub hash_code: String,
    /// Its size in bytes.
    #[serde(deserialize_with = "lenient::u64")]
    pub size: u64,
}

/// Up, `get_upload_url` / `get_download_url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRequest {
    /// The file name.
    pub file_name: String,
    /// Its attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_attributes: Option<FileAttributes>,
}

impl JsonPayload for FileRequest {}

/// Down, `get_upload_url_response` / `get_download_url_response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileUrl {
    /// Where to upload to or download from.
    pub url: String,
    /// The OBS bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_name: Option<String>,
    /// The OBS object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_name: Option<String>,
    /// URL lifetime in seconds.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub expire: Option<u64>,
    /// The file's attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_attributes: Option<FileAttributes>,
}

impl JsonPayload for FileUrl {}

/// Up, `upload_result_report` / `download_result_report` (C SDK).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileResult {
    /// The OBS object.
    pub object_name: String,
    /// 0 = success.
    pub result_code: i32,
    /// The HTTP status of the transfer.
    pub status_code: i32,
    /// Its description.
    pub status_description: String,
}

impl JsonPayload for FileResult {}
