import type { ClientEntity, FederatedCredential } from '@app/clients';
import { SignJWT } from 'jose';
import { federatedClaimsOf, mappedClaims } from './claim-mappings';

const ISS = 'https://token.actions.githubusercontent.com';
const AUD = 'https://auth.example.com';
const credential: FederatedCredential = {
  issuer: ISS,
  subject: 'repo:acme/orders:environment:production',
  claims: { environment: 'production' },
  claim_mappings: [
    { from: 'repository', to: 'repository' },
    { from: 'environment', to: 'deploy_env' },
    { from: 'absent', to: 'never' },
  ],
};
const platform = { iss: ISS, sub: credential.subject, aud: AUD, repository: 'acme/orders', environment: 'production', run_id: '7' };

describe('mappedClaims', () => {
  it('copies only the listed claims, under their target names, skipping absent ones', () => {
    expect(mappedClaims(platform, credential)).toEqual({ repository: 'acme/orders', deploy_env: 'production' });
  });

  it('copies nothing without mappings', () => {
    expect(mappedClaims(platform, { issuer: ISS, subject: credential.subject })).toBeUndefined();
  });
});

describe('federatedClaimsOf', () => {
  const client = (creds: FederatedCredential[]) => ({ federatedCredentials: creds }) as ClientEntity;
  const params = async (claims: Record<string, unknown>) => {
    const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));
    return { single: new Map([['client_assertion', jwt]]), resource: [] };
  };

  it('maps from the credential the (already verified) assertion matched', async () => {
    expect(federatedClaimsOf(client([credential]), await params(platform), AUD)).toEqual({
      repository: 'acme/orders',
      deploy_env: 'production',
    });
  });

  it('maps nothing when no credential matches its conditions, or the client has no mappings', async () => {
    expect(federatedClaimsOf(client([credential]), await params({ ...platform, environment: 'staging' }), AUD)).toBeUndefined();
    expect(federatedClaimsOf(client([{ issuer: ISS, subject: credential.subject }]), await params(platform), AUD)).toBeUndefined();
  });
});
