//! PUBLISHes on their way in: topic aliases and the QoS 1/2 packet identifiers the client has
//! not had acknowledged yet.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};

use crate::codec::{PacketId, QoS};
use crate::error::ProtocolError;

/// Where one of the client's packet identifiers stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InState {
    /// QoS 1 PUBLISH surfaced, PUBACK not sent yet.
    Qos1,
    /// QoS 2 PUBLISH surfaced, PUBREC not sent yet.
    Qos2,
    /// PUBREC sent; waiting for PUBREL. The message must not be surfaced again.
    Qos2Received,
}

/// What to do with a PUBLISH, as far as its packet identifier goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// New: surface it.
    New,
    /// A repeat of one not acknowledged yet: drop it, the acknowledgement will follow.
    Ignore,
    /// A repeat of a QoS 2 message already received: send PUBREC again, surface nothing.
    RepeatPubRec,
}

/// Inbound state of one session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Inbound {
    /// Topic aliases set by the client on this connection.
    aliases: BTreeMap<u16, String>,
    /// The client's packet ids not yet released.
    pub(crate) ids: BTreeMap<u16, InState>,
}

impl Inbound {
    /// Resolves the topic of a PUBLISH: records `alias → topic` when both are present, looks the
    /// alias up when the topic is empty. `maximum` is the Topic Alias Maximum we announced.
    pub(crate) fn resolve_topic(
        &mut self,
        topic: &str,
        alias: Option<u16>,
        maximum: u16,
    ) -> Result<String, ProtocolError> {
        let Some(alias) = alias else {
            return Ok(topic.to_string());
        };
        if alias == 0 || alias > maximum {
            return Err(ProtocolError::TopicAliasInvalid);
        }
        if topic.is_empty() {
            return self
                .aliases
                .get(&alias)
                .cloned()
                // No mapping yet: a plain Protocol Error (0x82), MQTT 5.0 §3.3.4.
                .ok_or(ProtocolError::TopicAliasUnknown);
        }
        self.aliases.insert(alias, topic.to_string());
        Ok(topic.to_string())
    }

    /// Decides on a PUBLISH at `qos` with packet id `id`; `receive_maximum` bounds how many may
    /// be unacknowledged.
    pub(crate) fn admit(
        &mut self,
        qos: QoS,
        id: Option<PacketId>,
        receive_maximum: u16,
    ) -> Result<Admit, ProtocolError> {
        let Some(id) = id else {
            return Ok(Admit::New);
        };
        let state = match qos {
            QoS::AtMostOnce => return Ok(Admit::New),
            QoS::AtLeastOnce => InState::Qos1,
            QoS::ExactlyOnce => InState::Qos2,
        };
        match (self.ids.get(&id.get()), state) {
            (None, _) => {
                if self.ids.len() >= usize::from(receive_maximum) {
                    return Err(ProtocolError::ReceiveMaximumExceeded);
                }
                self.ids.insert(id.get(), state);
                Ok(Admit::New)
            }
            (Some(InState::Qos1), InState::Qos1) | (Some(InState::Qos2), InState::Qos2) => {
                Ok(Admit::Ignore)
            }
            (Some(InState::Qos2Received), InState::Qos2) => Ok(Admit::RepeatPubRec),
            _ => Err(ProtocolError::PacketIdInUse(id.get())),
        }
    }

    /// The broker acknowledged `id`: returns its QoS and updates the table (`refused` ends a
    /// QoS 2 exchange at PUBREC). `None` when `id` awaits no acknowledgement.
    pub(crate) fn acknowledge(&mut self, id: PacketId, refused: bool) -> Option<QoS> {
        match self.ids.get(&id.get()).copied()? {
            InState::Qos1 => {
                self.ids.remove(&id.get());
                Some(QoS::AtLeastOnce)
            }
            InState::Qos2 => {
                if refused {
                    self.ids.remove(&id.get());
                } else {
                    self.ids.insert(id.get(), InState::Qos2Received);
                }
                Some(QoS::ExactlyOnce)
            }
            InState::Qos2Received => None,
        }
    }

    /// A PUBREL arrived: true when it releases a received QoS 2 message.
    pub(crate) fn release(&mut self, id: PacketId) -> bool {
        if self.ids.get(&id.get()) == Some(&InState::Qos2Received) {
            self.ids.remove(&id.get());
            true
        } else {
            false
        }
    }

    /// The QoS 2 ids that belong to the session state: every QoS 2 message surfaced and not yet
    /// released counts as received, so a resend is not surfaced twice.
    pub(crate) fn received_qos2(&self) -> impl Iterator<Item = u16> + '_ {
        self.ids
            .iter()
            .filter(|(_, s)| matches!(s, InState::Qos2 | InState::Qos2Received))
            .map(|(id, _)| *id)
    }

    /// The inbound state of a resumed session: only received QoS 2 ids carry over; aliases and
    /// QoS 1 ids belong to the old connection.
    pub(crate) fn resumed(received: impl IntoIterator<Item = u16>) -> Self {
        Inbound {
            aliases: BTreeMap::new(),
            ids: received
                .into_iter()
                .map(|id| (id, InState::Qos2Received))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u16) -> Option<PacketId> {
        PacketId::new(n)
    }

    #[test]
    fn aliases_resolve_within_the_maximum() {
        let mut i = Inbound::default();
        assert_eq!(i.resolve_topic("a/b", Some(1), 2).unwrap(), "a/b");
        assert_eq!(i.resolve_topic("", Some(1), 2).unwrap(), "a/b");
        assert_eq!(i.resolve_topic("c", Some(1), 2).unwrap(), "c");
        assert_eq!(i.resolve_topic("", Some(1), 2).unwrap(), "c");
        assert_eq!(
            i.resolve_topic("", Some(2), 2),
            Err(ProtocolError::TopicAliasUnknown)
        );
        assert_eq!(
            i.resolve_topic("x", Some(3), 2),
            Err(ProtocolError::TopicAliasInvalid)
        );
        assert_eq!(i.resolve_topic("x", None, 0).unwrap(), "x");
    }

    #[test]
    fn qos2_is_surfaced_once_until_released() {
        let mut i = Inbound::default();
        assert_eq!(i.admit(QoS::ExactlyOnce, id(7), 2), Ok(Admit::New));
        assert_eq!(i.admit(QoS::ExactlyOnce, id(7), 2), Ok(Admit::Ignore));
        assert_eq!(i.acknowledge(id(7).unwrap(), false), Some(QoS::ExactlyOnce));
        assert_eq!(i.acknowledge(id(7).unwrap(), false), None);
        assert_eq!(i.admit(QoS::ExactlyOnce, id(7), 2), Ok(Admit::RepeatPubRec));
        assert_eq!(
            i.admit(QoS::AtLeastOnce, id(7), 2),
            Err(ProtocolError::PacketIdInUse(7))
        );
        assert!(i.release(id(7).unwrap()));
        assert!(!i.release(id(7).unwrap()));
        assert_eq!(i.admit(QoS::ExactlyOnce, id(7), 2), Ok(Admit::New));
    }

    #[test]
    fn receive_maximum_counts_every_unreleased_id() {
        let mut i = Inbound::default();
        assert_eq!(i.admit(QoS::AtLeastOnce, id(1), 2), Ok(Admit::New));
        assert_eq!(i.admit(QoS::ExactlyOnce, id(2), 2), Ok(Admit::New));
        assert_eq!(i.admit(QoS::AtMostOnce, None, 2), Ok(Admit::New));
        assert_eq!(
            i.admit(QoS::AtLeastOnce, id(3), 2),
            Err(ProtocolError::ReceiveMaximumExceeded)
        );
        assert_eq!(i.acknowledge(id(1).unwrap(), false), Some(QoS::AtLeastOnce));
        assert_eq!(i.admit(QoS::AtLeastOnce, id(3), 2), Ok(Admit::New));
        assert_eq!(i.received_qos2().collect::<alloc::vec::Vec<_>>(), [2]);
        let resumed = Inbound::resumed(i.received_qos2().collect::<alloc::vec::Vec<_>>());
        assert_eq!(resumed.ids.get(&2), Some(&InState::Qos2Received));
        assert_eq!(resumed.ids.len(), 1);
    }
}
