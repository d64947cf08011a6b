// One HTTPS POST per SOAP call over keep-alive sockets. The response body is
// decoded as it streams in, so memory holds the decoded objects, never the
// whole XML text, and parsing overlaps with the server still sending.
import type http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import zlib from 'node:zlib';
import { VerifyingAgent, type TlsPolicy } from './tls.js';
import { ProtocolError, TransportError } from './faults.js';
import { escape as escapeXml } from './encode.js';
import { ResponseDecoder, type DecodedResponse, type ReturnSpec } from './decode.js';

export interface TransportOptions {
  readonly url: URL;
  readonly tls: TlsPolicy;
  /** Per request: connect, send, and receive the whole answer. */
  readonly timeoutMs: number;
  /** Refuse a response body larger than this. */
  readonly maxResponseBytes: number;
  /** Sockets kept open to the server, the bound on parallel calls. */
  readonly maxSockets: number;
  /**
   * Ask the server to gzip its answers (vCenter 8.0.3 and later do): about
   * 8 times fewer bytes on the wire for about 20 % more CPU here, a gain
   * only where the link, not vmfix, is the limit (bench/analysis.md). A
   * gzipped answer is read whether or not it was asked for.
   */
  readonly compress?: boolean;
  /** SOAP traffic for --debug; passwords and the session cookie are redacted before it sees them. */
  readonly trace?: (text: string) => void;
  /** Strings never to show in a trace (the password). */
  readonly secrets?: readonly string[];
}

/** Counters the benchmark reads. */
export interface TransportStats {
  requests: number;
  bytesSent: number;
  /** As they came over the wire (compressed, when the server compressed). */
  bytesReceived: number;
  /** Of SOAP XML, as decoded. */
  bytesDecoded: number;
}

const COOKIE = 'vmware_soap_session';
/** Compressed bytes gathered before they go to gunzip, and the size of what it hands on (bench/analysis.md). */
const INFLATE_BATCH = 1 << 16;
const INFLATE_CHUNK = 1 << 20;
const NETWORK_CODES: Record<string, 'unreachable' | 'reset'> = {
  ECONNREFUSED: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
};

export class Transport {
  readonly stats: TransportStats = { requests: 0, bytesSent: 0, bytesReceived: 0, bytesDecoded: 0 };
  private readonly agent: VerifyingAgent;
  private cookie: string | undefined;
  /**
   * Calls in flight, at most maxSockets; the others wait here, not in the
   * agent's queue. The agent counts a socket only once its TLS handshake is
   * done (VerifyingAgent connects asynchronously), so with more calls than
   * sockets it kept opening extra connections and closing them again: 93
   * handshakes instead of 9 in an audit of 500 hosts.
   */
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  /** Where every call goes, as https.request takes it: made once, not parsed from the URL per call. */
  private readonly target: https.RequestOptions;

  constructor(private readonly options: TransportOptions) {
    this.agent = new VerifyingAgent(options.tls, { keepAlive: true, maxSockets: options.maxSockets });
    this.target = { ...urlToHttpOptions(options.url), method: 'POST', agent: this.agent };
  }

  /** Whether a session cookie is held (Logout is only worth sending then). */
  get hasSession(): boolean {
    return this.cookie !== undefined;
  }

  async post(body: string, soapAction: string, returns: ReturnSpec | undefined): Promise<DecodedResponse> {
    if (this.inFlight < this.options.maxSockets) this.inFlight++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await this.send(body, soapAction, returns);
    } finally {
      // A waiting call takes over this one's place in flight.
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }

  private send(body: string, soapAction: string, returns: ReturnSpec | undefined): Promise<DecodedResponse> {
    const { url, timeoutMs, trace } = this.options;
    // Sent as a string, not a Buffer: http then writes the head and the body
    // in one write, one TLS record, where a Buffer costs a second (writev).
    const length = Buffer.byteLength(body, 'utf8');
    this.stats.requests++;
    this.stats.bytesSent += length;
    if (trace) trace(this.redact(`> POST ${url.pathname} SOAPAction: ${soapAction}\n${body}`));
    return new Promise<DecodedResponse>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new TransportError('timeout', `no complete answer from ${url.host} within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      const req = https.request({
        ...this.target,
        headers: {
          'Content-Type': 'text/xml; charset=utf-8',
          'Content-Length': length,
          ...(this.options.compress ? { 'Accept-Encoding': 'gzip' } : {}),
          SOAPAction: soapAction,
          ...(this.cookie ? { Cookie: `${COOKIE}=${this.cookie}` } : {}),
        },
      });
      req.on('error', (err) => fail(networkError(err, url)));
      req.on('response', (res) => {
        this.takeCookie(res.headers['set-cookie']);
        this.receive(res, returns).then(
          (decoded) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(decoded);
          },
          (err: Error) => fail(err),
        );
      });
      req.end(body, 'utf8');
    });
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * Decodes the body as it arrives ('data' events: an async iterator costs a
   * promise per chunk), through gunzip first when the server compressed it.
   * The size cap is on the XML, so a small compressed answer that inflates
   * without end is refused all the same.
   */
  private receive(res: http.IncomingMessage, returns: ReturnSpec | undefined): Promise<DecodedResponse> {
    const { url, maxResponseBytes, trace } = this.options;
    const status = res.statusCode ?? 0;
    const type = String(res.headers['content-type'] ?? '');
    // vSphere answers SOAP faults with 500 and text/xml; anything else that
    // is not XML (an HTML error page, a redirect to a login page) is not SOAP.
    if (!/xml/i.test(type)) {
      res.resume();
      return Promise.reject(
        new TransportError('http', `${url.host} answered HTTP ${status} ${res.statusMessage ?? ''} with ${type || 'no content type'}`.trim(), { status }),
      );
    }
    const encoding = String(res.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const gzip = encoding === 'gzip' || encoding === 'x-gzip';
    if (!gzip && encoding !== 'identity') {
      res.resume();
      return Promise.reject(new ProtocolError(`${url.host} answered in the content encoding "${encoding}", which vmfix did not ask for`));
    }
    return new Promise<DecodedResponse>((resolve, reject) => {
      const decoder = new ResponseDecoder(returns);
      const gunzip = gzip ? zlib.createGunzip({ chunkSize: INFLATE_CHUNK }) : undefined;
      const traced: Buffer[] = [];
      let received = 0;
      let decoded = 0;
      let done = false;
      // Compressed bytes are inflated in batches: each write to gunzip is a
      // trip to the thread pool, which costs more than inflating 16 KB.
      let compressed: Buffer[] = [];
      let compressedBytes = 0;
      const inflate = (): boolean => {
        const batch = compressed.length === 1 ? compressed[0]! : Buffer.concat(compressed, compressedBytes);
        compressed = [];
        compressedBytes = 0;
        return gunzip!.write(batch);
      };
      const fail = (err: Error) => {
        if (done) return;
        done = true;
        res.destroy();
        gunzip?.destroy();
        reject(err instanceof TransportError || err instanceof ProtocolError ? err : networkError(err, url));
      };
      const xml = (chunk: Buffer) => {
        if (done) return;
        decoded += chunk.length;
        this.stats.bytesDecoded += chunk.length;
        try {
          if (decoded > maxResponseBytes) {
            throw new TransportError('too-large', `the response from ${url.host} passed the ${Math.round(maxResponseBytes / 2 ** 20)} MiB cap`);
          }
          if (trace) traced.push(chunk);
          decoder.write(chunk);
        } catch (err) {
          fail(err as Error);
        }
      };
      const end = () => {
        if (done) return;
        // HTTP says the answer is complete, and it is nothing: sent so, not cut short, so not asked again for a 200.
        if (decoded === 0) return fail(emptyAnswer(url, status, gzip));
        try {
          if (trace) trace(this.redact(`< HTTP ${status} (${received} bytes${gzip ? `, ${decoded} as gunzipped` : ''})\n${new TextDecoder().decode(Buffer.concat(traced))}`));
          const result = decoder.end();
          done = true;
          resolve(result);
        } catch (err) {
          fail(err as Error);
        }
      };
      res.on('data', (chunk: Buffer) => {
        if (done) return;
        received += chunk.length;
        this.stats.bytesReceived += chunk.length;
        if (!gunzip) return xml(chunk);
        compressed.push(chunk);
        compressedBytes += chunk.length;
        if (compressedBytes >= INFLATE_BATCH && !inflate()) {
          res.pause();
          gunzip.once('drain', () => res.resume());
        }
      });
      if (gunzip) {
        gunzip.on('data', xml);
        gunzip.on('end', end);
        gunzip.on('error', (err) => fail(gzipError(err)));
        res.on('end', () => {
          // Not a single byte to gunzip: gunzip would call it a stream cut short.
          if (received === 0) return fail(emptyAnswer(url, status, gzip));
          inflate();
          gunzip.end();
        });
      } else {
        res.on('end', end);
      }
      res.on('error', fail);
      // A connection that drops mid-answer closes the response without 'end'.
      res.on('close', () => {
        if (!res.complete) fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
      });
    });
  }

  private redact(text: string): string {
    let out = text.replace(/<password>[^<]*<\/password>/g, '<password>(redacted)</password>');
    for (const secret of [...(this.options.secrets ?? []), this.cookie ?? '']) {
      if (secret.length >= 4) out = out.split(secret).join('(redacted)').split(escapeXml(secret)).join('(redacted)');
    }
    return out;
  }

  private takeCookie(header: string[] | undefined): void {
    for (const line of header ?? []) {
      const match = new RegExp(`${COOKIE}=("?)([^";]*)\\1`).exec(line);
      if (match) this.cookie = match[2];
    }
  }
}

/**
 * An empty body is no SOAP answer at all: something on the way (a proxy, a
 * load balancer) or vCenter itself sent nothing. A 5xx is a server in
 * trouble and worth asking again, as its error pages are; a 200 would only
 * come back empty again.
 */
function emptyAnswer(url: URL, status: number, gzip: boolean): TransportError {
  return new TransportError('http', `${url.host} answered HTTP ${status} with an empty body${gzip ? ' (Content-Encoding: gzip)' : ''} instead of a SOAP answer`, { status });
}

/** A gzip stream that stops short is an answer cut short; any other zlib error, a damaged one. */
function gzipError(err: NodeJS.ErrnoException): ProtocolError {
  if (err.code === 'Z_BUF_ERROR') return new ProtocolError('the response is not a complete SOAP envelope (its gzip stream stops short)', true);
  return new ProtocolError(`the response's gzip encoding is damaged (${err.message})`);
}

function networkError(err: Error, url: URL): Error {
  if (err instanceof TransportError || err instanceof ProtocolError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const failure = NETWORK_CODES[code] ?? (err.message === 'aborted' || /socket hang up/.test(err.message) ? 'reset' : undefined);
  if (failure === 'unreachable') {
    return new TransportError('unreachable', `cannot reach ${url.host} (${code})`, { code });
  }
  if (failure === 'reset') {
    return new TransportError('reset', `the connection to ${url.host} dropped (${code || err.message})`, { code });
  }
  // A TLS handshake answered in plain text: the port speaks HTTP, not HTTPS.
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/.test(err.message)) {
    return new TransportError('not-vsphere', `${url.host} answers plain HTTP, not HTTPS`, { code });
  }
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /SSL|TLS/.test(err.message)) {
    return new TransportError('tls-untrusted', `TLS with ${url.host} failed (${err.message})`, { code });
  }
  return new TransportError('reset', `talking to ${url.host} failed (${err.message})`, { code });
}
