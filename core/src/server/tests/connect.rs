//! CONNECT validation, policy, both decision paths, CONNACK contents, enhanced authentication.

use std::format;
use std::string::ToString;
use std::vec;
use std::vec::Vec;

use super::*;
use crate::codec::{Auth, Publish, Subscribe, Subscription, Will};
use crate::error::{Error, ProtocolError, TimeoutKind, UsageError};

fn refused(
    config: ServerConfig,
    version: ProtocolVersion,
    connect: Connect<'_>,
) -> (Out, Vec<ServerEvent>) {
    let mut c = Client::new(config, version);
    c.send(Packet::Connect(connect));
    let out = c.recv();
    assert_eq!(out.len(), 1, "{out:?}");
    let events = c.events();
    assert_eq!(c.server.state(), ServerState::Closed);
    (out.into_iter().next().unwrap(), events)
}

fn connack_reason(out: &Out) -> ConnectReason {
    match out {
        Out::Connack { reason, .. } => *reason,
        other => panic!("not a CONNACK: {other:?}"),
    }
}

fn props(out: &Out) -> &AckProps {
    match out {
        Out::Connack { props, .. } => props,
        other => panic!("not a CONNACK: {other:?}"),
    }
}

#[test]
fn v5_connack_announces_the_defaults() {
    let mut c = Client::new(ServerConfig::default(), V5);
    let ack = c.connect("c1", 60);
    assert!(matches!(
        ack,
        Out::Connack {
            session_present: false,
            reason: ConnectReason::Success,
            ..
        }
    ));
    let p = props(&ack);
    assert_eq!(p.receive_maximum, Some(100));
    assert_eq!(p.maximum_packet_size, Some(1024 * 1024));
    assert_eq!(p.topic_alias_maximum, Some(10));
    assert_eq!(
        p.maximum_qos, None,
        "QoS 2 is the default and is not announced"
    );
    assert_eq!(
        (p.retain_available, p.wildcard, p.shared, p.subscription_ids),
        (None, None, None, None)
    );
    assert_eq!(p.assigned_client_id, None);
    assert_eq!(c.server.state(), ServerState::Connected);
    assert_eq!(c.server.client_id(), Some("c1"));
    assert_eq!(c.server.protocol_version(), Some(V5));
    assert_eq!(c.server.keep_alive(), Some(60));
}

#[test]
fn v3_connack_is_a_bare_return_code() {
    let mut c = Client::new(ServerConfig::default(), V3);
    let ack = c.connect("c1", 60);
    assert_eq!(
        ack,
        Out::Connack {
            session_present: false,
            reason: ConnectReason::Success,
            props: Box::default()
        }
    );
    assert_eq!(c.server.protocol_version(), Some(V3));
}

#[test]
fn restricted_features_are_announced() {
    let mut cfg = ServerConfig::default();
    cfg.maximum_qos = QoS::AtLeastOnce;
    cfg.retain_available = false;
    cfg.wildcard_subscriptions = false;
    cfg.shared_subscriptions = false;
    cfg.subscription_identifiers = false;
    cfg.topic_alias_maximum = 0;
    cfg.receive_maximum = u16::MAX;
    cfg.server_keep_alive = Some(45);
    cfg.max_session_expiry = 100;
    let mut c = Client::new(cfg, V5);
    c.send_connect("c1", 600, &[Property::SessionExpiryInterval(1000)]);
    let req = match c.events().pop() {
        Some(ServerEvent::ConnectRequest(r)) => r,
        other => panic!("{other:?}"),
    };
    assert_eq!(req.session_expiry_interval, 100, "bounded by the config");
    c.server.accept(c.now, ConnectAccept::default()).unwrap();
    let ack = c.recv().remove(0);
    let p = props(&ack);
    assert_eq!(p.maximum_qos, Some(QoS::AtLeastOnce));
    assert_eq!(p.retain_available, Some(false));
    assert_eq!(
        (p.wildcard, p.shared, p.subscription_ids),
        (Some(false), Some(false), Some(false))
    );
    assert_eq!(p.topic_alias_maximum, None);
    assert_eq!(p.receive_maximum, None);
    assert_eq!(p.server_keep_alive, Some(45));
    assert_eq!(p.session_expiry, Some(100));
    match c.events().as_slice() {
        [ServerEvent::Connected(conn)] => {
            assert_eq!((conn.keep_alive, conn.session_expiry_interval), (45, 100));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.server.keep_alive(), Some(45));
}

#[test]
fn iotda_policy_refuses_with_iotda_codes() {
    // Keep-alive outside 30..=1200: 0x85 in 5.0, return code 2 in 3.1.1.
    for (version, keep_alive) in [(V5, 29), (V3, 1201), (V3, 0)] {
        let (ack, events) = refused(
            ServerConfig::iotda(),
            version,
            connect(version, "d1", keep_alive, Properties::empty()),
        );
        assert_eq!(
            connack_reason(&ack),
            ConnectReason::ClientIdentifierNotValid
        );
        assert_eq!(
            closed(&events),
            Some(&CloseCause::Refused(
                ConnectReason::ClientIdentifierNotValid
            ))
        );
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, ServerEvent::ConnectRequest(_)))
        );
    }
    // A Will: Not authorized (3.1.1 code 5).
    for version in [V3, V5] {
        let mut conn = connect(version, "d1", 120, Properties::empty());
        conn.will = Some(Will {
            qos: QoS::AtMostOnce,
            retain: false,
            properties: Properties::empty(),
            topic: "w",
            payload: b"bye",
        });
        let (ack, _) = refused(ServerConfig::iotda(), version, conn);
        assert_eq!(connack_reason(&ack), ConnectReason::NotAuthorized);
    }
}

#[test]
fn will_qos_and_retain_above_the_limits_are_refused() {
    let mut cfg = ServerConfig::default();
    cfg.maximum_qos = QoS::AtLeastOnce;
    cfg.retain_available = false;
    let will = |qos, retain| Will {
        qos,
        retain,
        properties: Properties::empty(),
        topic: "w",
        payload: b"",
    };
    // (version, will, code on the wire, cause reported to the broker)
    use ConnectReason as R;
    let cases = [
        (
            V5,
            will(QoS::ExactlyOnce, false),
            R::QosNotSupported,
            R::QosNotSupported,
        ),
        (
            V5,
            will(QoS::AtMostOnce, true),
            R::RetainNotSupported,
            R::RetainNotSupported,
        ),
        (
            V3,
            will(QoS::ExactlyOnce, false),
            R::NotAuthorized,
            R::QosNotSupported,
        ),
        (
            V3,
            will(QoS::AtMostOnce, true),
            R::NotAuthorized,
            R::RetainNotSupported,
        ),
    ];
    for (version, w, wire, cause) in cases {
        let mut conn = connect(version, "c", 10, Properties::empty());
        conn.will = Some(w);
        let (ack, events) = refused(cfg.clone(), version, conn);
        assert_eq!(connack_reason(&ack), wire, "{version}");
        assert_eq!(closed(&events), Some(&CloseCause::Refused(cause)));
    }
}

#[test]
fn v3_empty_client_id_needs_clean_session() {
    let mut conn = connect(V3, "", 10, Properties::empty());
    conn.clean_start = false;
    let (ack, _) = refused(ServerConfig::default(), V3, conn);
    assert_eq!(
        connack_reason(&ack),
        ConnectReason::ClientIdentifierNotValid
    );

    // With Clean Session the session works without an id.
    let mut c = Client::new(ServerConfig::default(), V3);
    let ack = c.connect("", 10);
    assert_eq!(connack_reason(&ack), ConnectReason::Success);
    assert_eq!(c.server.client_id(), Some(""));
}

#[test]
fn v5_empty_client_id_gets_an_assigned_one() {
    let mut c = Client::new(ServerConfig::default(), V5);
    c.send_connect("", 10, &[]);
    assert!(matches!(
        c.events().as_slice(),
        [ServerEvent::ConnectRequest(_)]
    ));
    assert_eq!(
        c.server.accept(c.now, ConnectAccept::default()),
        Err(Error::Usage(UsageError::InvalidArgument(
            "an MQTT 5 client with an empty client id needs ConnectAccept::assigned_client_id"
        )))
    );
    assert_eq!(
        c.server.state(),
        ServerState::Authenticating,
        "nothing changed"
    );
    assert!(c.recv().is_empty());
    let accept = ConnectAccept {
        assigned_client_id: Some("auto-7".into()),
        ..ConnectAccept::default()
    };
    c.server.accept(c.now, accept).unwrap();
    let ack = c.recv().remove(0);
    assert_eq!(props(&ack).assigned_client_id.as_deref(), Some("auto-7"));
    assert!(
        matches!(c.events().as_slice(), [ServerEvent::Connected(conn)] if conn.client_id == "auto-7")
    );
    assert_eq!(c.server.client_id(), Some("auto-7"));
}

#[test]
fn reject_by_event_sends_the_code_and_closes() {
    let mut c = Client::new(ServerConfig::default(), V5);
    c.send_connect("c1", 10, &[]);
    let _ = c.events();
    assert_eq!(
        c.server.reject(c.now, ConnectReason::Success),
        Err(Error::Usage(UsageError::InvalidArgument(
            "a CONNACK refusal needs a code of 0x80 or above"
        )))
    );
    let reject = ConnectReject {
        reason_string: Some("unknown device".into()),
        user_properties: vec![("hint".into(), "register first".into())],
        ..ConnectReason::BadUserNameOrPassword.into()
    };
    c.server.reject(c.now, reject).unwrap();
    let ack = c.recv().remove(0);
    assert_eq!(connack_reason(&ack), ConnectReason::BadUserNameOrPassword);
    assert_eq!(props(&ack).reason_string.as_deref(), Some("unknown device"));
    assert_eq!(
        props(&ack).user_properties,
        vec![("hint".to_string(), "register first".to_string())]
    );
    let events = c.events();
    assert_eq!(
        events,
        vec![ServerEvent::Closed {
            cause: CloseCause::Refused(ConnectReason::BadUserNameOrPassword),
            session_kept: false
        }]
    );
    assert!(c.server.accept(c.now, ConnectAccept::default()).is_err());

    // 3.1.1: return code 4, and a code 3.1.1 lacks is mapped.
    for (reason, code) in [
        (ConnectReason::BadUserNameOrPassword, 4),
        (ConnectReason::Banned, 5),
        (ConnectReason::ServerBusy, 3),
    ] {
        let mut c = Client::new(ServerConfig::default(), V3);
        c.send_connect("c1", 10, &[]);
        let _ = c.events();
        c.server.reject(c.now, reason).unwrap();
        let mut wire = Vec::new();
        let _ = c.server.poll_transmit(c.now, &mut wire);
        assert_eq!(wire, [0x20, 2, 0, code], "{reason}");
    }
}

struct PasswordCheck;

impl Authenticator for PasswordCheck {
    fn authenticate(&mut self, request: &ConnectRequest) -> AuthDecision {
        let shown = format!("{request:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        match (&request.username, &request.password) {
            (Some(u), Some(p)) if u == "dev" && p.expose() == b"s3cret" => {
                AuthDecision::Accept(Box::new(ConnectAccept {
                    reason_string: Some("welcome".into()),
                    ..ConnectAccept::default()
                }))
            }
            _ => AuthDecision::Reject(ConnectReason::BadUserNameOrPassword.into()),
        }
    }

    fn authorize_subscribe(
        &mut self,
        _client_id: &str,
        filter: &str,
        qos: QoS,
    ) -> Result<QoS, SubAckReason> {
        if filter.starts_with("secret/") {
            Err(SubAckReason::NotAuthorized)
        } else {
            Ok(qos.min(QoS::AtLeastOnce))
        }
    }
}

fn login<'a>(version: ProtocolVersion, password: &'a [u8]) -> Connect<'a> {
    let mut conn = connect(version, "c1", 30, Properties::empty());
    conn.username = Some("dev");
    conn.password = Some(password);
    conn
}

#[test]
fn an_authenticator_decides_synchronously() {
    let mut c = Client::with_authenticator(ServerConfig::default(), V5, PasswordCheck);
    c.send(Packet::Connack(crate::codec::Connack {
        session_present: false,
        reason: ConnectReason::Success,
        properties: Properties::empty(),
    }));
    assert_eq!(
        c.server.state(),
        ServerState::Closed,
        "a CONNACK first is a fault"
    );

    let mut c = Client::with_authenticator(ServerConfig::default(), V5, PasswordCheck);
    c.send(Packet::Connect(login(V5, b"s3cret")));
    let ack = c.recv().remove(0);
    assert_eq!(connack_reason(&ack), ConnectReason::Success);
    assert_eq!(props(&ack).reason_string.as_deref(), Some("welcome"));
    assert!(matches!(c.events().as_slice(), [ServerEvent::Connected(_)]));
    // The authenticator also decides on subscriptions.
    let subs = [
        Subscription::new("secret/x", QoS::AtMostOnce),
        Subscription::new("open/x", QoS::ExactlyOnce),
    ];
    c.send(Packet::Subscribe(Subscribe {
        packet_id: id(1),
        properties: Properties::empty(),
        subscriptions: (&subs).into(),
    }));
    assert_eq!(
        c.recv(),
        vec![Out::SubAck(
            1,
            vec![SubAckReason::NotAuthorized, SubAckReason::GrantedQos1]
        )]
    );

    for version in [V3, V5] {
        let mut c = Client::with_authenticator(ServerConfig::default(), version, PasswordCheck);
        c.send(Packet::Connect(login(version, b"wrong")));
        let ack = c.recv().remove(0);
        assert_eq!(connack_reason(&ack), ConnectReason::BadUserNameOrPassword);
        assert_eq!(
            closed(&c.events()),
            Some(&CloseCause::Refused(ConnectReason::BadUserNameOrPassword))
        );
    }
}

#[test]
fn packets_pipelined_after_connect_wait_for_the_decision() {
    let mut wire = Vec::new();
    encode(
        &Packet::Connect(connect(V5, "c1", 10, Properties::empty())),
        V5,
        &mut wire,
    )
    .unwrap();
    encode(&Packet::Publish(Publish::new("a", b"1")), V5, &mut wire).unwrap();
    let subs = [Subscription::new("a", QoS::AtMostOnce)];
    encode(
        &Packet::Subscribe(Subscribe {
            packet_id: id(3),
            properties: Properties::empty(),
            subscriptions: (&subs).into(),
        }),
        V5,
        &mut wire,
    )
    .unwrap();

    let mut c = Client::new(ServerConfig::default(), V5);
    c.send_raw(&wire);
    assert!(
        matches!(c.events().as_slice(), [ServerEvent::ConnectRequest(_)]),
        "nothing else yet"
    );
    assert!(c.recv().is_empty());
    c.server.accept(c.now, ConnectAccept::default()).unwrap();
    let out = c.recv();
    assert!(matches!(out[0], Out::Connack { .. }));
    assert_eq!(out[1], Out::SubAck(3, vec![SubAckReason::GrantedQos0]));
    let events = c.events();
    assert!(matches!(events[0], ServerEvent::Connected(_)));
    assert!(matches!(&events[1], ServerEvent::Publish(p) if p.message.topic == "a"));
    assert!(matches!(events[2], ServerEvent::Subscribed(_)));

    // A refusal discards them [MQTT-3.1.4-5].
    let mut c = Client::new(ServerConfig::default(), V5);
    c.send_raw(&wire);
    let _ = c.events();
    c.server
        .reject(c.now, ConnectReason::NotAuthorized)
        .unwrap();
    assert_eq!(c.recv().len(), 1);
    let events = c.events();
    assert_eq!(events.len(), 1, "{events:?}");
}

#[test]
fn no_connect_in_time_closes() {
    let mut c = Client::new(ServerConfig::default(), V5);
    assert_eq!(c.server.poll_timeout(), Some(Instant::from_millis(30_000)));
    c.advance(29_999);
    assert_eq!(c.server.state(), ServerState::AwaitingConnect);
    c.advance(1);
    assert!(c.recv().is_empty());
    assert_eq!(
        closed(&c.events()),
        Some(&CloseCause::Timeout(TimeoutKind::Connect))
    );
    assert_eq!(c.server.poll_timeout(), None);

    // The same deadline covers a broker that never decides.
    let mut c = Client::new(ServerConfig::default(), V5);
    c.send_connect("c1", 10, &[]);
    c.advance(30_000);
    assert_eq!(c.server.state(), ServerState::Closed);
}

#[test]
fn a_second_connect_is_a_protocol_error() {
    let mut c = connected(V5);
    c.send_connect("c1", 10, &[]);
    match c.recv().as_slice() {
        [Out::Disconnect(DisconnectReason::ProtocolError, Some(text))] => {
            assert!(text.contains("CONNECT"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        closed(&c.events()),
        Some(&CloseCause::PeerFault(Error::Protocol(
            ProtocolError::UnexpectedPacket(crate::codec::PacketType::Connect)
        )))
    );

    let mut c = connected(V3);
    c.send_connect("c1", 10, &[]);
    assert!(c.recv().is_empty(), "3.1.1 just closes");
    assert_eq!(c.server.state(), ServerState::Closed);
}

#[test]
fn a_packet_before_connect_closes_silently() {
    for packet in [Packet::PingReq, Packet::Publish(Publish::new("a", b""))] {
        let mut c = Client::new(ServerConfig::default(), V5);
        c.send(packet);
        assert!(c.recv().is_empty());
        assert!(matches!(
            closed(&c.events()),
            Some(CloseCause::PeerFault(_))
        ));
    }
}

#[test]
fn malformed_connects_are_refused_in_the_senders_version() {
    // MQTT 5 CONNECT with a PUBLISH-only property (Topic Alias): CONNACK Protocol Error.
    let mut wire = Vec::new();
    encode(
        &Packet::Connect(connect(V5, "c1", 10, Properties::empty())),
        V5,
        &mut wire,
    )
    .unwrap();
    // Replace the empty property list (0x00 after keep-alive) with [0x03, 0x23, 0x00, 0x01].
    let at = 2 + 6 + 1 + 1 + 2;
    assert_eq!(wire[at], 0);
    wire.splice(at..=at, [3u8, 0x23, 0, 1]);
    wire[1] += 3;
    let mut c = Client::new(ServerConfig::default(), V5);
    c.send_raw(&wire);
    let ack = c.recv().remove(0);
    assert_eq!(connack_reason(&ack), ConnectReason::ProtocolError);
    assert!(matches!(
        closed(&c.events()),
        Some(CloseCause::PeerFault(Error::Malformed { .. }))
    ));

    // Protocol level 3 (MQTT 3.1): 3.1.1 CONNACK return code 1.
    let mut wire = Vec::new();
    encode(
        &Packet::Connect(connect(V3, "c1", 10, Properties::empty())),
        V3,
        &mut wire,
    )
    .unwrap();
    wire[8] = 3;
    let mut c = Client::new(ServerConfig::default(), V3);
    c.send_raw(&wire);
    let mut out = Vec::new();
    let _ = c.server.poll_transmit(c.now, &mut out);
    assert_eq!(out, [0x20, 2, 0, 1]);
    assert_eq!(c.server.state(), ServerState::Closed);

    // A malformed 3.1.1 CONNECT (reserved flag) just closes.
    let mut wire = Vec::new();
    encode(
        &Packet::Connect(connect(V3, "c1", 10, Properties::empty())),
        V3,
        &mut wire,
    )
    .unwrap();
    wire[9] |= 1;
    let mut c = Client::new(ServerConfig::default(), V3);
    c.send_raw(&wire);
    assert!(c.recv().is_empty());
    assert_eq!(c.server.state(), ServerState::Closed);
}

#[test]
fn optional_connack_properties_give_way_to_the_clients_maximum_packet_size() {
    let mut c = Client::new(ServerConfig::default(), V5);
    c.send_connect("c1", 10, &[Property::MaximumPacketSize(40)]);
    let _ = c.events();
    let accept = ConnectAccept {
        reason_string: Some("x".repeat(100)),
        ..ConnectAccept::default()
    };
    c.server.accept(c.now, accept).unwrap();
    let ack = c.recv().remove(0);
    assert_eq!(props(&ack).reason_string, None);
    assert_eq!(
        props(&ack).receive_maximum,
        Some(100),
        "required properties stay"
    );
}

#[test]
fn response_information_only_when_requested() {
    for requested in [false, true] {
        let mut c = Client::new(ServerConfig::default(), V5);
        c.send_connect("c1", 10, &[Property::RequestResponseInformation(requested)]);
        let _ = c.events();
        let accept = ConnectAccept {
            response_information: Some("resp/c1".into()),
            ..ConnectAccept::default()
        };
        c.server.accept(c.now, accept).unwrap();
        let ack = c.recv().remove(0);
        assert_eq!(props(&ack).response_information.is_some(), requested);
    }
}

#[test]
fn commands_out_of_place_are_refused() {
    let mut c = Client::new(ServerConfig::default(), V5);
    let invalid_state =
        |r: Result<(), Error>| matches!(r, Err(Error::Usage(UsageError::InvalidState(_))));
    assert!(invalid_state(
        c.server.accept(c.now, ConnectAccept::default())
    ));
    assert!(invalid_state(
        c.server.reject(c.now, ConnectReason::NotAuthorized)
    ));
    assert!(invalid_state(
        c.server.continue_auth(c.now, AuthContinue::default())
    ));
    assert!(invalid_state(c.server.complete_reauth(c.now, None)));
    assert!(invalid_state(c.server.ack(id(1), PubAckReason::Success)));
    assert!(
        c.server
            .publish(
                c.now,
                ServerMessage::new("a", b"".to_vec(), QoS::AtMostOnce)
            )
            .is_err()
    );
    let mut c = connected(V5);
    assert!(
        invalid_state(c.server.continue_auth(c.now, AuthContinue::default())),
        "no auth method"
    );
    assert_eq!(
        c.server
            .disconnect(c.now, DisconnectReason::DisconnectWithWillMessage, None),
        Err(Error::Usage(UsageError::InvalidArgument(
            "only a client may disconnect with its Will"
        )))
    );
    c.server
        .disconnect(c.now, DisconnectReason::NormalDisconnection, None)
        .unwrap();
    assert!(invalid_state(c.server.disconnect(
        c.now,
        DisconnectReason::NormalDisconnection,
        None
    )));
}

/// Sends AUTH with a method and optional data.
fn send_auth(c: &mut Client, reason: AuthReason, method: &str, data: Option<&[u8]>) {
    let mut items = vec![Property::AuthenticationMethod(method)];
    items.extend(data.map(Property::AuthenticationData));
    c.send(Packet::Auth(Auth {
        reason,
        properties: Properties::new(&items),
    }));
}

/// The AUTH the server is expected to send.
fn auth_out(reason: AuthReason, method: &str, data: &[u8]) -> Vec<Out> {
    vec![Out::Auth(reason, Some(method.into()), Some(data.to_vec()))]
}

#[test]
fn enhanced_authentication_by_events() {
    let mut c = Client::new(ServerConfig::default(), V5);
    c.send_connect(
        "c1",
        10,
        &[
            Property::AuthenticationMethod("SCRAM-SHA-1"),
            Property::AuthenticationData(b"client-first"),
        ],
    );
    let req = match c.events().pop() {
        Some(ServerEvent::ConnectRequest(r)) => r,
        other => panic!("{other:?}"),
    };
    assert_eq!(req.authentication_method.as_deref(), Some("SCRAM-SHA-1"));
    assert_eq!(
        req.authentication_data.as_deref(),
        Some(&b"client-first"[..])
    );
    c.server
        .continue_auth(
            c.now,
            AuthContinue {
                data: Some(b"server-first".to_vec()),
                reason_string: None,
            },
        )
        .unwrap();
    assert_eq!(
        c.recv(),
        auth_out(
            AuthReason::ContinueAuthentication,
            "SCRAM-SHA-1",
            b"server-first"
        )
    );
    send_auth(
        &mut c,
        AuthReason::ContinueAuthentication,
        "SCRAM-SHA-1",
        Some(b"client-final"),
    );
    match c.events().as_slice() {
        [ServerEvent::Auth(a)] => {
            assert_eq!(a.data.as_deref(), Some(&b"client-final"[..]));
            assert!(!a.reauthentication);
        }
        other => panic!("{other:?}"),
    }
    let accept = ConnectAccept {
        authentication_data: Some(b"server-final".to_vec()),
        ..ConnectAccept::default()
    };
    c.server.accept(c.now, accept).unwrap();
    let ack = c.recv().remove(0);
    assert_eq!(props(&ack).auth_method.as_deref(), Some("SCRAM-SHA-1"));
    assert_eq!(props(&ack).auth_data.as_deref(), Some(&b"server-final"[..]));
    assert!(matches!(c.events().as_slice(), [ServerEvent::Connected(_)]));

    // Re-authentication.
    send_auth(&mut c, AuthReason::ReAuthenticate, "SCRAM-SHA-1", None);
    assert!(matches!(
        c.events().as_slice(),
        [ServerEvent::Auth(a)] if a.reauthentication && a.reason == AuthReason::ReAuthenticate
    ));
    c.server
        .complete_reauth(c.now, Some(b"ok".to_vec()))
        .unwrap();
    assert_eq!(
        c.recv(),
        auth_out(AuthReason::Success, "SCRAM-SHA-1", b"ok")
    );
    assert!(c.server.complete_reauth(c.now, None).is_err(), "over");

    // A different method is a protocol error.
    send_auth(&mut c, AuthReason::ReAuthenticate, "PLAIN", None);
    assert!(matches!(
        c.recv().as_slice(),
        [Out::Disconnect(DisconnectReason::ProtocolError, _)]
    ));
}

#[test]
fn auth_without_an_authentication_method_is_a_protocol_error() {
    let mut c = connected(V5);
    send_auth(&mut c, AuthReason::ReAuthenticate, "X", None);
    assert!(matches!(
        c.recv().as_slice(),
        [Out::Disconnect(DisconnectReason::ProtocolError, _)]
    ));
    assert_eq!(c.server.state(), ServerState::Closed);
}

/// A challenge-response authenticator: the client must answer "2" to "1+1".
struct Challenge {
    asked: bool,
}

impl Authenticator for Challenge {
    fn authenticate(&mut self, request: &ConnectRequest) -> AuthDecision {
        match request.authentication_method.as_deref() {
            Some("SUM") => AuthDecision::Continue(AuthContinue {
                data: Some(b"1+1".to_vec()),
                reason_string: None,
            }),
            _ => AuthDecision::Reject(ConnectReason::BadAuthenticationMethod.into()),
        }
    }

    fn continue_auth(&mut self, _request: &ConnectRequest, auth: &AuthExchange) -> AuthDecision {
        self.asked = true;
        if auth.data.as_deref() == Some(b"2") {
            AuthDecision::Accept(Box::default())
        } else {
            AuthDecision::Reject(ConnectReason::NotAuthorized.into())
        }
    }
}

#[test]
fn enhanced_authentication_by_an_authenticator() {
    let mut c = Client::with_authenticator(ServerConfig::default(), V5, Challenge { asked: false });
    c.send_connect("c1", 10, &[Property::AuthenticationMethod("SUM")]);
    assert_eq!(
        c.recv(),
        auth_out(AuthReason::ContinueAuthentication, "SUM", b"1+1")
    );
    send_auth(
        &mut c,
        AuthReason::ContinueAuthentication,
        "SUM",
        Some(b"2"),
    );
    let ack = c.recv().remove(0);
    assert_eq!(connack_reason(&ack), ConnectReason::Success);
    // A failed re-authentication disconnects with the refusal's code.
    send_auth(&mut c, AuthReason::ReAuthenticate, "SUM", Some(b"3"));
    assert!(matches!(
        c.recv().as_slice(),
        [Out::Disconnect(DisconnectReason::NotAuthorized, None)]
    ));
    assert_eq!(
        closed(&c.events()),
        Some(&CloseCause::ServerDisconnect(
            DisconnectReason::NotAuthorized
        ))
    );

    // Without a method the default refuses.
    let mut c = Client::with_authenticator(ServerConfig::default(), V5, Challenge { asked: false });
    c.send_connect("c1", 10, &[]);
    assert_eq!(
        connack_reason(&c.recv()[0]),
        ConnectReason::BadAuthenticationMethod
    );
}
