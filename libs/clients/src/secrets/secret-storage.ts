import { Injectable } from '@nestjs/common';
import { SecretHasher } from './secret-hasher';
import { fastDigest, matchesFastDigest, qualifiesForFastDigest, type SecretOrigin, storedSecretKind } from './stored-secret';

/**
 * How a client secret is stored, by where it came from (see stored-secret.ts for the two kinds and why): what the
 * server generated as a fast digest, what someone supplied with scrypt unless it is shaped like a generated one.
 */
@Injectable()
export class SecretStorage {
  constructor(private readonly hasher: SecretHasher) {}

  store(secret: string, origin: SecretOrigin): Promise<string> {
    return qualifiesForFastDigest(secret, origin) ? Promise.resolve(fastDigest(secret)) : this.hasher.hash(secret);
  }

  /** Whether `secret` matches a stored secret of either kind (administrative checks, never the token path). */
  async matches(secret: string, stored: string): Promise<boolean> {
    const kind = storedSecretKind(stored);
    if (kind === 'fast') return matchesFastDigest(secret, stored);
    return kind === 'slow' && (await this.hasher.verify(secret, stored)).valid;
  }
}
