//! `iotmqtt.Properties`: an MQTT 5 property list as a frozen value with one attribute per
//! property, converted to and from the core's borrowed `Properties`.

use iotmqtt::{
    OwnedProperties, Properties as CoreProperties, Property, PropertyContext, PropertyId, QoS,
};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use crate::args::BytesArg;

/// MQTT 5 properties (MQTT 5.0 §2.2.2): one attribute per property, ``None`` when absent;
/// ``user_properties`` and ``subscription_identifiers`` are tuples in packet order.
///
/// Build one with keyword arguments; whether a property may appear in a packet is checked
/// when the packet is encoded or published.
///
/// >>> import iotmqtt
/// >>> p = iotmqtt.Properties(content_type="application/json", user_properties=[("k", "v")])
/// >>> p.content_type, p.user_properties, p.topic_alias
/// ('application/json', (('k', 'v'),), None)
/// >>> p.to_dict()
/// {'content_type': 'application/json', 'user_properties': (('k', 'v'),)}
/// >>> bool(iotmqtt.Properties())
/// False
#[pyclass(module = "iotmqtt", frozen, eq, hash)]
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Properties {
    #[pyo3(get)]
    payload_format_indicator: Option<bool>,
    #[pyo3(get)]
    message_expiry_interval: Option<u32>,
    #[pyo3(get)]
    content_type: Option<String>,
    #[pyo3(get)]
    response_topic: Option<String>,
    correlation_data: Option<Vec<u8>>,
    subscription_identifiers: Vec<u32>,
    #[pyo3(get)]
    session_expiry_interval: Option<u32>,
    #[pyo3(get)]
    assigned_client_identifier: Option<String>,
    #[pyo3(get)]
    server_keep_alive: Option<u16>,
    #[pyo3(get)]
    authentication_method: Option<String>,
    authentication_data: Option<Vec<u8>>,
    #[pyo3(get)]
    request_problem_information: Option<bool>,
    #[pyo3(get)]
    will_delay_interval: Option<u32>,
    #[pyo3(get)]
    request_response_information: Option<bool>,
    #[pyo3(get)]
    response_information: Option<String>,
    #[pyo3(get)]
    server_reference: Option<String>,
    #[pyo3(get)]
    reason_string: Option<String>,
    #[pyo3(get)]
    receive_maximum: Option<u16>,
    #[pyo3(get)]
    topic_alias_maximum: Option<u16>,
    #[pyo3(get)]
    topic_alias: Option<u16>,
    #[pyo3(get)]
    maximum_qos: Option<u8>,
    #[pyo3(get)]
    retain_available: Option<bool>,
    user_properties: Vec<(String, String)>,
    #[pyo3(get)]
    maximum_packet_size: Option<u32>,
    #[pyo3(get)]
    wildcard_subscription_available: Option<bool>,
    #[pyo3(get)]
    subscription_identifier_available: Option<bool>,
    #[pyo3(get)]
    shared_subscription_available: Option<bool>,
    /// The identifiers in the order a decoded packet carried them, so that encoding it again
    /// gives the same bytes; empty for properties built in Python (ascending order then).
    order: WireOrder,
}

/// The wire order of decoded properties: not part of the value (equal properties in another
/// order are equal and hash alike).
#[derive(Clone, Default)]
struct WireOrder(Vec<PropertyId>);

impl PartialEq for WireOrder {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for WireOrder {}

impl std::hash::Hash for WireOrder {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// Every property attribute, in ascending property identifier order.
const NAMES: [&str; 27] = [
    "payload_format_indicator",
    "message_expiry_interval",
    "content_type",
    "response_topic",
    "correlation_data",
    "subscription_identifiers",
    "session_expiry_interval",
    "assigned_client_identifier",
    "server_keep_alive",
    "authentication_method",
    "authentication_data",
    "request_problem_information",
    "will_delay_interval",
    "request_response_information",
    "response_information",
    "server_reference",
    "reason_string",
    "receive_maximum",
    "topic_alias_maximum",
    "topic_alias",
    "maximum_qos",
    "retain_available",
    "user_properties",
    "maximum_packet_size",
    "wildcard_subscription_available",
    "subscription_identifier_available",
    "shared_subscription_available",
];

static EMPTY: PyOnceLock<Py<Properties>> = PyOnceLock::new();

/// The shared empty `Properties` (most packets carry none).
pub(crate) fn empty(py: Python<'_>) -> PyResult<Py<Properties>> {
    EMPTY
        .get_or_try_init(py, || Py::new(py, Properties::default()))
        .map(|p| p.clone_ref(py))
}

/// The Python value of decoded properties.
pub(crate) fn to_py(py: Python<'_>, props: &CoreProperties<'_>) -> PyResult<Py<Properties>> {
    if props.is_empty() {
        return empty(py);
    }
    Py::new(py, Properties::from_core(props))
}

/// The Python value of stored properties.
pub(crate) fn owned_to_py(py: Python<'_>, props: &OwnedProperties) -> PyResult<Py<Properties>> {
    to_py(py, &props.as_properties())
}

impl Properties {
    /// Copies every property out of the core's list.
    pub(crate) fn from_core(props: &CoreProperties<'_>) -> Self {
        let mut p = Properties::default();
        for item in props.iter() {
            p.order.0.push(item.id());
            match item {
                Property::PayloadFormatIndicator(v) => p.payload_format_indicator = Some(v),
                Property::MessageExpiryInterval(v) => p.message_expiry_interval = Some(v),
                Property::ContentType(v) => p.content_type = Some(v.into()),
                Property::ResponseTopic(v) => p.response_topic = Some(v.into()),
                Property::CorrelationData(v) => p.correlation_data = Some(v.into()),
                Property::SubscriptionIdentifier(v) => p.subscription_identifiers.push(v),
                Property::SessionExpiryInterval(v) => p.session_expiry_interval = Some(v),
                Property::AssignedClientIdentifier(v) => {
                    p.assigned_client_identifier = Some(v.into());
                }
                Property::ServerKeepAlive(v) => p.server_keep_alive = Some(v),
                Property::AuthenticationMethod(v) => p.authentication_method = Some(v.into()),
                Property::AuthenticationData(v) => p.authentication_data = Some(v.into()),
                Property::RequestProblemInformation(v) => p.request_problem_information = Some(v),
                Property::WillDelayInterval(v) => p.will_delay_interval = Some(v),
                Property::RequestResponseInformation(v) => {
                    p.request_response_information = Some(v);
                }
                Property::ResponseInformation(v) => p.response_information = Some(v.into()),
                Property::ServerReference(v) => p.server_reference = Some(v.into()),
                Property::ReasonString(v) => p.reason_string = Some(v.into()),
                Property::ReceiveMaximum(v) => p.receive_maximum = Some(v),
                Property::TopicAliasMaximum(v) => p.topic_alias_maximum = Some(v),
                Property::TopicAlias(v) => p.topic_alias = Some(v),
                Property::MaximumQos(v) => p.maximum_qos = Some(v as u8),
                Property::RetainAvailable(v) => p.retain_available = Some(v),
                Property::UserProperty(k, v) => p.user_properties.push((k.into(), v.into())),
                Property::MaximumPacketSize(v) => p.maximum_packet_size = Some(v),
                Property::WildcardSubscriptionAvailable(v) => {
                    p.wildcard_subscription_available = Some(v);
                }
                Property::SubscriptionIdentifierAvailable(v) => {
                    p.subscription_identifier_available = Some(v);
                }
                Property::SharedSubscriptionAvailable(v) => {
                    p.shared_subscription_available = Some(v);
                }
            }
        }
        p
    }

    /// The properties as the core's items, in ascending identifier order (user properties and
    /// subscription identifiers in their own order). A Maximum QoS above 2 is kept as 2 here
    /// and refused by the encoder, which allows only 0 and 1.
    pub(crate) fn items(&self) -> Vec<Property<'_>> {
        let sorted = self.sorted_items();
        if self.order.0.is_empty() {
            return sorted;
        }
        // Decoded properties: the same items, back in the order they arrived.
        let mut out = Vec::with_capacity(sorted.len());
        let mut taken = vec![false; sorted.len()];
        for id in &self.order.0 {
            let next = sorted
                .iter()
                .zip(taken.iter_mut())
                .find(|(p, t)| !**t && p.id() == *id);
            if let Some((p, t)) = next {
                *t = true;
                out.push(*p);
            }
        }
        out.extend(
            sorted
                .iter()
                .zip(&taken)
                .filter(|(_, t)| !**t)
                .map(|(p, _)| *p),
        );
        out
    }

    /// The items in ascending identifier order.
    fn sorted_items(&self) -> Vec<Property<'_>> {
        let mut out = Vec::new();
        fn s(v: &Option<String>) -> Option<&str> {
            v.as_deref()
        }
        if let Some(v) = self.payload_format_indicator {
            out.push(Property::PayloadFormatIndicator(v));
        }
        if let Some(v) = self.message_expiry_interval {
            out.push(Property::MessageExpiryInterval(v));
        }
        if let Some(v) = s(&self.content_type) {
            out.push(Property::ContentType(v));
        }
        if let Some(v) = s(&self.response_topic) {
            out.push(Property::ResponseTopic(v));
        }
        if let Some(v) = &self.correlation_data {
            out.push(Property::CorrelationData(v));
        }
        out.extend(
            self.subscription_identifiers
                .iter()
                .map(|v| Property::SubscriptionIdentifier(*v)),
        );
        if let Some(v) = self.session_expiry_interval {
            out.push(Property::SessionExpiryInterval(v));
        }
        if let Some(v) = s(&self.assigned_client_identifier) {
            out.push(Property::AssignedClientIdentifier(v));
        }
        if let Some(v) = self.server_keep_alive {
            out.push(Property::ServerKeepAlive(v));
        }
        if let Some(v) = s(&self.authentication_method) {
            out.push(Property::AuthenticationMethod(v));
        }
        if let Some(v) = &self.authentication_data {
            out.push(Property::AuthenticationData(v));
        }
        if let Some(v) = self.request_problem_information {
            out.push(Property::RequestProblemInformation(v));
        }
        if let Some(v) = self.will_delay_interval {
            out.push(Property::WillDelayInterval(v));
        }
        if let Some(v) = self.request_response_information {
            out.push(Property::RequestResponseInformation(v));
        }
        if let Some(v) = s(&self.response_information) {
            out.push(Property::ResponseInformation(v));
        }
        if let Some(v) = s(&self.server_reference) {
            out.push(Property::ServerReference(v));
        }
        if let Some(v) = s(&self.reason_string) {
            out.push(Property::ReasonString(v));
        }
        if let Some(v) = self.receive_maximum {
            out.push(Property::ReceiveMaximum(v));
        }
        if let Some(v) = self.topic_alias_maximum {
            out.push(Property::TopicAliasMaximum(v));
        }
        if let Some(v) = self.topic_alias {
            out.push(Property::TopicAlias(v));
        }
        if let Some(v) = self.maximum_qos {
            let q = QoS::from_u8(v).unwrap_or(QoS::ExactlyOnce);
            out.push(Property::MaximumQos(q));
        }
        if let Some(v) = self.retain_available {
            out.push(Property::RetainAvailable(v));
        }
        out.extend(
            self.user_properties
                .iter()
                .map(|(k, v)| Property::UserProperty(k, v)),
        );
        if let Some(v) = self.maximum_packet_size {
            out.push(Property::MaximumPacketSize(v));
        }
        if let Some(v) = self.wildcard_subscription_available {
            out.push(Property::WildcardSubscriptionAvailable(v));
        }
        if let Some(v) = self.subscription_identifier_available {
            out.push(Property::SubscriptionIdentifierAvailable(v));
        }
        if let Some(v) = self.shared_subscription_available {
            out.push(Property::SharedSubscriptionAvailable(v));
        }
        out
    }

    /// The properties checked for `ctx` and stored, as the client's config keeps them.
    pub(crate) fn to_owned_checked(
        &self,
        py: Python<'_>,
        ctx: PropertyContext,
    ) -> PyResult<OwnedProperties> {
        let items = self.items();
        OwnedProperties::from_properties(&CoreProperties::new(&items), ctx)
            .map_err(|v| crate::args::encode_violation(py, v))
    }

    /// The value of one of the four attributes that are not plain copies.
    fn value<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let b = |v: &Option<Vec<u8>>| v.as_deref().map(|d| PyBytes::new(py, d));
        match name {
            "correlation_data" => b(&self.correlation_data).into_bound_py_any(py),
            "authentication_data" => b(&self.authentication_data).into_bound_py_any(py),
            "subscription_identifiers" => {
                PyTuple::new(py, &self.subscription_identifiers)?.into_bound_py_any(py)
            }
            "user_properties" => PyTuple::new(py, &self.user_properties)?.into_bound_py_any(py),
            _ => Ok(py.None().into_bound(py)),
        }
    }

    /// False for the list and binary attributes that are empty or absent.
    fn is_set(&self, name: &str) -> bool {
        match name {
            "subscription_identifiers" => !self.subscription_identifiers.is_empty(),
            "user_properties" => !self.user_properties.is_empty(),
            "correlation_data" => self.correlation_data.is_some(),
            "authentication_data" => self.authentication_data.is_some(),
            _ => true,
        }
    }
}

#[pymethods]
impl Properties {
    #[new]
    #[pyo3(signature = (
        *,
        payload_format_indicator = None,
        message_expiry_interval = None,
        content_type = None,
        response_topic = None,
        correlation_data = None,
        subscription_identifiers = Vec::new(),
        session_expiry_interval = None,
        assigned_client_identifier = None,
        server_keep_alive = None,
        authentication_method = None,
        authentication_data = None,
        request_problem_information = None,
        will_delay_interval = None,
        request_response_information = None,
        response_information = None,
        server_reference = None,
        reason_string = None,
        receive_maximum = None,
        topic_alias_maximum = None,
        topic_alias = None,
        maximum_qos = None,
        retain_available = None,
        user_properties = Vec::new(),
        maximum_packet_size = None,
        wildcard_subscription_available = None,
        subscription_identifier_available = None,
        shared_subscription_available = None,
    ))]
    #[allow(clippy::too_many_arguments)] // one keyword per MQTT 5 property
    fn new(
        payload_format_indicator: Option<bool>,
        message_expiry_interval: Option<u32>,
        content_type: Option<String>,
        response_topic: Option<String>,
        correlation_data: Option<BytesArg<'_>>,
        subscription_identifiers: Vec<u32>,
        session_expiry_interval: Option<u32>,
        assigned_client_identifier: Option<String>,
        server_keep_alive: Option<u16>,
        authentication_method: Option<String>,
        authentication_data: Option<BytesArg<'_>>,
        request_problem_information: Option<bool>,
        will_delay_interval: Option<u32>,
        request_response_information: Option<bool>,
        response_information: Option<String>,
        server_reference: Option<String>,
        reason_string: Option<String>,
        receive_maximum: Option<u16>,
        topic_alias_maximum: Option<u16>,
        topic_alias: Option<u16>,
        maximum_qos: Option<u8>,
        retain_available: Option<bool>,
        user_properties: Vec<(String, String)>,
        maximum_packet_size: Option<u32>,
        wildcard_subscription_available: Option<bool>,
        subscription_identifier_available: Option<bool>,
        shared_subscription_available: Option<bool>,
    ) -> Self {
        Properties {
            payload_format_indicator,
            message_expiry_interval,
            content_type,
            response_topic,
            correlation_data: correlation_data.map(|b| b.as_slice().to_vec()),
            subscription_identifiers,
            session_expiry_interval,
            assigned_client_identifier,
            server_keep_alive,
            authentication_method,
            authentication_data: authentication_data.map(|b| b.as_slice().to_vec()),
            request_problem_information,
            will_delay_interval,
            request_response_information,
            response_information,
            server_reference,
            reason_string,
            receive_maximum,
            topic_alias_maximum,
            topic_alias,
            maximum_qos,
            retain_available,
            user_properties,
            maximum_packet_size,
            wildcard_subscription_available,
            subscription_identifier_available,
            shared_subscription_available,
            order: WireOrder::default(),
        }
    }

    /// Correlation Data, or ``None``.
    #[getter]
    fn correlation_data<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.correlation_data
            .as_deref()
            .map(|d| PyBytes::new(py, d))
    }

    /// Authentication Data, or ``None``.
    #[getter]
    fn authentication_data<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.authentication_data
            .as_deref()
            .map(|d| PyBytes::new(py, d))
    }

    /// Subscription Identifiers, in packet order.
    #[getter]
    fn subscription_identifiers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.subscription_identifiers)
    }

    /// User Properties as ``(name, value)`` pairs, in packet order.
    #[getter]
    fn user_properties<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.user_properties)
    }

    /// The properties present, by attribute name, in ascending identifier order.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let py = slf.py();
        let this = slf.get();
        let out = PyDict::new(py);
        for name in NAMES {
            if !this.is_set(name) {
                continue;
            }
            let value = match name {
                "correlation_data"
                | "authentication_data"
                | "subscription_identifiers"
                | "user_properties" => this.value(py, name)?,
                _ => slf.getattr(name)?,
            };
            if !value.is_none() {
                out.set_item(name, value)?;
            }
        }
        Ok(out)
    }

    /// Checks that every property here may appear in a packet of type `packet` (``"publish"``,
    /// ``"connect"``, ``"will"``, …), with the encoder's rules; raises ``EncodeError`` naming
    /// the rule otherwise.
    fn check(&self, py: Python<'_>, packet: &str) -> PyResult<()> {
        let ctx = context(packet).ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(format!("unknown packet type {packet:?}"))
        })?;
        self.to_owned_checked(py, ctx).map(|_| ())
    }

    fn __bool__(&self) -> bool {
        *self != Properties::default()
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let d = Self::to_dict(slf)?;
        let mut out = String::from("Properties(");
        for (i, (k, v)) in d.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&k.str()?.to_cow()?);
            out.push('=');
            out.push_str(&v.repr()?.to_cow()?);
        }
        out.push(')');
        Ok(out)
    }
}

/// The property context for a lower-case packet name.
fn context(packet: &str) -> Option<PropertyContext> {
    Some(match packet {
        "connect" => PropertyContext::Connect,
        "will" => PropertyContext::Will,
        "connack" => PropertyContext::Connack,
        "publish" => PropertyContext::Publish,
        "puback" => PropertyContext::PubAck,
        "pubrec" => PropertyContext::PubRec,
        "pubrel" => PropertyContext::PubRel,
        "pubcomp" => PropertyContext::PubComp,
        "subscribe" => PropertyContext::Subscribe,
        "suback" => PropertyContext::SubAck,
        "unsubscribe" => PropertyContext::Unsubscribe,
        "unsuback" => PropertyContext::UnsubAck,
        "disconnect" => PropertyContext::Disconnect,
        "auth" => PropertyContext::Auth,
        _ => return None,
    })
}
