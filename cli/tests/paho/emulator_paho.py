"""The iotmqtt emulator with paho-mqtt (PyPI): a standard client, its own HMAC for the IoTDA
password, over TCP (MQTT 3.1.1 and 5.0) and WebSocket.

Usage: emulator_paho.py MQTT_PORT HTTP_PORT WS_PORT
Prints one line per check and 'N passed, 0 failed' at the end; exits 1 on the first failure.
"""

import hashlib
import hmac
import json
import queue
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

WAIT = 20.0
MQTT_PORT, HTTP_PORT, WS_PORT = (int(a) for a in sys.argv[1:4])
passed = 0


def check(name, ok, detail=""):
    global passed
    if not ok:
        print(f"FAIL {name}: {detail}", flush=True)
        print(f"{passed} passed, 1 failed", flush=True)
        sys.exit(1)
    passed += 1
    print(f"ok   {name}", flush=True)


def credentials(device_id, secret, sig_type="0"):
    """IoTDA's login, written independently of iotmqtt: the timestamp keys the HMAC."""
    ts = datetime.now(timezone.utc).strftime("%Y%m%d%H")
    password = hmac.new(ts.encode(), secret.encode(), hashlib.sha256).hexdigest()
    return f"{device_id}_0_{sig_type}_{ts}", device_id, password


def http(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{HTTP_PORT}{path}", data=data, method=method)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class Device:
    """A paho client with its connect result and messages in queues."""

    def __init__(self, device_id, secret, protocol=mqtt.MQTTv311, transport="tcp", password=None):
        client_id, username, pw = credentials(device_id, secret)
        self.connack = queue.Queue()
        self.messages = queue.Queue()
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                             protocol=protocol, transport=transport)
        self.c.username_pw_set(username, password if password is not None else pw)
        self.c.on_connect = lambda c, u, flags, rc, props: self.connack.put(rc)
        self.c.on_message = lambda c, u, m: self.messages.put(m)
        port = WS_PORT if transport == "websockets" else MQTT_PORT
        if transport == "websockets":
            self.c.ws_set_options(path="/mqtt")
        self.c.connect("127.0.0.1", port, keepalive=60)
        self.c.loop_start()
        self.rc = self.connack.get(timeout=WAIT)

    def message(self, prefix):
        deadline = time.time() + WAIT
        while time.time() < deadline:
            m = self.messages.get(timeout=max(0.01, deadline - time.time()))
            if m.topic.startswith(prefix):
                return m
        raise TimeoutError(prefix)

    def stop(self):
        self.c.disconnect()
        self.c.loop_stop()


sensor = Device("5f1c0d2e_sensor01", "s3cr3t-Key")
check("3.1.1 login with a password made by Python's hmac", not sensor.rc.is_failure, str(sensor.rc))
light = Device("5f1c0d2e_light01", "l1ght-Secret", protocol=mqtt.MQTTv5)
check("5.0 login", not light.rc.is_failure, str(light.rc))

sensor.c.subscribe("plant/#", qos=1)
time.sleep(0.3)
light.c.publish("plant/line1", b"from paho", qos=1).wait_for_publish(WAIT)
m = sensor.message("plant/")
check("custom topic routed between paho clients", m.payload == b"from paho" and m.qos == 1,
      f"{m.topic} {m.payload!r} qos {m.qos}")

# A command from the operator: the device gets it without subscribing and answers.
result = {}
t = threading.Thread(target=lambda: result.update(
    zip(("status", "body"), http("POST", "/devices/5f1c0d2e_sensor01/commands",
                                 {"service_id": "Pump", "command_name": "start", "paras": {"speed": 3}}))))
t.start()
cmd = sensor.message("$oc/devices/5f1c0d2e_sensor01/sys/commands/request_id=")
check("command arrives on the implicit subscription at QoS 0", cmd.qos == 0, str(cmd.qos))
request_id = cmd.topic.split("request_id=", 1)[1]
check("command payload", json.loads(cmd.payload)["paras"] == {"speed": 3}, cmd.payload)
sensor.c.publish(f"$oc/devices/5f1c0d2e_sensor01/sys/commands/response/request_id={request_id}",
                 json.dumps({"result_code": 0, "paras": {"started": True}}), qos=1)
t.join(WAIT)
check("HTTP returns the device's answer", result.get("status") == 200 and
      result["body"]["response"]["paras"] == {"started": True}, str(result))

# Properties reported by paho are stored by the platform.
sensor.c.publish("$oc/devices/5f1c0d2e_sensor01/sys/properties/report",
                 json.dumps({"services": [{"service_id": "Pump", "properties": {"rpm": 1200}}]}), qos=1)
deadline = time.time() + WAIT
while time.time() < deadline:
    status, props = http("GET", "/devices/5f1c0d2e_sensor01/properties")
    if props["services"]:
        break
    time.sleep(0.05)
check("reported properties stored", props["services"][0]["properties"] == {"rpm": 1200}, str(props))

bad = Device("5f1c0d2e_light01", "l1ght-Secret", password="0" * 64)
check("wrong password refused with CONNACK 4", bad.rc.is_failure and "password" in str(bad.rc).lower(), str(bad.rc))
bad.c.loop_stop()

ws = Device("5f1c0d2e_gw01", "gw-Secret-01", protocol=mqtt.MQTTv5, transport="websockets")
check("login over WebSocket", not ws.rc.is_failure, str(ws.rc))
status, _ = http("POST", "/devices/5f1c0d2e_gw01/messages", {"raw": "ws hello"})
m = ws.message("$oc/devices/5f1c0d2e_gw01/sys/messages/down")
check("message down over WebSocket", status == 202 and m.payload == b"ws hello", f"{status} {m.payload!r}")

for d in (sensor, light, ws):
    d.stop()
print(f"{passed} passed, 0 failed", flush=True)
