// One change to one vCenter object, as planned, journaled and rolled back.
// `before` is the object's full spec as read; `after` is that spec with
// exactly one field changed (or, for a creation, the new object's spec).
import { createHash } from 'node:crypto';
import type { Strategy } from '../audit/finding.js';
import type { MoRef, VirtualEthernetCard } from '../vsphere/types.js';

export interface HostRef {
  readonly name: string;
  readonly moref: string;
  /** Its HostNetworkSystem, which UpdatePortGroup & co. are called on. */
  readonly networkSystem: MoRef;
}

export interface DvsRef {
  readonly name: string;
  readonly moref: string;
  readonly type: string;
  readonly uuid: string;
}

export type Target =
  | { readonly type: 'HostPortGroup'; readonly host: HostRef; readonly portgroup: string }
  | { readonly type: 'HostVirtualSwitch'; readonly host: HostRef; readonly vswitch: string }
  | { readonly type: 'DistributedVirtualPortgroup'; readonly dvs: DvsRef; readonly portgroup: { readonly name: string; readonly moref: string; readonly key: string } }
  | { readonly type: 'VirtualEthernetCard'; readonly vm: { readonly name: string; readonly moref: string }; readonly nicKey: number; readonly label: string };

export type Action =
  | 'UpdatePortGroup'        // standard portgroup spec, full replacement
  | 'UpdateVirtualSwitch'    // standard vSwitch spec, full replacement
  | 'AddPortGroup'           // a new standard portgroup (dedicated-portgroup)
  | 'RemovePortGroup'        // rolling an AddPortGroup back
  | 'ReconfigureDVPortgroup' // dvPortgroup, a delta carrying configVersion
  | 'CreateDVPortgroup'      // a new dvPortgroup (dedicated-portgroup)
  | 'DestroyDVPortgroup'     // rolling a CreateDVPortgroup back
  | 'EditNic';               // ReconfigVM_Task editing one ethernet card

export interface Change {
  /** c1, c2, … in the order they apply. */
  readonly id: string;
  readonly action: Action;
  readonly strategy: Strategy;
  /** The findings this change addresses. */
  readonly findings: readonly string[];
  readonly target: Target;
  /** Where it is, as the vSphere Client shows it: vCenter / datacenter / host / switch / portgroup. */
  readonly path: string;
  /** The one field that changes, e.g. policy.security.macChanges. */
  readonly field: string;
  /** The field's value now and after, for people. */
  readonly from: string;
  readonly to: string;
  /** The full spec as read (null: the object does not exist yet). */
  readonly before: unknown;
  /** The full spec to send. */
  readonly after: unknown;
  /** sha256 of the object's state as planned (see stateOf): apply refuses if it no longer matches. */
  readonly fingerprint: string;
  /** VMs whose traffic the change affects (newly allowed, moved, or re-addressed). */
  readonly vms: readonly string[];
  /** Changes that must apply first (a NIC move needs its portgroup). */
  readonly dependsOn: readonly string[];
}

/** JSON with keys sorted, so equal objects hash equal whatever order they were built in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Over a plan or journal, so a file edited by hand is noticed. */
export function checksum(value: object): string {
  return createHash('sha256').update(canonical({ ...value, checksum: undefined })).digest('hex');
}

export function fingerprint(state: unknown): string {
  return createHash('sha256').update(canonical(state ?? null)).digest('hex');
}

/**
 * What a change is planned against, per kind of object: a standard spec
 * whole (it is replaced whole); a dvPortgroup's configVersion (vCenter bumps
 * it on every change); a NIC's address and network, not its connection
 * cookie or status, which move on their own. null: the object is absent.
 */
export function stateOf(target: Target, spec: unknown, configVersion?: string): unknown {
  if (spec === null || spec === undefined) return null;
  switch (target.type) {
    case 'HostPortGroup':
    case 'HostVirtualSwitch':
      return spec;
    case 'DistributedVirtualPortgroup':
      return { configVersion: configVersion ?? null };
    case 'VirtualEthernetCard': {
      const device = spec as VirtualEthernetCard;
      const port = device.backing?.port;
      return {
        key: device.key,
        type: device._typeName,
        addressType: device.addressType ?? null,
        macAddress: device.macAddress ?? null,
        network: port ? `${port.switchUuid}/${port.portgroupKey ?? ''}` : (device.backing?.deviceName ?? null),
      };
    }
  }
}

export function targetKey(target: Target): string {
  switch (target.type) {
    case 'HostPortGroup':
      return `pg/${target.host.moref}/${target.portgroup}`;
    case 'HostVirtualSwitch':
      return `vs/${target.host.moref}/${target.vswitch}`;
    case 'DistributedVirtualPortgroup':
      return `dvpg/${target.dvs.uuid}/${target.portgroup.name}`;
    case 'VirtualEthernetCard':
      return `nic/${target.vm.moref}/${target.nicKey}`;
  }
}

/** A deep copy that is safe to modify (specs are plain JSON). */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
