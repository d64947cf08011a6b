// tailHostLog against a client that answers BrowseDiagnosticLog through the
// real decoder: pages older than the newest are filtered (only the lines the
// audit keeps, and the first few, become strings), and the log's times must
// not change for it.
import { describe, expect, it } from 'vitest';
import { tailHostLog } from '../../src/evidence/host-logs.js';
import { SeenLines } from '../../src/evidence/seen-lines.js';
import type { Host } from '../../src/inventory/model.js';
import type { VimClient } from '../../src/vsphere/client.js';
import { ResponseDecoder, type ReturnSpec } from '../../src/vsphere/decode.js';

const TOTAL = 1000;
const time = (n: number) => `2024-05-14T09:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}.000Z`;

const ordinary = (n: number) => `${time(n)} cpu1:2097)NetPort: 1580: disabled port 0x${n.toString(16)} "x"`;
const blocked = (n: number) =>
  `${time(n)} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client web01 requested mac address change to 02:00:00:00:00:01 on port 0x2000004, disallowed by vswitch policy`;

/** A log whose first lines are untimed (a wrapped stack dump), and a client that serves it 500 lines a call. */
function logClient(untimed: number) {
  return serve(() => Array.from({ length: TOTAL }, (_, i) => (i < untimed ? `    frame ${i + 1}: 0x41089b3c [untimed continuation]` : ordinary(i + 1))));
}

/**
 * BrowseDiagnosticLog as the API reference has it: lines from `start`, and
 * "sometimes fewer log lines are returned than were requested" (`cap`: the
 * server's limit); `log()` is the file at each call, which may have rotated.
 */
function serve(log: (call: number) => readonly string[], cap = 500) {
  const calls: { start: number; filtered: boolean }[] = [];
  const client = {
    read: async (_method: string, args: { start: number; lines: number }, returns: ReturnSpec) => {
      calls.push({ start: args.start, filtered: returns.only !== undefined });
      const lines = log(calls.length);
      const total = lines.length;
      const start = Math.min(args.start, total + 1);
      const end = Math.min(total, start + Math.min(args.lines || cap, cap) - 1);
      const items = lines.slice(start - 1, end).map((l) => `<lineText>${l.replace(/"/g, '&#34;')}</lineText>`).join('');
      const decoder = new ResponseDecoder(returns);
      decoder.write(
        '<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
          `<BrowseDiagnosticLogResponse xmlns="urn:vim25"><returnval><lineStart>${start}</lineStart><lineEnd>${start > total ? total : end}</lineEnd>${items}</returnval>` +
          '</BrowseDiagnosticLogResponse></soapenv:Body></soapenv:Envelope>',
      );
      const answer = decoder.end();
      return answer.kind === 'result' ? answer.value : undefined;
    },
  } as unknown as VimClient;
  return { client, calls };
}

const HOST = { name: 'esx01' } as Host;
const MANAGER = { type: 'DiagnosticManager', value: 'DiagMgr' };

describe('tailHostLog over filtered pages', () => {
  it('reads the older page filtered, and the log starts when its first line says', async () => {
    const { client, calls } = logClient(0);
    const log = await tailHostLog(client, MANAGER, undefined, HOST, { since: null, maxLines: 5000 });
    expect(log.source).toMatchObject({ lines: TOTAL, firstTime: time(1), lastTime: time(TOTAL) });
    expect(calls.map((c) => c.filtered)).toEqual([false, false, true]);
  });

  it("a line whose syslog head names the host otherwise (vCenter knows it by IP address) is still this host's: it came from its log", async () => {
    const named = `${time(TOTAL)} esx01-mgmt vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client web01 requested mac address change to 02:00:00:00:00:01 on port 0x2000004, disallowed by vswitch policy`;
    const { client } = serve(() => [...Array.from({ length: TOTAL - 1 }, (_, i) => ordinary(i + 1)), named]);
    const log = await tailHostLog(client, MANAGER, undefined, { name: '10.0.0.21' } as Host, { since: null, maxLines: 5000 });
    expect(log.events.map((e) => [e.vmName, e.hostName, e.source])).toEqual([['web01', '10.0.0.21', '10.0.0.21']]);
  });

  it('reads a filtered page again whole when its first lines carry no time: the start and the window stay right', async () => {
    const { client, calls } = logClient(20);
    const all = await tailHostLog(client, MANAGER, undefined, HOST, { since: null, maxLines: 5000 });
    expect(all.source.firstTime).toBe(time(21));
    expect(calls.slice(-2)).toEqual([{ start: 1, filtered: true }, { start: 1, filtered: false }]);
    // A window that begins after the first timed line is covered, not "rotated".
    const since = await tailHostLog(logClient(20).client, MANAGER, undefined, HOST, { since: time(300), maxLines: 5000 });
    expect(since.shortBy).toBeNull();
  });
});

describe('tailHostLog against what BrowseDiagnosticLog may answer', () => {
  const withBlockAt = (n: number) => Array.from({ length: TOTAL }, (_, i) => (i + 1 === n ? blocked(i + 1) : ordinary(i + 1)));

  it('a server that returns fewer lines than asked: every line is read once, the newest too', async () => {
    const { client } = serve(() => withBlockAt(900), 200);
    const log = await tailHostLog(client, MANAGER, undefined, HOST, { since: null, maxLines: 5000 });
    expect(log.events.map((e) => e.lastTime)).toEqual([time(900)]);
    expect(log.source).toMatchObject({ lines: TOTAL, firstTime: time(1), lastTime: time(TOTAL) });
  });

  it('a log rotated between two pages: the lines of the new file are not taken for older ones, and the read says the log was cut', async () => {
    // After the first two calls (the end, the newest page) ESXi starts a new vmkernel.log of 600 newer lines.
    const rotated = Array.from({ length: 600 }, (_, i) => (i === 100 ? blocked(TOTAL + 101) : ordinary(TOTAL + i + 1)));
    const { client } = serve((call) => (call <= 2 ? withBlockAt(10) : rotated));
    const log = await tailHostLog(client, MANAGER, undefined, HOST, { since: null, maxLines: 5000 });
    expect(log.events).toEqual([]);
    expect(log.source).toMatchObject({ lines: 500, firstTime: time(501), lastTime: time(TOTAL) });
    expect(log.shortBy).toBe('rotated');
  });

  it('a clock stepped back (older lines stamped later than some newer ones, not than the newest): no rotation, all read', async () => {
    const stepped = Array.from({ length: TOTAL }, (_, i) => (i < 500 ? ordinary(i + 200) : ordinary(i + 1)));
    const log = await tailHostLog(serve(() => stepped).client, MANAGER, undefined, HOST, { since: null, maxLines: 5000 });
    expect(log).toMatchObject({ shortBy: null, source: { lines: TOTAL } });
  });

  it('a log rotated to fewer lines than the next page starts at: an empty page is a cut log, not the --log-lines cap', async () => {
    const { client } = serve((call) => (call <= 2 ? withBlockAt(10) : [ordinary(TOTAL + 1)]));
    const log = await tailHostLog(client, MANAGER, undefined, HOST, { since: null, maxLines: 5000 });
    expect(log.source).toMatchObject({ lines: 500, firstTime: time(501) });
    expect(log.shortBy).toBe('rotated');
  });

  it('a log rotated between finding its end and reading it: the new log is read from its own end', async () => {
    const fresh = Array.from({ length: 300 }, (_, i) => (i === 299 ? blocked(TOTAL + 300) : ordinary(TOTAL + i + 1)));
    const { client } = serve((call) => (call === 1 ? withBlockAt(10) : fresh));
    const log = await tailHostLog(client, MANAGER, undefined, HOST, { since: null, maxLines: 5000 });
    expect(log.events.map((e) => e.lastTime)).toEqual([time(TOTAL + 300)]);
    expect(log).toMatchObject({ lineEnd: 300, shortBy: null, source: { lines: 300 } });
  });

  it('a host whose log says it has lines and answers none: said so, not taken for the --log-lines cap', async () => {
    const client = { read: async () => ({ lineStart: 1, lineEnd: TOTAL }) } as unknown as VimClient;
    const log = await tailHostLog(client, MANAGER, undefined, HOST, { since: time(1), maxLines: 5000 });
    expect(log).toMatchObject({ shortBy: 'unanswered', source: { lines: 0 } });
  });
});

describe('tailHostLog after the newest line of --vmkernel-log files', () => {
  const withBlocksAt = (...at: number[]) => Array.from({ length: TOTAL }, (_, i) => (at.includes(i + 1) ? blocked(i + 1) : ordinary(i + 1)));

  it('stops once it passes that line, and takes the lines from it on: one the files counted is theirs', async () => {
    const { client, calls } = serve(() => withBlocksAt(200, 600, 700, 800));
    const seen = new SeenLines();
    seen.file()(HOST.name, blocked(600));
    const log = await tailHostLog(client, MANAGER, undefined, HOST, { since: time(1), maxLines: 5000, after: time(600), seen });
    expect(log.events.map((e) => [e.firstTime, e.lastTime, e.count])).toEqual([[time(700), time(800), 2]]);
    // The newest page (501-1000) reaches back past it: the older one is not fetched.
    expect(calls.filter((c) => c.start <= TOTAL).map((c) => c.start)).toEqual([501]);
    expect(log.shortBy).toBeNull();
  });

  it('takes a line stamped at that time that the files do not hold', async () => {
    const { client } = serve(() => withBlocksAt(600, 700));
    const log = await tailHostLog(client, MANAGER, undefined, HOST, { since: time(1), maxLines: 5000, after: time(600), seen: new SeenLines() });
    expect(log.events.map((e) => [e.firstTime, e.lastTime, e.count])).toEqual([[time(600), time(700), 2]]);
  });

  it('a log that begins after that line is short by a rotation', async () => {
    const { client } = serve(() => withBlocksAt(10));
    const log = await tailHostLog(client, MANAGER, undefined, HOST, { since: '2024-05-13T00:00:00.000Z', maxLines: 5000, after: '2024-05-14T08:00:00.000Z' });
    expect(log.events.map((e) => e.lastTime)).toEqual([time(10)]);
    expect(log.shortBy).toBe('rotated');
  });
});
