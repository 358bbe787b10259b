import { ClientAdminService, ClientView, UpdatedClientView } from '@app/clients';
import { Page } from '@app/persistence';
import { Body, Delete, Get, Header, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { AdminController } from '../admin-controller.decorator';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { AdminActor } from '../admin-actor.decorator';
import { AdminQueryPipe, ClientMetadataPipe } from '../validation/admin-pipes';
import { RequiredJsonBodyGuard } from '../validation/json-body.guard';
import { PageQueryDto } from '../validation/page-query.dto';
import { ClientPageDto, ClientResponseDto, CreatedClientResponseDto } from './dto/client-response.dto';
import { CreateClientDto } from './dto/create-client.dto';
import { UpdateClientDto } from './dto/update-client.dto';

/** Client registration and management (RFC 7591 metadata names). */
@AdminController('clients')
@ApiBadRequestResponse({ type: ErrorResponseDto, description: 'invalid_client_metadata (body) or invalid_request (query), with details' })
export class ClientsController {
  constructor(private readonly clients: ClientAdminService) {}

  @Post()
  @UseGuards(RequiredJsonBodyGuard)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({ summary: 'Register a client', description: 'The response holds client_secret; it is never shown again.' })
  @ApiCreatedResponse({ type: CreatedClientResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'client_id taken, or reserved after a deletion' })
  async create(
    @Body(ClientMetadataPipe) body: CreateClientDto,
    @AdminActor() actor: string,
  ): Promise<ClientView & { client_secret?: string }> {
    const { client, secret } = await this.clients.create(body, actor);
    return secret === undefined ? client : { ...client, client_secret: secret };
  }

  @Get()
  @ApiOperation({ summary: 'List clients in client_id order (keyset pagination)' })
  @ApiOkResponse({ type: ClientPageDto })
  list(@Query(AdminQueryPipe) query: PageQueryDto): Promise<Page<ClientView>> {
    return this.clients.list(query.limit, query.cursor);
  }

  @Get(':client_id')
  @ApiOperation({ summary: 'Show a client' })
  @ApiOkResponse({ type: ClientResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param('client_id') clientId: string): Promise<ClientView> {
    return this.clients.get(clientId);
  }

  @Patch(':client_id')
  @UseGuards(RequiredJsonBodyGuard)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({
    summary: 'Change a client',
    description:
      'Takes effect on the next token request on every instance. Disabling also makes every token issued so far inactive, for good. ' +
      'Switching to client_secret_jwt, or from private_key_jwt to a secret method, issues a new client_secret, returned in this response only.',
  })
  @ApiOkResponse({ type: ClientResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'disabling the configured admin client, or removing its admin scope or audience',
  })
  update(
    @Param('client_id') clientId: string,
    @Body(ClientMetadataPipe) body: UpdateClientDto,
    @AdminActor() actor: string,
  ): Promise<UpdatedClientView> {
    return this.clients.update(clientId, body, actor);
  }

  @Delete(':client_id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a client',
    description: 'Its tokens stop being accepted at once; its client_id stays reserved until they would have expired.',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'the configured admin client' })
  delete(@Param('client_id') clientId: string, @AdminActor() actor: string): Promise<void> {
    return this.clients.delete(clientId, actor);
  }
}
