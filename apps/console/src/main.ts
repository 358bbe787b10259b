import './styles.css';
import 'uplot/dist/uPlot.min.css';
import { currentSession, signOut, whenSignedOut } from './api';
import { h, replace } from './dom';
import { auditPage } from './pages/audit';
import { clientPage, newClientPage } from './pages/client';
import { clientsPage } from './pages/clients';
import { dashboardPage } from './pages/dashboard';
import { issuerPage, issuersPage } from './pages/issuers';
import { keysPage } from './pages/keys';
import { signInPage } from './pages/sign-in';

/** What a page gets: where to draw, and a way to register cleanup (timers, charts) for when it is left. */
export interface PageContext {
  main: HTMLElement;
  onLeave(fn: () => void): void;
}

type Route = [RegExp, (ctx: PageContext, ...params: string[]) => Promise<void> | void, string];

const ROUTES: Route[] = [
  [/^dashboard$/, dashboardPage, 'Dashboard'],
  [/^clients$/, clientsPage, 'Clients'],
  [/^clients\/new$/, newClientPage, 'New client'],
  [/^clients\/(.+)$/, clientPage, 'Client'],
  [/^issuers$/, issuersPage, 'Trusted issuers'],
  [/^issuers\/(.+)$/, issuerPage, 'Trusted issuer'],
  [/^keys$/, keysPage, 'Signing keys'],
  [/^audit$/, auditPage, 'Audit log'],
];

const NAV: [string, string][] = [
  ['dashboard', 'Dashboard'],
  ['clients', 'Clients'],
  ['issuers', 'Trusted issuers'],
  ['keys', 'Signing keys'],
  ['audit', 'Audit log'],
];

const root = document.getElementById('app')!;
let leaving: (() => void)[] = [];
let signedOutReason = '';

function shell(path: string): HTMLElement {
  const s = currentSession()!;
  const main = h('main', { id: 'main', tabindex: '-1' });
  const nav = h(
    'nav',
    { 'aria-label': 'Console sections' },
    h(
      'ul',
      {},
      NAV.map(([p, label]) =>
        h('li', {}, h('a', { href: `#/${p}`, 'aria-current': path.split('/')[0] === p ? 'page' : undefined }, label)),
      ),
    ),
  );
  const header = h(
    'header',
    { class: 'top' },
    h('a', { class: 'skip', href: '#main', onclick: (e: Event) => (e.preventDefault(), main.focus()) }, 'Skip to content'),
    h('span', { class: 'brand' }, 'Authorization server'),
    nav,
    h(
      'div',
      { class: 'who' },
      h('span', {}, `Signed in as ${s.clientId} until ${new Date(s.expiresAt).toLocaleTimeString()}`),
      h('button', { type: 'button', onclick: () => signOut('You signed out.') }, 'Sign out'),
    ),
  );
  replace(root, header, main);
  return main;
}

async function render(): Promise<void> {
  for (const fn of leaving) fn();
  leaving = [];
  const path = location.hash.replace(/^#\/?/, '').split('?')[0] || 'dashboard';
  if (!currentSession()) {
    replace(root);
    const main = h('main', { id: 'main' });
    root.append(main);
    document.title = 'Sign in · Authorization server console';
    signInPage(main, signedOutReason, () => {
      signedOutReason = '';
      if (location.hash === '' || location.hash === '#/') location.hash = '#/dashboard';
      else void render();
    });
    return;
  }
  const route = ROUTES.find(([re]) => re.test(path));
  const main = shell(path);
  const ctx: PageContext = { main, onLeave: (fn) => leaving.push(fn) };
  if (!route) {
    replace(main, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/dashboard' }, 'Back to the dashboard')));
    return;
  }
  document.title = `${route[2]} · Authorization server console`;
  const params = route[0].exec(path)!.slice(1).map(decodeURIComponent);
  await route[1](ctx, ...params);
  // After a navigation, keyboard and screen-reader users continue at the new page's heading, unless the page
  // put the focus somewhere itself.
  if (!main.contains(document.activeElement)) main.focus({ preventScroll: true });
}

whenSignedOut((reason) => {
  signedOutReason = reason;
  void render();
});
window.addEventListener('hashchange', () => void render());
void render();
