// --vm/--host/--cluster/--datacenter as an admin types them: shell globs on
// vSphere's case-sensitive names, and a refusal (never an empty all-clear)
// when a pattern matches nothing.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { applyScope, checkPattern } from '../../src/inventory/scope.js';
import { host, inventory, nic, onStandard, portgroup, vm, vswitch } from '../helpers/inventory.js';

const pg = () => [portgroup('VM Network', 'vSwitch0', undefined, false)];
const inv = inventory(
  [host('host-1', 'esx01.lab.local', [vswitch('vSwitch0', false)], pg(), 'Prod'), host('host-2', 'esx02.lab.local', [vswitch('vSwitch0', false)], pg(), 'Test')],
  ['web01', 'web02', 'web10', 'WEB01', 'db01', '!legacy', 'app (old)'].map((name, i) =>
    vm(`vm-${i}`, name, i % 2 ? 'host-2' : 'host-1', [nic(4000, `00:50:56:00:00:${String(i).padStart(2, '0')}`, onStandard('VM Network'))]),
  ),
);
const vms = (...patterns: string[]) => applyScope(inv, { vm: patterns }).vms.map((v) => v.name).sort();
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('not refused');
};

describe('names with /, \\ or %, which vCenter stores escaped (ManagedEntity.name: %2f, %5c, %25)', () => {
  const named = inventory(
    [host('host-1', 'esx01.lab.local', [vswitch('vSwitch0', false)], pg(), 'Prod%2fEast')],
    ['sql%2fnode-a', 'sql-node-b', 'cpu100%25'].map((name, i) => vm(`vm-${i}`, name, 'host-1', [nic(4000, `00:50:56:00:01:0${i}`, onStandard('VM Network'))])),
  );
  const scoped = (scope: Parameters<typeof applyScope>[1]) => applyScope(named, scope).vms.map((v) => v.name).sort();

  it('matches the name as the vSphere Client shows it, a / being no path separator', () => {
    expect(scoped({ vm: ['sql/node-a'] })).toEqual(['sql%2fnode-a']);
    expect(scoped({ vm: ['sql?node-?'] })).toEqual(['sql%2fnode-a', 'sql-node-b']);
    expect(scoped({ vm: ['sql*'] })).toEqual(['sql%2fnode-a', 'sql-node-b']);
    expect(scoped({ vm: ['cpu100%'] })).toEqual(['cpu100%25']);
    expect(scoped({ cluster: ['Prod/East'] })).toHaveLength(3);
  });

  it('still matches the name as vCenter stores it (what vmfix prints)', () => {
    expect(scoped({ vm: ['sql%2fnode-a'] })).toEqual(['sql%2fnode-a']);
  });
});

describe('--vm globs', () => {
  it('? stands for exactly one character', () => {
    expect(vms('web0?')).toEqual(['web01', 'web02']);
    expect(refusal(() => vms('web?'))).toMatch(/^No VM matches --vm 'web\?'\. /);
  });

  it('[!…] excludes, [a-z] ranges include', () => {
    expect(vms('web0[!1]')).toEqual(['web02']);
    expect(vms('web[01][0-9]')).toEqual(['web01', 'web02', 'web10']);
  });

  it('matches case-sensitively: WEB01 and web01 are two VMs', () => {
    expect(vms('WEB01')).toEqual(['WEB01']);
    expect(vms('web*')).toEqual(['web01', 'web02', 'web10']);
  });

  it('takes a leading ! and parentheses as part of a name', () => {
    expect(vms('!legacy')).toEqual(['!legacy']);
    expect(vms('app (old)')).toEqual(['app (old)']);
  });

  it('{a,b} names alternatives', () => {
    expect(vms('{web01,db01}')).toEqual(['db01', 'web01']);
  });
});

describe('a scope that matches nothing', () => {
  it('is refused, naming the option and the pattern', () => {
    expect(refusal(() => vms('nosuch*'))).toBe("No VM matches --vm 'nosuch*'. If the name is right, check with an account that sees every VM: the inventory holds only the VMs this user may view.");
    expect(refusal(() => applyScope(inv, { host: ['nosuch'] }))).toBe("No host matches --host 'nosuch'.");
    expect(refusal(() => applyScope(inv, { cluster: ['nosuch'] }))).toBe("No cluster matches --cluster 'nosuch'.");
  });

  it('offers the names that differ only in case', () => {
    expect(refusal(() => vms('Db01'))).toMatch(/^No VM matches --vm 'Db01' \(names are case-sensitive; did you mean 'db01'\?\)\. If the name is right/);
    expect(refusal(() => applyScope(inv, { cluster: ['prod'] }))).toMatch(/did you mean 'Prod'/);
  });

  it('is refused when the patterns match, but not together', () => {
    expect(refusal(() => applyScope(inv, { host: ['esx02.lab.local'], vm: ['web01'] }))).toMatch(/No VM in scope matches --vm 'web01' on the hosts of --host 'esx02.lab.local'/);
  });

  it('a host given by its short name (or in full where vCenter has the short one) is refused with the name vCenter has', () => {
    expect(refusal(() => applyScope(inv, { host: ['esx01'] }))).toBe("No host matches --host 'esx01' (vCenter has it under another name; did you mean 'esx01.lab.local'?).");
    expect(refusal(() => applyScope(inv, { host: ['ESX02'] }))).toBe("No host matches --host 'ESX02' (vCenter has it under another name; did you mean 'esx02.lab.local'?).");
    expect(refusal(() => applyScope(inv, { host: ['esx'] }))).toBe("No host matches --host 'esx'.");
  });

  it('takes host names in any case (they are DNS names)', () => {
    expect(applyScope(inv, { host: ['ESX01.lab.local'] }).hosts.map((h) => h.name)).toEqual(['esx01.lab.local']);
  });
});

describe('patterns checked before connecting', () => {
  it('refuses a backwards range, an unbalanced bracket and an empty name', () => {
    expect(refusal(() => checkPattern('vm', '[z-a]'))).toMatch(/the range z-a is backwards/);
    expect(refusal(() => checkPattern('vm', 'web[0-9'))).toMatch(/not a usable glob/);
    expect(refusal(() => checkPattern('host', ''))).toMatch(/needs a name/);
  });
});
