// What every reliability suite shares: a small inventory with three fixable
// findings (two standard portgroups and a dvPortgroup), a fresh lab and a
// fault proxy in front of it per test, and the checks a user would make:
// one clear sentence, no stack trace, a journal that tells the truth.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type TestContext } from 'vitest';
import { ROOT, startScenario, vmfix, type Lab, type LabState, type Run } from '../helpers/lab.js';
import { MODIFYING, startProxy, type Proxy } from '../helpers/proxy.js';

export { MODIFYING };

/**
 * fix --yes --strategy portgroup-accept plans, in this order:
 * c1 UpdatePortGroup PG-App, c2 UpdatePortGroup PG-Web, c3 ReconfigureDVPortgroup_Task DPG-Db.
 */
export const SCENARIO = {
  mode: 'vcenter',
  datacenters: [
    {
      name: 'DC1',
      clusters: ['C1'],
      hosts: [
        {
          name: 'esx01',
          cluster: 'C1',
          vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: { allowPromiscuous: false, macChanges: false, forgedTransmits: false } }],
          portgroups: [
            { name: 'PG-Web', vswitch: 'vSwitch0', vlanId: 10 },
            { name: 'PG-App', vswitch: 'vSwitch0', vlanId: 20, policy: { shaping: { enabled: true, averageBandwidth: 100000000, peakBandwidth: 200000000, burstSize: 104857600 } } },
            { name: 'PG-Quiet', vswitch: 'vSwitch0', vlanId: 30 },
          ],
          vmkernelLog: {
            filler: 40,
            lines: [
              '2024-05-14T09:21:07.123Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client web01 requested mac address change to 02:00:00:00:00:01 on port 0x4000004, disallowed by vswitch policy',
            ],
          },
        },
      ],
      dvSwitches: [{ name: 'DSW', version: '8.0.0', hosts: ['esx01'], portgroups: [{ name: 'DPG-Db', vlanId: 40, numPorts: 4 }] }],
      vms: [
        { name: 'web01', host: 'esx01', nics: [{ network: 'PG-Web', mac: '00:50:56:aa:00:01', guestMac: '02:00:00:00:00:01' }] },
        { name: 'app01', host: 'esx01', nics: [{ network: 'PG-App', mac: '00:50:56:aa:00:02', guestMac: '02:00:00:00:00:02' }] },
        { name: 'db01', host: 'esx01', nics: [{ network: 'DPG-Db', mac: '00:50:56:aa:00:03', guestMac: '02:00:00:00:00:03' }] },
        { name: 'quiet01', host: 'esx01', nics: [{ network: 'PG-Quiet', mac: '00:50:56:aa:00:04' }] },
      ],
    },
  ],
};

export function portgroup(state: LabState, name: string): Record<string, unknown> | undefined {
  return state.hosts.flatMap((h) => h.networkInfo.portgroup).find((p) => p.spec.name === name)?.spec;
}

export function dvPortgroup(state: LabState, name: string): unknown {
  const config = state.dvPortgroups.find((p) => p.name === name)?.config as Record<string, unknown> | undefined;
  return config && { ...config, configVersion: undefined };
}

/**
 * The network configuration, comparable across a change and its rollback:
 * a dvPortgroup's configVersion counts every reconfigure, so it is left out.
 */
export function comparable(state: LabState): unknown {
  return JSON.parse(JSON.stringify(state, (key, value: unknown) => (key === 'configVersion' ? undefined : value)));
}

export interface Bench {
  readonly lab: Lab;
  readonly proxy: Proxy;
  /** The working directory vmfix runs in (journals, plans). */
  readonly dir: string;
  /** The state before anything ran. */
  readonly original: LabState;
  /** vmfix through the proxy (or with `env` overrides, e.g. straight to the lab). */
  run(args: readonly string[], env?: NodeJS.ProcessEnv, stdin?: string): Promise<Run>;
  /** vmfix straight to the lab, no proxy. */
  direct(args: readonly string[]): Promise<Run>;
  stop(): Promise<void>;
}

export async function bench(scenario: object = SCENARIO, proxyOptions: { subjectAltName?: string } = {}): Promise<Bench> {
  const lab = await startScenario(scenario);
  const proxy = await startProxy(lab, proxyOptions);
  const dir = await mkdtemp(join(tmpdir(), 'vmfix-reliability-'));
  const original = await lab.state();
  return {
    lab,
    proxy,
    dir,
    original,
    run: (args, env = {}, stdin) => vmfix(args, { ...proxy.env, VMFIX_TEST_CWD: dir, ...env }, stdin),
    direct: (args) => vmfix(args, { ...lab.env, VMFIX_TEST_CWD: dir }),
    async stop() {
      await proxy.stop();
      await lab.stop();
    },
  };
}

/** A fresh lab and proxy for one test, stopped afterwards (tests may run concurrently). */
export async function withBench(work: (b: Bench) => Promise<void>, scenario?: object): Promise<void> {
  const b = await bench(scenario);
  try {
    await work(b);
  } finally {
    await b.stop();
  }
}

/** Like the lab helper's vmfix(), through the proxy, but the process is the test's to look at and signal. */
export function spawnVmfix(
  b: Bench,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  stdin?: string,
): { child: ChildProcess; done: Promise<Run>; stderr(): string } {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'vmfix.js'), ...args], {
    cwd: b.dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...b.proxy.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin!.end(stdin ?? '');
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done, stderr: () => stderr };
}

/**
 * vmfix in a private mount namespace (unshare: as root, or any user where
 * user namespaces are on), after `setup` and before `after` (shell, run in
 * the bench's directory): a test can mount a tiny, full or read-only file
 * system, or bind a device node, under its directory and touch nothing of
 * the machine's. `inside(path)` reaches a path as the namespace sees it.
 */
export function spawnInNamespace(
  b: Bench,
  sh: { setup: string; after?: string },
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<Run>; stderr(): string; inside(path: string): string } {
  const script = `set -e; ${sh.setup}; set +e; "$NODE" "$VMFIX" "$@"; rc=$?; ${sh.after ?? ':'}; exit $rc`;
  const child = spawn('unshare', ['--mount', '--map-root-user', 'sh', '-c', script, 'sh', ...args], {
    cwd: b.dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...b.proxy.env, ...env, NODE: process.execPath, VMFIX: join(ROOT, 'bin', 'vmfix.js') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin!.end('');
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done, stderr: () => stderr, inside: (path) => join('/proc', String(child.pid), 'root', b.dir, path) };
}

/**
 * Setup for spawnInNamespace: a private /dev (a tmpfs with the machine's
 * null, zero, full and random nodes bound in, and its own stdin/stdout/
 * stderr links). A test that names /dev/stdout or /dev/full runs there, so
 * a vmfix that replaced them (as one once did) could not touch the machine's.
 */
export const PRIVATE_DEV = [
  'mkdir -p .dev && mount -t tmpfs -o mode=755 tmpfs .dev',
  'for n in null zero full random urandom; do touch .dev/$n && mount --bind /dev/$n .dev/$n; done',
  'ln -s /proc/self/fd .dev/fd && ln -s /proc/self/fd/0 .dev/stdin && ln -s /proc/self/fd/1 .dev/stdout && ln -s /proc/self/fd/2 .dev/stderr',
  'mount --rbind .dev /dev',
].join(' && ');

/** After a run with PRIVATE_DEV: says so on stderr if a device or link there was replaced by a file. */
export const DEVICES_CHECK = '[ -L /dev/stdout ] && [ -c /dev/full ] && [ -c /dev/null ] || echo "a device in /dev was replaced" >&2';

export async function until(condition: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The contract's error shape: exactly one `vmfix: ` line, one or two plain
 * sentences, and nothing that looks like a stack trace or a class name.
 */
export function expectOneClearSentence(run: Run, pattern?: RegExp): string {
  const lines = run.stderr.split('\n').filter((l) => l.startsWith('vmfix: '));
  expect(lines, `stderr was:\n${run.stderr}`).toHaveLength(1);
  const message = lines[0]!.slice('vmfix: '.length);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toMatch(/\b(TransportError|ProtocolError|SoapFault|TypeError|ReferenceError|Internal error)\b/);
  expect(run.stderr).not.toMatch(/node:internal|\.js:\d+:\d+/);
  // Sentences end in ". " before a capital letter (not in "127.0.0.1" or "plan.json").
  const sentences = message.split(/[.!?](?:\s+(?=[A-Z])|$)/).filter((s) => s.trim());
  expect(sentences.length, message).toBeGreaterThanOrEqual(1);
  expect(sentences.length, message).toBeLessThanOrEqual(2);
  if (pattern) expect(message).toMatch(pattern);
  return message;
}

export interface JournalFile {
  command: string;
  finishedAt?: string;
  entries: { change: { id: string; action: string; field: string; target: EntryTarget }; status: 'pending' | 'applied' | 'failed'; before: unknown; after?: unknown; sent: unknown; note?: string }[];
  checksum: string;
}

export async function readJournal(path: string): Promise<JournalFile> {
  return JSON.parse(await readFile(path, 'utf8')) as JournalFile;
}

/** Every object a change may touch, by a key built from the lab's state. */
function objects(state: LabState): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const host of state.hosts) {
    for (const pg of host.networkInfo.portgroup) out.set(`pg/${host.name}/${pg.spec.name}`, pg.spec);
    for (const vs of host.networkInfo.vswitch as { name: string; spec: unknown }[]) out.set(`vs/${host.name}/${vs.name}`, vs.spec);
  }
  for (const pg of state.dvPortgroups) out.set(`dvpg/${pg.name}`, { ...pg.config, configVersion: undefined });
  for (const vm of state.vms) for (const [i, nic] of vm.nics.entries()) out.set(`nic/${vm.name}/${i}`, nic);
  return out;
}

interface EntryTarget {
  type: string;
  host?: { name: string };
  portgroup?: string | { name: string };
  vswitch?: string;
  vm?: { name: string };
  nicKey?: number;
}

function keyOf(t: EntryTarget): string {
  switch (t.type) {
    case 'HostPortGroup':
      return `pg/${t.host!.name}/${t.portgroup as string}`;
    case 'HostVirtualSwitch':
      return `vs/${t.host!.name}/${t.vswitch}`;
    case 'DistributedVirtualPortgroup':
      return `dvpg/${(t.portgroup as { name: string }).name}`;
    default:
      return `nic/${t.vm!.name}/${t.nicKey! - 4000}`;
  }
}

/**
 * The journal is true: an object the lab shows changed has an `applied`
 * entry, an object it shows unchanged has none or a `failed` one, and no
 * entry is left `pending`.
 */
export function expectJournalTrue(journal: JournalFile, before: LabState, after: LabState): void {
  const was = objects(before);
  const now = objects(after);
  const entries = new Map(journal.entries.map((e) => [keyOf(e.change.target), e]));
  for (const entry of journal.entries) expect(entry.status, `${entry.change.id} is left pending`).not.toBe('pending');
  for (const key of new Set([...was.keys(), ...now.keys()])) {
    const changed = JSON.stringify(was.get(key)) !== JSON.stringify(now.get(key));
    const entry = entries.get(key);
    expect(entry?.status === 'applied', `${key}: the journal says ${entry?.status ?? 'nothing'}, the lab shows it ${changed ? 'changed' : 'unchanged'}`).toBe(changed);
  }
}

/** How many calls that change vCenter reached the lab (from the lab's own record). */
export async function modifyingCalls(lab: Lab): Promise<string[]> {
  return (await lab.calls()).map((c) => c.method).filter((m) => MODIFYING.includes(m));
}

// ---------------------------------------------------------------------------
// Figures: each test says what it tried; the reporter (reporter.ts) counts.

export type Category =
  | 'fault injected'
  | 'bad input'
  | 'secrets check'
  | 'TLS check'
  | 'concurrency and signals'
  | 'file hazard'
  | 'terminal and pipe'
  | 'inventory shape';

export interface Figure {
  readonly category: Category;
  /** Set once the test has checked that nothing was lost, changed or leaked. */
  nothingLost: boolean;
}

declare module 'vitest' {
  interface TaskMeta {
    reliability?: Figure;
  }
}

/** Counts this test in the summary; call `done()` after the checks that nothing was lost. */
export function figure(ctx: TestContext, category: Category): { done(): void } {
  const fig: Figure = { category, nothingLost: false };
  ctx.task.meta.reliability = fig;
  return {
    done() {
      fig.nothingLost = true;
    },
  };
}
