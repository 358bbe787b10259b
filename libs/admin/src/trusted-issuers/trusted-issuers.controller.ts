import { TrustedIssuerAdminService, TrustedIssuerView } from '@app/clients';
import { Page } from '@app/persistence';
import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { AdminActor } from '../admin-actor.decorator';
import { AdminController } from '../admin-controller.decorator';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { AdminQueryPipe, ClientMetadataPipe } from '../validation/admin-pipes';
import { RequiredJsonBodyGuard } from '../validation/json-body.guard';
import { PageQueryDto } from '../validation/page-query.dto';
import { CreateTrustedIssuerDto, TrustedIssuerPageDto, TrustedIssuerResponseDto, UpdateTrustedIssuerDto } from './trusted-issuer.dto';

/** Trusted issuers of workload tokens; `{issuer}` is the issuer URL, URL-encoded. */
@AdminController('trusted-issuers')
export class TrustedIssuersController {
  constructor(private readonly issuers: TrustedIssuerAdminService) {}

  @Post()
  @UseGuards(RequiredJsonBodyGuard)
  @ApiOperation({ summary: 'Trust an issuer of workload tokens' })
  @ApiCreatedResponse({ type: TrustedIssuerResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'already trusted' })
  create(@Body(ClientMetadataPipe) body: CreateTrustedIssuerDto, @AdminActor() actor: string): Promise<TrustedIssuerView> {
    return this.issuers.create(body, actor);
  }

  @Get()
  @ApiOperation({ summary: 'List trusted issuers in issuer order (keyset pagination)' })
  @ApiOkResponse({ type: TrustedIssuerPageDto })
  list(@Query(AdminQueryPipe) query: PageQueryDto): Promise<Page<TrustedIssuerView>> {
    return this.issuers.list(query.limit, query.cursor);
  }

  @Get(':issuer')
  @ApiOperation({ summary: 'Show a trusted issuer' })
  @ApiOkResponse({ type: TrustedIssuerResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param('issuer') issuer: string): Promise<TrustedIssuerView> {
    return this.issuers.get(issuer);
  }

  @Patch(':issuer')
  @UseGuards(RequiredJsonBodyGuard)
  @ApiOperation({ summary: 'Change a trusted issuer' })
  @ApiOkResponse({ type: TrustedIssuerResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  update(
    @Param('issuer') issuer: string,
    @Body(ClientMetadataPipe) body: UpdateTrustedIssuerDto,
    @AdminActor() actor: string,
  ): Promise<TrustedIssuerView> {
    return this.issuers.update(issuer, body, actor);
  }

  @Delete(':issuer')
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop trusting an issuer' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'federated credentials still name it (listed in client_ids)' })
  delete(@Param('issuer') issuer: string, @AdminActor() actor: string): Promise<void> {
    return this.issuers.delete(issuer, actor);
  }
}
