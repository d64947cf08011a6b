// Who a vSwitch-wide Accept really reaches: a portgroup that sets MAC address
// changes itself (Reject or Accept) does not inherit the vSwitch's value, so
// its VMs are not newly exposed and the change board must not be told so.
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import { plan as makePlan } from '../../src/remedy/plan.js';
import { ticket } from '../../src/report/ticket.js';
import { host, inventory, nic, onStandard, portgroup, vm, vswitch } from '../helpers/inventory.js';

const lab = inventory(
  [host('host-1', 'esx01', [vswitch('vSwitch0', false)], [
    portgroup('Web', 'vSwitch0', undefined, false),
    portgroup('Locked', 'vSwitch0', false, false),
    portgroup('Open', 'vSwitch0', true, true),
  ])],
  [
    vm('vm-1', 'web01', 'host-1', [nic(4000, '00:50:56:a1:00:01', onStandard('Web'))], ['02:bf:0a:00:00:15']),
    vm('vm-2', 'bystander', 'host-1', [nic(4000, '00:50:56:a1:00:02', onStandard('Web'))]),
    vm('vm-3', 'locked01', 'host-1', [nic(4000, '00:50:56:a1:00:03', onStandard('Locked'))]),
    vm('vm-4', 'open01', 'host-1', [nic(4000, '00:50:56:a1:00:04', onStandard('Open'))]),
  ],
);
const evidence: EvidenceSet = { vmkernel: [], dvPorts: [], notes: [], problems: [], sources: [], portClients: [], unparsed: { count: 0, samples: [] } };

describe('vswitch-accept in the change ticket', () => {
  const findings = audit(lab, evidence).findings.filter((f) => f.vm?.name === 'web01');
  const plan = makePlan(lab, findings, new Map(findings.map((f) => [f.id, 'vswitch-accept'])), { now: new Date('2026-11-23T19:41:35Z') });
  const t = ticket(plan);

  it('names only the VMs on portgroups that inherit from the vSwitch as newly exposed', () => {
    expect(plan.changes.map((c) => [c.field, c.vms])).toEqual([['policy.security.macChanges', ['bystander', 'web01']]]);
    expect(t.risk.reasons[0]).toMatch(/1 VM not involved \(bystander\)/);
    expect(t.impact.flatMap((r) => r.vms)).not.toContain('locked01');
    expect(t.impact.flatMap((r) => r.vms)).not.toContain('open01');
  });

  it('agrees with the audit\'s own blast radius for the same remedy', () => {
    const remedy = findings[0]!.remedies.find((r) => r.strategy === 'vswitch-accept')!;
    expect(remedy.blastRadius.vms).toEqual(['bystander']);
  });
});
