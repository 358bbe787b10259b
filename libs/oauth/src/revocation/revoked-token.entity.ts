import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A revoked JWT's id, kept until the token would have expired anyway (RFC 7009 §2). */
@Entity('revoked_tokens')
export class RevokedTokenEntity {
  @PrimaryColumn({ type: 'text' })
  jti: string;

  @Column({ name: 'client_id', type: 'text' })
  clientId: string;

  @Column({ name: 'revoked_at', type: 'timestamptz' })
  revokedAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
