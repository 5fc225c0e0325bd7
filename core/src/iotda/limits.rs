//! IoTDA's documented limits (IOTDA.md §1 and §7), in one place.

/// Smallest keep-alive IoTDA accepts, in seconds; below it CONNECT is refused with 0x02.
pub const MIN_KEEP_ALIVE_SECS: u16 = 30;
/// Largest keep-alive IoTDA accepts, in seconds; above it CONNECT is refused with 0x02.
pub const MAX_KEEP_ALIVE_SECS: u16 = 1_200;
/// Keep-alive the SDKs use and IoTDA recommends, in seconds.
pub const DEFAULT_KEEP_ALIVE_SECS: u16 = 120;
/// Largest PUBLISH IoTDA accepts, in bytes (1 MB).
pub const MAX_PUBLISH_BYTES: usize = 1024 * 1024;
/// Upstream messages per second per connection.
pub const MAX_UP_MESSAGES_PER_SEC: u32 = 50;
/// Upstream bytes per second per connection (1 MB/s; one English page says 1 Mbit/s).
pub const MAX_UP_BYTES_PER_SEC: u32 = 1024 * 1024;
/// Subscriptions per connection.
pub const MAX_SUBSCRIPTIONS: usize = 50;
/// Longest custom `$oc/devices/{id}/user/{name}` name, in characters.
pub const MAX_USER_TOPIC_NAME_LEN: usize = 64;
/// Longest free custom (non-`$oc`) topic and M2M topic, in bytes.
pub const MAX_CUSTOM_TOPIC_LEN: usize = 128;
/// Most children in one gateway batch property report.
pub const MAX_GATEWAY_BATCH_DEVICES: usize = 100;
/// Most sub-devices in one `add_sub_device_request`.
pub const MAX_ADD_SUB_DEVICES: usize = 50;
/// Most statuses in one `sub_device_update_status`.
pub const MAX_SUB_DEVICE_STATUSES: usize = 100;
/// Largest `extension_info` of a sub-device, in bytes of JSON.
pub const MAX_EXTENSION_INFO_BYTES: usize = 1024;
/// Largest `content` of a `log_report`, in bytes.
pub const MAX_LOG_CONTENT_BYTES: usize = 1024 * 1024;
