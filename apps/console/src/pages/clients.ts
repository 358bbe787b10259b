import { api, ApiError } from '../api';
import { formatTime, h, notice, replace, uid } from '../dom';
import type { PageContext } from '../main';
import type { Client, Page } from '../types';

const PAGE_SIZE = 50;

/** Clients in client_id order, a page at a time; the search box narrows the page shown. */
export async function clientsPage({ main }: PageContext): Promise<void> {
  const searchId = uid('search');
  const search = h('input', { id: searchId, type: 'search', placeholder: 'id, name or scope', autocomplete: 'off' });
  const messages = h('div', { class: 'messages' });
  const body = h('tbody');
  const summary = h('p', { class: 'hint', role: 'status' });
  const prev = h('button', { type: 'button', disabled: true }, 'Previous page');
  const next = h('button', { type: 'button', disabled: true }, 'Next page');
  const cursors: (string | undefined)[] = [undefined];
  let page: Client[] = [];
  let lastIssued: Record<string, string> = {};
  let nextCursor: string | null = null;

  replace(
    main,
    h('div', { class: 'title-row' }, h('h1', {}, 'Clients'), h('a', { class: 'button primary', href: '#/clients/new' }, 'New client')),
    h('div', { class: 'toolbar' }, h('label', { for: searchId }, 'Search this page'), search),
    messages,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h('caption', { class: 'visually-hidden' }, 'Registered clients'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Client ID', 'Name', 'Method', 'Scopes', 'Enabled', 'Last token (this instance)'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        body,
      ),
    ),
    summary,
    h('div', { class: 'pager' }, prev, next),
  );

  const draw = (): void => {
    const q = search.value.trim().toLowerCase();
    const shown = q ? page.filter((c) => [c.client_id, c.client_name ?? '', c.scope].some((s) => s.toLowerCase().includes(q))) : page;
    replace(
      body,
      shown.map((c) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/clients/${encodeURIComponent(c.client_id)}`, class: 'mono' }, c.client_id)),
          h('td', {}, c.client_name ?? '—'),
          h('td', {}, c.token_endpoint_auth_method),
          h('td', { class: 'scopes' }, c.scope),
          h('td', {}, h('span', { class: c.enabled ? 'badge ok' : 'badge off' }, c.enabled ? 'enabled' : 'disabled')),
          h('td', {}, lastIssued[c.client_id] ? formatTime(lastIssued[c.client_id]) : 'not since start'),
        ),
      ),
    );
    summary.textContent = q
      ? `${shown.length} of ${page.length} clients on this page match "${q}".`
      : `${page.length} clients on this page.`;
  };

  const load = async (index: number): Promise<void> => {
    const cursor = cursors[index];
    try {
      const res = await api<Page<Client>>('GET', `/clients?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      page = res.items;
      nextCursor = res.next_cursor;
      cursors.length = index + 1;
      if (nextCursor) cursors.push(nextCursor);
      const ids = page.map((c) => `client_id=${encodeURIComponent(c.client_id)}`).join('&');
      lastIssued = ids
        ? (await api<{ last_token_issued: Record<string, string> }>('GET', `/activity/last-token?${ids}`)).last_token_issued
        : {};
      replace(messages);
      prev.disabled = index === 0;
      next.disabled = !nextCursor;
      current = index;
      draw();
    } catch (err) {
      replace(messages, notice('error', err instanceof ApiError ? err.message : 'Loading the clients failed.'));
    }
  };
  let current = 0;
  search.addEventListener('input', draw);
  prev.addEventListener('click', () => void load(current - 1));
  next.addEventListener('click', () => void load(current + 1));
  await load(0);
}
