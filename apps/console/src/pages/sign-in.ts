import { ApiError, signIn } from '../api';
import { field, h, notice, replace } from '../dom';

/** The admin client's id and secret (or any client holding the admin scope); the secret is not kept. */
export function signInPage(main: HTMLElement, reason: string, done: () => void): void {
  const id = field('client_id', 'Client ID', h('input', { type: 'text', autocomplete: 'username', required: true, spellcheck: 'false' }));
  const secret = field(
    'client_secret',
    'Client secret',
    h('input', { type: 'password', autocomplete: 'current-password', required: true }),
  );
  const message = h('div', { class: 'messages' }, reason ? notice('info', reason) : null);
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'sign-in', novalidate: true },
    h('h1', {}, 'Sign in to the console'),
    h(
      'p',
      { class: 'hint' },
      'Use the admin client (ADMIN_CLIENT_ID) or any client holding the admin scope. The token stays in this tab’s memory.',
    ),
    message,
    id.row,
    secret.row,
    submit,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const clientId = (id.control as HTMLInputElement).value.trim();
    const pw = (secret.control as HTMLInputElement).value;
    if (!clientId || !pw) {
      replace(message, notice('error', 'Enter both the client ID and the secret.'));
      return;
    }
    submit.disabled = true;
    replace(message, notice('info', 'Signing in…'));
    signIn(clientId, pw).then(
      () => {
        (secret.control as HTMLInputElement).value = '';
        done();
      },
      (err: unknown) => {
        submit.disabled = false;
        replace(message, notice('error', err instanceof ApiError ? err.description || err.code : 'The server could not be reached.'));
        secret.control.focus();
      },
    );
  });
  replace(main, form);
  id.control.focus();
}
