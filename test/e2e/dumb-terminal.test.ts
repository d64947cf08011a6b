// An admin in Emacs' M-x shell (TERM=dumb, a real terminal that shows every
// cursor code as text): the fix session asks in plain lines and numbers, and
// not one escape code reaches the terminal.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, type Lab } from '../helpers/lab.js';
import { Terminal } from '../helpers/terminal.js';
import { diffState, readJson, workdir } from './fix-lab.js';

const HOST = 'esx-d1.lab.corp';

describe('vmfix fix on a TERM=dumb terminal', () => {
  let lab: Lab;
  let dir: string;
  let terminal: Terminal | undefined;

  beforeAll(async () => {
    lab = await startScenario({
      mode: 'vcenter',
      datacenters: [{
        name: 'DC-D',
        clusters: ['CL-D'],
        hosts: [{
          name: HOST,
          cluster: 'CL-D',
          version: '8.0.2',
          vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: { allowPromiscuous: false, macChanges: false, forgedTransmits: false } }],
          portgroups: [{ name: 'PG-Web', vswitch: 'vSwitch0', vlanId: 21 }],
          vmkernelLog: { filler: 20, lines: [] },
        }],
        vms: [{ name: 'web-1', host: HOST, nics: [{ network: 'PG-Web' }] }],
      }],
    });
    dir = await workdir();
    await lab.guestMac('web-1', 1, '02:00:00:00:21:01');
  });
  afterAll(async () => {
    terminal?.close();
    await lab?.stop();
  });

  /** The number the plain menu on the screen gives the choice starting with `label`. */
  const numberOf = (screen: string, label: string): string => {
    const line = screen.split('\n').reverse().find((l) => l.match(/^\s+\d+\) /) && l.replace(/^\s+\d+\) /, '').startsWith(label));
    if (!line) throw new Error(`no numbered choice "${label}" in:\n${screen}`);
    return line.trim().split(')')[0]!;
  };

  it('asks in numbered lines, applies the chosen change, and writes no escape code at all', async () => {
    const raw = join(dir, 'terminal.raw');
    const before = await lab.state();
    terminal = new Terminal(dir);
    // No NO_COLOR: TERM=dumb alone must keep colours and cursor codes away.
    await terminal.start({ ...lab.env, TERM: 'dumb', NO_COLOR: undefined }, ['fix', '--journal', join(dir, 'journal.json')], { columns: 80, rows: 24 }, raw);
    let screen = await terminal.waitFor(/How do you want to fix it\?[\s\S]*Number \[\d+\]: $/m);
    terminal.keys(numberOf(screen, 'portgroup-accept'), 'Enter');
    screen = await terminal.waitFor(/Apply 1 change\(s\)\?[\s\S]*Number \[\d+\]: $/m);
    terminal.keys(numberOf(screen, 'Yes, apply 1 change(s)'), 'Enter');
    screen = await terminal.waitFor(/VMFIX-EXIT=\d+/, 60_000);
    expect(screen).toContain('VMFIX-EXIT=0');
    const journal = await readJson(join(dir, 'journal.json'));
    expect(journal.entries.map((e: { status: string }) => e.status)).toEqual(['applied']);
    expect(diffState(before, await lab.state())).toEqual([
      `hosts[${HOST}].networkInfo.portgroup[PG-Web].computedPolicy.security.macChanges: false → true`,
      `hosts[${HOST}].networkInfo.portgroup[PG-Web].spec.policy.security.macChanges: (absent) → true`,
    ]);
    const written = await readFile(raw, 'utf8');
    expect(written).toContain('How do you want to fix it?');
    // The shell's own echo of "VMFIX-EXIT" is after vmfix ended; nothing before it may hold ESC.
    expect(written.slice(0, written.indexOf('VMFIX-EXIT'))).not.toContain('\x1b');
  });

  it('asks for the password without showing it, nor any mask or cursor code', async () => {
    const raw = join(dir, 'password.raw');
    terminal?.close();
    terminal = new Terminal(dir);
    await terminal.start({ ...lab.env, TERM: 'dumb', NO_COLOR: undefined, VMFIX_PASSWORD: undefined }, ['audit'], { columns: 80, rows: 24 }, raw);
    await terminal.waitFor(/Password for .*: $/m);
    terminal.keys('-l', lab.password);
    terminal.keys('Enter');
    const screen = await terminal.waitFor(/VMFIX-EXIT=\d+/, 60_000);
    expect(screen).toContain('web-1');
    expect(screen).not.toContain(lab.password);
    const written = await readFile(raw, 'utf8');
    expect(written).not.toContain(lab.password);
    expect(written).not.toContain('*');
    expect(written.slice(0, written.indexOf('VMFIX-EXIT'))).not.toContain('\x1b');
  });
});
