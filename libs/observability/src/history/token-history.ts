import { LruMap } from '@app/common';

/** Minutes kept: the console's dashboard shows the last hour; Prometheus stays the long-term store. */
export const HISTORY_MINUTES = 60;
/** Distinct clients counted per minute; the rest are summed under OTHER_CLIENTS so a flood of ids costs nothing. */
const CLIENTS_PER_MINUTE = 200;
export const OTHER_CLIENTS = '(other clients)';
/** Clients whose last token time is remembered (least recently issued dropped first). */
const LAST_ISSUED_CAPACITY = 100_000;
/** Top clients reported per minute and for the hour. */
const TOP = 5;

/**
 * Latency buckets: upper bounds in milliseconds growing by 25 % from 0.05 ms (so a percentile is read to within
 * a quarter of its value) up to ~30 s; the last bucket holds anything slower.
 */
const LATENCY_BOUNDS_MS: readonly number[] = Array.from({ length: 60 }, (_, i) => 0.05 * 1.25 ** i);
const LOG_GROWTH = Math.log(1.25);

interface Minute {
  /** Minute number since the epoch. */
  readonly index: number;
  issued: number;
  authFailures: number;
  throttled: number;
  readonly byClient: Map<string, number>;
  readonly latency: Uint32Array;
  latencyCount: number;
  /** Client-cache counters when the minute began, and their increase once it has ended. */
  readonly cacheAtStart: CacheCounters;
  cacheHits: number | undefined;
  cacheMisses: number | undefined;
}

export interface CacheCounters {
  hits: number;
  misses: number;
}

export interface ClientCount {
  client_id: string;
  tokens: number;
}

export interface MinuteView {
  /** Start of the minute, ISO 8601. */
  start: string;
  tokens_issued: number;
  /** Token requests refused with invalid_client (RFC 6749 §5.2): failed client authentication. */
  auth_failures: number;
  /** Requests answered 429 on any route. */
  throttled: number;
  /** Share of client lookups answered from the per-instance cache, 0..1; null with no lookups. */
  cache_hit_rate: number | null;
  /** Token-endpoint latency percentiles (all answers), milliseconds; null with no requests. */
  latency_p50_ms: number | null;
  latency_p99_ms: number | null;
  top_clients: ClientCount[];
}

export interface HistoryView {
  /** This instance only: each instance keeps its own history in memory (lost on restart). */
  scope: 'instance';
  minutes: MinuteView[];
  /** Clients with the most tokens over the window. */
  top_clients: ClientCount[];
}

/**
 * The last hour of token traffic at one-minute resolution, in memory, for the admin console: tokens issued (in
 * total and per client), authentication failures, 429s, client-cache hit rate and latency percentiles. Fed from
 * the same request hook as the Prometheus counters; recording is a few map and array updates, no I/O.
 * Also remembers when each client last got a token here (per instance; another instance may have issued later).
 */
export class TokenHistory {
  private readonly minutes: Minute[] = [];
  private readonly lastIssued = new LruMap<string, number>(LAST_ISSUED_CAPACITY);

  constructor(
    private readonly now: () => number,
    private readonly cacheCounters: () => CacheCounters = () => ({ hits: 0, misses: 0 }),
  ) {}

  /** One token-endpoint answer: issued to `clientId` when `error` is undefined, else refused with that code. */
  recordToken(clientId: string | undefined, error: string | undefined, seconds: number): void {
    const at = this.now();
    const m = this.current(at);
    m.latency[bucketOf(seconds * 1000)]++;
    m.latencyCount++;
    if (error === 'invalid_client') m.authFailures++;
    if (error !== undefined) return;
    m.issued++;
    if (clientId === undefined) return;
    const key = m.byClient.has(clientId) || m.byClient.size < CLIENTS_PER_MINUTE ? clientId : OTHER_CLIENTS;
    m.byClient.set(key, (m.byClient.get(key) ?? 0) + 1);
    this.lastIssued.set(clientId, at);
  }

  throttled(): void {
    this.current(this.now()).throttled++;
  }

  /** When this instance last issued a token to each of `clientIds` (ISO 8601), for those it has issued to. */
  lastIssuedAt(clientIds: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const id of clientIds) {
      const at = this.lastIssued.peek(id);
      if (at !== undefined) out[id] = new Date(at).toISOString();
    }
    return out;
  }

  /** Every minute of the window, oldest first, the current (still running) minute last; quiet minutes as zeros. */
  view(): HistoryView {
    const nowIndex = minuteOf(this.now());
    this.current(this.now());
    const byIndex = new Map(this.minutes.map((m) => [m.index, m]));
    const cache = this.cacheCounters();
    const minutes: MinuteView[] = [];
    const total = new Map<string, number>();
    for (let i = nowIndex - HISTORY_MINUTES + 1; i <= nowIndex; i++) {
      const m = byIndex.get(i);
      minutes.push(m ? toView(m, cache) : emptyView(i));
      for (const [id, n] of m?.byClient ?? []) total.set(id, (total.get(id) ?? 0) + n);
    }
    return { scope: 'instance', minutes, top_clients: top(total) };
  }

  /** The minute `at` falls in, closing the previous one (its cache counters) and dropping those out of the window. */
  private current(at: number): Minute {
    const index = minuteOf(at);
    const last = this.minutes[this.minutes.length - 1];
    if (last?.index === index) return last;
    const cache = this.cacheCounters();
    if (last && last.cacheHits === undefined) {
      last.cacheHits = cache.hits - last.cacheAtStart.hits;
      last.cacheMisses = cache.misses - last.cacheAtStart.misses;
    }
    while (this.minutes.length > 0 && this.minutes[0].index <= index - HISTORY_MINUTES) this.minutes.shift();
    const m: Minute = {
      index,
      issued: 0,
      authFailures: 0,
      throttled: 0,
      byClient: new Map(),
      latency: new Uint32Array(LATENCY_BOUNDS_MS.length + 1),
      latencyCount: 0,
      cacheAtStart: { ...cache },
      cacheHits: undefined,
      cacheMisses: undefined,
    };
    this.minutes.push(m);
    return m;
  }
}

const minuteOf = (ms: number): number => Math.floor(ms / 60_000);

function bucketOf(ms: number): number {
  if (!(ms > LATENCY_BOUNDS_MS[0])) return 0;
  return Math.min(LATENCY_BOUNDS_MS.length, Math.ceil(Math.log(ms / LATENCY_BOUNDS_MS[0]) / LOG_GROWTH - 1e-9));
}

/** The upper bound of the bucket holding the q-th quantile (the last bucket reports its lower bound). */
function quantile(m: Minute, q: number): number | null {
  if (m.latencyCount === 0) return null;
  const rank = Math.ceil(q * m.latencyCount);
  let seen = 0;
  for (let i = 0; i < m.latency.length; i++) {
    seen += m.latency[i];
    if (seen >= rank) return round(LATENCY_BOUNDS_MS[Math.min(i, LATENCY_BOUNDS_MS.length - 1)]);
  }
  return null;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

function top(counts: Map<string, number>): ClientCount[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, TOP)
    .map(([client_id, tokens]) => ({ client_id, tokens }));
}

function toView(m: Minute, cacheNow: CacheCounters): MinuteView {
  const hits = m.cacheHits ?? cacheNow.hits - m.cacheAtStart.hits;
  const misses = m.cacheMisses ?? cacheNow.misses - m.cacheAtStart.misses;
  return {
    start: new Date(m.index * 60_000).toISOString(),
    tokens_issued: m.issued,
    auth_failures: m.authFailures,
    throttled: m.throttled,
    cache_hit_rate: hits + misses > 0 ? hits / (hits + misses) : null,
    latency_p50_ms: quantile(m, 0.5),
    latency_p99_ms: quantile(m, 0.99),
    top_clients: top(m.byClient),
  };
}

function emptyView(index: number): MinuteView {
  return {
    start: new Date(index * 60_000).toISOString(),
    tokens_issued: 0,
    auth_failures: 0,
    throttled: 0,
    cache_hit_rate: null,
    latency_p50_ms: null,
    latency_p99_ms: null,
    top_clients: [],
  };
}
