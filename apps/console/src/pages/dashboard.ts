import uPlot from 'uplot';
import { api, ApiError } from '../api';
import { button, h, notice, replace } from '../dom';
import type { PageContext } from '../main';
import type { Activity, Minute } from '../types';

const REFRESH_MS = 15_000;
/** Series colours; the legend swatches use the same ones through the .swatch-N classes in styles.css. */
const COLOURS = ['#1f5fbf', '#c2410c', '#15803d', '#7e22ce', '#a16207'];

interface ChartSpec {
  title: string;
  unit: string;
  /** A fixed top of the y axis (percentages); otherwise the data's maximum. */
  max?: number;
  series: { label: string; values: (m: Minute) => number | null }[];
  summary(minutes: Minute[]): string;
}

const sum = (ms: Minute[], f: (m: Minute) => number): number => ms.reduce((a, m) => a + f(m), 0);
const lastOf = (ms: Minute[], f: (m: Minute) => number | null): number | null => {
  for (let i = ms.length - 1; i >= 0; i--) if (f(ms[i]) !== null) return f(ms[i]);
  return null;
};
const pct = (r: number | null): string => (r === null ? 'no lookups yet' : `${Math.round(r * 1000) / 10} %`);
/** Latency read from a histogram bucket: two significant digits are all it has. */
const ms = (v: number | null): string =>
  v === null ? 'no requests yet' : `${v < 1 ? v.toFixed(2) : v < 10 ? v.toFixed(1) : Math.round(v)} ms`;

function specs(a: Activity): ChartSpec[] {
  const top = a.top_clients.slice(0, 3).map((c) => c.client_id);
  return [
    {
      title: 'Tokens issued per minute',
      unit: 'tokens',
      series: [
        { label: 'All clients', values: (m) => m.tokens_issued },
        ...top.map((id) => ({ label: id, values: (m: Minute) => m.top_clients.find((c) => c.client_id === id)?.tokens ?? 0 })),
      ],
      summary: (m) =>
        `${sum(m, (x) => x.tokens_issued)} tokens issued in the last hour, ${m[m.length - 1].tokens_issued} in the current minute.`,
    },
    {
      title: 'Authentication failures and throttling per minute',
      unit: 'requests',
      series: [
        { label: 'Failed client authentication (401)', values: (m) => m.auth_failures },
        { label: 'Throttled (429)', values: (m) => m.throttled },
      ],
      summary: (m) =>
        `${sum(m, (x) => x.auth_failures)} failed authentications and ${sum(m, (x) => x.throttled)} throttled requests in the last hour.`,
    },
    {
      title: 'Client-cache hit rate',
      unit: '%',
      max: 100,
      series: [{ label: 'Hit rate', values: (m) => (m.cache_hit_rate === null ? null : m.cache_hit_rate * 100) }],
      summary: (m) => `Latest hit rate: ${pct(lastOf(m, (x) => x.cache_hit_rate))}.`,
    },
    {
      title: 'Token latency',
      unit: 'ms',
      series: [
        { label: 'p50', values: (m) => m.latency_p50_ms },
        { label: 'p99', values: (m) => m.latency_p99_ms },
      ],
      summary: (m) => `Latest p50 ${ms(lastOf(m, (x) => x.latency_p50_ms))}, p99 ${ms(lastOf(m, (x) => x.latency_p99_ms))}.`,
    },
  ];
}

/** Charts of this instance's last hour (GET /admin/activity), redrawn every 15 seconds while the page is open. */
export async function dashboardPage({ main, onLeave }: PageContext): Promise<void> {
  const messages = h('div', { class: 'messages' });
  const tiles = h('dl', { class: 'tiles' });
  const charts = h('div', { class: 'charts' });
  const topBody = h('tbody');
  const updated = h('span', { class: 'hint', role: 'status' });
  let plots: uPlot[] = [];

  const draw = (a: Activity): void => {
    for (const p of plots) p.destroy();
    plots = [];
    const m = a.minutes;
    const xs = m.map((x) => Date.parse(x.start) / 1000);
    const tile = (label: string, value: string) => h('div', { class: 'tile' }, h('dt', {}, label), h('dd', {}, value));
    replace(
      tiles,
      tile('Tokens issued (hour)', String(sum(m, (x) => x.tokens_issued))),
      tile('Failed authentications (hour)', String(sum(m, (x) => x.auth_failures))),
      tile('Throttled, 429 (hour)', String(sum(m, (x) => x.throttled))),
      tile('Client-cache hit rate', pct(lastOf(m, (x) => x.cache_hit_rate))),
      tile('p99 latency', ms(lastOf(m, (x) => x.latency_p99_ms))),
    );
    replace(charts);
    for (const spec of specs(a)) {
      const box = h('div', { class: 'chart' });
      const figure = h(
        'figure',
        { 'aria-label': spec.title },
        h('figcaption', {}, h('strong', {}, spec.title), h('span', { class: 'summary' }, spec.summary(m))),
        box,
        h(
          'ul',
          { class: 'legend', 'aria-label': `${spec.title}: series` },
          spec.series.map((s, i) => h('li', {}, h('span', { class: `swatch swatch-${i}`, 'aria-hidden': 'true' }), s.label)),
        ),
      );
      charts.append(figure);
      const width = Math.max(260, box.clientWidth || 520);
      plots.push(
        new uPlot(
          {
            width,
            height: 200,
            legend: { show: false },
            cursor: { show: true, drag: { x: false, y: false } },
            scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, spec.max ?? Math.max(1, max)] } },
            axes: [{}, { label: spec.unit, size: 56 }],
            series: [
              {},
              ...spec.series.map((s, i) => ({
                label: s.label,
                stroke: COLOURS[i],
                width: 2,
                spanGaps: false,
                points: { show: true, size: 4 },
              })),
            ],
          },
          [xs, ...spec.series.map((s) => m.map(s.values))] as uPlot.AlignedData,
          box,
        ),
      );
    }
    replace(
      topBody,
      a.top_clients.length === 0
        ? h('tr', {}, h('td', { colspan: 2 }, 'No tokens issued in the last hour.'))
        : a.top_clients.map((c) => h('tr', {}, h('td', { class: 'mono' }, c.client_id), h('td', { class: 'num' }, String(c.tokens)))),
    );
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
  };

  const refresh = async (): Promise<void> => {
    try {
      draw(await api<Activity>('GET', '/activity'));
      replace(messages);
    } catch (err) {
      replace(
        messages,
        notice('error', `The numbers could not be refreshed: ${err instanceof ApiError ? err.message : 'request failed'}.`),
      );
    }
  };
  const resize = (): void => {
    for (const p of plots) p.setSize({ width: Math.max(260, p.root.parentElement?.clientWidth ?? 520), height: 200 });
  };

  replace(
    main,
    h(
      'div',
      { class: 'title-row' },
      h('h1', {}, 'Dashboard'),
      button('Refresh', () => void refresh()),
    ),
    h(
      'p',
      { class: 'hint' },
      'This instance only, the last 60 minutes at one-minute resolution (kept in memory; Prometheus holds the long-term series). ',
      updated,
    ),
    messages,
    tiles,
    charts,
    h(
      'section',
      { 'aria-labelledby': 'top-title' },
      h('h2', { id: 'top-title' }, 'Top clients, last hour'),
      h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Client ID'), h('th', { scope: 'col' }, 'Tokens'))), topBody),
    ),
  );
  const timer = window.setInterval(() => void refresh(), REFRESH_MS);
  window.addEventListener('resize', resize);
  onLeave(() => {
    clearInterval(timer);
    window.removeEventListener('resize', resize);
    for (const p of plots) p.destroy();
  });
  await refresh();
}
