#!/usr/bin/env node
// npm run demo: on a fresh machine, installs what is missing, starts the
// simulator lab (mocks/scenarios/lab.json: a vCenter with NLB nodes,
// a nested ESXi and decoys) and runs vmfix against it the way an admin
// would: inventory, audit, and the dry-run change ticket.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, ensureNodeModules, ensureSystemPackages } from './setup.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

ensureSystemPackages();
ensureNodeModules();
build();
const { startLab } = await import('./lab.js');
console.error('demo: starting the simulator lab (the first build of it takes a minute)…');
const lab = await startLab({ scenario: process.env.VMFIX_DEMO_SCENARIO ?? 'lab' });
// The password goes through the environment, never argv; TLS is verified against the lab's CA.
const env = { ...process.env, VMFIX_VCENTER: lab.url, VMFIX_USER: lab.username, VMFIX_PASSWORD: lab.password, VMFIX_CA_FILE: lab.caFile };
const vmfix = (...args) => {
  console.log(`\n$ vmfix ${args.join(' ')}`);
  return spawnSync(process.execPath, [join(ROOT, 'bin', 'vmfix.js'), ...args], { env, stdio: 'inherit' }).status;
};
try {
  vmfix('inventory');
  const audit = vmfix('audit');
  console.log(`(vmfix audit exited ${audit}: 1 means it found VMs that are blocked or at risk)`);
  const ticket = join(mkdtempSync(join(tmpdir(), 'vmfix-demo-')), 'change-ticket.md');
  vmfix('fix', '--dry-run', '--output', ticket);
  const text = readFileSync(ticket, 'utf8').split('\n');
  console.log(`${text.slice(0, 12).join('\n')}\n… (${text.length} lines in all: ${ticket})`);
} finally {
  await lab.stop();
}
