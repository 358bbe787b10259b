import { api, ApiError, enc } from '../api';
import { button, confirmDialog, field, formatTime, h, notice, replace, secretPanel } from '../dom';
import type { PageContext } from '../main';
import { type Client, SECRET_METHODS } from '../types';
import { clientForm } from './client-form';

const epoch = (s: number | null | undefined): string => (s ? formatTime(new Date(s * 1000).toISOString()) : '—');
const describe = (err: unknown): string => (err instanceof ApiError ? err.message : 'The request failed.');

/** Registration: the secret (if any) is shown once with a copy button, then the client's page. */
export function newClientPage({ main }: PageContext): void {
  const form = clientForm();
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create client');
  const el = h(
    'form',
    { novalidate: true, 'aria-labelledby': 'new-client-title' },
    form.messages,
    form.fields,
    h('div', { class: 'actions' }, submit),
  );
  el.addEventListener('submit', (e) => {
    e.preventDefault();
    form.clearErrors();
    submit.disabled = true;
    api<Client>('POST', '/clients', form.values()).then(
      (created) => {
        const done = h('a', { class: 'button primary', href: `#/clients/${enc(created.client_id)}` }, 'Done: go to the client');
        replace(
          main,
          h('h1', { id: 'new-client-title' }, `Client ${created.client_id} created`),
          created.client_secret
            ? secretPanel(created.client_id, created.client_secret)
            : notice('ok', 'This client has no secret: it signs its own assertions.'),
          h('div', { class: 'actions' }, done),
        );
        done.focus();
      },
      (err: unknown) => {
        submit.disabled = false;
        if (err instanceof ApiError && err.details.length)
          form.showErrors(err.details, 'The client was not created: correct the marked fields.');
        else replace(form.messages, notice('error', `The client was not created: ${describe(err)}`));
      },
    );
  });
  replace(main, h('h1', { id: 'new-client-title' }, 'New client'), el);
}

/** One client: edit its metadata, rotate its secret, disable or enable it, revoke its tokens, delete it. */
export async function clientPage({ main }: PageContext, clientId: string): Promise<void> {
  let client: Client;
  try {
    client = await api<Client>('GET', `/clients/${enc(clientId)}`);
  } catch (err) {
    replace(main, h('h1', {}, clientId), notice('error', describe(err)), h('a', { href: '#/clients' }, 'Back to the clients'));
    return;
  }
  const status = h('div', { class: 'messages', 'aria-live': 'polite' });
  const say = (kind: 'ok' | 'error' | 'info', ...text: (string | HTMLElement)[]): void => replace(status, notice(kind, ...text));

  // Settings: only the fields that changed are sent, so a concurrent change elsewhere is not overwritten.
  const form = clientForm(client);
  const baseline = form.values();
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save changes');
  const settings = h(
    'form',
    { novalidate: true, 'aria-label': 'Settings' },
    h('h2', {}, 'Settings'),
    form.messages,
    form.fields,
    h('div', { class: 'actions' }, save),
  );
  settings.addEventListener('submit', (e) => {
    e.preventDefault();
    form.clearErrors();
    const now = form.values();
    const patch = Object.fromEntries(Object.entries(now).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(baseline[k])));
    if (Object.keys(patch).length === 0) {
      replace(form.messages, notice('info', 'Nothing changed.'));
      return;
    }
    save.disabled = true;
    api<Client>('PATCH', `/clients/${enc(clientId)}`, patch).then(
      (updated) => {
        save.disabled = false;
        Object.assign(baseline, now);
        replace(
          form.messages,
          notice('ok', `Saved ${Object.keys(patch).join(', ')}.`),
          updated.client_secret ? secretPanel(clientId, updated.client_secret, 'The new method needs a new secret.') : null,
        );
      },
      (err: unknown) => {
        save.disabled = false;
        if (err instanceof ApiError && err.details.length) form.showErrors(err.details, 'Not saved: correct the marked fields.');
        else replace(form.messages, notice('error', `Not saved: ${describe(err)}`));
      },
    );
  });

  // Secret rotation, with a grace period for the previous secret.
  const grace = field(
    'grace_seconds',
    'Previous secret keeps working for (seconds)',
    h('input', { type: 'text', inputmode: 'numeric', value: '3600' }),
    '0 stops it at once; at most 30 days.',
  );
  const revokeOnRotate = field('revoke_tokens', 'Also revoke every token issued so far (leaked secret)', h('input', { type: 'checkbox' }));
  const rotateOut = h('div');
  const rotate = button('Rotate secret', () => {
    const g = grace.control.value.trim();
    const body = {
      grace_seconds: /^\d{1,9}$/.test(g) ? Number(g) : g,
      revoke_tokens: (revokeOnRotate.control as HTMLInputElement).checked,
    };
    api<Client>('POST', `/clients/${enc(clientId)}/secret`, body).then(
      (r) => {
        grace.error.textContent = '';
        replace(
          rotateOut,
          secretPanel(
            clientId,
            r.client_secret ?? '',
            r.previous_secret_expires_at
              ? `The previous secret works until ${epoch(r.previous_secret_expires_at)}.`
              : 'The previous secret stopped working.',
          ),
          r.tokens_revoked_before ? notice('ok', `Tokens issued up to ${epoch(r.tokens_revoked_before)} are inactive.`) : null,
        );
      },
      (err: unknown) => {
        const d = err instanceof ApiError ? err.details.find((x) => x.field === 'grace_seconds') : undefined;
        grace.error.textContent = d?.message ?? '';
        replace(rotateOut, notice('error', `The secret was not rotated: ${describe(err)}`));
      },
    );
  });
  const secretSection = SECRET_METHODS.includes(client.token_endpoint_auth_method)
    ? h(
        'section',
        { 'aria-labelledby': 'secret-title' },
        h('h2', { id: 'secret-title' }, 'Secret'),
        grace.row,
        revokeOnRotate.row,
        rotate,
        rotateOut,
      )
    : null;

  // Access: enable/disable and the token cut-off.
  const badge = h('span', {});
  const toggle = h('button', { type: 'button' });
  const drawState = (): void => {
    badge.className = client.enabled ? 'badge ok' : 'badge off';
    badge.textContent = client.enabled ? 'enabled' : 'disabled';
    toggle.textContent = client.enabled ? 'Disable client' : 'Enable client';
    toggle.className = client.enabled ? 'danger' : '';
  };
  drawState();
  toggle.addEventListener('click', () => {
    const enabling = !client.enabled;
    const ask = enabling
      ? Promise.resolve(true)
      : confirmDialog({
          title: `Disable ${clientId}?`,
          body: [
            h(
              'p',
              {},
              'It gets no new tokens, and every token issued to it so far stops being accepted, for good (enabling it again does not bring them back).',
            ),
          ],
          confirmLabel: 'Disable',
          danger: true,
        });
    void ask.then((yes) => {
      if (!yes) return;
      api<Client>('PATCH', `/clients/${enc(clientId)}`, { enabled: enabling }).then(
        (c) => {
          client = c;
          drawState();
          say('ok', enabling ? `${clientId} is enabled.` : `${clientId} is disabled: its token requests now fail.`);
        },
        (err: unknown) => say('error', `Nothing changed: ${describe(err)}`),
      );
    });
  });
  const revoke = button('Revoke all tokens', () => {
    void confirmDialog({
      title: `Revoke every token of ${clientId}?`,
      body: [
        h(
          'p',
          {},
          'Tokens issued up to now become inactive at introspection and at the admin API on every instance. The client can get new tokens.',
        ),
        h('p', {}, 'Resource servers that verify tokens offline cannot see this before the tokens expire.'),
      ],
      confirmLabel: 'Revoke tokens',
      danger: true,
    }).then((yes) => {
      if (!yes) return;
      api<{ tokens_revoked_before: number }>('POST', `/clients/${enc(clientId)}/revoke-tokens`).then(
        (r) => say('ok', `Tokens issued up to ${epoch(r.tokens_revoked_before)} are revoked.`),
        (err: unknown) => say('error', `Nothing was revoked: ${describe(err)}`),
      );
    });
  });
  const remove = button(
    'Delete client',
    () => {
      void confirmDialog({
        title: `Delete ${clientId}?`,
        body: [
          h(
            'p',
            {},
            'Its tokens stop being accepted at once. The client ID stays reserved until they would have expired. This cannot be undone.',
          ),
        ],
        confirmLabel: 'Delete for good',
        danger: true,
        typeToConfirm: clientId,
      }).then((yes) => {
        if (!yes) return;
        api('DELETE', `/clients/${enc(clientId)}`).then(
          () => {
            location.hash = '#/clients';
          },
          (err: unknown) => say('error', `Not deleted: ${describe(err)}`),
        );
      });
    },
    'danger',
  );

  replace(
    main,
    h('p', {}, h('a', { href: '#/clients' }, '← All clients')),
    h('div', { class: 'title-row' }, h('h1', { class: 'mono' }, clientId), badge),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Created'),
      h('dd', {}, formatTime(client.created_at)),
      h('dt', {}, 'Updated'),
      h('dd', {}, formatTime(client.updated_at)),
      h('dt', {}, 'History'),
      h('dd', {}, h('a', { href: `#/audit?client_id=${enc(clientId)}` }, 'Audit log of this client')),
    ),
    status,
    h(
      'section',
      { 'aria-labelledby': 'access-title' },
      h('h2', { id: 'access-title' }, 'Access'),
      h('div', { class: 'actions left' }, toggle, revoke),
    ),
    secretSection,
    settings,
    h('section', { class: 'danger-zone', 'aria-labelledby': 'delete-title' }, h('h2', { id: 'delete-title' }, 'Delete'), remove),
  );
}
