import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';
import { Clock, SystemClock } from './clock';

/**
 * Global module that exposes the validated AppConfig and the Clock. The caller (the app's composition root)
 * parses the environment once with parseConfig, so every bad variable is reported together before Nest starts.
 */
@Global()
@Module({})
export class AppConfigModule {
  /** `clock`: the system's unless a test moves time. */
  static forRoot(config: AppConfig, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: Clock, useValue: clock },
      ],
      exports: [AppConfig, Clock],
    };
  }
}
