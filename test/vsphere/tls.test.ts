// TLS policy against the lab's real certificate: verification on by default,
// an extra CA, a pinned thumbprint, insecure; and proof that nothing (no
// Login, no password) is written to a server that fails verification.
import { readFile } from 'node:fs/promises';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VimClient, type ClientOptions } from '../../src/vsphere/client.js';
import { TransportError } from '../../src/vsphere/faults.js';
import { normalizeThumbprint, type TlsPolicy } from '../../src/vsphere/tls.js';
import { startScenario, type Lab } from '../helpers/lab.js';
import { MOCK_CA, MOCK_CERT, MOCK_KEY } from '../helpers/vim-mock.js';

const SCENARIO = {
  mode: 'vcenter',
  datacenters: [{ name: 'DC-TLS', hosts: [{ name: 'esx-tls', vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'] }] }] }],
};

let lab: Lab;
let ca: string;

beforeAll(async () => {
  lab = await startScenario(SCENARIO);
  ca = await readFile(lab.caFile, 'utf8');
});

afterAll(async () => {
  await lab?.stop();
});

function options(tlsPolicy: TlsPolicy, url = new URL(lab.url)): ClientOptions {
  return { url, username: lab.username, password: lab.password, tls: tlsPolicy, timeoutMs: 10_000, maxResponseBytes: 2 ** 24, maxSockets: 2, readRetries: 0 };
}

async function connectError(tlsPolicy: TlsPolicy, url?: URL): Promise<TransportError> {
  const err = await VimClient.connect(options(tlsPolicy, url)).then(
    async (client) => {
      await client.logout();
      return expect.fail('expected the connection to be refused');
    },
    (e: Error) => e,
  );
  expect(err).toBeInstanceOf(TransportError);
  return err as TransportError;
}

async function connects(tlsPolicy: TlsPolicy): Promise<void> {
  const client = await VimClient.connect(options(tlsPolicy));
  expect(client.serviceContent.about.apiType).toBe('VirtualCenter');
  await client.logout();
}

/** The fingerprint as govc and vCenter print it, e.g. 44:8F:62:… */
function fingerprint(): string {
  return normalizeThumbprint(lab.thumbprint)!;
}

describe('against the lab', () => {
  it('verifies by default: the lab certificate is untrusted, and the error carries its fingerprint', async () => {
    const err = await connectError({});

    expect(err.failure).toBe('tls-untrusted');
    expect(err.details.fingerprint).toBe(fingerprint());
    expect(err.details.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('trusts the lab with its CA', async () => {
    await connects({ ca });
  });

  it('a CA that did not sign the certificate does not help', async () => {
    const err = await connectError({ ca: MOCK_CA });

    expect(err.failure).toBe('tls-untrusted');
  });

  it.each([
    ['as the lab prints it', (t: string) => t],
    ['lower case with colons', (t: string) => t.toLowerCase()],
    ['upper case without colons', (t: string) => t.replace(/:/g, '')],
    ['lower case without colons, spaces around', (t: string) => ` ${t.replace(/:/g, '').toLowerCase()} `],
  ])('a pinned thumbprint given %s matches, without any CA', async (_how, form) => {
    const pinned = normalizeThumbprint(form(lab.thumbprint));

    expect(pinned).toBe(fingerprint());
    await connects({ thumbprint: pinned! });
    // A library caller need not normalise it first.
    await connects({ thumbprint: form(lab.thumbprint) });
  });

  it('a pinned thumbprint that differs is refused, even when the CA would trust the certificate', async () => {
    const other = fingerprint().replace(/^../, (b) => (b === '00' ? '01' : '00'));
    const err = await connectError({ thumbprint: other, ca });

    expect(err.failure).toBe('tls-mismatch');
    expect(err.details.fingerprint).toBe(fingerprint());
    expect(err.message).toContain(other);
  });

  it('normalizeThumbprint refuses what is not a SHA-256 fingerprint', () => {
    const sha1 = 'AB:'.repeat(19) + 'AB';

    expect(normalizeThumbprint(sha1)).toBeUndefined();
    expect(normalizeThumbprint(fingerprint() + ':00')).toBeUndefined();
    expect(normalizeThumbprint(fingerprint().replace(/.$/, 'G'))).toBeUndefined();
  });

  it('insecure connects to the untrusted lab', async () => {
    await connects({ insecure: true });
  });
});

describe('a server that fails verification', () => {
  let server: tls.Server;
  let url: URL;
  let received: Buffer[] = [];

  beforeAll(async () => {
    // Records every byte of application data a client sends, never answers.
    server = tls.createServer({ cert: MOCK_CERT, key: MOCK_KEY }, (socket) => {
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        socket.destroy();
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/sdk`);
  });

  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
  });

  it.each([
    ['an untrusted certificate', 'tls-untrusted', (): TlsPolicy => ({})],
    ['a pinned thumbprint that differs', 'tls-mismatch', (): TlsPolicy => ({ thumbprint: fingerprint() })],
  ])('with %s receives not one byte: no request, no Login, no password', async (_what, failure, policy) => {
    received = [];
    const err = await connectError(policy(), url);

    expect(err.failure).toBe(failure);
    expect(Buffer.concat(received).length).toBe(0);
  });

  it('(the same server does see the request of a client that trusts it)', async () => {
    received = [];
    await connectError({ ca: MOCK_CA }, url);

    expect(Buffer.concat(received).toString('utf8')).toMatch(/^POST \/sdk HTTP\/1\.1/);
  });
});
