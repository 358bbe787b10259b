/*
 * A few DOM helpers instead of a framework. Elements are built with h(); text is always set as text (never
 * innerHTML), so nothing the API returns can become markup. No style attributes: the server's CSP forbids
 * inline style, and the look lives in styles.css.
 */

export type Child = Node | string | number | null | undefined | false | Child[];
type Handler = (e: Event) => void;
export type Props = Record<string, string | number | boolean | Handler | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === 'value') (el as HTMLInputElement).value = String(value);
    else if (name === 'checked') (el as HTMLInputElement).checked = Boolean(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

let ids = 0;
export const uid = (prefix: string): string => `${prefix}-${++ids}`;

/** A labelled control with a slot for the API's message about it (aria-describedby points at both). */
export interface Field {
  name: string;
  row: HTMLElement;
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  error: HTMLElement;
}

export function field(
  name: string,
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: string,
): Field {
  const id = uid(name);
  control.id = id;
  control.name = name;
  const error = h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' });
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  control.setAttribute('aria-describedby', [hintEl ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' '));
  const row =
    control instanceof HTMLInputElement && control.type === 'checkbox'
      ? h('div', { class: 'field checkbox' }, control, h('label', { for: id }, label), hintEl, error)
      : h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl, error);
  return { name, row, control, error };
}

export function setFieldError(f: Field, message: string | undefined): void {
  f.error.textContent = message ?? '';
  f.row.classList.toggle('invalid', Boolean(message));
  if (message) f.control.setAttribute('aria-invalid', 'true');
  else f.control.removeAttribute('aria-invalid');
}

/** A message area: role=alert for errors (read out at once), role=status for outcomes. */
export function notice(kind: 'error' | 'ok' | 'info', ...text: Child[]): HTMLElement {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...text);
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function button(label: string, onClick: Handler, cls = '', extra: Props = {}): HTMLButtonElement {
  return h('button', { type: 'button', class: cls || undefined, onclick: onClick, ...extra }, label);
}

/**
 * A modal confirmation (native <dialog>: focus is trapped, Escape cancels). With `typeToConfirm`, the
 * confirm button stays disabled until that exact text is typed.
 */
export function confirmDialog(opts: {
  title: string;
  body: Child[];
  confirmLabel: string;
  danger?: boolean;
  typeToConfirm?: string;
}): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = uid('dialog-title');
    const ok = h('button', { type: 'submit', class: opts.danger ? 'danger' : 'primary', value: 'ok' }, opts.confirmLabel);
    const cancel = h('button', { type: 'button', value: 'cancel' }, 'Cancel');
    let typed: Field | undefined;
    if (opts.typeToConfirm !== undefined) {
      typed = field(
        'confirm',
        `Type ${opts.typeToConfirm} to confirm`,
        h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' }),
      );
      ok.disabled = true;
      typed.control.addEventListener('input', () => (ok.disabled = typed!.control.value !== opts.typeToConfirm));
    }
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', { id: titleId }, opts.title),
      ...opts.body,
      typed?.row,
      h('div', { class: 'actions' }, cancel, ok),
    );
    const dialog = h('dialog', { 'aria-labelledby': titleId }, form);
    let result = false;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (ok.disabled) return;
      result = true;
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    (typed?.control ?? cancel).focus();
  });
}

/** The secret as the API returned it, once: a read-only field, a copy button, and the warning that it is not kept. */
export function secretPanel(clientId: string, secret: string, note?: string): HTMLElement {
  const id = uid('secret');
  const input = h('input', { id, type: 'text', readonly: true, value: secret, class: 'mono', spellcheck: 'false' });
  const status = h('span', { class: 'copy-status', role: 'status' });
  const copy = button('Copy secret', () => {
    input.select();
    navigator.clipboard.writeText(secret).then(
      () => (status.textContent = 'Copied to the clipboard.'),
      () => (status.textContent = 'Copying failed: select the text and copy it by hand.'),
    );
  });
  return h(
    'section',
    { class: 'secret-panel', 'aria-label': 'New client secret' },
    h('h3', {}, 'Client secret'),
    notice(
      'info',
      h('strong', {}, 'Copy it now: it is shown only this once. '),
      'The server keeps only a hash; if it is lost, rotate the secret. ',
      note ?? '',
    ),
    h('label', { for: id }, `Secret of ${clientId}`),
    h('div', { class: 'copy-row' }, input, copy),
    status,
  );
}
