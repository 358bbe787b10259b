import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { JWK } from 'jose';

/**
 * Lifecycle: next (published, not yet signing) → active (signs) → retired (published until every token it
 * signed has expired, expires_at) → deleted.
 */
export type KeyStatus = 'next' | 'active' | 'retired';

@Entity('signing_keys')
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'text' })
  kid: string;

  @Column({ type: 'text' })
  alg: string;

  @Column({ type: 'text' })
  status: KeyStatus;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: JWK;

  /** PKCS#8 PEM sealed with AES-256-GCM under a key-encryption key, see KeyEncrypter. */
  @Column({ name: 'private_key', type: 'text' })
  privateKey: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt: Date | null;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;

  /** When a retired key leaves the JWKS. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;
}
