import type { ClientCount, HistoryView, MinuteView } from '@app/observability';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsString } from 'class-validator';

const MAX_IDS = 1000;

class ClientCountDto implements ClientCount {
  @ApiProperty() client_id: string;
  @ApiProperty() tokens: number;
}

class MinuteDto implements MinuteView {
  @ApiProperty({ format: 'date-time', description: 'Start of the minute' }) start: string;
  @ApiProperty() tokens_issued: number;
  @ApiProperty({ description: 'Token requests refused with invalid_client' }) auth_failures: number;
  @ApiProperty({ description: 'Requests answered 429' }) throttled: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Client-cache hits / lookups, 0..1' }) cache_hit_rate: number | null;
  @ApiProperty({ type: Number, nullable: true }) latency_p50_ms: number | null;
  @ApiProperty({ type: Number, nullable: true }) latency_p99_ms: number | null;
  @ApiProperty({ type: [ClientCountDto] }) top_clients: ClientCountDto[];
}

export class ActivityDto implements HistoryView {
  @ApiProperty({ enum: ['instance'], description: 'Counts of the instance that answered, since it started' }) scope: 'instance';
  @ApiProperty({ type: [MinuteDto], description: '60 minutes, oldest first; the last is the current minute' }) minutes: MinuteDto[];
  @ApiProperty({ type: [ClientCountDto], description: 'Most tokens over the hour' }) top_clients: ClientCountDto[];
}

/** ?client_id=a&client_id=b */
export class LastTokenQueryDto {
  @Transform(({ value }) => (typeof value === 'string' ? [value] : value))
  @IsString({ each: true, message: 'client_id must be a string' })
  @ArrayMaxSize(MAX_IDS, { message: `at most ${MAX_IDS} client_id parameters` })
  @IsArray({ message: 'client_id is required' })
  client_id: string[];
}

export class LastTokenDto {
  @ApiProperty({ enum: ['instance'] }) scope: 'instance';
  @ApiProperty({ type: Object, description: 'client_id → ISO 8601 time of the last token this instance issued to it' })
  last_token_issued: Record<string, string>;
}
