import { LruMap } from '@app/common';
import { HttpConfig, SenderConstraintConfig } from '@app/config';
import { Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { normalize, trustedProxy, type TrustFunction } from '../client-address';

const CERT = Symbol('clientCertificate');
const MAX_HEADER_CERT_CHARS = 16_384;
/** Parsing a certificate costs ~200 µs of CPU; a client sends the same one on every request. */
const PARSED_CERTIFICATES = 10_000;

/**
 * Where a request's client certificate comes from (RFC 8705 §2): the TLS connection when this server terminates
 * TLS (TLS_CERT_FILE/TLS_KEY_FILE; a certificate is asked for, not required, and judged here), or the header a
 * TLS-terminating proxy puts it in (MTLS_CLIENT_CERT_HEADER, URL-encoded PEM as nginx's $ssl_client_escaped_cert),
 * believed only from TRUST_PROXY peers: from anyone else it is ignored and logged at warn, since it would let
 * any caller claim any certificate.
 */
@Injectable()
export class ClientCertificates {
  private readonly logger = new Logger('ClientCertificates');
  private readonly header: string | undefined;
  private readonly trust: TrustFunction;
  /** Parsed header certificates by the SHA-256 of the header value. */
  private readonly parsed = new LruMap<string, X509Certificate>(PARSED_CERTIFICATES);
  /** The peer certificate of each TLS connection, read once per connection. */
  private readonly bySocket = new WeakMap<TLSSocket, X509Certificate | null>();

  constructor(senderConstraint: SenderConstraintConfig, http: HttpConfig) {
    this.header = senderConstraint.mtlsClientCertHeader;
    this.trust = trustedProxy(http.trustProxy);
  }

  /** The client certificate of the request, or undefined; computed once per request. */
  of(req: FastifyRequest): X509Certificate | undefined {
    const memo = req as unknown as Record<symbol, X509Certificate | null | undefined>;
    if (memo[CERT] !== undefined) return memo[CERT] ?? undefined;
    const cert = this.fromSocket(req) ?? this.fromHeader(req);
    memo[CERT] = cert ?? null;
    return cert;
  }

  private fromSocket(req: FastifyRequest): X509Certificate | undefined {
    const socket = req.raw.socket as TLSSocket;
    if (typeof socket.getPeerX509Certificate !== 'function') return undefined;
    let cert = this.bySocket.get(socket);
    if (cert === undefined) {
      cert = socket.getPeerX509Certificate() ?? null;
      this.bySocket.set(socket, cert);
    }
    return cert ?? undefined;
  }

  private fromHeader(req: FastifyRequest): X509Certificate | undefined {
    if (this.header === undefined) return undefined;
    const value = req.headers[this.header];
    if (value === undefined) return undefined;
    const peer = normalize(req.raw.socket?.remoteAddress ?? '');
    if (!this.trust(peer, 0)) {
      this.logger.warn(`ignored ${this.header} from ${peer}: not a TRUST_PROXY address`);
      return undefined;
    }
    if (typeof value !== 'string' || value.length > MAX_HEADER_CERT_CHARS) return undefined;
    const digest = createHash('sha256').update(value).digest('base64url');
    const known = this.parsed.get(digest);
    if (known) return known;
    try {
      const cert = new X509Certificate(decodeURIComponent(value));
      this.parsed.set(digest, cert);
      return cert;
    } catch {
      this.logger.warn(`ignored ${this.header} from ${peer}: not a URL-encoded PEM certificate`);
      return undefined;
    }
  }
}
