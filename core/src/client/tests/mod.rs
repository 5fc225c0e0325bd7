//! Scenario tests on the two-peer harness.

mod basic;
mod delivery;
mod faults;
mod lifecycle;
mod persistence;
mod props;
mod spec;
mod v5;

use alloc::vec::Vec;

use crate::client::{ClientConfig, Event};
use crate::codec::Properties;
use crate::codec::ProtocolVersion;
use crate::error::UsageError;
use crate::testing::ClientHarness;

/// A harness connected with `config`, its events cleared.
pub(super) fn connected(config: ClientConfig) -> ClientHarness {
    let mut h = ClientHarness::new(config);
    h.connect().unwrap();
    assert!(h.pair.a.is_connected(), "events: {:?}", h.events);
    h.take();
    h
}

pub(super) fn config(v: ProtocolVersion) -> ClientConfig {
    let mut c = ClientConfig::new("test-client");
    c.protocol = v;
    c
}

pub(super) fn acked(events: &[Event]) -> Vec<u16> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::PublishAcked { packet_id, .. } | Event::PublishCompleted { packet_id, .. } => {
                Some(packet_id.get())
            }
            _ => None,
        })
        .collect()
}

pub(super) fn messages(events: &[Event]) -> Vec<(alloc::string::String, Vec<u8>)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some((m.topic.clone(), m.payload.clone())),
            _ => None,
        })
        .collect()
}

pub(super) fn id(n: u16) -> crate::codec::PacketId {
    crate::codec::PacketId::new(n).unwrap()
}

/// The idle footprint is a benchmark target (≤ 1 KiB per idle session, boxed): keep the
/// inline sizes from creeping up unnoticed.
#[test]
#[cfg(target_pointer_width = "64")]
fn inline_sizes_stay_small() {
    assert!(core::mem::size_of::<crate::client::Client>() <= 800);
    assert!(core::mem::size_of::<Event>() <= 96);
    assert!(core::mem::size_of::<crate::client::timer::TimerTable>() <= 32);
}
