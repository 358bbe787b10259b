import type { TrustedIssuerEntity } from './trusted-issuer.entity';

/** A trusted issuer as the admin API takes it. */
export interface TrustedIssuerInput {
  issuer: string;
  jwks_uri?: string | null;
  signing_alg_values?: string[];
  max_assertion_lifetime?: number;
  replay_protection?: boolean;
  allow_private_network?: boolean;
}

export type TrustedIssuerPatch = Omit<Partial<TrustedIssuerInput>, 'issuer'>;

export interface TrustedIssuerView {
  issuer: string;
  jwks_uri: string | null;
  signing_alg_values: string[];
  max_assertion_lifetime: number;
  replay_protection: boolean;
  allow_private_network: boolean;
  created_at: string;
  updated_at: string;
}

/** Asymmetric algorithms the usual workload platforms sign with (Kubernetes and GitHub: RS256). */
export const DEFAULT_ISSUER_ALGS = ['RS256', 'ES256'];
export const DEFAULT_MAX_ASSERTION_LIFETIME = 3600;

export function toTrustedIssuerView(t: TrustedIssuerEntity): TrustedIssuerView {
  return {
    issuer: t.issuer,
    jwks_uri: t.jwksUri,
    signing_alg_values: [...t.signingAlgValues],
    max_assertion_lifetime: t.maxAssertionLifetime,
    replay_protection: t.replayProtection,
    allow_private_network: t.allowPrivateNetwork,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

export function toTrustedIssuerColumns(p: TrustedIssuerPatch): Partial<TrustedIssuerEntity> {
  const cols: Partial<TrustedIssuerEntity> = {};
  if (p.jwks_uri !== undefined) cols.jwksUri = p.jwks_uri;
  if (p.signing_alg_values !== undefined) cols.signingAlgValues = [...new Set(p.signing_alg_values)];
  if (p.max_assertion_lifetime !== undefined) cols.maxAssertionLifetime = p.max_assertion_lifetime;
  if (p.replay_protection !== undefined) cols.replayProtection = p.replay_protection;
  if (p.allow_private_network !== undefined) cols.allowPrivateNetwork = p.allow_private_network;
  return cols;
}
