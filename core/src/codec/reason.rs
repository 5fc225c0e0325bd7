//! Reason codes: the full MQTT 5 table, and one enum per packet holding exactly the codes that
//! packet may carry (MQTT 5.0 §2.4 and the per-packet tables in chapter 3).
//!
//! MQTT 3.1.1 return codes (CONNACK 0–5, SUBACK 0/1/2/0x80) are mapped onto the same enums; see
//! [`ConnectReason::from_v3_return_code`].

use core::fmt;

macro_rules! reason_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $value:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant = $value, )+
        }

        impl $name {
            /// Every code of this enum, in ascending order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The code for `value`, or `None` if this packet may not carry it.
            #[must_use]
            pub const fn from_u8(value: u8) -> Option<Self> {
                match value {
                    $( $value => Some($name::$variant), )+
                    _ => None,
                }
            }

            /// The wire value.
            #[must_use]
            pub const fn as_u8(self) -> u8 {
                self as u8
            }

            /// True for codes 0x80 and above, which report a failure.
            #[must_use]
            pub const fn is_error(self) -> bool {
                (self as u8) >= 0x80
            }

            /// The name the specification gives this code.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    $( $name::$variant => stringify!($variant), )+
                }
            }
        }

        impl TryFrom<u8> for $name {
            type Error = u8;
            fn try_from(value: u8) -> Result<Self, u8> {
                Self::from_u8(value).ok_or(value)
            }
        }

        impl From<$name> for u8 {
            fn from(code: $name) -> u8 {
                code as u8
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} (0x{:02X})", self.name(), *self as u8)
            }
        }
    };
}

macro_rules! narrow_reason {
    ($name:ident) => {
        impl From<$name> for ReasonCode {
            fn from(code: $name) -> ReasonCode {
                // Every narrow enum is a subset of the full table, so this lookup always succeeds;
                // the fallback only exists so that no code path can panic.
                ReasonCode::from_u8(code as u8).unwrap_or(ReasonCode::UnspecifiedError)
            }
        }
    };
}

reason_enum! {
    /// Every MQTT 5 reason code (MQTT 5.0 §2.4, Table 2-6). `0x00` is named `Success` here; the
    /// specification also calls it "Normal disconnection" and "Granted QoS 0".
    ReasonCode {
        /// Success, Normal disconnection, Granted QoS 0.
        Success = 0x00,
        /// Granted QoS 1 (SUBACK).
        GrantedQos1 = 0x01,
        /// Granted QoS 2 (SUBACK).
        GrantedQos2 = 0x02,
        /// Disconnect with Will Message (DISCONNECT from the client).
        DisconnectWithWillMessage = 0x04,
        /// No matching subscribers (PUBACK, PUBREC).
        NoMatchingSubscribers = 0x10,
        /// No subscription existed (UNSUBACK).
        NoSubscriptionExisted = 0x11,
        /// Continue authentication (AUTH).
        ContinueAuthentication = 0x18,
        /// Re-authenticate (AUTH).
        ReAuthenticate = 0x19,
        /// Unspecified error.
        UnspecifiedError = 0x80,
        /// Malformed Packet.
        MalformedPacket = 0x81,
        /// Protocol Error.
        ProtocolError = 0x82,
        /// Implementation specific error.
        ImplementationSpecificError = 0x83,
        /// Unsupported Protocol Version.
        UnsupportedProtocolVersion = 0x84,
        /// Client Identifier not valid.
        ClientIdentifierNotValid = 0x85,
        /// Bad User Name or Password.
        BadUserNameOrPassword = 0x86,
        /// Not authorized.
        NotAuthorized = 0x87,
        /// Server unavailable.
        ServerUnavailable = 0x88,
        /// Server busy.
        ServerBusy = 0x89,
        /// Banned.
        Banned = 0x8A,
        /// Server shutting down.
        ServerShuttingDown = 0x8B,
        /// Bad authentication method.
        BadAuthenticationMethod = 0x8C,
        /// Keep Alive timeout.
        KeepAliveTimeout = 0x8D,
        /// Session taken over.
        SessionTakenOver = 0x8E,
        /// Topic Filter invalid.
        TopicFilterInvalid = 0x8F,
        /// Topic Name invalid.
        TopicNameInvalid = 0x90,
        /// Packet Identifier in use.
        PacketIdentifierInUse = 0x91,
        /// Packet Identifier not found.
        PacketIdentifierNotFound = 0x92,
        /// Receive Maximum exceeded.
        ReceiveMaximumExceeded = 0x93,
        /// Topic Alias invalid.
        TopicAliasInvalid = 0x94,
        /// Packet too large.
        PacketTooLarge = 0x95,
        /// Message rate too high.
        MessageRateTooHigh = 0x96,
        /// Quota exceeded.
        QuotaExceeded = 0x97,
        /// Administrative action.
        AdministrativeAction = 0x98,
        /// Payload format invalid.
        PayloadFormatInvalid = 0x99,
        /// Retain not supported.
        RetainNotSupported = 0x9A,
        /// QoS not supported.
        QosNotSupported = 0x9B,
        /// Use another server.
        UseAnotherServer = 0x9C,
        /// Server moved.
        ServerMoved = 0x9D,
        /// Shared Subscriptions not supported.
        SharedSubscriptionsNotSupported = 0x9E,
        /// Connection rate exceeded.
        ConnectionRateExceeded = 0x9F,
        /// Maximum connect time.
        MaximumConnectTime = 0xA0,
        /// Subscription Identifiers not supported.
        SubscriptionIdentifiersNotSupported = 0xA1,
        /// Wildcard Subscriptions not supported.
        WildcardSubscriptionsNotSupported = 0xA2,
    }
}

reason_enum! {
    /// The codes a CONNACK may carry (MQTT 5.0 §3.2.2.2).
    ConnectReason {
        /// The connection is accepted.
        Success = 0x00,
        /// Unspecified error.
        UnspecifiedError = 0x80,
        /// Malformed Packet.
        MalformedPacket = 0x81,
        /// Protocol Error.
        ProtocolError = 0x82,
        /// Implementation specific error.
        ImplementationSpecificError = 0x83,
        /// Unsupported Protocol Version (3.1.1 return code 1).
        UnsupportedProtocolVersion = 0x84,
        /// Client Identifier not valid (3.1.1 return code 2; IoTDA also uses it for a keep-alive
        /// outside 30–1200 s).
        ClientIdentifierNotValid = 0x85,
        /// Bad User Name or Password (3.1.1 return code 4).
        BadUserNameOrPassword = 0x86,
        /// Not authorized (3.1.1 return code 5).
        NotAuthorized = 0x87,
        /// Server unavailable (3.1.1 return code 3).
        ServerUnavailable = 0x88,
        /// Server busy.
        ServerBusy = 0x89,
        /// Banned.
        Banned = 0x8A,
        /// Bad authentication method.
        BadAuthenticationMethod = 0x8C,
        /// Topic Name invalid (of the Will).
        TopicNameInvalid = 0x90,
        /// Packet too large.
        PacketTooLarge = 0x95,
        /// Quota exceeded.
        QuotaExceeded = 0x97,
        /// Payload format invalid (of the Will).
        PayloadFormatInvalid = 0x99,
        /// Retain not supported.
        RetainNotSupported = 0x9A,
        /// QoS not supported.
        QosNotSupported = 0x9B,
        /// Use another server.
        UseAnotherServer = 0x9C,
        /// Server moved.
        ServerMoved = 0x9D,
        /// Connection rate exceeded.
        ConnectionRateExceeded = 0x9F,
    }
}
narrow_reason!(ConnectReason);

impl ConnectReason {
    /// Maps an MQTT 3.1.1 CONNACK return code (§3.2.2.3) onto the MQTT 5 code with the same meaning.
    #[must_use]
    pub const fn from_v3_return_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(ConnectReason::Success),
            1 => Some(ConnectReason::UnsupportedProtocolVersion),
            2 => Some(ConnectReason::ClientIdentifierNotValid),
            3 => Some(ConnectReason::ServerUnavailable),
            4 => Some(ConnectReason::BadUserNameOrPassword),
            5 => Some(ConnectReason::NotAuthorized),
            _ => None,
        }
    }

    /// The MQTT 3.1.1 return code with this meaning, or `None` if 3.1.1 has no such code.
    #[must_use]
    pub const fn to_v3_return_code(self) -> Option<u8> {
        match self {
            ConnectReason::Success => Some(0),
            ConnectReason::UnsupportedProtocolVersion => Some(1),
            ConnectReason::ClientIdentifierNotValid => Some(2),
            ConnectReason::ServerUnavailable => Some(3),
            ConnectReason::BadUserNameOrPassword => Some(4),
            ConnectReason::NotAuthorized => Some(5),
            _ => None,
        }
    }
}

reason_enum! {
    /// The codes a PUBACK or PUBREC may carry (MQTT 5.0 §3.4.2.1, §3.5.2.1).
    PubAckReason {
        /// The message is accepted.
        Success = 0x00,
        /// Accepted, but nobody was subscribed.
        NoMatchingSubscribers = 0x10,
        /// Unspecified error.
        UnspecifiedError = 0x80,
        /// Implementation specific error.
        ImplementationSpecificError = 0x83,
        /// Not authorized.
        NotAuthorized = 0x87,
        /// Topic Name invalid.
        TopicNameInvalid = 0x90,
        /// Packet Identifier in use.
        PacketIdentifierInUse = 0x91,
        /// Quota exceeded.
        QuotaExceeded = 0x97,
        /// Payload format invalid.
        PayloadFormatInvalid = 0x99,
    }
}
narrow_reason!(PubAckReason);

/// The codes a PUBREC may carry: the same set as PUBACK.
pub type PubRecReason = PubAckReason;

reason_enum! {
    /// The codes a PUBREL or PUBCOMP may carry (MQTT 5.0 §3.6.2.1, §3.7.2.1).
    PubRelReason {
        /// Success.
        Success = 0x00,
        /// Packet Identifier not found.
        PacketIdentifierNotFound = 0x92,
    }
}
narrow_reason!(PubRelReason);

/// The codes a PUBCOMP may carry: the same set as PUBREL.
pub type PubCompReason = PubRelReason;

reason_enum! {
    /// The codes a SUBACK may carry, one per requested filter (MQTT 5.0 §3.9.3; 3.1.1 §3.9.3 uses
    /// 0, 1, 2 and 0x80 with the same meaning).
    SubAckReason {
        /// Granted QoS 0.
        GrantedQos0 = 0x00,
        /// Granted QoS 1.
        GrantedQos1 = 0x01,
        /// Granted QoS 2.
        GrantedQos2 = 0x02,
        /// Unspecified error (3.1.1 "Failure").
        UnspecifiedError = 0x80,
        /// Implementation specific error.
        ImplementationSpecificError = 0x83,
        /// Not authorized.
        NotAuthorized = 0x87,
        /// Topic Filter invalid.
        TopicFilterInvalid = 0x8F,
        /// Packet Identifier in use.
        PacketIdentifierInUse = 0x91,
        /// Quota exceeded.
        QuotaExceeded = 0x97,
        /// Shared Subscriptions not supported.
        SharedSubscriptionsNotSupported = 0x9E,
        /// Subscription Identifiers not supported.
        SubscriptionIdentifiersNotSupported = 0xA1,
        /// Wildcard Subscriptions not supported.
        WildcardSubscriptionsNotSupported = 0xA2,
    }
}
narrow_reason!(SubAckReason);

impl SubAckReason {
    /// The QoS granted, or `None` when the subscription failed.
    #[must_use]
    pub const fn granted_qos(self) -> Option<super::QoS> {
        match self {
            SubAckReason::GrantedQos0 => Some(super::QoS::AtMostOnce),
            SubAckReason::GrantedQos1 => Some(super::QoS::AtLeastOnce),
            SubAckReason::GrantedQos2 => Some(super::QoS::ExactlyOnce),
            _ => None,
        }
    }

    /// True when this code exists in MQTT 3.1.1 (0, 1, 2, 0x80).
    #[must_use]
    pub const fn is_v3(self) -> bool {
        matches!(
            self,
            SubAckReason::GrantedQos0
                | SubAckReason::GrantedQos1
                | SubAckReason::GrantedQos2
                | SubAckReason::UnspecifiedError
        )
    }
}

reason_enum! {
    /// The codes an UNSUBACK may carry, one per filter (MQTT 5.0 §3.11.3).
    UnsubAckReason {
        /// Success.
        Success = 0x00,
        /// No subscription existed.
        NoSubscriptionExisted = 0x11,
        /// Unspecified error.
        UnspecifiedError = 0x80,
        /// Implementation specific error.
        ImplementationSpecificError = 0x83,
        /// Not authorized.
        NotAuthorized = 0x87,
        /// Topic Filter invalid.
        TopicFilterInvalid = 0x8F,
        /// Packet Identifier in use.
        PacketIdentifierInUse = 0x91,
    }
}
narrow_reason!(UnsubAckReason);

reason_enum! {
    /// The codes a DISCONNECT may carry (MQTT 5.0 §3.14.2.1).
    DisconnectReason {
        /// Normal disconnection.
        NormalDisconnection = 0x00,
        /// Disconnect with Will Message (client only).
        DisconnectWithWillMessage = 0x04,
        /// Unspecified error.
        UnspecifiedError = 0x80,
        /// Malformed Packet.
        MalformedPacket = 0x81,
        /// Protocol Error.
        ProtocolError = 0x82,
        /// Implementation specific error.
        ImplementationSpecificError = 0x83,
        /// Not authorized (server only).
        NotAuthorized = 0x87,
        /// Server busy (server only).
        ServerBusy = 0x89,
        /// Server shutting down (server only).
        ServerShuttingDown = 0x8B,
        /// Keep Alive timeout (server only).
        KeepAliveTimeout = 0x8D,
        /// Session taken over (server only).
        SessionTakenOver = 0x8E,
        /// Topic Filter invalid (server only).
        TopicFilterInvalid = 0x8F,
        /// Topic Name invalid.
        TopicNameInvalid = 0x90,
        /// Receive Maximum exceeded.
        ReceiveMaximumExceeded = 0x93,
        /// Topic Alias invalid.
        TopicAliasInvalid = 0x94,
        /// Packet too large.
        PacketTooLarge = 0x95,
        /// Message rate too high.
        MessageRateTooHigh = 0x96,
        /// Quota exceeded.
        QuotaExceeded = 0x97,
        /// Administrative action.
        AdministrativeAction = 0x98,
        /// Payload format invalid.
        PayloadFormatInvalid = 0x99,
        /// Retain not supported (server only).
        RetainNotSupported = 0x9A,
        /// QoS not supported (server only).
        QosNotSupported = 0x9B,
        /// Use another server (server only).
        UseAnotherServer = 0x9C,
        /// Server moved (server only).
        ServerMoved = 0x9D,
        /// Shared Subscriptions not supported (server only).
        SharedSubscriptionsNotSupported = 0x9E,
        /// Connection rate exceeded (server only).
        ConnectionRateExceeded = 0x9F,
        /// Maximum connect time (server only).
        MaximumConnectTime = 0xA0,
        /// Subscription Identifiers not supported (server only).
        SubscriptionIdentifiersNotSupported = 0xA1,
        /// Wildcard Subscriptions not supported (server only).
        WildcardSubscriptionsNotSupported = 0xA2,
    }
}
narrow_reason!(DisconnectReason);

reason_enum! {
    /// The codes an AUTH may carry (MQTT 5.0 §3.15.2.1).
    AuthReason {
        /// Authentication is successful.
        Success = 0x00,
        /// Continue the authentication with another step.
        ContinueAuthentication = 0x18,
        /// Initiate a re-authentication (client only).
        ReAuthenticate = 0x19,
    }
}
narrow_reason!(AuthReason);

impl DisconnectReason {
    /// The DISCONNECT code that reports `code`, if DISCONNECT may carry it.
    #[must_use]
    pub fn from_reason_code(code: ReasonCode) -> Option<Self> {
        Self::from_u8(code.as_u8())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_narrow_code_is_in_the_full_table() {
        for c in ConnectReason::ALL {
            assert_eq!(ReasonCode::from(*c).as_u8(), c.as_u8());
        }
        for c in PubAckReason::ALL {
            assert_eq!(ReasonCode::from(*c).as_u8(), c.as_u8());
        }
        for c in PubRelReason::ALL {
            assert_eq!(ReasonCode::from(*c).as_u8(), c.as_u8());
        }
        for c in SubAckReason::ALL {
            assert_eq!(ReasonCode::from(*c).as_u8(), c.as_u8());
        }
        for c in UnsubAckReason::ALL {
            assert_eq!(ReasonCode::from(*c).as_u8(), c.as_u8());
        }
        for c in DisconnectReason::ALL {
            assert_eq!(ReasonCode::from(*c).as_u8(), c.as_u8());
        }
        for c in AuthReason::ALL {
            assert_eq!(ReasonCode::from(*c).as_u8(), c.as_u8());
        }
    }

    #[test]
    fn full_table_has_43_codes_and_rejects_the_rest() {
        assert_eq!(ReasonCode::ALL.len(), 43);
        let known = (0..=255u8)
            .filter(|b| ReasonCode::from_u8(*b).is_some())
            .count();
        assert_eq!(known, 43);
        assert_eq!(ReasonCode::from_u8(0x03), None);
        assert_eq!(PubRelReason::from_u8(0x80), None);
    }

    #[test]
    fn v3_connack_codes_round_trip() {
        for rc in 0..=5u8 {
            let c = ConnectReason::from_v3_return_code(rc).unwrap();
            assert_eq!(c.to_v3_return_code(), Some(rc));
        }
        assert_eq!(ConnectReason::from_v3_return_code(6), None);
        assert_eq!(ConnectReason::Banned.to_v3_return_code(), None);
    }

    #[test]
    fn display_names_code_and_value() {
        extern crate alloc;
        use alloc::string::ToString;
        assert_eq!(
            ReasonCode::PacketTooLarge.to_string(),
            "PacketTooLarge (0x95)"
        );
    }
}
