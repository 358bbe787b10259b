import { addressRefusal, isLoopback, isNonPublic } from './address-policy';
import { maxAge } from './guarded-fetch';

describe('SSRF guard: addresses a jwks_uri or discovery fetch may reach', () => {
  const production = { production: true, allowPrivateNetwork: false };
  const development = { production: false, allowPrivateNetwork: false };
  const privateNetwork = { production: true, allowPrivateNetwork: true };

  it.each([
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '127.0.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '192.0.2.1',
    '224.0.0.1',
    '::',
    '::1',
    'fd00::1',
    'fe80::1',
    'ff02::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    '2001:db8::1',
  ])('counts %s as non-public and refuses it in production', (ip) => {
    expect(isNonPublic(ip)).toBe(true);
    expect(addressRefusal('https:', ip, production)).toMatch(/private, loopback or link-local/);
  });

  // Forms that carry or reach an IPv4 address, and retired ranges: each can lead back into a private network.
  it.each([
    ['::7f00:1', 'IPv4-compatible ::127.0.0.1 (::/96)'],
    ['::a00:1', 'IPv4-compatible ::10.0.0.1 (::/96)'],
    ['::ffff:0:7f00:1', 'IPv4-translated (::ffff:0:0:0/96, RFC 6145)'],
    ['64:ff9b::7f00:1', 'NAT64 well-known prefix (64:ff9b::/96, RFC 6052)'],
    ['64:ff9b:1::a00:1', 'local-use NAT64 (64:ff9b:1::/48, RFC 8215)'],
    ['2002:7f00:1::1', '6to4 of 127.0.0.1 (2002::/16)'],
    ['2001::1', 'Teredo (2001::/32)'],
    ['fec0::1', 'site-local (fec0::/10, deprecated)'],
  ])('refuses %s in production: %s', (ip) => {
    expect(isNonPublic(ip)).toBe(true);
    expect(addressRefusal('https:', ip, production)).toMatch(/private, loopback or link-local/);
    expect(addressRefusal('https:', ip, privateNetwork)).toMatch(/private, loopback or link-local/);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111', '172.32.0.1', '::ffff:8.8.8.8'])('lets %s through in production', (ip) => {
    expect(isNonPublic(ip)).toBe(false);
    expect(addressRefusal('https:', ip, production)).toBeUndefined();
  });

  it.each(['10.0.0.5', '172.20.1.1', '192.168.0.10', 'fd12:3456::1', '100.64.3.4'])(
    'allows the private address %s in production only for an issuer with allow_private_network',
    (ip) => {
      expect(addressRefusal('https:', ip, privateNetwork)).toBeUndefined();
      expect(addressRefusal('https:', ip, production)).toMatch(/private/);
    },
  );

  // The host itself and the cloud metadata service are never an issuer's private network.
  it.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '169.254.169.254', 'fe80::1', '0.0.0.0', '::'])(
    'refuses %s in production even with allow_private_network',
    (ip) => {
      expect(addressRefusal('https:', ip, privateNetwork)).toMatch(/refused even with allow_private_network/);
    },
  );

  it('outside production lets loopback through (local tests and development), and nothing else that production refuses', () => {
    expect(addressRefusal('https:', '127.0.0.1', development)).toBeUndefined();
    expect(addressRefusal('https:', '::1', development)).toBeUndefined();
    expect(addressRefusal('https:', '169.254.169.254', development)).toMatch(/link-local/);
    expect(addressRefusal('https:', '10.0.0.1', development)).toMatch(/private/);
    expect(addressRefusal('https:', '93.184.216.34', development)).toBeUndefined();
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
