//! The IoTDA targets: topic and ClientId parsing, the JSON payload readers, and the login
//! verifier.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Debug;

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine as _;

use super::Text;
use crate::iotda::SysTopic;
use crate::iotda::{
    AddSubDevices, AddSubDevicesResponse, BootstrapAnswer, BootstrapFailure, BootstrapRequest,
    BridgeLogin, BridgeResetSecret, ClientId, CommandRequest, CommandResponse, ConfigUpdate,
    ConfigUpdateResponse, ConnectTimestamp, DeleteSubDevices, DeleteSubDevicesResponse, DeviceAuth,
    DeviceId, DeviceMessage, DeviceProperties, DeviceSecret, EventsMessage, FileRequest,
    FileResult, FileUrl, GatewayPropertiesReport, GroupSecret, JsonPayload, LegacyCommandReply,
    LegacyDataReport, LogConfig, LogReport, LoginRejection, LoginRequest, MessageDown,
    NewSubDevice, OpaqueParas, OtaTask, PropertiesGetRequest, PropertiesReport,
    PropertiesSetRequest, PropertiesSetResponse, RegisteredAuth, ScopeId, SdkInfo,
    ServiceProperties, ShadowGetResponse, SigType, SubDeviceStatuses, SubDeviceStatusesResponse,
    SubDeviceSync, SubDevicesAdded, SubDevicesDeleted, TimeSyncRequest, TimeSyncResponse, Topic,
    TunnelNotify, UpgradeInfo, UpgradeInfoV2, UpgradeProgress, UtcTime, Verifier, VersionReport,
};

/// Parses the input as an MQTT topic and as a ClientId: whatever parses and writes back must
/// parse again to the same value; the accessors stay inside the input.
///
/// Invariants: no panic; `Topic::parse(t.to_topic_string()) == t`;
/// `ClientId::parse(id.to_client_id_string()) == id`; a parsed device id is part of the topic;
/// `MessageDown::parse` keeps raw payloads as they are; a system topic's name, request id and
/// suffix name rebuild it with `SysTopic::from_parts`, and whatever `from_parts` builds from
/// the input split at `|` gives those parts back.
pub fn iotda_topics(data: &[u8]) {
    let owned = String::from_utf8_lossy(data);
    let s: &str = &owned;
    let topic = Topic::parse(s);
    let _ = (topic.direction(), topic.request_id());
    if let Topic::Device { topic: sys, .. } | Topic::Bridge { topic: sys, .. } = &topic {
        sys_parts_round_trip(sys);
    }
    let mut split = s.splitn(3, '|');
    if let (Some(name), rid, suffix) = (split.next(), split.next(), split.next()) {
        if let Ok(sys) = SysTopic::from_parts(name, rid, suffix) {
            assert_eq!(sys.name(), name, "from_parts({name:?}, ..) named {sys:?}");
            sys_parts_round_trip(&sys);
        }
    }
    if let Some(id) = topic.device_id() {
        assert!(s.contains(id), "device id {id:?} not in {s:?}");
    }
    if let Ok(written) = topic.to_topic_string() {
        assert_eq!(
            Topic::parse(&written),
            topic,
            "topic {s:?} wrote {written:?}"
        );
    }
    if let Ok(id) = ClientId::parse(s) {
        assert!(s.starts_with(id.device_id));
        let _ = id.signature();
        match id.to_client_id_string() {
            Ok(written) => assert_eq!(ClientId::parse(&written), Ok(id), "client id {s:?}"),
            Err(e) => panic!("parsed client id {s:?} does not write: {e:?}"),
        }
    }
    if let Ok(ts) = ConnectTimestamp::parse(s) {
        assert_eq!(ConnectTimestamp::parse(ts.as_str()), Ok(ts));
        let _ = ts.start_unix_seconds();
    }
    if let MessageDown::Raw(raw) = MessageDown::parse(data) {
        assert_eq!(raw, data);
    }
}

/// A system topic's parts build the same topic again.
fn sys_parts_round_trip(sys: &SysTopic<'_>) {
    let suffix = sys.report_suffix().map(|r| r.name());
    assert_eq!(
        SysTopic::from_parts(sys.name(), sys.request_id(), suffix),
        Ok(*sys),
        "{sys:?} does not rebuild from its parts"
    );
}

/// True when a JSON document holds a floating-point number (whose text form need not read back
/// to the same bits without serde_json's `float_roundtrip`).
fn has_float(bytes: &[u8]) -> bool {
    fn walk(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Number(n) => n.is_f64(),
            serde_json::Value::Array(a) => a.iter().any(walk),
            serde_json::Value::Object(o) => o.values().any(walk),
            _ => false,
        }
    }
    serde_json::from_slice::<serde_json::Value>(bytes).map_or(true, |v| walk(&v))
}

/// Reads `bytes` as `T`; a value that passes `validate` must write, read back, and (floats
/// aside) equal itself.
fn payload<T: JsonPayload + PartialEq + Debug>(bytes: &[u8]) {
    let Ok(value) = T::from_json(bytes) else {
        return;
    };
    if value.validate().is_err() {
        return;
    }
    let json = match value.to_json() {
        Ok(j) => j,
        Err(e) => panic!("valid {value:?} does not write: {e:?}"),
    };
    match T::from_json(&json) {
        Ok(again) => assert!(
            again == value || has_float(&json),
            "{value:?} read back as {again:?}"
        ),
        Err(e) => panic!("written JSON does not read back: {e:?}"),
    }
}

/// Every payload reader, by the first input byte; the rest is the JSON.
const READERS: &[fn(&[u8])] = &[
    payload::<CommandRequest>,
    payload::<CommandResponse>,
    payload::<PropertiesReport>,
    payload::<PropertiesSetRequest>,
    payload::<PropertiesSetResponse>,
    payload::<PropertiesGetRequest>,
    payload::<DeviceProperties>,
    payload::<ServiceProperties>,
    payload::<GatewayPropertiesReport>,
    payload::<ShadowGetResponse>,
    payload::<DeviceMessage>,
    payload::<EventsMessage>,
    payload::<OpaqueParas>,
    payload::<TimeSyncRequest>,
    payload::<TimeSyncResponse>,
    payload::<BootstrapRequest>,
    payload::<BootstrapAnswer>,
    payload::<BootstrapFailure>,
    payload::<BridgeLogin>,
    payload::<BridgeResetSecret>,
    payload::<OtaTask>,
    payload::<VersionReport>,
    payload::<UpgradeInfo>,
    payload::<UpgradeInfoV2>,
    payload::<UpgradeProgress>,
    payload::<FileRequest>,
    payload::<FileUrl>,
    payload::<FileResult>,
    payload::<LegacyDataReport>,
    payload::<LegacyCommandReply>,
    payload::<SdkInfo>,
    payload::<LogConfig>,
    payload::<LogReport>,
    payload::<TunnelNotify>,
    payload::<ConfigUpdate>,
    payload::<ConfigUpdateResponse>,
    payload::<NewSubDevice>,
    payload::<AddSubDevices>,
    payload::<AddSubDevicesResponse>,
    payload::<DeleteSubDevices>,
    payload::<DeleteSubDevicesResponse>,
    payload::<SubDevicesAdded>,
    payload::<SubDevicesDeleted>,
    payload::<SubDeviceSync>,
    payload::<SubDeviceStatuses>,
    payload::<SubDeviceStatusesResponse>,
    system_events,
    message_down,
];

/// The system events of an `events/down` or `events/up` message: each one that reads must
/// write again.
fn system_events(bytes: &[u8]) {
    let Ok(message) = EventsMessage::from_json(bytes) else {
        return;
    };
    for event in message.events().take(16).flatten() {
        let _ = (event.service_id(), event.event_type(), event.direction());
        if let Ok(single) = EventsMessage::single(&event) {
            let back: Vec<_> = single.events().collect();
            assert_eq!(back.len(), 1);
        }
    }
}

fn message_down(bytes: &[u8]) {
    let _ = MessageDown::parse(bytes);
}

/// Reads the input with one of the IoTDA payload types (chosen by the first byte).
///
/// Invariants: no panic; a payload that reads and validates writes, reads back, and equals
/// itself (unless it holds floating-point numbers).
pub fn iotda_payloads(data: &[u8]) {
    let Some((&which, json)) = data.split_first() else {
        return;
    };
    if let Some(reader) = READERS.get(usize::from(which) % READERS.len()) {
        reader(json);
    }
}

/// What the registry knows about the device, chosen by the fuzzer.
#[derive(Debug, Arbitrary)]
enum Registry<'a> {
    Unknown,
    Secret(Text<'a>),
    Group(Text<'a>),
    Certificate,
}

/// A login as the fuzzer makes it up.
#[derive(Debug, Arbitrary)]
struct Login<'a> {
    client_id: Text<'a>,
    username: Option<Text<'a>>,
    password: Option<&'a [u8]>,
    keep_alive: u16,
    now: u32,
    tolerance: u16,
    check_keep_alive: bool,
    registry: Registry<'a>,
    /// A real login made from these as well.
    genuine: Option<Genuine<'a>>,
}

/// A real login: a device secret one, or with `group` a bootstrap (self-registration) one.
#[derive(Debug, Arbitrary)]
struct Genuine<'a> {
    device: Text<'a>,
    secret: Text<'a>,
    sig: u8,
    /// How far the server's clock is off, in seconds.
    skew: i16,
    /// A registration group's key bytes and the scope id of the bootstrap endpoint.
    group: Option<(&'a [u8], Text<'a>)>,
}

/// Judges an arbitrary login, and a genuine one made with [`DeviceAuth`].
///
/// Invariants: no panic; a genuine login (device secret, or bootstrap with a registration
/// group's secret) within the tolerance is accepted for its device (with that secret
/// registered) and refused with `WrongPassword` when one password byte changes;
/// the CONNACK codes of a rejection are IoTDA's (2, 4 or 5).
pub fn iotda_verifier(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(login) = Login::arbitrary(&mut u) else {
        return;
    };
    let Ok(now) = UtcTime::from_unix_seconds(u64::from(login.now) + 1_500_000_000) else {
        return;
    };
    let verifier = Verifier::new()
        .with_tolerance_secs(u64::from(login.tolerance))
        .with_keep_alive_check(login.check_keep_alive);
    let request = LoginRequest {
        client_id: login.client_id.0,
        username: login.username.as_ref().map(|t| t.0),
        password: login.password,
        keep_alive: login.keep_alive,
    };
    let registered = match login.registry {
        Registry::Unknown => None,
        Registry::Secret(s) => DeviceSecret::new(s.0).ok().map(RegisteredAuth::Secret),
        Registry::Group(s) => GroupSecret::new(s.0).ok().map(RegisteredAuth::GroupSecret),
        Registry::Certificate => Some(RegisteredAuth::Certificate),
    };
    match verifier.verify(&request, &now, |_| registered.clone()) {
        Ok(id) => assert_eq!(id.device_id, request.username.unwrap_or_default()),
        Err(e) => assert!(matches!(e.return_code(), 2 | 4 | 5), "{e:?}"),
    }

    let Some(genuine) = login.genuine else {
        return;
    };
    let Some((auth, registered)) = genuine_auth(&genuine) else {
        return;
    };
    let device_id = auth.device_id().clone();
    let credentials = auth.credentials(&now);
    let Some(password) = credentials.password() else {
        panic!("a secret login has no password");
    };
    let password = password.as_bytes();
    let request = LoginRequest {
        client_id: credentials.client_id(),
        username: Some(credentials.username()),
        password: Some(password),
        keep_alive: 60,
    };
    // The server's clock may be off by `skew` seconds; within the hour-long window plus the
    // default tolerance the login stands.
    let at = now
        .unix_seconds()
        .saturating_add_signed(i64::from(genuine.skew % 3600));
    let Ok(server_now) = UtcTime::from_unix_seconds(at) else {
        return;
    };
    let verifier = Verifier::new();
    let registry = || Some(registered.clone());
    match verifier.verify(&request, &server_now, |_| registry()) {
        Ok(id) => assert_eq!(id.device_id, device_id.as_str()),
        Err(e) => panic!("genuine login refused: {e:?}"),
    }
    let mut wrong = password.to_vec();
    if let Some(b) = wrong.first_mut() {
        *b ^= 1;
    }
    let request = LoginRequest {
        password: Some(&wrong),
        ..request
    };
    assert_eq!(
        verifier.verify(&request, &server_now, |_| registry()),
        Err(LoginRejection::WrongPassword)
    );
}

/// The credentials of a genuine login and what the registry must know to accept it: the device
/// secret, or for a bootstrap login the registration group's secret (the device's own secret is
/// derived from it). `None` when the fuzzer's ids or secrets are not valid ones.
fn genuine_auth(g: &Genuine<'_>) -> Option<(DeviceAuth, RegisteredAuth)> {
    let device_id = DeviceId::new(g.device.0).ok()?;
    let sig_type = match g.sig % 3 {
        0 => SigType::HmacSha256,
        1 => SigType::HmacSha256Checked,
        _ => SigType::HmacSm3,
    };
    let (auth, registered) = match g.group {
        None => {
            let secret = DeviceSecret::new(g.secret.0).ok()?;
            let auth = DeviceAuth::secret(device_id, secret.clone());
            (auth, RegisteredAuth::Secret(secret))
        }
        Some((key, scope)) => {
            let group =
                GroupSecret::new(&base64::engine::general_purpose::STANDARD.encode(key)).ok()?;
            let scope = ScopeId::new(scope.0).ok()?;
            let auth = DeviceAuth::bootstrap_group_secret(device_id, &group, scope);
            (auth, RegisteredAuth::GroupSecret(group))
        }
    };
    Some((auth.with_sig_type(sig_type), registered))
}
