// A vmkernel line naming a VM that vCenter's inventory does not have, online:
// vCenter's VmRemovedEvent / VmRenamedEvent say whether it is history (the
// VM went, or is called otherwise now), or a VM this vCenter user cannot
// see (ContainerView leaves out what lacks System.View): then a block is
// not an all-clear, and the audit warns (exit 1).
import { describe, expect, it } from 'vitest';
import type { EvidenceSet, VmNameEvent } from '../../src/evidence/types.js';
import { parseVmkernelLine, type L2SecEvent } from '../../src/evidence/vmkernel-log.js';
import { applyScope } from '../../src/inventory/scope.js';
import { auditExitCode, judge } from '../../src/workflow/audit.js';
import { host, inventory, nic, onStandard, portgroup, vm, vswitch } from '../helpers/inventory.js';

const T = '2026-12-01T09:21:07.123Z';
const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.parse(T) + ms).toISOString();

function lines(client: string): L2SecEvent[] {
  return [
    `${T} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client ${client} requested mac address change to 02:bf:0a:00:00:15 on port 0x2000009, disallowed by vswitch policy`,
    `${T} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client ${client} has policy violations on port 0x2000009. Port is blocked`,
  ].map((line) => {
    const parsed = parseVmkernelLine(line)!;
    return { ...parsed, source: 'esx01', count: 1, firstTime: parsed.time, lastTime: parsed.time };
  });
}

const esx01 = host('host-1', 'esx01', [vswitch('vSwitch0', false)], [portgroup('NLB', 'vSwitch0', undefined, false, [{ id: 0x2000004, mac: '00:50:56:a1:00:42' }])]);
// web10 is what web09 is called now (vm-42): a one-NIC VM on the same host, whose port is another.
const web10 = vm('vm-42', 'web10', 'host-1', [nic(4000, '00:50:56:a1:00:42', onStandard('NLB'))]);
const estate = inventory([esx01], [web10]);

function verdict(vmkernel: L2SecEvent[], vmNameEvents: VmNameEvent[] | undefined, vm?: string[]) {
  const evidence: EvidenceSet = {
    vmkernel, dvPorts: [], notes: [], problems: [], sources: [], portClients: [], unparsed: { count: 0, samples: [] },
    ...(vmNameEvents ? { vmNameEvents } : {}),
  };
  const report = judge('vc.test', estate, vm ? applyScope(estate, { vm }) : estate, evidence, { window: 'the last 7 days', ...(vm ? { vm } : {}) });
  return { report, exit: auditExitCode(report) };
}

const removed = (key: number, name: string, time: string, moref = 'vm-9'): VmNameEvent => ({ key, type: 'VmRemovedEvent', time, vm: moref, name });
const renamed = (key: number, oldName: string, newName: string, time: string, moref = 'vm-42'): VmNameEvent => ({ key, type: 'VmRenamedEvent', time, vm: moref, oldName, newName });

describe('a line naming a VM this inventory does not have, online', () => {
  it('is a warning when vCenter\'s events do not show it removed or renamed: this user may not see it', () => {
    const { report, exit } = verdict(lines('ghost01'), []);
    expect(exit).toBe(1);
    expect(report.warnings).toEqual([
      `A VM named ghost01 that this vCenter user cannot see (or that was deleted or renamed before the events read) was blocked on host esx01 at ${T} (port 0x2000009): check with an account that sees every VM.`,
    ]);
    expect(report.notes.join('\n')).not.toMatch(/ghost01/);
    expect(report.findings).toEqual([]);
  });

  it('is a note when vCenter removed a VM of that name after the line', () => {
    const { report, exit } = verdict(lines('web09'), [removed(7, 'web09', at(HOUR))]);
    expect(exit).toBe(0);
    expect(report.warnings).toEqual([]);
    expect(report.notes).toEqual([
      `esx01: web09, blocked at ${T} (port 0x2000009), was removed from vCenter at ${at(HOUR)} (vm-9): the line is history.`,
    ]);
  });

  it('is a note when the VM was renamed, naming the VM it is now, and does not blame it', () => {
    const { report, exit } = verdict(lines('web09'), [renamed(8, 'web09', 'web10', at(HOUR))]);
    expect(exit).toBe(0);
    expect(report.findings).toEqual([]);
    expect(report.notes).toEqual([
      `esx01: web09, blocked at ${T} (port 0x2000009), was renamed to web10 at ${at(HOUR)}: it is web10 (vm-42) now, and the line is not tied to any of its NICs now.`,
    ]);
  });

  it('follows a renamed VM to its removal', () => {
    const { report, exit } = verdict(lines('web09'), [renamed(8, 'web09', 'old-web09', at(HOUR), 'vm-9'), removed(9, 'old-web09', at(2 * HOUR))]);
    expect(exit).toBe(0);
    expect(report.notes).toEqual([
      `esx01: web09, blocked at ${T} (port 0x2000009), was renamed to old-web09 at ${at(HOUR)} and removed from vCenter at ${at(2 * HOUR)} (vm-9): the line is history.`,
    ]);
  });

  it('warns about a VM renamed into one this user cannot see', () => {
    const { report, exit } = verdict(lines('web09'), [renamed(8, 'web09', 'web09-hidden', at(HOUR), 'vm-77')]);
    expect(exit).toBe(1);
    expect(report.warnings).toEqual([
      `A VM named web09 that this vCenter user cannot see (renamed to web09-hidden at ${at(HOUR)}, vm-77) was blocked on host esx01 at ${T} (port 0x2000009): check with an account that sees every VM.`,
    ]);
  });

  it('does not take a removal before the line for the VM that wrote it: another VM of that name did', () => {
    const { report, exit } = verdict(lines('web09'), [removed(7, 'web09', at(-HOUR))]);
    expect(exit).toBe(1);
    expect(report.warnings[0]).toMatch(/^A VM named web09 that this vCenter user cannot see/);
  });

  it('matches the API\'s escaped names (%2f) to the names ESXi writes', () => {
    const { report, exit } = verdict(lines('db/primary'), [removed(7, 'db%2fprimary', at(HOUR))]);
    expect(exit).toBe(0);
    expect(report.notes[0]).toMatch(/^esx01: db\/primary, blocked at .* was removed from vCenter at /);
  });

  it('asked about VMs by name (--vm), keeps the warning about a VM this user cannot see whose name was asked about', () => {
    const { report, exit } = verdict(lines('web07'), [], ['web*']);
    expect(exit).toBe(1);
    expect(report.warnings).toEqual([expect.stringMatching(/^A VM named web07 that this vCenter user cannot see .* was blocked on host esx01/)]);
    const other = verdict(lines('db07'), [], ['web*']);
    expect(other.exit).toBe(0);
    expect(other.report.warnings).toEqual([]);
  });

  it('keeps today\'s note when vCenter\'s events were not read', () => {
    const { report, exit } = verdict(lines('ghost01'), undefined);
    expect(exit).toBe(0);
    expect(report.warnings).toEqual([]);
    expect(report.notes.some((n) => n.includes('"ghost01" names a VM or host this inventory does not have'))).toBe(true);
  });
});

describe('lines of a given log file that no host of this vCenter wrote', () => {
  const from = (source: string, hostName?: string, client = 'web10') => lines(client).map((e) => ({ ...e, source, ...(hostName ? { hostName } : {}) }));

  it('a file naming no host it can be tied to: a warning naming the file and the VM, never a note under "No findings"', () => {
    const { report, exit } = verdict(from('/var/tmp/vmkernel.log'), []);
    expect(exit).toBe(1);
    expect(report.findings).toEqual([]);
    expect(report.warnings).toEqual([
      '/var/tmp/vmkernel.log: 2 vmkernel L2Sec line(s) about web10 name no host, and /var/tmp/vmkernel.log is not named after one of this vCenter\'s hosts: vmfix cannot tie them to any NIC. Give the host\'s vm-support bundle, or audit the file offline (no --vcenter).',
    ]);
  });

  it('lines naming a host vCenter knows by another name (its IP address): a warning naming that host', () => {
    const { report, exit } = verdict(from('/var/tmp/vmkernel.log', 'esx-b07'), []);
    expect(exit).toBe(1);
    expect(report.warnings).toEqual([expect.stringMatching(/^\/var\/tmp\/vmkernel\.log: 2 vmkernel L2Sec line\(s\) about web10 name host esx-b07, which this vCenter does not have under that name/)]);
  });

  it('asked about VMs (--vm), kept when it names no VM (a port alone may be theirs)', () => {
    const portOnly = from('/var/tmp/vmkernel.log', 'esx-b07').filter((e) => e.vmName === undefined);
    const peer = parseVmkernelLine(`${T} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance: 0x2000009: peer not allowed to change address, blocking port`)!;
    const lines = [...portOnly, { ...peer, source: '/var/tmp/vmkernel.log', hostName: 'esx-b07', count: 1, firstTime: peer.time, lastTime: peer.time }];
    const { report, exit } = verdict(lines, [], ['web*']);
    expect(exit).toBe(1);
    expect(report.warnings).toEqual([expect.stringMatching(/^\/var\/tmp\/vmkernel\.log: 1 vmkernel L2Sec line\(s\) name host esx-b07/)]);
  });

  it('asked about VMs (--vm), matches ESXi\'s "<vm>.eth0" client names as the VM\'s', () => {
    expect(verdict(from('/var/tmp/vmkernel.log', undefined, 'web07.eth0'), [], ['web??']).exit).toBe(1);
    expect(verdict(lines('web07.eth0'), [], ['web??']).report.warnings).toEqual([expect.stringMatching(/^A VM named web07\.eth0 that this vCenter user cannot see/)]);
  });

  it('lines naming another host, in a file named after one of vCenter\'s: the host they name is not that one, and they are not its evidence', () => {
    const { report, exit } = verdict(from('esx01', 'esx-b07'), []);
    expect(exit).toBe(1);
    expect(report.findings).toEqual([]);
    expect(report.warnings).toEqual([expect.stringMatching(/^esx01: 2 vmkernel L2Sec line\(s\) about web10 name host esx-b07, which this vCenter does not have under that name/)]);
    // Naming no host, or the host by its short name, the file's name or the line's ties them to esx01.
    expect(verdict(from('esx01'), []).report.warnings).toEqual([]);
    expect(verdict(from('esx01.lab.local', 'esx01'), []).report.warnings).toEqual([]);
  });

  it('asked about VMs (--vm), kept when the line names one asked about', () => {
    expect(verdict(from('/var/tmp/vmkernel.log'), [], ['web*']).exit).toBe(1);
    expect(verdict(from('/var/tmp/vmkernel.log', undefined, 'db07'), [], ['web*']).report.warnings).toEqual([]);
  });
});
