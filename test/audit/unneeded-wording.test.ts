// An Accept on a switch that no portgroup inherits: the VMs on the switch sit
// on portgroups that set their own value, so the sentence must not tell an
// admin that the switch is empty.
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import { dvPortgroup, dvSwitch, host, inventory, macPolicy, nic, onDvPortgroup, onStandard, portgroup, vm, vswitch } from '../helpers/inventory.js';

const evidence: EvidenceSet = { vmkernel: [], dvPorts: [], notes: [], problems: [], sources: [], portClients: [], unparsed: { count: 0, samples: [] } };

describe('mac-accept-unneeded on a switch whose portgroups all set Reject', () => {
  const lab = inventory(
    [host('host-1', 'esx01', [vswitch('vSwitch1', true)], [portgroup('Locked', 'vSwitch1', false, false)])],
    [
      vm('vm-1', 'db01', 'host-1', [nic(4000, '00:50:56:a1:00:01', onStandard('Locked'))]),
      vm('vm-2', 'db02', 'host-1', [nic(4000, '00:50:56:a1:00:02', onDvPortgroup('dvportgroup-1'))]),
    ],
    [dvSwitch([dvPortgroup('dvportgroup-1', 'DPG-Locked', macPolicy(false))], true)],
  );
  const summaries = audit(lab, evidence).findings.filter((f) => f.kind === 'mac-accept-unneeded').map((f) => f.summary);

  it('says no VM inherits it, not that no VM is on it', () => {
    expect(summaries).toHaveLength(2);
    for (const s of summaries) {
      expect(s).not.toContain('no VM is on it');
      expect(s).toContain('no VM is on a portgroup that inherits it');
    }
  });
});
