// docs/asyncapi.yaml is a valid AsyncAPI 3 document, and its schemas refuse what the server must never send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { doc, check } from './support/contract.js';
import { ROOT } from './support/server.js';

const require = createRequire(import.meta.url);

test('the document validates against the AsyncAPI 3.0.0 JSON schema', () => {
  const spec = require('@asyncapi/specs/schemas/3.0.0-without-$id.json');
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(spec);
  const ok = validate(doc);
  assert.ok(ok, ajv.errorsText(validate.errors));
  assert.equal(doc.asyncapi, '3.0.0');
  // The check can fail: a broken copy is refused.
  const broken = structuredClone(doc);
  broken.operations.receiveTick.action = 'listen';
  assert.equal(validate(broken), false);
});

test('every message names a payload schema that exists, and every operation a channel', () => {
  for (const [name, m] of Object.entries(doc.components.messages)) {
    const ref = m.payload.$ref.split('/').pop();
    assert.ok(doc.components.schemas[ref], name + ' -> ' + ref);
  }
  for (const [name, op] of Object.entries(doc.operations)) {
    assert.ok(doc.channels[op.channel.$ref.split('/').pop()], name);
  }
  assert.ok(doc.channels.websocket['x-close-codes']['4001'].includes('retry_ms'));
});

test('the schemas accept the examples of protocol.md and refuse broken messages', () => {
  const tick = '{"type":"tick","sym":"AAPL","seq":42,"ts":1795435394737057032,"ingest":1795435394737057833,"bid":189.12,"ask":189.14,"snap":true}';
  assert.deepEqual(check('ws', tick), []);
  assert.deepEqual(check('ws', '{"type":"ack","id":"1","op":"subscribe","epoch":"8fv827n03ueb"}'), []);
  assert.deepEqual(check('ws', '{"type":"error","id":"2","code":"not_entitled","message":"not entitled to MSFT"}'), []);
  assert.deepEqual(check('sse', tick, '8fv827n03ueb-1041'), []);
  assert.deepEqual(check('sse', tick, '8fv827n03ueb-1041.a.3b'), []);
  assert.deepEqual(check('poll', '{"position":"8fv827n03ueb-1042","ticks":[' + tick + ']}'), []);
  assert.deepEqual(check('http', '{"error":"unauthorized","reason":"token expired"}'), []);

  assert.notDeepEqual(check('ws', tick.replace('"seq":42,', '')), [], 'a tick without seq');
  assert.notDeepEqual(check('ws', tick.replace('"AAPL"', '"A A"')), [], 'a bad symbol');
  assert.notDeepEqual(check('ws', tick.replace('"snap":true', '"extra":1')), [], 'an unknown field');
  assert.notDeepEqual(check('ws', '{"type":"error","code":"oops","message":"x"}'), [], 'an unknown error code');
  assert.notDeepEqual(check('sse', tick, 'NoDash'), [], 'an id of another shape');
  assert.notDeepEqual(check('ws', '{"type":"surprise"}'), [], 'an unknown type');
});

test('every kind of WebSocket message and SSE tick event the Java integration suites received matches the document', (t) => {
  // Written by server/src/test/.../testing/WireLog.java while the server's ITs run (./mvnw verify
  // runs them before this module); the first 50 messages of each set of keys, per test JVM.
  const dir = path.join(ROOT, 'server/target/wire-messages');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^(ws-\d+\.ndjson|sse-\d+\.tsv)$/.test(f)) : [];
  if (!files.length) return t.skip('no ' + dir + ': the server integration tests did not run in this build');
  const problems = [];
  const shapes = new Set();
  const count = { ws: 0, sse: 0 };
  for (const f of files) {
    const kind = f.startsWith('ws-') ? 'ws' : 'sse';
    for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      if (!line) continue;
      count[kind]++;
      const tab = line.indexOf('\t');
      const [id, text] = kind === 'ws' ? [undefined, line] : [line.slice(0, tab) || null, line.slice(tab + 1)];
      shapes.add(kind + ':' + Object.keys(JSON.parse(text)).sort().join(','));
      if (problems.length < 20) problems.push(...check(kind, text, id).map((p) => f + ': ' + p));
    }
  }
  assert.deepEqual(problems, [], 'messages from the Java ITs that do not match docs/asyncapi.yaml');
  assert.ok(count.ws + count.sse > 0 && shapes.size > 3, JSON.stringify(count) + ' of ' + shapes.size + ' shapes');
  t.diagnostic(JSON.stringify(count) + ' messages of ' + shapes.size + ' shapes from ' + files.length + ' files checked');
});
