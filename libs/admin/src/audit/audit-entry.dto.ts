import { AUDIT_ACTIONS, AuditEntryView } from '@app/persistence';
import { ApiProperty } from '@nestjs/swagger';

export class AuditEntryDto implements AuditEntryView {
  @ApiProperty({ description: 'Increasing; the list is ordered by it, newest first' }) id: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ description: 'client_id of the admin token, "cli", or a system actor' }) actor: string;
  @ApiProperty({ example: 'client.updated', description: AUDIT_ACTIONS.join(', ') })
  action: string;
  @ApiProperty({ type: String, nullable: true }) client_id: string | null;
  @ApiProperty({ type: Object, description: 'What changed (never a secret), e.g. { changes: { enabled: { from: true, to: false } } }' })
  details: Record<string, unknown>;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] }) items: AuditEntryDto[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}
