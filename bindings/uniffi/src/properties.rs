//! [`Property`]: one MQTT 5.0 property (Table 2-4), in packet order, and the small enums that
//! appear in packets and settings ([`QoS`], [`ProtocolVersion`], [`RetainHandling`]).

use iotmqtt::{OwnedProperties, Properties, PropertyContext};

use crate::error::Result;

/// Quality of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum QoS {
    /// At most once (0).
    AtMostOnce,
    /// At least once (1).
    AtLeastOnce,
    /// Exactly once (2).
    ExactlyOnce,
}

impl From<QoS> for iotmqtt::QoS {
    fn from(q: QoS) -> Self {
        match q {
            QoS::AtMostOnce => iotmqtt::QoS::AtMostOnce,
            QoS::AtLeastOnce => iotmqtt::QoS::AtLeastOnce,
            QoS::ExactlyOnce => iotmqtt::QoS::ExactlyOnce,
        }
    }
}

impl From<iotmqtt::QoS> for QoS {
    fn from(q: iotmqtt::QoS) -> Self {
        match q {
            iotmqtt::QoS::AtMostOnce => QoS::AtMostOnce,
            iotmqtt::QoS::AtLeastOnce => QoS::AtLeastOnce,
            iotmqtt::QoS::ExactlyOnce => QoS::ExactlyOnce,
        }
    }
}

/// The protocol version of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ProtocolVersion {
    /// MQTT 3.1.1.
    V311,
    /// MQTT 5.0.
    V5,
}

impl From<ProtocolVersion> for iotmqtt::ProtocolVersion {
    fn from(v: ProtocolVersion) -> Self {
        match v {
            ProtocolVersion::V311 => iotmqtt::ProtocolVersion::V311,
            ProtocolVersion::V5 => iotmqtt::ProtocolVersion::V5,
        }
    }
}

impl From<iotmqtt::ProtocolVersion> for ProtocolVersion {
    fn from(v: iotmqtt::ProtocolVersion) -> Self {
        match v {
            iotmqtt::ProtocolVersion::V311 => ProtocolVersion::V311,
            iotmqtt::ProtocolVersion::V5 => ProtocolVersion::V5,
        }
    }
}

/// Retained-message handling of a subscription (5.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RetainHandling {
    /// Send retained messages at the time of the subscribe (0).
    SendAtSubscribe,
    /// Send them only if the subscription did not exist (1).
    SendIfNew,
    /// Do not send them (2).
    DoNotSend,
}

impl From<RetainHandling> for iotmqtt::RetainHandling {
    fn from(r: RetainHandling) -> Self {
        match r {
            RetainHandling::SendAtSubscribe => iotmqtt::RetainHandling::SendAtSubscribe,
            RetainHandling::SendIfNew => iotmqtt::RetainHandling::SendIfNew,
            RetainHandling::DoNotSend => iotmqtt::RetainHandling::DoNotSend,
        }
    }
}

impl From<iotmqtt::RetainHandling> for RetainHandling {
    fn from(r: iotmqtt::RetainHandling) -> Self {
        match r {
            iotmqtt::RetainHandling::SendAtSubscribe => RetainHandling::SendAtSubscribe,
            iotmqtt::RetainHandling::SendIfNew => RetainHandling::SendIfNew,
            iotmqtt::RetainHandling::DoNotSend => RetainHandling::DoNotSend,
        }
    }
}

/// One MQTT 5.0 property. Lists of properties keep packet order; `UserProperty` and
/// `SubscriptionIdentifier` may repeat. The core checks each list against the packet it goes in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
#[allow(missing_docs)] // each variant is the property of the same name in MQTT 5.0 Table 2-4
pub enum Property {
    PayloadFormatIndicator { value: bool },
    MessageExpiryInterval { value: u32 },
    ContentType { value: String },
    ResponseTopic { value: String },
    CorrelationData { value: Vec<u8> },
    SubscriptionIdentifier { value: u32 },
    SessionExpiryInterval { value: u32 },
    AssignedClientIdentifier { value: String },
    ServerKeepAlive { value: u16 },
    AuthenticationMethod { value: String },
    AuthenticationData { value: Vec<u8> },
    RequestProblemInformation { value: bool },
    WillDelayInterval { value: u32 },
    RequestResponseInformation { value: bool },
    ResponseInformation { value: String },
    ServerReference { value: String },
    ReasonString { value: String },
    ReceiveMaximum { value: u16 },
    TopicAliasMaximum { value: u16 },
    TopicAlias { value: u16 },
    MaximumQos { value: QoS },
    RetainAvailable { value: bool },
    UserProperty { name: String, value: String },
    MaximumPacketSize { value: u32 },
    WildcardSubscriptionAvailable { value: bool },
    SubscriptionIdentifierAvailable { value: bool },
    SharedSubscriptionAvailable { value: bool },
}

impl From<iotmqtt::Property<'_>> for Property {
    fn from(p: iotmqtt::Property<'_>) -> Self {
        use iotmqtt::Property as P;
        match p {
            P::PayloadFormatIndicator(value) => Property::PayloadFormatIndicator { value },
            P::MessageExpiryInterval(value) => Property::MessageExpiryInterval { value },
            P::ContentType(s) => Property::ContentType { value: s.into() },
            P::ResponseTopic(s) => Property::ResponseTopic { value: s.into() },
            P::CorrelationData(b) => Property::CorrelationData { value: b.to_vec() },
            P::SubscriptionIdentifier(value) => Property::SubscriptionIdentifier { value },
            P::SessionExpiryInterval(value) => Property::SessionExpiryInterval { value },
            P::AssignedClientIdentifier(s) => {
                Property::AssignedClientIdentifier { value: s.into() }
            }
            P::ServerKeepAlive(value) => Property::ServerKeepAlive { value },
            P::AuthenticationMethod(s) => Property::AuthenticationMethod { value: s.into() },
            P::AuthenticationData(b) => Property::AuthenticationData { value: b.to_vec() },
            P::RequestProblemInformation(value) => Property::RequestProblemInformation { value },
            P::WillDelayInterval(value) => Property::WillDelayInterval { value },
            P::RequestResponseInformation(value) => Property::RequestResponseInformation { value },
            P::ResponseInformation(s) => Property::ResponseInformation { value: s.into() },
            P::ServerReference(s) => Property::ServerReference { value: s.into() },
            P::ReasonString(s) => Property::ReasonString { value: s.into() },
            P::ReceiveMaximum(value) => Property::ReceiveMaximum { value },
            P::TopicAliasMaximum(value) => Property::TopicAliasMaximum { value },
            P::TopicAlias(value) => Property::TopicAlias { value },
            P::MaximumQos(q) => Property::MaximumQos { value: q.into() },
            P::RetainAvailable(value) => Property::RetainAvailable { value },
            P::UserProperty(k, v) => Property::UserProperty {
                name: k.into(),
                value: v.into(),
            },
            P::MaximumPacketSize(value) => Property::MaximumPacketSize { value },
            P::WildcardSubscriptionAvailable(value) => {
                Property::WildcardSubscriptionAvailable { value }
            }
            P::SubscriptionIdentifierAvailable(value) => {
                Property::SubscriptionIdentifierAvailable { value }
            }
            P::SharedSubscriptionAvailable(value) => {
                Property::SharedSubscriptionAvailable { value }
            }
        }
    }
}

impl Property {
    /// The core's property, borrowing from this one.
    pub(crate) fn to_core(&self) -> iotmqtt::Property<'_> {
        use iotmqtt::Property as P;
        match self {
            Property::PayloadFormatIndicator { value } => P::PayloadFormatIndicator(*value),
            Property::MessageExpiryInterval { value } => P::MessageExpiryInterval(*value),
            Property::ContentType { value } => P::ContentType(value),
            Property::ResponseTopic { value } => P::ResponseTopic(value),
            Property::CorrelationData { value } => P::CorrelationData(value),
            Property::SubscriptionIdentifier { value } => P::SubscriptionIdentifier(*value),
            Property::SessionExpiryInterval { value } => P::SessionExpiryInterval(*value),
            Property::AssignedClientIdentifier { value } => P::AssignedClientIdentifier(value),
            Property::ServerKeepAlive { value } => P::ServerKeepAlive(*value),
            Property::AuthenticationMethod { value } => P::AuthenticationMethod(value),
            Property::AuthenticationData { value } => P::AuthenticationData(value),
            Property::RequestProblemInformation { value } => P::RequestProblemInformation(*value),
            Property::WillDelayInterval { value } => P::WillDelayInterval(*value),
            Property::RequestResponseInformation { value } => P::RequestResponseInformation(*value),
            Property::ResponseInformation { value } => P::ResponseInformation(value),
            Property::ServerReference { value } => P::ServerReference(value),
            Property::ReasonString { value } => P::ReasonString(value),
            Property::ReceiveMaximum { value } => P::ReceiveMaximum(*value),
            Property::TopicAliasMaximum { value } => P::TopicAliasMaximum(*value),
            Property::TopicAlias { value } => P::TopicAlias(*value),
            Property::MaximumQos { value } => P::MaximumQos((*value).into()),
            Property::RetainAvailable { value } => P::RetainAvailable(*value),
            Property::UserProperty { name, value } => P::UserProperty(name, value),
            Property::MaximumPacketSize { value } => P::MaximumPacketSize(*value),
            Property::WildcardSubscriptionAvailable { value } => {
                P::WildcardSubscriptionAvailable(*value)
            }
            Property::SubscriptionIdentifierAvailable { value } => {
                P::SubscriptionIdentifierAvailable(*value)
            }
            Property::SharedSubscriptionAvailable { value } => {
                P::SharedSubscriptionAvailable(*value)
            }
        }
    }
}

/// The core's properties borrowing from `list`: build it with [`core_list`] first.
pub(crate) fn core_list(list: &[Property]) -> Vec<iotmqtt::Property<'_>> {
    list.iter().map(Property::to_core).collect()
}

/// Properties of a decoded packet or an event, in packet order.
pub(crate) fn from_core(p: &Properties<'_>) -> Vec<Property> {
    p.iter().map(Property::from).collect()
}

/// Properties the core keeps owned (events, settings).
pub(crate) fn from_owned(p: &OwnedProperties) -> Vec<Property> {
    from_core(&p.as_properties())
}

/// An owned list for settings, checked for `ctx` exactly as the encoder would.
pub(crate) fn to_owned(list: &[Property], ctx: PropertyContext) -> Result<OwnedProperties> {
    let items = core_list(list);
    Ok(OwnedProperties::from_properties(
        &Properties::new(&items),
        ctx,
    )?)
}
