import { MetricsConfig } from '@app/config';
import { Injectable, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Grant types that get their own label value; anything else a client sends is counted as `other`. */
const KNOWN_GRANTS = [
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
];
const NO_GRANT = 'none';
const OTHER_GRANT = 'other';

/** Token-endpoint latency buckets, seconds: a signature takes ~0.4 ms, a cold secret check tens of ms. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type CounterChild = ReturnType<Counter<string>['labels']>;

/**
 * The process's Prometheus registry (one per application, so several apps in one process do not share
 * series) and the token-path counters. Labels are bounded: grant type from a fixed list, error code from the
 * OAuth error classes; never a client id (100,000 clients would be 100,000 series). Children are bound once,
 * so recording a request is a map lookup and an increment.
 */
@Injectable()
export class AppMetrics {
  readonly registry = new Registry();
  private readonly issued: Counter<'grant_type'>;
  private readonly refused: Counter<'grant_type' | 'error'>;
  private readonly latency: Histogram;
  private readonly throttledRequests: Counter;
  private readonly issuedByGrant = new Map<string, CounterChild>();
  private readonly refusedByGrantAndError = new Map<string, CounterChild>();
  private readonly hookDuration: Histogram<'outcome'>;

  constructor(@Optional() config?: MetricsConfig) {
    registerRuntimeMetrics(this.registry, config?.gcDuration ?? false);
    const registers = [this.registry];
    this.issued = new Counter({
      name: 'oauth_tokens_issued_total',
      help: 'Access tokens issued by the token endpoint, by grant type',
      labelNames: ['grant_type'],
      registers,
    });
    this.refused = new Counter({
      name: 'oauth_tokens_refused_total',
      help: 'Token requests answered with an error, by grant type and OAuth error code (RFC 6749 §5.2)',
      labelNames: ['grant_type', 'error'],
      registers,
    });
    this.latency = new Histogram({
      name: 'oauth_token_request_duration_seconds',
      help: 'Time from request received to response sent on the token endpoint',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.throttledRequests = new Counter({
      name: 'auth_throttled_requests_total',
      help: 'Requests refused with 429 (client-authentication throttling and load shedding)',
      registers,
    });
    this.hookDuration = new Histogram({
      name: 'oauth_token_hook_duration_seconds',
      help: 'Token hook calls by outcome (allowed, denied, failed: error or timeout, circuit_open: not called)',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5],
      registers,
    });
    for (const outcome of ['allowed', 'denied', 'failed', 'circuit_open']) this.hookDuration.labels(outcome);
    for (const grant of [...KNOWN_GRANTS, NO_GRANT, OTHER_GRANT]) {
      const child = this.issued.labels(grant);
      child.inc(0);
      this.issuedByGrant.set(grant, child);
    }
  }

  /** One token-endpoint response: issued when `error` is undefined, refused with that code otherwise. */
  recordToken(grantType: unknown, error: string | undefined, seconds: number): void {
    this.latency.observe(seconds);
    const grant = typeof grantType !== 'string' ? NO_GRANT : KNOWN_GRANTS.includes(grantType) ? grantType : OTHER_GRANT;
    if (error === undefined) {
      this.issuedByGrant.get(grant)!.inc();
      return;
    }
    const key = `${grant} ${error}`;
    let child = this.refusedByGrantAndError.get(key);
    if (!child) {
      child = this.refused.labels(grant, error);
      this.refusedByGrantAndError.set(key, child);
    }
    child.inc();
  }

  /** one token hook call (or its skipping while the circuit is open). */
  recordTokenHook(outcome: string, seconds: number): void {
    this.hookDuration.labels(outcome).observe(seconds);
  }

  throttled(): void {
    this.throttledRequests.inc();
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * prom-client's default process and Node.js metrics (CPU, memory, heap spaces, event-loop lag, handles,
 * file descriptors, version), each registered by its own module as `collectDefaultMetrics` would, except
 * `nodejs_gc_duration_seconds`: on Node 20, observing `gc` performance entries makes Node build an entry with
 * two deprecation wrappers per collection, about 5 KB of long-lived objects for every young-generation GC (one
 * per ~300 tokens under load). That garbage alone filled the old generation faster than all token traffic
 * together (README, "Performance"). GC work stays visible through the heap-space metrics; METRICS_GC_DURATION=true
 * adds the histogram back.
 */
function registerRuntimeMetrics(registry: Registry, gcDuration: boolean): void {
  for (const name of collectDefaultMetrics.metricsList) {
    if (name === 'gc' && !gcDuration) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- prom-client exposes these only as its lib modules
    const register = require(`prom-client/lib/metrics/${name}`) as (r: Registry, config: object) => void;
    register(registry, { eventLoopMonitoringPrecision: 10 });
  }
}
