import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's `chromium` package (scripts/test.js and .ci/run install it); Playwright's own download cannot be used. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium. The networking flags stop its own outbound traffic (updates, sync, field trials), which
 * the sandbox refuses noisily; --no-sandbox because tests run as root.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (npm test does this)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where each test's screenshot goes (test-output/browser/, ignored by git). */
const SCREENSHOT_DIR = resolve(__dirname, '../../test-output/browser');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  // CONSOLE_SCREENSHOTS=docs/images also writes the README's pictures (1280×800 viewport, not the full page).
  const readme = process.env.CONSOLE_SCREENSHOTS;
  if (readme && ['dashboard', 'clients'].includes(name)) {
    const dir = resolve(__dirname, '../..', readme);
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `console-${name}.png`) });
  }
}

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's serious and critical violations on the page as it is now (WCAG 2 A/AA rules). axe is evaluated
 * through the DevTools protocol, which the page's CSP does not govern, so the console is checked under its
 * real production headers (nothing is relaxed for the test).
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  // A string, run in the page (this program is type-checked without the DOM library).
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }).then((r) => r.violations)`,
  );
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
