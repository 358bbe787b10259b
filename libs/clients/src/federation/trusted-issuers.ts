import { ChangeFeed } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { TRUSTED_ISSUER_TOPIC } from './trusted-issuer-admin.service';
import { TrustedIssuerEntity } from './trusted-issuer.entity';

/**
 * The trusted issuers, read once and kept in memory (they are few and change rarely); a change published on the
 * feed makes every instance read them again on the next assertion.
 */
@Injectable()
export class TrustedIssuers {
  private loaded: Promise<Map<string, TrustedIssuerEntity>> | undefined;

  constructor(
    @InjectRepository(TrustedIssuerEntity) private readonly repo: Repository<TrustedIssuerEntity>,
    feed: ChangeFeed,
  ) {
    // Any change (one issuer, or ALL_KEYS after a gap in the feed): read them all again.
    feed.subscribe(TRUSTED_ISSUER_TOPIC, () => (this.loaded = undefined));
  }

  async find(issuer: string): Promise<TrustedIssuerEntity | undefined> {
    if (!this.loaded) {
      const load = this.repo.find().then((rows) => new Map(rows.map((r) => [r.issuer, r])));
      this.loaded = load;
      // A failed read (database down) is not remembered: the next assertion tries again.
      load.catch(() => {
        if (this.loaded === load) this.loaded = undefined;
      });
    }
    return (await this.loaded).get(issuer);
  }
}
