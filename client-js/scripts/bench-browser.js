// Browser numbers for docs/benchmarks.md: ticks/s one page decodes and applies (demo page, WebSocket
// and SSE), tick latency at light load (server ingest to handler), and the time from a server-side
// drop (/admin/disconnect, retry_ms 0) to the first resumed tick. Run: node --experimental-websocket scripts/bench-browser.js
import { startServer, token, admin, until } from '../test/support/server.js';
import { launch } from '../test/support/browser.js';

const b = await launch();
const pct = (a, p) => a.sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))];

async function page(server, query) {
  const p = await b.context.newPage();
  await p.route('**/demo/token', (r) => r.fulfill({ json: { token: token() } }));
  await p.goto(server.url + '/' + query);
  await p.waitForFunction(() => window.tickfan);
  return p;
}

for (const transport of ['ws', 'sse']) {
  const s = await startServer(['--demo.symbols=20', '--demo.ticksPerSecond=100000', '--drain.windowMs=1']);
  const p = await page(s, '?shared=0&transports=' + transport);
  // The demo page's own client paints the DOM; measure a second, bare one: decode and apply to a Map.
  await p.evaluate(async ([t, tok]) => {
    const { TickfanClient } = await import('/tickfan.js');
    window.bare = { n: 0, book: new Map() };
    const c = new TickfanClient({ token: tok, transports: [t] });
    c.on('tick', (tick) => {
      window.bare.n++;
      window.bare.book.set(tick.sym, tick);
    });
    await c.subscribe(['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOG', 'META', 'TSLA', 'JPM', 'V', 'XOM', 'EUR/USD', 'GBP/USD', 'USD/JPY', 'BTC-USD', 'ETH-USD', 'ES.Z6', 'NQ.Z6', 'CL.F7', 'GC.G7', '^SPX']);
  }, [transport, token()]);
  await p.evaluate(() => window.tickfan.close()); // the page's painting client: off, so the bare one has the page
  await until(() => p.evaluate(() => window.bare.n > 1000), 30000);
  const a = await p.evaluate(() => [window.bare.n, performance.now()]);
  await new Promise((r) => setTimeout(r, 5000));
  const z = await p.evaluate(() => [window.bare.n, performance.now()]);
  console.log(`${transport}: one page decoded and applied ${Math.round(((z[0] - a[0]) * 1000) / (z[1] - a[1]))} ticks/s (demo feed asked for 100000/s, 20 symbols)`);
  await p.close();
  await s.stop();
}

for (const transport of ['ws', 'sse']) {
  const s = await startServer(['--demo.symbols=20', '--demo.ticksPerSecond=200', '--drain.windowMs=1']);
  const p = await page(s, '?shared=0&transports=' + transport);
  await p.evaluate(() => {
    window.lat = [];
    window.firstAfter = [];
    let mark = 0;
    tickfan.on('state', (e) => e.state === 'reconnecting' && (mark = 1));
    tickfan.on('tick', (t) => {
      const nowMs = performance.timeOrigin + performance.now();
      window.lat.push(nowMs - Number(t.text('ingest')) / 1e6);
      if (mark && !t.snap) {
        mark = 0;
        window.firstAfter.push(Date.now());
      }
    });
  });
  await new Promise((r) => setTimeout(r, 6000));
  const lat = (await p.evaluate(() => window.lat)).slice(200);
  console.log(`${transport}: latency ingest->handler at 200 ticks/s: p50 ${pct(lat, 0.5).toFixed(2)} ms, p99 ${pct(lat, 0.99).toFixed(2)} ms, max ${Math.max(...lat).toFixed(2)} ms (${lat.length} ticks)`);
  const drops = [];
  for (let i = 0; i < 5; i++) {
    const n = await p.evaluate(() => window.firstAfter.length);
    const t0 = Date.now();
    await admin(s.url, 'disconnect');
    await until(() => p.evaluate((k) => window.firstAfter.length > k, n), 20000);
    drops.push((await p.evaluate(() => window.firstAfter.at(-1))) - t0);
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`${transport}: server-side drop to first resumed tick: median ${pct(drops, 0.5)} ms, max ${Math.max(...drops)} ms (5 drops, retry_ms 0, 200 ticks/s)`);
  await p.close();
  await s.stop();
}
await b.close();
