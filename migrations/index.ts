import { InitialSchema1764140000000 } from './1764140000000-initial-schema';
import { TokenCutoff1796046482435 } from './1796046482435-token-cutoff';
import { AssertionClients1796100000000 } from './1796100000000-assertion-clients';
import { PreviousSealedSecret1796110000000 } from './1796110000000-previous-sealed-secret';
// Token claims feature.
import { TokenClaims1797200000000 } from './1797200000000-token-claims';
// gitops: clients as code and dynamic registration
import { ClientsAsCode17973000000000 } from './17973000000000-clients-as-code';
// Sender-constrained tokens (DPoP, mTLS)
import { SenderConstrainedTokens1797100000000 } from './1797100000000-sender-constrained-tokens';

/** Every migration, in order. Listed explicitly so the same list works from ts (tests) and from dist. */
export const MIGRATIONS = [
  InitialSchema1764140000000,
  TokenCutoff1796046482435,
  AssertionClients1796100000000,
  PreviousSealedSecret1796110000000,
  // Token claims feature.
  TokenClaims1797200000000,
  // gitops
  ClientsAsCode17973000000000,
  // Sender-constrained tokens (DPoP, mTLS)
  SenderConstrainedTokens1797100000000,
];
