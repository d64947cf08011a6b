#!/usr/bin/env node
// A corpus of the SOAP answers `vmfix audit` reads, for the decoder
// micro-benchmark (bench/decode.js): vmfix's own requests (its --debug
// trace) sent again in order to the lab, and every answer saved as it came,
// one file per call: DIR/NNNN-Method.xml. Session cookie, ContainerView and
// page tokens are carried over as the floor (bench/floor.js) does.
//
//   node bench/corpus.js [--hosts N] [--out DIR]     (default 100 hosts, .cache/soap-corpus/N)
// npm run bench saves a sample of each size's answers the same way (SAMPLE).
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab } from '../scripts/lab.js';
import { recordRequests } from './record.js';
import { benchScenario } from './scenario.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PASSWORD = 'corpus-Passw0rd!';
/** The sample npm run bench decodes at each size: every inventory page up to 3, FetchDVPorts up to 3, 300 log calls. */
export const SAMPLE = { RetrievePropertiesEx: 1, ContinueRetrievePropertiesEx: 2, FetchDVPorts: 3, BrowseDiagnosticLog: 300 };

/**
 * Saves the answers to `requests` (as recordRequests returns them) into
 * `dir`; resolves to the bytes saved. `limit` (method -> count): keep only
 * the first so many answers of a method, and do not ask for the others.
 */
export async function saveAnswers(requests, { url, password, caFile }, dir, limit = {}) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(caFile, 'utf8') });
  let cookie;
  let view;
  let token;
  let total = 0;
  const recordedView = /<obj type="ContainerView">([^<]+)<\/obj>/.exec(requests.find((q) => q.method === 'RetrievePropertiesEx')?.body ?? '')?.[1];
  const kept = {};
  for (const [i, r] of requests.entries()) {
    if ((kept[r.method] = (kept[r.method] ?? 0) + 1) > (limit[r.method] ?? Infinity)) continue;
    let body = r.body.replace('<password>(redacted)</password>', `<password>${password}</password>`);
    if (view && recordedView) body = body.split(recordedView).join(view);
    if (r.method === 'ContinueRetrievePropertiesEx') body = body.replace(/<token>[^<]*<\/token>/, `<token>${token}</token>`);
    const answer = await new Promise((done, fail) => {
      const req = https.request(url, { method: 'POST', agent, headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: r.soapAction, ...(cookie ? { Cookie: cookie } : {}) } });
      req.on('error', fail);
      req.on('response', (res) => {
        const set = res.headers['set-cookie']?.find((c) => c.startsWith('vmware_soap_session='));
        if (set) cookie = set.split(';')[0];
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => done(Buffer.concat(chunks)));
        res.on('error', fail);
      });
      req.end(body);
    });
    const head = answer.toString('latin1', 0, 4096);
    if (r.method === 'CreateContainerView') view = /<returnval type="ContainerView">([^<]+)<\/returnval>/.exec(head)?.[1];
    token = /<token>([^<]+)<\/token>/.exec(head)?.[1];
    if (r.method === 'Login' || r.method === 'Logout') continue;
    total += answer.length;
    await writeFile(join(dir, `${String(i).padStart(4, '0')}-${r.method}.xml`), answer);
  }
  agent.destroy();
  return total;
}

async function main(argv) {
  const hosts = Number(valueOf(argv, '--hosts') ?? 100);
  const dir = resolve(valueOf(argv, '--out') ?? join(ROOT, '.cache', 'soap-corpus', String(hosts)));
  const { scenario } = benchScenario(hosts);
  const scenarioFile = join(ROOT, '.cache', `corpus-${hosts}.json`);
  await mkdir(dirname(scenarioFile), { recursive: true });
  await writeFile(scenarioFile, JSON.stringify(scenario));
  const lab = await startLab({ scenario: scenarioFile, password: PASSWORD });
  try {
    const env = { ...process.env, VMFIX_VCENTER: lab.url, VMFIX_USER: lab.username, VMFIX_PASSWORD: PASSWORD, VMFIX_CA_FILE: lab.caFile };
    const requests = await recordRequests([join(ROOT, 'bin', 'vmfix.js'), 'audit', '--format', 'json'], env);
    const bytes = await saveAnswers(requests, { url: lab.url, password: PASSWORD, caFile: lab.caFile }, dir);
    process.stderr.write(`corpus: ${requests.length} answers, ${(bytes / 1e6).toFixed(1)} MB in ${dir}\n`);
  } finally {
    await lab.stop();
    await rm(scenarioFile, { force: true });
  }
}

function valueOf(argv, flag) {
  const i = argv.indexOf(flag);
  return i < 0 ? undefined : argv[i + 1];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`corpus: ${err.stack}\n`);
    process.exit(1);
  });
}
