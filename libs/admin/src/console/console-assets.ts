import { HttpConfig, ServerConfig } from '@app/config';
import fastifyStatic from '@fastify/static';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where `npm run build` writes the console (scripts/build-console.js): dist/console under the package root. */
function consoleAssetsDir(from = __dirname): string | undefined {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'console');
  }
  return undefined;
}

/**
 * Serves the admin console's static files at {BASE_PATH}/console/ when CONSOLE_ENABLED (default: outside
 * production). The console is a client of the admin API like any other: it holds no server-side session, and
 * the same strict security headers (CSP without inline script or style) apply to its files.
 */
@Injectable()
export class ConsoleAssets implements OnModuleInit {
  private readonly logger = new Logger('Console');

  constructor(
    private readonly http: HttpConfig,
    private readonly server: ServerConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async onModuleInit(): Promise<void> {
    // No HTTP adapter: an application context without a listener (nothing to serve on).
    if (!this.http.consoleEnabled || !this.adapterHost.httpAdapter) return;
    const root = consoleAssetsDir();
    if (!root || !existsSync(join(root, 'index.html'))) {
      this.logger.warn(`the console is enabled but not built (no ${root ?? 'dist/console'}/index.html): run npm run build`);
      return;
    }
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const prefix = `${this.server.basePath}/console/`;
    // The page loads its files by relative URL, so {BASE}/console must become {BASE}/console/.
    fastify.get(prefix.slice(0, -1), (_req, reply) => reply.redirect(prefix, 301));
    void fastify.register(fastifyStatic, {
      root,
      prefix,
      decorateReply: false,
      wildcard: true,
      index: 'index.html',
      dotfiles: 'deny',
      // Revalidate on every load (ETag), so an upgraded server never runs with yesterday's script.
      cacheControl: false,
      setHeaders: (reply) => void reply.header('cache-control', 'no-cache'),
    });
  }
}
