// A guest interface vSphere ties to no vNIC (guest.net deviceConfigId -1: a
// bridge, a team, a MAC the guest changed) ties no evidence to a NIC, but
// the guest sends from that MAC: pinning it on another VM's NIC would put
// one MAC on two VMs, and pin-mac must not be offered for it.
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import { host, inventory, nic, onStandard, portgroup, vm, vswitch } from '../helpers/inventory.js';

const USED = '02:00:00:00:00:aa';
const evidence: EvidenceSet = { vmkernel: [], dvPorts: [], notes: [], problems: [], sources: [], portClients: [], unparsed: { count: 0, samples: [] } };
const esx01 = host('host-1', 'esx01', [vswitch('vSwitch0', false, ['PG-App'])], [portgroup('PG-App', 'vSwitch0', undefined, false)]);

describe('a guest MAC that another VM\'s guest sends from on an interface tied to no NIC', () => {
  it('is not offered as pin-mac; the reason names that VM', () => {
    const web01 = vm('vm-1', 'web01', 'host-1', [nic(4000, '00:50:56:a1:00:01', onStandard('PG-App'))], [USED]);
    const base = vm('vm-2', 'bridge01', 'host-1', [nic(4000, '00:50:56:a1:00:02', onStandard('PG-App'))]);
    const bridge01 = { ...base, guestNics: [...base.guestNics, { deviceConfigId: -1, macAddress: USED, network: null, connected: true }] };
    const result = audit(inventory([esx01], [web01, bridge01]), evidence);
    const finding = result.findings.find((f) => f.vm?.name === 'web01')!;
    expect(finding.kind).toBe('mac-change-at-risk');
    expect(finding.remedies.map((r) => r.strategy)).not.toContain('pin-mac');
    expect(finding.notOffered).toContainEqual({ strategy: 'pin-mac', reason: expect.stringContaining('bridge01') });
  });

  it('its own VM\'s untied interface with that MAC is its guest: pin-mac is still offered', () => {
    const base = vm('vm-1', 'web01', 'host-1', [nic(4000, '00:50:56:a1:00:01', onStandard('PG-App'))], [USED]);
    const web01 = { ...base, guestNics: [...base.guestNics, { deviceConfigId: -1, macAddress: USED, network: null, connected: true }] };
    const result = audit(inventory([esx01], [web01]), evidence);
    expect(result.findings.find((f) => f.vm?.name === 'web01')!.remedies.map((r) => r.strategy)).toContain('pin-mac');
  });
});
