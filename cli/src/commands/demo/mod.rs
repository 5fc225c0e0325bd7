//! `iotmqtt demo`: the whole library at work in one command. An IoTDA emulator starts in this
//! process on free loopback ports; an operator registers a device and a gateway through its
//! HTTP API; simulated devices on the tokio driver (over the core's sans-IO IoTDA device)
//! connect, and a scripted tour runs: the timestamped login, a property report, a command and
//! its response, property set and get, the shadow, time sync, a gateway adding a sub-device,
//! an OTA version query. Every step prints what the operator, the device and the platform
//! saw, and checks the result.

mod operator;
mod transcript;

use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use clap::Args;
use iotmqtt::ProtocolVersion;
use iotmqtt::client::Event as Mqtt;
use iotmqtt::iotda::{
    AddSubDevices, DeviceAuth, DeviceEvent, DeviceId, DeviceSecret, NewSubDevice, SystemEvent,
};
use iotmqtt_tokio::Endpoint;
use iotmqtt_tokio::iotda::{Event, IotdaDevice, IotdaOptions};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::device::sim::{Sim, VERSION, compact, unix_millis, utc_text};
use super::device::single::{masked_password, start_error, utc_now};
use crate::emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use crate::output::{CliError, CliResult};

use operator::Operator;
use transcript::Transcript;

/// Arguments of `iotmqtt demo`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  iotmqtt demo
  iotmqtt demo --mqtt5 --step-timeout 30
  make demo                      (builds the command, then runs this)

What it shows: an IoTDA emulator starts in this process on free loopback ports; an operator
registers a device and a gateway through the emulator's HTTP API; the devices connect and a
scripted tour runs — a timestamped login (client id and user name shown, password masked), a
property report, a command and its response, property set and get, the shadow, time sync, a
gateway adding a sub-device, an OTA version query. Each numbered step prints what the operator
sent and got (operator), what a device saw (sensor, gateway) and the platform's live log
(platform: `->` up from a device, `<-` down to it), then the checked result (ok: …).

Exit codes: 0 every step passed; 1 a step failed (the error names the step and what was
missing) or a port could not be bound; 2 bad flags.")]
pub struct DemoArgs {
    /// Longest wait for one answer, in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub step_timeout: f64,
    /// The devices use MQTT 5.0 (default 3.1.1, as IoTDA's SDKs).
    #[arg(long)]
    pub mqtt5: bool,
}

/// Runs `iotmqtt demo`.
///
/// # Errors
/// A step that failed (exit 1), bad flags (exit 2).
pub fn run(args: &DemoArgs) -> CliResult {
    let timeout = Duration::try_from_secs_f64(args.step_timeout)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| CliError::usage("--step-timeout must be a positive number of seconds"))?;
    let runtime = crate::output::runtime(2)?;
    runtime.block_on(async {
        let handle = Emulator::start(EmulatorConfig::default())
            .await
            .map_err(|e| CliError::failure(e.to_string()))?;
        let mut t = Transcript::new(handle.subscribe_log());
        let protocol = if args.mqtt5 {
            ProtocolVersion::V5
        } else {
            ProtocolVersion::V311
        };
        let mut tour = Tour {
            operator: Operator {
                addr: handle.http_addr(),
                timeout: timeout + Duration::from_secs(2),
            },
            mqtt: handle.mqtt_addr(),
            timeout,
            protocol,
            sensor: None,
            gateway: None,
        };
        let outcome = tour.run(&mut t, &handle).await;
        tour.stop().await;
        handle.shutdown().await;
        outcome.map_err(|why| {
            let (n, title) = t.current();
            CliError::failure(format!("demo step {n} ({title}) failed: {why}"))
        })
    })
}

const PRODUCT: &str = "demo";
const SENSOR: &str = "demo_sensor01";
const GATEWAY: &str = "demo_gw01";
const CHILD: &str = "demo_child01";

/// A device of the tour: its handle, its simulation, and what it saw.
struct Actor {
    name: &'static str,
    device: IotdaDevice,
    sim: Arc<Mutex<Sim>>,
    seen: mpsc::Receiver<Seen>,
}

/// One event a device saw, with the simulation's line for it.
struct Seen {
    line: Option<String>,
    event: Option<DeviceEvent>,
}

impl Actor {
    /// Starts a device whose events a task reads: the simulation answers the platform, and
    /// every event comes to the tour.
    fn start(name: &'static str, options: IotdaOptions) -> Result<Actor, CliError> {
        let (device, mut events) = IotdaDevice::connect(options).map_err(start_error)?;
        let sim = Arc::new(Mutex::new(Sim::new("Sensor")));
        let (tx, seen) = mpsc::channel(256);
        let (answerer, shared) = (device.clone(), Arc::clone(&sim));
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                let seen = match event {
                    Event::Device(event) => {
                        let handled = shared
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .handle(&answerer, &event);
                        Seen {
                            line: handled.line,
                            event: Some(event),
                        }
                    }
                    Event::Transport(e) => Seen {
                        line: Some(e.to_string()),
                        event: None,
                    },
                    other => Seen {
                        line: Some(format!("{other:?}")),
                        event: None,
                    },
                };
                if tx.send(seen).await.is_err() {
                    break;
                }
            }
        });
        Ok(Actor {
            name,
            device,
            sim,
            seen,
        })
    }

    /// Prints what the device saw until `pick` accepts an event.
    async fn expect<T>(
        &mut self,
        t: &mut Transcript,
        timeout: Duration,
        what: &str,
        mut pick: impl FnMut(&DeviceEvent) -> Option<T>,
    ) -> Result<T, String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let seen = tokio::time::timeout_at(deadline, self.seen.recv())
                .await
                .map_err(|_| format!("{}: no {what} within {timeout:?}", self.name))?
                .ok_or_else(|| format!("{}: the device stopped before {what}", self.name))?;
            if let Some(line) = &seen.line {
                t.device(self.name, line);
            }
            if let Some(event) = &seen.event {
                if let DeviceEvent::Mqtt(Mqtt::ConnectionLost(lost)) = event {
                    return Err(format!("{}: connection lost: {}", self.name, lost.error));
                }
                if let Some(found) = pick(event) {
                    return Ok(found);
                }
            }
        }
    }

    /// Prints what the device saw so far.
    fn drain(&mut self, t: &mut Transcript) {
        while let Ok(seen) = self.seen.try_recv() {
            if let Some(line) = &seen.line {
                t.device(self.name, line);
            }
        }
    }

    fn sim(&self) -> std::sync::MutexGuard<'_, Sim> {
        self.sim.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The scripted tour.
struct Tour {
    operator: Operator,
    mqtt: SocketAddr,
    timeout: Duration,
    protocol: ProtocolVersion,
    sensor: Option<Actor>,
    gateway: Option<Actor>,
}

/// A secret nobody else has (the demo's devices exist only while it runs).
fn fresh_secret() -> String {
    format!("demo-{:016x}", RandomState::new().hash_one(0u8))
}

/// Waits for the platform's side to settle (its log lines arrive from another task).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

impl Tour {
    async fn run(&mut self, t: &mut Transcript, handle: &EmulatorHandle) -> Result<(), String> {
        t.heading("iotmqtt demo: simulated devices and a local Huawei Cloud IoTDA emulator, over loopback");
        t.heading("  operator = the emulator's HTTP API, as an application would call it;");
        t.heading("  sensor, gateway = the simulated devices; platform = the emulator's live log (-> up, <- down)");

        t.step("Start the emulator in this process, on free ports");
        let ports = handle.ports();
        t.note(&format!(
            "MQTT on {}, HTTP API on {}",
            handle.mqtt_addr(),
            handle.http_addr()
        ));
        settle().await;
        t.result(&format!(
            "listening (MQTT port {}, HTTP port {})",
            ports.mqtt, ports.http
        ));

        t.step("Register a device and a gateway through the HTTP API");
        let sensor_secret = fresh_secret();
        let gateway_secret = fresh_secret();
        for (node, secret, name) in [
            ("sensor01", &sensor_secret, "demo sensor"),
            ("gw01", &gateway_secret, "demo gateway"),
        ] {
            let body =
                json!({ "product_id": PRODUCT, "node_id": node, "secret": secret, "name": name });
            let shown = json!({ "product_id": PRODUCT, "node_id": node, "secret": "********", "name": name });
            let (status, answer) = self
                .operator
                .call(t, "POST", "/devices", Some(&body), Some(&shown))
                .await?;
            if status != 201 {
                return Err(format!("registering {node}: HTTP {status} {answer}"));
            }
        }
        t.result(&format!(
            "{SENSOR} and {GATEWAY} registered, each with its own secret"
        ));

        t.step("Connect the device with a timestamped password");
        let sensor_auth = auth(SENSOR, &sensor_secret)?;
        let now = utc_now().map_err(|e| e.message)?;
        let credentials = sensor_auth.credentials(&now);
        t.note(&format!("client id  {}", credentials.client_id()));
        t.note(&format!("user name  {}", credentials.username()));
        t.note(&format!(
            "password   {}",
            masked_password(&sensor_auth, &now)
        ));
        t.note(
            "CONNECT with clean session and keep-alive 120 s; a fresh password on every reconnect",
        );
        let mut sensor = self.actor("sensor", sensor_auth)?;
        sensor
            .expect(t, self.timeout, "CONNACK", |e| {
                matches!(e, DeviceEvent::Mqtt(Mqtt::Connected(_))).then_some(())
            })
            .await?;
        settle().await;
        t.result("CONNACK 0: the platform checked the HMAC of the secret keyed by the hour");

        t.step("Report properties");
        let values = sensor.sim().next_report();
        sensor
            .device
            .report_properties(vec![values.clone()])
            .map_err(|e| e.to_string())?;
        t.device(
            "sensor",
            &format!(
                "PUBLISH $oc/devices/{SENSOR}/sys/properties/report (QoS 1): {} {}",
                values.service_id,
                compact(&values.properties)
            ),
        );
        sensor
            .expect(t, self.timeout, "PUBACK", |e| {
                matches!(e, DeviceEvent::Mqtt(Mqtt::PublishAcked { .. })).then_some(())
            })
            .await?;
        t.device("sensor", "PUBACK received");
        settle().await;
        let stored = self
            .operator
            .expect(
                t,
                "GET",
                &format!("/devices/{SENSOR}/properties"),
                None,
                200,
            )
            .await?;
        if *at(&stored, "/services/0/properties") != values.properties {
            return Err(format!("the platform stored {stored}, not the report"));
        }
        t.result("the platform stored the reported values");

        t.step("Send a command and get the device's response");
        let command = json!({
            "service_id": "Light", "command_name": "switch", "paras": { "on": true },
            "timeout_ms": self.timeout_ms(),
        });
        let answer = self
            .operator
            .expect(
                t,
                "POST",
                &format!("/devices/{SENSOR}/commands"),
                Some(&command),
                200,
            )
            .await?;
        sensor.drain(t);
        if at(&answer, "/response/result_code") != 0 {
            return Err(format!("the command's response is {answer}"));
        }
        t.result(&format!(
            "the device answered result_code 0 with {}",
            compact(at(&answer, "/response/paras"))
        ));

        t.step("Set a property, then read the properties back");
        let set = json!({ "service_id": "Sensor", "properties": { "target": 22.5 }, "timeout_ms": self.timeout_ms() });
        let answer = self
            .operator
            .expect(
                t,
                "POST",
                &format!("/devices/{SENSOR}/properties/set"),
                Some(&set),
                200,
            )
            .await?;
        if at(&answer, "/response/result_code") != 0 {
            return Err(format!("the property set's response is {answer}"));
        }
        let get = json!({ "service_id": "Sensor", "timeout_ms": self.timeout_ms() });
        let answer = self
            .operator
            .expect(
                t,
                "POST",
                &format!("/devices/{SENSOR}/properties/get"),
                Some(&get),
                200,
            )
            .await?;
        sensor.drain(t);
        let target = at(&answer, "/response/services/0/properties/target");
        if *target != json!(22.5) {
            return Err(format!(
                "the device reports target {target} after setting 22.5"
            ));
        }
        t.result("the device applied target = 22.5 and reports it");

        t.step("The device shadow: desired values, and the device reading its shadow");
        let desired = json!({ "service_id": "Sensor", "desired": { "target": 23.0 } });
        self.operator
            .expect(
                t,
                "PUT",
                &format!("/devices/{SENSOR}/shadow"),
                Some(&desired),
                200,
            )
            .await?;
        let asked = sensor
            .device
            .get_shadow(Some("Sensor"), None)
            .map_err(|e| e.to_string())?;
        t.device(
            "sensor",
            &format!("PUBLISH $oc/devices/{SENSOR}/sys/shadow/get/request_id={asked}"),
        );
        // The platform pushes the new desired value as a property set of its own; the device
        // answers it, and the platform takes that answer as the one it expects.
        let is_push = |e: &DeviceEvent| match e {
            DeviceEvent::PropertiesSet { request, .. } => request.services.iter().any(|s| {
                s.service_id == "Sensor" && s.properties.get("target") == Some(&json!(23.0))
            }),
            _ => false,
        };
        let mut pushed = false;
        let shadow = sensor
            .expect(t, self.timeout, "shadow answer", |e| {
                pushed |= is_push(e);
                match e {
                    DeviceEvent::Shadow {
                        request_id,
                        response,
                        ..
                    } if *request_id == asked => Some(response.clone()),
                    _ => None,
                }
            })
            .await?;
        if !pushed {
            sensor
                .expect(t, self.timeout, "the pushed property set", |e| {
                    is_push(e).then_some(())
                })
                .await?;
        }
        settle().await;
        let service = shadow
            .shadow
            .iter()
            .find(|s| s.service_id == "Sensor")
            .ok_or("the shadow has no Sensor service")?;
        let desired_target = service
            .desired
            .as_ref()
            .map(|d| at(&d.properties, "/target").clone());
        if desired_target != Some(json!(23.0)) {
            return Err(format!("the shadow's desired target is {desired_target:?}"));
        }
        t.result(&format!(
            "the device accepted the pushed desired value; the shadow: desired {}, reported {}, version {}",
            service
                .desired
                .as_ref()
                .map_or("-".into(), |d| compact(&d.properties)),
            service
                .reported
                .as_ref()
                .map_or("-".into(), |r| compact(&r.properties)),
            service.version.map_or("-".into(), |v| v.to_string())
        ));

        t.step("Time sync");
        let asked = sensor
            .device
            .request_time_sync()
            .map_err(|e| e.to_string())?;
        t.device(
            "sensor",
            &format!("PUBLISH $oc/devices/{SENSOR}/sys/events/up: $time_sync/time_sync_request (event id {asked})"),
        );
        let response = sensor
            .expect(t, self.timeout, "time sync answer", |e| match e {
                DeviceEvent::System(s) if s.answers.as_ref().is_some_and(|a| a.id == asked) => {
                    match &s.event {
                        SystemEvent::TimeSyncResponse(r) => Some(*r),
                        _ => None,
                    }
                }
                _ => None,
            })
            .await?;
        let platform_time = response
            .device_time(unix_millis())
            .ok_or("the answer's times do not add up")?;
        t.result(&format!(
            "the platform's time is {} (the answer matched to request {asked})",
            utc_text(platform_time)
        ));

        t.step("A gateway connects and adds a sub-device");
        let mut gateway = self.actor("gateway", auth(GATEWAY, &gateway_secret)?)?;
        gateway
            .expect(t, self.timeout, "CONNACK", |e| {
                matches!(e, DeviceEvent::Mqtt(Mqtt::Connected(_))).then_some(())
            })
            .await?;
        let child = NewSubDevice {
            name: Some("demo child".into()),
            ..NewSubDevice::new("child01", PRODUCT)
        };
        let asked = gateway
            .device
            .add_sub_devices(AddSubDevices {
                devices: vec![child],
            })
            .map_err(|e| e.to_string())?;
        t.device(
            "gateway",
            &format!("PUBLISH $oc/devices/{GATEWAY}/sys/events/up: $sub_device_manager/add_sub_device_request (event id {asked})"),
        );
        let added = gateway
            .expect(t, self.timeout, "add_sub_device_response", |e| match e {
                DeviceEvent::System(s) if s.answers.as_ref().is_some_and(|a| a.id == asked) => {
                    match &s.event {
                        SystemEvent::AddSubDeviceResponse(r) => Some(r.clone()),
                        _ => None,
                    }
                }
                _ => None,
            })
            .await?;
        let ids: Vec<&str> = added
            .successful_devices
            .iter()
            .map(|d| d.device_id.as_str())
            .collect();
        if ids != [CHILD] {
            return Err(format!(
                "the platform added {ids:?}, failed {:?}",
                added.failed_devices
            ));
        }
        let list = self
            .operator
            .expect(t, "GET", "/devices", None, 200)
            .await?;
        let parent = device_in(&list, CHILD).map(|d| at(d, "/gateway_id").clone());
        if parent != Some(json!(GATEWAY)) {
            return Err(format!("the device list shows {CHILD} under {parent:?}"));
        }
        self.gateway = Some(gateway);
        t.result(&format!("{CHILD} is registered under {GATEWAY}"));

        t.step("An OTA version query");
        let query = json!({
            "service_id": "$ota", "event_type": "version_query", "paras": {},
            "wait_for": "version_report", "timeout_ms": self.timeout_ms(),
        });
        let answer = self
            .operator
            .expect(
                t,
                "POST",
                &format!("/devices/{SENSOR}/events"),
                Some(&query),
                200,
            )
            .await?;
        sensor.drain(t);
        if at(&answer, "/answer/sw_version") != VERSION {
            return Err(format!("the version report is {answer}"));
        }
        t.result(&format!(
            "the device reports software {}, firmware {}",
            at(&answer, "/answer/sw_version"),
            at(&answer, "/answer/fw_version")
        ));
        self.sensor = Some(sensor);

        t.step("Disconnect");
        self.stop().await;
        settle().await;
        let list = self
            .operator
            .expect(t, "GET", "/devices", None, 200)
            .await?;
        for id in [SENSOR, GATEWAY] {
            if device_in(&list, id).map(|d| at(d, "/online").clone()) != Some(json!(false)) {
                return Err(format!("{id} is still online"));
            }
        }
        t.result("both devices sent DISCONNECT and are offline");
        t.heading("");
        t.heading(&format!(
            "demo complete: {} steps passed. Next: `iotmqtt emulator --registry cli/examples/registry.json`",
            t.current().0
        ));
        t.heading("and `iotmqtt device --device-id 5f1c0d2e_sensor01 --secret s3cr3t-Key` (see --help of each).");
        Ok(())
    }

    fn timeout_ms(&self) -> u64 {
        u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX)
    }

    fn actor(&self, name: &'static str, auth: DeviceAuth) -> Result<Actor, String> {
        let endpoint = Endpoint::tcp(self.mqtt.ip().to_string(), self.mqtt.port());
        let options = IotdaOptions::new(endpoint, auth).protocol(self.protocol);
        Actor::start(name, options).map_err(|e| e.message)
    }

    /// Disconnects the devices still running.
    async fn stop(&mut self) {
        for actor in [self.sensor.take(), self.gateway.take()]
            .into_iter()
            .flatten()
        {
            let _ = actor.device.disconnect().await;
        }
    }
}

fn auth(device_id: &str, secret: &str) -> Result<DeviceAuth, String> {
    let id = DeviceId::new(device_id).map_err(|e| e.to_string())?;
    let secret = DeviceSecret::new(secret).map_err(|e| e.to_string())?;
    Ok(DeviceAuth::secret(id, secret))
}

/// The value at a JSON pointer (`Null` when there is none).
fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    value.pointer(pointer).unwrap_or(&Value::Null)
}

/// A device of `GET /devices`.
fn device_in<'a>(list: &'a Value, id: &str) -> Option<&'a Value> {
    at(list, "/devices")
        .as_array()?
        .iter()
        .find(|d| at(d, "/device_id") == id)
}
