import { ClientsModule } from '@app/clients';
import { AppConfig } from '@app/config';
import { KeysModule } from '@app/keys';
import { DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health/health.controller';
import { Readiness } from './health/readiness';
import { TokenHistoryModule } from './history/token-history.module';
import { AppMetrics } from './metrics/app-metrics';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsListener } from './metrics/metrics-listener';
import { RuntimeGauges } from './metrics/runtime-gauges';

/** Health probes always; metrics unless METRICS_ENABLED=false, on the public listener only outside production. */
@Module({})
export class ObservabilityModule {
  static forRoot(config: AppConfig): DynamicModule {
    const controllers: Type[] = [HealthController];
    const providers: Provider[] = [Readiness];
    const exports: Provider[] = [Readiness];
    if (config.metrics.enabled) {
      providers.push(AppMetrics, RuntimeGauges, MetricsListener);
      exports.push(AppMetrics, MetricsListener);
      if (config.metrics.onPublicListener) controllers.push(MetricsController);
    }
    return {
      module: ObservabilityModule,
      // The admin console: the in-memory token history behind {BASE}/admin/activity
      imports: [TerminusModule.forRoot({ logger: false }), ClientsModule, KeysModule, TokenHistoryModule],
      controllers,
      providers,
      exports,
    };
  }
}
