// A VM with two NICs on a distributed switch (the line's port id is not in
// vCenter's API) whose guest bonds them as Linux does by default
// (fail_over_mac=0): the second NIC takes the first one's MAC, and ESXi logs
// that client asking for it. The NIC whose guest uses the MAC asked for,
// not its own, is the one; the first merely has it configured.
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import { parseVmkernelLine } from '../../src/evidence/vmkernel-log.js';
import { dvPortgroup, dvSwitch, host, inventory, macPolicy, nic, onDvPortgroup, vm, vswitch } from '../helpers/inventory.js';

const NIC1 = '00:50:56:a1:00:01';
const NIC2 = '00:50:56:a1:00:02';
const T = '2026-12-01T09:21:07.123Z';

const lines = [
  `${T} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client db01 requested mac address change to ${NIC1} on port 0x6000011, disallowed by vswitch policy`,
  `${T} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client db01 has policy violations on port 0x6000011. Port is blocked`,
].map((line) => {
  const parsed = parseVmkernelLine(line)!;
  return { ...parsed, source: 'esx01', count: 1, firstTime: parsed.time, lastTime: parsed.time };
});
const evidence: EvidenceSet = { vmkernel: lines, dvPorts: [], notes: [], problems: [], sources: [], portClients: [], unparsed: { count: 0, samples: [] } };

const esx01 = host('host-1', 'esx01', [vswitch('vSwitch0', false)], []);
const dvs = dvSwitch([dvPortgroup('dvportgroup-10', 'DPG-DB', macPolicy(undefined))]);

describe('a bonded guest whose second NIC asks for the first one\'s MAC', () => {
  it('is blocked on the second NIC, with the lines as evidence, not history "neither a port nor a MAC"', () => {
    const db01 = vm('vm-1', 'db01', 'host-1', [nic(4000, NIC1, onDvPortgroup('dvportgroup-10', '10')), nic(4001, NIC2, onDvPortgroup('dvportgroup-10', '11'))], [NIC1, NIC1]);
    const result = audit(inventory([esx01], [db01], [dvs]), evidence);
    expect(result.history).toEqual([]);
    expect(result.findings.map((f) => `${f.kind} ${f.nic?.label}`)).toEqual(['mac-change-blocked Network adapter 2']);
    expect(result.findings[0]!.evidence.filter((e) => e.type === 'vmkernel-log')).toHaveLength(2);
  });

  it('is history once the second NIC is pinned to that MAC (configured now, no guest on another)', () => {
    const pinned = vm('vm-1', 'db01', 'host-1', [nic(4000, NIC1, onDvPortgroup('dvportgroup-10', '10')), nic(4001, NIC1, onDvPortgroup('dvportgroup-10', '11'))], [NIC1, NIC1]);
    const result = audit(inventory([esx01], [pinned], [dvs]), evidence);
    expect(result.findings.filter((f) => f.kind !== 'mac-accept-unneeded')).toEqual([]);
    expect(result.history).toHaveLength(1);
  });
});
