import { Clock } from '@app/config';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SingleUseIds } from '../../single-use/single-use-ids';

/**
 * Assertion ids already accepted (RFC 7523 §3 item 7), per issuer, each kept until its assertion expires. Only
 * assertion clients write here on the token path.
 */
@Injectable()
export class UsedAssertionIds extends SingleUseIds {
  constructor(ds: DataSource, clock: Clock) {
    super(ds, clock, { table: 'used_assertion_ids', scope: 'issuer', what: 'used assertion ids' });
  }
}
