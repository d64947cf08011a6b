// The dry-run change ticket, in the shape change boards use (an ITIL
// normal change): a summary a reviewer reads first (what, why, risk and its
// reason, impact and outage per VM, the configuration items touched, how to
// back out), then the implementation plan, the exact diffs, one
// verification plan, one backout plan and the evidence. Each thing is said
// once; ticket-markdown.ts lays it out, JSON carries the same fields.
import type { Finding } from '../audit/finding.js';
import { HARDENING_NOTE } from '../audit/remedies.js';
import { vcenterMac } from '../remedy/change.js';
import type { Change, Plan } from '../remedy/schema.js';
import { objectName } from './diff.js';
import { shellArg, shellOption } from './escape.js';
import { plural } from './format.js';

export const KB_EXPLANATION =
  'When a guest operating system changes the MAC address of its virtual NIC (NLB clusters, nested hypervisors, ' +
  'appliances, bonding, MAC-licensed software) while the security policy "MAC address changes" of its vSwitch or ' +
  'portgroup is Reject, ESXi treats it as a layer-2 security violation and blocks the port: the VM silently loses ' +
  'connectivity, and the vmkernel log records L2Sec_EnforcePortCompliance messages (VMware KB 344495). The fix is to ' +
  'allow MAC address changes where it is needed, or to give the NIC the MAC its guest uses.';

export type RiskLevel = 'low' | 'medium' | 'high';

export interface TicketChange {
  readonly id: string;
  /** Where, without the vCenter (named once, in `affected`). */
  readonly object: string;
  readonly path: string;
  readonly action: Change['action'];
  readonly strategy: Change['strategy'];
  readonly field: string;
  readonly current: string;
  readonly proposed: string;
  readonly vms: readonly string[];
  readonly dependsOn: readonly string[];
}

export interface Ticket {
  readonly schemaVersion: 1;
  readonly kind: 'vmfix-change-ticket';
  readonly title: string;
  readonly endpoint: string;
  readonly createdAt: string;
  /** The vCenter user whose session prepared it (never a password), and the vmfix that did. */
  readonly preparedBy: { readonly user: string | null; readonly endpoint: string; readonly vmfixVersion: string | null };
  readonly request: { readonly changeId: string | null; readonly requester: string | null; readonly window: string | null };
  /** With --plan-out: the file `vmfix apply` takes, and its checksum, which apply prints. */
  readonly plan: { readonly file: string; readonly checksum: string } | null;
  /** What changes, in a sentence. */
  readonly summary: string;
  readonly reason: {
    readonly explanation: string;
    /** Why, in a sentence: who is blocked now, who is at risk. */
    readonly summary: string;
    readonly findings: readonly { id: string; kind: Finding['kind']; summary: string; evidence: readonly { type: string; text: string }[] }[];
  };
  readonly risk: { readonly level: RiskLevel; readonly reasons: readonly string[] };
  readonly impact: readonly { readonly vms: readonly string[]; readonly change: string; readonly outage: string }[];
  readonly affected: {
    readonly vcenter: string;
    readonly datacenters: readonly string[];
    readonly clusters: readonly string[];
    readonly hosts: readonly string[];
    readonly switches: readonly string[];
    readonly portgroups: readonly string[];
    readonly vms: readonly string[];
  };
  readonly implementation: { readonly vmfix: readonly Step[]; readonly manual: readonly ManualStep[] };
  readonly changes: readonly TicketChange[];
  readonly securityNotes: readonly string[];
  readonly verification: readonly Step[];
  readonly backout: { readonly vmfix: Step; readonly manual: readonly ManualStep[] };
  readonly skipped: Plan['skipped'];
}

/** A command to run as printed (null: a step for a person), and what to know about it. */
export interface Step {
  readonly command: string | null;
  readonly text: string;
}

/** Steps by hand for one or more changes that read the same but for the host. */
export interface ManualStep {
  readonly changes: readonly string[];
  readonly steps: readonly string[];
}

/** The fix options that made the plan, so the ticket can say how to make it again. */
export interface Replan {
  readonly strategy?: string;
  readonly portgroupName?: string;
  readonly datacenter?: readonly string[];
  readonly cluster?: readonly string[];
  readonly host?: readonly string[];
  readonly vm?: readonly string[];
}

export interface TicketOptions {
  /** Where the plan was written, if it was, and its checksum. */
  readonly plan?: { readonly file: string; readonly checksum: string };
  readonly replan?: Replan;
}

const sorted = (values: Iterable<string | null | undefined>) => [...new Set([...values].filter((v): v is string => Boolean(v)))].sort();

export function ticket(plan: Plan, options: TicketOptions = {}): Ticket {
  const host = plan.endpoint.host;
  const blocked = plan.findings.filter((f) => f.kind === 'mac-change-blocked');
  const atRisk = plan.findings.filter((f) => f.kind === 'mac-change-at-risk');
  const journal = journalFor(options.plan?.file);
  const summary = plan.changes.length ? `${plural(plan.changes.length, 'change')} on ${host}: ${whatChanges(plan.changes)}.` : `No change proposed on ${host}.`;
  return {
    schemaVersion: 1,
    kind: 'vmfix-change-ticket',
    title: title(plan, blocked.length, atRisk.length),
    endpoint: host,
    createdAt: plan.createdAt,
    preparedBy: { user: plan.preparedBy?.user ?? null, endpoint: host, vmfixVersion: plan.preparedBy?.vmfixVersion ?? null },
    request: { changeId: plan.request?.changeId ?? null, requester: plan.request?.requester ?? null, window: plan.request?.window ?? null },
    plan: options.plan ?? null,
    summary,
    reason: {
      explanation: KB_EXPLANATION,
      summary: why(blocked, atRisk),
      findings: plan.findings.map((f) => ({
        id: f.id,
        kind: f.kind,
        summary: f.summary,
        evidence: f.evidence.map((e) => ({ type: e.type, text: e.type === 'vmkernel-log' ? e.line : e.detail })),
      })),
    },
    risk: risk(plan),
    impact: impact(plan),
    affected: affected(plan),
    implementation: {
      vmfix: [
        ...(options.plan ? [] : [{ command: replanCommand(options.replan), text: 'writes the plan this ticket describes; check that it plans the same changes.' }]),
        {
          // With the sum in the command, the very plan this ticket names is the only one it applies.
          command: `vmfix apply ${shellArg(options.plan?.file ?? 'plan.json')} ${shellOption('journal', journal)}${options.plan ? ` ${shellOption('checksum', options.plan.checksum)}` : ''}`,
          text: `${options.plan ? 'refuses any plan but the one above; ' : ''}prints the plan's checksum and when it was made, shows the changes and asks; refuses, changing nothing, if any object changed since it was planned.`,
        },
      ],
      manual: grouped(plan.changes, manualSteps),
    },
    changes: plan.changes.map((c) => ({
      id: c.id, object: c.path.split(' / ').slice(1).join(' / '), path: c.path, action: c.action, strategy: c.strategy,
      field: c.field, current: c.from, proposed: c.to, vms: c.vms, dependsOn: c.dependsOn,
    })),
    securityNotes: sorted(plan.changes.map(securityNote)),
    verification: verification(plan),
    backout: {
      vmfix: { command: `vmfix rollback ${shellArg(journal)}`, text: `puts back every value the journal recorded, newest first; refuses, changing nothing, if an object changed since.${leavesAutomatic(plan) ? ' A NIC pinned from a MAC vCenter assigned goes back to Automatic, and vCenter gives it a new MAC.' : ''}` },
      manual: grouped([...plan.changes].reverse(), manualBackout),
    },
    skipped: plan.skipped,
  };
}

/** The journal the implementation step names, so the backout command is exact. */
function journalFor(planFile: string | undefined): string {
  return `${(planFile ?? 'plan.json').replace(/\.json$/i, '')}-journal.json`;
}

function title(plan: Plan, blocked: number, atRisk: number): string {
  if (!plan.changes.length) return `No change proposed on ${plan.endpoint.host}`;
  const goals = [
    blocked ? `${plural(blocked, 'blocked NIC')} ${blocked === 1 ? 'regains its' : 'regain their'} network` : '',
    atRisk ? `${plural(atRisk, 'at-risk NIC')} ${atRisk === 1 ? 'keeps its' : 'keep their'} network` : '',
  ].filter(Boolean);
  return `${plural(plan.changes.length, 'change')} on ${plan.endpoint.host} so that ${goals.join(' and ')}`;
}

function why(blocked: readonly Finding[], atRisk: readonly Finding[]): string {
  const nics = (fs: readonly Finding[]) => sorted(fs.map((f) => f.vm?.name ?? f.id)).join(', ');
  const parts = [];
  if (blocked.length) parts.push(`${plural(blocked.length, 'NIC')} ${blocked.length === 1 ? 'is' : 'are'} blocked now (${nics(blocked)}): the guest changed its MAC while MAC address changes is Reject, and ESXi blocked the port.`);
  if (atRisk.length) parts.push(`${plural(atRisk.length, 'NIC')} ${atRisk.length === 1 ? 'uses' : 'use'} a MAC other than the configured one under Reject and ${atRisk.length === 1 ? 'is' : 'are'} at risk of the same (${nics(atRisk)}).`);
  return parts.join(' ') || 'No finding is addressed.';
}

const STRATEGY_WORDS: Record<Change['strategy'], string> = {
  'pin-mac': 'the guest\'s MAC pinned on',
  'portgroup-accept': 'MAC address changes = Accept on',
  'dedicated-portgroup': 'a dedicated portgroup with Accept for',
  'mac-learning': 'MAC learning on',
  'vswitch-accept': 'MAC address changes = Accept on',
};

/** One clause per strategy: what it does and where. */
function whatChanges(changes: readonly Change[]): string {
  const clauses: string[] = [];
  for (const strategy of new Set(changes.map((c) => c.strategy))) {
    const mine = changes.filter((c) => c.strategy === strategy);
    const where =
      strategy === 'pin-mac' || strategy === 'dedicated-portgroup'
        ? sorted(mine.flatMap((c) => c.vms))
        : sorted(mine.map((c) => objectName(c)));
    clauses.push(`${STRATEGY_WORDS[strategy]} ${where.join(', ')}`);
  }
  return clauses.join('; ');
}

function findingVms(plan: Plan): Set<string> {
  return new Set(plan.findings.map((f) => f.vm?.name).filter((v): v is string => Boolean(v)));
}

function risk(plan: Plan): Ticket['risk'] {
  const ours = findingVms(plan);
  const reasons: string[] = [];
  let level: RiskLevel = 'low';
  const raise = (to: RiskLevel) => {
    if (to === 'high' || (to === 'medium' && level === 'low')) level = to;
  };
  const opening = plan.changes.filter((c) => c.action !== 'EditNic' && c.before !== null && c.strategy !== 'mac-learning');
  const others = sorted(opening.flatMap((c) => c.vms.filter((vm) => !ours.has(vm))));
  if (others.length) {
    raise('high');
    reasons.push(`MAC address changes = Accept also applies to ${plural(others.length, 'VM')} not involved (${others.join(', ')}): they could impersonate other MACs unnoticed.`);
  } else if (opening.length) {
    reasons.push('Accept is opened only where the affected VMs are.');
  }
  const learning = plan.changes.filter((c) => c.strategy === 'mac-learning');
  if (learning.length) {
    raise('medium');
    reasons.push(`MAC learning changes how ${sorted(learning.map(objectName)).join(', ')} forward${learning.length === 1 ? 's' : ''} frames for every VM on ${learning.length === 1 ? 'it' : 'them'}.`);
  }
  const moves = plan.changes.filter((c) => c.action === 'EditNic' && c.field === 'backing');
  if (moves.length) {
    raise('medium');
    reasons.push(`${plural(moves.length, 'NIC')} move${moves.length === 1 ? 's' : ''} to a new portgroup: a brief interruption of ${moves.length === 1 ? 'its' : 'their'} traffic.`);
  }
  const pins = plan.changes.filter((c) => c.action === 'EditNic' && c.field === 'address');
  if (pins.length) {
    raise('medium');
    reasons.push(`Pinning a MAC needs the VM powered off (${sorted(pins.flatMap((c) => c.vms)).join(', ')}): downtime in the window.`);
  }
  reasons.push('Every change is journaled and undone by vmfix rollback; nothing applies if an object changed since it was planned.');
  return { level, reasons };
}

function impact(plan: Plan): Ticket['impact'] {
  const rows: { vms: string[]; change: string; outage: string }[] = [];
  const add = (vms: string[], change: string, outage: string) => {
    const same = rows.find((r) => r.change === change && r.outage === outage);
    if (same) same.vms = sorted([...same.vms, ...vms]);
    else rows.push({ vms, change, outage });
  };
  const ours = findingVms(plan);
  for (const f of plan.findings) {
    const vm = f.vm?.name ?? f.id;
    const changes = plan.changes.filter((c) => c.findings.includes(f.id) && (c.action !== 'EditNic' || c.vms.includes(vm)));
    const regains = f.kind === 'mac-change-blocked' ? 'blocked now, traffic resumes once the guest sends again' : 'at risk now, stays connected';
    const nic = changes.find((c) => c.action === 'EditNic');
    if (nic?.field === 'address') add([vm], `the NIC gets the manual MAC the guest uses; ${regains}`, f.vm?.powerState === 'poweredOff' ? 'none now: the VM is off' : 'the VM is powered off for the change, then on again');
    else if (nic) add([vm], `the NIC moves to ${nic.to}; ${regains}`, 'a brief interruption while the NIC moves');
    else add([vm], `${sorted(changes.map((c) => `${STRATEGY_WORDS[c.strategy]} ${objectName(c)}`)).join('; ')}; ${regains}`, 'none: the policy changes in place');
  }
  for (const c of plan.changes.filter((c) => c.action !== 'EditNic' && c.before !== null)) {
    const others = c.vms.filter((vm) => !ours.has(vm));
    if (!others.length) continue;
    add(others, c.strategy === 'mac-learning' ? `MAC learning on ${objectName(c)}` : `may now change their MAC (${objectName(c)} accepts it)`, 'none');
  }
  return rows;
}

function affected(plan: Plan): Ticket['affected'] {
  const hosts: string[] = [];
  const switches: string[] = [];
  const portgroups: string[] = [];
  for (const c of plan.changes) {
    const t = c.target;
    if (t.type === 'HostPortGroup') {
      hosts.push(t.host.name);
      portgroups.push(c.before === null ? `${t.portgroup} (new)` : t.portgroup);
    } else if (t.type === 'HostVirtualSwitch') {
      hosts.push(t.host.name);
      switches.push(t.vswitch);
    } else if (t.type === 'DistributedVirtualPortgroup') {
      switches.push(t.dvs.name);
      portgroups.push(c.before === null ? `${t.portgroup.name} (new)` : t.portgroup.name);
    }
  }
  for (const f of plan.findings) {
    hosts.push(f.host?.name ?? '');
    switches.push(f.switch?.name ?? '');
    portgroups.push(f.portgroup?.name ?? '');
  }
  return {
    vcenter: plan.endpoint.host,
    datacenters: sorted(plan.findings.map((f) => f.datacenter)),
    clusters: sorted(plan.findings.map((f) => f.cluster)),
    hosts: sorted(hosts),
    switches: sorted(switches),
    portgroups: sorted(portgroups),
    vms: sorted(plan.changes.flatMap((c) => c.vms)),
  };
}

function replanCommand(replan: Replan = {}): string {
  const words = ['vmfix', 'fix', '--dry-run', shellOption('plan-out', 'plan.json')];
  if (replan.strategy) words.push(shellOption('strategy', replan.strategy));
  if (replan.portgroupName) words.push(shellOption('portgroup-name', replan.portgroupName));
  for (const scope of ['datacenter', 'cluster', 'host', 'vm'] as const) for (const value of replan[scope] ?? []) words.push(shellOption(scope, value));
  return words.join(' ');
}

function securityNote(c: Change): string {
  switch (c.strategy) {
    case 'pin-mac':
      return 'pin-mac: MAC address changes stays Reject; only the NIC gets a fixed MAC.';
    case 'dedicated-portgroup':
      return `dedicated-portgroup: Accept only on a new portgroup holding just the affected NICs, as the hardening guide advises. ${HARDENING_NOTE}`;
    case 'mac-learning':
      return 'mac-learning: the port learns the MACs behind the vNIC (nested hypervisors) instead of opening promiscuous mode.';
    default:
      return `${c.strategy}: ${HARDENING_NOTE}`;
  }
}

/**
 * Changes whose steps read the same once the host is left out (the same
 * portgroup on every host of a cluster) become one step naming the hosts.
 */
function grouped(changes: readonly Change[], steps: (c: Change, hosts: string) => string[]): ManualStep[] {
  const out: { changes: string[]; hosts: string[]; change: Change }[] = [];
  for (const c of changes) {
    const key = steps(c, '\u0000').join('\n');
    const same = out.find((g) => steps(g.change, '\u0000').join('\n') === key);
    const host = 'host' in c.target ? c.target.host.name : '';
    if (same) {
      same.changes.push(c.id);
      same.hosts.push(host);
    } else {
      out.push({ changes: [c.id], hosts: [host], change: c });
    }
  }
  return out.map((g) => ({ changes: g.changes, steps: steps(g.change, g.hosts.join(', ')) })).filter((g) => g.steps.length);
}

function manualSteps(c: Change, hosts: string): string[] {
  const t = c.target;
  switch (c.action) {
    case 'UpdatePortGroup':
      if (t.type !== 'HostPortGroup') break;
      return [`Hosts and Clusters > ${hosts} > Configure > Networking > Virtual switches > portgroup "${t.portgroup}" > Edit Settings > Security: tick Override for MAC address changes, Accept, OK.`];
    case 'UpdateVirtualSwitch':
      if (t.type !== 'HostVirtualSwitch') break;
      return [`Hosts and Clusters > ${hosts} > Configure > Networking > Virtual switches > vSwitch "${t.vswitch}" > Edit > Security: MAC address changes = Accept, OK.`];
    case 'ReconfigureDVPortgroup':
      if (t.type !== 'DistributedVirtualPortgroup') break;
      return c.strategy === 'mac-learning'
        ? [`Networking > ${t.dvs.name} > ${t.portgroup.name} > Edit Settings > Security: MAC learning = Enabled, OK (vSphere Client 8; older clients: the API or PowerCLI only).`]
        : [`Networking > ${t.dvs.name} > ${t.portgroup.name} > Edit Settings > Security: MAC address changes = Accept, OK.`];
    case 'AddPortGroup':
      if (t.type !== 'HostPortGroup') break;
      return [`${hosts} > Configure > Networking > Virtual switches > Add Networking > Virtual Machine Port Group "${t.portgroup}": ${c.to.replace(/^a copy/, 'a copy (same vSwitch, VLAN, teaming and security)')} (Override).`];
    case 'CreateDVPortgroup':
      if (t.type !== 'DistributedVirtualPortgroup') break;
      return [`Networking > ${t.dvs.name} > Distributed Port Group > New Distributed Port Group "${t.portgroup.name}": ${c.to.replace(/^a copy/, 'a copy (same VLAN, teaming and policies)')}.`];
    case 'EditNic':
      if (t.type !== 'VirtualEthernetCard') break;
      return c.field === 'address'
        ? [`Power off ${t.vm.name}; Edit Settings > ${t.label} > MAC Address: Manual, ${(c.after as { macAddress?: string }).macAddress}, OK; power it on.`]
        : [`${t.vm.name} > Edit Settings > ${t.label} > Network: ${c.to}, OK.`];
    default:
      break;
  }
  return [];
}

/** The MAC vCenter gave the NIC a change pins, which a rollback cannot give back (vCenter gives a new one). */
function lostMac(c: Change): string | null {
  return c.action === 'EditNic' && c.field === 'address' ? vcenterMac(c.before) : null;
}

function leavesAutomatic(plan: Plan): boolean {
  return plan.changes.some((c) => lostMac(c) !== null);
}

function manualBackout(c: Change, hosts: string): string[] {
  const t = c.target;
  switch (c.action) {
    case 'AddPortGroup':
    case 'CreateDVPortgroup':
      return [`Remove the new portgroup ${objectName(c).replace(/^\w+ /, '')}${hosts ? ` on ${hosts}` : ''} once no NIC uses it.`];
    case 'EditNic': {
      const where = t.type === 'VirtualEthernetCard' ? `${t.vm.name} > Edit Settings > ${t.label}` : c.path;
      if (c.field !== 'address') return [`${where}: set the network back to ${c.from}.`];
      const lost = lostMac(c);
      // vCenter gives a NIC leaving manual addressing a new MAC, and refuses its own range as a manual one.
      return lost === null
        ? [`${where}: set the MAC address back to ${c.from}.`]
        : [`${where}: set the MAC address back to Automatic; vCenter gives the NIC a new MAC (${lost} cannot be set back by hand or by vmfix rollback).`];
    }
    default:
      return [`${objectName(c)}${hosts ? ` on ${hosts}` : ''}: set ${c.field} back to ${c.from}.`];
  }
}

function verification(plan: Plan): Step[] {
  if (!plan.changes.length) return [];
  const vms = sorted(plan.findings.map((f) => f.vm?.name));
  const n = plan.findings.length;
  // Without the logs: they still hold the lines that led to this change.
  const steps: Step[] = [{
    command: ['vmfix', 'audit', shellOption('log-lines', '0'), ...vms.map((vm) => shellOption('vm', vm))].join(' '),
    text: `exits 0: the finding${n === 1 ? '' : 's'} ${plan.findings.map((f) => f.id).join(', ')} ${n === 1 ? 'is' : 'are'} gone (--log-lines=0: the logs still hold the old lines).`,
  }];
  const hostsOf = new Map<string, string[]>();
  for (const c of plan.changes) {
    if (c.action === 'UpdatePortGroup' && c.target.type === 'HostPortGroup') hostsOf.set(c.target.portgroup, [...(hostsOf.get(c.target.portgroup) ?? []), c.target.host.name]);
  }
  for (const [portgroup, hosts] of hostsOf) {
    steps.push({ command: `esxcli network vswitch standard portgroup policy security get -p ${shellArg(portgroup)}`, text: `on ${hosts.join(', ')}: shows Allow MAC Address Change: true.` });
  }
  steps.push({ command: null, text: `From each guest (${vms.join(', ')}), ping its gateway; the hosts' vmkernel logs show no new L2Sec_EnforcePortCompliance line for them.` });
  return steps;
}
