/*
 * OpenTelemetry tracing, loaded by main.ts before anything it instruments (http, fastify, pg).
 *
 * The one documented exception to "only the config lib reads the environment": tracing follows
 * OpenTelemetry's own variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME,
 * OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES, ...), which the SDK reads itself, and it must start before
 * the configuration is loaded. Off unless an OTLP endpoint is set.
 */
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { trace } from '@opentelemetry/api';

const env = process.env;
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
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => /\/health\/(live|ready)$|\/metrics$/.test(req.url ?? '') }),
      // Fastify's own instrumentation, attached when a Fastify instance initialises (a diagnostics channel), so it
      // sees the instance @nestjs/platform-fastify creates even though that package is loaded as ESM.
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // A span for each route handler (`handler - TokenController.token`); a span per hook would mostly be noise.
        instrumentHooks: false,
        ignorePaths: ({ url }) => /\/health\/(live|ready)$|\/metrics$/.test(url),
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
