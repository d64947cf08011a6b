// Once per test run: compile the CLI (suites run the real binary) and build
// the simulator lab, so that each suite only starts it.
import { execFileSync } from 'node:child_process';
import { buildLab } from '../scripts/lab.js';

export default async function setup(): Promise<void> {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  await buildLab();
}
