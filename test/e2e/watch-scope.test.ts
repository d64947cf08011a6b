// vmfix watch with a scope, on the lab: a VM blocked while watched, then
// renamed so that --vm no longer takes it in. Its port is still blocked: an
// alerting pipeline told "resolved" would close the alert over a VM that
// is still cut off. What a user would notice: no `resolved`, a `warning`
// line (stdout and webhook) saying it left the scope and still stands.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmMoref, type Lab } from '../helpers/lab.js';
import { startReceiver, startWatch, WEBHOOK_CA_FILE, type Line, type Receiver, type Watching } from '../helpers/watch.js';
import { RawSoap } from './fix-lab.js';

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const HOSTS = ['esx-s1.dock.example', 'esx-s2.dock.example'];
const SCENARIO = {
  mode: 'vcenter',
  datacenters: [{
    name: 'DC-Dock', clusters: ['Quay'],
    hosts: HOSTS.map((name) => ({ name, cluster: 'Quay', vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: reject }], portgroups: [{ name: 'Cranes', vswitch: 'vSwitch0', vlanId: 7 }] })),
    dvSwitches: [{ name: 'DSW-Dock', hosts: HOSTS, defaultPortConfig: reject, portgroups: [{ name: 'DPG-Gates', vlanId: 8 }] }],
    vms: [
      { name: 'gate01', host: HOSTS[0], nics: [{ network: 'DPG-Gates' }] },
      { name: 'gate02', host: HOSTS[1], nics: [{ network: 'DPG-Gates' }] },
      { name: 'crane01', host: HOSTS[1], nics: [{ network: 'Cranes' }] },
    ],
  }],
};

async function until(found: () => Line | undefined, what: string, ms = 10_000): Promise<Line> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const line = found();
    if (line) return line;
  }
  throw new Error(`no ${what} within ${ms} ms`);
}

const about = (vm: string, type: string) => (l: Line) => l.type === type && l.finding?.vm?.name === vm;

describe('vmfix watch --vm: a blocked VM renamed out of the scope', () => {
  let lab: Lab;
  let receiver: Receiver;
  let watching: Watching;

  beforeAll(async () => {
    [lab, receiver] = await Promise.all([startScenario(SCENARIO), startReceiver()]);
    watching = startWatch(['--format', 'json', '--log-interval', '1', '--vm', 'gate*', '--webhook', receiver.url, '--webhook-ca-file', WEBHOOK_CA_FILE], lab.env);
    await watching.lines.next((l) => l.type === 'watching', 60_000, 'watching line');
  });
  afterAll(async () => {
    watching?.child.kill('SIGKILL');
    await Promise.all([lab?.stop(), receiver?.close()]);
  });

  it('is not reported resolved while its port stays blocked: a warning line says it left the scope and still stands', async () => {
    expect(await lab.guestMac('gate01', 1, '02:00:5e:44:00:01')).toMatchObject({ blocked: true });
    await watching.lines.next(about('gate01', 'new'), 10_000, 'gate01 blocked');
    const soap = new RawSoap(lab);
    await soap.login();
    await soap.renameVm(await vmMoref(lab, 'gate01'), 'quay-gate01');
    const warning = await watching.lines.next((l) => l.type === 'warning', 10_000, 'a warning that gate01 left the scope');
    expect(warning.warning).toMatch(/^quay-gate01 \(vm-\d+\) is no longer in the scope of this watch \(--vm 'gate\*'\).*still stands and is not resolved/);
    expect((await receiver.bodies.next((l) => l.type === 'warning', 5000, 'webhook warning')).warning).toBe(warning.warning);
    // The port is still blocked: nothing may say otherwise, now or at the next log reads.
    await new Promise((r) => setTimeout(r, 2500));
    expect(watching.lines.all.filter((l) => l.type === 'resolved')).toEqual([]);
    expect(receiver.bodies.all.filter((l) => l.type === 'resolved')).toEqual([]);
    // The rest of the scope is still followed.
    await lab.guestMac('gate02', 1, '02:00:5e:44:00:02');
    await watching.lines.next(about('gate02', 'new'), 10_000, 'gate02 blocked');
  });

  it('once nothing matches --vm, the stream and the webhook are told that nothing is watched, not left silent', async () => {
    const soap = new RawSoap(lab);
    await soap.login();
    await soap.renameVm(await vmMoref(lab, 'gate02'), 'quay-gate02');
    // Two warnings of one verdict, in either order.
    const [none, left] = await Promise.all([
      until(() => watching.lines.all.find((l) => l.type === 'warning' && /No VM matches --vm 'gate\*'/.test(l.warning)), 'a warning that nothing is in scope'),
      until(() => watching.lines.all.find((l) => l.type === 'warning' && /^quay-gate02 /.test(l.warning)), 'gate02 left the scope'),
    ]);
    expect(left.warning).toMatch(/still stands and is not resolved/);
    expect(none.warning).toMatch(/Nothing is in scope until it matches again\.$/);
    await receiver.bodies.next((l) => l.type === 'warning' && l.warning === none.warning, 5000, 'the same at the webhook');
    expect(watching.lines.all.filter((l) => l.type === 'resolved')).toEqual([]);
  });
});
