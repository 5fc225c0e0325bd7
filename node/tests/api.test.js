'use strict';
// Every public function of the native API, and bad input giving the core's error `code`.
const test = require('node:test');
const assert = require('node:assert');
const iotmqtt = require('..');

const { Client, IotdaDevice, Decoder, decode, decodeAll, encode, iotda } = iotmqtt;

const connack = (version = '5') => encode({ type: 'connack', sessionPresent: false, reason: 0 }, version);
const packetsOf = (buf, version = '5') => (buf === null ? [] : decodeAll(buf, version).packets);

function connectedClient(config = {}) {
  const c = new Client({ clientId: 'api', protocol: '5', keepAlive: 0, ...config });
  c.connect();
  c.handleConnected(0);
  assert.strictEqual(packetsOf(c.pollTransmit(0))[0].type, 'connect');
  c.handleBytes(1, connack());
  assert.strictEqual(c.pollEvent().type, 'connected');
  return c;
}

/** Asserts that `fn` throws an iotmqtt error with these fields. */
function throwsCode(fn, fields) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, 'an Error');
    for (const [k, v] of Object.entries(fields)) assert.strictEqual(e[k], v, `${k} of ${e.message}`);
    assert.strictEqual(typeof e.reasonCode, 'number');
    return true;
  });
}

test('exports: every name is one this suite tests', () => {
  assert.deepStrictEqual(Object.keys(iotmqtt).filter((k) => !k.startsWith('__')).sort(), [
    'Client', 'Decoder', 'IotdaClient', 'IotdaDevice', 'MqttClient', 'connect', 'connectDevice', 'decode', 'decodeAll', 'encode', 'iotda',
  ]);
  assert.deepStrictEqual(Object.keys(iotda).sort(), [
    'bootstrapFilter', 'bridgeDownstreamFilters', 'buildTopic', 'computePassword', 'credentials', 'deviceSecret',
    'downstreamFilters', 'parsePayload', 'parseTopic', 'parseUtc', 'payloadKinds', 'serializePayload',
  ]);
  const methods = (C) => Object.getOwnPropertyNames(C.prototype).filter((n) => n !== 'constructor').sort();
  assert.deepStrictEqual(methods(Client), ['ack', 'authContinue', 'clientId', 'connect', 'disconnect', 'handleBytes',
    'handleClosed', 'handleConnected', 'handleTimeout', 'inflightIds', 'isConnected', 'pollEvent', 'pollEvents', 'pollTimeout',
    'pollTransmit', 'publish', 'reauthenticate', 'restore', 'setClientId', 'setCredentials', 'snapshot', 'state', 'stats',
    'subscribe', 'unsubscribe']);
  assert.deepStrictEqual(methods(IotdaDevice), ['addSubDevices', 'connect', 'deleteSubDevices', 'deviceId', 'disconnect',
    'getShadow', 'handleBytes', 'handleClosed', 'handleConnected', 'handleTimeout', 'isBootstrapping', 'isConnected',
    'pendingRequests', 'pollEvent', 'pollEvents', 'pollTimeout', 'pollTransmit', 'publish', 'queuedUpstream',
    'queuedUpstreamBytes', 'reportEvent', 'reportEvents', 'reportProperties', 'reportSubDeviceProperties', 'requestBootstrap',
    'requestTimeSync', 'respondCommand', 'respondPropertiesGet', 'respondPropertiesSet', 'sendMessage', 'state', 'subscribe',
    'syncSubDevices', 'unsubscribe', 'updateSubDeviceStatuses']);
  assert.deepStrictEqual(methods(Decoder), ['buffered', 'push', 'pushRaw', 'reset']);
});

test('decode, encode and decodeAll: packets as plain objects, both versions', () => {
  const pub = { type: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 1, packetId: 7, retain: true, dup: false,
    properties: { contentType: 'text/plain', userProperties: [['k', 'v']], correlationData: Buffer.from([1, 2]) } };
  const bytes = encode(pub, '5');
  const d = decode(bytes, '5');
  assert.strictEqual(d.length, bytes.length);
  assert.deepStrictEqual(d.packet, { ...pub, properties: { ...pub.properties } });
  assert.deepStrictEqual(encode(d.packet, '5'), bytes);
  const v3 = encode({ type: 'subscribe', packetId: 3, subscriptions: [{ filter: 'x/#', qos: 2 }] }, '3.1.1');
  assert.deepStrictEqual(decode(v3, '3.1.1').packet.subscriptions,
    [{ filter: 'x/#', qos: 2, noLocal: false, retainAsPublished: false, retainHandling: 0 }]);
  for (const p of [{ type: 'pingreq' }, { type: 'pingresp' }, { type: 'disconnect', reason: 0x8b }, { type: 'auth', reason: 0x18 },
    { type: 'puback', packetId: 1, reason: 0x10 }, { type: 'pubrec', packetId: 2 }, { type: 'pubrel', packetId: 3 }, { type: 'pubcomp', packetId: 4 },
    { type: 'suback', packetId: 5, reasons: [0, 1, 0x80] }, { type: 'unsubscribe', packetId: 6, filters: ['a', 'b'] },
    { type: 'unsuback', packetId: 7, reasons: [0, 17] }, { type: 'connack', sessionPresent: true, reason: 0 },
    { type: 'connect', clientId: 'c', cleanStart: true, keepAlive: 10, username: 'u', password: 'p',
      will: { topic: 'w', payload: 'bye', qos: 1, retain: false, properties: { willDelayInterval: 5 } } }]) {
    const out = decode(encode(p, '5'), '5').packet;
    for (const [k, v] of Object.entries(p)) {
      if (k === 'password') assert.deepStrictEqual(out.password, Buffer.from(v));
      else if (k === 'will') assert.deepStrictEqual(out.will.payload, Buffer.from('bye'));
      else assert.deepStrictEqual(out[k], v, `${p.type}.${k}`);
    }
  }
  const two = Buffer.concat([encode({ type: 'pingreq' }, '5'), bytes, bytes.subarray(0, 3)]);
  const all = decodeAll(two, '5');
  assert.deepStrictEqual(all.packets.map((p) => p.type), ['pingreq', 'publish']);
  assert.strictEqual(all.consumed, two.length - 3);
  assert.deepStrictEqual(decode(bytes.subarray(0, 3), '5'), { packet: null, length: 0, needed: bytes.length - 3, exact: true });
  assert.deepStrictEqual(decode(Buffer.alloc(0), '5'), { packet: null, length: 0, needed: 2, exact: false });
});

test('Decoder: any split of a stream, partial packets kept, reset after a malformed one', () => {
  const bytes = Buffer.concat([encode({ type: 'publish', topic: 't', payload: 'abc' }, '3.1.1'), encode({ type: 'pingresp' }, '3.1.1')]);
  const d = new Decoder('3.1.1');
  const got = [];
  for (const b of bytes) got.push(...d.push(Buffer.from([b])));
  assert.deepStrictEqual(got.map((p) => p.type), ['publish', 'pingresp']);
  assert.strictEqual(d.buffered, 0);
  d.push(bytes.subarray(0, 2));
  assert.strictEqual(d.buffered, 2);
  d.reset();
  assert.strictEqual(d.buffered, 0);
  const limited = new Decoder('5', { maxPacketSize: 8 });
  throwsCode(() => limited.push(encode({ type: 'publish', topic: 'topic', payload: 'payload' }, '5')), { code: 'packet_too_large', kind: 'malformed', offset: 1 });
  assert.strictEqual(limited.buffered, 0);
});

test('the batched path (decodeAll, Decoder.push) gives the packets decode gives, in any split', () => {
  const list = [
    { type: 'publish', topic: 'plain/ascii', payload: 'a', qos: 0 },
    { type: 'publish', topic: 'ünïcödé/topic', payload: Buffer.from([0, 255]), qos: 1, packetId: 1, dup: true },
    { type: 'publish', topic: 'with/props', payload: 'p', qos: 2, packetId: 2, retain: true, properties: { contentType: 'x', topicAlias: 3 } },
    { type: 'puback', packetId: 9, reason: 0x10 },
    { type: 'publish', topic: 't', payload: Buffer.alloc(300, 7), qos: 0 },
  ];
  for (const v of ['3.1.1', '5']) {
    const items = v === '5' ? list : list.filter((p) => !p.properties).map((p) => (p.type === 'puback' ? { ...p, reason: 0 } : p));
    const encoded = items.map((p) => encode(p, v));
    const bytes = Buffer.concat(encoded);
    const want = encoded.map((b) => decode(b, v).packet);
    assert.deepStrictEqual(decodeAll(bytes, v).packets, want);
    assert.deepStrictEqual(decodeAll(new Uint8Array(bytes), v).packets, want);
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const d = new Decoder(v);
      const got = [];
      for (let at = 0; at < bytes.length; at += size) got.push(...d.push(bytes.subarray(at, at + size)));
      assert.deepStrictEqual(got, want, `${v}, chunks of ${size}`);
      assert.strictEqual(d.buffered, 0);
    }
  }
});

test('codec bad input: the violated rule as code, kind malformed, the offset', () => {
  throwsCode(() => decode(Buffer.from('3006000361 2f2b00'.replace(/ /g, ''), 'hex'), '5'), { code: 'topic_wildcard', kind: 'malformed', offset: 6 });
  throwsCode(() => decode(Buffer.from('00', 'hex'), '5'), { code: 'invalid_packet_type', offset: 0 });
  throwsCode(() => decodeAll(Buffer.concat([encode({ type: 'pingreq' }, '5'), Buffer.from('f0', 'hex')]), '3.1.1'), { code: 'invalid_packet_type', offset: 2 });
  throwsCode(() => encode({ type: 'publish', topic: 'a/#' }, '5'), { code: 'topic_wildcard', kind: 'usage' });
  throwsCode(() => encode({ type: 'nope' }, '5'), { code: 'invalid_argument', kind: 'usage' });
  throwsCode(() => encode({ type: 'puback', packetId: 0 }, '5'), { code: 'invalid_argument' });
  throwsCode(() => encode({ type: 'publish', topic: 'a', properties: { bogus: 1 } }, '5'), { code: 'invalid_argument' });
  throwsCode(() => decode(Buffer.alloc(2), '4.0'), { code: 'invalid_argument' });
});

test('Client: commands, inputs, outputs and state as the core documents them', () => {
  const c = new Client({ clientId: 'c1', protocol: '5', keepAlive: 10, credentials: 'ask_each_time', manualAck: true });
  assert.strictEqual(c.state, 'idle');
  assert.strictEqual(c.clientId, 'c1');
  c.connect();
  assert.strictEqual(c.state, 'waiting_for_transport');
  c.handleConnected(0);
  assert.strictEqual(c.pollEvent().type, 'credentials_needed');
  c.setClientId('c2');
  c.setCredentials('user', Buffer.from('pw'));
  const connect = packetsOf(c.pollTransmit(0))[0];
  assert.strictEqual(connect.clientId, 'c2');
  assert.strictEqual(connect.username, 'user');
  assert.deepStrictEqual(connect.password, Buffer.from('pw'));
  assert.strictEqual(c.pollTimeout(), 10000);
  c.handleBytes(5, connack());
  assert.strictEqual(c.isConnected, true);
  const [ev] = c.pollEvents();
  assert.strictEqual(ev.type, 'connected');
  assert.strictEqual(c.pollTimeout(), 10000);
  assert.strictEqual(c.publish('a', 'x', 1, false, { messageExpiryInterval: 60 }), 1);
  assert.strictEqual(c.stats.queuedMessages, 1);
  assert.strictEqual(c.subscribe([{ filter: 'f/#', qos: 1 }]), 2);
  assert.strictEqual(c.unsubscribe(['f/#']), 3);
  assert.deepStrictEqual(packetsOf(c.pollTransmit(6)).map((p) => p.type).sort(), ['publish', 'subscribe', 'unsubscribe']);
  assert.deepStrictEqual(c.inflightIds(), [1]);
  assert.strictEqual(c.stats.inflight, 1);
  c.handleBytes(7, encode({ type: 'publish', topic: 'in', payload: 'y', qos: 1, packetId: 9 }, '5'));
  const msg = c.pollEvent();
  assert.strictEqual(msg.type, 'message');
  assert.strictEqual(typeof msg.ackToken, 'number');
  assert.strictEqual(c.pollTransmit(7), null);
  c.ack(msg.ackToken);
  assert.deepStrictEqual(packetsOf(c.pollTransmit(8)), [{ type: 'puback', packetId: 9, reason: 0, properties: {} }]);
  throwsCode(() => c.ack(msg.ackToken), { kind: 'usage' });
  const snap = c.snapshot();
  assert.ok(Buffer.isBuffer(snap) && snap.length > 0);
  const restored = new Client({ clientId: 'c1', protocol: '5' });
  restored.restore(snap);
  assert.strictEqual(restored.stats.inflight + restored.stats.queuedMessages, 1);
  throwsCode(() => new Client({ clientId: 'x' }).restore(Buffer.from('garbage')), { kind: 'usage' });
  c.handleTimeout(20000);
  assert.deepStrictEqual(packetsOf(c.pollTransmit(20000)).map((p) => p.type), ['pingreq']);
  c.handleClosed(20001);
  assert.strictEqual(c.pollEvent().type, 'connection_lost');
  assert.strictEqual(c.state, 'backoff');
  c.disconnect();
  assert.strictEqual(c.state, 'idle');
  Client.validateConfig({ clientId: 'ok' });
  throwsCode(() => Client.validateConfig({ clientId: 'x', receiveMaximum: 0 }), { code: 'invalid_config', kind: 'usage' });
});

test('Client: enhanced authentication, connection_lost carries an Error', () => {
  const c = new Client({ clientId: 'a', protocol: '5', keepAlive: 0, authMethod: 'SCRAM', authData: 'first' });
  c.connect();
  c.handleConnected(0);
  assert.strictEqual(packetsOf(c.pollTransmit(0))[0].properties.authenticationMethod, 'SCRAM');
  c.handleBytes(1, encode({ type: 'auth', reason: 0x18, properties: { authenticationMethod: 'SCRAM', authenticationData: 'challenge' } }, '5'));
  const ch = c.pollEvent();
  assert.strictEqual(ch.type, 'auth_challenge');
  assert.deepStrictEqual(ch.data, Buffer.from('challenge'));
  c.authContinue('response');
  assert.strictEqual(packetsOf(c.pollTransmit(2))[0].type, 'auth');
  c.handleBytes(3, encode({ type: 'connack', reason: 0, properties: { authenticationMethod: 'SCRAM' } }, '5'));
  assert.strictEqual(c.pollEvent().type, 'connected');
  c.reauthenticate('again');
  assert.strictEqual(packetsOf(c.pollTransmit(4))[0].reason, 0x19);
  c.handleBytes(5, Buffer.from([0x00, 0x00]));
  const lost = c.pollEvents().find((e) => e.type === 'connection_lost');
  assert.ok(lost.error instanceof Error);
  assert.strictEqual(lost.error.kind, 'malformed');
  assert.strictEqual(typeof lost.error.code, 'string');
  assert.strictEqual(typeof lost.reconnectAt, 'number');
});

test('Client bad input: the core code, nothing changes', () => {
  const c = connectedClient({ maxQueuedMessages: 1 });
  throwsCode(() => c.publish('a/+', 'x', 1), { code: 'topic_wildcard', kind: 'usage', reasonCode: 0x90 });
  throwsCode(() => c.publish('a', 'x', 3), { code: 'invalid_argument' });
  throwsCode(() => c.subscribe([{ filter: 'a/#/b' }]), { code: 'invalid_topic_filter' });
  throwsCode(() => c.subscribe([{ filter: 'a', retainHandling: 3 }]), { code: 'invalid_argument' });
  throwsCode(() => c.handleBytes(-1, Buffer.alloc(0)), { code: 'invalid_argument' });
  throwsCode(() => c.connect(), { code: 'invalid_state' });
  c.publish('a', 'x', 1);
  throwsCode(() => c.publish('a', 'y', 1), { code: 'queue_full', reasonCode: 0x97 });
  throwsCode(() => c.setCredentials('u', 'p'), { code: 'invalid_state' });
  throwsCode(() => c.ack(12345), { kind: 'usage' });
  throwsCode(() => new Client({ clientId: 'x', credentials: 'sometimes' }), { code: 'invalid_argument' });
  throwsCode(() => new Client({ clientId: 'x', protocol: '3.1.1', sessionExpiry: 5 }).connect(), { code: 'invalid_config' });
});

const AUTH = { kind: 'secret', deviceId: 'p1_dev', secret: 'dev-Secret1' };

function connectedDevice(config = {}) {
  const d = new IotdaDevice({ auth: AUTH, requestIdSeed: 1, ...config });
  d.connect();
  d.handleConnected(0, '2026-01-02T03:04:05Z');
  const connect = packetsOf(d.pollTransmit(0), '3.1.1')[0];
  const creds = iotda.credentials(AUTH, '2026-01-02T03:04:05Z');
  assert.strictEqual(connect.clientId, creds.clientId);
  assert.deepStrictEqual(connect.password, Buffer.from(creds.password));
  d.handleBytes(1, connack('3.1.1'));
  assert.strictEqual(d.pollEvents().some((e) => e.type === 'connected'), true);
  packetsOf(d.pollTransmit(2), '3.1.1');
  return d;
}

function upTopics(d, now) {
  return packetsOf(d.pollTransmit(now), '3.1.1').filter((p) => p.type === 'publish').map((p) => iotda.parseTopic(p.topic).sys);
}

test('IotdaDevice: credentials per attempt, reports, replies and requests', () => {
  const d = connectedDevice();
  assert.strictEqual(d.deviceId, 'p1_dev');
  assert.strictEqual(d.isConnected, true);
  assert.strictEqual(d.state, 'connected');
  assert.strictEqual(d.isBootstrapping, false);
  d.reportProperties({ services: [{ service_id: 's', properties: { a: 1 } }] });
  d.reportProperties({ services: [{ service_id: 's', properties: { a: 2 } }] }, { suffix: 'request_id', requestId: 'r1' });
  d.sendMessage('hello');
  assert.strictEqual(d.queuedUpstream, 3);
  assert.ok(d.queuedUpstreamBytes > 0);
  assert.deepStrictEqual(upTopics(d, 10), ['properties_report', 'properties_report', 'messages_up']);
  const rid = d.getShadow('s', null);
  assert.strictEqual(rid, '1-1');
  assert.strictEqual(d.pendingRequests, 1);
  assert.strictEqual(d.requestTimeSync(1767323045000), '1-2');
  assert.strictEqual(d.reportEvent({ service_id: '$sdk_info', event_type: 'sdk_info_report', paras: { type: 'x', version: '1' } }), null);
  assert.deepStrictEqual(d.reportEvents({ services: [{ service_id: '$time_sync', event_type: 'time_sync_request', paras: { device_send_time: 1 } }] }), ['1-3']);
  d.publish('$oc/devices/p1_dev/user/up', 'x', 1, false);
  assert.strictEqual(d.subscribe('$oc/devices/p1_dev/user/down', 1) > 0, true);
  assert.strictEqual(d.unsubscribe('$oc/devices/p1_dev/user/down') > 0, true);
  d.reportSubDeviceProperties({ devices: [{ device_id: 'child', services: [{ service_id: 's', properties: { b: 1 } }] }] });
  assert.strictEqual(d.addSubDevices({ devices: [{ node_id: 'n1', product_id: 'p1' }] }), '1-4');
  assert.strictEqual(d.deleteSubDevices({ devices: ['p1_n1'] }), '1-5');
  assert.strictEqual(d.updateSubDeviceStatuses({ device_statuses: [{ device_id: 'p1_n1', status: 'ONLINE' }] }), '1-6');
  d.syncSubDevices(3);
  const sys = upTopics(d, 2000);
  assert.ok(sys.includes('shadow_get') && sys.includes('events_up') && sys.includes('gateway_properties_report'), sys.join());
  // A command from the platform, answered.
  const cmdTopic = iotda.buildTopic({ type: 'device', deviceId: 'p1_dev', sys: 'command', requestId: 'c9' });
  d.handleBytes(3000, encode({ type: 'publish', topic: cmdTopic, payload: JSON.stringify({ service_id: 'L', command_name: 'on' }) }, '3.1.1'));
  const cmd = d.pollEvents().find((e) => e.type === 'command');
  assert.deepStrictEqual(cmd, { type: 'command', requestId: 'c9', command: { service_id: 'L', command_name: 'on', paras: null } });
  d.respondCommand('c9', { result_code: 0 });
  d.respondPropertiesSet('ps1', { result_code: 0 });
  d.respondPropertiesGet('pg1', { services: [{ service_id: 's', properties: { a: 1 } }] });
  const replies = upTopics(d, 4000);
  assert.deepStrictEqual(replies.slice(-3), ['command_response', 'properties_set_response', 'properties_get_response']);
  d.handleTimeout(40000);
  const timeouts = d.pollEvents().filter((e) => e.type === 'request_timeout');
  assert.ok(timeouts.some((e) => e.kind === 'shadow' && e.id === '1-1'), JSON.stringify(timeouts));
  assert.strictEqual(typeof d.pollTimeout(), 'number');
  d.handleClosed(40001);
  assert.strictEqual(d.pollEvent().type, 'connection_lost');
  d.disconnect();
  assert.strictEqual(d.state, 'idle');
  throwsCode(() => d.requestBootstrap(), { code: 'invalid_state' });
  assert.strictEqual(d.pollEvent().type, 'disconnected');
  assert.strictEqual(d.pollEvent(), null);
});

test('IotdaDevice bad input: IoTDA rules as codes', () => {
  const d = connectedDevice();
  throwsCode(() => d.respondCommand('a#b', { result_code: 0 }), { code: 'invalid_request_id', kind: 'usage' });
  throwsCode(() => d.reportProperties({ services: 'no' }), { code: 'invalid_json' });
  throwsCode(() => d.publish('$oc/devices/other/sys/messages/up', 'x', 0, false), { kind: 'usage' });
  throwsCode(() => d.publish('a', 'x', 2, false), { kind: 'usage' });
  throwsCode(() => d.reportProperties({ services: [] }, { suffix: 'request_id' }), { code: 'invalid_argument' });
  throwsCode(() => new IotdaDevice({ auth: { ...AUTH, deviceId: 'bad/id' } }), { code: 'invalid_device_id' });
  throwsCode(() => IotdaDevice.validateConfig({ auth: AUTH, keepAlive: 5 }), { code: 'invalid_config' });
  throwsCode(() => d.handleConnected(0, 'yesterday'), { code: 'invalid_time' });
  const other = iotda.buildTopic({ type: 'device', deviceId: 'someone_else', sys: 'messages_down' });
  d.handleBytes(10, encode({ type: 'publish', topic: other, payload: 'x' }, '3.1.1'));
  const bad = d.pollEvents().find((e) => e.type === 'bad_input');
  assert.strictEqual(bad.problem, 'other_device');
  assert.strictEqual(bad.error, null);
});

test('iotda: credentials, passwords, secrets, filters, times', () => {
  const c = iotda.credentials(AUTH, Date.UTC(2026, 0, 2, 3, 4, 5));
  assert.deepStrictEqual(c, iotda.credentials(AUTH, new Date(Date.UTC(2026, 0, 2, 3, 4, 5))));
  assert.deepStrictEqual(c, iotda.credentials(AUTH, '2026-01-02T03:04:05Z'));
  assert.strictEqual(c.clientId, 'p1_dev_0_0_2026010203');
  assert.strictEqual(c.username, 'p1_dev');
  assert.strictEqual(c.password, iotda.computePassword('dev-Secret1', '2026010203', 0));
  assert.notStrictEqual(iotda.computePassword('dev-Secret1', '2026010203', 2), c.password);
  assert.strictEqual(iotda.credentials({ kind: 'certificate', deviceId: 'p1_dev' }, Date.now()).password, null);
  assert.strictEqual(iotda.deviceSecret(AUTH), 'dev-Secret1');
  assert.strictEqual(iotda.deviceSecret({ kind: 'certificate', deviceId: 'p1_dev' }), null);
  assert.strictEqual(typeof iotda.deviceSecret({ kind: 'bootstrap_group_secret', deviceId: 'd1', groupSecret: 'c2VjcmV0LWdyb3VwLWtleQ==', scopeId: 'a1b2c3d4e5f6' }), 'string');
  assert.strictEqual(iotda.parseUtc('2026-01-02T03:04:05Z'), Date.UTC(2026, 0, 2, 3, 4, 5));
  assert.ok(iotda.downstreamFilters('p1_dev').every((f) => f.startsWith('$oc/devices/p1_dev/')));
  assert.strictEqual(iotda.bootstrapFilter('p1_dev'), '$oc/devices/p1_dev/sys/bootstrap/down');
  assert.ok(iotda.bridgeDownstreamFilters('b1').length > 0);
  throwsCode(() => iotda.credentials({ kind: 'secret', deviceId: '', secret: 'x' }, Date.now()), { code: 'invalid_device_id', kind: 'usage' });
  throwsCode(() => iotda.credentials({ kind: 'weird', deviceId: 'a' }, Date.now()), { code: 'invalid_argument' });
  throwsCode(() => iotda.computePassword('s', '20261', 0), { kind: 'usage', code: 'invalid_client_id' });
  throwsCode(() => iotda.computePassword('s', '2026010203', 7), { code: 'invalid_argument' });
  throwsCode(() => iotda.parseUtc('2026-13-01T00:00:00Z'), { code: 'invalid_time' });
});

test('iotda: topics parse and build; payloads read tolerantly and write exactly', () => {
  const t = iotda.parseTopic('$oc/devices/d1/sys/properties/report');
  assert.deepStrictEqual(t, { type: 'device', deviceId: 'd1', sys: 'properties_report', suffix: 'none', direction: 'up' });
  assert.strictEqual(iotda.buildTopic(t), '$oc/devices/d1/sys/properties/report');
  assert.deepStrictEqual(iotda.parseTopic('some/topic'), { type: 'custom', topic: 'some/topic', direction: 'both' });
  assert.strictEqual(iotda.parseTopic('$oc/devices/d1/sys/nonsense').type, 'unknown');
  throwsCode(() => iotda.buildTopic({ type: 'user', deviceId: 'd1', name: 'a//b' }), { code: 'invalid_user_topic_name' });
  throwsCode(() => iotda.buildTopic({ type: 'device', deviceId: 'd1', sys: 'nope' }), { code: 'invalid_argument' });
  const kinds = iotda.payloadKinds();
  assert.ok(kinds.includes('properties_report') && kinds.includes('command_response'), kinds.join());
  const read = iotda.parsePayload('command_request', '{"service_id":"L","command_name":"on","extra":1,"paras":null}');
  assert.deepStrictEqual(read, { service_id: 'L', command_name: 'on', paras: null });
  const bytes = iotda.serializePayload('command_response', { result_code: 0, response_name: 'on' });
  assert.deepStrictEqual(JSON.parse(bytes.toString()), { result_code: 0, response_name: 'on' });
  throwsCode(() => iotda.parsePayload('command_request', '{oops'), { code: 'invalid_json', kind: 'usage' });
  throwsCode(() => iotda.serializePayload('properties_report', { services: 3 }), { code: 'invalid_json' });
  throwsCode(() => iotda.serializePayload('no_such_kind', {}), { code: 'invalid_argument' });
});

test('reconnect.stopOn names the CONNACK refusals that end the reconnects', () => {
  const refusedWith = (stopOn) => {
    const c = new Client({ clientId: 'stop', protocol: '5', keepAlive: 0, reconnect: { stopOn } });
    c.connect();
    c.handleConnected(0);
    c.pollTransmit(0);
    c.handleBytes(1, encode({ type: 'connack', sessionPresent: false, reason: 0x86 }, '5'));
    const lost = c.pollEvents().find((e) => e.type === 'connection_lost');
    assert.strictEqual(lost.error.reasonCode, 0x86);
    return lost.reconnectAt;
  };
  assert.strictEqual(refusedWith(undefined), null, 'the default stops on 0x86');
  assert.strictEqual(refusedWith([0x86]), null);
  assert.strictEqual(typeof refusedWith([0x87]), 'number');
  assert.strictEqual(typeof refusedWith([]), 'number');
  for (const bad of [[0x01], [0x8e], [0x186]]) {
    assert.throws(() => new Client({ clientId: 'stop', reconnect: { stopOn: bad } }), (e) => {
      assert.strictEqual(e.code, 'invalid_argument');
      assert.match(e.message, /reconnect\.stopOn/);
      return true;
    });
  }
  assert.doesNotThrow(() => new IotdaDevice({ auth: AUTH, reconnect: { stopOn: [0x86, 0x87] } }));
  throwsCode(() => new IotdaDevice({ auth: AUTH, reconnect: { stopOn: [0x00] } }), { code: 'invalid_argument' });
});
