import { RegistrationConfig } from '@app/config';
import {
  Body,
  CanActivate,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Injectable,
  NotFoundException,
  Param,
  Post,
  Put,
  UseGuards,
} from '@nestjs/common';
import { NoStore } from '../oauth-endpoint.decorator';
import { InvalidClientMetadataError } from './registration-errors';
import { RegistrationService } from './registration.service';

/** Off unless REGISTRATION_ENABLED=true: the routes then answer like any unknown route. */
@Injectable()
export class RegistrationEnabledGuard implements CanActivate {
  constructor(private readonly registration: RegistrationConfig) {}

  canActivate(): boolean {
    if (!this.registration.enabled) throw new NotFoundException();
    return true;
  }
}

/** RFC 7591 §3.1: the metadata is a JSON object sent as application/json. */
function metadataBody(body: unknown, contentType: string | undefined): Record<string, unknown> {
  if ((contentType ?? '').split(';')[0].trim().toLowerCase() !== 'application/json') {
    throw new InvalidClientMetadataError('send the client metadata as application/json (RFC 7591 §3.1)');
  }
  if (body === null || typeof body !== 'object' || Object.getPrototypeOf(body) !== Object.prototype) {
    throw new InvalidClientMetadataError('the request body must be a JSON object of client metadata');
  }
  return body as Record<string, unknown>;
}

/** Dynamic client registration: {BASE}/oauth2/register (RFC 7591) and the client configuration endpoint (RFC 7592). */
@Controller('oauth2/register')
@UseGuards(RegistrationEnabledGuard)
export class RegistrationController {
  constructor(private readonly registration: RegistrationService) {}

  @Post()
  @HttpCode(201)
  @NoStore()
  register(
    @Body() body: unknown,
    @Headers('content-type') type: string | undefined,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<Record<string, unknown>> {
    return this.registration.register(metadataBody(body, type), authorization);
  }

  @Get(':client_id')
  @NoStore()
  read(
    @Param('client_id') clientId: string,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<Record<string, unknown>> {
    return this.registration.read(clientId, authorization);
  }

  @Put(':client_id')
  @NoStore()
  update(
    @Param('client_id') clientId: string,
    @Body() body: unknown,
    @Headers('content-type') type: string | undefined,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<Record<string, unknown>> {
    return this.registration.update(clientId, metadataBody(body, type), authorization);
  }

  @Delete(':client_id')
  @HttpCode(204)
  remove(@Param('client_id') clientId: string, @Headers('authorization') authorization: string | undefined): Promise<void> {
    return this.registration.remove(clientId, authorization);
  }
}
