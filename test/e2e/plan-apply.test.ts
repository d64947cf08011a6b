// fix --plan-out, then apply: exactly the plan, only if nothing it was made
// against has drifted, only on the vCenter it was made for, only if nobody
// edited it; a ConcurrentAccess at write time stops the run (exit 5) with a
// true journal; pin-mac on a powered-off VM changes the address and nothing
// else of the NIC.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksum } from '../../src/remedy/change.js';
import { startScenario, vmfix, type Lab, type LabState } from '../helpers/lab.js';
import { Terminal } from '../helpers/terminal.js';
import {
  LIC_GUEST_MAC, LIC_MAC, RawSoap, diffState, dvPortgroup, modifyingCalls, nic, portgroupAcceptDiff, readJson, scenario, workdir,
} from './fix-lab.js';

async function run(lab: Lab, dir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return vmfix(args, { ...lab.env, VMFIX_TEST_CWD: dir, ...env });
}

/** Someone else reconfigures a dvPortgroup (a description edit), as the network team's tooling would. */
async function touchDvPortgroup(lab: Lab, name: string, note: string): Promise<void> {
  const config = dvPortgroup(await lab.state(), name);
  const other = new RawSoap(lab);
  await other.login();
  await other.reconfigureDvPortgroup(config.key, config.configVersion, `<description>${note}</description>`);
}

/** Someone else moves a VM's first NIC to a standard portgroup. */
async function moveNic(lab: Lab, vm: string, network: string): Promise<void> {
  const found = (await lab.state()).vms.find((v) => v.name === vm) as unknown as { moref: string; nics: { _typeName: string; key: number; macAddress: string }[] };
  const card = found.nics[0]!;
  const other = new RawSoap(lab);
  await other.login();
  await other.editDevice(
    found.moref,
    `<device xsi:type="${card._typeName}"><key>${card.key}</key><backing xsi:type="VirtualEthernetCardNetworkBackingInfo"><deviceName>${network}</deviceName></backing>` +
      `<addressType>assigned</addressType><macAddress>${card.macAddress}</macAddress></device>`,
  );
}

describe('fix --plan-out, then apply', () => {
  let lab: Lab;
  let dir: string;
  let original: LabState;
  let planPath: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
    original = await lab.state();
    planPath = join(dir, 'plan.json');
  });
  afterAll(() => lab?.stop());

  it('--plan-out writes the plan and the ticket, and changes nothing', async () => {
    const r = await run(lab, dir, ['fix', '--plan-out', planPath, '--strategy', 'portgroup-accept', '--change-id', 'CHG0012345', '--window', 'Sat 02:00-04:00']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`vmfix apply ${planPath}`);
    const plan = await readJson(planPath);
    expect(plan).toMatchObject({ schemaVersion: 1, kind: 'vmfix-plan', checksum: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // The ticket names the plan's checksum, so a board can tell that what is applied is what it approved.
    expect(r.stdout).toContain(`sha256 \`${plan.checksum}\``);
    expect(r.stderr).toContain(`Plan written to ${planPath} (sha256 ${plan.checksum}).`);
    expect(plan).toMatchObject({
      preparedBy: { user: lab.username, vmfixVersion: expect.any(String) },
      request: { changeId: 'CHG0012345', window: 'Sat 02:00-04:00' },
    });
    expect(JSON.stringify(plan)).not.toContain(lab.password);
    expect(plan.changes).toHaveLength(7);
    for (const c of plan.changes) expect(c.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(await modifyingCalls(lab)).toEqual([]);
    expect(diffState(original, await lab.state())).toEqual([]);
  });

  it('a hand-edited plan is refused (exit 2) and nothing changes', async () => {
    const text = await readFile(planPath, 'utf8');
    const edited = join(dir, 'edited.json');
    // Someone "tweaks" the VLAN in a planned spec: the checksum no longer matches.
    await writeFile(edited, text.replace('"vlanId": 130', '"vlanId": 131'));
    expect(await readFile(edited, 'utf8')).not.toBe(text);
    const r = await run(lab, dir, ['apply', edited, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/modified after vmfix wrote it \(checksum mismatch\)/);
    const truncated = join(dir, 'truncated.json');
    await writeFile(truncated, text.slice(0, text.length / 2));
    const t = await run(lab, dir, ['apply', truncated, '--yes']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/not valid JSON/);
    expect(await modifyingCalls(lab)).toEqual([]);
  });

  it('without --yes and without a terminal, apply refuses (exit 2)', async () => {
    const r = await run(lab, dir, ['apply', planPath]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Not on a terminal/);
    expect(await modifyingCalls(lab)).toEqual([]);
  });

  it('says when the plan was made, by whom, against what; one older than --max-plan-age is called out after the drift check', async () => {
    const plan = await readJson(planPath);
    const fresh = await run(lab, dir, ['apply', planPath]);
    expect(fresh.stderr).toContain(`It was made ${plan.createdAt} (`);
    expect(fresh.stderr).toMatch(new RegExp(`\\((less than a minute|\\d+ minutes?) ago\\) by ${lab.username} against ${plan.endpoint.host} \\(API ${plan.endpoint.apiVersion}\\)\\.`));
    expect(fresh.stderr).not.toContain('This plan is old');

    // The same plan, as if the change board had approved it three days ago.
    const { checksum: _sum, ...body } = plan;
    const createdAt = new Date(Date.now() - 74 * 3_600_000).toISOString();
    const old = join(dir, 'old-plan.json');
    await writeFile(old, JSON.stringify({ ...body, createdAt, checksum: checksum({ ...body, createdAt }) }));
    const r = await run(lab, dir, ['apply', old]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`It was made ${createdAt} (3 days ago) by ${lab.username}`);
    expect(r.stderr).toContain(
      'warning: This plan is old: made 3 days ago, more than the 24 hours of --max-plan-age. The 7 object(s) it changes are as they were then, ' +
        'but VMs may have joined the portgroups it opens, and findings come or gone, since: re-audit (vmfix audit) before you accept, and make a new plan if they differ.',
    );
    // Called out before the question (here: the refusal to ask without a terminal).
    expect(r.stderr.indexOf('This plan is old')).toBeLessThan(r.stderr.indexOf('Not on a terminal'));
    expect(await modifyingCalls(lab)).toEqual([]);
  });

  it('apply --yes applies exactly the plan, says which (its checksum), and journals who applied it for which change', async () => {
    const { checksum } = await readJson(planPath);
    // As copied from the ticket, in the case someone typed it.
    const r = await run(lab, dir, ['apply', planPath, '--yes', '--format', 'json', '--checksum', `SHA256:${checksum.toUpperCase()}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Applying ${planPath}, sha256 ${checksum} (the --checksum given), change CHG0012345.`);
    const report = JSON.parse(r.stdout);
    expect(report.command).toBe('apply');
    expect(report.plan).toEqual({ file: planPath, checksum });
    expect(report.summary).toContain(`sha256 ${checksum}`);
    expect(report.changes.map((c: any) => c.status)).toEqual(Array(7).fill('applied'));
    const plan = await readJson(planPath);
    expect(report.changes.map((c: any) => c.path)).toEqual(plan.changes.map((c: any) => c.path));
    expect(diffState(original, await lab.state())).toEqual(portgroupAcceptDiff());
    const journal = await readJson(join(dir, report.journal));
    expect(journal.command).toBe('apply');
    expect(journal).toMatchObject({
      preparedBy: { user: lab.username }, plan: { file: planPath, checksum, createdAt: plan.createdAt }, request: { changeId: 'CHG0012345' },
    });
    expect(journal.entries.map((e: any) => e.status)).toEqual(Array(7).fill('applied'));

    // vmfix journal finds it: what, when, who, status.
    const list = await run(lab, dir, ['journal', '--format', 'json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).journals).toEqual([
      expect.objectContaining({ file: report.journal, command: 'apply', user: lab.username, changeId: 'CHG0012345', changes: { applied: 7, failed: 0, pending: 0 }, problem: null }),
    ]);
    const text = await run(lab, dir, ['journal']);
    expect(text.stdout).toMatch(new RegExp(`${report.journal}\\s+apply\\s+\\S+\\s+${lab.username}\\s+\\S+\\s+CHG0012345\\s+7 applied`));
    const one = await run(lab, dir, ['journal', report.journal]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`plan ${planPath}, sha256 ${checksum}, made ${plan.createdAt}`);
    expect(one.stdout).toContain(`To undo it: vmfix rollback ${report.journal}`);
  });

  it('applying the same plan again is refused as drift (exit 5): the objects are no longer as planned', async () => {
    const state = await lab.state();
    const calls = (await modifyingCalls(lab)).length;
    const r = await run(lab, dir, ['apply', planPath, '--yes']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/Refusing: 7 object\(s\) changed since this was recorded, so nothing was applied/);
    // Not "changed" by someone: each object already holds what the plan sets, and the message says so.
    expect(r.stderr).toMatch(/esx-a1\.east\.corp \/ vSwitch1 \/ NLB-Front: it already holds what this change sets \(was it applied already\? vmfix journal lists the runs\)/);
    expect(r.stderr).toMatch(/DSW-Prod \/ DPG-Nested: it already holds what this change sets/);
    expect(r.stderr).not.toMatch(/it was changed since the plan was made/);
    expect(await modifyingCalls(lab)).toHaveLength(calls);
    expect(diffState(state, await lab.state())).toEqual([]);
  });
});

describe('apply after someone else changed an object', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('refuses the whole plan (exit 5), names what drifted, and changes nothing', async () => {
    const planPath = join(dir, 'plan.json');
    expect((await run(lab, dir, ['fix', '--plan-out', planPath, '--strategy', 'portgroup-accept'])).code).toBe(0);
    await touchDvPortgroup(lab, 'DPG-Nested', 'uplink order reviewed by the network team');
    const state = await lab.state();
    const calls = (await lab.calls()).length;

    const r = await run(lab, dir, ['apply', planPath, '--yes']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/Refusing: 1 object\(s\) changed/);
    expect(r.stderr).toMatch(/DC-East \/ DSW-Prod \/ DPG-Nested: its configVersion is 2, not the planned 1/);
    // Not even the six standard portgroups that did not drift.
    const since = (await lab.calls()).slice(calls);
    expect(since.filter((c) => /^(UpdatePortGroup|ReconfigureDVPortgroup_Task)$/.test(c.method))).toEqual([]);
    expect(diffState(state, await lab.state())).toEqual([]);
  });
});

describe('apply after a NIC the plan opens a portgroup for has left it', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  // The portgroups themselves are untouched, so their own drift check passes: only where the NIC is now
  // says that opening NLB-Front would fix nothing and let iis-static01 and the others change their MACs.
  it('refuses the whole plan (exit 5), naming the NIC and where it is now, and changes nothing', async () => {
    const planPath = join(dir, 'plan.json');
    expect((await run(lab, dir, ['fix', '--plan-out', planPath, '--strategy', 'portgroup-accept', '--vm', 'nlb-web01'])).code).toBe(0);
    await moveNic(lab, 'nlb-web01', 'VM Network');
    const state = await lab.state();
    const writes = (await modifyingCalls(lab)).length;

    const r = await run(lab, dir, ['apply', planPath, '--yes']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain('vmfix: Refusing: 1 object(s) changed since this was recorded, so nothing was applied. nlb-web01 Network adapter 1, which c1, c2, c3 are for: it is on "VM Network" now, not "NLB-Front".');
    expect(await modifyingCalls(lab)).toHaveLength(writes);
    expect(diffState(state, await lab.state())).toEqual([]);
  });
});

describe('apply at a terminal, the NIC moved while the changes are shown', () => {
  let lab: Lab;
  let dir: string;
  let terminal: Terminal | undefined;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(async () => {
    terminal?.close();
    await lab?.stop();
  });

  it('refuses after the yes (exit 5), naming the NIC, and changes nothing', async () => {
    const planPath = join(dir, 'plan.json');
    expect((await run(lab, dir, ['fix', '--plan-out', planPath, '--strategy', 'portgroup-accept', '--vm', 'nlb-web01'])).code).toBe(0);
    terminal = new Terminal(dir);
    await terminal.start(lab.env, ['apply', planPath, '--journal', join(dir, 'shown.json')]);
    await terminal.waitFor(/Apply 3 change\(s\)\?/);
    await moveNic(lab, 'nlb-web01', 'VM Network');
    const state = await lab.state();
    const writes = (await modifyingCalls(lab)).length;
    terminal.keys('y', 'Enter');
    const screen = (await terminal.waitFor(/VMFIX-EXIT=\d+/, 60_000)).replace(/\s+/g, ' ');
    expect(screen).toContain('vmfix: Refusing: 1 object(s) changed while the changes were shown, so nothing was applied. nlb-web01 Network adapter 1, which c1, c2, c3 are for: it is on "VM Network" now, not "NLB-Front".');
    expect(screen).toContain('VMFIX-EXIT=5');
    expect(await modifyingCalls(lab)).toHaveLength(writes);
    expect(diffState(state, await lab.state())).toEqual([]);
  });
});

describe('apply of vswitch-accept after a portgroup on the vSwitch gave up its own Reject', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  // The vSwitch is unchanged, so its own drift check passes; its Accept would reach Management Network on
  // esx-a1 too (nlb-web01's second NIC), which the plan, and the ticket made from it, never named.
  it('refuses (exit 5), naming the portgroup it would now also open, and changes nothing', async () => {
    const args = ['fix', '--strategy', 'vswitch-accept', '--vm', 'f5-ve01'];
    expect((await run(lab, dir, [...args, '--plan-out', join(dir, 'probe.json')])).code).toBe(0);
    const networkSystem = (await readJson(join(dir, 'probe.json'))).changes.find((c: any) => c.path.includes('esx-a1')).target.host.networkSystem.value;
    const other = new RawSoap(lab);
    await other.login();
    const management = (policy: string) => other.updatePortGroup(networkSystem, 'Management Network', `<name>Management Network</name><vlanId>10</vlanId><vswitchName>vSwitch0</vswitchName><policy>${policy}</policy>`);
    await management('<security><macChanges>false</macChanges></security>');
    const planPath = join(dir, 'plan.json');
    expect((await run(lab, dir, [...args, '--plan-out', planPath])).code).toBe(0);
    expect((await readJson(planPath)).changes.find((c: any) => c.path.includes('esx-a1')).vms).toEqual(['app-svc02']);
    await management('');
    const state = await lab.state();
    const writes = (await modifyingCalls(lab)).length;

    const r = await run(lab, dir, ['apply', planPath, '--yes']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/DC-East \/ esx-a1\.east\.corp \/ vSwitch0: it would now also open portgroup "Management Network", which inherits its MAC changes now and is not among the portgroups the plan opens\.$/m);
    expect(await modifyingCalls(lab)).toHaveLength(writes);
    expect(diffState(state, await lab.state())).toEqual([]);
  });
});

describe('apply against another vCenter', () => {
  let lab: Lab;
  let twin: Lab;
  let dir: string;

  beforeAll(async () => {
    // The DR site: built from the same template, so the same hosts, portgroups and even morefs.
    const dr = scenario();
    dr.datacenters[0]!.name = 'DC-East-DR';
    [lab, twin] = await Promise.all([startScenario(scenario()), startScenario(dr)]);
    dir = await workdir();
  });
  afterAll(async () => {
    await Promise.all([lab?.stop(), twin?.stop()]);
  });

  it('refuses a plan made against another vCenter (exit 2) and changes nothing there', async () => {
    const planPath = join(dir, 'plan.json');
    expect((await run(lab, dir, ['fix', '--plan-out', planPath, '--strategy', 'portgroup-accept'])).code).toBe(0);
    const before = await twin.state();
    const r = await vmfix(['apply', planPath, '--yes'], { ...twin.env, VMFIX_TEST_CWD: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/This was recorded against 127\.0\.0\.1:\d+, not 127\.0\.0\.1:\d+; connect to that vCenter/);
    expect(await modifyingCalls(twin)).toEqual([]);
    expect(diffState(before, await twin.state())).toEqual([]);
  });
});

// --- ConcurrentAccess at write time ---------------------------------------------------

/**
 * An HTTPS man in the middle between vmfix and the lab: when vmfix sends its
 * ReconfigureDVPortgroup_Task, someone else reconfigures that dvPortgroup
 * first, i.e. right between vmfix's read and its write. Deterministic, no timing.
 */
async function raceProxy(lab: Lab, dir: string): Promise<{ url: string; thumbprint: string; raced: string[]; close(): Promise<void> }> {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const ca = readFileSync(lab.caFile);
  const target = new URL(lab.url);
  const raced: string[] = [];
  const server: Server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const write = /<ReconfigureDVPortgroup_Task[\s>][\s\S]*?<_this[^>]*>([^<]+)</.exec(body.toString('utf8'));
      if (write && !raced.includes(write[1]!)) {
        raced.push(write[1]!);
        const name = (await lab.state()).dvPortgroups.find((p) => (p as { moref?: string }).moref === write[1])!.name;
        await touchDvPortgroup(lab, name, 'changed by someone else');
      }
      const upstream = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host }, ca },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}/sdk`,
    thumbprint: new X509Certificate(cert).fingerprint256,
    raced,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

describe('a ConcurrentAccess at write time', () => {
  let lab: Lab;
  let dir: string;
  let proxy: Awaited<ReturnType<typeof raceProxy>>;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
    proxy = await raceProxy(lab, dir);
  });
  afterAll(async () => {
    await proxy?.close();
    await lab?.stop();
  });

  it('stops the run with exit 5, sends nothing again, and the journal says what did and did not apply', async () => {
    const before = await lab.state();
    const r = await run(lab, dir, ['fix', '--yes', '--strategy', 'portgroup-accept', '--format', 'json'], {
      VMFIX_VCENTER: proxy.url,
      VMFIX_THUMBPRINT: proxy.thumbprint,
      VMFIX_CA_FILE: '',
    });
    expect(proxy.raced).toEqual([dvPortgroup(before, 'DPG-Nested').key]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/DPG-Nested: someone changed it at the same moment \(ConcurrentAccess\); nothing was applied/);

    const report = JSON.parse(r.stdout);
    const nested = report.changes.find((c: any) => c.path.endsWith('/ DPG-Nested'));
    expect(nested.status).toBe('failed');
    const journal = await readJson(join(dir, report.journal));
    const entry = journal.entries.find((e: any) => e.change.path.endsWith('/ DPG-Nested'));
    expect(entry.status).toBe('failed');
    expect(entry.note).toMatch(/^ConcurrentAccess/);
    // Everything before it applied and is journaled as such; the write was sent once.
    expect(journal.entries.filter((e: any) => e.status === 'applied')).toHaveLength(journal.entries.length - 1);
    const writes = (await lab.calls()).filter((c) => c.method === 'ReconfigureDVPortgroup_Task');
    expect(writes).toHaveLength(2); // the other party's and vmfix's refused one

    const after = await lab.state();
    const dpg = dvPortgroup(after, 'DPG-Nested');
    expect(dpg.description).toBe('changed by someone else');
    expect(dpg.defaultPortConfig.macManagementPolicy.macChanges).toBe(false);
  });
});

// --- pin-mac on a powered-off VM ------------------------------------------------------

/**
 * The audit reports only running VMs, so no fix run ever plans pin-mac on a
 * VM that is off (see the report): the plan is made here by vmfix's own
 * planner, from the inventory vmfix reads, for the licence server whose
 * guest was last seen sending from another MAC.
 */
async function pinMacPlan(lab: Lab, path: string): Promise<void> {
  const { resolveTls } = await import('../../src/cli/connect.js');
  const { VimClient } = await import('../../src/vsphere/client.js');
  const { fetchInventory } = await import('../../src/inventory/fetch.js');
  const { plan } = await import('../../src/remedy/plan.js');
  const { savePlan } = await import('../../src/remedy/files.js');
  const tls = await resolveTls({ timeout: 60 }, lab.env);
  const client = await VimClient.connect({
    url: new URL(lab.url), username: lab.username, password: lab.password, tls, timeoutMs: 60_000, maxResponseBytes: 64 << 20, maxSockets: 4,
  });
  try {
    const host = new URL(lab.url).host;
    const inventory = await fetchInventory(client, host);
    const vm = inventory.vms.find((v) => v.name === 'lic-server01')!;
    const finding = {
      id: 'lic-server01-nic1', kind: 'mac-change-at-risk', severity: 'warning', summary: 'lic-server01 Network adapter 1 was seen with another MAC',
      vm: { name: vm.name, moref: vm.moref, powerState: vm.powerState },
      nic: { label: 'Network adapter 1', key: 4000, configuredMac: LIC_MAC, addressType: 'assigned', guestMac: LIC_GUEST_MAC },
      host: null, datacenter: 'DC-East', cluster: 'Prod-CL', switch: { type: 'standard', name: 'vSwitch0' },
      portgroup: { name: 'VM Network', moref: null, portKey: null }, policy: { macChanges: 'reject', source: 'vswitch' },
      evidence: [], remedies: [{ strategy: 'pin-mac', summary: 'pin it', blastRadius: { vms: [], portgroups: [] }, notes: [], mac: LIC_GUEST_MAC }],
    } as const;
    const made = plan(inventory, [finding as any], new Map([[finding.id, 'pin-mac' as const]]), { now: new Date() });
    expect(made.skipped).toEqual([]);
    await savePlan(path, made);
  } finally {
    await client.logout();
  }
}

describe('pin-mac on a powered-off VM', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('gives the NIC the manual MAC its guest uses and leaves every other field of the device as it was', async () => {
    const planPath = join(dir, 'pin.json');
    await pinMacPlan(lab, planPath);
    const before = await lab.state();
    const r = await run(lab, dir, ['apply', planPath, '--yes', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const after = await lab.state();
    expect(nic(before, 'lic-server01')).toMatchObject({ addressType: 'assigned', macAddress: LIC_MAC });
    expect(diffState(nic(before, 'lic-server01'), nic(after, 'lic-server01'))).toEqual([
      `addressType: "assigned" → "manual"`,
      `macAddress: "${LIC_MAC}" → "${LIC_GUEST_MAC}"`,
    ]);
    // Nothing else anywhere; nothing powered on or off.
    expect(diffState(before, after)).toHaveLength(2);
    expect((await lab.calls()).filter((c) => /Power|Shutdown|Reboot/.test(c.method))).toEqual([]);
    expect((await modifyingCalls(lab)).map((c) => c.method)).toEqual(['ReconfigVM_Task']);
    const journal = await readJson(join(dir, JSON.parse(r.stdout).journal));
    expect(journal.entries[0]).toMatchObject({ status: 'applied', change: { action: 'EditNic', field: 'address' } });

    // Rollback: back to an assigned MAC, which vCenter gives anew (its own range cannot be set by hand).
    const back = await run(lab, dir, ['rollback', join(dir, JSON.parse(r.stdout).journal), '--yes', '--format', 'json']);
    expect(back.code, back.stderr).toBe(0);
    const restored = nic(await lab.state(), 'lic-server01') as { addressType: string; macAddress: string };
    expect(restored.addressType).toBe('assigned');
    expect([LIC_MAC, LIC_GUEST_MAC]).not.toContain(restored.macAddress);
    const undo = await readJson(join(dir, JSON.parse(back.stdout).journal));
    expect(undo.entries[0]).toMatchObject({ status: 'applied' });
    expect(undo.entries[0].note).toBe(`vCenter gave the NIC a new MAC, ${restored.macAddress}, not ${LIC_MAC}: a MAC vCenter assigns cannot be set back by hand`);
    // Nothing is left to roll back: a second rollback changes nothing.
    const again = await run(lab, dir, ['rollback', join(dir, JSON.parse(r.stdout).journal), '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect((await modifyingCalls(lab)).map((c) => c.method)).toEqual(['ReconfigVM_Task', 'ReconfigVM_Task']);
  });
});

describe('pin-mac, once another NIC has the MAC it sets', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  // Made when no NIC had it; before the window, someone gave jump01 that MAC by hand (or cloned a VM that had it).
  // Two NICs on one MAC cut both off, and the audit would say "resolved".
  it('refuses the plan (exit 5), naming the VM that has it, and changes nothing', async () => {
    const planPath = join(dir, 'pin.json');
    await pinMacPlan(lab, planPath);
    const jump = (await lab.state()).vms.find((v) => v.name === 'jump01') as unknown as { moref: string; nics: { _typeName: string; key: number }[] };
    const card = jump.nics[0]!;
    const other = new RawSoap(lab);
    await other.login();
    await other.editDevice(
      jump.moref,
      `<device xsi:type="${card._typeName}"><key>${card.key}</key><backing xsi:type="VirtualEthernetCardNetworkBackingInfo"><deviceName>VM Network</deviceName></backing>` +
        `<addressType>manual</addressType><macAddress>${LIC_GUEST_MAC}</macAddress></device>`,
    );
    const state = await lab.state();
    const writes = (await modifyingCalls(lab)).length;

    const r = await run(lab, dir, ['apply', planPath, '--yes']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(new RegExp(`lic-server01 / Network adapter 1: the MAC ${LIC_GUEST_MAC} it sets is now also used by jump01 \\(${jump.moref}\\)\\.$`, 'm'));
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('vmfix:'))).toHaveLength(1);
    expect(await modifyingCalls(lab)).toHaveLength(writes);
    expect(diffState(state, await lab.state())).toEqual([]);
  });
});

describe('pin-mac at a terminal, another NIC given the MAC while the changes are shown', () => {
  let lab: Lab;
  let dir: string;
  let terminal: Terminal | undefined;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(async () => {
    terminal?.close();
    await lab?.stop();
  });

  // The MAC check ran before the question; the person took a while, and meanwhile jump01 got that MAC.
  // After the yes, the same checks run again: two NICs on one MAC would cut both off.
  it('refuses after the yes (exit 5), naming the VM that has the MAC, and changes nothing', async () => {
    const planPath = join(dir, 'pin.json');
    await pinMacPlan(lab, planPath);
    terminal = new Terminal(dir);
    await terminal.start(lab.env, ['apply', planPath, '--journal', join(dir, 'shown.json')]);
    await terminal.waitFor(/Apply 1 change\(s\)\?/);
    const jump = (await lab.state()).vms.find((v) => v.name === 'jump01') as unknown as { moref: string; nics: { _typeName: string; key: number }[] };
    const card = jump.nics[0]!;
    const other = new RawSoap(lab);
    await other.login();
    await other.editDevice(
      jump.moref,
      `<device xsi:type="${card._typeName}"><key>${card.key}</key><backing xsi:type="VirtualEthernetCardNetworkBackingInfo"><deviceName>VM Network</deviceName></backing>` +
        `<addressType>manual</addressType><macAddress>${LIC_GUEST_MAC}</macAddress></device>`,
    );
    const state = await lab.state();
    const writes = (await modifyingCalls(lab)).length;
    terminal.keys('y', 'Enter');
    const screen = (await terminal.waitFor(/VMFIX-EXIT=\d+/, 60_000)).replace(/\s+/g, ' ');
    expect(screen).toContain(`vmfix: Refusing: 1 object(s) changed while the changes were shown, so nothing was applied. c1 `);
    expect(screen).toContain(`/ lic-server01 / Network adapter 1: the MAC ${LIC_GUEST_MAC} it sets is now also used by jump01 (${jump.moref}). VMFIX-EXIT=5`);
    expect(screen).toContain('VMFIX-EXIT=5');
    expect(await modifyingCalls(lab)).toHaveLength(writes);
    expect(diffState(state, await lab.state())).toEqual([]);
  });
});
