import { createApp } from '../../apps/auth-server/src/app.factory';
import { createPinoLogger } from '../../apps/auth-server/src/logger';
import { loadConfig } from '../../apps/auth-server/src/load-config';
import type { AppConfig, RawEnv } from '@app/config';
import { freePort } from '@app/persistence';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { TestClock } from './clock';
import { createTestDatabase, type TestDatabase } from './database';
import { type ApiResponse, readResponse } from './http';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: TestDatabase;
  port: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** origin + BASE_PATH */
  baseUrl: string;
  issuer: string;
  /** Captured log lines, each one JSON object as the server writes it (to check what is and is not logged). */
  logs: string[];
  /** The server's time source: advance it to let a TTL, grace window or token lifetime run out. */
  clock: TestClock;
  close(): Promise<void>;
}

export const ADMIN_ID = 'test-admin';
export const ADMIN_SECRET = 'test-admin-secret-0123456789abcdef0123456789';

/** The server's own pino logger (same options and redaction), at debug level, writing every line into `sink`. */
function capturingLogger(config: AppConfig, sink: string[]): ReturnType<typeof createPinoLogger> {
  return createPinoLogger(
    { ...config, log: { ...config.log, level: 'debug' } },
    { write: (line: string) => void sink.push(line.trimEnd()) },
  );
}

/**
 * Starts the real application (same factory as main.ts) on a fresh database of the test PostgreSQL server,
 * listening on a free loopback port. `env` overrides configuration variables.
 */
export async function startTestApp(env: RawEnv = {}, existingDb?: TestDatabase): Promise<TestApp> {
  const db = existingDb ?? (await createTestDatabase());
  // An explicit PORT (e.g. the seed's 8085) is bound as given; otherwise any free loopback port.
  const port = env.PORT !== undefined ? Number(env.PORT) : await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    DATABASE_URL: db.url,
    KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
    ADMIN_CLIENT_ID: ADMIN_ID,
    ADMIN_CLIENT_SECRET: ADMIN_SECRET,
    // Cheap hashing for speed; production refuses less than the default cost.
    ...(env.NODE_ENV === 'production' ? {} : { SECRET_HASH_LOG_N: '12' }),
    DATABASE_POOL_SIZE: '4',
    // Production serves metrics on a listener of its own: any free port, so suites running at once never collide.
    ...(env.NODE_ENV === 'production' ? { METRICS_PORT: '0' } : {}),
    // The seed's client on a DATABASE_URL database only when asked; most suites use it (production refuses it).
    ...(env.NODE_ENV === 'production' ? {} : { SEED_PLAYGROUND_CLIENT: 'true' }),
    ...env,
  });
  const logs: string[] = [];
  const clock = new TestClock();
  const app = await createApp(config, capturingLogger(config, logs), clock);
  await app.listen({ port, host: '127.0.0.1' });
  const origin = `http://127.0.0.1:${port}`;
  return {
    app,
    config,
    db,
    port,
    origin,
    baseUrl: `${origin}${config.basePath}`,
    issuer: config.issuer,
    logs,
    clock,
    async close() {
      await app.close();
      if (!existingDb) await db.drop();
    },
  };
}

export function basic(id: string, secret: string): string {
  const enc = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

/** POST a form to the token endpoint (or another OAuth endpoint). */
export async function postForm(
  url: string,
  form: Record<string, string> | string | undefined,
  headers: Record<string, string> = {},
): Promise<ApiResponse<Record<string, unknown>>> {
  const body = form === undefined ? undefined : typeof form === 'string' ? form : new URLSearchParams(form).toString();
  const res = await fetch(url, {
    method: 'POST',
    headers: body === undefined ? headers : { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return readResponse(res);
}
