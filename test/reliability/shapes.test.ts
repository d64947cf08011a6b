// Inventories vmfix was not tuned to: a dvPortgroup whose two override flags
// disagree, a dvPort that vCenter still shows blocked after the fix (KB
// 417819, or a port setting the flags hide), hosts vCenter shows
// disconnected or not responding, and two VMs whose names differ only in
// case. Where the lab cannot show what a real vCenter did, the proxy
// rewrites its answer to show it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Fault } from '../helpers/proxy.js';
import { comparable, expectJournalTrue, expectOneClearSentence, figure, modifyingCalls, readJournal, SCENARIO, withBench } from './support.js';

const FIX = ['fix', '--yes', '--strategy', 'portgroup-accept'];

/**
 * SCENARIO with DPG-Db's override flags disagreeing, and db01's dvPort
 * holding its own Reject, which the lab, following macManagementOverrideAllowed,
 * does not apply (nor show).
 */
function disagreeing(groupAccepts = false): typeof SCENARIO {
  const s = structuredClone(SCENARIO) as any;
  const dc = s.datacenters[0];
  const pg = dc.dvSwitches[0].portgroups[0];
  dc.dvSwitches[0].portgroups[0] = { ...pg, securityPolicyOverrideAllowed: true, macManagementOverrideAllowed: false, ...(groupAccepts ? { policy: { macChanges: true } } : {}) };
  dc.vms.find((v: any) => v.name === 'db01').nics[0].port = { macChanges: false };
  return s;
}

/** FetchDVPorts answers from the second on (after the fix): the port still blocked. */
const stillBlocked = (xml: string) => xml.replace(/<blocked>false<\/blocked>/g, '<blocked>true</blocked>');
/** ... and showing its own Reject, as a vCenter that keeps the port's setting whatever the flags say. */
const ownReject = (xml: string) =>
  stillBlocked(xml)
    .replace(/<securityPolicy>.*?<\/securityPolicy>/g, (p) => p.replace(/<inherited>true<\/inherited>/g, '<inherited>false</inherited>').replace(/(<macChanges><inherited>false<\/inherited><value>)true/, '$1false'))
    .replace(/<macManagementPolicy>.*?<\/macManagementPolicy>/g, (p) => p.replace('<inherited>true</inherited>', '<inherited>false</inherited>').replace('<macChanges>true</macChanges>', '<macChanges>false</macChanges>'));
const rewriting = (edit: (xml: string) => string): Fault => ({ kind: 'rewrite', rewrite: (body) => Buffer.from(edit(body.toString('utf8'))) });

describe.concurrent('a dvPort that stays blocked after fix --strategy portgroup-accept', () => {
  it.for([
    ['the port is still shown blocked although the policy reads Accept (KB 417819)', stillBlocked, /still shows its dvPort \d+ blocked although MAC address changes reads Accept on "DPG-Db"; ESXi has not released the port/],
    ['the port shows its own Reject, which the disagreeing override flags may let through', ownReject, /MAC address changes is Reject on its dvPort \d+ \(which overrides "DPG-Db"\)/],
  ] as const)('%s: "NOT resolved", saying why, exit 1; the change is journaled and rolls back', async ([, edit, says], ctx) => {
    const fig = figure(ctx, 'inventory shape');
    await withBench(async (b) => {
      b.proxy.inject({ method: 'FetchDVPorts', nth: 2, times: Infinity, fault: rewriting(edit) });
      const run = await b.run([...FIX, '--vm', 'db01', '--journal', 'journal.json']);
      expect(run.code, run.stderr).toBe(1);
      const verdict = run.stdout.split('\n').filter((l) => /resolved/.test(l));
      expect(verdict).toHaveLength(1);
      expect(verdict[0]).toMatch(/^NOT resolved db01 Network adapter 1: still reported: /);
      expect(verdict[0]).toMatch(says);
      expect(verdict[0]).toMatch(/The dvPort stays blocked until the guest re-sends or the link resets/);
      const journal = await readJournal(join(b.dir, 'journal.json'));
      expect(journal.entries.map((e) => [e.change.action, e.status])).toEqual([['ReconfigureDVPortgroup', 'applied']]);
      expectJournalTrue(journal, b.original, await b.lab.state());

      // The audit says the same afterwards, and a second fix does not pretend portgroup-accept could reach the port.
      const audit = await b.run(['audit', '--vm', 'db01', '--format', 'json']);
      expect(audit.code).toBe(1);
      const [finding] = JSON.parse(audit.stdout).findings;
      expect(finding.summary).toMatch(says);
      expect(finding.remedies.map((r: { strategy: string }) => r.strategy)).not.toContain('portgroup-accept');
      const again = await b.run([...FIX, '--vm', 'db01', '--journal', 'again.json']);
      expect(again.code).toBe(1);
      expect(again.stdout).toMatch(/skipped db01: /);
      expect(await modifyingCalls(b.lab)).toHaveLength(1);

      const undone = await b.direct(['rollback', 'journal.json', '--yes', '--journal', 'undo.json']);
      expect(undone.code, undone.stderr).toBe(0);
      expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    }, disagreeing());
    fig.done();
  });

  it('a dvPortgroup already at Accept, the port showing its own Reject from the start: portgroup-accept is not planned, and the skip says why', async (ctx) => {
    const fig = figure(ctx, 'inventory shape');
    await withBench(async (b) => {
      b.proxy.inject({ method: 'FetchDVPorts', times: Infinity, fault: rewriting(ownReject) });
      const run = await b.run([...FIX, '--vm', 'db01', '--journal', 'journal.json']);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stdout).toMatch(/skipped db01: dvPort \d+ keeps its own MAC address changes = Reject, which overrides \(or, where the dvPortgroup's two override flags disagree, may override\) the dvPortgroup's, so portgroup-accept would not reach it \(it fits: /);
      expect(await modifyingCalls(b.lab)).toEqual([]);
      expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    }, disagreeing(true));
    fig.done();
  });
});

describe.concurrent('hosts vCenter shows disconnected or not responding', () => {
  const scenario = {
    mode: 'vcenter',
    datacenters: [
      {
        name: 'DC1',
        clusters: ['C1'],
        hosts: [
          { name: 'esx01', cluster: 'C1', vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'] }], portgroups: [{ name: 'PG-Web', vswitch: 'vSwitch0', vlanId: 10 }] },
          { name: 'esx02', cluster: 'C1', connectionState: 'notResponding', vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'] }], portgroups: [{ name: 'PG-Web', vswitch: 'vSwitch0', vlanId: 10 }] },
          { name: 'esx03', connectionState: 'disconnected', vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'] }], portgroups: [{ name: 'PG-Solo', vswitch: 'vSwitch0', vlanId: 20 }] },
        ],
        vms: [
          { name: 'web01', host: 'esx01', nics: [{ network: 'PG-Web', mac: '00:50:56:aa:00:01', guestMac: '02:00:00:00:00:01' }] },
          { name: 'solo01', host: 'esx03', nics: [{ network: 'PG-Solo', mac: '00:50:56:aa:00:02', guestMac: '02:00:00:00:00:02' }] },
        ],
      },
    ],
  };

  it.for(['portgroup-accept', 'dedicated-portgroup', 'vswitch-accept'] as const)(
    'fix --yes --strategy %s plans nothing for them and says why; nothing is sent, exit 1',
    async (strategy, ctx) => {
      const fig = figure(ctx, 'inventory shape');
      await withBench(async (b) => {
        const run = await b.run(['fix', '--yes', '--strategy', strategy, '--journal', 'journal.json']);
        expect(run.code, run.stderr).toBe(1);
        // web01's portgroup is on a peer that is not responding; solo01's host is disconnected.
        expect(run.stdout).toMatch(/skipped web01: host esx02 is notResponding in vCenter, which can change neither it nor its VMs until it is connected again/);
        expect(run.stdout).toMatch(/skipped solo01: host esx03 is disconnected in vCenter/);
        expect(run.stderr).not.toMatch(/HostNotConnected|HostNotReachable|^vmfix: /m);
        expect(await modifyingCalls(b.lab)).toEqual([]);
        expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
      }, scenario);
      fig.done();
    },
  );
});

describe.concurrent('two VMs whose names differ only in case (web01, WEB01)', () => {
  const scenario = structuredClone(SCENARIO) as any;
  scenario.datacenters[0].hosts[0].portgroups.push({ name: 'PG-Upper', vswitch: 'vSwitch0', vlanId: 50 });
  scenario.datacenters[0].vms.push({ name: 'WEB01', host: 'esx01', nics: [{ network: 'PG-Upper', mac: '00:50:56:aa:00:50', guestMac: '02:00:00:00:00:50' }] });

  it('--vm WEB01 changes WEB01\'s portgroup and not web01\'s; --vm Web01 matches neither and is refused (exit 2), naming both', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    await withBench(async (b) => {
      const wrong = await b.run([...FIX, '--vm', 'Web01', '--journal', 'wrong.json']);
      expect(wrong.code).toBe(2);
      expectOneClearSentence(wrong, /No VM matches --vm 'Web01' \(names are case-sensitive; did you mean '(WEB01|web01)', '(WEB01|web01)'\?\)/);

      const run = await b.run([...FIX, '--vm', 'WEB01', '--journal', 'journal.json']);
      expect(run.code, run.stderr).toBe(0);
      const journal = await readJournal(join(b.dir, 'journal.json'));
      expect(journal.entries.map((e) => [e.change.target.portgroup, e.status])).toEqual([['PG-Upper', 'applied']]);
      expectJournalTrue(journal, b.original, await b.lab.state());
      expect(await modifyingCalls(b.lab)).toEqual(['UpdatePortGroup']);
      const undone = await b.direct(['rollback', 'journal.json', '--yes', '--journal', 'undo.json']);
      expect(undone.code, undone.stderr).toBe(0);
      expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    }, scenario);
    fig.done();
  });
});
