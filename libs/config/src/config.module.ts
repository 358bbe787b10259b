import { DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import {
  AdminConfig,
  AppConfig,
  AssertionConfig,
  ClaimsConfig,
  ClientCacheConfig,
  DatabaseConfig,
  HttpConfig,
  KeysConfig,
  LogConfig,
  MetricsConfig,
  RegistrationConfig,
  RevocationConfig,
  SecretsConfig,
  SenderConstraintConfig,
  ServerConfig,
  ShutdownConfig,
  ThrottleConfig,
  TokenConfig,
} from './app-config';
import { Clock, SystemClock } from './clock';

/**
 * Each section of AppConfig is also provided alone, under its own class: a class that reads only the throttle
 * settings takes ThrottleConfig, and its spec builds just that. ServerConfig (issuer, production, ...) too.
 */
const SECTION_TOKENS = {
  database: DatabaseConfig,
  tokens: TokenConfig,
  keys: KeysConfig,
  secrets: SecretsConfig,
  clientCache: ClientCacheConfig,
  admin: AdminConfig,
  http: HttpConfig,
  throttle: ThrottleConfig,
  revocation: RevocationConfig,
  log: LogConfig,
  metrics: MetricsConfig,
  shutdown: ShutdownConfig,
  assertions: AssertionConfig,
  senderConstraint: SenderConstraintConfig,
  claims: ClaimsConfig,
  registration: RegistrationConfig,
} satisfies { [K in keyof AppConfig]?: abstract new () => AppConfig[K] };

/**
 * Global module that exposes the validated AppConfig, each of its sections, and the Clock. The caller (the app's
 * composition root) parses the environment once with parseConfig, so every bad variable is reported together
 * before Nest starts.
 */
@Global()
@Module({})
export class AppConfigModule {
  /** `clock`: the system's unless a test moves time. */
  static forRoot(config: AppConfig, clock: Clock = new SystemClock()): DynamicModule {
    const sections: Provider[] = Object.entries(SECTION_TOKENS).map(([key, token]) => ({
      provide: token,
      useValue: config[key as keyof typeof SECTION_TOKENS],
    }));
    const tokens = [AppConfig, ServerConfig, ...Object.values(SECTION_TOKENS), Clock];
    return {
      module: AppConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        // The top-level settings: AppConfig is a ServerConfig.
        { provide: ServerConfig, useValue: config },
        ...sections,
        { provide: Clock, useValue: clock },
      ],
      exports: tokens,
    };
  }
}
