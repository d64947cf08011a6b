// What apply refuses before it connects: a plan other than the one the
// change ticket names (--checksum), and an old plan under --yes. The
// vCenter named here does not answer, so a run that tries to connect ends
// with exit 3: that is how these tests see that a check let the plan through.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checksum } from '../../src/remedy/change.js';
import { vmfix } from '../helpers/lab.js';

const HOUR = 3_600_000;
const env = (dir: string) => ({ VMFIX_TEST_CWD: dir, VMFIX_VCENTER: '127.0.0.1:9', VMFIX_USER: 'u', VMFIX_PASSWORD: 'p' });

/** A plan as vmfix writes it, made `hoursAgo` hours ago (or at the time given, as a hand edit leaves it); returns its checksum. */
async function writePlan(path: string, hoursAgo: number | string): Promise<string> {
  const plan = {
    schemaVersion: 1, kind: 'vmfix-plan', createdAt: typeof hoursAgo === 'string' ? hoursAgo : new Date(Date.now() - hoursAgo * HOUR).toISOString(),
    endpoint: { host: 'vc.example.com', instanceUuid: null, apiVersion: '8.0.2.0' },
    changes: [{
      id: 'c1', action: 'UpdatePortGroup', strategy: 'portgroup-accept', findings: ['f1'],
      target: { type: 'HostPortGroup', host: { name: 'esx01', moref: 'host-1', networkSystem: { type: 'HostNetworkSystem', value: 'ns-1' } }, portgroup: 'NLB' },
      path: 'vc.example.com / DC / esx01 / vSwitch0 / NLB', field: 'policy.security.macChanges', from: 'inherit', to: 'accept',
      fingerprint: 'a'.repeat(64), vms: ['web01'], dependsOn: [], before: {}, after: {},
    }],
    skipped: [], findings: [],
  };
  const sum = checksum(plan);
  await writeFile(path, `${JSON.stringify({ ...plan, checksum: sum }, null, 2)}\n`);
  return sum;
}

describe('apply --checksum', () => {
  let dir: string;
  let sum: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmfix-admit-'));
    sum = await writePlan(join(dir, 'plan.json'), 1);
  });

  it('refuses, in one line and before connecting (exit 2), a plan whose checksum is not the one given', async () => {
    const other = 'b'.repeat(64);
    const r = await vmfix(['apply', 'plan.json', '--yes', '--checksum', other], env(dir));
    expect([r.code, r.stderr]).toEqual([2, `vmfix: plan.json has sha256 ${sum}, not the ${other} given with --checksum: it is not the plan that was approved, and nothing was changed.\n`]);
  });

  it('takes the sum as the ticket and apply print it, or sha256:…, in any case', async () => {
    for (const given of [sum, `sha256:${sum.toUpperCase()}`, `SHA256 ${sum}`, `sha256 \`${sum}\``]) {
      const r = await vmfix(['apply', 'plan.json', '--yes', '--checksum', given], env(dir));
      // Past the check: it went on to connect, to a vCenter that does not answer.
      expect([given, r.code]).toEqual([given, 3]);
    }
  });

  it('is strict about the value: one digit short, or not hex, is a usage error (exit 2)', async () => {
    for (const given of [sum.slice(1), `${sum.slice(1)}g`, `md5:${sum}`]) {
      const r = await vmfix(['apply', 'plan.json', '--yes', '--checksum', given], env(dir));
      expect([given, r.code]).toEqual([given, 2]);
      expect(r.stderr).toMatch(/--checksum takes the plan's SHA-256 as the change ticket prints it/);
    }
  });

  it('is in apply -h and completes', async () => {
    const help = await vmfix(['apply', '-h']);
    const flat = help.stdout.replace(/\s+/g, ' ');
    expect(flat).toMatch(/--checksum .*as the change ticket prints it/);
    expect(flat).toContain('2 bad, edited or foreign plan, not the --checksum given, or with --yes older than --max-plan-age,');
    const completions = await vmfix(['--get-yargs-completions', 'vmfix', 'apply', '--']);
    expect(completions.stdout.split('\n')).toEqual(expect.arrayContaining(['--checksum', '--max-plan-age']));
  });
});

describe('apply --yes of an old plan', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmfix-admit-'));
    await writePlan(join(dir, 'old.json'), 74);
    await writePlan(join(dir, 'new.json'), 2);
  });

  it('refuses a plan older than 24 hours before connecting (exit 2), saying how old and what to do', async () => {
    const r = await vmfix(['apply', 'old.json', '--yes'], env(dir));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vmfix: old\.json was made 3 days ago \(\S+Z\), more than 24 hours ago, and --yes applies no plan that old unattended; nothing was changed\. /);
    expect(r.stderr).toContain('Re-audit and make a new plan with vmfix fix --plan-out, or, if the change board approved this one as it is, add --max-plan-age 4d.');
  });

  it('applies it with the --max-plan-age it names, and a recent plan without one (both go on to connect)', async () => {
    expect((await vmfix(['apply', 'old.json', '--yes', '--max-plan-age', '4d'], env(dir))).code).toBe(3);
    expect((await vmfix(['apply', 'new.json', '--yes'], env(dir))).code).toBe(3);
    // A tighter limit makes a 2-hour-old plan old, and is said as it was typed (not "1 hour").
    const tight = await vmfix(['apply', 'new.json', '--yes', '--max-plan-age', '90m'], env(dir));
    expect(tight.code).toBe(2);
    expect(tight.stderr).toMatch(/^vmfix: new\.json was made 2 hours ago \(\S+Z\), more than 90 minutes ago, and --yes/);
  });

  it('asks a person at a terminal anyway (the preview calls it old): without --yes the age refuses nothing before connecting', async () => {
    expect((await vmfix(['apply', 'old.json'], env(dir))).code).toBe(3);
  });

  it('refuses a plan dated ahead of this clock by more than a few minutes: its age is not known, whatever --max-plan-age says', async () => {
    await writePlan(join(dir, 'ahead.json'), -26);
    await writePlan(join(dir, 'year-ahead.json'), -24 * 365);
    for (const file of ['ahead.json', 'year-ahead.json']) {
      const r = await vmfix(['apply', file, '--yes', '--max-plan-age', '999d'], env(dir));
      expect([file, r.code]).toEqual([file, 2]);
      expect(r.stderr).toMatch(new RegExp(`^vmfix: ${file.replace('.', '\\.')} was made \\S+Z, \\d+ (hours|days) ahead of this machine's clock: one of the two clocks is wrong, and how old the plan is is not known; --yes applies no plan of unknown age unattended; nothing was changed\\. `));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    // Two clocks a minute apart: as good as new.
    await writePlan(join(dir, 'skew.json'), -1 / 60);
    expect((await vmfix(['apply', 'skew.json', '--yes'], env(dir))).code).toBe(3);
  });

  it('takes the time only as vmfix writes it (ISO-8601 with its zone): a hand-edited "Dec 3" or one without a zone is of unknown age', async () => {
    for (const createdAt of ['Dec 3', new Date(Date.now() - HOUR).toISOString().replace('Z', ''), 'garbage']) {
      await writePlan(join(dir, 'edited.json'), createdAt);
      const r = await vmfix(['apply', 'edited.json', '--yes'], env(dir));
      expect([createdAt, r.code]).toEqual([createdAt, 2]);
      expect(r.stderr).toContain(`vmfix: edited.json was made at ${JSON.stringify(createdAt)}, which is not a time as vmfix writes it, and how old the plan is is not known;`);
    }
    // Another zone, as written by hand or another tool, is the same time.
    await writePlan(join(dir, 'zoned.json'), new Date(Date.now() - HOUR).toISOString().replace(/\.\d+Z$/, '+00:00'));
    expect((await vmfix(['apply', 'zoned.json', '--yes'], env(dir))).code).toBe(3);
  });

  it('refuses a --max-plan-age that is not a duration, negative or zero, in one line (exit 2)', async () => {
    for (const [given, says] of [
      ['a week', 'takes a duration such as 36h, 7d or 2w, not "a week".'],
      ['-7d', 'takes a duration such as 36h, 7d or 2w, not "-7d".'],
      ['0d', '0d: the duration must be longer than zero.'],
    ] as const) {
      for (const args of [['--max-plan-age', given], [`--max-plan-age=${given}`]]) {
        const r = await vmfix(['apply', 'old.json', '--yes', ...args], env(dir));
        expect([args, r.code]).toEqual([args, 2]);
        expect(r.stderr).toMatch(new RegExp(`^vmfix: --max-plan-age ${says.replace(/[.()]/g, '\\$&')} See vmfix apply --help\\.\n$`));
      }
    }
  });
});
