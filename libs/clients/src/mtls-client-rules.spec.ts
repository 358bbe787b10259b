import { mtlsSubjectProblems } from './mtls-client-rules';

describe('mTLS client registration rules (RFC 8705 §2.1.2)', () => {
  it('wants exactly one expected subject value for tls_client_auth', () => {
    expect(mtlsSubjectProblems({ tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSanDns: 'a.example' })).toEqual([]);
    expect(mtlsSubjectProblems({ tokenEndpointAuthMethod: 'tls_client_auth' })).toEqual([
      expect.objectContaining({ field: 'token_endpoint_auth_method' }),
    ]);
    expect(
      mtlsSubjectProblems({
        tokenEndpointAuthMethod: 'tls_client_auth',
        tlsClientAuthSubjectDn: 'CN=a',
        tlsClientAuthSanUri: 'spiffe://a',
      }),
    ).toEqual([expect.objectContaining({ field: 'tls_client_auth_san_uri' })]);
  });

  it('refuses subject values on any other method, naming each, and ignores cleared (null) ones', () => {
    expect(
      mtlsSubjectProblems({ tokenEndpointAuthMethod: 'client_secret_basic', tlsClientAuthSanIp: '10.0.0.1', tlsClientAuthSanEmail: null }),
    ).toEqual([
      { field: 'tls_client_auth_san_ip', message: 'tls_client_auth_san_ip is only used with token_endpoint_auth_method tls_client_auth' },
    ]);
    expect(mtlsSubjectProblems({ tokenEndpointAuthMethod: 'self_signed_tls_client_auth' })).toEqual([]);
  });
});
