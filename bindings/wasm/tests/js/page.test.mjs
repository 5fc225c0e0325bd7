// node --test: the web page (target/wasm/site) in real headless Chromium (Debian's, driven by
// playwright-core) against the iotmqtt emulator on loopback: credentials compared with the
// shared vectors, a valid and a malformed packet inspected, and the device console connected
// over the emulator's WebSocket port answering a command and a property query sent through its
// HTTP API.
// Screenshots of the three tools go to target/screenshots (paths printed).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const pkg = process.env.IOTMQTT_WASM_PKG ?? path.join(repo, 'target/wasm');
const site = path.join(pkg, 'site');
const shots = path.join(pkg, '..', 'screenshots');
const emulatorBin = process.env.IOTMQTT_BIN ?? path.join(repo, 'target/debug/iotmqtt');
const vectors = JSON.parse(fs.readFileSync(path.join(repo, 'tests/vectors/iotda-auth.json'), 'utf8')).cases;

const DEVICE = 'webtest_console01';
const SECRET = 'console-Secret-1';

let emulator, ports, server, siteUrl, browser, page;

/** A static file server for the site, on a free loopback port. */
function serve(root) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };
  const s = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(root, rel.endsWith('/') ? `${rel}index.html` : rel);
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

async function api(method, route, body) {
  const res = await fetch(`http://127.0.0.1:${ports.http}${route}`, {
    method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function shot(name) {
  fs.mkdirSync(shots, { recursive: true });
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

before(async () => {
  assert.ok(fs.existsSync(path.join(site, 'pkg/iotmqtt_wasm_bg.wasm')), `no site at ${site}: run make wasm`);
  const registry = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'iotmqtt-web-')), 'registry.json');
  fs.writeFileSync(registry, JSON.stringify({ devices: [{ device_id: DEVICE, secret: SECRET, name: 'web console test' }] }));
  emulator = spawn(emulatorBin, ['emulator', '--port', '0', '--http', '0', '--ws-port', '0', '--registry', registry],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  emulator.stderr.resume();
  const first = await new Promise((resolve, reject) => {
    readline.createInterface({ input: emulator.stdout }).once('line', resolve);
    emulator.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  ports = JSON.parse(first);
  assert.equal(typeof ports.ws, 'number');
  server = await serve(site);
  siteUrl = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.problems = problems;
  await page.goto(siteUrl);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
});

after(async () => {
  await browser?.close();
  server?.close();
  if (emulator && emulator.exitCode === null) emulator.kill('SIGTERM');
});

test('the page loads the core with no errors, offline', async () => {
  assert.equal(await page.textContent('#engine'), 'WebAssembly core ready');
  assert.deepEqual(page.problems, []);
  // Every resource is same-origin: no CDN, no framework download.
  const external = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name).filter((n) => !n.startsWith(location.origin)));
  assert.deepEqual(external, []);
});

test('the credentials generator matches the shared vectors', async () => {
  await page.click('#tab-credentials');
  const cases = vectors.filter((c) => c.kind === 'secret' && c.utc);
  assert.ok(cases.length >= 3, 'vectors with a device secret and a time');
  for (const c of cases) {
    await page.fill('#cred-device', c.device_id);
    await page.fill('#cred-secret', c.secret);
    await page.selectOption('#cred-sig', String(c.sig_type ?? 0));
    await page.fill('#cred-time', c.utc);
    assert.equal(await page.inputValue('#cred-client-id'), c.client_id, c.name);
    assert.equal(await page.inputValue('#cred-username'), c.username, c.name);
    assert.equal(await page.inputValue('#cred-password'), c.password, c.name);
  }
  // A bad device id is reported, not computed.
  await page.fill('#cred-device', 'bad/id');
  assert.match(await page.textContent('#cred-error'), /invalid_device_id/);
  assert.equal(await page.inputValue('#cred-password'), '');
  const first = cases[0];
  await page.fill('#cred-device', first.device_id);
  await page.click('#cred-reveal');
  await shot('credentials');
});

test('the inspector shows each field with its bytes, and stops at a bad byte', async () => {
  await page.click('#tab-inspector');
  await page.click('#insp-example');
  await page.waitForSelector('.packet');
  assert.equal(await page.locator('.packet').count(), 2);
  assert.match(await page.textContent('#insp-summary'), /2 packets decoded/);
  const topic = page.locator('.packet').nth(1).locator('.node[data-key="topic"]').first();
  assert.match(await topic.textContent(), /"sensor\/temp"/);
  const [start, end] = [Number(await topic.getAttribute('data-start')), Number(await topic.getAttribute('data-end'))];
  assert.equal(end - start, 13);
  await topic.hover();
  const lit = page.locator('.packet').nth(1).locator('.hexbytes span.hl-strong');
  assert.equal(await lit.count(), 13);
  assert.equal(await lit.first().getAttribute('data-offset'), String(start));
  const password = page.locator('.packet').first().locator('.node[data-key="password"]');
  assert.match(await password.textContent(), /hidden \(1 byte\)/);
  await shot('inspector');

  await page.selectOption('#insp-version', '3.1.1');
  await page.fill('#insp-hex', '0x30, 0x05, 0x00, 0x03, 0x61, 0x2f, 0x2b');
  await page.click('#insp-run');
  const alert = page.locator('.packet .alert');
  await alert.waitFor();
  const text = await alert.textContent();
  assert.match(text, /Malformed at byte 6/);
  assert.match(text, /topic_wildcard/);
  assert.match(text, /MQTT-3\.3\.2-2/);
  assert.equal(await page.locator('.hexbytes span.bad').getAttribute('data-offset'), '6');
  assert.equal(await page.locator('.node.bad-field').getAttribute('data-key'), 'topic');
  await shot('inspector-malformed');
});

test('the device console connects over WebSocket, reports and answers a command', async () => {
  await page.click('#tab-console');
  await page.fill('#con-url', `ws://127.0.0.1:${ports.ws}/mqtt`);
  await page.fill('#con-device', DEVICE);
  await page.fill('#con-secret', SECRET);
  await page.click('#con-connect');
  await page.waitForSelector('#con-state[data-state="connected"]', { timeout: 15000 });

  await page.fill('#con-props', '{"temperature": 23.5, "humidity": 41}');
  await page.click('#con-report');
  let reported;
  for (let i = 0; i < 50 && !reported; i++) {
    const r = await api('GET', `/devices/${DEVICE}/properties`);
    reported = r.body.services?.find((s) => s.service_id === 'Sensor');
    if (!reported) await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.deepEqual(reported?.properties, { temperature: 23.5, humidity: 41 });

  const answer = api('POST', `/devices/${DEVICE}/commands`,
    { service_id: 'Light', command_name: 'switch', paras: { on: true }, timeout_ms: 20000 });
  const card = page.locator('.command').first();
  await card.waitFor({ timeout: 15000 });
  assert.match(await card.textContent(), /Light · switch/);
  const mine = { result_code: 0, response_name: 'switched', paras: { on: true, by: 'web console' } };
  await card.locator('textarea').fill(JSON.stringify(mine));
  await card.locator('button.send').click();
  const res = await answer;
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body.response, mine);
  await card.locator('.done').waitFor();

  // A property query is answered with what the console last reported.
  const query = await api('POST', `/devices/${DEVICE}/properties/get`, { service_id: 'Sensor', timeout_ms: 20000 });
  assert.equal(query.status, 200, JSON.stringify(query.body));
  assert.deepEqual(query.body.response.services.map((x) => [x.service_id, x.properties]),
    [['Sensor', { temperature: 23.5, humidity: 41 }]]);
  await shot('console');
  assert.deepEqual(page.problems, []);
});
