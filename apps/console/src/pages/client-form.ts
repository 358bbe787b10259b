import type { FieldProblem } from '../api';
import { type Field, field, h, notice, replace, setFieldError } from '../dom';
import { AUTH_METHODS, type Client } from '../types';

export interface ClientForm {
  fields: HTMLElement;
  messages: HTMLElement;
  /** The request body the form describes (values the API will judge: a malformed one is sent as typed). */
  values(): Record<string, unknown>;
  showErrors(details: FieldProblem[], fallback: string): void;
  clearErrors(): void;
}

const lines = (s: string): string[] =>
  s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean);

/** JSON as typed; what does not parse goes to the API as the string, so its message names the field. */
function jsonOr(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
}

/**
 * The RFC 7591 metadata form of create and edit. Every control has a label and an error slot that shows the
 * API's message for that field; input is never cleared by a failed request.
 */
export function clientForm(client?: Client): ClientForm {
  const isNew = client === undefined;
  const text = (value = '', extra = {}) => h('input', { type: 'text', value, spellcheck: 'false', ...extra });
  const f: Record<string, Field> = {};
  if (isNew) f.client_id = field('client_id', 'Client ID', text('', { autocomplete: 'off' }), 'Leave empty for a generated UUID.');
  f.client_name = field('client_name', 'Name', text(client?.client_name ?? ''));
  f.scope = field('scope', 'Scopes', text(client?.scope ?? ''), 'Space-separated, e.g. "orders.read orders.write".');
  const method = h(
    'select',
    {},
    AUTH_METHODS.map((m) => h('option', { value: m }, m)),
  );
  method.value = client?.token_endpoint_auth_method ?? 'client_secret_basic';
  f.token_endpoint_auth_method = field('token_endpoint_auth_method', 'Authentication method', method);
  f.audience = field(
    'audience',
    'Audiences',
    h('textarea', { rows: 2, spellcheck: 'false' }, (client?.audience ?? []).join('\n')),
    'One per line; the first is the default.',
  );
  f.access_token_ttl = field(
    'access_token_ttl',
    'Token lifetime (seconds)',
    text(client?.access_token_ttl == null ? '' : String(client.access_token_ttl), { inputmode: 'numeric' }),
    'Empty: the server default (ACCESS_TOKEN_TTL).',
  );
  f.introspect_any_token = field(
    'introspect_any_token',
    'May introspect other clients’ tokens',
    h('input', { type: 'checkbox', checked: client?.introspect_any_token ?? false }),
  );
  f.jwks = field(
    'jwks',
    'Public keys (JWK Set JSON)',
    h('textarea', { rows: 4, class: 'mono', spellcheck: 'false' }, client?.jwks ? JSON.stringify(client.jwks, null, 2) : ''),
    'private_key_jwt: {"keys": [...]}; or give a JWKS URL instead.',
  );
  f.jwks_uri = field('jwks_uri', 'JWKS URL', text(client?.jwks_uri ?? ''), 'private_key_jwt: an https URL serving the public keys.');
  f.federated_credentials = field(
    'federated_credentials',
    'Federated credentials (JSON)',
    h(
      'textarea',
      { rows: 3, class: 'mono', spellcheck: 'false' },
      client?.federated_credentials?.length ? JSON.stringify(client.federated_credentials, null, 2) : '',
    ),
    'Workload identity: [{"issuer": "...", "subject": "..."}]; the issuer must be trusted.',
  );

  const keyFields = h(
    'fieldset',
    {},
    h('legend', {}, 'Keys and federated credentials (no shared secret)'),
    f.jwks.row,
    f.jwks_uri.row,
    f.federated_credentials.row,
  );
  const syncKeys = (): void => {
    const pkj = method.value === 'private_key_jwt';
    f.jwks.row.hidden = !pkj && !f.jwks.control.value;
    f.jwks_uri.row.hidden = !pkj && !f.jwks_uri.control.value;
  };
  method.addEventListener('change', syncKeys);
  syncKeys();

  const messages = h('div', { class: 'messages' });
  const fields = h(
    'div',
    { class: 'form-grid' },
    f.client_id?.row,
    f.client_name.row,
    f.scope.row,
    f.token_endpoint_auth_method.row,
    f.audience.row,
    f.access_token_ttl.row,
    f.introspect_any_token.row,
    keyFields,
  );
  const val = (name: string): string => f[name].control.value.trim();

  return {
    fields,
    messages,
    values() {
      const out: Record<string, unknown> = {};
      const optional = (name: string, value: unknown, empty: boolean): void => {
        if (!empty) out[name] = value;
        else if (!isNew) out[name] = null;
      };
      if (isNew && val('client_id')) out.client_id = val('client_id');
      optional('client_name', val('client_name'), !val('client_name'));
      out.scope = val('scope');
      out.token_endpoint_auth_method = method.value;
      out.audience = lines(f.audience.control.value);
      const ttl = val('access_token_ttl');
      optional('access_token_ttl', /^\d{1,9}$/.test(ttl) ? Number(ttl) : ttl, !ttl);
      out.introspect_any_token = (f.introspect_any_token.control as HTMLInputElement).checked;
      optional('jwks', jsonOr(val('jwks')), !val('jwks'));
      optional('jwks_uri', val('jwks_uri'), !val('jwks_uri'));
      const fed = val('federated_credentials');
      if (fed) out.federated_credentials = jsonOr(fed);
      else if (!isNew) out.federated_credentials = [];
      if (isNew && out.audience && (out.audience as string[]).length === 0) delete out.audience;
      return out;
    },
    showErrors(details, fallback) {
      const unplaced: string[] = [];
      for (const d of details) {
        const target = f[d.field.split('.')[0]];
        if (target) setFieldError(target, d.message);
        else unplaced.push(d.message);
      }
      replace(messages, notice('error', fallback, unplaced.length ? ` ${unplaced.join('; ')}` : ''));
      const first = details.map((d) => f[d.field.split('.')[0]]).find(Boolean);
      first?.control.focus();
    },
    clearErrors() {
      for (const x of Object.values(f)) setFieldError(x, undefined);
      replace(messages);
    },
  };
}
