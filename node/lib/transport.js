'use strict';
// The byte transports of the driver: TCP (node:net), TLS (node:tls) and WebSocket (the `ws`
// package, binary frames, subprotocol "mqtt"). Each is a small object with write/end/destroy
// and callbacks; none knows anything about MQTT.
const net = require('node:net');
const tls = require('node:tls');
const fs = require('node:fs');

/** Unwritten bytes above which the driver stops taking output from the core until a drain. */
const HIGH_WATER = 1 << 20;

/** Reads a PEM option given as contents or as `…File` path. */
function pem(opts, key) {
  if (opts[key] !== undefined) return opts[key];
  const file = opts[`${key}File`];
  return file === undefined ? undefined : fs.readFileSync(file);
}

/** TLS settings of the options (`ca`/`caFile`, `cert`/`certFile`, `key`/`keyFile`, …). */
function tlsOptions(opts = {}) {
  const out = {};
  for (const k of ['ca', 'cert', 'key']) {
    const v = pem(opts, k);
    if (v !== undefined) out[k] = v;
  }
  if (opts.passphrase !== undefined) out.passphrase = opts.passphrase;
  if (opts.servername !== undefined) out.servername = opts.servername;
  if (opts.rejectUnauthorized !== undefined) out.rejectUnauthorized = opts.rejectUnauthorized;
  if (opts.ALPNProtocols !== undefined) out.ALPNProtocols = opts.ALPNProtocols;
  return out;
}

/** Where to connect, from a URL (`mqtt:`, `mqtts:`, `tcp:`, `tls:`, `ws:`, `wss:`) or fields. */
function endpoint(options) {
  if (options.url) {
    const u = new URL(options.url);
    const scheme = u.protocol.replace(/:$/, '');
    const kind = { mqtt: 'tcp', tcp: 'tcp', mqtts: 'tls', tls: 'tls', ssl: 'tls', ws: 'ws', wss: 'wss' }[scheme];
    if (!kind) throw new TypeError(`unsupported URL scheme ${JSON.stringify(scheme)}`);
    const port = u.port ? Number(u.port) : { tcp: 1883, tls: 8883, ws: 80, wss: 443 }[kind];
    return { kind, host: u.hostname.replace(/^\[|\]$/g, ''), port, url: options.url, path: u.pathname };
  }
  const kind = options.transport || 'tcp';
  if (!['tcp', 'tls', 'ws', 'wss'].includes(kind)) throw new TypeError(`unsupported transport ${JSON.stringify(kind)}`);
  const host = options.host || 'localhost';
  const port = options.port || { tcp: 1883, tls: 8883, ws: 80, wss: 443 }[kind];
  const path = options.path || '/mqtt';
  const url = kind === 'ws' || kind === 'wss' ? `${kind}://${host.includes(':') ? `[${host}]` : host}:${port}${path}` : undefined;
  return { kind, host, port, url, path };
}

/**
 * Opens a transport. `on` receives `open()`, `data(buffer)`, `error(err)` and `close()`
 * (exactly once, also after a failed open).
 */
function open(ep, options, on) {
  if (ep.kind === 'ws' || ep.kind === 'wss') return openWs(ep, options, on);
  let closed = false;
  const done = () => { if (!closed) { closed = true; on.close(); } };
  const sock = ep.kind === 'tls'
    ? tls.connect({ host: ep.host, port: ep.port, servername: net.isIP(ep.host) ? undefined : ep.host, ...tlsOptions(options.tls) })
    : net.connect({ host: ep.host, port: ep.port });
  sock.setNoDelay(true);
  sock.once(ep.kind === 'tls' ? 'secureConnect' : 'connect', () => on.open());
  sock.on('data', (d) => on.data(d));
  sock.on('error', (e) => on.error(e));
  sock.on('close', done);
  sock.on('drain', () => on.drain());
  return {
    write: (buf) => sock.write(buf),
    get backlog() { return sock.writableLength; },
    end: () => sock.end(),
    destroy: () => sock.destroy(),
  };
}

function openWs(ep, options, on) {
  // Loaded when first needed: only WebSocket users need `ws`.
  const WebSocket = require('ws');
  let closed = false;
  const done = () => { if (!closed) { closed = true; on.close(); } };
  const ws = new WebSocket(ep.url, ['mqtt'], {
    ...tlsOptions(options.tls),
    ...(options.wsOptions || {}),
  });
  ws.binaryType = 'nodebuffer';
  ws.on('open', () => on.open());
  ws.on('message', (d) => on.data(d));
  ws.on('error', (e) => on.error(e));
  ws.on('close', done);
  return {
    write: (buf) => { ws.send(buf, { binary: true }, () => on.drain()); return ws.bufferedAmount < HIGH_WATER; },
    get backlog() { return ws.bufferedAmount; },
    end: () => ws.close(1000),
    destroy: () => ws.terminate(),
  };
}

module.exports = { endpoint, open, tlsOptions, HIGH_WATER };
