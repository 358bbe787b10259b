import { ClientDirectory, type ClientEntity } from '@app/clients';
import { LruMap } from '@app/common';
import { ClientCacheConfig, Clock, SenderConstraintConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createPublicKey, type JsonWebKey, KeyObject, X509Certificate } from 'node:crypto';
import { errors } from 'jose';

import { type KeySet, KeysUnavailable, RemoteKeySets } from '../assertion/remote-key-sets';
import { certificateThumbprint, chainsToTrustedCa, parsePemBundle, publicKeyAmong, subjectMatches } from './certificate-checks';
import { ClientCertificates } from './client-certificate';

/** Why mTLS client authentication failed: `reason` for the log, never sent (the answer is one invalid_client). */
export class MtlsRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'MtlsRejected';
  }
}

/**
 * RFC 8705 §2 client authentication by the TLS client certificate, the client named by `client_id` in the body:
 * tls_client_auth (PKI: the certificate chains to MTLS_CLIENT_CA_FILE and carries the registered subject DN or
 * SAN) and self_signed_tls_client_auth (the certificate's public key is one of the client's registered jwks).
 * No hashing and no database round trip once the client row is cached.
 */
@Injectable()
export class MtlsClientAuthenticator {
  private readonly cas: X509Certificate[];
  /**
   * Certificates already accepted for a client, by client row version and x5t#S256, until the certificate expires:
   * the chain's signature check costs ~80 µs and a client presents the same certificate on every request.
   */
  private readonly accepted: LruMap<string, number>;

  constructor(
    private readonly clients: ClientDirectory,
    private readonly certificates: ClientCertificates,
    private readonly remote: RemoteKeySets,
    private readonly clock: Clock,
    senderConstraint: SenderConstraintConfig,
    clientCache: ClientCacheConfig,
  ) {
    const pem = senderConstraint.mtlsClientCa;
    this.cas = pem ? parsePemBundle(pem) : [];
    this.accepted = new LruMap(clientCache.size);
  }

  async authenticate(req: FastifyRequest, clientId: string): Promise<ClientEntity> {
    const client = await this.clients.find(clientId);
    if (!client || !client.enabled) throw new MtlsRejected('no such enabled client');
    const method = client.tokenEndpointAuthMethod;
    if (method !== 'tls_client_auth' && method !== 'self_signed_tls_client_auth') {
      throw new MtlsRejected(`client is registered for ${method}, sent no credentials but client_id`);
    }
    const cert = this.certificates.of(req);
    if (!cert) throw new MtlsRejected('no client certificate');
    const now = new Date(this.clock.now());
    const memo = `${client.clientId}\u0000${client.updatedAt.getTime()}\u0000${certificateThumbprint(cert)}`;
    if ((this.accepted.get(memo) ?? 0) > now.getTime()) return client;
    if (method === 'tls_client_auth') {
      if (!chainsToTrustedCa(cert, this.cas, now)) throw new MtlsRejected('certificate does not chain to MTLS_CLIENT_CA_FILE');
      const expected = {
        subjectDn: client.tlsClientAuthSubjectDn,
        sanDns: client.tlsClientAuthSanDns,
        sanUri: client.tlsClientAuthSanUri,
        sanIp: client.tlsClientAuthSanIp,
        sanEmail: client.tlsClientAuthSanEmail,
      };
      if (!subjectMatches(cert, expected)) throw new MtlsRejected('certificate subject does not match the registered one');
    } else if (!publicKeyAmong(cert, await this.registeredKeys(client, cert))) {
      throw new MtlsRejected("certificate public key is not among the client's jwks");
    }
    // No longer than the certificate, nor (for PKI clients) the CAs it was checked against, stay valid.
    const caEnd = method === 'tls_client_auth' ? Math.min(...this.cas.map((ca) => Date.parse(ca.validTo))) : Infinity;
    this.accepted.set(memo, Math.min(Date.parse(cert.validTo), caEnd));
    return client;
  }

  /** RFC 8705 §2.2: the client's keys by value (`jwks`) or by reference (`jwks_uri`, fetched and cached as for assertions). */
  private async registeredKeys(client: ClientEntity, cert: X509Certificate): Promise<KeyObject[]> {
    if (client.jwksUri === null) return keysByValue(client);
    try {
      return await candidates(await this.remote.keys(client.jwksUri, false), algorithmsFor(cert));
    } catch (err) {
      if (err instanceof KeysUnavailable) throw new MtlsRejected('the jwks_uri keys cannot be fetched right now');
      throw err;
    }
  }
}

/** The JWS algorithms a certificate's key can serve, to pick candidates from a key set (RFC 7518 §3.1, RFC 8037). */
function algorithmsFor(cert: X509Certificate): string[] {
  const key = cert.publicKey;
  if (key.asymmetricKeyType === 'rsa') return ['RS256', 'PS256'];
  if (key.asymmetricKeyType === 'ed25519') return ['EdDSA'];
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === 'prime256v1' ? ['ES256'] : curve === 'secp384r1' ? ['ES384'] : curve === 'secp521r1' ? ['ES512'] : [];
}

/** Every key of `set` that jose would select for one of `algorithms`. */
async function candidates(set: KeySet, algorithms: readonly string[]): Promise<KeyObject[]> {
  const out: KeyObject[] = [];
  for (const alg of algorithms) {
    try {
      out.push(KeyObject.from(await set({ alg })));
    } catch (err) {
      if (err instanceof errors.JWKSMultipleMatchingKeys) {
        for await (const k of err as unknown as AsyncIterable<Parameters<typeof KeyObject.from>[0]>) out.push(KeyObject.from(k));
      } else if (!(err instanceof errors.JOSEError)) {
        throw err;
      }
    }
  }
  return out;
}

function keysByValue(client: ClientEntity): KeyObject[] {
  const out: KeyObject[] = [];
  for (const jwk of client.jwks?.keys ?? []) {
    try {
      out.push(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
    } catch {
      // A key node cannot import cannot match any certificate either.
    }
  }
  return out;
}
