//! Argument conversions shared by every class: bytes-like inputs, protocol versions, and the
//! `record!` macro that gives the frozen data classes (packets, events) value semantics.

use iotmqtt::{Error, PacketId, ProtocolVersion, QoS, UsageError, Violation};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

use crate::errors::to_pyerr;

/// A bytes-like argument: `bytes` is borrowed, `bytearray` and `memoryview` are copied. A `str`
/// is refused with `TypeError` (text is not bytes: encode it first).
pub(crate) enum BytesArg<'py> {
    /// A `bytes` object, read in place.
    Bytes(Bound<'py, PyBytes>),
    /// A copy of a mutable buffer.
    Owned(Vec<u8>),
}

impl BytesArg<'_> {
    /// The bytes.
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            BytesArg::Bytes(b) => b.as_bytes(),
            BytesArg::Owned(v) => v,
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for BytesArg<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(BytesArg::Bytes(b.to_owned()));
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Ok(BytesArg::Owned(b.to_vec()));
        }
        if obj.cast::<PyMemoryView>().is_ok() {
            let bytes = obj.py().get_type::<PyBytes>().call1((obj,))?;
            return Ok(BytesArg::Owned(
                bytes.cast::<PyBytes>()?.as_bytes().to_vec(),
            ));
        }
        let what = if obj.cast::<PyString>().is_ok() {
            "expected bytes, got str (encode the text first, e.g. with .encode())".to_owned()
        } else {
            format!(
                "expected bytes, bytearray or memoryview, got {}",
                obj.get_type().name()?
            )
        };
        Err(PyTypeError::new_err(what))
    }
}

/// A protocol version: `4` or `"3.1.1"` for MQTT 3.1.1, `5`, `"5"` or `"5.0"` for MQTT 5.0
/// (`iotmqtt.ProtocolVersion` holds the two levels).
pub(crate) struct Version(pub(crate) ProtocolVersion);

impl<'a, 'py> FromPyObject<'a, 'py> for Version {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(level) = obj.extract::<u8>() {
            if let Some(v) = ProtocolVersion::from_level(level) {
                return Ok(Version(v));
            }
        } else if let Ok(s) = obj.cast::<PyString>() {
            match &*s.to_cow()? {
                "3.1.1" => return Ok(Version(ProtocolVersion::V311)),
                "5" | "5.0" => return Ok(Version(ProtocolVersion::V5)),
                _ => {}
            }
        }
        Err(PyValueError::new_err(
            "protocol version: 4 or \"3.1.1\" (MQTT 3.1.1), 5 or \"5\" (MQTT 5.0)",
        ))
    }
}

/// The protocol level Python sees for a version.
/// The CONNACK refusals that end the reconnects, from their codes (`reconnect_stop_on`).
pub(crate) fn stop_on(codes: Vec<u8>) -> PyResult<iotmqtt::client::ConnackRefusals> {
    iotmqtt::client::ConnackRefusals::from_codes(codes).map_err(|code| {
        PyValueError::new_err(format!(
            "reconnect_stop_on: 0x{code:02X} is no CONNACK refusal (a CONNACK reason code from 0x80)"
        ))
    })
}

pub(crate) fn level(v: ProtocolVersion) -> u8 {
    v.level()
}

/// Raises the usage error for a packet that breaks `violation`.
pub(crate) fn encode_violation(py: Python<'_>, violation: Violation) -> PyErr {
    to_pyerr(py, &Error::Usage(UsageError::Encode(violation)))
}

/// A QoS number as the core's QoS; 3 and above break [`Violation::InvalidQos`].
pub(crate) fn qos(py: Python<'_>, q: u8) -> PyResult<QoS> {
    QoS::from_u8(q).ok_or_else(|| encode_violation(py, Violation::InvalidQos))
}

/// A packet identifier; 0 breaks [`Violation::ZeroPacketId`].
pub(crate) fn packet_id(py: Python<'_>, id: u16) -> PyResult<PacketId> {
    PacketId::new(id).ok_or_else(|| encode_violation(py, Violation::ZeroPacketId))
}

/// Defines a frozen Python data class: read-only attributes, `__match_args__`, `__eq__`,
/// `__hash__` and a `__repr__` that shows every field (a field named `password` only as
/// redacted).
macro_rules! record {
    (
        $(#[$m:meta])*
        $name:ident { $( $(#[$fm:meta])* $field:ident : $ty:ty ),* $(,)? }
    ) => {
        $crate::args::record! {
            module = "iotmqtt";
            $(#[$m])*
            $name { $( $(#[$fm])* $field : $ty ),* }
        }
    };
    (
        module = $module:literal;
        $(#[$m:meta])*
        $name:ident { $( $(#[$fm:meta])* $field:ident : $ty:ty ),* $(,)? }
    ) => {
        $(#[$m])*
        #[pyo3::pyclass(module = $module, frozen, get_all)]
        pub(crate) struct $name {
            $( $(#[$fm])* pub(crate) $field: $ty, )*
        }

        impl $name {
            /// The field values, in declaration order.
            #[allow(unused_variables)] // `py` is unused in field-less records
            fn values<'py>(
                &self,
                py: pyo3::Python<'py>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::types::PyTuple>> {
                #[allow(unused_imports)] // unused in field-less records
                use pyo3::IntoPyObjectExt;
                let items: Vec<pyo3::Bound<'py, pyo3::PyAny>> =
                    vec![$( (&self.$field).into_bound_py_any(py)? ),*];
                pyo3::types::PyTuple::new(py, items)
            }
        }

        #[pyo3::pymethods]
        impl $name {
            #[classattr]
            fn __match_args__(
                py: pyo3::Python<'_>,
            ) -> pyo3::PyResult<pyo3::Bound<'_, pyo3::types::PyTuple>> {
                let fields: &[&str] = &[$( stringify!($field) ),*];
                let names: Vec<&str> = fields
                    .iter()
                    .map(|n: &&str| n.trim_start_matches("r#"))
                    .collect();
                pyo3::types::PyTuple::new(py, names)
            }

            fn __repr__(&self, py: pyo3::Python<'_>) -> pyo3::PyResult<String> {
                use pyo3::types::PyAnyMethods;
                let names: &[&str] = &[$( stringify!($field) ),*];
                let values = self.values(py)?;
                let mut out = String::from(stringify!($name));
                out.push('(');
                for (i, (name, value)) in names.iter().zip(values.iter()).enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(name.trim_start_matches("r#"));
                    out.push('=');
                    if *name == "password" && !value.is_none() {
                        out.push_str("<redacted>");
                    } else {
                        out.push_str(&value.repr()?.to_cow()?);
                    }
                }
                out.push(')');
                Ok(out)
            }

            fn __eq__(
                &self,
                other: &pyo3::Bound<'_, pyo3::PyAny>,
            ) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                use pyo3::types::PyAnyMethods;
                let py = other.py();
                match other.cast::<Self>() {
                    Ok(o) => {
                        let equal = self.values(py)?.eq(o.get().values(py)?)?;
                        Ok(pyo3::types::PyBool::new(py, equal).to_owned().into_any().unbind())
                    }
                    Err(_) => Ok(py.NotImplemented()),
                }
            }

            fn __hash__(&self, py: pyo3::Python<'_>) -> pyo3::PyResult<isize> {
                use pyo3::types::PyAnyMethods;
                self.values(py)?.hash()
            }
        }
    };
}

pub(crate) use record;
