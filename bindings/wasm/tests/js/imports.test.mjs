// node --test: the built .wasm modules import nothing from `env` (no libc, no stray host
// functions): every import comes from wasm-bindgen's own glue module.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const pkg = process.env.IOTMQTT_WASM_PKG ?? path.join(repo, 'target/wasm');

for (const target of ['web', 'node']) {
  test(`the ${target} build imports nothing from env`, () => {
    const bytes = fs.readFileSync(path.join(pkg, target, 'iotmqtt_wasm_bg.wasm'));
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes));
    assert.ok(imports.length > 0, 'a wasm-bindgen module imports its glue');
    const modules = new Set(imports.map((i) => i.module));
    assert.ok(!modules.has('env'), `imports from env: ${imports.filter((i) => i.module === 'env').map((i) => i.name)}`);
    assert.deepEqual([...modules], ['./iotmqtt_wasm_bg.js'], `unexpected import modules ${[...modules]}`);
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
    for (const name of ['decode', 'encode', 'inspect', 'iotdaCredentials', 'computePassword', 'parseTopic', 'buildTopic', 'client_new', 'iotdadevice_new']) {
      assert.ok(exports.includes(name), `export ${name} missing`);
    }
  });
}
