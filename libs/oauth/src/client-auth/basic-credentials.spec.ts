import { parseBasicAuthorization } from './basic-credentials';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
/** RFC 6749 §2.3.1 / Appendix B: application/x-www-form-urlencoded, then Basic (RFC 7617). */
const formEncode = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
const header = (id: string, secret: string): string => `Basic ${b64(`${formEncode(id)}:${formEncode(secret)}`)}`;

describe('parseBasicAuthorization (RFC 7617 §2, RFC 6749 §2.3.1)', () => {
  it('decodes the seed header', () => {
    expect(parseBasicAuthorization('Basic c2VydmljZS1jbGllbnQtand0OnNlcnZpY2UtY2xpZW50LWp3dC1zZWNyZXQ=')).toEqual({
      clientId: 'service-client-jwt',
      clientSecret: 'service-client-jwt-secret',
    });
  });

  it('treats the scheme name case-insensitively', () => {
    expect(parseBasicAuthorization(`bAsIc ${b64('a:b')}`)).toEqual({ clientId: 'a', clientSecret: 'b' });
  });

  it.each([
    ['a colon', 'id:with:colons', 'se:cr:et'],
    ['a percent sign', 'id%41', '100%'],
    ['a plus sign', 'a+b', 'c+d'],
    ['a space', 'my client', 'my secret'],
    ['non-ASCII characters', 'clïent-ü', 'sécret-€'],
    ['everything at once', 'x: %+é', 'y: %+€'],
  ])('form-decodes an id and secret with %s', (_, id, secret) => {
    expect(parseBasicAuthorization(header(id, secret))).toEqual({ clientId: id, clientSecret: secret });
  });

  it('reads a literal + in the encoded credentials as a space', () => {
    expect(parseBasicAuthorization(`Basic ${b64('my+client:my+secret')}`)).toEqual({ clientId: 'my client', clientSecret: 'my secret' });
  });

  it('reads %2B as a plus and %3A as a colon', () => {
    expect(parseBasicAuthorization(`Basic ${b64('a%2Bb%3Ac:s%3As')}`)).toEqual({ clientId: 'a+b:c', clientSecret: 's:s' });
  });

  it('splits at the first colon: a raw colon in the secret belongs to the secret', () => {
    expect(parseBasicAuthorization(`Basic ${b64('id:se:cret')}`)).toEqual({ clientId: 'id', clientSecret: 'se:cret' });
  });

  it.each([
    ['no colon', `Basic ${b64('idsecret')}`],
    ['empty id', `Basic ${b64(':secret')}`],
    ['empty secret', `Basic ${b64('id:')}`],
    ['both empty', `Basic ${b64(':')}`],
    ['invalid base64 characters', 'Basic !!!!'],
    ['base64url alphabet', `Basic ${Buffer.from('id:s?>~~').toString('base64url')}`],
    ['missing padding', `Basic ${b64('id:secret1').replace(/=+$/, '')}`],
    ['no credentials', 'Basic'],
    ['only spaces', 'Basic    '],
    ['two tokens', `Basic ${b64('id:secret')} ${b64('x:y')}`],
    ['another scheme', `Bearer ${b64('id:secret')}`],
    ['no scheme', b64('id:secret')],
    ['broken percent-encoding in the id', `Basic ${b64('id%zz:secret')}`],
    ['broken percent-encoding in the secret', `Basic ${b64('id:secret%')}`],
    ['empty header', ''],
  ])('returns undefined for %s', (_, value) => {
    expect(parseBasicAuthorization(value)).toBeUndefined();
  });
});
