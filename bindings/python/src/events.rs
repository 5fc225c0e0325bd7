//! What a `Client` reports, as frozen Python data classes: one class per core `Event` variant.

use iotmqtt::OwnedProperties;
use iotmqtt::client::{ConnectedInfo, ConnectionLost as CoreLost, Event, Message as CoreMessage};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};

use crate::args::record;
use crate::errors::{dropped_object, error_object, request_dropped_object};
use crate::properties::{self, Properties};
use crate::topics::TopicCache;

record! {
    /// A transport is open and the client needs a user name and password for CONNECT: answer
    /// with ``Client.set_credentials`` (compute time-limited passwords now).
    CredentialsNeeded {}
}

record! {
    /// MQTT 5 enhanced authentication: the server sent AUTH "continue"; answer with
    /// ``Client.auth_continue``.
    AuthChallenge {
        method: Py<PyString>,
        data: Option<Py<PyBytes>>,
        properties: Py<Properties>,
    }
}

record! {
    /// MQTT 5 re-authentication succeeded.
    Reauthenticated { properties: Py<Properties> }
}

record! {
    /// CONNACK accepted the connection; every CONNACK property, with the MQTT 5 defaults
    /// filled in for absent ones.
    Connected {
        session_present: bool,
        keep_alive: u16,
        server_keep_alive: Option<u16>,
        session_expiry: u32,
        assigned_client_id: Option<Py<PyString>>,
        receive_maximum: u16,
        maximum_packet_size: Option<u32>,
        topic_alias_maximum: u16,
        maximum_qos: u8,
        retain_available: bool,
        wildcard_subscription_available: bool,
        subscription_identifiers_available: bool,
        shared_subscription_available: bool,
        reason_string: Option<Py<PyString>>,
        response_information: Option<Py<PyString>>,
        server_reference: Option<Py<PyString>>,
        authentication_data: Option<Py<PyBytes>>,
        user_properties: Py<PyTuple>,
        properties: Py<Properties>,
    }
}

record! {
    /// A message arrived (topic aliases resolved). ``ack_token`` is set for QoS 1 and 2: in
    /// manual-ack mode pass it to ``Client.ack`` once the message is stored.
    Message {
        topic: Py<PyString>,
        payload: Py<PyBytes>,
        qos: u8,
        retain: bool,
        dup: bool,
        packet_id: Option<u16>,
        properties: Py<Properties>,
        ack_token: Option<u64>,
    }
}

record! {
    /// PUBACK for a QoS 1 message: ``reason`` is the server's reason code (≥ 0x80 = refused).
    PublishAcked { packet_id: u16, reason: u8, properties: Py<Properties> }
}

record! {
    /// The QoS 2 exchange ended: PUBCOMP, or PUBREC with a failure code.
    PublishCompleted { packet_id: u16, reason: u8, properties: Py<Properties> }
}

record! {
    /// A published message was given up. ``reason`` is the drop code (``"session_lost"``,
    /// ``"packet_too_large"``, ``"qos_not_supported"``, ``"retain_not_supported"``,
    /// ``"invalid"``); ``error`` the matching ``PublishDroppedError``.
    PublishDropped {
        packet_id: Option<u16>,
        reason: Py<PyString>,
        error: Py<PyAny>,
    }
}

record! {
    /// A SUBSCRIBE or UNSUBSCRIBE was given up unanswered: after a reconnect it no longer fits
    /// the server's Maximum Packet Size. ``reason`` is the drop code (``"packet_too_large"``);
    /// ``error`` the matching ``RequestDroppedError``. No ``Subscribed``/``Unsubscribed``
    /// follows for ``packet_id``.
    RequestDropped {
        packet_id: u16,
        reason: Py<PyString>,
        error: Py<PyAny>,
    }
}

record! {
    /// SUBACK: one reason code per filter, in request order (``resubscribe``: the client's own
    /// re-subscription after a new session).
    Subscribed {
        packet_id: u16,
        reasons: Py<PyTuple>,
        properties: Py<Properties>,
        resubscribe: bool,
    }
}

record! {
    /// UNSUBACK: one reason code per filter (MQTT 5.0; empty in 3.1.1).
    Unsubscribed { packet_id: u16, reasons: Py<PyTuple>, properties: Py<Properties> }
}

record! {
    /// The connection ended: close the transport once the bytes already polled are written.
    /// ``error`` is the exception that says why (``ProtocolError`` with code
    /// ``"connection_closed"``, ``"disconnected"``, ``"connect_refused"``, …,
    /// ``TimeoutError``, ``MalformedError``); ``reconnect_at`` the time (ms) the client will ask
    /// for a new transport, or ``None``.
    ConnectionLost {
        error: Py<PyAny>,
        reason_string: Option<Py<PyString>>,
        server_reference: Option<Py<PyString>>,
        user_properties: Py<PyTuple>,
        reconnect_at: Option<u64>,
    }
}

record! {
    /// ``disconnect()`` finished: write what ``poll_transmit`` returned, then close the
    /// transport.
    Disconnected {}
}

record! {
    /// Time to open a new transport and call ``handle_connected``.
    ReconnectDue { attempt: u32 }
}

record! {
    /// (Persistence mode) the session changed: take ``snapshot()`` and store it; output is held
    /// back until then.
    PersistRequired {}
}

record! {
    /// QoS 0 messages were dropped because events were not taken fast enough.
    MessagesDropped { count: u64 }
}

fn opt_s(py: Python<'_>, v: Option<&str>) -> Option<Py<PyString>> {
    v.map(|s| PyString::new(py, s).unbind())
}

fn pairs(py: Python<'_>, v: &[(String, String)]) -> PyResult<Py<PyTuple>> {
    Ok(PyTuple::new(py, v)?.unbind())
}

fn props(py: Python<'_>, p: &OwnedProperties) -> PyResult<Py<Properties>> {
    properties::owned_to_py(py, p)
}

/// A received message as its Python event; its topic string from `topics`.
pub(crate) fn message_to_py<'py>(
    py: Python<'py>,
    m: &CoreMessage,
    topics: &mut TopicCache,
) -> PyResult<Bound<'py, PyAny>> {
    let obj = Message {
        topic: topics.get(py, &m.topic),
        payload: PyBytes::new(py, &m.payload).unbind(),
        qos: m.qos as u8,
        retain: m.retain,
        dup: m.dup,
        packet_id: m.packet_id.map(|id| id.get()),
        properties: props(py, &m.properties)?,
        ack_token: m.ack_token.map(|t| t.to_u64()),
    };
    Ok(Bound::new(py, obj)?.into_any())
}

fn connected_to_py<'py>(py: Python<'py>, c: &ConnectedInfo) -> PyResult<Bound<'py, PyAny>> {
    let obj = Connected {
        session_present: c.session_present,
        keep_alive: c.keep_alive,
        server_keep_alive: c.server_keep_alive,
        session_expiry: c.session_expiry,
        assigned_client_id: opt_s(py, c.assigned_client_id.as_deref()),
        receive_maximum: c.receive_maximum,
        maximum_packet_size: c.maximum_packet_size,
        topic_alias_maximum: c.topic_alias_maximum,
        maximum_qos: c.maximum_qos as u8,
        retain_available: c.retain_available,
        wildcard_subscription_available: c.wildcard_subscription_available,
        subscription_identifiers_available: c.subscription_identifiers_available,
        shared_subscription_available: c.shared_subscription_available,
        reason_string: opt_s(py, c.reason_string.as_deref()),
        response_information: opt_s(py, c.response_information.as_deref()),
        server_reference: opt_s(py, c.server_reference.as_deref()),
        authentication_data: c
            .authentication_data
            .as_deref()
            .map(|d| PyBytes::new(py, d).unbind()),
        user_properties: pairs(py, &c.user_properties)?,
        properties: props(py, &c.properties)?,
    };
    Ok(Bound::new(py, obj)?.into_any())
}

fn lost_to_py<'py>(py: Python<'py>, l: &CoreLost) -> PyResult<Bound<'py, PyAny>> {
    let obj = ConnectionLost {
        error: error_object(py, &l.error)?.unbind(),
        reason_string: opt_s(py, l.reason_string.as_deref()),
        server_reference: opt_s(py, l.server_reference.as_deref()),
        user_properties: pairs(py, &l.user_properties)?,
        reconnect_at: l.reconnect_at.map(|t| t.as_millis()),
    };
    Ok(Bound::new(py, obj)?.into_any())
}

/// Any client event as its Python object (message topics through `topics`).
pub(crate) fn event_to_py<'py>(
    py: Python<'py>,
    event: &Event,
    topics: &mut TopicCache,
) -> PyResult<Bound<'py, PyAny>> {
    macro_rules! new {
        ($v:expr) => {
            Ok(Bound::new(py, $v)?.into_any())
        };
    }
    match event {
        Event::Message(m) => message_to_py(py, m, topics),
        Event::PublishAcked {
            packet_id,
            reason,
            properties,
        } => new!(PublishAcked {
            packet_id: packet_id.get(),
            reason: reason.as_u8(),
            properties: props(py, properties)?,
        }),
        Event::PublishCompleted {
            packet_id,
            reason,
            properties,
        } => new!(PublishCompleted {
            packet_id: packet_id.get(),
            reason: reason.as_u8(),
            properties: props(py, properties)?,
        }),
        Event::CredentialsNeeded => new!(CredentialsNeeded {}),
        Event::AuthChallenge {
            method,
            data,
            properties,
        } => new!(AuthChallenge {
            method: PyString::new(py, method).unbind(),
            data: data.as_deref().map(|d| PyBytes::new(py, d).unbind()),
            properties: props(py, properties)?,
        }),
        Event::Reauthenticated { properties } => new!(Reauthenticated {
            properties: props(py, properties)?,
        }),
        Event::Connected(info) => connected_to_py(py, info),
        Event::PublishDropped { packet_id, reason } => new!(PublishDropped {
            packet_id: packet_id.map(|id| id.get()),
            reason: PyString::new(py, reason.code()).unbind(),
            error: dropped_object(py, reason)?.unbind(),
        }),
        Event::RequestDropped { packet_id, reason } => new!(RequestDropped {
            packet_id: packet_id.get(),
            reason: PyString::new(py, reason.code()).unbind(),
            error: request_dropped_object(py, reason)?.unbind(),
        }),
        Event::Subscribed {
            packet_id,
            reasons,
            properties,
            resubscribe,
        } => new!(Subscribed {
            packet_id: packet_id.get(),
            reasons: PyTuple::new(py, reasons.iter().map(|r| r.as_u8()))?.unbind(),
            properties: props(py, properties)?,
            resubscribe: *resubscribe,
        }),
        Event::Unsubscribed {
            packet_id,
            reasons,
            properties,
        } => new!(Unsubscribed {
            packet_id: packet_id.get(),
            reasons: PyTuple::new(py, reasons.iter().map(|r| r.as_u8()))?.unbind(),
            properties: props(py, properties)?,
        }),
        Event::ConnectionLost(lost) => lost_to_py(py, lost),
        Event::Disconnected => new!(Disconnected {}),
        Event::ReconnectDue { attempt } => new!(ReconnectDue { attempt: *attempt }),
        Event::PersistRequired => new!(PersistRequired {}),
        Event::MessagesDropped { count } => new!(MessagesDropped { count: *count }),
        // The core may add variants; a binding built against it reports them by name.
        other => Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "iotmqtt: an event this binding does not know: {other:?}"
        ))),
    }
}
