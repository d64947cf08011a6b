#!/usr/bin/env node
// The decoder micro-benchmark: vmfix's own recorded answers (bench/corpus.js)
// decoded by each candidate, in MB of SOAP per CPU-second, beside how many
// malformed or hostile answers each refuses. Each candidate runs in a child
// process of its own, in turn with the others (A B C A B C ...), so a change
// in machine load hits all alike; the figure is the median of the rounds,
// each round one warm pass over the corpus after one that warms the JIT.
//
//   node bench/decode.js [--corpus DIR] [--rounds N] [--json]
//   (DIR default .cache/soap-corpus/100; make it with node bench/corpus.js)
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHUNK = 16 * 1024; // what a TLS socket hands over at a time

/**
 * What each recorded method returns, as the client asks for it. FetchDVPorts
 * names the fields the audit keeps (ReturnSpec.keep): vmfix builds only
 * those; the other candidates' decoders build every port whole.
 */
const RETURNS = {
  RetrieveServiceContent: { type: 'ServiceContent' },
  RetrievePropertiesEx: { type: 'RetrieveResult' },
  ContinueRetrievePropertiesEx: { type: 'RetrieveResult' },
  CreateContainerView: { type: 'ManagedObjectReference' },
  FetchDVPorts: (await import('../dist/evidence/online.js')).DV_PORTS,
  BrowseDiagnosticLog: { type: 'DiagnosticManagerLogHeader' },
};

const SHAPES = [
  ['inventory pages', (m) => m === 'RetrievePropertiesEx' || m === 'ContinueRetrievePropertiesEx'],
  ['FetchDVPorts', (m) => m === 'FetchDVPorts'],
  ['log pages', (m) => m === 'BrowseDiagnosticLog'],
  ['all answers', (m) => m in RETURNS],
];

/** name, what it is, and a factory: returns => { write(bytes), end() }. */
export const CANDIDATES = [
  { name: 'vmfix (xml.ts + decode.ts)', chosen: true, what: 'strict scanner of the UTF-8 bytes, decoder into typed objects', load: async () => {
    const { ResponseDecoder } = await import('../dist/vsphere/decode.js');
    return (returns) => new ResponseDecoder(returns);
  } },
  { name: 'vmfix, as it reads log pages older than the newest', what: 'the same with ReturnSpec.only: of those pages only the lines the audit keeps become strings', load: async () => {
    const { ResponseDecoder } = await import('../dist/vsphere/decode.js');
    const { OLDER_PAGE } = await import('../dist/evidence/host-logs.js');
    return (returns) => new ResponseDecoder(returns?.type === OLDER_PAGE.type ? OLDER_PAGE : returns);
  } },
  { name: 'saxes + decoder', what: 'what vmfix used until issue 15: TextDecoder, saxes, the event decoder', load: async () => (await import('./decoders/saxes.js')).saxesDecoder },
  { name: 'saxes alone', what: 'TextDecoder and saxes, events ignored', load: async () => (await import('./decoders/saxes.js')).saxesParseOnly },
  { name: 'sax-wasm + decoder', what: 'sax-wasm 3 (Rust, WebAssembly), references resolved, the event decoder', load: async () => {
    const m = await import('./decoders/sax-wasm.js');
    await m.prepareSaxWasm();
    return m.saxWasmDecoder;
  } },
  { name: 'sax-wasm alone', what: 'sax-wasm 3, each event read out of WebAssembly memory', load: async () => {
    const m = await import('./decoders/sax-wasm.js');
    await m.prepareSaxWasm();
    return m.saxWasmParseOnly;
  } },
  { name: 'TextDecoder alone', parser: false, what: 'bytes to a string and nothing else: the floor of any parser that reads strings', load: async () => () => {
    const text = new TextDecoder();
    return { write: (bytes) => void text.decode(bytes, { stream: true }), end: () => void text.decode() };
  } },
];

/** Answers no SOAP decoder may accept: [what, xml]. Each must end in an exception, never a value. */
const ENVELOPE = (inner, head = '<?xml version="1.0" encoding="UTF-8"?>') =>
  `${head}<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><XResponse xmlns="urn:vim25"><returnval>${inner}</returnval></XResponse></soapenv:Body></soapenv:Envelope>`;
export const MALFORMED = [
  ['a DOCTYPE with an entity', `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaa">]>${ENVELOPE('&a;', '')}`],
  ['an undeclared entity', ENVELOPE('&xxe;')],
  ['the envelope never closed', ENVELOPE('x').replace('</soapenv:Envelope>', '')],
  ['the answer cut mid-tag', ENVELOPE('x').slice(0, -12)],
  ['a mismatched closing tag', ENVELOPE('<a>x</b>')],
  ['a control character', ENVELOPE('a\u0001b')],
  ['"]]>" in text', ENVELOPE('a]]>b')],
  ['a reference to U+0000', ENVELOPE('&#0;')],
  ['"&" without a reference', ENVELOPE('a & b')],
  ['an unquoted attribute', ENVELOPE('<a b=1>x</a>')],
  ['a repeated attribute', ENVELOPE('<a b="1" b="2">x</a>')],
  ['"<" in an attribute value', ENVELOPE('<a b="<">x</a>')],
  ['"--" in a comment', ENVELOPE('<!-- a -- b -->')],
  ['a second document element', `${ENVELOPE('x')}<more/>`],
];

function corpusFiles(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => ({ method: f.replace(/^\d+-/, '').slice(0, -4), bytes: readFileSync(join(dir, f)) }))
    .filter((f) => f.method in RETURNS);
}

function decodeAll(make, files) {
  for (const f of files) {
    const decoder = make(RETURNS[f.method]);
    for (let i = 0; i < f.bytes.length; i += CHUNK) decoder.write(f.bytes.subarray(i, i + CHUNK));
    decoder.end();
  }
}

/** How many of MALFORMED end in an exception; each on a candidate loaded afresh, so one answer cannot spoil the next. */
async function refused(candidate) {
  let count = 0;
  for (const [, xml] of MALFORMED) {
    try {
      const decoder = (await candidate.load())({ type: 'string' });
      decoder.write(Buffer.from(xml));
      decoder.end();
    } catch {
      count++;
    }
  }
  return count;
}

/** In the child: one candidate, one shape; prints { seconds, bytes } for a warm pass. */
async function child(candidateName, shapeName, dir) {
  const candidate = CANDIDATES.find((c) => c.name === candidateName);
  const make = await candidate.load();
  const files = corpusFiles(dir).filter((f) => SHAPES.find(([n]) => n === shapeName)[1](f.method));
  decodeAll(make, files); // warm-up: the JIT, the name caches
  const before = process.cpuUsage();
  decodeAll(make, files);
  const used = process.cpuUsage(before);
  const bytes = files.reduce((n, f) => n + f.bytes.length, 0);
  const refusals = candidate.parser === false ? null : await refused(candidate);
  process.stdout.write(`${JSON.stringify({ seconds: (used.user + used.system) / 1e6, bytes, refusals })}\n`);
}

/** Runs every candidate on `shapes` (default all), `rounds` times in turn; returns rows of MB per CPU-second (medians). */
export function measure(dir, rounds = 3, shapes = SHAPES.map(([s]) => s)) {
  const samples = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const shape of shapes) {
      for (const candidate of CANDIDATES) {
        const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', candidate.name, shape, dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
        const { seconds, bytes, refusals } = JSON.parse(out);
        const key = `${candidate.name}\u0000${shape}`;
        samples.set(key, [...(samples.get(key) ?? []), { mbPerCpuS: bytes / 1e6 / seconds, bytes, refusals }]);
      }
    }
  }
  return CANDIDATES.map((candidate) => ({
    name: candidate.name,
    what: candidate.what,
    chosen: candidate.chosen === true,
    refusals: samples.get(`${candidate.name}\u0000${shapes[0]}`)[0].refusals,
    shapes: Object.fromEntries(shapes.map((shape) => {
      const list = samples.get(`${candidate.name}\u0000${shape}`);
      return [shape, { mbPerCpuS: median(list.map((s) => s.mbPerCpuS)), mb: list[0].bytes / 1e6 }];
    })),
  }));
}

export function table(rows) {
  const shapes = Object.keys(rows[0].shapes);
  const mb = (row, s) => row.shapes[s].mb.toFixed(1);
  const out = [
    `| candidate | ${shapes.map((s) => `${s} (${mb(rows[0], s)} MB)`).join(' | ')} | malformed or hostile answers refused |`,
    `| --- | ${shapes.map(() => '---:').join(' | ')} | --- |`,
  ];
  for (const row of rows) {
    const name = row.chosen ? `**${row.name}**` : row.name;
    const refusals = row.refusals === null ? 'n/a (not a parser)' : `${row.refusals} of ${MALFORMED.length}`;
    out.push(`| ${name} | ${shapes.map((s) => Math.round(row.shapes[s].mbPerCpuS)).join(' | ')} | ${refusals} |`);
  }
  return out;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(argv) {
  if (argv[0] === '--child') return child(argv[1], argv[2], argv[3]);
  const option = (flag) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const dir = resolve(option('--corpus') ?? join(ROOT, '.cache', 'soap-corpus', '100'));
  const rows = measure(dir, Number(option('--rounds') ?? 3));
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(rows)}\n`);
  else process.stdout.write(`MB of SOAP per CPU-second (median of the rounds), ${dir}:\n\n${table(rows).join('\n')}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`decode bench: ${err.stack}\n`);
    process.exit(1);
  });
}
