// The dry-run change ticket: what a change board asks for. Why (the KB's
// explanation and the evidence), what exactly changes where, who is
// affected, the security note, how to implement it (vmfix or by hand in the
// vSphere Client), how to verify it and how to roll it back.
import type { Finding } from '../audit/finding.js';
import { HARDENING_NOTE } from '../audit/remedies.js';
import type { Change } from '../remedy/schema.js';
import type { Plan } from '../remedy/schema.js';
import { changeLines } from './diff.js';

const KB_EXPLANATION =
  'When a guest operating system changes the MAC address of its virtual NIC (NLB clusters, nested hypervisors, ' +
  'appliances, bonding, MAC-licensed software) while the security policy "MAC address changes" of its vSwitch or ' +
  'portgroup is Reject, ESXi treats it as a layer-2 security violation and blocks the port: the VM silently loses ' +
  'connectivity, and the vmkernel log records L2Sec_EnforcePortCompliance messages (VMware KB 344495). The fix is to ' +
  'allow MAC address changes where it is needed, or to give the NIC the MAC its guest uses.';

export interface TicketChange {
  readonly id: string;
  readonly path: string;
  readonly action: Change['action'];
  readonly strategy: Change['strategy'];
  readonly field: string;
  readonly current: string;
  readonly proposed: string;
  readonly vms: readonly string[];
  readonly securityNote: string;
  readonly implementation: { readonly vmfix: string; readonly manual: readonly string[] };
  readonly verification: readonly string[];
  readonly rollback: readonly string[];
}

export interface Ticket {
  readonly schemaVersion: 1;
  readonly kind: 'vmfix-change-ticket';
  readonly endpoint: string;
  readonly createdAt: string;
  readonly summary: string;
  readonly reason: { readonly explanation: string; readonly findings: readonly { id: string; summary: string; evidence: readonly string[] }[] };
  readonly changes: readonly TicketChange[];
  readonly skipped: Plan['skipped'];
}

export interface TicketOptions {
  /** Where the plan was written, if it was: the implementation step applies exactly it. */
  readonly planPath?: string;
}

export function ticket(plan: Plan, options: TicketOptions = {}): Ticket {
  const vms = new Set(plan.changes.flatMap((c) => c.vms));
  return {
    schemaVersion: 1,
    kind: 'vmfix-change-ticket',
    endpoint: plan.endpoint.host,
    createdAt: plan.createdAt,
    summary: plan.changes.length
      ? `${plan.changes.length} change(s) on ${plan.endpoint.host} so that ${plan.findings.length} blocked or at-risk NIC(s) keep their connectivity; ${vms.size} VM(s) affected.`
      : `No change proposed on ${plan.endpoint.host}.`,
    reason: {
      explanation: KB_EXPLANATION,
      findings: plan.findings.map((f: Finding) => ({
        id: f.id,
        summary: f.summary,
        evidence: f.evidence.map((e) => (e.type === 'vmkernel-log' ? e.line : e.detail)),
      })),
    },
    changes: plan.changes.map((c) => ticketChange(c, plan, options)),
    skipped: plan.skipped,
  };
}

function ticketChange(c: Change, plan: Plan, options: TicketOptions): TicketChange {
  // A plan applies exactly what was approved; re-running fix would plan afresh.
  const vmfix = options.planPath
    ? `vmfix apply ${options.planPath}  (applies exactly this plan; refuses if anything drifted)`
    : `vmfix fix --dry-run --plan-out plan.json (with the options that made this ticket), then vmfix apply plan.json against ${plan.endpoint.host}`;
  return {
    id: c.id,
    path: c.path,
    action: c.action,
    strategy: c.strategy,
    field: c.field,
    current: c.from,
    proposed: c.to,
    vms: c.vms,
    securityNote: securityNote(c),
    implementation: { vmfix, manual: manualSteps(c) },
    verification: verification(c),
    rollback: [
      'vmfix rollback <the journal vmfix apply or fix wrote>  (restores the recorded value; refuses if the object changed since)',
      ...manualRollback(c),
    ],
  };
}

function quote(text: string): string {
  return /^[\w.-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

function securityNote(c: Change): string {
  switch (c.strategy) {
    case 'pin-mac':
      return 'MAC address changes stays Reject; only this NIC gets a fixed MAC. The VM must be powered off to change it.';
    case 'dedicated-portgroup':
      return `Accept only on a new portgroup holding just the affected NICs, as the hardening guide advises. ${HARDENING_NOTE}`;
    case 'mac-learning':
      return 'MAC learning lets the port learn the MACs behind the vNIC (nested hypervisors) instead of opening promiscuous mode.';
    default:
      return `${HARDENING_NOTE}${c.vms.length > 1 ? ` VMs on it: ${c.vms.join(', ')}.` : ''}`;
  }
}

function manualSteps(c: Change): string[] {
  const t = c.target;
  switch (c.action) {
    case 'UpdatePortGroup':
      if (t.type !== 'HostPortGroup') break;
      return [`vSphere Client: Hosts and Clusters > ${t.host.name} > Configure > Networking > Virtual switches.`, `Portgroup "${t.portgroup}" > Edit Settings > Security: tick Override for MAC address changes, select Accept, OK.`];
    case 'UpdateVirtualSwitch':
      if (t.type !== 'HostVirtualSwitch') break;
      return [`vSphere Client: Hosts and Clusters > ${t.host.name} > Configure > Networking > Virtual switches.`, `vSwitch "${t.vswitch}" > Edit > Security: MAC address changes = Accept, OK.`];
    case 'ReconfigureDVPortgroup':
      if (t.type !== 'DistributedVirtualPortgroup') break;
      return c.strategy === 'mac-learning'
        ? [`vSphere Client 8: Networking > ${t.dvs.name} > ${t.portgroup.name} > Edit Settings > Security: MAC learning = Enabled, OK. (Older clients: only through the API or PowerCLI.)`]
        : [`vSphere Client: Networking > ${t.dvs.name} > ${t.portgroup.name} > Edit Settings > Security: MAC address changes = Accept, OK.`];
    case 'AddPortGroup':
      if (t.type !== 'HostPortGroup') break;
      return [`vSphere Client: ${t.host.name} > Configure > Networking > Virtual switches > Add Networking > Virtual Machine Port Group.`, `Name "${t.portgroup}", same vSwitch, VLAN, teaming and security as the original; Security: MAC address changes = Accept (Override).`];
    case 'CreateDVPortgroup':
      if (t.type !== 'DistributedVirtualPortgroup') break;
      return [`vSphere Client: Networking > ${t.dvs.name} > Distributed Port Group > New Distributed Port Group "${t.portgroup.name}".`, 'Same VLAN, teaming and policies as the original; Security: MAC address changes = Accept.'];
    case 'EditNic':
      if (t.type !== 'VirtualEthernetCard') break;
      return c.field === 'address'
        ? [`Power off ${t.vm.name}.`, `Edit Settings > ${t.label} > MAC Address: Manual, ${(c.after as { macAddress?: string }).macAddress}, OK.`, `Power ${t.vm.name} on.`]
        : [`vSphere Client: ${t.vm.name} > Edit Settings > ${t.label} > Network: ${c.to}, OK.`];
    default:
      break;
  }
  return [];
}

function verification(c: Change): string[] {
  const vm = c.vms[0];
  const steps = [`vmfix audit${vm ? ` --vm ${quote(vm)}` : ''}: the finding(s) ${c.findings.join(', ')} are gone.`];
  if (c.action === 'UpdatePortGroup' && c.target.type === 'HostPortGroup') {
    steps.push(`On ${c.target.host.name}: esxcli network vswitch standard portgroup policy security get -p '${c.target.portgroup}' shows Allow MAC Address Change: true.`);
  }
  steps.push('From the guest, check connectivity (ping its gateway); the vmkernel log shows no new L2Sec_EnforcePortCompliance lines for it.');
  return steps;
}

function manualRollback(c: Change): string[] {
  switch (c.action) {
    case 'AddPortGroup':
    case 'CreateDVPortgroup':
      return ['By hand: move the NICs back to the original portgroup, then remove the new portgroup.'];
    case 'EditNic':
      return [`By hand: set ${c.field === 'address' ? 'the MAC address' : 'the network'} of the NIC back to ${c.from}.`];
    default:
      return [`By hand: set ${c.field} back to ${c.from} at ${c.path}.`];
  }
}

export function ticketMarkdown(t: Ticket, plan: Plan): string {
  const out = [`# Change request: ${t.summary}`, '', `Prepared by vmfix on ${t.createdAt} against ${t.endpoint}. Dry run: nothing was changed.`, ''];
  out.push('## Reason', '', t.reason.explanation, '');
  for (const f of t.reason.findings) {
    out.push(`- ${f.summary} (\`${f.id}\`)`);
    for (const e of f.evidence) out.push(`  - \`${e}\``);
  }
  out.push('');
  out.push('## Changes', '');
  t.changes.forEach((c, i) => {
    const change = plan.changes[i]!;
    out.push(`### ${c.id}: ${c.path}`, '');
    out.push(`- **Change:** ${c.field}: ${c.current} → ${c.proposed} (${c.action}, strategy \`${c.strategy}\`)`);
    out.push(`- **VMs affected:** ${c.vms.length ? c.vms.join(', ') : 'none'}`);
    out.push(`- **Security note:** ${c.securityNote}`, '');
    out.push('Exactly what is sent (read-modify-write of the current spec):', '', '```', ...changeLines(change), '```', '');
    out.push('**Implementation**', '', `1. \`${c.implementation.vmfix}\``, ...c.implementation.manual.map((s) => `   - or by hand: ${s}`), '');
    out.push('**Verification**', '', ...c.verification.map((s, n) => `${n + 1}. ${s}`), '');
    out.push('**Rollback**', '', ...c.rollback.map((s, n) => `${n + 1}. ${s}`), '');
  });
  if (t.skipped.length) {
    out.push('## Not covered by this change', '', ...t.skipped.map((s) => `- ${s.vm ?? s.finding}: ${s.reason}`), '');
  }
  return out.join('\n');
}
