import { ClientsModule } from '@app/clients';
import { KeysModule } from '@app/keys';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BasicAuthGuard } from './client-auth';
import { ClientAssertionAuthenticator } from './client-auth/assertion/client-assertion.authenticator';
import { RemoteKeySets } from './client-auth/assertion/remote-key-sets';
import { UsedAssertionIds } from './client-auth/assertion/used-assertion-ids';
import { ClientCredentialsGrant } from './grants/client-credentials.grant';
import { GRANT_HANDLERS, GrantHandler } from './grants/grant-handler';
import { GrantRegistry } from './grants/grant-registry';
import { IntrospectionController } from './introspection/introspection.controller';
import { IntrospectionService } from './introspection/introspection.service';
import { JwksController } from './jwks/jwks.controller';
import { MetadataController } from './metadata/metadata.controller';
import { MetadataService } from './metadata/metadata.service';
import { RevocationController } from './revocation/revocation.controller';
import { RevocationService } from './revocation/revocation.service';
import { RevocationStore } from './revocation/revocation.store';
import { RevokedTokenEntity } from './revocation/revoked-token.entity';
import { AccessTokenIssuer } from './token/access-token.issuer';
import { AccessTokenVerifier } from './token/access-token.verifier';
import { ClientAuthThrottle } from './throttle/client-auth-throttle';
import { SecurityEvents } from './throttle/security-events';
import { KnownClients } from './token/known-clients';
import { TokenController } from './token/token.controller';
import { TokenReuse } from './token-reuse/token-reuse';
// Sender-constrained tokens (DPoP, mTLS)
import { ClientCertificates } from './client-auth/mtls/client-certificate';
import { MtlsClientAuthenticator } from './client-auth/mtls/mtls.authenticator';
import { DpopProofChecker } from './dpop/dpop-proof.checker';
import { UsedDpopProofs } from './dpop/used-dpop-proofs';
import { SenderConstraintGuard } from './token/sender-constraint.guard';

/** The entities this lib maps (revoked token ids). */
export const OAUTH_ENTITIES = [RevokedTokenEntity];

/** The public OAuth surface: token endpoint, JWKS, metadata (RFC 8414), introspection (RFC 7662), revocation (RFC 7009). */
@Module({
  imports: [ClientsModule, KeysModule, TypeOrmModule.forFeature(OAUTH_ENTITIES)],
  controllers: [TokenController, JwksController, MetadataController, IntrospectionController, RevocationController],
  providers: [
    BasicAuthGuard,
    ClientAssertionAuthenticator,
    RemoteKeySets,
    UsedAssertionIds,
    ClientAuthThrottle,
    SecurityEvents,
    AccessTokenIssuer,
    TokenReuse,
    AccessTokenVerifier,
    KnownClients,
    RevocationStore,
    RevocationService,
    IntrospectionService,
    MetadataService,
    GrantRegistry,
    ClientCredentialsGrant,
    // Sender-constrained tokens (DPoP, mTLS)
    ClientCertificates,
    MtlsClientAuthenticator,
    DpopProofChecker,
    UsedDpopProofs,
    SenderConstraintGuard,
    { provide: GRANT_HANDLERS, useFactory: (...handlers: GrantHandler[]) => handlers, inject: [ClientCredentialsGrant] },
  ],
  exports: [
    BasicAuthGuard,
    ClientAssertionAuthenticator,
    SecurityEvents,
    ClientAuthThrottle,
    AccessTokenIssuer,
    AccessTokenVerifier,
    RevocationStore,
    GrantRegistry,
  ],
})
export class OAuthModule {}
