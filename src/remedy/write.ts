// The one place that writes to vCenter. Each change: re-read the object,
// refuse if it drifted from what was planned, send the CURRENT spec with the
// one field set (read-modify-write), journal before and after, re-read to
// verify. A write is never sent twice: if its answer is lost, the object is
// read again to learn whether it applied.
import { ChangeError, DriftError, NotAppliedError } from '../errors.js';
import type { VimClient } from '../vsphere/client.js';
import { faultAdvice, SoapFault } from '../vsphere/faults.js';
import { settleTasks, TaskFault, waitForTask } from '../vsphere/tasks.js';
import type { MoRef, VirtualEthernetCard } from '../vsphere/types.js';
import { fingerprint, macReassigned, same, stateOf, targetKey } from './change.js';
import type { JournalWriter } from './journal.js';
import type { Change } from './schema.js';
import { readCurrent, type CurrentState } from './read.js';
import { copyNow, dvReconfigureSpec, getPath, setPath } from './specs.js';

export interface WriteContext {
  readonly client: VimClient;
  readonly journal: JournalWriter;
  /** Runs the write and its journal entry so that an interrupt cannot split them. */
  readonly critical: <T>(work: () => Promise<T>) => Promise<T>;
  /** Targets this run has written, with the state it left them in. */
  readonly written: Map<string, string>;
  /** dvPortgroups created in this run, by the creating change's id. */
  readonly created: Map<string, { moref: string; key: string }>;
}

/** Why the object is not as the change was planned against, in words; null if it is. */
export function drift(change: Change, current: CurrentState, ctx: Pick<WriteContext, 'written'>): string | null {
  if (current.missing) return `${current.missing} no longer exists`;
  const key = targetKey(change.target);
  const state = fingerprint(stateOf(change.target, current.spec, current.configVersion));
  // A second change to an object this run already changed is planned against the first one's result.
  const written = ctx.written.get(key);
  if (state === (written ?? change.fingerprint)) return written ? null : policyDrift(change, current) ?? copyDrift(change, current) ?? portDrift(current) ?? opensMore(change, current);
  // The commonest drift on a change board: the same plan run a second time, or again after a run that stopped.
  const again = 'was it applied already? vmfix journal lists the runs';
  if (change.before === null) return change.action === 'AddPortGroup' && same(current.spec, change.after) ? `it exists already, as this change would create it (${again})` : 'it exists already';
  if (current.spec === null) return 'it no longer exists';
  if (IN_PLACE.has(change.action) && holds(change, current, change.after)) return `it already holds what this change sets (${again})`;
  if (change.target.type === 'DistributedVirtualPortgroup') return `its configVersion is ${current.configVersion}, not the planned ${(change.before as { configVersion?: string }).configVersion ?? '?'}`;
  return 'it was changed since the plan was made';
}

/**
 * The reconfigure sends a dvPortgroup's MAC policy whole, made from the one
 * planned: that must be the one it holds now. Its configVersion says so only
 * for its own changes (a policy it inherits is its switch's), and only if the
 * file's record of the policy is true (an edit with the checksum recomputed).
 */
function policyDrift(change: Change, current: CurrentState): string | null {
  if (change.action !== 'ReconfigureDVPortgroup' || same(getPath(current.spec, change.field), getPath(change.before, change.field))) return null;
  return `its ${change.field} is not as it was when planned (set on its distributed switch, if it inherits it)`;
}

/**
 * A dedicated portgroup is a copy of another made when the plan was: if that
 * one has changed since (re-VLANed, reconfigured), the copy planned is not the
 * copy it would be now, and its NICs would land on the old settings.
 */
function copyDrift(change: Change, current: CurrentState): string | null {
  const of = change.copyOf;
  if (!of || (change.action !== 'AddPortGroup' && change.action !== 'CreateDVPortgroup')) return null;
  if (!current.source) return `"${of.name}", which it copies, no longer exists`;
  return same(copyNow(change.action, current.source, change.after), change.after) ? null : `"${of.name}", which it copies, was changed since the plan was made`;
}

/**
 * A vSwitch's Accept reaches every portgroup that inherits it: one the plan
 * does not name (it set its own MAC changes when planned, or was created or
 * renamed since) would be opened with VMs the plan never named. (The vSwitch
 * itself is unchanged.)
 */
function opensMore(change: Change, current: CurrentState): string | null {
  const more = change.opens && current.inheriting?.filter((p) => !change.opens!.includes(p));
  if (!more?.length) return null;
  const named = more.map((p) => `portgroup "${p}"`).join(', ');
  return `it would now also open ${named}, which ${more.length > 1 ? 'inherit' : 'inherits'} its MAC changes now and ${more.length > 1 ? 'are' : 'is'} not among the portgroups the plan opens`;
}

/** A NIC going back to its own dvPort (a rollback): someone else's NIC there now would make it fail halfway through. */
function portDrift({ portTaken }: CurrentState): string | null {
  return portTaken ? `dvPort ${portTaken.port}, which it goes back to, is taken by ${portTaken.by}` : null;
}

/**
 * Why an object that is as planned cannot take the change yet, or null: a
 * MAC changes only while the VM is powered off (and vmfix never powers one off).
 */
export function notReady(change: Change, current: CurrentState): string | null {
  if (change.action !== 'EditNic' || change.field !== 'address' || current.powerState === 'poweredOff') return null;
  const vm = change.target.type === 'VirtualEthernetCard' ? change.target.vm.name : 'the VM';
  return `${vm} is ${current.powerState}; its MAC can only change while it is powered off`;
}

/**
 * What is connected to a portgroup that a removal would find still there:
 * what is on it now, less the NICs that the changes before it move off it
 * (a rollback moves them back first). Empty for any other change.
 */
export function leftOn(change: Change, earlier: readonly Change[], current: CurrentState): string[] {
  if (change.action !== 'RemovePortGroup' && change.action !== 'DestroyDVPortgroup') return [];
  const t = change.target;
  const leaving = new Set<string>();
  for (const move of earlier) {
    if (move.action !== 'EditNic' || move.field !== 'backing' || move.target.type !== 'VirtualEthernetCard') continue;
    const nic = move.before as VirtualEthernetCard | null;
    if (t.type === 'HostPortGroup' && nic?.backing?.deviceName === t.portgroup && nic.macAddress) leaving.add(nic.macAddress.toLowerCase());
    if (t.type === 'DistributedVirtualPortgroup' && current.ref && nic?.backing?.port?.portgroupKey === current.ref.key) leaving.add(`${move.target.vm.moref}/${move.target.nicKey}`);
  }
  return (current.connected ?? []).filter((c) => !leaving.has(c.id)).map((c) => c.label);
}

/** The spec to send: the current one with the change's one field set. */
function spec(change: Change, current: CurrentState, ctx: WriteContext): unknown {
  switch (change.action) {
    case 'UpdatePortGroup':
      return setPath('HostPortGroupSpec', current.spec, change.field, getPath(change.after, change.field));
    case 'UpdateVirtualSwitch':
      return setPath('HostVirtualSwitchSpec', current.spec, change.field, getPath(change.after, change.field));
    case 'ReconfigureDVPortgroup':
      return dvReconfigureSpec(current.configVersion ?? '', change.field, getPath(change.after, change.field));
    case 'EditNic': {
      const device = structuredClone(current.spec) as VirtualEthernetCard;
      const wanted = change.after as VirtualEthernetCard;
      if (change.field === 'address') return { ...device, addressType: wanted.addressType, macAddress: wanted.macAddress };
      const backing = structuredClone(wanted.backing)!;
      // A NIC moved to a dvPortgroup created in this run: its key is known now.
      if (backing.port && !backing.port.portgroupKey) {
        const created = change.dependsOn.map((id) => ctx.created.get(id)).find(Boolean);
        if (!created) throw new ChangeError(`${change.path}: the dvPortgroup it moves to was not created.`);
        backing.port.portgroupKey = created.key;
      }
      return { ...device, backing };
    }
    default:
      return change.after;
  }
}

/**
 * The object a change's task runs on (a dvPortgroup; its DVS for a
 * creation; a VM), or null for a change made by a direct call.
 */
export function taskEntity(change: Pick<Change, 'action' | 'target'>, current?: Pick<CurrentState, 'ref'>): MoRef | null {
  const t = change.target;
  switch (change.action) {
    case 'ReconfigureDVPortgroup':
    case 'DestroyDVPortgroup':
      return t.type === 'DistributedVirtualPortgroup' ? { type: 'DistributedVirtualPortgroup', value: current?.ref?.moref ?? t.portgroup.moref } : null;
    case 'CreateDVPortgroup':
      return t.type === 'DistributedVirtualPortgroup' ? { type: t.dvs.type, value: t.dvs.moref } : null;
    case 'EditNic':
      return t.type === 'VirtualEthernetCard' ? { type: 'VirtualMachine', value: t.vm.moref } : null;
    default:
      return null;
  }
}

async function send(client: VimClient, change: Change, body: unknown, current: CurrentState): Promise<unknown> {
  const t = change.target;
  const entity = taskEntity(change, current);
  const runTask = async (method: string, params: Record<string, unknown>) => {
    if (!entity) throw new Error(`${change.action} cannot target a ${t.type}`);
    try {
      const task = await client.write<MoRef>(method, { _this: entity, ...params }, { type: 'ManagedObjectReference' });
      return await waitForTask(client, task).catch((err: unknown) => {
        // Only the task's own error is vCenter refusing the change; losing sight
        // of the task (an expired session took its collector) is a lost answer.
        throw err instanceof SoapFault && !(err instanceof TaskFault) ? new Error(`watching the task failed (${err.faultType})`, { cause: err }) : err;
      });
    } catch (err) {
      // A lost answer: the task may still be queued on a busy vCenter, and the
      // object read back next would not show the change yet. Let it end first;
      // what the read-back then finds decides.
      if (!(err instanceof SoapFault)) await settleTasks(client, [entity]).catch(() => undefined);
      throw err;
    }
  };
  switch (change.action) {
    case 'UpdatePortGroup':
      if (t.type !== 'HostPortGroup') break;
      return client.write('UpdatePortGroup', { _this: t.host.networkSystem, pgName: t.portgroup, portgrp: body });
    case 'AddPortGroup':
      if (t.type !== 'HostPortGroup') break;
      return client.write('AddPortGroup', { _this: t.host.networkSystem, portgrp: body });
    case 'RemovePortGroup':
      if (t.type !== 'HostPortGroup') break;
      return client.write('RemovePortGroup', { _this: t.host.networkSystem, pgName: t.portgroup });
    case 'UpdateVirtualSwitch':
      if (t.type !== 'HostVirtualSwitch') break;
      return client.write('UpdateVirtualSwitch', { _this: t.host.networkSystem, vswitchName: t.vswitch, spec: body });
    case 'ReconfigureDVPortgroup':
      return runTask('ReconfigureDVPortgroup_Task', { spec: body });
    case 'CreateDVPortgroup':
      return runTask('CreateDVPortgroup_Task', { spec: body });
    case 'DestroyDVPortgroup':
      return runTask('Destroy_Task', {});
    case 'EditNic':
      return runTask('ReconfigVM_Task', {
        spec: { _typeName: 'VirtualMachineConfigSpec', deviceChange: [{ _typeName: 'VirtualDeviceConfigSpec', operation: 'edit', device: body }] },
      });
  }
  throw new Error(`${change.action} cannot target a ${t.type}`);
}

/** Changes that set a field of an object that exists before and after (no creation or removal). */
const IN_PLACE = new Set<Change['action']>(['UpdatePortGroup', 'UpdateVirtualSwitch', 'ReconfigureDVPortgroup', 'EditNic']);

/** Whether the object now holds what the change set. */
function holds(change: Change, current: CurrentState, sent: unknown): boolean {
  switch (change.action) {
    case 'AddPortGroup':
    case 'CreateDVPortgroup':
      return current.spec !== null;
    case 'RemovePortGroup':
    case 'DestroyDVPortgroup':
      return current.spec === null;
    case 'EditNic':
      return same(stateOf(change.target, current.spec), stateOf(change.target, sent));
    default:
      // A reconfigure spec and the config it changes share the field's path.
      return same(getPath(current.spec, change.field), getPath(sent, change.field));
  }
}

/** How a change ended that did not throw: written, or found already made by someone else, so not sent. */
type Written = { readonly status: 'applied'; readonly note?: string } | { readonly status: 'already-set'; readonly note: string };

/**
 * A drifted object that already holds what the change would set: someone made
 * the same change meanwhile. Only a change IN_PLACE can be found so: an object
 * of the same name created meanwhile is not the one planned.
 */
function alreadySet(change: Change, current: CurrentState, ctx: WriteContext): boolean {
  if (!IN_PLACE.has(change.action) || current.spec === null) return false;
  // A NIC moving to a dvPortgroup this run was to create: that one is not there to compare with.
  if (change.dependsOn.length) return false;
  return holds(change, current, spec(change, current, ctx));
}

/**
 * Writes one change. Throws DriftError (exit 5) if the object is not as
 * planned (unless it already holds the change's value: then nothing is sent),
 * ChangeError (exit 4) if vCenter refused or the write failed; the journal
 * says which, in either case.
 */
export async function writeChange(ctx: WriteContext, change: Change): Promise<Written> {
  const { client, journal } = ctx;
  const current = await readCurrent(client, change);
  const changed = drift(change, current, ctx);
  if (changed && alreadySet(change, current, ctx)) {
    // Later changes to the same object are planned against this state, as if vmfix had made it.
    ctx.written.set(targetKey(change.target), fingerprint(stateOf(change.target, current.spec, current.configVersion)));
    return { status: 'already-set', note: `not applied: changed meanwhile (already ${change.to})` };
  }
  const drifted = changed ?? notReady(change, current);
  if (drifted) throw new DriftError(`${change.path}: ${drifted}.`);
  // Checked only now: earlier changes of the same run move the NICs off it.
  if ((change.action === 'RemovePortGroup' || change.action === 'DestroyDVPortgroup') && current.connected?.length) {
    throw new DriftError(`${change.path}: ${current.connected.length} VM NIC(s) are connected to it, so it is not removed.`);
  }
  const body = spec(change, current, ctx);

  return ctx.critical(async () => {
    const { before: _b, after: _a, ...summary } = change;
    const entry = await journal.begin({
      change: summary,
      before: current.spec,
      sent: body,
      ...(current.configVersion !== undefined ? { configVersionBefore: current.configVersion } : {}),
    });
    let writeError: unknown;
    try {
      await send(client, change, body, current);
    } catch (err) {
      writeError = err;
      if (err instanceof SoapFault) {
        const concurrent = err.faultType === 'ConcurrentAccess';
        // vCenter refused it because the object already is as this change makes it (another run removed
        // or created it a moment ago: AlreadyExists, NotFound, ManagedObjectNotFound): that run's doing, not a failure.
        const now = concurrent ? undefined : await readCurrent(client, change).catch(() => undefined);
        const doneByOther = now !== undefined && holds(change, now, body);
        await journal.finish(entry, { status: 'failed', note: `${err.faultType}: ${err.message}` });
        if (concurrent) throw new DriftError(`${change.path}: someone changed it at the same moment (ConcurrentAccess); nothing was applied.`);
        // A portgroup of that name made by someone else is not known to be the one this run would make.
        const made = change.before === null
          ? `someone else created one of this name at the same moment (${err.faultType})`
          : `someone else made this change at the same moment (${err.faultType}); it holds what this run would set`;
        if (doneByOther) throw new DriftError(`${change.path}: ${made}, and this run sent nothing more.`);
        throw new NotAppliedError(`${change.path}: ${faultAdvice(err, methodOf(change), (ref) => nameOf(change, ref))}`, { cause: err });
      }
    }
    // Read back: to verify, and, if the answer was lost, to learn what happened.
    const after = await readCurrent(client, change);
    const applied = holds(change, after, body);
    const recorded = {
      after: after.spec,
      ...(after.configVersion !== undefined ? { configVersionAfter: after.configVersion } : {}),
      ...(after.ref && change.action === 'CreateDVPortgroup' ? { created: after.ref } : {}),
    };
    if (!applied) {
      const why = writeError ? `the write failed (${(writeError as Error).message})` : 'vCenter accepted it but the value did not change';
      await journal.finish(entry, { status: 'failed', ...recorded, note: `${why}; re-read shows it did not apply` });
      throw new NotAppliedError(`${change.path}: ${why}; vmfix read it back and it did not apply.`, { cause: writeError });
    }
    const notes = [
      ...(writeError ? [`the answer was lost (${(writeError as Error).message}), but re-reading shows it applied`] : []),
      ...reassigned(change, body, after.spec),
    ];
    await journal.finish(entry, { status: 'applied', ...recorded, ...(notes.length ? { note: notes.join('; ') } : {}) });
    ctx.written.set(targetKey(change.target), fingerprint(stateOf(change.target, after.spec, after.configVersion)));
    if (after.ref && change.action === 'CreateDVPortgroup') ctx.created.set(change.id, after.ref);
    return { status: 'applied' as const, ...(entry.note ? { note: entry.note } : {}) };
  });
}

function reassigned(change: Change, sent: unknown, after: unknown): string[] {
  const mac = change.action === 'EditNic' ? macReassigned(sent, after) : null;
  return mac ? [`vCenter gave the NIC a new MAC, ${mac.given}, not ${mac.asked}: a MAC vCenter assigns cannot be set back by hand`] : [];
}

/** The change's own objects by name: a fault names them by moref (NoPermission's object: the host, the VM). */
function nameOf(change: Change, ref: MoRef): string | undefined {
  const t = change.target;
  switch (t.type) {
    case 'HostPortGroup':
    case 'HostVirtualSwitch':
      return ref.value === t.host.moref || ref.value === t.host.networkSystem.value ? `host ${t.host.name}` : undefined;
    case 'DistributedVirtualPortgroup':
      if (ref.value === t.portgroup.moref) return `dvPortgroup ${t.portgroup.name}`;
      return ref.value === t.dvs.moref ? `distributed switch ${t.dvs.name}` : undefined;
    case 'VirtualEthernetCard':
      return ref.value === t.vm.moref ? `VM ${t.vm.name}` : undefined;
  }
}

function methodOf(change: Change): string {
  const methods: Record<Change['action'], string> = {
    UpdatePortGroup: 'UpdatePortGroup',
    UpdateVirtualSwitch: 'UpdateVirtualSwitch',
    AddPortGroup: 'AddPortGroup',
    RemovePortGroup: 'RemovePortGroup',
    ReconfigureDVPortgroup: 'ReconfigureDVPortgroup_Task',
    CreateDVPortgroup: 'CreateDVPortgroup_Task',
    DestroyDVPortgroup: 'Destroy_Task',
    EditNic: 'ReconfigVM_Task',
  };
  return methods[change.action];
}
