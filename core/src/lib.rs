//! # iotmqtt
//!
//! A sans-IO MQTT 3.1.1 / 5.0 protocol core for IoT devices, with a Huawei Cloud IoTDA profile.
//!
//! The core never touches a socket, a clock, a thread or a random source. Bytes and time go in;
//! bytes, deadlines and events come out. Every driver (tokio, asyncio, Node sockets, POSIX
//! `poll()`, a browser WebSocket) is a thin loop around the same state machine:
//!
//! ```text
//!            ┌──────────────────────────── your driver ───────────────────────────┐
//!  socket ──►│ handle_bytes(now, &[u8])                                           │
//!  timer  ──►│ handle_timeout(now)            ┌───────────────┐                   │
//!  close  ──►│ handle_closed(now)        ───► │  iotmqtt core │ ───► poll_transmit │──► socket
//!  app    ──►│ connect / publish / subscribe  │  (codec +     │ ───► poll_timeout  │──► timer
//!            │                                │   session)    │ ───► poll_event    │──► app
//!            │                                └───────────────┘                   │
//!            └────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! Time is an [`Instant`]: milliseconds since an epoch the caller picks.
//!
//! The crate is `no_std` + `alloc`; the default `std` feature only adds `std::error::Error`
//! implementations, and the default `iotda` feature adds the Huawei Cloud IoTDA profile.
//!
//! ## The codec
//!
//! [`decode`] borrows from its input and never allocates; [`encode`] appends to a `Vec<u8>`,
//! [`encode_to_slice`] fills a caller's buffer. Both enforce the specification and report the
//! rule a packet breaks ([`Violation::rule`]).
//!
//! ## The server session
//!
//! [`server::ServerSession`] is the broker side of one connection, with the same call protocol:
//! CONNECT policy and authentication, keep-alive, QoS 0/1/2 both ways, subscriptions, topic
//! aliases, session state. A broker owns one per connection and routes between them with
//! [`server::topic_matches`].

#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod client;
mod codec;
mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
#[cfg(feature = "iotda")]
pub mod iotda;
pub mod server;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod time;

pub use codec::{
    Auth, AuthReason, Connack, Connect, ConnectReason, DecodeError, Decoded, Decoder, Disconnect,
    DisconnectReason, EncodeError, FieldValue, FixedHeader, List, ListItem, ListIter,
    MAX_PACKET_SIZE, Needed, OwnedProperties, Packet, PacketField, PacketId, PacketLayout,
    PacketType, Properties, Property, PropertyContext, PropertyId, PropertyType, ProtocolVersion,
    PubAck, PubAckReason, PubComp, PubCompReason, PubRec, PubRecReason, PubRel, PubRelReason,
    Publish, QoS, ReasonCode, RetainHandling, SubAck, SubAckReason, Subscribe, Subscription,
    SubscriptionOptions, UnsubAck, UnsubAckReason, Unsubscribe, VARINT_MAX, ValidatedPublish,
    Violation, Will, decode, encode, encode_to_slice, encoded_len, is_shared_filter, layout,
    validate_topic_filter, validate_topic_name,
};
pub use error::{
    Error, ErrorKind, ProtocolError, Result, SnapshotError, TimeoutKind, UsageError, peer_fault,
};
pub use time::Instant;
