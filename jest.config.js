/**
 * Jest, in four named tiers (`npm run test:unit` runs the first, `npm run test:browser` the last; `npm test` runs all):
 *   unit  `*.spec.ts`      next to the code in libs/ and apps/: no I/O (no database, no network), no build needed;
 *   db    `*.db-spec.ts`   real PostgreSQL (TEST_DATABASE_URL), no HTTP;
 *   e2e   `*.e2e-spec.ts`  in test/: a real server, in-process on a port or a built process (`dist/`);
 *   browser `*.browser-spec.ts` in test/: the admin console in headless Chromium (Debian's package) on one in-process server.
 * SWC transform (decorators + metadata) so ESM-only packages (jose, @nestjs/*) load on Node 20.
 */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const libs = ['common', 'config', 'persistence', 'clients', 'keys', 'oauth', 'admin', 'observability'];

/** What every tier shares: how TypeScript and the `@app/*` paths load. */
const shared = {
  testEnvironment: 'node',
  rootDir: __dirname,
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', swc] },
  transformIgnorePatterns: ['/node_modules/(?!(jose|@nestjs|openid-client|oauth4webapi|content-disposition)/)'],
  moduleNameMapper: Object.fromEntries(
    libs.flatMap((l) => [
      [`^@app/${l}$`, `<rootDir>/libs/${l}/src`],
      [`^@app/${l}/(.*)$`, `<rootDir>/libs/${l}/src/$1`],
    ]),
  ),
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/libs', '<rootDir>/apps'], testMatch: ['**/*.spec.ts'] },
    { ...shared, displayName: 'db', roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'], testMatch: ['**/*.db-spec.ts'] },
    { ...shared, displayName: 'e2e', roots: ['<rootDir>/test'], testMatch: ['**/*.e2e-spec.ts'] },
    // The admin console, in real headless Chromium
    { ...shared, displayName: 'browser', roots: ['<rootDir>/test'], testMatch: ['**/*.browser-spec.ts'] },
    // Load scenarios measure a server under a flood: run alone (scripts/test.js runs them after the rest), never
    // beside other suites competing for the same two cores.
    { ...shared, displayName: 'load', roots: ['<rootDir>/test'], testMatch: ['**/*.load-spec.ts'] },
  ],
  testTimeout: 60000,
  maxWorkers: 2,
  verbose: true,
};
