// The test harness itself: servers it started die with it, however it ends (a crashed or killed
// test runner must not leave JVMs holding ports and memory on a shared CI machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { until } from './support/server.js';

const SERVER_JS = new URL('./support/server.js', import.meta.url).href;

/** Alive and not a zombie (a reparented zombie may wait a while for its reaper). */
function alive(pid) {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync('/proc/' + pid + '/stat', 'utf8'));
  } catch {
    return false;
  }
}

/** A node process that starts a server, prints its pid, then runs `then` (code). */
async function harness(then) {
  const code = `import { startServer } from '${SERVER_JS}';
const s = await startServer();
console.log('server pid ' + s.pid);
${then}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const pid = Number((await until(() => /server pid (\d+)/.exec(out), 60000, 'the harness to start a server'))[1]);
  assert.ok(alive(pid), 'server ' + pid + ' running');
  return { child, pid };
}

for (const [how, then, kill] of [
  ['killed with SIGKILL', 'setInterval(() => {}, 1000);', 'SIGKILL'],
  ['stopped with SIGTERM', 'setInterval(() => {}, 1000);', 'SIGTERM'],
  ['interrupted with SIGINT', 'setInterval(() => {}, 1000);', 'SIGINT'],
  ['crashed by an uncaught exception', 'setTimeout(() => { throw new Error("runner crash"); }, 100);', null],
]) {
  test('a server started by the test harness dies when the harness is ' + how, async () => {
    const { child, pid } = await harness(then);
    try {
      if (kill) child.kill(kill);
      await until(() => child.exitCode !== null || child.signalCode !== null, 10000, 'the harness to end');
      await until(() => !alive(pid), 10000, 'server ' + pid + ' to die with its harness', 100);
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
}
