'use strict';
// The socket driver against real servers over loopback: mosquitto (TCP, TLS with a CA file and
// a client certificate, WebSocket and secure WebSocket through a bridge, reconnect after the
// broker restarts) and the iotmqtt IoTDA emulator (TCP and WebSocket).
const test = require('node:test');
const assert = require('node:assert');
const { connect, connectDevice, MqttClient, iotda } = require('..');
const { mosquitto, emulator, certificates, wsBridge, once } = require('./helpers.js');

/** Subscribes, publishes at every QoS to itself and checks what comes back. */
async function roundTrip(client, prefix) {
  const got = [];
  client.on('message', (topic, payload, e) => got.push({ topic, payload: payload.toString(), qos: e.qos }));
  const sub = await client.subscribe(`${prefix}/#`, { qos: 2 });
  assert.deepStrictEqual(sub.reasons, [2]);
  assert.strictEqual(await client.publish(`${prefix}/0`, 'zero', { qos: 0 }), null);
  const a1 = await client.publish(`${prefix}/1`, Buffer.from('one'), { qos: 1 });
  assert.strictEqual(a1.type, 'publish_acked');
  const a2 = await client.publish(`${prefix}/2`, 'two', { qos: 2 });
  assert.strictEqual(a2.type, 'publish_completed');
  for (let i = 0; i < 100 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
  got.sort((x, y) => x.qos - y.qos);
  assert.deepStrictEqual(got, [
    { topic: `${prefix}/0`, payload: 'zero', qos: 0 },
    { topic: `${prefix}/1`, payload: 'one', qos: 1 },
    { topic: `${prefix}/2`, payload: 'two', qos: 2 },
  ]);
}

test('TCP to mosquitto: QoS 0/1/2 both ways, 3.1.1 and 5.0, then a clean end', async (t) => {
  const broker = await mosquitto();
  t.after(() => broker.stop());
  for (const protocol of ['3.1.1', '5']) {
    const client = connect(broker.url, { clientId: `tcp-${protocol}`, protocol, keepAlive: 30 });
    const [connected] = await once(client, 'connect');
    assert.strictEqual(connected.sessionPresent, false);
    assert.strictEqual(client.isConnected, true);
    await roundTrip(client, `t/${protocol}`);
    await client.end();
    assert.strictEqual(client.state, 'idle');
  }
});

test('async iterator yields the events in order and ends with the session', async (t) => {
  const broker = await mosquitto();
  t.after(() => broker.stop());
  const client = connect({ url: broker.url, clientId: 'iter', protocol: '5' });
  const seen = [];
  const reader = (async () => {
    for await (const e of client) {
      seen.push(e.type);
      if (e.type === 'message') await client.end();
    }
  })();
  await once(client, 'connect');
  await client.subscribe('it/x', { qos: 1 });
  await client.publish('it/x', 'hello', { qos: 0 });
  await reader;
  assert.deepStrictEqual(seen.filter((s) => ['connected', 'subscribed', 'message', 'disconnected'].includes(s)),
    ['connected', 'subscribed', 'message', 'disconnected']);
});

test('credentials callback runs before every attempt; reconnect follows the core timer', async (t) => {
  const broker = await mosquitto();
  t.after(() => broker.stop());
  const attempts = [];
  const client = connect(broker.url, {
    protocol: '5',
    credentials: async (attempt) => { attempts.push(attempt); return { username: `u${attempt}`, password: 'p', clientId: `cb-${attempt}` }; },
    reconnect: { minDelayMs: 50, maxDelayMs: 100 },
  });
  await once(client, 'connect');
  // Drop the connection under the client: the broker restarts on the same port.
  const port = broker.port;
  const closed = once(client, 'close');
  await broker.stop();
  const [error] = await closed;
  assert.strictEqual(error.kind, 'protocol');
  assert.strictEqual(error.code, 'connection_closed');
  const reconnecting = once(client, 'connect', () => true, 15000);
  const again = await mosquitto.onPort(port);
  t.after(() => again.stop());
  const [reconnected] = await reconnecting;
  assert.strictEqual(reconnected.type, 'connected');
  assert.ok(attempts.length >= 2, `attempts ${attempts}`);
  assert.deepStrictEqual(attempts, attempts.map((_, i) => i + 1));
  await roundTrip(client, 'rc');
  await client.end();
});

test('a request the restarted broker cannot take rejects with packet_too_large', async (t) => {
  const broker = await mosquitto();
  t.after(() => broker.stop());
  const client = connect(broker.url, { protocol: '5', clientId: 'shrink', reconnect: { minDelayMs: 50, maxDelayMs: 100 } });
  const [first] = await once(client, 'connect');
  assert.strictEqual(first.maximumPacketSize, null);
  const port = broker.port;
  const closed = once(client, 'close');
  await broker.stop();
  await closed;
  // Asked for while offline: queued, as nothing says the next server is smaller.
  const pending = client.subscribe('a/filter/longer/than/the/forty/bytes/the/broker/takes', { qos: 1 });
  const outcome = pending.then(() => null, (err) => err);
  assert.strictEqual(client.stats.pendingRequests, 1);
  const reconnecting = once(client, 'connect', () => true, 15000);
  const again = await mosquitto('max_packet_size 40', port);
  t.after(() => again.stop());
  const [reconnected] = await reconnecting;
  assert.strictEqual(reconnected.maximumPacketSize, 40);
  const err = await outcome;
  assert.ok(err instanceof Error, `${err}`);
  assert.strictEqual(err.code, 'packet_too_large');
  assert.strictEqual(client.stats.pendingRequests, 0);
  const ok = await client.subscribe('s/ok', { qos: 1 });
  assert.deepStrictEqual(ok.reasons, [1]);
  await client.end();
});

test('TLS with a CA file and a client certificate; a wrong CA fails the handshake', async (t) => {
  const c = certificates();
  const broker = await mosquitto(`cafile ${c.ca}\ncertfile ${c.cert}\nkeyfile ${c.key}\nrequire_certificate true`);
  t.after(() => broker.stop());
  const client = connect(`mqtts://127.0.0.1:${broker.port}`, {
    clientId: 'tls', protocol: '5', tls: { caFile: c.ca, certFile: c.clientCert, keyFile: c.clientKey, servername: 'localhost' },
  });
  await once(client, 'connect');
  await roundTrip(client, 'tls');
  await client.end();

  const other = certificates();
  const bad = new MqttClient({ url: `mqtts://127.0.0.1:${broker.port}`, clientId: 'tls-bad', tls: { caFile: other.ca, certFile: c.clientCert, keyFile: c.clientKey }, reconnect: false });
  const errors = [];
  bad.on('error', (e) => errors.push(e));
  bad.start();
  const [lost] = await once(bad, 'close');
  assert.strictEqual(lost.code, 'connection_closed');
  assert.ok(errors.some((e) => /certificate|self.signed|verify/i.test(e.message)), errors.map((e) => e.message).join('; '));
  assert.strictEqual(bad.state, 'idle');
});

test('WebSocket and secure WebSocket (subprotocol mqtt) through a bridge to mosquitto', async (t) => {
  const broker = await mosquitto();
  t.after(() => broker.stop());
  const plain = await wsBridge(broker.port);
  t.after(() => plain.stop());
  const ws = connect(`ws://127.0.0.1:${plain.port}/mqtt`, { clientId: 'ws', protocol: '3.1.1' });
  await once(ws, 'connect');
  await roundTrip(ws, 'ws');
  await ws.end();
  assert.deepStrictEqual(plain.protocols[0], ['mqtt']);

  const c = certificates();
  const secure = await wsBridge(broker.port, c);
  t.after(() => secure.stop());
  const wss = connect({ url: `wss://localhost:${secure.port}/mqtt`, clientId: 'wss', protocol: '5', tls: { caFile: c.ca } });
  await once(wss, 'connect');
  await roundTrip(wss, 'wss');
  await wss.end();
});

test('bad input is refused at once with the core code', async (t) => {
  const broker = await mosquitto();
  t.after(() => broker.stop());
  const client = connect(broker.url, { clientId: 'bad', protocol: '5', maxQueuedMessages: 2 });
  await assert.rejects(client.publish('a/+', 'x', { qos: 1 }), { code: 'topic_wildcard', kind: 'usage' });
  await assert.rejects(client.publish('a', 'x', { qos: 3 }), { code: 'invalid_argument', kind: 'usage' });
  await assert.rejects(client.subscribe('a/#/b'), { code: 'invalid_topic_filter' });
  // Not connected yet: two messages wait, the third does not fit.
  const queued = [client.publish('q', '1', { qos: 1 }), client.publish('q', '2', { qos: 1 })];
  await assert.rejects(client.publish('q', '3', { qos: 1 }), { code: 'queue_full', reasonCode: 0x97 });
  await once(client, 'connect');
  await Promise.all(queued);
  await client.end();
  assert.throws(() => connect('http://x', {}), /unsupported URL scheme/);
});

const REGISTRY = {
  devices: [
    { product_id: 'p1', node_id: 'sensor', secret: 'sensor-Secret1' },
    { product_id: 'p1', node_id: 'plain', secret: 'plain-Secret1' },
  ],
};

test('IoTDA emulator: an IotdaClient reports properties and answers a command (TCP)', async (t) => {
  const emu = await emulator(REGISTRY);
  t.after(() => emu.stop());
  const device = connectDevice({ url: `mqtt://127.0.0.1:${emu.ports.mqtt}`, auth: { kind: 'secret', deviceId: 'p1_sensor', secret: 'sensor-Secret1' } });
  t.after(() => device.destroy());
  device.onCommand((command) => ({ result_code: 0, response_name: command.command_name, paras: { echoed: command.paras } }));
  await once(device, 'connect');
  device.reportProperties([{ service_id: 'Battery', properties: { level: 87 } }]);
  let props;
  for (let i = 0; i < 100; i++) {
    props = (await emu.api('GET', '/devices/p1_sensor/properties')).body;
    if (props.services && props.services.length > 0) break;
    await new Promise((r) => setTimeout(r, 30));
  }
  assert.strictEqual(props.services[0].service_id, 'Battery');
  assert.deepStrictEqual(props.services[0].properties, { level: 87 });
  const answer = await emu.api('POST', '/devices/p1_sensor/commands',
    { service_id: 'Light', command_name: 'on', paras: { level: 3 }, timeout_ms: 5000 });
  assert.strictEqual(answer.status, 200, JSON.stringify(answer.body));
  assert.deepStrictEqual(answer.body.response, { result_code: 0, response_name: 'on', paras: { echoed: { level: 3 } } });
  await device.end();
});

test('IoTDA emulator: a wrong secret gets CONNACK 4 and no retry; WebSocket works', async (t) => {
  const emu = await emulator(REGISTRY);
  t.after(() => emu.stop());
  const wrong = connectDevice({ url: `mqtt://127.0.0.1:${emu.ports.mqtt}`, auth: { kind: 'secret', deviceId: 'p1_sensor', secret: 'not-the-Secret1' } });
  const [lost] = await once(wrong, 'event', (e) => e.type === 'connection_lost');
  assert.strictEqual(lost.error.code, 'connect_refused');
  assert.strictEqual(lost.error.reasonCode, 0x86);
  assert.strictEqual(lost.reconnectAt, null);
  assert.strictEqual(wrong.state, 'idle');

  const ws = connectDevice({ url: `ws://127.0.0.1:${emu.ports.ws}/mqtt`, auth: { kind: 'secret', deviceId: 'p1_sensor', secret: 'sensor-Secret1' } });
  t.after(() => ws.destroy());
  await once(ws, 'connect');
  const shadow = await ws.getShadow();
  assert.ok(Array.isArray(shadow.shadow), JSON.stringify(shadow));
  await ws.end();
});

test('IoTDA emulator: a plain MqttClient with per-attempt IoTDA credentials', async (t) => {
  const emu = await emulator(REGISTRY);
  t.after(() => emu.stop());
  const auth = { kind: 'secret', deviceId: 'p1_plain', secret: 'plain-Secret1' };
  const client = connect(`mqtt://127.0.0.1:${emu.ports.mqtt}`, {
    protocol: '3.1.1',
    keepAlive: 120,
    credentials: () => iotda.credentials(auth, Date.now()),
  });
  await once(client, 'connect');
  const topic = iotda.buildTopic({ type: 'device', deviceId: 'p1_plain', sys: 'properties_report' });
  const ack = await client.publish(topic, JSON.stringify({ services: [{ service_id: 's', properties: { on: true } }] }), { qos: 1 });
  assert.strictEqual(ack.type, 'publish_acked');
  const props = (await emu.api('GET', '/devices/p1_plain/properties')).body;
  assert.deepStrictEqual(props.services[0].properties, { on: true });
  await client.end();
});

test('persistence: every snapshot reaches onPersist before output continues', async (t) => {
  const broker = await mosquitto();
  t.after(() => broker.stop());
  const snapshots = [];
  const client = connect(broker.url, { clientId: 'persist', protocol: '5', persistence: true, onPersist: (s) => snapshots.push(s) });
  await once(client, 'connect');
  await client.publish('p/1', 'x', { qos: 1 });
  assert.ok(snapshots.length >= 2, `${snapshots.length} snapshots`);
  assert.ok(snapshots.every((s) => Buffer.isBuffer(s) && s.length > 0));
  await client.end();
});

test('IoTDA emulator: property set/get handlers, messages both ways, events, custom topics', async (t) => {
  const emu = await emulator(REGISTRY);
  t.after(() => emu.stop());
  const device = connectDevice({ url: `mqtt://127.0.0.1:${emu.ports.mqtt}`, auth: { kind: 'secret', deviceId: 'p1_sensor', secret: 'sensor-Secret1' }, clock: () => Date.now() });
  t.after(() => device.destroy());
  const sets = [];
  device.onPropertiesSet((request) => { sets.push(request); return { result_code: 0, result_desc: 'ok' }; });
  device.onPropertiesGet(() => ({ services: [{ service_id: 'Battery', properties: { level: 50 } }] }));
  const messages = [];
  device.on('message', (payload) => messages.push(payload.toString()));
  const custom = [];
  device.on('publish', (topic, payload) => custom.push([topic, payload.toString()]));
  await once(device, 'connect');
  assert.strictEqual(device.deviceId, 'p1_sensor');
  assert.strictEqual(device.isConnected, true);

  const set = await emu.api('POST', '/devices/p1_sensor/properties/set', { service_id: 'Battery', properties: { mode: 'eco' }, timeout_ms: 5000 });
  assert.strictEqual(set.status, 200, JSON.stringify(set.body));
  assert.strictEqual(set.body.response.result_code, 0);
  assert.deepStrictEqual(sets[0].services[0].properties, { mode: 'eco' });
  const get = await emu.api('POST', '/devices/p1_sensor/properties/get', { service_id: 'Battery', timeout_ms: 5000 });
  assert.strictEqual(get.status, 200, JSON.stringify(get.body));
  assert.deepStrictEqual(get.body.response.services[0].properties, { level: 50 });

  device.sendMessage({ hello: 'platform' });
  const down = await emu.api('POST', '/devices/p1_sensor/messages', { content: { hello: 'device' } });
  assert.ok(down.status === 202 || down.status === 200, JSON.stringify(down.body));
  for (let i = 0; i < 100 && messages.length === 0; i++) await new Promise((r) => setTimeout(r, 30));
  assert.ok(messages.some((m) => m.includes('device')), messages.join());
  const log = (await emu.api('GET', '/devices/p1_sensor/messages?limit=20')).body.messages;
  assert.ok(log.some((m) => m.direction === 'up' && JSON.stringify(m.payload).includes('platform')), JSON.stringify(log));

  const sync = await device.requestTimeSync();
  assert.strictEqual(sync.eventType, 'time_sync_response');
  assert.strictEqual(typeof sync.paras.server_send_time, 'number');
  assert.strictEqual(await device.reportEvent({ service_id: '$sdk_info', event_type: 'sdk_info_report', paras: { type: 'Node', version: '0.1.0' } }), null);

  const topic = '$oc/devices/p1_sensor/user/down';
  device.subscribe(topic, { qos: 1 });
  for (let i = 0; i < 100; i++) {
    const r = await emu.api('POST', '/publish', { topic, payload: 'custom!', qos: 1 });
    if (r.body.delivered_to === 1) break;
    await new Promise((res) => setTimeout(res, 30));
  }
  for (let i = 0; i < 100 && custom.length === 0; i++) await new Promise((r) => setTimeout(r, 30));
  assert.deepStrictEqual(custom[0], [topic, 'custom!']);
  device.publish('$oc/devices/p1_sensor/user/up', 'from device', { qos: 1 });
  assert.throws(() => device.publish('$oc/devices/p1_sensor/user/up', 'x', { qos: 2 }), { kind: 'usage' });
  await device.end();
  assert.strictEqual(device.state, 'idle');
});

test('MqttClient: unsubscribe, manual ack, stats, destroy without DISCONNECT sends the Will', async (t) => {
  const broker = await mosquitto();
  t.after(() => broker.stop());
  const watcher = connect(broker.url, { clientId: 'watcher', protocol: '5' });
  await once(watcher, 'connect');
  await watcher.subscribe(['will/#', 'm/#'], { qos: 1 });
  const client = connect(broker.url, { clientId: 'manual', protocol: '5', manualAck: true,
    will: { topic: 'will/manual', payload: 'gone', qos: 1 } });
  await once(client, 'connect');
  await client.subscribe('m/#', { qos: 1 });
  const got = once(client, 'message');
  await watcher.publish('m/1', 'needs ack', { qos: 1 });
  const [, payload, event] = await got;
  assert.strictEqual(payload.toString(), 'needs ack');
  assert.strictEqual(client.stats.incomingUnacked, 1);
  client.ack(event.ackToken);
  for (let i = 0; i < 50 && client.stats.incomingUnacked > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.strictEqual(client.stats.incomingUnacked, 0);
  const unsub = await client.unsubscribe('m/#');
  assert.deepStrictEqual(unsub.reasons, [0]);
  const will = once(watcher, 'message', (topic) => topic === 'will/manual');
  client.destroy();
  const [, willPayload] = await will;
  assert.strictEqual(willPayload.toString(), 'gone');
  assert.strictEqual(client.state, 'idle');
  await watcher.end();
});
