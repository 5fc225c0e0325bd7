'use strict';
// The package as a user installs it: `npm install <path to node/>` into a new project runs the
// install script (the addon is built by @napi-rs/cli from package.json, the debug profile here
// to reuse the test build) and the project can require it.
const test = require('node:test');
const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { tmpdir } = require('./helpers.js');

const pkgDir = path.resolve(__dirname, '..');

test('npm install of the package folder builds and installs it', { timeout: 600_000 }, () => {
  const project = tmpdir();
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['install', '--no-audit', '--no-fund', pkgDir], {
    cwd: project, stdio: 'pipe', env: { ...process.env, IOTMQTT_NODE_PROFILE: 'debug' },
  });
  const out = execFileSync(process.execPath, ['-e', `
    const m = require('iotmqtt');
    const c = new m.Client({ clientId: 'consumer', protocol: '3.1.1', keepAlive: 0 });
    c.connect(); c.handleConnected(0);
    console.log(JSON.stringify({ connect: m.decode(c.pollTransmit(0), '3.1.1').packet.clientId, driver: typeof m.connect, device: typeof m.connectDevice }));
  `], { cwd: project, encoding: 'utf8' });
  assert.deepStrictEqual(JSON.parse(out), { connect: 'consumer', driver: 'function', device: 'function' });
  const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
  assert.match(manifest.dependencies.iotmqtt, /^file:/);
  fs.rmSync(project, { recursive: true, force: true });
});
