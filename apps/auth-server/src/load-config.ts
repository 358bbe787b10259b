import { type AppConfig, ConfigValidationError, parseConfig, processEnv } from '@app/config';

/** The validated configuration; on any bad variable, all problems on stderr and exit 78 (EX_CONFIG). */
export function loadConfigOrExit(): AppConfig {
  try {
    return parseConfig(processEnv());
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
