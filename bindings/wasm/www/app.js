// The page: three tools over the iotmqtt WebAssembly core. No framework, no network access
// except the WebSocket the device console opens.

import init, * as iot from './pkg/iotmqtt_wasm.js';

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'tabindex' || k === 'for') e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
};
const hex2 = (b) => b.toString(16).padStart(2, '0');
/** The text of a thrown core error: its code, rule and message. */
const describe = (e) => (e && e.code ? `${e.code}${e.rule ? ` (${e.rule})` : ''}: ${e.message}` : String(e));

// ---------------------------------------------------------------- tabs

function setupTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab, focus) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    }
    if (focus) tab.focus();
    history.replaceState(null, '', `#${tab.id.replace('tab-', '')}`);
  };
  tabs.forEach((t, i) => {
    t.addEventListener('click', () => select(t, false));
    t.addEventListener('keydown', (e) => {
      const d = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (d) select(tabs[(i + d + tabs.length) % tabs.length], true);
      if (e.key === 'Home') select(tabs[0], true);
      if (e.key === 'End') select(tabs[tabs.length - 1], true);
    });
  });
  const wanted = tabs.find((t) => t.id === `tab-${location.hash.slice(1)}`);
  if (wanted) select(wanted, false);
}

function setupCopy() {
  document.addEventListener('click', async (e) => {
    const b = e.target.closest('button.copy');
    if (!b) return;
    const value = $(b.dataset.copy).value;
    if (!value) return;
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      $(b.dataset.copy).select();
      document.execCommand('copy');
    }
    b.textContent = 'Copied';
    b.classList.add('done');
    $('cred-status').textContent = `${b.dataset.copy.replace('cred-', '').replace('-', ' ')} copied`;
    setTimeout(() => { b.textContent = 'Copy'; b.classList.remove('done'); }, 1500);
  });
}

// ---------------------------------------------------------------- 1. credentials

const isoNow = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function setupCredentials() {
  const ids = ['cred-device', 'cred-secret', 'cred-sig', 'cred-time'];
  const out = { clientId: $('cred-client-id'), username: $('cred-username'), password: $('cred-password') };
  $('cred-time').value = isoNow();
  const update = () => {
    const device = $('cred-device').value.trim();
    const secret = $('cred-secret').value;
    const err = $('cred-error');
    err.hidden = true;
    if (!device || !secret) {
      for (const o of Object.values(out)) o.value = '';
      $('cred-note').textContent = 'Fill in the device to compute its login.';
      return;
    }
    try {
      const c = iot.iotdaCredentials({ deviceId: device, secret, sigType: Number($('cred-sig').value) }, $('cred-time').value.trim());
      out.clientId.value = c.clientId;
      out.username.value = c.username;
      out.password.value = c.password ?? '';
      const hour = c.clientId.slice(-10);
      $('cred-note').textContent = `Valid for the hour ${hour.slice(0, 4)}-${hour.slice(4, 6)}-${hour.slice(6, 8)} ${hour.slice(8)}:00 UTC.`;
    } catch (e) {
      for (const o of Object.values(out)) o.value = '';
      err.textContent = describe(e);
      err.hidden = false;
      $('cred-note').textContent = '';
    }
  };
  for (const id of ids) $(id).addEventListener('input', update);
  $('cred-now').addEventListener('click', () => { $('cred-time').value = isoNow(); update(); });
  $('cred-reveal').addEventListener('click', (e) => {
    const shown = $('cred-secret').type === 'text';
    $('cred-secret').type = shown ? 'password' : 'text';
    e.target.textContent = shown ? 'Show' : 'Hide';
    e.target.setAttribute('aria-pressed', String(!shown));
  });
  update();
}

// ---------------------------------------------------------------- 2. inspector

/** Bytes from hex text: whitespace, commas, `0x` and `\x` prefixes and colons are ignored. */
export function parseHex(text) {
  const digits = text.replace(/0x|\\x/gi, '').replace(/[\s,:;]/g, '');
  if (/[^0-9a-f]/i.test(digits)) throw new Error('the input holds characters that are not hex digits');
  if (digits.length % 2) throw new Error('the input has an odd number of hex digits');
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const LABELS = {
  fixed_header: 'Fixed header', packet_type: 'Packet type', flags: 'Flags', remaining_length: 'Remaining length',
  dup: 'DUP', qos: 'QoS', retain: 'RETAIN', protocol_name: 'Protocol name', protocol_level: 'Protocol level',
  connect_flags: 'Connect flags', username_flag: 'User name flag', password_flag: 'Password flag', will_retain: 'Will retain',
  will_qos: 'Will QoS', will_flag: 'Will flag', clean_start: 'Clean start', reserved: 'Reserved', keep_alive: 'Keep alive',
  properties: 'Properties', property_length: 'Property length', property: 'Property', identifier: 'Identifier', value: 'Value',
  name: 'Name', client_id: 'Client ID', will: 'Will', topic: 'Topic', payload: 'Payload', username: 'User name',
  password: 'Password', connack_flags: 'Acknowledge flags', session_present: 'Session present', reason_code: 'Reason code',
  packet_id: 'Packet identifier', subscription: 'Subscription', topic_filter: 'Topic filter', options: 'Options',
  no_local: 'No local', retain_as_published: 'Retain as published', retain_handling: 'Retain handling', length: 'Length',
};
const words = (name) => name.replace(/([a-z])([A-Z])/g, '$1 $2');

function valueText(f) {
  switch (f.kind) {
    case 'group': return f.key === 'property' ? words(f.name) : '';
    case 'code': return `${f.value} · ${words(f.name)}`;
    case 'str': return JSON.stringify(f.value);
    case 'bytes': {
      const b = f.value;
      let text = null;
      try { text = new TextDecoder('utf-8', { fatal: true }).decode(b); } catch { /* binary */ }
      const shown = text !== null && !/[\x00-\x08\x0e-\x1f]/.test(text) ? JSON.stringify(text) : Array.from(b.subarray(0, 64), hex2).join(' ');
      return `${shown}${b.length > 64 && text === null ? ' …' : ''} (${b.length} byte${b.length === 1 ? '' : 's'})`;
    }
    case 'secret': return `hidden (${f.value} byte${f.value === 1 ? '' : 's'})`;
    default: return String(f.value);
  }
}

function renderHex(bytes, base) {
  const dump = el('div', { class: 'hexdump', role: 'img', 'aria-label': `${bytes.length} bytes` });
  for (let row = 0; row < bytes.length; row += 16) {
    const hexs = el('span', { class: 'hexbytes' });
    const ascii = el('span', { class: 'hexascii' });
    for (let i = row; i < Math.min(row + 16, bytes.length); i++) {
      hexs.append(el('span', { 'data-offset': String(i), text: hex2(bytes[i]), title: `byte ${base + i}` }));
      const c = bytes[i];
      ascii.append(el('span', { 'data-offset': String(i), text: c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '·' }));
    }
    dump.append(el('div', { class: 'hexrow' }, el('span', { class: 'hexoff', text: (base + row).toString(16).padStart(4, '0') }), hexs, ascii));
  }
  return dump;
}

function renderTree(fields, base, nodes, root = true) {
  const ul = el('ul', root ? { class: 'tree', 'aria-label': 'Fields' } : {});
  for (const f of fields) {
    const range = f.end - f.start === 1 ? `${base + f.start}` : `${base + f.start}–${base + f.end - 1}`;
    const label = `${LABELS[f.key] ?? f.key} ${valueText(f)}, byte${f.end - f.start === 1 ? '' : 's'} ${range}`;
    const node = el('div', { class: 'node', tabindex: '0', 'aria-label': label, 'data-key': f.key, 'data-start': String(f.start), 'data-end': String(f.end) },
      el('span', { class: 'k', text: LABELS[f.key] ?? f.key }),
      el('span', { class: `v ${f.kind}`, text: valueText(f) }),
      el('span', { class: 'r', text: f.end > f.start ? `[${range}]` : '' }));
    nodes.push(node);
    const li = el('li', {}, node);
    if (f.children.length) li.append(renderTree(f.children, base, nodes, false));
    ul.append(li);
  }
  return ul;
}

/** One packet (or the malformed rest): its hex, its fields, and the links between them. */
function renderPacket(bytes, base, result, index, version) {
  const bad = result.error;
  const title = result.packet ? result.packet.type.toUpperCase() : bad ? 'Malformed packet' : 'Incomplete packet';
  const card = el('article', { class: 'card packet', 'aria-label': `Packet ${index + 1}: ${title}` });
  const head = el('div', { class: 'packet-head' }, el('h3', { text: `${index + 1}. ${title}` }),
    el('span', { class: 'pill', text: `bytes ${base}–${base + bytes.length - 1}` }),
    el('span', { class: 'pill', text: `MQTT ${version === '5' ? '5.0' : version}` }));
  if (bad) head.append(el('span', { class: 'pill bad', text: bad.code }));
  card.append(head);
  if (bad) {
    card.append(el('div', { class: 'alert', role: 'alert' },
      el('strong', { text: `Malformed at byte ${base + bad.offset}: ` }), el('code', { text: bad.code }),
      ` — rule `, el('code', { text: bad.rule }), `: ${bad.message.replace(/^.*?at byte \d+: /, '').replace(/ \[MQTT-[^\]]*\]$/, '')}.`));
  } else if (result.needed !== null) {
    card.append(el('div', { class: 'alert', role: 'alert', text: `The input ends inside this packet: ${result.needed} more byte${result.needed === 1 ? '' : 's'} needed.` }));
  }
  const nodes = [];
  const dump = renderHex(bytes, base);
  const tree = renderTree(result.fields, base, nodes);
  const cells = [...dump.querySelectorAll('[data-offset]')];
  if (bad) {
    for (const c of cells) {
      const o = Number(c.dataset.offset);
      if (o === bad.offset) c.classList.add('bad');
      else if (o > bad.offset) c.classList.add('after-bad');
    }
    const culprit = nodes.filter((n) => Number(n.dataset.start) <= bad.offset && bad.offset < Number(n.dataset.end)).pop();
    culprit?.classList.add('bad-field');
  }
  const clear = () => {
    for (const c of cells) c.classList.remove('hl', 'hl-strong');
    for (const n of nodes) n.classList.remove('active');
  };
  const light = (node) => {
    clear();
    node.classList.add('active');
    const [s, e] = [Number(node.dataset.start), Number(node.dataset.end)];
    for (const c of cells) {
      const o = Number(c.dataset.offset);
      if (o >= s && o < e) c.classList.add(node.dataset.key === 'fixed_header' || nodes.indexOf(node) === 0 ? 'hl' : 'hl-strong');
    }
  };
  for (const n of nodes) {
    n.addEventListener('mouseenter', () => light(n));
    n.addEventListener('focus', () => light(n));
    n.addEventListener('mouseleave', clear);
    n.addEventListener('blur', clear);
  }
  for (const c of cells) {
    c.addEventListener('mouseenter', () => {
      const o = Number(c.dataset.offset);
      // The deepest field that holds this byte.
      const hit = nodes.filter((n) => Number(n.dataset.start) <= o && o < Number(n.dataset.end)).pop();
      if (hit) light(hit);
    });
    c.addEventListener('mouseleave', clear);
  }
  card.append(el('div', { class: 'packet-body' }, dump, el('div', { class: 'fields' }, tree)));
  return card;
}

function inspectBytes(all) {
  const version = $('insp-version').value;
  const list = $('insp-packets');
  list.replaceChildren();
  if (all.length === 0) {
    $('insp-summary').textContent = 'No bytes to inspect.';
    return;
  }
  let off = 0;
  let count = 0;
  let verdict = '';
  while (off < all.length && count < 200) {
    const rest = all.subarray(off);
    const r = iot.inspect(rest, version);
    if (r.packet) {
      list.append(renderPacket(rest.subarray(0, r.length), off, r, count, version));
      off += r.length;
      count++;
      continue;
    }
    list.append(renderPacket(rest, off, r, count, version));
    verdict = r.error ? ` Stopped at byte ${off + r.error.offset}: ${r.error.code} (${r.error.rule}).` : ` The last ${rest.length} bytes are an incomplete packet.`;
    break;
  }
  const decoded = verdict ? count : count;
  $('insp-summary').textContent = `${all.length} bytes, ${decoded} packet${decoded === 1 ? '' : 's'} decoded.${verdict}`;
}

function setupInspector() {
  const run = () => {
    try {
      inspectBytes(parseHex($('insp-hex').value));
    } catch (e) {
      $('insp-packets').replaceChildren(el('div', { class: 'alert', role: 'alert', text: e.message }));
      $('insp-summary').textContent = '';
    }
  };
  $('insp-form').addEventListener('submit', (e) => { e.preventDefault(); run(); });
  $('insp-version').addEventListener('change', () => { if ($('insp-hex').value.trim()) run(); });
  $('insp-example').addEventListener('click', () => {
    $('insp-version').value = '5';
    // CONNECT 5.0 (with a Session Expiry property), then a QoS 1 PUBLISH with a Content Type.
    $('insp-hex').value = '10 1d 00 04 4d 51 54 54 05 c2 00 3c 05 11 00 00 0e 10 00 05 64 65 76 2d 31 00 01 75 00 01 70\n'
      + '32 25 00 0b 73 65 6e 73 6f 72 2f 74 65 6d 70 00 07 13 03 00 10 61 70 70 6c 69 63 61 74 69 6f 6e 2f 6a 73 6f 6e 7b 7d';
    run();
  });
  $('insp-file').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    $('insp-hex').value = Array.from(bytes.subarray(0, 1 << 16), hex2).join(' ');
    inspectBytes(bytes);
  });
}

// ---------------------------------------------------------------- 3. device console

/** Moves bytes and time between a WebSocket and the sans-IO device; makes no protocol decision. */
class WebSocketDriver {
  constructor(device, url, on) {
    this.device = device;
    this.url = url;
    this.on = on;
    this.ws = null;
    this.timer = null;
    this.stopped = false;
  }

  now() { return performance.now(); }

  open() {
    const ws = new WebSocket(this.url, 'mqtt');
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.addEventListener('open', () => {
      if (ws !== this.ws) return;
      this.on.log('ws', `WebSocket open (${ws.protocol || 'no subprotocol'})`);
      this.device.handleConnected(this.now(), Date.now());
      this.pump();
    });
    ws.addEventListener('message', (e) => {
      if (ws !== this.ws) return;
      this.device.handleBytes(this.now(), new Uint8Array(e.data));
      this.pump();
    });
    ws.addEventListener('close', (e) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.on.log('ws', `WebSocket closed (${e.code})`);
      this.device.handleClosed(this.now());
      this.pump();
    });
  }

  /** After any input: output first, then the deadline, then events, until nothing moves. */
  pump() {
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (let b; (b = this.device.pollTransmit(this.now())) !== undefined;) {
        moved = true;
        if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(b);
        this.on.sent(b);
      }
      clearTimeout(this.timer);
      const at = this.device.pollTimeout();
      if (at !== null) {
        this.timer = setTimeout(() => { this.device.handleTimeout(this.now()); this.pump(); }, Math.max(0, at - this.now()));
      }
      for (let e; (e = this.device.pollEvent()) !== null;) {
        moved = true;
        this.event(e);
      }
      if (!moved) break;
    }
    this.on.state(this.device.state);
  }

  event(e) {
    if (e.type === 'connection_lost' || e.type === 'disconnected') {
      const ws = this.ws;
      this.ws = null;
      ws?.close();
    }
    // The client asks for a transport when it starts or after its backoff.
    if ((e.type === 'reconnect_due') && !this.stopped) this.open();
    this.on.event(e);
  }

  start() {
    this.device.connect();
    this.open();
    this.pump();
  }

  stop() {
    this.stopped = true;
    try { this.device.disconnect(); } catch { /* already idle */ }
    this.pump();
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    setTimeout(() => ws?.close(), 50);
  }
}

function setupConsole() {
  let driver = null;
  let lastReport = null;
  const log = (cls, text) => {
    const li = el('li', {}, el('time', { text: new Date().toISOString().slice(11, 19) }), el('span', { class: cls, text }));
    $('con-log').append(li);
    $('con-log').scrollTop = $('con-log').scrollHeight;
    while ($('con-log').children.length > 300) $('con-log').firstChild.remove();
  };
  const setState = (s) => {
    $('con-state').textContent = s.replaceAll('_', ' ');
    $('con-state').dataset.state = s;
    const connected = s === 'connected';
    $('con-report').disabled = !connected;
    $('con-connect').disabled = driver !== null && s !== 'idle';
    $('con-disconnect').disabled = driver === null || s === 'idle';
    for (const b of document.querySelectorAll('.command button.send')) b.disabled = !connected || b.dataset.sent === '1';
  };
  const commandCard = (e) => {
    const c = e.command;
    const def = { result_code: 0, response_name: c.command_name ?? 'response', paras: { result: 'ok' } };
    const area = el('textarea', { rows: 3, spellcheck: false, value: JSON.stringify(def, null, 1).replace(/\n\s*/g, ' ') });
    const areaId = `con-resp-${e.requestId.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
    area.id = areaId;
    const err = el('div', { class: 'alert', role: 'alert', hidden: true });
    const send = el('button', { type: 'button', class: 'send', text: 'Send response' });
    const item = el('li', { class: 'command', 'data-request-id': e.requestId },
      el('div', { class: 'command-head' },
        el('strong', { text: `${c.service_id ?? '(no service)'} · ${c.command_name ?? '(no name)'}` }),
        el('span', { class: 'pill', text: `request ${e.requestId}` }),
        c.object_device_id ? el('span', { class: 'pill', text: `for ${c.object_device_id}` }) : null),
      el('pre', { text: JSON.stringify(c.paras ?? {}, null, 2) }),
      el('label', { for: areaId, text: 'Response (JSON)' }), area, err,
      el('div', { class: 'row' }, send));
    send.addEventListener('click', () => {
      err.hidden = true;
      try {
        driver.device.respondCommand(e.requestId, JSON.parse(area.value));
        driver.pump();
        send.dataset.sent = '1';
        send.disabled = true;
        area.readOnly = true;
        item.classList.add('answered');
        item.querySelector('.row').append(el('span', { class: 'done', text: '✓ answered' }));
        log('up', `command ${e.requestId} answered`);
      } catch (x) {
        err.textContent = describe(x);
        err.hidden = false;
      }
    });
    return item;
  };
  const onEvent = (e) => {
    switch (e.type) {
      case 'connected': log('down', `connected (keep-alive ${e.keepAlive} s)`); break;
      case 'connection_lost':
        log('err', `connection lost: ${describe(e.error)}${e.reconnectAt === null ? ' — not retrying' : ''}`);
        if (e.reconnectAt === null) $('con-state').dataset.state = 'refused';
        break;
      case 'command': {
        $('con-commands').prepend(commandCard(e));
        $('con-no-commands').hidden = true;
        $('con-command-count').textContent = String($('con-commands').children.length);
        log('down', `command ${e.command.command_name ?? ''} (request ${e.requestId})`);
        break;
      }
      case 'properties_get': {
        // Answer with what this console last reported (the platform's "query properties").
        const services = lastReport ? [lastReport] : [];
        driver.device.respondPropertiesGet(e.requestId, { services });
        log('down', `properties queried (request ${e.requestId}): answered ${services.length} service(s)`);
        break;
      }
      case 'properties_set':
        driver.device.respondPropertiesSet(e.requestId, { result_code: 0 });
        log('down', `properties set (request ${e.requestId}): answered 0`);
        break;
      case 'publish_acked': log('down', `acknowledged by the platform (packet ${e.packetId})`); break;
      case 'bad_input': log('err', `ignored ${e.topic}: ${e.problem}`); break;
      case 'upstream_failed': log('err', `upstream to ${e.topic} failed: ${describe(e.error)}`); break;
      default: log('down', e.type.replaceAll('_', ' '));
    }
  };
  $('con-url').value = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname || 'localhost'}:8083/mqtt`;
  $('con-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    try {
      const device = new iot.IotdaDevice({
        auth: { deviceId: $('con-device').value.trim(), secret: $('con-secret').value, sigType: Number($('con-sig').value) },
        keepAlive: Number($('con-keepalive').value),
        requestIdSeed: Math.floor(Math.random() * 0xffffff),
        jitterSeed: Math.floor(Math.random() * 0xffffff),
      });
      driver = new WebSocketDriver(device, $('con-url').value.trim(), {
        log, event: onEvent, state: setState, sent: () => {},
      });
      log('up', `connecting ${device.deviceId} to ${$('con-url').value.trim()}`);
      driver.start();
    } catch (x) {
      log('err', describe(x));
      driver = null;
    }
  });
  $('con-disconnect').addEventListener('click', () => {
    driver?.stop();
    log('up', 'disconnected');
    driver = null;
    setState('idle');
  });
  $('con-report').addEventListener('click', () => {
    const err = $('con-report-error');
    err.hidden = true;
    try {
      const properties = JSON.parse($('con-props').value);
      const service = { service_id: $('con-service').value.trim(), properties };
      driver.device.reportProperties({ services: [service] });
      lastReport = service;
      driver.pump();
      log('up', `reported ${$('con-service').value.trim()} ${JSON.stringify(properties)}`);
    } catch (x) {
      err.textContent = describe(x);
      err.hidden = false;
    }
  });
}

// ---------------------------------------------------------------- start

setupTabs();
setupCopy();
try {
  await init();
  setupCredentials();
  setupInspector();
  setupConsole();
  $('engine').textContent = 'WebAssembly core ready';
  $('engine').classList.add('ready');
  document.body.dataset.ready = '1';
} catch (e) {
  $('engine').textContent = `The WebAssembly core failed to load: ${e.message}`;
  $('engine').classList.add('failed');
}
