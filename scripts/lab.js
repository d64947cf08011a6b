#!/usr/bin/env node
// The simulator lab (mocks/lab): build it, start it on a scenario, stop it.
//
//   import { buildLab, startLab } from '../scripts/lab.js';
//   const lab = await startLab({ scenario: 'lab' });   // or a path
//   ... lab.url, lab.thumbprint, lab.username, lab.password, lab.caFile ...
//   await lab.stop();
//
// As a script, `node scripts/lab.js [--scenario NAME|PATH]` starts the lab
// and prints how to point vmfix at it, until Ctrl-C.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(ROOT, 'mocks', 'lab');
const BINARY = join(ROOT, '.cache', 'vmfix-lab');
const GOVMOMI = '/usr/share/gocode/src/github.com/vmware/govmomi';
const READY_TIMEOUT_MS = 120_000;
const DEFAULT_PASSWORD = 'VMware1!';

let building;

/**
 * Builds .cache/vmfix-lab when a mocks/lab/*.go file is newer than it.
 * Concurrent callers (in this process or others, e.g. vitest workers) are
 * safe: each build goes to its own file, renamed into place when complete.
 */
export function buildLab() {
  building ??= build().finally(() => {
    building = undefined;
  });
  return building;
}

async function build() {
  const built = await stat(BINARY).then((s) => s.mtimeMs, () => 0);
  const sources = (await readdir(SOURCE)).filter((f) => f.endsWith('.go'));
  const newest = Math.max(...(await Promise.all(sources.map((f) => stat(join(SOURCE, f)).then((s) => s.mtimeMs)))));
  if (built >= newest) return BINARY;
  if (!existsSync(GOVMOMI)) {
    throw new Error(`cannot build the lab: govmomi's source is missing (${GOVMOMI}); install it with: apt-get install -y golang-go golang-github-vmware-govmomi-dev`);
  }
  const partial = `${BINARY}.${process.pid}.tmp`;
  await new Promise((done, fail) => {
    execFile(
      'go',
      ['build', '-o', partial, './mocks/lab'],
      {
        cwd: ROOT,
        env: { ...process.env, GO111MODULE: 'off', GOPATH: `${process.env.HOME ?? '/root'}/go:/usr/share/gocode`, GOFLAGS: '' },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, _stdout, stderr) => {
        if (!err) return done();
        if (err.code === 'ENOENT') {
          return fail(new Error('cannot build the lab: `go` is not installed; install it with: apt-get install -y golang-go golang-github-vmware-govmomi-dev'));
        }
        fail(new Error(`building the lab failed:\n${stderr}`));
      },
    );
  });
  await rename(partial, BINARY);
  return BINARY;
}

/** A scenario name (mocks/scenarios/NAME.json) or a path. */
export function scenarioPath(scenario) {
  if (/[/\\]|\.json$/.test(scenario)) return resolve(scenario);
  return join(ROOT, 'mocks', 'scenarios', `${scenario}.json`);
}

/**
 * Starts the lab and resolves once it is ready:
 * { url, thumbprint, sha1, username, password, caFile, about, stop() }.
 * caOut: where to write the lab's CA certificate (default: a temporary
 * file, removed by stop()).
 */
export async function startLab({ scenario = 'lab', password = DEFAULT_PASSWORD, caOut, username } = {}) {
  const binary = await buildLab();
  const tmp = caOut ? undefined : await mkdtemp(join(tmpdir(), 'vmfix-lab-'));
  const caFile = caOut ?? join(tmp, 'ca.pem');
  const args = ['--scenario', scenarioPath(scenario), '--ca-out', caFile];
  if (username) args.push('--username', username);
  const child = spawn(binary, args, {
    env: { ...process.env, VMFIX_LAB_PASSWORD: password },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-64 * 1024); // keep the tail for error messages
  });
  const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));

  const ready = await new Promise((done, fail) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`the lab was not ready within ${READY_TIMEOUT_MS / 1000} s; stderr:\n${stderr}`));
    }, READY_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const nl = stdout.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        done(JSON.parse(stdout.slice(0, nl)));
      } catch {
        child.kill('SIGKILL');
        fail(new Error(`the lab printed an unexpected line: ${stdout.slice(0, nl)}\nstderr:\n${stderr}`));
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`the lab exited (${signal ?? `code ${code}`}) before it was ready: ${stderr.trim()}`));
    });
  }).catch(async (err) => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    throw err;
  });

  let stopping;
  return {
    ...ready,
    password,
    caFile,
    /** Resolves with { code, signal } when the lab process ends. */
    exited,
    /** Stops the lab (SIGTERM) and waits for it to exit. */
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        if (tmp) await rm(tmp, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

async function main(argv) {
  let scenario = 'lab';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--scenario') scenario = argv[++i];
    else if (arg.startsWith('--scenario=')) scenario = arg.slice('--scenario='.length);
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node scripts/lab.js [--scenario NAME|PATH]   (NAME: mocks/scenarios/NAME.json; default lab)');
      return;
    } else throw new Error(`unknown argument: ${arg}`);
  }
  if (!scenario) throw new Error('--scenario needs a NAME or a PATH');
  // Ctrl-C reaches the lab too (one process group): it exits, and exited below removes the temporary folder.
  // Until the lab is up, the same happens inside startLab, whose failure removes it.
  let lab;
  const stop = () => void lab?.stop();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.log('building the lab...');
  const password = process.env.VMFIX_LAB_PASSWORD || DEFAULT_PASSWORD;
  lab = await startLab({ scenario, password });
  console.log(`lab ready: ${lab.url} (${lab.about.apiType} ${lab.about.apiVersion}), scenario ${scenarioPath(scenario)}`);
  console.log('to use it (the password is the lab\'s own, VMFIX_LAB_PASSWORD to change it):');
  const quote = (value) => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);
  console.log(`  export VMFIX_VCENTER=${quote(lab.url)} VMFIX_USER=${quote(lab.username)} VMFIX_CA_FILE=${quote(lab.caFile)}`);
  console.log(`  export VMFIX_PASSWORD=${quote(password)}`);
  console.log(`  # or, instead of the CA file: export VMFIX_THUMBPRINT=${lab.thumbprint}`);
  console.log('Ctrl-C stops the lab and removes its temporary files.');
  lab.exited.then(async ({ code, signal }) => {
    // Code 0 is a clean stop (Ctrl-C reaches the lab too); anything else died.
    if (code !== 0) console.error(`the lab exited (${signal ?? `code ${code}`})`);
    await lab.stop();
    process.exit(code ?? 1);
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
