//! `iotmqtt_client`: the core's sans-IO MQTT client session.
//!
//! The call protocol is the core's (`iotmqtt::client::Client`): commands return at once;
//! inputs (`handle_connected`, `handle_bytes`, `handle_timeout`, `handle_closed`) take the
//! time as milliseconds since an epoch the caller chooses; outputs are polled in the order
//! `poll_transmit` (until it writes 0 bytes), `poll_timeout`, `poll_event` (until
//! `IOTMQTT_EVENT_TYPE_NONE`), repeated until nothing moves, because taking an event can queue
//! output.

mod config;
mod event;

use std::ffi::c_char;

use iotmqtt::client::{AckToken, Client as CoreClient, State as CoreState};
use iotmqtt::{
    Instant, Properties as CoreProperties, RetainHandling, Subscription as CoreSubscription,
    SubscriptionOptions,
};

pub(crate) use config::stop_on_in;
pub use config::{
    ClientConfig, CredentialsMode, RequeuePolicy, Will, iotmqtt_client_config_default,
};
pub(crate) use event::EventSlot;
pub use event::{
    AckEvent, AuthEvent, ConnectedEvent, ConnectionLostEvent, DropReason, DroppedEvent, Event,
    EventType, MessageEvent, SubscribedEvent,
};

use crate::error::{ErrorInfo, ErrorSlot, Failure, Status};
use crate::ffi::{
    FfiResult, Handle, buffer, cstr, enum_in, guard, in_ref, opt_cstr, out_ptr, slice, with_handle,
};
use crate::types::{Bytes, NO_DEADLINE, Properties, Str, qos_in};

/// A client session (opaque). Create with `iotmqtt_client_new`, free with `iotmqtt_client_free`.
pub struct Client {
    inner: CoreClient,
    event: event::EventSlot,
    snapshot: Vec<u8>,
    error: ErrorSlot,
}

impl Handle for Client {
    fn error_slot(&mut self) -> &mut ErrorSlot {
        &mut self.error
    }
}

impl Client {
    /// The core client. The last event is kept until the next `poll_event` (the documented
    /// contract is shorter: until the next call), so that a caller who passes one of its spans
    /// to the call answering it does not read freed memory.
    fn touch(&mut self) -> &mut CoreClient {
        &mut self.inner
    }
}

/// The lifecycle state of a client (the core's `State`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Not connected and not trying to.
    Idle = 0,
    /// Wants a connection: open a transport and call `handle_connected`.
    WaitingForTransport = 1,
    /// A transport is open; waiting for `set_credentials`.
    AwaitingCredentials = 2,
    /// CONNECT is queued or sent; waiting for CONNACK.
    AwaitingConnack = 3,
    /// Connected.
    Connected = 4,
    /// The connection was lost; the reconnect timer runs.
    Backoff = 5,
}

/// The C view of a core state.
pub(crate) fn state_out(s: CoreState) -> State {
    match s {
        CoreState::Idle => State::Idle,
        CoreState::WaitingForTransport => State::WaitingForTransport,
        CoreState::AwaitingCredentials => State::AwaitingCredentials,
        CoreState::AwaitingConnack => State::AwaitingConnack,
        CoreState::Connected => State::Connected,
        CoreState::Backoff => State::Backoff,
    }
}

/// One entry of a SUBSCRIBE.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Subscription {
    /// The topic filter (NUL-terminated UTF-8).
    pub filter: *const c_char,
    /// Maximum QoS, an `iotmqtt_qos`.
    pub qos: u8,
    /// No Local (5.0).
    pub no_local: bool,
    /// Retain As Published (5.0).
    pub retain_as_published: bool,
    /// Retain Handling (5.0): 0 send at subscribe, 1 only if new, 2 never.
    pub retain_handling: u8,
}

/// Subscription options from C.
pub(crate) fn options_in(
    qos: u8,
    no_local: bool,
    retain_as_published: bool,
    retain_handling: u8,
    what: &str,
) -> FfiResult<SubscriptionOptions> {
    Ok(SubscriptionOptions {
        qos: qos_in(qos, what)?,
        no_local,
        retain_as_published,
        retain_handling: enum_in(retain_handling, what, |v| match v {
            0 => Some(RetainHandling::SendAtSubscribe),
            1 => Some(RetainHandling::SendIfNew),
            2 => Some(RetainHandling::DoNotSend),
            _ => None,
        })?,
    })
}

fn now(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// Creates a client from `config` and writes it to `out`. Never fails on the configuration's
/// values (`iotmqtt_client_connect` checks them); fails only on NULL, non-UTF-8 strings or enum
/// values out of range (recorded in `iotmqtt_last_error`).
///
/// # Safety
/// `config` is NULL or a valid configuration whose pointers are valid as documented on
/// `iotmqtt_client_config`; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_new(
    config: *const ClientConfig,
    out: *mut *mut Client,
) -> Status {
    guard(|| {
        let out = unsafe { out_ptr(out, "out") }?;
        let config = unsafe { config::config_in(in_ref(config, "config")?) }?;
        let client = Box::new(Client {
            inner: CoreClient::new(config),
            event: event::EventSlot::default(),
            snapshot: Vec::new(),
            error: ErrorSlot::default(),
        });
        out.write(Box::into_raw(client));
        Ok(())
    })
}

/// Frees a client and everything it holds (queued messages, the last event). NULL does
/// nothing.
///
/// # Safety
/// `client` is NULL or a client from `iotmqtt_client_new` not freed before; it must not be used
/// afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_free(client: *mut Client) {
    if !client.is_null() {
        // A panic in a destructor is not possible here (plain memory); catch it anyway.
        let _ = std::panic::catch_unwind(|| drop(unsafe { Box::from_raw(client) }));
    }
}

/// The details of the last failure of a function called on `client` (see `iotmqtt_error`);
/// the strings stay valid until the next failing call on `client`.
///
/// # Safety
/// `client` is NULL or a live client; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_last_error(
    client: *mut Client,
    out: *mut ErrorInfo,
) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let out = out_ptr(out, "out")?;
            out.write(c.error.info());
            Ok(())
        })
    }
}

/// Starts connecting: `IOTMQTT_STATE_WAITING_FOR_TRANSPORT`; open a transport and call
/// `iotmqtt_client_handle_connected`. Reconnects follow a loss until `iotmqtt_client_disconnect`.
/// Fails with `IOTMQTT_STATUS_INVALID_CONFIG` (the message names the setting) or
/// `IOTMQTT_STATUS_INVALID_STATE` unless idle.
///
/// # Safety
/// `client` is NULL or a live client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_connect(client: *mut Client) -> Status {
    unsafe { with_handle(client, "client", |c| Ok(c.touch().connect()?)) }
}

/// Ends the connection: queues DISCONNECT (if CONNECT was sent), emits
/// `IOTMQTT_EVENT_TYPE_DISCONNECTED` and stops reconnecting; the session is kept.
///
/// # Safety
/// `client` is NULL or a live client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_disconnect(client: *mut Client) -> Status {
    unsafe { with_handle(client, "client", |c| Ok(c.touch().disconnect()?)) }
}

/// Answers `IOTMQTT_EVENT_TYPE_CREDENTIALS_NEEDED`: sends CONNECT with this user name (NULL:
/// none) and password (`password` NULL: none; `password_len` bytes otherwise). The password
/// is not kept.
///
/// # Safety
/// `client` is NULL or a live client; `username` is NULL or NUL-terminated; `password` is NULL or
/// points to `password_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_set_credentials(
    client: *mut Client,
    username: *const c_char,
    password: *const u8,
    password_len: usize,
) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let username = opt_cstr(username, "username")?;
            let password = crate::ffi::opt_bytes(password, password_len, "password")?;
            Ok(c.touch().set_credentials(username, password)?)
        })
    }
}

/// Replaces the Client Identifier for the next CONNECT (answer
/// `IOTMQTT_EVENT_TYPE_CREDENTIALS_NEEDED` with it, then `set_credentials`, for logins whose
/// client id carries the time, such as IoTDA's).
///
/// # Safety
/// `client` is NULL or a live client; `client_id` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_set_client_id(
    client: *mut Client,
    client_id: *const c_char,
) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let id = cstr(client_id, "client_id")?;
            Ok(c.touch().set_client_id(id)?)
        })
    }
}

/// Publishes a message (copied; queued until connected and a slot is free). `packet_id`
/// (may be NULL) receives the packet identifier for QoS 1/2, which the
/// `IOTMQTT_EVENT_TYPE_PUBLISH_ACKED` / `_COMPLETED` event will carry, and 0 at QoS 0.
///
/// # Safety
/// `client` is NULL or a live client; `topic` is NULL or NUL-terminated; `payload` is NULL or
/// points to `payload_len` bytes; `properties` is NULL or points to `properties_len` valid
/// properties; `packet_id` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // the message, its flags and its properties, as in the core
pub unsafe extern "C" fn iotmqtt_client_publish(
    client: *mut Client,
    topic: *const c_char,
    payload: *const u8,
    payload_len: usize,
    qos: u8,
    retain: bool,
    properties: *const crate::types::Property,
    properties_len: usize,
    packet_id: *mut u16,
) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let topic = cstr(topic, "topic")?;
            let payload = slice(payload, payload_len, "payload")?;
            let qos = qos_in(qos, "qos")?;
            let props = Properties {
                items: properties,
                len: properties_len,
            }
            .to_core("properties")?;
            let id_out = (!packet_id.is_null())
                .then(|| out_ptr(packet_id, "packet_id"))
                .transpose()?;
            let id = c
                .touch()
                .publish(topic, payload, qos, retain, CoreProperties::new(&props))?;
            if let Some(out) = id_out {
                out.write(id.map_or(0, |i| i.get()));
            }
            Ok(())
        })
    }
}

/// Subscribes to `subscriptions_len` filters; `IOTMQTT_EVENT_TYPE_SUBSCRIBED` follows with one
/// reason code each. `packet_id` (may be NULL) receives the request's packet identifier.
///
/// # Safety
/// `client` is NULL or a live client; `subscriptions` points to `subscriptions_len` entries whose
/// filters are NUL-terminated; `properties` is NULL or points to `properties_len` valid
/// properties; `packet_id` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_subscribe(
    client: *mut Client,
    subscriptions: *const Subscription,
    subscriptions_len: usize,
    properties: *const crate::types::Property,
    properties_len: usize,
    packet_id: *mut u16,
) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let subs = slice(subscriptions, subscriptions_len, "subscriptions")?
                .iter()
                .map(|s| {
                    Ok(CoreSubscription {
                        filter: cstr(s.filter, "subscriptions.filter")?,
                        options: options_in(
                            s.qos,
                            s.no_local,
                            s.retain_as_published,
                            s.retain_handling,
                            "subscriptions",
                        )?,
                    })
                })
                .collect::<FfiResult<Vec<_>>>()?;
            let props = Properties {
                items: properties,
                len: properties_len,
            }
            .to_core("properties")?;
            let id_out = (!packet_id.is_null())
                .then(|| out_ptr(packet_id, "packet_id"))
                .transpose()?;
            let id = c.touch().subscribe(&subs, CoreProperties::new(&props))?;
            if let Some(out) = id_out {
                out.write(id.get());
            }
            Ok(())
        })
    }
}

/// Unsubscribes from `filters_len` filters; `IOTMQTT_EVENT_TYPE_UNSUBSCRIBED` follows.
/// `packet_id` (may be NULL) receives the request's packet identifier.
///
/// # Safety
/// `client` is NULL or a live client; `filters` points to `filters_len` NUL-terminated strings;
/// `properties` is NULL or points to `properties_len` valid properties; `packet_id` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_unsubscribe(
    client: *mut Client,
    filters: *const *const c_char,
    filters_len: usize,
    properties: *const crate::types::Property,
    properties_len: usize,
    packet_id: *mut u16,
) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let filters = slice(filters, filters_len, "filters")?
                .iter()
                .map(|f| cstr(*f, "filters"))
                .collect::<FfiResult<Vec<_>>>()?;
            let props = Properties {
                items: properties,
                len: properties_len,
            }
            .to_core("properties")?;
            let id_out = (!packet_id.is_null())
                .then(|| out_ptr(packet_id, "packet_id"))
                .transpose()?;
            let id = c
                .touch()
                .unsubscribe(&filters, CoreProperties::new(&props))?;
            if let Some(out) = id_out {
                out.write(id.get());
            }
            Ok(())
        })
    }
}

/// Manual-ack mode: acknowledges the message whose event carried `ack_token`, once the
/// application has stored it.
///
/// # Safety
/// `client` is NULL or a live client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_ack(client: *mut Client, ack_token: u64) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            Ok(c.touch().ack(AckToken::from_u64(ack_token))?)
        })
    }
}

/// Answers `IOTMQTT_EVENT_TYPE_AUTH_CHALLENGE` with this Authentication Data.
///
/// # Safety
/// `client` is NULL or a live client; `data` is NULL or points to `data_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_auth_continue(
    client: *mut Client,
    data: *const u8,
    data_len: usize,
) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let data = slice(data, data_len, "data")?;
            Ok(c.touch().auth_continue(data)?)
        })
    }
}

/// Starts MQTT 5.0 re-authentication with this Authentication Data.
///
/// # Safety
/// `client` is NULL or a live client; `data` is NULL or points to `data_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_reauthenticate(
    client: *mut Client,
    data: *const u8,
    data_len: usize,
) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let data = slice(data, data_len, "data")?;
            Ok(c.touch().reauthenticate(data)?)
        })
    }
}

/// The driver opened a transport (TCP, TLS, WebSocket) at `now_ms`.
///
/// # Safety
/// `client` is NULL or a live client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_handle_connected(
    client: *mut Client,
    now_ms: u64,
) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            c.touch().handle_connected(now(now_ms));
            Ok(())
        })
    }
}

/// Bytes read from the transport, split anywhere. A peer fault is not a failure of this call:
/// it becomes `IOTMQTT_EVENT_TYPE_CONNECTION_LOST`.
///
/// # Safety
/// `client` is NULL or a live client; `data` is NULL or points to `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_handle_bytes(
    client: *mut Client,
    now_ms: u64,
    data: *const u8,
    len: usize,
) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let data = slice(data, len, "data")?;
            c.touch().handle_bytes(now(now_ms), data);
            Ok(())
        })
    }
}

/// The deadline from `iotmqtt_client_poll_timeout` passed (early or repeated calls do nothing).
///
/// # Safety
/// `client` is NULL or a live client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_handle_timeout(client: *mut Client, now_ms: u64) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            c.touch().handle_timeout(now(now_ms));
            Ok(())
        })
    }
}

/// The transport closed or could not be opened.
///
/// # Safety
/// `client` is NULL or a live client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_handle_closed(client: *mut Client, now_ms: u64) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            c.touch().handle_closed(now(now_ms));
            Ok(())
        })
    }
}

/// Writes whole packets to send into `buf` (`cap` bytes) and stores the number of bytes
/// written in `out_len` (0: nothing to send). Call it until it writes 0. When not even the
/// next packet fits, returns `IOTMQTT_STATUS_BUFFER_TOO_SMALL` and stores the size that packet
/// needs in `out_len`; nothing is lost. `buf` may be NULL when `cap` is 0 (to ask the size).
///
/// # Safety
/// `client` is NULL or a live client; `buf` is NULL or points to `cap` writable bytes; `out_len`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_poll_transmit(
    client: *mut Client,
    now_ms: u64,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let out_len = out_ptr(out_len, "out_len")?;
            let buf = buffer(buf, cap, "buf")?;
            match c.touch().poll_transmit_to_slice(now(now_ms), buf) {
                Ok(n) => {
                    out_len.write(n);
                    Ok(())
                }
                Err(e) => {
                    let failure = Failure::from(&e);
                    if let iotmqtt::Error::Usage(iotmqtt::UsageError::BufferTooSmall { required }) =
                        e
                    {
                        out_len.write(required);
                    }
                    Err(failure)
                }
            }
        })
    }
}

/// Stores the next deadline in `out_ms`: call `iotmqtt_client_handle_timeout` then.
/// `IOTMQTT_NO_DEADLINE` when no timer runs.
///
/// # Safety
/// `client` is NULL or a live client; `out_ms` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_poll_timeout(
    client: *mut Client,
    out_ms: *mut u64,
) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let out = out_ptr(out_ms, "out_ms")?;
            out.write(
                c.touch()
                    .poll_timeout()
                    .map_or(NO_DEADLINE, Instant::as_millis),
            );
            Ok(())
        })
    }
}

/// Takes the next event into `out` (`out->type` is `IOTMQTT_EVENT_TYPE_NONE` when there is
/// none). Its spans borrow from the client **until the next call on this client**; copy what
/// you keep. Taking a QoS 1/2 message in automatic-ack mode queues its acknowledgement: poll
/// transmit again afterwards.
///
/// # Safety
/// `client` is NULL or a live client; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_poll_event(client: *mut Client, out: *mut Event) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let out = out_ptr(out, "out")?;
            c.event.clear();
            let event = c.inner.poll_event();
            out.write(c.event.hold(event)?);
            Ok(())
        })
    }
}

/// Stores the lifecycle state in `out`.
///
/// # Safety
/// `client` is NULL or a live client; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_state(client: *mut Client, out: *mut State) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let out = out_ptr(out, "out")?;
            out.write(state_out(c.touch().state()));
            Ok(())
        })
    }
}

/// Stores the Client Identifier the next CONNECT uses (the server-assigned one if it assigned
/// one) in `out`; the span borrows from the client until the next call on it.
///
/// # Safety
/// `client` is NULL or a live client; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_client_id(client: *mut Client, out: *mut Str) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let out = out_ptr(out, "out")?;
            out.write(Str::of(c.touch().client_id()));
            Ok(())
        })
    }
}

/// Takes a snapshot of the session (queued and in-flight messages, subscriptions, packet
/// identifiers) to store; `out` borrows from the client until the next call on it. In
/// persistence mode this releases the output held back.
///
/// # Safety
/// `client` is NULL or a live client; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_snapshot(client: *mut Client, out: *mut Bytes) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let out = out_ptr(out, "out")?;
            let snapshot = c.touch().snapshot();
            c.snapshot = snapshot;
            out.write(Bytes::of(&c.snapshot));
            Ok(())
        })
    }
}

/// Restores a snapshot into an idle client made with the same configuration (after a
/// restart). Fails with `IOTMQTT_STATUS_SNAPSHOT` on bytes it cannot use; nothing changes then.
///
/// # Safety
/// `client` is NULL or a live client; `data` is NULL or points to `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_client_restore(
    client: *mut Client,
    data: *const u8,
    len: usize,
) -> Status {
    unsafe {
        with_handle(client, "client", |c| {
            let data = slice(data, len, "data")?;
            Ok(c.touch().restore(data)?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::MaybeUninit;

    fn new_client(id: &std::ffi::CStr) -> *mut Client {
        let mut cfg = MaybeUninit::uninit();
        assert_eq!(
            unsafe { iotmqtt_client_config_default(cfg.as_mut_ptr()) },
            Status::Ok
        );
        let mut cfg = unsafe { cfg.assume_init() };
        cfg.client_id = id.as_ptr();
        cfg.keep_alive = 0;
        let mut client = std::ptr::null_mut();
        assert_eq!(unsafe { iotmqtt_client_new(&cfg, &mut client) }, Status::Ok);
        client
    }

    #[test]
    fn connect_sends_connect_and_free_null_is_a_no_op() {
        let c = new_client(c"c1");
        unsafe {
            assert_eq!(iotmqtt_client_connect(c), Status::Ok);
            assert_eq!(iotmqtt_client_handle_connected(c, 0), Status::Ok);
            let mut buf = [0u8; 64];
            let mut n = 0;
            assert_eq!(
                iotmqtt_client_poll_transmit(c, 0, buf.as_mut_ptr(), 2, &mut n),
                Status::BufferTooSmall
            );
            assert!(n > 2);
            assert_eq!(
                iotmqtt_client_poll_transmit(c, 0, buf.as_mut_ptr(), buf.len(), &mut n),
                Status::Ok
            );
            assert_eq!(buf[0], 0x10);
            assert_eq!(iotmqtt_client_connect(c), Status::InvalidState);
            let mut info = MaybeUninit::uninit();
            assert_eq!(iotmqtt_client_last_error(c, info.as_mut_ptr()), Status::Ok);
            let info = info.assume_init();
            assert_eq!(
                std::ffi::CStr::from_ptr(info.code).to_bytes(),
                b"invalid_state"
            );
            iotmqtt_client_free(c);
            iotmqtt_client_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn a_null_client_is_a_null_argument() {
        assert_eq!(
            unsafe { iotmqtt_client_connect(std::ptr::null_mut()) },
            Status::NullArgument
        );
    }
}
