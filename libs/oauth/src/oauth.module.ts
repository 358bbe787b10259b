import { ClientsModule } from '@app/clients';
import { KeysModule } from '@app/keys';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BasicAuthGuard } from './client-auth';
import { ClientCredentialsGrant } from './grants/client-credentials.grant';
import { GRANT_HANDLERS, GrantHandler } from './grants/grant-handler';
import { GrantRegistry } from './grants/grant-registry';
import { JwksController } from './jwks/jwks.controller';
import { RevocationStore } from './revocation/revocation.store';
import { RevokedTokenEntity } from './revocation/revoked-token.entity';
import { AccessTokenIssuer } from './token/access-token.issuer';
import { AccessTokenVerifier } from './token/access-token.verifier';
import { Clock, SystemClock } from './token/clock';
import { TokenController } from './token/token.controller';

/** The public OAuth surface: token endpoint, JWKS, and (later) metadata, introspection, revocation. */
@Module({
  imports: [ClientsModule, KeysModule, TypeOrmModule.forFeature([RevokedTokenEntity])],
  controllers: [TokenController, JwksController],
  providers: [
    BasicAuthGuard,
    AccessTokenIssuer,
    AccessTokenVerifier,
    RevocationStore,
    GrantRegistry,
    ClientCredentialsGrant,
    { provide: Clock, useClass: SystemClock },
    { provide: GRANT_HANDLERS, useFactory: (...handlers: GrantHandler[]) => handlers, inject: [ClientCredentialsGrant] },
  ],
  exports: [BasicAuthGuard, AccessTokenIssuer, AccessTokenVerifier, RevocationStore, GrantRegistry, Clock, ClientsModule, KeysModule],
})
export class OAuthModule {}
