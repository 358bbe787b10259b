#!/usr/bin/env node
/*
 * Builds the admin console (apps/console) into dist/console: one bundled, minified script (app.js), one style
 * sheet (app.css, uPlot's included) and index.html. Run by `npm run build` after `nest build`; the server
 * serves the folder at {BASE_PATH}/console when CONSOLE_ENABLED. Nothing is fetched from a CDN at run time.
 */
'use strict';
const { build } = require('esbuild');
const { copyFileSync, mkdirSync, rmSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const src = join(root, 'apps/console');
const out = join(root, 'dist/console');

async function main() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: { app: join(src, 'src/main.ts') },
    outdir: out,
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    format: 'esm',
    target: ['chrome120', 'firefox120', 'safari16'],
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  copyFileSync(join(src, 'index.html'), join(out, 'index.html'));
  const sizes = Object.entries(result.metafile.outputs)
    .filter(([f]) => /\.(js|css)$/.test(f))
    .map(([f, o]) => `${f.split('/').pop()} ${(o.bytes / 1024).toFixed(1)} KB`);
  console.log(`console: ${sizes.join(', ')} in dist/console`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
