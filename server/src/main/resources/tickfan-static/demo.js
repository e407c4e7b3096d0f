// The demo page: a live table of the demo feed through the tickfan JavaScript client.
import { connect } from '/tickfan.js';

const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOG', 'META', 'TSLA', 'JPM', 'V', 'XOM',
  'EUR/USD', 'GBP/USD', 'USD/JPY', 'BTC-USD', 'ETH-USD', 'ES.Z6', 'NQ.Z6', 'CL.F7', 'GC.G7', '^SPX'];
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const shared = params.get('shared') !== '0';
$('shared').checked = shared;
$('shared').onchange = () => {
  params.set('shared', $('shared').checked ? '1' : '0');
  location.search = params;
};

// The token comes from a same-origin endpoint (only while no key is configured), never from the URL.
async function getToken() {
  const res = await fetch('/demo/token', { cache: 'no-store' });
  if (!res.ok) throw new Error('no demo token (' + res.status + ')');
  return (await res.json()).token;
}

const transports = (params.get('transports') || 'ws,sse,poll').split(',');
const client = connect({ getToken, shared, transports, workerUrl: '/tickfan-worker.js' });
window.tickfan = client;
window.demo = { ticks: 0, resets: 0, gaps: 0, transports: [] };

const rows = new Map();
for (const sym of SYMBOLS) {
  const tr = document.createElement('tr');
  tr.innerHTML = '<td></td><td></td><td></td><td></td><td><svg width="90" height="20"><polyline/></svg></td><td></td><td></td>';
  tr.cells[0].textContent = sym;
  $('quotes').tBodies[0].append(tr);
  rows.set(sym, { tr, points: [], ts: 0, tick: null, dirty: false });
}

function flash(td, text) {
  if (text === undefined || text === td.textContent) return;
  const prev = td.textContent;
  td.textContent = text;
  if (prev) {
    td.className = Number(text) >= Number(prev) ? 'up' : 'down';
    setTimeout(() => (td.className = ''), 250);
  }
}

// A tick only updates the model; paint() draws it once per frame, and not at all while the page is
// hidden (the connection stays, so the table is current the moment the page shows again).
client.on('tick', (t) => {
  const r = rows.get(t.sym);
  if (!r) return;
  window.demo.ticks++;
  r.tick = t;
  r.ts = Date.now();
  r.points.push(((t.bid ?? 0) + (t.ask ?? 0)) / 2);
  if (r.points.length > 40) r.points.shift();
  r.dirty = true;
});
client.on('reset', (e) => {
  window.demo.resets++;
  log('reset ' + e.sym + ': ' + e.reason);
});
client.on('gap', (e) => {
  window.demo.gaps++;
  log('gap on ' + e.sym + ' (' + e.from + '..' + e.to + '), resuming');
});
client.on('transport', (e) => {
  window.demo.transports.push(e.name);
  $('transport').textContent = e.name;
  $('reason').textContent = e.reason === 'preferred' ? '' : '(' + e.reason + ')';
  $('switch').value = e.name;
});
client.on('state', (e) => ($('state').textContent = e.state));
client.on('error', (e) => log('error ' + e.code + ': ' + e.message));

function log(line) {
  const el = $('log');
  el.textContent = (new Date().toISOString().slice(11, 23) + ' ' + line + '\n' + el.textContent).slice(0, 2000);
}

// Painting once per frame keeps a fast feed cheap: the DOM changes at most 60 times a second.
function paint() {
  requestAnimationFrame(paint);
  if (document.hidden) return;
  window.demo.paints = (window.demo.paints || 0) + 1;
  const now = Date.now();
  $('count').textContent = window.demo.ticks;
  $('resets').textContent = window.demo.resets;
  for (const r of rows.values()) {
    if (r.ts) r.tr.cells[6].textContent = ((now - r.ts) / 1000).toFixed(1) + 's';
    if (!r.dirty) continue;
    r.dirty = false;
    const t = r.tick;
    const cells = r.tr.cells;
    flash(cells[1], t.text('bid'));
    flash(cells[2], t.text('ask'));
    cells[3].textContent = t.text('last') ?? '';
    cells[5].textContent = t.seq;
    const lo = Math.min(...r.points);
    const hi = Math.max(...r.points);
    const pts = r.points.map((v, i) => i * 2.25 + ',' + (19 - ((v - lo) / (hi - lo || 1)) * 18).toFixed(1));
    r.tr.cells[4].firstChild.firstChild.setAttribute('points', pts.join(' '));
  }
}
requestAnimationFrame(paint);

$('drop').onclick = () => {
  log('dropping the connection');
  client.drop();
};
$('switch').onchange = (e) => client.switchTransport(e.target.value);
if (client.transport) $('transport').textContent = client.transport;
client.subscribe(SYMBOLS).catch((e) => log('subscribe failed: ' + e.message));
