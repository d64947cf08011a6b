// The simulator lab for a suite: a scenario object in, a running vCenter out,
// plus the real vmfix binary pointed at it and an independent read-back.
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLab } from '../../scripts/lab.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const LAB_PASSWORD = 'Tr0ub4dor&3-lab';

export interface Lab {
  readonly url: string;
  readonly thumbprint: string;
  readonly username: string;
  readonly password: string;
  readonly caFile: string;
  readonly about: { apiType: string; apiVersion: string };
  /** Environment that points vmfix at the lab, TLS verified with the lab's CA. */
  readonly env: NodeJS.ProcessEnv;
  /** GET /lab/state: the network configuration as govmomi sees it. */
  state(): Promise<LabState>;
  /** GET /lab/calls: every SOAP method called so far. */
  calls(): Promise<{ method: string; this: string }[]>;
  /** GET /lab/collectors: the created PropertyCollectors and EventHistoryCollectors alive now. */
  collectors(): Promise<{ type: string; moref: string; user: string; filters?: number }[]>;
  /** POST /lab/power: the admin powers a VM on or off. */
  power(vm: string, state: 'poweredOn' | 'poweredOff'): Promise<void>;
  /** POST /lab/guest-mac: the guest of a running VM starts sending from `mac` (ESXi then does what its policy says). */
  guestMac(vm: string, nic: number | string, mac: string): Promise<{ blocked: boolean }>;
  /** POST /lab/nic-connected: the admin unticks or ticks a card's "Connected" (ReconfigVM_Task). */
  nicConnected(vm: string, nic: number | string, connected: boolean): Promise<void>;
  /** POST /lab/restart: vCenter restarts, down for `downSeconds`. */
  restart(downSeconds?: number): Promise<void>;
  /** POST /lab/diagnostics: the admin takes Global.Diagnostics on a host from the lab's user, or gives it back. */
  diagnostics(host: string, allowed: boolean): Promise<void>;
  /** POST /lab/connection: vCenter loses a host or gets it back. */
  connection(host: string, state: 'connected' | 'disconnected' | 'notResponding'): Promise<void>;
  stop(): Promise<void>;
}

export type LabState = Record<string, unknown> & {
  hosts: { name: string; networkInfo: { vswitch: unknown[]; portgroup: { spec: { name: string } & Record<string, unknown> }[] } }[];
  dvPortgroups: { name: string; config: Record<string, unknown> }[];
  vms: { name: string; moref: string; nics: Record<string, unknown>[] }[];
};

/** The moref of the lab's VM of that name (a test that names a VM the scenario lacks fails here). */
export async function vmMoref(lab: Lab, name: string): Promise<string> {
  const vm = (await lab.state()).vms.find((v) => v.name === name);
  if (!vm) throw new Error(`the lab has no VM ${name}`);
  return vm.moref;
}

export async function startScenario(scenario: object | string): Promise<Lab> {
  let path = typeof scenario === 'string' ? scenario : undefined;
  if (!path) {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-scenario-'));
    path = join(dir, 'scenario.json');
    await writeFile(path, JSON.stringify(scenario));
  }
  const lab = await startLab({ scenario: path, password: LAB_PASSWORD });
  const base = new URL(lab.url);
  const call = async (route: string, body?: object) => {
    // The lab's endpoints are on the same TLS listener as /sdk.
    const { request } = await import('node:https');
    const { readFileSync } = await import('node:fs');
    return new Promise<unknown>((done, fail) => {
      const req = request(new URL(route, base), { ca: readFileSync(lab.caFile), method: body ? 'POST' : 'GET' }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c) => (text += c)).on('end', () => {
          if ((res.statusCode ?? 0) >= 300) fail(new Error(`${route}: ${res.statusCode} ${text}`));
          else done(text ? JSON.parse(text) : null);
        });
      });
      req.on('error', fail).end(body ? JSON.stringify(body) : undefined);
    });
  };
  const get = (route: string) => call(route);
  return {
    ...lab,
    env: { VMFIX_VCENTER: lab.url, VMFIX_USER: lab.username, VMFIX_PASSWORD: LAB_PASSWORD, VMFIX_CA_FILE: lab.caFile },
    state: () => get('/lab/state') as Promise<LabState>,
    calls: () => get('/lab/calls') as Promise<{ method: string; this: string }[]>,
    collectors: () => get('/lab/collectors') as Promise<{ type: string; moref: string; user: string; filters?: number }[]>,
    power: async (vm, state) => void (await call('/lab/power', { vm, state })),
    guestMac: (vm, nic, mac) => call('/lab/guest-mac', { vm, nic, mac }) as Promise<{ blocked: boolean }>,
    nicConnected: async (vm, nic, connected) => void (await call('/lab/nic-connected', { vm, nic, connected })),
    restart: async (downSeconds = 0) => void (await call('/lab/restart', { downSeconds })),
    diagnostics: async (host, allowed) => void (await call('/lab/diagnostics', { host, allowed })),
    connection: async (host, state) => void (await call('/lab/connection', { host, state })),
  };
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI (bin/vmfix.js) as a user would, with only the given environment. */
export function vmfix(args: readonly string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'vmfix.js'), ...args], {
      cwd: env.VMFIX_TEST_CWD ?? tmpdir(),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
