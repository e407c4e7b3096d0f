// A control for docs/benchmarks.md, without tickfan: how many WebSocket messages per second
// Chromium hands one page from a trivial Node server (the `ws` library bundled in playwright-core)
// that sends one tick-sized JSON message per frame (ws1) or 20 per frame (ws20), against the same
// ticks as an SSE stream read with fetch (sse). The page's handler parses each message and counts.
// Run: node scripts/ws-control.js
import http from 'node:http';
import { createRequire } from 'node:module';
import { launch } from '../test/support/browser.js';
const require = createRequire(import.meta.url);
// Not an exported path of playwright-core: its bundled copy of `ws`, so the control adds no dependency.
const { wsServer } = require('../node_modules/playwright-core/lib/utilsBundle.js');
const MSG = JSON.stringify({ type: 'tick', sym: 'AAPL', seq: 123456, ts: 1796598744600095073, ingest: 1796598744600101304, bid: 281.01, ask: 281.03, bsz: 700, asz: 400, last: 281.01, lsz: 67 });
const srv = http.createServer((req, res) => {
  if (req.url === '/') { res.setHeader('content-type', 'text/html'); return res.end('<p>x</p>'); }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const ev = 'id: 1-1\nevent: tick\ndata: ' + MSG + '\n\n';
  const pump = () => { while (res.write(ev.repeat(50))) if (res.closed) return; };
  res.on('drain', pump); pump();
  req.on('close', () => res.destroy());
});
const wss = new wsServer({ server: srv });
wss.on('connection', (ws, req) => {
  const per = Number(new URL(req.url, 'http://x').searchParams.get('per') || 1);
  const payload = per === 1 ? MSG : '[' + Array(per).fill(MSG).join(',') + ']';
  const pump = () => {
    if (ws.readyState !== 1) return;
    for (let i = 0; i < 200 && ws._socket.writableLength < 1 << 20; i++) ws.send(payload);
    setTimeout(pump, ws._socket.writableLength < 1 << 20 ? 0 : 5);
  };
  pump();
});
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
const url = 'http://127.0.0.1:' + srv.address().port;
const b = await launch();
const p = await b.context.newPage();
await p.goto(url + '/');
for (const mode of ['ws1', 'ws20', 'sse']) {
  const r = await p.evaluate(async ([mode, url]) => {
    let n = 0, busy = 0, msgs = 0;
    let stop;
    if (mode.startsWith('ws')) {
      const ws = new WebSocket(url.replace('http', 'ws') + '/?per=' + mode.slice(2));
      ws.onmessage = (e) => { const t0 = performance.now(); msgs++; const o = JSON.parse(e.data); n += Array.isArray(o) ? o.length : 1; busy += performance.now() - t0; };
      stop = () => ws.close();
    } else {
      const ac = new AbortController();
      const res = await fetch(url + '/sse', { signal: ac.signal });
      const rd = res.body.getReader(); const dec = new TextDecoder(); let buf = '';
      (async () => { try { for (;;) { const { value, done } = await rd.read(); if (done) break; const t0 = performance.now(); msgs++; buf += dec.decode(value, { stream: true }); const lines = buf.split('\n'); buf = lines.pop(); for (const l of lines) if (l.startsWith('data: ')) { n++; JSON.parse(l.slice(6)); } busy += performance.now() - t0; } } catch {} })();
      stop = () => ac.abort();
    }
    await new Promise((r) => setTimeout(r, 2000));
    const a = [n, busy, msgs]; const t = performance.now();
    await new Promise((r) => setTimeout(r, 4000));
    const dt = performance.now() - t;
    stop();
    return { ticksPerSec: Math.round((n - a[0]) * 1000 / dt), eventsPerSec: Math.round((msgs - a[2]) * 1000 / dt), handlerBusyPct: Math.round((busy - a[1]) * 100 / dt) };
  }, [mode, url]);
  console.log(mode, JSON.stringify(r));
}
await b.close(); srv.close(); process.exit(0);
