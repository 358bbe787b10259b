import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ClientEntity } from '../client.entity';

/**
 * The clients whose federated credentials name a platform subject, for the JWT bearer grant (RFC 7523 §2.1) of a
 * workload that presents only its platform token. Containment on the jsonb column, served by its GIN index.
 */
@Injectable()
export class FederatedClients {
  constructor(@InjectRepository(ClientEntity) private readonly repo: Repository<ClientEntity>) {}

  /** Client ids, at most `limit` (two tell "ambiguous" from "one"). */
  async idsFor(issuer: string, subject: string, limit = 2): Promise<string[]> {
    const rows = await this.repo
      .createQueryBuilder('c')
      .select('c.client_id', 'client_id')
      .where('c.federated_credentials @> :cred::jsonb', { cred: JSON.stringify([{ issuer, subject }]) })
      .orderBy('c.client_id')
      .limit(limit)
      .getRawMany<{ client_id: string }>();
    return rows.map((r) => r.client_id);
  }
}
