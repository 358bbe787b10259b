import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppMetrics } from './app-metrics';

/** {BASE}/metrics on the public listener: development only (registered by ObservabilityModule). */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: AppMetrics) {}

  @Get()
  async metricsText(@Res() reply: FastifyReply): Promise<void> {
    await reply
      .header('content-type', this.metrics.contentType())
      .header('cache-control', 'no-store')
      .send(await this.metrics.render());
  }
}
