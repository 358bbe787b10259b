import { Clock } from '@app/config';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SingleUseIds } from '../single-use/single-use-ids';

/**
 * DPoP proof ids already accepted (RFC 9449 §11.1), per key thumbprint (jkt). A row is kept only as long as its
 * proof could still pass the `iat` check (DPOP_MAX_AGE plus skew), so the table holds at most one proof lifetime
 * of traffic.
 */
@Injectable()
export class UsedDpopProofs extends SingleUseIds {
  constructor(ds: DataSource, clock: Clock) {
    super(ds, clock, { table: 'used_dpop_proofs', scope: 'jkt', what: 'used DPoP proof ids' });
  }
}
