import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, errors, jwtVerify } from 'jose';

/** A proof that passed every check of RFC 9449 §4.3 that needs no storage (the jti single use is the caller's). */
export interface VerifiedDpopProof {
  /** RFC 7638 thumbprint of the proof's key, the value of `cnf.jkt` (RFC 9449 §6.1). */
  jkt: string;
  jti: string;
  iat: number;
  nonce: string | undefined;
}

export interface DpopExpectations {
  /** The request's method. */
  htm: string;
  /** The URLs this request may name in `htu`, normalised (see normaliseHtu). */
  htu: readonly string[];
  algorithms: readonly string[];
  nowSeconds: number;
  maxAgeSeconds: number;
  skewSeconds: number;
}

/** Why a proof was refused; `description` goes to the client as error_description. */
export class DpopProofRejected extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'DpopProofRejected';
  }
}

/** Private JWK members (RFC 7518 §6.2.2, §6.3.2, §6.4, RFC 8037 §2): a proof's header must carry none. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;

/** RFC 9449 §4.3 item 9: `htu` without query and fragment, with the scheme and host normalised (RFC 3986 §6.2.2-6.2.3). */
export function normaliseHtu(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  return u.href;
}

/**
 * RFC 9449 §4.3: one DPoP proof, checked against the request it came with. Throws DpopProofRejected naming the
 * failed check. The header is read first so that each refusal can say exactly what is wrong.
 */
export async function verifyDpopProof(proof: string, expect: DpopExpectations): Promise<VerifiedDpopProof> {
  if (proof.length > MAX_PROOF_LENGTH || proof.split('.').length !== 3) throw new DpopProofRejected('DPoP proof is not a compact JWS');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw new DpopProofRejected('DPoP proof header is not valid JSON');
  }
  if (header.typ !== 'dpop+jwt') throw new DpopProofRejected('DPoP proof typ must be dpop+jwt');
  if (typeof header.alg !== 'string' || !expect.algorithms.includes(header.alg)) {
    throw new DpopProofRejected(`DPoP proof alg must be one of ${expect.algorithms.join(', ')}`);
  }
  const jwk: unknown = header.jwk;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new DpopProofRejected('DPoP proof header must carry the public jwk');
  }
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw new DpopProofRejected('DPoP proof jwk must not contain a private key');

  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...expect.algorithms] }));
  } catch (err) {
    if (err instanceof errors.JOSEError || err instanceof TypeError) throw new DpopProofRejected('DPoP proof signature is invalid');
    throw err;
  }
  const { htm, htu, iat, jti, nonce } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw new DpopProofRejected(`DPoP proof jti must be a string of 1 to ${MAX_JTI_LENGTH} characters`);
  }
  if (htm !== expect.htm) throw new DpopProofRejected(`DPoP proof htm must be ${expect.htm}`);
  const normalised = typeof htu === 'string' ? normaliseHtu(htu) : undefined;
  if (normalised === undefined || !expect.htu.includes(normalised)) throw new DpopProofRejected(`DPoP proof htu must be ${expect.htu[0]}`);
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new DpopProofRejected('DPoP proof iat is missing');
  if (iat > expect.nowSeconds + expect.skewSeconds) throw new DpopProofRejected('DPoP proof iat is in the future');
  if (iat < expect.nowSeconds - expect.maxAgeSeconds) throw new DpopProofRejected('DPoP proof is too old (iat)');
  if (nonce !== undefined && typeof nonce !== 'string') throw new DpopProofRejected('DPoP proof nonce must be a string');
  return { jkt: await calculateJwkThumbprint(jwk, 'sha256'), jti, iat, nonce };
}
