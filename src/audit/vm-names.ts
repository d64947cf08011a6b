// Lines naming a VM the inventory does not have, on a host it has. vCenter's
// removals and renames say whether the VM went or is called otherwise now:
// history, a note. Without either, it is a VM this vCenter user cannot see
// (ContainerView leaves out what lacks System.View), or one gone before the
// events read: its block is a warning, never an all-clear. Which VM a line
// names, by the name it had then, is name-history.ts's to say.
import type { VmNameEvent } from '../evidence/types.js';
import { vmNameOf, type L2SecEvent } from '../evidence/vmkernel-log.js';
import { displayName, type Inventory, type Vm } from '../inventory/model.js';
import { byShownName } from '../inventory/lookup.js';
import type { UnknownVm } from './match-logs.js';
import { CLOCK_SKEW_MS, type NameHistory } from './name-history.js';

type Removal = Extract<VmNameEvent, { type: 'VmRemovedEvent' }>;
type Rename = Exclude<VmNameEvent, Removal>;

/**
 * Whether vCenter's removals and renames are worth reading, as a key that changes when they may say
 * something new: every client lines name, with the VMs called so now (a VM given a name since the
 * line is not the one the line names). '' : no line names a client. `unknown`: some name no VM has
 * (then a refusal of the events is a warning; otherwise the names are taken as they are now).
 */
export function namesToCheck(inventory: Inventory, events: readonly L2SecEvent[]): { readonly key: string; readonly unknown: boolean } {
  const clients = [...new Set(events.map((e) => e.vmName).filter((n): n is string => Boolean(n)))].sort();
  if (!clients.length) return { key: '', unknown: false };
  const byName = byShownName(inventory.vms);
  const morefs = (name: string) => (byName.get(name) ?? []).map((vm) => vm.moref);
  const called = (name: string) => [...morefs(name), ...(vmNameOf(name) !== name ? morefs(vmNameOf(name)) : [])];
  return {
    key: clients.map((name) => `${name}=${called(name).join(',')}`).join('\n'),
    unknown: clients.some((name) => called(name).length === 0),
  };
}

/** What became of the VM a line names: its moref, its last rename, its removal, and the VM it is now. */
export interface NameFate {
  readonly vm: string;
  readonly renamed: Rename | null;
  readonly removed: Removal | null;
  readonly now: Vm | null;
}

/**
 * The VM the events show called so when a line was written (a VM removed before the line did not
 * write it; one renamed from the name before it was called otherwise then), the first vCenter logged;
 * then its renames since the lines, and its removal. null: no event explains the name.
 */
export function fateOf(unknown: UnknownVm, names: NameHistory, inventory: Inventory): NameFate | null {
  const firstEvent = (moref: string) => names.eventsOf(moref)[0]?.key ?? Infinity;
  const vm = names.calledEver(unknown.name)
    .filter((moref) => unknown.events.some((line) => names.calledAt(moref, unknown.name, line)))
    .sort((a, b) => firstEvent(a) - firstEvent(b))[0];
  if (vm === undefined) return null;
  const first = unknown.events.map((e) => e.firstTime ?? e.lastTime).filter((t): t is string => t !== null).sort()[0];
  const since = first === undefined ? -Infinity : Date.parse(first) - CLOCK_SKEW_MS;
  const events = names.eventsOf(vm);
  const removed = events.find((e): e is Removal => e.type === 'VmRemovedEvent') ?? null;
  const renamed = events.filter((e): e is Rename => e.type !== 'VmRemovedEvent' && Date.parse(e.time) > since).at(-1) ?? null;
  if (!removed && !renamed) return null;
  return { vm, renamed, removed, now: removed ? null : (inventory.vms.find((v) => v.moref === vm) ?? null) };
}

/**
 * What the audit says of such lines: notes where vCenter's events explain
 * the name, else a warning. `names` undefined (not read): the lines'
 * notes as before, since nothing tells the two causes apart.
 */
export function tellUnknownVm(unknown: UnknownVm, names: NameHistory | undefined, inventory: Inventory, noteOf: (line: L2SecEvent) => string): { notes: string[]; warning: string | null } {
  if (!names) return { notes: unknown.events.map(noteOf), warning: null };
  const fate = fateOf(unknown, names, inventory);
  const last = lastLogged(unknown.events) ?? 'a time the log does not give';
  const port = unknown.events.find((e) => e.port)?.port;
  const blocked = `blocked at ${last}${port ? ` (port ${port})` : ''}`;
  const renamed = fate?.renamed ? `renamed to ${displayName(fate.renamed.newName)} at ${fate.renamed.time}` : null;
  if (fate?.removed) {
    const what = [renamed, `removed from vCenter at ${fate.removed.time}`].filter(Boolean).join(' and ');
    return { notes: [`${unknown.host.name}: ${unknown.name}, ${blocked}, was ${what} (${fate.vm}): the line is history.`], warning: null };
  }
  if (fate?.now) {
    return { notes: [`${unknown.host.name}: ${unknown.name}, ${blocked}, was ${renamed}: it is ${displayName(fate.now.name)} (${fate.now.moref}) now, and the line is not tied to any of its NICs now.`], warning: null };
  }
  const why = renamed ? `${renamed}, ${fate!.vm}` : 'or that was deleted or renamed before the events read';
  return {
    notes: [],
    warning: `A VM named ${unknown.name} that this vCenter user cannot see (${why}) was blocked on host ${unknown.host.name} at ${last}${port ? ` (port ${port})` : ''}: check with an account that sees every VM.`,
  };
}

function lastLogged(events: readonly L2SecEvent[]): string | null {
  return events.map((e) => e.lastTime).filter((t): t is string => t !== null).sort().at(-1) ?? null;
}
