import { TrustedIssuers } from '@app/clients';
import { AssertionConfig, Clock } from '@app/config';
import { Injectable } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { KeysUnavailable, RemoteKeySets } from '../client-auth/assertion/remote-key-sets';
import { InvalidSoftwareStatement, UnapprovedSoftwareStatement } from './registration-errors';

/**
 * RFC 7591 §2.3 software statements: a JWT about the client software, signed by an issuer this server trusts (the
 * trusted issuers of workload federation, with the same key fetching: jwks_uri or OIDC discovery, SSRF-guarded).
 */
@Injectable()
export class SoftwareStatements {
  constructor(
    private readonly issuers: TrustedIssuers,
    private readonly remote: RemoteKeySets,
    private readonly assertions: AssertionConfig,
    private readonly clock: Clock,
  ) {}

  /** The verified claims; invalid_software_statement or unapproved_software_statement otherwise. */
  async verify(statement: string): Promise<JWTPayload> {
    let iss: unknown;
    let alg: unknown;
    try {
      iss = decodeJwt(statement).iss;
      alg = decodeProtectedHeader(statement).alg;
    } catch {
      throw new InvalidSoftwareStatement('software_statement is not a signed JWT (RFC 7591 §2.3)');
    }
    if (typeof iss !== 'string') throw new InvalidSoftwareStatement('software_statement has no iss');
    const issuer = await this.issuers.find(iss);
    if (!issuer) throw new UnapprovedSoftwareStatement('the issuer of the software_statement is not trusted by this server');
    if (typeof alg !== 'string' || !issuer.signingAlgValues.includes(alg)) {
      throw new InvalidSoftwareStatement(`software_statement must be signed with ${issuer.signingAlgValues.join(', ')}`);
    }
    const priv = issuer.allowPrivateNetwork;
    try {
      const uri = issuer.jwksUri ?? (await this.remote.discoverJwksUri(issuer.issuer, priv));
      const options = {
        issuer: issuer.issuer,
        algorithms: issuer.signingAlgValues,
        clockTolerance: this.assertions.clockSkewSeconds,
        currentDate: new Date(this.clock.now()),
      };
      try {
        return (await jwtVerify(statement, await this.remote.keys(uri, priv), options)).payload;
      } catch (err) {
        const fresh = err instanceof errors.JWKSNoMatchingKey ? await this.remote.refetchForUnknownKid(uri, priv) : undefined;
        if (!fresh) throw err;
        return (await jwtVerify(statement, fresh, options)).payload;
      }
    } catch (err) {
      if (err instanceof KeysUnavailable) throw new InvalidSoftwareStatement("the issuer's keys cannot be fetched right now", err.message);
      if (err instanceof errors.JOSEError) throw new InvalidSoftwareStatement('software_statement failed verification', err.code);
      throw err;
    }
  }
}
