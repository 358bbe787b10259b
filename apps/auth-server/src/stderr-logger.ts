import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/** Logs go to stderr, so a command's stdout carries nothing but its JSON result. */
export class StderrLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel): void {
    super.printMessages(messages, context, logLevel, 'stderr');
  }
}
