import { AppConfig } from '@app/config';
import { AuditTrail } from '@app/persistence';
import { AuditQueryDto } from '../audit/audit-query.dto';
import { AdminQueryPipe } from '../validation/admin-pipes';
import { type CliCommand, parse, UsageError, validate } from './cli-command';

/** Reading what happened: the audit trail (from the database) and a running server's recent activity (over HTTP). */
export const OBSERVE_COMMANDS: readonly CliCommand[] = [
  {
    name: 'audit',
    args: '[--client-id ID] [--actor A] [--action ACTION] [--limit N] [--cursor C]',
    summary: 'the audit trail, newest first, {items, next_cursor}; filters are exact matches',
    async run(app, args) {
      const { values } = parse(
        args,
        {
          'client-id': { type: 'string' },
          actor: { type: 'string' },
          action: { type: 'string' },
          limit: { type: 'string' },
          cursor: { type: 'string' },
        },
        0,
      );
      const { 'client-id': client_id, ...rest } = values;
      const q = await validate(new AdminQueryPipe(), AuditQueryDto, { ...rest, client_id }, 'query');
      return app.get(AuditTrail).list(q.limit, q.cursor, { clientId: q.client_id, actor: q.actor, action: q.action });
    },
  },
  {
    name: 'activity',
    args: '[--url BASE_URL]',
    summary:
      "a running server's last hour of token traffic per minute (GET {BASE}/admin/activity), signed in as\n" +
      '                                   ADMIN_CLIENT_ID; --url defaults to ISSUER (the history lives in that instance)',
    async run(app, args) {
      const { values } = parse(args, { url: { type: 'string' } }, 0);
      const config = app.get(AppConfig);
      const { clientId, clientSecret } = config.admin;
      if (clientId === undefined || clientSecret === undefined) {
        throw new UsageError('activity signs in as the admin client: set ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET');
      }
      const base = (typeof values.url === 'string' ? values.url : config.issuer).replace(/\/+$/, '');
      return fetchActivity(base, clientId, clientSecret);
    },
  },
];

/** RFC 6749 §2.3.1 client_secret_basic: both parts form-urlencoded before base64. */
function basic(id: string, secret: string): string {
  const enc = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

async function fetchActivity(base: string, clientId: string, secret: string): Promise<unknown> {
  const tokenRes = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const token = (await tokenRes.json()) as { access_token?: string; error?: string };
  if (!tokenRes.ok || !token.access_token)
    throw new Error(`${base}/oauth2/token refused the admin client: ${tokenRes.status} ${token.error}`);
  const res = await fetch(`${base}/admin/activity`, { headers: { authorization: `Bearer ${token.access_token}` } });
  if (!res.ok) throw new Error(`${base}/admin/activity answered ${res.status}`);
  return res.json();
}
