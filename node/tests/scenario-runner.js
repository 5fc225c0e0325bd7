'use strict';
// Replays the cross-language scenario files (tests/*.json at the repository root) through the
// public API of this package, following tests/README.md to the letter: a file, kind, op or
// field the runner does not know fails the scenario, so nothing is skipped.
const fs = require('node:fs');
const path = require('node:path');
const iotmqtt = require('..');

const { Client, IotdaDevice, decode, decodeAll, encode, iotda } = iotmqtt;

const SCENARIO_DIR = path.resolve(__dirname, '..', '..', 'tests');
const MIN_FILES = 40;

class ScenarioError extends Error {}
const fail = (msg) => { throw new ScenarioError(msg); };

function scenarioFiles() {
  return fs.readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.json') && fs.statSync(path.join(SCENARIO_DIR, f)).isFile())
    .sort();
}

// ---------------------------------------------------------------- JSON helpers

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);

function obj(v, ctx, allowed) {
  if (!isObj(v)) fail(`${ctx}: expected an object`);
  for (const k of Object.keys(v)) if (!allowed.includes(k)) fail(`${ctx}: unknown field ${JSON.stringify(k)}`);
  return v;
}
function req(m, key, ctx) {
  if (!(key in m)) fail(`${ctx}: missing field ${JSON.stringify(key)}`);
  return m[key];
}
function reqStr(m, key, ctx) {
  const v = req(m, key, ctx);
  if (typeof v !== 'string') fail(`${ctx}: ${key} must be a string`);
  return v;
}
function optStr(m, key, ctx) {
  const v = m[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') fail(`${ctx}: ${key} must be a string or null`);
  return v;
}
function optInt(m, key, ctx) {
  const v = m[key];
  if (v === undefined) return null;
  if (!Number.isInteger(v) || v < 0) fail(`${ctx}: ${key} must be a non-negative integer`);
  return v;
}
function optBool(m, key, ctx) {
  const v = m[key];
  if (v === undefined) return null;
  if (typeof v !== 'boolean') fail(`${ctx}: ${key} must be a boolean`);
  return v;
}
function version(s, ctx) {
  if (s !== '3.1.1' && s !== '5') fail(`${ctx}: protocol ${JSON.stringify(s)} is not "3.1.1" or "5"`);
  return s;
}
function qos(n, ctx) {
  if (![0, 1, 2].includes(n)) fail(`${ctx}: QoS ${n} is not 0, 1 or 2`);
  return n;
}

function unhex(s) {
  if (typeof s !== 'string') fail(`hex ${JSON.stringify(s)} is not a string`);
  const digits = s.replace(/ /g, '');
  if (digits.length % 2 !== 0) fail(`hex ${JSON.stringify(s)} has an odd number of digits`);
  if (!/^[0-9a-fA-F]*$/.test(digits)) fail(`hex ${JSON.stringify(s)} holds a non-hex digit`);
  return Buffer.from(digits, 'hex');
}
const hex = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex').replace(/(..)(?!$)/g, '$1 ');

/** The bytes of `key` (text) or `key_hex`; null when neither. */
function bytesField(m, key, ctx) {
  const hk = `${key}_hex`;
  const a = m[key];
  const b = m[hk];
  if (a !== undefined && b !== undefined) fail(`${ctx}: both ${key} and ${hk}`);
  if (typeof a === 'string') return Buffer.from(a, 'utf8');
  if (typeof b === 'string') return unhex(b);
  if ((a === undefined || a === null) && (b === undefined || b === null)) return null;
  fail(`${ctx}: ${key} must be a string`);
}

// ---------------------------------------------------------------- views (README §2)

const snake = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** Device event fields that hold IoTDA JSON as is (its keys are already the wire's). */
const RAW_JSON = new Set(['command', 'request', 'response', 'message', 'failure', 'paras', 'initConfig']);

/** The canonical view of what the binding returned: snake_case keys, bytes as `k_hex`. */
function view(v) {
  if (v instanceof Error) {
    return { kind: v.kind, code: v.code, reason_code: v.reasonCode };
  }
  if (v instanceof Uint8Array) return hex(v);
  if (Array.isArray(v)) return v.map(view);
  if (isObj(v)) {
    const out = {};
    for (const [k, val] of Object.entries(v)) {
      if (k === 'ackToken') continue;
      if (RAW_JSON.has(k)) { out[snake(k)] = val; continue; }
      if (val instanceof Uint8Array) out[`${snake(k)}_hex`] = hex(val);
      else out[snake(k)] = view(val);
    }
    return out;
  }
  return v;
}

// ---------------------------------------------------------------- matching (README §1.3)

function normHex(v, p) {
  if (v === null) return null;
  if (typeof v === 'string') return unhex(v);
  fail(`${p}: expected hex or null, got ${JSON.stringify(v)}`);
}

function jsonEq(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEq(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEq(a[k], b[k]));
  }
  return a === b;
}

function matches(exp, act, p) {
  if (isObj(exp)) {
    if (!isObj(act)) fail(`${p}: expected an object, got ${JSON.stringify(act)}`);
    for (const [k, ev] of Object.entries(exp)) {
      const kp = `${p}.${k}`;
      if (k in act && act[k] !== undefined) {
        if (k.endsWith('_hex')) {
          const e = normHex(ev, kp);
          const a = normHex(act[k], kp);
          if ((e === null) !== (a === null) || (e && !e.equals(a))) {
            fail(`${kp}: expected ${e ? hex(e) : 'null'}, got ${a ? hex(a) : 'null'}`);
          }
        } else {
          matches(ev, act[k], kp);
        }
      } else if (ev === null) {
        // Rule 5: null matches an absent key.
      } else if (k.endsWith('_json')) {
        const base = k.slice(0, -5);
        const raw = act[`${base}_hex`];
        if (raw === undefined || raw === null) fail(`${kp}: the view has no ${base}_hex`);
        const bytes = normHex(raw, kp);
        let parsed;
        try { parsed = JSON.parse(bytes.toString('utf8')); } catch (e) {
          fail(`${kp}: ${base} is not JSON (${e.message}): ${JSON.stringify(bytes.toString('utf8'))}`);
        }
        if (!jsonEq(ev, parsed)) fail(`${kp}: expected JSON ${JSON.stringify(ev)}, got ${JSON.stringify(parsed)}`);
      } else if (act[`${k}_hex`] !== undefined) {
        if (typeof ev !== 'string') fail(`${kp}: text for bytes must be a string`);
        const a = normHex(act[`${k}_hex`], kp);
        if (a === null || !a.equals(Buffer.from(ev, 'utf8'))) {
          fail(`${kp}: expected ${JSON.stringify(ev)}, got ${a === null ? 'null' : JSON.stringify(a.toString('utf8'))}`);
        }
      } else {
        fail(`${kp}: no such field in ${JSON.stringify(act)}`);
      }
    }
    return;
  }
  if (Array.isArray(exp)) {
    if (!Array.isArray(act)) fail(`${p}: expected an array, got ${JSON.stringify(act)}`);
    if (exp.length !== act.length) fail(`${p}: expected ${exp.length} elements, got ${act.length}: ${JSON.stringify(act)}`);
    exp.forEach((e, i) => matches(e, act[i], `${p}[${i}]`));
    return;
  }
  if (exp !== act) fail(`${p}: expected ${JSON.stringify(exp)}, got ${JSON.stringify(act)}`);
}

// ---------------------------------------------------------------- input conversion

const PROPERTY_KEYS = [
  'payload_format_indicator', 'message_expiry_interval', 'content_type', 'response_topic',
  'correlation_data', 'subscription_identifiers', 'session_expiry_interval',
  'assigned_client_identifier', 'server_keep_alive', 'authentication_method',
  'authentication_data', 'request_problem_information', 'will_delay_interval',
  'request_response_information', 'response_information', 'server_reference', 'reason_string',
  'receive_maximum', 'topic_alias_maximum', 'topic_alias', 'maximum_qos', 'retain_available',
  'user_properties', 'maximum_packet_size', 'wildcard_subscription_available',
  'subscription_identifier_available', 'shared_subscription_available',
];
const BINARY_PROPERTIES = new Set(['correlation_data', 'authentication_data']);
const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/** A properties object of the API from a properties view (§2.1, as input): its keys in
 * ascending property identifier order, whatever the order of the JSON object. */
function propsIn(v, ctx) {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) fail(`${ctx}: properties must be an object`);
  for (const k of Object.keys(v)) {
    const isHex = k.endsWith('_hex');
    const base = isHex ? k.slice(0, -4) : k;
    if (!PROPERTY_KEYS.includes(base) || (isHex && !BINARY_PROPERTIES.has(base))) {
      fail(`${ctx}: unknown property ${JSON.stringify(k)}`);
    }
  }
  const out = {};
  for (const base of PROPERTY_KEYS) {
    const key = camel(base);
    if (BINARY_PROPERTIES.has(base)) {
      const b = bytesField(v, base, ctx);
      if (b !== null) out[key] = b;
    } else if (v[base] !== undefined) {
      out[key] = v[base];
    }
  }
  return out;
}

const CONFIG_FIELDS = [
  'client_id', 'protocol', 'keep_alive', 'ping_timeout_ms', 'clean_start', 'session_expiry',
  'credentials', 'username', 'password', 'password_hex', 'will', 'receive_maximum',
  'maximum_packet_size', 'topic_alias_maximum', 'outgoing_topic_aliases', 'connack_timeout_ms',
  'reconnect', 'reconnect_min_delay_ms', 'reconnect_max_delay_ms', 'jitter_seed',
  'stable_after_ms', 'resubscribe', 'requeue', 'max_queued_messages', 'max_queued_bytes',
  'max_inflight', 'max_subscriptions', 'max_events', 'manual_ack', 'persistence', 'auth_method',
  'auth_data_hex', 'connect_properties',
];

/** The API's client config from a scenario config (§4.1). */
function clientConfig(v) {
  const ctx = 'config';
  const m = obj(v, ctx, CONFIG_FIELDS);
  const c = { clientId: reqStr(m, 'client_id', ctx) };
  if (m.protocol !== undefined) c.protocol = version(m.protocol, ctx);
  const ints = ['keep_alive', 'ping_timeout_ms', 'session_expiry', 'receive_maximum', 'maximum_packet_size',
    'topic_alias_maximum', 'outgoing_topic_aliases', 'connack_timeout_ms', 'max_queued_messages',
    'max_queued_bytes', 'max_inflight', 'max_subscriptions', 'max_events'];
  for (const k of ints) { const n = optInt(m, k, ctx); if (n !== null) c[camel(k)] = n; }
  for (const k of ['clean_start', 'manual_ack', 'persistence']) {
    const b = optBool(m, k, ctx); if (b !== null) c[camel(k)] = b;
  }
  const username = optStr(m, 'username', ctx);
  const password = bytesField(m, 'password', ctx);
  const cred = optStr(m, 'credentials', ctx) || 'none';
  if (cred === 'static') c.credentials = { username, password };
  else {
    if (username !== null || password !== null) fail(`${ctx}: username/password need credentials "static"`);
    if (cred !== 'none' && cred !== 'ask_each_time') fail(`${ctx}: credentials ${JSON.stringify(cred)}`);
    c.credentials = cred;
  }
  if (m.will !== undefined && m.will !== null) {
    const w = obj(m.will, 'config.will', ['topic', 'payload', 'payload_hex', 'qos', 'retain', 'properties']);
    c.will = {
      topic: reqStr(w, 'topic', 'config.will'),
      payload: bytesField(w, 'payload', 'config.will') || Buffer.alloc(0),
      qos: qos(optInt(w, 'qos', 'config.will') ?? 0, 'config.will'),
      retain: optBool(w, 'retain', 'config.will') ?? false,
      properties: propsIn(w.properties, 'config.will.properties'),
    };
  }
  const r = {};
  const rb = optBool(m, 'reconnect', ctx); if (rb !== null) r.enabled = rb;
  for (const [k, to] of [['reconnect_min_delay_ms', 'minDelayMs'], ['reconnect_max_delay_ms', 'maxDelayMs'],
    ['jitter_seed', 'jitterSeed'], ['stable_after_ms', 'stableAfterMs']]) {
    const n = optInt(m, k, ctx); if (n !== null) r[to] = n;
  }
  const rs = optBool(m, 'resubscribe', ctx); if (rs !== null) r.resubscribe = rs;
  const rq = optStr(m, 'requeue', ctx);
  if (rq !== null) { if (rq !== 'resend' && rq !== 'drop') fail(`${ctx}: requeue ${rq}`); r.requeue = rq; }
  c.reconnect = r;
  const am = optStr(m, 'auth_method', ctx); if (am !== null) c.authMethod = am;
  const ad = optStr(m, 'auth_data_hex', ctx); if (ad !== null) c.authData = unhex(ad);
  c.connectProperties = propsIn(m.connect_properties, 'config.connect_properties');
  return c;
}

function subscriptionIn(v) {
  const ctx = 'subscription';
  const m = obj(v, ctx, ['filter', 'qos', 'no_local', 'retain_as_published', 'retain_handling']);
  const rh = optInt(m, 'retain_handling', ctx) ?? 0;
  if (rh > 2) fail(`${ctx}: retain_handling ${rh}`);
  return {
    filter: reqStr(m, 'filter', ctx),
    qos: qos(optInt(m, 'qos', ctx) ?? 0, ctx),
    noLocal: optBool(m, 'no_local', ctx) ?? false,
    retainAsPublished: optBool(m, 'retain_as_published', ctx) ?? false,
    retainHandling: rh,
  };
}

// ---------------------------------------------------------------- calls and errors

/** Runs `call` against an optional `expect_error`; returns its value when it succeeded. */
function outcome(call, expectError) {
  let value;
  try {
    value = call();
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    if (!(e instanceof Error) || typeof e.code !== 'string' || typeof e.kind !== 'string') {
      fail(`the call threw something that is not an iotmqtt error: ${e && e.stack}`);
    }
    if (expectError === undefined) fail(`unexpected error ${JSON.stringify(view(e))} (${e.message})`);
    matches(expectError, view(e), 'error');
    return { failed: true };
  }
  if (expectError !== undefined) fail(`expected error ${JSON.stringify(expectError)}, the call succeeded`);
  return { failed: false, value };
}

function expectId(s, got) {
  if (!('expect_packet_id' in s)) return;
  if (s.expect_packet_id !== got) fail(`packet id ${got}, expected ${s.expect_packet_id}`);
}

// ---------------------------------------------------------------- kind codec (README §3)

function runCodec(m) {
  const v = version(reqStr(m, 'version', 'codec'), 'codec');
  const max = optInt(m, 'max_packet_size', 'codec');
  const options = max === null ? undefined : { maxPacketSize: max };
  const cases = req(m, 'cases', 'codec');
  if (!Array.isArray(cases) || cases.length === 0) fail('cases: a non-empty array');
  cases.forEach((c, i) => {
    try { codecCase(v, options, c); } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      fail(`case ${i} ${JSON.stringify((c && c.name) || '')}: ${e.message}`);
    }
  });
}

function codecCase(v, options, c) {
  obj(c, 'case', ['name', 'hex', 'expect', 'reencode_hex', 'expect_error', 'expect_incomplete']);
  optStr(c, 'name', 'case');
  const bytes = unhex(reqStr(c, 'hex', 'case'));
  const n = ['expect', 'expect_error', 'expect_incomplete'].filter((k) => k in c).length;
  if (n !== 1) fail('exactly one of expect, expect_error, expect_incomplete');
  if ('reencode_hex' in c && !('expect' in c)) fail('reencode_hex needs expect');
  let result;
  let error = null;
  try { result = decode(bytes, v, options); } catch (e) { error = e; }
  if ('expect' in c) {
    if (error) fail(`decode failed: ${error.message}`);
    if (result.packet === null) fail(`decode reports an incomplete packet (${result.needed} more bytes)`);
    if (result.length !== bytes.length) fail(`the packet uses ${result.length} of the ${bytes.length} bytes`);
    matches(c.expect, view(result.packet), 'packet');
    const want = 'reencode_hex' in c ? unhex(c.reencode_hex) : bytes;
    let out;
    try { out = encode(result.packet, v); } catch (e) { fail(`re-encode failed: ${e.message}`); }
    if (!Buffer.from(out).equals(want)) fail(`re-encoded as ${hex(out)}, expected ${hex(want)}`);
    return;
  }
  if ('expect_error' in c) {
    const e = obj(c.expect_error, 'expect_error', ['violation', 'offset']);
    const violation = reqStr(e, 'violation', 'expect_error');
    const offset = optInt(e, 'offset', 'expect_error');
    if (offset === null) fail('expect_error: offset');
    if (!error) fail(`expected ${violation} at ${offset}, got ${result.packet ? result.packet.type : `incomplete (${result.needed})`}`);
    if (error.kind !== 'malformed' || error.code !== violation || error.offset !== offset) {
      fail(`expected ${violation} at ${offset}, got ${error.kind}/${error.code} at ${error.offset} (${error.message})`);
    }
    return;
  }
  const needed = optInt(c, 'expect_incomplete', 'case');
  if (needed === null) fail('expect_incomplete: an integer');
  if (error) fail(`expected incomplete, ${needed} more bytes; got ${error.code}`);
  if (result.packet !== null || result.needed !== needed) {
    fail(`expected incomplete, ${needed} more bytes; got ${result.packet ? result.packet.type : `${result.needed} more bytes`}`);
  }
}

// ---------------------------------------------------------------- steps (README §4.2–4.7, §7.2)

const COMMON_OPS = {
  connect: ['expect_error'],
  disconnect: ['expect_error'],
  timeout: [],
  closed: [],
  expect_no_transmit: [],
  expect_no_event: [],
  receive: ['hex'],
  expect_transmit: ['hex', 'packets'],
  expect_event: ['event'],
  expect_timeout: ['at', 'at_least', 'at_most'],
  expect_state: ['state'],
};

function runSteps(target, m, kind) {
  const steps = req(m, 'steps', kind);
  if (!Array.isArray(steps) || steps.length === 0) fail('steps: a non-empty array');
  const script = { clock: 0, tokens: new Map() };
  steps.forEach((step, i) => {
    const op = (step && typeof step.op === 'string') ? step.op : '?';
    try { runStep(target, script, step); } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      fail(`step ${i} (${op}): ${e.message}`);
    }
  });
  try {
    const left = transmitted(target, script.clock);
    if (left.length > 0) fail(`bytes left to transmit: ${hex(left)}`);
    const ev = target.pollEvent();
    if (ev !== null) fail(`event left: ${JSON.stringify(view(ev))}`);
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    fail(`after the last step: ${e.message}`);
  }
}

function transmitted(target, now) {
  const out = target.pollTransmit(now);
  return out === null ? Buffer.alloc(0) : Buffer.from(out);
}

function nextEvent(target, script) {
  const e = target.pollEvent();
  if (e !== null && e.type === 'message' && e.packetId !== null && e.ackToken !== null) {
    script.tokens.set(e.packetId, e.ackToken);
  }
  return e;
}

function runStep(target, script, step) {
  if (!isObj(step) || typeof step.op !== 'string') fail('a step needs a string field "op"');
  const { op } = step;
  const fields = COMMON_OPS[op] || target.opFields[op];
  if (!fields) fail(`unknown op ${JSON.stringify(op)}`);
  const s = obj(step, 'step', ['op', 'now', ...fields]);
  const now = optInt(s, 'now', 'step');
  if (now !== null) {
    if (now < script.clock) fail(`now ${now} is before the clock ${script.clock}`);
    script.clock = now;
  }
  const t = script.clock;
  switch (op) {
    case 'connect': outcome(() => target.connect(), s.expect_error); break;
    case 'disconnect': outcome(() => target.disconnect(), s.expect_error); break;
    case 'receive': target.handleBytes(t, unhex(reqStr(s, 'hex', 'step'))); break;
    case 'timeout': target.handleTimeout(t); break;
    case 'closed': target.handleClosed(t); break;
    case 'expect_transmit': {
      const got = transmitted(target, t);
      if (('hex' in s) === ('packets' in s)) fail('expect_transmit: exactly one of hex, packets');
      if ('hex' in s) {
        const want = unhex(s.hex);
        if (!got.equals(want)) fail(`transmitted ${hex(got)}\n      expected    ${hex(want)}`);
      } else {
        if (!Array.isArray(s.packets)) fail('packets: an array');
        let all;
        try { all = decodeAll(got, target.version); } catch (e) {
          fail(`transmitted bytes do not decode (${e.message}): ${hex(got)}`);
        }
        if (all.consumed !== got.length) fail(`transmitted bytes end in a partial packet: ${hex(got)}`);
        const views = view(all.packets);
        try { matches(s.packets, views, 'packets'); } catch (e) {
          fail(`${e.message}\n      transmitted ${JSON.stringify(views)}`);
        }
      }
      break;
    }
    case 'expect_no_transmit': {
      const got = transmitted(target, t);
      if (got.length > 0) fail(`transmitted ${hex(got)}`);
      break;
    }
    case 'expect_event': {
      const want = req(s, 'event', 'step');
      const e = nextEvent(target, script);
      if (e === null) fail('no event');
      const v = view(e);
      try { matches(want, v, 'event'); } catch (err) {
        fail(`${err.message}\n      event ${JSON.stringify(v)}`);
      }
      break;
    }
    case 'expect_no_event': {
      const e = nextEvent(target, script);
      if (e !== null) fail(`got ${JSON.stringify(view(e))}`);
      break;
    }
    case 'expect_timeout': {
      const got = target.pollTimeout();
      const has = (k) => k in s;
      if (has('at') && !has('at_least') && !has('at_most')) {
        if (s.at !== null && !Number.isInteger(s.at)) fail('at: a time or null');
        if (got !== s.at) fail(`deadline ${got}, expected ${s.at}`);
      } else if (!has('at') && has('at_least') && has('at_most')) {
        if (got === null || got < s.at_least || got > s.at_most) {
          fail(`deadline ${got}, expected in [${s.at_least}, ${s.at_most}]`);
        }
      } else fail('expect_timeout: at, or at_least and at_most');
      break;
    }
    case 'expect_state': {
      const want = reqStr(s, 'state', 'step');
      if (target.state !== want) fail(`state ${target.state}, expected ${want}`);
      break;
    }
    default: target.runOp(op, s, script);
  }
}

// ---------------------------------------------------------------- kind client (README §4)

class ClientTarget {
  constructor(config) {
    this.config = config;
    this.client = new Client(config);
    this.version = config.protocol || '5';
    this.opFields = {
      handle_connected: [],
      set_credentials: ['username', 'password', 'password_hex', 'expect_error'],
      publish: ['topic', 'payload', 'payload_hex', 'qos', 'retain', 'properties', 'expect_packet_id', 'expect_error'],
      subscribe: ['subscriptions', 'properties', 'expect_packet_id', 'expect_error'],
      unsubscribe: ['filters', 'properties', 'expect_packet_id', 'expect_error'],
      ack: ['packet_id', 'expect_error'],
      auth_continue: ['data_hex', 'expect_error'],
      reauthenticate: ['data_hex', 'expect_error'],
      snapshot: [],
      restart: [],
    };
  }
  connect() { return this.client.connect(); }
  disconnect() { return this.client.disconnect(); }
  handleBytes(t, b) { this.client.handleBytes(t, b); }
  handleTimeout(t) { this.client.handleTimeout(t); }
  handleClosed(t) { this.client.handleClosed(t); }
  pollTransmit(t) { return this.client.pollTransmit(t); }
  pollTimeout() { return this.client.pollTimeout(); }
  pollEvent() { return this.client.pollEvent(); }
  get state() { return this.client.state; }

  runOp(op, s, script) {
    const c = this.client;
    const ee = s.expect_error;
    switch (op) {
      case 'handle_connected': c.handleConnected(script.clock); break;
      case 'set_credentials':
        outcome(() => c.setCredentials(optStr(s, 'username', 'step'), bytesField(s, 'password', 'step')), ee);
        break;
      case 'publish': {
        const r = outcome(() => c.publish(
          reqStr(s, 'topic', 'step'),
          bytesField(s, 'payload', 'step') || Buffer.alloc(0),
          qos(optInt(s, 'qos', 'step') ?? 0, 'step'),
          optBool(s, 'retain', 'step') ?? false,
          propsIn(s.properties, 'step.properties'),
        ), ee);
        if (!r.failed) expectId(s, r.value);
        break;
      }
      case 'subscribe': {
        const subs = req(s, 'subscriptions', 'step');
        if (!Array.isArray(subs)) fail('subscriptions: an array');
        const list = subs.map(subscriptionIn);
        const r = outcome(() => c.subscribe(list, propsIn(s.properties, 'step.properties')), ee);
        if (!r.failed) expectId(s, r.value);
        break;
      }
      case 'unsubscribe': {
        const filters = req(s, 'filters', 'step');
        if (!Array.isArray(filters) || filters.some((f) => typeof f !== 'string')) fail('filters: strings');
        const r = outcome(() => c.unsubscribe(filters, propsIn(s.properties, 'step.properties')), ee);
        if (!r.failed) expectId(s, r.value);
        break;
      }
      case 'ack': {
        const id = optInt(s, 'packet_id', 'step') ?? 0;
        if (!script.tokens.has(id)) fail(`no message event with packet id ${id} was taken`);
        outcome(() => c.ack(script.tokens.get(id)), ee);
        break;
      }
      case 'auth_continue':
        outcome(() => c.authContinue(unhex(reqStr(s, 'data_hex', 'step'))), ee);
        break;
      case 'reauthenticate':
        outcome(() => c.reauthenticate(unhex(reqStr(s, 'data_hex', 'step'))), ee);
        break;
      case 'snapshot': c.snapshot(); break;
      case 'restart': {
        const snap = c.snapshot();
        this.client = new Client(this.config);
        try { this.client.restore(snap); } catch (e) { fail(`restore failed: ${e.message}`); }
        script.tokens.clear();
        break;
      }
      default: fail(`unknown op ${op}`);
    }
  }
}

// ---------------------------------------------------------------- kind device (README §7)

const DEVICE_CONFIG_FIELDS = [
  'auth', 'protocol', 'keep_alive', 'upstream_qos', 'subscribe_downstream_qos1',
  'max_messages_per_sec', 'max_bytes_per_sec', 'max_queued_messages', 'max_queued_bytes',
  'request_timeout_ms', 'max_pending_requests', 'request_id_seed', 'connack_timeout_ms',
  'reconnect', 'reconnect_min_delay_ms', 'reconnect_max_delay_ms', 'jitter_seed', 'max_events',
];
const AUTH_KINDS = ['secret', 'bridge', 'bootstrap_group_secret', 'bootstrap_certificate', 'certificate'];

function authIn(m, ctx) {
  const kind = reqStr(m, 'kind', ctx);
  if (!AUTH_KINDS.includes(kind)) fail(`${ctx}: unknown kind ${JSON.stringify(kind)}`);
  const a = { kind, deviceId: m.device_id ?? '', sigType: optInt(m, 'sig_type', ctx) ?? 0 };
  for (const [k, to] of [['secret', 'secret'], ['group_secret', 'groupSecret'], ['scope_id', 'scopeId']]) {
    if (m[k] !== undefined) a[to] = m[k];
  }
  return a;
}

function deviceConfig(v) {
  const ctx = 'config';
  const m = obj(v, ctx, DEVICE_CONFIG_FIELDS);
  const a = obj(req(m, 'auth', ctx), 'config.auth', ['kind', 'device_id', 'secret', 'group_secret', 'scope_id', 'sig_type']);
  const c = { auth: authIn(a, 'config.auth') };
  // The identity must be valid, as the Rust runner checks it while reading the config.
  try { iotda.deviceSecret(c.auth); } catch (e) { fail(`config.auth: ${JSON.stringify(view(e))}`); }
  if (m.protocol !== undefined) c.protocol = version(m.protocol, ctx);
  for (const k of ['keep_alive', 'max_messages_per_sec', 'max_bytes_per_sec', 'max_queued_messages',
    'max_queued_bytes', 'request_timeout_ms', 'max_pending_requests', 'request_id_seed',
    'connack_timeout_ms', 'max_events']) {
    const n = optInt(m, k, ctx); if (n !== null) c[camel(k)] = n;
  }
  const uq = optInt(m, 'upstream_qos', ctx); if (uq !== null) c.upstreamQos = qos(uq, ctx);
  const sd = optBool(m, 'subscribe_downstream_qos1', ctx); if (sd !== null) c.subscribeDownstreamQos1 = sd;
  const r = {};
  const rb = optBool(m, 'reconnect', ctx); if (rb !== null) r.enabled = rb;
  for (const [k, to] of [['reconnect_min_delay_ms', 'minDelayMs'], ['reconnect_max_delay_ms', 'maxDelayMs'], ['jitter_seed', 'jitterSeed']]) {
    const n = optInt(m, k, ctx); if (n !== null) r[to] = n;
  }
  c.reconnect = r;
  return c;
}

function reportOptions(s) {
  const suffix = optStr(s, 'suffix', 'step');
  const requestId = optStr(s, 'request_id', 'step');
  return { suffix: suffix ?? undefined, requestId: requestId ?? undefined };
}

class DeviceTarget {
  constructor(config) {
    this.device = new IotdaDevice(config);
    this.version = config.protocol || '3.1.1';
    this.opFields = {
      handle_connected: ['utc'],
      respond_command: ['request_id', 'response', 'expect_error'],
      respond_properties_set: ['request_id', 'response', 'expect_error'],
      respond_properties_get: ['request_id', 'response', 'expect_error'],
      report_properties: ['report', 'suffix', 'request_id', 'expect_error'],
      send_message: ['payload', 'payload_hex', 'suffix', 'request_id', 'expect_error'],
      publish: ['topic', 'payload', 'payload_hex', 'qos', 'retain', 'expect_error'],
      subscribe: ['filter', 'qos', 'expect_packet_id', 'expect_error'],
      unsubscribe: ['filter', 'expect_packet_id', 'expect_error'],
      get_shadow: ['service_id', 'object_device_id', 'expect_request_id', 'expect_error'],
    };
  }
  connect() { return this.device.connect(); }
  disconnect() { return this.device.disconnect(); }
  handleBytes(t, b) { this.device.handleBytes(t, b); }
  handleTimeout(t) { this.device.handleTimeout(t); }
  handleClosed(t) { this.device.handleClosed(t); }
  pollTransmit(t) { return this.device.pollTransmit(t); }
  pollTimeout() { return this.device.pollTimeout(); }
  pollEvent() { return this.device.pollEvent(); }
  get state() { return this.device.state; }

  runOp(op, s, script) {
    const d = this.device;
    const ee = s.expect_error;
    const json = (k) => req(s, k, 'step');
    switch (op) {
      case 'handle_connected': {
        const utc = reqStr(s, 'utc', 'step');
        try { iotda.parseUtc(utc); } catch (e) { fail(`utc: ${e.message}`); }
        d.handleConnected(script.clock, utc);
        break;
      }
      case 'respond_command':
        outcome(() => d.respondCommand(reqStr(s, 'request_id', 'step'), json('response')), ee);
        break;
      case 'respond_properties_set':
        outcome(() => d.respondPropertiesSet(reqStr(s, 'request_id', 'step'), json('response')), ee);
        break;
      case 'respond_properties_get':
        outcome(() => d.respondPropertiesGet(reqStr(s, 'request_id', 'step'), json('response')), ee);
        break;
      case 'report_properties':
        outcome(() => d.reportProperties(json('report'), reportOptions(s)), ee);
        break;
      case 'send_message':
        outcome(() => d.sendMessage(bytesField(s, 'payload', 'step') || Buffer.alloc(0), reportOptions(s)), ee);
        break;
      case 'publish':
        outcome(() => d.publish(
          reqStr(s, 'topic', 'step'),
          bytesField(s, 'payload', 'step') || Buffer.alloc(0),
          qos(optInt(s, 'qos', 'step') ?? 0, 'step'),
          optBool(s, 'retain', 'step') ?? false,
        ), ee);
        break;
      case 'subscribe': {
        const r = outcome(() => d.subscribe(reqStr(s, 'filter', 'step'), qos(optInt(s, 'qos', 'step') ?? 0, 'step')), ee);
        if (!r.failed) expectId(s, r.value);
        break;
      }
      case 'unsubscribe': {
        const r = outcome(() => d.unsubscribe(reqStr(s, 'filter', 'step')), ee);
        if (!r.failed) expectId(s, r.value);
        break;
      }
      case 'get_shadow': {
        const r = outcome(() => d.getShadow(optStr(s, 'service_id', 'step'), optStr(s, 'object_device_id', 'step')), ee);
        if (!r.failed && 'expect_request_id' in s && s.expect_request_id !== r.value) {
          fail(`request id ${JSON.stringify(r.value)}, expected ${JSON.stringify(s.expect_request_id)}`);
        }
        break;
      }
      default: fail(`unknown op ${op}`);
    }
  }
}

// ---------------------------------------------------------------- kind credentials (README §5)

function runCredentials(m) {
  const cases = [];
  const vectors = optStr(m, 'vectors', 'credentials');
  if (vectors !== null) {
    const file = path.join(SCENARIO_DIR, vectors);
    let v;
    try { v = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { fail(`vectors ${JSON.stringify(vectors)}: ${e.message}`); }
    if (!Array.isArray(v.cases)) fail(`vectors ${JSON.stringify(vectors)}: no cases array`);
    for (const c of v.cases) cases.push([`${vectors} `, c]);
  }
  if (m.cases !== undefined) {
    if (!Array.isArray(m.cases)) fail('cases: an array');
    for (const c of m.cases) cases.push(['', c]);
  }
  if (cases.length === 0) fail('no credentials case');
  cases.forEach(([origin, c], i) => {
    try { credentialsCase(c); } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      fail(`case ${i} (${origin}${JSON.stringify((c && c.name) || '')}): ${e.message}`);
    }
  });
}

function credentialsCase(c) {
  const ctx = 'case';
  obj(c, ctx, ['name', 'kind', 'device_id', 'secret', 'group_secret', 'scope_id', 'sig_type', 'utc',
    'timestamp', 'client_id', 'username', 'password', 'derived_secret', 'expect_error']);
  optStr(c, 'name', ctx);
  const kind = reqStr(c, 'kind', ctx);
  const sig = optInt(c, 'sig_type', ctx) ?? 0;
  if (sig > 2) fail(`sig_type ${sig}`);
  const ee = c.expect_error;
  const outputs = ['client_id', 'username', 'password', 'derived_secret'];
  if (ee !== undefined && outputs.some((k) => k in c)) fail('expect_error excludes expected values');
  reqStr(c, 'device_id', ctx);
  if (kind === 'secret' || kind === 'bridge') reqStr(c, 'secret', ctx);
  else if (kind === 'bootstrap_group_secret') { reqStr(c, 'group_secret', ctx); reqStr(c, 'scope_id', ctx); }
  else if (kind === 'bootstrap_certificate') reqStr(c, 'scope_id', ctx);
  else if (kind !== 'certificate') fail(`unknown credentials kind ${JSON.stringify(kind)}`);
  if (('utc' in c) === ('timestamp' in c)) fail('exactly one of utc, timestamp');
  const auth = { kind, deviceId: c.device_id, sigType: sig, secret: c.secret ?? '', groupSecret: c.group_secret ?? '', scopeId: c.scope_id ?? '' };
  const check = (key, got) => {
    if (key in c && c[key] !== got) fail(`${key}: got ${JSON.stringify(got)}, expected ${JSON.stringify(c[key])}`);
  };
  if ('timestamp' in c) {
    if (['client_id', 'username', 'derived_secret'].some((k) => k in c)) fail('a timestamp case checks only password');
    const r = outcome(() => {
      const secret = iotda.deviceSecret(auth);
      const pw = iotda.computePassword(secret ?? '', c.timestamp, sig);
      if (secret === null) fail('a timestamp case needs a secret');
      return pw;
    }, ee);
    if (!r.failed) check('password', r.value);
    return;
  }
  const r = outcome(() => ({ creds: iotda.credentials(auth, c.utc), secret: iotda.deviceSecret(auth) }), ee);
  if (r.failed) return;
  check('client_id', r.value.creds.clientId);
  check('username', r.value.creds.username);
  check('password', r.value.creds.password);
  check('derived_secret', r.value.secret);
  if (outputs.every((k) => !(k in c))) fail('a case checks nothing');
}

// ---------------------------------------------------------------- kind topic (README §6)

const TOPIC_FIELDS = {
  device: ['device_id', 'sys', 'request_id', 'suffix'],
  bridge: ['bridge_id', 'device_id', 'sys', 'request_id', 'suffix'],
  user: ['device_id', 'name'],
  m2m: ['to', 'from', 'request_id'],
  legacy: ['device_id', 'legacy'],
  custom: ['topic'],
  unknown: ['topic'],
};

function topicIn(v) {
  const ty = v && v.type;
  if (typeof ty !== 'string') fail('build: a string field "type"');
  const fields = TOPIC_FIELDS[ty];
  if (!fields) fail(`build: unknown type ${JSON.stringify(ty)}`);
  const m = obj(v, 'build', ['type', ...fields]);
  const out = { type: ty };
  for (const k of fields) if (m[k] !== undefined) out[camel(k)] = m[k];
  for (const k of fields) if (!['request_id', 'suffix'].includes(k) && m[k] === undefined) fail(`build: missing field ${JSON.stringify(k)}`);
  return out;
}

function runTopics(m) {
  const cases = req(m, 'cases', 'topic');
  if (!Array.isArray(cases) || cases.length === 0) fail('cases: a non-empty array');
  cases.forEach((c, i) => {
    try { topicCase(c); } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      fail(`case ${i} ${JSON.stringify((c && c.name) || '')}: ${e.message}`);
    }
  });
}

function topicCase(c) {
  obj(c, 'case', ['name', 'parse', 'expect', 'build', 'expect_topic', 'expect_error']);
  optStr(c, 'name', 'case');
  if ('parse' in c && !('build' in c)) {
    if ('expect_topic' in c || 'expect_error' in c) fail('a parse case has expect only');
    if (typeof c.parse !== 'string') fail('parse: a string');
    const parsed = iotda.parseTopic(c.parse);
    const v = view(parsed);
    try { matches(req(c, 'expect', 'case'), v, 'topic'); } catch (e) {
      fail(`${e.message}\n      parsed ${JSON.stringify(v)}`);
    }
    if (parsed.type !== 'unknown') {
      let back;
      try { back = iotda.buildTopic(parsed); } catch (e) { fail(`the parsed topic does not build: ${e.message}`); }
      if (back !== c.parse) fail(`the parsed topic builds as ${JSON.stringify(back)}`);
    }
    return;
  }
  if ('build' in c && !('parse' in c)) {
    if ('expect' in c) fail('a build case has expect_topic or expect_error');
    const input = topicIn(c.build);
    if (('expect_topic' in c) === ('expect_error' in c)) fail('a build case has exactly one of expect_topic, expect_error');
    const r = outcome(() => iotda.buildTopic(input), c.expect_error);
    if (!r.failed && r.value !== c.expect_topic) fail(`built ${JSON.stringify(r.value)}, expected ${JSON.stringify(c.expect_topic)}`);
    return;
  }
  fail('a case has exactly one of parse, build');
}

// ---------------------------------------------------------------- file

function validSpecRef(s) {
  return /^MQTT-\d+(\.\d+)+(-\d+)?$/.test(s) || /^IOTDA\.md §\d+(\.\d+)*$/.test(s);
}

/** Replays one scenario object as if it were the file `fileName`; throws on any failure. */
function runFile(fileName, v) {
  const kind = v && typeof v.kind === 'string' ? v.kind : fail('missing string field "kind"');
  const extra = {
    codec: ['version', 'max_packet_size', 'cases'],
    client: ['config', 'steps'],
    credentials: ['vectors', 'cases'],
    topic: ['cases'],
    device: ['config', 'steps'],
  }[kind];
  if (!extra) fail(`unknown kind ${JSON.stringify(kind)}`);
  const m = obj(v, 'file', ['name', 'description', 'spec', 'kind', ...extra]);
  const name = reqStr(m, 'name', 'file');
  if (`${name}.json` !== fileName) fail(`name ${JSON.stringify(name)} differs from the file name`);
  reqStr(m, 'description', 'file');
  const spec = req(m, 'spec', 'file');
  if (!Array.isArray(spec) || spec.length === 0) fail('spec: a non-empty array');
  for (const s of spec) {
    if (typeof s !== 'string') fail('spec: strings');
    if (!validSpecRef(s)) fail(`spec: ${JSON.stringify(s)} is neither MQTT-x.y.z[-n] nor IOTDA.md §n`);
  }
  switch (kind) {
    case 'codec': return runCodec(m);
    case 'client': return runSteps(new ClientTarget(clientConfig(req(m, 'config', 'client'))), m, 'client');
    case 'device': return runSteps(new DeviceTarget(deviceConfig(req(m, 'config', 'device'))), m, 'device');
    case 'credentials': return runCredentials(m);
    default: return runTopics(m);
  }
}

module.exports = { SCENARIO_DIR, MIN_FILES, ScenarioError, scenarioFiles, runFile, matches, view };
