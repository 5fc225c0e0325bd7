//! A decoded packet as an ordered tree, printed as indented text or as JSON.

use std::fmt::Write as _;

use iotmqtt::{
    Connack, Connect, Packet, Properties, Property, ProtocolVersion, Publish, SubscriptionOptions,
};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// Longest payload shown in full in the text form.
const TEXT_PAYLOAD_LIMIT: usize = 256;

/// A value in the tree. Maps keep their order.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A string.
    Str(String),
    /// A number.
    Num(u64),
    /// A flag.
    Bool(bool),
    /// Binary data: UTF-8 text is shown as a string, anything else as hex.
    Bytes(Vec<u8>),
    /// A list.
    List(Vec<Node>),
    /// Named children, in order.
    Map(Vec<(String, Node)>),
}

impl Node {
    fn map() -> Self {
        Node::Map(Vec::new())
    }

    fn with(mut self, key: &str, value: impl Into<Node>) -> Self {
        if let Node::Map(entries) = &mut self {
            entries.push((key.to_owned(), value.into()));
        }
        self
    }

    fn with_opt(self, key: &str, value: Option<impl Into<Node>>) -> Self {
        match value {
            Some(v) => self.with(key, v),
            None => self,
        }
    }
}

impl From<&str> for Node {
    fn from(s: &str) -> Self {
        Node::Str(s.to_owned())
    }
}
impl From<String> for Node {
    fn from(s: String) -> Self {
        Node::Str(s)
    }
}
impl From<bool> for Node {
    fn from(b: bool) -> Self {
        Node::Bool(b)
    }
}
impl From<u16> for Node {
    fn from(n: u16) -> Self {
        Node::Num(u64::from(n))
    }
}
impl From<u32> for Node {
    fn from(n: u32) -> Self {
        Node::Num(u64::from(n))
    }
}
impl From<usize> for Node {
    fn from(n: usize) -> Self {
        Node::Num(n as u64)
    }
}
impl From<&[u8]> for Node {
    fn from(b: &[u8]) -> Self {
        Node::Bytes(b.to_vec())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Str(v) => s.serialize_str(v),
            Node::Num(v) => s.serialize_u64(*v),
            Node::Bool(v) => s.serialize_bool(*v),
            Node::Bytes(b) => match std::str::from_utf8(b) {
                Ok(text) => s.serialize_str(text),
                Err(_) => {
                    let mut m = s.serialize_map(Some(1))?;
                    m.serialize_entry("hex", &hex(b))?;
                    m.end()
                }
            },
            Node::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Map(entries) => {
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

/// The one-line text of a leaf.
fn leaf_text(node: &Node) -> Option<String> {
    Some(match node {
        Node::Str(s) => s.clone(),
        Node::Num(n) => n.to_string(),
        Node::Bool(b) => b.to_string(),
        Node::Bytes(b) => {
            let shown = b.get(..TEXT_PAYLOAD_LIMIT).unwrap_or(b);
            let more = if b.len() > shown.len() {
                format!(" … ({} bytes)", b.len())
            } else {
                String::new()
            };
            match std::str::from_utf8(shown) {
                Ok(text) => format!("{text:?}{more}"),
                Err(_) => format!("hex {}{more}", hex(shown)),
            }
        }
        Node::List(items) if items.is_empty() => "[]".to_owned(),
        Node::Map(entries) if entries.is_empty() => "{}".to_owned(),
        Node::List(_) | Node::Map(_) => return None,
    })
}

/// Appends `node` as indented `key: value` lines.
pub fn write_text(out: &mut String, node: &Node, indent: usize) {
    let pad = "  ".repeat(indent);
    match node {
        Node::Map(entries) => {
            for (k, v) in entries {
                match leaf_text(v) {
                    Some(text) => {
                        let _ = writeln!(out, "{pad}{k}: {text}");
                    }
                    None => {
                        let _ = writeln!(out, "{pad}{k}:");
                        write_text(out, v, indent + 1);
                    }
                }
            }
        }
        Node::List(items) => {
            for item in items {
                match leaf_text(item) {
                    Some(text) => {
                        let _ = writeln!(out, "{pad}- {text}");
                    }
                    None => {
                        let _ = writeln!(out, "{pad}-");
                        write_text(out, item, indent + 1);
                    }
                }
            }
        }
        leaf => {
            let _ = writeln!(out, "{pad}{}", leaf_text(leaf).unwrap_or_default());
        }
    }
}

fn property(p: &Property<'_>) -> Node {
    match *p {
        Property::PayloadFormatIndicator(v)
        | Property::RequestProblemInformation(v)
        | Property::RequestResponseInformation(v)
        | Property::RetainAvailable(v)
        | Property::WildcardSubscriptionAvailable(v)
        | Property::SubscriptionIdentifierAvailable(v)
        | Property::SharedSubscriptionAvailable(v) => v.into(),
        Property::MessageExpiryInterval(v)
        | Property::SubscriptionIdentifier(v)
        | Property::SessionExpiryInterval(v)
        | Property::WillDelayInterval(v)
        | Property::MaximumPacketSize(v) => v.into(),
        Property::ServerKeepAlive(v)
        | Property::ReceiveMaximum(v)
        | Property::TopicAliasMaximum(v)
        | Property::TopicAlias(v) => v.into(),
        Property::ContentType(v)
        | Property::ResponseTopic(v)
        | Property::AssignedClientIdentifier(v)
        | Property::AuthenticationMethod(v)
        | Property::ResponseInformation(v)
        | Property::ServerReference(v)
        | Property::ReasonString(v) => v.into(),
        Property::CorrelationData(v) | Property::AuthenticationData(v) => v.into(),
        Property::MaximumQos(q) => (q as u16).into(),
        Property::UserProperty(k, v) => Node::List(vec![k.into(), v.into()]),
        // Property is non-exhaustive only in spirit; new variants show by their debug name.
        #[allow(unreachable_patterns)] // keeps the tree total if the core adds a property
        ref other => format!("{other:?}").into(),
    }
}

/// The properties, in order; a property that repeats becomes a list.
fn properties(props: &Properties<'_>) -> Node {
    let mut entries: Vec<(String, Node)> = Vec::new();
    for p in props.iter() {
        let key = p.id().name().to_owned();
        let value = property(&p);
        let repeats = matches!(
            p,
            Property::UserProperty(..) | Property::SubscriptionIdentifier(_)
        );
        match entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, Node::List(items))) if repeats => items.push(value),
            Some((_, existing)) => *existing = value,
            None if repeats => entries.push((key, Node::List(vec![value]))),
            None => entries.push((key, value)),
        }
    }
    Node::Map(entries)
}

fn with_props(node: Node, version: ProtocolVersion, props: &Properties<'_>) -> Node {
    if version == ProtocolVersion::V5 {
        node.with("properties", properties(props))
    } else {
        node
    }
}

fn options(o: SubscriptionOptions, version: ProtocolVersion) -> Node {
    let node = Node::map().with("qos", o.qos as u16);
    if version == ProtocolVersion::V5 {
        node.with("no_local", o.no_local)
            .with("retain_as_published", o.retain_as_published)
            .with("retain_handling", o.retain_handling as u16)
    } else {
        node
    }
}

fn connect(c: &Connect<'_>) -> Node {
    let mut n = Node::map()
        .with("protocol", c.protocol.to_string())
        .with("clean_start", c.clean_start)
        .with("keep_alive", c.keep_alive);
    n = with_props(n, c.protocol, &c.properties);
    n = n.with("client_id", c.client_id);
    if let Some(w) = &c.will {
        let will = Node::map()
            .with("topic", w.topic)
            .with("qos", w.qos as u16)
            .with("retain", w.retain)
            .with("payload", w.payload);
        n = n.with("will", with_props(will, c.protocol, &w.properties));
    }
    n = n.with_opt("username", c.username);
    // A capture may hold a real password: show its length only.
    n.with_opt(
        "password",
        c.password
            .map(|p| format!("<{} bytes, not shown>", p.len())),
    )
}

fn connack(c: &Connack<'_>, version: ProtocolVersion) -> Node {
    let n = Node::map()
        .with("session_present", c.session_present)
        .with("reason", c.reason.to_string());
    with_props(n, version, &c.properties)
}

fn publish(p: &Publish<'_>, version: ProtocolVersion) -> Node {
    let n = Node::map()
        .with("topic", p.topic)
        .with("qos", p.qos as u16)
        .with("retain", p.retain)
        .with("dup", p.dup)
        .with_opt("packet_id", p.packet_id.map(|id| id.get()));
    with_props(n, version, &p.properties).with("payload", p.payload)
}

/// The fields of `packet` decoded on a connection of `version`.
#[must_use]
pub fn packet_fields(packet: &Packet<'_>, version: ProtocolVersion) -> Node {
    macro_rules! ack {
        ($a:expr) => {
            with_props(
                Node::map()
                    .with("packet_id", $a.packet_id.get())
                    .with("reason", $a.reason.to_string()),
                version,
                &$a.properties,
            )
        };
    }
    match packet {
        Packet::Connect(c) => connect(c),
        Packet::Connack(c) => connack(c, version),
        Packet::Publish(p) => publish(p, version),
        Packet::PubAck(a) => ack!(a),
        Packet::PubRec(a) => ack!(a),
        Packet::PubRel(a) => ack!(a),
        Packet::PubComp(a) => ack!(a),
        Packet::Subscribe(s) => {
            let subs = s
                .subscriptions
                .iter()
                .map(|sub| {
                    Node::map()
                        .with("filter", sub.filter)
                        .with("options", options(sub.options, version))
                })
                .collect();
            with_props(
                Node::map().with("packet_id", s.packet_id.get()),
                version,
                &s.properties,
            )
            .with("subscriptions", Node::List(subs))
        }
        Packet::SubAck(s) => {
            let codes = s.reasons.iter().map(|r| r.to_string().into()).collect();
            with_props(
                Node::map().with("packet_id", s.packet_id.get()),
                version,
                &s.properties,
            )
            .with("reasons", Node::List(codes))
        }
        Packet::Unsubscribe(u) => {
            let filters = u.filters.iter().map(Node::from).collect();
            with_props(
                Node::map().with("packet_id", u.packet_id.get()),
                version,
                &u.properties,
            )
            .with("filters", Node::List(filters))
        }
        Packet::UnsubAck(u) => {
            let n = with_props(
                Node::map().with("packet_id", u.packet_id.get()),
                version,
                &u.properties,
            );
            if version == ProtocolVersion::V5 {
                let codes = u.reasons.iter().map(|r| r.to_string().into()).collect();
                n.with("reasons", Node::List(codes))
            } else {
                n
            }
        }
        Packet::PingReq | Packet::PingResp => Node::map(),
        Packet::Disconnect(d) => with_props(
            Node::map().with("reason", d.reason.to_string()),
            version,
            &d.properties,
        ),
        Packet::Auth(a) => with_props(
            Node::map().with("reason", a.reason.to_string()),
            version,
            &a.properties,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_keep_their_order_in_json_and_text() {
        let n = Node::map()
            .with("zeta", 1u16)
            .with("alpha", "x")
            .with("bin", &[0xFFu8, 0x00][..]);
        assert_eq!(
            serde_json::to_string(&n).unwrap(),
            r#"{"zeta":1,"alpha":"x","bin":{"hex":"ff00"}}"#
        );
        let mut text = String::new();
        write_text(&mut text, &n, 1);
        assert_eq!(text, "  zeta: 1\n  alpha: x\n  bin: hex ff00\n");
    }
}
