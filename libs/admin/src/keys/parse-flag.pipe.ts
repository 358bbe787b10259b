import { InvalidRequest } from '@app/oauth';
import { Injectable, PipeTransform } from '@nestjs/common';

/** An optional boolean query parameter: absent, `true`/`1` or `false`/`0`; anything else is invalid_request. */
@Injectable()
export class ParseFlagPipe implements PipeTransform<unknown, boolean> {
  constructor(private readonly name: string) {}

  transform(value: unknown): boolean {
    if (value === undefined || value === '' || value === 'false' || value === '0') return false;
    if (value === 'true' || value === '1') return true;
    throw new InvalidRequest(`${this.name} must be true or false`);
  }
}
