import { api, ApiError, apiWithStatus, signOut } from '../api';
import { button, confirmDialog, formatTime, h, notice, replace } from '../dom';
import type { PageContext } from '../main';
import type { SigningKey } from '../types';

const ORDER: Record<SigningKey['status'], number> = { next: 0, active: 1, retired: 2 };

/** What each state means for tokens, shown beside the key. */
const MEANING: Record<SigningKey['status'], string> = {
  next: 'Published in the JWKS, not signing yet',
  active: 'Signs every new token',
  retired: 'No longer signs; published until its tokens have expired',
};

function milestones(k: SigningKey): [string, string | null][] {
  return [
    ['Created', k.created_at],
    ['May be promoted from', k.status === 'next' ? k.not_before : null],
    ['Active since', k.activated_at],
    ['Retired', k.retired_at],
    ['Leaves the JWKS', k.expires_at],
  ].filter(([, at]) => at) as [string, string | null][];
}

/** The signing-key lifecycle as a timeline (next, active, retired, newest first), with rotation. */
export async function keysPage({ main }: PageContext): Promise<void> {
  const status = h('div', { class: 'messages' });
  const timeline = h('ol', { class: 'timeline', 'aria-label': 'Signing keys, from next to oldest retired' });
  const load = async (): Promise<void> => {
    try {
      const { items } = await api<{ items: SigningKey[] }>('GET', '/keys');
      items.sort((a, b) => ORDER[a.status] - ORDER[b.status] || Date.parse(b.created_at) - Date.parse(a.created_at));
      replace(
        timeline,
        items.map((k) =>
          h(
            'li',
            { class: `key ${k.status}`, 'data-kid': k.kid },
            h(
              'div',
              { class: 'key-head' },
              h('span', { class: `badge ${k.status}` }, k.status),
              h('code', { class: 'kid' }, k.kid),
              h('span', {}, k.alg),
            ),
            h('p', { class: 'hint' }, MEANING[k.status]),
            h(
              'dl',
              { class: 'facts' },
              milestones(k).map(([label, at]) => [h('dt', {}, label), h('dd', {}, formatTime(at))]),
            ),
          ),
        ),
      );
    } catch (err) {
      replace(status, notice('error', err instanceof ApiError ? err.message : 'Loading the keys failed.'));
    }
  };

  const rotate = (immediate: boolean) => (): void => {
    void confirmDialog(
      immediate
        ? {
            title: 'Emergency rotation: replace the active key now?',
            body: [
              h('p', {}, 'A new key signs from now on, and the active key is removed from the JWKS at once.'),
              h(
                'p',
                {},
                h('strong', {}, 'Every token it signed stops verifying immediately'),
                ': clients must get new tokens. Use this when the key has leaked.',
              ),
              h('p', {}, 'This console’s own token is one of them: you will be asked to sign in again.'),
            ],
            confirmLabel: 'Replace the key now',
            danger: true,
          }
        : {
            title: 'Rotate the signing key?',
            body: [
              h(
                'p',
                {},
                'If the next key has been published long enough (JWKS_MAX_AGE), it starts signing and the active key retires; otherwise a next key is published and can be promoted later.',
              ),
              h('p', {}, 'Outstanding tokens keep verifying: the retired key stays in the JWKS until they have expired.'),
            ],
            confirmLabel: 'Rotate',
          },
    ).then((yes) => {
      if (!yes) return;
      apiWithStatus<{ rotated: boolean; active: SigningKey; next: SigningKey; removed?: string[] }>(
        'POST',
        `/keys/rotate${immediate ? '?immediate=true' : ''}`,
      ).then(
        async ({ body }) => {
          if (immediate && body.rotated) {
            signOut(`Key ${body.active.kid} signs now. Every earlier token stopped verifying, this console’s included: sign in again.`);
            return;
          }
          // The timeline first, so the message never sits beside the state before the rotation.
          await load();
          replace(
            status,
            body.rotated
              ? notice(
                  'ok',
                  `Key ${body.active.kid} signs now.${body.removed?.length ? ` Removed from the JWKS: ${body.removed.join(', ')}.` : ''}`,
                )
              : notice(
                  'info',
                  `Not yet: the next key ${body.next.kid} is published and may be promoted from ${formatTime(body.next.not_before)}.`,
                ),
          );
        },
        (err: unknown) => replace(status, notice('error', `Not rotated: ${err instanceof ApiError ? err.message : 'the request failed'}`)),
      );
    });
  };

  replace(
    main,
    h('h1', {}, 'Signing keys'),
    h('p', { class: 'hint' }, 'Metadata only: private keys never leave the server. Scheduled rotation follows KEY_ROTATION_INTERVAL.'),
    h('div', { class: 'actions left' }, button('Rotate', rotate(false), 'primary'), button('Emergency rotate', rotate(true), 'danger')),
    status,
    timeline,
  );
  await load();
}
