// VimClient against recorded vSphere answers (test/helpers/vim-mock.ts):
// what the lab cannot easily show — sessions expiring, connections dropping,
// answers cut short or never coming — and what the wire must carry.
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withSession } from '../../src/cli/connect.js';
import type { Context } from '../../src/workflow/context.js';
import type { VimClient } from '../../src/vsphere/client.js';
import { escape } from '../../src/vsphere/encode.js';
import { ProtocolError, SoapFault, TransportError } from '../../src/vsphere/faults.js';
import { retrieveAll, retrieveObjects } from '../../src/vsphere/property.js';
import { waitForTask } from '../../src/vsphere/tasks.js';
import type { ObjectContent, RetrieveResult } from '../../src/vsphere/types.js';
import { MOCK_PASSWORD, MOCK_USER, recording, SCRUBBED_KEY, VimMock, type Failure } from '../helpers/vim-mock.js';

const API_VERSION = /<apiVersion>([^<]+)</.exec(recording('RetrieveServiceContent'))![1]!;
const HOST = { type: 'HostSystem', value: 'host-14' };
const NETWORK_SYSTEM = { type: 'HostNetworkSystem', value: 'hostnetworksystem-10' };
const VM_NAMES = ['web01', 'db01', 'nested01', 'tools-off', 'off01'];

let mock: VimMock;

beforeEach(async () => {
  mock = await VimMock.start();
});

afterEach(async () => {
  try {
    mock.done();
  } finally {
    await mock.close();
  }
});

/** Any read: the properties of one host. */
function readHost(client: VimClient, options?: { retries?: number }): Promise<RetrieveResult> {
  return client.read<RetrieveResult>(
    'RetrievePropertiesEx',
    {
      _this: client.serviceContent.propertyCollector,
      specSet: [{ propSet: [{ type: 'HostSystem', pathSet: ['name'] }], objectSet: [{ obj: HOST }] }],
      options: {},
    },
    { type: 'RetrieveResult' },
    options,
  );
}

/** Any write: a portgroup spec sent back as it is. */
function updatePortGroup(client: VimClient): Promise<unknown> {
  return client.write('UpdatePortGroup', {
    _this: NETWORK_SYSTEM,
    pgName: 'VM Network',
    portgrp: { name: 'VM Network', vlanId: 0, vswitchName: 'vSwitch0', policy: {} },
  });
}

function names(objects: readonly ObjectContent[]): string[] {
  return objects.map((o) => o.propSet?.find((p) => p.name === 'name')?.val as string);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (err: Error) => err,
  );
}

describe('session', () => {
  it('asks RetrieveServiceContent as plain urn:vim25, then sends urn:vim25/<apiVersion> with every call', async () => {
    mock.session().retrievePropertiesEx().logout();
    const client = await mock.connect();
    await readHost(client);
    await client.logout();

    expect(API_VERSION).toBe('8.0.2.0');
    expect(mock.calls.map((c) => [c.method, c.soapAction])).toEqual([
      ['RetrieveServiceContent', 'urn:vim25'],
      ['Login', `urn:vim25/${API_VERSION}`],
      ['RetrievePropertiesEx', `urn:vim25/${API_VERSION}`],
      ['Logout', `urn:vim25/${API_VERSION}`],
    ]);
  });

  it('sends the vmware_soap_session cookie back with every call after Login, over one kept-alive connection', async () => {
    mock.session().retrievePropertiesEx().retrievePropertiesEx().logout();
    const client = await mock.connect();
    await readHost(client);
    await readHost(client);
    await client.logout();

    const [session] = mock.sessions;
    expect(mock.calls.map((c) => c.cookie)).toEqual([undefined, undefined, session, session, session]);
    expect(mock.connectionCount).toBe(1);
    // Nothing keeps the process alive after Logout: the kept-alive socket is closed.
    await vi.waitFor(() => expect(mock.openConnections).toBe(0));
  });

  it('more calls at once than sockets wait for one: no more connections than maxSockets are ever opened', async () => {
    mock.session();
    for (let i = 0; i < 12; i++) mock.browseDiagnosticLog();
    const client = await mock.connect({ maxSockets: 3 });
    const pages = await Promise.all(
      Array.from({ length: 12 }, () =>
        client.read<{ lineText: string[] }>(
          'BrowseDiagnosticLog',
          { _this: client.serviceContent.diagnosticManager, host: HOST, key: 'vmkernel', start: 1, lines: 500 },
          { type: 'DiagnosticManagerLogHeader' },
        ),
      ),
    );

    expect(pages.map((p) => p.lineText.length)).toEqual(Array(12).fill(5));
    expect(mock.connectionCount).toBeLessThanOrEqual(3);
  });

  it('sends the password XML-escaped in Login, and a wrong one fails with InvalidLogin and no Logout', async () => {
    mock.retrieveServiceContent().fault('Login', 'Login-InvalidLogin');
    const err = await rejection(mock.connect());

    expect(err).toBeInstanceOf(SoapFault);
    expect(err).toMatchObject({ faultType: 'InvalidLogin', message: 'Login failure' });
    const login = mock.callsOf('Login')[0]!.body;
    expect(login).toContain(`<userName>${MOCK_USER}</userName>`);
    expect(login).toContain('<password>S3cret&amp;&lt;pw&gt;&quot;</password>');
  });
});

describe('an expired session (NotAuthenticated)', () => {
  it('logs in again once and sends the read again with the new cookie', async () => {
    mock.session().fault('RetrievePropertiesEx', 'RetrievePropertiesEx-NotAuthenticated').login().retrievePropertiesEx();
    const client = await mock.connect();
    const result = await readHost(client);

    expect(names(result.objects ?? [])).toEqual(['esx01.rec.local', 'esx02.rec.local']);
    expect(mock.callsOf('Login')).toHaveLength(2);
    expect(mock.callsOf('RetrievePropertiesEx').map((c) => c.cookie)).toEqual(mock.sessions);
  });

  it('fails when the read meets NotAuthenticated again after the new Login', async () => {
    mock
      .session()
      .fault('RetrievePropertiesEx', 'RetrievePropertiesEx-NotAuthenticated')
      .login()
      .fault('RetrievePropertiesEx', 'RetrievePropertiesEx-NotAuthenticated');
    const client = await mock.connect();
    const err = await rejection(readHost(client));

    expect(err).toBeInstanceOf(SoapFault);
    expect((err as SoapFault).faultType).toBe('NotAuthenticated');
    expect(mock.callsOf('Login')).toHaveLength(2);
  });

  it('logs in again for a write too: the server refused it before doing anything', async () => {
    mock
      .session()
      .fault('UpdatePortGroup', 'RetrievePropertiesEx-NotAuthenticated')
      .login()
      .updatePortGroup()
      .with({ _this: NETWORK_SYSTEM.value, pgName: 'VM Network' });
    const client = await mock.connect();
    await updatePortGroup(client);

    expect(mock.callsOf('UpdatePortGroup').map((c) => c.cookie)).toEqual(mock.sessions);
  });

  it('is strict about parameters a test states: the same method for another object is unexpected', async () => {
    mock.session().updatePortGroup().with({ pgName: 'NLB' });
    const client = await mock.connect();
    const err = await rejection(updatePortGroup(client));

    expect(err).toBeInstanceOf(SoapFault);
    expect(mock.pending).toEqual(['UpdatePortGroup']);
    expect(() => mock.done()).toThrow(/unexpected UpdatePortGroup call/);
    // The call it was stated for is answered.
    await client.write('UpdatePortGroup', { _this: NETWORK_SYSTEM, pgName: 'NLB', portgrp: { name: 'NLB', vlanId: 0, vswitchName: 'vSwitch0', policy: {} } });
    expect(mock.pending).toEqual([]);
    mock.unmatched.length = 0;
  });
});

describe('transient failures', () => {
  const failures: Failure[] = ['reset', 'http-503', 'truncated', 'truncated-xml'];

  it.each(failures)('a read is sent again after %s', async (failure) => {
    mock.session().failure('RetrievePropertiesEx', failure).retrievePropertiesEx();
    const retries: string[] = [];
    const client = await mock.connect({ onRetry: (method, attempt) => retries.push(`${method} ${attempt}`) });
    const result = await readHost(client);

    expect(names(result.objects ?? [])).toEqual(['esx01.rec.local', 'esx02.rec.local']);
    expect(retries).toEqual(['RetrievePropertiesEx 1']);
  });

  it('a read is sent a bounded number of times, then the failure is reported', async () => {
    mock.session().failure('RetrievePropertiesEx', 'reset').failure('RetrievePropertiesEx', 'http-503').failure('RetrievePropertiesEx', 'reset');
    const client = await mock.connect({ readRetries: 2 });
    const err = await rejection(readHost(client));

    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).failure).toBe('reset');
    expect(mock.callsOf('RetrievePropertiesEx')).toHaveLength(3);
  });

  it('a fault is an answer, not a failure: not sent again', async () => {
    mock.session().fault('BrowseDiagnosticLog', 'BrowseDiagnosticLog-NoPermission');
    const client = await mock.connect();
    const err = await rejection(
      client.read('BrowseDiagnosticLog', { _this: client.serviceContent.diagnosticManager, host: HOST, key: 'vmkernel', start: 1, lines: 500 }, { type: 'DiagnosticManagerLogHeader' }),
    );

    expect(err).toBeInstanceOf(SoapFault);
    expect(err).toMatchObject({ faultType: 'NoPermission', privilegeId: 'Global.Diagnostics', object: { type: 'HostSystem', value: 'host-24' } });
    expect(mock.callsOf('BrowseDiagnosticLog')).toHaveLength(1);
  });

  it('hostile or malformed XML is an answer, not a failure: refused and not asked for again', async () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><soapenv:Envelope><soapenv:Body>&b;</soapenv:Body></soapenv:Envelope>';
    mock.session().bytes('RetrievePropertiesEx', [Buffer.from(bomb)]);
    const client = await mock.connect();
    const err = await rejection(readHost(client));

    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).truncated).toBe(false);
    expect(mock.callsOf('RetrievePropertiesEx')).toHaveLength(1);
  });

  it.each(['reset', 'http-503'] as const)('connecting survives a %s on RetrieveServiceContent and on Login', async (failure) => {
    mock.failure('RetrieveServiceContent', failure).retrieveServiceContent().failure('Login', failure).login();
    const retries: string[] = [];
    const client = await mock.connect({ onRetry: (method, attempt) => retries.push(`${method} ${attempt}`) });

    expect(client.serviceContent.about.apiVersion).toBe(API_VERSION);
    expect(retries).toEqual(['RetrieveServiceContent 1', 'Login 1']);
  });

  it.each([...failures, 'hang' as const])('a write is never sent twice, even after %s', async (failure) => {
    mock.session().failure('UpdatePortGroup', failure);
    const client = await mock.connect({ timeoutMs: 500 });
    const err = await rejection(updatePortGroup(client));

    expect(err instanceof TransportError || err instanceof ProtocolError).toBe(true);
    if (failure === 'hang') expect((err as TransportError).failure).toBe('timeout');
    expect(mock.callsOf('UpdatePortGroup')).toHaveLength(1);
  });
});

describe('timeouts and the size cap', () => {
  it('a read with no answer times out and is sent again', async () => {
    mock.session().failure('RetrievePropertiesEx', 'hang').retrievePropertiesEx();
    const errors: Error[] = [];
    const client = await mock.connect({ timeoutMs: 500, onRetry: (_m, _a, err) => errors.push(err) });
    await readHost(client);

    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TransportError);
    expect((errors[0] as TransportError).failure).toBe('timeout');
  });

  it('gives up with a timeout when no attempt is answered', async () => {
    mock.session().failure('RetrievePropertiesEx', 'hang').failure('RetrievePropertiesEx', 'hang');
    const client = await mock.connect({ timeoutMs: 300, readRetries: 1 });
    const err = await rejection(readHost(client));

    expect(err).toMatchObject({ name: 'TransportError', failure: 'timeout' });
  });

  it('refuses an answer over the size cap, does not ask again, and stays usable', async () => {
    mock.session().retrievePropertiesEx('RetrievePropertiesEx-vms-page1').retrievePropertiesEx();
    const cap = 12_000;
    expect(recording('RetrievePropertiesEx-vms-page1').length).toBeGreaterThan(cap);
    expect(recording('RetrievePropertiesEx-hosts').length).toBeLessThan(cap);
    const client = await mock.connect({ maxResponseBytes: cap });
    const err = await rejection(readHost(client));
    expect(err).toMatchObject({ name: 'TransportError', failure: 'too-large' });
    expect(mock.callsOf('RetrievePropertiesEx')).toHaveLength(1);

    const next = await readHost(client);
    expect(names(next.objects ?? [])).toEqual(['esx01.rec.local', 'esx02.rec.local']);
  });
});

describe('PropertyCollector paging', () => {
  const token = (file: string) => /<token>([^<]+)</.exec(recording(file))![1]!;
  const vms = [{ type: 'VirtualMachine', pathSet: ['name', 'config.hardware.device', 'guest.net'] }];

  /** The tokens the Continue calls sent, in order. */
  const askedTokens = () => mock.callsOf('ContinueRetrievePropertiesEx').map((c) => /<token>([^<]+)</.exec(c.body)?.[1]);

  /** Page 1, then page 2 cut off after its token (which asks for page 3 at once). */
  const pageTwoLost = () =>
    mock
      .session()
      .createContainerView()
      .retrievePropertiesEx('RetrievePropertiesEx-vms-page1')
      .failure('ContinueRetrievePropertiesEx', 'truncated', 'ContinueRetrievePropertiesEx-vms-page2')
      .with({ token: token('RetrievePropertiesEx-vms-page1') });

  /** Pages 2 and 3, each answered to the token that asks for it, as vCenter answers. */
  const laterPages = (m: VimMock) =>
    m
      .continueRetrievePropertiesEx('ContinueRetrievePropertiesEx-vms-page2')
      .with({ token: token('RetrievePropertiesEx-vms-page1') })
      .continueRetrievePropertiesEx('ContinueRetrievePropertiesEx-vms-page3')
      .with({ token: token('ContinueRetrievePropertiesEx-vms-page2') });

  it('follows the tokens page by page and destroys the view', async () => {
    mock
      .session()
      .createContainerView()
      .retrievePropertiesEx('RetrievePropertiesEx-vms-page1')
      .continueRetrievePropertiesEx('ContinueRetrievePropertiesEx-vms-page2')
      .continueRetrievePropertiesEx('ContinueRetrievePropertiesEx-vms-page3')
      .destroyView();
    const client = await mock.connect();
    const pages: number[] = [];
    const objects = await retrieveAll(client, vms, { pageSize: 2, onPage: (page) => pages.push(page) });

    expect(names(objects)).toEqual(VM_NAMES);
    expect(pages).toEqual([1, 2, 3]);
    expect(mock.callsOf('RetrievePropertiesEx')[0]!.body).toContain('<maxObjects>2</maxObjects>');
    expect(askedTokens()).toEqual([
      token('RetrievePropertiesEx-vms-page1'),
      token('ContinueRetrievePropertiesEx-vms-page2'),
    ]);
    const view = /<returnval type="ContainerView">([^<]+)</.exec(recording('CreateContainerView'))![1]!.replace(SCRUBBED_KEY, mock.sessions[0]!);
    expect(mock.callsOf('DestroyView')[0]!.body).toContain(`<_this type="ContainerView">${view}</_this>`);
  });

  it('asks for the next page as soon as its token arrives, while the rest of the page is still coming', async () => {
    const page1 = recording('RetrievePropertiesEx-vms-page1');
    const cut = page1.indexOf('</token>') + '</token>'.length;
    const rest = Buffer.from(page1.slice(cut));
    const slices = Array.from({ length: 5 }, (_, i) => rest.subarray(Math.floor((i * rest.length) / 5), Math.floor(((i + 1) * rest.length) / 5)));
    laterPages(mock.session().createContainerView().bytes('RetrievePropertiesEx', [Buffer.from(page1.slice(0, cut)), ...slices])).destroyView();
    const client = await mock.connect();
    const askedBeforePageEnded: number[] = [];
    const objects = await retrieveAll(client, vms, {
      pageSize: 2,
      onPage: (page) => void (page === 1 && askedBeforePageEnded.push(mock.callsOf('ContinueRetrievePropertiesEx').length)),
    });

    // Page 1 was still arriving (five more writes, 20 ms apart) when page 2 was asked for
    // (and page 3 too, once page 2's token had come).
    expect(askedBeforePageEnded).toHaveLength(1);
    expect(askedBeforePageEnded[0]).toBeGreaterThanOrEqual(1);
    expect(names(objects)).toEqual(VM_NAMES);
    expect(mock.pending).toEqual([]);
  });

  it('starts again from the first page when a Continue page is lost, and returns each object once', async () => {
    // The Continue answers go by token, as vCenter's do. The lost page's token
    // arrived before the cut, so its follower was asked for and answered; it
    // goes with the abandoned retrieval.
    pageTwoLost()
      .continueRetrievePropertiesEx('ContinueRetrievePropertiesEx-vms-page3')
      .with({ token: token('ContinueRetrievePropertiesEx-vms-page2') })
      .retrievePropertiesEx('RetrievePropertiesEx-vms-page1');
    laterPages(mock).destroyView();
    const client = await mock.connect();
    const objects = await retrieveAll(client, vms, { pageSize: 2 });

    expect(names(objects)).toEqual(VM_NAMES);
    expect(mock.callsOf('RetrievePropertiesEx')).toHaveLength(2);
    expect(mock.unmatched).toEqual([]);
    // The lost page's token was used up: it is never asked for again.
    expect(askedTokens()).toEqual([
      token('RetrievePropertiesEx-vms-page1'),
      token('ContinueRetrievePropertiesEx-vms-page2'),
      token('RetrievePropertiesEx-vms-page1'),
      token('ContinueRetrievePropertiesEx-vms-page2'),
    ]);
  });

  it('leaves nothing in flight: a page asked early from a lost pass is awaited, and asks for nothing once the retrieval is over', async () => {
    // Page 3 of the lost pass has a token of its own, so it would ask for a page 4; its token
    // comes in pieces, 20 ms apart, after the cut of page 2 has ended that pass.
    const page3 = recording('ContinueRetrievePropertiesEx-vms-page2').replace(/<token>[^<]+<\/token>/, '<token>page-4</token>');
    const at = page3.indexOf('<token>');
    const pieces = [page3.slice(0, at), '<to', 'ken>pa', 'ge-4</tok', 'en>', page3.slice(at + '<token>page-4</token>'.length)];
    pageTwoLost()
      .bytes('ContinueRetrievePropertiesEx', pieces.map((piece) => Buffer.from(piece)))
      .with({ token: token('ContinueRetrievePropertiesEx-vms-page2') })
      .retrievePropertiesEx('RetrievePropertiesEx-vms-page1');
    laterPages(mock).destroyView();
    const client = await mock.connect();
    const objects = await retrieveAll(client, vms, { pageSize: 2 });
    const atReturn = mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(names(objects)).toEqual(VM_NAMES);
    expect(askedTokens()).not.toContain('page-4');
    expect(mock.calls.length).toBe(atReturn);
  });

  it("a first call the client sent again: its first answer's pages stop, the new pass pages ahead", async () => {
    const retoken = (file: string, to: string) => Buffer.from(recording(file).replace(/<token>[^<]+<\/token>/, `<token>${to}</token>`));
    mock
      .session()
      .createContainerView()
      .failure('RetrievePropertiesEx', 'truncated', 'RetrievePropertiesEx-vms-page1')
      .bytes('RetrievePropertiesEx', [retoken('RetrievePropertiesEx-vms-page1', 'again-2')])
      .bytes('ContinueRetrievePropertiesEx', [retoken('ContinueRetrievePropertiesEx-vms-page2', 'again-3')])
      .with({ token: 'again-2' })
      .continueRetrievePropertiesEx('ContinueRetrievePropertiesEx-vms-page3')
      .with({ token: 'again-3' });
    laterPages(mock).destroyView();
    const client = await mock.connect();
    const objects = await retrieveAll(client, vms, { pageSize: 2 });
    const atReturn = mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const asked = askedTokens();

    expect(names(objects)).toEqual(VM_NAMES);
    expect(asked.filter((t) => t?.startsWith('again-'))).toEqual(['again-2', 'again-3']);
    // The first pass asked at most two pages before the call was sent again, and nothing after.
    expect(asked.length).toBeLessThanOrEqual(4);
    expect(mock.calls.length).toBe(atReturn);
  });

  it('destroys the view when the retrieval fails', async () => {
    mock.session().createContainerView().fault('RetrievePropertiesEx', 'BrowseDiagnosticLog-NoPermission').destroyView();
    const client = await mock.connect();
    const err = await rejection(retrieveAll(client, vms, { pageSize: 2 }));

    expect(err).toMatchObject({ faultType: 'NoPermission' });
    expect(mock.callsOf('DestroyView')).toHaveLength(1);
  });

  it('reads given objects without a view', async () => {
    mock.session().retrievePropertiesEx('RetrievePropertiesEx-hosts');
    const client = await mock.connect();
    const objects = await retrieveObjects(client, [HOST, { type: 'HostSystem', value: 'host-24' }], ['name']);

    expect(names(objects)).toEqual(['esx01.rec.local', 'esx02.rec.local']);
    expect(mock.callsOf('RetrievePropertiesEx')[0]!.body).toContain('<objectSet><obj type="HostSystem">host-14</obj></objectSet>');
  });
});

describe('waiting for a task', () => {
  const task = { type: 'Task', value: 'task-34' };

  it('long-polls its own PropertyCollector once per change, then destroys it', async () => {
    mock.session().createPropertyCollector().createFilter().waitForUpdatesEx('WaitForUpdatesEx-task-success').destroyPropertyCollector();
    const client = await mock.connect();
    await waitForTask(client, task);

    const collector = /<returnval (type="[^"]+">[^<]+)</.exec(recording('CreatePropertyCollector'))![1]!.replace(SCRUBBED_KEY, mock.sessions[0]!);
    expect(mock.callsOf('CreateFilter')[0]!.body).toContain(`<_this ${collector}</_this>`);
    expect(mock.callsOf('CreateFilter')[0]!.body).toContain('<obj type="Task">task-34</obj>');
    expect(mock.callsOf('WaitForUpdatesEx')).toHaveLength(1);
    expect(mock.callsOf('WaitForUpdatesEx')[0]!.body).toMatch(/<version><\/version><options><maxWaitSeconds>\d+<\/maxWaitSeconds><\/options>/);
    expect(mock.callsOf('DestroyPropertyCollector')[0]!.body).toContain(`<_this ${collector}</_this>`);
  });

  it('a failed task rejects with its fault, typed, and the collector is destroyed all the same', async () => {
    mock.session().createPropertyCollector().createFilter().waitForUpdatesEx('WaitForUpdatesEx-task-error').destroyPropertyCollector();
    const client = await mock.connect();
    const err = await rejection(waitForTask(client, task));

    expect(err).toBeInstanceOf(SoapFault);
    expect((err as SoapFault).faultType).toBe('ConcurrentAccess');
  });
});

describe('Logout', () => {
  it('is sent with the session cookie after a failed call, once, and never throws', async () => {
    mock.session().fault('RetrievePropertiesEx', 'BrowseDiagnosticLog-NoPermission').failure('Logout', 'reset');
    const client = await mock.connect();
    await rejection(readHost(client));
    await client.logout();
    await client.logout();

    expect(mock.callsOf('Logout').map((c) => c.cookie)).toEqual(mock.sessions);
  });

  it('withSession logs out when the work fails, and --debug traces the traffic without the password or cookie', async () => {
    mock.session().retrievePropertiesEx().logout();
    const debug: string[] = [];
    const ctx = testContext({ VMFIX_PASSWORD: MOCK_PASSWORD }, debug);
    const failure = new Error('the work failed');
    const err = await rejection(
      withSession(
        { vcenter: mock.url.href, user: MOCK_USER, caFile: join(import.meta.dirname, 'fixtures', 'mock-ca.pem'), timeout: 5, debug: true },
        ctx,
        async (client) => {
          await readHost(client);
          throw failure;
        },
      ),
    );

    expect(err).toBe(failure);
    expect(mock.callsOf('Logout')).toHaveLength(1);
    const trace = debug.join('\n');
    expect(trace).toContain('<password>(redacted)</password>');
    expect(trace).toContain('LogoutResponse');
    // The lab, like vcsim, echoes the session key (the cookie) in the Login answer.
    expect(recording('Login')).toContain(SCRUBBED_KEY);
    for (const secret of [MOCK_PASSWORD, escape(MOCK_PASSWORD), mock.sessions[0]!]) expect(trace).not.toContain(secret);
  });
});

describe('bytes on the wire', () => {
  const logHeader = (lines: Buffer[]) => [
    Buffer.from(recording('BrowseDiagnosticLog').split('<lineText>')[0]!),
    ...lines.flatMap((l) => [Buffer.from('<lineText>'), l, Buffer.from('</lineText>')]),
    Buffer.from('</returnval></BrowseDiagnosticLogResponse></soapenv:Body></soapenv:Envelope>'),
  ];
  const browse = (client: VimClient) =>
    client.read<{ lineText?: string[] }>(
      'BrowseDiagnosticLog',
      { _this: client.serviceContent.diagnosticManager, host: HOST, key: 'vmkernel', start: 1, lines: 500 },
      { type: 'DiagnosticManagerLogHeader' },
    );

  it('bytes that are not UTF-8 become U+FFFD; the rest of the answer is kept', async () => {
    mock.session().bytes('BrowseDiagnosticLog', logHeader([Buffer.from('caf\xe9 latin-1', 'latin1'), Buffer.from('plain line')]));
    const client = await mock.connect();
    const header = await browse(client);

    expect(header.lineText).toEqual(['caf\uFFFD latin-1', 'plain line']);
  });

  it('a character split between two chunks arrives whole', async () => {
    const euro = Buffer.from('price 5 € ok');
    const cut = euro.indexOf(0xe2) + 1;
    const chunks = logHeader([euro]);
    const at = chunks.indexOf(euro);
    chunks.splice(at, 1, euro.subarray(0, cut), euro.subarray(cut));
    mock.session().bytes('BrowseDiagnosticLog', chunks);
    const client = await mock.connect();
    const header = await browse(client);

    expect(header.lineText).toEqual(['price 5 € ok']);
  });
});

function testContext(env: NodeJS.ProcessEnv, debug: string[]): Context {
  return {
    env,
    version: '0.0.0-test',
    interrupted: false,
    onInterrupt: () => () => undefined,
    critical: (work) => work(),
    finish: () => undefined,
    ui: {
      interactive: false,
      color: false,
      columns: undefined,
      confirm: async () => false,
      select: async () => {
        throw new Error('no prompts in this test');
      },
      password: async () => {
        throw new Error('no prompts in this test');
      },
      spinner: () => ({ update() {}, stop() {} }),
      progress() {},
      say() {},
      warn() {},
      debug: (text) => debug.push(text),
    },
  };
}

describe('compressed answers', () => {
  /** An envelope around `filler` (white space between elements), gzipped. */
  const gzipped = (filler: number) =>
    gzipSync(Buffer.from(recording('RetrievePropertiesEx-hosts').replace('<returnval>', `<returnval>${' '.repeat(filler)}`)));

  it('asks for gzip only with compress, and reads the gzipped answer as the plain one', async () => {
    mock.compression = 'when-asked';
    mock.session().retrievePropertiesEx().session().retrievePropertiesEx();
    const plain = await readHost(await mock.connect());
    const compressed = await mock.connect({ compress: true });
    expect(names((await readHost(compressed)).objects ?? [])).toEqual(names(plain.objects ?? []));
    expect(mock.calls.map((c) => c.acceptEncoding)).toEqual([undefined, undefined, undefined, 'gzip', 'gzip', 'gzip']);
    expect(compressed.stats.bytesReceived).toBeLessThan(compressed.stats.bytesDecoded / 3);
  });

  it('reads a gzipped answer it did not ask for (a proxy that compresses)', async () => {
    mock.compression = 'always';
    mock.session().retrievePropertiesEx();
    const client = await mock.connect();
    expect(names((await readHost(client)).objects ?? [])).toEqual(['esx01.rec.local', 'esx02.rec.local']);
  });

  it('a gzip stream cut short is an answer cut short: asked again, and said when it stays so', async () => {
    const whole = gzipped(0);
    const cut = [whole.subarray(0, whole.length - 40)];
    mock.session().bytes('RetrievePropertiesEx', cut, { 'Content-Encoding': 'gzip' }).bytes('RetrievePropertiesEx', cut, { 'Content-Encoding': 'gzip' });
    const client = await mock.connect();
    const err = await rejection(readHost(client, { retries: 1 }));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/not a complete SOAP envelope \(its gzip stream stops short\)/);
    expect(mock.callsOf('RetrievePropertiesEx')).toHaveLength(2);
  });

  it('an empty body, gzipped or not, is said as such and not asked again: sent so, it is no answer cut short', async () => {
    const gzip: Record<string, string> = { 'Content-Encoding': 'gzip' };
    const empties: [Buffer[], Record<string, string>][] = [[[], gzip], [[gzipSync(Buffer.alloc(0))], gzip], [[], {}]];
    for (const [chunks, headers] of empties) mock.session().bytes('RetrievePropertiesEx', chunks, headers);
    for (const [, headers] of empties) {
      const client = await mock.connect();
      const err = await rejection(readHost(client, { retries: 3 }));
      const encoding = headers === gzip ? ' \\(Content-Encoding: gzip\\)' : '';
      expect(err).toMatchObject({ name: 'TransportError', failure: 'http', transient: false });
      expect(err.message).toMatch(new RegExp(`^127\\.0\\.0\\.1:\\d+ answered HTTP 200 with an empty body${encoding} instead of a SOAP answer$`));
    }
    expect(mock.callsOf('RetrievePropertiesEx')).toHaveLength(3);
  });

  it('refuses damaged gzip, and an answer that inflates past the size cap, without inflating it all', async () => {
    const damaged = Buffer.from(gzipped(0));
    damaged.fill(0x41, 20, 60);
    const bomb = gzipped(64 * 2 ** 20); // 64 MiB of white space in about 64 KB
    expect(bomb.length).toBeLessThan(2 ** 20);
    mock.session().bytes('RetrievePropertiesEx', [damaged], { 'Content-Encoding': 'gzip' }).bytes('RetrievePropertiesEx', [bomb], { 'Content-Encoding': 'gzip' });
    const client = await mock.connect({ maxResponseBytes: 2 ** 20 });
    const bad = await rejection(readHost(client));
    expect(bad).toBeInstanceOf(ProtocolError);
    expect(bad.message).toMatch(/gzip encoding is damaged/);
    const huge = await rejection(readHost(client));
    expect(huge).toMatchObject({ name: 'TransportError', failure: 'too-large' });
    expect(client.stats.bytesDecoded).toBeLessThan(8 * 2 ** 20);
  });

  it('refuses a content encoding it did not ask for and cannot read, naming it', async () => {
    mock.session().bytes('RetrievePropertiesEx', [Buffer.from('not really brotli')], { 'Content-Encoding': 'br' });
    const client = await mock.connect();
    const err = await rejection(readHost(client));
    expect(err.message).toMatch(/content encoding "br", which vmfix did not ask for/);
  });
});
