import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length, ValidateIf } from 'class-validator';
import { PageQueryDto } from '../validation/page-query.dto';

const present = (): PropertyDecorator => ValidateIf((_: unknown, v: unknown) => v !== undefined);

/** ?client_id=&actor=&action= on top of the paging parameters: exact matches, all given must hold. */
export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only entries about this client' })
  @present()
  @Length(1, 255, { message: 'client_id must be 1 to 255 characters' })
  @IsString({ message: 'client_id must be given once' })
  client_id?: string;

  @ApiPropertyOptional({ description: 'Only entries by this actor (an admin client_id, "cli", or a system actor)' })
  @present()
  @Length(1, 255, { message: 'actor must be 1 to 255 characters' })
  @IsString({ message: 'actor must be given once' })
  actor?: string;

  @ApiPropertyOptional({ example: 'client.updated', description: 'Only entries of this action' })
  @present()
  @Length(1, 100, { message: 'action must be 1 to 100 characters' })
  @IsString({ message: 'action must be given once' })
  action?: string;
}
