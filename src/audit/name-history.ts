// What a VM was called when ESXi wrote a line, from vCenter's renames and
// removals (VmRenamedEvent, VmAutoRenameEvent, VmRemovedEvent): a line names
// the client by the name it had then, not by the one it has now. The one rule
// that match-logs.ts (is a VM called so now the line's?) and vm-names.ts (which
// VM the inventory lacks was it?) both follow.
import type { VmNameEvent } from '../evidence/types.js';
import { vmNameOf, type L2SecEvent } from '../evidence/vmkernel-log.js';
import { displayName, type Vm } from '../inventory/model.js';

/** How far a host's log clock may be off vCenter's: an event closer to a line than this may be before or after it. */
export const CLOCK_SKEW_MS = 60_000;

export class NameHistory {
  /** Each VM's events, oldest first. */
  private readonly byVm = new Map<string, VmNameEvent[]>();
  /** The VMs the events show under a name, by that name as ESXi writes it. */
  private readonly byName = new Map<string, Set<string>>();
  private readonly now: ReadonlyMap<string, string>;

  /** Indexed once per audit: VDI estates hold tens of thousands of events. */
  constructor(events: readonly VmNameEvent[], vms: readonly Vm[]) {
    for (const e of [...events].sort((a, b) => a.key - b.key)) {
      const list = this.byVm.get(e.vm);
      if (list) list.push(e);
      else this.byVm.set(e.vm, [e]);
      for (const name of e.type === 'VmRemovedEvent' ? [e.name] : [e.oldName, e.newName]) {
        const shown = displayName(name);
        this.byName.set(shown, (this.byName.get(shown) ?? new Set()).add(e.vm));
      }
    }
    this.now = new Map(vms.map((vm) => [vm.moref, displayName(vm.name)]));
  }

  /** The VM's events, oldest first. */
  eventsOf(moref: string): readonly VmNameEvent[] {
    return this.byVm.get(moref) ?? [];
  }

  /** The VMs the events show called `client` (as a line gives it, maybe "<vm>.eth0") at some time. */
  calledEver(client: string): string[] {
    return [...new Set([...(this.byName.get(client) ?? []), ...(this.byName.get(vmNameOf(client)) ?? [])])];
  }

  /**
   * Whether the VM may have been called `client` when ESXi wrote `line`: a name it had from the
   * line's first time to its last, give or take a host clock's skew. A line without a time may be
   * of any, and is not taken from it.
   */
  calledAt(moref: string, client: string, line: L2SecEvent): boolean {
    const first = line.firstTime ?? line.lastTime;
    if (first === null || line.lastTime === null) return true;
    const names = this.namesOver(moref, Date.parse(first) - CLOCK_SKEW_MS, Date.parse(line.lastTime) + CLOCK_SKEW_MS);
    return names.has(client) || names.has(vmNameOf(client));
  }

  /**
   * Every name the VM had from `from` to `to` (ms): the one it had at `from` (the old name of its first
   * rename after, else the new name of its last rename before, else its name now; none once removed),
   * then each it was given until `to`.
   */
  private namesOver(moref: string, from: number, to: number): Set<string> {
    const events = this.eventsOf(moref);
    const later = events.filter((e) => Date.parse(e.time) > from);
    const first = later[0];
    const last = events.at(-1);
    const start = first ? (first.type === 'VmRemovedEvent' ? first.name : first.oldName)
      : !last ? this.now.get(moref)
      : last.type === 'VmRemovedEvent' ? undefined : last.newName;
    const names = new Set(start === undefined ? [] : [displayName(start)]);
    for (const e of later) if (Date.parse(e.time) <= to && e.type !== 'VmRemovedEvent') names.add(displayName(e.newName));
    return names;
  }
}
