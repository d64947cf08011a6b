#!/usr/bin/env node
// npm run demo: on a fresh machine, installs what is missing, starts the
// simulator lab (mocks/scenarios/lab.json: a vCenter with NLB nodes,
// a nested ESXi and decoys) and runs vmfix against it the way an admin
// would, what they need first first: the audit's findings, the first screen
// of the change ticket `fix --dry-run` writes, then the inventory table.
// Setup and the spinners go to stderr; the demo itself to stdout.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, ensureNodeModules, ensureSystemPackages } from './setup.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The first screen of the ticket: what a change board reads first. */
const TICKET_LINES = 30;

ensureSystemPackages();
ensureNodeModules();
build();
const { startLab } = await import('./lab.js');
console.error('demo: starting the simulator lab (the first build of it takes a minute)…');
const lab = await startLab({ scenario: process.env.VMFIX_DEMO_SCENARIO ?? 'lab' });
// The password goes through the environment, never argv; TLS is verified against the lab's CA.
const env = { ...process.env, VMFIX_VCENTER: lab.url, VMFIX_USER: lab.username, VMFIX_PASSWORD: lab.password, VMFIX_CA_FILE: lab.caFile };
const quote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
const vmfix = (...args) => {
  console.log(`\n$ vmfix ${args.map(quote).join(' ')}`);
  return spawnSync(process.execPath, [join(ROOT, 'bin', 'vmfix.js'), ...args], { env, stdio: ['ignore', 'inherit', 'inherit'] }).status;
};
const dir = mkdtempSync(join(tmpdir(), 'vmfix-demo-'));
try {
  const audit = vmfix('audit');
  console.log(`(vmfix audit exited ${audit}: 1 means it found VMs that are blocked or at risk)`);
  const ticket = join(dir, 'change-ticket.md');
  vmfix('fix', '--dry-run', '--change-id', 'CHG0012345', '--window', 'Sat 02:00-04:00', '--output', ticket);
  const text = readFileSync(ticket, 'utf8').split('\n');
  console.log(`\n${text.slice(0, TICKET_LINES).join('\n')}\n… (${text.length} lines in all: the implementation plan, the exact changes, verification, backout and evidence follow)`);
  vmfix('inventory');
} finally {
  rmSync(dir, { recursive: true, force: true });
  await lab.stop();
}
