'use strict';
// Every cross-language scenario file, replayed through this package (tests/README.md).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { SCENARIO_DIR, MIN_FILES, ScenarioError, scenarioFiles, runFile, matches } = require('./scenario-runner.js');

const files = scenarioFiles();

test(`at least ${MIN_FILES} scenario files`, () => {
  assert.ok(files.length >= MIN_FILES, `only ${files.length} scenario files in ${SCENARIO_DIR}`);
});

for (const file of files) {
  test(`scenario ${file}`, () => {
    const v = JSON.parse(fs.readFileSync(path.join(SCENARIO_DIR, file), 'utf8'));
    runFile(file, v);
  });
}

// The runner's own rules: strictness, failure messages and matching.
const MINIMAL = `{"name": "t", "description": "d", "spec": ["MQTT-3.1.0-1"], "kind": "client",
  "config": {"client_id": "c", "protocol": "3.1.1", "keep_alive": 0},
  "steps": [{"op": "connect"}, {"op": "handle_connected"},
            {"op": "expect_transmit", "hex": "10 0d 00 04 4d 51 54 54 04 02 00 00 00 01 63"}]}`;
const runText = (name, text) => runFile(`${name}.json`, JSON.parse(text));
const failure = (name, text) => {
  try { runText(name, text); } catch (e) {
    assert.ok(e instanceof ScenarioError, `not a scenario failure: ${e && e.stack}`);
    return e.message;
  }
  assert.fail('the scenario passed');
};

test('runner: a minimal scenario passes', () => { runText('t', MINIMAL); });

test('runner: unknown kinds, ops and fields fail', () => {
  const cases = [
    [MINIMAL.replace('"client",', '"clients",'), 'unknown kind'],
    [MINIMAL.replace('"connect"}', '"konnect"}'), 'unknown op'],
    [MINIMAL.replace('"keep_alive": 0', '"keep_alive": 0, "keepalive": 1'), 'unknown field "keepalive"'],
    [MINIMAL.replace('{"op": "connect"}', '{"op": "connect", "x": 1}'), 'unknown field "x"'],
    [MINIMAL.replace('"d",', '"d", "extra": 1,'), 'unknown field "extra"'],
  ];
  for (const [text, want] of cases) assert.match(failure('t', text), new RegExp(want));
});

test('runner: failures name the step and the difference', () => {
  assert.match(failure('t', MINIMAL.replace('00 01 63"', '00 01 64"')), /^step 2 \(expect_transmit\)/);
  const missing = MINIMAL.replace(']}', ', {"op": "expect_event", "event": {"type": "connected"}}]}');
  assert.match(failure('t', missing), /^step 3 \(expect_event\): no event/);
  assert.match(failure('u', MINIMAL), /differs from the file name/);
  const untaken = MINIMAL.replace(']}', ', {"op": "receive", "hex": "20 02 00 00"}]}');
  assert.match(failure('t', untaken), /^after the last step: event left/);
});

test('runner: matching follows the README rules', () => {
  const act = { a: 1, b: { c: 'x', d: null }, p_hex: '68 69', l: [1, 2] };
  matches({ a: 1 }, act, 'v');
  matches({ b: { c: 'x' } }, act, 'v');
  matches({ b: { d: null, e: null } }, act, 'v');
  matches({ p_hex: '6869' }, act, 'v');
  matches({ p: 'hi' }, act, 'v');
  matches({ l: [1, 2] }, act, 'v');
  for (const bad of [{ p: 'ho' }, { l: [1] }, { z: 1 }, { a: 2 }, { b: { c: null } }]) {
    assert.throws(() => matches(bad, act, 'v'), ScenarioError);
  }
  const withJson = { payload_hex: Buffer.from('{"x":1,"y":[true]}').toString('hex') };
  matches({ payload_json: { y: [true], x: 1.0 } }, withJson, 'v');
  assert.throws(() => matches({ payload_json: { x: 1 } }, withJson, 'v'), ScenarioError);
});
