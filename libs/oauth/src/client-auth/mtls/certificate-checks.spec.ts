import { createPublicKey, X509Certificate } from 'node:crypto';
import { CertificateFactory, type Pem } from '../../../../../test/support/certificates';
import {
  certificateThumbprint,
  chainsToTrustedCa,
  type ExpectedSubject,
  parseDistinguishedName,
  parsePemBundle,
  publicKeyAmong,
  subjectMatches,
} from './certificate-checks';

const NONE: ExpectedSubject = { subjectDn: null, sanDns: null, sanUri: null, sanIp: null, sanEmail: null };

describe('mTLS certificate checks (RFC 8705 §2)', () => {
  const certs = new CertificateFactory();
  let ca: Pem;
  let foreignCa: Pem;
  let client: X509Certificate;
  let foreign: X509Certificate;
  let selfSigned: Pem;

  beforeAll(() => {
    ca = certs.make({ subject: '/O=Test CA/CN=root', ca: true });
    foreignCa = certs.make({ subject: '/O=Other CA/CN=root', ca: true });
    const san = 'DNS:billing.example.com,URI:spiffe://acme/billing,IP:10.1.2.3,email:ops@acme.test';
    client = new X509Certificate(certs.make({ subject: '/C=DE/O=Acme, Inc/CN=billing', san, issuer: ca }).cert);
    foreign = new X509Certificate(certs.make({ subject: '/C=DE/O=Acme, Inc/CN=billing', san, issuer: foreignCa }).cert);
    selfSigned = certs.make({ subject: '/CN=self' });
  });
  afterAll(() => certs.dispose());

  it('trusts a certificate issued by a CA of the bundle, not one issued by a foreign CA', () => {
    const bundle = parsePemBundle(`${foreignCa.cert}\n`.replace(foreignCa.cert, '') + ca.cert);
    expect(bundle).toHaveLength(1);
    expect(chainsToTrustedCa(client, bundle, new Date())).toBe(true);
    expect(chainsToTrustedCa(foreign, bundle, new Date())).toBe(false);
    expect(chainsToTrustedCa(new X509Certificate(selfSigned.cert), bundle, new Date())).toBe(false);
  });

  it('refuses an expired certificate', () => {
    expect(chainsToTrustedCa(client, parsePemBundle(ca.cert), new Date(Date.now() + 5 * 86400_000))).toBe(false);
  });

  it('matches the registered subject DN in RFC 4514 form, escapes included, and nothing else', () => {
    expect(subjectMatches(client, { ...NONE, subjectDn: 'CN=billing,O=Acme\\, Inc,C=DE' })).toBe(true);
    expect(subjectMatches(client, { ...NONE, subjectDn: 'cn=billing, o=Acme\\, Inc, c=DE' })).toBe(true);
    expect(subjectMatches(client, { ...NONE, subjectDn: 'CN=billing,O=Acme\\, Inc' })).toBe(false);
    expect(subjectMatches(client, { ...NONE, subjectDn: 'CN=orders,O=Acme\\, Inc,C=DE' })).toBe(false);
  });

  it.each<[keyof ExpectedSubject, string, string]>([
    ['sanDns', 'Billing.Example.com', 'orders.example.com'],
    ['sanUri', 'spiffe://acme/billing', 'spiffe://acme/orders'],
    ['sanIp', '10.1.2.3', '10.1.2.4'],
    ['sanEmail', 'ops@acme.test', 'dev@acme.test'],
  ])('matches a %s SAN', (kind, good, bad) => {
    expect(subjectMatches(client, { ...NONE, [kind]: good })).toBe(true);
    expect(subjectMatches(client, { ...NONE, [kind]: bad })).toBe(false);
  });

  it('matches nothing when nothing is registered', () => {
    expect(subjectMatches(client, NONE)).toBe(false);
  });

  it('finds a self-signed certificate’s key among registered keys, and not another', () => {
    const cert = new X509Certificate(selfSigned.cert);
    expect(publicKeyAmong(cert, [client.publicKey, createPublicKey(selfSigned.key)])).toBe(true);
    expect(publicKeyAmong(cert, [client.publicKey])).toBe(false);
  });

  it('gives x5t#S256 as the base64url SHA-256 of the DER certificate (RFC 8705 §3.1)', () => {
    expect(certificateThumbprint(client)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(certificateThumbprint(client)).not.toBe(certificateThumbprint(foreign));
  });

  it('parses RFC 4514 strings into ordered pairs', () => {
    expect(parseDistinguishedName('cn=a\\,b, O=x')).toEqual(['CN=a,b', 'O=x']);
  });
});
