// A dvPort with its own MAC management policy, on a dvPortgroup that lets
// ports override it (macManagementOverrideAllowed): a change made on the
// dvPortgroup does not reach that port, so it is not offered.
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import type { DvPortState } from '../../src/evidence/types.js';
import { dvPortgroup, dvSwitch, host, inventory, macPolicy, nic, onDvPortgroup, vm, vswitch } from '../helpers/inventory.js';

const esx01 = host('host-1', 'esx01', [vswitch('vSwitch0', false)], []);
const dvs = dvSwitch([dvPortgroup('dvportgroup-30', 'DPG-Appliance', macPolicy(false), true)]);

function portWith(learning: { inherited: boolean; enabled: boolean }): DvPortState {
  const setting = macPolicy(false);
  return {
    dvsUuid: '50 11 22 33', portKey: '30', portgroupKey: 'dvportgroup-30', blocked: false, adminBlocked: false, statusDetail: null,
    macAddress: null, vm: 'vm-1', nicKey: 4000,
    setting: { ...setting, macManagementPolicy: { ...setting.macManagementPolicy!, macLearningPolicy: { _typeName: 'DVSMacLearningPolicy', ...learning } } },
  };
}

function remedies(port: DvPortState): string[] {
  const appliance = vm('vm-1', 'lb1', 'host-1', [nic(4000, '00:50:56:a1:30:01', onDvPortgroup('dvportgroup-30', '30'))], ['02:00:00:00:30:01']);
  const evidence = { vmkernel: [], dvPorts: [port], notes: [], problems: [], sources: [], portClients: [], unparsed: { count: 0, samples: [] } };
  const finding = audit(inventory([esx01], [appliance], [dvs]), evidence).findings.find((f) => f.vm?.name === 'lb1')!;
  expect(finding.policy.source).toBe('dvport');
  return finding.remedies.map((r) => r.strategy);
}

describe('a dvPort that overrides its dvPortgroup', () => {
  it('with its own MAC learning off is not offered MAC learning on the dvPortgroup', () => {
    expect(remedies(portWith({ inherited: false, enabled: false }))).not.toContain('mac-learning');
  });

  it('that inherits MAC learning is still offered it', () => {
    expect(remedies(portWith({ inherited: true, enabled: false }))).toContain('mac-learning');
  });
});

describe('a nested hypervisor whose dvPort sets its own Forged transmits = Reject', () => {
  it('is offered only the dedicated portgroup: a dvPortgroup-level Forged transmits would not reach its port', () => {
    const accepting = dvSwitch([dvPortgroup('dvportgroup-31', 'DPG-Nested', macPolicy(true), true)]);
    const setting = macPolicy(true);
    const port: DvPortState = {
      dvsUuid: '50 11 22 33', portKey: '31', portgroupKey: 'dvportgroup-31', blocked: false, adminBlocked: false, statusDetail: null,
      macAddress: null, vm: 'vm-2', nicKey: 4000, setting: { ...setting, macManagementPolicy: { ...setting.macManagementPolicy!, forgedTransmits: false } },
    };
    const nested = vm('vm-2', 'nested1', 'host-1', [nic(4000, '00:50:56:a1:31:01', onDvPortgroup('dvportgroup-31', '31'))], ['00:0c:29:00:31:01'], { guestId: 'vmkernel8Guest' });
    const evidence = { vmkernel: [], dvPorts: [port], notes: [], problems: [], sources: [], portClients: [], unparsed: { count: 0, samples: [] } };
    const finding = audit(inventory([esx01], [nested], [accepting]), evidence).findings.find((f) => f.vm?.name === 'nested1')!;
    expect(finding.summary).toMatch(/Forged transmits is Reject/);
    expect(finding.remedies.map((r) => r.strategy)).toEqual(['dedicated-portgroup']);
  });
});
