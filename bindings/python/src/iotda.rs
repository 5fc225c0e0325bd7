//! The Huawei Cloud IoTDA profile: credentials, topics and JSON payloads. Every rule (ids,
//! secrets, HMAC, the topic catalogue, payload limits) is the core's; this module converts.

use iotmqtt::iotda::{
    self as core, ConnectTimestamp, DeviceAuth as CoreAuth, DeviceId, DeviceSecret, Direction,
    GroupSecret, JsonPayload, LegacyTopic, ScopeId, SigType, SysPartsError, SysTopic,
    Topic as CoreTopic, UtcTime,
};
use iotmqtt::{Error, UsageError};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyFloat, PyInt, PyString};

use crate::args::{BytesArg, record};
use crate::errors::{IntoPy, to_pyerr};

/// A UTC time argument: an aware `datetime`, Unix seconds (int or float), or a string in a
/// documented IoTDA form (`yyyyMMdd'T'HHmmss'Z'`, `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`, RFC 3339
/// `yyyy-MM-ddTHH:mm:ssZ`).
pub(crate) struct Utc(pub(crate) UtcTime);

impl<'a, 'py> FromPyObject<'a, 'py> for Utc {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        let from_millis = |ms: f64| -> PyResult<Utc> {
            if !(0.0..253_402_300_800_000.0).contains(&ms) {
                return Err(to_pyerr(
                    py,
                    &Error::from(core::IotdaError::InvalidTime(
                        "a time between 1970 and 9999",
                    )),
                ));
            }
            // In range: checked just above.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let ms = ms as u64;
            UtcTime::from_unix_millis(ms).py(py).map(Utc)
        };
        if let Ok(s) = obj.cast::<PyString>() {
            return UtcTime::parse(&s.to_cow()?).py(py).map(Utc);
        }
        if obj.cast::<PyInt>().is_ok() {
            let secs: u64 = obj.extract().map_err(|_| {
                to_pyerr(
                    py,
                    &Error::from(core::IotdaError::InvalidTime("a time after 1970")),
                )
            })?;
            return UtcTime::from_unix_seconds(secs).py(py).map(Utc);
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            return from_millis(f.value() * 1000.0);
        }
        if obj.hasattr("timestamp")? && obj.hasattr("tzinfo")? {
            if obj.getattr("tzinfo")?.is_none() {
                return Err(PyValueError::new_err(
                    "a naive datetime has no time zone: use datetime.now(timezone.utc)",
                ));
            }
            let ts: f64 = obj.call_method0("timestamp")?.extract()?;
            return from_millis(ts * 1000.0);
        }
        Err(PyTypeError::new_err(
            "a UTC time: an aware datetime, Unix seconds, or an IoTDA time string",
        ))
    }
}

/// Now, from Python's clock, when the caller gave no time.
fn now(py: Python<'_>) -> PyResult<UtcTime> {
    let t: f64 = py.import("time")?.call_method0("time")?.extract()?;
    Utc::extract(PyFloat::new(py, t).as_any().as_borrowed()).map(|u| u.0)
}

fn sig(py: Python<'_>, v: u8) -> PyResult<SigType> {
    SigType::from_u8(v).ok_or_else(|| {
        to_pyerr(
            py,
            &Error::from(core::IotdaError::InvalidClientId(
                core::ClientIdError::SigType,
            )),
        )
    })
}

record! {
    module = "iotmqtt.iotda";
    /// What goes into CONNECT for an IoTDA device: ClientId, Username (the device id) and the
    /// Password (``None`` for certificate identities). ``repr()`` hides the password.
    IotdaCredentials {
        client_id: Py<PyString>,
        username: Py<PyString>,
        password: Option<Py<PyString>>,
    }
}

/// A device identity that produces fresh CONNECT credentials for any UTC time (the password
/// depends on the hour: call :meth:`credentials` before every connection attempt). Every input
/// is checked when the identity is built; a bad one raises ``IotdaError`` (its message never
/// holds the secret). ``sig_type`` 0 = HMAC-SHA256 (default), 1 = HMAC-SHA256 with the
/// timestamp checked, 2 = HMAC-SM3.
///
/// >>> from iotmqtt.iotda import DeviceAuth
/// >>> auth = DeviceAuth.secret("5f1c0d2e_sensor01", "s3cr3t-Key")
/// >>> c = auth.credentials("2026-11-25T08:30:00Z")
/// >>> c.client_id, c.username, len(c.password)
/// ('5f1c0d2e_sensor01_0_0_2026112508', '5f1c0d2e_sensor01', 64)
/// >>> "s3cr3t" in repr(auth) or c.password in repr(c)
/// False
#[pyclass(module = "iotmqtt.iotda", frozen)]
pub(crate) struct DeviceAuth {
    pub(crate) inner: CoreAuth,
    kind: &'static str,
}

fn device_id(py: Python<'_>, id: &str) -> PyResult<DeviceId> {
    DeviceId::new(id).py(py)
}

fn secret(py: Python<'_>, s: String) -> PyResult<DeviceSecret> {
    DeviceSecret::new(s).py(py)
}

impl DeviceAuth {
    /// Wraps a core identity whose kind the caller knows.
    pub(crate) fn wrap(inner: CoreAuth, kind: &'static str) -> Self {
        DeviceAuth { inner, kind }
    }
}

#[pymethods]
impl DeviceAuth {
    /// Secret authentication: ``{device_id}_0_{sig}_{YYYYMMDDHH}``.
    #[staticmethod]
    #[pyo3(signature = (device_id, secret, *, sig_type = 0))]
    fn secret(py: Python<'_>, device_id: &str, secret: String, sig_type: u8) -> PyResult<Self> {
        let inner = CoreAuth::secret(self::device_id(py, device_id)?, self::secret(py, secret)?)
            .with_sig_type(sig(py, sig_type)?);
        Ok(DeviceAuth {
            inner,
            kind: "secret",
        })
    }

    /// A bridge logging in with its own secret: ``{bridge_id}_3_{sig}_{YYYYMMDDHH}``.
    #[staticmethod]
    #[pyo3(signature = (bridge_id, secret, *, sig_type = 0))]
    fn bridge(py: Python<'_>, bridge_id: &str, secret: String, sig_type: u8) -> PyResult<Self> {
        let inner = CoreAuth::bridge(self::device_id(py, bridge_id)?, self::secret(py, secret)?)
            .with_sig_type(sig(py, sig_type)?);
        Ok(DeviceAuth {
            inner,
            kind: "bridge",
        })
    }

    /// Self-registration with a registration-group secret (base64).
    #[staticmethod]
    #[pyo3(signature = (device_id, group_secret, scope_id, *, sig_type = 0))]
    fn bootstrap_group_secret(
        py: Python<'_>,
        device_id: &str,
        group_secret: &str,
        scope_id: &str,
        sig_type: u8,
    ) -> PyResult<Self> {
        let id = self::device_id(py, device_id)?;
        let group = GroupSecret::new(group_secret).py(py)?;
        let scope = ScopeId::new(scope_id).py(py)?;
        let inner =
            CoreAuth::bootstrap_group_secret(id, &group, scope).with_sig_type(sig(py, sig_type)?);
        Ok(DeviceAuth {
            inner,
            kind: "bootstrap_group_secret",
        })
    }

    /// Self-registration with a registration-group certificate (no password).
    #[staticmethod]
    fn bootstrap_certificate(py: Python<'_>, device_id: &str, scope_id: &str) -> PyResult<Self> {
        let inner = CoreAuth::bootstrap_certificate(
            self::device_id(py, device_id)?,
            ScopeId::new(scope_id).py(py)?,
        );
        Ok(DeviceAuth {
            inner,
            kind: "bootstrap_certificate",
        })
    }

    /// An X.509 device (the TLS client certificate authenticates; no password).
    #[staticmethod]
    #[pyo3(signature = (device_id, *, sig_type = 0))]
    fn certificate(py: Python<'_>, device_id: &str, sig_type: u8) -> PyResult<Self> {
        let inner = CoreAuth::certificate(self::device_id(py, device_id)?)
            .with_sig_type(sig(py, sig_type)?);
        Ok(DeviceAuth {
            inner,
            kind: "certificate",
        })
    }

    /// The device id (the bridge id for a bridge).
    #[getter]
    fn device_id(&self) -> String {
        self.inner.device_id().as_str().to_owned()
    }

    /// The sig type (0, 1 or 2).
    #[getter]
    fn sig_type(&self) -> u8 {
        self.inner.sig_type().as_u8()
    }

    /// Which identity this is: ``"secret"``, ``"bridge"``, ``"bootstrap_group_secret"``,
    /// ``"bootstrap_certificate"`` or ``"certificate"``.
    #[getter]
    pub(crate) fn kind(&self) -> &'static str {
        self.kind
    }

    /// The device secret the password is made from: the derived secret for a group secret,
    /// ``None`` for certificate identities.
    fn device_secret(&self) -> Option<String> {
        self.inner.device_secret().map(|s| s.expose().to_owned())
    }

    /// ClientId, Username and Password for the UTC time ``utc`` (an aware datetime, Unix
    /// seconds or an IoTDA time string; now when ``None``).
    #[pyo3(signature = (utc = None))]
    fn credentials(&self, py: Python<'_>, utc: Option<Utc>) -> PyResult<IotdaCredentials> {
        let t = match utc {
            Some(u) => u.0,
            None => now(py)?,
        };
        let c = self.inner.credentials(&t);
        Ok(IotdaCredentials {
            client_id: PyString::new(py, c.client_id()).unbind(),
            username: PyString::new(py, c.username()).unbind(),
            password: c.password().map(|p| PyString::new(py, p.as_str()).unbind()),
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "DeviceAuth(kind={:?}, device_id={:?}, sig_type={})",
            self.kind,
            self.inner.device_id().as_str(),
            self.inner.sig_type().as_u8()
        )
    }
}

/// The password for ``secret`` at ``timestamp`` (``YYYYMMDDHH``, as carried in a ClientId):
/// lowercase hex HMAC keyed by the timestamp over the secret.
///
/// >>> from iotmqtt.iotda import compute_password
/// >>> len(compute_password("12345678", "2025041401"))
/// 64
#[pyfunction]
#[pyo3(signature = (secret, timestamp, sig_type = 0))]
pub(crate) fn compute_password(
    py: Python<'_>,
    secret: String,
    timestamp: &str,
    sig_type: u8,
) -> PyResult<String> {
    let s = self::secret(py, secret)?;
    let ts = ConnectTimestamp::parse(timestamp).py(py)?;
    Ok(core::compute_password(&s, &ts, sig(py, sig_type)?)
        .as_str()
        .to_owned())
}

/// An IoTDA ``event_time`` (``yyyyMMdd'T'HHmmss'Z'``) for a UTC time (now when ``None``).
///
/// >>> from iotmqtt.iotda import event_time
/// >>> event_time("2016-12-19T11:49:20Z")
/// '20161219T114920Z'
#[pyfunction]
#[pyo3(signature = (utc = None))]
pub(crate) fn event_time(py: Python<'_>, utc: Option<Utc>) -> PyResult<String> {
    Ok(match utc {
        Some(u) => u.0,
        None => now(py)?,
    }
    .event_time())
}

/// Unix seconds of a UTC time given in any accepted form (checks it, e.g. an IoTDA time
/// string).
#[pyfunction]
pub(crate) fn unix_seconds(utc: Utc) -> u64 {
    utc.0.unix_seconds()
}

/// The filters that cover every downstream system topic of ``device_id`` (subscribe at QoS 1
/// to get them at QoS 1; IoTDA delivers them at QoS 0 without a subscription).
#[pyfunction]
pub(crate) fn downstream_filters(py: Python<'_>, device_id: &str) -> PyResult<Vec<String>> {
    Ok(core::downstream_filters(&self::device_id(py, device_id)?))
}

/// The filters for every downstream system topic of the devices behind ``bridge_id``.
#[pyfunction]
pub(crate) fn bridge_downstream_filters(py: Python<'_>, bridge_id: &str) -> PyResult<Vec<String>> {
    Ok(core::bridge_downstream_filters(&self::device_id(
        py, bridge_id,
    )?))
}

/// The filter of the provisioning answer (``bootstrap/down``).
#[pyfunction]
pub(crate) fn bootstrap_filter(py: Python<'_>, device_id: &str) -> PyResult<String> {
    Ok(core::bootstrap_filter(&self::device_id(py, device_id)?))
}

// ------------------------------------------------------------------ topics

record! {
    module = "iotmqtt.iotda";
    /// An IoTDA topic, parsed (:meth:`parse`) or built (:meth:`device`, :meth:`bridge`,
    /// :meth:`user`, :meth:`m2m`, :meth:`legacy`, :meth:`custom`; a bad part raises
    /// ``IotdaError``). ``type`` is ``"device"``, ``"bridge"``, ``"user"``, ``"m2m"``,
    /// ``"legacy"``, ``"custom"`` or ``"unknown"``; ``topic`` the full topic string;
    /// ``direction`` ``"up"``, ``"down"``, ``"both"`` (``None`` for unknown topics); ``sys``
    /// the system topic in snake case (``"command"``, ``"properties_report"``, …);
    /// ``legacy_topic`` the legacy topic (``"data_json"``, …). Fields a type does not have are
    /// ``None``.
    ///
    /// >>> from iotmqtt.iotda import Topic
    /// >>> t = Topic.parse("$oc/devices/d1/sys/commands/request_id=42")
    /// >>> t.type, t.device_id, t.sys, t.request_id, t.direction
    /// ('device', 'd1', 'command', '42', 'down')
    /// >>> str(Topic.device("d1", "command_response", request_id=t.request_id))
    /// '$oc/devices/d1/sys/commands/response/request_id=42'
    Topic {
        r#type: Py<PyString>,
        topic: Py<PyString>,
        direction: Option<Py<PyString>>,
        device_id: Option<Py<PyString>>,
        bridge_id: Option<Py<PyString>>,
        sys: Option<Py<PyString>>,
        request_id: Option<Py<PyString>>,
        suffix: Option<Py<PyString>>,
        name: Option<Py<PyString>>,
        to: Option<Py<PyString>>,
        from_: Option<Py<PyString>>,
        legacy_topic: Option<Py<PyString>>,
    }
}

/// The system topic for a snake-case name; `request_id` and `suffix` where it takes them (on a
/// report topic a `request_id` without a `suffix` means suffix `"request_id"`).
fn sys_topic<'a>(
    name: &str,
    request_id: Option<&'a str>,
    suffix: Option<&str>,
) -> PyResult<SysTopic<'a>> {
    let topic = match SysTopic::from_parts(name, request_id, suffix) {
        // Only a report topic given a request id refuses a missing suffix this way.
        Err(SysPartsError::BadSuffix) if suffix.is_none() => {
            SysTopic::from_parts(name, request_id, Some("request_id"))
        }
        topic => topic,
    };
    topic.map_err(|e| {
        PyValueError::new_err(match e {
            SysPartsError::UnknownName => format!("unknown system topic {name:?}"),
            SysPartsError::RequestIdMissing => format!("{name}: needs request_id"),
            SysPartsError::BadSuffix => {
                "suffix: \"none\", \"gzip\" or \"request_id\" (with request_id)".to_owned()
            }
            // The core checks the request id first, so a refused suffix with a request id is a
            // request-id topic's; without one, a topic's that takes neither.
            SysPartsError::SuffixNotTaken if request_id.is_some() => {
                format!("{name}: takes no suffix")
            }
            _ => format!("{name}: takes no request_id or suffix"),
        })
    })
}

impl Topic {
    /// The Python view of a core topic whose string is `full`.
    fn from_core(py: Python<'_>, t: &CoreTopic<'_>, full: &str) -> Topic {
        let s = |v: &str| Some(PyString::new(py, v).unbind());
        let opt = |v: Option<&str>| v.map(|v| PyString::new(py, v).unbind());
        let mut out = Topic {
            r#type: PyString::new(py, "unknown").unbind(),
            topic: PyString::new(py, full).unbind(),
            direction: opt(t.direction().map(Direction::name)),
            device_id: None,
            bridge_id: None,
            sys: None,
            request_id: None,
            suffix: None,
            name: None,
            to: None,
            from_: None,
            legacy_topic: None,
        };
        let mut kind = "unknown";
        match *t {
            CoreTopic::Device {
                device_id,
                ref topic,
            } => {
                kind = "device";
                out.device_id = s(device_id);
                out.sys_parts(py, topic);
            }
            CoreTopic::Bridge {
                bridge_id,
                device_id,
                ref topic,
            } => {
                kind = "bridge";
                out.bridge_id = s(bridge_id);
                out.device_id = s(device_id);
                out.sys_parts(py, topic);
            }
            CoreTopic::User { device_id, name } => {
                kind = "user";
                out.device_id = s(device_id);
                out.name = s(name);
            }
            CoreTopic::M2m {
                to,
                from,
                request_id,
            } => {
                kind = "m2m";
                out.to = s(to);
                out.from_ = s(from);
                out.request_id = s(request_id);
            }
            CoreTopic::Legacy { device_id, topic } => {
                kind = "legacy";
                out.device_id = s(device_id);
                out.legacy_topic = s(topic.name());
            }
            CoreTopic::Custom(_) => kind = "custom",
            _ => {}
        }
        out.r#type = PyString::new(py, kind).unbind();
        out
    }

    /// Fills `sys`, `request_id` and `suffix` from a system topic.
    fn sys_parts(&mut self, py: Python<'_>, t: &SysTopic<'_>) {
        let s = |v: &str| PyString::new(py, v).unbind();
        self.sys = Some(s(t.name()));
        self.request_id = t.request_id().map(s);
        self.suffix = t.report_suffix().map(|x| s(x.name()));
    }

    /// Writes a built topic (the core checks every part) and returns its view.
    fn build(py: Python<'_>, t: &CoreTopic<'_>) -> PyResult<Topic> {
        let full = t.to_topic_string().py(py)?;
        Ok(Topic::from_core(py, t, &full))
    }
}

#[pymethods]
impl Topic {
    /// Parses any topic; never fails (what is not in the catalogue is ``custom`` or
    /// ``unknown``).
    #[staticmethod]
    fn parse(py: Python<'_>, topic: &str) -> Topic {
        Topic::from_core(py, &CoreTopic::parse(topic), topic)
    }

    /// ``$oc/devices/{device_id}/sys/…``: ``sys`` names the system topic; ``request_id`` and
    /// ``suffix`` (``"none"``, ``"gzip"``, ``"request_id"``) where it takes them.
    #[staticmethod]
    #[pyo3(signature = (device_id, sys, *, request_id = None, suffix = None))]
    fn device(
        py: Python<'_>,
        device_id: &str,
        sys: &str,
        request_id: Option<&str>,
        suffix: Option<&str>,
    ) -> PyResult<Topic> {
        let topic = sys_topic(sys, request_id, suffix)?;
        Topic::build(py, &CoreTopic::Device { device_id, topic })
    }

    /// ``$oc/bridges/{bridge_id}/devices/{device_id}/sys/…``.
    #[staticmethod]
    #[pyo3(signature = (bridge_id, device_id, sys, *, request_id = None, suffix = None))]
    fn bridge(
        py: Python<'_>,
        bridge_id: &str,
        device_id: &str,
        sys: &str,
        request_id: Option<&str>,
        suffix: Option<&str>,
    ) -> PyResult<Topic> {
        let topic = sys_topic(sys, request_id, suffix)?;
        Topic::build(
            py,
            &CoreTopic::Bridge {
                bridge_id,
                device_id,
                topic,
            },
        )
    }

    /// ``$oc/devices/{device_id}/user/{name}``: a custom topic declared in the product.
    #[staticmethod]
    fn user(py: Python<'_>, device_id: &str, name: &str) -> PyResult<Topic> {
        Topic::build(py, &CoreTopic::User { device_id, name })
    }

    /// ``$oc/m2m/to/{to}/from/{from_}/request_id={request_id}`` (at most 128 bytes).
    #[staticmethod]
    fn m2m(py: Python<'_>, to: &str, from_: &str, request_id: &str) -> PyResult<Topic> {
        Topic::build(
            py,
            &CoreTopic::M2m {
                to,
                from: from_,
                request_id,
            },
        )
    }

    /// ``/huawei/v1/devices/{device_id}/…``: ``legacy`` is ``"data_json"``,
    /// ``"data_binary"``, ``"command_json"`` or ``"command_binary"``.
    #[staticmethod]
    fn legacy(py: Python<'_>, device_id: &str, legacy: &str) -> PyResult<Topic> {
        let topic = LegacyTopic::from_name(legacy)
            .ok_or_else(|| PyValueError::new_err(format!("unknown legacy topic {legacy:?}")))?;
        Topic::build(py, &CoreTopic::Legacy { device_id, topic })
    }

    /// A free custom topic (not under ``$oc``, 1–128 bytes, no wildcard).
    #[staticmethod]
    fn custom(py: Python<'_>, topic: &str) -> PyResult<Topic> {
        Topic::build(py, &CoreTopic::Custom(topic))
    }

    /// A topic outside the catalogue, as :meth:`parse` reports it: building one always raises
    /// ``IotdaError`` (``topic_not_in_catalogue``), as the core refuses to write it.
    #[staticmethod]
    fn unknown(py: Python<'_>, topic: &str) -> PyResult<Topic> {
        Topic::build(py, &CoreTopic::Unknown(topic))
    }

    fn __str__(&self, py: Python<'_>) -> Py<PyString> {
        self.topic.clone_ref(py)
    }
}

// ------------------------------------------------------------------ payloads

/// Runs `$body` with `T` bound to the payload type named `$name`, or fails.
macro_rules! with_payload_type {
    ($name:expr, $py:expr, |$t:ident| $body:expr) => {{
        macro_rules! go {
            ($ty:ty) => {{
                type $t = $ty;
                $body
            }};
        }
        match $name {
            "AddSubDevices" => go!(core::AddSubDevices),
            "AddSubDevicesResponse" => go!(core::AddSubDevicesResponse),
            "BootstrapAnswer" => go!(core::BootstrapAnswer),
            "BootstrapFailure" => go!(core::BootstrapFailure),
            "BootstrapRequest" => go!(core::BootstrapRequest),
            "BridgeLogin" => go!(core::BridgeLogin),
            "BridgeResetSecret" => go!(core::BridgeResetSecret),
            "CommandRequest" => go!(core::CommandRequest),
            "CommandResponse" => go!(core::CommandResponse),
            "ConfigUpdate" => go!(core::ConfigUpdate),
            "ConfigUpdateResponse" => go!(core::ConfigUpdateResponse),
            "DeleteSubDevices" => go!(core::DeleteSubDevices),
            "DeleteSubDevicesResponse" => go!(core::DeleteSubDevicesResponse),
            "DeviceMessage" => go!(core::DeviceMessage),
            "DeviceProperties" => go!(core::DeviceProperties),
            "EventsMessage" => go!(core::EventsMessage),
            "FileRequest" => go!(core::FileRequest),
            "FileResult" => go!(core::FileResult),
            "FileUrl" => go!(core::FileUrl),
            "GatewayPropertiesReport" => go!(core::GatewayPropertiesReport),
            "LegacyCommandReply" => go!(core::LegacyCommandReply),
            "LegacyDataReport" => go!(core::LegacyDataReport),
            "LogConfig" => go!(core::LogConfig),
            "LogReport" => go!(core::LogReport),
            "NewSubDevice" => go!(core::NewSubDevice),
            "OpaqueParas" => go!(core::OpaqueParas),
            "OtaTask" => go!(core::OtaTask),
            "PropertiesGetRequest" => go!(core::PropertiesGetRequest),
            "PropertiesGetResponse" => go!(core::PropertiesGetResponse),
            "PropertiesReport" => go!(core::PropertiesReport),
            "PropertiesSetRequest" => go!(core::PropertiesSetRequest),
            "PropertiesSetResponse" => go!(core::PropertiesSetResponse),
            "SdkInfo" => go!(core::SdkInfo),
            "ServiceProperties" => go!(core::ServiceProperties),
            "ShadowGetRequest" => go!(core::ShadowGetRequest),
            "ShadowGetResponse" => go!(core::ShadowGetResponse),
            "SubDeviceStatuses" => go!(core::SubDeviceStatuses),
            "SubDeviceStatusesResponse" => go!(core::SubDeviceStatusesResponse),
            "SubDeviceSync" => go!(core::SubDeviceSync),
            "SubDevicesAdded" => go!(core::SubDevicesAdded),
            "SubDevicesDeleted" => go!(core::SubDevicesDeleted),
            "TimeSyncRequest" => go!(core::TimeSyncRequest),
            "TimeSyncResponse" => go!(core::TimeSyncResponse),
            "TunnelNotify" => go!(core::TunnelNotify),
            "UpgradeInfo" => go!(core::UpgradeInfo),
            "UpgradeInfoV2" => go!(core::UpgradeInfoV2),
            "UpgradeProgress" => go!(core::UpgradeProgress),
            "VersionQuery" => go!(core::VersionQuery),
            "VersionReport" => go!(core::VersionReport),
            other => Err(PyValueError::new_err(format!(
                "unknown IoTDA payload type {other:?}"
            ))),
        }
    }};
}

/// Every payload type name :func:`encode_payload` and :func:`decode_payload` accept.
pub(crate) const PAYLOAD_TYPES: &[&str] = &[
    "AddSubDevices",
    "AddSubDevicesResponse",
    "BootstrapAnswer",
    "BootstrapFailure",
    "BootstrapRequest",
    "BridgeLogin",
    "BridgeResetSecret",
    "CommandRequest",
    "CommandResponse",
    "ConfigUpdate",
    "ConfigUpdateResponse",
    "DeleteSubDevices",
    "DeleteSubDevicesResponse",
    "DeviceMessage",
    "DeviceProperties",
    "EventsMessage",
    "FileRequest",
    "FileResult",
    "FileUrl",
    "GatewayPropertiesReport",
    "LegacyCommandReply",
    "LegacyDataReport",
    "LogConfig",
    "LogReport",
    "NewSubDevice",
    "OpaqueParas",
    "OtaTask",
    "PropertiesGetRequest",
    "PropertiesGetResponse",
    "PropertiesReport",
    "PropertiesSetRequest",
    "PropertiesSetResponse",
    "SdkInfo",
    "ServiceProperties",
    "ShadowGetRequest",
    "ShadowGetResponse",
    "SubDeviceStatuses",
    "SubDeviceStatusesResponse",
    "SubDeviceSync",
    "SubDevicesAdded",
    "SubDevicesDeleted",
    "TimeSyncRequest",
    "TimeSyncResponse",
    "TunnelNotify",
    "UpgradeInfo",
    "UpgradeInfoV2",
    "UpgradeProgress",
    "VersionQuery",
    "VersionReport",
];

/// The payload ``kind`` (a type name such as ``"PropertiesReport"``) from JSON text: read as
/// the core reads it, checked against the documented limits, written exactly (absent fields
/// left out). Raises ``IotdaError`` (``invalid_json``, ``invalid_payload``).
#[pyfunction]
pub(crate) fn encode_payload<'py>(
    py: Python<'py>,
    kind: &str,
    json: BytesArg<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let data = json.as_slice();
    with_payload_type!(kind, py, |T| {
        let v = T::from_json(data).py(py)?;
        let out = v.to_json().py(py)?;
        Ok(PyBytes::new(py, &out))
    })
}

/// Reads a payload of ``kind`` tolerantly (unknown fields ignored, ``null`` = absent, numbers
/// sent as strings accepted) and returns it as canonical JSON text. Limits are not enforced
/// on what a peer sent. Raises ``IotdaError`` (``invalid_json``) for bytes that are not the
/// documented JSON (the message says where, never what).
#[pyfunction]
pub(crate) fn decode_payload(py: Python<'_>, kind: &str, data: BytesArg<'_>) -> PyResult<String> {
    let data = data.as_slice();
    with_payload_type!(kind, py, |T| {
        let v = T::from_json(data).py(py)?;
        serde_json::to_string(&v).map_err(|_| {
            to_pyerr(
                py,
                &Error::Usage(UsageError::Iotda(core::IotdaError::InvalidPayload(
                    "cannot be written as JSON",
                ))),
            )
        })
    })
}
