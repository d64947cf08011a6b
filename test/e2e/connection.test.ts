// Issue 2 acceptance and the contract's connection options: getting in (or
// being told plainly why not) as an admin would, with the real binary.
// Every run is checked for the passwords it was given: they must never show.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_PASSWORD, ROOT, startScenario, vmfix as run, type Lab, type Run } from '../helpers/lab.js';

const WRONG_PASSWORD = 'Wr0ng-Secret-7781';
const URL_PASSWORD = 'S3cr3t-in-URL';
const SECRETS = [LAB_PASSWORD, WRONG_PASSWORD, URL_PASSWORD, encodeURIComponent(LAB_PASSWORD)];

/** Runs vmfix and checks that no password it could know of reached stdout or stderr. */
async function vmfix(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<Run> {
  const result = await run(args, env, input);
  for (const secret of SECRETS) {
    expect(result.stdout, `stdout of vmfix ${args.join(' ')}`).not.toContain(secret);
    expect(result.stderr, `stderr of vmfix ${args.join(' ')}`).not.toContain(secret);
  }
  return result;
}

/** The error a failed run prints: exactly one `vmfix:` line, no stack trace. Progress lines may precede it. */
function errorLine(result: Run): string {
  const lines = result.stderr.trim().split('\n');
  const errors = lines.filter((l) => l.startsWith('vmfix:'));
  expect(errors, result.stderr).toHaveLength(1);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toMatch(/Error:|Internal error/);
  // Nothing but progress lines and retry warnings around it.
  for (const line of lines) if (line !== errors[0]) expect(line, result.stderr).toMatch(/^(Connecting to |inventory: |warning: \w+ failed .*; retrying \(\d\)\.$)/);
  return errors[0]!;
}

const SCENARIO = {
  mode: 'vcenter',
  datacenters: [{
    name: 'DC-Conn',
    hosts: [{
      name: 'esx-c01.corp.example',
      vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: { allowPromiscuous: false, macChanges: false, forgedTransmits: false } }],
      portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0' }],
    }],
    vms: [{ name: 'conn-vm-01', host: 'esx-c01.corp.example', nics: [{ network: 'VM Network' }] }],
  }],
};

describe('connecting to vCenter', () => {
  let lab: Lab;
  /** Where and who, but no trust and no password. */
  let bare: NodeJS.ProcessEnv;
  let hostPort: string;
  const connected = (r: Run) => {
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).hosts.map((h: { name: string }) => h.name)).toEqual(['esx-c01.corp.example']);
  };

  beforeAll(async () => {
    lab = await startScenario(SCENARIO);
    hostPort = new URL(lab.url).host;
    bare = { VMFIX_VCENTER: lab.url, VMFIX_USER: lab.username };
  });
  afterAll(() => lab?.stop());

  it('logs in with the lab\'s CA trusted, and a wrong password is exit 3 with one plain line', async () => {
    connected(await vmfix(['inventory', '--format', 'json'], lab.env));
    const wrong = await vmfix(['inventory', '--format', 'json'], { ...lab.env, VMFIX_PASSWORD: WRONG_PASSWORD });
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toBe('');
    expect(errorLine(wrong)).toMatch(/refused the user name or password/);
    const wrongUser = await vmfix(['inventory', '--user', 'nobody@vsphere.local'], lab.env);
    expect(wrongUser.code).toBe(3);
    errorLine(wrongUser);
  });

  it('refuses an untrusted certificate with exit 3, printing its SHA-256 fingerprint and the --thumbprint to pin it', async () => {
    const untrusted = await vmfix(['inventory'], { ...bare, VMFIX_PASSWORD: LAB_PASSWORD });
    expect(untrusted.code).toBe(3);
    const line = errorLine(untrusted);
    expect(line).toContain(lab.thumbprint);
    expect(line).toContain(`--thumbprint ${lab.thumbprint}`);
    expect(lab.thumbprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    // Doing what it says works.
    const offered = /--thumbprint (\S+)/.exec(line)![1]!;
    connected(await vmfix(['inventory', '--format', 'json', '--thumbprint', offered], { ...bare, VMFIX_PASSWORD: LAB_PASSWORD }));
  });

  it('takes the thumbprint with or without colons, in any case, also from VMFIX_THUMBPRINT', async () => {
    const env = { ...bare, VMFIX_PASSWORD: LAB_PASSWORD };
    const plain = lab.thumbprint.replace(/:/g, '');
    for (const form of [lab.thumbprint, plain, plain.toLowerCase(), lab.thumbprint.toLowerCase()]) {
      connected(await vmfix(['inventory', '--format', 'json', '--thumbprint', form], env));
    }
    connected(await vmfix(['inventory', '--format', 'json'], { ...env, VMFIX_THUMBPRINT: plain.toLowerCase() }));
  });

  it('refuses a certificate that does not match the pinned thumbprint, even from a trusted CA', async () => {
    const other = lab.thumbprint.replace(/^../, lab.thumbprint.startsWith('00') ? '11' : '00');
    const pinned = await vmfix(['inventory', '--thumbprint', other], { ...bare, VMFIX_PASSWORD: LAB_PASSWORD });
    expect(pinned.code).toBe(3);
    expect(errorLine(pinned)).toContain(lab.thumbprint);
    const withCa = await vmfix(['inventory', '--thumbprint', other], lab.env);
    expect(withCa.code).toBe(3);
    errorLine(withCa);
    const fromEnv = await vmfix(['inventory'], { ...bare, VMFIX_PASSWORD: LAB_PASSWORD, VMFIX_THUMBPRINT: other });
    expect(fromEnv.code).toBe(3);
  });

  it('refuses a thumbprint that is not SHA-256 with exit 2', async () => {
    const sha1 = await vmfix(['inventory', '--thumbprint', 'AB:'.repeat(19) + 'AB'], { ...bare, VMFIX_PASSWORD: LAB_PASSWORD });
    expect(sha1.code).toBe(2);
    expect(errorLine(sha1)).toMatch(/SHA-256/);
  });

  it('trusts a CA given with --ca-file or VMFIX_CA_FILE, and refuses an unreadable one with exit 2', async () => {
    connected(await vmfix(['inventory', '--format', 'json', '--ca-file', lab.caFile], { ...bare, VMFIX_PASSWORD: LAB_PASSWORD }));
    connected(await vmfix(['inventory', '--format', 'json'], { ...bare, VMFIX_PASSWORD: LAB_PASSWORD, VMFIX_CA_FILE: lab.caFile }));
    const missing = await vmfix(['inventory', '--ca-file', join(tmpdir(), 'no-such-ca.pem')], { ...bare, VMFIX_PASSWORD: LAB_PASSWORD });
    expect(missing.code).toBe(2);
    expect(errorLine(missing)).toContain('no-such-ca.pem');
  });

  it('refuses a CA file whose certificate is cut short or damaged (exit 2, naming it), before connecting, not "not trusted" (exit 3)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-ca-'));
    const pem = readFileSync(lab.caFile, 'utf8');
    const cut = join(dir, 'cut.pem');
    writeFileSync(cut, pem.slice(0, 400));
    // A bundle whose second certificate lost a line in an e-mail: the first one is the lab's own.
    const damaged = join(dir, 'bundle.pem');
    const lines = pem.trim().split('\n');
    writeFileSync(damaged, `${pem}\n${[...lines.slice(0, 3), ...lines.slice(4)].join('\n')}\n`);
    for (const [file, nth] of [[cut, 'certificate 1 of 1'], [damaged, 'certificate 2 of 2']] as const) {
      const r = await vmfix(['inventory', '--ca-file', file], { ...bare, VMFIX_PASSWORD: LAB_PASSWORD });
      expect(r.code, r.stderr).toBe(2);
      const line = errorLine(r);
      expect(line).toContain(file);
      expect(line).toContain(nth);
      expect(r.stderr).not.toContain('Connecting to');
    }
  });

  it('connects with --insecure (or VMFIX_INSECURE=1, true, yes, on; GOVC_INSECURE=1 or true, as govc), warning on stderr', async () => {
    const env = { ...bare, VMFIX_PASSWORD: LAB_PASSWORD };
    const on = [{ VMFIX_INSECURE: '1' }, { VMFIX_INSECURE: 'true' }, { VMFIX_INSECURE: 'Yes' }, { VMFIX_INSECURE: 'ON' }, { GOVC_INSECURE: '1' }, { GOVC_INSECURE: 'TRUE' }];
    for (const [args, extra] of [[['--insecure'], {}], ...on.map((e) => [[], e] as const)] as const) {
      const r = await vmfix(['inventory', '--format', 'json', ...args], { ...env, ...extra });
      connected(r);
      expect(r.stderr).toMatch(/^warning: TLS verification is off/m);
      // An admin who never typed --insecure (GOVC_INSECURE left set by govc) is told what turned it off.
      const [name, value] = Object.entries(extra)[0] ?? [];
      expect(r.stderr).toContain(`TLS verification is off (${name ? `${name}=${value}` : '--insecure'}):`);
    }
    // A verified connection does not warn.
    expect((await vmfix(['inventory', '--format', 'json'], lab.env)).stderr).not.toMatch(/warning/i);
  });

  it('verifies when VMFIX_INSECURE says off, even with GOVC_INSECURE=1 (first wins), and refuses a value that is neither (exit 2)', async () => {
    const env = { ...bare, VMFIX_PASSWORD: LAB_PASSWORD, GOVC_INSECURE: '1' };
    for (const off of ['0', 'false', 'no', 'OFF']) {
      const r = await vmfix(['inventory'], { ...env, VMFIX_INSECURE: off });
      expect([off, r.code]).toEqual([off, 3]);
      expect(errorLine(r)).toContain(`--thumbprint ${lab.thumbprint}`);
    }
    const bad = await vmfix(['inventory'], { ...env, VMFIX_INSECURE: 'maybe' });
    expect(bad.code).toBe(2);
    expect(errorLine(bad)).toBe('vmfix: VMFIX_INSECURE must be 1, true, yes or on, or 0, false, no or off, not "maybe".');
  });

  it('reads the password from stdin with --password-stdin', async () => {
    connected(await vmfix(['inventory', '--format', 'json', '--password-stdin'], { ...bare, VMFIX_CA_FILE: lab.caFile }, `${LAB_PASSWORD}\n`));
    const empty = await vmfix(['inventory', '--password-stdin'], { ...bare, VMFIX_CA_FILE: lab.caFile }, '');
    expect(empty.code).toBe(2);
    errorLine(empty);
  });

  it('refuses to run without a password and without a terminal to ask on, exit 2', async () => {
    const calls = (await lab.calls()).length;
    const r = await vmfix(['inventory'], { ...bare, VMFIX_CA_FILE: lab.caFile });
    expect(r.code).toBe(2);
    expect(errorLine(r)).toMatch(/password/i);
    expect((await lab.calls()).slice(calls)).toEqual([]);
  });

  it('falls back to GOVC_URL, GOVC_USERNAME and GOVC_PASSWORD, VMFIX_* first', async () => {
    const govc = { GOVC_URL: lab.url, GOVC_USERNAME: lab.username, GOVC_PASSWORD: LAB_PASSWORD, VMFIX_CA_FILE: lab.caFile };
    connected(await vmfix(['inventory', '--format', 'json'], govc));
    // govc users keep the credentials in GOVC_URL itself.
    const inUrl = new URL(lab.url);
    inUrl.username = encodeURIComponent(lab.username);
    inUrl.password = encodeURIComponent(LAB_PASSWORD);
    connected(await vmfix(['inventory', '--format', 'json'], { GOVC_URL: inUrl.href, VMFIX_CA_FILE: lab.caFile }));
    // VMFIX_PASSWORD wins over GOVC_PASSWORD, in both directions.
    connected(await vmfix(['inventory', '--format', 'json'], { ...govc, GOVC_PASSWORD: WRONG_PASSWORD, VMFIX_PASSWORD: LAB_PASSWORD }));
    expect((await vmfix(['inventory'], { ...govc, VMFIX_PASSWORD: WRONG_PASSWORD })).code).toBe(3);
    // And VMFIX_VCENTER over GOVC_URL.
    connected(await vmfix(['inventory', '--format', 'json'], { ...govc, GOVC_URL: 'https://127.0.0.1:1/sdk', VMFIX_VCENTER: lab.url }));
  });

  it('takes --vcenter as HOST:PORT, or a URL with or without /sdk', async () => {
    const env = { VMFIX_USER: lab.username, VMFIX_PASSWORD: LAB_PASSWORD, VMFIX_CA_FILE: lab.caFile };
    for (const vcenter of [hostPort, `https://${hostPort}`, `https://${hostPort}/sdk`]) {
      connected(await vmfix(['inventory', '--format', 'json', '--vcenter', vcenter], env));
    }
    const http = await vmfix(['inventory', '--vcenter', `http://${hostPort}/sdk`], env);
    expect(http.code).toBe(2);
    errorLine(http);
  });

  it('refuses a password inside --vcenter, exit 2, without echoing it', async () => {
    const r = await vmfix(['inventory', '--vcenter', `https://${encodeURIComponent(lab.username)}:${URL_PASSWORD}@${hostPort}/sdk`], { VMFIX_CA_FILE: lab.caFile });
    expect(r.code).toBe(2);
    expect(errorLine(r)).toMatch(/password/i);
  });

  it('keeps the password out of a --debug SOAP trace', async () => {
    const r = await vmfix(['inventory', '--format', 'json', '--debug'], lab.env);
    connected(r);
    expect(r.stderr).toContain('Login');
  });

  it('with --compress (or VMFIX_COMPRESS=1, true, yes, on) the lab, as vCenter 8.0.3, gzips its answers, read as the plain ones', async () => {
    const plain = await vmfix(['inventory', '--format', 'json', '--debug'], lab.env);
    connected(plain);
    expect(plain.stderr).not.toMatch(/as gunzipped/);
    const on = ['1', 'true', 'YES', ' on '].map((value) => [[], { VMFIX_COMPRESS: value }] as const);
    for (const [args, env] of [[['--compress'], {}] as const, ...on]) {
      const r = await vmfix(['inventory', '--format', 'json', '--debug', ...args], { ...lab.env, ...env });
      connected(r);
      expect(r.stdout).toBe(plain.stdout);
      expect(r.stderr).toMatch(/< HTTP 200 \(\d+ bytes, \d+ as gunzipped\)/);
    }
    for (const off of ['0', 'false', 'No', 'off', '']) {
      const r = await vmfix(['inventory', '--format', 'json', '--debug'], { ...lab.env, VMFIX_COMPRESS: off });
      connected(r);
      expect(r.stderr, off).not.toMatch(/as gunzipped/);
    }
  });

  it('refuses a VMFIX_COMPRESS that is neither on nor off, naming it, before connecting (exit 2)', async () => {
    for (const bad of ['ture', '2', 'enabled']) {
      const r = await vmfix(['inventory'], { ...lab.env, VMFIX_COMPRESS: bad });
      expect([bad, r.code]).toEqual([bad, 2]);
      expect(r.stderr).toBe(`vmfix: VMFIX_COMPRESS must be 1, true, yes or on, or 0, false, no or off, not "${bad}".\n`);
    }
  });
});

describe('when there is no vCenter to talk to', () => {
  let dir: string;
  let server: Server;
  let thumbprint: string;
  let answer: { status: number; type: string; body: string } = { status: 200, type: 'text/html', body: '' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmfix-not-vsphere-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
        '-subj', '/CN=intranet.corp.example', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`this suite makes its test certificate with openssl, which failed: ${(err as Error).message}`);
    }
    const cert = await readFile(join(dir, 'cert.pem'));
    thumbprint = new X509Certificate(cert).fingerprint256;
    server = createHttpsServer({ cert, key: readFileSync(join(dir, 'key.pem')) }, (req, res) => {
      req.resume().on('end', () => {
        res.writeHead(answer.status, { 'content-type': answer.type });
        res.end(answer.body);
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  });
  afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  const env = () => {
    const { port } = server.address() as { port: number };
    return { VMFIX_VCENTER: `127.0.0.1:${port}`, VMFIX_USER: 'administrator@vsphere.local', VMFIX_PASSWORD: LAB_PASSWORD, VMFIX_THUMBPRINT: thumbprint };
  };

  it('says an HTTPS server that is not vSphere is "not a vSphere endpoint", exit 3', async () => {
    const pages = [
      { status: 200, type: 'text/html; charset=utf-8', body: '<!DOCTYPE html><html><head><title>Intranet</title></head><body><h1>Welcome</h1></body></html>' },
      { status: 404, type: 'text/html', body: '<html><body><h1>404 Not Found</h1>nginx</body></html>' },
      { status: 200, type: 'application/json', body: '{"status":"ok","version":"2.4.1"}' },
    ];
    for (const page of pages) {
      answer = page;
      const r = await vmfix(['inventory'], env());
      expect(r.code, page.body).toBe(3);
      expect(errorLine(r)).toContain('not a vSphere endpoint');
    }
  });

  it('does not call a vCenter answering 503 (its services restarting) "not a vSphere endpoint"', async () => {
    answer = { status: 503, type: 'text/html', body: '<html><head><title>503 Service Unavailable</title></head><body>Service Unavailable</body></html>' };
    const r = await vmfix(['inventory'], env());
    expect(r.code).toBe(3);
    const line = errorLine(r);
    expect(line).toContain('503');
    expect(line).not.toContain('not a vSphere endpoint');
    expect(line).toMatch(/later|again/i);
    // A vCenter restarting its services is given a few tries first.
    expect(r.stderr.match(/warning: RetrieveServiceContent failed .*; retrying/g)).toHaveLength(3);
  });

  it('is exit 3 when nothing listens', async () => {
    const probe = createTcpServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((done) => probe.close(() => done()));
    const r = await vmfix(['audit'], { ...env(), VMFIX_VCENTER: `127.0.0.1:${port}` });
    expect(r.code).toBe(3);
    expect(errorLine(r)).toMatch(/Cannot connect/);
  });

  it('is exit 2 when no vCenter is named at all', async () => {
    const r = await vmfix(['inventory'], { VMFIX_USER: 'administrator@vsphere.local', VMFIX_PASSWORD: LAB_PASSWORD });
    expect(r.code).toBe(2);
    expect(errorLine(r)).toMatch(/--vcenter/);
  });
});

describe('vmfix itself', () => {
  it('--help lists the commands and exits 0', async () => {
    const r = await vmfix(['--help']);
    expect(r.code).toBe(0);
    for (const command of ['inventory', 'audit', 'fix', 'apply', 'rollback']) expect(r.stdout).toMatch(new RegExp(`^\\s+vmfix ${command}\\b`, 'm'));
    expect(r.stderr).toBe('');
  });

  it('--version prints the package version and exits 0', async () => {
    const r = await vmfix(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    expect(r.stderr).toBe(''); // the bin's V8 flag is one this Node knows
  });

  it('an unknown flag is exit 2 with one line', async () => {
    const r = await vmfix(['inventory', '--vcentre', 'x']);
    expect(r.code).toBe(2);
    errorLine(r);
  });
});
