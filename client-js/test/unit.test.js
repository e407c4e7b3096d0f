// Client logic without a server: backoff bounds, exact decimals, gap detection and its resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TickfanClient, Tick, backoffDelay, binaryTickToJson } from '../src/tickfan.js';

test('full-jitter backoff stays within [0, min(max, min * 2^attempt))', () => {
  assert.equal(backoffDelay(0, 250, 15000, () => 0.999999), 249);
  assert.equal(backoffDelay(3, 250, 15000, () => 0.5), 1000);
  assert.equal(backoffDelay(40, 250, 15000, () => 0.999999), 14999);
  assert.equal(backoffDelay(5, 250, 15000, () => 0), 0);
});

test('Tick.text gives the number as the server wrote it, beyond what a double holds', () => {
  const t = new Tick('{"type":"tick","sym":"X","seq":1,"ts":1795435394737057032,"ingest":1795435394737057833,"bid":0.1,"ask":12345678901.12345678}');
  assert.equal(t.text('ask'), '12345678901.12345678');
  assert.equal(t.text('ts'), '1795435394737057032');
  assert.equal(t.text('last'), undefined);
  assert.equal(t.bid, 0.1);
});

function wired() {
  const c = new TickfanClient({ url: 'http://127.0.0.1:1', token: 'x' });
  const sent = [];
  c.transport = 'ws';
  c.epoch = 'e1';
  c._conn = { open: true, send: (m) => sent.push(m), stop() {} };
  c._subs.set('A', { maxHz: 0, seq: 0, epoch: null });
  const events = [];
  for (const type of ['tick', 'gap', 'reset']) c.on(type, (e) => events.push([type, e.seq ?? e.from ?? e.sym]));
  const tick = (seq, extra = '') => c._tick('{"type":"tick","sym":"A","seq":' + seq + ',"ts":0,"ingest":0' + extra + '}');
  return { c, sent, events, tick };
}

test('a seq jump is a gap: the client drops that tick and resumes the symbol with since', () => {
  const { sent, events, tick } = wired();
  tick(5, ',"snap":true');
  tick(6);
  tick(9);
  assert.deepEqual(events, [['tick', 5], ['tick', 6], ['gap', 7]]);
  assert.deepEqual(sent, [
    { op: 'unsubscribe', symbols: ['A'] },
    { op: 'subscribe', symbols: ['A'], since: { A: 6 }, epoch: 'e1' },
  ]);
  tick(7);
  tick(6); // a duplicate of what the replay or the live stream already gave
  tick(8);
  assert.deepEqual(events.slice(3), [['tick', 7], ['tick', 8]]);
});

test('cf and reset are not gaps; a reset is an explicit event', () => {
  const { events, tick, c } = wired();
  tick(5, ',"snap":true');
  tick(9, ',"cf":true');
  c.epoch = 'e2';
  tick(1, ',"snap":true,"reset":true');
  assert.deepEqual(events, [['tick', 5], ['tick', 9], ['reset', 'A'], ['tick', 1]]);
});

test('binaryTickToJson: the documented tickfan.v1.bin layout back to the exact JSON text', () => {
  const sym = 'EUR/USD';
  const buf = new ArrayBuffer(28 + sym.length + 3 * 8);
  const v = new DataView(buf);
  v.setUint8(0, 1); // kind
  v.setUint8(1, 1 | 4); // snap, cf
  v.setUint8(2, 1 | 2 | 16); // bid, ask, last
  v.setUint8(3, sym.length);
  v.setBigInt64(4, 42n, true);
  v.setBigInt64(12, 0n, true); // no ts
  v.setBigInt64(20, 1732356000123500000n, true);
  for (let i = 0; i < sym.length; i++) v.setUint8(28 + i, sym.charCodeAt(i));
  let p = 28 + sym.length;
  for (const m of [108_512_000n, -150_000_000n, 30_000_000_000n]) { v.setBigInt64(p, m, true); p += 8; }
  assert.equal(
    binaryTickToJson(buf),
    '{"type":"tick","sym":"EUR/USD","seq":42,"ingest":1732356000123500000,"bid":1.08512,"ask":-1.5,"last":300,"snap":true,"cf":true}');
  assert.throws(() => binaryTickToJson(buf.slice(0, buf.byteLength - 1)), /malformed/);
  const other = buf.slice(0);
  new DataView(other).setUint8(0, 2);
  assert.throws(() => binaryTickToJson(other), /not a binary tick/);
});

test('a closed slow consumer reconnects the same way whether it saw the 4008 close or a reset (1006)', async () => {
  const seen = {};
  for (const code of [4008, 1006]) {
    const sockets = [];
    class FakeWebSocket {
      constructor(url) {
        this.url = url;
        this.readyState = 1;
        this.sent = [];
        sockets.push(this);
      }
      send(m) {
        this.sent.push(JSON.parse(m));
      }
      close() {}
    }
    const c = new TickfanClient({ url: 'http://127.0.0.1:1', token: 'x', transports: ['ws'], WebSocket: FakeWebSocket, minBackoffMs: 1, maxBackoffMs: 2 });
    const states = [];
    c.on('state', (e) => states.push(e.state));
    c.subscribe('A').catch(() => {});
    await new Promise((r) => setTimeout(r, 5));
    sockets[0].onopen();
    sockets[0].onmessage({ data: '{"type":"ack","id":"1","epoch":"e1"}' });
    sockets[0].onmessage({ data: '{"type":"tick","sym":"A","seq":7,"ts":0,"ingest":0,"snap":true}' });
    sockets[0].onclose({ code, reason: code === 4008 ? 'slow consumer' : '' });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(sockets.length, 2, code + ': reconnected');
    sockets[1].onopen();
    seen[code] = { states, resubscribe: sockets[1].sent.find((m) => m.op === 'subscribe') };
    c.close();
  }
  assert.deepEqual(seen[4008].states, seen[1006].states);
  assert.deepEqual(seen[4008].resubscribe.since, { A: 7 }, 'resumes from the last seq it holds');
  assert.deepEqual(seen[1006].resubscribe, seen[4008].resubscribe);
});
