//! Keep-alive: 1.5 × Keep Alive of silence closes the connection; PINGREQ gets PINGRESP.

use std::vec;

use super::*;
use crate::error::TimeoutKind;

fn silent_until_timeout(c: &mut Client, deadline_ms: u64) {
    assert_eq!(
        c.server.poll_timeout(),
        Some(Instant::from_millis(deadline_ms))
    );
    c.advance(deadline_ms - c.now.as_millis() - 1);
    assert_eq!(c.server.state(), ServerState::Connected);
    c.advance(1);
    assert_eq!(c.server.state(), ServerState::Closed);
}

#[test]
fn v5_silence_gets_disconnect_keep_alive_timeout() {
    let mut c = Client::new(ServerConfig::default(), V5);
    c.connect("c1", 10);
    silent_until_timeout(&mut c, 15_000);
    assert_eq!(
        c.recv(),
        vec![Out::Disconnect(DisconnectReason::KeepAliveTimeout, None)]
    );
    assert_eq!(
        closed(&c.events()),
        Some(&CloseCause::Timeout(TimeoutKind::KeepAlive))
    );
}

#[test]
fn v3_silence_just_closes() {
    let mut c = Client::new(ServerConfig::default(), V3);
    c.connect("c1", 10);
    silent_until_timeout(&mut c, 15_000);
    assert!(c.recv().is_empty());
    assert_eq!(
        closed(&c.events()),
        Some(&CloseCause::Timeout(TimeoutKind::KeepAlive))
    );
}

#[test]
fn every_packet_restarts_the_clock_and_pingreq_is_answered() {
    for version in [V3, V5] {
        let mut c = Client::new(ServerConfig::default(), version);
        c.connect("c1", 10);
        c.advance(14_000);
        c.send(Packet::PingReq);
        assert_eq!(c.recv(), vec![Out::PingResp]);
        assert_eq!(c.server.poll_timeout(), Some(Instant::from_millis(29_000)));
        c.advance(10_000);
        c.send(Packet::Publish(crate::codec::Publish::new("a", b"")));
        let _ = c.events();
        silent_until_timeout(&mut c, 39_000);
        // Early and repeated timeouts are harmless.
        c.server.handle_timeout(c.now);
        c.server.handle_timeout(Instant::ZERO);
        assert_eq!(c.events().len(), 1);
    }
}

#[test]
fn keep_alive_zero_means_no_deadline_and_the_server_value_wins() {
    let mut c = Client::new(ServerConfig::default(), V5);
    c.connect("c1", 0);
    assert_eq!(c.server.poll_timeout(), None);
    c.advance(10_000_000);
    assert_eq!(c.server.state(), ServerState::Connected);

    let mut cfg = ServerConfig::default();
    cfg.server_keep_alive = Some(4);
    let mut c = Client::new(cfg.clone(), V5);
    c.connect("c1", 600);
    assert_eq!(c.server.poll_timeout(), Some(Instant::from_millis(6_000)));
    // 3.1.1 cannot be told another value: the client's stands.
    let mut c = Client::new(cfg, V3);
    c.connect("c1", 600);
    assert_eq!(c.server.poll_timeout(), Some(Instant::from_millis(900_000)));
}

#[test]
fn a_clock_running_backwards_is_tolerated() {
    let mut c = Client::new(ServerConfig::default(), V5);
    c.connect("c1", 10);
    c.advance(5_000);
    c.server.handle_timeout(Instant::from_millis(1));
    c.server
        .handle_bytes(Instant::from_millis(2), &[0xC0, 0x00])
        .unwrap();
    // The PINGREQ counts at the latest time seen, 5 s.
    assert_eq!(c.server.poll_timeout(), Some(Instant::from_millis(20_000)));
}
