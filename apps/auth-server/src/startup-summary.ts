import type { AppConfig } from '@app/config';

/**
 * The one start-up line: where it listens, its issuer, which database (never a password), where the admin
 * credentials are, where metrics are. The `msg` starts with "listening on http" (tests and operators grep it).
 */
export function startupSummary(
  config: AppConfig,
  opts: { embedded: boolean; metricsPort: number | undefined; tracing: string },
): Record<string, unknown> {
  const scheme = config.senderConstraint.tlsCertFile !== undefined ? 'https' : 'http';
  const listening = `${scheme}://${config.host}:${config.port}${config.basePath}`;
  return {
    msg: `listening on ${listening} (issuer ${config.issuer})`,
    listening,
    issuer: config.issuer,
    database: describeDatabase(config, opts.embedded),
    adminCredentials: adminCredentials(config),
    metrics: metricsWhere(config, opts.metricsPort),
    tracing: opts.tracing,
  };
}

function describeDatabase(config: AppConfig, embedded: boolean): string {
  const url = config.database.url;
  if (!url) return 'none';
  try {
    const u = new URL(url);
    const where = `${u.hostname}:${u.port || 5432}${u.pathname}`;
    return embedded ? `embedded PostgreSQL ${where}, data in ${config.database.embeddedDir}` : `PostgreSQL ${where}`;
  } catch {
    return 'PostgreSQL (unparsable DATABASE_URL)';
  }
}

function adminCredentials(config: AppConfig): string {
  const { clientId, clientSecretFile } = config.admin;
  if (clientId && clientSecretFile) return `client "${clientId}", secret in ${clientSecretFile} (ADMIN_CLIENT_SECRET_FILE)`;
  if (clientId) return `client "${clientId}", secret from ADMIN_CLIENT_SECRET`;
  if (config.database.embedded) return `${config.database.dataDir}/admin-client.json (generated on first start)`;
  return 'none configured (set ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET)';
}

function metricsWhere(config: AppConfig, port: number | undefined): string {
  if (!config.metrics.enabled) return 'off (METRICS_ENABLED=false)';
  const places: string[] = [];
  if (port !== undefined) places.push(`http://${config.metrics.host}:${port}/metrics`);
  if (config.metrics.onPublicListener) places.push(`${config.basePath}/metrics`);
  return places.join(' and ');
}
