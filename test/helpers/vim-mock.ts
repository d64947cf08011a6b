// A vSphere endpoint for tests, named after the API: each method expects one
// call of that vSphere method and answers it with a response recorded from
// the simulator lab (mocks/soap/, re-recorded by scripts/record-soap.js).
// Strict like nock's: a request that no expectation matches is answered
// with a fault and remembered, and done() fails on it as on any expectation
// left unused. Expectations for one method are used in the order given;
// one that states its parameters (.with({ pgName: 'NLB' })) matches only a
// call that sends them.
//
// Why not nock: nock 14 does intercept https.request, but by replacing the
// request's agent with its own, so the client's VerifyingAgent never runs
// (no TLS check, no keep-alive pool) and a "reset" is a made-up error event.
// This is a real HTTPS server on 127.0.0.1 with a test CA instead, so every
// request goes through the client's own agent, sockets and TLS checks.
// (test/vsphere/fixtures/mock-*.pem: a P-256 CA and a 127.0.0.1/localhost
// server certificate, valid until 2126, made with openssl for these tests.)
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type http from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { VimClient, type ClientOptions } from '../../src/vsphere/client.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'vsphere', 'fixtures');

export const MOCK_CA = readFileSync(join(FIXTURES, 'mock-ca.pem'), 'utf8');
export const MOCK_CERT = readFileSync(join(FIXTURES, 'mock-server.pem'), 'utf8');
export const MOCK_KEY = readFileSync(join(FIXTURES, 'mock-server-key.pem'), 'utf8');
export const MOCK_USER = 'vmfix@vsphere.local';
/** XML specials on purpose: the trace must redact the escaped form too. */
export const MOCK_PASSWORD = 'S3cret&<pw>"';
/** The session key that scripts/record-soap.js puts in place of the real one. */
export const SCRUBBED_KEY = '52b2a1c0-0000-4000-8000-000000000000';

/** A recorded response, e.g. recording('RetrievePropertiesEx-hosts'). */
export function recording(name: string): string {
  return readFileSync(join(ROOT, 'mocks', 'soap', `${name}.xml`), 'utf8');
}

/** One request the mock received. */
export interface SoapCall {
  readonly method: string;
  readonly soapAction: string;
  /** The vmware_soap_session cookie sent, if any. */
  readonly cookie: string | undefined;
  readonly body: string;
  /** Which TLS connection carried it (1, 2, …). */
  readonly connection: number;
  /** The Accept-Encoding header sent, if any. */
  readonly acceptEncoding: string | undefined;
}

/**
 * When recorded answers are gzipped: never (vCenter before 8.0.3), when the
 * request's Accept-Encoding asks (8.0.3 and later), or always (a proxy in
 * front of vCenter that compresses what it passes on).
 */
export type Compression = 'never' | 'when-asked' | 'always';

/** Ways a call can go wrong on the wire. */
export type Failure =
  | 'reset'          // the connection drops before any answer
  | 'http-503'       // an HTML error page, as a proxy in front of vCenter sends
  | 'truncated'      // half the recorded body, then the connection drops
  | 'truncated-xml'  // a complete HTTP answer whose XML stops halfway
  | 'hang';          // never answers

type Answer =
  | { readonly kind: 'file'; readonly file: string; readonly setCookie?: string }
  | { readonly kind: 'failure'; readonly failure: Failure; readonly file: string }
  | { readonly kind: 'chunks'; readonly chunks: readonly Buffer[]; readonly headers: Readonly<Record<string, string>> };

interface Expectation {
  readonly method: string;
  readonly answer: Answer;
  /** Parameters the call must send: element name -> its text (for _this, the moref value). */
  params?: Readonly<Record<string, string>>;
}

/** The recording each method answers with unless told otherwise. */
const DEFAULT_FILE: Record<string, string> = {
  RetrieveServiceContent: 'RetrieveServiceContent',
  Login: 'Login',
  Logout: 'Logout',
  CreateContainerView: 'CreateContainerView',
  DestroyView: 'DestroyView',
  RetrievePropertiesEx: 'RetrievePropertiesEx-hosts',
  ContinueRetrievePropertiesEx: 'ContinueRetrievePropertiesEx-vms-page2',
  FetchDVPorts: 'FetchDVPorts',
  QueryDescriptions: 'QueryDescriptions',
  BrowseDiagnosticLog: 'BrowseDiagnosticLog',
  UpdatePortGroup: 'UpdatePortGroup',
  UpdateVirtualSwitch: 'UpdateVirtualSwitch',
  ReconfigureDVPortgroup_Task: 'ReconfigureDVPortgroup_Task',
  CreatePropertyCollector: 'CreatePropertyCollector',
  CreateFilter: 'CreateFilter',
  WaitForUpdatesEx: 'WaitForUpdatesEx-task-success',
  DestroyPropertyCollector: 'DestroyPropertyCollector',
};

export class VimMock {
  readonly calls: SoapCall[] = [];
  readonly unmatched: SoapCall[] = [];
  /** The session cookies handed out by login(), in order. */
  readonly sessions: string[] = [];
  compression: Compression = 'never';
  private readonly expectations: Expectation[] = [];
  private connections = 0;
  private open = 0;
  private current: string | undefined;

  private constructor(
    private readonly server: https.Server,
    readonly url: URL,
  ) {}

  static async start(): Promise<VimMock> {
    const server = https.createServer({ cert: MOCK_CERT, key: MOCK_KEY, keepAlive: true });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const mock = new VimMock(server, new URL(`https://127.0.0.1:${port}/sdk`));
    const ids = new WeakMap<object, number>();
    server.on('secureConnection', (socket) => {
      ids.set(socket, ++mock.connections);
      mock.open++;
      socket.once('close', () => mock.open--);
    });
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => mock.serve(req, res, Buffer.concat(chunks).toString('utf8'), ids.get(req.socket) ?? 0));
    });
    return mock;
  }

  /** TLS settings that trust this mock (its test CA). */
  get tls(): { ca: string } {
    return { ca: MOCK_CA };
  }

  /** How many TLS connections clients have opened. */
  get connectionCount(): number {
    return this.connections;
  }

  /** TLS connections still open. */
  get openConnections(): number {
    return this.open;
  }

  /** A client logged in to this mock: expects retrieveServiceContent() and login() first. */
  connect(options: Partial<ClientOptions> = {}): Promise<VimClient> {
    return VimClient.connect({
      url: this.url,
      username: MOCK_USER,
      password: MOCK_PASSWORD,
      tls: this.tls,
      timeoutMs: 5000,
      maxResponseBytes: 16 * 2 ** 20,
      maxSockets: 4,
      ...options,
    });
  }

  // --- expectations, named after the vSphere methods ---

  retrieveServiceContent(): this {
    return this.expect('RetrieveServiceContent');
  }

  /** Login, answered with a new vmware_soap_session cookie (see sessions). */
  login(): this {
    const cookie = randomUUID();
    this.sessions.push(cookie);
    return this.push('Login', { kind: 'file', file: 'Login', setCookie: cookie });
  }

  /** RetrieveServiceContent, then Login: what VimClient.connect sends. */
  session(): this {
    return this.retrieveServiceContent().login();
  }

  logout(): this {
    return this.expect('Logout');
  }

  createContainerView(): this {
    return this.expect('CreateContainerView');
  }

  destroyView(): this {
    return this.expect('DestroyView');
  }

  retrievePropertiesEx(file = DEFAULT_FILE.RetrievePropertiesEx!): this {
    return this.expect('RetrievePropertiesEx', file);
  }

  continueRetrievePropertiesEx(file = DEFAULT_FILE.ContinueRetrievePropertiesEx!): this {
    return this.expect('ContinueRetrievePropertiesEx', file);
  }

  fetchDVPorts(file = 'FetchDVPorts'): this {
    return this.expect('FetchDVPorts', file);
  }

  queryDescriptions(): this {
    return this.expect('QueryDescriptions');
  }

  browseDiagnosticLog(file = 'BrowseDiagnosticLog'): this {
    return this.expect('BrowseDiagnosticLog', file);
  }

  updatePortGroup(): this {
    return this.expect('UpdatePortGroup');
  }

  updateVirtualSwitch(): this {
    return this.expect('UpdateVirtualSwitch');
  }

  reconfigureDVPortgroup(): this {
    return this.expect('ReconfigureDVPortgroup_Task');
  }

  createPropertyCollector(): this {
    return this.expect('CreatePropertyCollector');
  }

  createFilter(): this {
    return this.expect('CreateFilter');
  }

  waitForUpdatesEx(file = DEFAULT_FILE.WaitForUpdatesEx!): this {
    return this.expect('WaitForUpdatesEx', file);
  }

  destroyPropertyCollector(): this {
    return this.expect('DestroyPropertyCollector');
  }

  /** `method` answered with a recorded fault, e.g. fault('Login', 'Login-InvalidLogin'). */
  fault(method: string, file: string): this {
    if (!recording(file).includes('<soapenv:Fault>')) throw new Error(`${file} is not a fault`);
    return this.expect(method, file);
  }

  /** `method` fails on the wire (see Failure); truncations cut `file`. */
  failure(method: string, failure: Failure, file = DEFAULT_FILE[method] ?? 'RetrievePropertiesEx-hosts'): this {
    return this.push(method, { kind: 'failure', failure, file });
  }

  /** `method` answered with these bytes, each written separately (a 200 text/xml answer, with these headers too). */
  bytes(method: string, chunks: readonly Buffer[], headers: Readonly<Record<string, string>> = {}): this {
    return this.push(method, { kind: 'chunks', chunks, headers });
  }

  /**
   * The parameters the last expectation requires, by element name in the
   * request body (first occurrence): mock.updatePortGroup().with({ pgName: 'NLB' }).
   */
  with(params: Readonly<Record<string, string>>): this {
    const last = this.expectations.at(-1);
    if (!last) throw new Error('vim-mock: with() follows an expectation');
    last.params = { ...last.params, ...params };
    return this;
  }

  /** Expectations not used yet, by method. */
  get pending(): string[] {
    return this.expectations.map((e) => e.method);
  }

  /** Throws unless every expectation was used and every request was expected. */
  done(): void {
    const problems = [
      ...this.expectations.map((e) => `expected ${e.method} was never called`),
      ...this.unmatched.map((c) => `unexpected ${c.method} call`),
    ];
    if (problems.length) throw new Error(`vim-mock: ${problems.join('; ')}`);
  }

  /** The calls of one method, in order. */
  callsOf(method: string): SoapCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private expect(method: string, file = DEFAULT_FILE[method]): this {
    if (!file) throw new Error(`vim-mock: no default recording for ${method}`);
    recording(file); // fail now, not mid-test, on a misspelt name
    return this.push(method, { kind: 'file', file });
  }

  private push(method: string, answer: Answer): this {
    this.expectations.push({ method, answer });
    return this;
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse, body: string, connection: number): void {
    const method = /<(?:[\w-]+:)?Body>\s*<(?:[\w-]+:)?([\w]+)[\s/>]/.exec(body)?.[1] ?? '(no SOAP method)';
    const cookie = /(?:^|;\s*)vmware_soap_session="?([^";]+)/.exec(String(req.headers.cookie ?? ''))?.[1];
    const acceptEncoding = req.headers['accept-encoding'];
    const call: SoapCall = { method, soapAction: String(req.headers.soapaction ?? ''), cookie, body, connection, acceptEncoding };
    this.calls.push(call);
    const index = this.expectations.findIndex((e) => e.method === method && sends(body, e.params));
    if (index < 0) {
      this.unmatched.push(call);
      const fault = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>vim-mock: no expectation for ${method}</faultstring><detail><SystemErrorFault xmlns="urn:vim25" xsi:type="SystemError"><reason>unexpected call</reason></SystemErrorFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
      res.writeHead(500, { 'Content-Type': 'text/xml; charset=utf-8' }).end(fault);
      return;
    }
    const [{ answer }] = this.expectations.splice(index, 1) as [Expectation];
    const xml = { 'Content-Type': 'text/xml; charset=utf-8' };
    switch (answer.kind) {
      case 'file': {
        // As in vcsim, the session key is the cookie (and shows in the ids of session objects).
        if (answer.setCookie) this.current = answer.setCookie;
        const text = Buffer.from(recording(answer.file).split(SCRUBBED_KEY).join(this.current ?? SCRUBBED_KEY));
        const status = text.includes('<soapenv:Fault>') ? 500 : 200;
        const gzip = this.compression === 'always' || (this.compression === 'when-asked' && /\bgzip\b/.test(acceptEncoding ?? ''));
        // Compressed, it goes chunked, as vCenter's proxy streams it.
        res.writeHead(status, {
          ...xml,
          ...(gzip ? { 'Content-Encoding': 'gzip' } : { 'Content-Length': text.length }),
          ...(answer.setCookie ? { 'Set-Cookie': `vmware_soap_session="${answer.setCookie}"; Path=/; HttpOnly; Secure;` } : {}),
        });
        res.end(gzip ? gzipSync(text) : text);
        return;
      }
      case 'chunks': {
        res.writeHead(200, { ...xml, ...answer.headers });
        const write = (i: number): void => {
          if (i === answer.chunks.length) return void res.end();
          // A pause between writes, so each arrives as its own chunk.
          res.write(answer.chunks[i], () => setTimeout(() => write(i + 1), 20));
        };
        write(0);
        return;
      }
      case 'failure':
        this.fail(req, res, answer.failure, Buffer.from(recording(answer.file)));
    }
  }

  private fail(req: http.IncomingMessage, res: http.ServerResponse, failure: Failure, text: Buffer): void {
    const half = text.subarray(0, Math.floor(text.length / 2));
    switch (failure) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'http-503':
        res.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end('<html><head><title>503 Service Unavailable</title></head><body><h1>503 Service Unavailable</h1></body></html>');
        return;
      case 'truncated':
        res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': text.length });
        res.write(half, () => setTimeout(() => req.socket.destroy(), 20));
        return;
      case 'truncated-xml':
        res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': half.length });
        res.end(half);
        return;
      case 'hang':
        return;
    }
  }
}

/** Whether a request body carries each parameter with the given text. */
function sends(body: string, params: Readonly<Record<string, string>> | undefined): boolean {
  if (!params) return true;
  return Object.entries(params).every(([name, text]) => {
    const m = new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[\\w-]+:)?${name}>`).exec(body);
    return m !== null && m[1] === text;
  });
}
