// Bad input: flags and values, plan and journal files, vmkernel log files.
// Each gets one clear sentence and exit 2, with no stack trace (unless
// --debug), and nothing is sent to vCenter, let alone changed.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksum } from '../../src/remedy/change.js';
import { bench, comparable, expectOneClearSentence, figure, modifyingCalls, type Bench } from './support.js';

let b: Bench;
/** Valid files made against the lab: a plan, a pin-mac plan, and a journal. */
let plan: Record<string, any>;
let pinPlan: Record<string, any>;
let journal: Record<string, any>;

beforeAll(async () => {
  b = await bench();
  for (const [args, what] of [
    [['fix', '--strategy', 'portgroup-accept', '--plan-out', 'plan.json'], 'plan'],
    [['fix', '--strategy', 'pin-mac', '--plan-out', 'pin.json'], 'pin-mac plan'],
    [['fix', '--yes', '--strategy', 'portgroup-accept', '--journal', 'journal.json'], 'journal'],
    [['rollback', 'journal.json', '--yes', '--journal', 'undo.json'], 'rollback'],
  ] as const) {
    const r = await b.direct(args);
    expect(r.code, `${what}: ${r.stderr}`).toBe(0);
  }
  plan = JSON.parse(await readFile(join(b.dir, 'plan.json'), 'utf8'));
  pinPlan = JSON.parse(await readFile(join(b.dir, 'pin.json'), 'utf8'));
  journal = JSON.parse(await readFile(join(b.dir, 'journal.json'), 'utf8'));
  expect(pinPlan.changes.map((c: any) => c.action)).toContain('EditNic');
  expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
});

afterAll(async () => {
  if (!b) return;
  // The fix and its rollback above are the only changes this file made.
  expect(await modifyingCalls(b.lab)).toHaveLength(6);
  expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
  await b.stop();
});

/**
 * Runs vmfix through the proxy and checks: exit 2, one sentence, nothing
 * sent to vCenter at all. (The tests run at once; none of them may reach
 * the proxy, so one that did would show here, in whichever test looks.)
 */
async function refused(args: readonly string[], says: RegExp, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const run = await b.run(args, env);
  expect(run.code, run.stderr).toBe(2);
  expectOneClearSentence(run, says);
  expect(run.stdout).toBe('');
  expect(b.proxy.seen.map((s) => s.method)).toEqual([]);
}

const resealed = (doc: Record<string, any>) => JSON.stringify({ ...doc, checksum: checksum(doc) }, null, 2);

describe.concurrent('flags and values', () => {
  const CASES: [string, string[], RegExp, NodeJS.ProcessEnv?][] = [
    ['an unknown flag', ['audit', '--colour'], /Unknown argument: colour/],
    ['an unknown command', ['audti'], /Unknown argument: audti|Did you mean audit/],
    ['no command', [], /Name a command/],
    ['an unknown strategy', ['fix', '--yes', '--strategy', 'portgroup-acept'], /--strategy takes pin-mac, portgroup-accept, .* not "portgroup-acept"\. See vmfix fix --help\./],
    ['an unknown output format', ['audit', '--format', 'xml'], /--format takes table, json, markdown or csv, not "xml"\. See vmfix audit --help\./],
    ['--yes without --strategy', ['fix', '--yes'], /--yes needs --strategy/],
    ['fix without a terminal and without --yes', ['fix', '--strategy', 'pin-mac'], /Not on a terminal/],
    ['a portgroup name with a slash', ['fix', '--yes', '--strategy', 'dedicated-portgroup', '--portgroup-name', 'a/b'], /not a usable portgroup name/],
    ['no vCenter', ['inventory'], /No vCenter given/, { VMFIX_VCENTER: '' }],
    ['a vCenter over plain HTTP', ['inventory', '--vcenter', 'http://127.0.0.1/sdk'], /only talks HTTPS/],
    ['a vCenter that is not a host name or URL', ['inventory', '--vcenter', 'https://[::1'], /not a host name or URL/],
    ['no user', ['inventory'], /No user name/, { VMFIX_USER: '' }],
    ['no password and no terminal', ['inventory'], /No password/, { VMFIX_PASSWORD: '' }],
    ['--password-stdin with nothing on stdin', ['inventory', '--password-stdin'], /stdin was empty/, { VMFIX_PASSWORD: '' }],
    ['--timeout that is not a number', ['audit', '--timeout', 'soon'], /--timeout takes a number of seconds above 0/],
    ['--timeout 0', ['inventory', '--timeout', '0'], /--timeout takes a number of seconds above 0/],
    ['a negative --timeout', ['inventory', '--timeout', '-5'], /--timeout takes a number of seconds above 0/],
    ['a negative --log-lines', ['audit', '--log-lines', '-1'], /--log-lines must be a whole number/],
    ['a fractional --log-lines', ['audit', '--log-lines', '2.5'], /--log-lines must be a whole number/],
    ['--concurrency 0', ['audit', '--concurrency', '0'], /--concurrency must be between 1 and 64/],
    ['--concurrency 1000', ['audit', '--concurrency', '1000'], /--concurrency must be between 1 and 64/],
    ['a thumbprint that is not hex', ['inventory', '--thumbprint', 'not-a-fingerprint'], /not a SHA-256 fingerprint/],
    ['a SHA-1 thumbprint', ['inventory', '--thumbprint', 'AB:'.repeat(19) + 'AB'], /looks like a SHA-1 one/],
    ['a CA file that does not exist', ['inventory', '--ca-file', '/nonexistent/ca.pem'], /Cannot read the CA file/],
    ['a CA file with no certificate', ['inventory', '--ca-file', '/etc/hostname'], /holds no PEM certificate/],
    ['a response cap that is not a number', ['inventory'], /VMFIX_MAX_RESPONSE_MB must be a whole number/, { VMFIX_MAX_RESPONSE_MB: 'lots' }],
    ['apply without a plan', ['apply'], /Not enough non-option arguments|plan/],
    ['a backwards range in --vm', ['audit', '--vm', '[z-a]'], /--vm '\[z-a\]': the range z-a is backwards; write a-z/],
    ['an unbalanced bracket in --host', ['inventory', '--host', 'esx[01'], /--host 'esx\[01' is not a usable glob/],
    ['an empty --cluster', ['fix', '--dry-run', '--cluster', ''], /--cluster needs a name or a glob, not an empty string/],
    ['--vm with no name after it (with --yes it would have meant every VM)', ['fix', '--yes', '--strategy', 'pin-mac', '--vm'], /--vm needs a name or a glob\./],
    ['--output with no file name', ['audit', '--output'], /--output needs a value\./],
    ['--since followed by another flag instead of its value', ['audit', '--since', '--insecure'], /--since needs a value\./],
    ['--format with no value (it has a default, which must not be taken silently)', ['inventory', '--format'], /--format needs a value\./],
    ['an option given twice (a script would get neither)', ['audit', '--format', 'json', '--format', 'csv'], /--format was given 2 times; give it once\./],
    ['--thumbprint given twice', ['inventory', '--thumbprint', 'aa', '--thumbprint', 'bb'], /--thumbprint was given 2 times; give it once\./],
    ['--no-vm (no option of vmfix is negated)', ['fix', '--yes', '--strategy', 'pin-mac', '--no-vm'], /Unknown argument: no-vm\./],
    ['--log-lines= (yargs would read it as 0: no log read)', ['audit', '--log-lines='], /--log-lines needs a number\./],
    ["--timeout ''", ['inventory', '--timeout', ''], /--timeout needs a number\./],
    ["--timeout past a day (Node's timer would overflow and time every request out at once)", ['inventory', '--timeout', '3000000'], /--timeout takes a number of seconds above 0, up to 86400 \(a day\), not "3000000"\./],
    ['a number in hex or exponent form (yargs would read 16 and a billion)', ['audit', '--concurrency', '0x10'], /--concurrency must be between 1 and 64, not "0x10"\./],
    ['--log-lines 1e9', ['audit', '--log-lines', '1e9'], /--log-lines must be a whole number of lines, not "1e9"\./],
    ['a number that is not one, said as typed (not "NaN")', ['inventory', '--timeout', 'soon'], /not "soon"\./],
    ['a switch given a value yargs reads as false (--insecure=1)', ['inventory', '--insecure=1'], /--insecure=1: give --insecure alone, or --insecure=true or --insecure=false\./],
    ['--compress=yes (it was read as false: no compression, without a word)', ['inventory', '--compress=yes'], /--compress=yes: give --compress alone/],
    ['an empty last --vm= of several (yargs would drop it, leaving the others)', ['audit', '--vm=web01', '--vm='], /--vm needs a name or a glob, not an empty string\./],
    ["--thumbprint '' (it was ignored: no pin, and TLS went on as if it had not been given)", ['inventory', '--thumbprint', ''], /--thumbprint was given an empty value; give one, or leave --thumbprint out\./],
    ["--ca-file ''", ['inventory', '--ca-file', ''], /--ca-file was given an empty file name/],
    ["--change-id '' (apply recorded it over the plan's own)", ['apply', 'plan.json', '--change-id', ''], /--change-id was given an empty value/],
    ["--requester ' '", ['fix', '--dry-run', '--requester', ' '], /--requester was given an empty value/],
    ["vmfix journal '' (it listed every journal instead)", ['journal', ''], /The journal was given as an empty file name; name the file\./],
    ["vmfix apply ''", ['apply', ''], /The plan was given as an empty file name/],
    ['an empty last --vmkernel-log= of several', ['audit', '--vmkernel-log=/etc/hostname', '--vmkernel-log='], /--vmkernel-log needs the path of a log file/],
    ['an option after -- (it would be dropped, and --vm with it)', ['fix', '--yes', '--strategy', 'pin-mac', '--', '--vm', 'web01'], /Unknown argument after --: --vm \(options go before --\)/],
    ['--vmkernel-log with fix and no vCenter', ['fix', '--yes', '--strategy', 'pin-mac', '--vmkernel-log', '/etc/hostname'], /fix needs a vCenter|No vCenter/, { VMFIX_VCENTER: '' }],
  ];

  it.for(CASES)('%s', async ([, args, says, env], ctx) => {
    const fig = figure(ctx, 'bad input');
    await refused(args, says, env);
    fig.done();
  });

  it('--debug adds the stack trace that is otherwise left out', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const run = await b.run(['inventory', '--timeout', '0', '--debug']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^vmfix: --timeout takes/m);
    expect(run.stderr).toMatch(/^\s+at /m);
    fig.done();
  });
});

/**
 * What can be wrong with a file that crossed from one person (or day) to
 * another. The files are made in beforeAll, after the tests are collected,
 * so each case reads its document when it runs.
 */
function damaged(kind: 'plan' | 'journal', docOf: () => Record<string, any>): [string, () => string | Buffer, RegExp][] {
  const text = () => JSON.stringify(docOf(), null, 2);
  const changes = kind === 'plan' ? 'changes' : 'entries';
  const firstChange = (d: any) => (kind === 'plan' ? d.changes[0] : d.entries[0].change);
  return [
    ['empty', () => '', /not valid JSON.*truncated or damaged/],
    ['truncated', () => text().slice(0, Math.floor(text().length / 2)), /not valid JSON.*truncated or damaged/],
    ['binary garbage', () => randomBytes(4096), /not valid JSON/],
    ['edited by hand (checksum no longer matches)', () => text().replace('"vlanId": 10', '"vlanId": 11'), /modified after vmfix wrote it/],
    ['schema-invalid: no changes list (checksum recomputed)', () => resealed({ ...docOf(), [changes]: undefined }), new RegExp(`not a valid vmfix ${kind}: ${changes}`)],
    ['schema-invalid: an action vmfix does not know (checksum recomputed)', () => {
      const d = structuredClone(docOf());
      firstChange(d).action = 'DestroyDatacenter';
      return resealed(d);
    }, new RegExp(`not a valid vmfix ${kind}: .*action`)],
    ['a field vmfix never changes (checksum recomputed)', () => {
      const d = structuredClone(docOf());
      firstChange(d).field = 'vlanId';
      return resealed(d);
    }, /would set "vlanId", which vmfix never changes/],
    [`a ${kind === 'plan' ? 'journal' : 'plan'} instead`, () => JSON.stringify(kind === 'plan' ? journal : plan), kind === 'plan' ? /is a vmfix journal, not a plan: vmfix journal shows it, vmfix rollback undoes it\./ : /is a vmfix plan, not a journal: vmfix apply takes it\./],
  ];
}

describe.concurrent.each([
  { kind: 'plan' as const, command: (path: string) => ['apply', path, '--yes', '--journal', 'never.json'], doc: () => plan },
  { kind: 'journal' as const, command: (path: string) => ['rollback', path, '--yes', '--journal', 'never.json'], doc: () => journal },
])('$kind files', ({ kind, command, doc }) => {
  it(`a ${kind} that does not exist`, async (ctx) => {
    const fig = figure(ctx, 'bad input');
    await refused(command('missing.json'), new RegExp(`Cannot read the ${kind} missing.json \\(ENOENT: no such file or directory\\)`));
    fig.done();
  });

  it(`a ${kind} that cannot be read (a directory)`, async (ctx) => {
    const fig = figure(ctx, 'bad input');
    await mkdir(join(b.dir, 'a-directory.json'), { recursive: true });
    await refused(command('a-directory.json'), new RegExp(`Cannot read the ${kind} a-directory.json \\(EISDIR: it is a directory\\)`));
    fig.done();
  });

  it.for(damaged(kind, doc))(`%s`, async ([name, content, says], ctx) => {
    const fig = figure(ctx, 'bad input');
    const file = `${kind}-${name.replace(/\W+/g, '-')}.json`;
    await writeFile(join(b.dir, file), content());
    await refused(command(file), says);
    fig.done();
  });
});

describe.concurrent('a plan or journal from another vCenter at the same address (checksum recomputed)', () => {
  const OTHER = '6f0c2a8e-0000-4000-8000-000000000001';
  it.for([
    ['plan', () => plan, (file: string) => ['apply', file, '--yes', '--journal', 'never.json']],
    ['journal', () => journal, (file: string) => ['rollback', file, '--yes', '--journal', 'never.json']],
  ] as const)('a %s: refused (exit 2), naming both instance UUIDs, nothing changed', async ([kind, doc, command], ctx) => {
    const fig = figure(ctx, 'bad input');
    const d = structuredClone(doc());
    expect(d.endpoint.instanceUuid).toMatch(/^[0-9a-f-]{36}$/);
    d.endpoint.instanceUuid = OTHER;
    await writeFile(join(b.dir, `other-${kind}.json`), resealed(d));
    const calls = (await modifyingCalls(b.lab)).length;
    // Straight to the lab: the address is the one recorded.
    const run = await b.direct(command(`other-${kind}.json`));
    expect(run.code, run.stderr).toBe(2);
    expectOneClearSentence(run, new RegExp(`recorded against the vCenter with instance UUID ${OTHER}, but 127\\.0\\.0\\.1:\\d+ now answers as instance [0-9a-f-]{36} \\(another vCenter at the same address\\); connect to that vCenter`));
    expect(await modifyingCalls(b.lab)).toHaveLength(calls);
    fig.done();
  });
});

describe.concurrent('a pin-mac plan whose MAC was edited (checksum recomputed)', () => {
  it.for([
    ['not a MAC at all', '00:50:56:zz:00:01'],
    ['a multicast MAC', '01:00:5e:00:00:01'],
    ['the all-zero MAC', '00:00:00:00:00:00'],
  ] as const)('%s: refused before connecting, nothing sent', async ([, mac], ctx) => {
    const fig = figure(ctx, 'bad input');
    const d = structuredClone(pinPlan);
    const change = d.changes.find((c: any) => c.action === 'EditNic');
    change.after.macAddress = mac;
    change.to = `manual ${mac}`;
    const file = `pin-${mac.replace(/:/g, '')}.json`;
    await writeFile(join(b.dir, file), resealed(d));
    await refused(['apply', file, '--yes', '--journal', 'never.json'], new RegExp(`not a valid vmfix plan: .*the MAC ${mac}`));
    fig.done();
  });
});

describe.concurrent('vmkernel log files (offline audit)', () => {
  const LINE =
    '2024-05-14T09:21:07.123Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client web01 has policy violations on port 0x4000004. Port is blocked\n';
  let logs: string;
  beforeAll(async () => {
    logs = join(b.dir, 'logs');
    await mkdir(logs, { recursive: true });
  });
  const offline = (path: string, env: NodeJS.ProcessEnv = {}) => b.run(['audit', '--vmkernel-log', path, '--format', 'json'], { VMFIX_VCENTER: '', ...env });

  // Was "no findings", exit 0: a file from which nothing readable came must say so (issue 10).
  it.for([
    ['pure binary garbage', 'random.bin', () => randomBytes(1 << 20), /no log line in it/],
    ['random bytes named x.gz', 'x.gz', () => randomBytes(1 << 20), /not gzip data despite its name/],
  ] as const)('%s: exit 2, naming the file', async ([, name, content, says], ctx) => {
    const fig = figure(ctx, 'bad input');
    const path = join(logs, name);
    await writeFile(path, content());
    const run = await offline(path);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(path);
    expect(run.stderr).toMatch(says);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    fig.done();
  });

  it.for([
    ['UTF-16 with a BOM', 'utf16.log', () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(LINE, 'utf16le')])],
    ['a gzip followed by zero padding (zcat reads it)', 'padded.gz', () => Buffer.concat([gzipSync(LINE), Buffer.alloc(1 << 20)])],
  ] as const)('%s: the line is found', async ([, name, content], ctx) => {
    const fig = figure(ctx, 'bad input');
    const path = join(logs, name);
    await writeFile(path, content());
    const run = await offline(path);
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout).findings.map((f: any) => f.vm?.name)).toEqual(['web01']);
    fig.done();
  });

  it('a log of 200,000 distinct events (a guest flooding MACs) in a 64 MiB heap: one finding, no crash', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const path = join(logs, 'flood.log');
    const out = createWriteStream(path);
    for (let i = 0; i < 200_000; i++) {
      const mac = `02:00:${[i >> 16, (i >> 8) & 255, i & 255].map((x) => x.toString(16).padStart(2, '0')).join(':')}:01`;
      out.write(`2024-05-14T09:21:07.123Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client bridge01 requested mac address change to ${mac} on port 0x4000004, disallowed by vswitch policy\n`);
    }
    await new Promise((done) => out.end(done));
    const run = await offline(path, { NODE_OPTIONS: '--max-old-space-size=64' });
    expect(run.code, run.stderr).toBe(1);
    const findings = JSON.parse(run.stdout).findings;
    expect(findings.map((f: any) => [f.vm?.name, f.remedies[0].strategy])).toEqual([['bridge01', 'mac-learning']]);
    fig.done();
  });

  it('binary garbage around a real line: the line is still found', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    await writeFile(join(logs, 'mixed.log'), Buffer.concat([randomBytes(300_000), Buffer.from(`\n${LINE}`), randomBytes(300_000)]));
    const run = await offline(join(logs, 'mixed.log'));
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout).findings.map((f: any) => f.kind)).toEqual(['mac-change-blocked']);
    fig.done();
  });

  it('a huge log (64 MiB, one 8 MiB line without a newline) in a 64 MiB heap: streamed, the real line found', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const path = join(logs, 'huge.log');
    const out = createWriteStream(path);
    const filler = Buffer.from('2024-05-14T09:21:07.123Z cpu1:1000)NetPort: 1580: disabled port 0x4000099\n'.repeat(1000));
    out.write(Buffer.alloc(8 << 20, 'x'));
    for (let written = 8 << 20; written < 64 << 20; written += filler.length) out.write(filler);
    out.write(`\n${LINE}`);
    await new Promise((done) => out.end(done));
    const run = await offline(path, { NODE_OPTIONS: '--max-old-space-size=64' });
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout).findings).toHaveLength(1);
    fig.done();
  });

  it.for([
    ['gzip with corrupt data', () => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0]), randomBytes(50_000)]), /gzip data is corrupt/],
    ['gzip cut short before its first line', () => gzipSync(Buffer.from(LINE.repeat(5000))).subarray(0, 12), /gzip data is corrupt/],
    ['gzip magic and nothing else', () => Buffer.from([0x1f, 0x8b]), /gzip data is corrupt/],
  ] as const)('%s: exit 2, one sentence', async ([name, content, says], ctx) => {
    const fig = figure(ctx, 'bad input');
    const path = join(logs, `${name.replace(/\W+/g, '-')}.gz`);
    await writeFile(path, content());
    await refused(['audit', '--vmkernel-log', path], says, { VMFIX_VCENTER: '' });
    fig.done();
  });

  it('gzip cut short after some lines: they are judged, and the cut is a warning naming the file (exit 1, never "No findings")', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const path = join(logs, 'cut-after-lines.gz');
    await writeFile(path, gzipSync(Buffer.from(LINE.repeat(5000))).subarray(0, 2000));
    const run = await offline(path);
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.findings.map((f: any) => f.kind)).toEqual(['mac-change-blocked']);
    expect(report.warnings).toEqual([expect.stringContaining(`Not fully read: ${path} is cut off or damaged (gzip data is corrupt (unexpected end of file))`)]);
    fig.done();
  });

  it.for([
    ['a log that does not exist', '/nonexistent/vmkernel.log', /Cannot read \/nonexistent\/vmkernel.log/],
    ['a directory with no vmkernel log', '/etc/ssl', /no vmkernel log(s| line) in this directory/],
  ] as const)('%s: exit 2, one sentence', async ([, path, says], ctx) => {
    const fig = figure(ctx, 'bad input');
    await refused(['audit', '--vmkernel-log', path], says, { VMFIX_VCENTER: '' });
    fig.done();
  });
});
