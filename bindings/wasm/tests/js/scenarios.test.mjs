// node --test: every scenario file replayed through the wasm binding's JS API (nodejs build).
// Needs `make wasm` first (IOTMQTT_WASM_PKG names the output directory, default target/wasm).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { Runner, matches } from './scenarios.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const pkg = process.env.IOTMQTT_WASM_PKG ?? path.join(repo, 'target/wasm');
const api = createRequire(import.meta.url)(path.join(pkg, 'node/iotmqtt_wasm.js'));
const runner = new Runner(api, path.join(repo, 'tests'));
const files = runner.files();

test('there are scenario files to replay', () => {
  assert.ok(files.length >= 60, `only ${files.length} scenario files`);
});

for (const file of files) {
  test(`scenario ${file}`, () => {
    runner.runFile(file);
  });
}

test('the runner fails on what it does not know', () => {
  const minimal = {
    name: 't', description: 'd', spec: ['MQTT-3.1.0-1'], kind: 'client',
    config: { client_id: 'c', protocol: '3.1.1', keep_alive: 0 },
    steps: [{ op: 'connect' }, { op: 'handle_connected' },
      { op: 'expect_transmit', hex: '10 0d 00 04 4d 51 54 54 04 02 00 00 00 01 63' }],
  };
  const run = (v) => runner.run_client(v);
  run(minimal);
  assert.throws(() => run({ ...minimal, steps: [{ op: 'konnect' }] }), /unknown op/);
  assert.throws(() => run({ ...minimal, config: { ...minimal.config, keepalive: 1 } }), /unknown field config\.keepalive/);
  assert.throws(() => run({ ...minimal, steps: [{ op: 'connect', x: 1 }] }), /unknown field "x"/);
  assert.throws(() => run({ ...minimal, steps: [...minimal.steps.slice(0, 2), { op: 'expect_transmit', hex: '10' }] }), /step 2 \(expect_transmit\)/);
  assert.throws(() => run({ ...minimal, steps: [...minimal.steps, { op: 'receive', hex: '20 02 00 00' }] }), /event left/);
  assert.throws(() => matches({ a: 1 }, { b: 1 }, 'v'), /no such field/);
  assert.throws(() => matches({ p: 'ho' }, { p_hex: '6869' }, 'v'));
  matches({ p: 'hi', q: null }, { p_hex: '68 69' }, 'v');
});
