// TLS policy. Every socket is checked BEFORE the HTTP layer may write to it,
// so a Login never reaches a server we don't trust: the agent hands the
// socket to http only after verify() accepts it. (Node would otherwise skip
// checkServerIdentity when chain verification fails, which makes pinning a
// self-signed vCenter impossible without switching verification off.)
import https from 'node:https';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { TransportError } from './faults.js';

export interface TlsPolicy {
  /** Skip verification entirely (the CLI warns). */
  readonly insecure?: boolean;
  /** Accept exactly the certificate with this SHA-256 fingerprint. */
  readonly thumbprint?: string;
  /** Extra trusted CA certificates (PEM), on top of Node's roots. */
  readonly ca?: string;
}

/** "44:8f:62…", "448F62…", any case, with or without colons -> "44:8F:62:…"; undefined if not 32 bytes of hex. */
export function normalizeThumbprint(input: string): string | undefined {
  const hex = input.replace(/[\s:]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return undefined;
  return hex.match(/../g)!.join(':');
}

function verify(socket: tls.TLSSocket, policy: TlsPolicy, host: string): TransportError | undefined {
  if (policy.insecure) return undefined;
  const fingerprint = socket.getPeerCertificate().fingerprint256 ?? '';
  if (policy.thumbprint) {
    if (fingerprint === policy.thumbprint) return undefined;
    return new TransportError(
      'tls-mismatch',
      `the certificate of ${host} has SHA-256 fingerprint ${fingerprint}, not the pinned ${policy.thumbprint}`,
      { fingerprint },
    );
  }
  if (socket.authorized) return undefined;
  return new TransportError(
    'tls-untrusted',
    `the certificate of ${host} is not trusted (${String(socket.authorizationError)})`,
    { fingerprint, code: String(socket.authorizationError) },
  );
}

export class VerifyingAgent extends https.Agent {
  /** Made once: with an extra CA, every connection would otherwise parse Node's ~140 roots again (~50 ms of CPU). */
  private readonly secureContext: tls.SecureContext | undefined;

  private readonly policy: TlsPolicy;

  constructor(policy: TlsPolicy, options: https.AgentOptions) {
    super(options);
    // Compared with Node's "AB:CD:…" form, however the caller wrote it.
    const pinned = policy.thumbprint ? (normalizeThumbprint(policy.thumbprint) ?? policy.thumbprint) : undefined;
    this.policy = { ...policy, ...(pinned ? { thumbprint: pinned } : {}) };
    this.secureContext = policy.ca ? tls.createSecureContext({ ca: [...tls.rootCertificates, policy.ca] }) : undefined;
  }

  // Asynchronous form of createConnection: http waits for the callback.
  override createConnection(
    options: tls.ConnectionOptions & { host?: string },
    callback: (err: Error | null, socket?: Duplex) => void,
  ): Duplex | undefined {
    const socket = tls.connect({ ...options, ...(this.secureContext ? { secureContext: this.secureContext } : {}), rejectUnauthorized: false });
    const onError = (err: Error) => callback(err);
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      socket.off('error', onError);
      const refused = verify(socket, this.policy, options.host ?? 'the server');
      if (refused) {
        socket.destroy();
        callback(refused);
      } else {
        callback(null, socket);
      }
    });
    return undefined;
  }
}
