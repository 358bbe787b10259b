import { CLIENT_CONFIG_RULES } from '@app/clients';
import { type AppConfig, ConfigValidationError, parseConfig, processEnv } from '@app/config';

/** The configuration with every lib's rules checked (the config lib's own, and those of the libs above it). */
export function loadConfig(env = processEnv()): AppConfig {
  return parseConfig(env, { rules: CLIENT_CONFIG_RULES });
}

/** The validated configuration; on any bad variable, all problems on stderr and exit 78 (EX_CONFIG). */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
