import { ApiError } from '../errors';

/** RFC 9449 §5: the DPoP proof is missing where required, malformed, or fails a check; the description names which. */
export class InvalidDpopProof extends ApiError {
  constructor(description: string, debug?: string) {
    super('invalid_dpop_proof', 400, description, debug);
  }
}

/** RFC 9449 §8: the proof lacks the current server nonce; the client retries with the one in `DPoP-Nonce`. */
export class UseDpopNonce extends ApiError {
  constructor(nonce: string, description: string) {
    super('use_dpop_nonce', 400, description, undefined, { 'DPoP-Nonce': nonce });
  }
}
