import { Controller, Get, Header, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Readiness } from './readiness';

/**
 * Probes for load balancers and orchestrators. `live`: the process answers (restart it otherwise).
 * `ready`: send it traffic (migrations applied, a signing key loaded, not shutting down); the database's
 * state is in the body (`details.database.status`) but an outage does not make the instance unready.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: Readiness,
  ) {}

  @Get('live')
  @Header('Cache-Control', 'no-store')
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const [result, database] = await Promise.all([this.requiredChecks(), this.readiness.database()]);
    const body = { ...result.body, details: { ...result.body.details, ...database } };
    await reply.status(result.status).header('cache-control', 'no-store').send(body);
  }

  private async requiredChecks(): Promise<{ status: number; body: HealthCheckResult }> {
    try {
      const body = await this.health.check([
        () => this.readiness.accepting(),
        () => this.readiness.migrationsApplied(),
        () => this.readiness.signingKey(),
      ]);
      return { status: 200, body };
    } catch (err) {
      // Terminus reports failed checks (and its own shutdown state) as a 503 carrying the full result.
      if (err instanceof ServiceUnavailableException) return { status: 503, body: err.getResponse() as HealthCheckResult };
      throw err;
    }
  }
}
