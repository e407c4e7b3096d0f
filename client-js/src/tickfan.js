// tickfan JavaScript client: WebSocket, then SSE (fetch streaming), then long polling, each
// resumable; per-symbol seq/epoch tracking with explicit reset events; one connection per
// browser shared by every tab (SharedWorker, or BroadcastChannel with a Web Lock leader).
// Zero dependencies; runs in browsers and in Node >= 20 (WebSocket needs --experimental-websocket
// there, or pass options.WebSocket).

const PRICE_FIELDS = ['bid', 'ask', 'bsz', 'asz', 'last', 'lsz', 'ts', 'ingest'];
const TRANSPORTS = ['ws', 'sse', 'poll'];
const g = globalThis;

/** A tick: the parsed fields, plus text(field) for the exact decimal as sent. */
export class Tick {
  constructor(raw, obj) {
    Object.assign(this, obj || JSON.parse(raw));
    Object.defineProperty(this, 'raw', { value: raw });
  }
  /** The field's number exactly as the server wrote it ("189.12"), or undefined when absent. */
  text(field) {
    const m = new RegExp('"' + field + '":(-?[0-9.]+)').exec(this.raw);
    return m ? m[1] : undefined;
  }
}

const BIN_FIELDS = ['bid', 'ask', 'bsz', 'asz', 'last', 'lsz'];
const E8 = 100000000n;

function decimalText(v) {
  const neg = v < 0n;
  if (neg) v = -v;
  const f = v % E8;
  return (neg ? '-' : '') + (v / E8) + (f ? '.' + String(f).padStart(8, '0').replace(/0+$/, '') : '');
}

/**
 * A binary tick of subprotocol tickfan.v1.bin (layout in docs/protocol.md) as the JSON text the
 * server sends for the same tick, so both forms take one path and text(field) stays exact.
 */
export function binaryTickToJson(buffer) {
  const v = new DataView(buffer);
  const n = v.byteLength >= 28 ? v.getUint8(3) : 0;
  if (n === 0 || v.getUint8(0) !== 1) throw new TickfanError('bad_frame', 'not a binary tick');
  const flags = v.getUint8(1);
  const mask = v.getUint8(2);
  let fields = 0;
  for (let b = 0; b < 6; b++) fields += (mask >> b) & 1;
  if (mask > 63 || v.byteLength !== 28 + n + 8 * fields) throw new TickfanError('bad_frame', 'malformed binary tick');
  let s = '{"type":"tick","sym":"' + String.fromCharCode(...new Uint8Array(buffer, 28, n)) + '","seq":' + v.getBigInt64(4, true);
  const ts = v.getBigInt64(12, true);
  if (ts) s += ',"ts":' + ts;
  s += ',"ingest":' + v.getBigInt64(20, true);
  let p = 28 + n;
  for (let b = 0; b < 6; b++) {
    if (mask & (1 << b)) {
      s += ',"' + BIN_FIELDS[b] + '":' + decimalText(v.getBigInt64(p, true));
      p += 8;
    }
  }
  if (flags & 1) s += ',"snap":true';
  if (flags & 2) s += ',"reset":true';
  if (flags & 4) s += ',"cf":true';
  return s + '}';
}

/** Thrown or emitted for a refused operation, a refused token or a refused connection. */
export class TickfanError extends Error {
  constructor(code, message, extra) {
    super(message || code);
    this.code = code;
    Object.assign(this, extra);
  }
}

class Emitter {
  constructor() {
    this._h = new Map();
  }
  on(type, fn) {
    if (!this._h.has(type)) this._h.set(type, new Set());
    this._h.get(type).add(fn);
    return () => this.off(type, fn);
  }
  off(type, fn) {
    this._h.get(type)?.delete(fn);
  }
  emit(type, ev) {
    for (const fn of this._h.get(type) || []) {
      try {
        fn(ev);
      } catch (e) {
        setTimeout(() => {
          throw e;
        });
      }
    }
  }
}

/** Full-jitter exponential backoff: uniform in [0, min(max, min * 2^attempt)). */
export function backoffDelay(attempt, minMs, maxMs, random = Math.random) {
  return Math.floor(random() * Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30)));
}

function retryAfterMs(res) {
  const v = res.headers.get('retry-after');
  if (v == null) return null;
  const s = Number(v);
  if (!Number.isNaN(s)) return s * 1000;
  const d = Date.parse(v);
  return Number.isNaN(d) ? null : Math.max(0, d - Date.now());
}

function jwtExpMs(token) {
  try {
    const p = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(g.atob ? g.atob(p) : Buffer.from(p, 'base64').toString()).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * A connection to one tickfan server. Events (client.on(type, fn)): 'tick' (Tick), 'reset'
 * ({sym, tick, reason}), 'gap' ({sym, from, to}), 'transport' ({name, reason}), 'state'
 * ({state}), 'error' (TickfanError).
 */
export class TickfanClient extends Emitter {
  constructor(options = {}) {
    super();
    const o = (this.options = {
      url: g.location ? g.location.origin : 'http://localhost:8080',
      transports: TRANSPORTS,
      wsPath: '/ws',
      ssePath: '/sse',
      pollPath: '/poll',
      minBackoffMs: 250,
      maxBackoffMs: 15000,
      pingIntervalMs: 15000,
      deadAfterMs: 40000,
      refreshBeforeMs: 30000,
      pollWaitMs: 25000,
      ...options,
    });
    this._base = o.url.replace(/\/$/, '');
    this._WS = o.WebSocket || g.WebSocket;
    this._fetch = o.fetch || g.fetch?.bind(g);
    this._subs = new Map(); // sym -> {maxHz, seq, epoch}
    this._pending = new Map(); // id -> {resolve, reject, op, symbols}
    this._nextId = 1;
    this._ti = 0; // index in options.transports of the transport to try next
    this._attempt = 0;
    this._state = 'idle';
    this._conn = null;
    this._token = o.token || null;
    this._pos = null; // SSE / poll position id
    this._lead = this.options.refreshBeforeMs;
    this.epoch = null;
    this.transport = null;
    this.closed = false;
    this._onOnline = () => this._wake('online');
    this._onOffline = () => this._offline();
    this._onVisible = () => g.document?.visibilityState === 'visible' && this._wake('visible');
    g.addEventListener?.('online', this._onOnline);
    g.addEventListener?.('offline', this._onOffline);
    g.document?.addEventListener?.('visibilitychange', this._onVisible);
  }

  get state() {
    return this._state;
  }

  /** Subscribes; resolves once the server acknowledged (WebSocket) or the stream carrying the symbols opened. */
  subscribe(symbols, opts = {}) {
    symbols = [].concat(symbols);
    const maxHz = opts.maxHz || 0;
    const fresh = symbols.filter((s) => !this._subs.has(s));
    // since/epoch: resume symbols held elsewhere (a tab taking over a shared connection).
    for (const s of fresh) this._subs.set(s, { maxHz, seq: opts.since?.[s] || 0, epoch: opts.epoch || null });
    const p = this._request('subscribe', fresh, maxHz);
    this._ensureConnected();
    return p.catch((e) => {
      for (const s of fresh) this._subs.delete(s);
      throw e;
    });
  }

  unsubscribe(symbols) {
    symbols = [].concat(symbols).filter((s) => this._subs.delete(s));
    return this._request('unsubscribe', symbols, 0);
  }

  /** Closes the connection on purpose and reconnects at once with resume (the demo's "drop" button). */
  drop() {
    this._closeConn();
    this._schedule(0, 'dropped by the application');
  }

  /** Moves to another transport ('ws', 'sse' or 'poll'), resuming where possible. */
  switchTransport(name) {
    const i = this.options.transports.indexOf(name);
    if (i < 0) throw new TickfanError('bad_transport', 'not among options.transports: ' + name);
    this._ti = i;
    this._fellBack = false;
    this._switchReason = 'switched by the application';
    this.drop();
  }

  close() {
    this.closed = true;
    clearTimeout(this._retryTimer);
    clearTimeout(this._refreshTimer);
    this._closeConn();
    for (const p of this._pending.values()) p.reject(new TickfanError('closed', 'client closed'));
    this._pending.clear();
    g.removeEventListener?.('online', this._onOnline);
    g.removeEventListener?.('offline', this._onOffline);
    g.document?.removeEventListener?.('visibilitychange', this._onVisible);
    this._setState('closed');
  }

  // ---- requests ----------------------------------------------------------------------------

  _request(op, symbols, maxHz) {
    if (!symbols.length) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const id = String(this._nextId++);
      this._pending.set(id, { resolve, reject, op, symbols, maxHz });
      if (this._conn?.open) this._conn.request(id, op, symbols, maxHz);
    });
  }

  _settle(id, err) {
    const p = this._pending.get(id);
    if (!p) return;
    this._pending.delete(id);
    err ? p.reject(err) : p.resolve();
  }

  /** Pending requests of a connection that opened with every subscription included: all settled. */
  _settleAll(err) {
    for (const id of [...this._pending.keys()]) this._settle(id, err);
  }

  // ---- ticks -------------------------------------------------------------------------------

  _tick(raw, obj, posBefore) {
    const t = new Tick(raw, obj);
    const s = this._subs.get(t.sym);
    if (!s) return;
    const sameEpoch = s.epoch === this.epoch;
    if (t.snap) {
      if (t.reset) {
        this.emit('reset', { sym: t.sym, tick: t, reason: 'server could not resume' });
      } else if (sameEpoch && s.seq) {
        if (t.seq <= s.seq) return; // already held
        if (t.seq > s.seq + 1 && !s.maxHz)
          this.emit('reset', { sym: t.sym, tick: t, reason: 'snapshot after ticks were missed (' + this.transport + ' could not resume)' });
      } else if (s.seq && !sameEpoch) {
        this.emit('reset', { sym: t.sym, tick: t, reason: 'new epoch' });
      }
    } else if (sameEpoch && s.seq) {
      if (t.seq <= s.seq) return; // duplicate
      if (t.seq > s.seq + 1 && !t.cf && !s.maxHz) {
        this.emit('gap', { sym: t.sym, from: s.seq + 1, to: t.seq - 1 });
        this._resumeGap(t.sym, s.seq, posBefore);
        return;
      }
    }
    s.seq = t.seq;
    s.epoch = this.epoch;
    this.emit('tick', t);
  }

  _resumeGap(sym, since, posBefore) {
    if (this.transport === 'ws') {
      const s = this._subs.get(sym);
      this._conn.send({ op: 'unsubscribe', symbols: [sym] });
      this._conn.send({ op: 'subscribe', symbols: [sym], since: { [sym]: since }, epoch: this.epoch, ...(s.maxHz ? { maxHz: s.maxHz } : {}) });
    } else {
      this._pos = posBefore;
      this._closeConn();
      this._schedule(0, 'gap');
    }
  }

  // ---- connection lifecycle ----------------------------------------------------------------

  _setState(state, reason) {
    if (state !== this._state) this.emit('state', { state: (this._state = state), reason });
  }

  _ensureConnected() {
    if (!this.closed && !this._conn && !this._retryTimer) this._connect();
  }

  async _tokenNow() {
    if (this.options.getToken && (!this._token || (jwtExpMs(this._token) ?? Infinity) - Date.now() < this._lead)) {
      this._token = await this.options.getToken();
      // Refresh refreshBeforeMs ahead of exp, or half-way for a token that lives shorter than twice that.
      this._lead = Math.min(this.options.refreshBeforeMs, ((jwtExpMs(this._token) ?? Infinity) - Date.now()) / 2);
    }
    return this._token;
  }

  async _connect() {
    this._retryTimer = null;
    if (this.closed || this._conn || !this._subs.size) return;
    if (g.navigator?.onLine === false) {
      this._setState('offline');
      return; // 'online' wakes us
    }
    this._setState('connecting');
    let token;
    try {
      token = await this._tokenNow();
    } catch (e) {
      this.emit('error', new TickfanError('token', 'getToken failed: ' + e.message));
      return this._schedule(this._nextBackoff(), 'getToken failed');
    }
    if (this.closed || this._conn) return;
    const name = this.options.transports[this._ti];
    const conn = (this._conn = new (DRIVERS[name])(this, token));
    conn.start();
  }

  _nextBackoff() {
    return backoffDelay(this._attempt++, this.options.minBackoffMs, this.options.maxBackoffMs);
  }

  /** Called by a driver once its stream is live. */
  _opened(conn) {
    if (conn !== this._conn) return;
    const name = this.options.transports[this._ti];
    if (this.transport !== name) {
      this.transport = name;
      this.emit('transport', { name, reason: this._switchReason || (this._ti ? this._fallbackReason : 'preferred') });
    }
    this._switchReason = null;
    this._fellBack = false;
    this._attempt = 0;
    this._setState('connected');
    this._scheduleRefresh();
  }

  /**
   * Called by a driver when its connection ended. how: {fatal} (auth: no reconnect),
   * {unavailable} (this transport does not work here: next one), {delayMs} (server said when),
   * or nothing (backoff).
   */
  _ended(conn, reason, how = {}) {
    if (conn !== this._conn) return;
    this._conn = null;
    clearTimeout(this._refreshTimer);
    if (this.closed) return;
    if (how.fatal) {
      const err = new TickfanError(how.code || 'unauthorized', reason, { status: how.status });
      this._settleAll(err);
      this.emit('error', err);
      this._setState('failed');
      return;
    }
    if (how.unavailable && this._ti < this.options.transports.length - 1) {
      this._ti++;
      this._fallbackReason = this.options.transports[this._ti - 1] + ' unavailable: ' + reason;
      this._fellBack = true;
      return this._schedule(0, this._fallbackReason);
    }
    if (how.unavailable) this._ti = 0; // none worked: back to the first, with backoff
    if (how.refused && this._fellBack) {
      // A browser cannot see a refused upgrade's status: the 429/503 this fallback got was most
      // likely the earlier transport's refusal too, so go back to it once Retry-After has passed.
      this._ti = 0;
      this._fellBack = false;
    }
    this._schedule(how.delayMs ?? this._nextBackoff(), reason);
  }

  _schedule(delayMs, reason) {
    if (this.closed) return;
    clearTimeout(this._retryTimer);
    this._setState('reconnecting', reason);
    this._retryTimer = setTimeout(() => this._connect(), delayMs);
  }

  /** 'online', or a hidden page made visible: a reconnect waiting out its backoff goes now. */
  _wake() {
    if (this.closed) return;
    if (this._retryTimer || this._state === 'offline') {
      clearTimeout(this._retryTimer);
      this._retryTimer = null;
      this._attempt = 0;
      this._connect();
    }
  }

  /**
   * The browser says it has no network: attempts would only fail and grow the backoff, and the
   * connection's bytes have nowhere to go. Close it, wait for 'online', then resume at once.
   */
  _offline() {
    if (this.closed) return;
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    this._closeConn();
    this._setState('offline', 'the browser is offline');
  }

  _closeConn() {
    const c = this._conn;
    this._conn = null;
    clearTimeout(this._refreshTimer);
    c?.stop();
  }

  _scheduleRefresh() {
    clearTimeout(this._refreshTimer);
    const exp = this._token && jwtExpMs(this._token);
    if (!exp || !this.options.getToken) return;
    const inMs = Math.max(0, exp - Date.now() - this._lead);
    this._refreshTimer = setTimeout(() => this._refresh(), Math.min(inMs, 2 ** 31 - 1));
  }

  async _refresh() {
    let token;
    try {
      token = await this.options.getToken();
    } catch (e) {
      return this.emit('error', new TickfanError('token', 'getToken failed: ' + e.message));
    }
    this._token = token;
    this._lead = Math.min(this.options.refreshBeforeMs, ((jwtExpMs(token) ?? Infinity) - Date.now()) / 2);
    if (this._conn?.refresh) this._conn.refresh(token);
    else if (this._conn) {
      this._closeConn(); // SSE and polling send the token with each request: reopen and resume
      this._connect();
    }
  }

  _refreshed(ok, err) {
    if (ok) this._scheduleRefresh();
    else this.emit('error', new TickfanError(err?.code || 'bad_token', 'token refresh refused: ' + (err?.message || '')));
  }

  /** Subscriptions as subscribe ops (grouped by maxHz), with since/epoch to resume. */
  _resubscribeOps(skip) {
    const groups = new Map();
    for (const [sym, s] of this._subs) {
      if (skip.has(sym)) continue;
      if (!groups.has(s.maxHz)) groups.set(s.maxHz, { op: 'subscribe', symbols: [], since: {} });
      const op = groups.get(s.maxHz);
      op.symbols.push(sym);
      if (s.seq && s.epoch) op.since[sym] = s.seq;
      if (s.epoch) op.epoch = s.epoch;
      if (s.maxHz) op.maxHz = s.maxHz;
    }
    return [...groups.values()].map((op) => {
      if (!Object.keys(op.since).length) delete op.since;
      return op;
    });
  }

  _httpUrl(path, extra) {
    const q = 'symbols=' + [...this._subs.keys()].map(encodeURIComponent).join(',') + (extra || '');
    return this._base + path + '?' + q;
  }
}

// ---- transports ------------------------------------------------------------------------------

class WsDriver {
  constructor(client, token) {
    this.c = client;
    this.token = token;
    this.open = false;
  }
  start() {
    const c = this.c;
    const url = c._base.replace(/^http/, 'ws') + c.options.wsPath;
    if (!c._WS) return c._ended(this, 'no WebSocket here', { unavailable: true });
    let ws;
    try {
      const protocols = c.options.binary ? ['tickfan.v1.bin', 'tickfan.v1'] : ['tickfan.v1'];
      ws = this.ws = new c._WS(url, [...protocols, 'bearer.' + this.token]);
      ws.binaryType = 'arraybuffer';
    } catch (e) {
      return c._ended(this, 'WebSocket: ' + e.message, { unavailable: true });
    }
    this.lastRx = Date.now();
    ws.onopen = () => {
      this.open = true;
      const pending = new Set();
      for (const [id, p] of c._pending) {
        if (p.op === 'subscribe') p.symbols.forEach((s) => pending.add(s));
        else c._settle(id); // an unsubscribe on a fresh connection: nothing to undo
      }
      for (const op of c._resubscribeOps(pending)) this.send(op);
      for (const [id, p] of c._pending) this.request(id, p.op, p.symbols, p.maxHz);
      c._opened(this);
      this.ping = setInterval(() => this.send({ op: 'ping' }), Math.min(c.options.pingIntervalMs, c.options.deadAfterMs / 2));
      this.watchdog = watchdog(this, 'WebSocket');
    };
    ws.onmessage = (e) => this._message(e.data);
    // Browsers fire error then close on a refused handshake; some runtimes only error.
    ws.onerror = () => this.open || this._closed({ code: 1006 });
    ws.onclose = (e) => this._closed(e);
  }
  send(msg) {
    if (this.ws?.readyState === 1) this.ws.send(JSON.stringify(msg));
  }
  request(id, op, symbols, maxHz) {
    const msg = { op, id, symbols };
    if (maxHz) msg.maxHz = maxHz;
    if (op === 'subscribe') {
      for (const sym of symbols) {
        const s = this.c._subs.get(sym);
        if (s?.seq && s.epoch) (msg.since ||= {})[sym] = s.seq;
        if (s?.epoch) msg.epoch = s.epoch;
      }
    }
    this.send(msg);
  }
  refresh(token) {
    this.refreshId = 'r' + this.c._nextId++;
    this.send({ op: 'refresh', id: this.refreshId, token });
  }
  _message(raw) {
    this.lastRx = Date.now();
    const c = this.c;
    if (typeof raw !== 'string') {
      try {
        raw = binaryTickToJson(raw);
      } catch (e) {
        return c.emit('error', e);
      }
    }
    c.options.onMessage?.('ws', raw);
    if (raw.startsWith('{"type":"tick"')) return c._tick(raw);
    const m = JSON.parse(raw);
    if (m.type === 'ack') {
      if (m.epoch) c.epoch = m.epoch;
      if (m.id === this.refreshId) c._refreshed(true);
      c._settle(m.id);
    } else if (m.type === 'error') {
      const err = new TickfanError(m.code, m.message, { id: m.id });
      if (m.id && m.id === this.refreshId) return c._refreshed(false, err);
      if (c._pending.has(m.id)) c._settle(m.id, err);
      else c.emit('error', err);
    }
  }
  _closed(e) {
    clearInterval(this.ping);
    clearInterval(this.watchdog);
    const c = this.c;
    if (!this.open) return c._ended(this, 'WebSocket refused or blocked before open (code ' + e.code + ')', { unavailable: true });
    const m = /retry_ms=(\d+)/.exec(e.reason || '');
    const how = m ? { delayMs: Number(m[1]) } : {};
    if (e.code === 4002) how.delayMs = 0; // token expired: a fresh one is fetched before reconnecting
    c._ended(this, 'closed ' + e.code + (e.reason ? ' ' + e.reason : ''), how);
  }
  stop() {
    clearInterval(this.ping);
    clearInterval(this.watchdog);
    if (this.ws) {
      this.ws.onclose = this.ws.onmessage = null;
      try {
        this.ws.close();
      } catch {}
    }
  }
}

/**
 * Declares a live connection dead once nothing (a tick, an ack, a pong, an SSE heartbeat) arrived
 * for deadAfterMs; checked every min(1 s, deadAfterMs / 4), so noticed at most that much later. The
 * WebSocket driver pings more often than deadAfterMs; the server's SSE heartbeat (sse.heartbeatMs,
 * default 15 s) must be shorter than it.
 */
function watchdog(d, what) {
  const deadMs = d.c.options.deadAfterMs;
  return setInterval(() => {
    if (Date.now() - d.lastRx <= deadMs) return;
    d.stop();
    d.c._ended(d, what + ': nothing received for ' + deadMs + ' ms: connection dead');
  }, Math.min(1000, deadMs / 4));
}

/** Shared by the SSE and poll drivers: an HTTP status to a decision. */
function httpFailure(c, d, res, what) {
  const subscribing = [...c._pending].filter(([, p]) => p.op === 'subscribe');
  if ((res.status === 403 || res.status === 400) && subscribing.length) {
    // A symbol just asked for is refused (not entitled, bad name): refuse those requests, keep the rest.
    return res.text().then((body) => {
      for (const [id, p] of subscribing) {
        p.symbols.forEach((s) => c._subs.delete(s));
        c._settle(id, new TickfanError(res.status === 403 ? 'not_entitled' : 'bad_symbol', body));
      }
      c._ended(d, what + ' refused the new symbols', { delayMs: 0 });
    });
  }
  if (res.status === 401 || res.status === 403)
    return res.text().then((body) => c._ended(d, what + ' ' + res.status + ' ' + body, { fatal: true, status: res.status, code: res.status === 401 ? 'unauthorized' : 'forbidden' }));
  if (res.status === 429 || res.status === 503) {
    const ra = retryAfterMs(res);
    // Retry-After is the earliest moment; the full-jitter backoff on top spreads a refused crowd.
    const delayMs = ra == null ? c._nextBackoff() : ra + backoffDelay(0, c.options.minBackoffMs, c.options.maxBackoffMs);
    return c._ended(d, what + ' ' + res.status + (ra == null ? '' : ', Retry-After ' + ra + ' ms'), { delayMs, refused: true });
  }
  if (res.status === 400) return res.text().then((b) => c._ended(d, what + ' 400 ' + b, { fatal: true, status: 400, code: 'bad_request' }));
  return c._ended(d, what + ' answered ' + res.status, { unavailable: true });
}

class SseDriver {
  constructor(client, token) {
    this.c = client;
    this.token = token;
    this.open = false;
  }
  start() {
    const c = this.c;
    // Fetch streaming needs a Response with a body stream (browsers before 2019 had fetch without it).
    const streaming = c._fetch && g.ReadableStream && g.TextDecoder && (!g.Response || 'body' in g.Response.prototype);
    if (!streaming) return this._eventSource();
    this.abort = new AbortController();
    const headers = { Authorization: 'Bearer ' + this.token };
    if (c._pos) headers['Last-Event-ID'] = c._pos;
    c._fetch(c._httpUrl(c.options.ssePath), { headers, signal: this.abort.signal, cache: 'no-store' })
      .then((res) => {
        if (this.stopped) return;
        if (res.status !== 200 || !res.body) return httpFailure(c, this, res, 'SSE');
        this._live();
        return this._read(res.body.getReader());
      })
      .catch((e) => this.stopped || c._ended(this, 'SSE failed: ' + e.message, { unavailable: !this.open }));
  }
  _live() {
    this.open = true;
    this.lastRx = Date.now();
    this.c._settleAll();
    this.c._opened(this);
    this.timer = watchdog(this, 'SSE stream');
  }
  async _read(reader) {
    const dec = new TextDecoder();
    let buf = '';
    let id = null;
    let data = null;
    for (;;) {
      const { done, value } = await reader.read();
      if (this.stopped) return;
      if (done) break;
      this.lastRx = Date.now();
      buf += dec.decode(value, { stream: true });
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === '') {
          if (id !== null || data !== null) this.retryMs = null;
          this._event(id, data);
          id = data = null;
        } else if (line.startsWith('retry: ')) this.retryMs = Number(line.slice(7));
        else if (line.startsWith('data: ')) data = line.slice(6);
        else if (line.startsWith('id: ')) id = line.slice(4);
        else if (line === 'id:') id = '';
      }
    }
    this.stop();
    // A retry: record just before the end is the server's drain hint (its own jittered delay).
    const last = this.retryMs;
    this.c._ended(this, 'SSE stream ended' + (last != null ? '; retry ' + last + ' ms' : ''), last != null && this.events > 1 ? { delayMs: last } : {});
  }
  _event(id, data) {
    const c = this.c;
    this.events = (this.events || 0) + 1;
    if (data) c.options.onMessage?.('sse', data, id);
    const before = c._pos;
    if (id) {
      c._pos = id;
      c.epoch = id.slice(0, id.lastIndexOf('-'));
    }
    if (data) c._tick(data, null, before);
  }
  _eventSource() {
    // No fetch streaming: EventSource with the cookie the application set (auth.cookieName).
    const c = this.c;
    if (!g.EventSource) return c._ended(this, 'no fetch streaming and no EventSource', { unavailable: true });
    const es = (this.es = new g.EventSource(c._httpUrl(c.options.ssePath, c._pos ? '&lastEventId=' + encodeURIComponent(c._pos) : ''), { withCredentials: true }));
    es.onopen = () => this.open || this._live();
    es.addEventListener('tick', (e) => {
      this.lastRx = Date.now();
      this._event(e.lastEventId, e.data);
    });
    es.onerror = () => {
      this.stop();
      c._ended(this, 'EventSource failed', { unavailable: !this.open });
    };
  }
  request() {
    // A changed symbol set reopens the stream, resuming from the position held.
    queueMicrotask(() => {
      if (this.c._conn !== this) return;
      this.c._closeConn();
      this.c._connect();
    });
  }
  stop() {
    this.stopped = true;
    clearInterval(this.timer);
    this.abort?.abort();
    this.es?.close();
  }
}

class PollDriver {
  constructor(client, token) {
    this.c = client;
    this.token = token;
    this.open = false;
  }
  start() {
    this._poll();
  }
  async _poll() {
    const c = this.c;
    while (!this.stopped) {
      this.abort = new AbortController();
      const since = c._pos ? '&since=' + encodeURIComponent(c._pos) : '';
      let res, body;
      // A poll answers within pollWaitMs; one that does not is stuck on a dead connection or server.
      const deadline = setTimeout(() => this.abort.abort(), c.options.pollWaitMs + c.options.deadAfterMs);
      try {
        res = await c._fetch(c._httpUrl(c.options.pollPath, since + '&waitMs=' + c.options.pollWaitMs), {
          headers: { Authorization: 'Bearer ' + this.token },
          signal: this.abort.signal,
          cache: 'no-store',
        });
        if (this.stopped) return;
        if (res.status !== 200) return httpFailure(c, this, res, 'poll');
        body = await res.text();
      } catch (e) {
        if (!this.stopped) c._ended(this, 'poll failed: ' + e.message, { unavailable: !this.open });
        return;
      } finally {
        clearTimeout(deadline);
      }
      if (this.stopped) return;
      c.options.onMessage?.('poll', body);
      if (!this.open) {
        this.open = true;
        c._settleAll();
        c._opened(this);
      }
      const pos = /"position":"([^"]*)"/.exec(body)[1];
      const before = c._pos;
      c.epoch = pos.slice(0, pos.lastIndexOf('-'));
      c._pos = pos;
      // Each tick is one flat JSON object: its raw text keeps the exact decimals.
      for (const m of body.slice(body.indexOf('"ticks"')).matchAll(/\{[^{}]*\}/g)) {
        c._tick(m[0], null, before);
        if (this.stopped) return;
      }
    }
  }
  request() {
    // The next poll carries the new symbol set; cut the one waiting now.
    queueMicrotask(() => {
      if (this.c._conn !== this) return;
      this.c._closeConn();
      this.c._connect();
    });
  }
  stop() {
    this.stopped = true;
    this.abort?.abort();
  }
}

const DRIVERS = { ws: WsDriver, sse: SseDriver, poll: PollDriver };


// ---- one connection for every tab ----------------------------------------------------------

/**
 * Runs one TickfanClient for many peers (tabs): reference-counts their symbols, forwards each
 * tick only to the peers that want it, answers a late subscriber with the latest tick at once, and
 * asks a peer for a token when the server needs one. send(peer, msg) delivers to one peer.
 */
export class Hub {
  constructor(options, send) {
    this.send = send;
    this.peers = new Map(); // peer -> Set(sym)
    this.bySym = new Map(); // sym -> Set(peer)
    this.last = new Map(); // sym -> raw of the latest tick
    this.asks = new Map();
    this.n = 0;
    const c = (this.client = new TickfanClient({ ...options, getToken: () => this._askToken() }));
    c.on('tick', (t) => {
      this.last.set(t.sym, t.raw);
      for (const p of this.bySym.get(t.sym) || []) send(p, { t: 'tick', raw: t.raw });
    });
    for (const type of ['reset', 'gap'])
      c.on(type, (e) => {
        for (const p of this.bySym.get(e.sym) || []) send(p, { t: type, ev: { ...e, tick: e.tick?.raw } });
      });
    for (const type of ['transport', 'state', 'error'])
      c.on(type, (e) => this._all({ t: type, ev: type === 'error' ? { code: e.code, message: e.message } : e }));
  }
  _all(msg) {
    for (const p of this.peers.keys()) this.send(p, msg);
  }
  _askToken() {
    const peers = [...this.peers.keys()];
    return new Promise((resolve, reject) => {
      const tryNext = () => {
        const p = peers.shift();
        if (p === undefined) return reject(new Error('no tab answered the token request'));
        const id = ++this.n;
        const timer = setTimeout(() => {
          this.asks.delete(id);
          tryNext();
        }, 5000);
        this.asks.set(id, (token) => {
          clearTimeout(timer);
          resolve(token);
        });
        this.send(p, { t: 'getToken', id });
      };
      tryNext();
    });
  }
  handle(peer, m) {
    const c = this.client;
    if (!this.peers.has(peer)) {
      this.peers.set(peer, new Set());
      this.send(peer, { t: 'hello', transport: c.transport, state: c.state });
    }
    const mine = this.peers.get(peer);
    const reply = (p) =>
      p.then(
        () => this.send(peer, { t: 'done', id: m.id }),
        (e) => this.send(peer, { t: 'done', id: m.id, err: { code: e.code, message: e.message } })
      );
    switch (m.t) {
      case 'sub': {
        const fresh = m.symbols.filter((s) => !this.bySym.get(s)?.size);
        for (const s of m.symbols) {
          mine.add(s);
          if (!this.bySym.has(s)) this.bySym.set(s, new Set());
          this.bySym.get(s).add(peer);
          if (!fresh.includes(s) && this.last.has(s)) this.send(peer, { t: 'tick', raw: this.last.get(s), snap: true });
        }
        return reply(
          c.subscribe(fresh, { maxHz: m.maxHz, since: m.since, epoch: m.epoch }).catch((e) => {
            for (const s of fresh) this._drop(peer, s);
            throw e;
          })
        );
      }
      case 'unsub':
        return reply(c.unsubscribe(m.symbols.filter((s) => this._drop(peer, s))));
      case 'token':
        return this.asks.get(m.id)?.(m.token);
      case 'bye': {
        const orphans = [...mine].filter((s) => this._drop(peer, s));
        this.peers.delete(peer);
        if (orphans.length) c.unsubscribe(orphans);
        return;
      }
      case 'drop':
        return c.drop();
      case 'switch':
        return c.switchTransport(m.name);
    }
  }
  /** Removes peer's interest in sym; true when nobody wants sym any more. */
  _drop(peer, sym) {
    this.peers.get(peer)?.delete(sym);
    const set = this.bySym.get(sym);
    set?.delete(peer);
    if (set && !set.size) {
      this.bySym.delete(sym);
      this.last.delete(sym);
      return true;
    }
    return false;
  }
}

/**
 * The tab's side of a shared connection: the TickfanClient API, over a port to the Hub (a
 * SharedWorker's port, or a BroadcastChannel to the tab that holds the leader lock).
 */
export class SharedTickfanClient extends Emitter {
  constructor(options, link) {
    super();
    this.options = options;
    this.transport = null;
    this.state = 'connecting';
    this._subs = new Map(); // sym -> {maxHz, seq, epoch}
    this._pending = new Map();
    this._n = 0;
    this._link = link;
    link.onmessage = (m) => this._message(m);
  }
  _message(m) {
    switch (m.t) {
      case 'hello':
        this.transport = m.transport;
        if (m.state) this.state = m.state;
        return;
      case 'tick': {
        const t = new Tick(m.raw);
        const s = this._subs.get(t.sym);
        if (!s || (t.seq <= s.seq && !t.reset)) return;
        if (m.snap) t.snap = true;
        s.seq = t.seq;
        return this.emit('tick', t);
      }
      case 'reset':
      case 'gap':
        return this.emit(m.t, { ...m.ev, tick: m.ev.tick && new Tick(m.ev.tick) });
      case 'transport':
        this.transport = m.ev.name;
        return this.emit('transport', m.ev);
      case 'state':
        this.state = m.ev.state;
        return this.emit('state', m.ev);
      case 'error':
        return this.emit('error', new TickfanError(m.ev.code, m.ev.message));
      case 'done': {
        const p = this._pending.get(m.id);
        this._pending.delete(m.id);
        return m.err ? p?.reject(new TickfanError(m.err.code, m.err.message)) : p?.resolve();
      }
      case 'getToken':
        return Promise.resolve(this.options.getToken ? this.options.getToken() : this.options.token).then((token) =>
          this._link.post({ t: 'token', id: m.id, token })
        );
      case 'leader': // a new tab leads: tell it what this tab holds, so it resumes
        return this._resubscribe();
    }
  }
  _call(msg) {
    const id = ++this._n;
    return new Promise((resolve, reject) => {
      this._pending.set(id, { resolve, reject, msg: { ...msg, id } });
      this._link.post({ ...msg, id });
    });
  }
  subscribe(symbols, opts = {}) {
    symbols = [].concat(symbols).filter((s) => !this._subs.has(s));
    for (const s of symbols) this._subs.set(s, { maxHz: opts.maxHz || 0, seq: 0 });
    return this._call({ t: 'sub', symbols, maxHz: opts.maxHz || 0 }).catch((e) => {
      for (const s of symbols) this._subs.delete(s);
      throw e;
    });
  }
  unsubscribe(symbols) {
    symbols = [].concat(symbols).filter((s) => this._subs.delete(s));
    return this._call({ t: 'unsub', symbols });
  }
  _resubscribe() {
    const asked = new Set();
    for (const p of this._pending.values()) {
      this._link.post(p.msg);
      if (p.msg.t === 'sub') p.msg.symbols.forEach((s) => asked.add(s));
    }
    const byHz = new Map();
    for (const [s, v] of this._subs) {
      if (asked.has(s)) continue;
      if (!byHz.has(v.maxHz)) byHz.set(v.maxHz, { t: 'sub', symbols: [], maxHz: v.maxHz, since: {} });
      const m = byHz.get(v.maxHz);
      m.symbols.push(s);
      if (v.seq) m.since[s] = v.seq;
    }
    for (const m of byHz.values()) this._link.post({ ...m, id: 0 });
  }
  drop() {
    this._link.post({ t: 'drop' });
  }
  switchTransport(name) {
    this._link.post({ t: 'switch', name });
  }
  close() {
    this._link.post({ t: 'bye' });
    this._link.close?.();
    this.state = 'closed';
  }
}

function sharedWorkerLink(workerUrl, name) {
  const w = new g.SharedWorker(workerUrl, { type: 'module', name });
  const link = {
    post: (m) => w.port.postMessage(m),
    close: () => w.port.close(),
  };
  w.port.onmessage = (e) => link.onmessage(e.data);
  w.port.start();
  return link;
}

function broadcastLink(options, name) {
  // Every tab talks over one BroadcastChannel; the tab holding the Web Lock runs the Hub.
  const me = Math.random().toString(36).slice(2);
  const bc = new g.BroadcastChannel(name);
  let hub = null;
  const link = {
    post: (m) => (hub ? hub.handle(me, m) : bc.postMessage({ ...m, from: me })),
    close: () => {
      bc.close();
      hub?.client.close();
      release?.();
    },
  };
  let release;
  bc.onmessage = (e) => {
    const m = e.data;
    if (m.from && hub) hub.handle(m.from, m);
    else if (m.to === me || m.to === '*') link.onmessage(m);
  };
  g.navigator.locks.request(name, () => {
    hub = new Hub(options, (peer, msg) => (peer === me ? link.onmessage(msg) : bc.postMessage({ ...msg, to: peer })));
    bc.postMessage({ t: 'leader', to: '*' });
    link.onmessage({ t: 'leader' });
    return new Promise((r) => (release = r));
  });
  return link;
}

/**
 * A client for this page: with options.shared (the default in browsers), one connection for every
 * tab of the origin through a SharedWorker (options.workerUrl, default ./tickfan-worker.js beside
 * this module), else through a BroadcastChannel led by one tab; otherwise a direct TickfanClient.
 */
export function connect(options = {}) {
  const shared = options.shared ?? !!g.document;
  const name = 'tickfan:' + (options.url || g.location?.origin);
  const opts = { ...options };
  delete opts.getToken; // functions stay in the tab; the hub asks for tokens by message
  delete opts.WebSocket;
  delete opts.fetch;
  if (shared && g.SharedWorker && options.sharedWorker !== false) {
    const url = options.workerUrl || new URL('./tickfan-worker.js', import.meta.url);
    const client = new SharedTickfanClient(options, sharedWorkerLink(url, name));
    client._link.post({ t: 'init', options: opts });
    g.addEventListener?.('pagehide', () => client.close());
    return client;
  }
  if (shared && g.BroadcastChannel && g.navigator?.locks) {
    const client = new SharedTickfanClient(options, broadcastLink(opts, name));
    g.addEventListener?.('pagehide', () => client.close());
    return client;
  }
  return new TickfanClient(options);
}
