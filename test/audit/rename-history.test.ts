// A line names the client by the name the VM had when ESXi wrote it; vCenter's
// renames (VmRenamedEvent) say which VM that was. A VM is the line's only if it
// was called so at the line's time: renamed away and back since, it still is;
// given the name after one line and before another, it is the later line's only.
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import type { EvidenceSet, VmNameEvent } from '../../src/evidence/types.js';
import { parseVmkernelLine, type L2SecEvent } from '../../src/evidence/vmkernel-log.js';
import { dvPortgroup, dvSwitch, host, inventory, macPolicy, nic, onDvPortgroup, portgroup, vm, vswitch } from '../helpers/inventory.js';

const HOUR = 3_600_000;
const at = (hours: number) => new Date(Date.parse('2026-12-01T09:00:00.000Z') + hours * HOUR).toISOString();
const blocked = (client: string, time: string): L2SecEvent => {
  const parsed = parseVmkernelLine(`${time} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client ${client} has policy violations on port 0x6000007. Port is blocked`)!;
  return { ...parsed, source: 'esx01', count: 1, firstTime: parsed.time, lastTime: parsed.time };
};
const evidence = (vmkernel: L2SecEvent[], vmNameEvents: VmNameEvent[]): EvidenceSet =>
  ({ vmkernel, dvPorts: [], notes: [], problems: [], sources: [], portClients: [], unparsed: { count: 0, samples: [] }, vmNameEvents });
const renamed = (key: number, moref: string, oldName: string, newName: string, time: string): VmNameEvent => ({ key, type: 'VmRenamedEvent', time, vm: moref, oldName, newName });

const esx01 = host('host-1', 'esx01', [vswitch('vSwitch0', false)], [portgroup('Mgmt', 'vSwitch0', undefined, false, [])]);
// A dvPortgroup under Reject, Tools not running: only the client name ties a line to a VM.
const dvs = { ...dvSwitch([dvPortgroup('dvportgroup-10', 'DPG-App', macPolicy(false))]), hosts: ['host-1'] };
const onDpg = (moref: string, name: string, port: string, extra: Parameters<typeof vm>[5]) =>
  vm(moref, name, 'host-1', [nic(4000, `00:50:56:a1:0${port}:0${port}`, onDvPortgroup('dvportgroup-10', port))], [null], { toolsRunningStatus: 'guestToolsNotRunning', ...extra });
const found = (r: ReturnType<typeof audit>) => r.findings.map((f) => [f.kind, f.severity, f.vm?.name ?? null]);

describe('which VM a line names, by vCenter\'s renames', () => {
  it('a VM renamed away and back after the line is still the line\'s VM: blocked, not a note', () => {
    const app = onDpg('vm-1', 'app', '7', { bootTime: at(-24) });
    const r = audit(inventory([esx01], [app], [dvs]), evidence([blocked('app', at(0))], [
      renamed(7, 'vm-1', 'app', 'app-tmp', at(1)),
      renamed(8, 'vm-1', 'app-tmp', 'app', at(2)),
    ]));
    expect(found(r)).toEqual([['mac-change-blocked', 'critical', 'app']]);
    expect(r.unknownVms).toEqual([]);
  });

  it('a VM given the name between two lines is the later line\'s VM, and the earlier line stays the old VM\'s', () => {
    // web01 (vm-1) blocked at 09:00, renamed web01-old at 10:00 and off; web02 (vm-2) renamed web01 at 11:00,
    // powered on at 11:30 on the port id the old one had, blocked at 12:00.
    const old = onDpg('vm-1', 'web01-old', '8', { powerState: 'poweredOff' });
    const web01 = onDpg('vm-2', 'web01', '7', { bootTime: at(2.5) });
    const r = audit(inventory([esx01], [old, web01], [dvs]), evidence([blocked('web01', at(0)), blocked('web01', at(3))], [
      renamed(7, 'vm-1', 'web01', 'web01-old', at(1)),
      renamed(8, 'vm-2', 'web02', 'web01', at(2)),
    ]));
    expect(found(r)).toEqual([['mac-change-blocked', 'critical', 'web01']]);
    expect(r.findings[0]!.evidence.map((e) => e.type === 'vmkernel-log' && e.lastTime)).toEqual([at(3)]);
    expect(r.unknownVms.map((u) => u.notes)).toEqual([[
      `esx01: web01, blocked at ${at(0)} (port 0x6000007), was renamed to web01-old at ${at(1)}: it is web01-old (vm-1) now, and the line is not tied to any of its NICs now.`,
    ]]);
  });

  it('a VM that held the name only before the line, and took it back after, is not the line\'s VM', () => {
    const app = onDpg('vm-1', 'app', '7', { bootTime: at(-24) });
    const r = audit(inventory([esx01], [app], [dvs]), evidence([blocked('app', at(0))], [
      renamed(7, 'vm-1', 'app', 'app-tmp', at(-1)),
      renamed(8, 'vm-1', 'app-tmp', 'app', at(1)),
    ]));
    expect(found(r)).toEqual([]);
    expect(r.unknownVms.map((u) => u.warning)).toEqual([expect.stringMatching(/^A VM named app that this vCenter user cannot see/)]);
  });

  it('a rename within a minute of the line may be on either side of it (the host\'s clock is not vCenter\'s); a later one is not', () => {
    const app = onDpg('vm-1', 'app', '7', { bootTime: at(-24) });
    const given = (minutes: number) => audit(inventory([esx01], [app], [dvs]), evidence([blocked('app', at(0))], [renamed(7, 'vm-1', 'app-new', 'app', at(minutes / 60))]));
    expect(found(given(0.5))).toEqual([['mac-change-blocked', 'critical', 'app']]);
    expect(found(given(-0.5))).toEqual([['mac-change-blocked', 'critical', 'app']]);
    expect(found(given(5))).toEqual([]);
  });
});
