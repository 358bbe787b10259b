import { ClientsModule } from '@app/clients';
import { KeysModule } from '@app/keys';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BasicAuthGuard } from './client-auth';
import { ClientAuthenticator } from './client-auth/client-authenticator';
import { ClientAssertionAuthenticator } from './client-auth/assertion/client-assertion.authenticator';
import { VerificationBudget } from './client-auth/assertion/verification-budget';
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
import { TokenController } from './token/token.controller';
import { FreshOrReusedTokens } from './token-reuse/fresh-or-reused-tokens';
import { JwtBearerGrant } from './grants/jwt-bearer.grant';
import { TokenExchangeGrant } from './grants/token-exchange.grant';
import { ExchangeTokens } from './token-exchange/exchange-tokens';
import { TokenHook } from './token-hook/token-hook';
// dynamic client registration
import { RegistrationAccessTokens } from './registration/registration-access-tokens';
import { RegistrationController, RegistrationEnabledGuard } from './registration/registration.controller';
import { RegistrationService } from './registration/registration.service';
import { SoftwareStatements } from './registration/software-statements';
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
  controllers: [
    TokenController,
    JwksController,
    MetadataController,
    IntrospectionController,
    RevocationController,
    // dynamic client registration
    RegistrationController,
  ],
  providers: [
    BasicAuthGuard,
    ClientAuthenticator,
    ClientAssertionAuthenticator,
    RemoteKeySets,
    UsedAssertionIds,
    VerificationBudget,
    ClientAuthThrottle,
    SecurityEvents,
    AccessTokenIssuer,
    FreshOrReusedTokens,
    AccessTokenVerifier,
    RevocationStore,
    RevocationService,
    IntrospectionService,
    MetadataService,
    GrantRegistry,
    ClientCredentialsGrant,
    TokenExchangeGrant,
    JwtBearerGrant,
    ExchangeTokens,
    TokenHook,
    {
      provide: GRANT_HANDLERS,
      useFactory: (...handlers: GrantHandler[]) => handlers,
      inject: [ClientCredentialsGrant, TokenExchangeGrant, JwtBearerGrant],
    },
    // dynamic client registration
    RegistrationEnabledGuard,
    RegistrationService,
    RegistrationAccessTokens,
    SoftwareStatements,
    // Sender-constrained tokens (DPoP, mTLS)
    ClientCertificates,
    MtlsClientAuthenticator,
    DpopProofChecker,
    UsedDpopProofs,
    SenderConstraintGuard,
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
    TokenHook,
  ],
})
export class OAuthModule {}
