// Issue 10: what --since costs on a realistic log. 100 hosts, each with a
// live vmkernel.log of 20,000 lines over 8 days (about 3.5 MB, what ESXi
// keeps before it rotates the file on a host with some activity), audited
// with --since 1d, 7d and all: vmfix reads each log backwards from its end
// only until the window is covered, so the calls, the bytes and the time
// should follow the window, not the log. Variants run in turn (1d 7d all
// 1d 7d all ...), after a warm-up round, so a change in machine load hits
// all alike. The floor (bench/floor.js) replays each variant's requests.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab } from '../scripts/lab.js';
import { markdownTable, measure, median, ms, s } from './measure.js';
import { recordRequests } from './record.js';
import { benchScenario } from './scenario.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VMFIX = join(ROOT, 'bin', 'vmfix.js');
export const WINDOW = { hosts: 100, lines: 20_000, spanHours: 8 * 24, since: ['1d', '7d', 'all'] };

/** Measures each --since variant `runs` times; resolves with the medians. */
export async function benchWindow({ tmp, password, runs = 3, log = () => undefined }) {
  const { hosts, lines, spanHours } = WINDOW;
  const { scenario, expected, vms } = benchScenario(hosts, { lines, spanHours });
  const scenarioFile = join(tmp, `window-${hosts}.json`);
  await writeFile(scenarioFile, JSON.stringify(scenario));
  log(`\n--since at ${hosts} hosts, ${lines.toLocaleString('en')} vmkernel lines a host over ${spanHours / 24} days: starting the lab`);
  const lab = await startLab({ scenario: scenarioFile, password });
  const env = { ...process.env, VMFIX_VCENTER: lab.url, VMFIX_USER: lab.username, VMFIX_PASSWORD: password, VMFIX_CA_FILE: lab.caFile };
  delete env.VMFIX_PROFILE;
  try {
    const variants = [];
    for (const since of WINDOW.since) {
      const argv = [VMFIX, 'audit', '--format', 'json', '--since', since];
      const requests = await recordRequests(argv, env);
      const requestFile = join(tmp, `window-requests-${since}.json`);
      await writeFile(requestFile, JSON.stringify(requests));
      variants.push({ since, argv, requestFile, calls: requests.filter((r) => r.method === 'BrowseDiagnosticLog').length, requests: requests.length, runs: [] });
    }
    for (let i = 0; i <= runs; i++) {
      for (const v of variants) {
        const profileFile = join(tmp, `window-profile-${v.since}-${i}.json`);
        const run = await measure(process.execPath, v.argv, { env: { ...env, VMFIX_PROFILE: profileFile }, stdout: true });
        if (run.code !== 0 && run.code !== 1) throw new Error(`vmfix audit --since ${v.since} exited ${run.code}: ${run.stderr.slice(-2000)}`);
        const report = JSON.parse(run.stdout);
        const profile = JSON.parse(await readFile(profileFile, 'utf8'));
        const floor = await measure(process.execPath, [join(ROOT, 'bench', 'floor.js'), v.requestFile], { env, stdout: true });
        if (floor.code !== 0) throw new Error(`the floor client failed: ${floor.stderr}`);
        const replay = JSON.parse(floor.stdout);
        log(`  ${i ? `run ${i}/${runs}` : 'warm-up'} --since ${v.since}: vmfix ${s(run.wallMs)} (cpu ${s(run.cpuMs)}, ${run.rssMb.toFixed(0)} MB), floor ${s(floor.wallMs)}`);
        if (!i) continue;
        v.runs.push({
          wallMs: run.wallMs, cpuMs: run.cpuMs, rssMb: run.rssMb,
          logsMs: profile.phases.logs.end - profile.phases.logs.start,
          bytesReceived: profile.soap.bytesReceived,
          logBytes: replay.phases.logs?.bytesReceived ?? 0,
          linesRead: report.evidence.lines,
          checks: report.summary.critical === expected.blocked && report.summary.warning === expected.atRisk,
          floorWallMs: floor.wallMs,
        });
      }
    }
    return {
      hosts, vms, lines, spanHours, runs,
      variants: variants.map((v) => ({
        since: v.since,
        calls: v.calls,
        requests: v.requests,
        checks: v.runs.every((r) => r.checks),
        ...Object.fromEntries(['wallMs', 'cpuMs', 'rssMb', 'logsMs', 'bytesReceived', 'logBytes', 'linesRead', 'floorWallMs'].map((k) => [k, median(v.runs.map((r) => r[k]))])),
      })),
    };
  } finally {
    await lab.stop();
  }
}

export function windowReport(r) {
  const rows = r.variants.map((v) => [
    `\`--since ${v.since}\``,
    `${v.calls.toLocaleString('en')} (${(v.calls / r.hosts).toFixed(1)} a host)`,
    `${Math.round(v.linesRead / r.hosts).toLocaleString('en')}`,
    `${(v.logBytes / 1e6).toFixed(1)} MB`,
    `${(v.bytesReceived / 1e6).toFixed(1)} MB`,
    ms(v.logsMs),
    s(v.wallMs),
    s(v.cpuMs),
    `${v.rssMb.toFixed(0)} MB`,
    s(v.floorWallMs),
    v.checks ? 'OK' : '**MISMATCH**',
  ]);
  const [day, , all] = r.variants;
  return [
    `## What \`--since\` costs: ${r.hosts} hosts, ${r.lines.toLocaleString('en')} vmkernel lines a host over ${r.spanHours / 24} days`,
    '',
    `Each host's live vmkernel.log holds ${r.lines.toLocaleString('en')} lines spread evenly over the ${r.spanHours / 24} days before the lab started (a realistic size for the live file before ESXi rotates it). ` +
      `vmfix audit --format json, medians of ${r.runs} runs of each variant, in turn; the audit's findings (all in the last half hour) are checked in every run.`,
    '',
    ...markdownTable(['window', 'BrowseDiagnosticLog calls', 'lines read a host', 'log bytes', 'received in all', 'logs phase', 'vmfix wall', 'vmfix CPU', 'peak RSS', 'floor wall', 'findings'], rows),
    '',
    day && all
      ? `The last day costs ${(100 * day.logBytes / all.logBytes).toFixed(0)} % of the log's bytes and ${(100 * day.cpuMs / all.cpuMs).toFixed(0)} % of the CPU of reading it all: the calls and bytes follow the window (one call finds the log's end, then 500 lines a call back to the window's start), not the size of the log.`
      : '',
  ];
}
