import { api, ApiError, enc } from '../api';
import { field, formatTime, h, notice, replace } from '../dom';
import type { PageContext } from '../main';
import type { AuditEntry, Page } from '../types';

/** What an action did, as words (the raw action stays visible beside it). */
const VERBS: Record<string, string> = {
  'client.created': 'created client',
  'client.updated': 'changed client',
  'client.deleted': 'deleted client',
  'client.secret_rotated': 'rotated the secret of',
  'client.tokens_revoked': 'revoked the tokens of',
  'clients.secrets_resealed': 're-sealed client secrets',
  'trusted_issuer.created': 'trusted an issuer',
  'trusted_issuer.updated': 'changed a trusted issuer',
  'trusted_issuer.deleted': 'stopped trusting an issuer',
  'keys.rotated': 'rotated the signing key',
  'keys.rotated_immediately': 'replaced the signing key at once (emergency)',
  'keys.activated': 'activated a signing key',
  'keys.retired': 'retired a signing key',
  'keys.next_created': 'published a next signing key',
  'keys.reencrypted': 're-encrypted the signing keys',
};

const show = (v: unknown): string => (v === null || v === undefined ? 'none' : typeof v === 'string' ? v : JSON.stringify(v));

/** details as lines: each change as "field: before → after", anything else as "name: value". */
function detailLines(details: Record<string, unknown>): HTMLElement | null {
  const items: HTMLElement[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (key === 'changes' && value && typeof value === 'object') {
      for (const [name, change] of Object.entries(value as Record<string, unknown>)) {
        const c = (change ?? {}) as { from?: unknown; to?: unknown };
        items.push(
          'from' in c || 'to' in c
            ? h('li', {}, h('span', { class: 'field-name' }, name), `: ${show(c.from)} → ${show(c.to)}`)
            : h('li', {}, h('span', { class: 'field-name' }, name), `: ${show(change)}`),
        );
      }
    } else items.push(h('li', {}, h('span', { class: 'field-name' }, key), `: ${show(value)}`));
  }
  return items.length ? h('ul', { class: 'details' }, items) : null;
}

function entry(e: AuditEntry): HTMLElement {
  const verb = VERBS[e.action] ?? e.action;
  return h(
    'li',
    { class: 'audit-entry' },
    h('time', { datetime: e.at }, formatTime(e.at)),
    h(
      'p',
      {},
      h('strong', {}, e.actor),
      ` ${verb} `,
      e.client_id ? h('a', { href: `#/clients/${enc(e.client_id)}`, class: 'mono' }, e.client_id) : '',
      ' ',
      h('code', { class: 'action' }, e.action),
    ),
    detailLines(e.details),
  );
}

/** The audit trail, newest first, filtered by client, actor and action (exact matches). */
export async function auditPage({ main }: PageContext): Promise<void> {
  const query = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const client = field('client_id', 'Client ID', h('input', { type: 'text', value: query.get('client_id') ?? '', spellcheck: 'false' }));
  const actor = field(
    'actor',
    'Actor',
    h('input', { type: 'text', value: query.get('actor') ?? '', spellcheck: 'false' }),
    'An admin client ID, "cli", or system:…',
  );
  const action = field(
    'action',
    'Action',
    h('input', { type: 'text', value: query.get('action') ?? '', list: 'audit-actions', spellcheck: 'false' }),
  );
  const actions = h(
    'datalist',
    { id: 'audit-actions' },
    Object.keys(VERBS).map((a) => h('option', { value: a })),
  );
  const messages = h('div', { class: 'messages' });
  const list = h('ol', { class: 'audit' });
  const more = h('button', { type: 'button', hidden: true }, 'Load older entries');
  const count = h('p', { class: 'hint', role: 'status' });
  let cursor: string | null = null;
  let shown = 0;

  const params = (): URLSearchParams => {
    const p = new URLSearchParams();
    for (const [name, f] of [
      ['client_id', client],
      ['actor', actor],
      ['action', action],
    ] as const) {
      if (f.control.value.trim()) p.set(name, f.control.value.trim());
    }
    return p;
  };
  const load = async (fresh: boolean): Promise<void> => {
    const p = params();
    p.set('limit', '50');
    if (!fresh && cursor) p.set('cursor', cursor);
    try {
      const page = await api<Page<AuditEntry>>('GET', `/audit?${p.toString()}`);
      if (fresh) {
        replace(list);
        shown = 0;
      }
      list.append(...page.items.map(entry));
      shown += page.items.length;
      cursor = page.next_cursor;
      more.hidden = !cursor;
      count.textContent = shown === 0 ? 'No entries match.' : `${shown} entries shown${cursor ? ' (older ones remain)' : ''}.`;
      replace(messages);
    } catch (err) {
      replace(messages, notice('error', err instanceof ApiError ? err.message : 'Loading the audit log failed.'));
    }
  };
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter the audit log' },
    client.row,
    actor.row,
    action.row,
    actions,
    h(
      'div',
      { class: 'actions left' },
      h('button', { type: 'submit', class: 'primary' }, 'Filter'),
      h('button', { type: 'reset' }, 'Clear'),
    ),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load(true);
  });
  form.addEventListener('reset', () => setTimeout(() => void load(true)));
  more.addEventListener('click', () => void load(false));
  replace(main, h('h1', {}, 'Audit log'), form, messages, count, list, more);
  await load(true);
}
