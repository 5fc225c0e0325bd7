//! SUBSCRIBE / UNSUBSCRIBE: codes, limits, events, the subscription set.

use std::string::ToString;
use std::vec;

use super::*;
use crate::codec::{Subscribe, Subscription, SubscriptionOptions, Unsubscribe};

fn subscribe(
    c: &mut Client,
    packet_id: u16,
    subs: &[Subscription<'_>],
    props: &[Property<'_>],
) -> Vec<Out> {
    c.send(Packet::Subscribe(Subscribe {
        packet_id: id(packet_id),
        properties: Properties::new(props),
        subscriptions: subs.into(),
    }));
    c.recv()
}

fn unsubscribe(c: &mut Client, packet_id: u16, filters: &[&str]) -> Vec<Out> {
    c.send(Packet::Unsubscribe(Unsubscribe {
        packet_id: id(packet_id),
        properties: Properties::empty(),
        filters: filters.into(),
    }));
    c.recv()
}

#[test]
fn granted_qos_is_bounded_by_the_maximum() {
    let mut c = connected_with(ServerConfig::iotda(), V5);
    let out = subscribe(
        &mut c,
        1,
        &[
            Subscription::new("a", QoS::AtMostOnce),
            Subscription::new("b", QoS::AtLeastOnce),
            Subscription::new("c", QoS::ExactlyOnce),
        ],
        &[Property::UserProperty("k", "v")],
    );
    assert_eq!(
        out,
        vec![Out::SubAck(
            1,
            vec![
                SubAckReason::GrantedQos0,
                SubAckReason::GrantedQos1,
                SubAckReason::GrantedQos1
            ]
        )]
    );
    match c.events().as_slice() {
        [ServerEvent::Subscribed(s)] => {
            assert_eq!(s.packet_id, id(1));
            assert_eq!(s.user_properties, vec![("k".to_string(), "v".to_string())]);
            assert_eq!(s.outcomes[2].result, Ok(QoS::AtLeastOnce));
            assert_eq!(s.outcomes[2].options.qos, QoS::AtLeastOnce);
            assert!(!s.outcomes[2].existed);
        }
        other => panic!("{other:?}"),
    }
    let granted: Vec<(&str, QoS)> = c
        .server
        .subscriptions()
        .map(|s| (s.filter.as_str(), s.options.qos))
        .collect();
    assert_eq!(
        granted,
        [
            ("a", QoS::AtMostOnce),
            ("b", QoS::AtLeastOnce),
            ("c", QoS::AtLeastOnce)
        ]
    );
}

#[test]
fn disabled_features_and_quota_get_their_codes() {
    let mut cfg = ServerConfig::default();
    cfg.wildcard_subscriptions = false;
    cfg.shared_subscriptions = false;
    cfg.max_subscriptions = 2;
    let subs = [
        Subscription::new("a/+", QoS::AtMostOnce),
        Subscription::new("$share/g/a", QoS::AtMostOnce),
        Subscription::new("x", QoS::AtLeastOnce),
        Subscription::new("y", QoS::AtLeastOnce),
        Subscription::new("z", QoS::AtLeastOnce),
        Subscription::new("x", QoS::AtMostOnce), // replaces x: not a new one
    ];
    let mut c = connected_with(cfg.clone(), V5);
    assert_eq!(
        subscribe(&mut c, 1, &subs, &[]),
        vec![Out::SubAck(
            1,
            vec![
                SubAckReason::WildcardSubscriptionsNotSupported,
                SubAckReason::SharedSubscriptionsNotSupported,
                SubAckReason::GrantedQos1,
                SubAckReason::GrantedQos1,
                SubAckReason::QuotaExceeded,
                SubAckReason::GrantedQos0,
            ]
        )]
    );
    match c.events().as_slice() {
        [ServerEvent::Subscribed(s)] => {
            assert_eq!(s.outcomes[4].result, Err(SubAckReason::QuotaExceeded));
            assert!(s.outcomes[5].existed);
        }
        other => panic!("{other:?}"),
    }
    // 3.1.1 has one failure code.
    let mut c = connected_with(cfg, V3);
    let out = subscribe(&mut c, 2, &subs, &[]);
    assert_eq!(
        out,
        vec![Out::SubAck(
            2,
            vec![
                SubAckReason::UnspecifiedError,
                SubAckReason::UnspecifiedError,
                SubAckReason::GrantedQos1,
                SubAckReason::GrantedQos1,
                SubAckReason::UnspecifiedError,
                SubAckReason::GrantedQos0,
            ]
        )]
    );
}

#[test]
fn subscription_identifiers_can_be_refused() {
    let mut cfg = ServerConfig::default();
    cfg.subscription_identifiers = false;
    let mut c = connected_with(cfg, V5);
    let out = subscribe(
        &mut c,
        1,
        &[Subscription::new("a", QoS::AtMostOnce)],
        &[Property::SubscriptionIdentifier(3)],
    );
    assert_eq!(
        out,
        vec![Out::SubAck(
            1,
            vec![SubAckReason::SubscriptionIdentifiersNotSupported]
        )]
    );
    assert_eq!(c.server.subscriptions().count(), 0);

    let mut c = connected(V5);
    subscribe(
        &mut c,
        1,
        &[Subscription::new("a", QoS::AtMostOnce)],
        &[Property::SubscriptionIdentifier(3)],
    );
    assert_eq!(
        c.server.subscriptions().next().unwrap().subscription_id,
        Some(3)
    );
}

#[test]
fn iotda_allows_fifty_subscriptions() {
    let filters: Vec<String> = (0..51).map(|i| std::format!("t/{i}")).collect();
    let subs: Vec<Subscription<'_>> = filters
        .iter()
        .map(|f| Subscription::new(f, QoS::AtMostOnce))
        .collect();
    let mut c = connected_with(ServerConfig::iotda(), V5);
    match subscribe(&mut c, 1, &subs, &[]).as_slice() {
        [Out::SubAck(1, codes)] => {
            assert_eq!(codes.len(), 51);
            assert!(codes[..50].iter().all(|c| *c == SubAckReason::GrantedQos0));
            assert_eq!(codes[50], SubAckReason::QuotaExceeded);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unsubscribe_codes_and_event() {
    let mut c = connected(V5);
    subscribe(
        &mut c,
        1,
        &[
            Subscription::new("a", QoS::AtMostOnce),
            Subscription::new("b/#", QoS::AtMostOnce),
        ],
        &[],
    );
    let _ = c.events();
    assert_eq!(
        unsubscribe(&mut c, 2, &["a", "zz"]),
        vec![Out::UnsubAck(
            2,
            vec![
                UnsubAckReason::Success,
                UnsubAckReason::NoSubscriptionExisted
            ]
        )]
    );
    match c.events().as_slice() {
        [ServerEvent::Unsubscribed(u)] => assert_eq!(u.removed, vec!["a".to_string()]),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        c.server
            .subscriptions()
            .map(|s| s.filter.as_str())
            .collect::<Vec<_>>(),
        ["b/#"]
    );

    let mut c = connected(V3);
    subscribe(&mut c, 1, &[Subscription::new("a", QoS::AtMostOnce)], &[]);
    assert_eq!(
        unsubscribe(&mut c, 2, &["a"]),
        vec![Out::UnsubAck(2, vec![])]
    );
    assert_eq!(c.server.subscriptions().count(), 0);
}

#[test]
fn options_are_kept_with_the_granted_qos() {
    let mut c = connected(V5);
    let opts = SubscriptionOptions {
        qos: QoS::ExactlyOnce,
        no_local: true,
        retain_as_published: true,
        retain_handling: crate::codec::RetainHandling::SendIfNew,
    };
    subscribe(
        &mut c,
        1,
        &[Subscription {
            filter: "a/#",
            options: opts,
        }],
        &[],
    );
    let s = c.server.subscriptions().next().unwrap().clone();
    assert_eq!(s.options, opts);
    assert_eq!(s.shared(), None);
}
