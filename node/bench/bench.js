'use strict';
// make bench-node: iotmqtt's Node binding against the Node peers, side by side in one run.
//  1. Parsing: the same 100,000 PUBLISH packets (QoS 1, 29-byte topic, 64-byte payload), fed in
//     64 KiB chunks as a socket would deliver them, to iotmqtt's Decoder and to mqtt-packet's
//     parser. Both must produce the same topics and payload bytes.
//  2. End to end: 50,000 QoS 1 publishes to a local mosquitto, waiting for every PUBACK, with
//     iotmqtt's socket driver and with MQTT.js (both MQTT 3.1.1, each with its own flow control).
// Each measurement runs ROUNDS times, alternating; the median is reported.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const mqttPacket = require('mqtt-packet');
const mqtt = require('mqtt');
const iotmqtt = require('..');
const { freePort, waitForPort } = require('../tests/helpers.js');

const PACKETS = 100_000;
const PUBLISHES = 50_000;
const CHUNK = 64 * 1024;
const ROUNDS = Number(process.env.ROUNDS || 5);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en-US');

function stream() {
  const payload = Buffer.alloc(64, 0x61);
  const parts = [];
  for (let i = 0; i < PACKETS; i++) {
    parts.push(mqttPacket.generate({ cmd: 'publish', qos: 1, messageId: (i % 65535) + 1, topic: `sensors/dev-${String(i % 1000).padStart(4, '0')}/temperature`, payload, dup: false, retain: false }));
  }
  const all = Buffer.concat(parts);
  const chunks = [];
  for (let at = 0; at < all.length; at += CHUNK) chunks.push(all.subarray(at, at + CHUNK));
  return { all, chunks };
}

function parseIotmqtt(chunks) {
  const d = new iotmqtt.Decoder('3.1.1');
  let n = 0;
  let bytes = 0;
  for (const c of chunks) {
    const ps = d.push(c);
    for (let i = 0; i < ps.length; i++) { n++; bytes += ps[i].payload.length + ps[i].topic.length; }
  }
  return { n, bytes };
}

function parseMqttPacket(chunks) {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let n = 0;
  let bytes = 0;
  parser.on('packet', (p) => { n++; bytes += p.payload.length + p.topic.length; });
  for (const c of chunks) parser.parse(c);
  return { n, bytes };
}

function timeParse(fn, chunks, total) {
  const t = performance.now();
  const r = fn(chunks);
  const ms = performance.now() - t;
  if (r.n !== PACKETS) throw new Error(`${fn.name}: ${r.n} packets of ${PACKETS}`);
  return { ms, pps: PACKETS / (ms / 1000), mbs: total / (ms / 1000) / 1e6, check: r.bytes };
}

async function mosquitto() {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iotmqtt-bench-'));
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n`);
  const proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  await waitForPort(port);
  return { port, stop: () => new Promise((r) => { proc.once('exit', r); process.kill(proc.pid, 'SIGTERM'); }) };
}

const PAYLOAD = Buffer.alloc(64, 0x62);

async function e2eIotmqtt(port, round) {
  const c = iotmqtt.connect(`mqtt://127.0.0.1:${port}`, {
    clientId: `bench-iotmqtt-${round}`, protocol: '3.1.1', keepAlive: 60,
    // No in-flight window below the protocol's, like MQTT.js (which has none in 3.1.1).
    maxQueuedMessages: PUBLISHES, maxQueuedBytes: 64 << 20, maxInflight: 65535,
  });
  await new Promise((r) => c.once('connect', r));
  const cpu = process.cpuUsage();
  const t = performance.now();
  const acks = new Array(PUBLISHES);
  for (let i = 0; i < PUBLISHES; i++) acks[i] = c.publish('bench/iotmqtt', PAYLOAD, { qos: 1 });
  await Promise.all(acks);
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  await c.end();
  return { ms, mps: PUBLISHES / (ms / 1000), cpu: (used.user + used.system) / PUBLISHES };
}

async function e2eMqttJs(port, round) {
  const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: `bench-mqttjs-${round}`, protocolVersion: 4, keepalive: 60, reconnectPeriod: 0 });
  await new Promise((r) => c.once('connect', r));
  const cpu = process.cpuUsage();
  const t = performance.now();
  const acks = new Array(PUBLISHES);
  for (let i = 0; i < PUBLISHES; i++) acks[i] = c.publishAsync('bench/mqttjs', PAYLOAD, { qos: 1 });
  await Promise.all(acks);
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  await c.endAsync();
  return { ms, mps: PUBLISHES / (ms / 1000), cpu: (used.user + used.system) / PUBLISHES };
}

async function main() {
  console.log(`iotmqtt Node benchmark — node ${process.version}, ${os.cpus().length} CPU(s) ${os.cpus()[0].model}, ${ROUNDS} rounds, medians`);
  const { all, chunks } = stream();
  const a = parseIotmqtt(chunks);
  const b = parseMqttPacket(chunks);
  if (a.bytes !== b.bytes) throw new Error(`the parsers disagree: ${a.bytes} vs ${b.bytes} bytes of topics and payloads`);
  const ours = [];
  const peer = [];
  for (let r = 0; r < ROUNDS; r++) {
    ours.push(timeParse(parseIotmqtt, chunks, all.length));
    peer.push(timeParse(parseMqttPacket, chunks, all.length));
  }
  const op = median(ours.map((x) => x.pps));
  const pp = median(peer.map((x) => x.pps));
  console.log(`\nparse ${fmt(PACKETS)} PUBLISH (${(all.length / 1e6).toFixed(2)} MB, ${CHUNK / 1024} KiB chunks):`);
  console.log(`  iotmqtt Decoder.push   ${fmt(op).padStart(12)} packets/s  ${(all.length / (PACKETS / op) / 1e6).toFixed(1)} MB/s`);
  console.log(`  mqtt-packet parser     ${fmt(pp).padStart(12)} packets/s  ${(all.length / (PACKETS / pp) / 1e6).toFixed(1)} MB/s`);
  console.log(`  ratio                  ${(op / pp).toFixed(2)}x (target >= 3x)`);

  const broker = await mosquitto();
  try {
    const o = [];
    const p = [];
    const oc = [];
    const pc = [];
    await e2eIotmqtt(broker.port, 'warm');
    await e2eMqttJs(broker.port, 'warm');
    for (let r = 0; r < ROUNDS; r++) {
      const a = await e2eIotmqtt(broker.port, r);
      const b = await e2eMqttJs(broker.port, r);
      o.push(a.mps);
      oc.push(a.cpu);
      p.push(b.mps);
      pc.push(b.cpu);
    }
    const om = median(o);
    const pm = median(p);
    console.log(`\nQoS 1 publish ${fmt(PUBLISHES)} x 64 B to mosquitto over loopback, all PUBACKs awaited:`);
    console.log(`  iotmqtt connect()      ${fmt(om).padStart(12)} msg/s   (rounds: ${o.map(fmt).join(', ')})`);
    console.log(`  MQTT.js                ${fmt(pm).padStart(12)} msg/s   (rounds: ${p.map(fmt).join(', ')})`);
    console.log(`  ratio                  ${(om / pm).toFixed(2)}x (target >= 1.5x)`);
    console.log(`  client CPU per message: iotmqtt ${median(oc).toFixed(2)} µs, MQTT.js ${median(pc).toFixed(2)} µs (${(median(pc) / median(oc)).toFixed(2)}x less)`);
  } finally {
    await broker.stop();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
