// The client and the demo page in Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// against real servers: transports and fallback, resume, reset, refresh, shared tabs, the demo page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, startAll, token, admin, until } from '../support/server.js';
import { launch } from '../support/browser.js';

const TARGET = path.resolve(fileURLToPath(import.meta.url), '../../../target');
const FEED = ['--demo.symbols=20', '--demo.ticksPerSecond=400', '--poll.requestsPerSecondPerIp=200', '--poll.burst=400'];
let main, sseOnly, pollOnly, demo, tabs, chromium;

before(async () => {
  [main, sseOnly, pollOnly, demo, tabs, chromium] = await startAll([
    startServer([...FEED, '--auth.expiryGraceMs=200', '--auth.leewaySeconds=0']),
    startServer([...FEED, '--ws.path=/off']),
    startServer([...FEED, '--ws.path=/off', '--sse.path=/off2']),
    startServer(FEED, { noKey: true }), // no key: the server makes a secret and serves its demo token
    startServer(['--demo.symbols=20', '--demo.ticksPerSecond=40']), // for the shared tabs: 20 pages on 2 cores
    launch(),
  ]);
});

after(async () => {
  await chromium?.close();
  await Promise.all([main, sseOnly, pollOnly, demo, tabs].map((s) => s?.stop()));
});

/**
 * Opens the demo page; with a key configured the test hands it a token of ours through a route
 * on /demo/token (what a real deployment's token endpoint would do). Installs a recorder of seqs.
 */
async function openPage(server, query = '', tokenOpts, init) {
  const page = await chromium.context.newPage();
  if (init) await page.addInitScript(init);
  page.tokenRequests = 0;
  if (tokenOpts) {
    await page.route('**/demo/token', (route) => {
      page.tokenRequests++;
      return route.fulfill({ json: { token: token(tokenOpts) } });
    });
  }
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.urls = [];
  page.on('request', (r) => page.urls.push(r.url()));
  await page.goto(server.url + '/' + query);
  await page.waitForFunction(() => window.tickfan);
  await page.evaluate(() => {
    window.rec = { seqs: {}, resets: [], states: [], firstAfter: null };
    tickfan.on('tick', (t) => (window.rec.seqs[t.sym] ||= []).push(t.seq));
    tickfan.on('reset', (e) => window.rec.resets.push(e.sym));
    tickfan.on('state', (e) => window.rec.states.push(e.state + (e.reason ? ': ' + e.reason : '')));
  });
  return page;
}

const ticksOf = (page, sym) => page.evaluate((s) => window.rec.seqs[s]?.length ?? 0, sym);

async function assertContiguous(page, sym) {
  const seqs = await page.evaluate((s) => window.rec.seqs[s], sym);
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1, sym + ' at ' + i + ': ' + seqs.slice(Math.max(0, i - 3), i + 3));
}

test('the demo page renders live ticks over WebSocket with the server\'s own demo token, never in a URL', async () => {
  const urls = [];
  const page = await chromium.context.newPage();
  page.on('request', (r) => urls.push(r.url()));
  await page.goto(demo.url + '/?shared=0');
  await page.waitForFunction(() => window.demo?.ticks > 100, null, { timeout: 30000, polling: 200 });
  assert.equal(await page.textContent('#transport'), 'ws');
  const bid = await page.textContent('#quotes tbody tr:first-child td:nth-child(2)');
  assert.match(bid, /^\d+(\.\d+)?$/);
  assert.match(await page.textContent('#quotes tbody tr:first-child td:nth-child(6)'), /^\d+$/);
  mkdirSync(TARGET, { recursive: true });
  await page.screenshot({ path: path.join(TARGET, 'demo-page.png'), fullPage: true });
  const tok = (await (await fetch(demo.url + '/demo/token')).json()).token;
  assert.ok(urls.length > 3 && urls.every((u) => !u.includes(tok) && !u.includes('eyJ')), 'no token in any URL');
  // With a key configured the server gives no token away.
  assert.equal((await fetch(main.url + '/demo/token')).status, 404);
  await page.close();
});

for (const [name, server, want] of [
  ['WebSocket', () => main, 'ws'],
  ['SSE (fetch streaming) when WebSocket is refused', () => sseOnly, 'sse'],
  ['long polling when WebSocket and SSE are refused', () => pollOnly, 'poll'],
]) {
  test('in Chromium: ' + name + ': snapshot, ticks, and a resume with no gap and no duplicate after /admin/disconnect', async () => {
    const s = server();
    const page = await openPage(s, '?shared=0', {});
    await until(async () => (await ticksOf(page, 'AAPL')) > 10, 30000, 'ticks');
    assert.equal(await page.evaluate(() => tickfan.transport), want);
    if (want !== 'ws') assert.match(await page.textContent('#reason'), /unavailable/);
    const n = await ticksOf(page, 'AAPL');
    const told = (await admin(s.url, 'disconnect')).sessions;
    if (want !== 'poll') assert.ok(told >= 1, 'sessions told: ' + told);
    if (want === 'poll') await page.click('#drop'); // a poll is no session: drop it from the page too
    await until(async () => (await page.evaluate(() => window.rec.states)).some((s) => s.startsWith('reconnecting')), 15000, 'the drop');
    await until(async () => (await ticksOf(page, 'AAPL')) > n + 20, 30000, 'resumed ticks');
    await assertContiguous(page, 'AAPL');
    await assertContiguous(page, 'EUR/USD');
    assert.deepEqual(await page.evaluate(() => window.rec.resets), []);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

test('in Chromium: the token is refreshed before exp, the connection stays', async () => {
  const page = await openPage(main, '?shared=0', { expSec: 6 });
  await new Promise((r) => setTimeout(r, 7500));
  assert.ok(page.tokenRequests >= 2, 'token fetched ' + page.tokenRequests + ' times');
  assert.deepEqual(await page.evaluate(() => window.rec.states.filter((s) => s.startsWith('reconnecting'))), []);
  const n = await ticksOf(page, 'AAPL');
  await until(async () => (await ticksOf(page, 'AAPL')) > n + 5, 10000, 'ticks past the first exp');
  await page.close();
});

/** The server's own gauges (GET /metrics with an admin token): {sessions, connections}. */
async function gauges(server) {
  const res = await fetch(server.url + '/metrics', { headers: { Authorization: 'Bearer ' + token({ sub: 'ops', roles: ['admin'] }) } });
  const text = await res.text();
  const read = (name) => Number(new RegExp('^' + name + ' (\\S+)$', 'm').exec(text)?.[1]);
  return { sessions: read('tickfan_sessions'), connections: read('tickfan_connections') };
}

async function sharedTabs(count, init) {
  const context = chromium.context;
  // Left over from an earlier test: its tabs are closed, its connection must be gone too.
  await until(async () => (await gauges(tabs)).sessions === 0, 20000, 'no session before the tabs open', 250);
  const pages = [];
  for (let i = 0; i < count; i++) {
    const page = await context.newPage();
    if (init) await page.addInitScript(init);
    await page.route('**/demo/token', (route) => route.fulfill({ json: { token: token() } }));
    await page.goto(tabs.url + '/?shared=1');
    pages.push(page);
  }
  // Polled from here: a background tab runs no requestAnimationFrame, which waitForFunction uses.
  let seen = [];
  const live = () =>
    until(async () => (seen = await Promise.all(pages.map((p) => p.evaluate(() => [window.demo?.ticks ?? 0, window.tickfan?.state, document.getElementById('log')?.textContent])))).every((n) => n[0] > 20), 60000, 'ticks in every tab', 500).catch((e) => {
      throw new Error(e.message + ': ' + JSON.stringify(seen));
    });
  await live();
  // Every tab is live; the server holds one session (one streaming connection) for them all.
  assert.equal((await gauges(tabs)).sessions, 1, count + ' tabs, sessions on the server');
  assert.equal((await admin(tabs.url, 'disconnect')).sessions, 1);
  const counts = await Promise.all(pages.map((p) => p.evaluate(() => window.demo.ticks)));
  await until(async () => {
    const now = await Promise.all(pages.map((p) => p.evaluate(() => window.demo.ticks)));
    return now.every((n, i) => n > counts[i] + 20);
  }, 60000, 'every tab resumed', 500);
  const after = await gauges(tabs);
  assert.equal(after.sessions, 1, 'still one session after the resume');
  // Also counted: Chromium's pool of keep-alive connections that loaded the pages (at most 6 per
  // origin) and this test's own /metrics request; a connection per tab would be count more.
  assert.ok(after.connections <= 8, 'connections open: ' + after.connections);
  for (const p of pages) await p.close();
  await until(async () => (await gauges(tabs)).sessions === 0, 20000, 'the connection closed with the last tab', 250);
}

test('in Chromium: 20 tabs share one connection (SharedWorker)', async () => {
  await sharedTabs(20);
});

test('in Chromium: without SharedWorker, 3 tabs share one connection over a BroadcastChannel', async () => {
  await sharedTabs(3, () => delete window.SharedWorker);
});

test('in Chromium: a server restart reaches the page as explicit resets', async () => {
  const page = await openPage(main, '?shared=0', {});
  await until(async () => (await ticksOf(page, 'AAPL')) > 5, 30000, 'ticks');
  const port = main.port;
  await main.stop();
  main = await startServer([...FEED], { port });
  await until(async () => (await page.evaluate(() => window.rec.resets.length)) >= 20, 30000, 'a reset per symbol');
  assert.match(await page.textContent('#resets'), /^[1-9]\d*$/);
  await page.close();
});

test('in Chromium without fetch streaming: EventSource with the cookie gets ticks and resumes after /admin/disconnect, no token in any URL', async () => {
  // What a login endpoint would have set: an HttpOnly cookie the page cannot read.
  await chromium.context.addCookies([{ name: 'tickfan_token', value: token(), url: sseOnly.url, httpOnly: true, sameSite: 'Strict' }]);
  try {
    const page = await openPage(sseOnly, '?shared=0', {}, () => {
      delete Response.prototype.body; // fetch without a body stream, as in browsers before 2019
      const ES = window.EventSource;
      window.eventSources = 0;
      window.EventSource = class extends ES {
        constructor(...a) {
          super(...a);
          window.eventSources++;
        }
      };
    });
    const urls = page.urls;
    await until(async () => (await ticksOf(page, 'AAPL')) > 10, 30000, 'ticks');
    assert.equal(await page.evaluate(() => tickfan.transport), 'sse');
    assert.equal(await page.evaluate(() => window.eventSources), 1);
    const n = await ticksOf(page, 'AAPL');
    assert.ok((await admin(sseOnly.url, 'disconnect')).sessions >= 1);
    await until(async () => (await page.evaluate(() => window.rec.states)).some((s) => s.startsWith('reconnecting')), 15000, 'the drop');
    await until(async () => (await ticksOf(page, 'AAPL')) > n + 20, 30000, 'resumed ticks');
    assert.ok((await page.evaluate(() => window.eventSources)) >= 2, 'the resume used a new EventSource');
    await assertContiguous(page, 'AAPL');
    await assertContiguous(page, 'EUR/USD');
    assert.deepEqual(await page.evaluate(() => window.rec.resets), []);
    const sse = urls.filter((u) => u.includes('/sse?'));
    assert.ok(sse.length >= 2 && sse.slice(1).every((u) => /&lastEventId=[^&]+-\d+$/.test(u)), 'the resume names its position: ' + sse);
    assert.ok(urls.every((u) => !u.includes('eyJ')), 'no token in any URL: ' + urls.filter((u) => u.includes('eyJ')));
    assert.deepEqual(page.errors, []);
    await page.close();
  } finally {
    await chromium.context.clearCookies();
  }
});

test('in Chromium: offline stops every attempt, online reconnects at once and resumes with no gap', async () => {
  const page = await openPage(main, '?shared=0', {}, () => {
    const WS = window.WebSocket;
    window.sockets = 0;
    window.WebSocket = class extends WS {
      constructor(...a) {
        super(...a);
        window.sockets++;
      }
    };
  });
  await until(async () => (await ticksOf(page, 'AAPL')) > 10, 30000, 'ticks');
  try {
    await chromium.context.setOffline(true);
    await until(() => page.evaluate(() => tickfan.state === 'offline'), 10000, 'the offline state');
    const at = await page.evaluate(() => [window.sockets, window.rec.seqs.AAPL.length, window.rec.states.length]);
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(await page.evaluate(() => [window.sockets, window.rec.seqs.AAPL.length, window.rec.states.length]), at, 'no attempt, no tick, no state change while offline');
  } finally {
    await chromium.context.setOffline(false);
  }
  const onlineAt = Date.now();
  await until(() => page.evaluate(() => tickfan.state === 'connected'), 10000, 'the reconnect');
  const took = Date.now() - onlineAt;
  assert.ok(took < 2000, 'connected ' + took + ' ms after online');
  const n = await ticksOf(page, 'AAPL');
  await until(async () => (await ticksOf(page, 'AAPL')) > n + 10, 30000, 'resumed ticks');
  await assertContiguous(page, 'AAPL');
  assert.deepEqual(await page.evaluate(() => window.rec.resets), []);
  await page.close();
});

const setHidden = (page, hidden) =>
  page.evaluate((h) => {
    Object.defineProperty(document, 'hidden', { value: h, configurable: true });
    Object.defineProperty(document, 'visibilityState', { value: h ? 'hidden' : 'visible', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);

test('in Chromium: a hidden page keeps its connection and stops painting; shown again, it paints the latest ticks', async () => {
  // Headless Chromium keeps every page visible: the page is told it is hidden the way a browser tells it.
  const page = await openPage(main, '?shared=0', {});
  await until(async () => (await ticksOf(page, 'AAPL')) > 10, 30000, 'ticks');
  await setHidden(page, true);
  await new Promise((r) => setTimeout(r, 200));
  const before = await page.evaluate(() => [window.demo.paints, window.demo.ticks]);
  await new Promise((r) => setTimeout(r, 1500));
  const after = await page.evaluate(() => [window.demo.paints, window.demo.ticks, tickfan.state]);
  assert.equal(after[0], before[0], 'no painting while hidden');
  assert.ok(after[1] > before[1] + 20, 'ticks still arrive while hidden: ' + before[1] + ' -> ' + after[1]);
  assert.equal(after[2], 'connected');
  await setHidden(page, false);
  await until(() => page.evaluate(() => Number(document.getElementById('count').textContent) >= window.demo.ticks - 50 && window.demo.paints > 0), 5000, 'the table painted again');
  assert.ok(Number(await page.textContent('#count')) > before[1]);
  await page.close();
});

test('in Chromium: a page shown again retries at once instead of waiting out its backoff', async () => {
  const page = await chromium.context.newPage();
  await page.goto(pollOnly.url + '/?shared=0&transports=poll');
  await page.waitForFunction(() => window.tickfan);
  await page.evaluate(() => tickfan.close());
  // A bare client that can only try WebSocket, on a server without it: refused, then a long backoff.
  await page.evaluate(async (tok) => {
    const { TickfanClient } = await import('/tickfan.js');
    Math.random = () => 0.99;
    const WS = window.WebSocket;
    window.tries = [];
    const c = (window.bare = new TickfanClient({ token: tok, transports: ['ws'], minBackoffMs: 60000, maxBackoffMs: 60000, WebSocket: class extends WS {
      constructor(...a) {
        super(...a);
        window.tries.push(Date.now());
      }
    } }));
    c.subscribe('AAPL').catch(() => {});
  }, token());
  await until(() => page.evaluate(() => window.bare.state === 'reconnecting'), 10000, 'the first refusal');
  await setHidden(page, true);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await page.evaluate(() => window.tries.length), 1, 'hidden: still waiting');
  const shownAt = await page.evaluate(() => Date.now());
  await setHidden(page, false);
  await until(() => page.evaluate(() => window.tries.length >= 2), 5000, 'a retry when shown');
  assert.ok((await page.evaluate(() => window.tries[1])) - shownAt < 1000);
  await page.evaluate(() => window.bare.close());
  await page.close();
});
