// Servers that are not what vmfix expects: not vSphere at all, XML with
// external entities or an entity bomb, an answer without end, names that
// are not UTF-8 (or are, with XML's special characters). Each ends in a clear
// sentence and the contract's exit code, or in the right answer; nothing is
// resolved, expanded, or held in memory without bound.
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fault } from '../helpers/proxy.js';
import { bench, comparable, expectJournalTrue, expectOneClearSentence, figure, modifyingCalls, readJournal, SCENARIO, type Bench } from './support.js';

let b: Bench;
beforeAll(async () => {
  b = await bench();
});
afterAll(async () => {
  if (!b) return;
  expect(await modifyingCalls(b.lab)).toEqual([]);
  await b.stop();
});

/** Runs `args` with every call (or those of `method`) answered by `fault`. */
async function against(fault: Fault, args: readonly string[] = ['inventory', '--format', 'json'], method?: string, env: NodeJS.ProcessEnv = {}) {
  b.proxy.reset();
  b.proxy.clear();
  b.proxy.inject({ ...(method ? { method } : {}), times: Infinity, fault });
  try {
    return await b.run([...args, '--timeout', '5'], env);
  } finally {
    b.proxy.clear();
  }
}

const ENVELOPE = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

describe('a server that is not vSphere', () => {
  const CASES: [string, Fault][] = [
    ['a web server answering 200 with its welcome page', { kind: 'answer', contentType: 'text/html', body: '<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>It works</body></html>' }],
    ['HTTP 404 with an HTML page', { kind: 'answer', status: 404, contentType: 'text/html', body: '<html><body><h1>404 Not Found</h1></body></html>' }],
    ['a redirect to a login page', { kind: 'answer', status: 302, contentType: 'text/html', body: '<a href="/login">login</a>' }],
    ['a JSON API', { kind: 'answer', contentType: 'application/json', body: '{"error":"unknown endpoint"}' }],
    ['XML that is not SOAP', { kind: 'answer', body: '<?xml version="1.0"?><rss version="2.0"><channel><title>news</title></channel></rss>' }],
    ['another SOAP service', { kind: 'answer', body: ENVELOPE('<GetWeatherResponse xmlns="urn:weather"><returnval><city>Oslo</city></returnval></GetWeatherResponse>') }],
    ['a SOAP fault for everything', { kind: 'answer', status: 500, body: ENVELOPE('<soapenv:Fault><faultcode>Client</faultcode><faultstring>Unknown method</faultstring></soapenv:Fault>') }],
    ['vSphere-looking, with another apiType', { kind: 'rewrite', rewrite: (body) => Buffer.from(body.toString('utf8').replace(/<apiType>VirtualCenter<\/apiType>/, '<apiType>Orchestrator</apiType>')) }],
  ];

  it.for(CASES)('%s: exit 3, "not a vSphere endpoint", and the password is never sent', async ([, fault], ctx) => {
    const fig = figure(ctx, 'bad input');
    const run = await against(fault);
    expect(run.code, run.stderr).toBe(3);
    expectOneClearSentence(run, /is not a vSphere endpoint/);
    expect(b.proxy.count('Login')).toBe(0);
    fig.done();
  });
});

describe('XML with a DOCTYPE: external entities and entity bombs', () => {
  const SECRET = 'top-secret-marker-7f3a';
  let secretFile: string;
  let hits = 0;
  let server: ReturnType<typeof createServer>;
  let port = 0;

  beforeAll(async () => {
    secretFile = join(b.dir, 'secret.txt');
    await writeFile(secretFile, SECRET);
    server = createServer((_req, res) => {
      hits++;
      res.end(SECRET);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server?.close());

  const xxe = () =>
    `<?xml version="1.0"?>\n<!DOCTYPE soapenv:Envelope [\n<!ENTITY file SYSTEM "file://${secretFile}">\n<!ENTITY web SYSTEM "http://127.0.0.1:${port}/xxe">\n<!ENTITY % remote SYSTEM "http://127.0.0.1:${port}/dtd">\n%remote;\n]>\n` +
    ENVELOPE('<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><about><apiType>&file;&web;</apiType></about></returnval></RetrieveServiceContentResponse>').replace(/^<\?xml[^>]*>\n/, '');

  const laughs = () => {
    const entities = ['<!ENTITY lol0 "lollollollollollollollollollol">'];
    for (let i = 1; i <= 12; i++) entities.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
    return `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n${entities.join('\n')}\n]>\n${ENVELOPE('<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><about><apiType>&lol12;</apiType></about></returnval></RetrieveServiceContentResponse>').replace(/^<\?xml[^>]*>\n/, '')}`;
  };

  const quadratic = () => {
    const big = 'A'.repeat(100_000);
    return `<?xml version="1.0"?>\n<!DOCTYPE q [<!ENTITY a "${big}">]>\n${ENVELOPE(`<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><about><apiType>${'&a;'.repeat(50_000)}</apiType></about></returnval></RetrieveServiceContentResponse>`).replace(/^<\?xml[^>]*>\n/, '')}`;
  };

  it.for([
    ['external entities (file and URL) in the first answer', 'RetrieveServiceContent', xxe],
    ['external entities in an answer after Login', 'RetrievePropertiesEx', xxe],
    ['a billion laughs (10^12 expansions) in a 48 MiB heap', 'RetrieveServiceContent', laughs],
    ['a quadratic blow-up (5 GB expanded) in a 48 MiB heap', 'RetrieveServiceContent', quadratic],
  ] as const)('%s: refused unresolved and unexpanded, exit 3', async ([, method, body], ctx) => {
    const fig = figure(ctx, 'bad input');
    hits = 0;
    const run = await against({ kind: 'answer', body: body() }, ['inventory', '--format', 'json', '--debug'], method, { NODE_OPTIONS: '--max-old-space-size=48' });
    expect(run.code, run.stderr.slice(-2000)).toBe(3);
    expect(run.stderr).toMatch(/DOCTYPE/);
    expect(hits).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    expect(run.stderr).not.toMatch(/lollollollollollollollollollollollol/);
    const line = run.stderr.split('\n').filter((l) => l.startsWith('vmfix: '));
    expect(line).toHaveLength(1);
    fig.done();
  });

  it('an entity that was never declared: not well-formed, exit 3, one sentence', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const run = await against({ kind: 'answer', body: ENVELOPE('<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><about><apiType>&undeclared;</apiType></about></returnval></RetrieveServiceContentResponse>') }, undefined, 'RetrieveServiceContent');
    expect(run.code).toBe(3);
    expectOneClearSentence(run, /not a vSphere endpoint/);
    fig.done();
  });
});

describe('the response size cap', () => {
  it('an answer without end, cap lowered to 1 MiB: cut off at the cap, not retried, exit 3, one sentence', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    let served = 0;
    const endless = () =>
      new Readable({
        read() {
          const chunk = served === 0
            ? Buffer.from(ENVELOPE('<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>').replace(/<\/soapenv:Body>.*$/s, ''))
            : Buffer.from('<objects><obj type="VirtualMachine">vm-1</obj></objects>'.repeat(1000));
          served += chunk.length;
          this.push(chunk);
        },
      });
    const run = await against({ kind: 'answer', body: endless }, undefined, 'RetrievePropertiesEx', { VMFIX_MAX_RESPONSE_MB: '1', NODE_OPTIONS: '--max-old-space-size=64' });
    expect(run.code, run.stderr).toBe(3);
    expectOneClearSentence(run, /passed the 1 MiB cap; narrow the run with --datacenter, --cluster or --host/);
    expect(b.proxy.count('RetrievePropertiesEx')).toBe(1);
    // vmfix hung up soon after the cap (socket buffers aside), it did not read on.
    expect(served).toBeLessThan(32 << 20);
    fig.done();
  });

  it('a gzip bomb (64 MiB of XML in 64 KB), cap lowered to 1 MiB: refused at the cap, not inflated whole, not retried, exit 3', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const head = ENVELOPE('<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>').replace(/<\/soapenv:Body>.*$/s, '');
    const bomb = gzipSync(Buffer.concat([Buffer.from(head), Buffer.alloc(64 << 20, ' ')]));
    expect(bomb.length).toBeLessThan(1 << 20);
    const run = await against({ kind: 'answer', contentEncoding: 'gzip', body: bomb }, ['inventory', '--format', 'json', '--compress'], 'RetrievePropertiesEx', { VMFIX_MAX_RESPONSE_MB: '1', NODE_OPTIONS: '--max-old-space-size=64' });
    expect(run.code, run.stderr).toBe(3);
    expectOneClearSentence(run, /passed the 1 MiB cap/);
    expect(b.proxy.count('RetrievePropertiesEx')).toBe(1);
    fig.done();
  });

  it('a gzipped answer cut short: asked again, then one sentence, exit 3', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const whole = gzipSync(Buffer.from(ENVELOPE('<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><token>1</token></returnval></RetrievePropertiesExResponse>')));
    const run = await against({ kind: 'answer', contentEncoding: 'gzip', body: whole.subarray(0, whole.length - 30) }, ['inventory', '--format', 'json', '--compress'], 'RetrievePropertiesEx');
    expect(run.code, run.stderr).toBe(3);
    expectOneClearSentence(run, /gzip stream stops short/);
    expect(b.proxy.count('RetrievePropertiesEx')).toBeGreaterThan(1);
    fig.done();
  });

  it('an empty gzipped answer (a proxy that sends nothing): said as such, not asked again, one sentence, exit 3', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const run = await against({ kind: 'answer', contentEncoding: 'gzip', body: Buffer.alloc(0) }, ['inventory', '--format', 'json', '--compress'], 'RetrievePropertiesEx');
    expect(run.code, run.stderr).toBe(3);
    expectOneClearSentence(run, /answered HTTP 200 with an empty body \(Content-Encoding: gzip\) instead of a SOAP answer/);
    expect(run.stderr).not.toMatch(/stops short|retrying/);
    expect(b.proxy.count('RetrievePropertiesEx')).toBe(1);
    // Empty with a 5xx is a server in trouble, as its error pages are: asked again.
    const troubled = await against({ kind: 'answer', status: 503, contentEncoding: 'gzip', body: Buffer.alloc(0) }, ['inventory', '--format', 'json', '--compress'], 'RetrievePropertiesEx');
    expect(troubled.code, troubled.stderr).toBe(3);
    expectOneClearSentence(troubled, /answered HTTP 503 with an empty body/);
    expect(b.proxy.count('RetrievePropertiesEx')).toBeGreaterThan(1);
    fig.done();
  });

  it('an answer just under the cap is read whole', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const run = await against({ kind: 'rewrite', rewrite: (body) => body }, undefined, 'RetrievePropertiesEx', { VMFIX_MAX_RESPONSE_MB: '1' });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).schemaVersion).toBe(1);
    fig.done();
  });
});

describe('names that are not UTF-8', () => {
  // A Latin-1 "é" and two bytes that are never UTF-8, in a VM name and a portgroup name.
  const mangle = (body: Buffer) => {
    let text = body.toString('latin1');
    text = text.split('quiet01').join('qui\xe9t\xff\xfe01').split('PG-Quiet').join('PG-Qui\xe9t');
    return Buffer.from(text, 'latin1');
  };

  it.for([
    ['inventory', ['inventory', '--format', 'json'], 0],
    ['audit', ['audit', '--format', 'json'], 1],
    ['audit as CSV', ['audit', '--format', 'csv'], 1],
  ] as const)('%s: the usual answer, the bad bytes shown as U+FFFD', async ([, args, code], ctx) => {
    const fig = figure(ctx, 'bad input');
    const run = await against({ kind: 'rewrite', rewrite: mangle }, args, 'RetrievePropertiesEx');
    expect(run.code, run.stderr).toBe(code);
    expect(run.stderr).not.toMatch(/^vmfix: /m);
    if ((args as readonly string[]).includes('json')) {
      const text = JSON.stringify(JSON.parse(run.stdout));
      if (args[0] === 'inventory') {
        expect(text).toContain('qui\ufffdt\ufffd\ufffd01');
        expect(text).toContain('PG-Qui\ufffdt');
      } else {
        // The audit's findings are about the other VMs, found as always.
        expect(JSON.parse(run.stdout).findings.map((f: { vm: { name: string } }) => f.vm.name).sort()).toEqual(['app01', 'db01', 'web01']);
      }
    }
    expect(run.stdout).not.toMatch(/[\uD800-\uDFFF]/);
    fig.done();
  });
});

describe("names with XML's special characters and non-ASCII letters", () => {
  const PG = 'R&D <Web> "prod" \'α\'';
  const VM = 'Ünïcødé-Ω-网络-01';
  const scenario = structuredClone(SCENARIO) as any;
  scenario.datacenters[0].hosts[0].portgroups.push({ name: PG, vswitch: 'vSwitch0', vlanId: 77 });
  scenario.datacenters[0].vms.push({ name: VM, host: 'esx01', nics: [{ network: PG, mac: '00:50:56:aa:00:77', guestMac: '02:00:00:00:00:77' }] });

  it('fix --yes finds and changes exactly that portgroup; the journal is true; rollback restores it', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const own = await bench(scenario);
    try {
      const run = await own.run(['fix', '--yes', '--strategy', 'portgroup-accept', '--vm', VM, '--journal', 'journal.json']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(PG);
      const after = await own.lab.state();
      const journal = await readJournal(join(own.dir, 'journal.json'));
      expect(journal.entries.map((e) => [e.change.target.portgroup, e.status])).toEqual([[PG, 'applied']]);
      expectJournalTrue(journal, own.original, after);
      const undone = await own.direct(['rollback', 'journal.json', '--yes', '--journal', 'undo.json']);
      expect(undone.code, undone.stderr).toBe(0);
      expect(comparable(await own.lab.state())).toEqual(comparable(own.original));
    } finally {
      await own.stop();
    }
    fig.done();
  });
});
