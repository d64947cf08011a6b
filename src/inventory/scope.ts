// --datacenter/--cluster/--host/--vm: narrowing the inventory before the
// audit, so everything after works on what the user asked about. A pattern
// that matches nothing is a typo, not an all-clear: it is refused, naming
// the option. Globs are picomatch's (*, ?, [...], [!...], {a,b}).
import picomatch from 'picomatch';
import { UsageError } from '../errors.js';
import { displayName, type Inventory, type Vm } from './model.js';
import { onUnseenHost } from './unread.js';

export interface Scope {
  readonly datacenter?: readonly string[];
  readonly cluster?: readonly string[];
  readonly host?: readonly string[];
  readonly vm?: readonly string[];
}

/** portgroup: inventory's --portgroup, which narrows its report rather than the inventory. */
type ScopeOption = keyof Scope | 'portgroup';

const WHAT: Record<ScopeOption, string> = { datacenter: 'datacenter', cluster: 'cluster', host: 'host', vm: 'VM', portgroup: 'portgroup' };

/**
 * vSphere names are case-sensitive (web01 and WEB01 can be two VMs); host
 * names are DNS names, which are not. posix: `[!...]` negates as in a shell;
 * nonegate: a leading `!` is part of a name, not "everything but".
 */
function matcher(option: ScopeOption, pattern: string, nocase = option === 'host'): (name: string) => boolean {
  const isMatch = picomatch(slashless(pattern), { posix: true, nonegate: true, dot: true, nocase, strictBrackets: true });
  // One argument only: picomatch's second one asks for a result object, which is always truthy.
  // A name as vCenter stores it (what vmfix prints) or as the vSphere Client shows it: either is what was meant.
  return (name) => isMatch(slashless(name)) || isMatch(slashless(displayName(name)));
}

/** A "/" in a vSphere name is part of it; to picomatch it would end a path segment that * and ? do not cross. */
const slashless = (text: string) => text.replaceAll('/', '\uE000');

/** Refuses a pattern that cannot mean what was typed, before anything connects. */
export function checkPattern(option: ScopeOption, pattern: string): string {
  if (pattern === '') throw new UsageError(`--${option} needs a name or a glob, not an empty string.`);
  for (const [, set] of pattern.matchAll(/\[!?([^\]]+)\]/g)) {
    for (const [, from, to] of set!.matchAll(/(.)-(.)/g)) {
      if (from! > to!) throw new UsageError(`--${option} '${pattern}': the range ${from}-${to} is backwards; write ${to}-${from}.`);
    }
  }
  try {
    matcher(option, pattern);
  } catch (err) {
    throw new UsageError(`--${option} '${pattern}' is not a usable glob (${(err as Error).message}).`);
  }
  return pattern;
}

function isScoped(scope: Scope): boolean {
  return Boolean(scope.datacenter?.length || scope.cluster?.length || scope.host?.length || scope.vm?.length);
}

/**
 * The names (of those given) that each pattern of the option matches; a
 * pattern that matches none of them is refused, with the names that differ
 * only in case offered instead, and `unlisted` (what the names given may
 * leave out) said after.
 */
export function selectNames(option: ScopeOption, patterns: readonly string[] | undefined, names: readonly string[], unlisted = ''): (name: string | null) => boolean {
  if (!patterns?.length) return () => true;
  for (const pattern of patterns) {
    if (names.some(matcher(option, pattern))) continue;
    const other = [...new Set(names.filter(matcher(option, pattern, true)))].slice(0, 3);
    const named = option === 'host' ? otherHostNames(pattern, names) : [];
    const hint = other.length
      ? ` (names are case-sensitive; did you mean ${other.map((n) => `'${n}'`).join(', ')}?)`
      : named.length ? ` (vCenter has it under another name; did you mean ${named.map((n) => `'${n}'`).join(', ')}?)` : '';
    throw new UsageError(`No ${WHAT[option]} matches --${option} '${pattern}'${hint}.${unlisted ? ` ${unlisted}` : ''}`);
  }
  const test = nameTest(option, patterns);
  return (name) => name !== null && test(name);
}

/** Hosts `--host esx01` means where vCenter has `esx01.lab.local` (or the reverse): the admin's name and vCenter's differ by the domain. */
function otherHostNames(pattern: string, names: readonly string[]): string[] {
  const typed = pattern.toLowerCase();
  return [...new Set(names.filter((n) => n.toLowerCase().startsWith(`${typed}.`) || typed.startsWith(`${n.toLowerCase()}.`)))].slice(0, 3);
}

/** Whether a name matches any of the patterns (none: no name does), as the scope options match. */
export function nameTest(option: ScopeOption, patterns: readonly string[]): (name: string) => boolean {
  const tests = patterns.map((p) => matcher(option, p));
  return (name) => tests.some((t) => t(name));
}

/**
 * A VM this user may not view is not in the inventory, though its host's log
 * may name it: said on a --vm that matches nothing, since telling that case
 * from a typo would take reading every host's log first, for an error.
 */
const HIDDEN_VMS = 'If the name is right, check with an account that sees every VM: the inventory holds only the VMs this user may view.';

export function applyScope(inventory: Inventory, scope: Scope): Inventory {
  if (!isScoped(scope)) return inventory;
  const inDatacenter = selectNames('datacenter', scope.datacenter, [...inventory.hosts.map((h) => h.datacenter), ...inventory.dvSwitches.map((d) => d.datacenter)].filter((n): n is string => n !== null));
  const inCluster = selectNames('cluster', scope.cluster, inventory.hosts.map((h) => h.cluster).filter((n): n is string => n !== null));
  const isHost = selectNames('host', scope.host, inventory.hosts.map((h) => h.name));
  const isVm = selectNames('vm', scope.vm, inventory.vms.map((v) => v.name), HIDDEN_VMS);
  const hosts = inventory.hosts.filter((h) => inDatacenter(h.datacenter) && inCluster(h.cluster) && isHost(h.name));
  if (!hosts.length) throw new UsageError(`The scope (${describe(scope, ['datacenter', 'cluster', 'host'])}) matches no host.`);
  const hostIds = new Set(hosts.map((h) => h.moref));
  // A VM on a host this user is not shown is on none of the hosts a host scope names; --vm alone names it by its own name.
  const hostScoped = Boolean(scope.datacenter?.length || scope.cluster?.length || scope.host?.length);
  const unseen = onUnseenHost(inventory);
  const placed = (vm: Vm) => vm.host !== null && (hostIds.has(vm.host) || (!hostScoped && unseen(vm)));
  const vms = inventory.vms.filter((vm) => placed(vm) && isVm(vm.name));
  if (scope.vm?.length && !vms.length) throw new UsageError(`No VM in scope matches ${describe(scope, ['vm'])} on the hosts of ${describe(scope, ['datacenter', 'cluster', 'host'])}.`);
  // With hosts narrowed, a DVS is in scope where one of them is its member.
  const narrowed = Boolean(scope.cluster?.length || scope.host?.length);
  return {
    ...inventory,
    hosts,
    dvSwitches: inventory.dvSwitches.filter((d) => inDatacenter(d.datacenter) && (!narrowed || d.hosts.some((h) => hostIds.has(h)))),
    vms,
  };
}

function describe(scope: Scope, options: readonly (keyof Scope)[]): string {
  return options.flatMap((o) => (scope[o] ?? []).map((p) => `--${o} '${p}'`)).join(' ') || 'the whole inventory';
}
