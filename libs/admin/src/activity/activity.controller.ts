import { type HistoryView, TokenHistory } from '@app/observability';
import { Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminController } from '../admin-controller.decorator';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { AdminQueryPipe } from '../validation/admin-pipes';
import { ActivityDto, LastTokenDto, LastTokenQueryDto } from './activity.dto';

/**
 * This instance's recent token traffic, for the console's dashboard and `npm run cli -- activity`. In memory
 * and per instance: behind a load balancer each instance answers for itself (Prometheus has the sum).
 */
@AdminController('activity')
export class ActivityController {
  constructor(private readonly history: TokenHistory) {}

  @Get()
  @ApiOperation({ summary: "The last hour of this instance's token traffic, one entry per minute, oldest first" })
  @ApiOkResponse({ type: ActivityDto })
  activity(): HistoryView {
    return this.history.view();
  }

  @Get('last-token')
  @ApiOperation({ summary: 'When this instance last issued a token to each given client (absent: not since it started)' })
  @ApiOkResponse({ type: LastTokenDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  lastToken(@Query(AdminQueryPipe) query: LastTokenQueryDto): LastTokenDto {
    return { scope: 'instance', last_token_issued: this.history.lastIssuedAt(query.client_id) };
  }
}
