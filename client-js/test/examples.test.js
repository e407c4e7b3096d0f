// The README's examples run as written: examples/feed-handler.mjs, started with a plain `node` (no
// flag, as the README says), publishes ticks that a subscriber receives.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { TickfanClient } from '../src/tickfan.js';
import { ROOT, startServer, token, until, Recorder } from './support/server.js';

const running = [];
after(async () => {
  for (const r of running) r.stop();
});

test('examples/feed-handler.mjs publishes ticks with a plain node, whatever the version gives it a WebSocket', async () => {
  const s = await startServer(['--demo.enabled=false']);
  running.push(s);
  let stderr = '';
  // Its own process group: the example may run a second node, and the test stops both.
  const feed = spawn(
    process.execPath,
    [path.join(ROOT, 'examples/feed-handler.mjs'), `ws://127.0.0.1:${s.port}/ws`, token({ sub: 'feed', roles: ['publisher'] }), 'EXMPL'],
    { stdio: ['ignore', 'inherit', 'pipe'], detached: true },
  );
  feed.stderr.on('data', (d) => (stderr += d));
  running.push({ stop: () => { try { process.kill(-feed.pid, 'SIGKILL'); } catch {} } });

  const c = new TickfanClient({ url: s.url, token: token(), minBackoffMs: 50, maxBackoffMs: 500 });
  running.push({ stop: () => c.close() });
  const rec = new Recorder(c);
  await c.subscribe('EXMPL');
  await until(() => rec.bySym.get('EXMPL')?.length >= 5 || feed.exitCode !== null, 20000, 'ticks from the example');
  assert.equal(feed.exitCode, null, 'the example exited: ' + stderr);
  const last = rec.bySym.get('EXMPL').at(-1);
  assert.match(last.text('bid'), /^1\d\d\.\d\d$/);
  assert.equal(stderr, '', 'no errors from the example');
  rec.assertContiguous('EXMPL');
});
