import { ClientsModule, ClientsService } from '@app/clients';
import { Clock } from '@app/config';
import { Global, Module } from '@nestjs/common';
import { TokenHistory } from './token-history';

/**
 * One TokenHistory per application, global so the request hook (composition root) and the admin API's activity
 * endpoint share it. Kept even with METRICS_ENABLED=false: it is the console's, not Prometheus's.
 */
@Global()
@Module({
  imports: [ClientsModule],
  providers: [
    {
      provide: TokenHistory,
      inject: [Clock, ClientsService],
      useFactory: (clock: Clock, clients: ClientsService) =>
        new TokenHistory(
          () => clock.now(),
          () => clients.cacheStats(),
        ),
    },
  ],
  exports: [TokenHistory],
})
export class TokenHistoryModule {}
