#!/usr/bin/env node
// Everything a fresh Debian machine needs before vmfix builds and its
// tests run: Go and govmomi's source (for the simulator lab), the npm
// dependencies, and the compiled CLI. Idempotent and quiet when all is there.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const APT_PACKAGES = ['golang-go', 'golang-github-vmware-govmomi-dev'];
const GOVMOMI = '/usr/share/gocode/src/github.com/vmware/govmomi';

function run(command, args, options = {}) {
  console.error(`setup: ${command} ${args.join(' ')}`);
  execFileSync(command, args, { stdio: 'inherit', cwd: ROOT, ...options });
}

function have(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function ensureSystemPackages() {
  if (have('go') && existsSync(GOVMOMI)) return;
  const root = process.getuid?.() === 0;
  if (!root && !have('sudo')) {
    throw new Error(`the simulator lab needs: apt-get install -y ${APT_PACKAGES.join(' ')} (run it as root)`);
  }
  const apt = root ? ['apt-get'] : ['sudo', 'apt-get'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run(apt[0], [...apt.slice(1), 'update', '-q'], { env });
  run(apt[0], [...apt.slice(1), 'install', '-y', '-q', ...APT_PACKAGES], { env });
}

export function ensureNodeModules() {
  if (existsSync(join(ROOT, 'node_modules', '.package-lock.json'))) return;
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

export function build() {
  run('npm', ['run', '--silent', 'build']);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureSystemPackages();
    ensureNodeModules();
    build();
  } catch (err) {
    console.error(`setup failed: ${err.message}`);
    process.exit(1);
  }
}
