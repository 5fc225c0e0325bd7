'use strict';
// Test fixtures: a mosquitto on a free loopback port, the iotmqtt emulator, a self-signed CA
// with a server and a client certificate (openssl), and a WebSocket (ws/wss) → TCP bridge for
// brokers without a WebSocket listener. Each process is started by the test and killed by pid.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const https = require('node:https');
const readline = require('node:readline');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function waitForPort(port, ms = 10000) {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tryOnce = () => {
      const sock = net.connect({ host: '127.0.0.1', port }, () => { sock.destroy(); resolve(); });
      sock.on('error', () => {
        sock.destroy();
        if (Date.now() > until) reject(new Error(`port ${port} did not open`));
        else setTimeout(tryOnce, 50);
      });
    };
    tryOnce();
  });
}

function tmpdir() { return fs.mkdtempSync(path.join(os.tmpdir(), 'iotmqtt-node-')); }

/** Starts mosquitto with `extra` config lines on a free loopback port; `stop()` kills it. */
async function mosquitto(extra = '', fixedPort = null) {
  const port = fixedPort ?? await freePort();
  const dir = tmpdir();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\n${extra}\n`);
  const proc = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  await waitForPort(port);
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    log: () => log,
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null) { resolve(); return; }
      proc.once('exit', () => resolve());
      process.kill(proc.pid, 'SIGTERM');
    }),
  };
}

/** The iotmqtt command: $IOTMQTT_BIN or the workspace's debug build. */
function iotmqttBin() {
  const bin = process.env.IOTMQTT_BIN || path.resolve(__dirname, '..', '..', 'target', 'debug', 'iotmqtt');
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: cargo build -p iotmqtt-cli (make node-test does)`);
  return bin;
}

/** Starts `iotmqtt emulator` with a registry; resolves with its ports and a small API client. */
async function emulator(registry) {
  const dir = tmpdir();
  const file = path.join(dir, 'registry.json');
  fs.writeFileSync(file, JSON.stringify(registry));
  const proc = spawn(iotmqttBin(), ['emulator', '--port', '0', '--http', '0', '--ws-port', '0', '--registry', file],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const first = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout });
    rl.once('line', (l) => resolve(l));
    proc.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${log}`)));
  });
  const ports = JSON.parse(first);
  const api = (method, p, body) => new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request({ host: '127.0.0.1', port: ports.http, method, path: p,
      headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(data);
  });
  return {
    ports,
    api,
    log: () => log,
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null) { resolve(); return; }
      proc.once('exit', () => resolve());
      process.kill(proc.pid, 'SIGTERM');
    }),
  };
}

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate, made by openssl. */
function certificates() {
  const dir = tmpdir();
  const f = (n) => path.join(dir, n);
  const ssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=iotmqtt test CA');
  fs.writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('server.ext'));
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('client.key'), '-out', f('client.csr'), '-subj', '/CN=iotmqtt-client');
  ssl('x509', '-req', '-in', f('client.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('client.pem'), '-days', '2');
  // mosquitto started as root reads them as the unprivileged user "mosquitto".
  fs.chmodSync(dir, 0o755);
  for (const n of fs.readdirSync(dir)) fs.chmodSync(f(n), 0o644);
  return { dir, ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

/** A WebSocket server (wss when `tls` is given) on a free loopback port that pipes every
 * connection's binary frames to a TCP port and back. */
async function wsBridge(targetPort, tls) {
  const { WebSocketServer } = require('ws');
  const port = await freePort();
  const server = tls
    ? https.createServer({ cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) })
    : http.createServer();
  const protocols = [];
  const wss = new WebSocketServer({ server, handleProtocols: (set) => { protocols.push([...set]); return set.has('mqtt') ? 'mqtt' : false; } });
  wss.on('connection', (ws) => {
    const sock = net.connect({ host: '127.0.0.1', port: targetPort });
    sock.on('data', (d) => ws.send(d, { binary: true }));
    sock.on('close', () => ws.close());
    sock.on('error', () => ws.close());
    ws.on('message', (d) => sock.write(d));
    ws.on('close', () => sock.destroy());
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    protocols,
    stop: () => new Promise((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.close(() => resolve());
    }),
  };
}

/** Resolves with the first `event` of `emitter` whose arguments pass `test`, or rejects after `ms`. */
function once(emitter, event, test = () => true, ms = 10000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { emitter.off(event, f); reject(new Error(`no ${event} within ${ms} ms`)); }, ms);
    function f(...args) {
      if (!test(...args)) return;
      clearTimeout(t);
      emitter.off(event, f);
      resolve(args);
    }
    emitter.on(event, f);
  });
}

/** mosquitto again on a port used before (a broker restart). */
mosquitto.onPort = (port) => mosquitto('', port);

module.exports = { freePort, waitForPort, mosquitto, emulator, certificates, wsBridge, once, tmpdir };
