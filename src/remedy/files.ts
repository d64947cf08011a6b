// Plans and journals on disk. They cross from one person (or day) to the
// next, so reading one validates it against a schema, checks its checksum,
// and allows only the fields vmfix itself ever changes: a hand-edited plan
// cannot turn a MAC-policy fix into, say, a VLAN change.
import type { z } from 'zod';
import { pinMacProblem } from '../audit/remedies.js';
import { UsageError } from '../errors.js';
import { normalizeMac } from '../inventory/model.js';
import { MAX_RECORD_BYTES, readFileBounded, writeFile } from '../files.js';
import { checksum, same } from './change.js';
import { restoredField } from './rollback.js';
import { journalFile, planFile, type Action, type Journal, type Plan } from './schema.js';
import { getPath } from './specs.js';

/** The only field each action may set. */
const FIELDS: Record<Action, readonly string[]> = {
  UpdatePortGroup: ['policy.security.macChanges', 'policy.security.forgedTransmits'],
  UpdateVirtualSwitch: ['policy.security.macChanges'],
  AddPortGroup: ['portgroup'],
  RemovePortGroup: ['portgroup'],
  ReconfigureDVPortgroup: ['defaultPortConfig.macManagementPolicy', 'defaultPortConfig.securityPolicy'],
  CreateDVPortgroup: ['portgroup'],
  DestroyDVPortgroup: ['portgroup'],
  EditNic: ['backing', 'address'],
};

/** Returns the plan's checksum, which the change ticket names and apply prints. */
export async function savePlan(path: string, plan: Plan): Promise<string> {
  const sum = checksum(plan);
  await writeFile(path, `${JSON.stringify({ ...plan, checksum: sum }, null, 2)}\n`);
  return sum;
}

async function readJson(path: string, what: string): Promise<unknown> {
  const text = await readFileBounded(path, what, MAX_RECORD_BYTES);
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not valid JSON: the ${what} is truncated or damaged.`);
  }
}

/** The other kind of file, given where one kind was expected: what to run on it instead. */
const OTHER_KIND: Record<string, string> = {
  'vmfix-plan': 'a vmfix plan, not a journal: vmfix apply takes it',
  'vmfix-journal': 'a vmfix journal, not a plan: vmfix journal shows it, vmfix rollback undoes it',
  // fix --dry-run --format json writes it beside the plan, and it names the plan: easy to pick up instead.
  'vmfix-change-ticket': 'a vmfix change ticket, which describes a change: vmfix apply takes the plan that fix --plan-out wrote, vmfix rollback the journal a run wrote',
};

function invalid(path: string, what: string, error: z.ZodError, raw: unknown): UsageError {
  const kind = (raw as { kind?: unknown } | null)?.kind;
  if (typeof kind === 'string' && kind !== `vmfix-${what}` && OTHER_KIND[kind]) return new UsageError(`${path} is ${OTHER_KIND[kind]}.`);
  const issue = error.issues[0]!;
  return new UsageError(`${path} is not a valid vmfix ${what}: ${issue.path.join('.') || 'top level'}: ${issue.message}.`);
}

function allowedFields(path: string, what: string, changes: readonly { id: string; action: Action; field: string }[]): void {
  for (const c of changes) {
    if (!FIELDS[c.action].includes(c.field)) {
      throw new UsageError(`${path} is not a valid vmfix ${what}: change ${c.id} (${c.action}) would set "${c.field}", which vmfix never changes.`);
    }
  }
}

/**
 * A dvPortgroup's reconfigure sends its MAC policy object whole, and that object
 * also holds promiscuous mode: only the parts vmfix sets may differ from the
 * policy it starts from. The legacy view's per-field BoolPolicies are compared
 * by value: which of them are marked inherited after a macManagementPolicy
 * change is vCenter's doing, and a rollback puts those marks back.
 */
const DV_POLICY_SETS = new Set(['inherited', 'macChanges', 'forgedTransmits', 'macLearningPolicy']);

interface PolicyWrite {
  readonly id: string;
  readonly field: string;
  /** The policy as the object holds it before the write, and the one sent. */
  readonly from: unknown;
  readonly sends: unknown;
}

/** The first part of the policy, beyond those vmfix sets, that sending `sends` over `from` would change. */
export function beyondMacPolicy(from: unknown, sends: unknown): string | undefined {
  const value = (v: unknown) => (v && typeof v === 'object' && 'value' in v ? v.value : v);
  const was = (from ?? {}) as Record<string, unknown>;
  const is = (sends ?? {}) as Record<string, unknown>;
  return [...new Set([...Object.keys(was), ...Object.keys(is)])].find((k) => k !== '_typeName' && !DV_POLICY_SETS.has(k) && !same(value(was[k]), value(is[k])));
}

function onlyMacPolicy(path: string, what: string, writes: readonly PolicyWrite[]): void {
  for (const w of writes) {
    const other = beyondMacPolicy(w.from, w.sends);
    if (other) throw new UsageError(`${path} is not a valid vmfix ${what}: change ${w.id} (ReconfigureDVPortgroup) would set "${w.field}.${other}", which vmfix never changes.`);
  }
}

/** A change runs after those it depends on (a NIC moves to a portgroup made first): each must be in the plan, before it. */
function dependenciesHeld(path: string, changes: readonly { id: string; dependsOn: readonly string[] }[]): void {
  const before = new Set<string>();
  for (const c of changes) {
    const missing = c.dependsOn.find((id) => !before.has(id));
    if (missing) throw new UsageError(`${path} is not a valid vmfix plan: change ${c.id} depends on ${missing}, which the plan does not hold before it.`);
    before.add(c.id);
  }
}

/** pin-mac sets exactly the MAC a file names (and rollback the one it recorded), so it must be one a NIC can have. */
function pinnableMacs(path: string, what: string, macs: readonly { id: string; mac: unknown }[]): void {
  for (const { id, mac } of macs) {
    const normal = typeof mac === 'string' ? normalizeMac(mac) : null;
    const problem = normal === null || normal !== (mac as string).toLowerCase() ? 'it is not a MAC address' : pinMacProblem(normal, new Map(), '');
    if (problem) throw new UsageError(`${path} is not a valid vmfix ${what}: change ${id} would set the MAC ${String(mac)}, and ${problem}.`);
  }
}

const macSet = (c: { action: Action; field: string }, spec: unknown) =>
  c.action === 'EditNic' && c.field === 'address' ? [(spec as { macAddress?: unknown } | null)?.macAddress] : [];

export async function loadPlan(path: string): Promise<Plan & { checksum: string }> {
  const raw = await readJson(path, 'plan');
  const parsed = planFile.safeParse(raw);
  if (!parsed.success) throw invalid(path, 'plan', parsed.error, raw);
  if (checksum(raw as object) !== parsed.data.checksum) {
    throw new UsageError(`${path} was modified after vmfix wrote it (checksum mismatch); make a new plan with vmfix fix --plan-out.`);
  }
  allowedFields(path, 'plan', parsed.data.changes);
  onlyMacPolicy(path, 'plan', parsed.data.changes.filter((c) => c.action === 'ReconfigureDVPortgroup').map((c) => ({ id: c.id, field: c.field, from: getPath(c.before, c.field), sends: getPath(c.after, c.field) })));
  dependenciesHeld(path, parsed.data.changes);
  pinnableMacs(path, 'plan', parsed.data.changes.flatMap((c) => macSet(c, c.after).map((mac) => ({ id: c.id, mac }))));
  return parsed.data;
}

export async function loadJournal(path: string): Promise<Journal & { checksum: string }> {
  const raw = await readJson(path, 'journal');
  const parsed = journalFile.safeParse(raw);
  if (!parsed.success) throw invalid(path, 'journal', parsed.error, raw);
  if (checksum(raw as object) !== parsed.data.checksum) {
    throw new UsageError(`${path} was modified after vmfix wrote it (checksum mismatch); vmfix will not roll back from an edited journal.`);
  }
  allowedFields(path, 'journal', parsed.data.entries.map((e) => e.change));
  // A rollback puts back what an entry recorded before, starting from what it recorded after; a pending one has no after, and is checked against what vCenter holds when it is settled (workflow/rollback.ts).
  const dv = parsed.data.entries.filter((e) => e.change.action === 'ReconfigureDVPortgroup' && e.after !== undefined);
  onlyMacPolicy(path, 'journal', dv.map((e) => ({ id: e.change.id, field: restoredField(e), from: getPath(e.after, restoredField(e)), sends: getPath(e.before, restoredField(e)) })));
  pinnableMacs(path, 'journal', parsed.data.entries.flatMap((e) => macSet(e.change, e.before).map((mac) => ({ id: e.change.id, mac }))));
  return parsed.data;
}
