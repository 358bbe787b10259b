import { AuditEntryView, AuditTrail, Page } from '@app/persistence';
import { Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminController } from '../admin-controller.decorator';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { AdminQueryPipe } from '../validation/admin-pipes';
import { AuditPageDto } from './audit-entry.dto';
import { AuditQueryDto } from './audit-query.dto';

/** The audit trail of admin changes, newest first. */
@AdminController('audit')
export class AuditController {
  constructor(private readonly audit: AuditTrail) {}

  @Get()
  @ApiOperation({ summary: 'Read the audit trail, newest first (keyset pagination), optionally filtered by client, actor and action' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  list(@Query(AdminQueryPipe) query: AuditQueryDto): Promise<Page<AuditEntryView>> {
    return this.audit.list(query.limit, query.cursor, { clientId: query.client_id, actor: query.actor, action: query.action });
  }
}
