// "Exactly what will change": one line a change to decide on, and on request
// the leaves of the two specs that differ, with how many stay as they are,
// so a person sees the changed lines, not two blobs.
import type { Change } from '../remedy/schema.js';
import { getPath } from '../remedy/specs.js';
import { oneLine } from './escape.js';
import type { Paint } from './style.js';

export interface LeafChange {
  readonly path: string;
  readonly from: string;
  readonly to: string;
}

function leaves(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) {
    value.forEach((v, i) => leaves(v, `${prefix}[${i}]`, out));
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k !== '_typeName') leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, oneLine(String(value)));
  }
  return out;
}

function specDiff(before: unknown, after: unknown): { changed: LeafChange[]; unchanged: LeafChange[] } {
  const a = leaves(before, '', new Map());
  const b = leaves(after, '', new Map());
  const changed: LeafChange[] = [];
  const unchanged: LeafChange[] = [];
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    const from = a.get(path) ?? '(unset)';
    const to = b.get(path) ?? '(unset)';
    (from === to ? unchanged : changed).push({ path, from, to });
  }
  return { changed, unchanged };
}

/** The object a change is on, as an admin names it: "portgroup NLB-Front", "web01 Network adapter 1". */
export function objectName(c: Change): string {
  const t = c.target;
  switch (t.type) {
    case 'HostPortGroup':
      return `portgroup ${t.portgroup}`;
    case 'HostVirtualSwitch':
      return `vSwitch ${t.vswitch}`;
    case 'DistributedVirtualPortgroup':
      return `dvPortgroup ${t.portgroup.name}`;
    case 'VirtualEthernetCard':
      return `${t.vm.name} ${t.label}`;
  }
}

const FIELD_WORDS: Record<string, string> = { backing: 'network', address: 'MAC' };

/**
 * One line to decide on, object and values first so they survive an
 * 80-column terminal: which object (and host), which field, from what to
 * what (red and green where colour is allowed).
 */
export function compactLine(change: Change, paint: Paint): string {
  const on = 'host' in change.target ? ` on ${change.target.host.name}` : '';
  const what = oneLine(`${objectName(change)}${on}`);
  if (change.before === null) return `${change.id}  ${what}: ${paint('added', `new, ${oneLine(change.to)}`)}`;
  const last = change.field.split('.').at(-1)!;
  return `${change.id}  ${what}: ${FIELD_WORDS[last] ?? last} ${paint('removed', oneLine(change.from))} → ${paint('added', oneLine(change.to))}`;
}

/** The header and the diff a person reads before confirming one change. */
export function changeLines(change: Change): string[] {
  return [`${change.id}  ${oneLine(change.path)}`, ...changeBody(change)];
}

/** What is sent, leaf by leaf, under a change's header; the VMs it affects last, unless they are listed elsewhere. */
export function changeBody(change: Change, withVms = true): string[] {
  const out = [`    ${change.action}: ${change.field} ${oneLine(change.from)} -> ${oneLine(change.to)}`];
  if (change.before === null) {
    out.push(`    new ${change.target.type === 'HostPortGroup' ? 'portgroup' : 'dvPortgroup'}:`);
    const { own, inherited } = newObjectFields(change.after);
    for (const [path, value] of own) out.push(`    + ${path}: ${value}`);
    if (inherited) out.push(`    (${inherited} inherited setting${inherited === 1 ? '' : 's'} copied as they are)`);
  } else if (change.after !== null) {
    // A dvPortgroup reconfigure is a delta: compare the one field, not the whole config.
    const dv = change.action === 'ReconfigureDVPortgroup';
    const pick = (spec: unknown) => (dv ? { [change.field]: getPath(spec, change.field) } : spec);
    const { changed, unchanged } = specDiff(pick(change.before), pick(change.after));
    for (const c of changed) out.push(`    - ${c.path}: ${c.from}`, `    + ${c.path}: ${shownAfter(change, c)}`);
    const explicit = madeExplicit(changed, unchanged);
    if (explicit.length) {
      out.push(`    now set on this ${dv ? 'dvPortgroup' : 'object'} rather than inherited, same values (the policy has one inherited flag): ${explicit.map((l) => `${l.path.split('.').at(-1)} ${l.to}`).join(', ')}`);
    }
    const rest = unchanged.length - explicit.length;
    if (rest) out.push(`    (${rest} other field${rest === 1 ? '' : 's'} of the ${dv ? 'policy' : 'spec'} sent unchanged)`);
  }
  if (withVms && change.vms.length) out.push(`    VMs affected: ${change.vms.map(oneLine).join(', ')}`);
  return out;
}

function shownAfter(change: Change, leaf: LeafChange): string {
  // A NIC moving to a portgroup this plan creates: apply fills the key in.
  if (leaf.to === '' && change.dependsOn.length) return "(the new portgroup's, once created)";
  // A moved NIC's network and port are vCenter's to fill in from the new backing, not a loss.
  if (leaf.to === '(unset)' && change.action === 'EditNic' && leaf.path.startsWith('backing.')) return '(not sent: vCenter sets it for the new portgroup)';
  return leaf.to;
}

/**
 * Fields of a policy that stop being inherited along with the one that
 * changes: vSphere has one `inherited` flag for a whole MAC management
 * policy, so setting MAC changes sets forged transmits and promiscuous too.
 */
function madeExplicit(changed: readonly LeafChange[], unchanged: readonly LeafChange[]): LeafChange[] {
  const owners = changed.filter((c) => c.path.endsWith('.inherited') && c.from === 'true' && c.to === 'false').map((c) => c.path.slice(0, -'inherited'.length));
  return unchanged.filter((u) => owners.some((o) => u.path.startsWith(o) && !u.path.slice(o.length).includes('.')));
}

/**
 * A new object's settings, those set on it first; a copied dvPortgroup has
 * ~60 leaves under policies marked inherited, which say nothing of their own.
 */
function newObjectFields(spec: unknown): { own: [string, string][]; inherited: number } {
  const all = [...leaves(spec, '', new Map())];
  const inheritedUnder = all.filter(([path, value]) => path.endsWith('.inherited') && value === 'true').map(([path]) => path.slice(0, -'inherited'.length));
  const own = all.filter(([path]) => !inheritedUnder.some((prefix) => path.startsWith(prefix)));
  return { own, inherited: all.length - own.length };
}
