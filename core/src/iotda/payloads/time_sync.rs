//! `$time_sync`: the device learns the platform's time (IOTDA.md §5.1). Times are
//! milliseconds since the Unix epoch.

use serde::{Deserialize, Serialize};

use super::{JsonPayload, lenient};

/// Up, `time_sync_request`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeSyncRequest {
    /// When the device sent the request, by its own clock (the Python SDK sends a string;
    /// both forms are read, a number is written).
    #[serde(deserialize_with = "lenient::u64")]
    pub device_send_time: u64,
}

impl JsonPayload for TimeSyncRequest {}

/// Down, `time_sync_response`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeSyncResponse {
    /// The request's `device_send_time`, echoed.
    #[serde(deserialize_with = "lenient::u64")]
    pub device_send_time: u64,
    /// When the platform received the request.
    #[serde(deserialize_with = "lenient::u64")]
    pub server_recv_time: u64,
    /// When the platform sent this response.
    #[serde(deserialize_with = "lenient::u64")]
    pub server_send_time: u64,
}

impl TimeSyncResponse {
    /// The platform's time at `device_recv_time` (when this response arrived, by the device's
    /// clock), as documented: `(server_recv + server_send + device_recv − device_send) / 2`.
    /// `None` when the result would be negative or beyond `u64`.
    ///
    /// ```
    /// use iotmqtt::iotda::TimeSyncResponse;
    /// let r = TimeSyncResponse {
    ///     device_send_time: 1_000,
    ///     server_recv_time: 5_000_000,
    ///     server_send_time: 5_000_010,
    /// };
    /// // 20 ms round trip: 10 ms each way plus 10 ms on the server.
    /// assert_eq!(r.device_time(1_030), Some(5_000_020));
    /// ```
    #[must_use]
    pub fn device_time(&self, device_recv_time: u64) -> Option<u64> {
        let sum = i128::from(self.server_recv_time)
            + i128::from(self.server_send_time)
            + i128::from(device_recv_time)
            - i128::from(self.device_send_time);
        u64::try_from(sum / 2).ok()
    }
}

impl JsonPayload for TimeSyncResponse {}
