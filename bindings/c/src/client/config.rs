//! `iotmqtt_client_config`: the core's `ClientConfig` as a plain C struct.

use std::ffi::c_char;
use std::time::Duration;

use iotmqtt::client::{
    ClientConfig as CoreConfig, ConnackRefusals, Credentials, Password, ReconnectPolicy,
    RequeuePolicy as CorePolicy, WillConfig,
};
use iotmqtt::{OwnedProperties, Properties as CoreProperties, PropertyContext};

use crate::error::Failure;
use crate::ffi::{FfiResult, cstr, enum_in, guard, in_ref, opt_cstr, out_ptr};
use crate::types::{Bytes, Properties, qos_in, version_in};

/// Where the user name and password of each CONNECT come from.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialsMode {
    /// No user name, no password.
    None = 0,
    /// `username` and `password` of the configuration, on every connection.
    Static = 1,
    /// Ask before every CONNECT: the client emits `IOTMQTT_EVENT_TYPE_CREDENTIALS_NEEDED` and waits
    /// for `iotmqtt_client_set_credentials` (time-limited passwords such as IoTDA's).
    AskEachTime = 2,
}

/// What happens to unacknowledged QoS 1/2 messages when the server starts a new session.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequeuePolicy {
    /// Send them again, in order, as new messages.
    Resend = 0,
    /// Give them up: each ends with `IOTMQTT_EVENT_TYPE_PUBLISH_DROPPED`.
    Drop = 1,
}

/// The Will Message.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Will {
    /// Will Topic (NUL-terminated; a topic name without wildcards).
    pub topic: *const c_char,
    /// Will Payload.
    pub payload: Bytes,
    /// QoS, an `iotmqtt_qos`.
    pub qos: u8,
    /// Retain.
    pub retain: bool,
    /// Will properties (MQTT 5.0).
    pub properties: Properties,
}

/// Every setting of a client. Fill it with `iotmqtt_client_config_default` (the core's
/// defaults), then change what you need. Strings are NUL-terminated UTF-8 and are copied by
/// `iotmqtt_client_new`; nothing here needs to outlive that call. Enum fields hold the values
/// of the enum named in their comment. Times are milliseconds.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ClientConfig {
    /// Protocol version, an `iotmqtt_protocol_version` (default 5).
    pub protocol: u8,
    /// Client Identifier; NULL or "" asks the server to assign one (3.1.1 requires
    /// `clean_start`).
    pub client_id: *const c_char,
    /// Keep Alive in seconds (0 = off; default 60).
    pub keep_alive: u16,
    /// How long to wait for PINGRESP; 0 = the keep-alive interval (default).
    pub ping_timeout_ms: u64,
    /// Clean Start / Clean Session of the first connection (default true).
    pub clean_start: bool,
    /// Session Expiry Interval in seconds (MQTT 5.0; default 0).
    pub session_expiry: u32,
    /// Where credentials come from, an `iotmqtt_credentials_mode` (default NONE).
    pub credentials: u8,
    /// `IOTMQTT_CREDENTIALS_MODE_STATIC`: the User Name, or NULL for none.
    pub username: *const c_char,
    /// `IOTMQTT_CREDENTIALS_MODE_STATIC`: the Password, or a NULL pointer for none.
    pub password: Bytes,
    /// The Will Message, or NULL.
    pub will: *const Will,
    /// Receive Maximum we announce: 1 to 65,535 (default 64).
    pub receive_maximum: u16,
    /// Maximum Packet Size we accept, in bytes, at least 64 (default 1,049,600).
    pub maximum_packet_size: u32,
    /// Topic Alias Maximum we announce, 0 to 1,024 (default 16).
    pub topic_alias_maximum: u16,
    /// Most topic aliases we assign ourselves (default 16; 0 = off).
    pub outgoing_topic_aliases: u16,
    /// How long to wait for CONNACK (default 10,000).
    pub connack_timeout_ms: u64,
    /// Reconnect after a loss (default true).
    pub reconnect: bool,
    /// The first reconnect delay (default 1,000).
    pub reconnect_min_delay_ms: u64,
    /// The largest reconnect delay (default 60,000).
    pub reconnect_max_delay_ms: u64,
    /// Seed of the reconnect jitter; give each device its own.
    pub jitter_seed: u64,
    /// A connection that lasted this long resets the backoff (default 60,000).
    pub stable_after_ms: u64,
    /// Subscribe again to every granted filter after a new session (default true).
    pub resubscribe: bool,
    /// An `iotmqtt_requeue_policy` (default RESEND).
    pub requeue: u8,
    /// The CONNACK refusals that end the reconnects instead of retrying, as a bit mask: bit
    /// `n` stands for the reason code `0x80 + n` (3.1.1 return codes count as their 5.0
    /// equivalents), e.g. `1u << (0x86 - 0x80)` for Bad User Name or Password. Default: 0x84,
    /// 0x86, 0x87 and 0x8A (0x4D0); 0 retries every refusal. A bit of a code that is no CONNACK
    /// reason is refused.
    pub reconnect_stop_on: u32,
    /// Most messages held for sending, queued plus in flight (default 1,000).
    pub max_queued_messages: usize,
    /// Most bytes of those messages (default 1 MiB).
    pub max_queued_bytes: usize,
    /// Most QoS 1/2 messages in flight (default 32).
    pub max_inflight: u16,
    /// Most pending SUBSCRIBE/UNSUBSCRIBE requests and remembered filters (default 128).
    pub max_subscriptions: usize,
    /// Most undelivered events, at least 16 (default 1,024).
    pub max_events: usize,
    /// Acknowledge incoming QoS 1/2 messages only on `iotmqtt_client_ack` (default false).
    pub manual_ack: bool,
    /// Write-ahead persistence: `IOTMQTT_EVENT_TYPE_PERSIST_REQUIRED` and output held back until
    /// `iotmqtt_client_snapshot` (default false).
    pub persistence: bool,
    /// Authentication Method (MQTT 5.0 enhanced authentication), or NULL.
    pub auth_method: *const c_char,
    /// Initial Authentication Data, or a NULL pointer for none.
    pub auth_data: Bytes,
    /// Extra CONNECT properties (MQTT 5.0): User Property, Request Problem Information,
    /// Request Response Information.
    pub connect_properties: Properties,
}

/// The CONNACK refusals of a `reconnect_stop_on` bit mask.
pub(crate) fn stop_on_in(bits: u32, what: &str) -> FfiResult<ConnackRefusals> {
    ConnackRefusals::from_bits(bits).map_err(|code| {
        Failure::invalid(
            what,
            &format!("bit {} (0x{code:02X}) is no CONNACK refusal", code & 0x1F),
        )
    })
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Fills `out` with the core's defaults: MQTT 5.0, keep-alive 60 s, clean start, no
/// credentials, receive maximum 64, reconnect from 1 s to 60 s, 1,000 messages / 1 MiB queued,
/// automatic acknowledgement. `client_id` is NULL (the server assigns one); set it.
///
/// # Safety
/// `out` is NULL or points to writable memory for one `iotmqtt_client_config`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_config_default(
    out: *mut ClientConfig,
) -> crate::error::Status {
    guard(|| {
        let out = unsafe { out_ptr(out, "out") }?;
        let d = CoreConfig::new("");
        let r = &d.reconnect;
        out.write(ClientConfig {
            protocol: d.protocol.level(),
            client_id: std::ptr::null(),
            keep_alive: d.keep_alive,
            ping_timeout_ms: d.ping_timeout.map_or(0, millis),
            clean_start: d.clean_start,
            session_expiry: d.session_expiry,
            credentials: CredentialsMode::None as u8,
            username: std::ptr::null(),
            password: Bytes::NONE,
            will: std::ptr::null(),
            receive_maximum: d.receive_maximum,
            maximum_packet_size: d.maximum_packet_size,
            topic_alias_maximum: d.topic_alias_maximum,
            outgoing_topic_aliases: d.outgoing_topic_aliases,
            connack_timeout_ms: millis(d.connack_timeout),
            reconnect: r.enabled,
            reconnect_min_delay_ms: millis(r.min_delay),
            reconnect_max_delay_ms: millis(r.max_delay),
            jitter_seed: r.jitter_seed,
            stable_after_ms: millis(r.stable_after),
            resubscribe: r.resubscribe,
            requeue: match r.requeue {
                CorePolicy::Drop => RequeuePolicy::Drop as u8,
                _ => RequeuePolicy::Resend as u8,
            },
            reconnect_stop_on: r.stop_on.bits(),
            max_queued_messages: d.max_queued_messages,
            max_queued_bytes: d.max_queued_bytes,
            max_inflight: d.max_inflight,
            max_subscriptions: d.max_subscriptions,
            max_events: d.max_events,
            manual_ack: d.manual_ack,
            persistence: d.persistence,
            auth_method: std::ptr::null(),
            auth_data: Bytes::NONE,
            connect_properties: Properties::EMPTY,
        });
        Ok(())
    })
}

/// Properties copied for `ctx`; an empty list is no properties.
///
/// # Safety
/// As [`Properties::to_core`].
unsafe fn owned_properties(
    p: Properties,
    ctx: PropertyContext,
    what: &str,
) -> FfiResult<OwnedProperties> {
    let items = unsafe { p.to_core(what) }?;
    if items.is_empty() {
        return Ok(OwnedProperties::new());
    }
    OwnedProperties::from_properties(&CoreProperties::new(&items), ctx)
        .map_err(|v| Failure::from(iotmqtt::Error::Usage(iotmqtt::UsageError::Encode(v))))
}

/// The core configuration `c` describes. Ranges are checked later by the core
/// (`ClientConfig::validate`, run by `connect`).
///
/// # Safety
/// Every pointer in `c` is NULL or valid as documented on [`ClientConfig`].
pub(crate) unsafe fn config_in(c: &ClientConfig) -> FfiResult<CoreConfig> {
    let client_id = unsafe { opt_cstr(c.client_id, "config.client_id") }?.unwrap_or("");
    let mut config = CoreConfig::new(client_id);
    config.protocol = version_in(c.protocol, "config.protocol")?;
    config.keep_alive = c.keep_alive;
    config.ping_timeout =
        (c.ping_timeout_ms != 0).then(|| Duration::from_millis(c.ping_timeout_ms));
    config.clean_start = c.clean_start;
    config.session_expiry = c.session_expiry;
    let mode = enum_in(c.credentials, "config.credentials", |v| match v {
        0 => Some(CredentialsMode::None),
        1 => Some(CredentialsMode::Static),
        2 => Some(CredentialsMode::AskEachTime),
        _ => None,
    })?;
    config.credentials = match mode {
        CredentialsMode::None => Credentials::None,
        CredentialsMode::AskEachTime => Credentials::AskEachTime,
        CredentialsMode::Static => Credentials::Static {
            username: unsafe { opt_cstr(c.username, "config.username") }?.map(String::from),
            password: unsafe { c.password.get("config.password") }?.map(Password::new),
        },
    };
    if let Some(will) = (!c.will.is_null())
        .then(|| unsafe { in_ref(c.will, "config.will") })
        .transpose()?
    {
        config.will = Some(WillConfig {
            topic: unsafe { cstr(will.topic, "config.will.topic") }?.into(),
            payload: unsafe { will.payload.get_or_empty("config.will.payload") }?.to_vec(),
            qos: qos_in(will.qos, "config.will.qos")?,
            retain: will.retain,
            properties: unsafe {
                owned_properties(
                    will.properties,
                    PropertyContext::Will,
                    "config.will.properties",
                )
            }?,
        });
    }
    config.receive_maximum = c.receive_maximum;
    config.maximum_packet_size = c.maximum_packet_size;
    config.topic_alias_maximum = c.topic_alias_maximum;
    config.outgoing_topic_aliases = c.outgoing_topic_aliases;
    config.connack_timeout = Duration::from_millis(c.connack_timeout_ms);
    config.reconnect = ReconnectPolicy {
        enabled: c.reconnect,
        min_delay: Duration::from_millis(c.reconnect_min_delay_ms),
        max_delay: Duration::from_millis(c.reconnect_max_delay_ms),
        jitter_seed: c.jitter_seed,
        stable_after: Duration::from_millis(c.stable_after_ms),
        resubscribe: c.resubscribe,
        requeue: enum_in(c.requeue, "config.requeue", |v| match v {
            0 => Some(CorePolicy::Resend),
            1 => Some(CorePolicy::Drop),
            _ => None,
        })?,
        stop_on: stop_on_in(c.reconnect_stop_on, "config.reconnect_stop_on")?,
    };
    config.max_queued_messages = c.max_queued_messages;
    config.max_queued_bytes = c.max_queued_bytes;
    config.max_inflight = c.max_inflight;
    config.max_subscriptions = c.max_subscriptions;
    config.max_events = c.max_events;
    config.manual_ack = c.manual_ack;
    config.persistence = c.persistence;
    config.auth_method =
        unsafe { opt_cstr(c.auth_method, "config.auth_method") }?.map(String::from);
    config.auth_data = unsafe { c.auth_data.get("config.auth_data") }?.map(<[u8]>::to_vec);
    config.connect_properties = unsafe {
        owned_properties(
            c.connect_properties,
            PropertyContext::Connect,
            "config.connect_properties",
        )
    }?;
    Ok(config)
}
