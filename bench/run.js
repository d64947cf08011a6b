#!/usr/bin/env node
// npm run bench: vmfix audit at vCenter scale against the simulator lab.
//
// For each size (10 hosts / 200 VMs, 100 / 2,000, 500 / 10,000) it starts
// the lab on a generated scenario (bench/scenario.js), records the SOAP
// requests vmfix sends (its --debug trace), and then, interleaved so that
// a change in machine load hits all alike, runs several times:
//   - vmfix audit --format json, with VMFIX_PROFILE for its phases;
//   - the floor (bench/floor.js): the same requests from a bare client;
//   - a well-written pyvmomi script doing the same reads (bench/pyvmomi_audit.py);
// and decodes a sample of the answers with each candidate parser (bench/decode.js);
// and, once where it is affordable, the naive pyvmomi script. Also times
// `vmfix --version` and `vmfix --help` start-up, what --since costs on a
// realistic log (bench/window.js) and vmfix watch at 500 hosts
// (bench/watch.js). Prints the tables and writes bench/results.md,
// results.svg and results.json.
//
//   node bench/run.js [--sizes 10,100,500] [--runs N] [--no-python] [--no-window] [--no-watch] [--no-write]
//   node bench/run.js --report    (results.md and .svg again from bench/results.json)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab } from '../scripts/lab.js';
import { chart } from './chart.js';
import { SAMPLE, saveAnswers } from './corpus.js';
import { measure as measureDecoders, table as decoderTable } from './decode.js';
import { recordRequests } from './record.js';
import { BENCH_LOG, benchScenario } from './scenario.js';
import { markdownTable, measure, median, ms, s } from './measure.js';
import { benchWatch, watchReport } from './watch.js';
import { benchWindow, windowReport } from './window.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VMFIX = join(ROOT, 'bin', 'vmfix.js');
const PYTHON = '/usr/bin/python3'; // Debian's, where apt puts python3-pyvmomi
const PASSWORD = 'bench-Passw0rd!';
const PHASES = ['login', 'inventory', 'dvPorts', 'events', 'logs', 'audit', 'render'];
/** hosts: runs of each measured program. */
const DEFAULT_RUNS = { 10: 5, 100: 5, 500: 5 };
/** The pyvmomi script takes ~35 s at 500 hosts: at most this many runs of it. */
const PYVMOMI_RUNS = 3;
/** vmfix audit --compress, against the lab gzipping as vCenter 8.0.3 does: runs a size. */
const COMPRESS_RUNS = 3;
/** The naive pyvmomi script makes a call per property per object: only where it ends in reasonable time. */
const NAIVE_MAX_HOSTS = 100;
const TARGETS = { ratio: 1.3, rssMb: 200, cpuS: 5, startupMs: 100 };
/** vmfix watch is measured at this size (issue 13). */
const WATCH_HOSTS = 500;

const args = parseArgs(process.argv.slice(2));

async function main() {
  if (args.report) {
    const results = JSON.parse(await readFile(join(ROOT, 'bench', 'results.json'), 'utf8'));
    await writeFile(join(ROOT, 'bench', 'results.md'), `${report(results)}\n`);
    await writeFile(join(ROOT, 'bench', 'results.svg'), chart(results.sizes));
    return;
  }
  if (!existsSync('/usr/bin/time')) throw new Error('the benchmark needs GNU time for CPU and peak RSS: apt-get install -y time');
  const began = Date.now();
  const python = args.python ? ensurePyvmomi() : { ok: false, why: 'skipped (--no-python)' };
  log(`pyvmomi: ${python.ok ? python.version : python.why}`);
  const tmp = await mkdtemp(join(os.tmpdir(), 'vmfix-bench-'));
  try {
    const startup = await measureStartup();
    const sizes = [];
    for (const hosts of args.sizes) sizes.push(await benchSize(hosts, tmp, python));
    const window = args.window ? await benchWindow({ tmp, password: PASSWORD, log }) : undefined;
    if (args.watch) log(`\nvmfix watch at ${WATCH_HOSTS} hosts (bench/watch.js)`);
    const watch = args.watch ? await benchWatch({ hosts: WATCH_HOSTS, log }) : undefined;
    const results = { machine: machine(), began, seconds: (Date.now() - began) / 1000, python, startup, sizes, window, watch };
    process.stdout.write(`\n${report(results)}\n`);
    if (args.write) {
      await writeFile(join(ROOT, 'bench', 'results.md'), `${report(results)}\n`);
      await writeFile(join(ROOT, 'bench', 'results.svg'), chart(sizes));
      await writeFile(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
      log('wrote bench/results.md, bench/results.svg and bench/results.json');
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- measuring

async function measureStartup() {
  log('start-up: node -e 0, vmfix --version, vmfix --help (10 each, interleaved)');
  const runs = { node: [], version: [], help: [] };
  for (let i = 0; i < 10; i++) {
    runs.node.push(await measure(process.execPath, ['-e', '0']));
    runs.version.push(await measure(process.execPath, [VMFIX, '--version']));
    runs.help.push(await measure(process.execPath, [VMFIX, '--help']));
  }
  const summary = (list) => ({ wallMs: median(list.map((r) => r.wallMs)), cpuMs: median(list.map((r) => r.cpuMs)) });
  return { node: summary(runs.node), version: summary(runs.version), help: summary(runs.help) };
}

async function benchSize(hosts, tmp, python) {
  const { scenario, expected, vms, nics } = benchScenario(hosts);
  const scenarioFile = join(tmp, `bench-${hosts}.json`);
  await writeFile(scenarioFile, JSON.stringify(scenario));
  log(`\n${hosts} hosts / ${vms} VMs / ${nics} NICs: starting the lab`);
  const labStart = Date.now();
  const lab = await startLab({ scenario: scenarioFile, password: PASSWORD });
  const labReadyS = (Date.now() - labStart) / 1000;
  const loadBefore = os.loadavg()[0];
  const labCpu = labCpuReader(scenarioFile);
  const env = { ...process.env, VMFIX_VCENTER: lab.url, VMFIX_USER: lab.username, VMFIX_PASSWORD: PASSWORD, VMFIX_CA_FILE: lab.caFile };
  delete env.VMFIX_PROFILE;
  try {
    const audit = [VMFIX, 'audit', '--format', 'json'];
    log('  recording the requests vmfix sends (--debug)');
    const requests = await recordRequests(audit, env);
    const requestFile = join(tmp, `requests-${hosts}.json`);
    await writeFile(requestFile, JSON.stringify(requests));
    log('  decoding a sample of its answers with each candidate parser (bench/decode.js)');
    const sampleDir = join(tmp, `answers-${hosts}`);
    await saveAnswers(requests, { url: lab.url, password: PASSWORD, caFile: lab.caFile }, sampleDir, SAMPLE);
    const decoders = measureDecoders(sampleDir, 1, ['inventory pages', 'FetchDVPorts', 'log pages']);
    await rm(sampleDir, { recursive: true, force: true });

    const runs = args.runs ?? DEFAULT_RUNS[hosts] ?? 3;
    // What else ran meanwhile: the machine's busy time less the lab's, the measured programs' and ours.
    const busyBefore = machineBusyMs();
    const labBefore = labCpu();
    const selfBefore = process.cpuUsage();
    const startedAt = Date.now();
    let childrenMs = 0;
    const vmfixRuns = [];
    const floorRuns = [];
    const pyRuns = [];
    let findings;
    // vmfix and the floor once first, unmeasured: the lab's and the page cache's warm-up.
    for (let i = 0; i <= runs; i++) {
      const measured = i > 0;
      const profileFile = join(tmp, `profile-${hosts}-${i}.json`);
      let lab = labCpu();
      const v = await measure(process.execPath, audit, { env: { ...env, VMFIX_PROFILE: profileFile }, stdout: true });
      v.labCpuMs = labCpu() - lab;
      if (v.code !== 0 && v.code !== 1) throw new Error(`vmfix audit exited ${v.code}: ${v.stderr.slice(-2000)}`);
      findings = JSON.parse(v.stdout).summary;
      v.profile = JSON.parse(await readFile(profileFile, 'utf8'));
      v.stdout = v.stderr = '';
      lab = labCpu();
      const f = await measure(process.execPath, [join(ROOT, 'bench', 'floor.js'), requestFile], { env, stdout: true });
      f.labCpuMs = labCpu() - lab;
      if (f.code !== 0) throw new Error(`the floor client failed: ${f.stderr}`);
      f.inProcess = JSON.parse(f.stdout);
      let p;
      childrenMs += v.cpuMs + f.cpuMs;
      if (python.ok && measured && i <= PYVMOMI_RUNS) {
        p = await measure(PYTHON, [join(ROOT, 'bench', 'pyvmomi_audit.py')], { env, stdout: true });
        childrenMs += p.cpuMs;
        if (p.code !== 0) throw new Error(`pyvmomi_audit.py failed: ${p.stderr.slice(-2000)}`);
        p.inProcess = JSON.parse(p.stdout);
      }
      log(`  ${measured ? `run ${i}/${runs}` : 'warm-up'}: vmfix ${s(v.wallMs)} (cpu ${s(v.cpuMs)}, ${v.rssMb.toFixed(0)} MB, lab cpu ${s(v.labCpuMs)}), floor ${s(f.wallMs)} (lab cpu ${s(f.labCpuMs)})` +
        (p ? `, pyvmomi ${s(p.wallMs)} (cpu ${s(p.cpuMs)}, ${p.rssMb.toFixed(0)} MB)` : '') + `, load ${os.loadavg()[0].toFixed(2)}`);
      if (!measured) continue;
      vmfixRuns.push(v);
      floorRuns.push(f);
      if (p) pyRuns.push(p);
    }
    // vmfix --compress, after the rest: what a vCenter that gzips (8.0.3 and later) costs and saves.
    const compressed = [];
    for (let i = 1; i <= COMPRESS_RUNS; i++) {
      const profileFile = join(tmp, `profile-${hosts}-gzip-${i}.json`);
      const c = await measure(process.execPath, [...audit, '--compress'], { env: { ...env, VMFIX_PROFILE: profileFile }, stdout: true });
      if (c.code !== 0 && c.code !== 1) throw new Error(`vmfix audit --compress exited ${c.code}: ${c.stderr.slice(-2000)}`);
      if (JSON.stringify(JSON.parse(c.stdout).summary) !== JSON.stringify(findings)) throw new Error('vmfix audit --compress found otherwise than without');
      c.profile = JSON.parse(await readFile(profileFile, 'utf8'));
      c.stdout = c.stderr = '';
      childrenMs += c.cpuMs;
      log(`  --compress ${i}/${COMPRESS_RUNS}: vmfix ${s(c.wallMs)} (cpu ${s(c.cpuMs)}, ${c.rssMb.toFixed(0)} MB), ${(c.profile.soap.bytesReceived / 1e6).toFixed(1)} MB received`);
      compressed.push(c);
    }
    let naive;
    if (python.ok && hosts <= NAIVE_MAX_HOSTS) {
      naive = await measure(PYTHON, [join(ROOT, 'bench', 'pyvmomi_audit.py'), '--naive'], { env, stdout: true });
      if (naive.code !== 0) throw new Error(`pyvmomi_audit.py --naive failed: ${naive.stderr.slice(-2000)}`);
      childrenMs += naive.cpuMs;
      log(`  naive pyvmomi (once): ${s(naive.wallMs)} (cpu ${s(naive.cpuMs)})`);
    }
    const self = process.cpuUsage(selfBefore);
    const othersCpuMs = machineBusyMs() - busyBefore - (labCpu() - labBefore) - childrenMs - (self.user + self.system) / 1000;
    const measuredS = (Date.now() - startedAt) / 1000;
    const methods = {};
    for (const r of requests) methods[r.method] = (methods[r.method] ?? 0) + 1;
    return {
      hosts, vms, nics, labReadyS, expected, findings, methods,
      load: [loadBefore, os.loadavg()[0]],
      others: { cpuS: Math.max(0, othersCpuMs / 1000), overS: measuredS },
      checks: findings.critical === expected.blocked && findings.warning === expected.atRisk,
      vmfix: summarizeVmfix(vmfixRuns, floorRuns),
      floor: summarizePlain(floorRuns),
      floorPhases: Object.fromEntries(Object.keys(floorRuns[0].inProcess.phases).map((name) => [name, {
        ms: median(floorRuns.map((f) => f.inProcess.phases[name]?.ms ?? 0)),
        requests: floorRuns[0].inProcess.phases[name].requests,
        bytesReceived: median(floorRuns.map((f) => f.inProcess.phases[name]?.bytesReceived ?? 0)),
      }])),
      pyvmomi: pyRuns.length ? summarizePlain(pyRuns) : undefined,
      pyvmomiPhases: pyRuns.length ? medianPhases(pyRuns.map((p) => p.inProcess.phases)) : undefined,
      naive: naive ? { wallMs: naive.wallMs, cpuMs: naive.cpuMs, rssMb: naive.rssMb } : undefined,
      compressed: {
        ...summarizePlain(compressed),
        bytesReceived: median(compressed.map((c) => c.profile.soap.bytesReceived)),
        bytesDecoded: median(compressed.map((c) => c.profile.soap.bytesDecoded)),
        runs: compressed.length,
      },
      decoders,
      runs,
    };
  } finally {
    await lab.stop();
  }
}

function summarizePlain(runs) {
  return {
    wallMs: median(runs.map((r) => r.wallMs)),
    cpuMs: median(runs.map((r) => r.cpuMs)),
    rssMb: median(runs.map((r) => r.rssMb)),
    ...(runs[0].labCpuMs !== undefined ? { labCpuMs: median(runs.map((r) => r.labCpuMs)) } : {}),
  };
}

/** CPU time all processes have used so far (Linux /proc/stat: user, nice, system, irq, softirq, steal). */
function machineBusyMs() {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return ((user + nice + system + irq + softirq + steal) / 100) * 1000;
  } catch {
    return 0;
  }
}

/** A function returning the CPU ms the lab serving `scenarioFile` has used so far (0 if it cannot be found). */
function labCpuReader(scenarioFile) {
  const pid = readdirSync('/proc').find((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      return argv.includes(scenarioFile) && argv[0].endsWith('vmfix-lab');
    } catch {
      return false;
    }
  });
  const ticksPerSecond = 100; // USER_HZ on Linux
  return () => {
    if (!pid) return 0;
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
    } catch {
      return 0;
    }
  };
}

function summarizeVmfix(runs, floorRuns) {
  const phases = {};
  for (const name of PHASES) {
    const timings = runs.map((r) => r.profile.phases[name]).filter(Boolean);
    if (!timings.length) continue;
    phases[name] = {
      ms: median(timings.map((t) => t.end - t.start)),
      rssMb: median(timings.map((t) => t.maxRssKb / 1024)),
      requests: floorRuns[0].inProcess.phases[name]?.requests ?? 0,
      bytesReceived: floorRuns[0].inProcess.phases[name]?.bytesReceived ?? 0,
    };
  }
  return {
    ...summarizePlain(runs),
    // Process start to the session being opened: node, module loading, option parsing.
    startMs: median(runs.map((r) => r.profile.phases.login?.start ?? 0)),
    requests: median(runs.map((r) => r.profile.soap?.requests ?? 0)),
    bytesReceived: median(runs.map((r) => r.profile.soap?.bytesReceived ?? 0)),
    phases,
  };
}

function medianPhases(list) {
  return Object.fromEntries(Object.keys(list[0]).map((name) => [name, median(list.map((p) => (p[name] ?? 0) * 1000))]));
}

// ---------------------------------------------------------------- pyvmomi

function ensurePyvmomi() {
  const probe = () => {
    try {
      return execFileSync(PYTHON, ['-W', 'ignore', '-c', 'import pyVmomi, sys; from importlib.metadata import version; print(version("pyvmomi"))'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      return undefined;
    }
  };
  let version = probe();
  if (version) return { ok: true, version: `pyvmomi ${version} (${PYTHON})` };
  if (!existsSync(PYTHON)) return { ok: false, why: `not run: ${PYTHON} is missing (apt-get install -y python3-pyvmomi)` };
  const root = process.getuid?.() === 0;
  const apt = root ? ['apt-get'] : ['sudo', '-n', 'apt-get'];
  log(`pyvmomi is missing: ${apt.join(' ')} install -y python3-pyvmomi`);
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync(apt[0], [...apt.slice(1), 'install', '-y', '-q', 'python3-pyvmomi'], { stdio: ['ignore', 'ignore', 'pipe'], env });
  } catch (err) {
    return { ok: false, why: `not run: installing python3-pyvmomi failed (${String(err.stderr ?? err.message).trim().split('\n').pop()})` };
  }
  version = probe();
  return version ? { ok: true, version: `pyvmomi ${version} (${PYTHON})` } : { ok: false, why: 'not run: python3-pyvmomi installed but does not import' };
}

// ---------------------------------------------------------------- report

function machine() {
  const cpus = os.cpus();
  return {
    cpu: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}`,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    date: new Date().toISOString(),
  };
}

function report(r) {
  const out = [];
  const m = r.machine;
  out.push('# vmfix benchmark results', '');
  out.push(`Written by \`npm run bench\` (bench/run.js) on ${m.date.slice(0, 16).replace('T', ' ')} UTC in ${Math.round(r.seconds)} s: ` +
    `${m.cpu}, ${m.memoryGb} GB, ${m.os}, node ${m.node}; ${r.python.ok ? r.python.version : `pyvmomi ${r.python.why}`}.`);
  out.push(`Other processes (not the benchmark, its lab or the programs it times) used ${r.sizes.map((x) => `${x.others.cpuS.toFixed(1)} s of CPU in the ${Math.round(x.others.overS)} s of ${x.hosts} hosts`).join(', ')}; ` +
    `the load average, which counts the benchmark itself (about 2 while it runs), went ${r.sizes.map((x) => `${x.load[0].toFixed(2)}→${x.load[1].toFixed(2)}`).join(', ')}.`, '');
  out.push('Medians of the measured runs (after one unmeasured warm-up). Wall = process start to exit; CPU = user + sys ' +
    'of that process (the lab, on the same 2 cores, is not counted); RSS = peak resident set (GNU time). The floor replays ' +
    "vmfix's recorded requests with a bare HTTPS keep-alive client (same order and concurrency: each inventory page asked for as soon as the " +
    "previous page's token has arrived, the logs of 8 hosts at once beside FetchDVPorts) that discards the answers. " +
    `Each host's vmkernel log holds ${BENCH_LOG.lines.toLocaleString('en')} lines over ${BENCH_LOG.spanHours / 24} days, and the audit reads it over its default window, the last 7 days ` +
    '(read backwards from the end until the window is covered: about half the log, 5 calls a host); a realistic log and other windows are measured further down.', '');
  out.push('![time and memory against inventory size](results.svg)', '');

  out.push('## vmfix audit --format json against the whole inventory', '');
  const head = ['inventory', 'runs', 'vmfix wall', 'vmfix CPU', 'MB of SOAP per CPU-s', 'peak RSS', 'round trips', 'received', 'floor wall', 'floor CPU', '**vmfix / floor**', 'wall per 1,000 VMs', 'pyvmomi wall', 'pyvmomi CPU', 'pyvmomi RSS', 'naive pyvmomi'];
  const rows = r.sizes.map((x) => [
    `${x.hosts} hosts / ${x.vms.toLocaleString('en')} VMs`,
    String(x.runs),
    s(x.vmfix.wallMs),
    s(x.vmfix.cpuMs),
    throughput(x).toFixed(0),
    `${x.vmfix.rssMb.toFixed(0)} MB`,
    x.vmfix.requests.toLocaleString('en'),
    `${(x.vmfix.bytesReceived / 1e6).toFixed(1)} MB`,
    s(x.floor.wallMs),
    s(x.floor.cpuMs),
    `**${(x.vmfix.wallMs / x.floor.wallMs).toFixed(2)}**`,
    s((x.vmfix.wallMs / x.vms) * 1000),
    x.pyvmomi ? s(x.pyvmomi.wallMs) : '–',
    x.pyvmomi ? s(x.pyvmomi.cpuMs) : '–',
    x.pyvmomi ? `${x.pyvmomi.rssMb.toFixed(0)} MB` : '–',
    x.naive ? s(x.naive.wallMs) : x.pyvmomi ? 'not run' : '–',
  ]);
  out.push(...markdownTable(head, rows), '');
  out.push(`The audit's findings, checked against the scenario: ${r.sizes.map((x) => `${x.hosts} hosts ${x.checks ? 'OK' : `MISMATCH (${JSON.stringify(x.findings)} vs ${JSON.stringify(x.expected)})`}`).join(', ')}. ` +
    `The pyvmomi script runs at most ${PYVMOMI_RUNS} times a size; the naive one (a property call per attribute, hosts in turn) once, up to ${NAIVE_MAX_HOSTS} hosts.`, '');

  const gz = r.sizes.filter((x) => x.compressed);
  if (gz.length) {
    out.push('### With --compress: a vCenter that gzips its answers', '');
    out.push('vCenter 8.0.3 and later gzip their answers for a client that asks (pyVmomi and govmomi ask by default, and so the lab ' +
      'answers the pyvmomi script above compressed); vmfix asks only with `--compress`. The lab compresses at gzip level 1, on the same two cores.', '');
    out.push(...markdownTable(['inventory', 'runs', 'wall', 'CPU', 'peak RSS', 'received', 'SOAP decoded', 'wall / without', 'CPU / without'], gz.map((x) => [
      `${x.hosts} hosts / ${x.vms.toLocaleString('en')} VMs`, String(x.compressed.runs), s(x.compressed.wallMs), s(x.compressed.cpuMs), `${x.compressed.rssMb.toFixed(0)} MB`,
      `${(x.compressed.bytesReceived / 1e6).toFixed(1)} MB`, `${(x.compressed.bytesDecoded / 1e6).toFixed(1)} MB`,
      (x.compressed.wallMs / x.vmfix.wallMs).toFixed(2), (x.compressed.cpuMs / x.vmfix.cpuMs).toFixed(2),
    ])), '');
    out.push('On this loopback the wire costs nothing, so only the CPU shows; over a link of L MB/s the transfer alone takes received / L ' +
      `(at 500 hosts and 12 MB/s, a 100 Mb/s VPN: ${gz.filter((x) => x.hosts === 500).map((x) => `${s(x.vmfix.bytesReceived / 12e3)} without, ${s(x.compressed.bytesReceived / 12e3)} with`).join('') || 'not measured'}).`, '');
  }

  for (const x of r.sizes) {
    out.push(`### Phases at ${x.hosts} hosts / ${x.vms.toLocaleString('en')} VMs / ${x.nics.toLocaleString('en')} NICs`, '');
    const rows = PHASES.map((name) => {
      const p = x.vmfix.phases[name];
      const f = x.floorPhases[name];
      return [name, p ? ms(p.ms) : '–', f ? ms(f.ms) : '–', x.pyvmomiPhases?.[name] !== undefined ? ms(x.pyvmomiPhases[name]) : '–',
        String(p?.requests ?? 0), `${((p?.bytesReceived ?? 0) / 1e6).toFixed(1)} MB`, p ? `${p.rssMb.toFixed(0)} MB` : '–'];
    });
    rows.unshift(['start-up (to login)', ms(x.vmfix.startMs), '–', '–', '0', '–', '–']);
    rows.push(['**total**', `**${ms(x.vmfix.wallMs)}**`, ms(x.floor.wallMs), x.pyvmomi ? ms(x.pyvmomi.wallMs) : '–', x.vmfix.requests.toLocaleString('en'),
      `${(x.vmfix.bytesReceived / 1e6).toFixed(1)} MB`, `${x.vmfix.rssMb.toFixed(0)} MB`]);
    out.push(...markdownTable(['phase', 'vmfix wall', 'floor wall', 'pyvmomi wall', 'round trips', 'received', 'peak RSS by its end'], rows), '');
    out.push(`dvPorts and events (vCenter's dvPort block events) run beside logs, after inventory. CPU: vmfix ${s(x.vmfix.cpuMs)}, the floor ${s(x.floor.cpuMs)}; ` +
      `the lab, on the same 2 cores, used ${s(x.vmfix.labCpuMs ?? 0)} serving vmfix and ${s(x.floor.labCpuMs ?? 0)} serving the floor. ` +
      `Requests: ${Object.entries(x.methods).map(([k, v]) => `${k} ${v}`).join(', ')}. Lab ready in ${x.labReadyS.toFixed(1)} s.`, '');
  }

  out.push('## Decoding: the chosen parser beside the others', '');
  out.push('MB of SOAP per CPU-second, in one process per candidate and shape, for a sample of each size\'s answers as vmfix received them ' +
    `(${Object.entries(SAMPLE).map(([m, n]) => `${m} up to ${n}`).join(', ')}), fed in 16 KiB chunks, after a pass that warms the JIT; ` +
    'and how many of 14 malformed or hostile answers (bench/decode.js) each refuses. Of FetchDVPorts vmfix builds only the fields the audit reads (ReturnSpec.keep; the rest is read and checked as XML), the others every port whole. ' +
    '"vmfix, whole process" is the audit\'s bytes received over its CPU time, everything included.', '');
  for (const x of r.sizes.filter((size) => size.decoders)) {
    out.push(`### ${x.hosts} hosts: vmfix, whole process, ${throughput(x).toFixed(0)} MB per CPU-second`, '', ...decoderTable(x.decoders), '');
  }
  if (r.window) out.push(...windowReport(r.window), '');
  if (r.watch) out.push(watchReport(r.watch), '');
  out.push(...targets(r), '');

  out.push('## Start-up (median of 10)', '');
  const st = r.startup;
  out.push(...markdownTable(['command', 'wall', 'CPU'], [
    ['node -e 0 (for reference)', ms(st.node.wallMs), ms(st.node.cpuMs)],
    ['vmfix --version', ms(st.version.wallMs), ms(st.version.cpuMs)],
    ['vmfix --help', ms(st.help.wallMs), ms(st.help.cpuMs)],
  ]), '', `Target: ≤ ${TARGETS.startupMs} ms.`);
  return out.join('\n');
}

/** MB of SOAP vmfix received per second of its CPU, the whole process. */
function throughput(x) {
  return x.vmfix.bytesReceived / 1e6 / (x.vmfix.cpuMs / 1000);
}

/** Each target of issues 5 and 15 against these figures. */
function targets(r) {
  const largest = r.sizes[r.sizes.length - 1];
  const verdict = (ok) => (ok ? 'met' : '**missed**');
  const ratios = r.sizes.map((x) => x.vmfix.wallMs / x.floor.wallMs);
  const lines = ['## Targets', ''];
  if (largest.vms >= 10_000) lines.push(`- vmfix / floor ≤ ${TARGETS.ratio} at ${largest.hosts} hosts / ${largest.vms.toLocaleString('en')} VMs (issue 15): ${verdict(ratios.at(-1) <= TARGETS.ratio)} (${ratios.at(-1).toFixed(2)}).`);
  lines.push(`- vmfix / floor ≤ ${TARGETS.ratio} at every size (issue 5): ${verdict(ratios.every((v) => v <= TARGETS.ratio))} (${ratios.map((v, i) => `${r.sizes[i].hosts} hosts ${v.toFixed(2)}`).join(', ')}).`);
  if (r.sizes.length > 1) {
    const [a, b] = r.sizes.slice(-2);
    const growth = b.vmfix.wallMs / a.vmfix.wallMs;
    lines.push(`- Time linear in size: ${a.vms.toLocaleString('en')} → ${b.vms.toLocaleString('en')} VMs (×${(b.vms / a.vms).toFixed(0)}) took ×${growth.toFixed(2)} the wall time and ×${(b.vmfix.cpuMs / a.vmfix.cpuMs).toFixed(2)} the CPU: ${verdict(growth <= (b.vms / a.vms) * 1.1)}.`);
  }
  const inventory = (x) => ['RetrievePropertiesEx', 'ContinueRetrievePropertiesEx'].reduce((n, m) => n + (x.methods[m] ?? 0), 0);
  lines.push(`- Inventory round trips grow only with pages of 1,000 objects: ${r.sizes.map((x) => `${x.hosts} hosts ${inventory(x)} page${inventory(x) > 1 ? 's' : ''}`).join(', ')}; ` +
    `logs ${r.sizes.map((x) => ((x.methods.BrowseDiagnosticLog ?? 0) / x.hosts).toFixed(1)).join(' / ')} calls a host, FetchDVPorts one a DVS: met.`);
  if (largest.vms >= 10_000) lines.push(`- CPU ≤ ${TARGETS.cpuS} s at ${largest.vms.toLocaleString('en')} VMs: ${verdict(largest.vmfix.cpuMs <= TARGETS.cpuS * 1000)} (${s(largest.vmfix.cpuMs)}, ${throughput(largest).toFixed(0)} MB of SOAP per CPU-second).`);
  if (largest.vms >= 10_000) lines.push(`- Peak RSS ≤ ${TARGETS.rssMb} MB at ${largest.vms.toLocaleString('en')} VMs: ${verdict(largest.vmfix.rssMb <= TARGETS.rssMb)} (${largest.vmfix.rssMb.toFixed(0)} MB).`);
  const beats = r.sizes.filter((x) => x.pyvmomi).map((x) => x.pyvmomi.wallMs / x.vmfix.wallMs);
  if (beats.length) lines.push(`- Faster than the well-written pyvmomi script: ${verdict(beats.every((v) => v > 1))} (×${beats.map((v) => v.toFixed(1)).join(', ×')}).`);
  lines.push(`- \`vmfix --help\` and \`--version\` ≤ ${TARGETS.startupMs} ms: ${verdict(Math.max(r.startup.help.wallMs, r.startup.version.wallMs) <= TARGETS.startupMs)} (${Math.round(r.startup.help.wallMs)} ms, ${Math.round(r.startup.version.wallMs)} ms).`);
  lines.push('', 'Where the time and memory go, and what would close the misses: [analysis.md](analysis.md).');
  return lines;
}

// ---------------------------------------------------------------- helpers

function log(text) {
  process.stderr.write(`${text}\n`);
}

function parseArgs(argv) {
  const out = { sizes: [10, 100, 500], runs: undefined, python: true, window: true, watch: true, write: true, report: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--sizes') out.sizes = argv[++i].split(',').map(Number);
    else if (arg === '--runs') out.runs = Number(argv[++i]);
    else if (arg === '--no-python') out.python = false;
    else if (arg === '--no-window') out.window = false;
    else if (arg === '--no-watch') out.watch = false;
    else if (arg === '--no-write') out.write = false;
    else if (arg === '--report') out.report = true;
    else throw new Error(`unknown argument ${arg}; usage: node bench/run.js [--sizes 10,100,500] [--runs N] [--no-python] [--no-window] [--no-watch] [--no-write] | --report`);
  }
  return out;
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.stack ?? err}\n`);
  process.exit(1);
});
