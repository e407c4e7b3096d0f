// The client against real servers: each transport, fallback, resume, reset, refresh, refusals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { TickfanClient } from '../src/tickfan.js';
import { startServer, startAll, token, admin, until, Recorder } from './support/server.js';
import { Collector } from './support/contract.js';

const FEED = ['--demo.symbols=20', '--demo.ticksPerSecond=1000'];
const POLL = ['--poll.requestsPerSecondPerIp=200', '--poll.burst=400'];
const contract = new Collector();
const servers = [];
const clients = [];

async function server(extra = [], opts) {
  const s = await startServer([...FEED, ...POLL, ...extra], opts);
  servers.push(s);
  return s;
}

function client(url, options = {}) {
  const c = new TickfanClient({ url, token: token(), onMessage: contract.onMessage, minBackoffMs: 50, maxBackoffMs: 500, ...options });
  clients.push(c);
  return c;
}

// Started once, in parallel: a JVM start is the slowest step of this suite on a busy machine.
let main, sseOnly, pollOnly;
before(async () => {
  [main, sseOnly, pollOnly] = await startAll([
    server(['--auth.expiryGraceMs=200', '--auth.leewaySeconds=0']),
    server(['--ws.path=/off']),
    server(['--ws.path=/off', '--sse.path=/off2']),
  ]);
});

after(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.stop()));
});

test('WebSocket: subscribe resolves on the ack, then a snapshot and contiguous live ticks with exact decimals', async () => {
  const s = main;
  const c = client(s.url);
  const rec = new Recorder(c);
  await c.subscribe(['AAPL', 'EUR/USD']);
  assert.equal(c.transport, 'ws');
  await until(() => rec.bySym.get('AAPL')?.length > 20 && rec.bySym.get('EUR/USD')?.length > 20, 20000, 'live ticks');
  const first = rec.bySym.get('AAPL')[0];
  assert.equal(first.snap, true);
  assert.equal(rec.of('transport')[0].name, 'ws');
  rec.assertContiguous('AAPL');
  rec.assertContiguous('EUR/USD');
  const t = rec.bySym.get('AAPL').at(-1);
  assert.match(t.text('bid'), /^\d+(\.\d{1,8})?$/);
  assert.equal(Number(t.text('bid')), t.bid);
  assert.match(t.text('ingest'), /^\d{19}$/);
  await c.unsubscribe('EUR/USD');
  const n = rec.bySym.get('EUR/USD').length;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(rec.bySym.get('EUR/USD').length, n, 'no EUR/USD tick after the unsubscribe ack');
  await assert.rejects(c.subscribe('bad symbol!'), (e) => e.code === 'bad_symbol');
  assert.deepEqual(rec.of('reset'), []);
  assert.deepEqual(rec.of('gap'), []);

  // maxHz: at most that many updates per second, the seq jumps on purpose and is no gap.
  const slow = client(s.url);
  const srec = new Recorder(slow);
  await slow.subscribe('MSFT', { maxHz: 2 });
  await new Promise((r) => setTimeout(r, 2000));
  const got = srec.bySym.get('MSFT')?.length ?? 0;
  assert.ok(got >= 2 && got <= 7, 'maxHz 2 over 2 s delivered ' + got);
  assert.deepEqual(srec.of('gap'), []);
  slow.close();

  // Resume after a server-side disconnect (4001 with retry_ms): no gap, no duplicate, no reset.
  const before = rec.bySym.get('AAPL').length;
  assert.ok((await admin(s.url, 'disconnect')).sessions >= 1);
  await until(() => rec.of('state').some((e) => e.state === 'reconnecting'), 10000, 'the disconnect');
  await until(() => rec.bySym.get('AAPL').length > before + 50, 20000, 'ticks after the resume');
  rec.assertContiguous('AAPL');
  assert.deepEqual(rec.of('reset'), []);
  assert.equal(c.transport, 'ws');
});

test('binary ticks (tickfan.v1.bin): the same ticks as JSON, exact decimals, snapshot and resume', async () => {
  const s = main;
  const json = client(s.url);
  const bin = client(s.url, { binary: true });
  const jrec = new Recorder(json);
  const brec = new Recorder(bin);
  await Promise.all([json.subscribe('AAPL'), bin.subscribe('AAPL')]);
  assert.equal(bin.transport, 'ws');
  await until(() => brec.bySym.get('AAPL')?.length > 30 && jrec.bySym.get('AAPL')?.length > 30, 20000, 'ticks on both');
  assert.equal(brec.bySym.get('AAPL')[0].snap, true);
  brec.assertContiguous('AAPL');
  // Every seq both clients have is the same tick, to the exact text of every field.
  const bySeq = new Map(jrec.bySym.get('AAPL').map((t) => [t.seq, t]));
  let compared = 0;
  for (const t of brec.bySym.get('AAPL')) {
    const j = bySeq.get(t.seq);
    if (!j || j.snap || t.snap) continue;
    for (const f of ['bid', 'ask', 'bsz', 'asz', 'last', 'lsz', 'ts', 'ingest']) assert.equal(t.text(f), j.text(f), f + ' of seq ' + t.seq);
    compared++;
  }
  assert.ok(compared > 10, 'compared ' + compared + ' ticks');
  // The WebSocket really took the binary subprotocol (the ticks above came as binary frames).
  assert.equal(bin._conn.ws.protocol, 'tickfan.v1.bin');
  assert.equal(json._conn.ws.protocol, 'tickfan.v1');
  const before = brec.bySym.get('AAPL').length;
  assert.ok((await admin(s.url, 'disconnect')).sessions >= 2);
  await until(() => brec.bySym.get('AAPL').length > before + 30, 20000, 'binary ticks after the resume');
  brec.assertContiguous('AAPL');
  assert.deepEqual(brec.of('reset'), []);
  assert.deepEqual(brec.of('gap'), []);
});

test('a symbol outside the token is refused with not_entitled, the others keep flowing', async () => {
  const s = main;
  const c = client(s.url, { token: token({ sym: ['AAPL'] }) });
  await c.subscribe('AAPL');
  await assert.rejects(c.subscribe('MSFT'), (e) => e.code === 'not_entitled');
  const rec = new Recorder(c);
  await until(() => rec.bySym.get('AAPL')?.length > 3, 10000, 'AAPL ticks');
});

for (const [name, want] of [
  ['SSE when WebSocket is refused', 'sse'],
  ['long polling when WebSocket and SSE are refused', 'poll'],
]) {
  test('falls back to ' + name + ', says why, and resumes after a server-side disconnect', async () => {
    const s = want === 'sse' ? sseOnly : pollOnly;
    const c = client(s.url);
    const rec = new Recorder(c);
    await c.subscribe(['AAPL', 'MSFT']);
    assert.equal(c.transport, want);
    const ev = rec.of('transport').at(-1);
    assert.equal(ev.name, want);
    assert.match(ev.reason, /unavailable/);
    await until(() => rec.bySym.get('AAPL')?.length > 20, 20000, 'ticks');
    assert.equal(rec.bySym.get('AAPL')[0].snap, true);
    const before = rec.bySym.get('AAPL').length;
    const told = (await admin(s.url, 'disconnect')).sessions;
    if (want === 'sse') {
      assert.ok(told >= 1, 'the SSE stream is a session the server can send away');
      await until(() => rec.of('state').some((e) => e.state === 'reconnecting' && /retry/.test(e.reason)), 10000, 'the drop with its retry hint');
    } else {
      c.drop(); // a poll is no session to cut: the client drops, and resumes from the position held
    }
    await until(() => rec.bySym.get('AAPL').length > before + 40 && rec.bySym.get('MSFT').length > 40, 20000, 'ticks after resume');
    rec.assertContiguous('AAPL');
    rec.assertContiguous('MSFT');
    assert.deepEqual(rec.of('reset'), []);
    assert.equal(c.transport, want);
  });
}

test('the client can switch transports: to SSE (new position: an explicit reset) and back to WebSocket (gap-free by seq)', async () => {
  const s = main;
  const c = client(s.url);
  const rec = new Recorder(c);
  await c.subscribe('AAPL');
  await until(() => rec.bySym.get('AAPL')?.length > 5, 10000, 'ticks');
  c.switchTransport('sse');
  await until(() => c.transport === 'sse' && rec.bySym.get('AAPL').length > 30, 20000, 'SSE ticks');
  assert.ok(rec.of('reset').every((e) => /could not resume/.test(e.reason)), 'a skipped range is reported');
  const resets = rec.of('reset').length;
  c.switchTransport('ws');
  const n = rec.bySym.get('AAPL').length;
  await until(() => c.transport === 'ws' && rec.bySym.get('AAPL').length > n + 30, 20000, 'WS ticks');
  assert.equal(rec.of('reset').length, resets, 'SSE to WebSocket resumes by seq');
  const seqs = rec.bySym.get('AAPL').map((t) => t.seq);
  assert.ok(seqs.every((q, i) => !i || q > seqs[i - 1]), 'never a duplicate or a step back');
});

test('after a server restart (new epoch) every symbol gets an explicit reset, on each transport', async () => {
  const s1 = await server([], {});
  const port = s1.port;
  const ws = client(s1.url);
  const sse = client(s1.url, { transports: ['sse'] });
  const poll = client(s1.url, { transports: ['poll'] });
  const recs = [ws, sse, poll].map((c) => new Recorder(c));
  await Promise.all([ws, sse, poll].map((c) => c.subscribe(['AAPL', 'MSFT'])));
  await until(() => recs.every((r) => r.bySym.get('MSFT')?.length > 3), 20000, 'ticks');
  await s1.stop();
  await server([], { port });
  for (const r of recs) {
    await until(() => r.of('reset').length >= 2, 30000, 'resets');
    const resets = r.of('reset');
    assert.deepEqual(resets.map((e) => e.sym).sort(), ['AAPL', 'MSFT']);
    assert.equal(resets[0].tick.reset, true);
    await until(() => r.ticks.at(-1).seq > 3, 20000, 'ticks of the new epoch');
  }
});

test('the token is refreshed before exp with the refresh op, and the connection outlives the first token', async () => {
  const s = main; // auth.expiryGraceMs=200: a connection without a refresh would close 4002 at 4.2 s
  let calls = 0;
  const c = client(s.url, {
    token: undefined,
    refreshBeforeMs: 2500,
    getToken: async () => (calls++, token({ expSec: 4 })),
  });
  const rec = new Recorder(c);
  // A refresh the server refuses (another subject) surfaces as an error event.
  let badCalls = 0;
  const bad = client(s.url, { token: undefined, refreshBeforeMs: 2500, getToken: async () => token({ expSec: 4, sub: badCalls++ ? 'someone-else' : 'test' }) });
  const brec = new Recorder(bad);
  await Promise.all([c.subscribe('AAPL'), bad.subscribe('AAPL')]);
  await new Promise((r) => setTimeout(r, 5500));
  assert.ok(calls >= 2, 'getToken called ' + calls + ' times');
  assert.deepEqual(rec.of('state').filter((e) => e.state === 'reconnecting'), [], 'never reconnected');
  assert.deepEqual(rec.of('error'), []);
  const n = rec.ticks.length;
  await until(() => rec.ticks.length > n + 5, 5000, 'ticks after the first exp');
  await until(() => brec.of('error').length, 8000, 'the refused refresh');
  assert.equal(brec.of('error')[0].code, 'bad_token');
});

test('a refused token (401) stops the client: an error event and no reconnect loop', async () => {
  const s = main;
  let attempts = 0;
  const c = client(s.url, {
    token: token({ secret: 'not-the-server-secret' }),
    fetch: (...a) => (attempts++, fetch(...a)),
    WebSocket: class extends WebSocket {
      constructor(...a) {
        super(...a);
        attempts++;
      }
    },
  });
  const rec = new Recorder(c);
  await assert.rejects(c.subscribe('AAPL'), (e) => e.code === 'unauthorized' && e.status === 401);
  assert.equal(c.state, 'failed');
  const n = attempts;
  assert.ok(n >= 2 && n <= 3, 'ws then sse: ' + n);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(attempts, n, 'no further attempt');
  assert.equal(rec.of('error')[0].code, 'unauthorized');
});

test('a frozen server (SIGSTOP) is declared dead by missed heartbeats within deadAfterMs, and the client resumes with no gap after SIGCONT', async () => {
  const s = await server();
  const deadAfterMs = 3000;
  const checkMs = Math.min(1000, deadAfterMs / 4); // the watchdog's period, documented with deadAfterMs
  const cs = ['ws', 'sse'].map((t) => client(s.url, { transports: [t], deadAfterMs, pingIntervalMs: 1000 }));
  const recs = cs.map((c) => new Recorder(c));
  await Promise.all(cs.map((c) => c.subscribe(['AAPL', 'MSFT'])));
  await until(() => recs.every((r) => r.bySym.get('AAPL')?.length > 20), 20000, 'ticks');
  const deadAt = cs.map(() => null);
  cs.forEach((c, i) => c.on('state', (e) => e.state === 'reconnecting' && /connection dead/.test(e.reason) && (deadAt[i] ??= Date.now())));
  const counts = recs.map((r) => r.bySym.get('AAPL').length);
  process.kill(s.pid, 'SIGSTOP');
  const stoppedAt = Date.now();
  try {
    await until(() => deadAt.every((t) => t), deadAfterMs + checkMs + 5000, 'both connections declared dead');
    await new Promise((r) => setTimeout(r, 1000)); // still frozen: reconnect attempts hang meanwhile
  } finally {
    process.kill(s.pid, 'SIGCONT');
  }
  for (const [i, t] of deadAt.entries()) {
    const took = t - stoppedAt;
    // Ticks arrive every few ms until the freeze; 1.5 s of slack for a loaded machine's timers.
    assert.ok(took >= deadAfterMs - 100 && took <= deadAfterMs + checkMs + 1500, cs[i].options.transports[0] + ' declared dead after ' + took + ' ms');
  }
  await until(() => recs.every((r, i) => r.bySym.get('AAPL').length > counts[i] + 50), 30000, 'ticks after SIGCONT');
  for (const [i, r] of recs.entries()) {
    r.assertContiguous('AAPL');
    r.assertContiguous('MSFT');
    assert.deepEqual(r.of('reset'), [], cs[i].options.transports[0] + ' resumed without a reset');
    assert.equal(cs[i].state, 'connected');
  }
});

for (const transports of [['sse'], ['ws', 'sse']]) {
  test('a 429 with Retry-After holds the next attempt back at least that long (' + transports.join(' then ') + ')', async () => {
    // One new connection per second from an address, no burst: a reconnect right after a drop is refused.
    const s = await server(['--admission.connectionsPerSecondPerIp=1', '--admission.connectionBurstPerIp=1']);
    const attempts = [];
    const refusals = [];
    const c = client(s.url, {
      transports,
      fetch: async (...a) => {
        attempts.push({ at: Date.now(), kind: 'fetch' });
        const res = await fetch(...a);
        if (res.status === 429 || res.status === 503) refusals.push({ at: Date.now(), status: res.status, retryAfterMs: 1000 * Number(res.headers.get('retry-after')) });
        return res;
      },
      WebSocket: class extends WebSocket {
        constructor(...a) {
          super(...a);
          attempts.push({ at: Date.now(), kind: 'ws' });
        }
      },
    });
    const rec = new Recorder(c);
    await c.subscribe(['AAPL', 'MSFT']);
    assert.equal(c.transport, transports[0]);
    await until(() => rec.bySym.get('AAPL')?.length > 10, 20000, 'ticks');
    // A connection of our own admitted just now uses up this second's one: the reconnect is refused.
    const probe = () => new Promise((r) => http.get(s.url + '/health', { agent: false }, (res) => res.resume().on('end', () => r(res.statusCode))));
    await until(async () => (await probe()) !== 429, 10000, 'an admitted connection of our own', 100);
    c.drop();
    const n = rec.bySym.get('AAPL').length;
    await until(() => refusals.length, 10000, 'a refusal');
    await until(() => c.state === 'connected' && rec.bySym.get('AAPL').length > n + 20, 30000, 'ticks after the refusal');
    for (const r of refusals) {
      assert.equal(r.status, 429);
      assert.ok(r.retryAfterMs >= 1000, 'Retry-After ' + r.retryAfterMs);
      const next = attempts.find((a) => a.at >= r.at);
      assert.ok(next, 'an attempt after the refusal: ' + JSON.stringify({ attempts, refusals, states: rec.of('state') }));
      assert.ok(next.at - r.at >= r.retryAfterMs - 20, 'next attempt ' + (next.at - r.at) + ' ms after a 429 with Retry-After ' + r.retryAfterMs + ' ms');
    }
    assert.equal(c.transport, transports[0], 'back on the first transport');
    rec.assertContiguous('AAPL');
    rec.assertContiguous('MSFT');
    assert.deepEqual(rec.of('reset'), []);
  });
}

test('a draining server\'s 503 Retry-After spaces every further attempt at least that far apart', async () => {
  const s = await server(['--drain.windowMs=3000']); // Retry-After: 3 on new connections while draining
  const calls = [];
  const c = client(s.url, {
    transports: ['sse'],
    fetch: async (...a) => {
      const call = { at: Date.now() };
      calls.push(call);
      const res = await fetch(...a);
      call.status = res.status;
      call.retryAfterMs = 1000 * Number(res.headers.get('retry-after'));
      call.answeredAt = Date.now();
      return res;
    },
  });
  const rec = new Recorder(c);
  await c.subscribe('AAPL');
  await until(() => rec.ticks.length > 5, 20000, 'ticks');
  await admin(s.url, 'drain');
  await until(() => calls.filter((x) => x.status === 503).length >= 3, 30000, 'three refused attempts');
  const refused = calls.filter((x) => x.status === 503);
  for (let i = 0; i < refused.length - 1; i++) {
    assert.equal(refused[i].retryAfterMs, 3000);
    const next = calls[calls.indexOf(refused[i]) + 1];
    assert.ok(next.at - refused[i].answeredAt >= 3000 - 20, 'attempt ' + (next.at - refused[i].answeredAt) + ' ms after a 503 with Retry-After 3 s');
  }
  assert.equal(c.state, 'reconnecting');
});

test('every message the server sent in this suite matches docs/asyncapi.yaml', () => {
  contract.assertValid(assert);
  for (const kind of ['ws', 'sse', 'poll']) assert.ok(contract.count[kind] > 10, kind + ' messages seen: ' + contract.count[kind]);
});
