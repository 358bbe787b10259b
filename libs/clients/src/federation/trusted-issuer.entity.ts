import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * An issuer of workload tokens (Kubernetes, GitHub Actions, a SPIFFE JWT issuer) whose tokens clients may name in
 * their federated credentials. Keys come from `jwksUri`, else from OIDC discovery at the issuer.
 */
@Entity('trusted_issuers')
export class TrustedIssuerEntity {
  @PrimaryColumn({ type: 'text' })
  issuer: string;

  @Column({ name: 'jwks_uri', type: 'text', nullable: true })
  jwksUri: string | null;

  @Column({ name: 'signing_alg_values', type: 'text', array: true })
  signingAlgValues: string[];

  /** Seconds, measured as exp − iat (exp − nbf without iat). */
  @Column({ name: 'max_assertion_lifetime', type: 'integer', default: 3600 })
  maxAssertionLifetime: number;

  /** Platform tokens are reused within their lifetime (Kubernetes mounts one for an hour): off by default. */
  @Column({ name: 'replay_protection', type: 'boolean', default: false })
  replayProtection: boolean;

  /** In-cluster issuers: their discovery and JWKS may live on private addresses, even in production. */
  @Column({ name: 'allow_private_network', type: 'boolean', default: false })
  allowPrivateNetwork: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
