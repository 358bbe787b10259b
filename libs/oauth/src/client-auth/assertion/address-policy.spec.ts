import { addressRefusal, isLoopback, isNonPublic } from './address-policy';
import { maxAge } from './guarded-fetch';

describe('SSRF guard: addresses a jwks_uri or discovery fetch may reach', () => {
  const production = { production: true, allowPrivateNetwork: false };
  const development = { production: false, allowPrivateNetwork: false };

  it.each([
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '127.0.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
  ])('counts %s as non-public and refuses it in production', (ip) => {
    expect(isNonPublic(ip)).toBe(true);
    expect(addressRefusal('https:', ip, production)).toMatch(/private, loopback or link-local/);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111', '172.32.0.1'])('lets %s through in production', (ip) => {
    expect(isNonPublic(ip)).toBe(false);
    expect(addressRefusal('https:', ip, production)).toBeUndefined();
  });

  it('allows private addresses in production only for an issuer with allow_private_network', () => {
    expect(addressRefusal('https:', '10.0.0.5', { production: true, allowPrivateNetwork: true })).toBeUndefined();
  });

  it('refuses http in production, and outside production allows it only to loopback', () => {
    expect(addressRefusal('http:', '93.184.216.34', production)).toBe('only https URLs are fetched');
    expect(addressRefusal('http:', '127.0.0.1', production)).toBe('only https URLs are fetched');
    expect(addressRefusal('http:', '127.0.0.1', development)).toBeUndefined();
    expect(addressRefusal('http:', '::1', development)).toBeUndefined();
    expect(addressRefusal('http:', '10.0.0.1', development)).toMatch(/loopback/);
    expect(addressRefusal('file:', '127.0.0.1', development)).toBe('only https URLs are fetched');
    expect(isLoopback('127.8.9.10')).toBe(true);
  });

  it('reads max-age from Cache-Control, 0 for no-store and no-cache', () => {
    expect(maxAge('public, max-age=600')).toBe(600);
    expect(maxAge('max-age="30"')).toBe(30);
    expect(maxAge('no-store')).toBe(0);
    expect(maxAge('private, no-cache')).toBe(0);
    expect(maxAge('public')).toBeUndefined();
    expect(maxAge(undefined)).toBeUndefined();
  });
});
