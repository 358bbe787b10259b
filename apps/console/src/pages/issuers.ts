import { api, ApiError, enc, type FieldProblem } from '../api';
import { button, confirmDialog, type Field, field, formatTime, h, notice, replace, setFieldError } from '../dom';
import type { PageContext } from '../main';
import type { Page, TrustedIssuer } from '../types';

const ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const describe = (err: unknown): string => (err instanceof ApiError ? err.message : 'The request failed.');

/** The settings form of a trusted issuer (the issuer URL itself only when adding). */
function issuerForm(issuer?: TrustedIssuer) {
  const f: Record<string, Field> = {};
  if (!issuer)
    f.issuer = field(
      'issuer',
      'Issuer (exact iss)',
      h('input', { type: 'url', spellcheck: 'false' }),
      'e.g. https://token.actions.githubusercontent.com',
    );
  f.jwks_uri = field(
    'jwks_uri',
    'JWKS URL',
    h('input', { type: 'text', value: issuer?.jwks_uri ?? '', spellcheck: 'false' }),
    'Empty: OIDC discovery at {issuer}/.well-known/openid-configuration.',
  );
  const algs = h('input', { type: 'text', value: (issuer?.signing_alg_values ?? ['RS256', 'ES256']).join(' ') });
  f.signing_alg_values = field('signing_alg_values', 'Signing algorithms', algs, `Space-separated: ${ALGS.join(', ')}.`);
  f.max_assertion_lifetime = field(
    'max_assertion_lifetime',
    'Longest token lifetime (seconds)',
    h('input', { type: 'text', inputmode: 'numeric', value: String(issuer?.max_assertion_lifetime ?? 3600) }),
  );
  f.replay_protection = field(
    'replay_protection',
    'Accept each token (jti) only once',
    h('input', { type: 'checkbox', checked: issuer?.replay_protection ?? false }),
  );
  f.allow_private_network = field(
    'allow_private_network',
    'Keys may be on private addresses',
    h('input', { type: 'checkbox', checked: issuer?.allow_private_network ?? false }),
  );
  const messages = h('div', { class: 'messages' });
  const checked = (n: string): boolean => (f[n].control as HTMLInputElement).checked;
  return {
    messages,
    fields: h(
      'div',
      { class: 'form-grid' },
      Object.values(f).map((x) => x.row),
    ),
    values(): Record<string, unknown> {
      const lifetime = f.max_assertion_lifetime.control.value.trim();
      return {
        ...(f.issuer ? { issuer: f.issuer.control.value.trim() } : {}),
        jwks_uri: f.jwks_uri.control.value.trim() || null,
        signing_alg_values: f.signing_alg_values.control.value.split(/[\s,]+/).filter(Boolean),
        max_assertion_lifetime: /^\d{1,9}$/.test(lifetime) ? Number(lifetime) : lifetime,
        replay_protection: checked('replay_protection'),
        allow_private_network: checked('allow_private_network'),
      };
    },
    showErrors(details: FieldProblem[], lead: string): void {
      for (const x of Object.values(f)) setFieldError(x, undefined);
      for (const d of details) if (f[d.field.split('.')[0]]) setFieldError(f[d.field.split('.')[0]], d.message);
      replace(messages, notice('error', lead));
    },
  };
}

/** Trusted issuers of workload tokens: list and add. */
export async function issuersPage({ main }: PageContext): Promise<void> {
  const messages = h('div', { class: 'messages' });
  const list = h('tbody');
  const form = issuerForm();
  const add = h('button', { type: 'submit', class: 'primary' }, 'Add issuer');
  const addForm = h(
    'form',
    { novalidate: true, 'aria-labelledby': 'add-issuer' },
    h('h2', { id: 'add-issuer' }, 'Trust an issuer'),
    form.messages,
    form.fields,
    h('div', { class: 'actions' }, add),
  );
  const load = async (): Promise<void> => {
    try {
      const page = await api<Page<TrustedIssuer>>('GET', '/trusted-issuers?limit=1000');
      replace(
        list,
        page.items.length === 0
          ? h('tr', {}, h('td', { colspan: 4 }, 'No trusted issuers yet.'))
          : page.items.map((i) =>
              h(
                'tr',
                {},
                h('td', {}, h('a', { href: `#/issuers/${enc(i.issuer)}`, class: 'mono' }, i.issuer)),
                h('td', { class: 'mono' }, i.jwks_uri ?? 'discovery'),
                h('td', {}, i.signing_alg_values.join(' ')),
                h('td', {}, formatTime(i.updated_at)),
              ),
            ),
      );
    } catch (err) {
      replace(messages, notice('error', describe(err)));
    }
  };
  addForm.addEventListener('submit', (e) => {
    e.preventDefault();
    add.disabled = true;
    api<TrustedIssuer>('POST', '/trusted-issuers', form.values()).then(
      (i) => {
        add.disabled = false;
        replace(form.messages, notice('ok', `${i.issuer} is trusted.`));
        void load();
      },
      (err: unknown) => {
        add.disabled = false;
        if (err instanceof ApiError && err.details.length) form.showErrors(err.details, 'Not added: correct the marked fields.');
        else replace(form.messages, notice('error', `Not added: ${describe(err)}`));
      },
    );
  });
  replace(
    main,
    h('h1', {}, 'Trusted issuers'),
    h('p', { class: 'hint' }, 'Workload tokens of these issuers authenticate clients whose federated credentials name them.'),
    messages,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h('caption', { class: 'visually-hidden' }, 'Trusted issuers'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Issuer', 'Keys from', 'Algorithms', 'Updated'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        list,
      ),
    ),
    addForm,
  );
  await load();
}

/** One trusted issuer: edit, remove (refused while clients name it: those are listed). */
export async function issuerPage({ main }: PageContext, issuerUrl: string): Promise<void> {
  let issuer: TrustedIssuer;
  try {
    issuer = await api<TrustedIssuer>('GET', `/trusted-issuers/${enc(issuerUrl)}`);
  } catch (err) {
    replace(main, h('h1', {}, issuerUrl), notice('error', describe(err)), h('a', { href: '#/issuers' }, 'Back to the issuers'));
    return;
  }
  const form = issuerForm(issuer);
  const status = h('div', { class: 'messages' });
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save changes');
  const edit = h(
    'form',
    { novalidate: true, 'aria-label': 'Settings' },
    h('h2', {}, 'Settings'),
    form.messages,
    form.fields,
    h('div', { class: 'actions' }, save),
  );
  edit.addEventListener('submit', (e) => {
    e.preventDefault();
    api<TrustedIssuer>('PATCH', `/trusted-issuers/${enc(issuerUrl)}`, form.values()).then(
      () => replace(form.messages, notice('ok', 'Saved.')),
      (err: unknown) => {
        if (err instanceof ApiError && err.details.length) form.showErrors(err.details, 'Not saved: correct the marked fields.');
        else replace(form.messages, notice('error', `Not saved: ${describe(err)}`));
      },
    );
  });
  const remove = button(
    'Remove issuer',
    () => {
      void confirmDialog({
        title: `Stop trusting ${issuerUrl}?`,
        body: [h('p', {}, 'Its tokens stop authenticating clients at once.')],
        confirmLabel: 'Remove',
        danger: true,
      }).then((yes) => {
        if (!yes) return;
        api('DELETE', `/trusted-issuers/${enc(issuerUrl)}`).then(
          () => {
            location.hash = '#/issuers';
          },
          (err: unknown) => {
            if (err instanceof ApiError && err.status === 409 && err.clientIds.length) {
              replace(
                status,
                notice(
                  'error',
                  h('p', {}, 'Not removed: the federated credentials of these clients still name this issuer. Remove it from them first.'),
                  h(
                    'ul',
                    { class: 'in-use' },
                    err.clientIds.map((id) => h('li', {}, h('a', { href: `#/clients/${enc(id)}`, class: 'mono' }, id))),
                  ),
                ),
              );
            } else replace(status, notice('error', `Not removed: ${describe(err)}`));
          },
        );
      });
    },
    'danger',
  );
  replace(
    main,
    h('p', {}, h('a', { href: '#/issuers' }, '← All trusted issuers')),
    h('h1', { class: 'mono' }, issuer.issuer),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Added'),
      h('dd', {}, formatTime(issuer.created_at)),
      h('dt', {}, 'Updated'),
      h('dd', {}, formatTime(issuer.updated_at)),
    ),
    status,
    edit,
    h('section', { class: 'danger-zone', 'aria-labelledby': 'remove-title' }, h('h2', { id: 'remove-title' }, 'Remove'), remove),
  );
}
