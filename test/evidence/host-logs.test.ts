// tailHostLog against a client that answers BrowseDiagnosticLog through the
// real decoder: pages older than the newest are filtered (only the lines the
// audit keeps, and the first few, become strings), and the log's times must
// not change for it.
import { describe, expect, it } from 'vitest';
import { tailHostLog } from '../../src/evidence/host-logs.js';
import type { Host } from '../../src/inventory/model.js';
import type { VimClient } from '../../src/vsphere/client.js';
import { ResponseDecoder, type ReturnSpec } from '../../src/vsphere/decode.js';

const TOTAL = 1000;
const time = (n: number) => `2024-05-14T09:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}.000Z`;

/** A log whose first lines are untimed (a wrapped stack dump), and a client that serves it 500 lines a call. */
function logClient(untimed: number) {
  const lines = Array.from({ length: TOTAL }, (_, i) =>
    i < untimed ? `    frame ${i + 1}: 0x41089b3c [untimed continuation]` : `${time(i + 1)} cpu1:2097)NetPort: 1580: disabled port 0x${i.toString(16)} "x"`,
  );
  const calls: { start: number; filtered: boolean }[] = [];
  const client = {
    read: async (_method: string, args: { start: number; lines: number }, returns: ReturnSpec) => {
      calls.push({ start: args.start, filtered: returns.only !== undefined });
      const start = Math.min(args.start, TOTAL + 1);
      const end = Math.min(TOTAL, start + args.lines - 1);
      const items = lines.slice(start - 1, end).map((l) => `<lineText>${l.replace(/"/g, '&#34;')}</lineText>`).join('');
      const decoder = new ResponseDecoder(returns);
      decoder.write(
        '<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
          `<BrowseDiagnosticLogResponse xmlns="urn:vim25"><returnval><lineStart>${start}</lineStart><lineEnd>${TOTAL}</lineEnd>${items}</returnval>` +
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
