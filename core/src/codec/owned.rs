//! [`OwnedProperties`]: an MQTT 5 property list that owns its bytes, for state that outlives the
//! packet it came from (stored messages, events handed to the application).

use alloc::vec::Vec;
use core::fmt;

use super::Violation;
use super::properties::{Properties, PropertyContext};
#[cfg(not(feature = "fast-paths"))]
use super::writer::SliceWriter;

/// A property list stored as its wire encoding (without the length prefix) in a `Vec<u8>`, viewed
/// as [`Properties`] on demand. Empty lists allocate nothing.
///
/// ```
/// use iotmqtt::{OwnedProperties, Properties, Property, PropertyContext};
/// let items = [Property::ContentType("text/plain"), Property::UserProperty("k", "v")];
/// let owned = OwnedProperties::from_properties(&Properties::new(&items), PropertyContext::Publish)
///     .unwrap();
/// assert_eq!(owned.as_properties().content_type(), Some("text/plain"));
/// assert_eq!(owned.as_properties(), Properties::new(&items));
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct OwnedProperties {
    wire: Vec<u8>,
}

impl OwnedProperties {
    /// No properties.
    #[must_use]
    pub const fn new() -> Self {
        OwnedProperties { wire: Vec::new() }
    }

    /// Copies `props` after checking that every property may appear in `ctx` (identifier, value
    /// range, repetition), exactly as the encoder would.
    ///
    /// # Errors
    /// The [`Violation`] the list breaks.
    pub fn from_properties(
        props: &Properties<'_>,
        ctx: PropertyContext,
    ) -> Result<Self, Violation> {
        let mut wire = Vec::new();
        write_properties_body(props, ctx, &mut wire)?;
        Ok(OwnedProperties { wire })
    }

    /// Copies properties the decoder has already validated for their packet.
    #[must_use]
    pub(crate) fn from_decoded(props: &Properties<'_>) -> Self {
        match props.list().wire_bytes() {
            Some(bytes) if !bytes.is_empty() => OwnedProperties {
                wire: bytes.to_vec(),
            },
            _ => OwnedProperties::new(),
        }
    }

    /// Wraps wire bytes that were produced by this type (e.g. read back from a snapshot) after
    /// validating them for `ctx`; `None` if they do not hold a valid list.
    #[must_use]
    pub(crate) fn from_wire_checked(wire: &[u8], ctx: PropertyContext) -> Option<Self> {
        if wire.is_empty() {
            return Some(OwnedProperties::new());
        }
        let mut framed = Vec::with_capacity(wire.len().saturating_add(4));
        let len = u32::try_from(wire.len()).ok()?;
        let mut buf = [0u8; 4];
        let n = super::varint::write(len, &mut buf);
        framed.extend_from_slice(buf.get(..n)?);
        framed.extend_from_slice(wire);
        let mut r = super::reader::Reader::new(&framed, 0);
        let props = Properties::read(&mut r, ctx).ok()?;
        if !r.is_empty() || props.is_empty() {
            return None;
        }
        Some(OwnedProperties {
            wire: wire.to_vec(),
        })
    }

    /// The properties, borrowed.
    #[must_use]
    pub fn as_properties(&self) -> Properties<'_> {
        Properties::from_wire(&self.wire)
    }

    /// The wire encoding (property length prefix excluded).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.wire
    }

    /// True when there are no properties.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.wire.is_empty()
    }

    /// Bytes of the wire encoding.
    #[must_use]
    pub fn len(&self) -> usize {
        self.wire.len()
    }
}

/// Checks `props` for `ctx` and appends their wire encoding without the length prefix to `out`;
/// returns the bytes appended. On error nothing is appended.
pub(crate) fn write_properties_body(
    props: &Properties<'_>,
    ctx: PropertyContext,
    out: &mut Vec<u8>,
) -> Result<usize, Violation> {
    let len = props.check_outgoing(ctx)?;
    if len == 0 {
        return Ok(0);
    }
    out.reserve(len);
    if let Some(bytes) = props.list().wire_bytes() {
        out.extend_from_slice(bytes);
    } else {
        #[cfg(feature = "fast-paths")]
        for p in props.iter() {
            p.write(out);
        }
        // Without the fast paths, through the encoder's one writer (as `encode_general`).
        #[cfg(not(feature = "fast-paths"))]
        {
            let start = out.len();
            out.resize(start.saturating_add(len), 0);
            let mut w = SliceWriter::new(out.get_mut(start..).unwrap_or_default());
            for p in props.iter() {
                p.write(&mut w);
            }
        }
    }
    Ok(len)
}

impl fmt::Debug for OwnedProperties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.as_properties(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{Property, PropertyId};

    #[test]
    fn copies_checks_and_round_trips() {
        let items = [
            Property::MessageExpiryInterval(9),
            Property::UserProperty("a", "b"),
        ];
        let owned =
            OwnedProperties::from_properties(&Properties::new(&items), PropertyContext::Publish)
                .unwrap();
        assert_eq!(owned.as_properties().message_expiry_interval(), Some(9));
        let again =
            OwnedProperties::from_wire_checked(owned.as_bytes(), PropertyContext::Publish).unwrap();
        assert_eq!(again, owned);
        assert!(
            OwnedProperties::from_wire_checked(owned.as_bytes(), PropertyContext::Connect)
                .is_none()
        );
        assert!(OwnedProperties::from_wire_checked(&[0x23, 0], PropertyContext::Publish).is_none());
        let bad = [Property::TopicAlias(1)];
        assert_eq!(
            OwnedProperties::from_properties(&Properties::new(&bad), PropertyContext::Connect),
            Err(Violation::PropertyNotAllowed {
                property: PropertyId::TopicAlias,
                context: PropertyContext::Connect
            })
        );
        let empty =
            OwnedProperties::from_properties(&Properties::empty(), PropertyContext::Publish)
                .unwrap();
        assert!(empty.is_empty() && empty.as_properties().is_empty());
    }
}
