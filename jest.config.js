/** Jest: SWC transform (decorators + metadata) so ESM-only packages (jose, @nestjs/*) load on Node 20. */
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

const libs = ['config', 'persistence', 'clients', 'keys', 'oauth', 'admin', 'observability'];

module.exports = {
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', swc] },
  transformIgnorePatterns: ['/node_modules/(?!(jose|@nestjs|openid-client|oauth4webapi|content-disposition)/)'],
  moduleNameMapper: Object.fromEntries(
    libs.flatMap((l) => [
      [`^@app/${l}$`, `<rootDir>/libs/${l}/src`],
      [`^@app/${l}/(.*)$`, `<rootDir>/libs/${l}/src/$1`],
    ]),
  ),
  testTimeout: 60000,
  maxWorkers: 2,
  verbose: true,
};
