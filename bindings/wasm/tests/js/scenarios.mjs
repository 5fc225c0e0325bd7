// Replays the cross-language scenario files (tests/*.json, format: tests/README.md) through the
// JavaScript API of the wasm binding (the nodejs build of wasm-bindgen). Strict like every
// runner: an unknown file kind, op or field fails; nothing is skipped.

import fs from 'node:fs';
import path from 'node:path';

// ------------------------------------------------------------------ values

export function unhex(s) {
  const d = s.replaceAll(' ', '');
  if (d.length % 2 !== 0 || /[^0-9a-fA-F]/.test(d)) throw new Error(`bad hex ${JSON.stringify(s)}`);
  const out = new Uint8Array(d.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(d.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

const camel = (k) => k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const snake = (k) => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
const isPlain = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);

function fields(v, ctx, allowed) {
  if (!isPlain(v)) throw new Error(`${ctx}: expected an object`);
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new Error(`${ctx}: unknown field ${JSON.stringify(k)}`);
  return v;
}

/** Bytes from `key` (text) or `key_hex`; undefined when neither. */
function bytesField(m, key, ctx) {
  const h = `${key}_hex`;
  if (m[key] != null && m[h] != null) throw new Error(`${ctx}: both ${key} and ${h}`);
  if (typeof m[key] === 'string') return new TextEncoder().encode(m[key]);
  if (typeof m[h] === 'string') return unhex(m[h]);
  if (m[key] != null || m[h] != null) throw new Error(`${ctx}: ${key} must be a string`);
  return undefined;
}

/** A properties object of a scenario (§2.1) as the API takes it. */
function propsIn(p) {
  if (p == null) return undefined;
  if (!isPlain(p)) throw new Error('properties: an object');
  const out = {};
  for (const [k, v] of Object.entries(p)) {
    if (k.endsWith('_hex')) out[camel(k.slice(0, -4))] = unhex(v);
    else out[camel(k)] = v;
  }
  return out;
}

/** A config-like object: keys to camelCase, `*_hex` to bytes, properties converted. */
function inputObj(o) {
  const out = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'properties' || k === 'connect_properties') out[camel(k)] = propsIn(v);
    else if (k.endsWith('_hex')) out[camel(k.slice(0, -4))] = v === null ? null : unhex(v);
    else if (isPlain(v)) out[camel(k)] = inputObj(v);
    else out[camel(k)] = v;
  }
  return out;
}

// Keys whose values are JSON payloads: kept as they are.
const JSON_KEYS = new Set(['command', 'request', 'response', 'message', 'paras', 'failure', 'initConfig']);

/** The canonical view (§2) of what the API returned. */
export function view(v) {
  if (v === undefined || v === null) return null;
  if (v instanceof Error) return { kind: v.kind, code: v.code, reason_code: v.reasonCode };
  if (Array.isArray(v)) return v.map(view);
  if (v instanceof Uint8Array) return hex(v);
  if (typeof v !== 'object') return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'ackToken') continue;
    if (JSON_KEYS.has(k)) out[snake(k)] = x;
    else if (x instanceof Uint8Array) out[snake(k) + '_hex'] = hex(x);
    else out[snake(k)] = view(x);
  }
  return out;
}

// ------------------------------------------------------------------ matching (§1.3)

function jsonEq(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEq(x, b[i]));
  }
  if (isPlain(a) && isPlain(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEq(a[k], b[k]));
  }
  return a === b;
}

const normHex = (v, p) => {
  if (v === null) return null;
  if (typeof v !== 'string') throw new Error(`${p}: expected hex or null, got ${JSON.stringify(v)}`);
  return hex(unhex(v));
};

export function matches(exp, act, p) {
  if (isPlain(exp)) {
    if (!isPlain(act)) throw new Error(`${p}: expected an object, got ${JSON.stringify(act)}`);
    for (const [k, ev] of Object.entries(exp)) {
      const q = `${p}.${k}`;
      if (k in act) {
        if (k.endsWith('_hex')) {
          const [e, a] = [normHex(ev, q), normHex(act[k], q)];
          if (e !== a) throw new Error(`${q}: expected ${e}, got ${a}`);
        } else matches(ev, act[k], q);
      } else if (ev === null) {
        // Rule 5: null matches an absent key.
      } else if (k.endsWith('_json')) {
        const base = k.slice(0, -5);
        const h = act[`${base}_hex`];
        if (typeof h !== 'string') throw new Error(`${q}: the view has no ${base}_hex`);
        const parsed = JSON.parse(new TextDecoder().decode(unhex(h)));
        if (!jsonEq(ev, parsed)) throw new Error(`${q}: expected JSON ${JSON.stringify(ev)}, got ${JSON.stringify(parsed)}`);
      } else if (`${k}_hex` in act) {
        if (typeof ev !== 'string') throw new Error(`${q}: text for bytes must be a string`);
        const h = act[`${k}_hex`];
        if (h === null || hex(unhex(h)) !== hex(new TextEncoder().encode(ev))) {
          throw new Error(`${q}: expected ${JSON.stringify(ev)}, got ${h}`);
        }
      } else throw new Error(`${q}: no such field in ${JSON.stringify(act)}`);
    }
    return;
  }
  if (Array.isArray(exp)) {
    if (!Array.isArray(act)) throw new Error(`${p}: expected an array, got ${JSON.stringify(act)}`);
    if (exp.length !== act.length) throw new Error(`${p}: expected ${exp.length} elements, got ${act.length}: ${JSON.stringify(act)}`);
    exp.forEach((e, i) => matches(e, act[i], `${p}[${i}]`));
    return;
  }
  if (exp !== act) throw new Error(`${p}: expected ${JSON.stringify(exp)}, got ${JSON.stringify(act)}`);
}

/** Runs `call`; checks its outcome against `expectError`. Returns {ok, value}. */
function outcome(call, expectError) {
  let value;
  try {
    value = call();
  } catch (e) {
    if (!(e instanceof Error) || typeof e.code !== 'string') throw e;
    if (expectError === undefined) throw new Error(`unexpected error ${JSON.stringify(view(e))} (${e.message})`);
    matches(expectError, view(e), 'error');
    return { ok: false };
  }
  if (expectError !== undefined) throw new Error(`expected error ${JSON.stringify(expectError)}, the call succeeded`);
  return { ok: true, value };
}

// ------------------------------------------------------------------ the runner

export class Runner {
  constructor(api, dir) {
    this.w = api;
    this.dir = dir;
  }

  files() {
    return fs.readdirSync(this.dir).filter((f) => f.endsWith('.json') && fs.statSync(path.join(this.dir, f)).isFile()).sort();
  }

  runFile(fileName) {
    const v = JSON.parse(fs.readFileSync(path.join(this.dir, fileName), 'utf8'));
    const kinds = {
      codec: ['version', 'max_packet_size', 'cases'],
      client: ['config', 'steps'],
      credentials: ['vectors', 'cases'],
      topic: ['cases'],
      device: ['config', 'steps'],
    };
    const extra = kinds[v.kind];
    if (!extra) throw new Error(`unknown kind ${JSON.stringify(v.kind)}`);
    fields(v, 'file', ['name', 'description', 'spec', 'kind', ...extra]);
    if (v.name !== fileName.replace(/\.json$/, '')) throw new Error(`name ${JSON.stringify(v.name)} differs from the file name`);
    if (typeof v.description !== 'string') throw new Error('description: a string');
    if (!Array.isArray(v.spec) || v.spec.length === 0 || !v.spec.every((s) => /^(MQTT-\d+(\.\d+)+(-\d+)?|IOTDA\.md §\d+(\.\d+)*)$/.test(s))) {
      throw new Error(`spec: ${JSON.stringify(v.spec)}`);
    }
    return this[`run_${v.kind}`](v);
  }

  run_codec(m) {
    if (!Array.isArray(m.cases) || m.cases.length === 0) throw new Error('cases: a non-empty array');
    m.cases.forEach((c, i) => {
      try {
        this.codecCase(m, c);
      } catch (e) {
        throw new Error(`case ${i} ${JSON.stringify(c.name ?? '')}: ${e.message}`);
      }
    });
  }

  codecCase(m, c) {
    fields(c, 'case', ['name', 'hex', 'expect', 'reencode_hex', 'expect_error', 'expect_incomplete']);
    const bytes = unhex(c.hex);
    const outcomes = ['expect', 'expect_error', 'expect_incomplete'].filter((k) => k in c).length;
    if (outcomes !== 1) throw new Error('exactly one of expect, expect_error, expect_incomplete');
    if ('reencode_hex' in c && !('expect' in c)) throw new Error('reencode_hex needs expect');
    let d, err;
    try {
      d = this.w.decode(bytes, m.version, m.max_packet_size);
    } catch (e) {
      err = e;
    }
    if ('expect' in c) {
      if (err) throw new Error(`decode failed: ${err.message}`);
      if (d.packet === null) throw new Error(`incomplete: ${d.needed} more bytes needed`);
      if (d.length !== bytes.length) throw new Error(`the packet uses ${d.length} of the ${bytes.length} bytes`);
      matches(c.expect, view(d.packet), 'packet');
      const want = c.reencode_hex !== undefined ? unhex(c.reencode_hex) : bytes;
      const out = this.w.encode(d.packet, m.version);
      if (hex(out) !== hex(want)) throw new Error(`re-encoded as ${hex(out)}, expected ${hex(want)}`);
    } else if ('expect_error' in c) {
      const e = fields(c.expect_error, 'expect_error', ['violation', 'offset']);
      if (!err) throw new Error(`expected ${e.violation} at ${e.offset}, decoding succeeded`);
      if (err.kind !== 'malformed' || err.code !== e.violation || err.offset !== e.offset) {
        throw new Error(`expected ${e.violation} at ${e.offset}, got ${err.code} at ${err.offset}`);
      }
      if (typeof err.rule !== 'string' || !err.rule.startsWith('MQTT-')) throw new Error(`no rule on the error: ${err.rule}`);
    } else {
      if (err) throw new Error(`expected incomplete, got ${err.message}`);
      if (d.packet !== null || d.needed !== c.expect_incomplete) {
        throw new Error(`expected incomplete, ${c.expect_incomplete} more bytes; got ${JSON.stringify(view(d))}`);
      }
    }
  }

  run_credentials(m) {
    const cases = [];
    if (m.vectors != null) {
      const file = JSON.parse(fs.readFileSync(path.join(this.dir, m.vectors), 'utf8'));
      if (!Array.isArray(file.cases)) throw new Error(`vectors ${m.vectors}: no cases array`);
      cases.push(...file.cases.map((c) => [`${m.vectors} `, c]));
    }
    if (m.cases != null) {
      if (!Array.isArray(m.cases)) throw new Error('cases: an array');
      cases.push(...m.cases.map((c) => ['', c]));
    }
    if (cases.length === 0) throw new Error('no credentials case');
    cases.forEach(([origin, c], i) => {
      try {
        this.credentialsCase(c);
      } catch (e) {
        throw new Error(`case ${i} (${origin}${JSON.stringify(c.name ?? '')}): ${e.message}`);
      }
    });
  }

  credentialsCase(c) {
    fields(c, 'case', ['name', 'kind', 'device_id', 'secret', 'group_secret', 'scope_id', 'sig_type', 'utc', 'timestamp',
      'client_id', 'username', 'password', 'derived_secret', 'expect_error']);
    const outputs = ['client_id', 'username', 'password', 'derived_secret'];
    if ('expect_error' in c && outputs.some((k) => k in c)) throw new Error('expect_error excludes expected values');
    const need = { secret: ['secret'], bridge: ['secret'], bootstrap_group_secret: ['group_secret', 'scope_id'], bootstrap_certificate: ['scope_id'], certificate: [] }[c.kind];
    if (!need) throw new Error(`unknown credentials kind ${JSON.stringify(c.kind)}`);
    for (const k of ['device_id', ...need]) if (typeof c[k] !== 'string') throw new Error(`missing field ${k}`);
    if (('utc' in c) === ('timestamp' in c)) throw new Error('exactly one of utc, timestamp');
    const auth = { kind: c.kind, deviceId: c.device_id, secret: c.secret, groupSecret: c.group_secret, scopeId: c.scope_id, sigType: c.sig_type ?? 0 };
    const check = (key, got) => {
      if (key in c && c[key] !== got) throw new Error(`${key}: got ${JSON.stringify(got)}, expected ${JSON.stringify(c[key])}`);
    };
    if ('timestamp' in c) {
      if (outputs.some((k) => k !== 'password' && k in c)) throw new Error('a timestamp case checks only password');
      const r = outcome(() => {
        // The identity is checked as a whole first (any valid time), then the timestamp.
        const login = this.w.iotdaCredentials(auth, '2000-01-01T00:00:00Z');
        const secret = login.derivedSecret ?? c.secret;
        if (secret === undefined) throw new Error('a timestamp case needs a secret');
        return this.w.computePassword(secret, c.timestamp, c.sig_type ?? 0);
      }, c.expect_error);
      if (r.ok) check('password', r.value);
      return;
    }
    const r = outcome(() => this.w.iotdaCredentials(auth, c.utc), c.expect_error);
    if (!r.ok) return;
    check('client_id', r.value.clientId);
    check('username', r.value.username);
    check('password', r.value.password);
    check('derived_secret', r.value.derivedSecret);
    if (!outputs.some((k) => k in c)) throw new Error('a case checks nothing');
  }

  run_topic(m) {
    if (!Array.isArray(m.cases) || m.cases.length === 0) throw new Error('cases: a non-empty array');
    m.cases.forEach((c, i) => {
      try {
        fields(c, 'case', ['name', 'parse', 'expect', 'build', 'expect_topic', 'expect_error']);
        if ('parse' in c && !('build' in c)) {
          if ('expect_topic' in c || 'expect_error' in c) throw new Error('a parse case has expect only');
          const parsed = this.w.parseTopic(c.parse);
          const v = view(parsed);
          matches(c.expect, v, 'topic');
          if (parsed.type !== 'unknown') {
            const { direction, ...parts } = parsed;
            const back = this.w.buildTopic(parts);
            if (back !== c.parse) throw new Error(`the parsed topic builds as ${JSON.stringify(back)}`);
          }
        } else if ('build' in c && !('parse' in c)) {
          if ('expect' in c) throw new Error('a build case has expect_topic or expect_error');
          if (('expect_topic' in c) === ('expect_error' in c)) throw new Error('exactly one of expect_topic, expect_error');
          const r = outcome(() => this.w.buildTopic(inputObj(c.build)), c.expect_error);
          if (r.ok && r.value !== c.expect_topic) throw new Error(`built ${JSON.stringify(r.value)}, expected ${JSON.stringify(c.expect_topic)}`);
        } else throw new Error('a case has exactly one of parse, build');
      } catch (e) {
        throw new Error(`case ${i} ${JSON.stringify(c.name ?? '')}: ${e.message}`);
      }
    });
  }

  run_client(m) {
    const config = inputObj(m.config);
    const t = { kind: 'client', obj: new this.w.Client(config), config };
    this.runSteps(t, m.steps);
  }

  run_device(m) {
    const config = inputObj(m.config);
    const t = { kind: 'device', obj: new this.w.IotdaDevice(config), config };
    this.runSteps(t, m.steps);
  }

  runSteps(t, steps) {
    if (!Array.isArray(steps) || steps.length === 0) throw new Error('steps: a non-empty array');
    const s = { clock: 0, tokens: new Map() };
    steps.forEach((step, i) => {
      try {
        this.step(t, s, step);
      } catch (e) {
        throw new Error(`step ${i} (${step.op}): ${e.message}`);
      }
    });
    const left = this.transmitted(t, s.clock);
    if (left.length) throw new Error(`after the last step: bytes left to transmit: ${hex(left)}`);
    const e = this.pollView(t, s);
    if (e !== null) throw new Error(`after the last step: event left: ${JSON.stringify(e)}`);
  }

  transmitted(t, now) {
    const chunks = [];
    for (let i = 0; i < 100000; i++) {
      const b = t.obj.pollTransmit(now);
      if (b === undefined) return Uint8Array.from(chunks.flatMap((c) => Array.from(c)));
      chunks.push(b);
    }
    throw new Error('pollTransmit never ran dry');
  }

  pollView(t, s) {
    const e = t.obj.pollEvent();
    if (e === null) return null;
    if (e.type === 'message' && e.packetId !== null && e.ackToken !== null) s.tokens.set(e.packetId, e.ackToken);
    return view(e);
  }

  step(t, s, step) {
    const common = {
      connect: ['expect_error'], disconnect: ['expect_error'], timeout: [], closed: [], expect_no_transmit: [],
      expect_no_event: [], receive: ['hex'], expect_transmit: ['hex', 'packets'], expect_event: ['event'],
      expect_timeout: ['at', 'at_least', 'at_most'], expect_state: ['state'],
    };
    const own = t.kind === 'client' ? {
      handle_connected: [], set_credentials: ['username', 'password', 'password_hex', 'expect_error'],
      publish: ['topic', 'payload', 'payload_hex', 'qos', 'retain', 'properties', 'expect_packet_id', 'expect_error'],
      subscribe: ['subscriptions', 'properties', 'expect_packet_id', 'expect_error'],
      unsubscribe: ['filters', 'properties', 'expect_packet_id', 'expect_error'], ack: ['packet_id', 'expect_error'],
      auth_continue: ['data_hex', 'expect_error'], reauthenticate: ['data_hex', 'expect_error'], snapshot: [], restart: [],
    } : {
      handle_connected: ['utc'], respond_command: ['request_id', 'response', 'expect_error'],
      respond_properties_set: ['request_id', 'response', 'expect_error'], respond_properties_get: ['request_id', 'response', 'expect_error'],
      report_properties: ['report', 'suffix', 'request_id', 'expect_error'],
      send_message: ['payload', 'payload_hex', 'suffix', 'request_id', 'expect_error'],
      publish: ['topic', 'payload', 'payload_hex', 'qos', 'retain', 'expect_error'],
      subscribe: ['filter', 'qos', 'expect_packet_id', 'expect_error'], unsubscribe: ['filter', 'expect_packet_id', 'expect_error'],
      get_shadow: ['service_id', 'object_device_id', 'expect_request_id', 'expect_error'],
    };
    const op = step.op;
    const allowed = common[op] ?? own[op];
    if (!allowed) throw new Error(`unknown op ${JSON.stringify(op)}`);
    fields(step, 'step', ['op', 'now', ...allowed]);
    if ('now' in step) {
      if (step.now < s.clock) throw new Error(`now ${step.now} is before the clock ${s.clock}`);
      s.clock = step.now;
    }
    const now = s.clock;
    const o = t.obj;
    const xe = step.expect_error;
    const expectId = (got) => {
      if ('expect_packet_id' in step && step.expect_packet_id !== (got ?? null)) {
        throw new Error(`packet id ${got}, expected ${step.expect_packet_id}`);
      }
    };
    switch (op) {
      case 'connect': outcome(() => o.connect(), xe); break;
      case 'disconnect': outcome(() => o.disconnect(), xe); break;
      case 'receive': o.handleBytes(now, unhex(step.hex)); break;
      case 'timeout': o.handleTimeout(now); break;
      case 'closed': o.handleClosed(now); break;
      case 'handle_connected':
        if (t.kind === 'client') o.handleConnected(now);
        else o.handleConnected(now, step.utc);
        break;
      case 'expect_transmit': {
        const got = this.transmitted(t, now);
        if (('hex' in step) === ('packets' in step)) throw new Error('exactly one of hex, packets');
        if ('hex' in step) {
          if (hex(got) !== hex(unhex(step.hex))) throw new Error(`transmitted ${hex(got)}\n      expected    ${hex(unhex(step.hex))}`);
        } else {
          const views = [];
          for (let rest = got; rest.length > 0;) {
            const d = this.w.decode(rest, o.protocol);
            if (d.packet === null) throw new Error(`transmitted bytes end in a partial packet: ${hex(rest)}`);
            views.push(view(d.packet));
            rest = rest.subarray(d.length);
          }
          matches(step.packets, views, 'packets');
        }
        break;
      }
      case 'expect_no_transmit': {
        const got = this.transmitted(t, now);
        if (got.length) throw new Error(`transmitted ${hex(got)}`);
        break;
      }
      case 'expect_event': {
        const e = this.pollView(t, s);
        if (e === null) throw new Error('no event');
        try {
          matches(step.event, e, 'event');
        } catch (err) {
          throw new Error(`${err.message}\n      event ${JSON.stringify(e)}`);
        }
        break;
      }
      case 'expect_no_event': {
        const e = this.pollView(t, s);
        if (e !== null) throw new Error(`got ${JSON.stringify(e)}`);
        break;
      }
      case 'expect_timeout': {
        const got = o.pollTimeout();
        if ('at' in step && !('at_least' in step) && !('at_most' in step)) {
          if (got !== step.at) throw new Error(`deadline ${got}, expected ${step.at}`);
        } else if (!('at' in step) && 'at_least' in step && 'at_most' in step) {
          if (got === null || got < step.at_least || got > step.at_most) throw new Error(`deadline ${got}, expected in [${step.at_least}, ${step.at_most}]`);
        } else throw new Error('expect_timeout: at, or at_least and at_most');
        break;
      }
      case 'expect_state':
        if (o.state !== step.state) throw new Error(`state ${o.state}, expected ${step.state}`);
        break;
      default:
        if (t.kind === 'client') this.clientOp(t, s, step, expectId);
        else this.deviceOp(t, step, now, expectId);
    }
  }

  clientOp(t, s, step, expectId) {
    const o = t.obj;
    const xe = step.expect_error;
    switch (step.op) {
      case 'set_credentials':
        outcome(() => o.setCredentials(step.username ?? null, bytesField(step, 'password', 'step')), xe);
        break;
      case 'publish': {
        const r = outcome(() => o.publish(step.topic, bytesField(step, 'payload', 'step') ?? new Uint8Array(), step.qos ?? 0,
          step.retain ?? false, propsIn(step.properties)), xe);
        if (r.ok) expectId(r.value);
        break;
      }
      case 'subscribe': {
        if (!Array.isArray(step.subscriptions)) throw new Error('subscriptions: an array');
        const r = outcome(() => o.subscribe(step.subscriptions.map(inputObj), propsIn(step.properties)), xe);
        if (r.ok) expectId(r.value);
        break;
      }
      case 'unsubscribe': {
        const r = outcome(() => o.unsubscribe(step.filters, propsIn(step.properties)), xe);
        if (r.ok) expectId(r.value);
        break;
      }
      case 'ack': {
        const token = s.tokens.get(step.packet_id);
        if (token === undefined) throw new Error(`no message event with packet id ${step.packet_id} was taken`);
        outcome(() => o.ack(token), xe);
        break;
      }
      case 'auth_continue': outcome(() => o.authContinue(unhex(step.data_hex)), xe); break;
      case 'reauthenticate': outcome(() => o.reauthenticate(unhex(step.data_hex)), xe); break;
      case 'snapshot': o.snapshot(); break;
      case 'restart': {
        const snap = o.snapshot();
        t.obj = new this.w.Client(t.config);
        t.obj.restore(snap);
        s.tokens.clear();
        break;
      }
      default: throw new Error(`unknown op ${step.op}`);
    }
  }

  deviceOp(t, step, now, expectId) {
    const o = t.obj;
    const xe = step.expect_error;
    const suffix = () => step.suffix ?? undefined;
    switch (step.op) {
      case 'respond_command': outcome(() => o.respondCommand(step.request_id, step.response), xe); break;
      case 'respond_properties_set': outcome(() => o.respondPropertiesSet(step.request_id, step.response), xe); break;
      case 'respond_properties_get': outcome(() => o.respondPropertiesGet(step.request_id, step.response), xe); break;
      case 'report_properties': outcome(() => o.reportProperties(step.report, suffix(), step.request_id ?? undefined), xe); break;
      case 'send_message':
        outcome(() => o.sendMessage(bytesField(step, 'payload', 'step') ?? new Uint8Array(), suffix(), step.request_id ?? undefined), xe);
        break;
      case 'publish':
        outcome(() => o.publish(step.topic, bytesField(step, 'payload', 'step') ?? new Uint8Array(), step.qos ?? 0, step.retain ?? false), xe);
        break;
      case 'subscribe': {
        const r = outcome(() => o.subscribe(step.filter, step.qos ?? 0), xe);
        if (r.ok) expectId(r.value);
        break;
      }
      case 'unsubscribe': {
        const r = outcome(() => o.unsubscribe(step.filter), xe);
        if (r.ok) expectId(r.value);
        break;
      }
      case 'get_shadow': {
        const r = outcome(() => o.getShadow(step.service_id ?? undefined, step.object_device_id ?? undefined), xe);
        if (r.ok && 'expect_request_id' in step && r.value !== step.expect_request_id) {
          throw new Error(`request id ${r.value}, expected ${step.expect_request_id}`);
        }
        break;
      }
      default: throw new Error(`unknown op ${step.op}`);
    }
  }
}
