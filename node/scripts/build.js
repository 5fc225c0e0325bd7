#!/usr/bin/env node
// Builds the native addon from the Rust crate in ../bindings/node with @napi-rs/cli (a
// dependency of this package, so `npm install` brings it): `iotmqtt.<platform>.node`, the
// loader `native.js` and the generated type definitions `index.d.ts` (the native API, with the
// hand-written declarations of `lib/types.d.ts` as its header).
//
// Release build by default (what `npm install` gives a user); IOTMQTT_NODE_PROFILE=debug
// builds the debug profile instead (the test suite: `make node`).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = path.resolve(__dirname, '..');
const manifest = path.resolve(here, '..', 'bindings', 'node', 'Cargo.toml');
if (!fs.existsSync(manifest)) {
  console.error(`iotmqtt: cannot build the addon: ${manifest} is missing (install from a checkout of the repository)`);
  process.exit(1);
}
// npm installs the dependencies of a folder outside the installing project's root nowhere (it
// only links the folder): then install this package's own runtime dependencies here first.
function resolveCli() {
  try {
    return require.resolve('@napi-rs/cli/package.json', { paths: [here] });
  } catch {
    const npm = process.env.npm_execpath;
    const cmd = npm ? [process.execPath, [npm]] : ['npm', []];
    const r = spawnSync(cmd[0], [...cmd[1], 'install', '--omit=dev', '--ignore-scripts', '--no-save',
      '--no-package-lock', '--no-audit', '--no-fund'], { cwd: here, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status === null ? 1 : r.status);
    return require.resolve('@napi-rs/cli/package.json', { paths: [here] });
  }
}
const cliPkg = resolveCli();
const cliBin = require(cliPkg).bin;
const cli = path.join(path.dirname(cliPkg), typeof cliBin === 'string' ? cliBin : cliBin.napi);
const header = fs.readFileSync(path.join(here, 'lib', 'types.d.ts'), 'utf8');
const args = [
  cli, 'build', '--platform',
  '--manifest-path', manifest,
  '--package-json-path', path.join(here, 'package.json'),
  '--output-dir', here,
  '--js', 'native.js',
  '--dts', 'index.d.ts',
  '--dts-header', header,
];
const profile = process.env.IOTMQTT_NODE_PROFILE || 'release';
if (profile === 'release') args.push('--release');
else if (profile !== 'debug') {
  console.error(`iotmqtt: IOTMQTT_NODE_PROFILE must be "release" or "debug", not ${JSON.stringify(profile)}`);
  process.exit(1);
}
// The type definitions are written while the crate compiles: make sure it does, even when a
// plain `cargo build` left it up to date.
const now = new Date();
fs.utimesSync(path.resolve(here, '..', 'bindings', 'node', 'src', 'lib.rs'), now, now);
const r = spawnSync(process.execPath, args, { cwd: here, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status === null ? 1 : r.status);
