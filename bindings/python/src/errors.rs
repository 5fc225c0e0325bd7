//! Core errors as the Python exceptions of `iotmqtt.errors`: the class is chosen here, from the
//! core variant; `kind`, `code` and `reason_code` come from the core unchanged.

use iotmqtt::client::DropReason;
use iotmqtt::iotda::IotdaError;
use iotmqtt::{DecodeError, Error, Needed, ReasonCode, UsageError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The pure-Python module that defines the exception classes.
fn errors_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    ERRORS
        .get_or_try_init(py, || py.import("iotmqtt.errors").map(Bound::unbind))
        .map(|m| m.bind(py))
}

/// Builds an exception instance of class `class` from `iotmqtt.errors`.
fn instance<'py>(
    py: Python<'py>,
    class: &str,
    message: &str,
    kind: &str,
    code: &str,
    reason_code: u8,
    extra: &[(&str, Bound<'py, PyAny>)],
) -> PyResult<Bound<'py, PyAny>> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("kind", kind)?;
    kwargs.set_item("code", code)?;
    kwargs.set_item("reason_code", reason_code)?;
    for (k, v) in extra {
        kwargs.set_item(*k, v)?;
    }
    errors_module(py)?
        .getattr(class)?
        .call((message,), Some(&kwargs))
}

/// Which class of the tree reports a usage error.
fn usage_class(u: &UsageError) -> &'static str {
    match u {
        UsageError::InvalidConfig(_) => "ConfigError",
        UsageError::InvalidState(_) => "InvalidStateError",
        UsageError::QueueFull | UsageError::PacketIdsExhausted => "QueueFullError",
        UsageError::PacketTooLarge { .. } => "PacketTooLargeError",
        UsageError::Encode(_) => "EncodeError",
        UsageError::Snapshot(_) => "SnapshotError",
        UsageError::Iotda(_) => "IotdaError",
        _ => "UsageError",
    }
}

/// The exception object for a core error (raised by commands, carried by `ConnectionLost`).
pub(crate) fn error_object<'py>(py: Python<'py>, e: &Error) -> PyResult<Bound<'py, PyAny>> {
    let message = e.to_string();
    let (kind, code, reason) = (e.kind().as_str(), e.code(), e.reason_code().as_u8());
    match e {
        Error::Malformed { offset, .. } => {
            let offset = offset.into_pyobject(py)?.into_any();
            instance(
                py,
                "MalformedError",
                &message,
                kind,
                code,
                reason,
                &[("offset", offset)],
            )
        }
        Error::Protocol(_) => instance(py, "ProtocolError", &message, kind, code, reason, &[]),
        Error::Usage(u) => instance(py, usage_class(u), &message, kind, code, reason, &[]),
        Error::Timeout(_) => instance(py, "TimeoutError", &message, kind, code, reason, &[]),
        _ => instance(py, "MqttError", &message, kind, code, reason, &[]),
    }
}

/// A core error as a `PyErr` to raise.
pub(crate) fn to_pyerr(py: Python<'_>, e: &Error) -> PyErr {
    match error_object(py, e) {
        Ok(obj) => PyErr::from_value(obj),
        Err(err) => err,
    }
}

/// Shorthand: core results into Python results.
pub(crate) trait IntoPy<T> {
    /// Maps the core error to its exception.
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, &e))
    }
}

impl<T> IntoPy<T> for Result<T, IotdaError> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, &Error::from(e)))
    }
}

/// A decoder failure: `MalformedError` for bad bytes, `IncompleteError` for a partial packet.
pub(crate) fn decode_error(py: Python<'_>, e: DecodeError) -> PyErr {
    match e {
        DecodeError::Invalid { offset, violation } => {
            to_pyerr(py, &Error::Malformed { offset, violation })
        }
        DecodeError::Incomplete(needed) => {
            let (n, exact) = match needed {
                Needed::Exact(n) => (n, true),
                Needed::AtLeast(n) => (n, false),
            };
            let message = if exact {
                format!("incomplete packet: {n} more bytes needed")
            } else {
                format!("incomplete packet: at least {n} more bytes needed")
            };
            let built = (|| {
                let extra = [
                    ("needed", n.into_pyobject(py)?.into_any()),
                    ("exact", exact.into_pyobject(py)?.to_owned().into_any()),
                ];
                instance(
                    py,
                    "IncompleteError",
                    &message,
                    "incomplete",
                    "incomplete",
                    ReasonCode::MalformedPacket.as_u8(),
                    &extra,
                )
            })();
            match built {
                Ok(obj) => PyErr::from_value(obj),
                Err(err) => err,
            }
        }
    }
}

/// The reason code a dropped publish maps to: that of the refusal it stands for.
fn drop_reason_code(reason: &DropReason) -> ReasonCode {
    match reason {
        DropReason::PacketTooLarge { .. } => ReasonCode::PacketTooLarge,
        DropReason::QosNotSupported => ReasonCode::QosNotSupported,
        DropReason::RetainNotSupported => ReasonCode::RetainNotSupported,
        _ => ReasonCode::UnspecifiedError,
    }
}

/// A `PublishDroppedError` for a message the client gave up.
pub(crate) fn dropped_object<'py>(
    py: Python<'py>,
    reason: &DropReason,
) -> PyResult<Bound<'py, PyAny>> {
    dropped_error(py, "PublishDroppedError", "publish", reason)
}

/// A `RequestDroppedError` for a SUBSCRIBE or UNSUBSCRIBE the client gave up.
pub(crate) fn request_dropped_object<'py>(
    py: Python<'py>,
    reason: &DropReason,
) -> PyResult<Bound<'py, PyAny>> {
    dropped_error(py, "RequestDroppedError", "request", reason)
}

fn dropped_error<'py>(
    py: Python<'py>,
    class: &str,
    what: &str,
    reason: &DropReason,
) -> PyResult<Bound<'py, PyAny>> {
    let message = match reason {
        DropReason::SessionLost => "the server started a new session".to_owned(),
        DropReason::PacketTooLarge { size, max } => {
            format!("packet of {size} bytes exceeds the server's maximum packet size {max}")
        }
        DropReason::QosNotSupported => "the server no longer accepts this QoS".to_owned(),
        DropReason::RetainNotSupported => "the server does not support retain".to_owned(),
        DropReason::Invalid(v) => format!("stored message cannot be encoded: {v}"),
        _ => "message dropped".to_owned(),
    };
    instance(
        py,
        class,
        &format!("{what} dropped: {message}"),
        "dropped",
        reason.code(),
        drop_reason_code(reason).as_u8(),
        &[],
    )
}
