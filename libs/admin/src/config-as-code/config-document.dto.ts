import { Length, Matches, IsBoolean, IsString } from 'class-validator';
import { ClientMetadataDto, IfPresent, ScopeRules, VSCHAR } from '../clients/dto/client-metadata.dto';
import type { DesiredClient } from './desired-state';

/** One client of a desired-state file: the admin API's metadata, a required client_id, no secret. */
export class DesiredClientDto extends ClientMetadataDto implements DesiredClient {
  @Matches(VSCHAR, { message: 'client_id must consist of printable ASCII characters (RFC 6749 Appendix A.1)' })
  @Length(1, 255)
  @IsString({ message: 'client_id is required: a file names each of its clients' })
  client_id: string;

  @ScopeRules()
  scope: string;

  @IfPresent()
  @IsBoolean()
  enabled?: boolean;
}

/** The file's label: printable ASCII without spaces, like a repository or team name. */
export const MANAGED_BY = /^[\x21-\x7E]{1,255}$/;
