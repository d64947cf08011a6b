// A fault-injecting HTTPS proxy between vmfix and the simulator lab. It
// terminates TLS with its own certificate (made at test time, so vmfix
// trusts it only through --ca-file or --thumbprint), forwards each SOAP call
// to the lab over TLS, and lets a test break chosen calls: matched by the
// SOAP method in the body and by how many of them came before.
//
//   const proxy = await startProxy(lab);
//   proxy.inject({ method: 'UpdatePortGroup', nth: 2, fault: { kind: 'reset' } });
//   await vmfix(['fix', '--yes', ...], proxy.env);
//   proxy.forwarded('UpdatePortGroup')   // how many reached the lab
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Lab } from './lab.js';

export type Fault =
  /** Forward; the lab acts on it; then the connection drops halfway through the answer. */
  | { readonly kind: 'reset' }
  /** Drop the connection before forwarding: the lab never sees the call. */
  | { readonly kind: 'drop' }
  /** Forward; the lab acts on it; the answer is held for `ms` (past vmfix's --timeout), then dropped. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Forward; the lab acts on it; the answer is cut in half, with a Content-Length that matches the cut. */
  | { readonly kind: 'truncate' }
  /** An HTML error page from "a load balancer"; not forwarded. */
  | { readonly kind: 'http'; readonly status: number }
  /** A SOAP fault of this vim25 type, as vCenter words it; not forwarded. `detail`: inner XML of the fault element. */
  | { readonly kind: 'soap-fault'; readonly type: string; readonly message?: string; readonly detail?: string }
  /** The session expires: this call and every later one with that cookie get NotAuthenticated until a new Login. */
  | { readonly kind: 'expire' }
  /** Held until the test releases it: `before` the lab sees it, or `after` (the lab has acted; the answer waits). */
  | { readonly kind: 'hold'; readonly stage: 'before' | 'after' }
  /** This answer instead, not forwarded (a non-vSphere server, a hostile body, a huge one). */
  | { readonly kind: 'answer'; readonly status?: number; readonly contentType?: string; readonly contentEncoding?: string; readonly body: string | Buffer | (() => Readable) }
  /** Forward, and change the answer's bytes. */
  | { readonly kind: 'rewrite'; readonly rewrite: (body: Buffer) => Buffer };

export interface Rule {
  /** The SOAP method (the Body's first element); a RegExp matches several; omitted: any call. */
  readonly method?: string | RegExp;
  /** The first matching call it hits, counting from 1 (default 1). */
  readonly nth?: number;
  /** How many matching calls it hits from there (default 1; Infinity: all). */
  readonly times?: number;
  readonly fault: Fault;
}

export interface Seen {
  readonly method: string;
  /** Whether the lab received it. */
  forwarded: boolean;
  /** The fault that hit it, if any. */
  fault?: Fault['kind'] | 'expired';
}

export interface Held {
  readonly method: string;
  /** Lets the call go on (forwarded, or its answer delivered). */
  release(): void;
}

export interface Proxy {
  /** https://127.0.0.1:PORT/sdk */
  readonly url: string;
  readonly caFile: string;
  /** SHA-256 fingerprint of the proxy's certificate, as vCenter prints it. */
  readonly thumbprint: string;
  /** The lab's environment with vmfix pointed at the proxy (TLS verified with the proxy's CA). */
  readonly env: NodeJS.ProcessEnv;
  inject(rule: Rule): void;
  /** Removes every rule (the counts stay). */
  clear(): void;
  /** Every call, in order of arrival. */
  readonly seen: readonly Seen[];
  /** Calls of this method that arrived. */
  count(method: string): number;
  /** Calls of this method that reached the lab. */
  forwarded(method: string): number;
  /** Every session cookie the lab handed out (Set-Cookie), to look for in what vmfix prints. */
  readonly cookies: readonly string[];
  /** Resolves when a `hold` rule holds a call. */
  nextHold(): Promise<Held>;
  /** Forgets the calls seen so far. */
  reset(): void;
  stop(): Promise<void>;
}

/** Calls that need no session: an expired cookie does not stop them. */
const SESSIONLESS = new Set(['RetrieveServiceContent', 'Login']);

export const MODIFYING = ['UpdatePortGroup', 'UpdateVirtualSwitch', 'AddPortGroup', 'RemovePortGroup', 'ReconfigureDVPortgroup_Task', 'CreateDVPortgroup_Task', 'Destroy_Task', 'ReconfigVM_Task'];

type Certificate = { key: string; cert: string; caFile: string; thumbprint: string };
const certs = new Map<string, Certificate>();

const LOCAL = 'IP:127.0.0.1,DNS:localhost';

/** A CA and a server certificate signed by it (openssl, P-256: fast), for 127.0.0.1 unless told otherwise. */
export function proxyCertificate(subjectAltName = LOCAL): Certificate {
  const made = certs.get(subjectAltName);
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'vmfix-proxy-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=vmfix reliability test CA');
  run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), `subjectAltName=${subjectAltName}\nbasicConstraints=CA:FALSE\n`);
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');
  const cert = readFileSync(join(dir, 'server.pem'), 'utf8');
  const certificate = {
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert,
    caFile: join(dir, 'ca.pem'),
    thumbprint: new X509Certificate(cert).fingerprint256,
  };
  certs.set(subjectAltName, certificate);
  return certificate;
}

/** The first element inside the SOAP Body: the method called. */
export function soapMethod(body: string): string {
  return /<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?([\w-]+)/.exec(body)?.[1] ?? '(none)';
}

export function faultEnvelope(type: string, message: string, detail = ''): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n<soapenv:Body>\n' +
    `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${message}</faultstring>` +
    `<detail><${type}Fault xmlns="urn:vim25" xsi:type="${type}">${detail}</${type}Fault></detail></soapenv:Fault>\n` +
    '</soapenv:Body>\n</soapenv:Envelope>'
  );
}

const HTML = (status: number) =>
  `<!DOCTYPE html>\n<html><head><title>${status} ${http.STATUS_CODES[status]}</title></head>` +
  `<body><h1>${status} ${http.STATUS_CODES[status]}</h1><p>The server is temporarily unable to service your request.</p><hr><address>envoy</address></body></html>\n`;

function cookieOf(req: http.IncomingMessage): string | undefined {
  return /vmware_soap_session="?([^";]+)/.exec(String(req.headers.cookie ?? ''))?.[1];
}

export async function startProxy(lab: Pick<Lab, 'url' | 'caFile' | 'env'>, options: { subjectAltName?: string } = {}): Promise<Proxy> {
  const { key, cert, caFile, thumbprint } = proxyCertificate(options.subjectAltName);
  const upstream = new URL(lab.url);
  const upstreamCa = readFileSync(lab.caFile);
  const agent = new https.Agent({ keepAlive: true, ca: upstreamCa });
  let rules: { rule: Rule; hits: number }[] = [];
  let seen: Seen[] = [];
  const arrivals = new Map<string, number>();
  let allArrivals = 0;
  const expired = new Set<string>();
  const cookies: string[] = [];
  const holdWaiters: ((held: Held) => void)[] = [];
  const heldQueue: Held[] = [];
  const sockets = new Set<import('node:tls').TLSSocket>();

  const announce = (held: Held) => {
    const waiter = holdWaiters.shift();
    if (waiter) waiter(held);
    else heldQueue.push(held);
  };
  const hold = (method: string) => new Promise<void>((release) => announce({ method, release: () => release() }));

  const match = (method: string): Fault | undefined => {
    const index = (arrivals.get(method) ?? 0) + 1;
    arrivals.set(method, index);
    allArrivals++;
    for (const r of rules) {
      const { method: wanted, nth = 1, times = 1 } = r.rule;
      const matches = wanted === undefined || (typeof wanted === 'string' ? wanted === method : wanted.test(method));
      if (!matches || r.hits >= times) continue;
      // Only a call made within a session can find it expired.
      if (r.rule.fault.kind === 'expire' && SESSIONLESS.has(method)) continue;
      const position = wanted === undefined ? allArrivals : index;
      if (position < nth) continue;
      r.hits++;
      return r.rule.fault;
    }
    return undefined;
  };

  const forward = (req: http.IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((done, fail) => {
      const headers = { ...req.headers, host: upstream.host };
      // An expired session is one the server has forgotten: its cookie does not reach the lab.
      const cookie = cookieOf(req);
      if (cookie && expired.has(cookie)) delete headers.cookie;
      const out = https.request(upstream, { method: 'POST', headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        for (const line of res.headers['set-cookie'] ?? []) {
          const value = /vmware_soap_session="?([^";]+)/.exec(line)?.[1];
          if (value) cookies.push(value);
        }
        res.on('error', fail);
      });
      out.on('error', fail);
      out.end(body);
    });

  const send = (res: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders, body: Buffer | string) => {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    res.writeHead(status, { ...headers, 'content-length': bytes.length });
    res.end(bytes);
  };
  const answerHeaders = (h: http.IncomingHttpHeaders): http.OutgoingHttpHeaders => {
    const out: http.OutgoingHttpHeaders = {};
    for (const name of ['content-type', 'content-encoding', 'set-cookie', 'cache-control']) if (h[name] !== undefined) out[name] = h[name];
    return out;
  };
  const notAuthenticated = (res: http.ServerResponse) =>
    send(res, 500, { 'content-type': 'text/xml; charset=utf-8' }, faultEnvelope('NotAuthenticated', 'The session is not authenticated.', '<object type="Folder">group-d1</object><privilegeId>System.View</privilegeId>'));

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const method = soapMethod(body.toString('utf8'));
    const record: Seen = { method, forwarded: false };
    seen.push(record);
    const cookie = cookieOf(req);
    // An expired session is refused before anything else happens to the call.
    if (cookie && expired.has(cookie) && !SESSIONLESS.has(method)) {
      record.fault = 'expired';
      return notAuthenticated(res);
    }
    const fault = match(method);
    if (fault) record.fault = fault.kind;
    if (!fault) {
      const answer = await forward(req, body);
      record.forwarded = true;
      return send(res, answer.status, answerHeaders(answer.headers), answer.body);
    }
    switch (fault.kind) {
      case 'drop':
        return req.socket.destroy();
      case 'http':
        return send(res, fault.status, { 'content-type': 'text/html; charset=utf-8' }, HTML(fault.status));
      case 'soap-fault':
        return send(res, 500, { 'content-type': 'text/xml; charset=utf-8' }, faultEnvelope(fault.type, fault.message ?? '', fault.detail));
      case 'expire':
        if (cookie) expired.add(cookie);
        return notAuthenticated(res);
      case 'answer': {
        const headers = { 'content-type': fault.contentType ?? 'text/xml; charset=utf-8', ...(fault.contentEncoding ? { 'content-encoding': fault.contentEncoding } : {}) };
        if (typeof fault.body === 'function') {
          res.writeHead(fault.status ?? 200, headers);
          const stream = fault.body();
          res.on('close', () => stream.destroy());
          stream.on('error', () => res.destroy());
          return void stream.pipe(res);
        }
        return send(res, fault.status ?? 200, headers, fault.body);
      }
      case 'hold':
        if (fault.stage === 'before') await hold(method);
        break;
    }
    const answer = await forward(req, body);
    record.forwarded = true;
    const headers = answerHeaders(answer.headers);
    switch (fault.kind) {
      case 'reset': {
        res.writeHead(answer.status, { ...headers, 'content-length': answer.body.length });
        res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
        // Let the half reach the client, then cut the connection.
        return void setTimeout(() => req.socket.destroy(), 50);
      }
      case 'delay':
        return void setTimeout(() => req.socket.destroy(), fault.ms);
      case 'truncate':
        return send(res, answer.status, headers, answer.body.subarray(0, Math.floor(answer.body.length / 2)));
      case 'rewrite':
        return send(res, answer.status, headers, fault.rewrite(answer.body));
      case 'hold':
        if (fault.stage === 'after') await hold(method);
        return send(res, answer.status, headers, answer.body);
      default:
        return send(res, answer.status, headers, answer.body);
    }
  };

  const server = https.createServer({ key, cert, keepAliveTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/sdk`;

  return {
    url,
    caFile,
    thumbprint,
    env: { ...lab.env, VMFIX_VCENTER: url, VMFIX_CA_FILE: caFile },
    inject(rule) {
      rules.push({ rule, hits: 0 });
    },
    clear() {
      rules = [];
    },
    get seen() {
      return seen;
    },
    cookies,
    count: (method) => seen.filter((s) => s.method === method).length,
    forwarded: (method) => seen.filter((s) => s.method === method && s.forwarded).length,
    nextHold() {
      const held = heldQueue.shift();
      if (held) return Promise.resolve(held);
      return new Promise<Held>((resolve) => holdWaiters.push(resolve));
    },
    reset() {
      seen = [];
      arrivals.clear();
      allArrivals = 0;
    },
    async stop() {
      for (const held of heldQueue.splice(0)) held.release();
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
