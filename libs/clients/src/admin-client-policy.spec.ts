import { parseConfig } from '@app/config';
import { playgroundClientConflict } from './admin-client-policy';

const KEK = Buffer.alloc(32, 7).toString('base64url');
const production = parseConfig({
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://auth@127.0.0.1/auth',
  ISSUER: 'https://auth.example.com',
  KEY_ENCRYPTION_KEYS: KEK,
  ADMIN_CLIENT_ID: 'admin',
  ADMIN_CLIENT_SECRET: 'vN3q-8xKp2Lr_7TzW0yBc4Hj6MdFs9Ae1Gu5',
});

describe('playgroundClientConflict (a production start refuses to run while the published secret works)', () => {
  it('refuses enabling service-client-jwt in production', () => {
    expect(playgroundClientConflict(production, 'service-client-jwt', true)).toBe(
      'client "service-client-jwt" is the playground client (its secret is published in the quick start) and cannot be enabled in production: register a client under another id',
    );
  });

  it('allows disabling it, other changes to it, other clients, and anything outside production', () => {
    expect(playgroundClientConflict(production, 'service-client-jwt', false)).toBeUndefined();
    expect(playgroundClientConflict(production, 'service-client-jwt', undefined)).toBeUndefined();
    expect(playgroundClientConflict(production, 'orders', true)).toBeUndefined();
    expect(playgroundClientConflict(parseConfig({}), 'service-client-jwt', true)).toBeUndefined();
  });
});
