import type { AppConfig } from '@app/config';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AdminModule } from '../admin.module';

/** Where the admin API's description is served, below BASE_PATH. */
export const DOCS_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'docs/openapi.json';

/**
 * Serves the OpenAPI description of the admin API at {BASE_PATH}/docs/openapi.json and Swagger UI at
 * {BASE_PATH}/docs. Only the admin module is described; the OAuth endpoints are specified by their RFCs and
 * by the authorization server metadata. Call before app.init().
 */
export function setupAdminDocs(app: INestApplication, config: AppConfig): void {
  const builder = new DocumentBuilder()
    .setTitle('ms-auth-server admin API')
    .setDescription(
      `Client registration and management (RFC 7591 metadata names) and signing keys. Every request needs ` +
        `\`Authorization: Bearer <access token>\` from this server's token endpoint, with scope \`${config.admin.scope}\` and ` +
        `audience \`${config.admin.audience}\`. Client secrets appear only in the responses that create them.`,
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token of this server (RFC 9068)' });
  const document = SwaggerModule.createDocument(app, builder.build(), { include: [AdminModule] });
  SwaggerModule.setup(DOCS_PATH, app, document, {
    useGlobalPrefix: true,
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'ms-auth-server admin API',
  });
}
