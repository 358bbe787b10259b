import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Tombstone: a deleted client's id stays reserved until every token issued to it has expired. */
@Entity('oauth_deleted_clients')
export class DeletedClientEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text' })
  clientId: string;

  @Column({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt: Date;

  @Column({ name: 'blocked_until', type: 'timestamptz' })
  blockedUntil: Date;
}
