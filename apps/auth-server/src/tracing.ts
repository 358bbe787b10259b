/*
 * OpenTelemetry tracing, loaded by main.ts before anything it instruments (http, fastify, pg).
 *
 * The one documented exception to "only the config lib reads the environment": tracing follows
 * OpenTelemetry's own variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME,
 * OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES, ...), which the SDK reads itself, and it must start before
 * the configuration is loaded. Off unless an OTLP endpoint is set. No span carries a query string value (see
 * redactedQuery).
 */
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { trace } from '@opentelemetry/api';

const env = process.env;

/**
 * A query string with every value replaced: the server refuses credentials in the query (RFC 6749 §2.3.1), but a
 * client may still send them there, and a trace backend must not keep them. The names stay, for diagnosis.
 */
function redactedQuery(search: string): string {
  return [...new URLSearchParams(search).keys()].map((name) => `${encodeURIComponent(name)}=REDACTED`).join('&');
}

/** The path of a request target, without its query string. */
function pathOnly(url: string | undefined): string {
  const at = (url ?? '').indexOf('?');
  return at < 0 ? (url ?? '') : (url ?? '').slice(0, at);
}

const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;

let sdk: NodeSDK | undefined;
if (endpoint && env.OTEL_SDK_DISABLED !== 'true') {
  // Only traces are exported from here: metrics go to Prometheus, logs to stdout.
  env.OTEL_LOGS_EXPORTER ??= 'none';
  env.OTEL_METRICS_EXPORTER ??= 'none';
  sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? 'ms-auth-server',
    instrumentations: [
      // Probes would otherwise be most of the traces.
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => /\/health\/(live|ready)$|\/metrics$/.test(pathOnly(req.url)),
        // Replaces the instrumentation's url.query (which redacts only a fixed list of names) as the span starts.
        startIncomingSpanHook: (req) => {
          const at = (req.url ?? '').indexOf('?');
          return at < 0 ? {} : { 'url.query': redactedQuery((req.url ?? '').slice(at + 1)) };
        },
      }),
      // Fastify's own instrumentation, attached when a Fastify instance initialises (a diagnostics channel), so it
      // sees the instance @nestjs/platform-fastify creates even though that package is loaded as ESM.
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // A span for each route handler (`handler - TokenController.token`); a span per hook would mostly be noise.
        instrumentHooks: false,
        ignorePaths: ({ url }) => /\/health\/(live|ready)$|\/metrics$/.test(pathOnly(url)),
        // Its url.path is the raw request target, query string included: keep the path only.
        requestHook: (span, request) => span.setAttribute('url.path', pathOnly(request.url)),
      }),
      new PgInstrumentation(),
    ],
  });
  sdk.start();
}

/** For the start-up summary: where spans go, or "off". */
export const tracingTarget = sdk ? `OTLP ${endpoint}` : 'off (set OTEL_EXPORTER_OTLP_ENDPOINT)';

/**
 * Names the HTTP server span by its route pattern (`POST /ms-auth-server/oauth2/token`, `http.route`): the Fastify
 * instrumentation's spans are children of that span and leave its name generic. A no-op unless tracing is on.
 */
export function nameServerSpan(method: string, route: string | undefined): void {
  if (!sdk || route === undefined) return;
  const span = trace.getActiveSpan();
  span?.setAttribute('http.route', route);
  span?.updateName(`${method} ${route}`);
}

/** Sends the spans still buffered; the shutdown path calls it before the process exits. */
export async function shutdownTracing(): Promise<void> {
  await sdk?.shutdown().catch(() => undefined);
}
