// plan(inventory, findings, choices) -> Plan. Pure: which objects change,
// how (full spec before and after), and in what order. Findings that share
// an object share its change; a finding the chosen strategy does not fit is
// listed as skipped with the reason.
import { Attachments, type Attachment } from '../audit/attachment.js';
import type { Finding, Strategy } from '../audit/finding.js';
import { DEDICATED_SUFFIX, notVsphereToChange } from '../audit/remedies.js';
import { InventoryIndex } from '../inventory/lookup.js';
import { isNestedHypervisor, type Host, type Inventory, type Vm, type VmNic } from '../inventory/model.js';
import { distributedPolicy, inheritingFrom, ownWord, portgroupSetting, settingWord, standardPolicy, vswitchSetting, vswitchToAccept } from '../inventory/policy.js';
import type { DVPortgroupConfigInfo, HostPortGroupSpec } from '../vsphere/types.js';
import { fingerprint, stateOf, targetKey } from './change.js';
import type { Action, Change, HostRef, Plan, Target } from './schema.js';
import {
  describeDvPolicy, distributedBacking, dvAcceptPolicy, dvCloneSpec, dvMacField, dvMacLearningPolicy,
  dvReconfigureSpec, getPath, pinnedNic, SECURITY_FORGED_TRANSMITS, SECURITY_MAC_CHANGES, setPath, standardBacking, dedicatedPortgroupSpec,
} from './specs.js';

export interface PlanOptions {
  /** dedicated-portgroup: the new portgroup's name (default <name>-macchg). */
  readonly portgroupName?: string;
  /**
   * The plan is applied later (--plan-out): pin-mac asked for by name may be
   * planned for a running VM, to be powered off in the maintenance window
   * (apply refuses while it runs).
   */
  readonly appliedLater?: boolean;
  readonly now: Date;
}

type Draft = Omit<Change, 'id' | 'dependsOn'> & { dependsOn: string[] };

/**
 * @param choices a strategy per finding id (findings without one are left
 *   alone), or 'narrowest': each finding's narrowest remedy that can be
 *   planned now (pin-mac needs the VM powered off, for one)
 */
export function plan(
  inventory: Inventory,
  findings: readonly Finding[],
  choices: ReadonlyMap<string, Strategy> | 'narrowest',
  options: PlanOptions,
): Plan {
  // Chosen for the user, pin-mac must work as things are; asked for by name, it may wait for a power-off.
  const builder = new PlanBuilder(new Attachments(new InventoryIndex(inventory)), { ...options, appliedLater: options.appliedLater && choices !== 'narrowest' });
  const addressed: Finding[] = [];
  const skipped: { finding: string; vm: string | null; reason: string }[] = [];
  for (const finding of findings) {
    const candidates = choices === 'narrowest' ? finding.remedies.map((r) => r.strategy) : [choices.get(finding.id)].filter((s) => s !== undefined);
    if (!candidates.length) continue;
    let reason: string | undefined;
    for (const strategy of candidates) {
      reason = builder.add(finding, strategy);
      if (!reason) break;
    }
    if (reason) skipped.push({ finding: finding.id, vm: finding.vm?.name ?? null, reason });
    else addressed.push(finding);
  }
  return {
    schemaVersion: 1,
    kind: 'vmfix-plan',
    createdAt: options.now.toISOString(),
    endpoint: { host: inventory.endpoint.host, instanceUuid: inventory.endpoint.instanceUuid ?? null, apiVersion: inventory.endpoint.apiVersion },
    changes: builder.changes(),
    skipped,
    findings: addressed,
  };
}

class PlanBuilder {
  private readonly drafts = new Map<string, Draft>();

  private readonly index: InventoryIndex;

  constructor(
    private readonly attachments: Attachments,
    private readonly options: PlanOptions,
  ) {
    this.index = attachments.index;
  }

  /** Adds what `strategy` needs for `finding`; returns why not, if it does not fit. */
  add(finding: Finding, strategy: Strategy): string | undefined {
    if (!finding.remedies.some((r) => r.strategy === strategy)) {
      const offered = finding.remedies.map((r) => r.strategy).join(', ') || 'none';
      if (strategy === 'portgroup-accept' && finding.policy.source === 'dvport') {
        return `dvPort ${finding.portgroup?.portKey ?? '?'} keeps its own MAC address changes = Reject, which overrides (or, where the dvPortgroup's two override flags disagree, may override) the dvPortgroup's, so portgroup-accept would not reach it (it fits: ${offered}).`;
      }
      const why = finding.notOffered?.find((n) => n.strategy === strategy)?.reason;
      return `${strategy} does not fit this finding (it fits: ${offered})${why ? `: ${why}` : ''}.`;
    }
    const vm = this.index.inventory.vms.find((v) => v.moref === finding.vm?.moref);
    const nic = vm?.nics.find((n) => n.key === finding.nic?.key);
    const att = vm && nic ? this.attachments.attach(vm, nic) : undefined;
    if (!vm || !nic || !att) return 'the NIC is no longer where the audit found it; run the audit again.';
    // A standard portgroup changes on every host of the cluster that has it; pin-mac touches the VM alone.
    const peers = att.kind === 'standard' && strategy !== 'pin-mac' ? this.index.clusterPeers(att.host, att.portgroup.name) : [];
    const down = [this.index.host(vm.host), ...peers].find((h) => h && h.connectionState !== 'connected');
    if (down) {
      return `host ${down.name} is ${down.connectionState} in vCenter, which can change neither it nor its VMs until it is connected again (and shows their state as last known); nothing is planned for it. Reconnect it, then run vmfix again.`;
    }
    if (strategy === 'pin-mac') return this.pinMac(finding, vm, nic);
    const elsewhere = notVsphereToChange(nic, att);
    if (att.kind === 'opaque' || elsewhere) return `${strategy} does not fit this finding: ${elsewhere}.`;
    // A nested hypervisor passes its own VMs' frames: it needs forged transmits too, wherever it is allowed to change MACs.
    const nested = isNestedHypervisor(vm);
    switch (strategy) {
      case 'portgroup-accept':
        return att.kind === 'standard' ? this.standardAccept(finding, att, 'portgroup', nested) : this.dvPolicy(finding, att, 'accept', nested);
      case 'vswitch-accept':
        return att.kind === 'standard' ? this.standardAccept(finding, att, 'vswitch', nested) : 'vswitch-accept is for standard switches.';
      case 'mac-learning':
        return att.kind === 'distributed' ? this.dvPolicy(finding, att, 'learning', nested) : 'mac-learning needs a distributed switch.';
      case 'dedicated-portgroup':
        return this.dedicated(finding, vm, nic, att, nested);
    }
  }

  changes(): Change[] {
    // Policy changes and new portgroups first: NIC moves depend on them.
    const order: Action[] = ['UpdateVirtualSwitch', 'UpdatePortGroup', 'ReconfigureDVPortgroup', 'AddPortGroup', 'CreateDVPortgroup', 'EditNic'];
    const drafts = [...this.drafts.entries()].sort(([, a], [, b]) => order.indexOf(a.action) - order.indexOf(b.action));
    const ids = new Map(drafts.map(([key], i) => [key, `c${i + 1}`]));
    return drafts.map(([key, d]) => ({ ...d, id: ids.get(key)!, dependsOn: d.dependsOn.map((k) => ids.get(k)!) }));
  }

  /**
   * Records a change, or adds the finding (and VMs) to the same change
   * already planned; `wider` (a nested hypervisor's policy, which also
   * accepts forged transmits) replaces a narrower value planned for another.
   */
  private put(key: string, draft: Omit<Draft, 'fingerprint'>, configVersion?: string, wider = false): void {
    const known = this.drafts.get(key);
    if (known) {
      this.drafts.set(key, {
        ...known,
        ...(wider ? { to: draft.to, after: draft.after } : {}),
        findings: [...new Set([...known.findings, ...draft.findings])],
        vms: [...new Set([...known.vms, ...draft.vms])].sort(),
      });
      return;
    }
    this.drafts.set(key, { ...draft, fingerprint: fingerprint(stateOf(draft.target, draft.before, configVersion)) });
  }

  private hostRef(host: Host): HostRef {
    return { name: host.name, moref: host.moref, networkSystem: host.networkSystem! };
  }

  private path(...parts: (string | null)[]): string {
    return [this.index.inventory.endpoint.host, ...parts.filter((p): p is string => p !== null)].join(' / ');
  }

  private vmsOn(host: Host, portgroup: string): string[] {
    return [...new Set(this.index.nicsOnStandard(host.moref, portgroup).map((r) => r.vm.name))].sort();
  }

  /**
   * MAC changes = Accept on the portgroup (or its vSwitch) on every cluster
   * host that has it; for a nested hypervisor, forged transmits = Accept on
   * the portgroup too (a second change to the same spec, after the first).
   */
  private standardAccept(finding: Finding, att: Extract<Attachment, { kind: 'standard' }>, level: 'portgroup' | 'vswitch', nested: boolean): string | undefined {
    const name = att.portgroup.name;
    for (const host of this.index.clusterPeers(att.host, name)) {
      if (!host.networkSystem) return `host ${host.name} reports no network system.`;
      const pg = host.portgroups.find((p) => p.name === name)!;
      const portgroupTarget: Target = { type: 'HostPortGroup', host: this.hostRef(host), portgroup: name };
      if (nested && standardPolicy(host, pg, 'forgedTransmits').value !== true) {
        this.put(`${targetKey(portgroupTarget)}/forgedTransmits`, {
          action: 'UpdatePortGroup', strategy: level === 'portgroup' ? 'portgroup-accept' : 'vswitch-accept', findings: [finding.id], target: portgroupTarget,
          path: this.path(host.datacenter, host.name, pg.vswitchName, name),
          field: SECURITY_FORGED_TRANSMITS, from: ownWord(portgroupSetting(pg, 'forgedTransmits')), to: 'accept',
          before: pg.spec, after: setPath('HostPortGroupSpec', pg.spec, SECURITY_FORGED_TRANSMITS, true),
          vms: this.vmsOn(host, name), dependsOn: [],
        });
      }
      if (level === 'portgroup') {
        if (portgroupSetting(pg, 'macChanges') === true) continue;
        const target = portgroupTarget;
        this.put(targetKey(target), {
          action: 'UpdatePortGroup', strategy: 'portgroup-accept', findings: [finding.id], target,
          path: this.path(host.datacenter, host.name, pg.vswitchName, name),
          field: SECURITY_MAC_CHANGES, from: ownWord(portgroupSetting(pg, 'macChanges')), to: 'accept',
          before: pg.spec, after: setPath('HostPortGroupSpec', pg.spec, SECURITY_MAC_CHANGES, true),
          // Set here so that it holds whatever its vSwitch becomes; where it accepted already, no VM is newly exposed.
          vms: standardPolicy(host, pg, 'macChanges').value === true ? [] : this.vmsOn(host, name), dependsOn: [],
        });
      } else {
        // Only hosts where the portgroup inherits from its vSwitch (an override there would win) and it does not accept already.
        const vs = vswitchToAccept(host, pg);
        if (!vs) continue;
        const target: Target = { type: 'HostVirtualSwitch', host: this.hostRef(host), vswitch: vs.name };
        // A portgroup that sets MAC changes itself keeps its own value: its VMs are not exposed.
        const vms = inheritingFrom(host, vs.name).flatMap((p) => this.vmsOn(host, p.name));
        this.put(targetKey(target), {
          action: 'UpdateVirtualSwitch', strategy: 'vswitch-accept', findings: [finding.id], target,
          path: this.path(host.datacenter, host.name, vs.name),
          field: SECURITY_MAC_CHANGES, from: settingWord(vswitchSetting(vs, 'macChanges')), to: 'accept',
          before: vs.spec, after: setPath('HostVirtualSwitchSpec', vs.spec, SECURITY_MAC_CHANGES, true),
          vms: [...new Set(vms)].sort(), dependsOn: [], opens: inheritingFrom(host, vs.name).map((p) => p.name).sort(),
        });
      }
    }
    return undefined;
  }

  private dvPolicy(finding: Finding, att: Extract<Attachment, { kind: 'distributed' }>, what: 'accept' | 'learning', nested: boolean): string | undefined {
    const { dvs, portgroup: pg } = att;
    if (what === 'learning' && !pg.config.defaultPortConfig?.macManagementPolicy) {
      return `MAC learning needs vCenter 6.7+ and a 6.6+ DVS; ${dvs.name} reports no macManagementPolicy.`;
    }
    const field = what === 'learning' ? 'defaultPortConfig.macManagementPolicy' : dvMacField(pg.config);
    const value = what === 'learning' ? dvMacLearningPolicy(pg.config, nested) : dvAcceptPolicy(pg.config, nested);
    const target: Target = {
      type: 'DistributedVirtualPortgroup',
      dvs: { name: dvs.name, moref: dvs.moref, type: dvs.type, uuid: dvs.uuid },
      portgroup: { name: pg.name, moref: pg.moref, key: pg.key },
    };
    this.put(`${targetKey(target)}/${what}`, {
      action: 'ReconfigureDVPortgroup', strategy: what === 'learning' ? 'mac-learning' : 'portgroup-accept', findings: [finding.id], target,
      path: this.path(dvs.datacenter, dvs.name, pg.name),
      field, from: describeDvPolicy(getPath(pg.config, field)), to: describeDvPolicy(value),
      before: pg.config, after: dvReconfigureSpec(pg.configVersion, field, value),
      vms: [...new Set(this.index.nicsOnDvPortgroup(dvs.uuid, pg.key).map((r) => r.vm.name))].sort(), dependsOn: [],
    }, pg.configVersion, nested);
    return undefined;
  }

  private dedicated(finding: Finding, vm: Vm, nic: VmNic, att: Exclude<Attachment, { kind: 'opaque' }>, nested: boolean): string | undefined {
    const name = this.options.portgroupName ?? `${att.portgroup.name}${DEDICATED_SUFFIX}`;
    const creations: string[] = [];
    let backing;
    if (att.kind === 'standard') {
      for (const host of this.index.clusterPeers(att.host, att.portgroup.name)) {
        if (!host.networkSystem) return `host ${host.name} reports no network system.`;
        const existing = host.portgroups.find((p) => p.name === name);
        if (existing) {
          const field = standardPolicy(host, existing, 'macChanges').value !== true ? 'MAC changes' : nested && standardPolicy(host, existing, 'forgedTransmits').value !== true ? 'forged transmits' : null;
          if (field) return `portgroup "${name}" already exists on ${host.name} and does not accept ${field}; pick another name with --portgroup-name.`;
          continue;
        }
        const source = host.portgroups.find((p) => p.name === att.portgroup.name)!.spec;
        const key = `new/pg/${host.moref}/${name}`;
        creations.push(key);
        this.put(key, {
          action: 'AddPortGroup', strategy: 'dedicated-portgroup', findings: [finding.id],
          target: { type: 'HostPortGroup', host: this.hostRef(host), portgroup: name },
          path: this.path(host.datacenter, host.name, source.vswitchName, name),
          field: 'portgroup', from: 'absent', to: `a copy of "${att.portgroup.name}" with MAC changes accept`,
          before: null, after: dedicatedPortgroupSpec(source as HostPortGroupSpec, name, nested), vms: [vm.name], dependsOn: [],
          copyOf: { name: att.portgroup.name },
        });
      }
      backing = standardBacking(nic.device, name);
    } else {
      const existing = att.dvs.portgroups.find((p) => p.name === name);
      const refuses = existing && (distributedPolicy(att.dvs, existing, 'macChanges').value !== true ? 'MAC changes' : nested && distributedPolicy(att.dvs, existing, 'forgedTransmits').value !== true ? 'forged transmits' : null);
      if (refuses) return `dvPortgroup "${name}" already exists on ${att.dvs.name} and does not accept ${refuses}; pick another name with --portgroup-name.`;
      if (!existing) {
        const key = `new/dvpg/${att.dvs.uuid}/${name}`;
        creations.push(key);
        this.put(key, {
          action: 'CreateDVPortgroup', strategy: 'dedicated-portgroup', findings: [finding.id],
          target: {
            type: 'DistributedVirtualPortgroup',
            dvs: { name: att.dvs.name, moref: att.dvs.moref, type: att.dvs.type, uuid: att.dvs.uuid },
            portgroup: { name, moref: '', key: '' },
          },
          path: this.path(att.dvs.datacenter, att.dvs.name, name),
          field: 'portgroup', from: 'absent', to: `a copy of "${att.portgroup.name}" with MAC changes accept`,
          before: null, after: dvCloneSpec(att.portgroup.config as DVPortgroupConfigInfo, name, nested), vms: [vm.name], dependsOn: [],
          copyOf: { name: att.portgroup.name, moref: att.portgroup.moref },
        });
      }
      // A new portgroup's key is known once it exists; apply fills it in.
      backing = distributedBacking(att.dvs.uuid, existing?.key ?? '');
    }
    const after = { ...nic.device, backing };
    return this.editNic(finding, vm, nic, 'dedicated-portgroup', 'backing', after, `portgroup "${att.portgroup.name}"`, `portgroup "${name}"`, creations);
  }

  private pinMac(finding: Finding, vm: Vm, nic: VmNic): string | undefined {
    const mac = finding.remedies.find((r) => r.strategy === 'pin-mac')?.mac;
    if (!mac) return 'no MAC to pin.';
    if (vm.powerState !== 'poweredOff' && !this.options.appliedLater) {
      return `${vm.name} is ${vm.powerState}: its MAC can only change while it is powered off. Power it off, then run vmfix again (vmfix never powers a VM off).`;
    }
    const after = pinnedNic(nic.device, mac);
    const to = vm.powerState === 'poweredOff' ? `manual ${mac}` : `manual ${mac} (power ${vm.name} off first)`;
    return this.editNic(finding, vm, nic, 'pin-mac', 'address', after, `${nic.addressType} ${nic.macAddress}`, to, []);
  }

  private editNic(
    finding: Finding, vm: Vm, nic: VmNic, strategy: Strategy, field: 'backing' | 'address',
    after: VmNic['device'], from: string, to: string, dependsOn: string[],
  ): string | undefined {
    const target: Target = { type: 'VirtualEthernetCard', vm: { name: vm.name, moref: vm.moref }, nicKey: nic.key, label: nic.label };
    const key = targetKey(target);
    if (this.drafts.has(key)) return `${vm.name} ${nic.label} already has a change planned.`;
    const host = this.index.host(vm.host);
    this.put(key, {
      action: 'EditNic', strategy, findings: [finding.id], target,
      path: this.path(host?.datacenter ?? null, host?.name ?? null, vm.name, nic.label),
      field, from, to, before: nic.device, after, vms: [vm.name], dependsOn,
    });
    return undefined;
  }
}
