// The change ticket read as a change board reads it: the first screen says
// what, why, how risky, the impact and outage, the CIs touched and how to
// back out; the plan's checksum is there; nothing is said twice; every
// command in it runs as printed, whatever the VMs are called.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import { checksum } from '../../src/remedy/change.js';
import { plan as makePlan } from '../../src/remedy/plan.js';
import type { Plan } from '../../src/remedy/schema.js';
import { ticket } from '../../src/report/ticket.js';
import { ticketMarkdown } from '../../src/report/ticket-markdown.js';
import { host, inventory, nic, onStandard, portgroup, vm, vswitch } from '../helpers/inventory.js';

const NLB = '02:bf:0a:00:00:15';
const HOSTILE = '<img src=x onerror=alert(1)>';

function clusterHost(n: number) {
  return host(`host-${n}`, `esx0${n}`, [vswitch('vSwitch0', false)], [portgroup('NLB', 'vSwitch0', undefined, false, [], 110), portgroup('Apps', 'vSwitch0', undefined, false, [], 120)], 'Prod-CL');
}

const lab = inventory(
  [clusterHost(1), clusterHost(2), clusterHost(3)],
  [
    // An NLB pair sharing one cluster MAC, three appliances with odd names, and a bystander on Apps.
    vm('vm-1', 'web01', 'host-1', [nic(4000, '00:50:56:a1:00:01', onStandard('NLB'))], [NLB]),
    vm('vm-2', 'web02', 'host-2', [nic(4000, '00:50:56:a1:00:02', onStandard('NLB'))], [NLB]),
    vm('vm-3', '-rf', 'host-1', [nic(4000, '00:50:56:a1:00:03', onStandard('Apps'))], ['00:50:56:a1:30:03']),
    vm('vm-4', '数据库01', 'host-2', [nic(4000, '00:50:56:a1:00:04', onStandard('Apps'))], ['00:50:56:a1:30:04']),
    vm('vm-5', HOSTILE, 'host-3', [nic(4000, '00:50:56:a1:00:05', onStandard('Apps'))], ['00:50:56:a1:30:05']),
    vm('vm-6', 'app-other', 'host-3', [nic(4000, '00:50:56:a1:00:06', onStandard('Apps'))]),
  ],
);
const evidence: EvidenceSet = { vmkernel: [], dvPorts: [], notes: [], problems: [], sources: [], portClients: [], unparsed: { count: 0, samples: [] } };
const findings = audit(lab, evidence).findings.filter((f) => f.vm);

function planWith(strategy: 'dedicated-portgroup' | 'portgroup-accept'): Plan & { checksum: string } {
  const made = makePlan(lab, findings, new Map(findings.map((f) => [f.id, strategy])), { now: new Date('2026-11-23T19:41:35Z') });
  const full = {
    ...made,
    preparedBy: { user: 'svc-vmfix@vsphere.local', vmfixVersion: '0.2.0' },
    request: { changeId: 'CHG0012345', requester: 'J. Doe', window: 'Sat 02:00-04:00 CET' },
  };
  return { ...full, checksum: checksum(full) };
}

function render(strategy: 'dedicated-portgroup' | 'portgroup-accept') {
  const p = planWith(strategy);
  const t = ticket(p, { plan: { file: 'chg0012345-plan.json', checksum: p.checksum } });
  return { plan: p, ticket: t, markdown: ticketMarkdown(t, p) };
}

/** Markdown outside code blocks, code spans and tables: the prose a reviewer reads. */
function prose(markdown: string): string[] {
  return markdown
    .replace(/```[\s\S]*?```/g, '')
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith('|') && !p.startsWith('#'));
}

describe('the change ticket, as a change board reads it', () => {
  const { plan, ticket: t, markdown } = render('dedicated-portgroup');
  const firstScreen = markdown.split('\n').slice(0, 40).join('\n');

  it('has ten or more changes to describe (the size the issue measured at 385 lines)', () => {
    expect(plan.changes.length).toBeGreaterThanOrEqual(10);
    expect(markdown.split('\n').length).toBeLessThan(200);
  });

  it('names on its first screen the request, risk with its reason, impact and outage per VM, the affected CIs and the backout', () => {
    expect(firstScreen).toMatch(/^# Change request CHG0012345: 11 changes on vc\.test so that 5 at-risk NICs keep their network/);
    expect(firstScreen).toContain('**Requester:** J. Doe');
    expect(firstScreen).toContain('**Window:** Sat 02:00-04:00 CET');
    expect(firstScreen).toMatch(/\*\*Prepared:\*\* 2026-11-23T19:41:35.000Z by svc-vmfix@vsphere.local on vc.test, vmfix 0.2.0/);
    expect(firstScreen).toMatch(/\*\*Risk: medium\.\*\* 5 NICs move to a new portgroup: a brief interruption/);
    expect(firstScreen).toMatch(/\| web01, web02 \| the NIC moves to portgroup "NLB-macchg".* \| a brief interruption while the NIC moves \|/);
    expect(firstScreen).toMatch(/\*\*Affected CIs:\*\* vCenter vc.test; datacenter DC1; cluster Prod-CL; hosts esx01, esx02, esx03; switches vSwitch0; portgroups Apps, Apps-macchg \(new\), NLB, NLB-macchg \(new\); VMs /);
    expect(firstScreen).toContain('**Backout:** `vmfix rollback chg0012345-plan-journal.json`');
  });

  it('names the plan and its checksum, the one apply prints', () => {
    expect(firstScreen).toContain(`\`chg0012345-plan.json\`, sha256 \`${plan.checksum}\``);
    expect(t.plan).toEqual({ file: 'chg0012345-plan.json', checksum: plan.checksum });
    // Copied from the ticket, the command applies this plan and no other.
    expect(markdown).toContain(`\`vmfix apply chg0012345-plan.json --journal=chg0012345-plan-journal.json --checksum=${plan.checksum}\`: refuses any plan but the one above;`);
  });

  it('says nothing twice: no paragraph repeats, and one verification and one backout plan', () => {
    const paragraphs = prose(markdown);
    expect(paragraphs.filter((p, i) => paragraphs.indexOf(p) !== i)).toEqual([]);
    expect(markdown.match(/^## Verification$/gm)).toHaveLength(1);
    expect(markdown.match(/^## Backout plan$/gm)).toHaveLength(1);
    expect(markdown.match(/recommends MAC address changes = Reject/g)).toHaveLength(1);
    // Three hosts get the same new portgroup: one diff names all three.
    for (const pg of ['NLB-macchg', 'Apps-macchg']) {
      expect(markdown).toMatch(new RegExp(`c\\d+ {2}DC1 / esx01 / vSwitch0 / ${pg}\nc\\d+ {2}DC1 / esx02 / vSwitch0 / ${pg}\nc\\d+ {2}DC1 / esx03 / vSwitch0 / ${pg}\n {4}AddPortGroup`));
      expect(markdown.match(new RegExp(`\\+ name: ${pg}`, 'g'))).toHaveLength(1);
    }
  });

  it('verifies every affected VM with a command that runs as printed, even for a VM called -rf', () => {
    const command = /^1\. `(vmfix audit [^`]+)`/m.exec(markdown.split('## Verification')[1]!)![1]!;
    expect(command).toContain('--log-lines=0');
    expect(command).toContain('--vm=-rf');
    for (const name of ['web01', 'web02', '数据库01']) expect(command).toContain(`--vm=${name}`);
    // The shell hands vmfix exactly the names, the hostile one included.
    const argv = execFileSync('sh', ['-c', `printf '%s\\n' ${command.replace(/^vmfix /, '')}`], { encoding: 'utf8' }).trim().split('\n');
    expect(argv.filter((a) => a.startsWith('--vm=')).map((a) => a.slice(5)).sort()).toEqual(['-rf', HOSTILE, 'web01', 'web02', '数据库01'].sort());
  });

  it('passes no HTML from a VM name into the Markdown (in code, it is shown as text)', () => {
    const rendered = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
    expect(rendered).not.toContain('<img');
    expect(rendered).toContain('&lt;img src=x onerror=alert(1)>');
  });

  it('carries the same fields as JSON', () => {
    const json = JSON.parse(JSON.stringify(t));
    expect(json).toMatchObject({
      kind: 'vmfix-change-ticket',
      preparedBy: { user: 'svc-vmfix@vsphere.local', endpoint: 'vc.test', vmfixVersion: '0.2.0' },
      request: { changeId: 'CHG0012345', requester: 'J. Doe', window: 'Sat 02:00-04:00 CET' },
      plan: { file: 'chg0012345-plan.json', checksum: plan.checksum },
      risk: { level: 'medium' },
      affected: { vcenter: 'vc.test', clusters: ['Prod-CL'], hosts: ['esx01', 'esx02', 'esx03'] },
      backout: { vmfix: { command: 'vmfix rollback chg0012345-plan-journal.json' } },
    });
    expect(json.impact.map((i: { vms: string[] }) => i.vms).flat().sort()).toEqual(['-rf', HOSTILE, 'web01', 'web02', '数据库01'].sort());
    expect(JSON.stringify(json)).not.toMatch(/password/i);
  });
});

describe('risk', () => {
  it('is high when Accept reaches a VM that is not involved, and says which', () => {
    const { ticket: t, markdown } = render('portgroup-accept');
    expect(t.risk.level).toBe('high');
    expect(markdown).toMatch(/\*\*Risk: high\.\*\* MAC address changes = Accept also applies to 1 VM not involved \(app-other\)/);
    expect(markdown).toMatch(/\| app-other \| may now change their MAC \(portgroup Apps accepts it\) \| none \|/);
  });
});

describe('the backout of pin-mac', () => {
  it('says a NIC pinned from a MAC vCenter assigned goes back to Automatic with a new MAC, not to the old one', () => {
    const pinned = findings.filter((f) => f.vm?.name === '-rf');
    // Planned once the VM is off, as pin-mac is.
    const off = { ...lab, vms: lab.vms.map((v) => (v.name === '-rf' ? { ...v, powerState: 'poweredOff' as const } : v)) };
    const made = makePlan(off, pinned, new Map(pinned.map((f) => [f.id, 'pin-mac' as const])), { now: new Date('2026-11-23T19:41:35Z') });
    expect(made.changes.map((c) => c.from)).toEqual(['assigned 00:50:56:a1:00:03']);
    const markdown = ticketMarkdown(ticket(made, {}), made);
    expect(markdown).toContain('A NIC pinned from a MAC vCenter assigned goes back to Automatic, and vCenter gives it a new MAC.');
    expect(markdown).toContain('set the MAC address back to Automatic; vCenter gives the NIC a new MAC (00:50:56:a1:00:03 cannot be set back by hand or by vmfix rollback).');
  });
});
