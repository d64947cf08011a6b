// What identifies a change and its object: fingerprints of the state a
// change was planned against, checksums of the files that carry changes,
// and a key per object. (The Change type itself is in schema.ts.)
import { createHash } from 'node:crypto';
import type { VirtualEthernetCard } from '../vsphere/types.js';
import type { Target } from './schema.js';

/** JSON with keys sorted, so equal objects hash equal whatever order they were built in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Equal as data: vCenter may or may not name a nested object's type when it is the declared one. */
export function same(a: unknown, b: unknown): boolean {
  const untyped = (v: unknown) => JSON.parse(JSON.stringify(v ?? null, (k, x: unknown) => (k === '_typeName' ? undefined : x))) as unknown;
  return canonical(untyped(a)) === canonical(untyped(b));
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
        // Only a manual MAC is the admin's: an assigned or generated one is vCenter's to give, and it
        // gives a new one when a NIC leaves manual addressing, so putting back "assigned" is all a
        // rollback can do (vCenter refuses its own range, 00:50:56:80-bf, as a manual MAC).
        macAddress: isManual(device) ? (device.macAddress ?? null) : null,
        network: port ? `${port.switchUuid}/${port.portgroupKey ?? ''}` : (device.backing?.deviceName ?? null),
      };
    }
  }
}

function isManual(device: VirtualEthernetCard): boolean {
  return (device.addressType ?? '').toLowerCase() === 'manual';
}

/** The MAC of a NIC whose address vCenter gives (assigned or generated), which no write can give back; null for a manual one. */
export function vcenterMac(device: unknown): string | null {
  const nic = device as VirtualEthernetCard | null;
  return nic && !isManual(nic) ? (nic.macAddress ?? null) : null;
}

/** The MAC vCenter gave a NIC that a write (a rollback of pin-mac) took off manual addressing, if it is not the one asked for. */
export function macReassigned(sent: unknown, after: unknown): { asked: string; given: string } | null {
  const want = sent as VirtualEthernetCard | null;
  const got = after as VirtualEthernetCard | null;
  if (!want || !got || isManual(want) || !want.macAddress || !got.macAddress) return null;
  return want.macAddress.toLowerCase() === got.macAddress.toLowerCase() ? null : { asked: want.macAddress, given: got.macAddress };
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
