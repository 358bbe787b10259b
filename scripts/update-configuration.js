#!/usr/bin/env node
/*
 * Writes docs/configuration.md from the settings table (libs/config/src/settings.ts).
 *
 *   npm run docs:config     # builds first (dist/), then writes the file
 *
 * The text comes from renderConfigurationReference() in the build; libs/config/src/configuration-reference.spec.ts
 * renders the same text from the TypeScript source and fails when the file differs, so a new or changed setting
 * needs this run in the same commit.
 */
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const { renderConfigurationReference } = require(join(root, 'dist/libs/config/src/configuration-reference.js'));
const target = join(root, 'docs/configuration.md');
const text = renderConfigurationReference();
let before = '';
try {
  before = readFileSync(target, 'utf8');
} catch {
  // first run
}
writeFileSync(target, text);
console.log(before === text ? `${target}: unchanged` : `${target}: written`);
