import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One administrative change: who made it, what, to which client, when. Never holds a secret. */
@Entity('audit_log')
export class AuditEntryEntity {
  /** bigserial, read as a string so it never loses precision. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  /** The admin token's client_id, "cli", or a system actor (`system:…`). */
  @Column({ type: 'text' })
  actor: string;

  /** One of AUDIT_ACTIONS (audit-trail.ts), read back as the text stored. */
  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'client_id', type: 'text', nullable: true })
  clientId: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  details: Record<string, unknown>;
}
