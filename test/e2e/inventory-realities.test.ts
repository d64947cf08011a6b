// What real vCenters have and simulators rarely model, against the lab as
// vCenter: VMs of one name in different folders (names are unique per
// folder only), VMs vCenter shows orphaned or inaccessible (no config), and
// properties a role may not read (PropertyCollector's missingSet with
// NoPermission). None of them may pass as an all-clear, and no line may be
// blamed on a namesake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';

const ASKED = '02:bf:0a:00:00:15';
const l2sec = (client: string, port: string) => [
  `{{now-2h}} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client ${client} requested mac address change to ${ASKED} on port ${port}, disallowed by vswitch policy`,
  `{{now-2h}} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client ${client} has policy violations on port ${port}. Port is blocked`,
];
const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const host = (name: string, lines: string[], extra: object = {}) => ({
  name, cluster: 'C1', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'PG-App', vswitch: 'vSwitch0' }],
  vmkernelLog: { filler: 50, lines }, ...extra,
});
const onDpg = { network: 'DPG-App' };

const SCENARIO = {
  datacenters: [{
    name: 'DC1', clusters: ['C1'],
    hosts: [
      host('esx01.lab.local', [...l2sec('app01', '0x6000012'), ...l2sec('hidden01', '0x6000013')]),
      host('esx02.lab.local', [...l2sec('app01', '0x6000012'), ...l2sec('Ω web (prod) ü', '0x6000014'), ...l2sec('db/primary', '0x6000015'), ...l2sec('web0', '0x6000016')]),
      host('esx03.lab.local', [], { noPermission: ['config.network.portgroup'] }),
    ],
    dvSwitches: [{
      name: 'DSwitch01', hosts: ['esx01.lab.local', 'esx02.lab.local'], defaultPortConfig: reject,
      portgroups: [{ name: 'DPG-App' }],
    }],
    vms: [
      { name: 'app01', folder: 'Team-A', host: 'esx01.lab.local', nics: [onDpg] },
      { name: 'app01', folder: 'Team-B', host: 'esx01.lab.local', nics: [onDpg] },
      { name: 'app01', folder: 'Team-C', host: 'esx02.lab.local', nics: [onDpg] },
      { name: 'hidden01', host: 'esx01.lab.local', nics: [onDpg], noPermission: ['config.hardware.device'] },
      { name: 'web03', host: 'esx03.lab.local', nics: [{ network: 'PG-App', guestMac: ASKED }] },
      // Guests that use the MAC they asked for now: blocked, whoever else is named alike.
      { name: 'Ω web (prod) ü', host: 'esx02.lab.local', nics: [{ ...onDpg, guestMac: ASKED, port: { blocked: true } }] },
      { name: 'db%2fprimary', host: 'esx02.lab.local', nics: [{ ...onDpg, guestMac: ASKED, port: { blocked: true } }] },
      { name: 'web0', host: 'esx02.lab.local', nics: [{ ...onDpg, guestMac: ASKED, port: { blocked: true } }] },
      { name: 'web01', host: 'esx02.lab.local', nics: [onDpg] },
      { name: 'nlb%2fa%25b', host: 'esx02.lab.local', nics: [{ network: 'PG-App' }] },
      // Ten NICs (vSphere's most), the tenth on a standard portgroup, the rest on the dvPortgroup.
      { name: 'router01', host: 'esx02.lab.local', nics: [...Array.from({ length: 9 }, () => onDpg), { network: 'PG-App' }] },
      { name: 'legacy01', host: 'esx02.lab.local', powerState: 'poweredOff', connectionState: 'inaccessible', nics: [onDpg] },
      { name: 'orphan01', host: 'esx02.lab.local', powerState: 'poweredOff', connectionState: 'orphaned', nics: [onDpg] },
    ],
  }],
};

interface Finding { kind: string; severity: string; summary: string; vm: { name: string; moref: string } | null; host: { name: string } | null; candidates?: { name: string; moref: string }[] }
interface Report { warnings: string[]; notes: string[]; findings: Finding[]; history: { why: string }[] }

/** The warnings that say all of these. */
const saying = (report: Report, ...parts: string[]) => report.warnings.filter((w) => parts.every((p) => w.includes(p)));

describe('inventory realities', () => {
  let lab: Lab;
  const audit = async (...args: string[]) => {
    const run = await vmfix(['audit', '--format', 'json', ...args], lab.env);
    expect(run.stderr).not.toMatch(/Internal error|at .*\.js:\d+/);
    return { code: run.code, report: JSON.parse(run.stdout) as Report };
  };
  beforeAll(async () => {
    lab = await startScenario(SCENARIO);
  });
  afterAll(() => lab?.stop());

  it('three VMs named app01: the line on esx02 is about the one there; the line on esx01, where two are, names both and guesses neither', async () => {
    const { code, report } = await audit('--vm', 'app01');
    expect(code).toBe(1);
    const blocked = report.findings.filter((f) => f.kind === 'mac-change-blocked');
    const onEsx02 = blocked.filter((f) => f.vm);
    // Its guest is back on its own MAC and its dvPort forwards again: blocked in the window, a warning.
    expect(onEsx02.map((f) => [f.vm!.name, f.host!.name, f.severity])).toEqual([['app01', 'esx02.lab.local', 'warning']]);
    const twins = blocked.filter((f) => !f.vm);
    expect(twins.map((f) => [f.host!.name, f.severity, f.candidates!.length])).toEqual([['esx01.lab.local', 'warning', 2]]);
    expect(twins[0]!.candidates!.map((c) => c.moref)).not.toContain(onEsx02[0]!.vm!.moref);
    expect(twins[0]!.summary).toMatch(/cannot tell which/);
  });

  it('names with spaces, parentheses and non-ASCII letters, a "/" vCenter escapes as %2f, a name that is the prefix of another: each line on its own VM', async () => {
    const { code, report } = await audit('--host', 'esx02.lab.local');
    expect(code).toBe(1);
    const blocked = report.findings.filter((f) => f.kind === 'mac-change-blocked' && f.vm && f.vm.name !== 'app01');
    expect(blocked.map((f) => [f.vm!.name, f.severity]).sort()).toEqual([['db%2fprimary', 'critical'], ['web0', 'critical'], ['Ω web (prod) ü', 'critical']].sort());
    expect(report.notes.filter((n) => /names a VM or host this inventory does not have/.test(n))).toEqual([]);
  });

  it('a guest of a VM whose name vCenter escapes (nlb/a%b) changes its MAC while the lab runs: ESXi logs the name unescaped, and the line is tied to that VM', async () => {
    await lab.guestMac('nlb%2fa%25b', 1, ASKED);
    const { report } = await audit('--vm', 'nlb%2fa%25b');
    const blocked = report.findings.filter((f) => f.kind === 'mac-change-blocked');
    expect(blocked.map((f) => [f.vm?.name, f.severity])).toEqual([['nlb%2fa%25b', 'critical']]);
    const lines = (blocked[0] as unknown as { evidence: { type: string; line?: string }[] }).evidence.filter((e) => e.type === 'vmkernel-log');
    expect(lines.map((e) => e.line)).toEqual([expect.stringContaining('client nlb/a%b requested'), expect.stringContaining('client nlb/a%b has policy violations')]);
  });

  it('a VM with ten NICs: the tenth\'s guest changes its MAC, and the finding is on Network adapter 10, no other', async () => {
    await lab.guestMac('router01', 10, ASKED);
    const { report } = await audit('--vm', 'router01');
    const found = report.findings.filter((f) => f.kind !== 'mac-accept-unneeded') as unknown as { kind: string; severity: string; nic: { label: string; key: number } | null }[];
    expect(found.map((f) => [f.kind, f.severity, f.nic?.label, f.nic?.key])).toEqual([['mac-change-blocked', 'critical', 'Network adapter 10', 4009]]);
  });

  it('a VM whose NICs vCenter will not show (NoPermission in missingSet) is a warning naming it, not "no NICs" and history with exit 0', async () => {
    const { code, report } = await audit('--vm', 'hidden01');
    expect(saying(report, 'hidden01', 'NoPermission', 'config.hardware.device', 'NICs')).toHaveLength(1);
    // The line naming it is about it, its NIC unknown: not history.
    expect(report.findings.filter((f) => f.kind === 'mac-change-blocked').map((f) => [f.vm?.name, f.severity])).toEqual([['hidden01', 'warning']]);
    expect(report.history).toEqual([]);
    expect(code).toBe(1);
  });

  it('a host whose portgroups vCenter will not show is a warning naming it: its VMs were not judged', async () => {
    const { code, report } = await audit('--host', 'esx03.lab.local');
    expect(saying(report, 'esx03.lab.local', 'NoPermission', 'config.network.portgroup', 'portgroups')).toHaveLength(1);
    expect(code).toBe(1);
  });

  it('VMs vCenter shows inaccessible or orphaned are said, each with its state, never skipped silently', async () => {
    const { code, report } = await audit('--vm', 'legacy01', '--vm', 'orphan01');
    expect(saying(report, 'legacy01', 'inaccessible')).toHaveLength(1);
    expect(saying(report, 'orphan01', 'orphaned')).toHaveLength(1);
    expect(code).toBe(1);
  });
});
