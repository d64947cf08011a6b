// Secrets and TLS. Every command runs with a known password and --debug; the
// password (in any spelling) appears in no output, trace, report, plan,
// journal or process argument list, and no session cookie shows in the
// traces. TLS is verified by default, a pin is enforced, and a server that
// fails either never receives a single request, let alone the password.
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_PASSWORD, ROOT, type Run } from '../helpers/lab.js';
import { bench, comparable, expectOneClearSentence, figure, spawnVmfix, withBench, type Bench } from './support.js';

/** The password as vmfix might leak it: raw, XML-escaped, URL-encoded, base64. */
const SPELLINGS = [
  LAB_PASSWORD,
  LAB_PASSWORD.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
  encodeURIComponent(LAB_PASSWORD),
  Buffer.from(LAB_PASSWORD).toString('base64'),
];

function expectNoSecret(where: string, text: string, cookies: readonly string[] = []): void {
  for (const secret of SPELLINGS) expect(text.includes(secret), `the password (${JSON.stringify(secret)}) is in ${where}`).toBe(false);
  for (const cookie of cookies) expect(text.includes(cookie), `a session cookie is in ${where}`).toBe(false);
}

describe('the password and the session cookie', () => {
  let b: Bench;
  const runs: { args: readonly string[]; run: Run }[] = [];
  // Every online command, with --debug (SOAP traces on stderr), writing every kind of file.
  const COMMANDS: readonly (readonly string[])[] = [
    ['inventory', '--format', 'json'],
    ['inventory', '--format', 'csv', '--output', 'inventory.csv'],
    ['audit', '--format', 'json', '--output', 'audit.json'],
    ['audit', '--format', 'markdown'],
    ['fix', '--dry-run', '--strategy', 'portgroup-accept', '--output', 'ticket.md'],
    ['fix', '--dry-run', '--strategy', 'portgroup-accept', '--format', 'json', '--plan-out', 'plan.json'],
    ['apply', 'plan.json', '--yes', '--journal', 'apply-journal.json', '--format', 'json'],
    ['rollback', 'apply-journal.json', '--yes', '--journal', 'rollback-journal.json', '--format', 'markdown'],
    ['fix', '--yes', '--strategy', 'portgroup-accept', '--journal', 'fix-journal.json'],
    ['rollback', 'fix-journal.json', '--yes', '--journal', 'rollback2-journal.json'],
  ];

  beforeAll(async () => {
    b = await bench();
    for (const args of COMMANDS) runs.push({ args, run: await b.run([...args, '--debug']) });
  });
  afterAll(() => b?.stop());

  it('every command ran as it should (so there was something to leak)', async (ctx) => {
    const fig = figure(ctx, 'secrets check');
    expect(runs.map((r) => [r.args[0], r.run.code])).toEqual([
      ['inventory', 0], ['inventory', 0], ['audit', 1], ['audit', 1], ['fix', 0], ['fix', 0], ['apply', 0], ['rollback', 0], ['fix', 0], ['rollback', 0],
    ]);
    expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    expect(b.proxy.cookies.length).toBeGreaterThan(0);
    fig.done();
  });

  it.for(COMMANDS.map((args, i) => [args.join(' '), i] as const))('%s: not on stdout, nor on stderr with its SOAP traces', ([, i], ctx) => {
    const fig = figure(ctx, 'secrets check');
    const { run } = runs[i]!;
    expectNoSecret('stdout', run.stdout, b.proxy.cookies);
    expectNoSecret('stderr', run.stderr, b.proxy.cookies);
    // The traces are there, with the password element and the cookie redacted.
    expect(run.stderr).toMatch(/> POST \/sdk SOAPAction/);
    expect(run.stderr).toContain('<password>(redacted)</password>');
    fig.done();
  });

  it('not in any file vmfix wrote: reports, ticket, plan, journals', async (ctx) => {
    const fig = figure(ctx, 'secrets check');
    const files = (await readdir(b.dir)).filter((f) => !f.startsWith('.'));
    expect(files.sort()).toEqual(
      ['apply-journal.json', 'audit.json', 'fix-journal.json', 'inventory.csv', 'plan.json', 'rollback-journal.json', 'rollback2-journal.json', 'ticket.md'].sort(),
    );
    for (const file of files) expectNoSecret(file, await readFile(join(b.dir, file), 'utf8'), b.proxy.cookies);
    fig.done();
  });

  it('the cookie the lab echoes in the Login answer (its session key) is redacted in the trace', async (ctx) => {
    const fig = figure(ctx, 'secrets check');
    const { run } = runs[0]!;
    const login = run.stderr.slice(run.stderr.indexOf('SOAPAction'), run.stderr.indexOf('</LoginResponse>'));
    expect(login).toContain('<key>(redacted)</key>');
    fig.done();
  });

  it('a refused change with --debug does not carry it either', async (ctx) => {
    const fig = figure(ctx, 'secrets check');
    b.proxy.inject({ method: 'UpdatePortGroup', fault: { kind: 'soap-fault', type: 'NoPermission', message: 'Permission to perform this operation was denied.' } });
    const run = await b.run(['fix', '--yes', '--strategy', 'portgroup-accept', '--journal', 'refused.json', '--debug']);
    b.proxy.clear();
    expect(run.code).toBe(4);
    expectNoSecret('stderr', run.stderr, b.proxy.cookies);
    expectNoSecret('the journal', await readFile(join(b.dir, 'refused.json'), 'utf8'));
    const undone = await b.direct(['rollback', 'refused.json', '--yes', '--journal', 'refused-undo.json']);
    expect(undone.code, undone.stderr).toBe(0);
    fig.done();
  });
});

describe('where the password comes from', () => {
  /** Holds Login in the proxy, reads the process's argv while it waits, lets it go. */
  async function argvDuring(b: Bench, args: readonly string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<{ argv: string; environ: string; run: Run }> {
    b.proxy.inject({ method: 'Login', fault: { kind: 'hold', stage: 'before' } });
    const vmfix = spawnVmfix(b, args, env, stdin);
    const held = await b.proxy.nextHold();
    const argv = await readFile(`/proc/${vmfix.child.pid}/cmdline`, 'utf8');
    const environ = await readFile(`/proc/${vmfix.child.pid}/environ`, 'utf8');
    held.release();
    return { argv, environ, run: await vmfix.done };
  }

  it('VMFIX_PASSWORD: never in the argument list', async (ctx) => {
    const fig = figure(ctx, 'secrets check');
    await withBench(async (b) => {
      const { argv, run } = await argvDuring(b, ['inventory', '--format', 'json'], {});
      expect(run.code, run.stderr).toBe(0);
      expect(argv).toContain('inventory');
      expectNoSecret('argv', argv);
    });
    fig.done();
  });

  it('--password-stdin: in neither the argument list nor the environment', async (ctx) => {
    const fig = figure(ctx, 'secrets check');
    await withBench(async (b) => {
      const { argv, environ, run } = await argvDuring(b, ['inventory', '--format', 'json', '--password-stdin'], { VMFIX_PASSWORD: '' }, `${LAB_PASSWORD}\n`);
      expect(run.code, run.stderr).toBe(0);
      expectNoSecret('argv', argv);
      expectNoSecret('the environment', environ);
    });
    fig.done();
  });

  it('there is no --password option, and a password in --vcenter is refused without repeating it', async (ctx) => {
    const fig = figure(ctx, 'secrets check');
    await withBench(async (b) => {
      const option = await b.run(['inventory', '--password', LAB_PASSWORD]);
      expect(option.code).toBe(2);
      expectNoSecret('stderr', option.stderr);
      const url = new URL(b.proxy.url);
      url.username = 'administrator';
      url.password = encodeURIComponent(LAB_PASSWORD);
      const inUrl = await b.run(['inventory', '--vcenter', url.toString()]);
      expect(inUrl.code).toBe(2);
      expectOneClearSentence(inUrl, /Do not put the password in --vcenter/);
      expectNoSecret('stderr', inUrl.stderr);
      expect(b.proxy.seen).toEqual([]);
    });
    fig.done();
  });

  it('a wrong password: exit 3, one sentence, and neither password repeated', async (ctx) => {
    const fig = figure(ctx, 'secrets check');
    await withBench(async (b) => {
      const wrong = 'Wr0ng&<pass>"word"';
      const run = await b.run(['inventory'], { VMFIX_PASSWORD: wrong });
      expect(run.code).toBe(3);
      expectOneClearSentence(run, /refused the user name or password/);
      expect(run.stderr).not.toContain(wrong);
      expect(run.stderr).not.toContain('Wr0ng&amp;&lt;pass&gt;');
      expect(b.proxy.count('Login')).toBe(1);
    });
    fig.done();
  });
});

describe('credentials inside a vCenter URL (VMFIX_VCENTER, GOVC_URL)', () => {
  let b: Bench;
  let hostPort: string;
  beforeAll(async () => {
    b = await bench();
    hostPort = new URL(b.proxy.url).host;
  });
  afterAll(() => b?.stop());

  /** Runs inventory with only these connection variables (and the proxy's CA). */
  const go = async (env: NodeJS.ProcessEnv, stdin?: string) => {
    b.proxy.reset();
    return b.run(['inventory', '--format', 'json'], { VMFIX_VCENTER: '', VMFIX_USER: '', VMFIX_PASSWORD: '', ...env }, stdin);
  };
  const USER = 'root';

  it.for([
    ['VMFIX_VCENTER, malformed (an unclosed IPv6 bracket)', () => ({ VMFIX_VCENTER: `https://${USER}:Sesame-Open-42@[::1/sdk` }), 'Sesame-Open-42', /VMFIX_VCENTER \(https:\/\/\[::1\/sdk\) is not a host name or URL/],
    ['VMFIX_VCENTER over plain HTTP', () => ({ VMFIX_VCENTER: `http://${USER}:Sesame-Open-42@${hostPort}/sdk` }), 'Sesame-Open-42', /vmfix only talks HTTPS to vSphere; VMFIX_VCENTER asks for http/],
    ['GOVC_URL with an unencoded "#" in the password (P@ss#w0rd)', () => ({ GOVC_URL: `${USER}:P@ss#w0rd@${hostPort}` }), 'w0rd', /GOVC_URL has an "@" after a "\/", "\?" or "#": .* percent-encoded \(%2F, %3F, %23\)/],
    ['GOVC_URL with an unencoded space in the password', () => ({ GOVC_URL: `${USER}:open sesame@${hostPort}` }), 'open sesame', /GOVC_URL holds a user name or password with a character a URL cannot carry as it is/],
    ['GOVC_URL with a "%" that is no escape', () => ({ GOVC_URL: `${USER}:100%sure@${hostPort}` }), '100%sure', /GOVC_URL holds a user name or password with a "%" that starts no valid escape/],
  ] as const)('%s: exit 2 before anything is sent, and nothing of the user part is repeated', async ([, env, secret, says], ctx) => {
    const fig = figure(ctx, 'secrets check');
    const run = await go(env());
    expect(run.code, run.stderr).toBe(2);
    expectOneClearSentence(run, says);
    for (const piece of [secret, `${USER}:`, 'P@ss']) expect(run.stdout + run.stderr).not.toContain(piece);
    // No piece of the password was taken for a host name, and nothing was sent anywhere.
    expect(run.stderr).not.toMatch(/cannot reach|ENOTFOUND|Connecting to/);
    expect(b.proxy.seen).toEqual([]);
    fig.done();
  });

  it('GOVC_URL as govc reads it: the user split at the last "@" (administrator@vsphere.local unencoded), the password percent-decoded; it connects, and the password shows nowhere', async (ctx) => {
    const fig = figure(ctx, 'secrets check');
    const run = await go({ GOVC_URL: `${b.lab.username}:${encodeURIComponent(LAB_PASSWORD)}@${hostPort}` });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).schemaVersion).toBe(1);
    expect(b.proxy.count('Login')).toBe(1);
    expectNoSecret('stdout', run.stdout);
    expectNoSecret('stderr', run.stderr);
    fig.done();
  });

  it('--password-stdin fed from /dev/zero: refused at 64 KiB, exit 2, nothing sent', async (ctx) => {
    const fig = figure(ctx, 'secrets check');
    b.proxy.reset();
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'vmfix.js'), 'inventory', '--password-stdin'], {
      cwd: b.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...b.proxy.env, VMFIX_PASSWORD: '', NODE_OPTIONS: '--max-old-space-size=64' },
      stdio: [openSync('/dev/zero', 'r'), 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const code = await new Promise((done) => child.on('close', done));
    expect(code, stderr).toBe(2);
    expectOneClearSentence({ code: 2, stdout: '', stderr }, /--password-stdin read more than 64 KiB without the input ending/);
    expect(b.proxy.seen).toEqual([]);
    fig.done();
  });
});

describe('TLS', () => {
  let b: Bench;
  beforeAll(async () => {
    b = await bench();
  });
  afterAll(() => b?.stop());

  const go = async (args: readonly string[], env: NodeJS.ProcessEnv) => {
    b.proxy.reset();
    return b.run(['inventory', '--format', 'json', ...args], env);
  };
  const colons = () => b.proxy.thumbprint;
  const bare = () => b.proxy.thumbprint.replace(/:/g, '').toLowerCase();

  it('verification is on by default: an unknown CA is refused before any request, with the fingerprint and the option to pin it', async (ctx) => {
    const fig = figure(ctx, 'TLS check');
    const run = await go([], { VMFIX_CA_FILE: '' });
    expect(run.code).toBe(3);
    const message = expectOneClearSentence(run, /not trusted/);
    expect(message).toContain(`--thumbprint ${b.proxy.thumbprint}`);
    expect(b.proxy.seen).toEqual([]);
    // The option it prints works as printed.
    const pinned = await go(['--thumbprint', b.proxy.thumbprint], { VMFIX_CA_FILE: '' });
    expect(pinned.code, pinned.stderr).toBe(0);
    fig.done();
  });

  it('a wrong thumbprint is refused before any request, even with the right CA', async (ctx) => {
    const fig = figure(ctx, 'TLS check');
    const wrong = 'AA:'.repeat(31) + 'AA';
    const run = await go(['--thumbprint', wrong], {});
    expect(run.code).toBe(3);
    expectOneClearSentence(run, /not the pinned AA:AA/);
    expect(b.proxy.seen).toEqual([]);
    fig.done();
  });

  it.for([
    ['as vCenter prints it', colons],
    ['lower case, no colons', bare],
  ] as const)('the right thumbprint, %s, is trusted without a CA', async ([, thumbprint], ctx) => {
    const fig = figure(ctx, 'TLS check');
    const run = await go(['--thumbprint', thumbprint()], { VMFIX_CA_FILE: '' });
    expect(run.code, run.stderr).toBe(0);
    const env = await go([], { VMFIX_CA_FILE: '', VMFIX_THUMBPRINT: thumbprint() });
    expect(env.code, env.stderr).toBe(0);
    fig.done();
  });

  it('--ca-file (and VMFIX_CA_FILE) is trusted', async (ctx) => {
    const fig = figure(ctx, 'TLS check');
    const run = await go(['--ca-file', b.proxy.caFile], { VMFIX_CA_FILE: '' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/warning/);
    const env = await go([], {});
    expect(env.code, env.stderr).toBe(0);
    fig.done();
  });

  it.for([
    ['--insecure', ['--insecure'], {}],
    ['VMFIX_INSECURE=1', [], { VMFIX_INSECURE: '1' }],
  ] as const)('%s connects without verifying, and warns on stderr', async ([, args, env], ctx) => {
    const fig = figure(ctx, 'TLS check');
    const run = await go(args, { VMFIX_CA_FILE: '', ...env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^warning: TLS verification is off/m);
    expect(JSON.parse(run.stdout).schemaVersion).toBe(1);
    fig.done();
  });

  it('a certificate for another name, from a trusted CA, is refused before any request', async (ctx) => {
    const fig = figure(ctx, 'TLS check');
    const other = await bench(undefined, { subjectAltName: 'DNS:vcenter.example.com' });
    try {
      const run = await other.run(['inventory']);
      expect(run.code).toBe(3);
      expectOneClearSentence(run, /not trusted/);
      expect(other.proxy.seen).toEqual([]);
    } finally {
      await other.stop();
    }
    fig.done();
  });
});
