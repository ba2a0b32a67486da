/**
 * The one place servers are made (agents, the orchestrator, `xdom agents`): plain HTTP or
 * TLS, with the connection hygiene of issue 9 on every one.
 *
 *   headersTimeout     a client has this long to send its headers (Node: 60 s)
 *   requestTimeout     ... and its whole request (Node: 300 s; a body trickled at 1 byte/s
 *                      held a connection past 130 s). Node checks both every
 *                      connectionsCheckingInterval (default 30 s): set to a fraction here
 *   keepAliveTimeout   an idle kept-alive connection is closed after this long
 *   maxConnections     connections past the cap are closed on accept
 *
 * With TLS (`--tls-cert/--tls-key`) and a client CA (`--tls-client-ca`), clients must present
 * a certificate that CA signed, or the handshake fails (RFC 8446 §4.4.2: the server asks
 * with CertificateRequest); the app's guard then checks the domain's allowed peers.
 */
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';

export interface Hygiene {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

export const DEFAULT_HYGIENE: Hygiene = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 1024 };

export interface TlsServerFiles {
  cert: Buffer;
  key: Buffer;
  /** Require client certificates signed by this CA (mTLS). */
  clientCa?: Buffer;
  /**
   * Let clients without a certificate finish the handshake (the guard then asks for a bearer
   * token, and refuses with a readable 401): when the server also takes --tokens.
   */
  optionalClientCert?: unknown;
}

export function createServerFor(tls?: TlsServerFiles, hygiene: Partial<Hygiene> = {}): Server {
  const h = { ...DEFAULT_HYGIENE, ...hygiene };
  // headersTimeout must not exceed requestTimeout (Node refuses the pair otherwise).
  const headersTimeout = Math.min(h.headersTimeoutMs, h.requestTimeoutMs);
  const common = {
    headersTimeout,
    requestTimeout: h.requestTimeoutMs,
    keepAliveTimeout: h.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 4))),
  };
  const server: Server = tls
    ? (createHttps({
        ...common,
        cert: tls.cert,
        key: tls.key,
        ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: !tls.optionalClientCert } : {}),
      }) as unknown as Server)
    : createHttp(common);
  server.maxConnections = h.maxConnections;
  return server;
}
