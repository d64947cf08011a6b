// The inventory kept current by WaitForUpdatesEx (vmfix watch): the
// ObjectContent of every object, each update merged into it and the object
// turned into its model again by fetch.ts's own converters, so a watched
// inventory is exactly what a fetched one would be.
import type { AboutInfo, ObjectContent, VirtualEthernetCard } from '../vsphere/types.js';
import type { ObjectUpdate } from '../vsphere/updates.js';
import { InventoryParts, isEthernetCard } from './fetch.js';
import type { Inventory } from './model.js';

/** Morefs of the objects an update touched, by what they are to the audit. */
export interface Touched {
  readonly vms: ReadonlySet<string>;
  readonly hosts: ReadonlySet<string>;
  readonly dvSwitches: ReadonlySet<string>;
  readonly dvPortgroups: ReadonlySet<string>;
  /** Folders, datacenters, clusters: names and places that findings show. */
  readonly tree: boolean;
}

export class LiveInventory {
  private contents = new Map<string, ObjectContent>();
  private parts = new InventoryParts();
  private built: Inventory | undefined;

  constructor(
    private readonly about: AboutInfo,
    private readonly endpointHost: string,
  ) {}

  /** Applies a filter's updates; `full` replaces everything held (a start or a resync). */
  apply(updates: readonly ObjectUpdate[], full: boolean): Touched {
    if (full) {
      this.contents = new Map();
      this.parts = new InventoryParts();
    }
    const touched = { vms: new Set<string>(), hosts: new Set<string>(), dvSwitches: new Set<string>(), dvPortgroups: new Set<string>(), tree: full };
    for (const update of updates) {
      const { obj } = update;
      const type = obj.type;
      if (type === 'VirtualMachine') touched.vms.add(obj.value);
      else if (type === 'HostSystem') touched.hosts.add(obj.value);
      else if (type.endsWith('DistributedVirtualSwitch')) touched.dvSwitches.add(obj.value);
      else if (type === 'DistributedVirtualPortgroup') touched.dvPortgroups.add(obj.value);
      else touched.tree = true;
      if (update.kind === 'leave') {
        this.contents.delete(obj.value);
        this.parts.remove(obj.value);
        continue;
      }
      const props = new Map((update.kind === 'enter' ? [] : (this.contents.get(obj.value)?.propSet ?? [])).map((p) => [p.name, p.val]));
      for (const change of update.changeSet ?? []) {
        // With partialUpdates off, a change carries the whole value of a watched path.
        if (change.op === 'remove' || change.op === 'indirectRemove') props.delete(change.name);
        else props.set(change.name, slim(change.name, change.val));
      }
      // What vCenter refused stays refused until an update brings the path's value (watch must keep saying so).
      const assigned = new Set((update.changeSet ?? []).filter((c) => c.op === 'assign').map((c) => c.name));
      const before = update.kind === 'enter' ? [] : (this.contents.get(obj.value)?.missingSet ?? []);
      const missing = [...new Map([...before.filter((m) => !assigned.has(m.path)), ...((update.missingSet ?? []) as NonNullable<ObjectContent['missingSet']>)].map((m) => [m.path, m])).values()];
      const content: ObjectContent = { obj, propSet: [...props].map(([name, val]) => ({ name, val })), ...(missing.length ? { missingSet: missing } : {}) };
      this.contents.set(obj.value, content);
      this.parts.add(content);
    }
    if (updates.length || full) this.built = undefined;
    return touched;
  }

  get size(): number {
    return this.contents.size;
  }

  inventory(): Inventory {
    this.built ??= this.parts.inventory(this.about, this.endpointHost);
    return this.built;
  }
}

/** Of a VM's devices only its NICs are read: disks, controllers and the rest are not kept. */
function slim(name: string, val: unknown): unknown {
  if (name !== 'config.hardware.device' || !Array.isArray(val)) return val;
  return (val as VirtualEthernetCard[]).filter(isEthernetCard);
}
