//! IoTDA topics: every documented literal form parses to its typed value and writes back to the
//! same string; builders refuse what the catalogue does not have; the parser never panics.
#![cfg(feature = "iotda")]
// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iotmqtt::client::topic_matches;
use iotmqtt::iotda::{
    DeviceId, Direction, IdError, IotdaError, LegacyTopic, ReportSuffix, SysTopic, Topic,
    TopicError, bootstrap_filter, bridge_downstream_filters, downstream_filters,
};
use iotmqtt::validate_topic_filter;

/// Every system topic, with `rid` wherever one goes (report suffixes: none).
fn all_sys(rid: &str) -> Vec<SysTopic<'_>> {
    use SysTopic as S;
    vec![
        S::MessagesUp(ReportSuffix::None),
        S::MessagesDown,
        S::PropertiesReport(ReportSuffix::None),
        S::GatewayPropertiesReport(ReportSuffix::None),
        S::PropertiesSet { request_id: rid },
        S::PropertiesSetResponse { request_id: rid },
        S::PropertiesGet { request_id: rid },
        S::PropertiesGetResponse { request_id: rid },
        S::Command { request_id: rid },
        S::CommandResponse { request_id: rid },
        S::ShadowGet { request_id: rid },
        S::ShadowGetResponse { request_id: rid },
        S::EventsUp,
        S::EventsDown,
        S::BootstrapUp,
        S::BootstrapDown,
        S::SubDeviceMessagesUp,
        S::Login { request_id: rid },
        S::LoginResponse { request_id: rid },
        S::Logout { request_id: rid },
        S::LogoutResponse { request_id: rid },
        S::ResetSecret { request_id: rid },
        S::ResetSecretResponse { request_id: rid },
        S::Disconnect,
    ]
}

fn dev(topic: SysTopic<'static>) -> Topic<'static> {
    Topic::Device {
        device_id: "5f1c0d2e_sensor01",
        topic,
    }
}

fn bridged(topic: SysTopic<'static>) -> Topic<'static> {
    Topic::Bridge {
        bridge_id: "bridge01",
        device_id: "5f1c0d2e_sensor01",
        topic,
    }
}

/// IOTDA.md §4 (#1–#22), §6.3 and §6.4, written out literally.
fn documented() -> Vec<(&'static str, Topic<'static>, Direction)> {
    use Direction::{Both, Down, Up};
    use SysTopic as S;
    let d = "$oc/devices/5f1c0d2e_sensor01/sys/";
    let b = "$oc/bridges/bridge01/devices/5f1c0d2e_sensor01/sys/";
    let lit = |prefix: &str, path: &str| -> &'static str {
        Box::leak(format!("{prefix}{path}").into_boxed_str())
    };
    vec![
        (
            lit(d, "messages/up"),
            dev(S::MessagesUp(ReportSuffix::None)),
            Up,
        ),
        (
            lit(d, "messages/up?request_id=r-1"),
            dev(S::MessagesUp(ReportSuffix::RequestId("r-1"))),
            Up,
        ),
        (
            lit(d, "messages/up?encoding=gzip"),
            dev(S::MessagesUp(ReportSuffix::Gzip)),
            Up,
        ),
        (lit(d, "messages/down"), dev(S::MessagesDown), Down),
        (
            lit(d, "properties/report"),
            dev(S::PropertiesReport(ReportSuffix::None)),
            Up,
        ),
        (
            lit(d, "properties/report?request_id=42"),
            dev(S::PropertiesReport(ReportSuffix::RequestId("42"))),
            Up,
        ),
        (
            lit(d, "properties/report?encoding=gzip"),
            dev(S::PropertiesReport(ReportSuffix::Gzip)),
            Up,
        ),
        (
            lit(d, "gateway/sub_devices/properties/report"),
            dev(S::GatewayPropertiesReport(ReportSuffix::None)),
            Up,
        ),
        (
            lit(d, "gateway/sub_devices/properties/report?encoding=gzip"),
            dev(S::GatewayPropertiesReport(ReportSuffix::Gzip)),
            Up,
        ),
        (
            lit(d, "properties/set/request_id=abc"),
            dev(S::PropertiesSet { request_id: "abc" }),
            Down,
        ),
        (
            lit(d, "properties/set/response/request_id=abc"),
            dev(S::PropertiesSetResponse { request_id: "abc" }),
            Up,
        ),
        (
            lit(d, "properties/get/request_id=abc"),
            dev(S::PropertiesGet { request_id: "abc" }),
            Down,
        ),
        (
            lit(d, "properties/get/response/request_id=abc"),
            dev(S::PropertiesGetResponse { request_id: "abc" }),
            Up,
        ),
        (
            lit(d, "commands/request_id=5f6e-77"),
            dev(S::Command {
                request_id: "5f6e-77",
            }),
            Down,
        ),
        (
            lit(d, "commands/response/request_id=5f6e-77"),
            dev(S::CommandResponse {
                request_id: "5f6e-77",
            }),
            Up,
        ),
        (
            lit(d, "shadow/get/request_id=9"),
            dev(S::ShadowGet { request_id: "9" }),
            Up,
        ),
        (
            lit(d, "shadow/get/response/request_id=9"),
            dev(S::ShadowGetResponse { request_id: "9" }),
            Down,
        ),
        (lit(d, "events/up"), dev(S::EventsUp), Up),
        (lit(d, "events/down"), dev(S::EventsDown), Down),
        (lit(d, "bootstrap/up"), dev(S::BootstrapUp), Up),
        (lit(d, "bootstrap/down"), dev(S::BootstrapDown), Down),
        (
            lit(d, "sub_device_manage/messages/up"),
            dev(S::SubDeviceMessagesUp),
            Up,
        ),
        (
            "$oc/devices/5f1c0d2e_sensor01/user/floor_1/temp",
            Topic::User {
                device_id: "5f1c0d2e_sensor01",
                name: "floor_1/temp",
            },
            Both,
        ),
        (
            "factory/line1/temp",
            Topic::Custom("factory/line1/temp"),
            Both,
        ),
        (
            "$oc/m2m/to/devB/from/devA/request_id=7",
            Topic::M2m {
                to: "devB",
                from: "devA",
                request_id: "7",
            },
            Up,
        ),
        (
            "/huawei/v1/devices/5f1c0d2e_sensor01/data/json",
            Topic::Legacy {
                device_id: "5f1c0d2e_sensor01",
                topic: LegacyTopic::DataJson,
            },
            Up,
        ),
        (
            "/huawei/v1/devices/5f1c0d2e_sensor01/data/binary",
            Topic::Legacy {
                device_id: "5f1c0d2e_sensor01",
                topic: LegacyTopic::DataBinary,
            },
            Up,
        ),
        (
            "/huawei/v1/devices/5f1c0d2e_sensor01/command/json",
            Topic::Legacy {
                device_id: "5f1c0d2e_sensor01",
                topic: LegacyTopic::CommandJson,
            },
            Down,
        ),
        (
            "/huawei/v1/devices/5f1c0d2e_sensor01/command/binary",
            Topic::Legacy {
                device_id: "5f1c0d2e_sensor01",
                topic: LegacyTopic::CommandBinary,
            },
            Down,
        ),
        // §6.3, bridge up.
        (
            lit(b, "login/request_id=1"),
            bridged(S::Login { request_id: "1" }),
            Up,
        ),
        (
            lit(b, "logout/request_id=1"),
            bridged(S::Logout { request_id: "1" }),
            Up,
        ),
        (
            lit(b, "reset_secret/request_id=1"),
            bridged(S::ResetSecret { request_id: "1" }),
            Up,
        ),
        (
            lit(b, "messages/up"),
            bridged(S::MessagesUp(ReportSuffix::None)),
            Up,
        ),
        (
            lit(b, "properties/report"),
            bridged(S::PropertiesReport(ReportSuffix::None)),
            Up,
        ),
        (lit(b, "events/up"), bridged(S::EventsUp), Up),
        (
            lit(b, "commands/response/request_id=1"),
            bridged(S::CommandResponse { request_id: "1" }),
            Up,
        ),
        (
            lit(b, "properties/set/response/request_id=1"),
            bridged(S::PropertiesSetResponse { request_id: "1" }),
            Up,
        ),
        (
            lit(b, "properties/get/response/request_id=1"),
            bridged(S::PropertiesGetResponse { request_id: "1" }),
            Up,
        ),
        (
            lit(b, "shadow/get/request_id=1"),
            bridged(S::ShadowGet { request_id: "1" }),
            Up,
        ),
        // §6.3, bridge down.
        (
            lit(b, "login/response/request_id=1"),
            bridged(S::LoginResponse { request_id: "1" }),
            Down,
        ),
        (
            lit(b, "logout/response/request_id=1"),
            bridged(S::LogoutResponse { request_id: "1" }),
            Down,
        ),
        (
            lit(b, "reset_secret/response/request_id=1"),
            bridged(S::ResetSecretResponse { request_id: "1" }),
            Down,
        ),
        (lit(b, "disconnect"), bridged(S::Disconnect), Down),
        (lit(b, "messages/down"), bridged(S::MessagesDown), Down),
        (
            lit(b, "commands/request_id=1"),
            bridged(S::Command { request_id: "1" }),
            Down,
        ),
        (
            lit(b, "properties/set/request_id=1"),
            bridged(S::PropertiesSet { request_id: "1" }),
            Down,
        ),
        (
            lit(b, "properties/get/request_id=1"),
            bridged(S::PropertiesGet { request_id: "1" }),
            Down,
        ),
    ]
}

#[test]
fn every_documented_topic_parses_and_builds_back() {
    let table = documented();
    assert_eq!(table.len(), 47);
    for (literal, typed, direction) in table {
        assert_eq!(Topic::parse(literal), typed, "{literal}");
        assert_eq!(typed.to_topic_string().unwrap(), literal);
        assert_eq!(typed.direction(), Some(direction), "{literal}");
        let mut out = String::from("prefix:");
        typed.write(&mut out).unwrap();
        assert_eq!(out, format!("prefix:{literal}"));
    }
}

#[test]
fn request_id_is_everything_after_request_id_equals() {
    for (topic, rid) in [
        (
            "$oc/devices/d/sys/commands/request_id=a/b=c?x&y",
            "a/b=c?x&y",
        ),
        ("$oc/devices/d/sys/properties/set/request_id==", "="),
        (
            "$oc/devices/d/sys/messages/up?request_id=x?encoding=gzip",
            "x?encoding=gzip",
        ),
        ("$oc/m2m/to/b/from/a/request_id=1/2", "1/2"),
    ] {
        let parsed = Topic::parse(topic);
        assert_eq!(parsed.request_id(), Some(rid), "{topic}");
        assert_eq!(parsed.to_topic_string().unwrap(), topic);
    }
}

#[test]
fn each_sys_topic_is_allowed_exactly_where_the_catalogue_says() {
    let bridge_only = |t: &SysTopic<'_>| {
        matches!(
            t,
            SysTopic::Login { .. }
                | SysTopic::LoginResponse { .. }
                | SysTopic::Logout { .. }
                | SysTopic::LogoutResponse { .. }
                | SysTopic::ResetSecret { .. }
                | SysTopic::ResetSecretResponse { .. }
                | SysTopic::Disconnect
        )
    };
    let device_only = |t: &SysTopic<'_>| {
        matches!(
            t,
            SysTopic::GatewayPropertiesReport(_)
                | SysTopic::ShadowGetResponse { .. }
                | SysTopic::EventsDown
                | SysTopic::BootstrapUp
                | SysTopic::BootstrapDown
                | SysTopic::SubDeviceMessagesUp
        )
    };
    for sys in all_sys("r1") {
        let direct = Topic::device("d", sys);
        let behind = Topic::Bridge {
            bridge_id: "b",
            device_id: "d",
            topic: sys,
        };
        for (topic, allowed) in [(direct, !bridge_only(&sys)), (behind, !device_only(&sys))] {
            match topic.to_topic_string() {
                Ok(s) => {
                    assert!(allowed, "{s} should not build");
                    assert_eq!(Topic::parse(&s), topic);
                }
                Err(e) => {
                    assert!(!allowed, "{topic:?}: {e}");
                    assert_eq!(e, IotdaError::InvalidTopic(TopicError::NotInCatalogue));
                }
            }
        }
    }
}

#[test]
fn builders_refuse_bad_parts_and_leave_the_buffer_alone() {
    let long_rid = "r".repeat(70_000);
    let cases: Vec<(Topic<'_>, TopicError)> = vec![
        (
            Topic::device("dev/1", SysTopic::MessagesDown),
            TopicError::DeviceId(IdError::InvalidChar { at: 3 }),
        ),
        (
            Topic::device("", SysTopic::MessagesDown),
            TopicError::DeviceId(IdError::Empty),
        ),
        (
            Topic::device("dé", SysTopic::MessagesDown),
            TopicError::DeviceId(IdError::InvalidChar { at: 1 }),
        ),
        (
            Topic::device("d", SysTopic::CommandResponse { request_id: "" }),
            TopicError::RequestId,
        ),
        (
            Topic::device("d", SysTopic::Command { request_id: "a#" }),
            TopicError::RequestId,
        ),
        (
            Topic::device("d", SysTopic::ShadowGet { request_id: "+" }),
            TopicError::RequestId,
        ),
        (
            Topic::device(
                "d",
                SysTopic::ShadowGet {
                    request_id: &long_rid,
                },
            ),
            TopicError::TooLong {
                len: 70_000 + "$oc/devices/d/sys/shadow/get/request_id=".len(),
                max: 65_535,
            },
        ),
        (
            Topic::device(
                "d",
                SysTopic::GatewayPropertiesReport(ReportSuffix::RequestId("1")),
            ),
            TopicError::NotInCatalogue,
        ),
        (
            Topic::Bridge {
                bridge_id: "b",
                device_id: "d",
                topic: SysTopic::MessagesUp(ReportSuffix::Gzip),
            },
            TopicError::NotInCatalogue,
        ),
        (Topic::Unknown("$oc/x"), TopicError::NotInCatalogue),
        (Topic::Custom("$oc/x"), TopicError::CustomTopic),
        (Topic::Custom(""), TopicError::CustomTopic),
        (Topic::Custom("a/+/b"), TopicError::CustomTopic),
        (
            Topic::Custom(Box::leak("c".repeat(129).into_boxed_str())),
            TopicError::CustomTopic,
        ),
        (
            Topic::M2m {
                to: Box::leak("t".repeat(60).into_boxed_str()),
                from: Box::leak("f".repeat(60).into_boxed_str()),
                request_id: "1",
            },
            TopicError::TooLong { len: 150, max: 128 },
        ),
    ];
    for (topic, expected) in cases {
        let mut out = String::from("keep");
        assert_eq!(
            topic.write(&mut out),
            Err(IotdaError::InvalidTopic(expected)),
            "{topic:?}"
        );
        assert_eq!(out, "keep");
    }
}

#[test]
fn user_topic_names_follow_the_product_rules() {
    for ok in ["a", "floor_1/temp", "a/b/c", "x/", &"n".repeat(64)] {
        let t = Topic::User {
            device_id: "d",
            name: ok,
        };
        let s = t.to_topic_string().unwrap();
        assert_eq!(Topic::parse(&s), t);
    }
    for bad in ["", "/a", "a//b", "a-b", "é", "a b", "a+", &"n".repeat(65)] {
        let t = Topic::User {
            device_id: "d",
            name: bad,
        };
        assert_eq!(
            t.to_topic_string(),
            Err(IotdaError::InvalidTopic(TopicError::UserTopicName)),
            "{bad}"
        );
        let literal = format!("$oc/devices/d/user/{bad}");
        assert_eq!(Topic::parse(&literal), Topic::Unknown(&literal));
    }
}

#[test]
fn near_misses_are_unknown_or_custom() {
    for unknown in [
        "$oc/devices/d/sys/commands/request_id=",
        "$oc/devices/d/sys/commands/",
        "$oc/devices/d/sys/commands",
        "$oc/devices/d/sys/messages/up?encoding=zip",
        "$oc/devices/d/sys/messages/up?request_id=",
        "$oc/devices/d/sys/messages/downx",
        "$oc/devices/d/sys/login/request_id=1",
        "$oc/devices/d/sys/disconnect",
        "$oc/devices/d/sys/properties/report/",
        "$oc/devices/d/other/x",
        "$oc/devices/d",
        "$oc/devices//sys/events/down",
        "$oc/devices/a b/sys/events/down",
        "$oc/bridges/b/devices/d/sys/events/down",
        "$oc/bridges/b/devices/d/sys/bootstrap/down",
        "$oc/bridges/b/devices/d/sys/properties/report?encoding=gzip",
        "$oc/bridges/b/d/sys/messages/down",
        "$oc/m2m/to/b/from/a/",
        "$oc/m2m/to/b/from/a/request_id=",
        "$oc",
        "$ocx/devices/d/sys/events/down",
    ] {
        assert_eq!(Topic::parse(unknown), Topic::Unknown(unknown), "{unknown}");
        assert_eq!(Topic::parse(unknown).direction(), None);
    }
    for custom in [
        "/huawei/v1/devices/d/data/xml",
        "/huawei/v1/devices/d/command/json/extra",
        "$SYS/broker",
        "a",
    ] {
        assert_eq!(Topic::parse(custom), Topic::Custom(custom), "{custom}");
    }
    let long = "c".repeat(129);
    assert_eq!(Topic::parse(&long), Topic::Unknown(&long));
}

#[test]
fn every_system_topic_goes_to_its_named_parts_and_back() {
    let mut names = std::collections::BTreeSet::new();
    for t in all_sys("r-1") {
        let (name, rid, suffix) = (
            t.name(),
            t.request_id(),
            t.report_suffix().map(|s| s.name()),
        );
        assert!(names.insert(name), "{name} named twice");
        assert_eq!(SysTopic::from_parts(name, rid, suffix), Ok(t));
    }
}

#[test]
fn accessors() {
    let t = Topic::parse("$oc/devices/d1/sys/properties/get/request_id=77");
    assert_eq!(t.device_id(), Some("d1"));
    assert_eq!(t.request_id(), Some("77"));
    let t = Topic::parse("$oc/m2m/to/b/from/a/request_id=1");
    assert_eq!(t.device_id(), Some("b"));
    assert_eq!(Topic::parse("x/y").device_id(), None);
    assert_eq!(
        Topic::parse("$oc/devices/d/sys/events/up").request_id(),
        None
    );
}

#[test]
fn downstream_filters_cover_every_downstream_system_topic() {
    let id = DeviceId::new("5f1c0d2e_sensor01").unwrap();
    let filters = downstream_filters(&id);
    let bridge = DeviceId::new("bridge01").unwrap();
    let bridge_filters = bridge_downstream_filters(&bridge);
    for f in filters
        .iter()
        .chain(&bridge_filters)
        .chain([&bootstrap_filter(&id)])
    {
        assert_eq!(validate_topic_filter(f), Ok(()), "{f}");
    }
    let mut covered = 0;
    for (literal, typed, direction) in documented() {
        let wanted: &[String] = match typed {
            Topic::Device {
                topic: SysTopic::BootstrapDown,
                ..
            } => &[bootstrap_filter(&id)],
            Topic::Device { .. } => &filters,
            Topic::Bridge { .. } => &bridge_filters,
            _ => continue,
        };
        let hit = wanted.iter().any(|f| topic_matches(f, literal));
        if direction == Direction::Down {
            assert!(hit, "{literal} is not covered");
            covered += 1;
        }
    }
    assert_eq!(covered, 15);
    // Filters that cannot see another device's topics.
    assert!(
        !filters
            .iter()
            .any(|f| topic_matches(f, "$oc/devices/other/sys/commands/request_id=1"))
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Strings made of topic-like pieces reach the parser's deeper branches.
    fn topicish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("$oc/".to_string()),
            Just("devices/".to_string()),
            Just("bridges/".to_string()),
            Just("sys/".to_string()),
            Just("user/".to_string()),
            Just("m2m/to/".to_string()),
            Just("/from/".to_string()),
            Just("request_id=".to_string()),
            Just("response/".to_string()),
            Just("commands/".to_string()),
            Just("properties/".to_string()),
            Just("messages/up".to_string()),
            Just("?encoding=gzip".to_string()),
            Just("?request_id=".to_string()),
            Just("/huawei/v1/devices/".to_string()),
            Just("/".to_string()),
            "[A-Za-z0-9_#+=?é-]{0,6}",
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
    }

    fn rid() -> impl Strategy<Value = String> {
        "[A-Za-z0-9=?&/_.-]{1,40}"
    }

    proptest! {
        #[test]
        fn parser_never_panics(s in "\\PC{0,200}") {
            let _ = Topic::parse(&s);
        }

        #[test]
        fn whatever_parses_writes_back_unchanged(s in topicish()) {
            let t = Topic::parse(&s);
            match t {
                Topic::Unknown(u) => prop_assert_eq!(u, s.as_str()),
                other => prop_assert_eq!(other.to_topic_string().unwrap(), s),
            }
        }

        #[test]
        fn build_then_parse_gives_the_same_topic(
            device in "[A-Za-z0-9_-]{1,128}",
            bridge in "[A-Za-z0-9_-]{1,128}",
            rid in rid(),
            which in 0usize..24,
            via_bridge in any::<bool>(),
        ) {
            let sys = all_sys(&rid)[which];
            let topic = if via_bridge {
                Topic::Bridge { bridge_id: &bridge, device_id: &device, topic: sys }
            } else {
                Topic::device(&device, sys)
            };
            if let Ok(s) = topic.to_topic_string() {
                prop_assert_eq!(Topic::parse(&s), topic);
            }
        }

        #[test]
        fn report_suffixes_round_trip(device in "[A-Za-z0-9_-]{1,128}", rid in rid(), gzip in any::<bool>()) {
            let suffix = if gzip { ReportSuffix::Gzip } else { ReportSuffix::RequestId(&rid) };
            for sys in [SysTopic::MessagesUp(suffix), SysTopic::PropertiesReport(suffix)] {
                let topic = Topic::device(&device, sys);
                let s = topic.to_topic_string().unwrap();
                prop_assert_eq!(Topic::parse(&s), topic);
            }
        }

        #[test]
        fn user_and_m2m_round_trip(
            device in "[A-Za-z0-9_-]{1,40}",
            name in "[A-Za-z0-9_]{1,10}(/[A-Za-z0-9_]{1,10}){0,3}",
            rid in "[A-Za-z0-9-]{1,20}",
        ) {
            let user = Topic::User { device_id: &device, name: &name };
            let text = user.to_topic_string().unwrap();
            prop_assert_eq!(Topic::parse(&text), user);
            let m2m = Topic::M2m { to: &device, from: &device, request_id: &rid };
            let len = "$oc/m2m/to//from//request_id=".len() + 2 * device.len() + rid.len();
            match m2m.to_topic_string() {
                Ok(text) => {
                    prop_assert!(len <= 128);
                    prop_assert_eq!(Topic::parse(&text), m2m);
                }
                Err(e) => prop_assert_eq!(
                    e,
                    IotdaError::InvalidTopic(TopicError::TooLong { len, max: 128 })
                ),
            }
        }
    }
}
