//! IoTDA credentials and the login verifier against the shared test vectors
//! (`tests/vectors/iotda-auth.json`, a copy of the project's IoTDA vectors) and IOTDA.md's
//! documented traps.
#![cfg(feature = "iotda")]
// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iotmqtt::iotda::{
    ClientId, ClientIdError, ClientIdKind, ConnectTimestamp, DeviceAuth, DeviceId, DeviceSecret,
    GroupSecret, IdError, IdType, IotdaError, LoginRejection, LoginRequest, RegisteredAuth,
    ScopeId, SecretError, SigType, UtcTime, Verifier, compute_password,
};
use iotmqtt::{ConnectReason, ErrorKind};
use serde_json::Value;

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/iotda-auth.json"
));
const C_SDK_BUMP: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/iotda-c-sdk-bump.json"
));

fn cases(text: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(text).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

fn s<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {case}"))
}

fn sig(case: &Value) -> SigType {
    SigType::from_u8(u8::try_from(case["sig_type"].as_u64().unwrap()).unwrap()).unwrap()
}

/// The identity a vector describes.
fn auth_of(case: &Value) -> DeviceAuth {
    let id = DeviceId::new(s(case, "device_id")).unwrap();
    let auth = match s(case, "kind") {
        "secret" => DeviceAuth::secret(id, DeviceSecret::new(s(case, "secret")).unwrap()),
        "bridge" => DeviceAuth::bridge(id, DeviceSecret::new(s(case, "secret")).unwrap()),
        "bootstrap_group_secret" => DeviceAuth::bootstrap_group_secret(
            id,
            &GroupSecret::new(s(case, "group_secret")).unwrap(),
            ScopeId::new(s(case, "scope_id")).unwrap(),
        ),
        other => panic!("unknown vector kind {other}"),
    };
    auth.with_sig_type(sig(case))
}

#[test]
fn every_vector_produces_the_documented_credentials() {
    let all = cases(VECTORS);
    assert_eq!(all.len(), 6, "the vectors file changed: review this test");
    let mut checked_with_time = 0;
    for case in &all {
        let name = s(case, "name");
        if case.get("utc").is_none() {
            // Only a timestamp is given (the doc example): check the password formula alone.
            let ts = ConnectTimestamp::parse(s(case, "timestamp")).unwrap();
            let secret = DeviceSecret::new(s(case, "secret")).unwrap();
            assert_eq!(
                compute_password(&secret, &ts, sig(case)).as_str(),
                s(case, "password"),
                "{name}"
            );
            continue;
        }
        let now = UtcTime::parse(s(case, "utc")).unwrap();
        let auth = auth_of(case);
        let c = auth.credentials(&now);
        assert_eq!(c.client_id(), s(case, "client_id"), "{name}");
        assert_eq!(c.username(), s(case, "username"), "{name}");
        assert_eq!(
            c.password().unwrap().as_str(),
            s(case, "password"),
            "{name}"
        );
        if let Some(derived) = case.get("derived_secret") {
            assert_eq!(
                auth.device_secret().unwrap().expose(),
                derived.as_str().unwrap(),
                "{name}"
            );
        }
        // The ClientId parses back to the same device, sig type and timestamp.
        let parsed = ClientId::parse(c.client_id()).unwrap();
        assert_eq!(parsed.device_id, s(case, "device_id"), "{name}");
        let (sig_type, ts) = parsed.signature().unwrap();
        assert_eq!(sig_type, sig(case), "{name}");
        assert_eq!(ts, ConnectTimestamp::from_utc(&now), "{name}");
        checked_with_time += 1;
    }
    assert_eq!(checked_with_time, 5);
}

#[test]
fn the_verifier_accepts_every_vector_and_rejects_a_tampered_password() {
    let verifier = Verifier::new();
    for case in cases(VECTORS)
        .into_iter()
        .filter(|c| c.get("client_id").is_some())
    {
        let name = s(&case, "name");
        let now = UtcTime::parse(s(&case, "utc")).unwrap();
        let registered = match s(&case, "kind") {
            "bootstrap_group_secret" => {
                RegisteredAuth::GroupSecret(GroupSecret::new(s(&case, "group_secret")).unwrap())
            }
            _ => RegisteredAuth::Secret(DeviceSecret::new(s(&case, "secret")).unwrap()),
        };
        let mut request = LoginRequest {
            client_id: s(&case, "client_id"),
            username: Some(s(&case, "username")),
            password: Some(s(&case, "password").as_bytes()),
            keep_alive: 120,
        };
        let id = verifier
            .verify(&request, &now, |_| Some(registered.clone()))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(id.device_id, s(&case, "device_id"));
        if s(&case, "kind") == "bridge" {
            assert!(matches!(
                id.kind,
                ClientIdKind::Signed {
                    id_type: IdType::Bridge,
                    ..
                }
            ));
        }

        let mut tampered = s(&case, "password").as_bytes().to_vec();
        tampered[0] ^= 1;
        request.password = Some(&tampered);
        let err = verifier
            .verify(&request, &now, |_| Some(registered.clone()))
            .unwrap_err();
        assert_eq!(err, LoginRejection::WrongPassword, "{name}");
        assert_eq!(err.connect_reason(), ConnectReason::BadUserNameOrPassword);
    }
}

#[test]
fn c_sdk_bumped_timestamp_is_verified_as_carried() {
    let all = cases(C_SDK_BUMP);
    assert!(!all.is_empty());
    for case in all {
        let secret = DeviceSecret::new(s(&case, "secret")).unwrap();
        // The trap: the digest for the computed hour holds a zero byte …
        let computed = ConnectTimestamp::parse(s(&case, "computed_timestamp")).unwrap();
        let hex = compute_password(&secret, &computed, sig(&case));
        let has_zero_byte = hex.as_str().as_bytes().chunks(2).any(|pair| pair == b"00");
        assert!(has_zero_byte, "the vector's premise");
        // … so the C SDK sends the next hour, and its password is for that hour.
        let client_id = s(&case, "c_sdk_client_id");
        let (_, bumped) = ClientId::parse(client_id).unwrap().signature().unwrap();
        assert_eq!(
            compute_password(&secret, &bumped, sig(&case)).as_str(),
            s(&case, "c_sdk_password")
        );
        let request = LoginRequest {
            client_id,
            username: Some(s(&case, "device_id")),
            password: Some(s(&case, "c_sdk_password").as_bytes()),
            keep_alive: 120,
        };
        let now = UtcTime::parse(s(&case, "utc")).unwrap();
        let id = Verifier::new()
            .verify(&request, &now, |_| {
                Some(RegisteredAuth::Secret(secret.clone()))
            })
            .unwrap();
        assert_eq!(id.device_id, s(&case, "device_id"));
    }
}

#[test]
fn hour_24_is_used_as_is_and_checked_against_the_next_day() {
    let secret = DeviceSecret::new("s3cr3t-Key").unwrap();
    let ts = ConnectTimestamp::parse("2026112524").unwrap();
    let password = compute_password(&secret, &ts, SigType::HmacSha256Checked);
    let request = LoginRequest {
        client_id: "dev_0_1_2026112524",
        username: Some("dev"),
        password: Some(password.as_bytes()),
        keep_alive: 30,
    };
    let lookup = |_: &ClientId<'_>| Some(RegisteredAuth::Secret(secret.clone()));
    let verifier = Verifier::new().with_tolerance_secs(0);
    let just_after_midnight = UtcTime::new(2026, 11, 26, 0, 10, 0).unwrap();
    assert!(
        verifier
            .verify(&request, &just_after_midnight, lookup)
            .is_ok()
    );
    let same_day = UtcTime::new(2026, 11, 25, 23, 10, 0).unwrap();
    assert_eq!(
        verifier.verify(&request, &same_day, lookup),
        Err(LoginRejection::StaleTimestamp { skew_secs: 3_000 })
    );
}

#[test]
fn tolerance_applies_to_sig_types_1_and_2_only() {
    let secret = DeviceSecret::new("k").unwrap();
    let then = UtcTime::new(2026, 1, 1, 0, 0, 0).unwrap();
    let much_later = UtcTime::new(2026, 6, 1, 0, 0, 0).unwrap();
    for (sig_type, accepted) in [
        (SigType::HmacSha256, true),
        (SigType::HmacSha256Checked, false),
        (SigType::HmacSm3, false),
    ] {
        let auth =
            DeviceAuth::secret(DeviceId::new("d").unwrap(), secret.clone()).with_sig_type(sig_type);
        let c = auth.credentials(&then);
        let request = LoginRequest {
            client_id: c.client_id(),
            username: Some(c.username()),
            password: c.password().map(|p| p.as_bytes()),
            keep_alive: 1_200,
        };
        let lookup = |_: &ClientId<'_>| Some(RegisteredAuth::Secret(secret.clone()));
        assert!(Verifier::new().verify(&request, &then, lookup).is_ok());
        assert_eq!(
            Verifier::new()
                .verify(&request, &much_later, lookup)
                .is_ok(),
            accepted,
            "{sig_type:?}"
        );
        // A generous tolerance lets the old timestamp in.
        assert!(
            Verifier::new()
                .with_tolerance_secs(365 * 86_400)
                .verify(&request, &much_later, lookup)
                .is_ok()
        );
    }
}

#[test]
fn every_rejection_has_its_connack_code() {
    let secret = DeviceSecret::new("k").unwrap();
    let now = UtcTime::new(2026, 1, 1, 0, 0, 0).unwrap();
    let c = DeviceAuth::secret(DeviceId::new("dev").unwrap(), secret.clone()).credentials(&now);
    let good = LoginRequest {
        client_id: c.client_id(),
        username: Some("dev"),
        password: c.password().map(|p| p.as_bytes()),
        keep_alive: 120,
    };
    let registered = || Some(RegisteredAuth::Secret(secret.clone()));
    let v = Verifier::new();
    let cases: Vec<(LoginRequest<'_>, Option<RegisteredAuth>, LoginRejection, u8)> = vec![
        (
            LoginRequest {
                client_id: "no-shape",
                ..good
            },
            registered(),
            LoginRejection::BadClientId(ClientIdError::UnknownShape),
            2,
        ),
        (
            LoginRequest {
                keep_alive: 29,
                ..good
            },
            registered(),
            LoginRejection::KeepAliveOutOfRange(29),
            2,
        ),
        (
            LoginRequest {
                keep_alive: 1_201,
                ..good
            },
            registered(),
            LoginRejection::KeepAliveOutOfRange(1_201),
            2,
        ),
        (
            LoginRequest {
                username: None,
                ..good
            },
            registered(),
            LoginRejection::MissingUsername,
            4,
        ),
        (
            LoginRequest {
                username: Some("other"),
                ..good
            },
            registered(),
            LoginRejection::UsernameMismatch,
            4,
        ),
        (
            LoginRequest {
                password: None,
                ..good
            },
            registered(),
            LoginRejection::MissingPassword,
            4,
        ),
        (good, None, LoginRejection::UnknownDevice, 5),
        (
            LoginRequest {
                client_id: "dev_0_scope01",
                ..good
            },
            registered(),
            LoginRejection::CertificateRequired,
            5,
        ),
    ];
    for (request, registered, expected, code) in cases {
        let got = v.verify(&request, &now, move |_| registered).unwrap_err();
        assert_eq!(got, expected);
        assert_eq!(got.return_code(), code, "{expected:?}");
        assert_eq!(
            ConnectReason::from_v3_return_code(code),
            Some(got.connect_reason())
        );
    }
    // Certificates: no password needed, including the bootstrap certificate shape.
    for client_id in [c.client_id(), "dev_0_scope01"] {
        let request = LoginRequest {
            client_id,
            password: None,
            ..good
        };
        assert!(
            v.verify(&request, &now, |_| Some(RegisteredAuth::Certificate))
                .is_ok()
        );
    }
}

#[test]
fn login_requests_come_from_a_decoded_connect() {
    use iotmqtt::{Connect, Packet, ProtocolVersion, decode, encode};
    let secret = DeviceSecret::new("s3cr3t-Key").unwrap();
    let now = UtcTime::new(2026, 11, 25, 8, 0, 0).unwrap();
    let c = DeviceAuth::secret(DeviceId::new("dev").unwrap(), secret.clone()).credentials(&now);
    let connect = Connect {
        protocol: ProtocolVersion::V311,
        clean_start: true,
        keep_alive: 120,
        properties: Default::default(),
        client_id: c.client_id(),
        will: None,
        username: Some(c.username()),
        password: c.password().map(|p| p.as_bytes()),
    };
    let mut wire = Vec::new();
    encode(&Packet::Connect(connect), ProtocolVersion::V311, &mut wire).unwrap();
    let Packet::Connect(decoded) = decode(&wire, ProtocolVersion::V311).unwrap().packet else {
        panic!("not a CONNECT")
    };
    let request = LoginRequest::from(&decoded);
    assert_eq!(request.keep_alive, 120);
    let id = Verifier::new()
        .verify(&request, &now, |_| {
            Some(RegisteredAuth::Secret(secret.clone()))
        })
        .unwrap();
    assert_eq!(id.device_id, "dev");
}

/// The emulator's shape: a server session whose authenticator is the IoTDA verifier.
#[cfg(feature = "server")]
#[test]
fn the_verifier_decides_connects_in_a_server_session() {
    use iotmqtt::server::{
        AuthDecision, Authenticator, ConnectRequest, ServerConfig, ServerSession,
    };
    use iotmqtt::{Connect, Instant, Packet, ProtocolVersion, decode, encode};

    struct Iotda {
        now: UtcTime,
        secret: DeviceSecret,
    }
    impl Authenticator for Iotda {
        fn authenticate(&mut self, request: &ConnectRequest) -> AuthDecision {
            let secret = self.secret.clone();
            match Verifier::new().verify(&LoginRequest::from(request), &self.now, |id| {
                (id.device_id == "dev").then_some(RegisteredAuth::Secret(secret))
            }) {
                Ok(_) => AuthDecision::Accept(Box::default()),
                Err(rejection) => AuthDecision::Reject(rejection.connect_reason().into()),
            }
        }
    }

    let secret = DeviceSecret::new("s3cr3t-Key").unwrap();
    let now = UtcTime::new(2026, 11, 25, 8, 0, 0).unwrap();
    let c = DeviceAuth::secret(DeviceId::new("dev").unwrap(), secret.clone()).credentials(&now);
    let wrong = "0".repeat(64);
    let cases = [
        (
            c.client_id(),
            Some(c.username()),
            c.password().map(|p| p.as_bytes()),
            0u8,
        ),
        (c.client_id(), Some(c.username()), Some(wrong.as_bytes()), 4),
        ("dev_9_0_2026112508", Some("dev"), Some(wrong.as_bytes()), 2),
        (
            "other_0_0_2026112508",
            Some("other"),
            c.password().map(|p| p.as_bytes()),
            5,
        ),
    ];
    for (client_id, username, password, expected) in cases {
        let mut session = ServerSession::with_authenticator(
            ServerConfig::iotda(),
            Instant::ZERO,
            Box::new(Iotda {
                now,
                secret: secret.clone(),
            }),
        );
        let connect = Connect {
            protocol: ProtocolVersion::V311,
            clean_start: true,
            keep_alive: 120,
            properties: Default::default(),
            client_id,
            will: None,
            username,
            password,
        };
        let mut wire = Vec::new();
        encode(&Packet::Connect(connect), ProtocolVersion::V311, &mut wire).unwrap();
        session.handle_bytes(Instant::ZERO, &wire).unwrap();
        let mut out = Vec::new();
        let _ = session.poll_transmit(Instant::ZERO, &mut out);
        let Packet::Connack(connack) = decode(&out, ProtocolVersion::V311).unwrap().packet else {
            panic!("no CONNACK for {client_id}")
        };
        assert_eq!(
            connack.reason.to_v3_return_code(),
            Some(expected),
            "{client_id}"
        );
    }
}

#[test]
fn certificate_identities_have_no_password() {
    let now = UtcTime::new(2026, 11, 25, 8, 0, 0).unwrap();
    let id = DeviceId::new("5f1c0d2e_sensor01").unwrap();
    let x509 = DeviceAuth::certificate(id.clone()).credentials(&now);
    assert_eq!(x509.client_id(), "5f1c0d2e_sensor01_0_0_2026112508");
    assert!(x509.password().is_none());
    let boot = DeviceAuth::bootstrap_certificate(id, ScopeId::new("a1b2c3d4e5f6").unwrap())
        .credentials(&now);
    assert_eq!(boot.client_id(), "5f1c0d2e_sensor01_0_a1b2c3d4e5f6");
    assert_eq!(boot.username(), "5f1c0d2e_sensor01");
    assert!(boot.password().is_none());
}

#[test]
fn bad_inputs_get_typed_usage_errors() {
    let cases: Vec<(Result<(), IotdaError>, IotdaError)> = vec![
        (
            DeviceId::new("").map(drop),
            IotdaError::InvalidDeviceId(IdError::Empty),
        ),
        (
            DeviceId::new(&"d".repeat(129)).map(drop),
            IotdaError::InvalidDeviceId(IdError::TooLong { len: 129, max: 128 }),
        ),
        (
            DeviceId::new("传感器").map(drop),
            IotdaError::InvalidDeviceId(IdError::InvalidChar { at: 0 }),
        ),
        (
            DeviceSecret::new("").map(drop),
            IotdaError::InvalidSecret(SecretError::Empty),
        ),
        (
            DeviceSecret::new("s".repeat(257)).map(drop),
            IotdaError::InvalidSecret(SecretError::TooLong { len: 257, max: 256 }),
        ),
        (
            GroupSecret::new("%%%").map(drop),
            IotdaError::InvalidSecret(SecretError::NotBase64),
        ),
        (
            ScopeId::new("a_b").map(drop),
            IotdaError::InvalidScopeId(IdError::InvalidChar { at: 1 }),
        ),
        (
            UtcTime::new(2026, 13, 1, 0, 0, 0).map(drop),
            IotdaError::InvalidTime("month must be 1-12"),
        ),
    ];
    for (got, expected) in cases {
        let err = got.unwrap_err();
        assert_eq!(err, expected);
        let core: iotmqtt::Error = err.clone().into();
        assert_eq!(core.kind(), ErrorKind::Usage);
        assert!(!core.to_string().is_empty());
    }
}

#[test]
fn secrets_never_show_in_debug_or_errors() {
    let secret = DeviceSecret::new("TOPSECRET-value").unwrap();
    let auth = DeviceAuth::secret(DeviceId::new("dev").unwrap(), secret);
    let now = UtcTime::new(2026, 11, 25, 8, 0, 0).unwrap();
    let creds = auth.credentials(&now);
    let password = creds.password().unwrap().as_str().to_owned();
    for text in [format!("{auth:?}"), format!("{creds:?}")] {
        assert!(!text.contains("TOPSECRET"), "{text}");
        assert!(!text.contains(&password), "{text}");
        assert!(text.contains("***"), "{text}");
    }
    let err = DeviceSecret::new("x".repeat(300)).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("xxx"));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn sig_type() -> impl Strategy<Value = SigType> {
        prop_oneof![
            Just(SigType::HmacSha256),
            Just(SigType::HmacSha256Checked),
            Just(SigType::HmacSm3),
        ]
    }

    proptest! {
        #[test]
        fn client_id_parser_never_panics(s in "\\PC{0,300}") {
            let _ = ClientId::parse(&s);
        }

        #[test]
        fn client_id_parser_never_panics_on_near_misses(
            s in "[a-z0-9_]{0,20}_[0-9a-z]{1,3}_[0-9]{1,2}_[0-9]{8,12}"
        ) {
            if let Ok(id) = ClientId::parse(&s) {
                prop_assert_eq!(id.to_client_id_string().unwrap(), s);
            }
        }

        #[test]
        fn credentials_round_trip_through_the_parser_and_verifier(
            device in "[A-Za-z0-9_-]{1,128}",
            scope in "[A-Za-z][A-Za-z0-9]{1,63}",
            secret in "[ -~]{1,64}",
            sig in sig_type(),
            secs in 0u64..253_402_300_799,
            kind in 0u8..5,
        ) {
            let id = DeviceId::new(&device).unwrap();
            let device_secret = DeviceSecret::new(secret).unwrap();
            let scope = ScopeId::new(&scope).unwrap();
            let group = GroupSecret::new("c2VjcmV0LWdyb3VwLWtleQ==").unwrap();
            let (auth, registered) = match kind {
                0 => (DeviceAuth::secret(id, device_secret.clone()), RegisteredAuth::Secret(device_secret)),
                1 => (DeviceAuth::bridge(id, device_secret.clone()), RegisteredAuth::Secret(device_secret)),
                2 => (DeviceAuth::bootstrap_group_secret(id, &group, scope), RegisteredAuth::GroupSecret(group)),
                3 => (DeviceAuth::bootstrap_certificate(id, scope), RegisteredAuth::Certificate),
                _ => (DeviceAuth::certificate(id), RegisteredAuth::Certificate),
            };
            let auth = auth.with_sig_type(sig);
            let now = UtcTime::from_unix_seconds(secs).unwrap();
            let c = auth.credentials(&now);
            prop_assert!(c.client_id().len() <= 256);
            let parsed = ClientId::parse(c.client_id()).unwrap();
            prop_assert_eq!(parsed, auth.client_id(&now));
            prop_assert_eq!(parsed.device_id, device.as_str());
            let request = LoginRequest {
                client_id: c.client_id(),
                username: Some(c.username()),
                password: c.password().map(|p| p.as_bytes()),
                keep_alive: 120,
            };
            prop_assert!(Verifier::new().verify(&request, &now, |_| Some(registered)).is_ok());
        }
    }
}
