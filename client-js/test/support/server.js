// Starts real tickfan servers (server/target/tickfan-server.jar) for the tests and mints tokens.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(fileURLToPath(import.meta.url), '../../../..');
export const JAR = path.join(ROOT, 'server/target/tickfan-server.jar');
export const SECRET = randomBytes(24).toString('base64url');

/** An HS256 JWT for SECRET. expSec: seconds from now. */
export function token({ sub = 'test', sym = ['*'], roles, expSec = 3600, secret = SECRET } = {}) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = { sub, exp: Math.floor(Date.now() / 1000) + expSec, sym };
  if (roles) claims.roles = roles;
  const head = b64({ alg: 'HS256', typ: 'JWT' }) + '.' + b64(claims);
  return head + '.' + createHmac('sha256', secret).update(head).digest('base64url');
}

/**
 * Starts a server on port 0 (or opts.port) with the test secret and a quick drain window; resolves
 * with {url, port, stop()} once it printed its address. extra: more --key=value flags.
 */
export function startServer(extra = [], opts = {}) {
  const args = [
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-jar',
    JAR,
    '--port=' + (opts.port ?? 0),
    '--host=127.0.0.1',
    '--ioThreads=1',
    '--drain.windowMs=500',
    ...(opts.noKey ? [] : ['--auth.hs256Secret=' + SECRET]),
    ...extra,
  ];
  // setpriv --pdeathsig: the kernel kills the server when this process dies, even by SIGKILL; and
  // its own process group, so the handlers below reach anything it forks.
  const proc = PDEATHSIG
    ? spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'java', ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    : spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(proc);
  proc.on('exit', () => live.delete(proc));
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 60 s:\n' + out)), 60000);
    const onData = (d) => {
      out += d;
      const m = /tickfan ready:.*?ws:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stdout.off('data', onData);
        proc.stdout.resume();
        const port = Number(m[1]);
        resolve({
          pid: proc.pid,
          port,
          url: 'http://127.0.0.1:' + port,
          output: () => out,
          stop: () => stop(proc),
        });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (d) => (out += d));
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error('server exited with ' + code + ':\n' + out));
    });
  });
}

const PDEATHSIG = (() => {
  try {
    return execFileSync('setpriv', ['--help'], { encoding: 'utf8' }).includes('--pdeathsig');
  } catch {
    return false;
  }
})();

// Servers still running when this process ends, however it ends, are killed with their process group.
const live = new Set();
function killAll() {
  for (const p of live) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {}
  }
  live.clear();
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  const onSignal = () => {
    killAll();
    process.off(sig, onSignal);
    if (!process.listenerCount(sig)) process.kill(process.pid, sig); // then die by it, as without us
  };
  process.on(sig, onSignal);
}

function stop(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', resolve);
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      proc.kill('SIGKILL'); // its group is gone already: the process itself, if still there
    }
  });
}

/** POST /admin/<action> with an admin token; returns the JSON answer. */
/**
 * Awaits every start (servers, a browser) and returns their results in order. If any failed, stops
 * or closes those that started and throws the first failure: a failed set-up leaves nothing
 * running that would keep the test process (and the build) alive.
 */
export async function startAll(starts) {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((r) => r.status === 'rejected');
  if (!failed) return settled.map((r) => r.value);
  await Promise.all(
    settled.filter((r) => r.status === 'fulfilled').map((r) => (r.value.stop ? r.value.stop() : r.value.close?.())),
  );
  throw failed.reason;
}

export async function admin(url, action) {
  const res = await fetch(url + '/admin/' + action, {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + token({ sub: 'ops', roles: ['admin'] }) },
  });
  if (!res.ok) throw new Error('admin ' + action + ': ' + res.status + ' ' + (await res.text()));
  return res.json();
}

/** Resolves when check() returns a truthy value (polled), or rejects after timeoutMs. */
export async function until(check, timeoutMs = 20000, what = 'condition', intervalMs = 20) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Records a client's ticks per symbol and its events, and checks seq continuity. */
export class Recorder {
  constructor(client) {
    this.ticks = [];
    this.events = [];
    this.bySym = new Map();
    client.on('tick', (t) => {
      this.ticks.push(t);
      if (!this.bySym.has(t.sym)) this.bySym.set(t.sym, []);
      this.bySym.get(t.sym).push(t);
    });
    for (const type of ['reset', 'gap', 'transport', 'error', 'state'])
      client.on(type, (e) => this.events.push({ type, ...e }));
  }
  of(type) {
    return this.events.filter((e) => e.type === type);
  }
  /** Every seq of sym exactly once, each one above the last: no gap, no duplicate. */
  assertContiguous(sym) {
    const seqs = this.bySym.get(sym).map((t) => t.seq);
    for (let i = 1; i < seqs.length; i++) {
      if (seqs[i] !== seqs[i - 1] + 1) throw new Error(sym + ' seqs not contiguous at ' + i + ': ' + seqs.slice(Math.max(0, i - 3), i + 3));
    }
    return seqs.length;
  }
}
