// --datacenter/--cluster/--host/--vm: narrowing the inventory before the
// audit, so everything after works on what the user asked about. Pure.
import type { Inventory } from './model.js';

export interface Scope {
  readonly datacenter?: readonly string[];
  readonly cluster?: readonly string[];
  readonly host?: readonly string[];
  readonly vm?: readonly string[];
}

/** A case-insensitive shell glob (`*`, `?`, `[...]`) as a predicate. */
export function glob(pattern: string): (name: string) => boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[' && pattern.indexOf(']', i + 1) > i + 1) {
      const end = pattern.indexOf(']', i + 1);
      source += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else source += c.replace(/[.+^${}()|\\[\]]/g, '\\$&');
  }
  const re = new RegExp(`^${source}$`, 'i');
  return (name) => re.test(name);
}

function matcher(patterns: readonly string[] | undefined): (name: string | null) => boolean {
  if (!patterns?.length) return () => true;
  const tests = patterns.map(glob);
  return (name) => name !== null && tests.some((t) => t(name));
}

function isScoped(scope: Scope): boolean {
  return Boolean(scope.datacenter?.length || scope.cluster?.length || scope.host?.length || scope.vm?.length);
}

export function applyScope(inventory: Inventory, scope: Scope): Inventory {
  if (!isScoped(scope)) return inventory;
  const inDatacenter = matcher(scope.datacenter);
  const inCluster = matcher(scope.cluster);
  const isHost = matcher(scope.host);
  const isVm = matcher(scope.vm);
  const hosts = inventory.hosts.filter((h) => inDatacenter(h.datacenter) && inCluster(h.cluster) && isHost(h.name));
  const hostIds = new Set(hosts.map((h) => h.moref));
  // With hosts narrowed, a DVS is in scope where one of them is its member.
  const narrowed = Boolean(scope.cluster?.length || scope.host?.length);
  return {
    ...inventory,
    hosts,
    dvSwitches: inventory.dvSwitches.filter((d) => inDatacenter(d.datacenter) && (!narrowed || d.hosts.some((h) => hostIds.has(h)))),
    vms: inventory.vms.filter((vm) => vm.host !== null && hostIds.has(vm.host) && isVm(vm.name)),
  };
}
