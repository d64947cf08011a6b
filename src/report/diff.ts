// "Exactly what will change": the leaves of two specs that differ, and how
// many stay as they are, so a person sees one changed line, not two blobs.
import type { Change } from '../remedy/schema.js';
import { getPath } from '../remedy/specs.js';

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
    out.set(prefix, String(value));
  }
  return out;
}

function specDiff(before: unknown, after: unknown): { changed: LeafChange[]; unchanged: number } {
  const a = leaves(before, '', new Map());
  const b = leaves(after, '', new Map());
  const changed: LeafChange[] = [];
  let unchanged = 0;
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    const from = a.get(path) ?? '(unset)';
    const to = b.get(path) ?? '(unset)';
    if (from === to) unchanged++;
    else changed.push({ path, from, to });
  }
  return { changed, unchanged };
}

/** The lines a person reads before confirming one change. */
export function changeLines(change: Change): string[] {
  const out = [`${change.id}  ${change.path}`, `    ${change.action}: ${change.field} ${change.from} -> ${change.to}`];
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
    for (const c of changed) {
      // A NIC moving to a portgroup this plan creates: apply fills the key in.
      const to = c.to === '' && change.dependsOn.length ? '(the new portgroup\'s, once created)' : c.to;
      out.push(`    - ${c.path}: ${c.from}`, `    + ${c.path}: ${to}`);
    }
    out.push(`    (${unchanged} other field${unchanged === 1 ? '' : 's'} of the ${dv ? 'policy' : 'spec'} sent unchanged)`);
  }
  if (change.vms.length) out.push(`    VMs affected: ${change.vms.join(', ')}`);
  return out;
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
