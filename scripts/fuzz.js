#!/usr/bin/env node
/*
 * `npm run fuzz`: the property suite of `npm test` (test/fuzz.e2e-spec.ts) with many more cases, through the
 * same test runner (lint, build, real PostgreSQL). FUZZ_RUNS sets the number of cases (default 100,000); extra
 * arguments go to Jest.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const runs = process.env.FUZZ_RUNS || '100000';
const r = spawnSync(process.execPath, [join(__dirname, 'test.js'), 'test/fuzz.e2e-spec.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: runs },
});
process.exit(r.status ?? 1);
