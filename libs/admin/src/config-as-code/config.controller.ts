import { TokenConfig } from '@app/config';
import { Body, Get, Header, HttpCode, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiQuery } from '@nestjs/swagger';
import { AdminActor } from '../admin-actor.decorator';
import { AdminController } from '../admin-controller.decorator';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { RequiredJsonBodyGuard } from '../validation/json-body.guard';
import { ConfigErrorsInterceptor } from './config-api-errors';
import { validateDocument } from './config-document';
import { checkPrunable, pruneMode } from './config-options';
import { configSchema } from './config-schema';
import { ClientsAsCodeService } from './clients-as-code.service';
import type { AppliedChange, DesiredState, PlannedChange } from './desired-state';
import { MANAGED_BY } from './config-document.dto';
import { InvalidAdminRequest } from '../errors/admin-errors';

const PRUNE_QUERY = {
  name: 'prune',
  required: false,
  enum: ['delete', 'disable'],
  description: 'Delete (or disable) clients labelled with the file’s managed_by that it no longer names',
};

/** Clients as code for CI: plan, apply and export a desired-state document (schema at {BASE}/admin/schema/config.json). */
@AdminController('config')
@UseInterceptors(ConfigErrorsInterceptor)
@ApiBadRequestResponse({ type: ErrorResponseDto, description: 'invalid_client_metadata naming each wrong field (clients.3.scope)' })
@ApiConflictResponse({ type: ErrorResponseDto, description: 'the file names clients another managed_by owns' })
export class ConfigController {
  constructor(
    private readonly service: ClientsAsCodeService,
    private readonly tokens: TokenConfig,
  ) {}

  @Post('plan')
  @HttpCode(200)
  @UseGuards(RequiredJsonBodyGuard)
  @ApiOperation({ summary: 'What applying the document would change: create, update (field by field), disable, delete' })
  @ApiQuery(PRUNE_QUERY)
  @ApiOkResponse({ description: '{"changes": [{kind, id, action, fields}]}; unchanged entries are left out' })
  async plan(@Body() body: unknown, @Query('prune') prune?: unknown): Promise<{ changes: PlannedChange[] }> {
    const { doc, mode } = await this.read(body, prune);
    return { changes: await this.service.plan(doc, { prune: mode }) };
  }

  @Post('apply')
  @HttpCode(200)
  @UseGuards(RequiredJsonBodyGuard)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({
    summary: 'Apply the document, one audited change at a time',
    description:
      'Created clients carry client_secret, shown in this response only. A failed change stops the run: the error names it ' +
      '(failed_change) and lists the changes made before it (changes); rerunning finishes the job.',
  })
  @ApiQuery(PRUNE_QUERY)
  async apply(@Body() body: unknown, @AdminActor() actor: string, @Query('prune') prune?: unknown): Promise<{ changes: AppliedChange[] }> {
    const { doc, mode } = await this.read(body, prune);
    return { changes: await this.service.apply(doc, { prune: mode }, actor) };
  }

  @Get('export')
  @ApiOperation({
    summary: 'Today’s state as a document: the clients labelled managed_by, or without it those no file manages; all trusted issuers',
  })
  @ApiQuery({ name: 'managed_by', required: false })
  export(@Query('managed_by') managedBy?: unknown): Promise<DesiredState> {
    if (managedBy !== undefined && (typeof managedBy !== 'string' || !MANAGED_BY.test(managedBy))) {
      throw new InvalidAdminRequest([
        { field: 'managed_by', message: 'managed_by must be 1 to 255 printable ASCII characters without spaces' },
      ]);
    }
    return this.service.export(managedBy);
  }

  private async read(body: unknown, prune: unknown) {
    const mode = pruneMode(prune);
    const doc = await validateDocument(body, this.tokens);
    checkPrunable(doc, mode);
    return { doc, mode };
  }
}

/**
 * The JSON Schema of the document. Behind the admin scope like every /admin route (one decorator guards them all);
 * editors use the checked-in copy, schema/config.schema.json, which is identical.
 */
@AdminController('schema')
export class ConfigSchemaController {
  @Get('config.json')
  @Header('Content-Type', 'application/schema+json')
  @ApiOperation({ summary: 'JSON Schema of the clients-as-code document' })
  schema(): Record<string, unknown> {
    return configSchema();
  }
}
