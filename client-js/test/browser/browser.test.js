// The client and the demo page in Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// against real servers: transports and fallback, resume, reset, refresh, shared tabs, the demo page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, token, admin, until } from '../support/server.js';
import { launch } from '../support/browser.js';

const TARGET = path.resolve(fileURLToPath(import.meta.url), '../../../target');
const FEED = ['--demo.symbols=20', '--demo.ticksPerSecond=400', '--poll.requestsPerSecondPerIp=200', '--poll.burst=400'];
let main, sseOnly, pollOnly, demo, chromium;

before(async () => {
  [main, sseOnly, pollOnly, demo, chromium] = await Promise.all([
    startServer([...FEED, '--auth.expiryGraceMs=200', '--auth.leewaySeconds=0']),
    startServer([...FEED, '--ws.path=/off']),
    startServer([...FEED, '--ws.path=/off', '--sse.path=/off2']),
    startServer(FEED, { noKey: true }), // no key: the server makes a secret and serves its demo token
    launch(),
  ]);
});

after(async () => {
  await chromium?.close();
  await Promise.all([main, sseOnly, pollOnly, demo].map((s) => s?.stop()));
});

/**
 * Opens the demo page; with a key configured the test hands it a token of ours through a route
 * on /demo/token (what a real deployment's token endpoint would do). Installs a recorder of seqs.
 */
async function openPage(server, query = '', tokenOpts) {
  const page = await chromium.context.newPage();
  page.tokenRequests = 0;
  if (tokenOpts) {
    await page.route('**/demo/token', (route) => {
      page.tokenRequests++;
      return route.fulfill({ json: { token: token(tokenOpts) } });
    });
  }
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
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

async function sharedTabs(count, init) {
  const context = chromium.context;
  const pages = [];
  for (let i = 0; i < count; i++) {
    const page = await context.newPage();
    if (init) await page.addInitScript(init);
    await page.route('**/demo/token', (route) => route.fulfill({ json: { token: token() } }));
    await page.goto(main.url + '/?shared=1');
    pages.push(page);
  }
  // Polled from here: a background tab runs no requestAnimationFrame, which waitForFunction uses.
  let seen = [];
  await until(async () => (seen = await Promise.all(pages.map((p) => p.evaluate(() => [window.demo?.ticks ?? 0, window.tickfan?.state, document.getElementById('log')?.textContent])))).every((n) => n[0] > 20), 60000, 'ticks in every tab', 500).catch((e) => {
    throw new Error(e.message + ': ' + JSON.stringify(seen));
  });
  // Every tab is live; the server holds one session for them all.
  assert.equal((await admin(main.url, 'disconnect')).sessions, 1);
  const counts = await Promise.all(pages.map((p) => p.evaluate(() => window.demo.ticks)));
  await until(async () => {
    const now = await Promise.all(pages.map((p) => p.evaluate(() => window.demo.ticks)));
    return now.every((n, i) => n > counts[i] + 20);
  }, 60000, 'every tab resumed', 500);
  assert.equal((await admin(main.url, 'disconnect')).sessions, 1, 'still one connection after the resume');
  for (const p of pages) await p.close();
}

test('in Chromium: 5 tabs share one connection (SharedWorker)', async () => {
  await sharedTabs(5);
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
