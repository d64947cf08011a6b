// From a journal to the changes that undo it, newest first. Each undo is
// planned against the state the journal recorded after the write, so it is
// refused (drift) if anything touched the object since; it sets back only
// the one field the original change set.
import type { VirtualEthernetCard } from '../vsphere/types.js';
import { canonical, fingerprint, stateOf } from './change.js';
import type { Action, Change, Journal, JournalEntry } from './schema.js';
import type { CurrentState } from './read.js';
import { dvReconfigureSpec, getPath, setPath } from './specs.js';

const INVERSE: Record<Action, Action> = {
  UpdatePortGroup: 'UpdatePortGroup',
  UpdateVirtualSwitch: 'UpdateVirtualSwitch',
  AddPortGroup: 'RemovePortGroup',
  RemovePortGroup: 'AddPortGroup',
  ReconfigureDVPortgroup: 'ReconfigureDVPortgroup',
  CreateDVPortgroup: 'DestroyDVPortgroup',
  DestroyDVPortgroup: 'CreateDVPortgroup',
  EditNic: 'EditNic',
};

/** Entries that changed something (applied, or pending: maybe applied), newest first. */
export function undoable(journal: Journal): JournalEntry[] {
  return journal.entries.filter((e) => e.status !== 'failed').reverse();
}

export function undo(entry: JournalEntry, index: number): Change {
  // An undo removes what a copy made; what it copied is not its premise.
  // Nor, putting a vSwitch back, which portgroups inherited from it: Reject again reaching more of them narrows.
  const { copyOf: _copyOf, opens: _opens, ...c } = entry.change;
  const action = INVERSE[c.action];
  const target =
    entry.created && c.target.type === 'DistributedVirtualPortgroup'
      ? { ...c.target, portgroup: { ...c.target.portgroup, moref: entry.created.moref, key: entry.created.key } }
      : c.target;
  const now = entry.after ?? null;
  const field = restoredField(entry);
  return {
    ...c,
    id: `u${index + 1}`,
    action,
    target,
    field,
    from: c.to,
    to: c.from,
    before: now,
    after: restore(entry, action, field),
    fingerprint: fingerprint(stateOf(target, now, entry.configVersionAfter)),
    dependsOn: [],
  };
}

/**
 * The field an undo sets: the one the change set, except for MAC changes on
 * a 6.7+ dvPortgroup. That went through macManagementPolicy, whose single
 * `inherited` flag cannot say "only macChanges is inherited"; securityPolicy
 * (still honoured) has a flag per field, so putting it back as recorded
 * restores both views exactly.
 */
export function restoredField(entry: Pick<JournalEntry, 'change' | 'before'>): string {
  const { action, strategy, field } = entry.change;
  const legacyView = 'defaultPortConfig.securityPolicy';
  if (action === 'ReconfigureDVPortgroup' && strategy === 'portgroup-accept' && getPath(entry.before, legacyView)) return legacyView;
  return field;
}

/** The spec that puts back the recorded value (computed again from the current spec at apply time). */
function restore(entry: JournalEntry, action: Action, field: string): unknown {
  const was = getPath(entry.before, field);
  switch (action) {
    case 'UpdatePortGroup':
      return setPath('HostPortGroupSpec', entry.after, field, was);
    case 'UpdateVirtualSwitch':
      return setPath('HostVirtualSwitchSpec', entry.after, field, was);
    case 'ReconfigureDVPortgroup':
      return dvReconfigureSpec(entry.configVersionAfter ?? '', field, was);
    case 'EditNic': {
      const before = entry.before as VirtualEthernetCard;
      const now = entry.after as VirtualEthernetCard;
      if (field === 'address') return { ...now, addressType: before.addressType, macAddress: before.macAddress };
      const { connectionCookie: _cookie, ...port } = before.backing?.port ?? {};
      return { ...now, backing: before.backing?.port ? { ...before.backing, port } : before.backing };
    }
    default:
      return entry.before;
  }
}

/** The field the change set holds its recorded value again (a creation: the object is gone again). */
export function asBefore(entry: JournalEntry, current: CurrentState): boolean {
  const { action, field, target } = entry.change;
  // A deleted VM or removed host is not "as before": what was there is gone, which is for a person to see.
  if (current.missing) return false;
  if (action === 'UpdatePortGroup' || action === 'UpdateVirtualSwitch' || action === 'ReconfigureDVPortgroup') {
    // A dvPortgroup's configVersion moves on with every change, so its state is compared by the field.
    return current.spec !== null && canonical(getPath(current.spec, field) ?? null) === canonical(getPath(entry.before, field) ?? null);
  }
  return canonical(stateOf(target, current.spec, current.configVersion)) === canonical(stateOf(target, entry.before, entry.configVersionBefore));
}
