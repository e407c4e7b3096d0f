// Types of the tickfan JavaScript client. Message shapes follow docs/asyncapi.yaml (schemas Tick, Ack, Error).

export type TransportName = 'ws' | 'sse' | 'poll';
export type State = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'failed' | 'closed';
/** Decimal fields: read exactly with tick.text(field). */
export type DecimalField = 'bid' | 'ask' | 'bsz' | 'asz' | 'last' | 'lsz';

/** asyncapi.yaml#/components/schemas/Tick: the symbol's merged state as of this update. */
export interface TickMessage {
  type: 'tick';
  sym: string;
  /** Per-symbol sequence number, from 1 (0 in the empty reset snapshot of a symbol with no tick yet). */
  seq: number;
  /** Exchange time, epoch ns (a double here: use text('ts') for every digit); absent when the publisher sent none. */
  ts?: number;
  /** When the server accepted the tick, epoch ns (text('ingest') for every digit). */
  ingest: number;
  bid?: number;
  ask?: number;
  bsz?: number;
  asz?: number;
  last?: number;
  lsz?: number;
  /** The snapshot sent on subscribe. */
  snap?: true;
  /** A resume could not be honoured: this snapshot replaces what the client had. */
  reset?: true;
  /** Ticks before this one were skipped for this client (it fell behind). */
  cf?: true;
}

export declare class Tick implements TickMessage {
  type: 'tick';
  sym: string;
  seq: number;
  ts?: number;
  ingest: number;
  bid?: number;
  ask?: number;
  bsz?: number;
  asz?: number;
  last?: number;
  lsz?: number;
  snap?: true;
  reset?: true;
  cf?: true;
  /** The tick's JSON as received. */
  readonly raw: string;
  /** The field's number exactly as the server wrote it ("189.12"), or undefined when absent. */
  text(field: DecimalField | 'ts' | 'ingest' | 'seq'): string | undefined;
}

/** asyncapi.yaml#/components/schemas/Error codes, plus the client's own. */
export type ErrorCode =
  | 'bad_json' | 'unknown_op' | 'bad_symbol' | 'too_many_symbols' | 'not_entitled' | 'forbidden'
  | 'bad_tick' | 'back_pressured' | 'rate_limited' | 'bad_token' | 'capacity'
  | 'overloaded' | 'token_expired' | 'unavailable'
  | 'unauthorized' | 'bad_request' | 'token' | 'closed' | 'bad_transport' | 'bad_frame';

export declare class TickfanError extends Error {
  code: ErrorCode;
  /** HTTP status of a refused SSE or poll request. */
  status?: number;
}

export interface ClientOptions {
  /** Server base URL (http or https); default: the page's origin. */
  url?: string;
  /** A fixed token; or getToken. */
  token?: string;
  /** Called for the first token and before each exp (refreshBeforeMs ahead); the token goes out with the refresh op. */
  getToken?: () => string | Promise<string>;
  /** Transports in order of preference; default ['ws', 'sse', 'poll']. */
  transports?: TransportName[];
  wsPath?: string;
  ssePath?: string;
  pollPath?: string;
  /** Full-jitter backoff bounds; default 250 and 15000 ms. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** WebSocket ping op interval; default 15000 ms. */
  pingIntervalMs?: number;
  /**
   * Nothing received (tick, ack, pong, SSE heartbeat) for this long: the connection is declared dead
   * and the client reconnects and resumes; noticed at most min(1000, deadAfterMs / 4) ms later.
   * Must exceed the server's sse.heartbeatMs (15 s) for SSE. A poll unanswered for pollWaitMs +
   * deadAfterMs is abandoned likewise. Default 40000 ms.
   */
  deadAfterMs?: number;
  /** Refresh this long before exp (at most half the token's life); default 30000 ms. */
  refreshBeforeMs?: number;
  /** Longest wait of one poll; default 25000 ms. */
  pollWaitMs?: number;
  /** WebSocket and fetch implementations (default: the global ones). */
  WebSocket?: typeof WebSocket;
  fetch?: typeof fetch;
  /**
   * Over WebSocket, offer tickfan.v1.bin first: ticks then travel as binary frames (about half the
   * bytes of JSON; layout in docs/protocol.md) and reach the application exactly as JSON ticks do,
   * text(field) included. A server without it answers tickfan.v1 and JSON. Default false.
   */
  binary?: boolean;
  /**
   * Every server message: ('ws', frame), ('sse', data, id), ('poll', body); a binary tick as the
   * JSON text the server would have sent for it. For logging and contract tests.
   */
  onMessage?: (transport: TransportName, text: string, id?: string | null) => void;
}

export interface SharedOptions extends ClientOptions {
  /** Share one connection between every tab of the origin; default true in browsers. */
  shared?: boolean;
  /** false: use the BroadcastChannel fallback even where SharedWorker exists. */
  sharedWorker?: boolean;
  /** URL of tickfan-worker.js; default beside tickfan.js. */
  workerUrl?: string | URL;
}

export interface SubscribeOptions {
  /** At most this many updates per second for these symbols (the latest value; seq jumps on purpose). */
  maxHz?: number;
}

export interface Events {
  tick: Tick;
  reset: { sym: string; tick: Tick; reason: string };
  gap: { sym: string; from: number; to: number };
  transport: { name: TransportName; reason: string };
  state: { state: State; reason?: string };
  error: TickfanError;
}

export interface Client {
  readonly transport: TransportName | null;
  readonly state: State;
  on<K extends keyof Events>(type: K, fn: (ev: Events[K]) => void): () => void;
  off<K extends keyof Events>(type: K, fn: (ev: Events[K]) => void): void;
  /** Settled by the server's ack (WebSocket) or the stream carrying the symbols opening; rejects with TickfanError. */
  subscribe(symbols: string | string[], opts?: SubscribeOptions): Promise<void>;
  unsubscribe(symbols: string | string[]): Promise<void>;
  /** Closes the connection and reconnects at once, resuming. */
  drop(): void;
  switchTransport(name: TransportName): void;
  close(): void;
}

export declare class TickfanClient implements Client {
  constructor(options?: ClientOptions);
  readonly transport: TransportName | null;
  readonly state: State;
  /** The server's epoch (from the WebSocket ack or the SSE/poll position). */
  readonly epoch: string | null;
  on<K extends keyof Events>(type: K, fn: (ev: Events[K]) => void): () => void;
  off<K extends keyof Events>(type: K, fn: (ev: Events[K]) => void): void;
  subscribe(symbols: string | string[], opts?: SubscribeOptions): Promise<void>;
  unsubscribe(symbols: string | string[]): Promise<void>;
  drop(): void;
  switchTransport(name: TransportName): void;
  close(): void;
}

export declare class SharedTickfanClient implements Client {
  readonly transport: TransportName | null;
  readonly state: State;
  on<K extends keyof Events>(type: K, fn: (ev: Events[K]) => void): () => void;
  off<K extends keyof Events>(type: K, fn: (ev: Events[K]) => void): void;
  subscribe(symbols: string | string[], opts?: SubscribeOptions): Promise<void>;
  unsubscribe(symbols: string | string[]): Promise<void>;
  drop(): void;
  switchTransport(name: TransportName): void;
  close(): void;
}

/** Runs one client for many tabs (used by tickfan-worker.js and the BroadcastChannel leader). */
export declare class Hub {
  constructor(options: ClientOptions, send: (peer: unknown, msg: unknown) => void);
  handle(peer: unknown, msg: unknown): void;
}

/** One connection per browser shared by every tab (SharedWorker, else BroadcastChannel), or a direct client. */
export declare function connect(options?: SharedOptions): Client;

/** Full-jitter exponential backoff delay in ms. */
export declare function backoffDelay(attempt: number, minMs: number, maxMs: number, random?: () => number): number;

/** A tickfan.v1.bin tick as the JSON text the server sends for the same tick. */
export declare function binaryTickToJson(buffer: ArrayBuffer): string;
